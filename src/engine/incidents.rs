//! Incidents: when the engine opens one, of what kind, for which episode and with what score,
//! and what an account's recent history says (HUMAN's trigger categories and sensitive
//! transactions).
//!
//! An incident's id names its attack type and its *episode*, the evidence it stands for: the
//! login a takeover came through, or the identifier a cluster of fake accounts shares. Opening
//! the same incident again writes the same key, so concurrent requests cannot duplicate it,
//! and an episode the application called a false positive stays closed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::event_rollup::{EventDay, EventRollup};
use super::events::{is_credential_change, is_transaction, EventSummary, Login, CHALLENGE_FAILED};
use super::history::MatchType;
use super::population::Feature;
use super::session::{round4, SessionSummary};
use super::takeover::NEW_MACHINE_AND_ADDRESS;
use super::{noisy_or, Assessment, Config, CurrentSession, History};
use crate::schema::time::{Millis, DAY};
use crate::schema::{Additional, Decision, RiskSignal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackType {
    AccountTakeover,
    FakeAccount,
}

impl AttackType {
    pub fn name(self) -> &'static str {
        match self {
            AttackType::AccountTakeover => "account_takeover",
            AttackType::FakeAccount => "fake_account",
        }
    }

    /// HUMAN's short name (`attackType` of feedback): `ato` or `fa`.
    pub fn short(self) -> &'static str {
        match self {
            AttackType::AccountTakeover => "ato",
            AttackType::FakeAccount => "fa",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Single,
    Cluster,
}

impl EventType {
    pub fn name(self) -> &'static str {
        match self {
            EventType::Single => "single",
            EventType::Cluster => "cluster",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Resolved,
    Archived,
}

/// HUMAN's risk-trigger categories, in the order responses list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Device,
    Network,
    Location,
    Behavior,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Device,
        Category::Network,
        Category::Location,
        Category::Behavior,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Device => "device",
            Category::Network => "network",
            Category::Location => "location",
            Category::Behavior => "behavior",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of categories as a bitmask.
fn categories(mask: u8) -> Vec<Category> {
    Category::ALL
        .into_iter()
        .filter(|c| mask & c.bit() != 0)
        .collect()
}

/// Manual incidents archive themselves after two weeks, as HUMAN's do.
pub const MANUAL_ARCHIVE_AFTER: Millis = 14 * DAY;

/// One incident as stored (the value of its key, and its metadata when it fits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    #[serde(skip)]
    pub id: String,
    pub attack_type: AttackType,
    pub event_type: EventType,
    pub risk_score: f64,
    #[serde(default)]
    pub is_manually_created: bool,
    pub created: Millis,
    pub status: Status,
    /// Feedback's `result` once there is one (`no_attack`, `resolved`, `manually_identified…`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub result: String,
    #[serde(default)]
    pub updated: Millis,
    #[serde(default)]
    pub triggers: Vec<Category>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub additional: Additional,
}

impl Incident {
    /// The status as of `now`: a manual incident still pending after two weeks is archived.
    pub fn status_at(&self, now: Millis) -> Status {
        if self.status == Status::Pending
            && self.is_manually_created
            && now - self.created >= MANUAL_ARCHIVE_AFTER
        {
            Status::Archived
        } else {
            self.status
        }
    }

    pub fn is_false_positive(&self) -> bool {
        self.result == "no_attack"
    }
}

/// An incident the engine wants open (the API fills in `additional` and writes it, unless an
/// incident with the same id already exists).
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    pub id: String,
    pub attack_type: AttackType,
    pub event_type: EventType,
    pub risk_score: f64,
    pub triggers: Vec<Category>,
    pub reasons: Vec<String>,
}

impl Opening {
    pub fn into_incident(self, created: Millis, additional: Additional) -> Incident {
        Incident {
            id: self.id,
            attack_type: self.attack_type,
            event_type: self.event_type,
            risk_score: round4(self.risk_score),
            is_manually_created: false,
            created,
            status: Status::Pending,
            result: String::new(),
            updated: created,
            triggers: self.triggers,
            reasons: self.reasons,
            additional,
        }
    }
}

/// The category a takeover feature's novelty belongs to.
fn feature_category(f: Feature) -> Category {
    match f {
        Feature::Device | Feature::Browser | Feature::Os => Category::Device,
        Feature::Asn | Feature::Ip => Category::Network,
        Feature::Country => Category::Location,
        Feature::Hour => Category::Behavior,
    }
}

/// A risk signal or a bot score counts towards a category from this score on.
const TRIGGER: f64 = 0.5;

