// The npm package in a real browser: the demo page (www/demo.html, which imports /pkg/index.js)
// in Debian's Chromium and Firefox ESR, against the real worker. A Playwright-driven headless
// Chromium and a Firefox under Marionette must be flagged automated, by the page and by the
// worker's own evaluation; a plain Chromium or Firefox under Xvfb that no tool is attached to
// must not be. The device id is stable within a profile and differs between profiles with
// different screens or languages.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BASE, DEMO, call } from "./client.mjs";
import { launchDriven, launchDrivenProfile, openPlain } from "./chromium.mjs";
import { openMarionetteFirefox, openPlainFirefox } from "./firefox.mjs";
import { assertNotFlagged, codes, seen, serverScores, signUp, signUpUnwatched } from "./sign-up.mjs";

const run = Date.now().toString(36);
let browser;

before(async () => {
  browser = await launchDriven();
});
after(async () => {
  await browser?.close();
});

test("the demo page in Playwright-driven headless Chromium is flagged automated, with what was seen", async () => {
  const page = await browser.newPage();
  const account = `driven-${run}`;
  const { verdict, auth } = await signUp(page, account);
  // Playwright's own launch switches show too (the hidden frame's timers and storage).
  const expected = ["BOT_WEBDRIVER", "BOT_HEADLESS_UA", "BOT_CDP", "BOT_TIMERS_UNTHROTTLED", "BOT_STORAGE_UNPARTITIONED"];
  for (const seen of expected) {
    assert.ok(verdict.reasons.includes(seen), `the page's verdict lacks ${seen}: ${verdict.reasons}`);
  }
  assert.equal(verdict.automated, true);
  // The worker re-evaluated the raw signals itself and agrees.
  assert.ok(auth.bot >= 0.5, JSON.stringify(auth));
  const server = codes((await serverScores(account)).reasons);
  for (const seen of expected) assert.ok(server.includes(seen), `${server}`);
  await page.close();
});

