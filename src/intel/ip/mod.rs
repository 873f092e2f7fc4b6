//! What an IP address says about the network behind it: its country, its autonomous system, and
//! whether it belongs to a hosting provider, a VPN, a privacy relay or Tor.
//!
//! Country and network-origin tables are embedded (written by `buildscript/ip.rs` from
//! `@ip-location-db/asn-country` and PyPI `iporigin`); the ASN table is too large to embed in the
//! worker and is handed in by the caller (the worker reads it from KV once per isolate). Tor
//! exits also come from a list the caller keeps fresh ([`TorExits`]).

pub mod table;

use std::collections::HashSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub use table::RangeTable;

static COUNTRY_TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ip_country.bin"));
static ORIGIN_TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ip_origin.bin"));

/// The kind of network an address belongs to, from the origin table's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkKind {
    /// A cloud or hosting provider, or a known crawler's range: not where people browse from.
    Datacenter,
    /// A commercial VPN's exit.
    Vpn,
    /// A privacy relay or a CDN's egress (Apple Private Relay, Cloudflare WARP): one step
    /// removed from the user, usually benign.
    Proxy,
    /// A Tor exit.
    Tor,
}

impl NetworkKind {
    /// The kind a label's suffix names (`buildscript/ip.rs` writes `provider\tkind`).
    fn parse(s: &str) -> Option<NetworkKind> {
        match s {
            "datacenter" => Some(NetworkKind::Datacenter),
            "vpn" => Some(NetworkKind::Vpn),
            "proxy" => Some(NetworkKind::Proxy),
            "tor" => Some(NetworkKind::Tor),
            _ => None,
        }
    }
}

/// The facts about one address. Every field is empty when the tables know nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IpFacts {
    /// ISO 3166-1 alpha-2, of the autonomous system's registration.
    pub country: String,
    pub asn: Option<u32>,
    pub kind: Option<NetworkKind>,
    /// Who runs the range of `kind` (e.g. "Amazon AWS", "Mullvad").
    pub provider: String,
}

fn embedded(bytes: &'static [u8]) -> RangeTable<'static> {
    // buildscript/ip.rs wrote these bytes with the same module; a failure is a build defect.
    RangeTable::parse(bytes).expect("embedded range table is well formed")
}

thread_local! {
    static COUNTRIES: RangeTable<'static> = embedded(COUNTRY_TABLE);
    static ORIGINS: RangeTable<'static> = embedded(ORIGIN_TABLE);
}

fn get(t: &RangeTable, ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(a) => t.get_v4(a.into()),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => t.get_v4(v4.into()),
            None => t.get_v6(a.into()),
        },
    }
}

/// The Tor exit addresses of a refresh (the scheduled handler's list), beside the snapshot in
/// the origin table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TorExits(pub HashSet<IpAddr>);

impl TorExits {
    /// One address per line, as the Tor Project's bulk exit list has it; other lines are
    /// skipped.
    pub fn parse(text: &str) -> TorExits {
        TorExits(
            text.lines()
                .filter_map(|l| l.trim().parse::<IpAddr>().ok())
                .collect(),
        )
    }
}

/// Looks an address up in the embedded tables, in `asn` when the caller has it, and in
/// `tor` (fresh exits).
pub fn look_up(ip: IpAddr, asn: Option<&RangeTable>, tor: &TorExits) -> IpFacts {
    let country = COUNTRIES.with(|t| t.label(get(t, ip)).unwrap_or("").to_string());
    let (kind, provider) = ORIGINS.with(|t| {
        t.label(get(t, ip))
            .and_then(|l| l.split_once('\t'))
            .map_or((None, String::new()), |(provider, kind)| {
                (NetworkKind::parse(kind), provider.to_string())
            })
    });
    let (kind, provider) = if tor.0.contains(&ip) {
        (Some(NetworkKind::Tor), String::from("Tor"))
    } else {
        (kind, provider)
    };
    IpFacts {
        country,
        asn: asn.map(|t| get(t, ip)).filter(|&a| a != 0),
        kind,
        provider,
    }
}

/// The number of ranges in the embedded tables: (country v4, v6), (origin v4, v6).
pub fn embedded_sizes() -> [(usize, usize); 2] {
    [COUNTRIES.with(|t| t.ranges()), ORIGINS.with(|t| t.ranges())]
}

