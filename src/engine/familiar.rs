//! Familiar context: a network the account has used consistently for weeks weighs less for
//! that account.
//!
//! Risk-based authentication treats the features a user shows again and again as "known"
//! (Wiefling et al., "Is This Really You?", 2019). A corporate VPN whose exit is a public cloud
//! is a datacenter address to everyone, and the daily route of the employee who has used it
//! every working day for weeks. So the anonymising-network signals (datacenter, VPN, proxy) of
//! sessions on such a network count at [`FAMILIAR_WEIGHT`]. A new account has no familiar
//! network, and an attacker cannot buy the trust in one session: it takes the owner's own
//! sessions on [`FAMILIAR_DAYS`] different days over at least [`FAMILIAR_SPAN`].

use super::rollup::{owner_days, FoldedNetwork};
use super::session::Anonymising;
pub use super::session::NETWORK_SIGNALS;
use crate::schema::time::{Millis, DAY};
/// Distinct days an account must have used a network for it to be familiar.
pub const FAMILIAR_DAYS: usize = 7;
/// How long before now the account must first have used it.
pub const FAMILIAR_SPAN: Millis = 14 * DAY;
/// What the network signals of a session on a familiar network count for.
pub const FAMILIAR_WEIGHT: f64 = 0.2;

/// The networks (ASNs) the account's sessions on anonymising networks (`anonymising` and the
/// folded `folded`, from `history::aggregate`) make familiar as of `now`; only sessions judged
/// the owner's count.
pub fn networks(anonymising: &[Anonymising], folded: &[FoldedNetwork], now: Millis) -> Vec<u32> {
    owner_days(anonymising, folded)
        .into_iter()
        .filter(|&(_, days, first)| days >= FAMILIAR_DAYS && now - first * DAY >= FAMILIAR_SPAN)
        .map(|(asn, _, _)| asn)
        .collect()
}

/// The account's decayed averages of the [`NETWORK_SIGNALS`] (`averages`, over
/// `decayed_sessions` in all, as `history::aggregate` computed them) with the sessions on a
/// `familiar` network counted at [`FAMILIAR_WEIGHT`].
pub fn discounted_average(
    anonymising: &[Anonymising],
    folded: &[FoldedNetwork],
    familiar: &[u32],
    averages: [f64; 3],
    decayed_sessions: f64,
) -> [f64; 3] {
    if decayed_sessions <= 0.0 {
        return averages;
    }
    let mut familiar_sums = [0.0; 3];
    for s in anonymising.iter().filter(|s| familiar.contains(&s.asn)) {
        for (sum, v) in familiar_sums.iter_mut().zip(s.signals) {
            *sum += s.weight * v;
        }
    }
    for f in folded.iter().filter(|f| familiar.contains(&f.asn)) {
        for (sum, v) in familiar_sums.iter_mut().zip(f.sums) {
            *sum += v;
        }
    }
    let mut out = averages;
    for (o, sum) in out.iter_mut().zip(familiar_sums) {
        *o = (*o - (1.0 - FAMILIAR_WEIGHT) * sum / decayed_sessions).max(0.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_cloud(day: i64, asn: u32) -> Anonymising {
        Anonymising {
            asn,
            at: day * DAY + 9 * crate::schema::time::HOUR,
            weight: 1.0,
            takeover: 0.0,
            signals: [1.0, 0.0, 0.0],
        }
    }

    #[test]
    fn a_cloud_exit_used_every_working_day_for_three_weeks_is_familiar() {
        let sessions: Vec<Anonymising> = (0..21)
            .filter(|d| d % 7 < 5)
            .map(|d| on_cloud(d, 16509))
            .collect();
        assert_eq!(networks(&sessions, &[], 21 * DAY), [16509]);
    }

    #[test]
    fn sessions_on_a_familiar_network_count_at_a_fifth_of_the_average() {
        // Two sessions at the same time, one on the familiar exit: the datacenter average of
        // 1.0 becomes (0.2 + 1.0) / 2.
        let sessions = [on_cloud(3, 16509), on_cloud(3, 14061)];
        let [datacenter, vpn, _] =
            discounted_average(&sessions, &[], &[16509], [1.0, 0.0, 0.0], 2.0);
        assert!((datacenter - 0.6).abs() < 1e-12, "{datacenter}");
        assert_eq!(vpn, 0.0);
    }

    #[test]
    fn a_new_account_has_no_familiar_network() {
        // Every day for six days: not enough days, not long enough.
        let sessions: Vec<Anonymising> = (0..6).map(|d| on_cloud(d, 16509)).collect();
        assert!(networks(&sessions, &[], 6 * DAY).is_empty());
    }

    #[test]
    fn many_sessions_in_a_few_days_buy_no_trust() {
        let sessions: Vec<Anonymising> = (0..50).map(|i| on_cloud(20 + i % 2, 16509)).collect();
        assert!(networks(&sessions, &[], 22 * DAY).is_empty());
    }

    #[test]
    fn an_attackers_sessions_do_not_make_a_network_familiar() {
        let sessions: Vec<Anonymising> = (0..21)
            .map(|d| Anonymising {
                takeover: 0.9,
                ..on_cloud(d, 16509)
            })
            .collect();
        assert!(networks(&sessions, &[], 21 * DAY).is_empty());
    }
}
