//! The engine's cost per assessment: an account with 1,000 sessions of history (a month of
//! heavy use from a few devices, networks and countries), 20 linked accounts, and a project
//! population index of 100,000 devices.
//!
//!   cargo bench --bench assess

use criterion::{criterion_group, criterion_main, Criterion};
use edgeward::engine::events::EventSummary;
use edgeward::engine::{
    aggregate, assess, enrich, Config, CurrentSession, History, Link, MatchType, Population,
    SessionSummary, Velocity,
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
                asn: [3215, 3320, 12322, 3352][i % 4],
                browser: ["Chrome", "Safari"][i % 2].to_string(),
                os: ["Windows", "iOS"][i % 2].to_string(),
                fingerprint: format!(
                    "0.{:04x},1.{:04x},2.0a0a,5.7f00,7.{:04x}",
                    i % 5,
                    i % 5 + 9,
                    i % 5 + 99
                ),
                takeover: 0.0,
                new_features: 0,
                known_device: true,
                verified: false,
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
            Link::of_kinds(
                &format!("other-{i}"),
                &[MatchType::Browser, MatchType::Email],
                NOW - i * HOUR,
            )
        })
        .collect();
    // A hundred server events: logins, a few failures, changes and transactions.
    let events = (0..100)
        .map(|i| EventSummary {
            id: format!("{:013}-{i:012}", NOW - (100 - i) as i64 * HOUR),
            at: NOW - (100 - i) as i64 * HOUR,
            kind: [
                "login_succeeded",
                "send_message",
                "login_failed",
                "password_change",
            ][i % 4]
                .to_string(),
            ip: format!("198.51.{}.{}", i % 7, i % 13),
            ..EventSummary::default()
        })
        .collect();
    History {
        sessions,
        links,
        lists: vec!["vip".into()],
        email: "someone+shop@example.com".into(),
        events,
        incidents: Vec::new(),
        rollup: None,
        event_rollup: None,
    }
}

/// A population of `n` devices: a few popular models and a long tail, over 40 countries and
/// 2,000 networks.
fn population(n: usize) -> Population {
    let mut p = Population::default();
    for i in 0..n {
        let model = if i % 3 == 0 { i % 20 } else { i };
        p.add(
            &SessionSummary {
                country: format!("C{}", i % 40),
                asn: (i % 2000) as u32,
                browser: ["Chrome", "Safari", "Firefox", "Edge"][i % 4].to_string(),
                os: ["Windows", "iOS", "Android", "macOS"][i % 4].to_string(),
                device_id: format!("d{i}"),
                fingerprint: format!(
                    "0.{:04x},1.{:04x},2.{:04x},5.{:04x},7.{:04x}",
                    model % 7,
                    model % 50,
                    model % 4,
                    model % 30,
                    model % 5000
                ),
                at: NOW,
                ..Default::default()
            },
            true,
        );
    }
    p
}

fn bench(c: &mut Criterion) {
    let h = history(1000);
    let pop = population(100_000);
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
    c.bench_function(
        "enrich (impossible travel, takeover), 1,000 sessions, 100,000-device population",
        |b| {
            b.iter(|| {
                let mut cur = current.clone();
                enrich(
                    black_box(&h),
                    &mut cur,
                    black_box(&pop),
                    Velocity::default(),
                );
                cur
            })
        },
    );
    c.bench_function("device rarity against a 100,000-device population", |b| {
        b.iter(|| black_box(&pop).expected_twins(black_box(&current.summary)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
