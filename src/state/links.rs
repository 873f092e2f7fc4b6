//! Multi-account links. Every identifier an account shows (its browsers' ids, device
//! fingerprints and addresses, its normalised e-mail) goes into an index of one key per
//! (identifier, account).
//! An account that shows an identifier already in the index is linked to every account there,
//! on both sides, with one key per (pair, kind of identifier): nothing is read, changed and
//! written back, so concurrent requests cannot lose a link.

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::address::{self, Marks};
use super::error::ApiError;
use super::records::Profile;
use crate::engine::arrivals::burst_mates;
use crate::engine::history::OWN_HISTORY;
use crate::engine::rollup::Rollup;
use crate::engine::session::round4;
use crate::engine::takeover::VELOCITY_WINDOW;
use crate::engine::{History, Link, MatchType, Population, SessionSummary, Velocity};
use crate::intel::email;
use crate::schema::time::{Millis, DAY, SECOND};
use crate::store::keys::{trailing_id, Id};
use crate::store::{Keys, Put, Store};

/// How long after an account first shows an identifier its index is still listed. After that,
/// every account that showed the identifier later has linked itself to this one (each arrival
/// lists the index), so listing again would find nothing new. The grace covers concurrent first
/// arrivals and KV's eventual consistency (changes reach every location within about 60 s).
pub const RELIST_GRACE: Millis = 5 * 60 * SECOND;

/// One identifier of an account, as it is indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct Identifier {
    pub kind: MatchType,
    pub value: Id,
    /// When the account first showed it, if it did before this request (an address: first
    /// this UTC day).
    pub known_since: Option<Millis>,
    /// How strongly sharing it links two accounts, 0..1.
    pub strength: f64,
    /// Whether the population index has a baseline (`Population::has_baseline`): only then is a
    /// device's rarity read from it and its arrivals judged against its rate. Before (a new
    /// deployment, when every existing account arrives at once), a fingerprint is as common as
    /// the accounts already showing it.
    pub baseline: bool,
}

impl Identifier {
    fn new(kind: MatchType, value: Id, known_since: Option<Millis>) -> Identifier {
        Identifier {
            kind,
            value,
            known_since,
            strength: kind.strength(),
            baseline: false,
        }
    }

    /// Network identifiers never settle: who else is on an address matters only within the
    /// hour, so their index is listed (and the account's hourly entry refreshed) every time.
    fn settled(&self, now: Millis) -> bool {
        self.kind != MatchType::Network && self.known_since.is_some_and(|t| t <= now - RELIST_GRACE)
    }
}

/// How long network links live: a network link says two accounts shared an address within
/// the hour, which says little weeks later.
pub const NETWORK_TTL: Millis = 7 * DAY;
/// The tag of the address search index (`i/s/{address}/{account}`, [`ADDRESS_SEARCH_KEPT`]):
/// which accounts used an address in the last week, for an analyst's search. No request path
/// lists it; the console's search reads one page.
pub const ADDRESS_SEARCH_TAG: &str = "s";
/// How long a search index entry lives. It is written by the account's first authenticate
/// from the address in a UTC day, so it outlives the day's last one by at least a week.
pub const ADDRESS_SEARCH_KEPT: Millis = 8 * DAY;
/// At most this many links are made by one request (the strongest), so a device farm of
/// thousands cannot turn one request into thousands of writes.
pub const MAX_NEW_LINKS: usize = 50;

/// How strongly a shared device fingerprint links two accounts: strong when the population has
/// no twin of the fingerprint, weak when thousands of identical devices exist.
pub fn device_strength(population: &Population, summary: &SessionSummary) -> f64 {
    round4(MatchType::Device.strength() / (1.0 + population.expected_twins(summary)))
}

