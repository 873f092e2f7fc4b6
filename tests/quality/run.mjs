// The quality report: starts the built worker under `wrangler dev --test-scheduled` (workerd,
// local KV persisted in a fresh temporary directory) on a free port, plays the labelled
// scenarios of scenarios.mjs (sessions and credential-change events) against it in simulated
// time, and writes QUALITY.md at the repo root. Exits 0 whether or not the targets are met (it
// is a report); 1 if the worker does not come up or dies, or any request fails or answers a
// status the scenario did not expect.
//
//   bash scripts/setup.sh && bash scripts/build-worker.sh
//   node tests/quality/run.mjs
//
// Environment: EDGEWARD_IPORIGIN (iporigin's ranges.bin), EDGEWARD_QUALITY_SEED (20261101),
// EDGEWARD_QUALITY_SCALE (1: population sizes), EDGEWARD_QUALITY_CONCURRENCY (6),
// EDGEWARD_QUALITY_REBUILD (1h: the population index is rebuilt every simulated hour of the
// history and before the decisive sessions; "6h", "24h" …; "once": only before the decisive
// sessions), EDGEWARD_QUALITY_VERBOSE=1 (log every rebuild), EDGEWARD_QUALITY_OUT (QUALITY.md), EDGEWARD_QUALITY_JSON (also write every
// decisive response there), EDGEWARD_QUALITY_LOG=1 (print wrangler's log at the end).
import { execFileSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { root, startWorker } from "../worker.mjs";

import { Driver } from "./driver.mjs";
import { loadRanges } from "./ipdata.mjs";
import { analyse, analyseChanges, markdown } from "./report.mjs";
import { DECISIVE_START, HOUR, POPULATIONS, T0, buildScenarios } from "./scenarios.mjs";

const env = process.env;
const seed = Number(env.EDGEWARD_QUALITY_SEED ?? 20261101);
const scale = Number(env.EDGEWARD_QUALITY_SCALE ?? 1);
const concurrency = Number(env.EDGEWARD_QUALITY_CONCURRENCY ?? 6);
// The population index: rebuilt every N simulated hours of the history ("Nh") and once more
// before the decisive sessions, or only that once ("once").
const rebuildMode = env.EDGEWARD_QUALITY_REBUILD ?? "1h";
const verbose = Boolean(env.EDGEWARD_QUALITY_VERBOSE);
const outPath = resolve(root, env.EDGEWARD_QUALITY_OUT ?? "QUALITY.md");
const rebuildHours = rebuildMode === "once" ? null : Number(/^(\d+(?:\.\d+)?)h$/.exec(rebuildMode)?.[1]);
if (rebuildHours !== null && !(rebuildHours > 0)) throw new Error(`EDGEWARD_QUALITY_REBUILD must be "once" or a number of hours such as "1h", not ${rebuildMode}`);

// Scenarios first: a bad iporigin path fails before anything starts.
const ranges = loadRanges();
const { classes, accounts } = buildScenarios(seed, ranges, scale);
const sessions = accounts.flatMap((a) => a.events);
// Credential changes (scenarios.mjs) are played in time order with the sessions.
const changes = accounts.flatMap((a) => a.changes ?? []);
const events = [...sessions, ...changes];

// --- The worker (tests/worker.mjs, as the end-to-end suite starts it) ------------------------

const started = Date.now();
let log = () => "";
const die = (message) => {
  console.error(message);
  if (env.EDGEWARD_QUALITY_LOG) console.error(log());
  process.exit(1);
};
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
const worker = await startWorker("quality").catch((e) => die(e.message));
const { base, state, process: wrangler } = worker;
log = worker.log;
console.log(`worker up on ${base} (local KV in ${state}); ${accounts.length} accounts, ${sessions.length} sessions, ${changes.length} credential changes`);
wrangler.on("exit", (code) => die(`the worker exited (code ${code}) during the run:\n${log().slice(-4000)}`));

// --- The population index: the scheduled handler, as the cron would run it -------------------

const rebuilds = [];
async function rebuild(at) {
  const t = Date.now();
  const before = (log().match(/population of demo rebuilt/g) ?? []).length;
  const r = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
  await r.text();
  if (!r.ok) die(`GET /__scheduled answered ${r.status}`);
  // The handler logs each project's rebuild; wait for the demo project's line.
  const until = Date.now() + 30_000;
  let stats = null;
  while (Date.now() < until) {
    const lines = [...log().matchAll(/population of demo rebuilt \((\d+) sessions, (\d+) devices\)/g)];
    if (lines.length > before) {
      stats = { sessions: Number(lines.at(-1)[1]), devices: Number(lines.at(-1)[2]) };
      break;
    }
    if (/population of demo not rebuilt/.test(log().split("\n").slice(-20).join("\n"))) die(`the population index was not rebuilt:\n${log().slice(-2000)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
  rebuilds.push({ at, stats, ms: Date.now() - t });
  if (verbose || at === DECISIVE_START) console.log(`  population index rebuilt at ${new Date(at).toISOString()} in ${Date.now() - t} ms: ${stats ? `${stats.sessions} sessions, ${stats.devices} devices` : "NOT CONFIRMED in the worker's log"}`);
}

const rebuildAt = [];
if (rebuildHours) for (let t = T0 + rebuildHours * HOUR; t < DECISIVE_START; t += rebuildHours * HOUR) rebuildAt.push(t);
rebuildAt.push(DECISIVE_START);

const driver = new Driver(base, { concurrency, log: (s) => console.log(s) });
await driver.run(events, rebuildAt, rebuild);
wrangler.removeAllListeners("exit");
const seconds = (Date.now() - started) / 1000;

// --- The report -----------------------------------------------------------------------------

const git = (...args) => {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
};
const dirty = git("status", "--porcelain", "--", "src", "Cargo.toml", "build.rs") !== "";
const commit = `${git("rev-parse", "--short", "HEAD") || "unknown"}${dirty ? " with uncommitted changes under src/" : ""}`;
let built = "unknown";
try {
  built = statSync(join(root, "build", "index_bg.wasm")).mtime.toISOString().replace(/\.\d+Z$/, "Z");
} catch {}
const confirmed = rebuilds.filter((r) => r.stats);
const lastIndex = rebuilds.at(-1)?.stats;
const meta = {
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  seconds,
  requests: driver.requests,
  sessions: sessions.length,
  changes: changes.length,
  accounts: accounts.length,
  commit,
  built,
  seed,
  scale,
  iporigin: `built ${new Date(ranges.builtAt * 1000).toISOString().slice(0, 10)} (${ranges.v4.length} IPv4 ranges)`,
  t0: new Date(T0).toISOString().replace(":00.000Z", "Z"),
  decisiveStart: new Date(DECISIVE_START).toISOString().replace(":00.000Z", "Z"),
  rebuildText: `${rebuildHours ? `every ${rebuildHours === 1 ? "" : `${rebuildHours} `}simulated hour${rebuildHours === 1 ? "" : "s"} of the history (the cron runs every 10 minutes in production, so the index stays current) and` : "once,"} before the decisive sessions (${rebuilds.length} rebuilds, ${confirmed.length} confirmed in the worker's log, ${(rebuilds.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(0)} s in all${lastIndex ? `; the last indexed ${lastIndex.sessions} sessions and ${lastIndex.devices} devices` : ""})`,
  failures: driver.failures,
  populations: POPULATIONS,
};
const analysis = analyse(classes, accounts);
const changeAnalysis = analyseChanges(classes, accounts, analysis);
writeFileSync(outPath, markdown({ analysis, changeAnalysis, meta }) + "\n");
if (env.EDGEWARD_QUALITY_JSON) {
  const decisive = accounts.map((a) => ({ account: a.id, cls: a.cls, ...(a.group ? { group: a.group } : {}), email: a.email, sessions: a.events.map((e) => ({ t: new Date(e.t).toISOString(), stage: e.stage, decisive: e.decisive, ip: e.ip, country: e.cf.country, asn: e.cf.asn, browser_id: e.load.signals.browser_id, result: e.result })), changes: (a.changes ?? []).map((c) => ({ t: new Date(c.t).toISOString(), kind: c.kind, after: new Date(c.login.t).toISOString(), result: c.result })) }));
  writeFileSync(resolve(root, env.EDGEWARD_QUALITY_JSON), JSON.stringify(decisive, null, 1));
}

console.log(`\nwrote ${outPath} in ${seconds.toFixed(0)} s`);
for (const r of analysis.rows) {
  const rate = r.label === "attack" ? `recall ${r.rate.toFixed(3)}` : `FP ${(100 * r.rate).toFixed(1)} %`;
  console.log(`  ${String(r.n).padStart(2)} ${r.name.padEnd(58)} ${String(r.real).padStart(4)} ${String(r.suspicious).padStart(4)} ${String(r.fake).padStart(4)}  ${rate}`);
  for (const g of r.groups) console.log(`     ↳ ${g.name.padEnd(56)} ${String(g.real).padStart(4)} ${String(g.suspicious).padStart(4)} ${String(g.fake).padStart(4)}  ATO_NEW_DEVICE ${g.newDevice}/${g.played}, exposed ${g.exposed}/${g.accounts}, password changes ${g.changes} (FP ${g.changeFP})`);
}
console.log(`  all benign: FP ${(100 * analysis.fpRate).toFixed(2)} % (${analysis.benignFP} of ${analysis.benignPlayed})`);
console.log("\nafter a password change (detected: a pending account_takeover incident; benign FP: an incident opened by the change, or a decision other than Real):");
for (const r of changeAnalysis.rows) {
  const rate = r.label === "attack" ? `detected ${r.detected}/${r.played} (at the login ${r.atLogin}/${r.played})` : `FP ${r.fp}/${r.played}`;
  console.log(`  ${String(r.n).padStart(2)} ${r.name.padEnd(58)} opened ${String(r.opened).padStart(3)}  not Real after ${String(r.notRealAfter).padStart(3)}  ${rate}`);
}
console.log(`  all benign changes: FP ${(100 * changeAnalysis.fpRate).toFixed(1)} % (${changeAnalysis.benignFP} of ${changeAnalysis.benignPlayed})`);
if (driver.failures.length) {
  console.error(`\n${driver.failures.length} requests failed or answered an unexpected status, e.g.:`);
  for (const f of driver.failures.slice(0, 5)) console.error(`  ${f.account} ${f.at} ${f.what}: ${f.status} ${f.body}`);
  if (env.EDGEWARD_QUALITY_LOG) console.error(log());
  process.exit(1);
}
if (env.EDGEWARD_QUALITY_LOG) console.log(log());
process.exit(0);
