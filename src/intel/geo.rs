//! Time zones and languages by country (tables built by `buildscript/geo.rs` from
//! `countries-and-timezones` and `cldr-core`), for comparing what a browser says about where it
//! is with where its address is.

mod tables {
    include!(concat!(env!("OUT_DIR"), "/geo.rs"));
}

/// One IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub countries: &'static [&'static str],
    /// Standard and daylight offsets from UTC, in minutes.
    pub offsets: (i16, i16),
}

/// The zone of an IANA name (aliases included), if the table knows it.
pub fn zone(name: &str) -> Option<Zone> {
    let i = tables::ZONES.binary_search_by(|z| z.0.cmp(name)).ok()?;
    let (_, countries, u, d) = tables::ZONES[i];
    Some(Zone {
        countries,
        offsets: (u, d),
    })
}

/// Whether any zone used in `country` has `offset` (standard or daylight) from UTC.
pub fn country_has_offset(country: &str, offset: i16) -> bool {
    tables::ZONES
        .iter()
        .any(|(_, cs, u, d)| (*u == offset || *d == offset) && cs.contains(&country))
}

/// Whether the table knows any zone of `country`.
pub fn country_has_zones(country: &str) -> bool {
    tables::ZONES
        .iter()
        .any(|(_, cs, _, _)| cs.contains(&country))
}

/// The languages (primary subtags) spoken by at least a tenth of `country` or official there;
/// `None` for a country the table does not know.
pub fn languages(country: &str) -> Option<&'static [&'static str]> {
    let i = tables::LANGUAGES
        .binary_search_by(|l| l.0.cmp(country))
        .ok()?;
    Some(tables::LANGUAGES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_names_its_countries_and_offsets() {
        let paris = zone("Europe/Paris").unwrap();
        assert!(paris.countries.contains(&"FR"));
        assert_eq!(paris.offsets, (60, 120));
        // An alias carries its target's offsets.
        assert_eq!(zone("Asia/Calcutta").unwrap().offsets, (330, 330));
        assert!(zone("Mars/Olympus_Mons").is_none());
    }

    #[test]
    fn countries_know_their_offsets_and_languages() {
        assert!(country_has_offset("US", -300) && !country_has_offset("FR", -300));
        let ch = languages("CH").unwrap();
        assert!(ch.contains(&"de") && ch.contains(&"fr") && ch.contains(&"it"));
        // English is spoken by more than a tenth of France.
        assert!(languages("FR").unwrap().contains(&"en"));
        assert!(!languages("BR").unwrap().contains(&"zh"));
    }
}
