// Starts the built worker for a test run: `wrangler dev --env dev --test-scheduled` (workerd,
// local KV persisted in a fresh temporary directory, the ASN table put into it first as
// scripts/ip-tables.sh does) on a free port, and waits for /health.
// Used by the end-to-end suite (tests/e2e/run.mjs) and the quality report (tests/quality/run.mjs).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

/**
 * → { base, state, process, log() } once the worker answers /health; throws with wrangler's log
 * if it does not within two minutes. `vars` are extra worker variables (`--var NAME:VALUE`);
 * `port` defaults to a free one. The worker is stopped and its state removed at exit. With
 * WRANGLER_DEBUG set, wrangler logs at debug level (the log then shows workerd's own messages).
 */
export async function startWorker(name, { vars = {}, port } = {}) {
  port ??= await freePort();
  const state = mkdtempSync(join(tmpdir(), `edgeward-${name}-`));
  const base = `http://127.0.0.1:${port}`;
  execFileSync("bash", [join(root, "scripts", "ip-tables.sh"), "--env", "dev", "--local", "--persist-to", state], {
    cwd: root,
    stdio: "ignore",
  });
  // The suites fold the population journal themselves, through /__scheduled, at the moments
  // they choose: the fold after requests (every ten minutes in development) is off unless
  // the caller sets POPULATION_FOLD_EVERY.
  const varArgs = Object.entries({ POPULATION_FOLD_EVERY: "0", ...vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const wrangler = spawn(
    join(root, "node_modules", ".bin", "wrangler"),
    ["dev", "--env", "dev", "--test-scheduled", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state,
     "--show-interactive-dev-session=false", "--live-reload=false", ...(process.env.WRANGLER_DEBUG ? ["--log-level", "debug"] : []), ...varArgs],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      // The caller has just built the worker; wrangler's own build step is skipped.
      env: { ...process.env, EDGEWARD_SKIP_BUILD: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  let log = "";
  wrangler.stdout.on("data", (d) => (log += d));
  wrangler.stderr.on("data", (d) => (log += d));
  process.on("exit", () => {
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {}
    rmSync(state, { recursive: true, force: true });
  });

  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline || wrangler.exitCode !== null) {
      throw new Error(`the worker did not come up on ${base}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, state, process: wrangler, log: () => log };
}
