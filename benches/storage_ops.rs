//! Storage operations per request, counted on the in-memory store the API tests use (the same
//! API code the worker runs, so the same calls): what one login and one account read cost in
//! KV reads, writes, deletes and lists, for an account with 10 and with 3,000 logins of
//! history, what folding old sessions adds on average, and what a server event costs after a
//! year of them. Prints a Markdown table; the last two columns say how many of those operations
//! are on the account's own keys, which the worker keeps in the account's object, and how many
//! calls to such objects they take there (a request's writes and deletes to one account go in
//! one call).
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
        "| {what} | {} | {} | {} | {} | {} | {} | {} |",
        o.reads, o.writes, o.deletes, o.lists, o.listed, o.in_objects, o.object_calls
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
    println!(
        "| request | reads | writes | deletes | lists | keys listed | of these on the account | account-object calls |"
    );
    println!("|---|---|---|---|---|---|---|---|");
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
        sum = sum + c + a;
    }
    mean(
        &format!("login (session + authenticate), veteran, mean of {n} with folds"),
        sum,
        n,
    );

    // Server events: an account whose application reports ten a day (logins, messages) for a
    // year; the event after 10 days and after 365, and the mean over the last 100 (folds).
    let day = 24 * HOUR;
    let start = end + 700 * spacing;
    let event = |t: i64, kind: &str| {
        w.at(t);
        let before = w.store.ops();
        let (s, r) = w.secret(
            "POST",
            "/event",
            json!({"account_id": "reporter", "type": kind}),
        );
        assert_eq!(s, 200, "{r}");
        w.store.ops() - before
    };
    let kinds = ["login_succeeded", "send_message"];
    let mut total = Ops::default();
    for d in 0..365i64 {
        for k in 0..10i64 {
            let o = event(start + d * day + k * HOUR, kinds[(k % 2) as usize]);
            if d == 10 && k == 0 {
                row("POST /event (10 days of 10 a day)", o);
            }
            if d == 364 && k == 0 {
                row("POST /event (364 days of 10 a day)", o);
            }
            if d >= 355 {
                total = total + o;
            }
        }
    }
    mean(
        "POST /event, mean of the last 100 (folds included)",
        total,
        100,
    );
    let before = w.store.ops();
    let (s, _) = w.secret(
        "GET",
        "/api/v2/account_defender/account/reporter?days_range=365",
        Value::Null,
    );
    assert_eq!(s, 200);
    row(
        "GET /api/v2/…/account/{id}?days_range=365 (a year of events)",
        w.store.ops() - before,
    );
}

fn mean(what: &str, sum: Ops, n: i64) {
    let m = |x: u64| x as f64 / n as f64;
    println!(
        "| {what} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} |",
        m(sum.reads),
        m(sum.writes),
        m(sum.deletes),
        m(sum.lists),
        m(sum.listed),
        m(sum.in_objects),
        m(sum.object_calls)
    );
}