/// Re-reads the strength of every device link whose shared fingerprint the account's own
/// sessions still show, from the current population: a link made while a fingerprint was rare
/// weakens as identical devices join (a popular phone, a household's common PC model).
/// A link made by a burst of arrivals keeps its strength while the account is younger than
/// [`OWN_HISTORY`]. Before the index has a baseline, only the account's own links say how
/// common a fingerprint is ([`twins_as_far_as_known`]).
pub fn rescore_devices(history: &mut History, population: &Population) {
    if !population.has_baseline() {
        twins_as_far_as_known(history);
        return;
    }
    let first = history
        .sessions
        .iter()
        .map(|s| s.at)
        .chain(history.rollup.as_ref().map(|r| r.first_seen))
        .min()
        .unwrap_or(0);
    let last = history.sessions.iter().map(|s| s.at).max().unwrap_or(0);
    let young = last - first < OWN_HISTORY;
    for l in history.links.iter_mut() {
        if l.device_id.is_empty() || !l.has(MatchType::Device) {
            continue;
        }
        if l.burst && young {
            continue;
        }
        // The device's latest kept session, or what the rollup kept of a folded one.
        let folded = || {
            let r = history.rollup.as_ref()?;
            let i = r
                .instances
                .iter()
                .find(|i| i.device_id == l.device_id && !i.fingerprint.is_empty())?;
            Some(Rollup::instance_session(i))
        };
        let from_rollup;
        let s = match history.sessions.iter().find(|s| s.device_id == l.device_id) {
            Some(s) => s,
            None => match folded() {
                Some(f) => {
                    from_rollup = f;
                    &from_rollup
                }
                None => continue,
            },
        };
        let strength = device_strength(population, s);
        if strength != l.strength(MatchType::Device) || l.burst {
            *l = l
                .restrengthened(MatchType::Device, strength)
                .with_burst(false);
        }
    }
}

/// How strongly a fingerprint links two accounts when `twins` other accounts are known to show
/// it and the index has no baseline to say more (`look_up`, [`twins_as_far_as_known`]).
fn strength_among(twins: f64) -> f64 {
    MatchType::Device.strength() / (1.0 + twins)
}

/// Without a baseline the index cannot tell a rare device from a common one, and a look-up
/// takes the accounts already on a fingerprint for its twins (`look_up`): the link to the first
/// stranger on a popular phone is made at half strength, the fourth's at a fifth. The account's
/// own links say as much of the earlier ones: every account linked over a fingerprint showed
/// it, so each link over it is no stronger than that count allows, whatever order the
/// strangers came in (a family's first week of a deployment must not add up early links to a
/// cluster).
fn twins_as_far_as_known(history: &mut History) {
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for l in history.links.iter().filter(|l| l.has(MatchType::Device)) {
        if !l.device_id.is_empty() {
            *counts.entry(l.device_id.clone()).or_default() += 1;
        }
    }
    for l in history.links.iter_mut() {
        let Some(n) = counts.get(&l.device_id) else {
            continue;
        };
        let cap = round4(strength_among(*n as f64));
        if l.strength(MatchType::Device) > cap {
            *l = l.restrengthened(MatchType::Device, cap);
        }
    }
}

/// The session's browser id, device fingerprint and address, with when the account's history
/// first shows each (`history` = the account's stored sessions, or none for an anonymous check).
pub fn session_identifiers(
    summary: &SessionSummary,
    history: Option<&History>,
    population: &Population,
) -> Vec<Identifier> {
    // The rollup's browser profiles stand for the folded sessions (only browser id and
    // device are kept there: an address of weeks ago says nothing now).
    // `same` is asked of a (browser id, device) pair.
    let first_seen = |same: &dyn Fn(&str, &str) -> bool| {
        history.and_then(|h| {
            let folded = h
                .rollup
                .iter()
                .flat_map(|r| &r.instances)
                .filter(|i| same(&i.browser_id, &i.device_id))
                .map(|i| i.first);
            h.sessions
                .iter()
                .filter(|s| s.id != summary.id && same(&s.browser_id, &s.device_id))
                .map(|s| s.at)
                .chain(folded)
                .min()
        })
    };
    let mut out = Vec::new();
    if let Ok(v) = Id::new(&summary.browser_id) {
        let since = first_seen(&|browser, _| browser == summary.browser_id);
        out.push(Identifier::new(MatchType::Browser, v, since));
    }
    if let Ok(v) = Id::new(&summary.device_id) {
        let since = first_seen(&|_, device| device == summary.device_id);
        let mut i = Identifier::new(MatchType::Device, v, since);
        i.strength = device_strength(population, summary);
        i.baseline = population.has_baseline();
        out.push(i);
    }
    if let Ok(v) = Id::new(&summary.ip) {
        // An address is known since the account's first session on it this (UTC) day: the
        // search index is filed once a day (`writes`), the hourly index every time.
        let today = summary.at.div_euclid(DAY);
        let since = history.and_then(|h| {
            h.sessions
                .iter()
                .filter(|s| s.id != summary.id && s.ip == summary.ip)
                .filter(|s| s.at.div_euclid(DAY) == today && s.at <= summary.at)
                .map(|s| s.at)
                .min()
        });
        out.push(Identifier::new(MatchType::Network, v, since));
    }
    out
}

