// The package against automation built to evade detection, and against the plain browsers it
// must leave alone. patchright 1.63.0 and rebrowser-playwright 1.52.0 (npm, pinned in
// package.json) drive Debian's Chromium through `executablePath`, headful under Xvfb or
// headless, and open the demo page, which signs up by itself: each run must be decided
// automated, by the page and by the worker. Patchright never enables the protocol's Runtime
// domain, so BOT_CDP stays silent; what gives it away is how Playwright launches Chromium
// (src/signals/launch.rs). A plain Chromium (two fresh profiles) and a plain Firefox ESR, headful
// under Xvfb with nothing attached, collect on a page of the test's own and must show none of
// it: the hidden frame's timers throttled and its storage partitioned. Every run's decision and
// reasons are in the test log.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launchTool, openPlain } from "./chromium.mjs";
import { collectUnwatched, relay } from "./collect-page.mjs";
import { openPlainFirefox } from "./firefox.mjs";
import { assertNotFlagged, codes, decisionOf, seen, serverScores, signUp } from "./sign-up.mjs";

const run = Date.now().toString(36);
const TIMEOUT = { timeout: 120_000 };

/** Signs up `account` on the demo page in a tool-driven context → { verdict, scores, decision }. */
async function signUpWith(tool, options, account) {
  const { context, stop } = await launchTool(tool, options);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const { verdict } = await signUp(page, account);
    return { verdict, scores: await serverScores(account), decision: await decisionOf(account) };
  } finally {
    await stop();
  }
}

/** Flagged by the page and by the worker, with at least `expected` among the server's reasons. */
function assertFlagged(result, expected) {
  const server = codes(result.scores.reasons);
  for (const code of expected) {
    assert.ok(result.verdict.reasons.includes(code), `the page's verdict lacks ${code}: ${result.verdict.reasons}`);
    assert.ok(server.includes(code), `the worker's reasons lack ${code}: ${seen(result)}`);
  }
  assert.equal(result.verdict.automated, true, JSON.stringify(result.verdict));
  assert.ok(result.scores.bot >= 0.5, seen(result));
}

const LAUNCH = ["BOT_TIMERS_UNTHROTTLED", "BOT_STORAGE_UNPARTITIONED"];

test("patchright headful under Xvfb, launched as its README shows, is flagged automated", TIMEOUT, async (t) => {
  const result = await signUpWith("patchright", { headless: false }, `patchright-headful-${run}`);
  t.diagnostic(`patchright 1.63.0, headful, default context: ${seen(result)}`);
  assertFlagged(result, [...LAUNCH, "BOT_VIEWPORT_EMULATED"]);
  assert.ok(!codes(result.scores.reasons).includes("BOT_CDP"), "patchright hides the Runtime domain");
});

test("patchright headful with a persistent profile and no viewport, its stealth advice, is flagged automated", TIMEOUT, async (t) => {
  const options = { headless: false, persistent: true, viewport: null };
  const result = await signUpWith("patchright", options, `patchright-persistent-${run}`);
  t.diagnostic(`patchright 1.63.0, headful, persistent profile, viewport null: ${seen(result)}`);
  assertFlagged(result, LAUNCH);
});

test("patchright headless is flagged automated", TIMEOUT, async (t) => {
  const result = await signUpWith("patchright", { headless: true }, `patchright-headless-${run}`);
  t.diagnostic(`patchright 1.63.0, headless: ${seen(result)}`);
  assertFlagged(result, ["BOT_HEADLESS_UA", ...LAUNCH]);
});

test("rebrowser-playwright headless is flagged automated", TIMEOUT, async (t) => {
  const result = await signUpWith("rebrowser-playwright", { headless: true }, `rebrowser-headless-${run}`);
  t.diagnostic(`rebrowser-playwright 1.52.0, headless: ${seen(result)}`);
  assertFlagged(result, ["BOT_HEADLESS_UA", ...LAUNCH]);
});

test("plain headful Chromium under Xvfb, two fresh profiles: its hidden frame is throttled and partitioned, and it is not flagged", { timeout: 180_000 }, async (t) => {
  for (const profile of [1, 2]) {
    const { signals, verdict } = await collectUnwatched(openPlain);
    assert.deepEqual(signals.frame, { timers: "throttled", storage: "partitioned" }, `profile ${profile}`);
    assert.equal(signals.window.viewport.displayMode, "browser");
    assert.equal(verdict.automated, false, JSON.stringify(verdict));
    const account = `plain-chromium-frame-${profile}-${run}`;
    const result = { scores: await relay(signals, account), decision: await decisionOf(account) };
    t.diagnostic(`plain Chromium, profile ${profile}: frame ${JSON.stringify(signals.frame)}, ${seen(result)}`);
    assertNotFlagged(result);
  }
});

test("plain headful Firefox ESR under Xvfb: its hidden frame's storage is partitioned, and it is not flagged", { timeout: 120_000 }, async (t) => {
  const { signals, verdict } = await collectUnwatched(openPlainFirefox);
  // Gecko does not throttle such timers (never judged outside V8), and partitions the storage.
  assert.equal(signals.frame.storage, "partitioned", JSON.stringify(signals.frame));
  assert.equal(verdict.automated, false, JSON.stringify(verdict));
  const account = `plain-firefox-frame-${run}`;
  const result = { scores: await relay(signals, account), decision: await decisionOf(account) };
  t.diagnostic(`plain Firefox ESR: frame ${JSON.stringify(signals.frame)}, ${seen(result)}`);
  assertNotFlagged(result);
});
