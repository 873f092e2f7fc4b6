//! The key layout: in KV, except that at the edge each account's keys live in its own object
//! ([`account_scope`], `edge::store`). Every key starts with the project, then the entity;
//! every id that comes from a user is percent-encoded, so `:`, `/`, `%`, `..` or unicode in an
//! id can never reach another project's or another entity's keys.
//!
//! ```text
//! p/{project}/s/{session}                 session record (value), 24 h
//! p/{project}/s/{session}/a/{account}     session bound to account, 24 h
//! p/{project}/a/{account}/p               account profile (value): the caller's own fields
//! p/{project}/a/{account}/s/{session}     one per session of the account; metadata = summary;
//!                                         deleted once folded into a rollup
//! p/{project}/a/{account}/h/{through}     a rollup of the sessions folded through that time
//!                                         (`engine::rollup`); the latest is the one read
//! p/{project}/a/{account}/k/{tag}/{other} one per linked account and kind of shared identifier
//!                                         (tag b browser, e e-mail); metadata = time
//! p/{project}/a/{account}/l/{list}        one per list membership
//! p/{project}/a/{account}/e/{event}       one per server event (`POST /event`); metadata =
//!                                         summary; the id sorts by time; deleted once folded
//! p/{project}/a/{account}/eh/{through}/{event} a rollup of the events folded through that
//!                                         arrival and event (`engine::event_rollup`); the
//!                                         latest is the one read
//! p/{project}/a/{account}/n/{incident}    one per incident; the id names type and episode,
//!                                         so opening one twice writes the same key
//! p/{project}/a/{account}/f/{feedback}    one per feedback call naming the account
//! p/{project}/a/{account}/r/{age}/{decision}  the account's card as of an authenticate
//!                                         (metadata): the newest is its `/accounts` row; each
//!                                         names its two recency entries (`api::console`)
//! p/{project}/ra/{decision|all}/{age}/{account}  recency index of authenticated accounts
//!                                         (age = 9999999999999 - last seen, so the latest
//!                                         sort first); metadata = the card
//! p/{project}/in/{p|c|a}/{ato|fa|all}/{rank}/{account}/{incident}  incident index: pending,
//!                                         closed or all, by attack type, highest risk first;
//!                                         metadata = the incident as `/incidents` answers it
//! p/{project}/i/{tag}/{value}/{account}   identifier index: accounts seen with one browser id,
//!                                         device or (hashed) normalised e-mail
//! p/{project}/i/a/{address}/n/{hour}/{account} the address index, by the hour of the
//!                                         authenticate (999999999 - hours since the epoch,
//!                                         so the newest hour lists first), 3 h
//! p/{project}/i/a/{address}/f/{account}   the account was decided Fake on the address, 7 days
//! p/{project}/i/a/{address}/x/{account}   the account failed to log in from the address, 1 h
//!                                         (the three share a prefix: one list reads them)
//! p/{project}/i/s/{address}/{account}     the address search index (the console), 7 days
//! p/{project}/ld/{list}                   a custom list's definition
//! p/{project}/lm/{list}/{account}         a list's members (the other side of `a/…/l/…`)
//! p/{project}/r/{rule}                    a customer rule's current version; metadata = it
//! p/{project}/rv/{rule}/{version}-{nonce} every version of a rule, kept until the rule goes
//! p/{project}/rh/{rule}/{day}/{time}      one per match of a rule, 30 days; metadata = mode
//! p/{project}/rp/{day}/{account}/{session} what an authenticate answered, as rules read it,
//!                                         31 days: the history a backtest replays
//! p/{project}/v/{attack}/{account}        the application's last verdict (feedback) on an
//!                                         account's incidents of one attack type
//! p/{project}/j/{time}/{session}/{account} population journal: one per session new to an
//!                                         account, until the next fold; metadata = summary
//!                                         (no address, no scores), 7 days at most
//! p/{project}/pop                         population snapshot (counts; `state::population`)
//! p/{project}/popl                        the journal entries the last fold consumed
//! p/{project}/popr                        present: the next fold rebuilds from scratch
//! p/{project}/pd/{hash}                   a browser profile the population counted (a hash
//!                                         of its id, naming no account)
//! p/{project}/pf/{device}                 how many browser profiles show a device fingerprint
//! ```
//!
//! Everything that names an account lives under `p/{project}/a/{account}/`, except the
//! identifier index, session bindings, replay records, verdicts and the population journal,
//! which the account's own keys name exactly (the day of a replay record is its session's);
//! so deleting an account is one list plus the deletes.

