// The console with a large project: seeds ACCOUNTS accounts (default 10,000; each a browser
// session and an authenticate, the last tenth on shared browsers so incidents open), then
// measures the p50 and p95 of each read endpoint (RUNS calls each) and, in Debian's Chromium,
// the time from opening the console to a rendered overview (its chart drawn) and inbox (its
// table). Starts its own worker (`wrangler dev`, local storage) like the e2e suite.
// Needs `make build` (worker, package and console).
//
//   node bench/console.mjs          (ACCOUNTS=10000, RUNS=50, CONCURRENCY=8)
import { startWorker } from "../tests/worker.mjs";
import { launchDriven } from "../tests/e2e/chromium.mjs";

const ACCOUNTS = Number(process.env.ACCOUNTS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 50);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const SECRET = "sk_dev_demo_5f2c0a9e1b7d4c3a";
const PUBLIC = "pk_dev_demo_8e1d6b2a";

const worker = await startWorker("bench-console");
const base = worker.base;

async function post(path, headers, body) {
  const r = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function seedOne(i) {
  // One in ten shares a browser with nine others: a farm, which opens incidents.
  const browser = i % 10 === 9 ? `farm-${Math.floor(i / 100)}` : `b-${i}`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const s = await post("/session", { "x-public-key": PUBLIC, "x-forwarded-for": ip }, {
    browser_id: browser,
    window: { userAgent: "Mozilla/5.0", platform: `bench-${browser}`, timezone: "Europe/Paris", languages: ["fr-FR"], screen: { width: 1920, height: 1080 } },
  });
  await post("/session/authenticate", { "x-api-key": SECRET }, { session_id: s.session_id, account: { id: `acct-${i}`, email: `user${i}@example.com` } });
}

const started = Date.now();
let next = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < ACCOUNTS) await seedOne(next++);
}));
const seeded = (Date.now() - started) / 1000;

async function timed(path) {
  const t = performance.now();
  const r = await fetch(base + path, { headers: { "x-api-key": SECRET } });
  await r.text();
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return performance.now() - t;
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const endpoints = ["/accounts?limit=50", "/accounts?q=acct-4242", "/accounts?q=user4242%40example.com", "/incidents?status=pending&limit=50", "/stats?bucket=day", "/stats?bucket=hour"];
const reads = [];
for (const e of endpoints) {
  const xs = [];
  for (let i = 0; i < RUNS; i++) xs.push(await timed(e));
  reads.push({ endpoint: e, p50: pct(xs, 50), p95: pct(xs, 95) });
}

const browser = await launchDriven();
async function render(hash, selector) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/`);
  await page.click("#key-form button[type=submit]");
  await page.waitForSelector("main h1");
  const t = performance.now();
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector(selector, { state: "attached", timeout: 60_000 });
  const ms = performance.now() - t;
  await page.close();
  return ms;
}
const renders = [];
for (const [name, hash, selector] of [["overview (7 days, chart drawn)", "#/overview?range=7d", "#chart .uplot canvas"], ["inbox (fake accounts, pending, table drawn)", "#/inbox?type=fa&status=pending", "main table, main p.state:not([role])"]]) {
  const xs = [];
  for (let i = 0; i < 5; i++) xs.push(await render(hash, selector));
  renders.push({ name, p50: pct(xs, 50) });
}
await browser.close();

console.log(`seeded ${ACCOUNTS} accounts in ${seeded.toFixed(0)} s (${CONCURRENCY} at a time)`);
console.log("| read endpoint | p50 | p95 |\n|---|---|---|");
for (const r of reads) console.log(`| \`GET ${r.endpoint}\` | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms |`);
console.log("| console page | time to rendered (p50 of 5) |\n|---|---|");
for (const r of renders) console.log(`| ${r.name} | ${r.p50.toFixed(0)} ms |`);
process.exit(0);
