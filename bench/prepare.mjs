// Prepares the load on Edgeward at BASE: ACCOUNTS accounts with HISTORY authenticated sessions
// each (realistic histories to list and score), then FRESH new browser sessions, each assigned
// to one of those accounts on its usual browser. Prints one "session_id account_id" line per
// fresh session: the load authenticates each once, as a login does.
const base = process.argv[2];
const accounts = Number(process.env.ACCOUNTS ?? 200);
const history = Number(process.env.HISTORY ?? 5);
const fresh = Number(process.env.FRESH ?? 12000);
const pub = "pk_dev_demo_8e1d6b2a";
const secret = "sk_dev_demo_5f2c0a9e1b7d4c3a";
const run = Date.now().toString(36);

// wrangler dev's proxy drops a request now and then under a burst ("Your worker restarted
// mid-request", a 503, or a reset connection; cloudflare/workers-sdk#14641) while the worker runs
// on: such a request is sent again, as the answer asks (Retry-After: 0).
async function send(url, init) {
  for (let attempt = 1; ; attempt++) {
    let r;
    try {
      r = await fetch(url, init);
    } catch (e) {
      if (attempt === 5) throw e; // a connection the proxy reset
      continue;
    }
    const dropped = r.status === 503 && /restarted mid-request/.test(await r.clone().text());
    if (!dropped || attempt === 5) return r;
  }
}

async function session(a, n) {
  const r = await send(`${base}/session`, {
    method: "POST",
    headers: { "x-public-key": pub, "content-type": "application/json", "x-forwarded-for": `198.18.${a % 250}.${(n % 250) + 1}` },
    body: JSON.stringify({
      browser_id: `load-${run}-${a}`,
      window: { userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", timezone: "Europe/Berlin", languages: ["de-DE"], screen: { width: 1440, height: 900 } },
      behavior: { mouse: 30, click: 2, keyboard: 20 },
    }),
  });
  if (!r.ok) throw new Error(`prepare: POST /session answered ${r.status}: ${await r.text()}`);
  return (await r.json()).session_id;
}

async function inBatches(n, size, f) {
  const out = [];
  for (let i = 0; i < n; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => f(i + k)))));
  }
  return out;
}

const account = (a) => `load-${run}-${a}`;
await inBatches(accounts * history, 25, async (i) => {
  const a = i % accounts;
  const sid = await session(a, i);
  const r = await send(`${base}/session/authenticate`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({ session_id: sid, account: { id: account(a), email: `user${a}@example.com` } }),
  });
  if (!r.ok) throw new Error(`prepare: authenticate answered ${r.status}: ${await r.text()}`);
});
const lines = await inBatches(fresh, 50, async (i) => `${await session(i % accounts, i)} ${account(i % accounts)}`);
console.log(lines.join("\n"));