test("in a page nothing broke, every source of collect() answers", async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/demo.html`);
  // Collected once the page has painted, as a form does (collect-page.mjs): before its first
  // paint the package leaves the hidden frame's timers unjudged (a timeout), which a busy
  // machine's `load` can still precede.
  const signals = await page.evaluate(async () => {
    for (const end = performance.now() + 5000; !performance.getEntriesByType("paint").length && performance.now() < end; ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return (await import("/pkg/index.js")).collect({ timeout: 2_000 });
  });
  await page.close();
  for (const ctx of ["window", "iframe", "worker"]) {
    assert.equal(typeof signals[ctx].userAgent, "string", `${ctx}: ${JSON.stringify(signals[ctx])}`);
    assert.equal(typeof signals[ctx].timezone, "string", `${ctx}: ${JSON.stringify(signals[ctx])}`);
  }
  for (const probe of ["automation", "lies"]) assert.ok(Array.isArray(signals.window[probe]), JSON.stringify(signals.window));
  assert.equal(typeof signals.window.cdp, "boolean");
  assert.equal(signals.window.viewport.displayMode, "browser");
  // Playwright launches Chromium with background timer throttling and storage partitioning off.
  assert.deepEqual(signals.frame, { timers: "free", storage: "denied" });
  assert.match(signals.browser_id, /^[A-Za-z0-9_-]{22}$/);
});

// What an automation tool's injected code may do to a page before it runs: getters that throw
// or return what no browser returns, no workers, no WebGL, a console that throws, no WebAssembly.
function sabotage() {
  const define = (name, get) => Object.defineProperty(Navigator.prototype, name, { get, configurable: true });
  define("userAgent", () => {
    throw new TypeError("sabotaged");
  });
  define("platform", () => {
    const loop = {};
    loop.self = loop;
    return loop;
  });
  define("vendor", () => "x".repeat(1 << 20));
  define("hardwareConcurrency", () => 10n);
  window.Worker = function Worker() {
    throw new TypeError("sabotaged");
  };
  HTMLCanvasElement.prototype.getContext = () => {
    throw new TypeError("sabotaged");
  };
  console.debug = () => {
    throw new TypeError("sabotaged");
  };
  window.WebAssembly = undefined;
}

test("whatever injected code breaks, collect() answers with typed failures and createSession still posts", async () => {
  const context = await browser.newContext();
  await context.addInitScript(sabotage);
  const page = await context.newPage();
  await page.goto(`${BASE}/demo.html`); // the demo itself cannot start without WebAssembly
  const { signals, session } = await page.evaluate(async (publicKey) => {
    const edgeward = await import("/pkg/index.js");
    const signals = await edgeward.collect();
    const session = await edgeward.createSession({ endpoint: location.origin, publicKey });
    return { signals, session };
  }, DEMO.public);
  await context.close();
  const threw = { error: "threw" };
  assert.deepEqual(signals.window.userAgent, threw);
  assert.deepEqual(signals.window.platform, threw, "a cyclic value is no answer");
  assert.deepEqual(signals.window.hardwareConcurrency, threw, "a BigInt is no answer");
  assert.equal(signals.window.vendor.length, 1024, "a huge string is cut");
  assert.deepEqual(signals.window.webglRenderer, threw);
  assert.deepEqual(signals.window.cdp, threw);
  assert.deepEqual(signals.worker, threw);
  assert.ok(signals.window.lies.includes("Navigator.userAgent"), `${signals.window.lies}`);
  assert.equal(session.verdict, null, "no WebAssembly, no local verdict");
  assert.match(session.session_id, /\S/, "the session was posted all the same");
  const account = `sabotaged-${run}`;
  const auth = await call("POST", "/session/authenticate", {
    key: DEMO.secret,
    json: { session_id: session.session_id, account: { id: account } },
  });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const server = codes((await serverScores(account)).reasons);
  // Getters that throw are evidence themselves: no real browser fails to read its user agent.
  for (const code of ["BOT_WEBDRIVER", "BOT_NATIVE_TAMPERED", "BOT_PROBE_THREW"]) assert.ok(server.includes(code), `${server}`);
});

test("a captured payload cannot be replayed: its nonce was spent by the first POST /session", async () => {
  const page = await browser.newPage();
  let captured;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/session") captured = r.postData();
  });
  await signUp(page, `replayed-${run}`);
  assert.ok(JSON.parse(captured).nonce, "the package sent a nonce");
  const again = await call("POST", "/session", {
    publicKey: DEMO.public,
    raw: captured,
    headers: { "content-type": "application/json" },
  });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  await page.close();
});

test("a plain headful Chromium under Xvfb, no tool attached, is not flagged", { timeout: 90_000 }, async (t) => {
  const run1 = await signUpUnwatched(openPlain, `plain-${run}`);
  t.diagnostic(`plain Chromium: ${seen(run1)}`);
  assertNotFlagged(run1);
});

test("plain headful Firefox ESR under Xvfb, two fresh profiles, no tool attached, is not flagged", { timeout: 180_000 }, async (t) => {
  for (const profile of [1, 2]) {
    const result = await signUpUnwatched(openPlainFirefox, `plain-firefox-${profile}-${run}`);
    t.diagnostic(`plain Firefox ESR, profile ${profile}: ${seen(result)}`);
    assertNotFlagged(result);
  }
});

test("Firefox ESR under Marionette (headless) is flagged automated", { timeout: 90_000 }, async (t) => {
  const result = await signUpUnwatched(openMarionetteFirefox, `marionette-firefox-${run}`);
  t.diagnostic(`Firefox ESR under Marionette: ${seen(result)}`);
  assert.ok(codes(result.scores.reasons).includes("BOT_WEBDRIVER"), seen(result));
  assert.ok(result.scores.bot >= 0.5, seen(result));
});

test("device_id is stable across loads of one profile and differs between profiles", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeward-profile-"));
  const idOf = async (context) => {
    const page = await context.newPage();
    await page.goto(`${BASE}/demo.html`);
    await page.waitForFunction(() => document.body.dataset.state === "ready");
    const v = JSON.parse(await page.textContent("#verdict-out"));
    await page.close();
    return v;
  };
  try {
    let profile = await launchDrivenProfile(dir, { viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const first = await idOf(profile);
    const reload = await idOf(profile);
    await profile.close();
    profile = await launchDrivenProfile(dir, { viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const restarted = await idOf(profile);
    await profile.close();
    assert.match(first.device_id, /^[0-9a-f]{32}$/);
    assert.equal(reload.device_id, first.device_id);
    assert.equal(restarted.device_id, first.device_id);
    assert.equal(restarted.browser_id, first.browser_id, "browser_id lives in the profile's localStorage");

    const other = async (options) => {
      const ctx = await browser.newContext(options);
      const v = await idOf(ctx);
      await ctx.close();
      return v;
    };
    const smaller = await other({ viewport: { width: 1024, height: 700 }, screen: { width: 1024, height: 700 }, locale: "en-US" });
    const german = await other({ viewport: { width: 1280, height: 800 }, screen: { width: 1280, height: 800 }, locale: "de-DE" });
    assert.notEqual(smaller.device_id, first.device_id);
    assert.notEqual(german.device_id, first.device_id);
    assert.notEqual(german.device_id, smaller.device_id);
    assert.notEqual(smaller.browser_id, first.browser_id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
