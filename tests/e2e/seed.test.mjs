// The seed's PUT /account request is answered with every field of the seed's response, with
// the same JSON types, recursively.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DEMO, authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

const seed = JSON.parse(readFileSync(new URL("../fixtures/verisoul-put-account.json", import.meta.url)));

const kind = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function sameShape(want, have, path = "") {
  assert.equal(kind(have), kind(want), `${path || "response"}: expected ${kind(want)}, got ${kind(have)}`);
  if (kind(want) === "object") {
    for (const k of Object.keys(want)) {
      assert.ok(k in have, `${path}.${k} is missing`);
      // metadata is the caller's free-form object
      if (k !== "metadata") sameShape(want[k], have[k], `${path}.${k}`);
    }
  } else if (kind(want) === "array" && want.length && have.length) {
    have.forEach((v, i) => sameShape(want[0], v, `${path}[${i}]`));
  }
}

test("the seed's PUT /account request gets the seed's response shape", async () => {
  const id = unique("john-doe");
  // The account has a session, so every field of the seed (last_session, country …) is real.
  await authenticate(await newSession(browserSignals(unique("b"))), { id });
  const body = { ...seed.request.body, id, email: "johndoe.example@gmail.com" };
  const r = await call("PUT", `/account/${encodeURIComponent(id)}`, { key: DEMO.secret, json: body });
  assert.equal(r.status, 200);
  sameShape(seed.response, r.body);
  assert.equal(r.body.num_sessions, 1);
  assert.equal(r.body.account.id, id);
  assert.equal(r.body.email.email, "johndoe.example@gmail.com");
  assert.equal(r.body.email.valid, true);
  assert.equal(r.body.email.domain_type, "personal");
  assert.equal(r.body.email.personal, true);
  assert.ok(Number.isInteger(r.body.num_sessions) && Number.isInteger(r.body.accounts_linked));
  assert.match(r.body.first_seen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
