//! The HTTP API over the in-memory store: every behaviour a user relies on, natively.
//! (The same flows run against the real worker in workerd in `tests/e2e/`.)

mod common;

use common::*;
use edgeward::api::{Request, Settings};
use edgeward::schema::time::{DAY, HOUR, MINUTE};
use futures::executor::block_on;
use futures::future::join_all;
use serde_json::{json, Value};

#[test]
fn browser_session_then_authenticate_then_account_read_back() {
    let w = World::new();
    let sid = w.session_from("203.0.113.7", signals("b-1"));
    let (s, auth) = w.authenticate(
        &sid,
        json!({"id": "john-doe", "email": "john@example.com", "metadata": {"plan": "pro"}}),
    );
    assert_eq!(s, 200, "{auth}");
    assert_eq!(auth["account_id"], "john-doe");
    assert_eq!(auth["session"]["network"]["ip_address"], "203.0.113.7");
    assert_eq!(auth["account"]["num_sessions"], 1);
    assert_eq!(auth["decision"], "Real", "{auth}");

    let (s, acct) = w.secret("GET", "/account/john-doe", Value::Null);
    assert_eq!(s, 200);
    assert_eq!(acct["account"]["email"], "john@example.com");
    assert_eq!(acct["account"]["metadata"]["plan"], "pro");
    assert_eq!(acct["last_session"], sid.as_str());
    assert_eq!(acct["unique_networks"]["1_day"], 1);

    let (s, sess) = w.secret("GET", &format!("/session/{sid}"), Value::Null);
    assert_eq!(s, 200);
    assert_eq!(sess["account_ids"], json!(["john-doe"]));
    assert_eq!(sess["browser"]["timezone"], "Europe/Paris");
}

#[test]
fn counts_and_windows_come_from_the_stored_sessions() {
    let w = World::new();
    for (i, (t, ip, b)) in [
        (0, "198.51.100.1", "b1"),
        (2 * DAY, "198.51.100.2", "b1"),
        (2 * DAY + HOUR, "198.51.100.3", "b2"),
    ]
    .into_iter()
    .enumerate()
    {
        w.at(T0 + t);
        let mut sig = signals(b);
        sig["window"]["screen"]["width"] = json!(1000 + i);
        let sid = w.session_from(ip, sig);
        assert_eq!(w.authenticate(&sid, json!({"id": "ann"})).0, 200);
    }
    let (_, a) = w.secret("GET", "/account/ann", Value::Null);
    assert_eq!(a["num_sessions"], 3);
    assert_eq!(a["unique_networks"], json!({"1_day": 2, "7_day": 3}));
    assert_eq!(a["unique_devices"], json!({"1_day": 2, "7_day": 3}));
    assert_eq!(a["first_seen"], "2026-05-28T20:26:40.000Z");
}

#[test]
fn concurrent_authenticates_of_one_account_lose_no_session() {
    let w = World::new();
    let sids: Vec<String> = (0..50)
        .map(|i| w.session_from(&format!("192.0.2.{i}"), signals(&format!("b{i}"))))
        .collect();
    let reqs = sids.iter().map(|sid| {
        let body =
            json!({"session_id": sid, "account": {"id": "shared", "email": "s@example.com"}});
        request(
            "POST",
            "/session/authenticate",
            &[("x-api-key", DEMO_SECRET)],
            body.to_string(),
        )
    });
    let answers = block_on(join_all(reqs.map(|r| w.send(r))));
    assert!(answers.iter().all(|r| r.status == 200));
    let (_, a) = w.secret("GET", "/account/shared", Value::Null);
    assert_eq!(a["num_sessions"], 50);
    let (_, s) = w.secret("GET", "/account/shared/sessions", Value::Null);
    let mut listed: Vec<String> = s["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut want = sids.clone();
    want.sort();
    assert_eq!(listed, want);
}

#[test]
fn accounts_on_one_browser_are_linked_both_ways() {
    let w = World::new();
    let s1 = w.session_from("192.0.2.1", signals("same-browser"));
    w.authenticate(&s1, json!({"id": "alice", "email": "alice@example.com"}));
    let s2 = w.session_from("192.0.2.1", signals("same-browser"));
    let (_, bob) = w.authenticate(&s2, json!({"id": "bob"}));
    assert_eq!(bob["accounts_linked"], 1);
    // One other account on the device: a household, not yet a multi-accounter.
    assert_eq!(bob["multiple_accounts"], 0.3);
    assert_eq!(bob["decision"], "Real");
    assert_eq!(bob["reasons"][0]["code"], "MULTI_SHARED_BROWSER");
    let (_, linked) = w.secret("GET", "/account/alice/accounts-linked", Value::Null);
    assert_eq!(linked["accounts_linked"][0]["account_id"], "bob");
    assert_eq!(
        linked["accounts_linked"][0]["match_type"],
        json!(["browser", "device", "network"])
    );
    let (_, linked) = w.secret("GET", "/account/bob/accounts-linked", Value::Null);
    assert_eq!(linked["accounts_linked"][0]["email"], "alice@example.com");
}

#[test]
fn an_automated_browser_is_scored_as_a_bot_with_reasons() {
    let w = World::new();
    let mut sig = signals("b");
    sig["window"]["webdriver"] = json!(true);
    let sid = w.session_from("192.0.2.9", sig);
    let (_, a) = w.authenticate(&sid, json!({"id": "botty"}));
    assert_eq!(a["decision"], "Fake");
    assert_eq!(a["bot"], 0.9);
    // Automation is the bot score's evidence, counted once: not again as device risk.
    assert_eq!(a["session"]["risk_signals"]["device_risk"], false);
    let codes = reason_codes(&a);
    assert_eq!(codes, ["BOT_WEBDRIVER"]);
}

#[test]
fn put_account_creates_and_updates_the_callers_fields() {
    let w = World::new();
    let (s, a) = w.secret(
        "PUT",
        "/account/john-doe",
        json!({"id": "john-doe", "email": "johndoe.example@gmail.com", "metadata": {}}),
    );
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["num_sessions"], 0);
    assert_eq!(a["email"]["valid"], true);
    let (_, a) = w.secret(
        "PUT",
        "/account/john-doe",
        json!({"id": "john-doe", "metadata": {"tier": 2}}),
    );
    assert_eq!(a["account"]["email"], "johndoe.example@gmail.com");
    assert_eq!(a["account"]["metadata"]["tier"], 2);
    let (s, e) = w.secret("PUT", "/account/john-doe", json!({"id": "jane"}));
    assert_eq!(s, 400);
    assert!(e["message"].as_str().unwrap().contains("does not match"));
}