use std::fmt::Write;

use crate::schema::time::Millis;

/// The most bytes an id may take once encoded: two ids in one key still fit KV's 512-byte limit.
pub const MAX_ENCODED_ID: usize = 160;

/// Deployment-wide keys, outside every project's `p/` prefix: the ASN range table (uploaded
/// with `wrangler kv key put`, see the README) and the Tor exits of the last refresh.
pub const ASN_TABLE: &str = "intel/ip-asn";
pub const TOR_EXITS: &str = "intel/tor-exits";

/// Why an id cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    TooLong { encoded_len: usize },
}

impl IdError {
    /// One sentence naming the field, for a 400 answer.
    pub fn message(&self, field: &str) -> String {
        match self {
            IdError::Empty => format!("{field} must be a non-empty string"),
            IdError::TooLong { encoded_len } => format!(
                "{field} is too long: it takes {encoded_len} bytes once encoded, at most {MAX_ENCODED_ID} are allowed"
            ),
        }
    }
}

/// Bytes that stand for themselves in an encoded id.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'~' | b'-')
}

/// Percent-encodes every byte outside `[A-Za-z0-9_.~-]`, including `%` itself, so the mapping is
/// injective and no encoded id contains `/`.
pub fn encode_id(raw: &str) -> Result<String, IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
        if out.len() > MAX_ENCODED_ID {
            return Err(IdError::TooLong {
                encoded_len: encoded_len(raw),
            });
        }
    }
    Ok(out)
}

fn encoded_len(raw: &str) -> usize {
    raw.bytes().map(|b| if unreserved(b) { 1 } else { 3 }).sum()
}

/// Inverse of [`encode_id`]; `None` for a string `encode_id` cannot have produced.
pub fn decode_id(enc: &str) -> Option<String> {
    let b = enc.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = enc.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// An id that has been checked and encoded: the only way an id reaches a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id {
    raw: String,
    enc: String,
}

impl Id {
    pub fn new(raw: &str) -> Result<Id, IdError> {
        Ok(Id {
            enc: encode_id(raw)?,
            raw: raw.to_string(),
        })
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }
}

/// Key builder for one project. Project ids come from configuration, not from requests.
#[derive(Debug, Clone)]
pub struct Keys {
    root: String,
}

impl Keys {
    pub fn new(project_id: &str) -> Keys {
        let enc = encode_id(project_id).unwrap_or_else(|_| String::from("%00"));
        Keys {
            root: format!("p/{enc}/"),
        }
    }

    pub fn session(&self, s: &Id) -> String {
        format!("{}s/{}", self.root, s.enc)
    }

    /// A session nonce, waiting to be used once (`POST /session/nonce`).
    pub fn nonce(&self, n: &Id) -> String {
        format!("{}n/{}", self.root, n.enc)
    }

    pub fn session_accounts(&self, s: &Id) -> String {
        format!("{}s/{}/a/", self.root, s.enc)
    }

    pub fn session_account(&self, s: &Id, a: &Id) -> String {
        format!("{}{}", self.session_accounts(s), a.enc)
    }

    /// The project's population index snapshot.
    pub fn population(&self) -> String {
        format!("{}pop", self.root)
    }

    /// The journal entries the last fold of the population index consumed.
    pub fn population_ledger(&self) -> String {
        format!("{}popl", self.root)
    }

    /// Present when the next fold must rebuild the population index from scratch.
    pub fn population_rebuild(&self) -> String {
        format!("{}popr", self.root)
    }

    /// The population journal: arrivals not yet folded into the snapshot, in time order.
    pub fn journal(&self) -> String {
        format!("{}j/", self.root)
    }

