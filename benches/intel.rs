//! The open-data look-ups on request paths: the crawler list and the IP tables run on every
//! `POST /session`, the e-mail checks on every assessment.
//!
//!   cargo bench --bench intel

use criterion::{criterion_group, criterion_main, Criterion};
use edgeward::intel::ip::{self, RangeTable, TorExits};
use edgeward::intel::{crawler, email};
use std::hint::black_box;
use std::net::IpAddr;

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

fn bench(c: &mut Criterion) {
    // A real browser matches nothing, so every entry of the list is tried: the worst case.
    c.bench_function("crawler::matches, a browser (no match)", |b| {
        b.iter(|| crawler::matches(black_box(CHROME)))
    });
    c.bench_function("crawler::matches, curl", |b| {
        b.iter(|| crawler::matches(black_box("curl/8.5.0")))
    });
    // The ASN table as the worker reads it from KV: the build script's own copy.
    let asn_bytes =
        std::fs::read(env!("EDGEWARD_ASN_TABLE")).expect("the build wrote the ASN table");
    let asn = RangeTable::parse(&asn_bytes).expect("the ASN table is well formed");
    let tor = TorExits::default();
    let v4: IpAddr = "80.156.0.1".parse().unwrap();
    let v6: IpAddr = "2a01:cb00::1".parse().unwrap();
    c.bench_function("ip::look_up, IPv4 (country, ASN, origin)", |b| {
        b.iter(|| ip::look_up(black_box(v4), Some(&asn), &tor))
    });
    c.bench_function("ip::look_up, IPv6 (country, ASN, origin)", |b| {
        b.iter(|| ip::look_up(black_box(v6), Some(&asn), &tor))
    });
    c.bench_function("RangeTable::parse, the ASN table (once per isolate)", |b| {
        b.iter(|| RangeTable::parse(black_box(&asn_bytes)).map(|t| t.ranges()))
    });
    c.bench_function("email::assess, personal address", |b| {
        b.iter(|| email::assess(black_box("john.doe+shop@gmail.com")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
