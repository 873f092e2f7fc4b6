//! Customer rules over the in-memory store: writing them, what they do to authenticate and
//! unauthenticated, shadow mode, backtests, bad rules, isolation and deletion. (The same flows
//! run against the real worker in `tests/e2e/rules.test.mjs`.)

mod common;

use common::*;
use edgeward::schema::time::{DAY, HOUR};
use serde_json::{json, Value};

fn put_rule(w: &World, name: &str, rule: Value) -> (u16, Value) {
    w.secret("PUT", &format!("/rules/{name}"), rule)
}

fn sign_up(w: &World, n: usize, email: &str) -> Value {
    let sid = w.session_from(&format!("198.51.100.{n}"), signals(&format!("b-{n}")));
    let (s, a) = w.authenticate(&sid, json!({"id": format!("user-{n}"), "email": email}));
    assert_eq!(s, 200, "{a}");
    a
}

fn rule_reasons(answer: &Value) -> Vec<&str> {
    answer["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["code"] == "RULE")
        .filter_map(|r| r["rule"].as_str())
        .collect()
}

#[test]
fn a_rule_on_disposable_domains_makes_such_accounts_fake_with_its_reason() {
    let w = World::new();
    let (s, r) = put_rule(
        &w,
        "disposable",
        json!({"when": "account.email.disposable", "then": {"decision": "Fake"},
               "description": "throwaway mailboxes"}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["rule"]["version"], 1);
    assert_eq!(r["rule"]["mode"], "active");

    let fake = sign_up(&w, 1, "someone@mailinator.com");
    assert_eq!(fake["decision"], "Fake", "{fake}");
    assert_eq!(rule_reasons(&fake), ["disposable"]);
    // The engine alone doubts a throwaway mailbox; the rule settles it.
    assert_eq!(fake["rules"]["engine_decision"], "Suspicious");
    assert_eq!(
        fake["rules"]["matched"],
        json!([{"rule": "disposable", "version": 1, "mode": "active"}])
    );

    let real = sign_up(&w, 2, "someone@example.com");
    assert_eq!(real["decision"], "Real", "{real}");
    assert!(rule_reasons(&real).is_empty());
    assert_eq!(real["rules"]["matched"], json!([]));

    let (_, got) = w.secret("GET", "/rules/disposable", Value::Null);
    assert_eq!(got["matches"]["active"], 1, "{got}");
    assert_eq!(got["matches"]["shadow"], 0);
}

#[test]
fn without_rules_answers_carry_no_rules_report() {
    let w = World::new();
    let a = sign_up(&w, 1, "a@example.com");
    assert!(a.get("rules").is_none(), "{a}");
}

#[test]
fn a_shadow_rule_changes_nothing_but_is_reported_and_counted() {
    let w = World::new();
    let (s, _) = put_rule(
        &w,
        "everyone",
        json!({"when": "accounts_linked >= 0", "then": {"decision": "Fake", "add_to_lists": ["block"],
               "incident": "fake_account"}, "mode": "shadow"}),
    );
    assert_eq!(s, 200);
    let a = sign_up(&w, 1, "a@example.com");
    assert_eq!(a["decision"], "Real", "{a}");
    assert!(rule_reasons(&a).is_empty());
    assert_eq!(a["rules"]["matched"][0]["mode"], "shadow");
    assert_eq!(a["lists"], json!([]));
    let (_, acct) = w.secret("GET", "/account/user-1", Value::Null);
    assert_eq!(acct["lists"], json!([]));
    let (_, v2) = w.secret(
        "GET",
        "/api/v2/account_defender/account/user-1",
        Value::Null,
    );
    assert_eq!(v2["is_under_attack"], false, "{v2}");
    assert!(v2.get("active_incidents").is_none(), "{v2}");
    sign_up(&w, 2, "b@example.com");
    let (_, got) = w.secret("GET", "/rules/everyone", Value::Null);
    assert_eq!(got["matches"]["shadow"], 2, "{got}");
    assert_eq!(got["matches"]["active"], 0);
}

#[test]
fn rules_add_to_lists_open_incidents_and_move_scores() {
    let w = World::new();
    assert_eq!(
        w.secret("POST", "/list/review", json!({"description": "to look at"}))
            .0,
        200
    );
    let (s, r) = put_rule(
        &w,
        "free-plan",
        json!({"when": "account.account.metadata.plan == \"free\"",
               "then": {"add_to_lists": ["review"], "incident": "fake_account",
                        "score": {"component": "risk_signals", "add": 0.6}}}),
    );
    assert_eq!(s, 200, "{r}");
    let sid = w.session_from("198.51.100.7", signals("b-7"));
    let (_, a) = w.authenticate(&sid, json!({"id": "free", "metadata": {"plan": "free"}}));
    assert_eq!(a["lists"], json!(["review"]), "{a}");
    assert!(a["risk_signals"].as_f64().unwrap() >= 0.6, "{a}");
    assert_eq!(a["decision"], "Suspicious", "{a}");
    let reason = a["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "RULE")
        .unwrap();
    assert_eq!(
        reason,
        &json!({"code": "RULE", "rule": "free-plan", "score": "risk_signals", "weight": 0.6})
    );
    // The list and the incident are stored: they outlive the answer.
    let (_, acct) = w.secret("GET", "/account/free", Value::Null);
    assert_eq!(acct["lists"], json!(["review"]));
    let (_, v2) = w.secret("GET", "/api/v2/account_defender/account/free", Value::Null);
    let incidents = v2["active_incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{v2}");
    assert_eq!(incidents[0]["attack_type"], "fake_account");
    // Another login opens no second fake-account incident for the same rule.
    let sid = w.session_from("198.51.100.7", signals("b-7"));
    w.authenticate(&sid, json!({"id": "free"}));
    let (_, v2) = w.secret("GET", "/api/v2/account_defender/account/free", Value::Null);
    assert_eq!(v2["active_incidents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_rule_adding_the_allow_list_wins_over_a_fake_rule() {
    let w = World::new();
    put_rule(
        &w,
        "a-fake",
        json!({"when": "true", "then": {"decision": "Fake"}}),
    );
    put_rule(
        &w,
        "b-staff",
        json!({"when": "account.account.metadata.staff == true", "then": {"add_to_lists": ["allow"]}}),
    );
    let sid = w.session_from("198.51.100.8", signals("b-8"));
    let (_, a) = w.authenticate(&sid, json!({"id": "s", "metadata": {"staff": true}}));
    assert_eq!(a["decision"], "Real", "{a}");
    assert_eq!(rule_reasons(&a), ["a-fake", "b-staff"]);
    // The other account has no `staff` field: b-staff is skipped, the request goes on.
    let sid = w.session_from("198.51.100.9", signals("b-9"));
    let (s, a) = w.authenticate(&sid, json!({"id": "t"}));
    assert_eq!(s, 200);
    assert_eq!(a["decision"], "Fake");
    assert_eq!(a["rules"]["skipped"][0]["rule"], "b-staff", "{a}");
}

#[test]
fn unauthenticated_sessions_are_decided_by_rules_too() {
    let w = World::new();
    put_rule(
        &w,
        "bad-address",
        json!({"when": "session.network.ip_address == \"203.0.113.66\"", "then": {"decision": "Fake"}}),
    );
    let sid = w.session_from("203.0.113.66", signals("b-u"));
    let (s, a) = w.secret(
        "POST",
        "/session/unauthenticated",
        json!({"session_id": sid}),
    );
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["decision"], "Fake");
    assert_eq!(a["rules"]["engine_decision"], "Real");
}

#[test]
fn every_put_stores_a_new_version_and_delete_removes_all() {
    let w = World::new();
    put_rule(&w, "r", json!({"when": "bot > 0.9", "then": {}}));
    let (_, r) = put_rule(
        &w,
        "r",
        json!({"when": "bot > 0.8", "then": {"decision": "Suspicious"}}),
    );
    assert_eq!(r["rule"]["version"], 2);
    let (_, got) = w.secret("GET", "/rules/r", Value::Null);
    let whens: Vec<&str> = got["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["when"].as_str().unwrap())
        .collect();
    assert_eq!(whens, ["bot > 0.9", "bot > 0.8"]);
    assert_eq!(got["rule"]["when"], "bot > 0.8");
    let (_, all) = w.secret("GET", "/rules", Value::Null);
    assert_eq!(all["rules"].as_array().unwrap().len(), 1);

    sign_up(&w, 1, "a@example.com");
    let (s, d) = w.secret("DELETE", "/rules/r", Value::Null);
    assert_eq!((s, d["success"].clone()), (200, json!(true)), "{d}");
    assert!(w
        .store
        .keys()
        .iter()
        .all(|k| !k.contains("/r/r") && !k.contains("/rv/r/")));
    assert_eq!(w.secret("GET", "/rules/r", Value::Null).0, 404);
    assert_eq!(w.secret("DELETE", "/rules/r", Value::Null).0, 404);
    let a = sign_up(&w, 2, "b@example.com");
    assert!(a.get("rules").is_none(), "the deleted rule still runs: {a}");
}

#[test]
fn bad_rules_answer_400_naming_the_problem() {
    let w = World::new();
    let cases = [
        (json!({"when": "bot > ", "then": {}}), "line 1, column 7"),
        (
            json!({"when": "acount.country == \"US\"", "then": {}}),
            "acount",
        ),
        (
            json!({"when": "account.email.dispsable", "then": {}}),
            "account.email.dispsable",
        ),
        (
            json!({"when": "bot > 0.5", "then": {"block": true}}),
            "then.block is not an action",
        ),
        (
            json!({"when": "bot > 0.5", "then": {"decision": "Bad"}}),
            "then.decision",
        ),
        (
            json!({"when": "bot > 0.5", "then": {"add_to_lists": ["nope"]}}),
            "does not exist",
        ),
        (
            json!({"when": "bot > 0.5", "then": {"incident": "spam"}}),
            "then.incident",
        ),
        (
            json!({"when": "bot > 0.5", "then": {"score": {"component": "bot", "add": 3}}}),
            "then.score.add",
        ),
        (
            json!({"when": "bot > 0.5", "then": {"score": {"component": "age", "add": 0.1}}}),
            "then.score.component",
        ),
        (
            json!({"when": "bot > 0.5", "then": {}, "mode": "loud"}),
            "mode",
        ),
        (json!({"when": "bot > 0.5"}), "then is required"),
        (json!({"then": {}}), "when is required"),
        (json!({"when": 3, "then": {}}), "when must be a string"),
        (
            json!({"when": "bot > 0.5", "then": {}, "priority": 1}),
            "priority is not a field",
        ),
        (
            json!({"when": format!("{}true{}", "(".repeat(40), ")".repeat(40)), "then": {}}),
            "deep",
        ),
        (
            json!({"when": "bot > 0.5 || ".repeat(300) + "true", "then": {}}),
            "bytes",
        ),
    ];
    for (body, needle) in cases {
        let (s, e) = put_rule(&w, "r", body.clone());
        assert_eq!(s, 400, "{body} answered {e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains(needle), "{body}: {m:?} does not name {needle:?}");
    }
    let (s, e) = put_rule(&w, "bad name!", json!({"when": "true", "then": {}}));
    assert_eq!(s, 400, "{e}");
    assert!(w.secret("GET", "/rules", Value::Null).1["rules"] == json!([]));
    assert_eq!(
        w.secret("POST", "/rules/missing/backtest", Value::Null).0,
        404
    );
    put_rule(&w, "ok", json!({"when": "true", "then": {}}));
    for q in ["days=0", "days=31", "days=x", "version=9"] {
        let (s, e) = w.secret("POST", &format!("/rules/ok/backtest?{q}"), Value::Null);
        assert!(s == 400 || s == 404, "{q}: {s} {e}");
    }
}

#[test]
fn one_projects_rules_never_touch_another() {
    let w = World::new();
    put_rule(
        &w,
        "all-fake",
        json!({"when": "true", "then": {"decision": "Fake"}}),
    );
    let (_, other) = w.call("GET", "/rules", &[("x-api-key", OTHER_SECRET)], "");
    assert_eq!(other["rules"], json!([]));
    assert_eq!(
        w.call("GET", "/rules/all-fake", &[("x-api-key", OTHER_SECRET)], "")
            .0,
        404
    );
}

#[test]
fn a_backtest_replays_stored_history_and_counts_feedback() {
    let w = World::new();
    // A week of sign-ups: 3 disposable mailboxes among 9 accounts, a day apart.
    let mut engine = Vec::new();
    for n in 0..9 {
        w.at(T0 + n as i64 * DAY);
        let email = if n % 3 == 0 {
            format!("u{n}@mailinator.com")
        } else {
            format!("u{n}@example.com")
        };
        let a = sign_up(&w, n, &email);
        if n % 3 == 0 {
            engine.push(a["decision"].clone());
        }
    }
    assert_eq!(engine, vec![json!("Suspicious"); 3]);
    // Analysts said one of them was no attack, and confirmed another.
    for (account, result) in [
        ("user-0", "no_attack"),
        ("user-3", "manually_identified_and_resolved"),
    ] {
        let (s, e) = w.secret(
            "POST",
            "/api/v1/account_defender/account/update_status",
            json!({"accountIds": [account], "attackType": "fa", "status": "resolved", "result": result}),
        );
        assert_eq!(s, 200, "{e}");
    }
    // The rule is written after all of it, in shadow mode.
    w.at(T0 + 8 * DAY + HOUR);
    put_rule(
        &w,
        "disposable",
        json!({"when": "account.email.disposable", "then": {"decision": "Fake"}, "mode": "shadow"}),
    );
    let (s, b) = w.secret("POST", "/rules/disposable/backtest?days=30", Value::Null);
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["sessions"]["listed"], 9, "{b}");
    assert_eq!(b["sessions"]["replayed"], 9);
    assert_eq!(b["sessions"]["sampled"], false);
    assert_eq!(b["matched"], json!({"sessions": 3, "accounts": 3}));
    assert_eq!(b["mode"], "shadow");
    assert_eq!(
        b["decisions"],
        json!({"changed": 3, "changes": [{"from": "Suspicious", "to": "Fake", "sessions": 3}]})
    );
    assert_eq!(b["feedback"]["matched_accounts_marked_no_attack"], 1);
    assert_eq!(b["feedback"]["matched_accounts_confirmed"], 1);
    assert_eq!(b["examples"].as_array().unwrap().len(), 3);
    // Three days back sees only the last three sign-ups (one disposable).
    let (_, b) = w.secret("POST", "/rules/disposable/backtest?days=3", Value::Null);
    assert_eq!(b["sessions"]["listed"], 3, "{b}");
    assert_eq!(b["matched"]["sessions"], 1);
    // An older version is replayed when asked for.
    put_rule(&w, "disposable", json!({"when": "false", "then": {}}));
    let (_, b) = w.secret(
        "POST",
        "/rules/disposable/backtest?days=30&version=1",
        Value::Null,
    );
    assert_eq!(b["matched"]["sessions"], 3, "{b}");
    let (_, b) = w.secret("POST", "/rules/disposable/backtest?days=30", Value::Null);
    assert_eq!(b["matched"]["sessions"], 0, "{b}");
}

#[test]
fn deleting_an_account_removes_its_replay_records_and_verdicts() {
    let w = World::new();
    sign_up(&w, 1, "a@example.com");
    w.secret(
        "POST",
        "/api/v1/account_defender/account/update_status",
        json!({"accountIds": ["user-1"], "attackType": "ato", "status": "resolved", "result": "no_attack"}),
    );
    assert!(w.store.keys().iter().any(|k| k.contains("/rp/")));
    assert!(w.store.keys().iter().any(|k| k.contains("/v/ato/")));
    assert_eq!(w.secret("DELETE", "/account/user-1", Value::Null).0, 200);
    let left = w.store.keys();
    assert!(left.iter().all(|k| !k.contains("user-1")), "{left:?}");
}

#[test]
fn shadow_matches_and_skipped_rules_are_logged() {
    let w = World::new();
    put_rule(
        &w,
        "watch",
        json!({"when": "true", "then": {}, "mode": "shadow"}),
    );
    put_rule(
        &w,
        "needs-plan",
        json!({"when": "account.account.metadata.plan == \"pro\"", "then": {}}),
    );
    let sid = w.session_from("198.51.100.40", signals("b-40"));
    let body = json!({"session_id": sid, "account": {"id": "logged"}}).to_string();
    let r = w.call_raw(
        "POST",
        "/session/authenticate",
        &[("x-api-key", DEMO_SECRET)],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.log.len(), 2, "{:?}", r.log);
    assert!(
        r.log[0].contains("shadow rule watch v1 matched"),
        "{:?}",
        r.log
    );
    assert!(r.log[1].contains("rule needs-plan skipped"), "{:?}", r.log);
}
