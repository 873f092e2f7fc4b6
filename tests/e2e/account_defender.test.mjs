// HUMAN-compatible Account Defender through the real worker: server events (POST /event), the
// incidents the engine opens (a takeover flow, a device farm), account info v1 and v2, feedback,
// deletion of user data (proved on the local KV itself), and the seed's v2 example against the
// worker's own schema.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, countedBehind, encodeId, kvBulkPut, kvKeys, kvPut, objectRows, storedKeys, loginAt, newSession, schema, unique, uniqueIp } from "./client.mjs";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const V1 = "/api/v1/account_defender/account";
const V2 = "/api/v2/account_defender/account";
const FEEDBACK = `${V1}/update_status`;
const DELETE = `${V1}/delete_user_data`;
const path = (base, id, query = "") => `${base}/${encodeURIComponent(id)}${query}`;

const PARIS = { country: "FR", city: "Paris", asn: 3215, asOrganization: "Orange", latitude: 48.86, longitude: 2.35 };
const MOBILE = { ...PARIS, asn: 51207, asOrganization: "Free Mobile" };
const LAGOS = { country: "NG", city: "Lagos", asn: 37148, asOrganization: "Globacom", latitude: 6.45, longitude: 3.39 };
const WINDOWS_CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
const docIp = (net) => `${net}.${20 + Math.floor(Math.random() * 200)}`;

/** Authenticates a new session of `signals` for `account` as of `at`, from `cf`'s place. */
async function event(json, headers = {}) {
  return call("POST", "/event", { key: DEMO.secret, json, headers });
}

async function feedback(json) {
  return call("POST", FEEDBACK, { key: DEMO.secret, json });
}

/**
 * An account with five days of history from one browser in Paris (one login a day at the same
 * hour, from one address), then a login an hour ago from Lagos on a new device and browser.
 */
async function takeover(name = "victim") {
  const account = unique(name);
  const email = `${account}@example.com`;
  const home = browserSignals(unique("home"));
  const homeIp = docIp("198.51.100");
  const attackAt = Date.now() - HOUR;
  for (let d = 5; d >= 1; d--) {
    const { auth } = await loginAt(account, attackAt - d * DAY, home, { cf: PARIS, ip: homeIp, email });
    assert.equal(auth.decision, "Real", JSON.stringify(auth.reasons));
  }
  const browserId = unique("attacker");
  const attackerIp = docIp("203.0.113");
  const { sid, auth } = await loginAt(
    account,
    attackAt,
    browserSignals(browserId, { userAgent: WINDOWS_CHROME, platform: "Win32" }),
    { cf: LAGOS, ip: attackerIp },
  );
  assert.ok(auth.account_takeover >= 0.5, JSON.stringify(auth));
  return { account, email, sid, auth, attackerIp, browserId, attackAt, start: attackAt - 5 * DAY };
}

