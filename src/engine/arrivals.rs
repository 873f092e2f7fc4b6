//! Creation velocity: accounts arriving on one identifier together, measured against that
//! identifier's own base rate.
//!
//! A device farm that clears storage between accounts on a popular phone model shows no rare
//! identifier: every account has a new browser id and the fingerprint thousands of strangers
//! share. What it cannot hide is timing. Strangers who own the same model arrive on its
//! fingerprint at the model's steady rate; a farm's accounts arrive within hours of each other.
//! So arrivals within [`BURST_WINDOW`] of an account's own are a burst when a Poisson count at
//! the identifier's past rate (floored at [`PRIOR_ARRIVALS`]) makes that many less likely than
//! [`BURST_P`].

use crate::schema::time::{Millis, DAY, HOUR};

/// Accounts first seen on an identifier within this long of each other arrived together.
pub const BURST_WINDOW: Millis = 6 * HOUR;
/// Expected arrivals per window on an identifier with no past: a fingerprint no one showed
/// before still sees a stranger now and then.
pub const PRIOR_ARRIVALS: f64 = 0.25;
/// A count this unlikely at the base rate is a burst.
pub const BURST_P: f64 = 1e-3;
/// The shortest past a base rate is measured over: a day of arrivals says little about a week.
const MIN_SPAN: Millis = DAY;

/// Which of the other accounts' first sightings on the identifier (`others`, by index) arrived
/// together with an account first seen on it at `at`, when they are a burst; empty otherwise.
pub fn burst_mates(others: &[Millis], at: Millis) -> Vec<usize> {
    let mates: Vec<usize> = (0..others.len())
        .filter(|i| (others[*i] - at).abs() <= BURST_WINDOW)
        .collect();
    let window_start = at - BURST_WINDOW;
    let past: Vec<Millis> = others
        .iter()
        .copied()
        .filter(|t| *t < window_start)
        .collect();
    let expected = past.iter().min().map_or(0.0, |first| {
        let span = (window_start - first).max(MIN_SPAN);
        past.len() as f64 * (2 * BURST_WINDOW) as f64 / span as f64
    });
    if poisson_at_least(mates.len(), expected.max(PRIOR_ARRIVALS)) < BURST_P {
        mates
    } else {
        Vec::new()
    }
}

/// P(X ≥ k) for X ~ Poisson(λ).
fn poisson_at_least(k: usize, lambda: f64) -> f64 {
    let mut term = (-lambda).exp();
    let mut below = 0.0;
    for i in 0..k {
        below += term;
        term *= lambda / (i + 1) as f64;
    }
    (1.0 - below).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisson_tail_matches_its_closed_form() {
        assert_eq!(poisson_at_least(0, 2.0), 1.0);
        assert!((poisson_at_least(1, 2.0) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!((poisson_at_least(2, 0.5) - (1.0 - 1.5 * (-0.5f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn a_burst_of_new_accounts_on_one_device_is_farm_evidence() {
        let now = 30 * DAY;
        // Five accounts within two hours on a fingerprint nobody showed before.
        let farm: Vec<Millis> = (1..=5).map(|i| now - i * 20 * 60_000).collect();
        assert_eq!(burst_mates(&farm, now).len(), 5);
    }

    #[test]
    fn a_popular_fingerprint_gaining_owners_at_its_usual_rate_is_no_burst() {
        let now = 30 * DAY;
        // 200 owners of a popular phone over 20 days (10 a day), three of them today.
        let owners: Vec<Millis> = (1..=200).map(|i| now - i * 2 * HOUR - HOUR).collect();
        assert!(burst_mates(&owners, now).is_empty());
    }

    #[test]
    fn a_farm_on_a_popular_fingerprint_stands_out_against_its_rate() {
        let now = 30 * DAY;
        let mut seen: Vec<Millis> = (1..=200).map(|i| now - i * 2 * HOUR - HOUR).collect();
        // Fifteen accounts within three hours: ten a day is the model's rate.
        seen.extend((1..=15).map(|i| now - i * 12 * 60_000));
        assert!(burst_mates(&seen, now).len() >= 15);
    }

    #[test]
    fn two_accounts_on_a_new_fingerprint_are_no_burst() {
        // A household's second account, or two strangers on a new model.
        assert!(burst_mates(&[1_000], 2_000).is_empty());
        assert!(burst_mates(&[1_000, 2_000], 3_000).is_empty());
    }

    #[test]
    fn arrivals_days_apart_are_not_mates() {
        let now = 30 * DAY;
        let spread: Vec<Millis> = (1..=6).map(|i| now - i * 2 * DAY).collect();
        assert!(burst_mates(&spread, now).is_empty());
    }
}
