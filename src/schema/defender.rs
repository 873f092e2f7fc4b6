//! HUMAN Account Defender's wire types: account info v1 and v2 (the seed
//! `seeds/000_dd632c2cec67239c.txt`), incidents, feedback and the webhook body. Absent fields
//! are left out, never sent as `null`: the seed's presence rules are part of the contract.

use serde::{Deserialize, Serialize};

/// An incident's `additional`: where the evidence came from, as the seed names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Additional {
    /// Hours since the account registered (the seed's 35394 is four years and a month).
    #[serde(default)]
    pub account_age: i64,
    /// Who runs the network (the AS organisation, or `AS<n>`).
    #[serde(default)]
    pub asn: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub device_fingerprint: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub ip: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub user_agent: String,
    /// The visitor id: Edgeward's browser id.
    #[serde(default)]
    pub vid: String,
}

/// One incident as v2 lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentOut {
    pub attack_type: String,
    pub event_type: String,
    pub risk_score: f64,
    pub is_manually_created: bool,
    pub incident_creation: String,
    pub additional: Additional,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregativeData {
    pub trigger_categories: Vec<String>,
    pub sensitive_transactions: Vec<String>,
}

/// `GET /api/v2/account_defender/account/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountInfoV2 {
    pub account_id: String,
    pub exists: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_under_attack: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_incidents: Option<Vec<IncidentOut>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregative_data: Option<AggregativeData>,
}

/// `GET /api/v1/account_defender/account/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountInfoV1 {
    pub account_id: String,
    pub is_under_attack: bool,
    /// Sent only when true, as HUMAN does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_manually_created: Option<bool>,
    /// 0..100.
    pub risk_score: u32,
    pub exists: bool,
}

/// `POST /event` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventResponse {
    pub request_id: String,
    pub event_id: String,
    pub account_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: String,
    /// The incidents this event opened.
    pub incidents_opened: Vec<IncidentOut>,
}

/// The webhook body (HUMAN's client action) sent when an incident opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookBody {
    pub user_id: String,
    pub score: f64,
    /// `ato` or `fake_account`, as HUMAN's client actions name them.
    pub attack_type: String,
    /// The reason codes behind the incident.
    pub attack_patterns: Vec<String>,
    pub timestamp: String,
    pub event_type: String,
    pub additional: WebhookAdditional,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookAdditional {
    pub city: String,
    pub country: String,
    pub ip: String,
    pub user_agent: String,
}
