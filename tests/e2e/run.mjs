// Runs the end-to-end suite against the real worker (tests/worker.mjs starts it under
// `wrangler dev`), runs every tests/e2e/*.test.mjs with node's test runner, and stops the worker.
//
//   node tests/e2e/run.mjs            (the worker must be built: scripts/build-worker.sh)
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { startWorker } from "../worker.mjs";

const here = dirname(fileURLToPath(import.meta.url));

// A stand-in for check.torproject.org's exit list (the machine is offline), for the scheduled
// Tor refresh (ip_intel.test.mjs): one documentation address.
const TOR_EXIT = "198.51.100.77";
const torList = await new Promise((resolve) => {
  const srv = createServer((_, res) => res.end(`${TOR_EXIT}\n`));
  srv.listen(0, "127.0.0.1", () => resolve(srv));
});
const torUrl = `http://127.0.0.1:${torList.address().port}/torbulkexitlist`;

let worker;
try {
  worker = await startWorker("e2e", { vars: { TOR_EXIT_LIST_URL: torUrl } });
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
console.log(`worker up on ${worker.base} (local KV in ${worker.state})`);

const files = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => join(here, f));
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  stdio: "inherit",
  env: { ...process.env, EDGEWARD_URL: worker.base, EDGEWARD_TEST_TOR_EXIT: TOR_EXIT },
});
const code = await new Promise((resolve) => tests.on("exit", (c) => resolve(c ?? 1)));
torList.close();
if (code !== 0 && process.env.EDGEWARD_E2E_LOG) console.error(worker.log());
process.exit(code);
