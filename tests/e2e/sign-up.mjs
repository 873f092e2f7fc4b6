// The browser tests' ways of signing up on the demo page (www/demo.html, which imports
// /pkg/index.js and signs up `?auto=<account>` by itself) and of reading what the worker made of
// it. Shared by browser.test.mjs and evasive.test.mjs.
import assert from "node:assert/strict";
import { BASE, DEMO, call } from "./client.mjs";

/** Opens the demo page in `page`, lets it sign up `account`, → { local verdict, authenticate answer }. */
export async function signUp(page, account) {
  await page.goto(`${BASE}/demo.html?auto=${encodeURIComponent(account)}`);
  await page.waitForFunction(() => ["done", "failed"].includes(document.body.dataset.state), null, { timeout: 30_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  const auth = await page.textContent("#auth-out");
  assert.equal(state, "done", auth);
  const [status, ...json] = auth.split("\n");
  assert.equal(status, "200", auth);
  return { verdict: JSON.parse(await page.textContent("#verdict-out")), auth: JSON.parse(json.join("\n")) };
}

/** The worker's own scores of an account's only session (POST /session/unauthenticated). */
export async function serverScores(account) {
  const s = await call("GET", `/account/${encodeURIComponent(account)}/sessions`, { key: DEMO.secret });
  assert.equal(s.status, 200);
  assert.equal(s.body.sessions.length, 1, JSON.stringify(s.body));
  const u = await call("POST", "/session/unauthenticated", { key: DEMO.secret, json: { session_id: s.body.sessions[0] } });
  assert.equal(u.status, 200);
  return u.body;
}

/** The decision the worker keeps for `account`. */
export async function decisionOf(account) {
  const acct = await call("GET", `/account/${encodeURIComponent(account)}`, { key: DEMO.secret });
  assert.equal(acct.status, 200);
  return acct.body.decision;
}

/**
 * Opens the demo page with `open` (a browser no test tool talks to), which signs up `account`
 * by itself; waits for its session on the server, stops the browser. → the server's scores of
 * that session and the account's decision.
 */
export async function signUpUnwatched(open, account) {
  const browser = await open(`${BASE}/demo.html?auto=${encodeURIComponent(account)}`);
  try {
    let sessions = [];
    for (const end = Date.now() + 60_000; sessions.length === 0 && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await call("GET", `/account/${encodeURIComponent(account)}/sessions`, { key: DEMO.secret });
      sessions = s.status === 200 ? s.body.sessions : [];
    }
    assert.equal(sessions.length, 1, "the page signed up by itself within a minute");
  } finally {
    await browser.stop();
  }
  return { scores: await serverScores(account), decision: await decisionOf(account) };
}

export const codes = (reasons) => reasons.map((r) => r.code);

/** What a run saw, for the test log: decision, bot score, every reason. */
export const seen = ({ scores, decision }) =>
  `decision ${decision}, bot ${scores.bot.toFixed(2)}, reasons [${codes(scores.reasons)}]`;

/** A real browser: no automation reason but the weak software renderer, and not automated. */
export function assertNotFlagged({ scores }) {
  const bot = codes(scores.reasons).filter((c) => c.startsWith("BOT_"));
  // A machine without a GPU may draw WebGL in software: weak evidence, never automation alone.
  assert.deepEqual(bot.filter((c) => c !== "BOT_SOFTWARE_RENDERER"), [], JSON.stringify(scores));
  assert.ok(scores.bot < 0.5, JSON.stringify(scores));
  assert.equal(scores.session.risk_signals.device_risk, false);
}
