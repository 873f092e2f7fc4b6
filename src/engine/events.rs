//! Server events (`POST /event`) as the engine reads them: logins, credential changes and the
//! application's named sensitive transactions.

use serde::{Deserialize, Serialize};

use super::session::SessionSummary;
use crate::schema::time::Millis;

/// How long an event is kept: its key's time to live, and how long its day stays in the
/// account's events' rollup (`event_rollup`).
pub const RETENTION: Millis = 400 * crate::schema::time::DAY;

/// The event types Edgeward knows; every other (valid) name is a sensitive transaction.
pub const LOGIN_SUCCEEDED: &str = "login_succeeded";
pub const LOGIN_FAILED: &str = "login_failed";
pub const REGISTRATION: &str = "registration";
/// Changes that hand an account to whoever makes them: an attacker's next steps after a login.
pub const CREDENTIAL_CHANGES: [&str; 3] = ["password_change", "email_change", "mfa_disabled"];
/// The outcome of a second factor the application asked for on a login (its `session_id`),
/// as a step-up on a Suspicious decision does: passed, the login was the owner's; failed,
/// someone holding the password could not go on.
pub const CHALLENGE_SUCCEEDED: &str = "challenge_succeeded";
pub const CHALLENGE_FAILED: &str = "challenge_failed";
const KNOWN: [&str; 8] = [
    LOGIN_SUCCEEDED,
    LOGIN_FAILED,
    REGISTRATION,
    "password_change",
    "email_change",
    "mfa_disabled",
    CHALLENGE_SUCCEEDED,
    CHALLENGE_FAILED,
];

pub fn is_challenge(kind: &str) -> bool {
    kind == CHALLENGE_SUCCEEDED || kind == CHALLENGE_FAILED
}

/// Whether `kind` is one of the application's own transaction names (`send_message` …).
pub fn is_transaction(kind: &str) -> bool {
    !KNOWN.contains(&kind)
}

pub fn is_credential_change(kind: &str) -> bool {
    CREDENTIAL_CHANGES.contains(&kind)
}

/// What one event contributes to its account: the metadata of its key, a few hundred bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    /// The event id lives in the key name.
    #[serde(skip)]
    pub id: String,
    #[serde(rename = "t")]
    pub at: Millis,
    /// When the event reached Edgeward (the server's clock; `at` is the application's): the
    /// order events are folded in (`event_rollup`). 0 for events stored before it was kept.
    #[serde(rename = "r", default, skip_serializing_if = "is_zero_i64")]
    pub arrived: Millis,
    #[serde(rename = "ty")]
    pub kind: String,
    #[serde(rename = "s", default, skip_serializing_if = "String::is_empty")]
    pub session_id: String,
    #[serde(rename = "i", default, skip_serializing_if = "String::is_empty")]
    pub ip: String,
    #[serde(rename = "c", default, skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(rename = "a", default, skip_serializing_if = "is_zero")]
    pub asn: u32,
    /// For a login: how unlike the owner it was (the takeover model's score).
    #[serde(rename = "to", default, skip_serializing_if = "is_zero_f64")]
    pub takeover: f64,
    /// For a login: the takeover features that were new (`SessionSummary::new_features`).
    #[serde(rename = "nf", default, skip_serializing_if = "is_zero_u8")]
    pub new_features: u8,
    /// For a login: the owner passed a second factor on it (`SessionSummary::verified`).
    #[serde(rename = "v", default, skip_serializing_if = "is_false")]
    pub verified: bool,
}

impl EventSummary {
    /// For a login: its takeover score as the owner's history reads it
    /// (`SessionSummary::doubt`).
    pub fn doubt(&self) -> f64 {
        if self.verified {
            0.0
        } else {
            self.takeover
        }
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

/// A login seen by the engine: a browser session authenticated for the account, or a
/// `login_succeeded` event the application reported without one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Login<'a> {
    pub id: &'a str,
    pub at: Millis,
    pub takeover: f64,
    pub new_features: u8,
    /// The login came from a device the owner had shown before (`SessionSummary::known_device`);
    /// false for a `login_succeeded` event, which shows none.
    pub known_device: bool,
    /// The owner passed a second factor on it: it starts no takeover flow.
    pub verified: bool,
}

impl<'a> Login<'a> {
    pub fn of_session(s: &'a SessionSummary) -> Login<'a> {
        Login {
            id: &s.id,
            at: s.at,
            takeover: s.takeover,
            new_features: s.new_features,
            known_device: s.known_device,
            verified: s.verified,
        }
    }

    pub fn of_event(e: &'a EventSummary) -> Option<Login<'a>> {
        (e.kind == LOGIN_SUCCEEDED).then_some(Login {
            id: &e.id,
            at: e.at,
            takeover: e.takeover,
            new_features: e.new_features,
            known_device: false,
            verified: e.verified,
        })
    }
}

/// The session an event-only login stands for, so the takeover model can compare it with the
/// account's history: its address, network and country, and the browser of its user agent.
pub fn login_summary(e: &EventSummary, browser: String, os: String) -> SessionSummary {
    SessionSummary {
        id: e.id.clone(),
        at: e.at,
        ip: e.ip.clone(),
        country: e.country.clone(),
        asn: e.asn,
        browser,
        os,
        // A login judged not the owner's stays out of the history later logins are compared
        // with (`takeover::NOT_THE_OWNER`).
        takeover: e.takeover,
        verified: e.verified,
        ..SessionSummary::default()
    }
}
