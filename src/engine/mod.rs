//! The engine: pure, synchronous, deterministic scoring.
//!
//! `assess(history, session, config)` turns an account's stored history (and the session being
//! authenticated, if any) into scores, a decision and the reasons behind them. No I/O, no clock:
//! the caller passes everything in, so the same inputs always give the same answer.

pub mod arrivals;
pub mod event_rollup;
pub mod events;
pub mod familiar;
pub mod history;
pub mod incidents;
pub mod network;
pub mod population;
pub mod reasons;
pub mod rollup;
pub mod session;
pub mod takeover;
pub mod travel;

pub use history::{aggregate, Aggregates, Link, MatchType};
pub use population::Population;
use reasons::Component;
use session::round4;
pub use session::SessionSummary;
pub use takeover::{Takeover, Velocity};

use crate::schema::{Decision, EmailInfo, RiskSignal, RiskSignalScores};

/// Per-project decision thresholds on `account_score`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// At or above: Suspicious.
    pub suspicious: f64,
    /// At or above: Fake.
    pub fake: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            suspicious: 0.5,
            fake: 0.85,
        }
    }
}

/// The session being authenticated: its summary plus the reasons of its browser verdict, and
/// once [`enrich`]ed, the takeover model's verdict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurrentSession {
    pub summary: SessionSummary,
    pub bot_reasons: Vec<String>,
    pub takeover: Takeover,
}

/// One contribution to a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: String,
    pub component: Component,
    /// How much this reason alone would put on its score, 0..1.
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub decision: Decision,
    pub account_score: f64,
    pub bot: f64,
    /// The takeover likelihood of the session being authenticated (0 without one).
    pub account_takeover: f64,
    pub multiple_accounts: f64,
    pub risk_signals: f64,
    pub accounts_linked: u32,
    pub reasons: Vec<Reason>,
    pub aggregates: Aggregates,
    /// The e-mail facts the scores used (the account object's `email`).
    pub email: EmailInfo,
}

/// How strongly each raised risk signal counts towards `risk_signals`.
fn signal_weight(s: RiskSignal) -> f64 {
    match s {
        RiskSignal::Tor => 0.8,
        RiskSignal::RecentFraudIp | RiskSignal::ImpossibleTravel => 0.7,
        RiskSignal::DeviceRisk | RiskSignal::SpoofedIp | RiskSignal::LocationSpoofing => 0.6,
        RiskSignal::Proxy | RiskSignal::Datacenter => 0.5,
        RiskSignal::Vpn | RiskSignal::DeviceNetworkMismatch => 0.3,
    }
}

/// The reason code and weight of an e-mail risk signal (`intel::email`). An alias alone is
/// weak: many careful people use `+tags`.
fn email_weight(signal: &str) -> Option<(&'static str, f64)> {
    match signal {
        "domain_disposable_type" => Some(("RISK_EMAIL_DISPOSABLE", 0.6)),
        "email_invalid" => Some(("RISK_EMAIL_INVALID", 0.3)),
        "email_high_number_count" => Some(("RISK_EMAIL_MANY_DIGITS", 0.1)),
        "email_alias" => Some(("RISK_EMAIL_ALIAS", 0.05)),
        _ => None,
    }
}

/// Everything stored about an account that the engine reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub sessions: Vec<SessionSummary>,
    pub links: Vec<Link>,
    pub lists: Vec<String>,
    /// The account's e-mail address as the caller gave it; empty when unknown.
    pub email: String,
    /// Server events (`POST /event`), in no particular order.
    pub events: Vec<events::EventSummary>,
    pub incidents: Vec<incidents::Incident>,
    /// The sessions folded out of `sessions` (`rollup`): none is also in `sessions`.
    pub rollup: Option<rollup::Rollup>,
    /// The events folded out of `events` (`event_rollup`), without their days (a listing's
    /// lean copy): none is also in `events`.
    pub event_rollup: Option<event_rollup::EventRollup>,
}

/// Combines independent probabilities: the chance that at least one holds.
pub(crate) fn noisy_or(ps: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - ps
        .into_iter()
        .fold(1.0, |acc, p| acc * (1.0 - p.clamp(0.0, 1.0)))
}

