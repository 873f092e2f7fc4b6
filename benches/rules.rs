//! The customer-rules stage of authenticate: 50 active rules (the examples and their
//! kin, over scores, the session, the account and velocity) against one full response, and
//! compiling the same 50 (what an isolate does when it lists a project's rules).
//!
//!   cargo bench --bench rules

use criterion::{criterion_group, criterion_main, Criterion};
use edgeward::api::rules::{attributes, input};
use edgeward::engine::{assess, Config, History, Velocity};
use edgeward::rules::{Actions, Mode, Rule, RuleSet};
use edgeward::schema::Decision;
use serde_json::{json, Value};
use std::hint::black_box;

const CONDITIONS: [&str; 10] = [
    "bot > 0.8",
    "account.email.disposable",
    "session.risk_signals.tor",
    "session.network.ip_address == \"203.0.113.9\"",
    "account.country != \"US\"",
    "accounts_linked >= 3",
    "\"vip\" in lists",
    "has(account.account.metadata.plan) && account.account.metadata.plan == \"free\"",
    "velocity.accounts_per_ip > 5 || velocity.failed_logins > 3",
    "risk_signals > 0.5 && account.email.domain_type != \"personal\"",
];

fn rules() -> Vec<Rule> {
    (0..50)
        .map(|i| Rule {
            name: format!("rule-{i:02}"),
            version: 1,
            when: CONDITIONS[i % CONDITIONS.len()].to_string(),
            then: Actions {
                decision: Some(Decision::Suspicious),
                ..Actions::default()
            },
            mode: Mode::Active,
            description: String::new(),
            created_at: 0,
        })
        .collect()
}

fn response() -> serde_json::Map<String, Value> {
    let a = assess(&History::default(), None, &Config::default());
    let scores = edgeward::schema::Scores {
        decision: a.decision,
        account_score: 0.3,
        bot: 0.2,
        account_takeover: 0.1,
        multiple_accounts: 0.2,
        risk_signals: 0.1,
        accounts_linked: 2,
        lists: vec!["newsletter".into()],
        reasons: Vec::new(),
    };
    // The attribute sample has every field a real response has, with realistic sizes.
    let mut m = attributes().sample().clone();
    for (k, v) in input(
        "demo",
        "00000000-0000-4000-8000-000000000001",
        Some("alice"),
        &scores,
        &m["session"].clone(),
        Some(
            &json!({"account": {"id": "alice", "email": "alice@example.com",
                      "metadata": {"plan": "free", "signup": "web"}, "group": ""},
                     "country": "FR", "email": {"email": "alice@example.com",
                     "disposable": false, "domain_type": "personal"}}),
        ),
        &Velocity::default(),
    ) {
        m.insert(k, v);
    }
    m
}

fn bench(c: &mut Criterion) {
    let attrs = attributes();
    let (set, skipped) = RuleSet::compile(rules(), &attrs);
    assert!(skipped.is_empty(), "{skipped:?}");
    let resp = response();
    c.bench_function("rules stage: 50 rules, one response", |b| {
        b.iter(|| {
            let input = set.input(black_box(&resp));
            let (matched, skipped) = set.matching(&input);
            black_box((matched.len(), skipped.len()))
        })
    });
    c.bench_function("compile 50 rules", |b| {
        b.iter(|| RuleSet::compile(black_box(rules()), &attrs))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
