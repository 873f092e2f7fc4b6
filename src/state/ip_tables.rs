//! The IP tables that live in KV rather than in the worker: the ASN range table (too large to
//! embed) and the Tor exits of the last refresh. Each isolate reads them once and again only
//! after [`REFRESH`], so a table uploaded after start-up is picked up without a redeploy.

use std::net::IpAddr;
use std::rc::Rc;

use super::error::ApiError;
use super::isolate::{Cached, Pause};
use crate::intel::ip::{self, IpFacts, RangeTable, TorExits};
use crate::schema::time::{Millis, MINUTE};
use crate::store::keys::{ASN_TABLE, TOR_EXITS};
use crate::store::{Put, Store};

/// How long an isolate keeps what it read (or that a table was missing).
pub const REFRESH: Millis = 10 * MINUTE;

/// What one read found.
#[derive(Default)]
pub struct Loaded {
    /// The ASN table's bytes, checked once when read; `None` when missing or damaged.
    asn: Option<Vec<u8>>,
    tor: TorExits,
}

impl Loaded {
    /// The facts about an address from the embedded tables and these.
    pub fn look_up(&self, ip: IpAddr) -> IpFacts {
        let asn = self.asn.as_deref().and_then(|b| RangeTable::parse(b).ok());
        ip::look_up(ip, asn.as_ref(), &self.tor)
    }

    pub fn has_asn_table(&self) -> bool {
        self.asn.is_some()
    }
}

/// The tables of this isolate, with when they were read.
#[derive(Default)]
pub struct IpTables {
    cache: Cached<Loaded>,
}

impl IpTables {
    pub async fn get<S: Store>(
        &self,
        store: &S,
        now: Millis,
        pause: &dyn Pause,
    ) -> Result<Rc<Loaded>, ApiError> {
        self.cache
            .get("", now, REFRESH, pause, || async {
                let asn = store
                    .get_bytes(ASN_TABLE)
                    .await?
                    .filter(|b| RangeTable::parse(b).is_ok());
                let tor = store
                    .get(TOR_EXITS)
                    .await?
                    .map(|t| TorExits::parse(&t))
                    .unwrap_or_default();
                Ok(Loaded { asn, tor })
            })
            .await
    }
}

/// Stores a fresh Tor exit list (the text of the Tor Project's bulk exit list) for every
/// isolate to read; returns how many addresses it holds. An empty list is refused, so a failed
/// download never wipes the last good one.
pub async fn store_tor_exits<S: Store>(store: &S, text: &str) -> Result<usize, ApiError> {
    let exits = TorExits::parse(text);
    if exits.0.is_empty() {
        return Err(ApiError::bad_request(
            "the Tor exit list holds no addresses",
        ));
    }
    let mut lines: Vec<String> = exits.0.iter().map(|ip| ip.to_string()).collect();
    lines.sort();
    store
        .put(TOR_EXITS, &lines.join("\n"), Put::default())
        .await?;
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::ip::table::Builder;
    use crate::intel::ip::NetworkKind;
    use crate::state::isolate::NoPause;
    use crate::store::MemoryStore;
    use futures::executor::block_on;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_asn_table_is_read_from_kv_once_and_again_after_the_refresh() {
        let store = MemoryStore::new();
        let tables = IpTables::default();
        block_on(async {
            assert!(!tables
                .get(&store, 0, &NoPause)
                .await
                .unwrap()
                .has_asn_table());
            let mut b = Builder::default();
            b.add_v4(0x0A00_0000, 0x0AFF_FFFF, 64500);
            store.put_bytes(ASN_TABLE, &b.encode(4));
            // Within the refresh the isolate keeps what it read; after it, it reads again.
            assert!(!tables
                .get(&store, REFRESH - 1, &NoPause)
                .await
                .unwrap()
                .has_asn_table());
            let l = tables.get(&store, REFRESH, &NoPause).await.unwrap();
            assert_eq!(l.look_up(ip("10.1.2.3")).asn, Some(64500));
            assert_eq!(l.look_up(ip("11.0.0.1")).asn, None);
        });
    }

    #[test]
    fn a_damaged_asn_table_is_ignored() {
        let store = MemoryStore::new();
        store.put_bytes(ASN_TABLE, b"EWRANGE1 but nothing after");
        let l = block_on(IpTables::default().get(&store, 0, &NoPause)).unwrap();
        assert!(!l.has_asn_table());
    }

    #[test]
    fn a_stored_tor_list_marks_its_addresses_and_an_empty_one_is_refused() {
        let store = MemoryStore::new();
        block_on(async {
            assert_eq!(
                store_tor_exits(&store, "203.0.113.9\n203.0.113.10\n")
                    .await
                    .unwrap(),
                2
            );
            assert!(store_tor_exits(&store, "<html>rate limited</html>")
                .await
                .is_err());
            let l = IpTables::default().get(&store, 0, &NoPause).await.unwrap();
            assert_eq!(l.look_up(ip("203.0.113.10")).kind, Some(NetworkKind::Tor));
        });
    }
}
