// A page of the tests' own that collects with the package and posts the raw signals back, for
// browsers no test tool talks to (a plain Chromium or Firefox under Xvfb): what the page saw
// can then be asserted and relayed to the worker, which evaluates it as it evaluates any page's
// POST /session. Served on 127.0.0.1 from www/pkg (scripts/build-package.sh).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO, call } from "./client.mjs";

const pkg = fileURLToPath(new URL("../../www/pkg/", import.meta.url));
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm" };

// Like a sign-up form, it collects once it has painted and settled, not in its first instant
// (before its first paint Chromium may not have marked the hidden frame hidden yet, and the
// package then leaves the timers unjudged).
const PAGE = `<!doctype html><meta charset="utf-8"><title>collect</title><body><h1>Sign up</h1><script type="module">
import init, { collect, evaluate } from "/pkg/index.js";
await init();
const painted = () => performance.getEntriesByType("paint").length > 0;
for (const end = performance.now() + 5000; !painted() && performance.now() < end; ) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 300));
const signals = await collect();
await fetch("/posted", { method: "POST", body: JSON.stringify({ signals, verdict: evaluate(signals) }) });
document.title = "posted";
</script></body>`;

/**
 * Opens the collect page with `open(url) → { stop() }`, waits (a minute at most) for what it
 * posts, stops the browser. → { signals, verdict (the page's own) }.
 */
export async function collectUnwatched(open) {
  let posted;
  const arrived = new Promise((resolve) => (posted = resolve));
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path === "/collect") {
      res.setHeader("content-type", "text/html");
      return res.end(PAGE);
    }
    if (path === "/posted" && req.method === "POST") {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        res.end();
        posted(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      });
      return;
    }
    try {
      if (!path.startsWith("/pkg/")) throw new Error("not the package");
      const body = readFileSync(join(pkg, path.slice("/pkg/".length)));
      res.setHeader("content-type", TYPES[extname(path)] ?? "application/octet-stream");
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await open(`http://127.0.0.1:${server.address().port}/collect`);
  try {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("the collect page posted nothing within a minute")), 60_000);
    });
    return await Promise.race([arrived, late]).finally(() => clearTimeout(timer));
  } finally {
    await browser.stop();
    server.close();
  }
}

/**
 * Posts `signals` to the worker's POST /session as the page would (with the browser's own user
 * agent), binds the session to `account` → the worker's scores (POST /session/unauthenticated).
 */
export async function relay(signals, account) {
  const created = await call("POST", "/session", {
    publicKey: DEMO.public,
    json: signals,
    headers: { "user-agent": String(signals.window?.userAgent ?? "") },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { session_id } = created.body;
  const auth = await call("POST", "/session/authenticate", { key: DEMO.secret, json: { session_id, account: { id: account } } });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const scores = await call("POST", "/session/unauthenticated", { key: DEMO.secret, json: { session_id } });
  assert.equal(scores.status, 200);
  return scores.body;
}
