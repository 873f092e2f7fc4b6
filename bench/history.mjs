// History scaling: how a login (POST /session + POST /session/authenticate) and an account read
// (GET /account/{id}) cost as an account's history grows. Starts the built worker (wrangler dev,
// local KV on disk), lays down accounts with 10, 100, 1,000 and 3,000 logins of history, one
// every six hours up to now (the development clock, `x-edgeward-now`), then times ROUNDS more
// logins and reads of each, the accounts taken in turn so the machine's noise falls on all.
//
//   EDGEWARD_SKIP_BUILD=1 node bench/history.mjs      (SIZES=10,100,1000,3000 ROUNDS=100)
import { startWorker } from "../tests/worker.mjs";

const sizes = (process.env.SIZES ?? "10,100,1000,3000").split(",").map(Number);
const rounds = Number(process.env.ROUNDS ?? 100);
const pub = "pk_dev_demo_8e1d6b2a";
const secret = "sk_dev_demo_5f2c0a9e1b7d4c3a";
const SPACING = 6 * 3600 * 1000;

const worker = await startWorker("history");
const base = worker.base;
const run = Date.now().toString(36);

async function call(method, path, { key, body, at, ip } = {}) {
  const headers = { "content-type": "application/json" };
  if (key) headers[key.startsWith("pk_") ? "x-public-key" : "x-api-key"] = key;
  if (at) headers["x-edgeward-now"] = String(at);
  if (ip) headers["x-forwarded-for"] = ip;
  const r = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path} answered ${r.status}: ${text}`);
  return JSON.parse(text);
}

// One login of `account` at `at`: its usual browser (a new one every 500 logins, as people
// change computers), an address of its home network.
async function login(account, i, at) {
  const { session_id } = await call("POST", "/session", {
    key: pub,
    at,
    ip: `198.51.100.${(i % 7) + 1}`,
    body: {
      browser_id: `${account}-b${Math.floor(i / 500)}`,
      window: {
        userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        timezone: "Europe/Berlin",
        languages: ["de-DE"],
        screen: { width: 1440, height: 900 },
      },
    },
  });
  return call("POST", "/session/authenticate", {
    key: secret,
    at,
    body: { session_id, account: { id: account, email: `${account}@example.com` } },
  });
}

const start = Date.now() - Math.max(...sizes) * SPACING;
const name = (n) => `hist-${run}-${n}`;
const seeded = Date.now();
// Accounts are laid down side by side, each one's logins in order.
await Promise.all(
  sizes.map(async (n) => {
    const first = start + (Math.max(...sizes) - n) * SPACING;
    for (let i = 0; i < n; i++) await login(name(n), i, first + i * SPACING);
  }),
);
const total = sizes.reduce((a, b) => a + b, 0);
console.error(`seeded ${total} logins in ${((Date.now() - seeded) / 1000).toFixed(0)} s`);

const times = Object.fromEntries(sizes.map((n) => [n, { login: [], read: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const n of sizes) {
    const at = start + (Math.max(...sizes) + r) * SPACING;
    let t = performance.now();
    const a = await login(name(n), n + r, at);
    times[n].login.push(performance.now() - t);
    if (a.account.num_sessions !== n + r + 1) throw new Error(`${name(n)}: ${a.account.num_sessions} sessions`);
    t = performance.now();
    await call("GET", `/account/${name(n)}`, { key: secret, at });
    times[n].read.push(performance.now() - t);
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
console.log(`| history (logins) | ${sizes.join(" | ")} |`);
console.log(`|---|${sizes.map(() => "---").join("|")}|`);
for (const [what, label] of [
  ["login", "login p50 / p99 (ms)"],
  ["read", "GET /account p50 / p99 (ms)"],
]) {
  console.log(`| ${label} | ${sizes.map((n) => `${pct(times[n][what], 50).toFixed(1)} / ${pct(times[n][what], 99).toFixed(1)}`).join(" | ")} |`);
}
const ratio = (what) => pct(times[sizes.at(-1)][what], 50) / pct(times[sizes[0]][what], 50);
console.log(`\np50 at ${sizes.at(-1)} over p50 at ${sizes[0]}: login ${ratio("login").toFixed(2)}, read ${ratio("read").toFixed(2)}`);
process.exit(0);
