//! The open-data look-ups on request paths: the crawler list runs on every `POST /session`,
//! the e-mail checks on every assessment.
//!
//!   cargo bench --bench intel

use criterion::{criterion_group, criterion_main, Criterion};
use edgeward::intel::{crawler, email};
use std::hint::black_box;

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

fn bench(c: &mut Criterion) {
    // A real browser matches nothing, so every entry of the list is tried: the worst case.
    c.bench_function("crawler::matches, a browser (no match)", |b| {
        b.iter(|| crawler::matches(black_box(CHROME)))
    });
    c.bench_function("crawler::matches, curl", |b| {
        b.iter(|| crawler::matches(black_box("curl/8.5.0")))
    });
    c.bench_function("email::assess, personal address", |b| {
        b.iter(|| email::assess(black_box("john.doe+shop@gmail.com")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
