//! Opening incidents: the engine says which (`engine::incidents`), this module fills in where
//! the evidence came from, writes each to a key named by its episode, and prepares the webhook
//! of each one it opened.
//!
//! An incident already stored under the same id, in any state, is left as it is: concurrent
//! requests write the same key (no duplicates), and an episode resolved as a false positive
//! does not come back.

use futures::future::join_all;

use super::account::write_all;
use super::config::Project;
use super::error::ApiError;
use super::index;
use super::records::{Profile, SessionRecord};
use super::webhooks::{self, Delivery};
use crate::engine::events::REGISTRATION;
use crate::engine::history::OWN_HISTORY;
use crate::engine::incidents::{Incident, Opening, Status};
use crate::engine::{History, Link};
use crate::schema::time::{Millis, HOUR};
use crate::schema::{Additional, IncidentOut};
use crate::store::keys::Id;
use crate::store::listed_write;
use crate::store::{Keys, Store};

/// The longest user agent and path an incident keeps: enough to recognise them, and small
/// enough that the incident rides in its key's metadata.
const MAX_USER_AGENT: usize = 256;
const MAX_PATH: usize = 256;

fn clip(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The writes that close a pending incident of `a` with `result` (`no_attack`, `resolved` …)
/// at `now`, and the index keys its old state leaves stale; nothing when its id is not a key.
pub fn resolution(
    keys: &Keys,
    a: &Id,
    old: &Incident,
    result: &str,
    now: Millis,
) -> Option<(Vec<index::Write>, Vec<String>)> {
    let mut i = old.clone();
    i.status = Status::Resolved;
    i.result = result.to_string();
    i.updated = now;
    let n = Id::new(&i.id).ok()?;
    let (mut writes, stale) = index::incident_writes(keys, a, &i, Some(old));
    writes.push(listed_write(keys.account_incident(a, &n), &i, None));
    Some((writes, stale))
}

/// Where the evidence of an incident came from: the session or event that opened it.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub ip: String,
    pub asn: String,
    pub city: String,
    pub country: String,
    pub device_id: String,
    pub browser_id: String,
    pub user_agent: String,
    pub path: String,
}

impl Evidence {
    pub fn of_session(rec: &SessionRecord) -> Evidence {
        Evidence {
            ip: rec.ip.clone(),
            asn: rec.service_provider(),
            city: rec.geo.city.clone(),
            country: rec.geo.country.clone(),
            device_id: rec.verdict.device_id.clone(),
            browser_id: rec.verdict.browser_id.clone(),
            user_agent: rec.user_agent.clone(),
            path: String::new(),
        }
    }
}

/// When the account registered: its `registration` event, else when Edgeward first knew it.
pub fn registered(history: &History, profile: Option<&Profile>) -> Option<Millis> {
    let folded = history.event_rollup.as_ref();
    let event = history
        .events
        .iter()
        .filter(|e| e.kind == REGISTRATION)
        .map(|e| e.at)
        .chain(folded.and_then(|r| r.registered))
        .min();
    let first = history
        .sessions
        .iter()
        .map(|s| s.at)
        .chain(history.events.iter().map(|e| e.at))
        .chain(folded.map(|r| r.first))
        .chain(history.rollup.as_ref().map(|r| r.first_seen))
        .chain(profile.map(|p| p.created_at))
        .min();
    event.or(first)
}

impl Evidence {
    /// The seed's `additional` for an account with this e-mail, registered then.
    pub fn additional(&self, email: &str, registered: Option<Millis>, now: Millis) -> Additional {
        Additional {
            account_age: registered.map_or(0, |r| ((now - r) / HOUR).max(0)),
            asn: self.asn.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            device_fingerprint: self.device_id.clone(),
            email: email.to_string(),
            ip: self.ip.clone(),
            path: clip(&self.path, MAX_PATH),
            user_agent: clip(&self.user_agent, MAX_USER_AGENT),
            vid: self.browser_id.clone(),
        }
    }
}

pub fn out(i: &Incident) -> IncidentOut {
    IncidentOut {
        attack_type: i.attack_type.name().to_string(),
        event_type: i.event_type.name().to_string(),
        risk_score: i.risk_score,
        is_manually_created: i.is_manually_created,
        incident_creation: crate::schema::time::rfc3339(i.created),
        additional: i.additional.clone(),
    }
}

/// Incidents opened by one request, and the webhooks announcing them.
#[derive(Debug, Default)]
pub struct Opened {
    pub incidents: Vec<Incident>,
    pub deliveries: Vec<Delivery>,
}

impl Opened {
    /// Records `incident` as opened on `a`: its write goes to `writes`, its webhook here.
    fn add(
        &mut self,
        scope: (&Project, &Keys),
        a: &Id,
        incident: Incident,
        writes: &mut Vec<(String, String, crate::store::Put)>,
    ) {
        let (project, keys) = scope;
        writes.extend(write(keys, a, &incident, None).0);
        self.deliveries
            .extend(webhooks::delivery(project, a.raw(), &incident));
        self.incidents.push(incident);
    }
}

