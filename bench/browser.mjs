// The npm package in Debian's Chromium and Firefox ESR: its size (gzip -9 of what a page
// downloads), the time of evaluate() (the Rust verdict in WebAssembly) and of collect() (every
// browser probe, including the worker round trip and the hidden frame). Serves www/ and a bench
// page itself; the page measures and posts its figures back, so a browser no tool is attached to
// reports the same way. Chromium runs twice: driven headless by playwright-core, and as a plain
// headful process under Xvfb, where the hidden frame's timers are throttled and collect() waits
// out their window (a driven Chromium runs them free and answers sooner).
// Needs `bash scripts/build-package.sh`.
//
//   node bench/browser.mjs          (RUNS=30 collect() calls, EVALS=2000 evaluate() calls;
//                                    FRAME=0 collects without the hidden frame, for comparison)
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { CHROMIUM, launchDriven, openPlain } from "../tests/e2e/chromium.mjs";
import { FIREFOX, openPlainFirefox } from "../tests/e2e/firefox.mjs";
import { execFileSync } from "node:child_process";

const root = fileURLToPath(new URL("..", import.meta.url));
const www = join(root, "www");
const RUNS = Number(process.env.RUNS ?? 30);
const EVALS = Number(process.env.EVALS ?? 2000);
const OPTIONS = process.env.FRAME === "0" ? { frame: false } : {};

// What a page downloads: the entry, the collector, the wasm-bindgen glue and the wasm.
const shipped = ["index.js", "collect.js", "edgeward_core.js", "edgeward_core_bg.wasm"];
const sizes = shipped.map((f) => {
  const bytes = readFileSync(join(www, "pkg", f));
  return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});

// The measurement, run by the bench page in the browser; it posts its figures to /result.
async function measure(runs, evals, options) {
  const t0 = performance.now();
  const { default: init, collect, evaluate } = await import("/pkg/index.js");
  await init();
  const load = performance.now() - t0;
  const collects = [];
  let signals;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    signals = await collect(options);
    collects.push(performance.now() - t);
  }
  const verdict = evaluate(signals); // warm
  const t = performance.now();
  for (let i = 0; i < evals; i++) evaluate(signals);
  const evaluateMs = (performance.now() - t) / evals;
  const result = { load, collects, evaluateMs, payloadBytes: JSON.stringify(signals).length, verdict, frame: signals.frame };
  await fetch("/result", { method: "POST", body: JSON.stringify(result) });
}
const benchPage = `<!doctype html><title>bench</title><body><h1>Edgeward bench</h1><script type="module">
${measure.toString()}
measure(${RUNS}, ${EVALS}, ${JSON.stringify(OPTIONS)});
</script></body>`;

let arrived;
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (path === "/bench") {
    res.setHeader("content-type", "text/html");
    return res.end(benchPage);
  }
  if (path === "/result" && req.method === "POST") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.end();
      arrived(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    });
    return;
  }
  try {
    const body = readFileSync(join(www, path));
    res.setHeader("content-type", types[extname(path)] ?? "application/octet-stream");
    res.end(body);
  } catch {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

/** Opens the bench page with `open` and waits for its figures (two minutes at most). */
async function bench(open) {
  const result = new Promise((resolve, reject) => {
    arrived = resolve;
    setTimeout(() => reject(new Error("the bench page posted nothing within two minutes")), 120_000).unref();
  });
  const close = await open(`${base}/bench`);
  try {
    return await result;
  } finally {
    await close();
  }
}

const total = sizes.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });
console.log("package (what a page downloads):");
for (const s of sizes) console.log(`  ${s.file.padEnd(24)} ${String(s.raw).padStart(7)} B  ${String(s.gzip).padStart(6)} B gzip`);
console.log(`  ${"total".padEnd(24)} ${String(total.raw).padStart(7)} B  ${String(total.gzip).padStart(6)} B gzip`);

function report(name, result) {
  const sorted = [...result.collects].slice(1).sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const v = result.verdict;
  console.log(`\n${name}`);
  console.log(`verdict: automated ${v.automated}, bot ${v.bot.toFixed(2)}, reasons [${v.reasons.join(", ")}]`);
  console.log(`hidden frame (last collect): ${JSON.stringify(result.frame)}`);
  console.log(`import + init (wasm compile): ${result.load.toFixed(1)} ms`);
  console.log(`collect(): first ${result.collects[0].toFixed(1)} ms; then median ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms (${RUNS - 1} runs)`);
  console.log(`evaluate(): ${(result.evaluateMs * 1000).toFixed(1)} µs per call (mean of ${EVALS}, payload ${result.payloadBytes} B)`);
}

const browser = await launchDriven();
const chromium = await bench(async (url) => {
  const page = await browser.newPage();
  await page.goto(url);
  return () => page.close();
});
report(`Chromium ${browser.version()}, headless, driven by playwright-core`, chromium);
await browser.close();

const plain = await bench(async (url) => {
  const p = await openPlain(url);
  return () => p.stop();
});
const chromiumVersion = execFileSync(CHROMIUM, ["--version"], { encoding: "utf8" }).trim();
report(`${chromiumVersion}, a plain headful process under Xvfb, fresh profile, nothing attached`, plain);

const firefox = await bench(async (url) => {
  const plain = await openPlainFirefox(url);
  return () => plain.stop();
});
const version = execFileSync(FIREFOX, ["--version"], { encoding: "utf8" }).trim();
report(`${version}, a plain headful process under Xvfb, fresh profile, nothing attached`, firefox);
server.close();
