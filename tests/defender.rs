//! HUMAN's Account Defender endpoints, server events, incidents, feedback, deletion, lists and
//! webhooks over the in-memory store. (The same stories run against the real worker in
//! `tests/e2e/`.)

mod common;

use common::*;
use edgeward::schema::time::{DAY, HOUR};
use serde_json::{json, Value};

const OWNER_IP: &str = "203.0.113.7";
const THIEF_IP: &str = "198.51.100.9";

/// Paris on `asn`.
fn paris(asn: u32) -> edgeward::api::Geo {
    edgeward::api::Geo {
        country: "FR".into(),
        asn: Some(asn),
        ..Default::default()
    }
}

/// Five days of the owner on one browser at home, then a login from another browser, network
/// and address in the owner's city: nothing the owner has shown, so it steps up (Suspicious,
/// `ATO_NEW_DEVICE_AND_IP`); no incident opens until a credential change or a failed second
/// factor continues it.
fn owner_then_thief(w: &World, account: &str) -> String {
    for day in 0..5 {
        w.at(T0 + day * DAY);
        let s = w.session_located(OWNER_IP, signals("owner-b"), paris(3215));
        w.authenticate(&s, json!({"id": account, "email": "owner@example.com"}));
    }
    w.at(T0 + 5 * DAY);
    let thief = w.session_located(THIEF_IP, signals("thief-b"), paris(51207));
    let (s, r) = w.authenticate(&thief, json!({"id": account}));
    assert_eq!(s, 200);
    let score = r["account_takeover"].as_f64().unwrap();
    assert!(score >= 0.5, "{r}");
    assert_eq!(r["decision"], "Suspicious", "{r}");
    assert!(reason_codes(&r).contains(&"ATO_NEW_DEVICE_AND_IP"), "{r}");
    let (_, info) = w.secret(
        "GET",
        &format!("/api/v2/account_defender/account/{}", encode(account)),
        Value::Null,
    );
    assert_eq!(info["is_under_attack"], false, "{info}");
    thief
}

/// `raw` as one path segment: every byte but unreserved ones percent-encoded.
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn event(w: &World, body: Value) -> Value {
    let (s, r) = w.secret("POST", "/event", body);
    assert_eq!(s, 200, "{r}");
    r
}

fn v2(w: &World, account: &str, query: &str) -> Value {
    let (s, r) = w.secret(
        "GET",
        &format!("/api/v2/account_defender/account/{account}{query}"),
        Value::Null,
    );
    assert_eq!(s, 200, "{r}");
    r
}

