// KV has no transactions: concurrent authenticates of one account must still all count, also
// while the account's old sessions are being folded into its rollup, and deleting the account
// must leave no key behind, folded history included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, encodeId, kvKeys, newSession, unique, uniqueIp } from "./client.mjs";

const HOUR = 3_600_000;

test("200 concurrent authenticates of one account lose no session", async () => {
  const account = unique("busy");
  const sessions = await Promise.all(
    Array.from({ length: 200 }, (_, i) => newSession(browserSignals(unique(`b${i}`)), { ip: `192.0.${2 + (i >> 8)}.${(i % 250) + 1}` })),
  );
  const answers = await Promise.all(sessions.map((sid) => authenticate(sid, { id: account, email: "busy@example.com" })));
  assert.deepEqual(answers.map((a) => a.status), Array(200).fill(200));

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.body.num_sessions, 200);
  assert.equal(acct.body.unique_networks["1_day"], 200);
  const listed = await call("GET", `/account/${account}/sessions`, { key: DEMO.secret });
  assert.deepEqual([...listed.body.sessions].sort(), [...sessions].sort());
});

/** A login of `account` at `at` (the development clock) from its usual browser. */
async function loginAt(account, at, signals, ip) {
  const headers = { "x-edgeward-now": String(at) };
  const sid = await newSession(signals, { ip, headers });
  const r = await call("POST", "/session/authenticate", {
    key: DEMO.secret,
    json: { session_id: sid, account: { id: account } },
    headers,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test("an account with months of history folds it while 100 logins arrive at once, loses none, and is deleted whole", async () => {
  const account = unique("veteran");
  const home = browserSignals(unique("home"));
  const ip = uniqueIp();
  // 300 logins six hours apart, the last one nine days ago: 64 and more are due to fold by the
  // time the history is laid down, and the rest become due when the burst arrives.
  const first = Date.now() - 9 * 24 * HOUR - 299 * 6 * HOUR;
  for (let i = 0; i < 300; i++) await loginAt(account, first + i * 6 * HOUR, home, ip);
  const enc = encodeId(account);
  const folded = kvKeys(`p/demo/a/${enc}/h/`);
  assert.equal(folded.length, 1, `one rollup after the history: ${folded.join(", ")}`);

  const burst = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const sid = await newSession(browserSignals(unique(`burst${i}`)), { ip: uniqueIp() });
      return authenticate(sid, { id: account });
    }),
  );
  assert.deepEqual(burst.map((a) => a.status), Array(100).fill(200));

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.body.num_sessions, 400);
  assert.equal(Date.parse(acct.body.first_seen), first);
  const kept = kvKeys(`p/demo/a/${enc}/s/`).length;
  assert.ok(kept <= 200 + 100 + 64, `${kept} session keys kept`);
  const listed = await call("GET", `/account/${account}/sessions`, { key: DEMO.secret });
  assert.ok(listed.body.sessions.length >= 200 && listed.body.sessions.length <= kept, `${listed.body.sessions.length} listed`);

  const gone = await call("DELETE", `/account/${account}`, { key: DEMO.secret });
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  const left = kvKeys("p/demo/").filter((k) => k.split("/").includes(enc));
  assert.deepEqual(left, []);
});
