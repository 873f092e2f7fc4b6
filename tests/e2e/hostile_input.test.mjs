// Bad input never hurts: hostile ids, malformed bodies, wrong types and huge bodies each get
// the right 4xx with a message naming the problem, and nothing stored is lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

test("hostile account ids are stored under their own keys and read back exactly", async () => {
  const tag = unique("h");
  const ids = [`${tag}:a`, `${tag}/a`, `${tag}/../a`, `${tag}%2Fa`, `${tag} Zoë 🙂`, `${tag}`, `..${tag}`];
  for (const [i, id] of ids.entries()) {
    const r = await call("PUT", `/account/${encodeURIComponent(id)}`, { key: DEMO.secret, json: { id, email: `u${i}@example.com` } });
    assert.equal(r.status, 200, `${id}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.account.id, id);
  }
  for (const [i, id] of ids.entries()) {
    const r = await call("GET", `/account/${encodeURIComponent(id)}`, { key: DEMO.secret });
    assert.equal(r.body.account.email, `u${i}@example.com`, id);
  }
  // A raw slash is a different path, not an id.
  assert.equal((await call("GET", `/account/${tag}/a`, { key: DEMO.secret })).status, 404);
});

test("ids made only of dots work in bodies (URLs cannot carry them: clients resolve them away)", async () => {
  for (const id of ["..", "."]) {
    const sid = await newSession(browserSignals(unique("b")));
    const r = await authenticate(sid, { id });
    assert.equal(r.status, 200);
    assert.equal(r.body.account_id, id);
    const s = await call("GET", `/session/${sid}`, { key: DEMO.secret });
    assert.deepEqual(s.body.account_ids, [id]);
  }
});

test("an id of 10 KB is refused with 400 and a reason", async () => {
  const long = "x".repeat(10_240);
  const put = await call("PUT", `/account/${long}`, { key: DEMO.secret, json: { id: long } });
  assert.equal(put.status, 400);
  assert.match(put.body.message, /account_id is too long/);
  const sid = await newSession(browserSignals(unique("b")));
  const auth = await authenticate(sid, { id: long });
  assert.equal(auth.status, 400);
  assert.match(auth.body.message, /account\.id is too long/);
});

test("malformed bodies and wrong types are named", async () => {
  const sid = await newSession(browserSignals(unique("b")));
  const cases = [
    ["{not json", 400, /not valid JSON/],
    ["[1,2]", 400, /must be a JSON object/],
    [JSON.stringify({ account: { id: "a" } }), 400, /session_id is required/],
    [JSON.stringify({ session_id: 42, account: { id: "a" } }), 400, /session_id must be a string, not a number/],
    [JSON.stringify({ session_id: sid, account: "a" }), 400, /account must be an object/],
    [JSON.stringify({ session_id: sid, account: { id: "a", email: ["x"] } }), 400, /account\.email must be a string/],
    [JSON.stringify({ session_id: sid, account: { id: "a", metadata: 3 } }), 400, /account\.metadata must be an object/],
    [JSON.stringify({ session_id: "00000000-0000-4000-8000-000000000000", account: { id: "a" } }), 404, /not found/],
  ];
  for (const [raw, status, message] of cases) {
    const r = await call("POST", "/session/authenticate", { key: DEMO.secret, raw, headers: { "content-type": "application/json" } });
    assert.equal(r.status, status, raw);
    assert.match(r.body.message, message, raw);
  }
});

test("bodies over 64 KB get 413", async () => {
  const big = JSON.stringify({ pad: "x".repeat(70 * 1024) });
  const s = await call("POST", "/session", { publicKey: DEMO.public, raw: big });
  assert.equal(s.status, 413);
  const a = await call("POST", "/session/authenticate", { key: DEMO.secret, raw: big });
  assert.equal(a.status, 413);
});

test("a browser payload with unknown or missing parts is accepted as unknown", async () => {
  for (const payload of [{}, { window: 5 }, { window: { webdriver: "maybe", screen: "wide" } }, { future: { thing: [1] } }]) {
    const r = await call("POST", "/session", { publicKey: DEMO.public, json: payload });
    assert.equal(r.status, 200, JSON.stringify(payload));
  }
  const r = await call("POST", "/session", { publicKey: DEMO.public, raw: "" });
  assert.equal(r.status, 200);
});

test("unknown routes are 404 and wrong methods 405 with Allow", async () => {
  assert.equal((await call("GET", "/nope", { key: DEMO.secret })).status, 404);
  const r = await call("PATCH", "/account/x", { key: DEMO.secret });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get("allow"), "GET, PUT, DELETE");
});

test("a failed update leaves the stored account as it was", async () => {
  const id = unique("safe");
  await call("PUT", `/account/${id}`, { key: DEMO.secret, json: { id, email: "safe@example.com", metadata: { a: 1 } } });
  const bad = await call("PUT", `/account/${id}`, { key: DEMO.secret, json: { id, email: "new@example.com", metadata: "oops" } });
  assert.equal(bad.status, 400);
  const r = await call("GET", `/account/${id}`, { key: DEMO.secret });
  assert.equal(r.body.account.email, "safe@example.com");
  assert.deepEqual(r.body.account.metadata, { a: 1 });
});