test("a takeover flow shows in v2: the pending incident, its evidence, triggers and transactions", async () => {
  const t = await takeover();
  const change = await event({ account_id: t.account, type: "password_change", session_id: t.sid });
  assert.equal(change.status, 200, JSON.stringify(change.body));
  const send = await event({ account_id: t.account, type: "send_message", session_id: t.sid, path: "/inbox/conversations/messages" });
  assert.equal(send.status, 200, JSON.stringify(send.body));
  assert.equal(send.body.type, "send_message");
  assert.deepEqual(send.body.incidents_opened, []);

  const v2 = await call("GET", path(V2, t.account), { key: DEMO.secret });
  assert.equal(v2.status, 200);
  const b = v2.body;
  assert.equal(b.account_id, t.account);
  assert.equal(b.exists, true);
  assert.equal(b.is_under_attack, true);
  assert.equal(b.email, t.email);
  assert.equal(b.first_seen, new Date(t.start).toISOString());
  assert.equal(b.registration_date, new Date(t.start).toISOString());
  assert.equal(b.active_incidents.length, 1, JSON.stringify(b.active_incidents));
  const [i] = b.active_incidents;
  assert.equal(i.attack_type, "account_takeover");
  assert.equal(i.event_type, "single");
  assert.equal(i.is_manually_created, false);
  assert.ok(i.risk_score >= 0.5 && i.risk_score <= 1, String(i.risk_score));
  assert.equal(i.incident_creation, new Date(t.attackAt).toISOString());
  assert.equal(i.additional.ip, t.attackerIp);
  assert.equal(i.additional.country, "NG");
  assert.equal(i.additional.device_fingerprint, t.auth.session.device_id);
  assert.equal(i.additional.vid, t.browserId);
  assert.equal(i.additional.email, t.email);
  assert.equal(i.additional.user_agent, WINDOWS_CHROME);
  assert.ok(Number.isInteger(i.additional.account_age));
  assert.equal(i.additional.account_age, Math.floor((t.attackAt - t.start) / HOUR));
  // README: location is a new country in a takeover, behavior a credential-change flow.
  const categories = b.aggregative_data.trigger_categories;
  assert.ok(categories.includes("location"), JSON.stringify(categories));
  assert.ok(categories.includes("behavior"), `a password change after the doubtful login is a behaviour trigger: ${JSON.stringify(categories)}`);
  assert.deepEqual(b.aggregative_data.sensitive_transactions, ["send_message"]);

  // HUMAN's other path for v2, with the key as a Bearer token.
  const alias = await call("GET", path("/v2/account_defender/account", t.account), { bearer: DEMO.secret });
  assert.equal(alias.status, 200);
  assert.deepEqual(alias.body, b);
});

test("a password change within a day of a doubtful login from a new device opens the takeover, with the behavior trigger", async () => {
  const account = unique("newphone");
  const email = `${account}@example.com`;
  const home = browserSignals(unique("home"));
  const ip = docIp("198.51.100");
  const phoneAt = Date.now() - 2 * HOUR;
  for (let d = 5; d >= 1; d--) await loginAt(account, phoneAt - d * DAY, home, { cf: PARIS, ip, email });
  // A new phone on a mobile network the account never used, in Paris: nothing the owner has
  // shown, so a step-up (Suspicious), and no incident until the flow goes on.
  const phone = browserSignals(unique("phone"));
  const { sid, auth } = await loginAt(account, phoneAt, phone, { cf: MOBILE, ip: docIp("192.0.2") });
  assert.equal(auth.decision, "Suspicious", JSON.stringify(auth));
  assert.ok(auth.reasons.some((r) => r.code === "ATO_NEW_DEVICE_AND_IP"), JSON.stringify(auth.reasons));
  assert.equal((await call("GET", path(V2, account), { key: DEMO.secret })).body.is_under_attack, false);

  const change = await event({ account_id: account, type: "email_change", session_id: sid });
  assert.equal(change.status, 200);
  assert.equal(change.body.incidents_opened.length, 1);
  const opened = change.body.incidents_opened[0];
  assert.equal(opened.attack_type, "account_takeover");
  assert.equal(opened.event_type, "single");
  // The login's score combined with 0.5 for the change.
  assert.ok(opened.risk_score >= 0.5, String(opened.risk_score));
  assert.equal(opened.additional.vid, phone.browser_id);
  assert.equal(opened.additional.device_fingerprint, auth.session.device_id);
  assert.equal(opened.additional.email, email);

  const v2 = await call("GET", path(V2, account), { key: DEMO.secret });
  assert.equal(v2.body.is_under_attack, true);
  assert.deepEqual(v2.body.active_incidents, [opened]);
  const categories = v2.body.aggregative_data.trigger_categories;
  assert.ok(categories.includes("device") && categories.includes("behavior"), JSON.stringify(categories));
  // The account's takeover score carries the flow for a week.
  const acct = await call("GET", `/account/${encodeURIComponent(account)}`, { key: DEMO.secret });
  assert.ok(acct.body.reasons.some((r) => r.code === "ATO_CREDENTIAL_CHANGE"), JSON.stringify(acct.body.reasons));
  // A second change continues the same episode: nothing new opens.
  const again = await event({ account_id: account, type: "mfa_disabled", session_id: sid });
  assert.deepEqual(again.body.incidents_opened, []);
});

