//! Folding an account's old server events into one rollup, as `rollup` does for sessions, so
//! an application that reports an event per login or per transaction does not make every
//! later request of the account list a year of them.
//!
//! What reads events one by one reads recent ones: a takeover flow is a credential change
//! within [`FLOW_MEMORY`] and the login a day before it ([`FLOW_WINDOW`]), velocity counts the
//! hour's failed logins. What older events still answer is per day: HUMAN's
//! `aggregative_data` over up to 365 days (failed logins and the sensitive transactions, in
//! order of first appearance), when the account was first and last seen, and when it
//! registered; and the takeover model compares a `login_succeeded` event with the account's
//! latest [`MAX_HISTORY`] logins, which for an application that reports logins as events are
//! those events, so the rollup keeps the latest [`MAX_HISTORY`] folded logins' address, network
//! and country ([`FoldedLogin`]). So an event that arrived more than [`KEEP_FOR`] ago is folded
//! into a day of an [`EventRollup`] and its own key deleted.
//!
//! Events are folded in the order they *arrived* (the server's clock), not by their own
//! timestamps, which the application may set up to a year back: a fold takes a prefix of that
//! order, and an event that arrives now can never fall inside a prefix already folded. Two
//! concurrent folds therefore take one prefix or a longer one of the same order; the rollup is
//! filed under its cursor and the latest cursor is the one read, so the longer fold wins and
//! nothing is lost.
//!
//! [`FLOW_MEMORY`]: super::incidents::FLOW_MEMORY
//! [`FLOW_WINDOW`]: super::incidents::FLOW_WINDOW
//! [`MAX_HISTORY`]: super::takeover::MAX_HISTORY

use serde::{Deserialize, Serialize};

use super::events::{
    is_transaction, login_summary, EventSummary, LOGIN_FAILED, LOGIN_SUCCEEDED, REGISTRATION,
    RETENTION,
};
use super::session::SessionSummary;
use super::takeover::{MAX_HISTORY, NOT_THE_OWNER};
use crate::schema::time::{Millis, DAY};

/// Events that arrived this recently are kept whole: the takeover flows' week and the day
/// before it, and a day to spare (`incidents` tests that it covers both).
pub const KEEP_FOR: Millis = 9 * DAY;
/// A fold waits until this many events can be folded: one rollup write and this many deletes
/// every this many events.
pub const FOLD_AT: usize = 64;
/// The most events one request folds (each is a delete).
pub const MAX_FOLD: usize = 256;

/// One day (UTC) of the folded events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventDay {
    /// Days since the epoch.
    #[serde(rename = "d")]
    pub day: i64,
    #[serde(rename = "n")]
    pub events: u32,
    #[serde(rename = "fl", default)]
    pub failed_logins: u32,
    /// Each sensitive transaction of the day, with when it first happened that day.
    #[serde(rename = "tx", default)]
    pub transactions: Vec<(String, Millis)>,
}

/// A folded `login_succeeded` event as the takeover model reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FoldedLogin {
    #[serde(rename = "t")]
    pub at: Millis,
    #[serde(rename = "i", default)]
    pub ip: String,
    #[serde(rename = "c", default)]
    pub country: String,
    #[serde(rename = "a", default)]
    pub asn: u32,
}

/// What an account's folded events leave behind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventRollup {
    /// The last folded event in arrival order (arrival, then id): every event at or before it
    /// is here.
    #[serde(rename = "t")]
    pub through: Millis,
    #[serde(rename = "ti")]
    pub through_id: String,
    #[serde(rename = "n")]
    pub events: u32,
    /// The earliest and latest of the folded events' own timestamps.
    #[serde(rename = "f")]
    pub first: Millis,
    #[serde(rename = "l")]
    pub last: Millis,
    /// The earliest folded `registration` event.
    #[serde(rename = "rg", default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Millis>,
    /// Days with events, in order. Empty in a listing's lean copy (`state::account`).
    #[serde(rename = "ds", default)]
    pub days: Vec<EventDay>,
    /// The latest [`MAX_HISTORY`] folded logins by their own time, oldest first, leaving out
    /// those judged not the owner's and those past [`RETENTION`]. Empty in the lean copy.
    #[serde(rename = "lg", default)]
    pub logins: Vec<FoldedLogin>,
}

/// When an event arrived; events stored before arrivals were recorded count from their own
/// timestamp.
pub fn arrival(e: &EventSummary) -> Millis {
    if e.arrived > 0 {
        e.arrived
    } else {
        e.at
    }
}

fn order(e: &EventSummary) -> (Millis, &str) {
    (arrival(e), e.id.as_str())
}

impl EventRollup {
    /// Whether the rollup already holds event `e`.
    pub fn covers(&self, e: &EventSummary) -> bool {
        self.events > 0 && order(e) <= (self.through, self.through_id.as_str())
    }

