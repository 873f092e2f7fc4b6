// The risk engine through the worker: the takeover model over an account's history (laid down
// with the development clock and request.cf headers), and the population index the cron trigger
// rebuilds, which decides how strongly a shared fingerprint links accounts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BASE, DEMO, authenticate, browserSignals, call, loginAt, unique, uniqueIp } from "./client.mjs";

const DAY = 86_400_000;
const START = Date.parse("2026-10-01T09:00:00Z");

/** A login at `at` placed by `cf`: the authenticate's answer. */
const login = async (account, at, signals, cf, ip) => (await loginAt(account, at, signals, { cf, ip })).auth;

test("a login from a new country, network and device on an established account is a takeover", async () => {
  const account = unique("victim");
  const home = browserSignals(unique("home"));
  const ip = uniqueIp();
  const paris = { country: "FR", asn: 3215, asOrganization: "Orange", latitude: 48.86, longitude: 2.35 };
  for (let day = 0; day < 12; day++) {
    const r = await login(account, START + day * DAY, home, paris, ip);
    assert.equal(r.decision, "Real", `day ${day}: ${JSON.stringify(r.reasons)}`);
  }
  const attacker = browserSignals(unique("attacker"), {
    userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
  });
  const lagos = { country: "NG", asn: 37148, latitude: 6.45, longitude: 3.39 };
  const r = await login(account, START + 12 * DAY + 3 * 3_600_000, attacker, lagos);
  assert.notEqual(r.decision, "Real");
  assert.ok(r.account_takeover > 0.9, JSON.stringify(r));
  const codes = r.reasons.map((x) => x.code);
  for (const c of ["ATO_NEW_COUNTRY", "ATO_NEW_NETWORK", "ATO_NEW_DEVICE", "ATO_NEW_BROWSER", "ATO_NEW_OS"]) {
    assert.ok(codes.includes(c), `${c} missing from ${codes}`);
  }
  // The account view says what the attacker's login was scored, until the owner logs in again.
  const view = async () => (await call("GET", `/account/${account}`, { key: DEMO.secret })).body;
  const taken = await view();
  assert.equal(taken.account_takeover, r.account_takeover, JSON.stringify(taken));
  assert.notEqual(taken.decision, "Real");
  assert.deepEqual(taken.reasons.find((x) => x.code === "ATO_LATEST_SESSION")?.weight, r.account_takeover);
  // The owner, back home the next day, is Real again.
  const back = await login(account, START + 13 * DAY, home, paris, ip);
  assert.equal(back.account_takeover < 0.1, true, JSON.stringify(back));
  const after = await view();
  assert.equal(after.account_takeover, back.account_takeover);
  assert.equal(after.decision, "Real", JSON.stringify(after));
});