test("an unknown account is only its id and exists:false in v2, and all-clear in v1", async () => {
  const id = unique("nobody/Zoë");
  const v2 = await call("GET", path(V2, id), { key: DEMO.secret });
  assert.equal(v2.status, 200);
  assert.deepEqual(v2.body, { account_id: id, exists: false });
  const v1 = await call("GET", path(V1, id), { key: DEMO.secret });
  assert.equal(v1.status, 200);
  assert.deepEqual(v1.body, { account_id: id, is_under_attack: false, risk_score: 0, exists: false });
});

test("days_range must be an integer from 1 to 365", async () => {
  const id = unique("range");
  for (const bad of ["0", "366", "abc", "1.5", "-1", ""]) {
    const r = await call("GET", path(V2, id, `?days_range=${bad}`), { key: DEMO.secret });
    assert.equal(r.status, 400, `days_range=${bad}`);
    assert.match(r.body.message, /days_range/);
  }
  for (const ok of ["1", "365"]) {
    assert.equal((await call("GET", path(V2, id, `?days_range=${ok}`), { key: DEMO.secret })).status, 200);
  }
});

test("days_range counts an event exactly days_range days old and not one a millisecond older", async () => {
  const account = unique("edge");
  const now = Date.now() - 60_000;
  const edge = await event({ account_id: account, type: "withdraw", timestamp: now - 7 * DAY });
  assert.equal(edge.status, 200, JSON.stringify(edge.body));
  assert.equal(edge.body.timestamp, new Date(now - 7 * DAY).toISOString());
  const older = await event({ account_id: account, type: "send_attachment", timestamp: now - 7 * DAY - 1 });
  assert.equal(older.status, 200, JSON.stringify(older.body));

  const at = (t, days) => call("GET", path(V2, account, `?days_range=${days}`), { key: DEMO.secret, headers: { "x-edgeward-now": String(t) } });
  const seven = await at(now, 7);
  assert.equal(seven.body.exists, true);
  assert.deepEqual(seven.body.aggregative_data, { trigger_categories: [], sensitive_transactions: ["withdraw"] });
  const eight = await at(now, 8);
  assert.deepEqual(eight.body.aggregative_data.sensitive_transactions, ["send_attachment", "withdraw"]);
  // The default window is 30 days.
  const dflt = await call("GET", path(V2, account), { key: DEMO.secret, headers: { "x-edgeward-now": String(now) } });
  assert.deepEqual(dflt.body.aggregative_data.sensitive_transactions, ["send_attachment", "withdraw"]);
  // A window that holds nothing of the account: no aggregative_data at all.
  const empty = await at(now + DAY, 7);
  assert.equal(empty.status, 200);
  assert.equal(empty.body.exists, true);
  assert.equal("aggregative_data" in empty.body, false, JSON.stringify(empty.body));
  assert.equal(empty.body.is_under_attack, false);
  assert.equal("active_incidents" in empty.body, false);
});

test("a device farm behind one cloud address: later accounts are Fake, and every farm account has the pending cluster incident", async () => {
  const browser = unique("farm");
  const ip = "3.5.140.9"; // Amazon AWS: datacenter
  const ids = [];
  const decisions = [];
  for (let i = 0; i < 7; i++) {
    const id = unique(`farm${i}`);
    ids.push(id);
    const r = await authenticate(await newSession(browserSignals(browser), { ip }), { id });
    assert.equal(r.status, 200);
    decisions.push(r.body.decision);
  }
  assert.deepEqual(decisions.slice(-2), ["Fake", "Fake"], JSON.stringify(decisions));
  for (const id of ids) {
    const v2 = await call("GET", path(V2, id), { key: DEMO.secret });
    assert.equal(v2.body.is_under_attack, true, `${id}: ${JSON.stringify(v2.body)}`);
    const fake = v2.body.active_incidents.filter((i) => i.attack_type === "fake_account");
    assert.equal(fake.length, 1, JSON.stringify(v2.body.active_incidents));
    assert.equal(fake[0].event_type, "cluster");
    assert.equal(fake[0].is_manually_created, false);
    assert.equal(fake[0].additional.vid, browser);
    assert.ok(v2.body.aggregative_data.trigger_categories.includes("device"));
  }
});

