//! What an isolate keeps across requests (population snapshots, compiled rules, the IP tables
//! held in KV), loaded by one request at a time.
//!
//! Without that, the requests that reach a cold isolate together (or a warm one the moment its
//! copy grows old) each read the same value: two hundred concurrent logins read the 6 MB ASN
//! table two hundred times, and the isolate runs out of memory. A request cannot await the
//! load another request started (workerd does not let one request wait on another's I/O), so
//! the others wait on timers of their own ([`Pause`]) and then read what the loader cached; a
//! copy that is merely old is served while one request refreshes it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use super::error::ApiError;
use crate::schema::time::Millis;

/// Waiting a while without holding anything: the worker's timers; natively nothing to wait for.
pub trait Pause {
    fn pause(&self, ms: u64) -> LocalBoxFuture<'_, ()>;
}

/// Natively there is no timer: waiting lets the executor run the other futures once (requests
/// joined in a test overlap), then returns.
pub struct NoPause;

impl Pause for NoPause {
    fn pause(&self, _ms: u64) -> LocalBoxFuture<'_, ()> {
        let mut yielded = false;
        Box::pin(std::future::poll_fn(move |cx| {
            if yielded {
                return std::task::Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }))
    }
}

/// How long a request waits between looks at another request's load, and in all before it
/// loads the value itself (the loader may have been cancelled).
const STEP_MS: u64 = 10;
const MAX_WAIT_MS: u64 = 3_000;

struct Entry<T> {
    /// The value and when it was loaded (by the loading request's clock).
    value: Option<(Millis, Rc<T>)>,
    loading: bool,
}

/// Values by key (a project, or one key for a deployment-wide table), each loaded once at a
/// time and kept `max_age`.
pub struct Cached<T> {
    entries: RefCell<HashMap<String, Entry<T>>>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached {
            entries: RefCell::new(HashMap::new()),
        }
    }
}

impl<T> Cached<T> {
    /// The value under `key`: the kept one while younger than `max_age` at `now` (a request's
    /// clock, which in development may run behind another's: a copy from "the future" is old),
    /// else what `load` gives.
    pub async fn get<F, Fut>(
        &self,
        key: &str,
        now: Millis,
        max_age: Millis,
        pause: &dyn Pause,
        load: F,
    ) -> Result<Rc<T>, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let mut waited = 0;
        loop {
            let (fresh, kept, loading) = match self.entries.borrow().get(key) {
                Some(e) => {
                    let fresh = e
                        .value
                        .as_ref()
                        .filter(|(at, _)| now >= *at && now - at < max_age)
                        .map(|(_, v)| v.clone());
                    (fresh, e.value.as_ref().map(|(_, v)| v.clone()), e.loading)
                }
                None => (None, None, false),
            };
            if let Some(v) = fresh {
                return Ok(v);
            }
            if !loading || waited >= MAX_WAIT_MS {
                break;
            }
            // Another request is loading: an old copy serves meanwhile; with none, wait.
            if let Some(v) = kept {
                return Ok(v);
            }
            pause.pause(STEP_MS).await;
            waited += STEP_MS;
        }
        self.mark(key, true);
        let loaded = load().await;
        self.mark(key, false);
        let value = Rc::new(loaded?);
        if let Some(e) = self.entries.borrow_mut().get_mut(key) {
            e.value = Some((now, value.clone()));
        }
        Ok(value)
    }

    fn mark(&self, key: &str, loading: bool) {
        self.entries
            .borrow_mut()
            .entry(key.to_string())
            .or_insert(Entry {
                value: None,
                loading: false,
            })
            .loading = loading;
    }

    /// Forgets the kept value: the next request loads it again.
    pub fn forget(&self, key: &str) {
        if let Some(e) = self.entries.borrow_mut().get_mut(key) {
            e.value = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::future::join;
    use std::cell::Cell;

    #[test]
    fn concurrent_requests_load_a_value_once_and_an_old_copy_serves_while_one_refreshes() {
        let cache: Cached<u32> = Cached::default();
        let loads = Cell::new(0);
        // A load that takes a few polls, as a KV read does.
        let load = |v: u32| {
            let loads = &loads;
            move || async move {
                loads.set(loads.get() + 1);
                for _ in 0..3 {
                    NoPause.pause(0).await;
                }
                Ok(v)
            }
        };
        let (a, b) = block_on(join(
            cache.get("k", 0, 100, &NoPause, load(1)),
            cache.get("k", 0, 100, &NoPause, load(2)),
        ));
        assert_eq!((*a.unwrap(), *b.unwrap(), loads.get()), (1, 1, 1));
        // Old at 100: one request reloads, the other is served the old copy meanwhile.
        let (a, b) = block_on(join(
            cache.get("k", 100, 100, &NoPause, load(3)),
            cache.get("k", 100, 100, &NoPause, load(4)),
        ));
        assert_eq!((*a.unwrap(), *b.unwrap(), loads.get()), (3, 1, 2));
        assert_eq!(
            *block_on(cache.get("k", 150, 100, &NoPause, load(5))).unwrap(),
            3
        );
        cache.forget("k");
        assert_eq!(
            *block_on(cache.get("k", 150, 100, &NoPause, load(6))).unwrap(),
            6
        );
    }

    #[test]
    fn a_failed_load_leaves_nothing_loading() {
        let cache: Cached<u32> = Cached::default();
        let failed = block_on(cache.get("k", 0, 100, &NoPause, || async {
            Err(ApiError::unavailable("down"))
        }));
        assert!(failed.is_err());
        let v = block_on(cache.get("k", 0, 100, &NoPause, || async { Ok(7) })).unwrap();
        assert_eq!(*v, 7);
    }
}