/// The incident's key and its entries in the console's index (`console`); `old` is the
/// incident as stored before this write, whose stale index entries are deleted.
fn write(
    keys: &Keys,
    a: &Id,
    incident: &Incident,
    old: Option<&Incident>,
) -> (Vec<(String, String, crate::store::Put)>, Vec<String>) {
    let Ok(n) = Id::new(&incident.id) else {
        return (Vec::new(), Vec::new());
    };
    let (mut writes, stale) = index::incident_writes(keys, a, incident, old);
    writes.push(listed_write(keys.account_incident(a, &n), incident, None));
    (writes, stale)
}

/// The project an incident opens in, its store, and the time.
pub struct Scope<'a, S: Store> {
    pub store: &'a S,
    pub project: &'a Project,
    pub keys: &'a Keys,
    pub now: Millis,
}

/// Opens on account `a` each of `openings` it does not have yet. `existing` are the account's
/// stored incidents; `additional` describes the evidence.
pub async fn open<S: Store>(
    scope: &Scope<'_, S>,
    a: &Id,
    existing: &[Incident],
    openings: Vec<Opening>,
    additional: &Additional,
) -> Result<Opened, ApiError> {
    let Scope {
        store,
        project,
        keys,
        now,
    } = *scope;
    let mut opened = Opened::default();
    let mut writes = Vec::new();
    let mut doomed = Vec::new();
    for o in openings {
        if let Some(known) = existing.iter().find(|i| i.id == o.id) {
            // A pending incident learns what the new evidence adds (a credential change after
            // the login that opened it); a closed one stays as it was closed.
            if let Some(grown) = grow(known, &o, now) {
                let (w, stale) = write(keys, a, &grown, Some(known));
                writes.extend(w);
                doomed.extend(stale);
            }
            continue;
        }
        let incident = o.into_incident(now, additional.clone());
        opened.add((project, keys), a, incident, &mut writes);
    }
    write_all(store, writes).await?;
    store.delete_all(&doomed).await?;
    Ok(opened)
}

/// `known` with what `o` adds to it, if it is pending and `o` adds anything: the higher score,
/// and the union of triggers and reasons.
fn grow(known: &Incident, o: &Opening, now: Millis) -> Option<Incident> {
    if known.status_at(now) != Status::Pending {
        return None;
    }
    let mut i = known.clone();
    i.risk_score = i
        .risk_score
        .max(crate::engine::session::round4(o.risk_score));
    for t in &o.triggers {
        if !i.triggers.contains(t) {
            i.triggers.push(*t);
        }
    }
    i.triggers.sort();
    for r in &o.reasons {
        if !i.reasons.contains(r) {
            i.reasons.push(r.clone());
        }
    }
    if i == *known {
        return None;
    }
    i.updated = now;
    Some(i)
}

/// The most accounts of one cluster a request opens incidents on (the strongest links first).
pub const MAX_CLUSTER: usize = 20;

/// Opens a cluster incident on the linked accounts bound to this one by a browser, a mailbox or
/// a rare device (`Link::binds`): they were hit together. Accounts known for [`OWN_HISTORY`] or
/// longer are left out, and so are links over a fingerprint many strangers share. Each keeps
/// its own e-mail and age; the evidence (address, device) is the session that revealed the
/// cluster. One read of the incident's key and one of the profile per account, all
/// concurrently.
pub async fn open_on_cluster<S: Store>(
    scope: &Scope<'_, S>,
    links: &[Link],
    opening: &Opening,
    evidence: &Evidence,
) -> Result<Opened, ApiError> {
    let Scope {
        store,
        project,
        keys,
        now,
    } = *scope;
    let mut members: Vec<&Link> = links.iter().filter(|l| l.binds()).collect();
    members.sort_by(|x, y| y.score.total_cmp(&x.score));
    members.truncate(MAX_CLUSTER);
    let Ok(n) = Id::new(&opening.id) else {
        return Ok(Opened::default());
    };
    let reads = join_all(members.iter().filter_map(|l| {
        let other = Id::new(&l.account_id).ok()?;
        let n = &n;
        Some(async move {
            let (incident, profile) = futures::future::join(
                store.get(&keys.account_incident(&other, n)),
                store.get(&keys.profile(&other)),
            )
            .await;
            Ok::<_, ApiError>((other, incident?.is_some(), profile?))
        })
    }))
    .await;
    let mut opened = Opened::default();
    let mut writes = Vec::new();
    for read in reads {
        let (other, has_it, profile) = read?;
        if has_it {
            continue;
        }
        let profile: Option<Profile> = profile.and_then(|p| serde_json::from_str(&p).ok());
        if profile
            .as_ref()
            .is_some_and(|p| now - p.created_at >= OWN_HISTORY)
        {
            continue;
        }
        let email = profile.as_ref().map_or("", |p| p.info.email.as_str());
        let additional = evidence.additional(email, profile.as_ref().map(|p| p.created_at), now);
        let incident = opening.clone().into_incident(now, additional);
        opened.add((project, keys), &other, incident, &mut writes);
    }
    write_all(store, writes).await?;
    Ok(opened)
}
