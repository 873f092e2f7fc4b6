//! Intelligence: pure look-ups that turn an e-mail address, an IP or a user agent into facts.
//! No I/O and no clock; data tables are built from registry packages at build time.

pub mod crawler;
pub mod email;
pub mod email_domains;
pub mod geo;
pub mod ip;
pub mod user_agent;
