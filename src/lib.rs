//! Edgeward: a self-hostable account defender.
//!
//! Applications ask Edgeward, at sign-up, login and every sensitive action, whether the account in
//! front of them is real, is being taken over, is one of many accounts run by one person, or is
//! driven by a bot, and why. The wire formats are Verisoul's and HUMAN Account Defender's.
//!
//! The crate is layered; each layer only uses the ones above it in this list:
//!
//! 1. [`schema`]: wire types of every request and response, with the peers' field names.
//! 2. [`intel`]: pure look-ups over open data (e-mail, IP, user agent).
//! 3. [`signals`]: evaluation of the browser's raw signals into a verdict and device identity.
//! 4. [`engine`]: pure, deterministic scoring: `assess(history, session, now, config)`.
//! 5. `rules` (feature `server`): customer rules, CEL conditions over what the API answers,
//!    compiled, evaluated and combined with the engine's decision; pure, like the engine.
//! 6. [`store`]: a small async trait over a KV namespace, the key layout, an in-memory store.
//! 7. `state` (feature `server`): what Edgeward keeps over `store` — accounts and their folded
//!    history, links, the population index, incidents, the console's indexes and counters — and
//!    the deployment's configuration.
//! 8. `api` (feature `server`): routing, auth, rate limits, validation and handlers over
//!    `state`, `engine` and `rules`.
//! 9. `edge` (feature `worker`) and `browser` (feature `browser`): thin bindings to the runtimes.
//!
//! Time and randomness are always passed in, so everything below the bindings runs natively in
//! tests exactly as it runs in the worker.

#[cfg(feature = "server")]
pub mod api;
pub mod engine;
pub mod intel;
#[cfg(feature = "server")]
pub mod rules;
pub mod schema;
pub mod signals;
#[cfg(feature = "server")]
pub mod state;
pub mod store;

#[cfg(feature = "worker")]
mod edge;

#[cfg(feature = "browser")]
pub mod browser;
