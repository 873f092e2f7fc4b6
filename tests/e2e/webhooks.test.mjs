// Webhooks through the real worker: run.mjs gives the demo project a webhook pointing at its
// receiver, which answers 500 to the first delivery for each user and 200 afterwards. Every
// incident the engine opens is posted after the response, signed, and retried.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, loginAt, newSession, schema, unique } from "./client.mjs";

const RECEIVER = process.env.EDGEWARD_TEST_WEBHOOK;
const SECRET = process.env.EDGEWARD_TEST_WEBHOOK_SECRET;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PARIS = { country: "FR", city: "Paris", asn: 3215, asOrganization: "Orange", latitude: 48.86, longitude: 2.35 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The deliveries the receiver got for `user`, in order. */
async function deliveries(user) {
  const all = await (await fetch(`${RECEIVER}/received`)).json();
  return all.filter((d) => {
    try {
      return JSON.parse(d.body).user_id === user;
    } catch {
      return false;
    }
  });
}

/** Waits (up to `ms`) until the receiver has at least `n` deliveries for `user`. */
async function waitFor(user, n, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await deliveries(user);
    if (got.length >= n || Date.now() > deadline) return got;
    await sleep(200);
  }
}

const signature = (body) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

test("the receiver is configured", () => {
  assert.ok(RECEIVER && SECRET, "run.mjs passes EDGEWARD_TEST_WEBHOOK and EDGEWARD_TEST_WEBHOOK_SECRET");
});

test("a takeover flow's incident is posted signed after the response, and retried after a 500", async () => {
  // Five days from one browser at home, then a new phone on a mobile network in Paris an hour
  // ago: a step-up, no incident by itself, but a password change right after it is.
  const account = unique("hooked/Zoë");
  const home = browserSignals(unique("home"));
  const ip = `198.51.100.${20 + Math.floor(Math.random() * 200)}`;
  const loginAtTime = Date.now() - HOUR;
  for (let d = 5; d >= 1; d--) await loginAt(account, loginAtTime - d * DAY, home, { ip, cf: PARIS, email: `${account}@example.com` });
  const phone = browserSignals(unique("phone"));
  const mobileIp = `192.0.2.${20 + Math.floor(Math.random() * 200)}`;
  const { sid, auth } = await loginAt(account, loginAtTime, phone, {
    ip: mobileIp,
    cf: { ...PARIS, asn: 51207, asOrganization: "Free Mobile" },
    email: `${account}@example.com`,
  });
  assert.equal(auth.decision, "Suspicious", "the login steps up");
  assert.deepEqual(await waitFor(account, 1, 1500), [], "nothing is posted before the incident opens");

  const sent = Date.now();
  const r = await call("POST", "/event", { key: DEMO.secret, json: { account_id: account, type: "password_change", session_id: sid } });
  const answered = Date.now();
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.incidents_opened.length, 1);
  const incident = r.body.incidents_opened[0];
  assert.equal(incident.attack_type, "account_takeover");

  const got = await waitFor(account, 2);
  assert.ok(got.length >= 2, `two attempts expected, got ${JSON.stringify(got)}`);
  const [first, second] = got;
  assert.deepEqual([first.status, second.status], [500, 200]);
  // The response did not wait for the delivery: it was back before the retry (1 s later).
  assert.ok(answered < second.at, `answered at +${answered - sent} ms, retried at +${second.at - sent} ms`);
  assert.ok(second.at - first.at >= 900, `the retry waited ${second.at - first.at} ms`);

  const validate = await schema("WebhookBody");
  for (const d of got) {
    assert.equal(d.method, "POST");
    assert.match(d.headers["content-type"], /application\/json/);
    assert.equal(d.headers["x-edgeward-signature"], signature(d.body));
    const { ok, errors } = validate(JSON.parse(d.body));
    assert.ok(ok, errors);
  }
  assert.equal(second.body, first.body, "a retry sends the same bytes");
  const body = JSON.parse(first.body);
  assert.equal(body.user_id, account);
  assert.equal(body.score, incident.risk_score);
  assert.equal(body.attack_type, "ato");
  assert.equal(body.event_type, "single");
  assert.equal(body.timestamp, incident.incident_creation);
  assert.ok(Array.isArray(body.attack_patterns));
  assert.ok(body.attack_patterns.includes("ATO_NEW_DEVICE"), JSON.stringify(body.attack_patterns));
  assert.ok(body.attack_patterns.includes("ATO_CREDENTIAL_CHANGE"), JSON.stringify(body.attack_patterns));
  assert.deepEqual(body.additional, { city: "Paris", country: "FR", ip: mobileIp, user_agent: phone.window.userAgent });

  // A 2xx ends the retries: no third attempt (it would come 4 s after the second).
  await sleep(Math.max(0, second.at + 4500 - Date.now()));
  assert.equal((await deliveries(account)).length, 2);
});

test("a farm's cluster incident is posted for every account it opens on, as fake_account", async () => {
  const browser = unique("farm");
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const id = unique(`hookfarm${i}`);
    ids.push(id);
    assert.equal((await authenticate(await newSession(browserSignals(browser)), { id })).status, 200);
  }
  for (const id of ids) {
    const got = await waitFor(id, 2);
    assert.ok(got.length >= 1, `${id}: no delivery`);
    for (const d of got) assert.equal(d.headers["x-edgeward-signature"], signature(d.body));
    const body = JSON.parse(got.at(-1).body);
    assert.equal(body.attack_type, "fake_account");
    assert.equal(body.event_type, "cluster");
    assert.ok(body.attack_patterns.includes("MULTI_SHARED_BROWSER"), JSON.stringify(body.attack_patterns));
  }
});

test("feedback sends no webhook: manual incidents are the caller's own", async () => {
  const account = unique("manualhook");
  await authenticate(await newSession(browserSignals(unique("b"))), { id: account });
  for (const [status, result] of [["pending", "manually_identified"], ["resolved", "resolved"], ["resolved", "manually_identified_and_resolved"]]) {
    const r = await call("POST", "/api/v1/account_defender/account/update_status", {
      key: DEMO.secret,
      json: { accountIds: [account], attackType: "fa", status, result },
    });
    assert.equal(r.status, 200);
  }
  await sleep(2500);
  assert.deepEqual(await deliveries(account), []);
});
