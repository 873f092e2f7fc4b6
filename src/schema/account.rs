//! The account object: Verisoul's `PUT /account/{id}` seed, `GET /account/{id}` and the `account`
//! part of the authenticate response.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::risk::{Decision, RiskSignalScores};

/// The caller's own description of an account (`account` in requests and responses).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountInfo {
    pub id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
    #[serde(default)]
    pub group: String,
}

/// Counts of distinct devices or networks over the day and week ending at `last_seen`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Windows {
    #[serde(rename = "1_day")]
    pub one_day: u32,
    #[serde(rename = "7_day")]
    pub seven_day: u32,
}

/// E-mail intelligence (`email` of the account object).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailInfo {
    pub email: String,
    pub disposable: bool,
    pub personal: bool,
    pub valid: bool,
    pub domain_type: String,
    /// −1 most trusted … +1 most risky.
    pub email_score: f64,
    pub trust_signals: Vec<String>,
    pub risk_signals: Vec<String>,
}

/// A reason behind a score: a stable code a user can look up, and how much it contributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonOut {
    pub code: String,
    pub score: String,
    pub weight: f64,
    /// For `RULE`: the customer rule that acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The scores every account-bearing response carries, with the reasons behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub decision: Decision,
    pub account_score: f64,
    pub bot: f64,
    /// Edgeward's addition: the takeover likelihood of the session being authenticated.
    pub account_takeover: f64,
    pub multiple_accounts: f64,
    pub risk_signals: f64,
    pub accounts_linked: u32,
    pub lists: Vec<String>,
    /// Edgeward's addition: every non-zero contribution to the scores above.
    pub reasons: Vec<ReasonOut>,
}

/// What is known about an account from its stored history (`AccountDetails`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDetails {
    pub account: AccountInfo,
    pub num_sessions: u32,
    pub first_seen: String,
    pub last_seen: String,
    pub last_session: String,
    pub country: String,
    pub countries: Vec<String>,
    pub unique_devices: Windows,
    pub unique_networks: Windows,
    pub email: EmailInfo,
    pub risk_signal_average: RiskSignalScores,
}

/// `GET /account/{id}` and `PUT /account/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountResponse {
    pub project_id: String,
    pub request_id: String,
    #[serde(flatten)]
    pub scores: Scores,
    #[serde(flatten)]
    pub details: AccountDetails,
}

/// The body of `PUT /account/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AccountUpdate {
    pub id: String,
    pub email: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub group: Option<String>,
}

/// `DELETE /account/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteAccountResponse {
    pub request_id: String,
    pub account_id: String,
    pub success: bool,
}

/// `GET /account/{id}/sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSessionsResponse {
    pub request_id: String,
    pub sessions: Vec<String>,
}

/// One entry of `GET /account/{id}/accounts-linked`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedAccount {
    pub account_id: String,
    /// Link confidence, 0..1.
    pub score: f64,
    pub match_type: Vec<String>,
    pub email: String,
    pub lists: Vec<String>,
    pub metadata: Map<String, Value>,
}

/// `GET /account/{id}/accounts-linked`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsLinkedResponse {
    pub request_id: String,
    pub accounts_linked: Vec<LinkedAccount>,
}
