// KV has no transactions: 50 concurrent authenticates of one account must still all count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

test("50 concurrent authenticates of one account lose no session", async () => {
  const account = unique("busy");
  const sessions = await Promise.all(
    Array.from({ length: 50 }, (_, i) => newSession(browserSignals(unique(`b${i}`)), { ip: `192.0.2.${i + 1}` })),
  );
  const answers = await Promise.all(sessions.map((sid) => authenticate(sid, { id: account, email: "busy@example.com" })));
  assert.deepEqual(answers.map((a) => a.status), Array(50).fill(200));

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.body.num_sessions, 50);
  assert.equal(acct.body.unique_networks["1_day"], 50);
  const listed = await call("GET", `/account/${account}/sessions`, { key: DEMO.secret });
  assert.deepEqual([...listed.body.sessions].sort(), [...sessions].sort());
});