/// The index value of an e-mail address: a hash of its normalised mailbox, so the index holds
/// no address; `None` for an empty or invalid address.
pub fn email_value(address: &str) -> Option<Id> {
    let normalized = email::parse(address)?.normalized();
    let hash: String = Sha256::digest(normalized.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Id::new(&hash).ok()
}

/// The e-mail identifier of a profile; known since the stored profile's last update when the
/// stored profile already had the same mailbox.
pub fn email_identifier(profile: &Profile, stored: Option<&Profile>) -> Option<Identifier> {
    let value = email_value(&profile.info.email)?;
    let known_since = stored
        .filter(|p| email_value(&p.info.email).as_ref() == Some(&value))
        .map(|p| p.updated_at);
    Some(Identifier::new(MatchType::Email, value, known_since))
}

/// Another account showing one of the identifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Other {
    pub kind: MatchType,
    pub account: String,
    pub strength: f64,
    /// The shared device fingerprint id (device links only; empty otherwise).
    pub device_id: String,
    /// The two accounts arrived on the device together (`Link::burst`).
    pub burst: bool,
}

/// What the indexes say about an account's identifiers.
#[derive(Debug, Default)]
pub struct Found {
    pub others: Vec<Other>,
    /// Identifiers the account is not yet indexed under (or, for addresses, is re-indexed under).
    pub unindexed: Vec<Identifier>,
    /// Other accounts on the address, and new on the device, within the hour.
    pub velocity: Velocity,
    /// Everything noted about the session's address (`None` when no address was looked up).
    pub address: Option<Marks>,
}

/// The accounts an identifier's index names, with when each was last filed, from the first
/// page of its index only: an identifier shared by more than a page of accounts (a
/// fingerprint thousands of devices show) is judged from the 1,000 accounts listed first (by
/// account id). That is enough: a device link's strength falls as 1/(1 + accounts sharing it),
/// so the ones left out would weigh under 0.1 % each, and at most [`MAX_NEW_LINKS`] links are
/// made anyway. An address is read whole instead (`address::read`: its hourly entries, and
/// with them its other marks, in one list).
async fn listed<S: Store>(
    store: &S,
    keys: &Keys,
    i: &Identifier,
    now: Millis,
) -> Result<(Vec<(String, Millis)>, Option<Marks>), ApiError> {
    if i.kind == MatchType::Network {
        let marks = address::read(store, keys, &i.value, now).await?;
        return Ok((marks.hourly.clone(), Some(marks)));
    }
    let prefix = keys.index(i.kind.tag(), &i.value);
    let (listed, _more) = store.list_first(&prefix).await?;
    let accounts = listed
        .iter()
        .filter_map(|k| Some((trailing_id(&prefix, &k.name)?, k.filed_at().unwrap_or(0))))
        .collect();
    Ok((accounts, None))
}

