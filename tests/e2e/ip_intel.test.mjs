// The IP tables through the real worker: country and ASN from the open data (the ASN table read
// from local KV), network kinds from the embedded origin table, and the scheduled Tor-exit
// refresh fetching its list over HTTP (run.mjs serves a stand-in list).
import assert from "node:assert/strict";
import { test } from "node:test";
import { BASE, DEMO, browserSignals, call, newSession, unique } from "./client.mjs";

const TOR_EXIT = process.env.EDGEWARD_TEST_TOR_EXIT;

async function login(ip, headers = {}) {
  const id = unique("ip");
  const sid = await newSession(browserSignals(id), { ip, headers });
  const r = await call("POST", "/session/authenticate", {
    key: DEMO.secret,
    json: { session_id: sid, account: { id } },
    headers,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test("an address gets country and ASN from the open data when request.cf has none", async () => {
  // Deutsche Telekom: AS3320, Germany.
  const r = await login("80.156.0.1");
  assert.equal(r.session.location.country_code, "DE");
  assert.deepEqual(r.account.countries, ["DE"]);
  // The ASN table is not embedded: this comes from the copy scripts/ip-tables.sh put in KV.
  assert.equal(r.session.network.service_provider, "AS3320");
});

test("cloud and Tor addresses are flagged with their reasons", async () => {
  const aws = await login("3.5.140.2");
  assert.equal(aws.session.risk_signals.datacenter, true);
  assert.equal(aws.session.network.service_provider, "Amazon AWS");
  assert.ok(aws.reasons.some((x) => x.code === "RISK_DATACENTER"));
  const tor = await login("185.220.101.1");
  assert.equal(tor.session.risk_signals.tor, true);
  assert.notEqual(tor.decision, "Real");
});

test("a Tor exit from the refreshed list is flagged after the scheduled run, not before", async () => {
  assert.ok(TOR_EXIT, "run.mjs passes the stand-in exit address");
  const before = await login(TOR_EXIT);
  assert.equal(before.session.risk_signals.tor, false);
  const run = await fetch(`${BASE}/__scheduled?cron=*/10+*+*+*+*`);
  assert.equal(run.status, 200);
  // An isolate re-reads the list after its refresh interval (10 minutes): move the clock.
  const later = { "x-edgeward-now": String(Date.now() + 11 * 60_000) };
  const after = await login(TOR_EXIT, later);
  assert.equal(after.session.risk_signals.tor, true, JSON.stringify(after.session));
  assert.ok(after.reasons.some((x) => x.code === "RISK_TOR"));
});
