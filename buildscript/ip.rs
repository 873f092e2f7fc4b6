//! IP tables in the range-table format of `src/intel/ip/table.rs`:
//!
//! - `ip_country.bin` (embedded): `@ip-location-db/asn-country` (CC BY 4.0 per its NRO licence
//!   file; data of the Regional Internet Registries via the NRO), address → country;
//! - `ip_asn.bin` (too large to embed: the worker reads it from KV): `@ip-location-db/asn`
//!   (CC BY 4.0: RouteViews, DB-IP), address → autonomous system number;
//! - `ip_origin.bin` (embedded): PyPI `iporigin` (MIT code; data from providers' own published
//!   feeds and CC0 aggregations), address → provider and kind. Its ranges from sources used
//!   only with a maintainer's unrecorded permission (its NOTICE) are left out.

#[path = "../src/intel/ip/table.rs"]
mod table;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use table::Builder;

/// iporigin labels whose ranges come from permission-only sources (iporigin's NOTICE, part 3).
const PERMISSION_ONLY: &[&str] = &[
    "Cogent", "DataCamp", "Contabo", "Vercel", "CDN77", "GleSYS", "Scalaxy", "GTHost", "Melbicom",
    "BuyVM", "BunnyCDN", "Akamai",
];

/// Reads `start,end,value,...` rows; `v6` rows hold 128-bit numbers.
fn rows(text: &str, mut add: impl FnMut(u128, u128, &str)) {
    for line in text.lines() {
        let mut f = line.split(',');
        let (Some(a), Some(b), Some(v)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let (Ok(a), Ok(b)) = (a.parse::<u128>(), b.parse::<u128>()) {
            add(a, b, v.trim_matches('"'));
        }
    }
}

fn csv_table(
    read: &dyn Fn(&str, &str) -> String,
    package: &str,
    prefix: &str,
    value: &mut dyn FnMut(&mut Builder, &str) -> u32,
) -> Builder {
    let mut b = Builder::default();
    for (v6, file) in [(false, "ipv4"), (true, "ipv6")] {
        let text = read(package, &format!("{prefix}-{file}-num.csv"));
        rows(&text, |start, end, v| {
            let v = value(&mut b, v);
            if v6 {
                b.add_v6(start, end, v);
            } else if let (Ok(s), Ok(e)) = (u32::try_from(start), u32::try_from(end)) {
                b.add_v4(s, e, v);
            }
        });
    }
    b
}

/// Writes `ip_country.bin` and `ip_asn.bin` (into `out`; the ASN table also into `copy_asn_to`,
/// for the KV upload of the worker build).
pub fn ip_location_db(
    read: &dyn Fn(&str, &str) -> String,
    out: &Path,
    copy_asn_to: Option<PathBuf>,
) {
    let countries = csv_table(
        read,
        "@ip-location-db/asn-country",
        "asn-country",
        &mut |b, cc| {
            if cc.len() == 2 && cc.bytes().all(|c| c.is_ascii_uppercase()) {
                b.label(cc)
            } else {
                0
            }
        },
    );
    fs::write(out.join("ip_country.bin"), countries.encode(2)).unwrap();

    let asns = csv_table(read, "@ip-location-db/asn", "asn", &mut |_, asn| {
        asn.parse().unwrap_or(0)
    });
    let bytes = asns.encode(4);
    let path = out.join("ip_asn.bin");
    fs::write(&path, &bytes).unwrap();
    println!("cargo:rustc-env=EDGEWARD_ASN_TABLE={}", path.display());
    if let Some(copy) = copy_asn_to {
        if fs::read(&copy).ok().as_deref() != Some(&bytes[..]) {
            fs::create_dir_all(copy.parent().unwrap()).unwrap();
            let tmp = copy.with_extension("tmp");
            fs::write(&tmp, &bytes).unwrap();
            fs::rename(&tmp, &copy).unwrap();
        }
    }
}

fn iporigin_path() -> PathBuf {
    println!("cargo:rerun-if-env-changed=EDGEWARD_IPORIGIN");
    match env::var_os("EDGEWARD_IPORIGIN") {
        Some(p) => PathBuf::from(p),
        None => Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap())
            .join(".tools/pypi/iporigin/iporigin/data/ranges.bin"),
    }
}

