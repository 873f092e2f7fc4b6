// `make dev` keeps the population index current on its own. `wrangler dev` fires no cron
// trigger ("Scheduled Workers are not automatically triggered during local development"), so
// in development the worker folds the population journal after a response once
// POPULATION_FOLD_EVERY seconds have passed (src/edge/mod.rs). The shared e2e worker has that
// off (its tests fold through /__scheduled); this test starts a worker of its own with a
// two-second period and never calls /__scheduled.
import assert from "node:assert/strict";
import test from "node:test";

import { startWorker } from "../worker.mjs";
import { DEMO, browserSignals, unique, uniqueIp } from "./client.mjs";

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

test("under wrangler dev an authenticated session reaches the population index without a cron", async () => {
  const w = await startWorker("fold", { vars: { POPULATION_FOLD_EVERY: "2" } });
  try {
    const post = async (path, headers, body) => {
      const r = await fetch(w.base + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
      return r.json();
    };
    const s = await post("/session", { "x-public-key": DEMO.public, "x-forwarded-for": uniqueIp(), "user-agent": FIREFOX },
      browserSignals(unique("fold")));
    await post("/session/authenticate", { "x-api-key": DEMO.secret }, { session_id: s.session_id, account: { id: unique("fold") } });

    // Any request after the period folds the journal, after its response.
    const folded = /after a request: population of demo rebuilt \(1 sessions, 1 devices\): 1 arrivals folded/;
    const deadline = Date.now() + 30_000;
    while (!folded.test(w.log()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal((await fetch(`${w.base}/health`)).status, 200);
    }
    assert.match(w.log(), folded);
    assert.doesNotMatch(w.log(), /scheduled: population/);
  } finally {
    try {
      process.kill(-w.process.pid, "SIGTERM");
    } catch {}
  }
});
