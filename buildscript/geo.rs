//! `geo.rs` in `$OUT_DIR`: what a browser's time zone and languages should look like in each
//! country, for the device/network mismatch signal.
//!
//! - `countries-and-timezones` (MIT): each IANA zone's countries and UTC offsets (its data is a
//!   JSON string inside `dist/index.js`);
//! - `cldr-core` (Unicode-3.0): `supplemental/territoryInfo.json`, the languages of each
//!   territory with the share of the population speaking them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;

/// A language counts as spoken in a country when this share of its people speak it, or when it
/// is official there.
const SPOKEN_PERCENT: f64 = 10.0;

#[derive(Deserialize)]
struct Zone {
    /// Standard offset from UTC, minutes.
    u: Option<i32>,
    /// Daylight-saving offset, minutes.
    d: Option<i32>,
    /// The zone this one is an alias of.
    a: Option<String>,
    /// Countries using the zone.
    c: Option<Vec<String>>,
}

/// The `timezones` object that `countries-and-timezones` keeps as a JSON string literal.
fn zones(js: &str) -> BTreeMap<String, Zone> {
    let marker = "timezones: /* @__PURE__ */ JSON.parse(";
    let start = js
        .find(marker)
        .expect("countries-and-timezones: timezones data not found")
        + marker.len();
    let rest = &js[start..];
    // The argument is a string literal; find its closing quote (skipping escaped characters).
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() && bytes[i] != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    let literal: String =
        serde_json::from_str(&rest[..=i]).expect("timezones literal is a JSON string");
    serde_json::from_str(&literal).expect("timezones data is a JSON object")
}

#[derive(Deserialize)]
struct Territory {
    #[serde(rename = "languagePopulation", default)]
    languages: BTreeMap<String, LanguageShare>,
}

#[derive(Deserialize)]
struct LanguageShare {
    #[serde(rename = "_populationPercent")]
    percent: Option<String>,
    #[serde(rename = "_officialStatus")]
    official: Option<String>,
}

pub fn tables(read: &dyn Fn(&str, &str) -> String, out: &Path) {
    let zones = zones(&read("countries-and-timezones", "dist/index.js"));
    let mut code = String::from(
        "/// IANA time zones (countries-and-timezones, MIT), sorted: (name, countries, standard \
         offset, daylight offset in minutes). Aliases carry their target's offsets.\n\
         pub static ZONES: &[(&str, &[&str], i16, i16)] = &[\n",
    );
    for (name, z) in &zones {
        let target = z.a.as_ref().and_then(|a| zones.get(a)).unwrap_or(z);
        let countries =
            z.c.as_ref()
                .or(target.c.as_ref())
                .cloned()
                .unwrap_or_default();
        let (Some(u), d) = (z.u.or(target.u), z.d.or(target.d)) else {
            continue;
        };
        code.push_str(&format!(
            "    ({name:?}, &{countries:?}, {u}, {}),\n",
            d.unwrap_or(u)
        ));
    }
    code.push_str("];\n\n");

    #[derive(Deserialize)]
    struct Info {
        supplemental: Supplemental,
    }
    #[derive(Deserialize)]
    struct Supplemental {
        #[serde(rename = "territoryInfo")]
        territory_info: BTreeMap<String, Territory>,
    }
    let info: Info = serde_json::from_str(&read("cldr-core", "supplemental/territoryInfo.json"))
        .expect("cldr-core territoryInfo.json has supplemental.territoryInfo");
    code.push_str(&format!(
        "/// Languages spoken by at least {SPOKEN_PERCENT} % of each country or official there \
         (cldr-core territoryInfo, Unicode-3.0), sorted by country.\n\
         pub static LANGUAGES: &[(&str, &[&str])] = &[\n"
    ));
    for (country, t) in &info.supplemental.territory_info {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            continue;
        }
        let spoken: BTreeSet<&str> = t
            .languages
            .iter()
            .filter(|(_, s)| {
                s.official
                    .as_deref()
                    .is_some_and(|o| o.starts_with("official") || o == "de_facto_official")
                    || s.percent
                        .as_deref()
                        .and_then(|p| p.parse::<f64>().ok())
                        .unwrap_or(0.0)
                        >= SPOKEN_PERCENT
            })
            // Primary subtags only: "zh_Hant" speaks "zh".
            .map(|(l, _)| l.split(['_', '-']).next().unwrap_or(l))
            .collect();
        let spoken: Vec<&str> = spoken.into_iter().collect();
        code.push_str(&format!("    ({country:?}, &{spoken:?}),\n"));
    }
    code.push_str("];\n");
    fs::write(out.join("geo.rs"), code).unwrap();
}
