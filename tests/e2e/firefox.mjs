// Debian's Firefox ESR for the browser tests, as plain processes only: playwright-core drives
// Firefox through Playwright's own patched build (Juggler), which stock Firefox lacks. So:
// - openPlainFirefox: headful under Xvfb with a fresh profile, as a person starts it, no
//   Marionette, no remote protocol, nothing attached;
// - openMarionetteFirefox: headless with `--marionette`, the WebDriver server geckodriver
//   starts; with it on, Gecko sets navigator.webdriver = true. No client needs to connect.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../worker.mjs";
import { startXvfb, stopAll } from "./chromium.mjs";

export const FIREFOX = "/usr/bin/firefox-esr";

function start(args, env, profile) {
  const browser = spawn(FIREFOX, ["--no-remote", "--profile", profile, ...args], {
    env: { ...process.env, ...env },
    stdio: "ignore",
    detached: true, // its own process group: stop() ends Firefox and its content processes
  });
  browser.group = true;
  return browser;
}

/** Plain headful Firefox ESR under Xvfb, fresh profile, opening `url`. → { stop() }. */
export async function openPlainFirefox(url) {
  const xvfb = await startXvfb();
  const profile = mkdtempSync(join(tmpdir(), "edgeward-plain-firefox-"));
  const browser = start([url], { DISPLAY: xvfb.display }, profile);
  return {
    async stop() {
      await stopAll([browser, xvfb.proc]);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Headless Firefox ESR with Marionette enabled, fresh profile, opening `url`. → { stop() }. */
export async function openMarionetteFirefox(url) {
  const profile = mkdtempSync(join(tmpdir(), "edgeward-marionette-firefox-"));
  // A port of its own, so that no other Marionette on the machine is in the way.
  writeFileSync(join(profile, "user.js"), `user_pref("marionette.port", ${await freePort()});\n`);
  const browser = start(["--marionette", "--headless", url], { MOZ_HEADLESS: "1" }, profile);
  return {
    async stop() {
      await stopAll([browser]);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
