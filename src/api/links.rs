//! Multi-account links. Every identifier an account shows (its browsers' ids, its normalised
//! e-mail) goes into an index of one key per (identifier, account).
//! An account that shows an identifier already in the index is linked to every account there,
//! on both sides, with one key per (pair, kind of identifier): nothing is read, changed and
//! written back, so concurrent requests cannot lose a link.

use futures::future::join_all;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::records::{Profile, SessionRecord};
use crate::engine::{History, Link, MatchType};
use crate::intel::email;
use crate::schema::time::{Millis, SECOND};
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
    /// When the account first showed it, if it did before this request.
    pub known_since: Option<Millis>,
}

impl Identifier {
    fn settled(&self, now: Millis) -> bool {
        self.known_since.is_some_and(|t| t <= now - RELIST_GRACE)
    }
}

/// The browser id of a session, with when the account's history first shows it (`history` =
/// the account's stored sessions, or none for an anonymous check). Device fingerprints are not
/// linked yet: a fingerprint shared by many unrelated people needs the population rarity
/// weighting of the risk-engine issue first.
pub fn session_identifiers(rec: &SessionRecord, history: Option<&History>) -> Vec<Identifier> {
    let browser = &rec.verdict.browser_id;
    let known_since = history.and_then(|h| {
        h.sessions
            .iter()
            .filter(|s| s.id != rec.id && &s.browser_id == browser)
            .map(|s| s.at)
            .min()
    });
    Id::new(browser)
        .map(|value| Identifier {
            kind: MatchType::Browser,
            value,
            known_since,
        })
        .into_iter()
        .collect()
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
    Some(Identifier {
        kind: MatchType::Email,
        value,
        known_since,
    })
}

/// What the indexes say about an account's identifiers.
#[derive(Debug, Default)]
pub struct Found {
    /// (kind, other account) for every other account showing one of the identifiers.
    pub others: Vec<(MatchType, String)>,
    /// Identifiers the account is not yet indexed under.
    pub unindexed: Vec<Identifier>,
}

/// Lists the index of every identifier that is not settled, concurrently. `account` is left
/// out of `others`; settled identifiers are known to be indexed already.
pub async fn look_up<S: Store>(
    store: &S,
    keys: &Keys,
    account: Option<&Id>,
    ids: &[Identifier],
    now: Millis,
) -> Result<Found, ApiError> {
    let open: Vec<(&Identifier, String)> = ids
        .iter()
        .filter(|i| !i.settled(now))
        .map(|i| (i, keys.index(i.kind.tag(), &i.value)))
        .collect();
    let listings = join_all(open.iter().map(|(_, prefix)| store.list_all(prefix))).await;
    let mut found = Found::default();
    for ((i, prefix), listing) in open.into_iter().zip(listings) {
        let accounts: Vec<String> = listing?
            .iter()
            .filter_map(|k| trailing_id(&prefix, &k.name))
            .collect();
        let me = account.map(Id::raw);
        if me.is_some_and(|me| !accounts.iter().any(|a| a == me)) {
            found.unindexed.push(i.clone());
        }
        found.others.extend(
            accounts
                .into_iter()
                .filter(|a| Some(a.as_str()) != me)
                .map(|a| (i.kind, a)),
        );
    }
    Ok(found)
}

/// The links of `found` that `history` does not have yet, as (kind, other account).
pub fn new_links(history: &History, found: &Found) -> Vec<(MatchType, String)> {
    let mut out: Vec<(MatchType, String)> = found
        .others
        .iter()
        .filter(|(m, other)| {
            !history
                .links
                .iter()
                .any(|l| &l.account_id == other && l.match_types.contains(m))
        })
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Adds new links to a history, merging kinds into links that already exist.
pub fn merge(history: &mut History, new: &[(MatchType, String)], now: Millis) {
    for (m, other) in new {
        match history.links.iter_mut().find(|l| &l.account_id == other) {
            Some(l) => {
                let mut types = l.match_types.clone();
                types.push(*m);
                *l = Link::new(other, types, l.at);
            }
            None => history.links.push(Link::new(other, vec![*m], now)),
        }
    }
}

/// The writes that record new links (both sides) and index the account under identifiers it
/// is not indexed under yet.
pub fn writes(
    keys: &Keys,
    account: &Id,
    new: &[(MatchType, String)],
    unindexed: &[Identifier],
    now: Millis,
) -> Vec<(String, String, Put)> {
    let meta = json!({ "t": now });
    let put = || {
        (
            meta.to_string(),
            Put {
                ttl_secs: None,
                metadata: Some(meta.clone()),
            },
        )
    };
    let mut out = Vec::new();
    for (m, other) in new {
        let Ok(other) = Id::new(other) else { continue };
        for key in [
            keys.account_link(account, m.tag(), &other),
            keys.account_link(&other, m.tag(), account),
        ] {
            let (v, p) = put();
            out.push((key, v, p));
        }
    }
    for i in unindexed {
        let (v, p) = put();
        out.push((keys.index_account(i.kind.tag(), &i.value, account), v, p));
    }
    out
}
