//! Account takeover: how much more likely the session being authenticated is an attacker's
//! than the account owner's, from the account's own history against the whole population.
//!
//! The model is Freeman et al., "Who Are You? A Statistical Approach to Measuring User
//! Authenticity" (NDSS 2016), the basis of risk-based authentication research (Wiefling et al.):
//!
//! ```text
//! LR = Π_f ( p(x_f | attacker) / p(x_f | owner) ) ^ w_f
//! ```
//!
//! - `p(x | attacker)` is the value's share of the population: an attacker is a random member
//!   of it ([`Population::share`]);
//! - `p(x | owner)` is the value's share of the account's earlier sessions, smoothed towards
//!   the population (Witten–Bell): `(c + β·p(x)) / (n + β)` with `β` = distinct values seen + 1,
//!   so an owner who already moves around gives new values more room;
//! - `w_f` damps features that change innocently (browsers update, people log in at odd
//!   hours), as risk-based authentication deployments do with feature weights.
//!
//! A value the owner never showed multiplies the ratio by about `(n + β) / β`; a value the
//! owner shows often and the population rarely divides it.
//!
//! A random member of the population is the naive attacker. A targeted one (Wiefling et al.,
//! "Pump up password security!", 2022) knows the victim and shows the victim's country through a
//! proxy there, browser, operating system and usual hour, at no cost: for them, a match on
//! those features is no evidence of the owner. So a feature an attacker copies at will counts
//! only against the session (its factor is at least 1, the larger of the two attackers' ratios),
//! while the owner's own device and address, which cost an attacker the owner's machine or
//! line, still count for the owner ([`min_factor`]). The owner's network (ASN) is copied at will
//! too: residential proxy services sell exits by country, city and ASN, so an attacker on the
//! victim's own provider from a new address is not the owner's evidence. The ratio becomes a 0..1 score
//! `LR / (LR + K)`, and velocity (many accounts from one IP or device within the hour:
//! credential stuffing) multiplies the ratio, since it makes any novelty more suspicious.

use super::population::{Feature, Population, Value};
use super::session::SessionSummary;
use crate::schema::time::{Millis, HOUR};

/// The likelihood ratio at which the takeover score is 0.5: about a new device on a new
/// network and address in the owner's country. A traveller with their own device (new
/// country, network and address) stays under it.
///
/// A device and an address both new to the account raise the ratio to at least this: nothing
/// of what the owner has shown is present, since the network, country, browser and hour are
/// copied at will ([`min_factor`]). That is an attacker on the victim's own provider, and the
/// owner's new phone away from home, which the second factor a Suspicious decision asks for
/// tells apart, once (a passed one makes the device the owner's). The owner's new computer on
/// their usual address shows only the device.
pub const HALF_POINT: f64 = 40.0;
/// What a login from someone else's machine shows even on the owner's own network: a device
/// and an address the account never used (`Feature::bit`s). An attacker in the victim's city
/// on the victim's ISP (a neighbour, a flatmate's friend, a local fraud ring) shows both with
/// the owner's network, country and habits; the owner's new computer on their usual address
/// shows only the device. Such a login scores at least [`HALF_POINT`] here, and can start a
/// takeover flow whatever its score (`incidents`).
pub const NEW_MACHINE_AND_ADDRESS: u8 = 1 << Feature::Device as u8 | 1 << Feature::Ip as u8;
/// No single feature raises the ratio by more than this factor.
const MAX_FACTOR: f64 = 30.0;

/// How far a value the owner has shown can lower the ratio (before the feature's weight).
/// - Country, network (ASN), browser, OS and hour: not at all (1), a targeted attacker copies
///   them (the network through a residential proxy bought by ASN).
/// - The device: to 1/20. The owner's hardware is the best evidence of the owner an attacker
///   cannot show without the owner's machine, though an anti-detect browser can imitate a
///   fingerprint, so it never cancels everything.
/// - The address: to 1/5. An attacker on the owner's line (a shared flat, an office) must not
///   be cancelled out by it.
fn min_factor(f: Feature) -> f64 {
    match f {
        Feature::Country | Feature::Asn | Feature::Browser | Feature::Os | Feature::Hour => 1.0,
        Feature::Device => 0.05,
        Feature::Ip => 0.2,
    }
}
/// The model reads the account's latest sessions only: habits drift (a new phone, a move), and
/// counting distinct values over thousands of sessions would cost more than the request allows.
pub const MAX_HISTORY: usize = 200;
/// Sessions of history before the model says anything: a new account cannot be taken over.
pub const MIN_HISTORY: usize = 1;