#[test]
fn deleting_an_account_removes_every_key_that_names_it() {
    let w = World::new();
    let s1 = w.session_from("192.0.2.1", signals("shared-b"));
    w.authenticate(&s1, json!({"id": "keep"}));
    let s2 = w.session_from("192.0.2.2", signals("shared-b"));
    w.authenticate(&s2, json!({"id": "gone/1", "email": "g@example.com"}));
    let before = w.store.keys();
    let (s, d) = w.secret("DELETE", "/account/gone%2F1", Value::Null);
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["success"], true);
    let after = w.store.keys();
    assert!(after.iter().all(|k| !k.contains("gone%2F1")), "{after:?}");
    assert!(
        after.iter().all(|k| !k.contains(&s2)),
        "the deleted account's session survived: {after:?}"
    );
    assert!(before.len() > after.len());
    assert_eq!(w.secret("GET", "/account/gone%2F1", Value::Null).0, 404);
    let (_, keep) = w.secret("GET", "/account/keep", Value::Null);
    assert_eq!(keep["num_sessions"], 1);
    assert_eq!(keep["accounts_linked"], 0);
}

#[test]
fn projects_cannot_see_or_touch_each_others_data() {
    let w = World::new();
    let sid = w.session_from("192.0.2.1", signals("b"));
    w.authenticate(&sid, json!({"id": "ann"}));
    let other = |m: &str, p: &str, b: &str| w.call(m, p, &[("x-api-key", OTHER_SECRET)], b);
    assert_eq!(other("GET", "/account/ann", "").0, 404);
    assert_eq!(other("GET", &format!("/session/{sid}"), "").0, 404);
    assert_eq!(other("DELETE", "/account/ann", "").0, 404);
    assert_eq!(other("GET", "/account/ann/sessions", "").0, 404);
    let body = json!({"session_id": sid, "account": {"id": "ann"}}).to_string();
    assert_eq!(other("POST", "/session/authenticate", &body).0, 404);
    assert_eq!(
        other(
            "PUT",
            "/account/ann",
            r#"{"id":"ann","email":"x@evil.example"}"#
        )
        .0,
        200
    );
    let (_, a) = w.secret("GET", "/account/ann", Value::Null);
    assert_eq!(a["account"]["email"], "");
    assert_eq!(a["num_sessions"], 1);
}

#[test]
fn hostile_ids_stay_in_their_own_keys() {
    let w = World::new();
    for (raw, path) in [
        ("a:b", "a%3Ab"),
        ("a/b", "a%2Fb"),
        ("..", ".."),
        ("Zoë 🙂", "Zo%C3%AB%20%F0%9F%99%82"),
        ("%2F", "%252F"),
    ] {
        let (s, a) = w.secret(
            "PUT",
            &format!("/account/{path}"),
            json!({"id": raw, "email": format!("{}@example.com", raw.len())}),
        );
        assert_eq!(s, 200, "{raw}: {a}");
        assert_eq!(a["account"]["id"], raw);
    }
    let (_, a) = w.secret("GET", "/account/a%2Fb", Value::Null);
    assert_eq!(a["account"]["email"], "3@example.com");
    assert_eq!(w.secret("GET", "/account/a", Value::Null).0, 404);
    let long = "x".repeat(10_000);
    let (s, e) = w.secret("PUT", &format!("/account/{long}"), json!({"id": long}));
    assert_eq!(s, 400);
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("account_id is too long"));
    let (s, _) = w.authenticate(&long, json!({"id": "x"}));
    assert_eq!(s, 400);
}

