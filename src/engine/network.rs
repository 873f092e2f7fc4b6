//! Session risk signals from the network: the kind of network behind the address (Tor, VPN,
//! relay, datacenter) and whether the browser's time zone and languages fit the address's
//! country (`device_network_mismatch`).
//!
//! Scores, and why:
//! - Tor 1, a commercial VPN 1, a datacenter 1: the table says so, nothing is guessed; their
//!   weights in `risk_signals` (engine) keep a VPN alone far from Suspicious (people use them
//!   for privacy) and a datacenter at the Suspicious line (people do not browse from clouds);
//! - a privacy relay or CDN egress (Apple Private Relay, Cloudflare WARP) 0.6 as `proxy`:
//!   one step removed from the user, often a privacy setting;
//! - time zone: a zone not used in the address's country scores 0.8 when no zone of that country
//!   has its UTC offset (a browser set up far away: VPN users, remote operators), 0.4 when
//!   one has (a neighbour's zone, borders, misconfigured clocks); a bare UTC zone where the
//!   country has no UTC zone 0.6 (servers, privacy-hardened browsers);
//! - languages: none of the browser's languages spoken by a tenth of the country (or official)
//!   adds 0.3 (expats and travellers are common, so it never raises the signal alone).

use crate::intel::geo;
use crate::intel::ip::NetworkKind;
use crate::schema::{RiskSignal, RiskSignalScores};

const TZ_FAR: f64 = 0.8;
const TZ_NEIGHBOUR: f64 = 0.4;
const TZ_BARE_UTC: f64 = 0.6;
const LANGUAGE_FOREIGN: f64 = 0.3;
const PROXY: f64 = 0.6;

/// What the session says about its network and its browser's locale.
#[derive(Debug, Clone, Copy, Default)]
pub struct Locale<'a> {
    /// The address's country (ISO alpha-2); empty when unknown.
    pub country: &'a str,
    /// The browser's IANA time zone.
    pub timezone: Option<&'a str>,
    /// The browser's languages (BCP 47 tags), most preferred first.
    pub languages: &'a [&'a str],
}

/// Sets the network-kind signals of a session.
pub fn set_kind(scores: &mut RiskSignalScores, kind: Option<NetworkKind>) {
    let (signal, v) = match kind {
        None => return,
        Some(NetworkKind::Tor) => (RiskSignal::Tor, 1.0),
        Some(NetworkKind::Vpn) => (RiskSignal::Vpn, 1.0),
        Some(NetworkKind::Datacenter) => (RiskSignal::Datacenter, 1.0),
        Some(NetworkKind::Proxy) => (RiskSignal::Proxy, PROXY),
    };
    scores.set(signal, v);
}

/// The `device_network_mismatch` score of a session (0 when the country or the time zone is
/// unknown to the tables: no evidence, no score).
pub fn mismatch(l: &Locale) -> f64 {
    if l.country.is_empty() || !geo::country_has_zones(l.country) {
        return 0.0;
    }
    let tz = match l.timezone.and_then(geo::zone) {
        None => 0.0,
        Some(z) if z.countries.contains(&l.country) => 0.0,
        Some(z) if z.countries.is_empty() => match geo::country_has_offset(l.country, 0) {
            true => 0.0,
            false => TZ_BARE_UTC,
        },
        Some(z) => {
            let near = geo::country_has_offset(l.country, z.offsets.0)
                || geo::country_has_offset(l.country, z.offsets.1);
            if near {
                TZ_NEIGHBOUR
            } else {
                TZ_FAR
            }
        }
    };
    let language = match geo::languages(l.country) {
        Some(spoken) if !l.languages.is_empty() => {
            let fits = l.languages.iter().any(|tag| {
                let primary = tag.split(['-', '_']).next().unwrap_or("");
                spoken.iter().any(|s| s.eq_ignore_ascii_case(primary))
            });
            if fits {
                0.0
            } else {
                LANGUAGE_FOREIGN
            }
        }
        _ => 0.0,
    };
    // Either is evidence on its own (noisy-or).
    tz + language - tz * language
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(country: &str, tz: &str, languages: &[&str]) -> f64 {
        mismatch(&Locale {
            country,
            timezone: Some(tz),
            languages,
        })
    }

    #[test]
    fn a_browser_set_up_where_its_address_is_fits() {
        assert_eq!(at("FR", "Europe/Paris", &["fr-FR", "en"]), 0.0);
        assert_eq!(at("US", "America/Chicago", &["en-US"]), 0.0);
        assert_eq!(at("CH", "Europe/Zurich", &["it-CH"]), 0.0);
    }

    #[test]
    fn a_time_zone_from_another_continent_raises_the_signal() {
        assert!(at("FR", "America/New_York", &["en-US"]) >= 0.8);
    }

    #[test]
    fn a_neighbours_time_zone_is_weak() {
        let s = at("FR", "Europe/Berlin", &["en-US"]);
        assert!(s > 0.0 && s < 0.5, "{s}");
    }

    #[test]
    fn a_bare_utc_zone_counts_only_where_no_one_lives_on_utc() {
        assert_eq!(at("GB", "Etc/UTC", &["en-GB"]), 0.0);
        assert_eq!(at("JP", "Etc/UTC", &["ja"]), TZ_BARE_UTC);
    }

    #[test]
    fn foreign_languages_alone_stay_under_the_flag() {
        let s = at("BR", "America/Sao_Paulo", &["zh-CN"]);
        assert_eq!(s, LANGUAGE_FOREIGN);
        assert!(s < 0.5);
    }

    #[test]
    fn an_unknown_country_or_zone_is_no_evidence() {
        assert_eq!(at("", "America/New_York", &["en"]), 0.0);
        assert_eq!(at("FR", "Not/AZone", &["fr"]), 0.0);
    }

    #[test]
    fn each_network_kind_raises_its_own_signal() {
        let mut s = RiskSignalScores::default();
        set_kind(&mut s, Some(NetworkKind::Tor));
        assert_eq!(s.get(RiskSignal::Tor), 1.0);
        let mut s = RiskSignalScores::default();
        set_kind(&mut s, Some(NetworkKind::Proxy));
        assert_eq!(
            (s.get(RiskSignal::Proxy), s.get(RiskSignal::Vpn)),
            (PROXY, 0.0)
        );
    }
}
