// The spine: a browser session, authenticated for an account, read back as account and session.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

test("a browser session is authenticated for an account and read back", async () => {
  const account = unique("walk");
  const sid = await newSession(browserSignals(unique("b")), { ip: "198.51.100.23", headers: { "accept-language": "en-GB,en;q=0.8" } });

  const auth = await authenticate(sid, { id: account, email: "walker@example.com", metadata: { plan: "free" } });
  assert.equal(auth.status, 200);
  assert.equal(auth.body.project_id, "demo");
  assert.equal(auth.body.session_id, sid);
  assert.equal(auth.body.account_id, account);
  assert.equal(auth.body.decision, "Real");
  assert.equal(auth.body.session.network.ip_address, "198.51.100.23");
  assert.equal(auth.body.session.browser.type, "Firefox");
  assert.equal(auth.body.session.browser.language, "en-GB");
  assert.equal(auth.body.session.device.screen_width, 1920);
  assert.equal(auth.body.session.bot.mouse_num_events, 40);
  assert.equal(auth.body.account.num_sessions, 1);

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.status, 200);
  assert.equal(acct.body.account.email, "walker@example.com");
  assert.deepEqual(acct.body.account.metadata, { plan: "free" });
  assert.equal(acct.body.last_session, sid);
  assert.equal(acct.body.first_seen, auth.body.session.start_time);
  assert.deepEqual(acct.body.unique_networks, { "1_day": 1, "7_day": 1 });

  const sess = await call("GET", `/session/${sid}`, { bearer: DEMO.secret });
  assert.equal(sess.status, 200);
  assert.deepEqual(sess.body.account_ids, [account]);

  const list = await call("GET", `/account/${account}/sessions`, { key: DEMO.secret });
  assert.deepEqual(list.body.sessions, [sid]);
});

test("a second session from another network counts as another network", async () => {
  const account = unique("two");
  const browser = unique("b");
  for (const ip of ["198.51.100.1", "2001:db8::7"]) {
    const sid = await newSession(browserSignals(browser), { ip });
    assert.equal((await authenticate(sid, { id: account })).status, 200);
  }
  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.body.num_sessions, 2);
  assert.deepEqual(acct.body.unique_networks, { "1_day": 2, "7_day": 2 });
  assert.deepEqual(acct.body.unique_devices, { "1_day": 1, "7_day": 1 });
});

test("an automated browser is scored as a bot, with its reasons", async () => {
  const sid = await newSession(browserSignals(unique("b"), { webdriver: true }));
  const auth = await authenticate(sid, { id: unique("bot") });
  assert.equal(auth.body.decision, "Fake");
  assert.ok(auth.body.bot >= 0.9);
  assert.ok(auth.body.reasons.some((r) => r.code === "BOT_WEBDRIVER" && r.score === "bot"));
});

test("two accounts on one browser are linked, both ways", async () => {
  const browser = unique("shared");
  const [a, b] = [unique("first"), unique("second")];
  await authenticate(await newSession(browserSignals(browser)), { id: a, email: "first@example.com" });
  const second = await authenticate(await newSession(browserSignals(browser)), { id: b });
  assert.equal(second.body.accounts_linked, 1);
  // One other account on the browser is a household: named, but not yet decisive.
  assert.equal(second.body.multiple_accounts, 0.3);
  assert.equal(second.body.reasons[0].code, "MULTI_SHARED_BROWSER");
  const linked = await call("GET", `/account/${a}/accounts-linked`, { key: DEMO.secret });
  assert.deepEqual(linked.body.accounts_linked.map((l) => [l.account_id, l.match_type]), [[b, ["browser", "device"]]]);
  const back = await call("GET", `/account/${b}/accounts-linked`, { key: DEMO.secret });
  assert.equal(back.body.accounts_linked[0].email, "first@example.com");
  const asked = await call("POST", "/session/authenticate?accounts_linked=true", {
    key: DEMO.secret,
    json: { session_id: await newSession(browserSignals(browser)), account: { id: b } },
  });
  assert.deepEqual(asked.body.linked_accounts.map((l) => [l.account_id, l.email]), [[a, "first@example.com"]]);
});

test("an unauthenticated check scores a session with no account", async () => {
  const sid = await newSession(browserSignals(unique("b")));
  const r = await call("POST", "/session/unauthenticated", { key: DEMO.secret, json: { session_id: sid } });
  assert.equal(r.status, 200);
  assert.equal(r.body.session_id, sid);
  assert.equal(r.body.account, undefined);
});

test("deleting an account removes it and its sessions, and leaves others alone", async () => {
  const browser = unique("b");
  const [keep, gone] = [unique("keep"), unique("gone")];
  await authenticate(await newSession(browserSignals(browser)), { id: keep });
  const sid = await newSession(browserSignals(browser));
  await authenticate(sid, { id: gone });
  const del = await call("DELETE", `/account/${gone}`, { key: DEMO.secret });
  assert.deepEqual([del.status, del.body.success, del.body.account_id], [200, true, gone]);
  assert.equal((await call("GET", `/account/${gone}`, { key: DEMO.secret })).status, 404);
  assert.equal((await call("GET", `/session/${sid}`, { key: DEMO.secret })).status, 404);
  const kept = await call("GET", `/account/${keep}`, { key: DEMO.secret });
  assert.equal(kept.body.num_sessions, 1);
  assert.equal(kept.body.accounts_linked, 0);
});

test("health and the OpenAPI document are served without a key", async () => {
  const h = await call("GET", "/health");
  const projects = Number(process.env.EDGEWARD_TEST_PROJECTS ?? 2);
  assert.deepEqual([h.status, h.body.status, h.body.projects], [200, "ok", projects]);
  const doc = await call("GET", "/openapi.json");
  assert.equal(doc.body.openapi, "3.1.0");
});

test("an e-mail alias ring is linked by the normalised mailbox", async () => {
  const tag = Math.random().toString(36).slice(2, 8);
  const ids = [unique("ring-a"), unique("ring-b"), unique("ring-c")];
  const emails = [`ring.${tag}@gmail.com`, `ring${tag}+promo@gmail.com`, `R.I.N.G.${tag}@googlemail.com`];
  let last;
  for (const [i, id] of ids.entries()) {
    last = await authenticate(await newSession(browserSignals(unique("b"))), { id, email: emails[i] });
  }
  assert.equal(last.body.accounts_linked, 2);
  assert.ok(last.body.reasons.some((r) => r.code === "MULTI_SHARED_EMAIL"));
  const linked = await call("GET", `/account/${ids[0]}/accounts-linked`, { key: DEMO.secret });
  assert.deepEqual(linked.body.accounts_linked.map((l) => l.account_id).sort(), ids.slice(1).sort());
  assert.ok(linked.body.accounts_linked.every((l) => l.match_type.join() === "email"));
});

test("a sign-up with a disposable address is suspicious and says why", async () => {
  const auth = await authenticate(await newSession(browserSignals(unique("b"))), { id: unique("temp"), email: "someone@mailinator.com" });
  assert.equal(auth.body.decision, "Suspicious");
  assert.equal(auth.body.account.email.domain_type, "disposable");
  assert.ok(auth.body.reasons.some((r) => r.code === "RISK_EMAIL_DISPOSABLE" && r.score === "risk_signals"));
});
