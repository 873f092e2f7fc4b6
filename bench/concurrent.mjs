// Authenticate under concurrency, from Node: a fresh worker (wrangler dev, local KV), 600
// sessions on 200 browsers, then 600 authenticates of 200 accounts on C connections at once.
// Prints the answers by status, requests a second, p50 and p99. A lighter scenario than
// bench/load.sh (no prepared history, no wrk), kept to tell the worker's cost from the script's.
//
//   bash scripts/build-worker.sh && EDGEWARD_SKIP_BUILD=1 node bench/concurrent.mjs   # C=32
import { startWorker } from "../tests/worker.mjs";

const w = await startWorker("concurrent");
const pub = "pk_dev_demo_8e1d6b2a";
const secret = "sk_dev_demo_5f2c0a9e1b7d4c3a";
const N = 600;
const C = Number(process.env.C ?? 32);

const sids = [];
for (let i = 0; i < N; i += 50) {
  const batch = Array.from({ length: 50 }, async (_, k) => {
    const r = await fetch(`${w.base}/session`, {
      method: "POST",
      headers: { "x-public-key": pub, "content-type": "application/json", "x-forwarded-for": `198.18.${(i + k) % 250}.1` },
      body: JSON.stringify({ browser_id: `lb-${(i + k) % 200}`, window: { userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" } }),
    });
    return (await r.json()).session_id;
  });
  sids.push(...(await Promise.all(batch)));
}

let next = 0;
const latencies = [];
const statuses = {};
const start = Date.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < N) {
      const k = next++;
      const t = performance.now();
      const r = await fetch(`${w.base}/session/authenticate`, {
        method: "POST",
        headers: { "x-api-key": secret, "content-type": "application/json" },
        body: JSON.stringify({ session_id: sids[k], account: { id: `acct-${k % 200}` } }),
      });
      await r.text();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      latencies.push(performance.now() - t);
    }
  }),
);
latencies.sort((a, b) => a - b);
const rps = N / ((Date.now() - start) / 1000);
console.log(`statuses ${JSON.stringify(statuses)}; ${rps.toFixed(1)} req/s; p50 ${latencies[N >> 1].toFixed(1)} ms; p99 ${latencies[Math.floor(N * 0.99)].toFixed(1)} ms`);
process.exit(0);
