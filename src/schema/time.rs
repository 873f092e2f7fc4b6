//! Timestamps: milliseconds since the epoch inside, RFC 3339 (`2025-06-10T16:47:29.661Z`) outside.

use chrono::{DateTime, SecondsFormat};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

/// Formats `ms` as RFC 3339 with millisecond precision and a `Z` suffix.
pub fn rfc3339(ms: Millis) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        // Out of chrono's range (±262,000 years): only reachable with corrupt data.
        None => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// The UTC day of `ms` as `YYYYMMDD`: keys that group records by day sort by time.
pub fn day(ms: Millis) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y%m%d").to_string(),
        None => String::from("19700101"),
    }
}

/// Parses an RFC 3339 timestamp into milliseconds, or `None` if it is not one.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(rfc3339(1_749_574_049_661), "2025-06-10T16:47:29.661Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn days_are_utc_and_sort_by_time() {
        assert_eq!(day(1_749_574_049_661), "20250610");
        assert_eq!(day(1_749_599_999_999), "20250610");
        assert_eq!(day(1_749_600_000_000), "20250611");
    }

    #[test]
    fn timestamps_round_trip() {
        let ms = 1_749_574_049_661;
        assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        assert_eq!(parse_rfc3339("2025-06-10T18:47:29.661+02:00"), Some(ms));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