/// How much each feature counts (an exponent on its ratio).
fn weight(f: Feature) -> f64 {
    match f {
        Feature::Device | Feature::Country => 1.0,
        Feature::Asn => 0.7,
        Feature::Browser | Feature::Os | Feature::Ip => 0.5,
        Feature::Hour => 0.3,
    }
}

/// The reason code of a feature that was new to the account.
pub fn reason(f: Feature) -> &'static str {
    match f {
        Feature::Country => "ATO_NEW_COUNTRY",
        Feature::Asn => "ATO_NEW_NETWORK",
        Feature::Browser => "ATO_NEW_BROWSER",
        Feature::Os => "ATO_NEW_OS",
        Feature::Device => "ATO_NEW_DEVICE",
        Feature::Ip => "ATO_NEW_IP",
        Feature::Hour => "ATO_UNUSUAL_HOUR",
    }
}

/// Other accounts seen within the last hour on the session's IP and on its device, other
/// accounts that failed to log in from the IP, and the account's own failed logins.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Velocity {
    pub accounts_per_ip: u32,
    pub accounts_per_device: u32,
    pub failed_accounts_per_ip: u32,
    pub failed_logins: u32,
}

/// Other accounts within the hour before velocity counts: households and small offices share.
pub const VELOCITY_FREE: u32 = 3;
pub const VELOCITY_WINDOW: Millis = HOUR;
/// The account's own failed logins within the hour before they count: people mistype.
pub const FAILED_LOGINS_FREE: u32 = 5;

impl Velocity {
    /// The factor velocity puts on the likelihood ratio: 1 up to [`VELOCITY_FREE`] other
    /// accounts (or [`FAILED_LOGINS_FREE`] failed logins), then growing by one for every five
    /// more.
    pub fn factor(self) -> f64 {
        let excess = self
            .accounts_per_ip
            .max(self.accounts_per_device)
            .max(self.failed_accounts_per_ip)
            .saturating_sub(VELOCITY_FREE)
            + self.failed_logins.saturating_sub(FAILED_LOGINS_FREE);
        1.0 + excess as f64 / 5.0
    }
}

/// The model's verdict on one session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Takeover {
    pub score: f64,
    pub likelihood_ratio: f64,
    /// Features whose value the account never showed before, with the factor each put on the
    /// ratio.
    pub new: Vec<(Feature, f64)>,
    /// The features whose value the owner had shown before (`Feature::bit`s).
    pub known: u8,
    pub velocity_factor: f64,
    /// The device and the address were both new to the account, and the ratio was raised to
    /// [`HALF_POINT`] for it ([`assess`]).
    pub stranger: bool,
}

/// A stored session with at least this takeover score is not the owner's: it stays out of the
/// history the next session is compared with, so an attacker's retry is not "seen before".
/// Unless the owner passed a second factor on it (`SessionSummary::doubt`): then its device,
/// address and network are the owner's from then on.
pub const NOT_THE_OWNER: f64 = 0.5;

