//! What the customer-rules stage adds to the authenticate and unauthenticated answers.

use serde::{Deserialize, Serialize};

use super::risk::Decision;

/// `rules` of a scored answer, present when the project has rules: the decision the engine
/// alone made, every rule that matched (shadow rules too: they act on nothing), and every rule
/// that could not be evaluated on this answer (it was skipped; the request went on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesReport {
    pub engine_decision: Decision,
    pub matched: Vec<RuleMatch>,
    pub skipped: Vec<RuleSkipped>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMatch {
    pub rule: String,
    pub version: u32,
    /// `active` or `shadow`.
    pub mode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSkipped {
    pub rule: String,
    pub error: String,
}
