// Keys: missing or wrong keys are refused, each kind only works where it belongs, and one
// project can never read or change another project's accounts or sessions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, OTHER, authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

test("missing and wrong keys get 401, misplaced keys 403", async () => {
  const cases = [
    ["GET", "/account/a", {}, 401, /missing API key/],
    ["GET", "/account/a", { key: "sk_nope" }, 401, /invalid API key/],
    ["GET", "/account/a", { bearer: "sk_nope" }, 401, /invalid API key/],
    ["GET", "/account/a", { key: DEMO.public }, 403, /public key cannot/],
    ["POST", "/session/authenticate", { bearer: DEMO.public, json: {} }, 403, /public key cannot/],
    ["POST", "/session", { json: {} }, 401, /missing public key/],
    ["POST", "/session", { publicKey: "pk_nope", json: {} }, 401, /invalid public key/],
    ["POST", "/session", { publicKey: DEMO.secret, json: {} }, 403, /secret key must never/],
  ];
  for (const [method, path, opts, status, message] of cases) {
    const r = await call(method, path, opts);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(opts)}`);
    assert.match(r.body.message, message);
  }
});

test("the browser endpoint honours CORS for the project's origins only", async () => {
  const ok = await fetch(`${process.env.EDGEWARD_URL}/session`, {
    method: "OPTIONS",
    headers: { origin: "http://127.0.0.1:8787", "access-control-request-method": "POST" },
  });
  assert.equal(ok.status, 204);
  const post = await call("POST", "/session", { publicKey: DEMO.public, json: {}, headers: { origin: "http://127.0.0.1:8787" } });
  assert.equal(post.headers.get("access-control-allow-origin"), "http://127.0.0.1:8787");
  const evil = await call("POST", "/session", { publicKey: DEMO.public, json: {}, headers: { origin: "https://evil.example" } });
  assert.equal(evil.status, 403);
  const otherOrigin = await call("POST", "/session", { publicKey: OTHER.public, json: {}, headers: { origin: "http://127.0.0.1:8787" } });
  assert.equal(otherOrigin.status, 403);
});

test("one project cannot read or change another project's accounts and sessions", async () => {
  const id = unique("mine");
  const sid = await newSession(browserSignals(unique("b")));
  await authenticate(sid, { id, email: "mine@example.com" });

  const other = (method, path, json) => call(method, path, { key: OTHER.secret, json });
  assert.equal((await other("GET", `/account/${id}`)).status, 404);
  assert.equal((await other("GET", `/account/${id}/sessions`)).status, 404);
  assert.equal((await other("GET", `/account/${id}/accounts-linked`)).status, 404);
  assert.equal((await other("GET", `/session/${sid}`)).status, 404);
  assert.equal((await other("DELETE", `/account/${id}`)).status, 404);
  assert.equal((await other("POST", "/session/authenticate", { session_id: sid, account: { id } })).status, 404);
  assert.equal((await other("POST", "/session/unauthenticated", { session_id: sid })).status, 404);
  // The other project may have an account of the same name: it is a different account.
  const put = await other("PUT", `/account/${id}`, { id, email: "theirs@example.com" });
  assert.deepEqual([put.status, put.body.project_id, put.body.num_sessions], [200, "other", 0]);

  const mine = await call("GET", `/account/${id}`, { key: DEMO.secret });
  assert.equal(mine.body.account.email, "mine@example.com");
  assert.equal(mine.body.num_sessions, 1);
  const sess = await call("GET", `/session/${sid}`, { key: DEMO.secret });
  assert.deepEqual(sess.body.account_ids, [id]);
});
