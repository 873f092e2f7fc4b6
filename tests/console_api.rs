//! The console's read API over the in-memory store: `/accounts` (recency index and search),
//! `/incidents` (pending, resolved, by risk) and `/stats` (the counters), the indexes kept as
//! the data arrives, and deletion taking them away.

mod common;

use common::*;
use edgeward::schema::time::{DAY, HOUR};
use serde_json::{json, Value};

fn get(w: &World, path: &str) -> Value {
    let (s, r) = w.secret("GET", path, Value::Null);
    assert_eq!(s, 200, "{path}: {r}");
    r
}

fn ids(page: &Value, list: &str) -> Vec<String> {
    page[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["account_id"].as_str().unwrap().to_string())
        .collect()
}

/// Ten accounts on one browser (a farm), and two households of two.
fn seed(w: &World) {
    for i in 0..10 {
        w.at(T0 + i * 60_000);
        let s = w.session_from(&format!("192.0.2.{}", i + 1), signals("farm-b"));
        w.authenticate(
            &s,
            json!({"id": format!("farm-{i}"), "email": format!("farm{i}@example.com")}),
        );
    }
    for (n, who) in ["ann", "bob", "cat", "dan"].iter().enumerate() {
        w.at(T0 + HOUR + n as i64 * 60_000);
        let s = w.session_from(
            &format!("203.0.113.{}", 10 + n / 2),
            signals(&format!("home-{who}")),
        );
        w.authenticate(
            &s,
            json!({"id": who, "email": format!("{who}.home@gmail.com")}),
        );
    }
}

#[test]
fn accounts_list_the_latest_authenticated_first_one_row_each_and_page_with_a_cursor() {
    let w = World::new();
    seed(&w);
    // ann comes back: she moves to the top, once.
    w.at(T0 + 2 * HOUR);
    let s = w.session_from("203.0.113.10", signals("home-ann"));
    w.authenticate(&s, json!({"id": "ann"}));
    let page = get(&w, "/accounts?limit=3");
    assert_eq!(ids(&page, "accounts"), ["ann", "dan", "cat"]);
    assert_eq!(page["accounts"][0]["num_sessions"], 2);
    assert_eq!(page["accounts"][0]["email"], "ann.home@gmail.com");
    let cursor = page["cursor"].as_str().unwrap();
    let next = get(&w, &format!("/accounts?limit=3&cursor={cursor}"));
    assert_eq!(ids(&next, "accounts"), ["bob", "farm-9", "farm-8"]);
    let all = get(&w, "/accounts?limit=100");
    assert_eq!(all["accounts"].as_array().unwrap().len(), 14);
    assert!(all["cursor"].is_null());
}