/// Sets what the session being authenticated owes to the account's history, before it is
/// stored and scored: impossible travel, and the takeover model against `population`.
pub fn enrich(
    history: &History,
    current: &mut CurrentSession,
    population: &Population,
    velocity: Velocity,
) {
    let s = &mut current.summary;
    let travel = round4(travel::score(&history.sessions, s));
    s.risk[RiskSignal::ImpossibleTravel as usize] = travel;
    current.takeover = takeover::assess(&history.sessions, s, population, velocity);
    s.takeover = round4(current.takeover.score);
    s.new_features = current.takeover.new.iter().fold(0, |m, (f, _)| m | f.bit());
    s.known_device = current.takeover.known & population::Feature::Device.bit() != 0;
}

/// How much one linked account puts on `multiple_accounts` at full link strength: two or three
/// accounts on one device (a household) stay Real, a handful more do not.
pub const LINK_WEIGHT: f64 = 0.3;
/// Links by network alone (the same IP within the hour) add at most this much however many
/// there are: offices and carriers put many people behind one address.
pub const NETWORK_ONLY_CAP: f64 = 0.15;

/// The kinds of link that add up only to a cap when they are a link's one kind, and their caps:
/// addresses at [`NETWORK_ONLY_CAP`] (offices and carriers put many people behind one), device
/// fingerprints at what three links of the strongest of them would put on the score (many weak
/// links, a popular phone model shared by thousands, must not add up to a certainty, while a rare
/// fingerprint near 0.9 is hardly capped). `links` are the links the cap applies to: for the
/// score, the fingerprint-only ones (a housemate's link over the family's browser counts in
/// full on its own, and says nothing of the strangers who merely own the same computer model).
fn weak_kind_caps<'a>(links: impl Iterator<Item = &'a Link>) -> [(MatchType, f64); 2] {
    let strongest_device = links
        .map(|l| l.strength(MatchType::Device))
        .fold(0.0, f64::max);
    [
        (MatchType::Network, NETWORK_ONLY_CAP),
        (
            MatchType::Device,
            (3.0 * LINK_WEIGHT * strongest_device).min(1.0),
        ),
    ]
}

