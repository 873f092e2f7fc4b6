//! What the API stores as KV values: the session record and the account profile, and how a
//! session record turns into the wire `SessionDetails` and the engine's `SessionSummary`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::{network, round_scores, SessionSummary};
use crate::intel::ip::NetworkKind;
use crate::intel::user_agent;
use crate::schema::time::{rfc3339, Millis};
use crate::schema::{
    AccountInfo, BotEvents, Browser, Device, Location, Network, RiskSignal, RiskSignalScores,
    SessionDetails,
};
use crate::signals::{Payload, Verdict};

/// Where the request came from, as the edge saw it (Cloudflare's `request.cf`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Geo {
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub continent: String,
    #[serde(default)]
    pub region: String,
    #[serde(default, alias = "postalCode")]
    pub postal_code: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub asn: Option<u32>,
    #[serde(default, alias = "asOrganization")]
    pub as_organization: String,
}

/// One browser session, as `POST /session` recorded it. Lives 24 h.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub ip: String,
    pub user_agent: String,
    pub accept_language: String,
    pub geo: Geo,
    /// The raw signals exactly as the page sent them.
    pub signals: Value,
    /// The worker's own evaluation of `signals`.
    pub verdict: Verdict,
    /// What the IP tables said about the address.
    #[serde(default)]
    pub origin: Origin,
}

/// The kind of network behind a session's address and who runs it, from the IP tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NetworkKind>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
}

impl SessionRecord {
    /// The session's own risk-signal scores: `device_risk` from the browser verdict, the kind of
    /// network, and the locale against the address's country. Impossible travel and recent
    /// fraud on the address need the account and the project; authenticate adds them.
    pub fn risk_scores(&self) -> RiskSignalScores {
        let mut r = RiskSignalScores::default();
        // Tampering only: automation is the bot score's evidence and is not counted twice.
        if self.verdict.tampered {
            r.set(RiskSignal::DeviceRisk, 0.9);
        }
        network::set_kind(&mut r, self.origin.kind);
        let p = Payload::new(self.signals.clone());
        let mut languages = p.languages();
        if languages.is_empty() {
            languages = header_languages(&self.accept_language);
        }
        let locale = network::Locale {
            country: &self.geo.country,
            timezone: p.timezone(),
            languages: &languages,
        };
        r.set(
            RiskSignal::DeviceNetworkMismatch,
            network::mismatch(&locale),
        );
        r
    }

    pub fn summary(&self) -> SessionSummary {
        let ua = user_agent::parse(&self.user_agent_string());
        SessionSummary {
            asn: self.geo.asn.unwrap_or(0),
            browser: ua.browser,
            os: ua.os,
            fingerprint: crate::signals::fingerprint(&Payload::new(self.signals.clone())),
            id: self.id.clone(),
            at: self.created_at,
            ip: self.ip.clone(),
            country: self.geo.country.clone(),
            device_id: self.verdict.device_id.clone(),
            browser_id: self.verdict.browser_id.clone(),
            bot: crate::engine::session::round4(self.verdict.bot),
            risk: round_scores(self.risk_scores()),
            takeover: 0.0,
            new_features: 0,
            known_device: false,
            verified: false,
            lat: self.geo.latitude.map(|l| (l * 100.0).round() / 100.0),
            lon: self.geo.longitude.map(|l| (l * 100.0).round() / 100.0),
        }
    }

    /// The user agent: what the server saw wins over what the page claims.
    fn user_agent_string(&self) -> String {
        if self.user_agent.is_empty() {
            Payload::new(self.signals.clone())
                .user_agent()
                .unwrap_or("")
                .to_string()
        } else {
            self.user_agent.clone()
        }
    }

    /// Who runs the network: Cloudflare's AS organisation, else the origin table's provider,
    /// else the autonomous system's number (the open-data ASN table has no names).
    pub fn service_provider(&self) -> String {
        if !self.geo.as_organization.is_empty() {
            self.geo.as_organization.clone()
        } else if !self.origin.provider.is_empty() {
            self.origin.provider.clone()
        } else {
            self.geo.asn.map(|a| format!("AS{a}")).unwrap_or_default()
        }
    }

    pub fn details(&self) -> SessionDetails {
        let p = Payload::new(self.signals.clone());
        let ua_string = self.user_agent_string();
        let ua = user_agent::parse(&ua_string);
        let language = self
            .accept_language
            .split([',', ';'])
            .next()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .or_else(|| p.languages().first().copied())
            .unwrap_or("")
            .to_string();
        let (screen_width, screen_height) = p.screen();
        let scores = self.risk_scores();
        SessionDetails {
            start_time: rfc3339(self.created_at),
            true_country_code: self.geo.country.clone(),
            device_id: self.verdict.device_id.clone(),
            network: Network {
                ip_address: self.ip.clone(),
                service_provider: self.service_provider(),
                connection_type: String::new(),
            },
            location: Location {
                continent: self.geo.continent.clone(),
                country_code: self.geo.country.clone(),
                state: self.geo.region.clone(),
                city: self.geo.city.clone(),
                zip_code: self.geo.postal_code.clone(),
                timezone: self.geo.timezone.clone(),
                latitude: self.geo.latitude,
                longitude: self.geo.longitude,
            },
            browser: Browser {
                kind: ua.browser,
                version: ua.version,
                language,
                user_agent: ua_string,
                timezone: p.timezone().unwrap_or("").to_string(),
            },
            device: Device {
                category: ua.category,
                kind: String::new(),
                os: ua.os,
                cpu_cores: p.hardware_concurrency(),
                memory: p.device_memory(),
                gpu: p.webgl_renderer().unwrap_or("").to_string(),
                screen_height,
                screen_width,
            },
            bot: BotEvents {
                mouse_num_events: p.behavior("mouse"),
                click_num_events: p.behavior("click"),
                keyboard_num_events: p.behavior("keyboard"),
                touch_num_events: p.behavior("touch"),
                clipboard_num_events: p.behavior("clipboard"),
            },
            risk_signals: scores.flags(),
            risk_signal_scores: scores,
        }
    }
}

/// The language tags of an `Accept-Language` header, most preferred first.
fn header_languages(header: &str) -> Vec<&str> {
    header
        .split(',')
        .filter_map(|part| part.split(';').next())
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "*")
        .collect()
}

/// The caller's own fields of an account: last writer wins, as with Verisoul's PUT. It never
/// holds counts or anything derived, which are computed from the account's keys on read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(flatten)]
    pub info: AccountInfo,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Profile {
    /// A profile with nothing but its id.
    pub fn new(id: &str, now: Millis) -> Profile {
        Profile {
            info: AccountInfo {
                id: id.to_string(),
                ..AccountInfo::default()
            },
            created_at: now,
            updated_at: now,
        }
    }
}