#[cfg(test)]
mod tests {
    use super::table::Builder;
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn facts(s: &str) -> IpFacts {
        look_up(ip(s), None, &TorExits::default())
    }

    #[test]
    fn a_table_finds_the_range_holding_an_address_and_nothing_in_gaps() {
        let mut b = Builder::default();
        let x = b.label("X");
        let y = b.label("Y");
        b.add_v4(10, 19, x);
        b.add_v4(20, 29, x); // merges with the range before
        b.add_v4(40, 49, y);
        b.add_v6(1 << 64, (2 << 64) - 1, y);
        let bytes = b.encode(2);
        let t = RangeTable::parse(&bytes).unwrap();
        assert_eq!(t.ranges(), (4, 2), "two ranges and the gap after each");
        let at = |n: u32| t.label(t.get_v4(n));
        assert_eq!(
            [at(9), at(10), at(29), at(30), at(45), at(50)],
            [None, Some("X"), Some("X"), None, Some("Y"), None]
        );
        assert_eq!(t.label(t.get_v6((1 << 64) + 5)), Some("Y"));
        assert_eq!(t.get_v6(2 << 64), 0);
    }

    #[test]
    fn a_range_reaching_the_last_address_leaves_no_gap_after_it() {
        let mut b = Builder::default();
        b.add_v4(u32::MAX - 1, u32::MAX, 7);
        let bytes = b.encode(4);
        let t = RangeTable::parse(&bytes).unwrap();
        assert_eq!((t.get_v4(u32::MAX), t.get_v4(0)), (7, 0));
    }

    #[test]
    fn a_damaged_table_is_refused_with_a_reason() {
        let mut b = Builder::default();
        b.add_v4(1, 2, 3);
        let bytes = b.encode(4);
        assert!(RangeTable::parse(&bytes[..bytes.len() - 1]).is_err());
        assert_eq!(
            RangeTable::parse(b"garbage!").unwrap_err(),
            "not a range table (bad magic)"
        );
    }

    #[test]
    fn addresses_get_their_registered_country() {
        // Deutsche Telekom, Orange, NTT: long-standing allocations of each country.
        assert_eq!(facts("80.156.0.1").country, "DE");
        assert_eq!(facts("90.84.0.1").country, "FR");
        assert_eq!(facts("2001:218::1").country, "JP");
        assert_eq!(facts("127.0.0.1").country, "");
    }

    #[test]
    fn cloud_vpn_and_tor_ranges_are_named_with_their_provider() {
        let kinds =
            |l: &str| ORIGINS.with(|t| t.labels().into_iter().filter(|x| x.ends_with(l)).count());
        assert!(kinds("\tdatacenter") > 10, "hosting providers kept");
        assert!(kinds("\tvpn") >= 2 && kinds("\ttor") == 1 && kinds("\tproxy") >= 1);
        // Google's public resolver lives in Google's own published ranges.
        let g = facts("8.8.8.8");
        assert_eq!(g.kind, Some(NetworkKind::Datacenter));
        assert!(g.provider.starts_with("Google"), "{}", g.provider);
    }

    #[test]
    fn permission_only_sources_are_left_out() {
        let labels = ORIGINS.with(|t| t.labels());
        for dropped in ["Akamai", "Contabo", "Cogent", "DataCamp", "BunnyCDN"] {
            assert!(
                !labels.iter().any(|l| l.starts_with(dropped)),
                "{dropped} is in the table"
            );
        }
    }

    #[test]
    fn documentation_and_private_addresses_belong_to_no_provider() {
        // A provider feed lists the RFC 5737 documentation prefixes; they are dropped.
        for a in [
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.7",
            "10.0.0.1",
            "2001:db8::1",
        ] {
            assert_eq!(facts(a).kind, None, "{a}");
        }
    }

    #[test]
    fn a_fresh_tor_exit_list_wins_over_the_snapshot() {
        let tor = TorExits::parse("# comment\n192.0.2.7\nnot an address\n");
        let f = look_up(ip("192.0.2.7"), None, &tor);
        assert_eq!(
            (f.kind, f.provider.as_str()),
            (Some(NetworkKind::Tor), "Tor")
        );
        assert_eq!(tor.0.len(), 1);
    }

    #[test]
    fn an_ipv4_mapped_ipv6_address_is_looked_up_as_ipv4() {
        assert_eq!(facts("::ffff:80.156.0.1").country, "DE");
    }
}