#[test]
fn bad_input_gets_a_4xx_that_names_the_problem() {
    let w = World::new();
    let sid = w.session_from("192.0.2.1", signals("b"));
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        (
            "POST",
            "/session/authenticate",
            "{not json".into(),
            400,
            "not valid JSON",
        ),
        (
            "POST",
            "/session/authenticate",
            "[]".into(),
            400,
            "JSON object",
        ),
        ("POST", "/session/authenticate", "".into(), 400, "empty"),
        (
            "POST",
            "/session/authenticate",
            json!({"account": {"id": "a"}}).to_string(),
            400,
            "session_id is required",
        ),
        (
            "POST",
            "/session/authenticate",
            json!({"session_id": sid}).to_string(),
            400,
            "account is required",
        ),
        (
            "POST",
            "/session/authenticate",
            json!({"session_id": 7, "account": {}}).to_string(),
            400,
            "session_id must be a string",
        ),
        (
            "POST",
            "/session/authenticate",
            json!({"session_id": sid, "account": {"id": "a", "metadata": []}}).to_string(),
            400,
            "account.metadata must be an object",
        ),
        (
            "POST",
            "/session/authenticate",
            json!({"session_id": sid, "account": {"id": ""}}).to_string(),
            400,
            "account.id must be a non-empty string",
        ),
        (
            "POST",
            "/session/authenticate",
            json!({"session_id": "nope", "account": {"id": "a"}}).to_string(),
            404,
            "session nope not found",
        ),
        (
            "POST",
            "/session/authenticate",
            format!("{{\"session_id\":\"{}\"}}", "x".repeat(70_000)),
            413,
            "larger than",
        ),
        (
            "PUT",
            "/account/a",
            json!({"id": "a", "email": 5}).to_string(),
            400,
            "email must be a string",
        ),
        (
            "GET",
            "/account/nobody",
            String::new(),
            404,
            "account nobody not found",
        ),
        (
            "DELETE",
            "/session/authenticate",
            String::new(),
            405,
            "allowed: POST",
        ),
        ("GET", "/nowhere", String::new(), 404, "no route"),
    ];
    for (m, p, b, status, words) in cases {
        let (s, e) = w.call(m, p, &[("x-api-key", DEMO_SECRET)], &b);
        assert_eq!(s, status, "{m} {p} {b:.80}: {e}");
        assert_eq!(e["statusCode"], status);
        assert!(
            e["message"].as_str().unwrap().contains(words),
            "{m} {p}: {e}"
        );
    }
}

#[test]
fn keys_are_checked_and_each_kind_only_where_it_belongs() {
    let w = World::new();
    let cases = [
        ("GET", "/account/a", vec![], 401, "missing API key"),
        (
            "GET",
            "/account/a",
            vec![("x-api-key", "sk_wrong")],
            401,
            "invalid API key",
        ),
        (
            "GET",
            "/account/a",
            vec![("authorization", "Bearer sk_wrong")],
            401,
            "invalid API key",
        ),
        (
            "GET",
            "/account/a",
            vec![("x-api-key", DEMO_PUBLIC)],
            403,
            "public key cannot",
        ),
        ("POST", "/session", vec![], 401, "missing public key"),
        (
            "POST",
            "/session",
            vec![("x-public-key", "pk_wrong")],
            401,
            "invalid public key",
        ),
        (
            "POST",
            "/session",
            vec![("x-public-key", DEMO_SECRET)],
            403,
            "secret key must never",
        ),
        (
            "POST",
            "/session",
            vec![
                ("x-public-key", DEMO_PUBLIC),
                ("origin", "https://evil.example"),
            ],
            403,
            "not allowed",
        ),
    ];
    for (m, p, h, status, words) in cases {
        let (s, e) = w.call(m, p, &h, "{}");
        assert_eq!(s, status, "{m} {p} {h:?}: {e}");
        assert!(e["message"].as_str().unwrap().contains(words), "{e}");
    }
    assert_eq!(
        w.call(
            "GET",
            "/account/a",
            &[("authorization", &format!("Bearer {DEMO_SECRET}"))],
            ""
        )
        .0,
        404
    );
}

#[test]
fn the_browser_endpoint_answers_cors_for_allowed_origins() {
    let w = World::new();
    let req = |method: &str, origin: &str| {
        request(
            method,
            "/session",
            &[("origin", origin), ("x-public-key", DEMO_PUBLIC)],
            "{}",
        )
    };
    let pre = block_on(w.send(req("OPTIONS", "https://app.example")));
    assert_eq!(pre.status, 204);
    assert!(pre
        .header("access-control-allow-headers")
        .unwrap()
        .contains("x-public-key"));
    let post = block_on(w.send(req("POST", "https://app.example")));
    assert_eq!(post.status, 200);
    assert_eq!(
        post.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        block_on(w.send(req("OPTIONS", "https://evil.example"))).status,
        403
    );
}

#[test]
fn sessions_expire_after_a_day() {
    let w = World::new();
    let sid = w.session_from("192.0.2.1", signals("b"));
    w.at(T0 + DAY - 1);
    assert_eq!(
        w.secret("GET", &format!("/session/{sid}"), Value::Null).0,
        200
    );
    w.at(T0 + DAY);
    assert_eq!(
        w.secret("GET", &format!("/session/{sid}"), Value::Null).0,
        404
    );
    assert_eq!(w.authenticate(&sid, json!({"id": "late"})).0, 404);
}