#[test]
fn a_password_change_after_a_login_from_a_new_browser_opens_one_takeover_incident() {
    let w = World::new();
    let thief = owner_then_thief(&w, "ann");
    let change = json!({"account_id": "ann", "type": "password_change", "session_id": thief});
    let first = event(&w, change.clone());
    assert_eq!(first["incidents_opened"].as_array().unwrap().len(), 1);
    assert_eq!(
        first["incidents_opened"][0]["attack_type"],
        "account_takeover"
    );
    // The same evidence again: the incident exists, nothing new opens.
    assert_eq!(event(&w, change)["incidents_opened"], json!([]));
    event(
        &w,
        json!({"account_id": "ann", "type": "send_message", "session_id": thief,
               "path": "/inbox/conversations/messages"}),
    );

    let info = v2(&w, "ann", "");
    assert_eq!(info["exists"], true);
    assert_eq!(info["is_under_attack"], true);
    assert_eq!(info["email"], "owner@example.com");
    let active = info["active_incidents"].as_array().unwrap();
    assert_eq!(active.len(), 1);
    let add = &active[0]["additional"];
    assert_eq!(add["ip"], THIEF_IP);
    assert_eq!(add["vid"], "thief-b");
    assert_eq!(add["email"], "owner@example.com");
    assert_eq!(add["account_age"], 5 * 24);
    assert_eq!(active[0]["event_type"], "single");
    assert_eq!(active[0]["is_manually_created"], false);
    let agg = &info["aggregative_data"];
    assert_eq!(agg["sensitive_transactions"], json!(["send_message"]));
    let cats = agg["trigger_categories"].as_array().unwrap();
    assert!(
        cats.contains(&json!("behavior")) && cats.contains(&json!("device")),
        "{agg}"
    );
    // The account's own scores carry the flow.
    let (_, account) = w.secret("GET", "/account/ann", Value::Null);
    assert!(account["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "ATO_CREDENTIAL_CHANGE"));
    assert_ne!(account["decision"], "Real");
}

#[test]
fn a_credential_change_adds_to_the_pending_incident_its_login_opened() {
    let w = World::new();
    // A session from `ip` placed by `request.cf` in `country` on network `asn`.
    let located = |ip: &str, signals: Value, country: &str, lat: f64, lon: f64, asn: u32| {
        let req = edgeward::api::Request {
            geo: Some(edgeward::api::Geo {
                country: country.into(),
                latitude: Some(lat),
                longitude: Some(lon),
                asn: Some(asn),
                ..Default::default()
            }),
            ..request(
                "POST",
                "/session",
                &[("x-public-key", DEMO_PUBLIC), ("x-forwarded-for", ip)],
                signals.to_string(),
            )
        };
        let created: Value =
            serde_json::from_str(&futures::executor::block_on(w.send(req)).body).unwrap();
        created["session_id"].as_str().unwrap().to_string()
    };
    for day in 0..5 {
        w.at(T0 + day * DAY);
        let s = located(OWNER_IP, signals("owner-b"), "FR", 48.86, 2.35, 3215);
        w.authenticate(&s, json!({"id": "hal"}));
    }
    w.at(T0 + 5 * DAY + 12 * HOUR);
    // A far-away country and network, another device, at night: the login alone opens a takeover.
    let mut thief_signals = signals("far-b");
    thief_signals["window"]["userAgent"] =
        json!("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    let sid = located(THIEF_IP, thief_signals, "NG", 6.45, 3.39, 37148);
    let sid = sid.as_str();
    let (_, auth) = w.authenticate(sid, json!({"id": "hal"}));
    assert!(auth["account_takeover"].as_f64().unwrap() >= 0.5, "{auth}");
    let before = v2(&w, "hal", "")["active_incidents"][0].clone();
    let r = event(
        &w,
        json!({"account_id": "hal", "type": "password_change", "session_id": sid}),
    );
    assert_eq!(r["incidents_opened"], json!([]));
    let after = v2(&w, "hal", "");
    assert_eq!(after["active_incidents"].as_array().unwrap().len(), 1);
    let grown = &after["active_incidents"][0];
    assert!(grown["risk_score"].as_f64() > before["risk_score"].as_f64());
    assert_eq!(grown["incident_creation"], before["incident_creation"]);
    let cats = after["aggregative_data"]["trigger_categories"]
        .as_array()
        .unwrap();
    assert!(cats.contains(&json!("behavior")), "{after}");
}

#[test]
fn a_failed_second_factor_opens_the_takeover_and_the_owners_pass_closes_it() {
    let w = World::new();
    let login = owner_then_thief(&w, "ivy");
    for (body, status, word) in [
        (
            json!({"account_id": "ivy", "type": "challenge_succeeded"}),
            400,
            "session_id",
        ),
        (
            json!({"account_id": "ivy", "type": "challenge_failed", "session_id": "s-nope"}),
            404,
            "s-nope",
        ),
        // Another account's login is not this account's to verify.
        (
            json!({"account_id": "other", "type": "challenge_succeeded", "session_id": login}),
            404,
            "other",
        ),
    ] {
        let (s, e) = w.secret("POST", "/event", body.clone());
        assert_eq!(s, status, "{body}: {e}");
        assert!(e["message"].as_str().unwrap().contains(word), "{e}");
    }
    assert_eq!(v2(&w, "ivy", "")["is_under_attack"], false);

    // Whoever logged in holds the password and failed the second factor.
    let failed = event(
        &w,
        json!({"account_id": "ivy", "type": "challenge_failed", "session_id": login}),
    );
    let opened = failed["incidents_opened"].as_array().unwrap();
    assert_eq!(opened.len(), 1, "{failed}");
    assert_eq!(opened[0]["attack_type"], "account_takeover");
    let info = v2(&w, "ivy", "");
    assert_eq!(info["is_under_attack"], true);

    // It was the owner, who mistyped the code and then passed: the incident closes, and the
    // password change that follows is no takeover flow.
    event(
        &w,
        json!({"account_id": "ivy", "type": "challenge_succeeded", "session_id": login}),
    );
    assert_eq!(v2(&w, "ivy", "")["is_under_attack"], false);
    let change = event(
        &w,
        json!({"account_id": "ivy", "type": "password_change", "session_id": login}),
    );
    assert_eq!(change["incidents_opened"], json!([]));
    assert_eq!(v2(&w, "ivy", "")["is_under_attack"], false);
    let (_, account) = w.secret("GET", "/account/ivy", Value::Null);
    assert_eq!(account["decision"], "Real", "{account}");
    assert!(!reason_codes(&account).contains(&"ATO_CREDENTIAL_CHANGE"));
}

#[test]
fn a_password_change_after_a_login_the_owner_verified_is_no_takeover_flow() {
    // The same login and change as `a_password_change_after_a_login_from_a_new_browser_…`,
    // which opens a takeover, with the second factor passed in between.
    let w = World::new();
    let login = owner_then_thief(&w, "joy");
    let passed = event(
        &w,
        json!({"account_id": "joy", "type": "challenge_succeeded", "session_id": login}),
    );
    assert_eq!(passed["incidents_opened"], json!([]));
    let change = event(
        &w,
        json!({"account_id": "joy", "type": "password_change", "session_id": login}),
    );
    assert_eq!(change["incidents_opened"], json!([]));
    assert_eq!(v2(&w, "joy", "")["is_under_attack"], false);
    // A failure reported after the pass changes nothing either.
    let late = event(
        &w,
        json!({"account_id": "joy", "type": "challenge_failed", "session_id": login}),
    );
    assert_eq!(late["incidents_opened"], json!([]));
}

#[test]
fn the_owners_password_change_from_their_usual_browser_opens_nothing() {
    let w = World::new();
    for day in 0..5 {
        w.at(T0 + day * DAY);
        let s = w.session_from(OWNER_IP, signals("owner-b"));
        w.authenticate(&s, json!({"id": "bob"}));
    }
    let r = event(&w, json!({"account_id": "bob", "type": "password_change"}));
    assert_eq!(r["incidents_opened"], json!([]));
    let info = v2(&w, "bob", "");
    assert_eq!(info["is_under_attack"], false);
    assert!(info.get("active_incidents").is_none());
}

#[test]
fn an_unknown_account_answers_only_its_id_and_exists() {
    let w = World::new();
    assert_eq!(
        v2(&w, "nobody", ""),
        json!({"account_id": "nobody", "exists": false})
    );
    let (s, v1) = w.secret(
        "GET",
        "/api/v1/account_defender/account/nobody",
        Value::Null,
    );
    assert_eq!(s, 200);
    assert_eq!(
        v1,
        json!({"account_id": "nobody", "is_under_attack": false, "risk_score": 0, "exists": false})
    );
}

#[test]
fn days_range_windows_include_both_edges_and_nothing_beyond() {
    let w = World::new();
    w.at(T0 + 30 * DAY);
    let now = T0 + 30 * DAY;
    event(
        &w,
        json!({"account_id": "cy", "type": "withdraw", "timestamp": now - 7 * DAY}),
    );
    event(
        &w,
        json!({"account_id": "cy", "type": "send_gift", "timestamp": now - 7 * DAY - 1}),
    );
    let week = v2(&w, "cy", "?days_range=7");
    assert_eq!(
        week["aggregative_data"]["sensitive_transactions"],
        json!(["withdraw"])
    );
    let month = v2(&w, "cy", "?days_range=30");
    assert_eq!(
        month["aggregative_data"]["sensitive_transactions"],
        json!(["send_gift", "withdraw"])
    );
    w.at(now + 5 * DAY);
    assert!(v2(&w, "cy", "?days_range=1")
        .get("aggregative_data")
        .is_none());
    for bad in ["0", "366", "1.5", "week"] {
        let (s, e) = w.secret(
            "GET",
            &format!("/v2/account_defender/account/cy?days_range={bad}"),
            Value::Null,
        );
        assert_eq!(s, 400, "{bad}");
        assert!(e["message"].as_str().unwrap().contains("days_range"));
    }
}

#[test]
fn feedback_no_attack_closes_the_incident_and_the_same_evidence_does_not_reopen_it() {
    let w = World::new();
    let thief = owner_then_thief(&w, "dee");
    event(
        &w,
        json!({"account_id": "dee", "type": "email_change", "session_id": thief}),
    );
    assert_eq!(v2(&w, "dee", "")["is_under_attack"], true);
    let (s, r) = w.secret(
        "POST",
        "/api/v1/account_defender/account/update_status",
        json!({"accountIds": ["dee"], "attackType": "ato", "status": "resolved", "result": "no_attack"}),
    );
    assert_eq!((s, r), (200, json!({})));
    assert_eq!(v2(&w, "dee", "")["is_under_attack"], false);
    let again = event(
        &w,
        json!({"account_id": "dee", "type": "password_change", "session_id": thief}),
    );
    assert_eq!(again["incidents_opened"], json!([]));
    assert_eq!(v2(&w, "dee", "")["is_under_attack"], false);
    // A false positive no longer weighs on the account's takeover score.
    let (_, account) = w.secret("GET", "/account/dee", Value::Null);
    assert!(!account["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "ATO_CREDENTIAL_CHANGE"));
}

#[test]
fn a_missed_attack_reported_by_feedback_is_a_manual_incident_v1_selects() {
    let w = World::new();
    event(&w, json!({"account_id": "eve", "type": "registration"}));
    let (s, _) = w.secret(
        "POST",
        "/api/v1/account_defender/account/update_status",
        json!({"accountIds": ["eve"], "attackType": "fa", "status": "pending", "result": "manually_identified"}),
    );
    assert_eq!(s, 200);
    let (_, v1) = w.secret(
        "GET",
        "/api/v1/account_defender/account/eve?attack_types=fake_account",
        Value::Null,
    );
    assert_eq!(
        v1,
        json!({"account_id": "eve", "is_under_attack": true, "is_manually_created": true,
               "risk_score": 100, "exists": true})
    );
    let (_, ato_only) = w.secret(
        "GET",
        "/api/v1/account_defender/account/eve?attack_types=ato",
        Value::Null,
    );
    assert_eq!(ato_only["is_under_attack"], false);
    assert_eq!(ato_only["risk_score"], 0);
    assert_eq!(
        v2(&w, "eve", "")["active_incidents"][0]["is_manually_created"],
        true
    );
    // Two weeks later a manual incident is archived.
    w.at(T0 + 15 * DAY);
    assert_eq!(v2(&w, "eve", "")["is_under_attack"], false);
}

#[test]
fn bad_events_and_feedback_get_a_400_naming_the_field() {
    let w = World::new();
    for (body, word) in [
        (json!({"type": "login_failed"}), "account_id"),
        (json!({"account_id": "x"}), "type"),
        (json!({"account_id": "x", "type": "Send Message"}), "type"),
        (json!({"account_id": "x", "type": "a".repeat(65)}), "type"),
        (
            json!({"account_id": "x", "type": "withdraw", "ip": "10.0.0.300"}),
            "ip",
        ),
        (
            json!({"account_id": "x", "type": "withdraw", "timestamp": T0 + HOUR}),
            "future",
        ),
        (
            json!({"account_id": "x", "type": "withdraw", "timestamp": "yesterday"}),
            "timestamp",
        ),
        (
            json!({"account_id": "x", "type": "withdraw", "metadata": [1]}),
            "metadata",
        ),
    ] {
        let (s, e) = w.secret("POST", "/event", body.clone());
        assert_eq!(s, 400, "{body}");
        assert!(e["message"].as_str().unwrap().contains(word), "{e}");
    }
    event(&w, json!({"account_id": "known", "type": "registration"}));
    for (body, status, word) in [
        (
            json!({"accountIds": [], "attackType": "ato", "status": "pending"}),
            400,
            "accountIds",
        ),
        (
            json!({"accountIds": ["known"], "attackType": "x", "status": "pending"}),
            400,
            "attackType",
        ),
        (
            json!({"accountIds": ["known"], "attackType": "ato", "status": "resolved"}),
            400,
            "result",
        ),
        (
            json!({"accountIds": ["known"], "attackType": "ato", "status": "pending", "result": "no_attack"}),
            400,
            "result",
        ),
        (
            json!({"accountIds": ["known", "ghost"], "attackType": "ato", "status": "pending"}),
            404,
            "ghost",
        ),
    ] {
        let (s, e) = w.secret(
            "POST",
            "/api/v1/account_defender/account/update_status",
            body.clone(),
        );
        assert_eq!(s, status, "{body}");
        assert!(e["message"].as_str().unwrap().contains(word), "{e}");
    }
    // The 404 changed nothing, not even for the known account.
    assert_eq!(v2(&w, "known", "")["is_under_attack"], false);
}

#[test]
fn the_webhook_of_an_opened_incident_is_signed_and_sent_after_the_response() {
    let secret = "whsec_test_0123456789";
    let w = World::with_projects(projects(
        json!({"webhook": {"url": "https://hooks.example/edgeward", "secret": secret}}),
    ));
    let thief = owner_then_thief(&w, "fay");
    let body = json!({"account_id": "fay", "type": "password_change", "session_id": thief});
    let r = w.call_raw(
        "POST",
        "/event",
        &[("x-api-key", DEMO_SECRET)],
        &body.to_string(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.deferred.len(), 1);
    let d = &r.deferred[0];
    assert_eq!(d.url, "https://hooks.example/edgeward");
    assert_eq!(
        d.signature,
        edgeward::state::webhooks::sign(secret, &d.body)
    );
    let sent: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(sent["user_id"], "fay");
    assert_eq!(sent["attack_type"], "ato");
    assert_eq!(sent["additional"]["ip"], THIEF_IP);
    assert!(sent["attack_patterns"]
        .as_array()
        .unwrap()
        .contains(&json!("ATO_CREDENTIAL_CHANGE")));
    // Nothing opens the second time, so nothing is sent.
    let again = w.call_raw(
        "POST",
        "/event",
        &[("x-api-key", DEMO_SECRET)],
        &body.to_string(),
    );
    assert!(again.deferred.is_empty());
}

#[test]
fn accounts_failing_logins_from_one_address_raise_velocity_for_the_next_login() {
    let w = World::new();
    for i in 0..8 {
        event(
            &w,
            json!({"account_id": format!("victim-{i}"), "type": "login_failed", "ip": THIEF_IP}),
        );
    }
    let s = w.session_from(THIEF_IP, signals("stuffer"));
    let (_, r) = w.authenticate(&s, json!({"id": "victim-9"}));
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "ATO_VELOCITY"),
        "{r}"
    );
    let calm = w.session_from(OWNER_IP, signals("calm"));
    let (_, c) = w.authenticate(&calm, json!({"id": "someone"}));
    assert!(!c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["code"] == "ATO_VELOCITY"));
}

#[test]
fn a_farm_on_one_browser_opens_cluster_incidents_on_its_accounts() {
    let w = World::new();
    for i in 0..10 {
        let s = w.session_from(&format!("192.0.2.{}", i + 1), signals("farm-b"));
        w.authenticate(&s, json!({"id": format!("farm-{i}")}));
    }
    let last = v2(&w, "farm-9", "");
    assert_eq!(last["is_under_attack"], true, "{last}");
    let incident = &last["active_incidents"][0];
    assert_eq!(incident["attack_type"], "fake_account");
    assert_eq!(incident["event_type"], "cluster");
    // The first account of the farm was hit together with the others.
    let first = v2(&w, "farm-0", "");
    assert_eq!(first["active_incidents"][0]["event_type"], "cluster");
    assert_eq!(first["active_incidents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_cluster_incident_never_reaches_an_account_with_a_long_history_of_its_own() {
    let w = World::new();
    // Someone has used this browser for weeks before a farm appears on it.
    let s = w.session_from("198.51.100.7", signals("farm-b"));
    w.authenticate(&s, json!({"id": "veteran"}));
    w.at(T0 + 8 * DAY);
    for i in 0..10 {
        let s = w.session_from(&format!("192.0.2.{}", i + 1), signals("farm-b"));
        w.authenticate(&s, json!({"id": format!("farm-{i}")}));
    }
    let last = v2(&w, "farm-9", "");
    assert_eq!(last["is_under_attack"], true, "{last}");
    let first = v2(&w, "farm-0", "");
    assert_eq!(first["active_incidents"][0]["event_type"], "cluster");
    let veteran = v2(&w, "veteran", "");
    assert_eq!(veteran["is_under_attack"], false, "{veteran}");
}

#[test]
fn a_cluster_incident_never_reaches_an_account_over_a_weak_link() {
    let w = World::new();
    // Strangers, young accounts, each on their own browser and address, on the same device
    // model as the farm that follows (one popular fingerprint): context, not one person.
    let on_the_farms_model = |browser: &str| {
        let mut s = signals(browser);
        s["window"]["platform"] = json!("test-farm-b");
        s
    };
    for i in 0..6 {
        let s = w.session_from(
            &format!("198.51.100.{}", i + 20),
            on_the_farms_model(&format!("own-{i}")),
        );
        w.authenticate(&s, json!({"id": format!("stranger-{i}")}));
    }
    w.at(T0 + DAY);
    for i in 0..10 {
        let s = w.session_from(&format!("192.0.2.{}", i + 1), signals("farm-b"));
        w.authenticate(&s, json!({"id": format!("farm-{i}")}));
    }
    let last = v2(&w, "farm-9", "");
    assert_eq!(last["is_under_attack"], true, "{last}");
    for i in 0..6 {
        let stranger = v2(&w, &format!("stranger-{i}"), "");
        assert_eq!(
            stranger["is_under_attack"], false,
            "stranger-{i}: {stranger}"
        );
    }
}

#[test]
fn delete_user_data_leaves_no_key_naming_the_account_and_spares_the_others() {
    let w = World::new();
    let gone = "gone/é";
    let enc = "gone%2F%C3%A9";
    let thief = owner_then_thief(&w, gone);
    let s = w.session_from(OWNER_IP, signals("owner-b"));
    w.authenticate(&s, json!({"id": "stays"}));
    for kind in ["login_failed", "password_change", "send_message"] {
        event(
            &w,
            json!({"account_id": gone, "type": kind, "session_id": thief, "ip": THIEF_IP}),
        );
    }
    w.secret("POST", "/list/vip", json!({}));
    assert_eq!(
        w.secret("POST", &format!("/list/vip/account/{enc}"), Value::Null)
            .0,
        200
    );
    w.secret(
        "POST",
        "/api/v1/account_defender/account/update_status",
        json!({"accountIds": [gone], "attackType": "ato", "status": "resolved", "result": "resolved"}),
    );
    assert!(w.store.keys().iter().any(|k| k.contains(enc)));

    let (s, e) = w.secret(
        "POST",
        "/api/v1/account_defender/account/delete_user_data",
        json!({"app_id": "other", "user_ids": [gone], "inform_users": []}),
    );
    assert_eq!(s, 400, "{e}");
    let (s, r) = w.secret(
        "POST",
        "/api/v1/account_defender/account/delete_user_data",
        json!({"app_id": "demo", "user_ids": [gone, "never-existed"], "inform_users": ["owner@example.com"]}),
    );
    assert_eq!((s, r), (200, json!({})));
    let left = w.store.keys();
    assert!(left.iter().all(|k| !k.contains(enc)), "{left:#?}");
    assert!(left.iter().all(|k| !k.contains(&thief)), "{left:#?}");
    assert_eq!(v2(&w, enc, "")["exists"], false);
    let (_, vip) = w.secret("GET", "/list/vip", Value::Null);
    assert_eq!(vip["accounts"], json!([]));
    let (s, stays) = w.secret("GET", "/account/stays", Value::Null);
    assert_eq!(s, 200);
    assert_eq!(stays["num_sessions"], 1);
    assert_eq!(stays["accounts_linked"], 0);
}

#[test]
fn lists_hold_accounts_and_the_built_ins_exclude_each_other() {
    let w = World::new();
    let s = w.session_from(OWNER_IP, signals("l-b"));
    w.authenticate(&s, json!({"id": "gil"}));
    let (_, all) = w.secret("GET", "/list", Value::Null);
    let names: Vec<&str> = all["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["allow", "block", "main_account"]);
    assert_eq!(
        w.secret("POST", "/list/us_users", json!({"list_description": "US"}))
            .0,
        200
    );
    let (s, dup) = w.secret("POST", "/list/us_users", json!({}));
    assert_eq!(
        (s, dup["message"].as_str()),
        (400, Some("List already exists."))
    );
    assert_eq!(
        w.secret("POST", "/list/us_users/account/gil", Value::Null)
            .0,
        200
    );
    assert_eq!(
        w.secret("POST", "/list/us_users/account/ghost", Value::Null)
            .0,
        404
    );
    assert_eq!(
        w.secret("POST", "/list/nope/account/gil", Value::Null).0,
        404
    );
    assert_eq!(w.secret("POST", "/list/bad%20name", json!({})).0, 400);
    w.secret("POST", "/list/allow/account/gil", Value::Null);
    w.secret("POST", "/list/block/account/gil", Value::Null);
    let (_, gil) = w.secret("GET", "/account/gil", Value::Null);
    let mut lists: Vec<&str> = gil["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    lists.sort();
    assert_eq!(lists, ["block", "us_users"]);
    assert_eq!(gil["decision"], "Fake");
    assert_eq!(w.secret("DELETE", "/list/block", Value::Null).0, 400);
    assert_eq!(w.secret("DELETE", "/list/us_users", Value::Null).0, 200);
    assert_eq!(w.secret("GET", "/list/us_users", Value::Null).0, 404);
    let (_, gil) = w.secret("GET", "/account/gil", Value::Null);
    assert_eq!(gil["lists"], json!(["block"]));
    assert_eq!(
        w.secret("DELETE", "/list/block/account/gil", Value::Null).0,
        200
    );
    assert_eq!(
        w.secret("DELETE", "/list/block/account/gil", Value::Null).0,
        404
    );
    // Another project does not see demo's lists.
    w.secret("POST", "/list/mine", json!({}));
    let (s, _) = w.call("GET", "/list/mine", &[("x-api-key", OTHER_SECRET)], "");
    assert_eq!(s, 404);
}

#[test]
fn a_year_of_events_is_folded_and_still_answers_the_window_queries() {
    let w = World::new();
    let keys_under = |prefix: &str| -> Vec<String> {
        w.store
            .keys()
            .into_iter()
            .filter(|k| k.starts_with(prefix))
            .collect()
    };
    w.at(T0);
    event(&w, json!({"account_id": "busy", "type": "registration"}));
    // Six failed logins on day 40, a purchase on day 100, messages every day.
    for day in 0..300 {
        for k in 0..3 {
            w.at(T0 + day * DAY + (9 + k) * HOUR);
            event(&w, json!({"account_id": "busy", "type": "send_message"}));
        }
        if day == 40 {
            for _ in 0..6 {
                event(&w, json!({"account_id": "busy", "type": "login_failed"}));
            }
        }
        if day == 100 {
            event(&w, json!({"account_id": "busy", "type": "purchase"}));
        }
    }
    // 908 events: what is kept whole is the last nine days and fewer than a fold's worth.
    let kept = keys_under("p/demo/a/busy/e/").len();
    assert!(kept <= 9 * 3 + 3 + 63, "{kept} event keys kept");
    let rollups = keys_under("p/demo/a/busy/eh/");
    assert_eq!(rollups.len(), 1, "{rollups:?}");

    // A year's window still sees the folded days: the first transaction, the purchase, the
    // day of failed logins, and the registration.
    let year = v2(&w, "busy", "?days_range=365");
    assert_eq!(
        year["aggregative_data"]["sensitive_transactions"],
        json!(["send_message", "purchase"]),
        "{year}"
    );
    assert!(
        year["aggregative_data"]["trigger_categories"]
            .as_array()
            .unwrap()
            .contains(&json!("behavior")),
        "{year}"
    );
    assert_eq!(year["registration_date"], year["first_seen"]);
    assert!(
        year["first_seen"]
            .as_str()
            .unwrap()
            .starts_with("2026-05-28"),
        "{year}"
    );
    // A month's window: only the messages, no failures.
    let month = v2(&w, "busy", "?days_range=30");
    assert_eq!(
        month["aggregative_data"],
        json!({"trigger_categories": [], "sensitive_transactions": ["send_message"]}),
        "{month}"
    );

    // A backdated event reported now is kept, counted, and folded in its turn.
    w.at(T0 + 300 * DAY);
    event(
        &w,
        json!({"account_id": "busy", "type": "refund", "timestamp": T0 + 10 * DAY}),
    );
    let with_refund = v2(&w, "busy", "?days_range=365");
    assert_eq!(
        with_refund["aggregative_data"]["sensitive_transactions"],
        json!(["send_message", "refund", "purchase"]),
        "{with_refund}"
    );

    assert_eq!(w.secret("DELETE", "/account/busy", Value::Null).0, 200);
    let left: Vec<String> = w
        .store
        .keys()
        .into_iter()
        .filter(|k| k.contains("/busy/") || k.ends_with("/busy"))
        .collect();
    assert!(left.is_empty(), "{left:#?}");
}

#[test]
fn logins_reported_as_events_still_count_as_history_once_folded() {
    let w = World::new();
    // A hundred logins reported as events over nine days, from the owner's address early in
    // the morning (UTC); then nothing for weeks, and a message that folds them all.
    for i in 0..100 {
        w.at(T0 + (i / 12) * DAY + 9 * HOUR + (i % 12) * 150_000);
        event(
            &w,
            json!({"account_id": "ev", "type": "login_succeeded", "ip": OWNER_IP}),
        );
    }
    w.at(T0 + 60 * DAY);
    event(&w, json!({"account_id": "ev", "type": "send_message"}));
    let keys: Vec<String> = w
        .store
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("p/demo/a/ev/"))
        .collect();
    assert_eq!(
        keys.iter().filter(|k| k.contains("/e/")).count(),
        1,
        "{keys:#?}"
    );
    // A login reported at `t` from `ip`, and a password change ten minutes later.
    let login_then_change = |t: i64, ip: &str| {
        w.at(t);
        event(
            &w,
            json!({"account_id": "ev", "type": "login_succeeded", "ip": ip}),
        );
        w.at(t + 600_000);
        event(&w, json!({"account_id": "ev", "type": "password_change"}))
    };
    // The owner at the usual hour from the usual address: like the folded logins, so no flow.
    let own = login_then_change(T0 + 61 * DAY + 9 * HOUR, OWNER_IP);
    assert_eq!(own["incidents_opened"], json!([]), "{own}");
    // Late at night from another address: unlike the folded logins, so a doubtful login, and
    // the password change after it is a takeover flow.
    let r = login_then_change(T0 + 62 * DAY + 22 * HOUR, THIEF_IP);
    assert_eq!(
        r["incidents_opened"][0]["attack_type"], "account_takeover",
        "{r}"
    );
}
