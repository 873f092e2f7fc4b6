// Customer rules through the real worker, in a project of their own (run.mjs's `rules`): a rule
// on disposable mailboxes makes such accounts Fake with its RULE reason, a shadow rule changes
// nothing and is counted, a backtest over seeded history reports the right counts, bad rules
// answer 400. Every answer is validated against openapi.json by the client.
import assert from "node:assert/strict";
import { test } from "node:test";
import { authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

const RULES = JSON.parse(process.env.EDGEWARD_TEST_RULES ?? "null");
const skip = !RULES;
const key = { key: RULES?.secret };
const ruleName = (n) => unique(n).replace(/[^A-Za-z0-9_.-]/g, "_");

async function signUp(email, metadata) {
  const sid = await newSession(browserSignals(unique("b")), { project: RULES });
  const r = await authenticate(sid, { id: unique("u"), email, metadata }, RULES);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const ruleReasons = (answer) => answer.reasons.filter((r) => r.code === "RULE").map((r) => r.rule);

test("a rule on disposable mailboxes makes such accounts Fake, with its reason", { skip }, async () => {
  const run = unique("run");
  const name = ruleName("disposable");
  const put = await call("PUT", `/rules/${name}`, {
    ...key,
    json: { when: `account.account.metadata.run == "${run}" && account.email.disposable`, then: { decision: "Fake" } },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.rule.version, 1);

  const fake = await signUp("someone@mailinator.com", { run });
  assert.equal(fake.decision, "Fake");
  assert.deepEqual(ruleReasons(fake), [name]);
  assert.notEqual(fake.rules.engine_decision, "Fake");
  const real = await signUp("someone@example.com", { run });
  assert.equal(real.decision, "Real");
  assert.deepEqual(ruleReasons(real), []);

  const got = await call("GET", `/rules/${name}`, key);
  assert.equal(got.body.matches.active, 1);
  assert.equal((await call("DELETE", `/rules/${name}`, key)).status, 200);
  assert.equal((await call("GET", `/rules/${name}`, key)).status, 404);
});

test("a shadow rule changes nothing but is reported and counted", { skip }, async () => {
  const run = unique("run");
  const name = ruleName("shadow");
  const put = await call("PUT", `/rules/${name}`, {
    ...key,
    json: { when: `account.account.metadata.run == "${run}"`, then: { decision: "Fake", add_to_lists: ["block"] }, mode: "shadow" },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  for (let i = 0; i < 3; i++) {
    const a = await signUp(`p${i}@example.com`, { run });
    assert.equal(a.decision, "Real");
    assert.deepEqual(a.lists, []);
    assert.deepEqual(a.rules.matched.find((m) => m.rule === name), { rule: name, version: 1, mode: "shadow" });
  }
  const got = await call("GET", `/rules/${name}`, key);
  assert.deepEqual([got.body.matches.shadow, got.body.matches.active], [3, 0]);
  await call("DELETE", `/rules/${name}`, key);
});

test("a backtest replays the stored authenticates and counts matches, changes and feedback", { skip }, async () => {
  const run = unique("run");
  const ids = [];
  for (let i = 0; i < 6; i++) {
    const a = await signUp(i % 3 === 0 ? `t${i}@mailinator.com` : `t${i}@example.com`, { run });
    ids.push([a.account_id, a.decision]);
  }
  const flagged = ids.filter((_, i) => i % 3 === 0);
  const fb = await call("POST", "/api/v1/account_defender/account/update_status", {
    ...key,
    json: { accountIds: [flagged[0][0]], attackType: "fa", status: "resolved", result: "no_attack" },
  });
  assert.equal(fb.status, 200, JSON.stringify(fb.body));
  const name = ruleName("bt");
  await call("PUT", `/rules/${name}`, {
    ...key,
    json: { when: `account.account.metadata.run == "${run}" && account.email.disposable`, then: { decision: "Fake" }, mode: "shadow" },
  });
  const b = await call("POST", `/rules/${name}/backtest?days=1`, key);
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.ok(b.body.sessions.listed >= 6, JSON.stringify(b.body));
  assert.deepEqual(b.body.matched, { sessions: 2, accounts: 2 });
  const changed = flagged.filter(([, d]) => d !== "Fake").length;
  assert.equal(b.body.decisions.changed, changed);
  assert.equal(b.body.feedback.matched_accounts_marked_no_attack, 1);
  assert.deepEqual(b.body.examples.map((e) => e.account_id).sort(), flagged.map(([id]) => id).sort());
  await call("DELETE", `/rules/${name}`, key);
});

test("bad rules answer 400 naming the problem, and nothing is stored", { skip }, async () => {
  const name = ruleName("bad");
  const cases = [
    [{ when: "bot > ", then: {} }, /line 1, column 7/],
    [{ when: "acount.country == 'US'", then: {} }, /acount/],
    [{ when: "bot > 0.5", then: { ban: true } }, /then\.ban is not an action/],
    [{ when: "bot > 0.5", then: { add_to_lists: ["no-such-list"] } }, /does not exist/],
  ];
  for (const [json, message] of cases) {
    const r = await call("PUT", `/rules/${name}`, { ...key, json });
    assert.equal(r.status, 400, JSON.stringify(json));
    assert.match(r.body.message, message);
  }
  assert.equal((await call("GET", `/rules/${name}`, key)).status, 404);
  assert.equal((await call("PUT", `/rules/${name}`, { ...key, raw: "{not json" })).status, 400);
});