    /// The journal entry of session `s` new to account `a`, created at `at`: computable from
    /// the account's stored session alone, so deleting the account finds it.
    pub fn journal_entry(&self, at: Millis, s: &Id, a: &Id) -> String {
        format!("{}{:016}/{}/{}", self.journal(), at.max(0), s.enc, a.enc)
    }

    /// The marker of a browser profile the population index has counted; `hash` is a hash of
    /// its id (`state::population`), never the id itself.
    pub fn counted_device(&self, hash: &str) -> String {
        format!("{}pd/{hash}", self.root)
    }

    /// Every counted-profile marker (the rebuild from scratch lists them).
    pub fn counted_devices(&self) -> String {
        format!("{}pd/", self.root)
    }

    /// How many browser profiles show device fingerprint `d`.
    pub fn fingerprint_count(&self, d: &Id) -> String {
        format!("{}{}", self.fingerprint_counts(), d.enc)
    }

    /// Every fingerprint count (the rebuild from scratch lists them).
    pub fn fingerprint_counts(&self) -> String {
        format!("{}pf/", self.root)
    }

    /// Everything that belongs to the account; ends with `/` so `bob` never matches `bobby`.
    pub fn account(&self, a: &Id) -> String {
        format!("{}a/{}/", self.root, a.enc)
    }

    pub fn profile(&self, a: &Id) -> String {
        format!("{}p", self.account(a))
    }

    /// The rollup of the account's sessions folded through time `through` (`engine::rollup`).
    pub fn account_rollup(&self, a: &Id, through: Millis) -> String {
        format!("{}h/{:013}", self.account(a), through.max(0))
    }

    pub fn account_event_rollup(&self, a: &Id, through: Millis, e: &Id) -> String {
        format!("{}eh/{:013}/{}", self.account(a), through.max(0), e.enc)
    }

    pub fn account_session(&self, a: &Id, s: &Id) -> String {
        format!("{}s/{}", self.account(a), s.enc)
    }

    /// `tag` names the kind of identifier the two accounts share (one letter).
    pub fn account_link(&self, a: &Id, tag: &str, other: &Id) -> String {
        format!("{}k/{tag}/{}", self.account(a), other.enc)
    }

    /// The prefix of an account's list memberships.
    pub fn account_lists(&self, a: &Id) -> String {
        format!("{}l/", self.account(a))
    }

    pub fn account_list(&self, a: &Id, list: &Id) -> String {
        format!("{}{}", self.account_lists(a), list.enc)
    }

    pub fn account_event(&self, a: &Id, e: &Id) -> String {
        format!("{}e/{}", self.account(a), e.enc)
    }

    pub fn account_incident(&self, a: &Id, n: &Id) -> String {
        format!("{}n/{}", self.account(a), n.enc)
    }

    pub fn account_feedback(&self, a: &Id, f: &Id) -> String {
        format!("{}f/{}", self.account(a), f.enc)
    }

    /// The recency index of authenticated accounts with one decision (`all` for every one).
    pub fn recent_accounts(&self, decision: &str) -> String {
        format!("{}ra/{decision}/", self.root)
    }

    /// An account's entry in the recency index, last seen at `at`.
    pub fn recent_account(&self, decision: &str, at: i64, a: &Id) -> String {
        let age = (9_999_999_999_999 - at).clamp(0, 9_999_999_999_999);
        format!("{}{age:013}/{}", self.recent_accounts(decision), a.enc)
    }

    /// The incident index of one state (`p` pending, `c` closed, `a` all) and attack type
    /// (`ato`, `fa` or `all`).
    pub fn incident_index(&self, state: &str, attack: &str) -> String {
        format!("{}in/{state}/{attack}/", self.root)
    }

    /// An incident's entry; `rank` sorts the highest risk, then the newest, first.
    pub fn incident_entry(&self, state: &str, attack: &str, rank: &str, a: &Id, n: &Id) -> String {
        format!(
            "{}{rank}/{}/{}",
            self.incident_index(state, attack),
            a.enc,
            n.enc
        )
    }