    /// Adds `events`, all after the cursor, in arrival order, and forgets the days past
    /// [`RETENTION`] before the last of them, as the events' own keys expire.
    pub fn fold(mut self, events: &[&EventSummary]) -> EventRollup {
        let Some(last) = events.last() else {
            return self;
        };
        for e in events {
            self.add(e);
        }
        let oldest = (arrival(last) - RETENTION).div_euclid(DAY);
        self.days.retain(|d| d.day >= oldest);
        self.logins.sort_by_key(|l| l.at);
        self.logins.retain(|l| l.at >= arrival(last) - RETENTION);
        let excess = self.logins.len().saturating_sub(MAX_HISTORY);
        self.logins.drain(..excess);
        self.through = arrival(last);
        self.through_id = last.id.clone();
        self
    }

    fn add(&mut self, e: &EventSummary) {
        if self.events == 0 {
            self.first = e.at;
            self.last = e.at;
        }
        self.events += 1;
        self.first = self.first.min(e.at);
        self.last = self.last.max(e.at);
        if e.kind == REGISTRATION {
            self.registered = Some(self.registered.map_or(e.at, |r| r.min(e.at)));
        }
        // Logins judged not the owner's are not the owner's history (`takeover::assess`).
        if e.kind == LOGIN_SUCCEEDED && e.doubt() < NOT_THE_OWNER {
            self.logins.push(FoldedLogin {
                at: e.at,
                ip: e.ip.clone(),
                country: e.country.clone(),
                asn: e.asn,
            });
        }
        let day = e.at.div_euclid(DAY);
        let i = match self.days.binary_search_by_key(&day, |d| d.day) {
            Ok(i) => i,
            Err(i) => {
                self.days.insert(
                    i,
                    EventDay {
                        day,
                        ..EventDay::default()
                    },
                );
                i
            }
        };
        let d = &mut self.days[i];
        d.events += 1;
        if e.kind == LOGIN_FAILED {
            d.failed_logins += 1;
        }
        if is_transaction(&e.kind) {
            match d.transactions.iter_mut().find(|t| t.0 == e.kind) {
                Some(t) => t.1 = t.1.min(e.at),
                None => d.transactions.push((e.kind.clone(), e.at)),
            }
        }
    }

    /// The rollup without its days and logins: what the account's listing carries.
    pub fn lean(&self) -> EventRollup {
        EventRollup {
            days: Vec::new(),
            logins: Vec::new(),
            ..self.clone()
        }
    }

    /// The folded logins as the takeover model compares a login with them (their browser is
    /// not known, as for every event login).
    pub fn login_sessions(&self) -> impl Iterator<Item = SessionSummary> + '_ {
        self.logins.iter().map(|l| {
            let e = EventSummary {
                at: l.at,
                ip: l.ip.clone(),
                country: l.country.clone(),
                asn: l.asn,
                ..EventSummary::default()
            };
            login_summary(&e, String::new(), String::new())
        })
    }

    /// The folded days that overlap `[from, to]`: a window's folded part is counted in whole
    /// days, the day `from` falls in included.
    pub fn days_within(&self, from: Millis, to: Millis) -> impl Iterator<Item = &EventDay> {
        self.days
            .iter()
            .filter(move |d| (from.div_euclid(DAY)..=to.div_euclid(DAY)).contains(&d.day))
    }
}