#[test]
fn accounts_filter_by_the_latest_decision() {
    let w = World::new();
    seed(&w);
    let all = get(&w, "/accounts?limit=100");
    let not_real: Vec<String> = all["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["decision"] != "Real")
        .map(|r| r["account_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!not_real.is_empty(), "the farm is flagged: {all}");
    let real = get(&w, "/accounts?decision=real&limit=100");
    for r in real["accounts"].as_array().unwrap() {
        assert_eq!(r["decision"], "Real");
    }
    let flagged: usize = ["suspicious", "fake"]
        .iter()
        .map(|d| {
            get(&w, &format!("/accounts?decision={d}&limit=100"))["accounts"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(flagged, not_real.len());
    assert_eq!(
        w.secret("GET", "/accounts?decision=odd", Value::Null).0,
        400
    );
    assert_eq!(w.secret("GET", "/accounts?limit=0", Value::Null).0, 400);
}

#[test]
fn search_finds_accounts_by_id_email_address_device_and_browser() {
    let w = World::new();
    seed(&w);
    let by_id = get(&w, "/accounts?q=farm-3");
    assert_eq!(ids(&by_id, "accounts"), ["farm-3"]);
    assert_eq!(by_id["accounts"][0]["matched"], "account_id");
    // The mailbox is normalised as the identifier index stores it.
    let by_email = get(&w, "/accounts?q=Ann.Home%2Bshop%40gmail.com");
    assert_eq!(ids(&by_email, "accounts"), ["ann"]);
    assert_eq!(by_email["accounts"][0]["matched"], "email");
    let mut household = ids(&get(&w, "/accounts?q=203.0.113.10"), "accounts");
    household.sort();
    assert_eq!(household, ["ann", "bob"]);
    let farm = get(&w, "/accounts?q=farm-b&limit=100");
    assert_eq!(farm["accounts"].as_array().unwrap().len(), 10);
    assert_eq!(farm["accounts"][0]["matched"], "browser");
    assert_eq!(get(&w, "/accounts?q=nobody-at-all")["accounts"], json!([]));
}

#[test]
fn incidents_list_pending_by_risk_and_feedback_moves_them_to_resolved() {
    let w = World::new();
    seed(&w);
    let pending = get(&w, "/incidents?attack_type=fa&limit=100");
    let rows = pending["incidents"].as_array().unwrap();
    assert!(!rows.is_empty(), "the farm opened incidents");
    let risks: Vec<f64> = rows
        .iter()
        .map(|r| r["risk_score"].as_f64().unwrap())
        .collect();
    assert!(risks.windows(2).all(|p| p[0] >= p[1]), "{risks:?}");
    assert!(rows.iter().all(|r| r["status"] == "pending"));
    assert_eq!(rows[0]["attack_type"], "fake_account");
    let victim = rows[0]["account_id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&w, "/incidents?attack_type=ato")["incidents"],
        json!([])
    );
    let all_types = get(&w, "/incidents?limit=100");
    assert_eq!(all_types["incidents"].as_array().unwrap().len(), rows.len());

    let (s, _) = w.secret(
        "POST",
        "/api/v1/account_defender/account/update_status",
        json!({"accountIds": [victim], "attackType": "fa", "status": "resolved", "result": "no_attack"}),
    );
    assert_eq!(s, 200);
    let after = get(&w, "/incidents?attack_type=fa&limit=100");
    assert!(!ids(&after, "incidents").contains(&victim));
    let resolved = get(&w, "/incidents?status=resolved");
    assert_eq!(ids(&resolved, "incidents"), std::slice::from_ref(&victim));
    assert_eq!(resolved["incidents"][0]["result"], "no_attack");
    let everything = get(&w, "/incidents?status=all&limit=100");
    assert_eq!(
        everything["incidents"].as_array().unwrap().len(),
        rows.len()
    );
}

#[test]
fn stats_count_decisions_and_incidents_per_bucket_and_rank_identifiers() {
    let w = World::new();
    seed(&w);
    let day = T0 / DAY * DAY;
    let from = edgeward::schema::time::rfc3339(day);
    let r = get(&w, &format!("/stats?from={from}&bucket=day"));
    let buckets = r["buckets"].as_array().unwrap();
    assert_eq!(buckets.len() as i64, (T0 + 2 * HOUR - day) / DAY + 1);
    let sum = |k: &str| buckets.iter().map(|b| b[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("real") + sum("suspicious") + sum("fake"), 14);
    assert!(sum("incidents") >= 1);
    let hourly = get(&w, &format!("/stats?from={from}&bucket=hour"));
    assert!(hourly["buckets"].as_array().unwrap().len() >= 2);
    // Two households of two on two addresses; each farm address has one account.
    let addresses = &r["top"]["addresses"];
    assert_eq!(addresses[0]["count"], 2, "{addresses}");
    assert!(addresses[0]["value"]
        .as_str()
        .unwrap()
        .starts_with("203.0.113."));
    assert_eq!(
        w.secret("GET", "/stats?bucket=hour&from=2020-01-01", Value::Null)
            .0,
        400,
        "more than 744 hours"
    );
    assert_eq!(w.secret("GET", "/stats?from=yesterday", Value::Null).0, 400);
}

#[test]
fn deleting_an_account_removes_its_cards_index_entries_and_counted_rows() {
    let w = World::new();
    seed(&w);
    // A second authenticate leaves a superseded card behind to be cleaned up.
    w.at(T0 + 3 * HOUR);
    let s = w.session_from("192.0.2.1", signals("farm-b"));
    w.authenticate(&s, json!({"id": "farm-0"}));
    assert!(w.counters.names("farm-0"));
    let (s, _) = w.secret(
        "POST",
        "/api/v1/account_defender/account/update_status",
        json!({"accountIds": ["farm-0"], "attackType": "fa", "status": "resolved", "result": "resolved"}),
    );
    assert_eq!(s, 200);
    assert!(w.store.keys().iter().any(|k| k.contains("/in/c/")));
    let (s, _) = w.secret("DELETE", "/account/farm-0", Value::Null);
    assert_eq!(s, 200);
    let left: Vec<String> = w
        .store
        .keys()
        .into_iter()
        .filter(|k| k.split('/').any(|seg| seg == "farm-0"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!w.counters.names("farm-0"));
    assert!(!ids(&get(&w, "/accounts?limit=100"), "accounts").contains(&"farm-0".to_string()));
    assert!(
        !ids(&get(&w, "/incidents?status=all&limit=100"), "incidents")
            .contains(&"farm-0".to_string())
    );
}

#[test]
fn the_read_api_takes_the_secret_key_only() {
    let w = World::new();
    for path in ["/accounts", "/incidents", "/stats"] {
        assert_eq!(w.call("GET", path, &[], "").0, 401);
        assert_ne!(
            w.call("GET", path, &[("x-public-key", DEMO_PUBLIC)], "").0,
            200,
            "{path}"
        );
        assert_eq!(
            w.call("POST", path, &[("x-api-key", DEMO_SECRET)], "").0,
            405
        );
    }
}

#[test]
fn a_page_of_accounts_stays_full_when_concurrent_authenticates_left_two_cards() {
    let w = World::new();
    seed(&w);
    // The race two concurrent authenticates of one account can leave: a second card of the
    // latest account, a moment older, in the recency index.
    let (latest, before) = older_cards(&w, 1);
    assert_eq!(recency_entries(&w), before + 1);
    let page = get(&w, "/accounts?limit=3");
    let rows = ids(&page, "accounts");
    assert_eq!(rows.len(), 3, "{page}");
    assert_eq!(rows.iter().filter(|r| **r == latest).count(), 1, "{page}");
    // The page deleted the older card's entry it passed.
    assert_eq!(recency_entries(&w), before);
}

#[test]
fn a_burst_of_one_accounts_cards_is_cleared_by_the_page_that_passes_it() {
    let w = World::new();
    seed(&w);
    // Forty older cards of the latest account: more than a page's top-ups can pass.
    let (latest, _) = older_cards(&w, 40);
    // Pages may come back short while they pass the burst, never with an account twice; each
    // deletes what it passed (a page reads at most its limit and three top-ups: 9 keys here),
    // so the index shrinks with every request until the page is full again.
    let mut left = recency_entries(&w);
    let mut requests = 0;
    loop {
        requests += 1;
        let page = get(&w, "/accounts?limit=3");
        let rows = ids(&page, "accounts");
        assert!(!rows.is_empty() && rows.len() <= 3, "{page}");
        assert_eq!(rows.iter().filter(|r| **r == latest).count(), 1, "{page}");
        if rows.len() == 3 {
            break;
        }
        let now = recency_entries(&w);
        assert!(now < left, "a short page deleted nothing");
        left = now;
        assert!(requests < 10, "the page never filled again");
    }
    assert!(requests > 1, "forty stale entries fit in one page's reads?");
}

/// Copies of the latest account's card under `n` slightly older recency entries: what
/// concurrent authenticates of one account can leave. The latest account's id, and how many
/// entries the index held before.
fn older_cards(w: &World, n: i64) -> (String, usize) {
    use edgeward::store::{keys::Id, Keys, Store};
    let first = get(w, "/accounts?limit=3");
    let latest = ids(&first, "accounts")[0].clone();
    let keys = Keys::new("demo");
    let a = Id::new(&latest).unwrap();
    let listed =
        futures::executor::block_on(w.store.list_all(&keys.recent_accounts("all"))).unwrap();
    let card = listed
        .iter()
        .find(|k| k.name.ends_with(&format!("/{latest}")))
        .and_then(|k| k.meta_value())
        .unwrap();
    for d in 1..=n {
        let key = keys.recent_account("all", card["t"].as_i64().unwrap() - d, &a);
        let put = edgeward::store::Put {
            ttl_secs: None,
            metadata: Some(card.clone()),
        };
        futures::executor::block_on(w.store.put(&key, "{}", put)).unwrap();
    }
    (latest, listed.len())
}

/// How many entries the recency index holds.
fn recency_entries(w: &World) -> usize {
    use edgeward::store::{Keys, Store};
    let keys = Keys::new("demo");
    futures::executor::block_on(w.store.list_all(&keys.recent_accounts("all")))
        .unwrap()
        .len()
}

#[test]
fn calibration_counts_what_each_reason_flagged_and_what_feedback_overturned() {
    let w = World::new();
    seed(&w);
    // The farm's last arrivals were flagged when they authenticated (nine accounts already on
    // their browser); the analysts call one a false positive and confirm another.
    let before = get(&w, "/calibration?days=7");
    let shared = before["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "MULTI_SHARED_BROWSER")
        .cloned()
        .unwrap_or_else(|| panic!("{before}"));
    assert!(
        shared["flagged_accounts"].as_u64().unwrap() >= 2,
        "{shared}"
    );
    assert_eq!(shared["overturned"], 0);
    let flagged = ["farm-9".to_string(), "farm-8".to_string()];
    for (account, result) in [(&flagged[0], "no_attack"), (&flagged[1], "resolved")] {
        let (s, e) = w.secret(
            "POST",
            "/api/v1/account_defender/account/update_status",
            json!({"accountIds": [account], "attackType": "fa", "status": "resolved", "result": result}),
        );
        assert_eq!(s, 200, "{e}");
    }
    let c = get(&w, "/calibration?days=7");
    let codes = c["codes"].as_array().unwrap();
    let shared = codes
        .iter()
        .find(|x| x["code"] == "MULTI_SHARED_BROWSER")
        .unwrap_or_else(|| panic!("{c}"));
    assert!(
        shared["flagged_accounts"].as_u64().unwrap() >= 2,
        "{shared}"
    );
    assert_eq!(shared["overturned"], 1, "{shared}");
    assert_eq!(shared["confirmed"], 1, "{shared}");
    assert_eq!(shared["overturned_accounts"], json!([flagged[0]]));
    let per_day: u64 = shared["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["overturned"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day, 1);
    // The households are Real: nothing of theirs is counted as flagged.
    assert!(codes.iter().all(|x| x["overturned_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a != "ann")));
    assert_eq!(w.secret("GET", "/calibration?days=31", Value::Null).0, 400);
}

#[test]
fn the_project_is_shown_without_secrets_and_a_test_webhook_is_signed() {
    let secret = "whsec_console_test";
    let w = World::with_projects(projects(
        json!({"webhook": {"url": "https://hooks.example/edgeward", "secret": secret}}),
    ));
    let p = get(&w, "/project");
    assert_eq!(p["project_id"], "demo");
    assert_eq!(
        p["webhook"],
        json!({"url": "https://hooks.example/edgeward"})
    );
    let text = p.to_string();
    assert!(
        !text.contains(secret) && !text.contains(&sha(DEMO_SECRET)),
        "{text}"
    );
    let r = w.call_raw("POST", "/webhooks/test", &[("x-api-key", DEMO_SECRET)], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.deferred.len(), 1);
    let d = &r.deferred[0];
    assert_eq!(d.url, "https://hooks.example/edgeward");
    assert_eq!(
        d.signature,
        edgeward::state::webhooks::sign(secret, &d.body)
    );
    let body: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(body["test"], true);
    // Without a webhook there is nothing to test.
    let plain = World::new();
    assert_eq!(plain.secret("POST", "/webhooks/test", Value::Null).0, 400);
    assert_eq!(
        plain.secret("GET", "/project", Value::Null).1["webhook"],
        Value::Null
    );
}

#[test]
fn the_timeline_gives_each_sessions_decision_and_the_events() {
    let w = World::new();
    seed(&w);
    let (s, e) = w.secret(
        "POST",
        "/event",
        json!({"account_id": "farm-9", "type": "login_failed", "ip": "192.0.2.10"}),
    );
    assert_eq!(s, 200, "{e}");
    let t = get(&w, "/account/farm-9/timeline");
    assert_eq!(t["num_sessions"], 1);
    let session = &t["sessions"][0];
    assert_eq!(session["ip"], "192.0.2.10");
    // The decision its authenticate got, as the account read then shows it.
    let (_, acct) = w.secret("GET", "/account/farm-9", Value::Null);
    assert!(session["decision"].is_string(), "{t}");
    assert_eq!(session["decision"], acct["decision"], "{t}");
    assert_eq!(t["events"][0]["type"], "login_failed");
    assert_eq!(
        get(&w, "/account/farm-0/timeline?limit=1")["sessions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.secret("GET", "/account/nobody/timeline", Value::Null).0,
        404
    );
    assert_eq!(
        w.secret("GET", "/account/farm-9/timeline?limit=0", Value::Null)
            .0,
        400
    );
}