    /// Every custom list's definition.
    pub fn list_definitions(&self) -> String {
        format!("{}ld/", self.root)
    }

    pub fn list_definition(&self, list: &Id) -> String {
        format!("{}{}", self.list_definitions(), list.enc)
    }

    /// A list's members; ends with `/` so `vip` never matches `vips`.
    pub fn list_members(&self, list: &Id) -> String {
        format!("{}lm/{}/", self.root, list.enc)
    }

    pub fn list_member(&self, list: &Id, a: &Id) -> String {
        format!("{}{}", self.list_members(list), a.enc)
    }

    /// Every rule's current version.
    pub fn rules(&self) -> String {
        format!("{}r/", self.root)
    }

    pub fn rule(&self, rule: &Id) -> String {
        format!("{}{}", self.rules(), rule.enc)
    }

    /// Every version of one rule, oldest first.
    pub fn rule_versions(&self, rule: &Id) -> String {
        format!("{}rv/{}/", self.root, rule.enc)
    }

    pub fn rule_version(&self, rule: &Id, version: u32, nonce: &str) -> String {
        format!("{}{version:06}-{nonce}", self.rule_versions(rule))
    }

    /// One rule's matches.
    pub fn rule_hits(&self, rule: &Id) -> String {
        format!("{}rh/{}/", self.root, rule.enc)
    }

    pub fn rule_hit(&self, rule: &Id, day: &str, at: i64, nonce: &str) -> String {
        format!("{}{day}/{at:013}-{nonce}", self.rule_hits(rule))
    }

    /// The replay records of one UTC day (`YYYYMMDD`).
    pub fn replays(&self, day: &str) -> String {
        format!("{}rp/{day}/", self.root)
    }

    /// One account's replay records of one day.
    pub fn account_replays(&self, day: &str, a: &Id) -> String {
        format!("{}{}/", self.replays(day), a.enc)
    }

    pub fn replay(&self, day: &str, a: &Id, s: &Id) -> String {
        format!("{}{}", self.account_replays(day, a), s.enc)
    }

    /// The verdicts on one attack type's incidents (`ato` or `fa`), by account.
    pub fn verdicts(&self, attack: &str) -> String {
        format!("{}v/{attack}/", self.root)
    }

    pub fn verdict(&self, attack: &str, a: &Id) -> String {
        format!("{}{}", self.verdicts(attack), a.enc)
    }

    /// The accounts seen with one identifier of kind `tag` (one letter).
    pub fn index(&self, tag: &str, value: &Id) -> String {
        format!("{}i/{tag}/{}/", self.root, value.enc)
    }

    /// An hourly address entry as versions before [`Keys::address`] filed it (deletion still
    /// removes those until they expire).
    pub fn index_hour_account(&self, tag: &str, value: &Id, hour: i64, a: &Id) -> String {
        format!("{}{hour:09}/{}", self.index(tag, value), a.enc)
    }

    pub fn index_account(&self, tag: &str, value: &Id, a: &Id) -> String {
        format!("{}{}", self.index(tag, value), a.enc)
    }

    /// Everything the project notes about one client address within the hour or the week, under
    /// one prefix so an authenticate reads it with one list (`state::address`).
    pub fn address(&self, ip: &Id) -> String {
        format!("{}i/a/{}/", self.root, ip.enc)
    }

    /// One account's mark of kind `tag` (one letter) on an address.
    pub fn address_mark(&self, ip: &Id, tag: &str, a: &Id) -> String {
        format!("{}{tag}/{}", self.address(ip), a.enc)
    }

    /// The prefix of an address's marks of kind `tag`.
    pub fn address_marks(&self, ip: &Id, tag: &str) -> String {
        format!("{}{tag}/", self.address(ip))
    }

    /// The account's authenticate on an address within one hour (`hour`, hours since the
    /// epoch), filed newest hour first so a crowded address's first page is its latest hours.
    pub fn address_hour(&self, ip: &Id, hour: i64, a: &Id) -> String {
        let from_newest = (999_999_999 - hour).clamp(0, 999_999_999);
        format!("{}{from_newest:09}/{}", self.address_marks(ip, "n"), a.enc)
    }
}

