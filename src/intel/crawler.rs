//! Crawler and HTTP-client user agents, from the crawler-user-agents list (MIT) compiled into
//! literal entries by the build script (`buildscript/`). A match means the client declares itself a bot or a script.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

include!(concat!(env!("OUT_DIR"), "/crawlers.rs"));

/// Every entry's literal in one automaton, built on first use: one pass over the user agent
/// instead of a substring search per entry (some 600 for every ordinary browser, about 5 % of
/// the worker's CPU under the quality suite's load).
fn automaton() -> &'static AhoCorasick {
    static AUTOMATON: OnceLock<AhoCorasick> = OnceLock::new();
    AUTOMATON.get_or_init(|| {
        AhoCorasick::new(CRAWLERS.iter().map(|(lit, _, _)| lit))
            .expect("the crawler literals build an automaton")
    })
}

/// The list entry the user agent matches, if any: the first in the list's order whose literal
/// occurs where its anchors say (the whole agent, its start, its end, or anywhere).
pub fn matches(ua: &str) -> Option<&'static str> {
    automaton()
        .find_overlapping_iter(ua)
        .filter(|m| {
            let (_, start, end) = CRAWLERS[m.pattern().as_usize()];
            (!start || m.start() == 0) && (!end || m.end() == ua.len())
        })
        .map(|m| m.pattern().as_usize())
        .min()
        .map(|i| CRAWLERS[i].0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The list read entry by entry, as before the automaton: the reference it must agree with.
    fn scanned(ua: &str) -> Option<&'static str> {
        CRAWLERS
            .iter()
            .find(|(lit, start, end)| match (start, end) {
                (true, true) => ua == *lit,
                (true, false) => ua.starts_with(lit),
                (false, true) => ua.ends_with(lit),
                (false, false) => ua.contains(lit),
            })
            .map(|(lit, _, _)| *lit)
    }

    /// The list's own example user agents: every one of a pattern the build kept must match.
    #[test]
    fn every_example_agent_of_the_list_is_recognised() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/node_modules/crawler-user-agents/crawler-user-agents.json"
        );
        let list: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (mut checked, mut missed) = (0, Vec::new());
        for entry in &list {
            for ua in entry["instances"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                checked += 1;
                assert_eq!(matches(ua), scanned(ua), "{ua}");
                if matches(ua).is_none() {
                    missed.push((entry["pattern"].as_str().unwrap_or(""), ua));
                }
            }
        }
        assert!(checked > 2000, "{checked}");
        // Only instances of the few patterns outside the supported subset may be missed.
        assert!(missed.len() <= 20, "{} missed: {missed:#?}", missed.len());
    }

    #[test]
    fn ordinary_browsers_and_scripts_are_told_apart() {
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
        ] {
            assert_eq!(matches(ua), None, "{ua}");
        }
        assert!(matches("curl/8.5.0").is_some());
        assert!(matches("python-requests/2.32.3").is_some());
        assert!(matches(
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        )
        .is_some());
    }
}
