// Debian's Chromium for the browser tests, three ways: driven by playwright-core (a test tool
// attached over the DevTools protocol, headless), driven by an automation tool built to evade
// detection (patchright, rebrowser-playwright: npm packages pinned in package.json, headful
// under Xvfb or headless), or started as a plain headful process under Xvfb that no tool talks
// to. Never a downloaded browser.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

// The binary itself: /usr/bin/chromium is a wrapper script that adds flags of its own.
export const CHROMIUM = "/usr/lib/chromium/chromium";

// As root Chromium needs --no-sandbox; the rest keeps it off the (closed) network at start.
const QUIET = [
  "--no-sandbox",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--password-store=basic",
];

/** A Playwright-driven headless Chromium; close it with `browser.close()`. */
export function launchDriven() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: QUIET });
}

/** A Playwright-driven Chromium keeping its profile in `dir` (state survives reloads). */
export function launchDrivenProfile(dir, options = {}) {
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: QUIET, ...options });
}

/**
 * Debian's Chromium driven by an evasive automation tool from npm: `tool` is "patchright" or
 * "rebrowser-playwright" (drop-in replacements of Playwright's API). Headful runs on a display
 * of its own. `persistent` keeps a fresh profile directory (launchPersistentContext, as
 * patchright's documentation advises); `viewport` is handed over when given (null: the window's
 * own size, also its advice). → { context, stop() }.
 */
export async function launchTool(tool, { headless, persistent = false, viewport } = {}) {
  const { chromium: launcher } = await import(tool);
  const xvfb = headless ? null : await startXvfb();
  const options = { executablePath: CHROMIUM, headless, args: QUIET };
  if (xvfb) options.env = { ...process.env, DISPLAY: xvfb.display };
  const view = viewport === undefined ? {} : { viewport };
  const profile = persistent ? mkdtempSync(join(tmpdir(), `edgeward-${tool}-`)) : null;
  let browser;
  let context;
  const stop = async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (xvfb) await stopAll([xvfb.proc]);
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    if (persistent) {
      context = await launcher.launchPersistentContext(profile, { ...options, ...view });
    } else {
      browser = await launcher.launch(options);
      context = await browser.newContext(view);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { context, stop };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts Xvfb on a free display → { display (":91"), proc }. */
export async function startXvfb() {
  let n = 90;
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const proc = spawn("Xvfb", [`:${n}`, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"], { stdio: "ignore" });
  await until("Xvfb", () => existsSync(`/tmp/.X11-unix/X${n}`), 10_000);
  return { display: `:${n}`, proc };
}

/**
 * Stops child processes, in order. One marked `group` was spawned `detached` and leads its own
 * process group (a browser and its content processes), which receives the signal as a whole.
 */
export async function stopAll(processes) {
  for (const p of processes) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const exited = new Promise((r) => p.once("exit", r));
    try {
      if (p.group) process.kill(-p.pid, "SIGTERM");
      else p.kill("SIGTERM");
    } catch {}
    await exited;
  }
}

/**
 * Starts Xvfb on a free display and, on it, Chromium as a plain process opening `url`: headful,
 * no remote debugging port, no automation flag, nothing attached. → { stop() }.
 */
export async function openPlain(url) {
  const xvfb = await startXvfb();
  const profile = mkdtempSync(join(tmpdir(), "edgeward-plain-chromium-"));
  const browser = spawn(CHROMIUM, [...QUIET, `--user-data-dir=${profile}`, "--window-size=1280,800", url], {
    env: { ...process.env, DISPLAY: xvfb.display },
    stdio: "ignore",
    detached: true, // its own process group: stop() ends Chromium and its child processes
  });
  browser.group = true;
  return {
    async stop() {
      await stopAll([browser, xvfb.proc]);
      // A child process may still be writing its last file as the group exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