test("a device farm on separate addresses is Suspicious with multiple_accounts >= 0.5 and opens cluster incidents", async () => {
  const browser = unique("farm");
  const ids = [];
  let last;
  for (let i = 0; i < 6; i++) {
    const id = unique(`spread${i}`);
    ids.push(id);
    last = await authenticate(await newSession(browserSignals(browser)), { id });
  }
  assert.equal(last.body.decision, "Suspicious", JSON.stringify(last.body.reasons));
  assert.ok(last.body.multiple_accounts >= 0.5);
  for (const id of ids) {
    const v2 = await call("GET", path(V2, id), { key: DEMO.secret });
    const fake = (v2.body.active_incidents ?? []).filter((i) => i.attack_type === "fake_account");
    assert.deepEqual(fake.map((i) => i.event_type), ["cluster"], `${id}: ${JSON.stringify(v2.body)}`);
  }
});

test("feedback no_attack closes the takeover, and the same evidence does not reopen it", async () => {
  const t = await takeover("fp");
  const first = await event({ account_id: t.account, type: "password_change", session_id: t.sid });
  assert.equal(first.status, 200);
  const r = await feedback({ accountIds: [t.account], attackType: "ato", status: "resolved", result: "no_attack" });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  const after = await call("GET", path(V2, t.account), { key: DEMO.secret });
  assert.equal(after.body.is_under_attack, false);
  assert.equal("active_incidents" in after.body, false, JSON.stringify(after.body));

  const again = await event({ account_id: t.account, type: "password_change", session_id: t.sid });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body.incidents_opened, []);
  const still = await call("GET", path(V2, t.account), { key: DEMO.secret });
  assert.equal(still.body.is_under_attack, false, JSON.stringify(still.body));
  const v1 = await call("GET", path(V1, t.account, "?attack_types=ato"), { key: DEMO.secret });
  assert.equal(v1.body.is_under_attack, false);
});

test("a manually identified attack puts a clean account under attack, marked manual", async () => {
  const account = unique("manual/Zoë");
  await authenticate(await newSession(browserSignals(unique("b"))), { id: account, email: "m@example.com" });
  const clean = await call("GET", path(V2, account), { key: DEMO.secret });
  assert.equal(clean.body.is_under_attack, false);
  const r = await feedback({ accountIds: [account], attackType: "ato", status: "pending", result: "manually_identified", comment: "called us" });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  const v2 = await call("GET", path(V2, account), { key: DEMO.secret });
  assert.equal(v2.body.is_under_attack, true);
  assert.equal(v2.body.active_incidents.length, 1);
  assert.equal(v2.body.active_incidents[0].is_manually_created, true);
  assert.equal(v2.body.active_incidents[0].attack_type, "account_takeover");
  assert.equal(v2.body.active_incidents[0].additional.email, "m@example.com");
  const v1 = await call("GET", path(V1, account), { key: DEMO.secret });
  assert.deepEqual(v1.body, { account_id: account, is_under_attack: true, is_manually_created: true, risk_score: 100, exists: true });
});