/// Our kind for an iporigin label: its hosting providers and crawlers are datacenters, CDNs
/// and Apple's relay proxies (one step removed from a user, usually benign), commercial VPNs
/// VPNs, Tor Tor.
fn kind(provider: &str, kind: &str) -> Option<&'static str> {
    match (provider, kind) {
        ("Apple Private Relay", _) | (_, "cdn") => Some("proxy"),
        (_, "hosting") | (_, "bot") => Some("datacenter"),
        (_, "vpn") => Some("vpn"),
        (_, "tor") => Some("tor"),
        _ => None,
    }
}

/// Addresses no client can come from (private, documentation, loopback, link-local, multicast):
/// some provider feeds list documentation prefixes, which must not make them look like clouds.
fn special_v4(a: u32) -> bool {
    let ip = std::net::Ipv4Addr::from(a);
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_documentation()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
}

fn special_v6(a: u128) -> bool {
    let top = (a >> 96) as u32;
    top == 0x2001_0db8 // documentation
        || (a >> 121) == 0x7e // fc00::/7, unique local
        || (a >> 118) == 0x3fa // fe80::/10, link-local
        || (a >> 120) == 0xff // multicast
        || a >> 64 == 0 // ::/64: loopback, unspecified, mapped
}

fn take<const N: usize>(b: &[u8], at: &mut usize) -> [u8; N] {
    let v: [u8; N] = b
        .get(*at..*at + N)
        .and_then(|s| s.try_into().ok())
        .expect("iporigin ranges.bin is truncated");
    *at += N;
    v
}

/// Writes `ip_origin.bin` from iporigin's `data/ranges.bin` (header `IPORIGIN`, version u16,
/// built-at u64, label count u16, v4 count u32, v6 count u32; labels as u16 length + UTF-8;
/// v4 records start u32, end u32, label u16; v6 records start 16 bytes, end 16 bytes (big
/// endian), label u16; all else little endian).
pub fn iporigin(out: &Path) {
    let path = iporigin_path();
    println!("cargo:rerun-if-changed={}", path.display());
    let b = fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "PyPI package `iporigin` is missing ({}: {e}); run `bash scripts/setup.sh` first",
            path.display()
        )
    });
    let mut at = 0;
    assert_eq!(
        &take::<8>(&b, &mut at),
        b"IPORIGIN",
        "not an iporigin ranges.bin"
    );
    let version = u16::from_le_bytes(take(&b, &mut at));
    assert_eq!(
        version, 1,
        "iporigin ranges.bin version {version} is not supported"
    );
    let _built_at = take::<8>(&b, &mut at);
    let n_labels = u16::from_le_bytes(take(&b, &mut at));
    let n4 = u32::from_le_bytes(take(&b, &mut at));
    let n6 = u32::from_le_bytes(take(&b, &mut at));
    let mut table = Builder::default();
    let mut values = Vec::new();
    for _ in 0..n_labels {
        let len = u16::from_le_bytes(take(&b, &mut at)) as usize;
        let label = std::str::from_utf8(&b[at..at + len]).expect("iporigin label is UTF-8");
        at += len;
        let (provider, k) = label.split_once('\t').unwrap_or((label, ""));
        let keep = !PERMISSION_ONLY.iter().any(|p| provider.starts_with(p));
        values.push(match (keep, kind(provider, k)) {
            (true, Some(k)) => table.label(&format!("{provider}\t{k}")),
            _ => 0,
        });
    }
    for _ in 0..n4 {
        let s = u32::from_le_bytes(take(&b, &mut at));
        let e = u32::from_le_bytes(take(&b, &mut at));
        let l = u16::from_le_bytes(take(&b, &mut at)) as usize;
        if !special_v4(s) && !special_v4(e) {
            table.add_v4(s, e, values[l]);
        }
    }
    for _ in 0..n6 {
        let s = u128::from_be_bytes(take(&b, &mut at));
        let e = u128::from_be_bytes(take(&b, &mut at));
        let l = u16::from_le_bytes(take(&b, &mut at)) as usize;
        if !special_v6(s) && !special_v6(e) {
            table.add_v6(s, e, values[l]);
        }
    }
    fs::write(out.join("ip_origin.bin"), table.encode(2)).unwrap();
}
