//! Impossible travel: the great-circle distance between an account's consecutive sessions over
//! the time between them.
//!
//! Thresholds, and why:
//! - at most [`MAX_SPEED_KMH`] = 1,000 km/h is possible: airliners cruise near 900 km/h, so a
//!   flight between two sessions stays under it;
//! - distances under [`MIN_DISTANCE_KM`] = 500 km never count: IP geolocation is city-level at
//!   best and mobile carriers route through far-away gateways, so errors of a few hundred
//!   kilometres are common (BuffaLogs uses 100 km for logins from corporate networks, whose
//!   geolocation is better than a consumer IP's);
//! - above the speed the score rises linearly to 1 at twice the speed, so a plane-fast hop
//!   reads as doubtful and a Paris → New York hop in an hour as certain.

use super::session::SessionSummary;
use crate::schema::time::HOUR;

pub const MAX_SPEED_KMH: f64 = 1_000.0;
pub const MIN_DISTANCE_KM: f64 = 500.0;
const EARTH_RADIUS_KM: f64 = 6_371.0;

/// Great-circle distance in kilometres (haversine).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The impossible-travel score (0..1) of `current` against the account's latest earlier
/// session that has a location.
pub fn score(history: &[SessionSummary], current: &SessionSummary) -> f64 {
    let Some(here) = current.location() else {
        return 0.0;
    };
    let previous = history
        .iter()
        .filter(|s| s.id != current.id && s.at <= current.at)
        .filter_map(|s| Some((s.at, s.location()?)))
        .max_by_key(|(at, _)| *at);
    let Some((then, there)) = previous else {
        return 0.0;
    };
    let km = distance_km(there, here);
    if km < MIN_DISTANCE_KM {
        return 0.0;
    }
    // Sessions in the same minute: treat as a minute apart rather than dividing by zero.
    let hours = ((current.at - then) as f64 / HOUR as f64).max(1.0 / 60.0);
    ((km / hours - MAX_SPEED_KMH) / MAX_SPEED_KMH).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARIS: (f64, f64) = (48.86, 2.35);
    const NEW_YORK: (f64, f64) = (40.71, -74.01);
    const LYON: (f64, f64) = (45.76, 4.84);

    fn at(id: &str, t: i64, place: Option<(f64, f64)>) -> SessionSummary {
        SessionSummary {
            id: id.into(),
            at: t,
            lat: place.map(|p| p.0),
            lon: place.map(|p| p.1),
            ..Default::default()
        }
    }

    #[test]
    fn paris_to_new_york_is_about_5800_km() {
        let d = distance_km(PARIS, NEW_YORK);
        assert!((5_800.0..5_900.0).contains(&d), "{d}");
    }

    #[test]
    fn an_ocean_in_an_hour_is_impossible_and_in_a_flight_time_is_not() {
        let history = [at("a", 0, Some(PARIS))];
        assert_eq!(score(&history, &at("b", HOUR, Some(NEW_YORK))), 1.0);
        assert_eq!(score(&history, &at("b", 8 * HOUR, Some(NEW_YORK))), 0.0);
    }

    #[test]
    fn nearby_cities_never_count_however_fast() {
        let history = [at("a", 0, Some(PARIS))];
        assert_eq!(score(&history, &at("b", 60_000, Some(LYON))), 0.0);
    }

    #[test]
    fn sessions_without_a_location_are_skipped() {
        let history = [at("a", 0, Some(PARIS)), at("b", HOUR, None)];
        assert_eq!(score(&history, &at("c", 2 * HOUR, Some(NEW_YORK))), 1.0);
        assert_eq!(score(&history, &at("c", 2 * HOUR, None)), 0.0);
        assert_eq!(score(&[], &at("c", 0, Some(PARIS))), 0.0);
    }
}