/// Lists the index of every identifier that is not settled, concurrently, a page at most per
/// prefix ([`listed`]). `account` is left out of `others`; settled identifiers are known to be
/// indexed already.
pub async fn look_up<S: Store>(
    store: &S,
    keys: &Keys,
    account: Option<&Id>,
    ids: &[Identifier],
    now: Millis,
) -> Result<Found, ApiError> {
    let open: Vec<&Identifier> = ids.iter().filter(|i| !i.settled(now)).collect();
    let listings = join_all(open.iter().map(|i| listed(store, keys, i, now))).await;
    let me = account.map(Id::raw);
    let mut found = Found::default();
    for (i, listing) in open.into_iter().zip(listings) {
        let (accounts, marks) = listing?;
        if marks.is_some() {
            found.address = marks;
        }
        if me.is_some_and(|me| i.kind == MatchType::Network || !accounts.iter().any(|a| a.0 == me))
        {
            found.unindexed.push(i.clone());
        }
        let recent = |at: Millis| at > now - VELOCITY_WINDOW;
        let others: Vec<(String, Millis)> = accounts
            .into_iter()
            .filter(|a| Some(a.0.as_str()) != me)
            .collect();
        // Accounts that arrived on the device together with this one, against its usual rate.
        let twins_seen = others.len() as f64;
        let mut mates = vec![false; others.len()];
        if i.baseline {
            let times: Vec<Millis> = others.iter().map(|o| o.1).collect();
            for m in burst_mates(&times, i.known_since.unwrap_or(now)) {
                mates[m] = true;
            }
        }
        for ((other, at), burst) in others.into_iter().zip(mates) {
            let strength = match i.kind {
                // Within the hour only, weaker the further apart.
                MatchType::Network if !recent(at) => continue,
                MatchType::Network => {
                    i.strength * (1.0 - (now - at) as f64 / VELOCITY_WINDOW as f64)
                }
                // Arrived together: one machine, however common its fingerprint.
                MatchType::Device if burst => i.kind.strength(),
                // No baseline yet: the accounts already on it are its twins as far as is known.
                MatchType::Device if !i.baseline => i.strength.min(strength_among(twins_seen)),
                _ => i.strength,
            };
            if recent(at) {
                match i.kind {
                    MatchType::Network => found.velocity.accounts_per_ip += 1,
                    // Only a fingerprint rare enough to stand for one device counts.
                    MatchType::Device if i.strength >= 0.5 => {
                        found.velocity.accounts_per_device += 1
                    }
                    _ => {}
                }
            }
            found.others.push(Other {
                kind: i.kind,
                account: other,
                strength: round4(strength),
                device_id: match i.kind {
                    MatchType::Device => i.value.raw().to_string(),
                    _ => String::new(),
                },
                burst,
            });
        }
    }
    Ok(found)
}

/// The links of `found` that `history` does not have yet, strongest first, at most
/// [`MAX_NEW_LINKS`].
pub fn new_links(history: &History, found: &Found) -> Vec<Other> {
    // A set, not a scan per candidate: a crowded index names hundreds of accounts, and an
    // account may hold a hundred links.
    let known: HashSet<(&str, MatchType)> = history
        .links
        .iter()
        .flat_map(|l| l.match_types().map(|m| (l.account_id.as_str(), m)))
        .collect();
    let mut out: Vec<Other> = found
        .others
        .iter()
        .filter(|o| o.strength > 0.0 && !known.contains(&(o.account.as_str(), o.kind)))
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then_with(|| (a.kind, &a.account).cmp(&(b.kind, &b.account)))
    });
    out.dedup_by(|a, b| a.kind == b.kind && a.account == b.account);
    out.truncate(MAX_NEW_LINKS);
    out
}

/// The most links an account keeps: its strongest. An account that shares an identifier with
/// thousands (a farm's victim, a carrier address within the hour) would otherwise list a key
/// per link on every request. The score loses nothing it can show: [`LINK_WEIGHT`] times a
/// hundred strong links is past where `multiple_accounts` saturates, and links of one weak kind
/// are capped as a group anyway (`engine::weak_kind_caps`).
///
/// [`LINK_WEIGHT`]: crate::engine::LINK_WEIGHT
pub const MAX_LINKS: usize = 100;