test("bad feedback is refused naming the field, and unknown accounts are 404", async () => {
  const account = unique("fb");
  await authenticate(await newSession(browserSignals(unique("b"))), { id: account });
  const cases = [
    [{ accountIds: [account], attackType: "ato", status: "resolved" }, /result/],
    [{ accountIds: [account], attackType: "x", status: "pending" }, /attackType/],
    [{ accountIds: [], attackType: "ato", status: "pending" }, /accountIds/],
    [{ attackType: "ato", status: "pending" }, /accountIds/],
    [{ accountIds: [account], status: "pending" }, /attackType/],
    [{ accountIds: [account], attackType: "fa", status: "done" }, /status/],
    [{ accountIds: [account], attackType: "fa", status: "pending", result: "no_attack" }, /result/],
  ];
  for (const [body, message] of cases) {
    const r = await feedback(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.message, message, JSON.stringify(body));
  }
  const ghost = unique("ghost");
  const r = await feedback({ accountIds: [account, ghost], attackType: "ato", status: "pending", result: "manually_identified" });
  assert.equal(r.status, 404);
  assert.match(r.body.message, new RegExp(ghost));
  // Nothing changed on the known account either.
  const v2 = await call("GET", path(V2, account), { key: DEMO.secret });
  assert.equal(v2.body.is_under_attack, false);
});

test("v1 selects the pending attack of the asked types with the highest score, else the best closed one", async () => {
  const t = await takeover("v1");
  const ato = (await call("GET", path(V2, t.account), { key: DEMO.secret })).body.active_incidents[0];
  const atoScore = Math.round(ato.risk_score * 100);
  assert.ok(atoScore < 100, String(atoScore));
  assert.equal((await feedback({ accountIds: [t.account], attackType: "fa", status: "pending", result: "manually_identified" })).status, 200);

  const v1 = async (q) => (await call("GET", path(V1, t.account, q), { key: DEMO.secret })).body;
  const base = { account_id: t.account, exists: true };
  assert.deepEqual(await v1(""), { ...base, is_under_attack: true, is_manually_created: true, risk_score: 100 });
  assert.deepEqual(await v1("?attack_types=ato"), { ...base, is_under_attack: true, risk_score: atoScore });
  assert.deepEqual(await v1("?attack_types=fake_account"), { ...base, is_under_attack: true, is_manually_created: true, risk_score: 100 });
  assert.deepEqual(await v1("?attack_types=ato,fa"), { ...base, is_under_attack: true, is_manually_created: true, risk_score: 100 });

  // The fake-account attack resolved: that type is no longer under attack, but keeps its score.
  assert.equal((await feedback({ accountIds: [t.account], attackType: "fa", status: "resolved", result: "resolved" })).status, 200);
  assert.deepEqual(await v1("?attack_types=fa"), { ...base, is_under_attack: false, is_manually_created: true, risk_score: 100 });
  assert.deepEqual(await v1(""), { ...base, is_under_attack: true, risk_score: atoScore });

  const bad = await call("GET", path(V1, t.account, "?attack_types=bot"), { key: DEMO.secret });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /attack_types/);
});

