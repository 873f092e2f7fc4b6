// KV has no transactions: concurrent authenticates of one account must still all count, also
// while the account's old sessions are being folded into its rollup, and deleting the account
// must leave no key behind, folded history included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, encodeId, storedKeys, loginAt, newSession, unique, uniqueIp } from "./client.mjs";

const HOUR = 3_600_000;

/**
 * A request sent again when wrangler's development proxy drops it: under a burst of a few
 * hundred requests the proxy in front of the local worker loses some of its connections to
 * it ("Your worker restarted mid-request", a plain-text 503 of the proxy, or a reset
 * connection; cloudflare/workers-sdk#14641; the worker itself does not restart). A client
 * retries those, as the proxy's Retry-After: 0 asks. Retrying loses nothing and adds nothing:
 * authenticating a session twice records it once, and a session created twice is two
 * sessions of which only the one answered is used.
 */
async function retrying(send) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const dropped = /restarted mid-request|fetch failed/.test(String(e.message));
      if (attempt >= 5 || !dropped) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

test("200 concurrent authenticates of one account lose no session", async () => {
  const account = unique("busy");
  const sessions = await Promise.all(
    Array.from({ length: 200 }, (_, i) => retrying(() => newSession(browserSignals(unique(`b${i}`)), { ip: `192.0.${2 + (i >> 8)}.${(i % 250) + 1}` }))),
  );
  const answers = await Promise.all(sessions.map((sid) => retrying(() => authenticate(sid, { id: account, email: "busy@example.com" }))));
  assert.deepEqual(answers.map((a) => a.status), Array(200).fill(200));

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.body.num_sessions, 200);
  assert.equal(acct.body.unique_networks["1_day"], 200);
  const listed = await call("GET", `/account/${account}/sessions`, { key: DEMO.secret });
  assert.deepEqual([...listed.body.sessions].sort(), [...sessions].sort());
});

test("an account with months of history folds it while 100 logins arrive at once, loses none, and is deleted whole", async () => {
  const account = unique("veteran");
  const home = browserSignals(unique("home"));
  const ip = uniqueIp();
  // 300 logins ninety minutes apart, the last one nine days ago (the oldest 28 days ago, so
  // their replay records are still kept): 64 and more are due to fold by the time the history
  // is laid down, and the rest become due when the burst arrives.
  const step = 90 * 60 * 1000;
  const first = Date.now() - 9 * 24 * HOUR - 299 * step;
  for (let i = 0; i < 300; i++) await loginAt(account, first + i * step, home, { ip });
  const enc = encodeId(account);
  const folded = storedKeys(`p/demo/a/${enc}/h/`);
  assert.equal(folded.length, 1, `one rollup after the history: ${folded.join(", ")}`);

  const burst = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const sid = await retrying(() => newSession(browserSignals(unique(`burst${i}`)), { ip: uniqueIp() }));
      return retrying(() => authenticate(sid, { id: account }));
    }),
  );
  assert.deepEqual(burst.map((a) => a.status), Array(100).fill(200));

  const acct = await call("GET", `/account/${account}`, { key: DEMO.secret });
  assert.equal(acct.body.num_sessions, 400);
  assert.equal(Date.parse(acct.body.first_seen), first);
  const kept = storedKeys(`p/demo/a/${enc}/s/`).length;
  assert.ok(kept <= 200 + 100 + 64, `${kept} session keys kept`);
  const listed = await call("GET", `/account/${account}/sessions`, { key: DEMO.secret });
  assert.ok(listed.body.sessions.length >= 200 && listed.body.sessions.length <= kept, `${listed.body.sessions.length} listed`);

  const gone = await call("DELETE", `/account/${account}`, { key: DEMO.secret });
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  // The address index is filed by the hour of the (development) clock and kept three hours of
  // real time: entries of hours long past would have expired on Cloudflare, and deletion does
  // not look for them.
  // So is the population journal (an entry per new session, kept seven days): the entries of
  // sessions laid down weeks back by the development clock outlive them here only.
  const hourNow = Math.floor(Date.now() / HOUR);
  const expired = (k) => {
    // Filed as 999999999 - hour (newest first).
    const filed = k.match(/^p\/demo\/i\/a\/[^/]+\/n\/(\d+)\//);
    const hour = filed && [null, 999999999 - Number(filed[1])];
    const journal = k.match(/^p\/demo\/j\/(\d+)\//);
    return (hour && Number(hour[1]) < hourNow - 3) || (journal && Number(journal[1]) < Date.now() - 7 * 24 * HOUR);
  };
  const left = storedKeys("p/demo/").filter((k) => k.split("/").includes(enc) && !expired(k));
  // Every other key naming the account must be gone.
  assert.deepEqual(left, []);
});
