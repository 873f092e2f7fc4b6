//! The IP tables that live in KV rather than in the worker: the ASN range table (too large to
//! embed) and the Tor exits of the last refresh. Each isolate reads them once and again only
//! after [`REFRESH`], so a table uploaded after start-up is picked up without a redeploy.

use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

use futures::channel::oneshot;

use super::error::ApiError;
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
    cache: RefCell<Option<(Millis, Rc<Loaded>)>>,
    /// While one request reads the tables, the others wait for it: the ASN table is 5.9 MB,
    /// and fifty requests reading it at once (a cold isolate under load) would hold fifty
    /// copies, past an isolate's 128 MB.
    waiting: RefCell<Option<Vec<oneshot::Sender<Rc<Loaded>>>>>,
}

/// Ends a read: whether it finished or its request went away, the next request may read.
struct Reading<'a>(&'a IpTables);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        // Waiters whose reader went away see their channel closed and read themselves.
        self.0.waiting.borrow_mut().take();
    }
}

impl IpTables {
    fn fresh(&self, now: Millis) -> Option<Rc<Loaded>> {
        let cache = self.cache.borrow();
        let (at, l) = cache.as_ref()?;
        (now - at < REFRESH && now >= *at).then(|| l.clone())
    }

    pub async fn get<S: Store>(&self, store: &S, now: Millis) -> Result<Rc<Loaded>, ApiError> {
        loop {
            if let Some(l) = self.fresh(now) {
                return Ok(l);
            }
            let wait = match self.waiting.borrow_mut().as_mut() {
                Some(waiters) => {
                    let (tx, rx) = oneshot::channel();
                    waiters.push(tx);
                    Some(rx)
                }
                None => None,
            };
            match wait {
                Some(rx) => match rx.await {
                    Ok(l) => return Ok(l),
                    // The reader failed or went away: try again, reading if nobody else is.
                    Err(_) => continue,
                },
                None => return self.read(store, now).await,
            }
        }
    }

    async fn read<S: Store>(&self, store: &S, now: Millis) -> Result<Rc<Loaded>, ApiError> {
        *self.waiting.borrow_mut() = Some(Vec::new());
        let _reading = Reading(self);
        let asn = store
            .get_bytes(ASN_TABLE)
            .await?
            .filter(|b| RangeTable::parse(b).is_ok());
        let tor = store
            .get(TOR_EXITS)
            .await?
            .map(|t| TorExits::parse(&t))
            .unwrap_or_default();
        let loaded = Rc::new(Loaded { asn, tor });
        *self.cache.borrow_mut() = Some((now, loaded.clone()));
        for w in self.waiting.borrow_mut().take().unwrap_or_default() {
            // A waiter that went away needs nothing.
            let _ = w.send(loaded.clone());
        }
        Ok(loaded)
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
            assert!(!tables.get(&store, 0).await.unwrap().has_asn_table());
            let mut b = Builder::default();
            b.add_v4(0x0A00_0000, 0x0AFF_FFFF, 64500);
            store.put_bytes(ASN_TABLE, &b.encode(4));
            // Within the refresh the isolate keeps what it read; after it, it reads again.
            assert!(!tables
                .get(&store, REFRESH - 1)
                .await
                .unwrap()
                .has_asn_table());
            let l = tables.get(&store, REFRESH).await.unwrap();
            assert_eq!(l.look_up(ip("10.1.2.3")).asn, Some(64500));
            assert_eq!(l.look_up(ip("11.0.0.1")).asn, None);
        });
    }

    #[test]
    fn a_damaged_asn_table_is_ignored() {
        let store = MemoryStore::new();
        store.put_bytes(ASN_TABLE, b"EWRANGE1 but nothing after");
        let l = block_on(IpTables::default().get(&store, 0)).unwrap();
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
            let l = IpTables::default().get(&store, 0).await.unwrap();
            assert_eq!(l.look_up(ip("203.0.113.10")).kind, Some(NetworkKind::Tor));
        });
    }

    /// A store whose reads take a turn of the executor, counting them: what concurrent
    /// requests on a real KV binding see.
    struct Slow {
        inner: MemoryStore,
        reads: std::cell::Cell<u32>,
    }

    struct Turn(bool);

    impl std::future::Future for Turn {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                return std::task::Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }

    impl Store for Slow {
        async fn get(&self, key: &str) -> Result<Option<String>, crate::store::StoreError> {
            Turn(false).await;
            self.inner.get(key).await
        }
        async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
            self.reads.set(self.reads.get() + 1);
            Turn(false).await;
            self.inner.get_bytes(key).await
        }
        async fn put(
            &self,
            key: &str,
            value: &str,
            opts: Put,
        ) -> Result<(), crate::store::StoreError> {
            self.inner.put(key, value, opts).await
        }
        async fn list(
            &self,
            prefix: &str,
            cursor: Option<String>,
        ) -> Result<crate::store::Page, crate::store::StoreError> {
            self.inner.list(prefix, cursor).await
        }
        async fn delete(&self, key: &str) -> Result<(), crate::store::StoreError> {
            self.inner.delete(key).await
        }
    }

    #[test]
    fn concurrent_requests_on_a_cold_isolate_read_the_tables_once() {
        let store = Slow {
            inner: MemoryStore::new(),
            reads: std::cell::Cell::new(0),
        };
        let tables = IpTables::default();
        let got = block_on(futures::future::join_all(
            (0..20).map(|_| tables.get(&store, 1_000)),
        ));
        assert_eq!(store.reads.get(), 1);
        let first = got[0].as_ref().unwrap();
        assert!(got.iter().all(|g| Rc::ptr_eq(g.as_ref().unwrap(), first)));
        // A reader that goes away mid-read lets the next request read.
        let tables = IpTables::default();
        {
            let mut gone = Box::pin(tables.get(&store, 1_000));
            let waker = futures::task::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            assert!(std::future::Future::poll(gone.as_mut(), &mut cx).is_pending());
        }
        assert!(block_on(tables.get(&store, 1_000)).is_ok());
    }
}
