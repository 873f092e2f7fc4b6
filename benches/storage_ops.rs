//! Storage operations per request, counted on the in-memory store the API tests use (the same
//! API code the worker runs, so the same calls): what one login and one account read cost in
//! KV reads, writes, deletes and lists, for an account with 10 and with 3,000 logins of
//! history, and what folding old sessions adds on average. Prints a Markdown table.
//!
//!   cargo bench --bench storage_ops

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use edgeward::schema::time::{HOUR, MINUTE};
use edgeward::store::Ops;
use serde_json::{json, Value};

/// One login of `account` from its usual browser and address at `t`: the two requests' ops.
fn login(w: &World, account: &str, t: i64) -> (Ops, Ops) {
    w.at(t);
    let before = w.store.ops();
    let sid = w.session_from("198.51.100.7", signals(&format!("{account}-browser")));
    let created = w.store.ops();
    let (s, a) = w.authenticate(
        &sid,
        json!({"id": account, "email": format!("{account}@example.com")}),
    );
    assert_eq!(s, 200, "{a}");
    (created - before, w.store.ops() - created)
}

fn row(what: &str, o: Ops) {
    println!(
        "| {what} | {} | {} | {} | {} |",
        o.reads, o.writes, o.deletes, o.lists
    );
}

fn main() {
    let w = World::new();
    let spacing = 6 * HOUR;
    // Two accounts laid down side by side, 10 and 3,000 logins of history ending at `end`.
    let end = T0 + 3_000 * spacing;
    for (account, n) in [("ten", 10i64), ("veteran", 3_000)] {
        for i in 0..n {
            login(&w, account, end - (n - i) * spacing);
        }
    }
    println!("| request | KV reads | writes | deletes | lists |");
    println!("|---|---|---|---|---|");
    // The next logins, an hour later: past the relist grace, caches warm (one isolate).
    for (account, label) in [("ten", "10"), ("veteran", "3,000")] {
        let (create, auth) = login(&w, account, end + HOUR);
        row(&format!("POST /session (history {label})"), create);
        row(
            &format!("POST /session/authenticate, returning (history {label})"),
            auth,
        );
    }
    // The veteran again ten minutes later: the same decision within the hour leaves the
    // console's card as it is.
    let (_, soon) = login(&w, "veteran", end + HOUR + 10 * MINUTE);
    row(
        "POST /session/authenticate, returning within the hour (history 3,000)",
        soon,
    );
    let (_, first) = login(&w, "newcomer", end + HOUR + 11 * MINUTE);
    row(
        "POST /session/authenticate, a new account's first login",
        first,
    );
    for (account, label) in [("ten", "10"), ("veteran", "3,000")] {
        let before = w.store.ops();
        let (s, _) = w.secret("GET", &format!("/account/{account}"), Value::Null);
        assert_eq!(s, 200);
        row(
            &format!("GET /account/{{id}} (history {label})"),
            w.store.ops() - before,
        );
    }
    // Folding: 640 more logins of the veteran, 6 hours apart, on average.
    let n = 640;
    let mut sum = Ops::default();
    for i in 0..n {
        let (c, a) = login(&w, "veteran", end + 2 * HOUR + i * spacing);
        sum = Ops {
            reads: sum.reads + c.reads + a.reads,
            writes: sum.writes + c.writes + a.writes,
            deletes: sum.deletes + c.deletes + a.deletes,
            lists: sum.lists + c.lists + a.lists,
        };
    }
    println!(
        "| login (session + authenticate), veteran, mean of {n} with folds | {:.2} | {:.2} | {:.2} | {:.2} |",
        sum.reads as f64 / n as f64,
        sum.writes as f64 / n as f64,
        sum.deletes as f64 / n as f64,
        sum.lists as f64 / n as f64
    );
}