/// The events to fold at `now`, in arrival order: those that arrived more than [`KEEP_FOR`]
/// ago, once there are [`FOLD_AT`] of them, at most [`MAX_FOLD`]. Empty otherwise.
pub fn due(events: &[EventSummary], now: Millis) -> Vec<&EventSummary> {
    let mut old: Vec<&EventSummary> = events
        .iter()
        .filter(|e| arrival(e) < now - KEEP_FOR)
        .collect();
    if old.len() < FOLD_AT {
        return Vec::new();
    }
    old.sort_unstable_by(|a, b| order(a).cmp(&order(b)));
    old.truncate(MAX_FOLD);
    old
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::time::HOUR;

    fn event(i: i64, kind: &str, at: Millis, arrived: Millis) -> EventSummary {
        EventSummary {
            id: format!("{at:013}-{i:04}"),
            at,
            arrived,
            kind: kind.into(),
            ..EventSummary::default()
        }
    }

    #[test]
    fn nothing_is_due_until_enough_events_are_old_enough() {
        let now = 400 * DAY;
        let recent: Vec<EventSummary> = (0..500)
            .map(|i| {
                event(
                    i,
                    "send_message",
                    now - i * 20 * 60_000,
                    now - i * 20 * 60_000,
                )
            })
            .collect();
        // 500 events, all within the last seven days.
        assert!(due(&recent, now).is_empty());
        let mut few = recent.clone();
        few.extend((0..(FOLD_AT as i64 - 1)).map(|i| event(1000 + i, "x", i, i)));
        assert!(due(&few, now).is_empty());
        few.push(event(2000, "x", 5, 5));
        assert_eq!(due(&few, now).len(), FOLD_AT);
    }

    #[test]
    fn events_fold_in_arrival_order_so_a_backdated_event_is_never_skipped() {
        let now = 400 * DAY;
        let old: Vec<EventSummary> = (0..FOLD_AT as i64)
            .map(|i| {
                event(
                    i,
                    "send_message",
                    100 * DAY + i * HOUR,
                    100 * DAY + i * HOUR,
                )
            })
            .collect();
        let folded = EventRollup::default().fold(&due(&old, now));
        assert_eq!(folded.events, FOLD_AT as u32);
        // Folded by arrival, not by timestamp: the cursor is the last to arrive.
        assert_eq!(folded.through, 100 * DAY + (FOLD_AT as i64 - 1) * HOUR);
        let reversed: Vec<EventSummary> = (0..FOLD_AT as i64)
            .map(|i| {
                event(
                    i,
                    "send_message",
                    200 * DAY - i * HOUR,
                    100 * DAY + i * HOUR,
                )
            })
            .collect();
        let r = EventRollup::default().fold(&due(&reversed, now));
        assert_eq!(r.through_id, reversed.last().unwrap().id);
        assert_eq!(r.first, 200 * DAY - (FOLD_AT as i64 - 1) * HOUR);
        // Reported today with a timestamp from before everything folded: not covered.
        let backdated = event(9999, "purchase", 50 * DAY, now);
        assert!(!folded.covers(&backdated));
        assert!(old.iter().all(|e| folded.covers(e)));
    }

    #[test]
    fn the_latest_folded_logins_stay_for_the_takeover_model() {
        let now = 400 * DAY;
        // 320 logins twelve hours apart from a rotating set of addresses, all old enough: two
        // folds (256, then 64).
        let logins: Vec<EventSummary> = (0..320)
            .map(|i| EventSummary {
                ip: format!("192.0.2.{}", i % 7),
                country: "FR".into(),
                asn: 3215,
                ..event(i, LOGIN_SUCCEEDED, i * DAY / 2, i * DAY / 2)
            })
            .collect();
        let mut r = EventRollup::default();
        while !due(
            &logins
                .iter()
                .filter(|e| !r.covers(e))
                .cloned()
                .collect::<Vec<_>>(),
            now,
        )
        .is_empty()
        {
            let left: Vec<EventSummary> = logins.iter().filter(|e| !r.covers(e)).cloned().collect();
            r = r.fold(&due(&left, now));
        }
        assert_eq!(r.events, 320);
        assert_eq!(r.logins.len(), MAX_HISTORY);
        assert_eq!(
            r.logins[0].at,
            120 * DAY / 2,
            "the latest {MAX_HISTORY}, oldest first"
        );
        let s: Vec<SessionSummary> = r.login_sessions().collect();
        assert_eq!(
            (s[0].ip.as_str(), s[0].country.as_str(), s[0].asn),
            ("192.0.2.1", "FR", 3215)
        );
        assert!(r.lean().logins.is_empty());

        // Kept by their own time, whatever order they arrived in; a login judged not the
        // owner's is left out.
        let late: Vec<EventSummary> = (0..FOLD_AT as i64)
            .map(|i| EventSummary {
                takeover: if i == 0 { 0.9 } else { 0.0 },
                ..event(
                    5000 + i,
                    LOGIN_SUCCEEDED,
                    300 * DAY - i * HOUR,
                    370 * DAY + i,
                )
            })
            .collect();
        let r = r.fold(&due(&late, 380 * DAY));
        assert_eq!(r.logins.len(), MAX_HISTORY);
        assert_eq!(r.logins.last().unwrap().at, 300 * DAY - HOUR);
        assert!(r.logins.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn a_fold_keeps_what_the_window_queries_and_registration_need() {
        let mut events = vec![event(0, REGISTRATION, 10 * DAY, 10 * DAY)];
        for i in 1..=70 {
            let kind = match i % 3 {
                0 => LOGIN_FAILED,
                1 => "send_message",
                _ => "purchase",
            };
            events.push(event(i, kind, 10 * DAY + i * HOUR, 10 * DAY + i * HOUR));
        }
        let due = due(&events, 100 * DAY);
        assert_eq!(due.len(), 71);
        let r = EventRollup::default().fold(&due);
        assert_eq!(r.events, 71);
        assert_eq!(r.registered, Some(10 * DAY));
        assert_eq!((r.first, r.last), (10 * DAY, 10 * DAY + 70 * HOUR));
        assert_eq!(r.days.len(), 3, "{:?}", r.days);
        assert_eq!(r.days.iter().map(|d| d.events).sum::<u32>(), 71);
        assert_eq!(r.days.iter().map(|d| d.failed_logins).sum::<u32>(), 23);
        let first_day: Vec<&str> = r.days[0]
            .transactions
            .iter()
            .map(|t| t.0.as_str())
            .collect();
        assert_eq!(first_day, ["send_message", "purchase"]);
        // Days by their start: the first day only.
        assert_eq!(r.days_within(10 * DAY, 10 * DAY + HOUR).count(), 1);
        assert_eq!(r.days_within(0, 20 * DAY).count(), 3);
        // Folding more goes on from the cursor.
        let more = [event(500, "purchase", 30 * DAY, 30 * DAY)];
        let r2 = r.clone().fold(&more.iter().collect::<Vec<_>>());
        assert_eq!(r2.events, 72);
        assert_eq!(r2.days.len(), 4);
        assert_eq!(r2.through, 30 * DAY);
    }
}