/// The categories a session's own scores trigger, as a bitmask: automation and tampering
/// (device), anonymising networks and addresses of fake accounts (network), travel and a
/// locale foreign to the address (location), and, when the session looked like someone
/// else's, the kind of each thing that was new.
fn session_categories(s: &SessionSummary) -> u8 {
    let mut mask = evidence_categories(s);
    if s.takeover >= TRIGGER {
        mask |= novelty_categories(s.new_features);
    }
    mask
}

/// [`session_categories`] without the novelty: what the session shows whoever's it is.
fn evidence_categories(s: &SessionSummary) -> u8 {
    let r = s.risk_scores();
    let any = |signals: &[RiskSignal]| signals.iter().any(|x| r.get(*x) >= TRIGGER);
    let mut mask = 0;
    if s.bot >= TRIGGER || any(&[RiskSignal::DeviceRisk]) {
        mask |= Category::Device.bit();
    }
    if any(&[
        RiskSignal::Proxy,
        RiskSignal::Vpn,
        RiskSignal::Tor,
        RiskSignal::Datacenter,
        RiskSignal::RecentFraudIp,
        RiskSignal::SpoofedIp,
    ]) {
        mask |= Category::Network.bit();
    }
    if any(&[
        RiskSignal::ImpossibleTravel,
        RiskSignal::DeviceNetworkMismatch,
        RiskSignal::LocationSpoofing,
    ]) {
        mask |= Category::Location.bit();
    }
    mask
}

fn novelty_categories(new_features: u8) -> u8 {
    Feature::ALL
        .into_iter()
        .filter(|f| new_features & f.bit() != 0)
        .fold(0, |m, f| m | feature_category(f).bit())
}

/// A login counts as the way into a takeover flow when it was this unlike the owner. A new
/// device alone is not enough: the owner's new computer at home scores near 0 and its owner
/// often resets a forgotten password on it; an attacker's new device comes with a new network
/// and address, which the takeover model scores above this.
pub const FLOW_LOGIN: f64 = 0.25;
/// How long after such a login a credential change continues the flow.
pub const FLOW_WINDOW: Millis = DAY;
/// What a credential change right after a doubtful login adds to the login's own score.
pub const FLOW_CHANGE: f64 = 0.5;
/// How long a flow keeps weighing on the account's takeover score.
pub const FLOW_MEMORY: Millis = 7 * DAY;

fn logins(history: &History) -> impl Iterator<Item = Login<'_>> {
    history
        .sessions
        .iter()
        .map(Login::of_session)
        .chain(history.events.iter().filter_map(Login::of_event))
}

/// Whether a login can open a takeover flow: a score of [`FLOW_LOGIN`], or a new device on a
/// new address (see [`NEW_MACHINE_AND_ADDRESS`]) whatever the score; never a login from a
/// device the account already showed, nor one the owner passed a second factor on (the
/// application reported `challenge_succeeded`: the step-up told them apart). The owner abroad
/// on their own laptop scores a new country, network and address, and is where people reset a
/// password they cannot recall;
/// an attacker shows the owner's device only with the owner's machine, or with a copy of its
/// fingerprint and cookies (an infostealer's kit), which no login-time evidence tells apart.
fn doubtful(l: &Login<'_>) -> bool {
    !l.known_device
        && !l.verified
        && (l.takeover >= FLOW_LOGIN
            || l.new_features & NEW_MACHINE_AND_ADDRESS == NEW_MACHINE_AND_ADDRESS)
}

/// The doubtful login a credential change at `at` continues, if any: the riskiest of `logins`
/// within [`FLOW_WINDOW`] before it.
fn flow_login<'a>(logins: impl Iterator<Item = Login<'a>>, at: Millis) -> Option<Login<'a>> {
    logins
        .filter(|l| l.at <= at && at - l.at <= FLOW_WINDOW && doubtful(l))
        .max_by(|a, b| a.takeover.total_cmp(&b.takeover).then(a.at.cmp(&b.at)))
}

fn flow_score(login: &Login<'_>) -> f64 {
    noisy_or([login.takeover, FLOW_CHANGE])
}

/// The id of the takeover incident whose episode is the login `login_id`.
pub fn takeover_id(login_id: &str) -> String {
    format!("ato.{login_id}")
}

