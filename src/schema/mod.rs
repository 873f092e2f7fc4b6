//! Wire types: every request and response body, with exactly the field names of the seeds
//! (Verisoul's account object, HUMAN's account info) and `reference/peer-apis.md`.
//!
//! Timestamps travel as RFC 3339 strings with milliseconds and `Z`; inside the crate they are
//! milliseconds since the Unix epoch (`i64`), see [`time`].

pub mod account;
pub mod defender;
pub mod error;
pub mod list;
pub mod risk;
pub mod rules;
pub mod session;
pub mod time;

pub use account::*;
pub use defender::*;
pub use error::ErrorBody;
pub use list::*;
pub use risk::*;
pub use rules::*;
pub use session::*;