/// What a key under an account's prefix is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountKey {
    Profile,
    Session(String),
    /// The kind tag of the shared identifier, and the other account.
    Link(String, String),
    List(String),
    Event(String),
    Incident(String),
    Feedback(String),
    /// A rollup of folded sessions, by the time it covers sessions through.
    Rollup(Millis),
    /// A rollup of folded events, by the arrival and the event it covers events through.
    EventRollup(Millis, String),
}

/// Classifies `name`, a key returned by listing `Keys::account(a)`, decoding the id it carries.
pub fn parse_account_key(prefix: &str, name: &str) -> Option<AccountKey> {
    let rest = name.strip_prefix(prefix)?;
    if rest == "p" {
        return Some(AccountKey::Profile);
    }

    let (kind, rest) = rest.split_once('/')?;
    match kind {
        "s" => Some(AccountKey::Session(decode_id(rest)?)),
        "k" => {
            let (tag, id) = rest.split_once('/')?;
            Some(AccountKey::Link(tag.to_string(), decode_id(id)?))
        }
        "l" => Some(AccountKey::List(decode_id(rest)?)),
        "e" => Some(AccountKey::Event(decode_id(rest)?)),
        "n" => Some(AccountKey::Incident(decode_id(rest)?)),
        "f" => Some(AccountKey::Feedback(decode_id(rest)?)),
        "h" => Some(AccountKey::Rollup(rest.parse().ok()?)),
        "eh" => {
            let (through, id) = rest.split_once('/')?;
            Some(AccountKey::EventRollup(
                through.parse().ok()?,
                decode_id(id)?,
            ))
        }
        _ => None,
    }
}

/// The account a key or a listing prefix belongs to: `p/{project}/a/{account}/` when `key`
/// lies under one account (the edge keeps those in the account's own object), `None` for
/// every other key. A prefix that spans accounts (`p/{project}/a/`) belongs to none.
pub fn account_scope(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("p/")?;
    let project = rest.find('/')?;
    let rest = rest[project + 1..].strip_prefix("a/")?;
    let account = rest.find('/')?;
    (account > 0).then(|| &key[..2 + project + 1 + 2 + account + 1])
}

/// Whether `prefix` would match keys of more than one account (`p/`, `p/{project}/`,
/// `p/{project}/a/`, `p/{project}/a/bo`).
pub fn spans_accounts(prefix: &str) -> bool {
    if account_scope(prefix).is_some() {
        return false;
    }
    let Some(rest) = prefix.strip_prefix("p/") else {
        return "p/".starts_with(prefix);
    };
    match rest.split_once('/') {
        None => true,
        Some((_, rest)) => "a/".starts_with(rest) || rest.starts_with("a/"),
    }
}