/// The takeover flows of an account whose credential change came at or after `since`: each
/// with the login's id, its score and the change's time, leaving out episodes the application
/// called false positives.
fn flows(history: &History, since: Millis) -> Vec<(String, f64, Millis)> {
    let mut out: Vec<(String, f64, Millis)> = Vec::new();
    let changes: Vec<&EventSummary> = history
        .events
        .iter()
        .filter(|e| e.at >= since && is_credential_change(&e.kind))
        .collect();
    let Some(earliest) = changes.iter().map(|e| e.at).min() else {
        return out;
    };
    // One pass over the history for the few logins that could start a flow.
    let candidates: Vec<Login<'_>> = logins(history)
        .filter(|l| l.at >= earliest - FLOW_WINDOW && doubtful(l))
        .collect();
    for e in changes {
        let Some(login) = flow_login(candidates.iter().copied(), e.at) else {
            continue;
        };
        let id = takeover_id(login.id);
        let dismissed = history
            .incidents
            .iter()
            .any(|i| i.id == id && i.is_false_positive());
        if !dismissed && !out.iter().any(|(o, _, _)| *o == id) {
            out.push((id, flow_score(&login), e.at));
        }
    }
    out
}

/// The takeover score the account's recent flows put on it: the strongest flow whose change
/// happened within [`FLOW_MEMORY`] of `now`.
pub fn flow_takeover(history: &History, now: Millis) -> f64 {
    flows(history, now - FLOW_MEMORY)
        .into_iter()
        .map(|(_, score, _)| score)
        .fold(0.0, f64::max)
}

/// Whether a login scored as not the owner's shows more than the owner's own new device can:
/// a country the account never showed, velocity (other accounts or failures on its address or
/// device within the hour), or evidence of its own (automation, an anonymising network or an
/// address of fake accounts, impossible travel, a locale foreign to the address).
///
/// A device, network and address new to the account, in its own country, is exactly what an
/// owner's new phone on mobile data or second computer at work shows, and what an attacker on
/// the victim's own ISP shows: the decision asks for a second factor (`ATO_STEP_UP`), which
/// tells them apart, and the incident waits for the flow to go on: a credential change within
/// [`FLOW_WINDOW`] opens it ([`on_event`]) under the same id. A login no flow could continue
/// (from a device the owner already showed: [`doubtful`]) opens it at once. QUALITY.md shows
/// the trade-off.
fn more_than_a_new_device(current: &CurrentSession) -> bool {
    let s = &current.summary;
    s.new_features & Feature::Country.bit() != 0
        || current.takeover.velocity_factor > 1.0
        || evidence_categories(s) != 0
        || !doubtful(&Login::of_session(s))
}

/// A Suspicious account with at least this `multiple_accounts` is a fake account of a cluster.
pub const CLUSTER_EVIDENCE: f64 = 0.5;

/// The incidents an authentication opens: a takeover when the session scored as someone else's
/// with more than a new device's novelty ([`more_than_a_new_device`]; its episode is the
/// session), a fake account when the decision is Fake on the scores (not
/// forced by the block list) without the takeover's part (a real account in an attacker's hands
/// is a takeover, not a fake account), or Suspicious on those scores alone with
/// [`CLUSTER_EVIDENCE`] of other accounts:
/// `cluster` when linked accounts share its browser, device or
/// mailbox (its episode is that identifier), `single` otherwise.
pub fn on_authenticate(
    history: &History,
    current: &CurrentSession,
    assessment: &Assessment,
    config: &Config,
) -> Vec<Opening> {
    let s = &current.summary;
    let mut out = Vec::new();
    let reasons = |component: &str| -> Vec<String> {
        assessment
            .reasons
            .iter()
            .filter(|r| component.is_empty() || r.component.name() == component)
            .map(|r| r.code.clone())
            .collect()
    };
    if s.takeover >= super::takeover::NOT_THE_OWNER && more_than_a_new_device(current) {
        out.push(Opening {
            id: takeover_id(&s.id),
            attack_type: AttackType::AccountTakeover,
            event_type: EventType::Single,
            risk_score: s.takeover,
            triggers: categories(session_categories(s) | novelty_categories(s.new_features)),
            reasons: reasons("account_takeover"),
        });
    }
    let listed = history.lists.iter().any(|l| l == "block");
    // On the fake-account scores alone: a Suspicious decision the takeover's part made (the
    // owner's new phone on mobile data, linked to the family's shared computer) is a step-up,
    // not a cluster of fake accounts.
    let fake_part = assessment.fake_account_score();
    let fake = match assessment.decision {
        Decision::Fake => fake_part >= config.fake,
        Decision::Suspicious => {
            fake_part >= config.suspicious && assessment.multiple_accounts >= CLUSTER_EVIDENCE
        }
        Decision::Real => false,
    };
    if fake && !listed {
        let anchor = cluster_anchor(history, s);
        let mut mask = session_categories(s);
        if anchor.is_some() {
            mask |= Category::Device.bit();
        }
        if history.links.iter().any(|l| l.has(MatchType::Network)) {
            mask |= Category::Network.bit();
        }
        out.push(Opening {
            id: match &anchor {
                Some(a) => format!("fa.c{a}"),
                None => String::from("fa.single"),
            },
            attack_type: AttackType::FakeAccount,
            event_type: if anchor.is_some() {
                EventType::Cluster
            } else {
                EventType::Single
            },
            risk_score: assessment.account_score,
            triggers: categories(mask),
            reasons: reasons(""),
        });
    }
    out
}