/// Keeps the account's [`MAX_LINKS`] strongest links (ties by account id, so the choice is
/// stable): the rest leave `history`, and `new` keeps only the links that stay. Returns this
/// account's side of the links dropped that were stored before this request, to delete; the
/// other side stays with the other account, which drops it in turn when it is over its own cap.
pub fn keep_strongest(
    keys: &Keys,
    account: &Id,
    history: &mut History,
    new: &mut Vec<Other>,
) -> Vec<String> {
    if history.links.len() <= MAX_LINKS {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..history.links.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&history.links[a], &history.links[b]);
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.account_id.cmp(&b.account_id))
    });
    let mut dropped = vec![false; history.links.len()];
    for &i in &order[MAX_LINKS..] {
        dropped[i] = true;
    }
    let mut deletes = Vec::new();
    let mut i = 0;
    history.links.retain(|l| {
        let drop = dropped[i];
        i += 1;
        if drop {
            if let Ok(other) = Id::new(&l.account_id) {
                let added_now =
                    |m: MatchType| new.iter().any(|o| o.account == l.account_id && o.kind == m);
                deletes.extend(
                    l.match_types()
                        .filter(|m| !added_now(*m))
                        .map(|m| keys.account_link(account, m.tag(), &other)),
                );
            }
        }
        !drop
    });
    new.retain(|o| history.links.iter().any(|l| l.account_id == o.account));
    deletes
}

/// Adds new links to a history, merging kinds into links that already exist.
pub fn merge(history: &mut History, new: &[Other], now: Millis) {
    for o in new {
        match history.links.iter_mut().find(|l| l.account_id == o.account) {
            Some(l) => {
                let mut merged = l.restrengthened(o.kind, o.strength);
                if !o.device_id.is_empty() {
                    merged.device_id = o.device_id.clone();
                }
                merged.burst |= o.burst;
                *l = merged;
            }
            None => history.links.push(
                Link::new(&o.account, vec![(o.kind, o.strength)], now)
                    .with_device(&o.device_id)
                    .with_burst(o.burst),
            ),
        }
    }
}