/// Scores `current` against the account's earlier sessions (`history`, which may include
/// `current` itself: it is left out by id), leaving out sessions judged not the owner's.
pub fn assess(
    history: &[SessionSummary],
    current: &SessionSummary,
    population: &Population,
    velocity: Velocity,
) -> Takeover {
    let mut earlier: Vec<&SessionSummary> = history
        .iter()
        .filter(|s| s.id != current.id && s.doubt() < NOT_THE_OWNER)
        .collect();
    if earlier.len() > MAX_HISTORY {
        earlier.select_nth_unstable_by_key(MAX_HISTORY, |s| std::cmp::Reverse(s.at));
        earlier.truncate(MAX_HISTORY);
    }
    let velocity_factor = velocity.factor();
    if earlier.len() < MIN_HISTORY {
        // Nothing to compare with: only velocity is evidence, and it carries its own reason.
        return Takeover {
            velocity_factor,
            likelihood_ratio: velocity_factor,
            score: if velocity_factor > 1.0 {
                to_score(velocity_factor)
            } else {
                0.0
            },
            ..Takeover::default()
        };
    }
    let mut log_lr = 0.0;
    let mut new = Vec::new();
    let mut known = 0;
    for f in Feature::ALL {
        let Some(value) = f.value(current) else {
            continue;
        };
        let mut n = 0.0;
        let mut c = 0.0;
        let mut distinct: Vec<Value> = Vec::new();
        for v in earlier.iter().filter_map(|s| f.value(s)) {
            n += 1.0;
            if v == value {
                c += 1.0;
            }
            if !distinct.contains(&v) {
                distinct.push(v);
            }
        }
        if n == 0.0 {
            continue;
        }
        let p = population.share(f, &value.to_string());
        let beta = distinct.len() as f64 + 1.0;
        let owner = (c + beta * p) / (n + beta);
        let factor = (p / owner).clamp(min_factor(f), MAX_FACTOR).powf(weight(f));
        log_lr += factor.ln();
        if c == 0.0 {
            new.push((f, factor));
        } else {
            known |= f.bit();
        }
    }
    let mut likelihood_ratio = log_lr.exp() * velocity_factor;
    let new_bits = new.iter().fold(0, |m, (f, _)| m | f.bit());
    let stranger = new_bits & NEW_MACHINE_AND_ADDRESS == NEW_MACHINE_AND_ADDRESS
        && likelihood_ratio < HALF_POINT;
    if stranger {
        likelihood_ratio = HALF_POINT;
    }
    Takeover {
        score: to_score(likelihood_ratio),
        likelihood_ratio,
        new,
        known,
        velocity_factor,
        stranger,
    }
}