test("the owner's second computer, stepped up, is theirs once the second factor is reported passed", async () => {
  // Two owners, each with twelve days at home in Paris, then a second computer at work on
  // another provider: the login a targeted attacker would show too. One owner's second factor
  // is reported passed.
  const paris = { country: "FR", asn: 3215, asOrganization: "Orange", latitude: 48.86, longitude: 2.35 };
  const work = { country: "FR", asn: 12322, asOrganization: "Free SAS", latitude: 48.87, longitude: 2.33 };
  const event = (account, at, type, sid) =>
    call("POST", "/event", {
      key: DEMO.secret,
      json: { account_id: account, type, session_id: sid },
      headers: { "x-edgeward-now": String(at) },
    });
  const story = async (verify) => {
    const account = unique(verify ? "verified" : "unverified");
    const home = browserSignals(unique("home"));
    const ip = uniqueIp();
    for (let day = 0; day < 12; day++) await login(account, START + day * DAY, home, paris, ip);
    const office = browserSignals(unique("office"));
    const officeIp = uniqueIp();
    const first = await loginAt(account, START + 12 * DAY, office, { cf: work, ip: officeIp });
    assert.ok(first.auth.account_takeover >= 0.5, JSON.stringify(first.auth));
    assert.equal(first.auth.decision, "Suspicious", JSON.stringify(first.auth));
    if (verify) {
      const r = await event(account, START + 12 * DAY + 60_000, "challenge_succeeded", first.sid);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const next = await login(account, START + 13 * DAY, office, work, officeIp);
    return { account, first, next };
  };
  const verified = await story(true);
  assert.equal(verified.next.decision, "Real", JSON.stringify(verified.next));
  assert.ok(verified.next.account_takeover < 0.25, JSON.stringify(verified.next));
  // Without the outcome the computer stays a stranger's, and a failed second factor on its
  // login opens the takeover incident.
  const unverified = await story(false);
  assert.equal(unverified.next.decision, "Suspicious", JSON.stringify(unverified.next));
  const failed = await event(unverified.account, START + 12 * DAY + 60_000, "challenge_failed", unverified.first.sid);
  assert.equal(failed.status, 200, JSON.stringify(failed.body));
  assert.deepEqual(failed.body.incidents_opened.map((i) => i.attack_type), ["account_takeover"]);
  const missing = await event(unverified.account, START + 13 * DAY, "challenge_succeeded", "no-such-session");
  assert.equal(missing.status, 404);
  assert.match(missing.body.message, /no-such-session/);
});

test("the development clock and location headers are refused when malformed", async () => {
  for (const [name, value] of [["x-edgeward-now", "yesterday"], ["x-edgeward-cf", "{not json"]]) {
    const r = await call("POST", "/session", {
      publicKey: DEMO.public,
      json: browserSignals(unique("b")),
      headers: { [name]: value },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.message, new RegExp(name));
  }
});

test("after the cron rebuilds the population index, a popular fingerprint links weakly", async () => {
  // One popular phone, identical in every component, on many unrelated accounts.
  const phone = (id) =>
    browserSignals(id, { platform: "iPhone", webglRenderer: "Apple GPU", timezone: "America/New_York",
                         userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
                         languages: ["en-US"], hardwareConcurrency: 6, screen: { width: 390, height: 844, colorDepth: 24 } });
  const cf = { country: "US", asn: 7922 };
  const strength = async (account) => {
    const linked = await call("GET", `/account/${account}/accounts-linked`, { key: DEMO.secret });
    const device = linked.body.accounts_linked.filter((l) => l.match_type.includes("device"));
    assert.ok(device.length > 0, JSON.stringify(linked.body));
    return Math.max(...device.map((l) => l.score));
  };
  // First an index with a baseline (sessions over more than a week) that has never seen the
  // phone: before a baseline, a fingerprint is only as rare as the accounts already showing it.
  const now = Date.now();
  for (const hours of [400, 200]) await login(unique("other"), now - hours * 3_600_000, browserSignals(unique("o")), cf);
  assert.equal((await fetch(`${BASE}/__scheduled?cron=*/10+*+*+*+*`)).status, 200);
  // Strangers who own the model arrive at its steady rate, one every two hours over 300 hours:
  // 150 accounts within a minute would be a farm (MULTI_DEVICE_BURST, the next test).
  for (let i = 150; i > 0; i--) await login(unique("phone"), now - i * 2 * 3_600_000, phone(unique("b")), cf);
  const early = unique("phone");
  await login(early, Date.now(), phone(unique("b")), cf);
  const before = await strength(early);
  assert.ok(before > 0.8, `a fingerprint the index has not seen is rare: ${before}`);

  const cron = await fetch(`${BASE}/__scheduled?cron=*/10+*+*+*+*`);
  assert.equal(cron.status, 200);
  // The index is read once per isolate and kept for five minutes; the development clock moves
  // this request past that.
  const later = Date.now() + 6 * 60_000;
  const account = unique("phone");
  const r = await login(account, later, phone(unique("b")), cf);
  const after = await strength(account);
  assert.ok(after < 0.2, `a fingerprint shared by 150 accounts links weakly: ${after}`);
  assert.equal(r.decision, "Real", JSON.stringify(r.reasons));
  // The links made before the index knew the fingerprint was common are re-read from it.
  const relinked = await strength(early);
  assert.ok(relinked < 0.2, `a link made while the fingerprint looked rare weakens: ${relinked}`);
  popular = { phone, cf, strength, owner: account, now };
});

let popular;

test("twenty accounts arriving within two hours on that popular fingerprint are one farm", async () => {
  assert.ok(popular, "runs after the popular-fingerprint test, on the index it rebuilt");
  const { phone, cf, strength, owner, now } = popular;
  // Two days later, a farm that clears storage between accounts: a new browser id each time,
  // the popular phone's fingerprint, a new address each time.
  const farm = [];
  let last;
  for (let i = 0; i < 20; i++) {
    const account = unique("farm");
    farm.push(account);
    last = await login(account, now + 2 * DAY + i * 6 * 60_000, phone(unique("b")), cf);
  }
  const codes = last.reasons.map((r) => r.code);
  assert.ok(codes.includes("MULTI_DEVICE_BURST"), JSON.stringify(last.reasons));
  assert.notEqual(last.decision, "Real", JSON.stringify(last.reasons));
  assert.ok((await strength(farm[19])) > 0.8);
  // The farm is one cluster; the owner of the model who arrived after the index knew it was
  // common (decided Real above) is linked to the farm weakly and is not in it.
  const v2 = async (account) =>
    (await call("GET", `/api/v2/account_defender/account/${account}`, { key: DEMO.secret })).body;
  assert.equal((await v2(farm[0])).is_under_attack, true);
  assert.equal((await v2(owner)).is_under_attack, false);
});
