//! Sessions: `POST /session` (browser), `POST /session/authenticate`,
//! `POST /session/unauthenticated` and `GET /session/{id}`.

use serde::{Deserialize, Serialize};

use super::rules::RulesReport;

use super::account::{AccountDetails, AccountUpdate, LinkedAccount, Scores};
use super::risk::{RiskSignalFlags, RiskSignalScores};

/// `POST /session` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateSessionResponse {
    pub session_id: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub ip_address: String,
    pub service_provider: String,
    pub connection_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub continent: String,
    pub country_code: String,
    pub state: String,
    pub city: String,
    pub zip_code: String,
    pub timezone: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Browser {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
    pub language: String,
    pub user_agent: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub category: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub os: String,
    pub cpu_cores: Option<u32>,
    pub memory: Option<f64>,
    pub gpu: String,
    pub screen_height: Option<u32>,
    pub screen_width: Option<u32>,
}

/// Behavioural event counts reported by the browser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BotEvents {
    pub mouse_num_events: u32,
    pub click_num_events: u32,
    pub keyboard_num_events: u32,
    pub touch_num_events: u32,
    pub clipboard_num_events: u32,
}

/// What Edgeward knows about one session (Verisoul's `SessionDetails`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDetails {
    pub start_time: String,
    pub true_country_code: String,
    pub device_id: String,
    pub network: Network,
    pub location: Location,
    pub browser: Browser,
    pub device: Device,
    pub bot: BotEvents,
    pub risk_signals: RiskSignalFlags,
    pub risk_signal_scores: RiskSignalScores,
}

/// `GET /session/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResponse {
    pub account_ids: Vec<String>,
    pub request_id: String,
    pub project_id: String,
    pub session_id: String,
    #[serde(flatten)]
    pub details: SessionDetails,
}

/// `POST /session/authenticate` body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuthenticateRequest {
    pub session_id: String,
    pub account: AccountUpdate,
}

/// `POST /session/unauthenticated` body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UnauthenticatedRequest {
    pub session_id: String,
}

/// `POST /session/authenticate` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticateResponse {
    pub project_id: String,
    pub session_id: String,
    pub account_id: String,
    pub request_id: String,
    #[serde(flatten)]
    pub scores: Scores,
    pub session: SessionDetails,
    pub account: AccountDetails,
    /// With `?accounts_linked=true`: every linked account.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub linked_accounts: Option<Vec<LinkedAccount>>,
    /// When the project has rules: what they did (Edgeward's addition).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rules: Option<RulesReport>,
}

/// `POST /session/unauthenticated` answer: the authenticate answer without an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnauthenticatedResponse {
    pub project_id: String,
    pub session_id: String,
    pub request_id: String,
    #[serde(flatten)]
    pub scores: Scores,
    pub session: SessionDetails,
    /// With `?accounts_linked=true`: every account seen on the session's browser.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub linked_accounts: Option<Vec<LinkedAccount>>,
    /// When the project has rules: what they did (Edgeward's addition).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rules: Option<RulesReport>,
}
