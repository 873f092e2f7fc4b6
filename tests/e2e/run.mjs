// Runs the end-to-end suite against the real worker: starts `wrangler dev` (workerd, local KV
// persisted in a fresh temporary directory) on a free port, waits for /health, runs every
// tests/e2e/*.test.mjs with node's test runner, and stops the worker.
//
//   node tests/e2e/run.mjs            (the worker must be built: scripts/build-worker.sh)
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

const port = await freePort();
const state = mkdtempSync(join(tmpdir(), "edgeward-e2e-"));
const base = `http://127.0.0.1:${port}`;

const wrangler = spawn(
  join(root, "node_modules", ".bin", "wrangler"),
  ["dev", "--env", "dev", "--test-scheduled", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state,
   "--show-interactive-dev-session=false", "--live-reload=false"],
  {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // The suite's caller has just built the worker; wrangler's own build step is skipped.
    env: { ...process.env, EDGEWARD_SKIP_BUILD: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);
let log = "";
wrangler.stdout.on("data", (d) => (log += d));
wrangler.stderr.on("data", (d) => (log += d));

const stop = () => {
  try {
    process.kill(-wrangler.pid, "SIGTERM");
  } catch {}
  rmSync(state, { recursive: true, force: true });
};
process.on("exit", stop);

const deadline = Date.now() + 120_000;
for (;;) {
  try {
    const r = await fetch(`${base}/health`);
    if (r.ok) break;
  } catch {}
  if (Date.now() > deadline || wrangler.exitCode !== null) {
    console.error(`the worker did not come up on ${base}:\n${log}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`worker up on ${base} (local KV in ${state})`);

const files = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => join(here, f));
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  stdio: "inherit",
  env: { ...process.env, EDGEWARD_URL: base },
});
const code = await new Promise((resolve) => tests.on("exit", (c) => resolve(c ?? 1)));
if (code !== 0 && process.env.EDGEWARD_E2E_LOG) console.error(log);
process.exit(code);
