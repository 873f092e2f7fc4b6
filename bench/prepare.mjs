// Prepares the load: ACCOUNTS accounts with SESSIONS_PER sessions each, every session created
// through POST /session and authenticated once, so the load finds realistic histories.
// Prints one "session_id account_id" line per session.
const base = process.argv[2];
const accounts = Number(process.env.ACCOUNTS ?? 200);
const per = Number(process.env.SESSIONS_PER ?? 5);
const pub = "pk_dev_demo_8e1d6b2a";
const secret = "sk_dev_demo_5f2c0a9e1b7d4c3a";
const run = Date.now().toString(36);

async function one(a, s) {
  const account = `load-${run}-${a}`;
  const r = await fetch(`${base}/session`, {
    method: "POST",
    headers: { "x-public-key": pub, "content-type": "application/json", "x-forwarded-for": `198.18.${a % 250}.${s + 1}` },
    body: JSON.stringify({ browser_id: `load-${run}-${a}`, window: { userAgent: "Mozilla/5.0", timezone: "Europe/Berlin", screen: { width: 1440, height: 900 } } }),
  });
  const { session_id } = await r.json();
  const auth = await fetch(`${base}/session/authenticate`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({ session_id, account: { id: account } }),
  });
  if (!auth.ok) throw new Error(`prepare: authenticate answered ${auth.status}: ${await auth.text()}`);
  return `${session_id} ${account}`;
}

const lines = [];
for (let s = 0; s < per; s++) {
  for (let a = 0; a < accounts; a += 20) {
    const batch = [];
    for (let b = a; b < Math.min(a + 20, accounts); b++) batch.push(one(b, s));
    lines.push(...(await Promise.all(batch)));
  }
}
console.log(lines.join("\n"));
