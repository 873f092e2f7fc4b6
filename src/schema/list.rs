//! Lists (Verisoul's `/list` endpoints): named sets of accounts. The built-ins `allow`, `block`
//! and `main_account` change decisions; custom lists only label.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListSummary {
    pub name: String,
    pub description: String,
}

/// `GET /list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListsResponse {
    pub request_id: String,
    pub lists: Vec<ListSummary>,
}

/// `GET /list/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListResponse {
    pub request_id: String,
    pub name: String,
    pub description: String,
    pub accounts: Vec<String>,
}

/// Every change to a list or its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListChangeResponse {
    pub request_id: String,
    pub message: String,
    pub success: bool,
}