/// What a cluster of linked accounts shares, hashed: the session's browser id, else its
/// device, else the account's normalised mailbox; `None` when no link is of those kinds.
fn cluster_anchor(history: &History, s: &SessionSummary) -> Option<String> {
    let has = |m| history.links.iter().any(|l| l.binds_by(m));
    let anchor = if has(MatchType::Browser) && !s.browser_id.is_empty() {
        format!("b:{}", s.browser_id)
    } else if has(MatchType::Device) && !s.device_id.is_empty() {
        format!("d:{}", s.device_id)
    } else if has(MatchType::Email) {
        format!(
            "e:{}",
            crate::intel::email::parse(&history.email)?.normalized()
        )
    } else {
        return None;
    };
    let digest = Sha256::digest(anchor.as_bytes());
    Some(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// The login of an account a second factor was asked on: the session with its `session_id`,
/// else the latest `login_succeeded` event naming it.
#[derive(Debug, Clone, Copy)]
pub enum Challenged<'a> {
    Session(&'a SessionSummary),
    Event(&'a EventSummary, Login<'a>),
}

impl<'a> Challenged<'a> {
    pub fn find(history: &'a History, session_id: &str) -> Option<Challenged<'a>> {
        if session_id.is_empty() {
            return None;
        }
        let session = history.sessions.iter().find(|s| s.id == session_id);
        match session {
            Some(s) => Some(Challenged::Session(s)),
            None => history
                .events
                .iter()
                .filter(|e| e.session_id == session_id)
                .filter_map(|e| Some(Challenged::Event(e, Login::of_event(e)?)))
                .max_by_key(|c| c.login().at),
        }
    }

    pub fn login(self) -> Login<'a> {
        match self {
            Challenged::Session(s) => Login::of_session(s),
            Challenged::Event(_, l) => l,
        }
    }
}

/// The incident an event opens, a takeover whose episode is a doubtful login (the same
/// incident its authentication may have opened):
/// - a credential change following the login (the flow);
/// - a second factor failed on the login itself (`challenge_failed`): someone holds the
///   password and not the owner's second factor. An owner who mistyped the code and then
///   passes closes it (`challenge_succeeded`, in the API).
///
/// `history` must already hold the event.
pub fn on_event(history: &History, event: &EventSummary) -> Option<Opening> {
    let (login, last) = if is_credential_change(&event.kind) {
        (
            flow_login(logins(history), event.at)?,
            "ATO_CREDENTIAL_CHANGE",
        )
    } else if event.kind == CHALLENGE_FAILED {
        let login = Challenged::find(history, &event.session_id)
            .map(Challenged::login)
            .filter(doubtful)?;
        (login, "ATO_CHALLENGE_FAILED")
    } else {
        return None;
    };
    let mask = novelty_categories(login.new_features) | Category::Behavior.bit();
    let mut reasons: Vec<String> = Feature::ALL
        .into_iter()
        .filter(|f| login.new_features & f.bit() != 0)
        .map(|f| super::takeover::reason(f).to_string())
        .collect();
    reasons.push(String::from(last));
    Some(Opening {
        id: takeover_id(login.id),
        attack_type: AttackType::AccountTakeover,
        event_type: EventType::Single,
        risk_score: flow_score(&login),
        triggers: categories(mask),
        reasons,
    })
}

/// HUMAN's `aggregative_data` over `[from, to]`: the categories the account's sessions and
/// incidents triggered, and its sensitive transactions in order of first appearance. `None`
/// when nothing of the account falls in the window. `folded` is the account's events' rollup
/// with its days, when the window reaches back to them: their days count whole.
pub fn aggregative(
    history: &History,
    folded: Option<&EventRollup>,
    from: Millis,
    to: Millis,
) -> Option<(Vec<Category>, Vec<String>)> {
    let within = |t: Millis| from <= t && t <= to;
    let sessions: Vec<&SessionSummary> = history.sessions.iter().filter(|s| within(s.at)).collect();
    let mut events: Vec<&EventSummary> = history.events.iter().filter(|e| within(e.at)).collect();
    let days: Vec<&EventDay> = folded
        .into_iter()
        .flat_map(|r| r.days_within(from, to))
        .collect();
    if sessions.is_empty() && events.is_empty() && days.is_empty() {
        return None;
    }
    let mut mask = sessions.iter().fold(0, |m, s| m | session_categories(s));
    for i in history.incidents.iter().filter(|i| within(i.created)) {
        if !i.is_false_positive() {
            mask |= i.triggers.iter().fold(0, |m, c| m | c.bit());
        }
    }
    let failed = events
        .iter()
        .filter(|e| e.kind == super::events::LOGIN_FAILED)
        .count()
        + days.iter().map(|d| d.failed_logins as usize).sum::<usize>();
    if failed >= FAILED_LOGINS_TRIGGER {
        mask |= Category::Behavior.bit();
    }
    events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    // Each transaction's first appearance, among the folded days and the events kept.
    let mut firsts: Vec<(Millis, &str)> = days
        .iter()
        .flat_map(|d| d.transactions.iter().map(|(kind, at)| (*at, kind.as_str())))
        .chain(
            events
                .iter()
                .filter(|e| is_transaction(&e.kind))
                .map(|e| (e.at, e.kind.as_str())),
        )
        .collect();
    firsts.sort();
    let mut transactions: Vec<String> = Vec::new();
    for (_, kind) in firsts {
        if !transactions.iter().any(|t| t == kind) {
            transactions.push(kind.to_string());
        }
    }
    Some((categories(mask), transactions))
}

/// Failed logins in the window from which behaviour is a trigger category.
pub const FAILED_LOGINS_TRIGGER: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::LOGIN_SUCCEEDED;
    use crate::engine::takeover::{Velocity, NOT_THE_OWNER};
    use crate::schema::time::HOUR;

    fn login(id: &str, at: Millis, takeover: f64, new_features: u8) -> SessionSummary {
        SessionSummary {
            id: id.into(),
            at,
            takeover,
            new_features,
            ..SessionSummary::default()
        }
    }

    fn event(id: &str, at: Millis, kind: &str) -> EventSummary {
        EventSummary {
            id: id.into(),
            at,
            kind: kind.into(),
            ..EventSummary::default()
        }
    }

    fn history(sessions: Vec<SessionSummary>, events: Vec<EventSummary>) -> History {
        History {
            sessions,
            events,
            ..History::default()
        }
    }

    const NEW_DEVICE: u8 = 1 << Feature::Device as u8;

    #[test]
    fn a_password_change_after_a_doubtful_login_opens_a_takeover() {
        let change = event("e1", 10 * HOUR, "password_change");
        let h = history(
            vec![
                login("s-old", 0, 0.01, 0),
                login("s-new", 9 * HOUR, 0.3, NEW_DEVICE),
            ],
            vec![change.clone()],
        );
        let o = on_event(&h, &change).expect("a takeover flow");
        assert_eq!(o.id, "ato.s-new");
        assert_eq!(o.attack_type, AttackType::AccountTakeover);
        assert!((o.risk_score - 0.65).abs() < 1e-9, "{}", o.risk_score);
        assert_eq!(o.triggers, [Category::Device, Category::Behavior]);
        assert_eq!(o.reasons, ["ATO_NEW_DEVICE", "ATO_CREDENTIAL_CHANGE"]);
    }

    /// An owner's ten daily logins from one computer at home in France.
    fn ten_days_at_home() -> History {
        let sessions = (0..10)
            .map(|i| SessionSummary {
                id: format!("h{i}"),
                at: i * DAY,
                country: "FR".into(),
                asn: 3215,
                ip: "192.0.2.1".into(),
                device_id: "home".into(),
                browser: "Chrome".into(),
                os: "Windows".into(),
                ..SessionSummary::default()
            })
            .collect();
        history(sessions, Vec::new())
    }

    #[test]
    fn a_takeover_opens_a_takeover_incident_not_a_fake_account_one() {
        let mut h = ten_days_at_home();
        let mut c = CurrentSession {
            summary: SessionSummary {
                id: "attacker".into(),
                at: 11 * DAY,
                country: "NG".into(),
                asn: 37148,
                device_id: "other".into(),
                browser: "Firefox".into(),
                os: "Linux".into(),
                ..SessionSummary::default()
            },
            ..CurrentSession::default()
        };
        super::super::enrich(
            &h,
            &mut c,
            &super::super::Population::default(),
            super::super::Velocity::default(),
        );
        h.sessions.push(c.summary.clone());
        let config = Config::default();
        let a = super::super::assess(&h, Some(&c), &config);
        assert!(a.account_score >= config.fake, "{a:?}");
        let kinds: Vec<AttackType> = on_authenticate(&h, &c, &a, &config)
            .into_iter()
            .map(|o| o.attack_type)
            .collect();
        assert_eq!(kinds, [AttackType::AccountTakeover]);
    }

    /// A login of the [`ten_days_at_home`] owner's new phone, on a French carrier the account
    /// never used.
    fn phone_on_a_carrier(id: &str, at: Millis) -> CurrentSession {
        CurrentSession {
            summary: SessionSummary {
                id: id.into(),
                at,
                country: "FR".into(),
                asn: 51207,
                ip: "198.51.100.7".into(),
                device_id: "phone".into(),
                browser: "Chrome".into(),
                os: "Android".into(),
                ..SessionSummary::default()
            },
            ..CurrentSession::default()
        }
    }

    // Events are kept whole for as long as a takeover flow reads them.
    const _: () = assert!(super::super::event_rollup::KEEP_FOR > FLOW_MEMORY + FLOW_WINDOW);

    #[test]
    fn a_new_device_on_a_new_network_at_home_steps_up_and_waits_for_a_credential_change() {
        // The owner's new phone on a carrier the account never used, or an attacker on a new
        // device in the victim's country: the same evidence at the login.
        let mut h = ten_days_at_home();
        let mut c = phone_on_a_carrier("phone", 11 * DAY);
        let population = super::super::Population::default();
        super::super::enrich(&h, &mut c, &population, Velocity::default());
        assert!(c.summary.takeover >= NOT_THE_OWNER, "{:?}", c.takeover);
        h.sessions.push(c.summary.clone());
        let config = Config::default();
        let a = super::super::assess(&h, Some(&c), &config);
        assert_eq!(a.decision, Decision::Suspicious, "{a:?}");
        assert_eq!(on_authenticate(&h, &c, &a, &config), []);
        // Linked to a family's shared computer as well (multiple_accounts 0.55): the takeover's
        // part made it Suspicious, a step-up, and no fake-account incident opens either.
        let mut family = a.clone();
        family.multiple_accounts = 0.55;
        assert_eq!(on_authenticate(&h, &c, &family, &config), []);
        // Fake-account scores Suspicious by themselves open one.
        let mut farm = a.clone();
        farm.multiple_accounts = 0.7;
        let kinds: Vec<AttackType> = on_authenticate(&h, &c, &farm, &config)
            .into_iter()
            .map(|o| o.attack_type)
            .collect();
        assert_eq!(kinds, [AttackType::FakeAccount]);

        // A password change within the day continues the flow: the incident opens then.
        let change = event("e1", 11 * DAY + HOUR, "password_change");
        h.events.push(change.clone());
        let o = on_event(&h, &change).expect("a takeover flow");
        assert_eq!(o.id, "ato.phone");

        // Scored as not the owner's on a device the owner showed: no flow could follow, so the
        // incident opens at the login.
        let mut known = c.clone();
        known.summary.known_device = true;
        assert_eq!(on_authenticate(&h, &known, &a, &config).len(), 1);

        // The same login with velocity behind it (stuffing) opens the incident at once.
        let mut stuffed = c.clone();
        stuffed.takeover.velocity_factor = 2.0;
        let opened = on_authenticate(&h, &stuffed, &a, &config);
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].attack_type, AttackType::AccountTakeover);
    }

    #[test]
    fn a_second_factor_passed_on_the_owners_new_phone_makes_it_theirs() {
        // The owner's new phone on a carrier the account never used: stepped up at the login.
        let mut h = ten_days_at_home();
        let phone = phone_on_a_carrier;
        let population = super::super::Population::default();
        let mut first = phone("phone-1", 11 * DAY);
        super::super::enrich(&h, &mut first, &population, Velocity::default());
        assert!(
            first.summary.takeover >= NOT_THE_OWNER,
            "{:?}",
            first.takeover
        );

        // Without the second factor's outcome, the phone stays a stranger's at every login.
        h.sessions.push(first.summary.clone());
        let mut again = phone("phone-2", 12 * DAY);
        super::super::enrich(&h, &mut again, &population, Velocity::default());
        assert!(
            again.summary.takeover >= NOT_THE_OWNER,
            "{:?}",
            again.takeover
        );

        // The owner passed it on the first login (challenge_succeeded): no flow starts there,
        // the account view no longer carries its score, and the next login from the phone, on
        // the same carrier, is the owner's.
        h.sessions.last_mut().unwrap().verified = true;
        let change = event("e1", 11 * DAY + HOUR, "password_change");
        h.events.push(change.clone());
        assert_eq!(on_event(&h, &change), None);
        assert_eq!(flow_takeover(&h, 11 * DAY + HOUR), 0.0);
        let view = super::super::assess(&h, None, &Config::default());
        assert_eq!(view.account_takeover, 0.0, "{view:?}");
        assert_eq!(view.decision, Decision::Real, "{view:?}");
        let mut again = phone("phone-2", 12 * DAY);
        super::super::enrich(&h, &mut again, &population, Velocity::default());
        assert!(again.summary.takeover < 0.1, "{:?}", again.takeover);
    }

    #[test]
    fn a_second_factor_failed_after_a_doubtful_login_opens_its_takeover_incident() {
        let failed = |at: Millis, session: &str| EventSummary {
            session_id: session.into(),
            ..event("c", at, CHALLENGE_FAILED)
        };
        let mut h = history(
            vec![
                login("s-old", 0, 0.01, 0),
                login("s-new", 9 * HOUR, 0.6, NEW_DEVICE | Feature::Ip.bit()),
            ],
            Vec::new(),
        );
        let e = failed(9 * HOUR + 60_000, "s-new");
        h.events.push(e.clone());
        let o = on_event(&h, &e).expect("a takeover incident");
        assert_eq!(o.id, "ato.s-new");
        assert_eq!(
            o.reasons,
            ["ATO_NEW_DEVICE", "ATO_NEW_IP", "ATO_CHALLENGE_FAILED"]
        );
        // On the owner's usual login (nothing new), a mistyped code is not a takeover.
        let e = failed(9 * HOUR + 60_000, "s-old");
        assert_eq!(on_event(&h, &e), None);
        // Nor on a login the owner then passed.
        h.sessions[1].verified = true;
        let e = failed(9 * HOUR + 60_000, "s-new");
        assert_eq!(on_event(&h, &e), None);
    }

    #[test]
    fn a_second_factor_names_a_reported_login_by_its_session_id() {
        let login_event = EventSummary {
            session_id: "app-session-7".into(),
            takeover: 0.7,
            new_features: NEW_DEVICE | Feature::Ip.bit(),
            ..event("e-login", HOUR, LOGIN_SUCCEEDED)
        };
        let h = history(Vec::new(), vec![login_event]);
        let found = Challenged::find(&h, "app-session-7").expect("the login event");
        assert_eq!(found.login().id, "e-login");
        assert!(Challenged::find(&h, "another").is_none());
        assert!(Challenged::find(&h, "").is_none());
    }

    #[test]
    fn a_password_change_on_the_owners_new_device_at_home_opens_nothing() {
        // A new device that scored low: the owner's own network and address.
        let change = event("e1", 10 * HOUR, "password_change");
        let h = history(
            vec![login("s", 9 * HOUR, 0.04, NEW_DEVICE)],
            vec![change.clone()],
        );
        assert_eq!(on_event(&h, &change), None);
        assert_eq!(flow_takeover(&h, 10 * HOUR), 0.0);
    }

    #[test]
    fn a_password_change_after_a_new_device_on_a_new_address_of_the_owners_isp_is_a_takeover() {
        // The attacker on the victim's own ISP and in the victim's city: only the device and
        // the address are new, and the model scores the login low.
        let new_machine = NEW_DEVICE | Feature::Ip.bit();
        let change = event("e1", 10 * HOUR, "password_change");
        let h = history(
            vec![
                login("s-old", 0, 0.01, 0),
                login("s-new", 9 * HOUR, 0.08, new_machine),
            ],
            vec![change.clone()],
        );
        let o = on_event(&h, &change).expect("a takeover flow");
        assert_eq!(o.id, "ato.s-new");
        assert_eq!(
            o.reasons,
            ["ATO_NEW_DEVICE", "ATO_NEW_IP", "ATO_CREDENTIAL_CHANGE"]
        );
        assert!(flow_takeover(&h, 10 * HOUR) >= 0.5);
        // The same login with no credential change opens nothing by itself.
        let quiet = history(vec![login("s-new", 9 * HOUR, 0.08, new_machine)], vec![]);
        assert_eq!(flow_takeover(&quiet, 10 * HOUR), 0.0);
    }

    #[test]
    fn a_password_change_after_a_login_abroad_on_the_owners_own_device_opens_nothing() {
        // The traveller's own laptop in another country: a new country, network and address
        // scored over the flow's threshold, the device known.
        let mut abroad = login("s-abroad", 9 * HOUR, 0.3, Feature::Country.bit());
        abroad.device_id = "laptop".into();
        abroad.known_device = true;
        let change = event("e1", 10 * HOUR, "password_change");
        let h = history(vec![abroad.clone()], vec![change.clone()]);
        assert_eq!(on_event(&h, &change), None);
        // The same score on a device the account never showed is a flow.
        abroad.new_features |= NEW_DEVICE;
        abroad.known_device = false;
        let h = history(vec![abroad], vec![change.clone()]);
        assert_eq!(
            on_event(&h, &change).map(|o| o.id),
            Some("ato.s-abroad".into())
        );
    }

    #[test]
    fn a_password_change_from_the_owners_usual_device_opens_nothing() {
        let change = event("e1", 10 * HOUR, "password_change");
        let h = history(vec![login("s", 9 * HOUR, 0.02, 0)], vec![change.clone()]);
        assert_eq!(on_event(&h, &change), None);
        assert_eq!(flow_takeover(&h, 10 * HOUR), 0.0);
    }

    #[test]
    fn a_change_more_than_a_day_after_the_doubtful_login_opens_nothing() {
        let change = event("e1", 25 * HOUR, "email_change");
        let h = history(vec![login("s", 0, 0.4, NEW_DEVICE)], vec![change.clone()]);
        assert_eq!(on_event(&h, &change), None);
    }

    #[test]
    fn a_transaction_is_not_a_credential_change() {
        let send = event("e1", HOUR, "send_message");
        let h = history(vec![login("s", 0, 0.9, NEW_DEVICE)], vec![send.clone()]);
        assert_eq!(on_event(&h, &send), None);
    }

    #[test]
    fn a_flow_weighs_on_the_account_for_a_week_unless_called_a_false_positive() {
        let h = history(
            vec![login("s", 0, 0.3, NEW_DEVICE)],
            vec![event("e", HOUR, "mfa_disabled")],
        );
        let expected = 1.0 - 0.7 * 0.5;
        assert!((flow_takeover(&h, 2 * HOUR) - expected).abs() < 1e-9);
        assert_eq!(flow_takeover(&h, HOUR + 8 * DAY), 0.0);
        let mut dismissed = h.clone();
        let mut i = on_event(&h, &h.events[0])
            .unwrap()
            .into_incident(HOUR, Additional::default());
        i.status = Status::Resolved;
        i.result = "no_attack".into();
        dismissed.incidents.push(i);
        assert_eq!(flow_takeover(&dismissed, 2 * HOUR), 0.0);
    }

    #[test]
    fn aggregative_data_counts_both_edges_of_the_window_and_nothing_outside() {
        let h = history(
            vec![],
            vec![
                event("a", 100, "withdraw"),
                event("b", 99, "send_attachment"),
                event("c", 300, "send_message"),
                event("d", 301, "send_gift"),
                event("e", 200, "withdraw"),
            ],
        );
        let (_, tx) = aggregative(&h, None, 100, 300).unwrap();
        assert_eq!(tx, ["withdraw", "send_message"]);
        assert_eq!(aggregative(&h, None, 400, 500), None);
    }

    #[test]
    fn trigger_categories_come_from_risky_sessions_and_failed_logins() {
        let mut tor = login("s", 10, 0.0, 0);
        tor.risk[RiskSignal::Tor as usize] = 1.0;
        let mut travel = login("t", 20, 0.0, 0);
        travel.risk[RiskSignal::ImpossibleTravel as usize] = 0.9;
        let failed = (0..5).map(|i| event(&format!("f{i}"), 30 + i, "login_failed"));
        let h = history(vec![tor, travel], failed.collect());
        let (cats, tx) = aggregative(&h, None, 0, 100).unwrap();
        assert_eq!(
            cats,
            [Category::Network, Category::Location, Category::Behavior]
        );
        assert!(tx.is_empty());
        let calm = history(vec![login("s", 10, 0.0, NEW_DEVICE)], vec![]);
        assert_eq!(aggregative(&calm, None, 0, 100).unwrap().0, []);
    }

    #[test]
    fn a_manual_incident_still_pending_after_two_weeks_is_archived() {
        let mut i = Opening {
            id: "ato.m1".into(),
            attack_type: AttackType::AccountTakeover,
            event_type: EventType::Single,
            risk_score: 1.0,
            triggers: vec![],
            reasons: vec![],
        }
        .into_incident(0, Additional::default());
        assert_eq!(i.status_at(MANUAL_ARCHIVE_AFTER), Status::Pending);
        i.is_manually_created = true;
        assert_eq!(i.status_at(MANUAL_ARCHIVE_AFTER - 1), Status::Pending);
        assert_eq!(i.status_at(MANUAL_ARCHIVE_AFTER), Status::Archived);
    }
}