test("bad events are refused naming the field", async () => {
  const account = unique("ev");
  const cases = [
    [{ account_id: account, type: "Send Message" }, /type/],
    [{ account_id: account, type: `s${"x".repeat(64)}` }, /type/],
    [{ account_id: account, type: "1st_login" }, /type/],
    [{ account_id: account }, /type is required/],
    [{ account_id: account, type: "login_failed", ip: "999.1.1.1" }, /ip/],
    [{ account_id: account, type: "send_message", timestamp: Date.now() + 10 * 60_000 }, /timestamp .*future/],
    [{ account_id: account, type: "send_message", timestamp: Date.now() - 400 * DAY }, /timestamp/],
    [{ account_id: account, type: "send_message", timestamp: "yesterday" }, /timestamp/],
    [{ type: "send_message" }, /account_id is required/],
    [{ account_id: 42, type: "send_message" }, /account_id/],
  ];
  for (const [body, message] of cases) {
    const r = await event(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.message, message, JSON.stringify(body));
  }
  // Nothing was stored by the refused events.
  assert.deepEqual((await call("GET", path(V2, account), { key: DEMO.secret })).body, { account_id: account, exists: false });
  // The longest type allowed, and a timestamp within the five minutes of slack.
  const ok = await event({ account_id: account, type: `s${"x".repeat(63)}`, timestamp: Date.now() + 60_000, ip: "2001:db8::5" });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test("events that arrived over nine days ago fold into one rollup on the local KV, still answer v2, and go with the account", async () => {
  const account = unique("fold");
  const own = `p/demo/a/${encodeId(account)}/`;
  const now = Date.now() - 60_000;
  const then = now - 20 * DAY;
  // 70 events reported twenty days ago (the development clock sets when they arrived).
  const kinds = ["registration", ...Array(60).fill("send_message"), ...Array(6).fill("login_failed"), ...Array(3).fill("purchase")];
  for (const [i, type] of kinds.entries()) {
    const t = then + i * 60_000;
    const r = await event({ account_id: account, type, timestamp: t }, { "x-edgeward-now": String(t) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.equal(storedKeys(own).filter((k) => k.startsWith(own + "e/")).length, 70);
  // The next event, today, folds the 70 (64 or more due): one rollup, no old event key left.
  const today = await event({ account_id: account, type: "withdraw", timestamp: now }, { "x-edgeward-now": String(now) });
  assert.equal(today.status, 200, JSON.stringify(today.body));
  const keys = storedKeys(own);
  assert.equal(keys.filter((k) => k.startsWith(own + "eh/")).length, 1, keys.join("\n"));
  assert.equal(keys.filter((k) => k.startsWith(own + "e/")).length, 1, keys.join("\n"));

  const v2 = await call("GET", path(V2, account, "?days_range=30"), { key: DEMO.secret, headers: { "x-edgeward-now": String(now) } });
  assert.equal(v2.status, 200, JSON.stringify(v2.body));
  assert.deepEqual(v2.body.aggregative_data, { trigger_categories: ["behavior"], sensitive_transactions: ["send_message", "purchase", "withdraw"] });
  assert.equal(v2.body.registration_date, new Date(then).toISOString());
  assert.equal(v2.body.first_seen, new Date(then).toISOString());
  // A week's window holds only today's event.
  const week = await call("GET", path(V2, account, "?days_range=7"), { key: DEMO.secret, headers: { "x-edgeward-now": String(now) } });
  assert.deepEqual(week.body.aggregative_data, { trigger_categories: [], sensitive_transactions: ["withdraw"] });

  assert.equal((await call("DELETE", `/account/${encodeURIComponent(account)}`, { key: DEMO.secret })).status, 200);
  assert.deepEqual(storedKeys(own), []);
});

test("delete_user_data removes every key naming the account and leaves the linked account intact", async () => {
  const tag = unique("x");
  const keep = `keep/Zoë ${tag}`;
  const gone = `gone/Zoë 🙂 ${tag}`;
  const browser = unique("shared");
  const keepSid = await newSession(browserSignals(browser));
  assert.equal((await authenticate(keepSid, { id: keep, email: `keep.${tag}@example.com` })).status, 200);
  const goneIp = uniqueIp();
  const goneSid = await newSession(browserSignals(browser), { ip: goneIp });
  const linked = await authenticate(goneSid, { id: gone, email: `gone.${tag}@example.com` });
  assert.equal(linked.body.accounts_linked, 1);
  // Events (one failed login: an index key by address), an incident, a custom list and the
  // block list; a Fake decision from the block list marks the address.
  assert.equal((await event({ account_id: gone, type: "send_message" })).status, 200);
  assert.equal((await event({ account_id: gone, type: "login_failed", ip: "192.0.2.200" })).status, 200);
  assert.equal((await feedback({ accountIds: [gone], attackType: "ato", status: "pending", result: "manually_identified" })).status, 200);
  const list = `del-${tag}`;
  assert.equal((await call("POST", `/list/${list}`, { key: DEMO.secret, json: {} })).status, 200);
  assert.equal((await call("POST", `/list/${list}/account/${encodeURIComponent(gone)}`, { key: DEMO.secret })).status, 200);
  assert.equal((await call("POST", `/list/block/account/${encodeURIComponent(gone)}`, { key: DEMO.secret })).status, 200);
  const blockedSid = await newSession(browserSignals(browser), { ip: goneIp });
  assert.equal((await authenticate(blockedSid, { id: gone })).body.decision, "Fake");

  const enc = encodeId(gone);
  const before = storedKeys("p/demo/").filter((k) => k.includes(enc));
  // Its own keys (profile, session, link, list, event, incident, feedback), and the keys
  // elsewhere that name it (link of the other account, list member, browser, device, address
  // (hourly and search), e-mail indexes, the address's failed-login and fake-account marks,
  // session binding, and the population
  // journal's entries of its sessions, not folded yet).
  const own = `p/demo/a/${enc}/`;
  for (const kind of ["p", "s/", "k/", "l/", "e/", "n/", "f/"]) {
    assert.ok(before.some((k) => k.startsWith(own + kind)), `before deletion: no ${own}${kind}… in\n${before.join("\n")}`);
  }
  for (const re of [/\/a\/keep[^/]*\/k\//, /\/lm\//, /\/i\/b\//, /\/i\/d\//, /\/i\/a\/[^/]+\/n\//, /\/i\/s\//, /\/i\/e\//, /\/i\/a\/[^/]+\/x\//, /\/i\/a\/[^/]+\/f\//, /\/s\/[^/]+\/a\//, /\/j\/\d{16}\//]) {
    assert.ok(before.some((k) => re.test(k)), `before deletion: no key like ${re} in\n${before.join("\n")}`);
  }

  const wrong = await call("POST", DELETE, { key: DEMO.secret, json: { app_id: "other", user_ids: [gone], inform_users: [] } });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.message, /app_id/);
  const r = await call("POST", DELETE, { key: DEMO.secret, json: { app_id: "demo", user_ids: [gone], inform_users: [] } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});

  const after = storedKeys("p/demo/");
  const left = after.filter((k) => k.includes(enc) || k.includes(gone) || k.includes(goneSid) || k.includes(blockedSid));
  assert.deepEqual(left, [], "no key names the deleted account or its sessions");
  assert.ok(after.some((k) => k.includes(encodeId(keep))), "the other account's keys are still there");

  assert.equal((await call("GET", `/account/${encodeURIComponent(gone)}`, { key: DEMO.secret })).status, 404);
  assert.deepEqual((await call("GET", path(V2, gone), { key: DEMO.secret })).body, { account_id: gone, exists: false });
  assert.deepEqual((await call("GET", `/list/${list}`, { key: DEMO.secret })).body.accounts, []);
  assert.ok(!(await call("GET", "/list/block", { key: DEMO.secret })).body.accounts.includes(gone));
  const kept = await call("GET", `/account/${encodeURIComponent(keep)}`, { key: DEMO.secret });
  assert.equal(kept.status, 200);
  assert.equal(kept.body.num_sessions, 1);
  assert.equal(kept.body.accounts_linked, 0);
  assert.deepEqual((await call("GET", `/account/${encodeURIComponent(keep)}/sessions`, { key: DEMO.secret })).body.sessions, [keepSid]);
  assert.deepEqual((await call("GET", `/account/${encodeURIComponent(keep)}/accounts-linked`, { key: DEMO.secret })).body.accounts_linked, []);
});

test("an account deleted while its isolate still holds its tally is not counted behind its address again", async () => {
  // The isolate sends the counters its requests' tallies 200 ms after the first
  // (src/edge/counters.rs): an account deleted within that time has its tally arrive after
  // the deletion, which must not count it again (the deletion's tombstone).
  const tag = unique("t");
  const ip = uniqueIp();
  const browser = unique("tally");
  const keep = `tally-keep-${tag}`;
  const gone = `tally-gone-${tag}`;
  assert.equal((await authenticate(await newSession(browserSignals(browser), { ip }), { id: keep })).status, 200);
  const sid = await newSession(browserSignals(`${browser}-2`), { ip });
  const started = Date.now();
  assert.equal((await authenticate(sid, { id: gone })).status, 200);
  const r = await call("POST", DELETE, { key: DEMO.secret, json: { app_id: "demo", user_ids: [gone], inform_users: [] } });
  assert.equal(r.status, 200);
  const raced = Date.now() - started < 200;
  await new Promise((res) => setTimeout(res, 800));
  // The other account's tally, sent in the same period, counted it behind the address.
  assert.ok(countedBehind(keep).includes(`address ${ip}`), `keep: ${countedBehind(keep)}`);
  assert.deepEqual(countedBehind(gone), [], `deleted ${raced ? "before" : "after"} its tally was sent`);
});

test("delete_user_data refuses a missing inform_users and an empty user_ids", async () => {
  for (const [body, message] of [
    [{ app_id: "demo", user_ids: ["a"] }, /inform_users/],
    [{ app_id: "demo", user_ids: [], inform_users: [] }, /user_ids/],
    [{ user_ids: ["a"], inform_users: [] }, /app_id/],
  ]) {
    const r = await call("POST", DELETE, { key: DEMO.secret, json: body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.message, message);
  }
});

test("the seed's v2 example response validates against AccountInfoV2", async () => {
  const example = JSON.parse(readFileSync(new URL("../fixtures/human-v2-account.json", import.meta.url)));
  const validate = await schema("AccountInfoV2");
  const { ok, errors } = validate(example);
  assert.ok(ok, errors);
});

test("an account an earlier version kept in KV moves into its own object on first use, whole", async () => {
  const account = unique("upgraded");
  const own = `p/demo/a/${encodeId(account)}/`;
  const t = Date.now() - 3 * DAY;
  const profile = { id: account, email: "kept@example.com", metadata: { plan: "gold" }, group: "", created_at: t, updated_at: t };
  kvPut(`${own}p`, JSON.stringify(profile), profile);
  kvPut(`${own}l/vip`, "1", { t });
  // A key KV would forget in a day keeps that deadline in the object.
  kvPut(`${own}f/fb1`, "{}", null, 86_400);
  assert.deepEqual(kvKeys(own), [`${own}f/fb1`, `${own}l/vip`, `${own}p`]);

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.status, 200, JSON.stringify(acct.body));
  assert.equal(acct.body.account.email, "kept@example.com");
  assert.deepEqual(acct.body.account.metadata, { plan: "gold" });
  assert.deepEqual(kvKeys(own), [], "nothing of the account is left in KV");
  assert.deepEqual(storedKeys(own), [`${own}f/fb1`, `${own}l/vip`, `${own}p`]);
  const expires = objectRows(`${own}f/`)[0].expires;
  assert.ok(Math.abs(expires - (Date.now() + 86_400_000)) < 120_000, `expires at ${expires}`);

  // The account carries on from there; deleting it leaves nothing anywhere.
  const sid = await newSession(browserSignals(unique("b")));
  assert.equal((await authenticate(sid, { id: account })).body.account.email.email, "kept@example.com");
  assert.equal((await call("DELETE", `/account/${account}`, { key: DEMO.secret })).status, 200);
  assert.deepEqual(storedKeys(own), []);
});

test("an account too large to move from KV in one call moves a page a call, and answers once it has", async () => {
  const account = unique("bulky");
  const own = `p/demo/a/${encodeId(account)}/`;
  const t = Date.now() - DAY;
  const profile = { id: account, email: "bulky@example.com", metadata: {}, group: "", created_at: t, updated_at: t };
  // 250 feedback keys and the profile: more than the 200 one call moves.
  kvBulkPut([
    { key: `${own}p`, value: JSON.stringify(profile), metadata: profile },
    ...Array.from({ length: 250 }, (_, i) => ({ key: `${own}f/${String(i).padStart(3, "0")}`, value: "{}" })),
  ]);
  const first = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(first.status, 503, JSON.stringify(first.body));
  assert.match(first.body.message, /moving from KV/);
  const second = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.account.email, "bulky@example.com");
  assert.deepEqual(kvKeys(own), []);
  assert.equal(storedKeys(own).length, 251);
  assert.equal((await call("DELETE", `/account/${account}`, { key: DEMO.secret })).status, 200);
  assert.deepEqual(storedKeys(own), []);
});
