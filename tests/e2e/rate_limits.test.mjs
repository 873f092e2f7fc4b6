// Rate limits through the real worker: the `throttled` project of run.mjs accepts 5 requests a
// minute per client address on the public endpoints and 5 per secret key on the others.
//
// Two counters stand between a client and its project (src/api/ratelimit.rs): the isolate's
// one-minute window, read against the API clock (which `x-edgeward-now` sets in development),
// and wrangler's local Rate Limiting binding of the tier above the limit (RATE_LIMIT_10), which
// counts by the wall clock. Moving the API clock a minute on proves the next window passes;
// spreading one client's requests over many API-clock minutes, so the isolate never sees more
// than one in a window, proves the binding still counts them.
import { test } from "node:test";
import assert from "node:assert/strict";

import { call, DEMO, uniqueIp } from "./client.mjs";

const THROTTLED = JSON.parse(process.env.EDGEWARD_TEST_THROTTLED ?? "null");
const MINUTE = 60_000;
// A minute of the API clock no other test uses, 10 s in.
const M = Math.floor(Date.now() / MINUTE) * MINUTE + 400 * 24 * 60 * MINUTE;

const nonce = (project, ip, now) =>
  call("POST", "/session/nonce", {
    publicKey: project.public,
    headers: { "x-forwarded-for": ip, "x-edgeward-now": String(now) },
  });

test("a client address past its project's public limit gets 429 with Retry-After, others pass, the next minute passes", { skip: !THROTTLED }, async () => {
  const a = uniqueIp();
  const now = M + 10_000;
  for (let i = 0; i < 5; i++) assert.equal((await nonce(THROTTLED, a, now + i)).status, 200);
  const over = await nonce(THROTTLED, a, now + 5);
  assert.equal(over.status, 429, JSON.stringify(over.body));
  assert.equal(over.body.statusCode, 429);
  assert.match(over.body.message, /5 requests a minute from one client address/);
  assert.equal(over.headers.get("retry-after"), "50");
  const session = await call("POST", "/session", {
    publicKey: THROTTLED.public,
    json: {},
    headers: { "x-forwarded-for": a, "x-edgeward-now": String(now + 6) },
  });
  assert.equal(session.status, 429, "POST /session shares the address's budget");

  assert.equal((await nonce(THROTTLED, uniqueIp(), now + 7)).status, 200, "another address");
  assert.equal((await nonce(DEMO, a, now + 8)).status, 200, "the same address on another project");
  assert.equal((await nonce(THROTTLED, a, M + MINUTE)).status, 200, "the next minute");
});

test("a secret key past its limit gets 429 with Retry-After; another project's key passes; the next minute passes", { skip: !THROTTLED }, async () => {
  const at = (now) => ({ key: THROTTLED.secret, headers: { "x-edgeward-now": String(now) } });
  const now = M + 2 * MINUTE + 30_000;
  for (let i = 0; i < 5; i++) assert.equal((await call("GET", "/list", at(now))).status, 200);
  const over = await call("GET", "/list", at(now));
  assert.equal(over.status, 429);
  assert.match(over.body.message, /5 requests a minute from one secret key/);
  assert.equal(over.headers.get("retry-after"), "30");
  const demo = await call("GET", "/list", { key: DEMO.secret, headers: { "x-edgeward-now": String(now) } });
  assert.equal(demo.status, 200);
  assert.equal((await call("GET", "/list", at(now + 30_000))).status, 200);
});

test("wrangler dev's Rate Limiting binding counts a client across windows of the API clock", { skip: !THROTTLED }, async () => {
  // The binding's windows are wall-clock minutes: start early enough in one to finish in it.
  const wait = MINUTE - (Date.now() % MINUTE);
  if (wait < 15_000) await new Promise((r) => setTimeout(r, wait + 100));
  const c = uniqueIp();
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const r = await nonce(THROTTLED, c, M + (10 + i) * MINUTE);
    statuses.push(r.status);
    if (r.status === 429) {
      assert.equal(r.headers.get("retry-after"), "60");
      assert.equal(r.body.statusCode, 429);
    }
  }
  // RATE_LIMIT_10 (the tier above 5) admits ten, though the isolate saw one a minute.
  assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429]);
  assert.equal((await nonce(THROTTLED, uniqueIp(), M + 30 * MINUTE)).status, 200, "another address");
});