#[test]
fn an_unauthenticated_check_scores_the_session_alone() {
    let w = World::new();
    let s1 = w.session_from("192.0.2.1", signals("b-x"));
    w.authenticate(&s1, json!({"id": "first"}));
    let s2 = w.session_from("192.0.2.1", signals("b-x"));
    let (s, u) = w.secret(
        "POST",
        "/session/unauthenticated",
        json!({"session_id": s2}),
    );
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["accounts_linked"], 1);
    assert!(u.get("account").is_none());
}

#[test]
fn a_worker_without_projects_refuses_every_request() {
    let mut w = World::new();
    w.settings = Settings::parse(None, false);
    let (s, e) = w.call("GET", "/account/a", &[("x-api-key", DEMO_SECRET)], "");
    assert_eq!(s, 503);
    assert!(e["message"].as_str().unwrap().contains("refuses to serve"));
    assert_eq!(
        w.call("POST", "/session", &[("x-public-key", DEMO_PUBLIC)], "{}")
            .0,
        503
    );
    let (s, h) = w.call("GET", "/health", &[], "");
    assert_eq!((s, h["status"].as_str()), (503, Some("unconfigured")));
}

#[test]
fn forwarded_addresses_count_only_in_development() {
    let mut w = World::new();
    let headers = [
        ("x-public-key", DEMO_PUBLIC),
        ("x-forwarded-for", "198.51.100.9, 10.0.0.1"),
        ("cf-connecting-ip", "192.0.2.50"),
    ];
    let sid = |w: &World| {
        w.call("POST", "/session", &headers, "{}").1["session_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let s = sid(&w);
    assert_eq!(
        w.secret("GET", &format!("/session/{s}"), Value::Null).1["network"]["ip_address"],
        "198.51.100.9"
    );
    if let Ok(settings) = w.settings.as_mut() {
        settings.development = false;
    }
    let s = sid(&w);
    assert_eq!(
        w.secret("GET", &format!("/session/{s}"), Value::Null).1["network"]["ip_address"],
        "192.0.2.50"
    );
}

#[test]
fn accounts_arriving_later_on_a_browser_link_to_every_earlier_one() {
    let w = World::new();
    let on_x = |t: i64, account: &str| {
        w.at(T0 + t);
        let sid = w.session_from("192.0.2.1", signals("browser-x"));
        w.authenticate(&sid, json!({"id": account})).1
    };
    assert_eq!(on_x(0, "a")["accounts_linked"], 0);
    assert_eq!(on_x(HOUR, "b")["accounts_linked"], 1);
    // a's first session on the browser is long past: a does not list the index again,
    // and still knows b through the link b wrote.
    assert_eq!(on_x(2 * HOUR, "a")["accounts_linked"], 1);
    assert_eq!(on_x(3 * HOUR, "c")["accounts_linked"], 2);
    assert_eq!(on_x(4 * HOUR, "a")["accounts_linked"], 2);
    assert_eq!(on_x(5 * HOUR, "b")["accounts_linked"], 2);
}

#[test]
fn an_account_linked_to_very_many_keeps_only_its_strongest_links() {
    // 130 accounts take turns on one browser: each new one links to up to 50 earlier ones and
    // writes the reverse link on theirs, so "a" is named by every later account.
    let w = World::new();
    let on_x = |t: i64, account: &str| {
        w.at(T0 + t * MINUTE);
        let sid = w.session_from(&format!("192.0.2.{}", t % 250), signals("browser-x"));
        w.authenticate(&sid, json!({"id": account}))
    };
    for i in 0..130 {
        assert_eq!(on_x(i, &format!("m{i:03}")).0, 200);
    }
    let linked = |a: &str| {
        let mut others: Vec<String> = keys_under(&w, &format!("p/demo/a/{a}/k/"))
            .iter()
            .filter_map(|k| k.rsplit('/').next().map(str::to_string))
            .collect();
        others.sort();
        others.dedup();
        others.len()
    };
    assert!(linked("m000") > 100, "{}", linked("m000"));
    let (s, a) = on_x(200, "m000");
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["accounts_linked"], 100);
    assert_eq!(linked("m000"), 100);
    // Still one person behind a shared browser, as strongly as before the cap.
    assert!(a["multiple_accounts"].as_f64().unwrap() > 0.9, "{a}");
}

#[test]
fn a_profile_too_large_for_key_metadata_still_reads_back() {
    let w = World::new();
    let big: serde_json::Map<String, Value> = (0..100)
        .map(|i| (format!("field{i}"), json!("x".repeat(20))))
        .collect();
    let (s, _) = w.secret("PUT", "/account/big", json!({"id": "big", "metadata": big}));
    assert_eq!(s, 200);
    let (_, a) = w.secret("GET", "/account/big", Value::Null);
    assert_eq!(a["account"]["metadata"]["field99"], "x".repeat(20));
}

#[test]
fn accounts_sharing_a_mailbox_are_linked_by_email() {
    let w = World::new();
    let s1 = w.session_from("192.0.2.1", signals("b-one"));
    w.authenticate(
        &s1,
        json!({"id": "jd1", "email": "John.Doe+shop@gmail.com"}),
    );
    let s2 = w.session_from("192.0.2.2", signals("b-two"));
    let (_, second) = w.authenticate(&s2, json!({"id": "jd2", "email": "johndoe@googlemail.com"}));
    assert_eq!(second["accounts_linked"], 1);
    assert!(second["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "MULTI_SHARED_EMAIL"));
    // A third account gets the address by PUT, and shares jd1's browser too.
    let s3 = w.session_from("192.0.2.3", signals("b-one"));
    w.authenticate(&s3, json!({"id": "jd3"}));
    let (s, third) = w.secret(
        "PUT",
        "/account/jd3",
        json!({"id": "jd3", "email": "j.o.h.n.doe@gmail.com"}),
    );
    assert_eq!(s, 200);
    assert_eq!(third["accounts_linked"], 2);
    let (_, linked) = w.secret("GET", "/account/jd1/accounts-linked", Value::Null);
    let mut got: Vec<(String, Value)> = linked["accounts_linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["account_id"].as_str().unwrap().to_string(),
                l["match_type"].clone(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        [
            ("jd2".to_string(), json!(["email"])),
            ("jd3".to_string(), json!(["browser", "device", "email"]))
        ]
    );
    // Different mailboxes at one provider are not linked.
    let s4 = w.session_from("192.0.2.4", signals("b-four"));
    assert_eq!(
        w.authenticate(&s4, json!({"id": "jane", "email": "jane.doe@gmail.com"}))
            .1["accounts_linked"],
        0
    );
}

#[test]
fn deleting_an_account_leaves_no_index_or_link_key_behind() {
    let w = World::new();
    let s1 = w.session_from("192.0.2.1", signals("b-del"));
    w.authenticate(&s1, json!({"id": "stay", "email": "same@example.com"}));
    let s2 = w.session_from("192.0.2.2", signals("b-del"));
    w.authenticate(&s2, json!({"id": "leave", "email": "same@example.com"}));
    let keys_before = w.store.keys().len();
    assert_eq!(w.secret("DELETE", "/account/leave", Value::Null).0, 200);
    let after = w.store.keys();
    assert!(
        after
            .iter()
            .all(|k| !k.ends_with("/leave") && !k.contains("/leave/")),
        "{after:#?}"
    );
    assert!(after.len() < keys_before);
    let (_, stay) = w.secret("GET", "/account/stay", Value::Null);
    assert_eq!(stay["accounts_linked"], 0);
    // The survivor is still indexed: a newcomer with its mailbox links to it.
    let s3 = w.session_from("192.0.2.3", signals("b-new"));
    assert_eq!(
        w.authenticate(&s3, json!({"id": "newcomer", "email": "same@example.com"}))
            .1["accounts_linked"],
        1
    );
}

#[test]
fn a_script_declaring_itself_in_the_user_agent_is_a_bot() {
    let w = World::new();
    let (_, s) = w.call(
        "POST",
        "/session",
        &[
            ("x-public-key", DEMO_PUBLIC),
            ("user-agent", "python-requests/2.32.3"),
        ],
        "{}",
    );
    let sid = s["session_id"].as_str().unwrap().to_string();
    let (_, a) = w.authenticate(&sid, json!({"id": "scripted"}));
    assert_eq!(a["decision"], "Fake");
    assert!(a["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "BOT_CRAWLER_UA"));
}

#[test]
fn authenticate_lists_linked_accounts_when_asked() {
    let w = World::new();
    let s1 = w.session_from("192.0.2.1", signals("b-ask"));
    w.authenticate(
        &s1,
        json!({"id": "first", "email": "first@example.com", "metadata": {"plan": "pro"}}),
    );
    let s2 = w.session_from("192.0.2.2", signals("b-ask"));
    let body = json!({"session_id": s2, "account": {"id": "second"}}).to_string();
    let req = |query: &str| Request {
        query: query.into(),
        ..request(
            "POST",
            "/session/authenticate",
            &[("x-api-key", DEMO_SECRET)],
            body.clone(),
        )
    };
    let plain: Value = serde_json::from_str(&block_on(w.send(req(""))).body).unwrap();
    assert!(plain.get("linked_accounts").is_none());
    let asked: Value =
        serde_json::from_str(&block_on(w.send(req("accounts_linked=true"))).body).unwrap();
    assert_eq!(asked["linked_accounts"][0]["account_id"], "first");
    assert_eq!(asked["linked_accounts"][0]["metadata"]["plan"], "pro");
    assert_eq!(block_on(w.send(req("accounts_linked=maybe"))).status, 400);
}

#[test]
fn a_login_an_ocean_away_an_hour_later_is_impossible_travel() {
    let w = World::new();
    let session_in = |lat: f64, lon: f64, country: &str| {
        let geo = edgeward::api::Geo {
            country: country.into(),
            latitude: Some(lat),
            longitude: Some(lon),
            ..Default::default()
        };
        w.session_located("203.0.113.50", signals("b-travel"), geo)
    };
    let paris = session_in(48.86, 2.35, "FR");
    assert_eq!(
        w.authenticate(&paris, json!({"id": "traveller"})).1["risk_signals"],
        0.0
    );
    w.at(T0 + HOUR);
    let new_york = session_in(40.71, -74.01, "US");
    let (_, a) = w.authenticate(&new_york, json!({"id": "traveller"}));
    assert!(a["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "RISK_IMPOSSIBLE_TRAVEL"));
    assert_eq!(a["account"]["countries"], json!(["FR", "US"]));
    assert!(
        a["account"]["risk_signal_average"]["impossible_travel"]
            .as_f64()
            .unwrap()
            > 0.4
    );
    // Another account flying the same way in eight hours is not flagged.
    w.at(T0 + 2 * HOUR);
    let from = session_in(40.71, -74.01, "US");
    w.authenticate(&from, json!({"id": "flyer"}));
    w.at(T0 + 10 * HOUR);
    let to = session_in(48.86, 2.35, "FR");
    let (_, b) = w.authenticate(&to, json!({"id": "flyer"}));
    assert_eq!(
        b["session"]["risk_signal_scores"]["impossible_travel"], 0.0,
        "{b}"
    );
    assert!(!b["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "RISK_IMPOSSIBLE_TRAVEL"));
}

/// Risk signals by name: `(signal, score)` of a response's session.
fn session_signal(r: &Value, name: &str) -> f64 {
    r["session"]["risk_signal_scores"][name].as_f64().unwrap()
}

#[test]
fn tor_cloud_and_relay_addresses_raise_their_signals_from_the_open_data() {
    let w = World::new();
    // Addresses from iporigin's Tor, AWS and Apple Private Relay ranges.
    let cases = [
        ("185.220.101.1", "tor", "RISK_TOR"),
        ("3.5.140.2", "datacenter", "RISK_DATACENTER"),
        ("172.224.226.1", "proxy", "RISK_PROXY"),
    ];
    for (i, (ip, signal, code)) in cases.iter().enumerate() {
        let sid = w.session_from(ip, signals(&format!("net-{i}")));
        let (_, r) = w.authenticate(&sid, json!({"id": format!("net-{i}")}));
        assert!(session_signal(&r, signal) >= 0.5, "{ip}: {r}");
        assert_eq!(r["session"]["risk_signals"][signal], true);
        assert!(
            r["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["code"] == *code),
            "{ip}: {r}"
        );
        assert!(!r["session"]["network"]["service_provider"]
            .as_str()
            .unwrap()
            .is_empty());
    }
    // Tor is decisive; a cloud address alone reaches Suspicious; a relay alone stays Real.
    let decision =
        |id: &str| w.secret("GET", &format!("/account/{id}"), Value::Null).1["decision"].clone();
    assert_ne!(decision("net-0"), "Real");
    assert_eq!(decision("net-2"), "Real");
}

#[test]
fn a_browser_set_up_far_from_its_address_is_a_device_network_mismatch() {
    let w = World::new();
    // A Deutsche Telekom address: the table places it in Germany.
    let far = json!({"browser_id": "far", "window": {"userAgent": "Mozilla/5.0",
        "timezone": "America/Los_Angeles", "languages": ["en-US"]}});
    let sid = w.session_from("80.156.0.1", far);
    let (_, r) = w.authenticate(&sid, json!({"id": "far"}));
    assert_eq!(r["session"]["location"]["country_code"], "DE");
    assert!(session_signal(&r, "device_network_mismatch") >= 0.8, "{r}");
    let home = json!({"browser_id": "home", "window": {"userAgent": "Mozilla/5.0",
        "timezone": "Europe/Berlin", "languages": ["de-DE"]}});
    let sid = w.session_from("80.156.0.1", home);
    let (_, r) = w.authenticate(&sid, json!({"id": "home"}));
    assert_eq!(session_signal(&r, "device_network_mismatch"), 0.0, "{r}");
}

#[test]
fn an_address_used_by_a_fake_account_is_recent_fraud_for_the_next() {
    let w = World::new();
    let mut bot = signals("fraud-bot");
    bot["window"]["webdriver"] = json!(true);
    let sid = w.session_from("192.0.2.66", bot);
    let (_, fake) = w.authenticate(&sid, json!({"id": "fraudster"}));
    assert_eq!(fake["decision"], "Fake");
    assert_eq!(session_signal(&fake, "recent_fraud_ip"), 0.0);

    let sid = w.session_from("192.0.2.66", signals("next-door"));
    let (_, r) = w.authenticate(&sid, json!({"id": "neighbour"}));
    assert_eq!(session_signal(&r, "recent_fraud_ip"), 0.5, "{r}");
    assert!(r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["code"] == "RISK_RECENT_FRAUD_IP"));
    // Another address is untouched, and the mark expires after a week.
    let sid = w.session_from("192.0.2.67", signals("elsewhere"));
    let (_, other) = w.authenticate(&sid, json!({"id": "elsewhere"}));
    assert_eq!(session_signal(&other, "recent_fraud_ip"), 0.0);
    w.at(T0 + 8 * DAY);
    let sid = w.session_from("192.0.2.66", signals("next-week"));
    let (_, later) = w.authenticate(&sid, json!({"id": "next-week"}));
    assert_eq!(session_signal(&later, "recent_fraud_ip"), 0.0);
}

/// A world whose demo project allows `public` browser requests a minute per address and
/// `secret` server requests a minute per key, with a second secret key (rotation).
fn limited(public: u32, secret: u32) -> World {
    World::with_projects(projects(json!({
        "secret_key_sha256": [sha(DEMO_SECRET), sha("sk_test_demo_rotated")],
        "rate_limits": {"public_per_minute": public, "secret_per_minute": secret}
    })))
}

fn nonce_from(w: &World, ip: &str, public_key: &str) -> edgeward::api::Response {
    w.call_raw(
        "POST",
        "/session/nonce",
        &[("x-public-key", public_key), ("x-forwarded-for", ip)],
        "",
    )
}

#[test]
fn a_client_address_past_the_public_limit_gets_429_until_the_next_minute() {
    let w = limited(3, 1_000);
    w.at(T0 - T0 % 60_000 + 15_000); // 15 s into a minute
    for _ in 0..3 {
        assert_eq!(nonce_from(&w, "198.51.100.9", DEMO_PUBLIC).status, 200);
    }
    let r = nonce_from(&w, "198.51.100.9", DEMO_PUBLIC);
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("45"));
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["statusCode"], 429);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("3 requests a minute"));
    // POST /session counts in the same budget: the address is over it.
    let (s, _) = w.call(
        "POST",
        "/session",
        &[
            ("x-public-key", DEMO_PUBLIC),
            ("x-forwarded-for", "198.51.100.9"),
        ],
        &signals("b-limited").to_string(),
    );
    assert_eq!(s, 429);

    // Another address of the same project, and the same address on another project, pass.
    assert_eq!(nonce_from(&w, "198.51.100.10", DEMO_PUBLIC).status, 200);
    assert_eq!(nonce_from(&w, "198.51.100.9", OTHER_PUBLIC).status, 200);

    // The next minute passes.
    w.at(T0 - T0 % 60_000 + 60_000);
    assert_eq!(nonce_from(&w, "198.51.100.9", DEMO_PUBLIC).status, 200);
}

#[test]
fn a_browser_over_its_limit_can_read_retry_after_across_origins() {
    let w = limited(1, 1_000);
    let headers = [
        ("x-public-key", DEMO_PUBLIC),
        ("x-forwarded-for", "198.51.100.20"),
        ("origin", "https://app.example"),
    ];
    assert_eq!(
        w.call_raw("POST", "/session/nonce", &headers, "").status,
        200
    );
    let r = w.call_raw("POST", "/session/nonce", &headers, "");
    assert_eq!(r.status, 429);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("Retry-After")
    );
}

#[test]
fn an_ipv6_subscriber_is_one_client_whatever_its_interface_id() {
    let w = limited(2, 1_000);
    assert_eq!(nonce_from(&w, "2001:db8:5:6::1", DEMO_PUBLIC).status, 200);
    assert_eq!(nonce_from(&w, "2001:db8:5:6::2", DEMO_PUBLIC).status, 200);
    assert_eq!(
        nonce_from(&w, "2001:db8:5:6:a:b:c:d", DEMO_PUBLIC).status,
        429
    );
    assert_eq!(nonce_from(&w, "2001:db8:5:7::1", DEMO_PUBLIC).status, 200);
}

#[test]
fn each_secret_key_has_its_own_budget_and_bad_keys_spend_none() {
    let w = limited(1_000, 2);
    for _ in 0..5 {
        let (s, _) = w.call("GET", "/list", &[("x-api-key", "sk_wrong")], "");
        assert_eq!(s, 401);
    }
    assert_eq!(w.secret("GET", "/list", Value::Null).0, 200);
    assert_eq!(w.secret("GET", "/account/nobody", Value::Null).0, 404);
    let r = w.call_raw("GET", "/list", &[("x-api-key", DEMO_SECRET)], "");
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.header("retry-after").is_some());
    assert!(r.body.contains("one secret key"));
    // The project's other key, in Authorization: Bearer, counts apart.
    let (s, _) = w.call(
        "GET",
        "/list",
        &[("authorization", "Bearer sk_test_demo_rotated")],
        "",
    );
    assert_eq!(s, 200);
    // So does the other project's key.
    let (s, _) = w.call("GET", "/list", &[("x-api-key", OTHER_SECRET)], "");
    assert_eq!(s, 200);
}

#[test]
fn projects_without_rate_limits_get_the_documented_defaults() {
    let json = json!([{"id": "plain", "secret_key_sha256": [sha(DEMO_SECRET)],
                       "public_keys": [DEMO_PUBLIC]}]);
    let w = World::with_projects(json);
    w.at(T0 - T0 % 60_000);
    let admitted = (0..100)
        .take_while(|_| nonce_from(&w, "192.0.2.44", DEMO_PUBLIC).status == 200)
        .count();
    assert_eq!(admitted, 60);
    let admitted = (0..400)
        .take_while(|_| w.secret("GET", "/list", Value::Null).0 == 200)
        .count();
    assert_eq!(admitted, 300);
}

fn fold(w: &World) -> edgeward::state::population::Folded {
    block_on(edgeward::state::population::fold(
        &w.store,
        &edgeward::store::Keys::new("demo"),
        usize::MAX,
    ))
    .unwrap()
}

fn keys_under(w: &World, prefix: &str) -> Vec<String> {
    w.store
        .keys()
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

#[test]
fn an_authenticated_session_reaches_the_population_index_once_through_the_journal() {
    let w = World::new();
    // The project's first fold rebuilds from scratch; every later one folds the journal.
    assert!(fold(&w).rebuilt);
    let s1 = w.session_from("192.0.2.1", signals("pop-b1"));
    w.authenticate(&s1, json!({"id": "ann"}));
    // Authenticated again: still one arrival, as the account still has one session.
    w.authenticate(&s1, json!({"id": "ann"}));
    let s2 = w.session_from("192.0.2.1", signals("pop-b1"));
    w.authenticate(&s2, json!({"id": "ann"}));
    assert_eq!(keys_under(&w, "p/demo/j/").len(), 2);
    let f = fold(&w);
    assert!(!f.rebuilt);
    assert_eq!(f.arrivals, 2);
    assert_eq!((f.population.sessions, f.population.devices), (2, 1));
    assert!(keys_under(&w, "p/demo/j/").is_empty());
    // Nothing new: the next fold reads and writes a handful of keys.
    let idle = fold(&w);
    assert_eq!(idle.arrivals, 0);
    assert!(idle.operations <= 6, "{}", idle.operations);
    let full = block_on(edgeward::state::population::rebuild(
        &w.store,
        &edgeward::store::Keys::new("demo"),
    ))
    .unwrap();
    assert_eq!(f.population, full.population);
}

#[test]
fn deleting_an_account_deletes_its_journal_entries_and_forgets_the_browsers_only_it_showed() {
    let w = World::new();
    fold(&w);
    let s1 = w.session_from("192.0.2.1", signals("pop-shared"));
    w.authenticate(&s1, json!({"id": "keep"}));
    let s2 = w.session_from("192.0.2.2", signals("pop-shared"));
    w.authenticate(&s2, json!({"id": "gone"}));
    let s3 = w.session_from("192.0.2.2", signals("pop-own"));
    w.authenticate(&s3, json!({"id": "gone"}));
    fold(&w);
    assert_eq!(keys_under(&w, "p/demo/pd/").len(), 2);
    // One more arrival, not folded yet: its journal entry names the account and the session.
    let s4 = w.session_from("192.0.2.2", signals("pop-own"));
    w.authenticate(&s4, json!({"id": "gone"}));
    assert_eq!(keys_under(&w, "p/demo/j/").len(), 1);

    assert_eq!(w.secret("DELETE", "/account/gone", Value::Null).0, 200);
    assert!(keys_under(&w, "p/demo/j/").is_empty());
    let left = w.store.keys();
    assert!(
        left.iter()
            .all(|k| !k.contains("/gone") && !k.contains(&s4)),
        "{left:#?}"
    );
    // The browser only the deleted account showed is forgotten; the shared one stays counted.
    assert_eq!(keys_under(&w, "p/demo/pd/").len(), 1);
    assert_eq!(fold(&w).population.devices, 2);
}

/// An account with a long history: old sessions are folded into a rollup, so its prefix stays a
/// few hundred keys, its figures count every session, and deleting it leaves nothing.
#[test]
fn a_long_history_is_folded_counted_whole_and_deleted_whole() {
    let w = World::new();
    let n = 600i64;
    let mut last = String::new();
    for i in 0..n {
        w.at(T0 + i * HOUR);
        let browser = format!("long-{}", i / 250);
        last = w.session_from(&format!("198.51.100.{}", i % 200), signals(&browser));
        let (s, a) = w.authenticate(&last, json!({"id": "long"}));
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["account"]["num_sessions"], i + 1);
    }
    let sessions = keys_under(&w, "p/demo/a/long/s/").len();
    let rollups = keys_under(&w, "p/demo/a/long/h/");
    assert!(sessions <= 200 + 64, "{sessions} session keys kept");
    assert_eq!(rollups.len(), 1, "{rollups:?}");

    let (s, a) = w.secret("GET", "/account/long", Value::Null);
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["num_sessions"], n);
    assert_eq!(a["first_seen"], "2026-05-28T20:26:40.000Z");
    assert_eq!(a["last_session"], last.as_str());
    // Folded sessions no longer have ids to list; the kept ones are listed oldest first.
    let (_, ids) = w.secret("GET", "/account/long/sessions", Value::Null);
    assert_eq!(ids["sessions"].as_array().unwrap().len(), sessions);
    // The browser of the first 250 sessions is folded away and still the account's own: a new
    // account on it is linked to this one.
    let other = w.session_from("203.0.113.9", signals("long-0"));
    let (_, b) = w.authenticate(&other, json!({"id": "newcomer"}));
    assert!(
        reason_codes(&b).iter().any(|c| c.starts_with("MULTI_")),
        "{b}"
    );

    assert_eq!(w.secret("DELETE", "/account/long", Value::Null).0, 200);
    let left = w.store.keys();
    assert!(
        left.iter()
            .all(|k| !k.contains("/long/") && !k.ends_with("/long")),
        "{:#?}",
        left.iter()
            .filter(|k| k.contains("long"))
            .collect::<Vec<_>>()
    );
}