/// Scores an account. `history` must already contain `current`'s summary when there is one.
pub fn assess(history: &History, current: Option<&CurrentSession>, config: &Config) -> Assessment {
    let aggregates = aggregate(history);
    let mut reasons = Vec::new();
    let in_list = |name: &str| history.lists.iter().any(|l| l == name);

    // Bot: the session's own verdict when authenticating, the account's decayed average otherwise.
    let bot = match current {
        Some(c) => {
            for code in &c.bot_reasons {
                reasons.push(Reason {
                    code: code.clone(),
                    component: Component::Bot,
                    weight: crate::signals::evidence_weight(code),
                });
            }
            c.summary.bot
        }
        None => aggregates.bot_average,
    };

    // Risk signals: per signal, the worse of the current session and the account's average,
    // with datacenter, VPN and proxy sessions on a network the account has used for weeks
    // counted at a fraction (`familiar`).
    let mut signals = aggregates.risk_signal_average;
    let mut own = current.map(|c| c.summary.risk_scores());
    // `history` holds the current session too, so its anonymising sessions are all of them.
    let familiar = aggregates.last_seen.map_or_else(Vec::new, |end| {
        familiar::networks(&aggregates.anonymising, &aggregates.folded_networks, end)
    });
    if !familiar.is_empty() {
        let average = familiar::discounted_average(
            &aggregates.anonymising,
            &aggregates.folded_networks,
            &familiar,
            familiar::NETWORK_SIGNALS.map(|n| signals.get(n)),
            aggregates.decayed_sessions,
        );
        for (n, avg) in familiar::NETWORK_SIGNALS.into_iter().zip(average) {
            signals.set(n, round4(avg));
        }
        if let (Some(o), Some(c)) = (own.as_mut(), current) {
            if familiar.contains(&c.summary.asn) {
                for n in familiar::NETWORK_SIGNALS {
                    o.set(n, o.get(n) * familiar::FAMILIAR_WEIGHT);
                }
            }
        }
        reasons.push(Reason {
            code: "RISK_FAMILIAR_NETWORK".into(),
            component: Component::RiskSignals,
            weight: 0.0,
        });
    }
    if let Some(o) = own {
        for s in RiskSignal::ALL {
            signals.set(s, signals.get(s).max(o.get(s)));
        }
    }
    // The e-mail address: each of its risk signals is evidence on its own.
    let email = crate::intel::email::assess(&history.email);
    let email_risk: Vec<f64> = email
        .risk_signals
        .iter()
        .filter_map(|sig| {
            let (code, w) = email_weight(sig)?;
            reasons.push(Reason {
                code: code.into(),
                component: Component::RiskSignals,
                weight: w,
            });
            Some(w)
        })
        .collect();
    let risk_signals = noisy_or(email_risk.into_iter().chain(RiskSignal::ALL.map(|s| {
        let w = signal_weight(s) * signals.get(s);
        if w > 0.0 {
            reasons.push(Reason {
                code: format!("RISK_{}", s.name().to_ascii_uppercase()),
                component: Component::RiskSignals,
                weight: round4(w),
            });
        }
        w
    })));

    // Takeover: the session's likelihood ratio, each new feature named with its own factor.
    // Without a session (the account view), the score the latest session got when it was
    // authenticated: whoever logged in last is who holds the account now, so the view says what
    // the last authenticate said, unless the owner has since passed a second factor on it.
    let account_takeover = match current {
        None => {
            let latest = history.sessions.iter().max_by_key(|s| (s.at, &s.id));
            let score = latest.map_or(0.0, |s| s.doubt());
            if score > 0.0 {
                reasons.push(Reason {
                    code: "ATO_LATEST_SESSION".into(),
                    component: Component::Takeover,
                    weight: round4(score),
                });
            }
            score
        }
        Some(c) => session_takeover(c, &mut reasons),
    };
    // A credential change after a doubtful login (a takeover flow) weighs on the account for
    // a week after the change, whatever session comes next.
    let latest = aggregates
        .last_seen
        .into_iter()
        .chain(history.events.iter().map(|e| e.at))
        .max()
        .unwrap_or(0);
    let flow = incidents::flow_takeover(history, latest);
    if flow > 0.0 {
        reasons.push(Reason {
            code: "ATO_CREDENTIAL_CHANGE".into(),
            component: Component::Takeover,
            weight: round4(flow),
        });
    }
    let account_takeover = account_takeover.max(flow);

    // Multiple accounts: every link is independent evidence of a second account, but links by
    // one weak kind alone (an address, a fingerprint) add up only to that kind's cap; each kind
    // of shared identifier is named with what its links alone would put on the score.
    let fingerprint_only = |l: &&Link| matches!(l.shared.as_slice(), [(MatchType::Device, _)]);
    let capped = weak_kind_caps(history.links.iter().filter(fingerprint_only));
    let cap_of = |m: MatchType| capped.iter().find(|c| c.0 == m).map(|c| c.1);
    // The weak kind a link is made of alone, if it is. An address with nothing that binds (a
    // fingerprint many strangers show) is an office or a carrier, capped as an address alone:
    // thirty colleagues with identical laptops behind one NAT are not one person.
    let weak_only = |l: &Link| match l.shared.as_slice() {
        [(m, _)] if cap_of(*m).is_some() => Some(*m),
        _ if l.has(MatchType::Network) && !l.binds() => Some(MatchType::Network),
        _ => None,
    };
    let mut multiple_accounts = noisy_or(
        capped
            .map(|(m, _)| Some(m))
            .into_iter()
            .chain([None])
            .map(|group| {
                let p = noisy_or(
                    history
                        .links
                        .iter()
                        .filter(|l| weak_only(l) == group)
                        .map(|l| LINK_WEIGHT * l.score),
                );
                group.and_then(cap_of).map_or(p, |cap| p.min(cap))
            }),
    );
    // Device links made by accounts arriving together are named apart from those of a rare
    // fingerprint. Each kind is named as if its links shared it alone, so every device link
    // sets its cap.
    let named_caps = weak_kind_caps(history.links.iter());
    let named_cap_of = |m: MatchType| named_caps.iter().find(|c| c.0 == m).map(|c| c.1);
    let by_burst = |l: &Link| l.burst && l.has(MatchType::Device);
    let named = MatchType::ALL
        .into_iter()
        .map(|m| (m, m.reason(), false))
        .chain([(MatchType::Device, "MULTI_DEVICE_BURST", true)]);
    for (m, code, burst) in named {
        let alone = noisy_or(
            history
                .links
                .iter()
                .filter(|l| l.has(m) && (m != MatchType::Device || by_burst(l) == burst))
                .map(|l| LINK_WEIGHT * l.strength(m)),
        );
        let alone = named_cap_of(m).map_or(alone, |cap| alone.min(cap));
        if alone > 0.0 {
            reasons.push(Reason {
                code: code.into(),
                component: Component::MultipleAccounts,
                weight: round4(alone),
            });
        }
    }
    if in_list("main_account") {
        multiple_accounts = 0.0;
        reasons.retain(|r| r.component != Component::MultipleAccounts);
        reasons.push(Reason {
            code: "LIST_MAIN_ACCOUNT".into(),
            component: Component::MultipleAccounts,
            weight: 0.0,
        });
    }

    let fake_part = fake_account_score(bot, multiple_accounts, risk_signals);
    let account_score = noisy_or([fake_part, account_takeover]);
    // A takeover alone says a real account may be in someone else's hands: the owner on a new
    // phone looks the same, and passes a second factor where the attacker does not. So it makes
    // the account Suspicious at most; Fake needs the account's own evidence to be Suspicious by
    // itself too, or velocity (many accounts, failures: an automated attack).
    let velocity = current.is_some_and(|c| c.takeover.velocity_factor > 1.0);
    let step_up = account_score >= config.fake && fake_part < config.suspicious && !velocity;
    let decision = if in_list("block") {
        reasons.push(Reason {
            code: "LIST_BLOCK".into(),
            component: Component::Decision,
            weight: 1.0,
        });
        Decision::Fake
    } else if in_list("allow") {
        reasons.push(Reason {
            code: "LIST_ALLOW".into(),
            component: Component::Decision,
            weight: 1.0,
        });
        Decision::Real
    } else if step_up {
        reasons.push(Reason {
            code: "ATO_STEP_UP".into(),
            component: Component::Decision,
            weight: 0.0,
        });
        Decision::Suspicious
    } else if account_score >= config.fake {
        Decision::Fake
    } else if account_score >= config.suspicious {
        Decision::Suspicious
    } else {
        Decision::Real
    };

    Assessment {
        decision,
        account_score: round4(account_score),
        bot: round4(bot),
        account_takeover: round4(account_takeover),
        multiple_accounts: round4(multiple_accounts),
        risk_signals: round4(risk_signals),
        accounts_linked: history.links.len() as u32,
        reasons,
        aggregates,
        email,
    }
}

