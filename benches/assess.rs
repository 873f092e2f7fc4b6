//! The engine's cost per assessment: an account with 1,000 sessions of history (a month of
//! heavy use from a few devices, networks and countries) and 20 linked accounts.
//!
//!   cargo bench --bench assess

use criterion::{criterion_group, criterion_main, Criterion};
use edgeward::engine::{
    aggregate, assess, enrich, Config, CurrentSession, History, Link, MatchType, SessionSummary,
};
use edgeward::schema::time::{HOUR, MINUTE};
use std::hint::black_box;

const NOW: i64 = 1_780_000_000_000;

fn history(n: usize) -> History {
    let sessions = (0..n)
        .map(|i| {
            let mut risk = [0.0; 10];
            risk[i % 10] = if i % 7 == 0 { 0.8 } else { 0.0 };
            SessionSummary {
                id: format!("00000000-0000-4000-8000-{i:012}"),
                at: NOW - (n - i) as i64 * 43 * MINUTE,
                ip: format!("198.51.{}.{}", i % 7, i % 13),
                country: ["FR", "DE", "FR", "ES"][i % 4].to_string(),
                // Device ids are hashes: they differ from the first character.
                device_id: format!(
                    "{:032x}",
                    (i % 5 + 1) as u128 * 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835
                ),
                browser_id: format!("browser-{}", i % 3),
                bot: if i % 50 == 0 { 0.9 } else { 0.0 },
                risk,
                lat: Some([48.86, 52.52, 48.86, 40.42][i % 4]),
                lon: Some([2.35, 13.40, 2.35, -3.70][i % 4]),
            }
        })
        .collect();
    let links = (0..20)
        .map(|i| {
            Link::new(
                &format!("other-{i}"),
                vec![MatchType::Browser, MatchType::Email],
                NOW - i * HOUR,
            )
        })
        .collect();
    History {
        sessions,
        links,
        lists: vec!["vip".into()],
        email: "someone+shop@example.com".into(),
    }
}

fn bench(c: &mut Criterion) {
    let h = history(1000);
    let current = CurrentSession {
        summary: h.sessions[999].clone(),
        bot_reasons: vec![],
        ..CurrentSession::default()
    };
    let config = Config::default();
    c.bench_function("assess, 1,000 sessions, 20 links", |b| {
        b.iter(|| assess(black_box(&h), black_box(Some(&current)), black_box(&config)))
    });
    c.bench_function("aggregate, 1,000 sessions", |b| {
        b.iter(|| aggregate(black_box(&h)))
    });
    c.bench_function("enrich (impossible travel), 1,000 sessions", |b| {
        b.iter(|| {
            let mut s = current.summary.clone();
            enrich(black_box(&h), &mut s);
            s
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
