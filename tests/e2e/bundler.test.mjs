// The npm package through a bundler: the fixture app tests/fixtures/vite-app (which imports
// "edgeward" by name, aliased to the built pkg/) built with Vite into a temporary directory, the
// output served by a static server on 127.0.0.1 and opened in a Playwright-driven headless
// Chromium. Vite must emit edgeward_core_bg.wasm as a hashed asset (from the package's
// `new URL(…, import.meta.url)`, no plugin), and the page must load it, collect, evaluate and
// find itself automated. Needs the package built (scripts/build-package.sh); not the worker.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { launchDriven } from "./chromium.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const app = join(root, "tests/fixtures/vite-app");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

let out;
let server;
let base;
let browser;
const served = [];

before(async () => {
  assert.ok(existsSync(join(root, "pkg/edgeward_core_bg.wasm")), "pkg/ is not built: run scripts/build-package.sh");
  out = mkdtempSync(join(tmpdir(), "edgeward-vite-"));
  await build({
    configFile: join(app, "vite.config.js"),
    logLevel: "warn",
    build: { outDir: out, emptyOutDir: true },
  });
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = resolve(out, "." + (path.endsWith("/") ? path + "index.html" : path));
    served.push(path);
    if (!file.startsWith(out + sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchDriven();
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
  if (out) rmSync(out, { recursive: true, force: true });
});

test("vite build emits the package's .wasm as a hashed asset referenced by the bundle", () => {
  const assets = readdirSync(join(out, "assets"));
  const wasm = assets.filter((f) => /^edgeward_core_bg-[\w-]+\.wasm$/.test(f));
  const js = assets.filter((f) => f.endsWith(".js"));
  assert.equal(wasm.length, 1, `assets: ${assets}`);
  assert.equal(js.length, 1, `assets: ${assets}`);
  const bytes = readFileSync(join(out, "assets", wasm[0]));
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "not a WebAssembly module");
  assert.deepEqual(bytes, readFileSync(join(root, "pkg/edgeward_core_bg.wasm")));
  const bundle = readFileSync(join(out, "assets", js[0]), "utf8");
  assert.ok(bundle.includes(wasm[0]), "the bundle does not reference the emitted .wasm");
  assert.ok(!bundle.includes("data:application/wasm"), "the .wasm was inlined");
});

test("the built app loads the WebAssembly and finds Playwright-driven headless Chromium automated", async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (["error", "warning"].includes(m.type())) problems.push(`${m.type()}: ${m.text()}`);
  });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => ["done", "failed"].includes(document.body.dataset.state), null, { timeout: 10_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  const text = await page.textContent("#out");
  assert.equal(state, "done", text);
  const verdict = JSON.parse(text);
  assert.match(verdict.device_id, /^[0-9a-f]{32}$/);
  assert.equal(verdict.automated, true, text);
  assert.ok(verdict.reasons.includes("BOT_WEBDRIVER"), `reasons: ${verdict.reasons}`);
  // The emitted asset was fetched (served as application/wasm, so wasm-bindgen streamed it
  // without its MIME-type fallback warning), and nothing went wrong on the page.
  assert.ok(served.some((p) => /^\/assets\/edgeward_core_bg-[\w-]+\.wasm$/.test(p)), `served: ${served}`);
  assert.deepEqual(problems, [], `served: ${served}`);
  await page.close();
});