/// How much `multiple_accounts` counts towards the account score: a shared device or browser is
/// often a household.
const MULTI_WEIGHT: f64 = 0.8;

/// The part of the account score that says the account itself is fake (a bot, one of many, a
/// risky network or address), as opposed to a real account in someone else's hands.
pub fn fake_account_score(bot: f64, multiple_accounts: f64, risk_signals: f64) -> f64 {
    noisy_or([bot, MULTI_WEIGHT * multiple_accounts, risk_signals])
}

impl Assessment {
    /// [`fake_account_score`] of this assessment.
    pub fn fake_account_score(&self) -> f64 {
        fake_account_score(self.bot, self.multiple_accounts, self.risk_signals)
    }
}

/// The takeover score of the session being authenticated, each new feature named with its own
/// factor.
fn session_takeover(c: &CurrentSession, reasons: &mut Vec<Reason>) -> f64 {
    let t = &c.takeover;
    for (f, factor) in &t.new {
        reasons.push(Reason {
            code: takeover::reason(*f).into(),
            component: Component::Takeover,
            weight: round4(takeover::to_score(*factor)),
        });
    }
    if t.stranger {
        reasons.push(Reason {
            code: "ATO_NEW_DEVICE_AND_IP".into(),
            component: Component::Takeover,
            weight: round4(t.score),
        });
    }
    if t.velocity_factor > 1.0 {
        reasons.push(Reason {
            code: "ATO_VELOCITY".into(),
            component: Component::Takeover,
            weight: round4(takeover::to_score(t.velocity_factor)),
        });
    }
    t.score
}

