// Debian's Chromium for the browser tests, two ways: driven by playwright-core (a test tool
// attached over the DevTools protocol, headless) or started as a plain headful process under
// Xvfb that no tool talks to. Never a downloaded browser.
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts Xvfb on a free display and, on it, Chromium as a plain process opening `url`: headful,
 * no remote debugging port, no automation flag, nothing attached. → { stop() }.
 */
export async function openPlain(url) {
  let display = 90;
  while (existsSync(`/tmp/.X11-unix/X${display}`) || existsSync(`/tmp/.X${display}-lock`)) display++;
  const xvfb = spawn("Xvfb", [`:${display}`, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"], { stdio: "ignore" });
  await until("Xvfb", () => existsSync(`/tmp/.X11-unix/X${display}`), 10_000);
  const profile = mkdtempSync(join(tmpdir(), "edgeward-plain-chromium-"));
  const browser = spawn(CHROMIUM, [...QUIET, `--user-data-dir=${profile}`, "--window-size=1280,800", url], {
    env: { ...process.env, DISPLAY: `:${display}` },
    stdio: "ignore",
  });
  return {
    async stop() {
      for (const p of [browser, xvfb]) {
        if (p.exitCode === null) {
          p.kill("SIGTERM");
          await new Promise((r) => p.once("exit", r));
        }
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