/// The writes that record new links (both sides, the strength in the metadata) and index the
/// account under identifiers it is not indexed under yet.
pub fn writes(
    keys: &Keys,
    account: &Id,
    new: &[Other],
    unindexed: &[Identifier],
    now: Millis,
) -> Vec<(String, String, Put)> {
    let put = |meta: serde_json::Value, kind: MatchType| {
        let ttl_secs = (kind == MatchType::Network).then_some((NETWORK_TTL / SECOND) as u64);
        (
            meta.to_string(),
            Put {
                ttl_secs,
                metadata: Some(meta),
            },
        )
    };
    let mut out = Vec::new();
    for o in new {
        let Ok(other) = Id::new(&o.account) else {
            continue;
        };
        for key in [
            keys.account_link(account, o.kind.tag(), &other),
            keys.account_link(&other, o.kind.tag(), account),
        ] {
            let mut meta = json!({ "t": now, "s": o.strength });
            if !o.device_id.is_empty() {
                meta["d"] = json!(o.device_id);
            }
            if o.burst {
                meta["u"] = json!(1);
            }
            let (v, p) = put(meta, o.kind);
            out.push((key, v, p));
        }
    }
    for i in unindexed {
        let (v, mut p) = put(json!({ "t": now }), i.kind);
        match i.kind {
            MatchType::Network => {
                // Once a day is enough for the search index (`session_identifiers`).
                if i.known_since.is_none() {
                    p.ttl_secs = Some((ADDRESS_SEARCH_KEPT / SECOND) as u64);
                    let key = keys.index_account(ADDRESS_SEARCH_TAG, &i.value, account);
                    out.push((key, v, p));
                }
                out.push(address::hourly(keys, &i.value, account, now));
            }
            _ => out.push((keys.index_account(i.kind.tag(), &i.value, account), v, p)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, device: &str, fingerprint: &str) -> SessionSummary {
        SessionSummary {
            id: id.into(),
            device_id: device.into(),
            fingerprint: fingerprint.into(),
            ..Default::default()
        }
    }

    /// 1,000 devices, `twins` of them the same model as `phone`.
    fn population(twins: usize) -> Population {
        let mut p = Population::default();
        for i in 0..1000 {
            let fp = if i < twins {
                "0.ip,1.apple,2.ny".to_string()
            } else {
                format!("0.{i},1.{i},2.{i}")
            };
            let mut s = session(&format!("s{i}"), &format!("d{i}"), &fp);
            // Ten days of sessions: an index with a baseline.
            s.at = i as Millis * 15 * crate::schema::time::MINUTE;
            p.add(&s, true);
        }
        p.keep_shared();
        p
    }

    /// An index of 400 sessions on the phone within one day: no baseline.
    fn young_population() -> Population {
        let mut young = Population::default();
        for i in 0..400 {
            young.add(
                &session(&format!("s{i}"), "phone", "0.ip,1.apple,2.ny"),
                true,
            );
        }
        assert!(!young.has_baseline());
        young
    }

    #[test]
    fn without_a_baseline_the_index_does_not_rescore_a_lone_link() {
        // One other account on the fingerprint: as strong as a look-up would have made it.
        let mut h = history_with_link("phone");
        h.links[0] = h.links[0].restrengthened(MatchType::Device, 0.45);
        rescore_devices(&mut h, &young_population());
        assert_eq!(h.links[0].strength(MatchType::Device), 0.45);
    }

    #[test]
    fn without_a_baseline_early_links_weaken_as_more_accounts_show_the_fingerprint() {
        // Four strangers on a popular phone in a deployment's first days, linked in turn at
        // what a look-up made of each (a half, a third, a quarter, a fifth).
        let mut h = history_with_link("phone");
        h.links = [0.45, 0.3, 0.225, 0.18]
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Link::new(&format!("o{i}"), vec![(MatchType::Device, *s)], 0).with_device("phone")
            })
            .collect();
        // A housemate on the family's browser and machine keeps the browser in full.
        h.links.push(
            Link::new(
                "housemate",
                vec![(MatchType::Browser, 1.0), (MatchType::Device, 0.45)],
                0,
            )
            .with_device("family-pc"),
        );
        rescore_devices(&mut h, &young_population());
        for l in &h.links[..4] {
            assert_eq!(l.strength(MatchType::Device), 0.18, "{l:?}");
            assert_eq!(l.score, 0.18);
        }
        assert_eq!(h.links[4].strength(MatchType::Device), 0.45);
        assert_eq!(h.links[4].score, 1.0);
    }

    fn history_with_link(device: &str) -> History {
        History {
            sessions: vec![session("mine", "phone", "0.ip,1.apple,2.ny")],
            links: vec![Link::new("other", vec![(MatchType::Device, 0.9)], 0).with_device(device)],
            ..Default::default()
        }
    }

    #[test]
    fn a_device_link_weakens_when_its_fingerprint_becomes_common() {
        let mut h = history_with_link("phone");
        rescore_devices(&mut h, &population(400));
        let now = h.links[0].strength(MatchType::Device);
        assert!(now < 0.01, "{now}");
        assert_eq!(h.links[0].score, now);
        assert_eq!(h.links[0].device_id, "phone");
    }

    #[test]
    fn a_device_link_stays_strong_while_its_fingerprint_is_rare() {
        let mut h = history_with_link("phone");
        rescore_devices(&mut h, &population(0));
        assert!(h.links[0].strength(MatchType::Device) > 0.85);
    }

    #[test]
    fn a_link_without_a_recorded_device_keeps_its_stored_strength() {
        for device in ["", "a-device-the-account-never-showed"] {
            let mut h = history_with_link(device);
            rescore_devices(&mut h, &population(400));
            assert_eq!(h.links[0].strength(MatchType::Device), 0.9);
        }
    }

    #[test]
    fn rescoring_keeps_the_links_other_kinds() {
        let mut h = history_with_link("phone");
        h.links[0] = h.links[0].restrengthened(MatchType::Browser, 1.0);
        rescore_devices(&mut h, &population(400));
        assert_eq!(h.links[0].strength(MatchType::Browser), 1.0);
        assert_eq!(h.links[0].score, 1.0);
    }

    #[test]
    fn a_device_link_is_written_with_the_shared_device_id() {
        let keys = Keys::new("p");
        let me = Id::new("me").unwrap();
        let other = Other {
            kind: MatchType::Device,
            account: "you".into(),
            strength: 0.5,
            device_id: "phone".into(),
            burst: false,
        };
        let w = writes(&keys, &me, &[other], &[], 7);
        assert_eq!(w.len(), 2);
        for (_, _, put) in w {
            let meta = put.metadata.unwrap();
            assert_eq!(meta["d"], "phone");
            assert_eq!(meta["s"], 0.5);
        }
    }

    /// Indexes each address's mailbox as its own account, in order, and returns who each one
    /// found already there.
    fn mailbox_links(addresses: &[&str]) -> Vec<Vec<String>> {
        use crate::store::MemoryStore;
        use futures::executor::block_on;
        let store = MemoryStore::default();
        let keys = Keys::new("p");
        let mut out = Vec::new();
        for (n, address) in addresses.iter().enumerate() {
            let me = Id::new(&format!("a{n}")).unwrap();
            let id = Identifier::new(MatchType::Email, email_value(address).unwrap(), None);
            let found = block_on(look_up(&store, &keys, Some(&me), &[id], 0)).unwrap();
            out.push(found.others.iter().map(|o| o.account.clone()).collect());
            for (k, v, p) in writes(&keys, &me, &[], &found.unindexed, 0) {
                block_on(store.put(&k, &v, p)).unwrap();
            }
        }
        out
    }

    #[test]
    fn alias_spellings_of_one_mailbox_link_every_account_of_the_ring() {
        let found = mailbox_links(&[
            "jeandeals42@gmail.com",
            "jean.deals42@gmail.com",
            "jeandeals42+promo3@gmail.com",
            "j.eandeals.42+a1@googlemail.com",
        ]);
        assert_eq!(found[3], ["a0", "a1", "a2"]);
        assert_eq!(found[1], ["a0"]);
    }

    #[test]
    fn colleagues_on_one_business_domain_link_nothing() {
        let found = mailbox_links(&[
            "anna.schmidt@fabrikam-engineering.co.uk",
            "a.schmidt@fabrikam-engineering.co.uk",
            "annaschmidt@fabrikam-engineering.co.uk",
            "jonas.weber@fabrikam-engineering.co.uk",
            "sales@fabrikam-engineering.co.uk",
        ]);
        assert!(found.iter().all(|f| f.is_empty()), "{found:?}");
        // Dots matter outside Gmail: anna.schmidt and annaschmidt are two people there. A
        // +tag is a sub-address of one mailbox on any provider (RFC 5233).
        let tagged = mailbox_links(&[
            "anna.schmidt@fabrikam-engineering.co.uk",
            "anna.schmidt+crm@fabrikam-engineering.co.uk",
        ]);
        assert_eq!(tagged[1], ["a0"]);
    }

    #[test]
    fn a_crowded_identifier_costs_one_page_and_an_address_reads_its_newest_hours_first() {
        use crate::schema::time::{HOUR, MINUTE};
        use crate::store::MemoryStore;
        use futures::executor::block_on;
        let store = MemoryStore::with_page_size(10);
        let keys = Keys::new("p");
        let now = 100 * HOUR + 30 * MINUTE;
        let device = Identifier::new(MatchType::Device, Id::new("dev").unwrap(), None);
        let address = Identifier::new(MatchType::Network, Id::new("192.0.2.1").unwrap(), None);
        // 25 accounts on the device, 6 of them on the address this hour; 3 more on the address
        // in the last hour (within the hour before now), 40 nine hours ago (still stored here:
        // this store's clock stands still).
        for n in 0..25 {
            let a = Id::new(&format!("a{n:02}")).unwrap();
            let mut w = writes(&keys, &a, &[], std::slice::from_ref(&device), now);
            if n < 6 {
                w.extend(writes(&keys, &a, &[], std::slice::from_ref(&address), now));
            }
            block_on(store.put_all(w)).unwrap();
        }
        for (n, at) in (0..3)
            .map(|n| (n, now - 50 * MINUTE))
            .chain((3..43).map(|n| (n, now - 9 * HOUR)))
        {
            let a = Id::new(&format!("b{n:02}")).unwrap();
            let w = writes(&keys, &a, &[], std::slice::from_ref(&address), at);
            block_on(store.put_all(w)).unwrap();
        }
        let me = Id::new("me").unwrap();
        let before = store.list_calls();
        let found = block_on(look_up(&store, &keys, Some(&me), &[device, address], now)).unwrap();
        // One page for the device; one for the address, which is full, so its failed logins
        // (sorting after the hourly entries) get a page of their own.
        assert_eq!(store.list_calls() - before, 3);
        let on = |k: MatchType| found.others.iter().filter(|o| o.kind == k).count();
        assert_eq!(on(MatchType::Device), 10, "the first page only");
        // The newest hours come first: this hour's 6 and the last hour's 3; the page's tenth
        // entry is from nine hours ago, which does not count.
        let net: Vec<&str> = found
            .others
            .iter()
            .filter(|o| o.kind == MatchType::Network)
            .map(|o| o.account.as_str())
            .collect();
        assert_eq!(
            net,
            ["a00", "a01", "a02", "a03", "a04", "a05", "b00", "b01", "b02"]
        );
        assert_eq!(found.address.map(|m| m.hourly.len()), Some(9));
    }

    #[test]
    fn an_address_is_filed_for_search_once_a_day_and_by_the_hour_every_time() {
        let keys = Keys::new("p");
        let me = Id::new("me").unwrap();
        let at = |day: i64, hour: i64| 20_000 * DAY + day * DAY + hour * crate::schema::time::HOUR;
        let login = |id: &str, t: Millis| SessionSummary {
            id: id.into(),
            at: t,
            ip: "192.0.2.1".into(),
            ..Default::default()
        };
        let earlier = History {
            sessions: vec![login("s1", at(0, 9))],
            ..History::default()
        };
        let filed = |cur: &SessionSummary| -> Vec<String> {
            let ids = session_identifiers(cur, Some(&earlier), &Population::default());
            writes(&keys, &me, &[], &ids, cur.at)
                .into_iter()
                .map(|w| w.0)
                .collect()
        };
        let search = keys.index_account(ADDRESS_SEARCH_TAG, &Id::new("192.0.2.1").unwrap(), &me);
        // The same day: the hourly entry only. The next day: the search entry again.
        let later_that_day = filed(&login("s2", at(0, 17)));
        assert_eq!(later_that_day.len(), 1);
        assert!(!later_that_day.contains(&search));
        let next_day = filed(&login("s3", at(1, 8)));
        assert_eq!(next_day.len(), 2);
        assert!(next_day.contains(&search));
    }

    fn other(account: &str, kind: MatchType, strength: f64) -> Other {
        Other {
            kind,
            account: account.into(),
            strength,
            device_id: String::new(),
            burst: false,
        }
    }

    #[test]
    fn an_account_under_the_cap_keeps_every_link() {
        let keys = Keys::new("p");
        let mut h = History::default();
        for i in 0..MAX_LINKS {
            h.links.push(Link::new(
                &format!("o{i}"),
                vec![(MatchType::Network, 0.1)],
                0,
            ));
        }
        let mut new = vec![other("o0", MatchType::Network, 0.1)];
        let a = Id::new("me").unwrap();
        assert!(keep_strongest(&keys, &a, &mut h, &mut new).is_empty());
        assert_eq!((h.links.len(), new.len()), (MAX_LINKS, 1));
    }

    #[test]
    fn past_the_cap_the_weakest_stored_links_are_deleted_and_weak_new_ones_never_written() {
        let keys = Keys::new("p");
        let a = Id::new("me").unwrap();
        let mut h = History::default();
        // Stored: a hundred address links at 0.2, and one of them also by mailbox.
        for i in 0..MAX_LINKS {
            h.links.push(Link::new(
                &format!("o{i:03}"),
                vec![(MatchType::Network, 0.2)],
                0,
            ));
        }
        // This request: a strong browser link to a new account, a weak address link to another.
        let mut new = vec![
            other("strong", MatchType::Browser, 0.9),
            other("weak", MatchType::Network, 0.05),
        ];
        merge(&mut h, &new, 1);
        let deletes = keep_strongest(&keys, &a, &mut h, &mut new);
        assert_eq!(h.links.len(), MAX_LINKS);
        assert!(h.links.iter().any(|l| l.account_id == "strong"));
        assert!(!h.links.iter().any(|l| l.account_id == "weak"));
        // The new weak link is never written; of the stored ones the last by account id goes.
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].account, "strong");
        let last = Id::new("o099").unwrap();
        assert_eq!(
            deletes,
            vec![keys.account_link(&a, MatchType::Network.tag(), &last)]
        );
        assert!(!h.links.iter().any(|l| l.account_id == "o099"));
    }
}