/// Rounds every score of a session to four decimals for storage.
pub fn round_scores(s: RiskSignalScores) -> [f64; 10] {
    s.0.map(round4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, at: i64, bot: f64) -> SessionSummary {
        SessionSummary {
            id: id.into(),
            at,
            bot,
            ..Default::default()
        }
    }

    fn current(bot: f64, reasons: &[&str]) -> CurrentSession {
        CurrentSession {
            summary: session("now", 1_000, bot),
            bot_reasons: reasons.iter().map(|s| s.to_string()).collect(),
            ..CurrentSession::default()
        }
    }

    fn with_current(c: &CurrentSession) -> History {
        History {
            sessions: vec![c.summary.clone()],
            ..Default::default()
        }
    }

    #[test]
    fn a_clean_session_is_real_with_no_reasons() {
        let c = current(0.0, &[]);
        let a = assess(&with_current(&c), Some(&c), &Config::default());
        assert_eq!(a.decision, Decision::Real);
        assert_eq!(a.account_score, 0.0);
        assert!(a.reasons.is_empty());
    }

    #[test]
    fn a_webdriver_session_is_fake_and_says_why() {
        let c = current(0.9, &["BOT_WEBDRIVER"]);
        let a = assess(&with_current(&c), Some(&c), &Config::default());
        assert_eq!(a.decision, Decision::Fake);
        assert_eq!(a.bot, 0.9);
        assert_eq!(a.reasons[0].code, "BOT_WEBDRIVER");
    }

    #[test]
    fn each_bot_reason_carries_its_own_weight() {
        let c = current(0.98, &["BOT_WEBDRIVER", "BOT_HEADLESS_UA"]);
        let a = assess(&with_current(&c), Some(&c), &Config::default());
        let weights: Vec<(&str, f64)> = a
            .reasons
            .iter()
            .map(|r| (r.code.as_str(), r.weight))
            .collect();
        assert_eq!(weights, [("BOT_WEBDRIVER", 0.9), ("BOT_HEADLESS_UA", 0.8)]);
        assert_eq!(a.bot, 0.98);
    }

    #[test]
    fn one_shared_browser_is_a_household_and_four_are_not() {
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        h.links
            .push(Link::of_kinds("other", &[MatchType::Browser], 0));
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.accounts_linked, 1);
        assert_eq!(a.multiple_accounts, LINK_WEIGHT);
        assert_eq!(a.decision, Decision::Real);
        assert_eq!(a.reasons[0].code, "MULTI_SHARED_BROWSER");
        for i in 0..3 {
            h.links
                .push(Link::of_kinds(&format!("o{i}"), &[MatchType::Browser], 0));
        }
        assert_eq!(
            assess(&h, Some(&c), &Config::default()).decision,
            Decision::Suspicious
        );
    }

    #[test]
    fn a_ring_of_four_accounts_on_one_mailbox_is_suspicious_and_a_family_of_three_is_not() {
        // The ring's base spelling carries no +tag: nothing but the mailbox speaks against it.
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        h.email = "jeandeals42@gmail.com".into();
        let strength = MatchType::Email.strength();
        for i in 0..2 {
            h.links.push(Link::new(
                &format!("sibling{i}"),
                vec![(MatchType::Email, strength)],
                0,
            ));
        }
        let family = assess(&h, Some(&c), &Config::default());
        assert_eq!(family.decision, Decision::Real, "{family:?}");
        h.links
            .push(Link::new("third", vec![(MatchType::Email, strength)], 0));
        let ring = assess(&h, Some(&c), &Config::default());
        assert_eq!(ring.decision, Decision::Suspicious, "{ring:?}");
        // Every point of it is the shared mailbox's.
        let codes: Vec<&str> = ring.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["MULTI_SHARED_EMAIL"]);
        assert_eq!(ring.reasons[0].weight, ring.multiple_accounts);
    }

    #[test]
    fn a_mailbox_binds_as_surely_as_a_browser() {
        assert_eq!(MatchType::Email.strength(), MatchType::Browser.strength());
        let ring = Link::of_kinds("o", &[MatchType::Email], 0);
        assert!(ring.binds());
    }

    #[test]
    fn links_by_network_alone_are_capped_however_many() {
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        for i in 0..200 {
            h.links
                .push(Link::of_kinds(&format!("o{i}"), &[MatchType::Network], 0));
        }
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.multiple_accounts, NETWORK_ONLY_CAP);
        assert_eq!(a.decision, Decision::Real);
    }

    #[test]
    fn colleagues_behind_one_nat_with_identical_laptops_are_not_one_person() {
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        for i in 0..60 {
            h.links.push(Link::new(
                &format!("colleague{i}"),
                vec![(MatchType::Network, 0.2), (MatchType::Device, 0.015)],
                0,
            ));
        }
        let a = assess(&h, Some(&c), &Config::default());
        assert!(a.multiple_accounts <= NETWORK_ONLY_CAP, "{a:?}");
        assert_eq!(a.decision, Decision::Real);
        // The same address with a rare device binds: one machine, many accounts.
        for l in h.links.iter_mut().take(4) {
            *l = l.restrengthened(MatchType::Device, 0.9);
        }
        assert_ne!(
            assess(&h, Some(&c), &Config::default()).decision,
            Decision::Real
        );
    }

    #[test]
    fn a_device_link_weighs_its_strength() {
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        h.links
            .push(Link::new("rare", vec![(MatchType::Device, 0.9)], 0));
        h.links
            .push(Link::new("common", vec![(MatchType::Device, 0.01)], 0));
        let a = assess(&h, Some(&c), &Config::default());
        let expected = 1.0 - (1.0 - LINK_WEIGHT * 0.9) * (1.0 - LINK_WEIGHT * 0.01);
        assert_eq!(a.multiple_accounts, round4(expected));
    }

    #[test]
    fn a_popular_fingerprint_among_strangers_links_nothing() {
        // 25 strangers with long histories own the same phone model; the population counts
        // the fingerprint whole.
        let mut p = Population::default();
        for i in 0..500 {
            let (id, fp) = if i < 120 {
                ("iphone".to_string(), "0.a,1.b".to_string())
            } else {
                (format!("d{i}"), format!("0.{i},1.{i}"))
            };
            p.add(
                &SessionSummary {
                    device_id: id,
                    fingerprint: fp,
                    ..Default::default()
                },
                true,
            );
        }
        p.keep_shared();
        let phone = SessionSummary {
            device_id: "iphone".into(),
            fingerprint: "0.a,1.b".into(),
            ..Default::default()
        };
        let strength = MatchType::Device.strength() / (1.0 + p.expected_twins(&phone));
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        for i in 0..25 {
            h.links.push(
                Link::new(&format!("o{i}"), vec![(MatchType::Device, strength)], 0)
                    .with_device("iphone"),
            );
        }
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.decision, Decision::Real);
        assert!(a.multiple_accounts < 0.01, "{a:?}");
        assert!(h.links.iter().all(|l| !l.binds()));
    }

    #[test]
    fn a_family_browser_does_not_loosen_the_cap_on_strangers_with_the_same_computer() {
        // Two housemates on the family's browser (and so its machine, found in a burst), and
        // eight strangers whose computer is the same popular model.
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        for i in 0..2 {
            h.links.push(
                Link::new(
                    &format!("housemate{i}"),
                    vec![(MatchType::Browser, 1.0), (MatchType::Device, 0.62)],
                    0,
                )
                .with_burst(true),
            );
        }
        let weak = 0.115;
        for i in 0..8 {
            h.links.push(Link::new(
                &format!("stranger{i}"),
                vec![(MatchType::Device, weak)],
                0,
            ));
        }
        let a = assess(&h, Some(&c), &Config::default());
        let family = noisy_or([LINK_WEIGHT; 2]);
        let strangers = 3.0 * LINK_WEIGHT * weak;
        assert_eq!(a.multiple_accounts, round4(noisy_or([family, strangers])));
        assert_eq!(a.decision, Decision::Real, "{a:?}");
        // Without the cap the strangers' eight links would have made it Suspicious.
        let uncapped = noisy_or([family, noisy_or([LINK_WEIGHT * weak; 8])]);
        assert!(fake_account_score(0.0, uncapped, 0.0) >= Config::default().suspicious);
    }

    #[test]
    fn accounts_arriving_together_on_one_device_are_one_farm() {
        let mut c = current(0.0, &[]);
        c.summary.device_id = "iphone".into();
        let mut h = with_current(&c);
        for i in 0..6 {
            h.links.push(
                Link::new(&format!("o{i}"), vec![(MatchType::Device, 0.9)], 0)
                    .with_device("iphone")
                    .with_burst(true),
            );
        }
        let config = Config::default();
        let a = assess(&h, Some(&c), &config);
        assert_eq!(a.decision, Decision::Suspicious, "{a:?}");
        let codes: Vec<&str> = a.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["MULTI_DEVICE_BURST"]);
        let openings = incidents::on_authenticate(&h, &c, &a, &config);
        assert_eq!(openings.len(), 1);
        assert_eq!(openings[0].event_type, incidents::EventType::Cluster);
    }

    #[test]
    fn a_familiar_cloud_exit_stays_real_for_its_owner() {
        let on_cloud = |id: &str, at: i64| {
            let mut s = session(id, at, 0.0);
            s.asn = 16509;
            s.risk[RiskSignal::Datacenter as usize] = 1.0;
            s
        };
        let day = crate::schema::time::DAY;
        let mut c = current(0.0, &[]);
        c.summary = on_cloud("now", 21 * day);
        let mut h = with_current(&c);
        let fresh = assess(&h, Some(&c), &Config::default());
        assert_eq!(fresh.decision, Decision::Suspicious, "{fresh:?}");
        // Three weeks of working days through the same cloud exit.
        for d in (0..21).filter(|d| d % 7 < 5) {
            h.sessions.push(on_cloud(&format!("h{d}"), d * day));
        }
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.decision, Decision::Real, "{a:?}");
        assert!(a.reasons.iter().any(|r| r.code == "RISK_FAMILIAR_NETWORK"));
        // Another cloud is no more familiar than it was.
        c.summary.asn = 14061;
        h.sessions.retain(|s| s.id != "now");
        h.sessions.push(c.summary.clone());
        assert_eq!(
            assess(&h, Some(&c), &Config::default()).decision,
            Decision::Suspicious
        );
    }

    #[test]
    fn a_takeover_session_names_what_was_new() {
        let mut c = current(0.0, &[]);
        let mut h = History::default();
        for i in 0..10 {
            h.sessions.push(SessionSummary {
                id: format!("h{i}"),
                at: i * crate::schema::time::DAY,
                country: "FR".into(),
                asn: 3215,
                device_id: "home".into(),
                ..Default::default()
            });
        }
        c.summary.at = 11 * crate::schema::time::DAY;
        c.summary.country = "BR".into();
        c.summary.asn = 28573;
        c.summary.device_id = "other".into();
        enrich(&h, &mut c, &Population::default(), Velocity::default());
        h.sessions.push(c.summary.clone());
        let a = assess(&h, Some(&c), &Config::default());
        assert!(a.account_takeover > 0.5, "{a:?}");
        assert_ne!(a.decision, Decision::Real);
        let codes: Vec<&str> = a.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            ["ATO_NEW_COUNTRY", "ATO_NEW_NETWORK", "ATO_NEW_DEVICE"]
        );
    }

    #[test]
    fn the_account_view_carries_the_latest_sessions_takeover_score() {
        let mut h = History::default();
        for (id, at, takeover) in [("owner", 1, 0.01), ("attacker", 3, 0.97), ("old", 2, 0.4)] {
            h.sessions.push(SessionSummary {
                id: id.into(),
                at,
                takeover,
                ..Default::default()
            });
        }
        let a = assess(&h, None, &Config::default());
        assert_eq!(a.account_takeover, 0.97);
        assert_eq!(a.decision, Decision::Suspicious);
        assert_eq!(a.reasons[0].code, "ATO_LATEST_SESSION");
        assert_eq!(a.reasons[0].weight, 0.97);
        // The owner logs in again: the view follows.
        h.sessions[0].at = 4;
        let a = assess(&h, None, &Config::default());
        assert_eq!(a.account_takeover, 0.01);
        assert_eq!(a.decision, Decision::Real);
    }

    #[test]
    fn a_takeover_alone_is_a_step_up_not_fake() {
        let mut c = current(0.0, &[]);
        c.takeover.score = 0.95;
        c.takeover.velocity_factor = 1.0;
        let h = with_current(&c);
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.account_score, 0.95);
        assert_eq!(a.decision, Decision::Suspicious);
        assert_eq!(a.reasons.last().unwrap().code, "ATO_STEP_UP");
        // With velocity (an automated attack), or the account's own evidence, it is Fake.
        let mut fast = c.clone();
        fast.takeover.velocity_factor = 3.0;
        assert_eq!(
            assess(&h, Some(&fast), &Config::default()).decision,
            Decision::Fake
        );
        let mut h = h;
        h.email = "someone@mailinator.com".into();
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.decision, Decision::Fake);
        assert!(!a.reasons.iter().any(|r| r.code == "ATO_STEP_UP"));
    }

    #[test]
    fn lists_override_the_scores() {
        let c = current(0.9, &["BOT_WEBDRIVER"]);
        let mut h = with_current(&c);
        h.lists = vec!["allow".into()];
        assert_eq!(
            assess(&h, Some(&c), &Config::default()).decision,
            Decision::Real
        );
        let clean = current(0.0, &[]);
        let mut h = with_current(&clean);
        h.lists = vec!["block".into()];
        assert_eq!(
            assess(&h, Some(&clean), &Config::default()).decision,
            Decision::Fake
        );
        h.lists = vec!["main_account".into()];
        h.links.push(Link::of_kinds("o", &[MatchType::Browser], 0));
        assert_eq!(
            assess(&h, Some(&clean), &Config::default()).multiple_accounts,
            0.0
        );
    }

    #[test]
    fn a_disposable_address_makes_an_account_suspicious() {
        let c = current(0.0, &[]);
        let mut h = with_current(&c);
        h.email = "someone@mailinator.com".into();
        let a = assess(&h, Some(&c), &Config::default());
        assert_eq!(a.decision, Decision::Suspicious);
        assert_eq!(a.risk_signals, 0.6);
        assert_eq!(a.reasons[0].code, "RISK_EMAIL_DISPOSABLE");
        h.email = "someone@gmail.com".into();
        assert_eq!(
            assess(&h, Some(&c), &Config::default()).decision,
            Decision::Real
        );
    }

    #[test]
    fn thresholds_are_per_project() {
        let c = current(0.6, &["BOT_HEADLESS_UA"]);
        let h = with_current(&c);
        assert_eq!(
            assess(&h, Some(&c), &Config::default()).decision,
            Decision::Suspicious
        );
        let strict = Config {
            suspicious: 0.3,
            fake: 0.55,
        };
        assert_eq!(assess(&h, Some(&c), &strict).decision, Decision::Fake);
    }

    #[test]
    fn without_a_session_the_account_keeps_its_bot_history() {
        let h = History {
            sessions: vec![session("a", 0, 0.9)],
            ..Default::default()
        };
        let a = assess(&h, None, &Config::default());
        assert_eq!(a.bot, 0.9);
    }

    #[test]
    fn every_emitted_code_is_in_the_catalogue() {
        let c = current(0.9, &["BOT_WEBDRIVER", "BOT_HEADLESS_UA"]);
        let mut h = with_current(&c);
        h.sessions[0].risk[RiskSignal::DeviceRisk as usize] = 1.0;
        h.links.push(Link::of_kinds("o", &[MatchType::Browser], 0));
        h.links.push(Link::of_kinds(
            "n",
            &[MatchType::Network, MatchType::Device],
            0,
        ));
        h.email = "x+1234567@mailinator.com".into();
        for lists in [
            vec![],
            vec!["allow".to_string(), "main_account".to_string()],
            vec!["block".to_string()],
        ] {
            h.lists = lists;
            for r in assess(&h, Some(&c), &Config::default()).reasons {
                assert!(
                    reasons::lookup(&r.code).is_some(),
                    "{} is not catalogued",
                    r.code
                );
            }
        }
    }
}