/// The 0..1 score of a likelihood ratio.
pub fn to_score(lr: f64) -> f64 {
    lr / (lr + HALF_POINT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::time::DAY;

    fn s(
        id: &str,
        at: Millis,
        country: &str,
        asn: u32,
        device: &str,
        browser: &str,
    ) -> SessionSummary {
        SessionSummary {
            id: id.into(),
            at,
            country: country.into(),
            asn,
            device_id: device.into(),
            browser: browser.into(),
            os: "Windows".into(),
            ..Default::default()
        }
    }

    /// The owner's one home address.
    const HOME_IP: &str = "198.51.100.7";

    /// Twenty sessions from one device at home, one a day at 09:00 UTC.
    fn owner() -> Vec<SessionSummary> {
        (0..20)
            .map(|i| SessionSummary {
                ip: HOME_IP.into(),
                ..s(
                    &format!("h{i}"),
                    i * DAY + 9 * HOUR,
                    "FR",
                    3215,
                    "home",
                    "Chrome",
                )
            })
            .collect()
    }

    /// `c` from the owner's home address.
    fn at_home(c: SessionSummary) -> SessionSummary {
        SessionSummary {
            ip: HOME_IP.into(),
            ..c
        }
    }

    fn at_next_day(mut c: SessionSummary) -> SessionSummary {
        c.id = "now".into();
        c.at = 20 * DAY + 9 * HOUR;
        c
    }

    fn score(c: SessionSummary, v: Velocity) -> Takeover {
        assess(&owner(), &at_next_day(c), &Population::default(), v)
    }

    #[test]
    fn the_owners_usual_session_scores_near_zero() {
        let t = score(s("", 0, "FR", 3215, "home", "Chrome"), Velocity::default());
        assert!(t.score < 0.01, "{t:?}");
        assert!(t.new.is_empty());
    }

    #[test]
    fn a_new_device_at_home_stays_low() {
        let t = score(
            at_home(s("", 0, "FR", 3215, "phone", "Chrome")),
            Velocity::default(),
        );
        assert!(t.score < 0.2, "{t:?}");
        assert_eq!(t.new.len(), 1);
        assert_eq!(t.new[0].0, Feature::Device);
    }

    #[test]
    fn the_owner_travelling_with_their_device_stays_low() {
        let t = score(s("", 0, "US", 7922, "home", "Chrome"), Velocity::default());
        assert!(t.score < 0.5, "{t:?}");
    }

    #[test]
    fn a_new_device_country_network_and_browser_is_a_takeover() {
        let mut c = s("", 0, "NG", 37148, "attacker", "Firefox");
        c.os = "Linux".into();
        let t = score(c, Velocity::default());
        assert!(t.score > 0.95, "{t:?}");
        let codes: Vec<&str> = t.new.iter().map(|(f, _)| reason(*f)).collect();
        assert_eq!(
            codes,
            [
                "ATO_NEW_COUNTRY",
                "ATO_NEW_NETWORK",
                "ATO_NEW_BROWSER",
                "ATO_NEW_OS",
                "ATO_NEW_DEVICE"
            ]
        );
    }

    #[test]
    fn an_attackers_flagged_session_is_not_the_owners_history() {
        let attacker = || {
            let mut c = s("", 0, "NG", 37148, "attacker", "Firefox");
            c.os = "Linux".into();
            c
        };
        let first = at_next_day(attacker());
        let t = assess(
            &owner(),
            &first,
            &Population::default(),
            Velocity::default(),
        );
        // The first attempt is stored with its score; the retry ten minutes later is compared
        // with the owner's sessions only.
        let mut history = owner();
        history.push(SessionSummary {
            id: "attempt-1".into(),
            takeover: t.score,
            ..first.clone()
        });
        let mut retry = attacker();
        retry.id = "attempt-2".into();
        retry.at = first.at + 10 * 60_000;
        let again = assess(
            &history,
            &retry,
            &Population::default(),
            Velocity::default(),
        );
        assert!(again.score > 0.95, "{again:?}");
    }

    #[test]
    fn an_owner_who_moves_around_gives_new_values_more_room() {
        let mut roaming = owner();
        for (i, s) in roaming.iter_mut().enumerate() {
            s.country = ["FR", "DE", "IT", "ES", "NL"][i % 5].into();
        }
        let c = at_next_day(s("", 0, "US", 3215, "home", "Chrome"));
        let settled = assess(&owner(), &c, &Population::default(), Velocity::default());
        let moving = assess(&roaming, &c, &Population::default(), Velocity::default());
        assert!(moving.likelihood_ratio < settled.likelihood_ratio / 2.0);
    }

    #[test]
    fn a_new_account_is_not_a_takeover() {
        let c = s("now", 0, "NG", 1, "x", "Firefox");
        let t = assess(
            std::slice::from_ref(&c),
            &c,
            &Population::default(),
            Velocity::default(),
        );
        assert_eq!(t.score, 0.0);
    }

    #[test]
    fn many_accounts_on_one_ip_within_the_hour_raise_the_ratio() {
        let c = at_home(s("", 0, "FR", 3215, "phone", "Chrome"));
        let calm = score(c.clone(), Velocity::default());
        let busy = score(
            c,
            Velocity {
                accounts_per_ip: 53,
                ..Velocity::default()
            },
        );
        assert_eq!(busy.velocity_factor, 11.0);
        assert!(busy.score > calm.score * 5.0);
        assert_eq!(
            Velocity {
                accounts_per_ip: 3,
                accounts_per_device: 2,
                ..Velocity::default()
            }
            .factor(),
            1.0
        );
    }

    #[test]
    fn failed_logins_beyond_five_and_accounts_failing_from_one_ip_raise_the_ratio() {
        let v = |failed_accounts_per_ip, failed_logins| Velocity {
            failed_accounts_per_ip,
            failed_logins,
            ..Velocity::default()
        };
        assert_eq!(v(3, 5).factor(), 1.0);
        assert_eq!(v(0, 10).factor(), 2.0);
        assert_eq!(v(13, 0).factor(), 3.0);
    }

    #[test]
    fn the_owners_provider_is_no_evidence_of_the_owner_but_the_owners_address_is() {
        // The population shows the owner's home provider rarely, so the provider would vouch
        // for the owner if an attacker could not buy an exit on it.
        let history = owner();
        let mut pop = Population::default();
        for i in 0..100_000 {
            let asn = if i % 50 == 0 { 3215 } else { 7922 };
            pop.add(
                &s(&format!("p{i}"), 0, "FR", asn, &format!("d{i}"), "Chrome"),
                true,
            );
        }
        let new_device = |ip: &str, asn: Option<u32>| {
            let c = SessionSummary {
                ip: ip.into(),
                ..at_next_day(s("", 0, "FR", asn.unwrap_or(0), "new", "Chrome"))
            };
            assess(&history, &c, &pop, Velocity::default())
        };
        // A new device on a new address of the owner's provider: the provider changes nothing.
        let on_provider = new_device("198.51.100.99", Some(3215));
        let without_provider = new_device("198.51.100.99", None);
        assert_eq!(
            on_provider.likelihood_ratio,
            without_provider.likelihood_ratio
        );
        let codes: Vec<&str> = on_provider.new.iter().map(|(f, _)| reason(*f)).collect();
        assert_eq!(codes, ["ATO_NEW_DEVICE", "ATO_NEW_IP"]);
        // The owner's own address still counts for the owner: a new computer at home.
        let home = new_device(HOME_IP, Some(3215));
        assert!(
            home.likelihood_ratio * 5.0 < on_provider.likelihood_ratio,
            "{home:?} {on_provider:?}"
        );
        assert!(home.score < 0.15, "{home:?}");
    }

    #[test]
    fn a_new_device_on_a_new_address_steps_up_whatever_else_it_copies() {
        // The attacker on the victim's own provider: the owner's country, network, browser, OS
        // and hour, from a new machine on a new address. Its own factors stay under the half
        // point; nothing the owner has shown is there, so it is raised to it.
        let mut c = s("", 0, "FR", 3215, "stranger", "Chrome");
        c.ip = "198.51.100.99".into();
        let t = score(c.clone(), Velocity::default());
        assert!(t.stranger, "{t:?}");
        assert_eq!(t.likelihood_ratio, HALF_POINT);
        assert_eq!(t.score, 0.5);
        // The same machine on the owner's address (a new computer at home) is not.
        let home = score(at_home(c.clone()), Velocity::default());
        assert!(!home.stranger && home.score < 0.2, "{home:?}");
        // Nor is the owner's own device on a new address (a new lease from the provider).
        let mut own = c;
        own.device_id = "home".into();
        let own = score(own, Velocity::default());
        assert!(!own.stranger && own.score < 0.1, "{own:?}");
        // A ratio already above the half point is left as it is.
        let mut far = s("", 0, "NG", 37148, "stranger", "Firefox");
        far.ip = "198.51.100.99".into();
        let far = score(far, Velocity::default());
        assert!(!far.stranger && far.score > 0.9, "{far:?}");
    }

    #[test]
    fn a_targeted_attacker_copying_country_browser_os_and_hour_is_a_takeover() {
        // The victim's country, browser, OS and hour; new hardware on another provider.
        let t = score(
            s("", 0, "FR", 12322, "attacker", "Chrome"),
            Velocity::default(),
        );
        assert!(t.score >= 0.5, "{t:?}");
        let codes: Vec<&str> = t.new.iter().map(|(f, _)| reason(*f)).collect();
        assert_eq!(codes, ["ATO_NEW_NETWORK", "ATO_NEW_DEVICE"]);
    }

    #[test]
    fn a_copyable_feature_the_owner_shows_is_no_evidence_of_the_owner() {
        let mut pop = Population::default();
        for i in 0..1_000 {
            let country = if i % 100 == 0 { "FR" } else { "US" };
            pop.add(&s(&format!("p{i}"), 0, country, 1, "d", "Chrome"), true);
        }
        // France is rare in the population and the owner's only country: still factor 1.
        let c = at_next_day(s("", 0, "FR", 12322, "attacker", "Chrome"));
        let with_rare_country = assess(&owner(), &c, &pop, Velocity::default());
        let mut elsewhere = c.clone();
        elsewhere.country = String::new();
        let without_country = assess(&owner(), &elsewhere, &pop, Velocity::default());
        assert_eq!(
            with_rare_country.likelihood_ratio,
            without_country.likelihood_ratio
        );
    }
}
