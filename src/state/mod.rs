//! What Edgeward keeps and how, over the KV [`Store`](crate::store::Store): the stateful domain
//! the HTTP handlers (`api`) call. Nothing here parses a request or shapes a response.
//!
//! - [`account`]: an account read back from its one listing (profile, sessions, the rollup of
//!   folded ones, links, lists, events, incidents) and the writes that keep it.
//! - [`links`]: identifier look-ups (browser, device, address, mailbox) and the links they make;
//!   [`address`]: what one client address was used for within the hour or the week (logins,
//!   fake accounts, failed logins), read with one list.
//! - [`population`]: the population index, its journal and the scheduled fold.
//! - [`incidents`]: opening incidents and storing their changes; [`webhooks`] signs and sends them.
//! - [`index`]: the console's indexes (account cards by recency, incidents by rank).
//! - [`counters`]: the console's counts (a Durable Object in the worker, maps natively).
//! - [`records`]: the stored session record and account profile; [`replays`]: what
//!   authenticates answered, for backtests.
//! - [`ip_tables`] and [`isolate`]: what an isolate keeps across requests, loaded once at a time.
//! - [`config`]: the deployment's projects; [`error`]: the error every request path answers.

pub mod account;
pub mod address;
pub mod config;
pub mod counters;
pub mod error;
pub mod incidents;
pub mod index;
pub mod ip_tables;
pub mod isolate;
pub mod links;
pub mod population;
pub mod records;
pub mod replays;
pub mod webhooks;
