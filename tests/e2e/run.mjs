// Runs the end-to-end suite against the real worker (tests/worker.mjs starts it under
// `wrangler dev`), runs every tests/e2e/*.test.mjs with node's test runner, and stops the worker.
//
//   node tests/e2e/run.mjs            (the worker and the package must be built:
//                                      scripts/build-worker.sh, scripts/build-package.sh)
//   node tests/e2e/run.mjs lists webhooks
//                                     only the test files whose names contain one of the words
//
// Besides the worker it serves two stand-ins on 127.0.0.1 (the machine is offline):
// - a Tor exit list for the scheduled refresh (ip_intel.test.mjs), EDGEWARD_TEST_TOR_EXIT;
// - a webhook receiver (webhooks.test.mjs): the demo project of wrangler.toml's
//   EDGEWARD_PROJECTS gets `"webhook": {url, secret}` pointing at it (passed with `--var`). It
//   records every POST (body, headers, status answered) and answers 500 to the first delivery
//   for each user_id, 200 afterwards, so retries show; GET /received returns the records.
//   Tests get its base URL in EDGEWARD_TEST_WEBHOOK and the secret in
//   EDGEWARD_TEST_WEBHOOK_SECRET.
// - a third project, `throttled`, with rate limits of 5 a minute (rate_limits.test.mjs); tests
//   get its keys in EDGEWARD_TEST_THROTTLED and the number of projects in
//   EDGEWARD_TEST_PROJECTS;
// - a fourth, `rules`, whose customer rules cannot change other tests' answers
//   (rules.test.mjs, keys in EDGEWARD_TEST_RULES).
// Tests also get the worker's local KV directory in EDGEWARD_STATE_DIR (for
// `wrangler kv key list --local --persist-to`).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { freePort, root, startWorker } from "../worker.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const listen = (handler) =>
  new Promise((resolve) => {
    const srv = createServer(handler);
    srv.listen(0, "127.0.0.1", () => resolve(srv));
  });

// A stand-in for check.torproject.org's exit list, for the scheduled Tor refresh
// (ip_intel.test.mjs): one documentation address.
const TOR_EXIT = "198.51.100.77";
const torList = await listen((_, res) => res.end(`${TOR_EXIT}\n`));
const torUrl = `http://127.0.0.1:${torList.address().port}/torbulkexitlist`;

// The webhook receiver.
const WEBHOOK_SECRET = "whsec_e2e_0123456789abcdef";
const received = [];
const failedOnce = new Set();
const hooks = await listen((req, res) => {
  if (req.method === "GET" && req.url === "/received") {
    res.setHeader("content-type", "application/json");
    return res.end(JSON.stringify(received));
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    let user;
    try {
      user = JSON.parse(body).user_id;
    } catch {}
    const status = failedOnce.has(user) ? 200 : 500;
    failedOnce.add(user);
    received.push({ at: Date.now(), method: req.method, path: req.url, headers: req.headers, body, status });
    res.statusCode = status;
    res.end();
  });
});
const hooksUrl = `http://127.0.0.1:${hooks.address().port}`;

// wrangler.toml's development projects, with the demo project's webhook added, and the
// worker's own origin allowed for the demo project (the demo page in www/ posts from it).
const port = await freePort();
const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
const projects = JSON.parse(toml.match(/^EDGEWARD_PROJECTS\s*=\s*'''([\s\S]*?)'''/m)[1]);
const demo = projects.find((p) => p.id === "demo");
demo.webhook = { url: `${hooksUrl}/hook`, secret: WEBHOOK_SECRET };
demo.allowed_origins.push(`http://127.0.0.1:${port}`);
const THROTTLED = { project: "throttled", secret: "sk_e2e_throttled_6d1f0b7a", public: "pk_e2e_throttled_2c9e" };
projects.push({
  id: THROTTLED.project,
  secret_key_sha256: [createHash("sha256").update(THROTTLED.secret).digest("hex")],
  public_keys: [THROTTLED.public],
  rate_limits: { public_per_minute: 5, secret_per_minute: 5 },
});
// A fourth, `rules`, for rules.test.mjs: its rules act on every answer of their project, so
// they get a project of their own and never change another test's verdicts.
const RULES = { project: "rules", secret: "sk_e2e_rules_0a7c3e91", public: "pk_e2e_rules_5b2d" };
projects.push({
  id: RULES.project,
  secret_key_sha256: [createHash("sha256").update(RULES.secret).digest("hex")],
  public_keys: [RULES.public],
  rate_limits: { public_per_minute: 100000, secret_per_minute: 100000 },
});

let worker;
try {
  const vars = { TOR_EXIT_LIST_URL: torUrl, EDGEWARD_PROJECTS: JSON.stringify(projects) };
  worker = await startWorker("e2e", { vars, port });
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
console.log(`worker up on ${worker.base} (local KV in ${worker.state})`);

const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".test.mjs"))
  .filter((f) => only.length === 0 || only.some((w) => f.includes(w)))
  .sort()
  .map((f) => join(here, f));
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  stdio: "inherit",
  env: {
    ...process.env,
    EDGEWARD_URL: worker.base,
    EDGEWARD_STATE_DIR: worker.state,
    EDGEWARD_TEST_TOR_EXIT: TOR_EXIT,
    EDGEWARD_TEST_WEBHOOK: hooksUrl,
    EDGEWARD_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
    EDGEWARD_TEST_THROTTLED: JSON.stringify(THROTTLED),
    EDGEWARD_TEST_RULES: JSON.stringify(RULES),
    EDGEWARD_TEST_PROJECTS: String(projects.length),
  },
});
const code = await new Promise((resolve) => tests.on("exit", (c) => resolve(c ?? 1)));
torList.close();
hooks.close();
if (code !== 0 && process.env.EDGEWARD_E2E_LOG) console.error(worker.log());
process.exit(code);