/// The id at the end of a key listed under `prefix` (session bindings, identifier index).
pub fn trailing_id(prefix: &str, name: &str) -> Option<String> {
    decode_id(name.strip_prefix(prefix)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_prefixes_that_could_match_two_accounts_span_accounts() {
        for p in [
            "",
            "p",
            "p/",
            "p/demo",
            "p/demo/",
            "p/demo/a",
            "p/demo/a/",
            "p/demo/a/bo",
        ] {
            assert!(spans_accounts(p), "{p}");
        }
        for p in [
            "p/demo/a/bob/",
            "p/demo/a/bob/s/",
            "p/demo/i/",
            "p/demo/ra/all/",
            "intel/",
        ] {
            assert!(!spans_accounts(p), "{p}");
        }
    }

    #[test]
    fn a_key_under_an_account_names_that_account_and_nothing_else_does() {
        let keys = Keys::new("demo");
        let bob = Id::new("bob").unwrap();
        let scope = keys.account(&bob);
        assert_eq!(account_scope(&keys.profile(&bob)), Some(scope.as_str()));
        assert_eq!(account_scope(&scope), Some(scope.as_str()));
        let odd = Id::new("a/b").unwrap();
        let s = Id::new("s1").unwrap();
        assert_eq!(
            account_scope(&keys.account_session(&odd, &s)),
            Some(keys.account(&odd).as_str())
        );
        assert_eq!(account_scope("p/demo/a/"), None);
        assert_eq!(account_scope("p/demo/a/bob"), None);
        assert_eq!(account_scope(&keys.session(&s)), None);
        assert_eq!(account_scope(&keys.session_account(&s, &bob)), None);
        assert_eq!(account_scope(&keys.recent_account("all", 5, &bob)), None);
        assert_eq!(account_scope(ASN_TABLE), None);
    }

    fn id(s: &str) -> Id {
        Id::new(s).unwrap()
    }

    #[test]
    fn hostile_ids_never_contain_a_separator() {
        for raw in ["a/b", "../x", "a:b", "100%", "%2F", "Zoë 🙂", ".", ".."] {
            let enc = encode_id(raw).unwrap();
            assert!(!enc.contains('/'), "{raw} -> {enc}");
            assert_eq!(decode_id(&enc).as_deref(), Some(raw));
        }
    }

    #[test]
    fn encoding_is_injective_for_lookalikes() {
        assert_ne!(encode_id("a/b").unwrap(), encode_id("a%2Fb").unwrap());
        assert_ne!(encode_id("a b").unwrap(), encode_id("a+b").unwrap());
    }

    #[test]
    fn an_id_cannot_reach_another_accounts_keys() {
        let k = Keys::new("demo");
        let evil = id("bob/s/x");
        let bob = id("bob");
        assert!(!k.profile(&evil).starts_with(&k.account(&bob)));
        assert!(!k.account(&id("bobby")).starts_with(&k.account(&bob)));
    }

    #[test]
    fn projects_do_not_share_prefixes() {
        let a = Keys::new("demo");
        let b = Keys::new("demo2");
        assert!(!b.account(&id("x")).starts_with(&a.account(&id("x"))));
        assert!(!b.session(&id("x")).starts_with("p/demo/"));
    }

    #[test]
    fn overlong_ids_are_rejected_and_accepted_ids_fit_a_kv_key() {
        assert_eq!(encode_id(""), Err(IdError::Empty));
        assert!(matches!(
            encode_id(&"x".repeat(10_000)),
            Err(IdError::TooLong {
                encoded_len: 10_000
            })
        ));
        assert!(matches!(
            encode_id(&"é".repeat(40)),
            Err(IdError::TooLong { encoded_len: 240 })
        ));
        let longest = "x".repeat(MAX_ENCODED_ID);
        let k = Keys::new("project-with-a-long-name-0123456");
        assert!(k.account_link(&id(&longest), "b", &id(&longest)).len() < 512);
        assert!(
            k.index_account("b", &id(&"y".repeat(64)), &id(&longest))
                .len()
                < 512
        );
        assert!(k.session_account(&id(&longest), &id(&longest)).len() < 512);
    }

    #[test]
    fn account_keys_parse_back() {
        let k = Keys::new("demo");
        let a = id("ann/1");
        let p = k.account(&a);
        assert_eq!(
            parse_account_key(&p, &k.profile(&a)),
            Some(AccountKey::Profile)
        );
        assert_eq!(
            parse_account_key(&p, &k.account_session(&a, &id("s:1"))),
            Some(AccountKey::Session("s:1".into()))
        );
        assert_eq!(
            parse_account_key(&p, &k.account_link(&a, "d", &id("bob/2"))),
            Some(AccountKey::Link("d".into(), "bob/2".into()))
        );
        assert_eq!(
            parse_account_key(&p, &k.account_event(&a, &id("e1"))),
            Some(AccountKey::Event("e1".into()))
        );
        assert_eq!(
            parse_account_key(&p, &k.account_incident(&a, &id("ato-x"))),
            Some(AccountKey::Incident("ato-x".into()))
        );
        assert_eq!(
            trailing_id(&k.list_members(&id("vip")), &k.list_member(&id("vip"), &a)),
            Some("ann/1".into())
        );
        assert_eq!(
            trailing_id(
                &k.index("b", &id("b1")),
                &k.index_account("b", &id("b1"), &a)
            ),
            Some("ann/1".into())
        );
    }
}
