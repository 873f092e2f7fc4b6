// HTTP client for the end-to-end tests. Every response it receives is validated against the
// OpenAPI document the worker itself serves (path, method and status must be documented, and
// the body must match the schema), so the document cannot drift from what the worker does.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../worker.mjs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export const BASE = process.env.EDGEWARD_URL ?? "http://127.0.0.1:8787";

// The development keys of wrangler.toml's [env.dev], as documented in the README.
export const DEMO = { project: "demo", secret: "sk_dev_demo_5f2c0a9e1b7d4c3a", public: "pk_dev_demo_8e1d6b2a" };
export const OTHER = { project: "other", secret: "sk_dev_other_3b9e7f1c2d5a8e40", public: "pk_dev_other_c4a1f09e" };

let openapi;
let ajv;
const validators = new Map();

async function load() {
  if (openapi) return;
  const r = await fetch(`${BASE}/openapi.json`);
  openapi = await r.json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "edgeward", components: openapi.components });
}

function operation(method, pathAndQuery) {
  const path = pathAndQuery.split("?")[0];
  for (const [template, item] of Object.entries(openapi.paths)) {
    const re = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
    if (re.test(path)) return { template, op: item[method.toLowerCase()] };
  }
  return {};
}

function check(method, path, status, body, contentType) {
  const { template, op } = operation(method, path);
  if (!op) return; // an undocumented route must be a 404 or 405 error, checked below
  const resp = op.responses[String(status)];
  assert.ok(resp, `${method} ${template} answered ${status}, which openapi.json does not document`);
  const schema = resp.content?.["application/json"]?.schema;
  if (!schema) return;
  assert.match(contentType ?? "", /application\/json/, `${method} ${template} ${status} is not JSON`);
  const ref = schema.$ref ? schema.$ref.replace("#/", "edgeward#/") : null;
  const key = ref ?? JSON.stringify(schema);
  if (!validators.has(key)) validators.set(key, ref ? ajv.getSchema(ref) : ajv.compile(schema));
  const validate = validators.get(key);
  assert.ok(validate(body), `${method} ${template} ${status} does not match openapi.json: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
}

/**
 * The validator of one schema of the worker's own openapi.json (`components.schemas[name]`):
 * validate(value) → { ok, errors }.
 */
export async function schema(name) {
  await load();
  const validate = ajv.getSchema(`edgeward#/components/schemas/${name}`);
  assert.ok(validate, `openapi.json has no schema ${name}`);
  return (value) => ({ ok: validate(value), errors: ajv.errorsText(validate.errors) });
}

/**
 * call("GET", "/account/x", { key: DEMO.secret }) → { status, body, headers }
 * Options: key (secret, x-api-key), bearer (secret, Authorization), publicKey (x-public-key),
 * json (a value to send), raw (a string body), headers (more headers).
 */
export async function call(method, path, opts = {}) {
  await load();
  const headers = { ...(opts.headers ?? {}) };
  if (opts.key) headers["x-api-key"] = opts.key;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.publicKey) headers["x-public-key"] = opts.publicKey;
  let body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] = "application/json";
  } else if (opts.raw !== undefined) {
    body = opts.raw;
  }
  let r;
  try {
    r = await fetch(BASE + path, { method, headers, body });
  } catch (e) {
    // A kept-alive connection the worker closed while a test ran a slow command (wrangler's
    // CLI on the local storage): the request never reached it, so it is sent once more.
    if (!["UND_ERR_SOCKET", "ECONNRESET"].includes(e.cause?.code)) throw e;
    r = await fetch(BASE + path, { method, headers, body });
  }
  const text = await r.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      assert.fail(`${method} ${path} answered ${r.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
  }
  if (r.status >= 400) {
    assert.equal(parsed?.statusCode, r.status, `${method} ${path}: error body must carry statusCode`);
    assert.equal(typeof parsed?.message, "string");
  }
  assert.ok(r.status < 500 || r.status === 503, `${method} ${path} answered ${r.status}: ${text}`);
  check(method, path, r.status, parsed, r.headers.get("content-type"));
  return { status: r.status, body: parsed, headers: r.headers };
}

/** An address of the IPv6 documentation range no other test uses: tests share one worker, and
 * accounts on one address within the hour are linked (weakly) by network. */
export const uniqueIp = () =>
  `2001:db8:${[0, 0, 0].map(() => Math.floor(Math.random() * 0xffff).toString(16)).join(":")}::1`;

/** A browser session from the demo project, as if from `ip` (by default an address of its own). */
export async function newSession(signals = {}, { ip = uniqueIp(), project = DEMO, headers = {} } = {}) {
  const r = await call("POST", "/session", {
    publicKey: project.public,
    json: signals,
    headers: { "x-forwarded-for": ip, "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ...headers },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.session_id;
}

export async function authenticate(sessionId, account, project = DEMO) {
  return call("POST", "/session/authenticate", { key: project.secret, json: { session_id: sessionId, account } });
}

/**
 * A login of `account` at `at` (the development clock, Unix ms): a session from `signals` on
 * `ip` (its user agent the signals' own), placed by `cf` (Cloudflare's `request.cf`) when given,
 * then its authenticate, with `email` when given. Returns `{ sid, auth }`, the session id and
 * the authenticate's answer; anything but 200 fails the test.
 */
export async function loginAt(account, at, signals, { ip = uniqueIp(), cf, email } = {}) {
  const headers = { "x-edgeward-now": String(at), ...(cf ? { "x-edgeward-cf": JSON.stringify(cf) } : {}) };
  const agent = signals.window?.userAgent ? { "user-agent": signals.window.userAgent } : {};
  const sid = await newSession(signals, { ip, headers: { ...headers, ...agent } });
  const r = await call("POST", "/session/authenticate", {
    key: DEMO.secret,
    json: { session_id: sid, account: { id: account, ...(email ? { email } : {}) } },
    headers,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { sid, auth: r.body };
}

/** A unique id per test run, so tests never see each other's accounts. */
export const unique = (name) => `${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Signals of one browser. Each browser id is on a device of its own (its GPU string differs),
 * so tests that share one worker are not linked by device fingerprint. */
export const browserSignals = (browserId, extra = {}) => ({
  browser_id: browserId,
  window: {
    webglRenderer: `Test GPU ${browserId}`,
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    platform: "Linux x86_64",
    languages: ["en-GB", "en"],
    timezone: "Europe/London",
    hardwareConcurrency: 8,
    screen: { width: 1920, height: 1080, colorDepth: 24 },
    webdriver: false,
    ...extra,
  },
  behavior: { mouse: 40, click: 3, keyboard: 25, touch: 0, clipboard: 0 },
});

// Reads the rows of every account object's table (src/edge/accounts.rs) under a prefix:
// workerd keeps each SQLite-backed Durable Object in a file of its own.
const OBJECT_KEYS = `
import glob, os, sqlite3, sys, time
root, prefix = sys.argv[1], sys.argv[2]
now = int(time.time() * 1000)
for path in sorted(glob.glob(os.path.join(root, "v3", "do", "edgeward-dev-Accounts", "*.sqlite"))):
    if os.path.basename(path) == "metadata.sqlite":
        continue
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT key, expires FROM kv WHERE key >= ? AND key < ? AND (expires IS NULL OR expires > ?)",
                          (prefix, prefix + chr(0x10FFFF), now)).fetchall()
    except sqlite3.OperationalError:
        rows = []  # an object whose storage was deleted
    finally:
        db.close()
    for (key, expires) in rows:
        print(f"{key}\t{expires or ''}")
`;

// The accounts the project's counters object (src/edge/counters.rs) counts behind identifiers.
const COUNTED = `
import glob, os, sqlite3, sys
root, account = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob(os.path.join(root, "v3", "do", "edgeward-dev-Counters", "*.sqlite"))):
    if os.path.basename(path) == "metadata.sqlite":
        continue
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT kind, value FROM idents WHERE account = ?", (account,)).fetchall()
    except sqlite3.OperationalError:
        rows = []
    finally:
        db.close()
    for (kind, value) in rows:
        print(f"{kind}\t{value}")
`;

/** The identifiers the counters count `account` behind, as `kind value` lines. */
export function countedBehind(account) {
  const out = execFileSync("python3", ["-c", COUNTED, process.env.EDGEWARD_STATE_DIR, account],
    { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
  return out.split("\n").filter(Boolean).map((l) => l.replace("\t", " "));
}

/** Runs `wrangler kv …` against the worker's local KV (run.mjs passes its directory). */
function wranglerKv(args) {
  const state = process.env.EDGEWARD_STATE_DIR;
  assert.ok(state, "run.mjs passes the worker's storage directory in EDGEWARD_STATE_DIR");
  return execFileSync(
    join(root, "node_modules", ".bin", "wrangler"),
    ["kv", ...args, "--local", "--persist-to", state, "--binding", "STATE", "--env", "dev"],
    { cwd: root, encoding: "utf8", maxBuffer: 512 << 20, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
}

/** Every key under `prefix` in the worker's local KV alone. */
export function kvKeys(prefix) {
  return JSON.parse(wranglerKv(["key", "list", "--prefix", prefix])).map((k) => k.name);
}

/** Writes a key straight into the worker's local KV (with its metadata and a TTL in seconds),
 *  as an earlier version of the worker would have. */
export function kvPut(key, value, metadata, ttl) {
  wranglerKv(["key", "put", key, value, ...(metadata ? ["--metadata", JSON.stringify(metadata)] : []),
    ...(ttl ? ["--ttl", String(ttl)] : [])]);
}

/** The keys under `prefix` in the accounts' objects, each with when it expires (ms, or null). */
export function objectRows(prefix) {
  const out = execFileSync("python3", ["-c", OBJECT_KEYS, process.env.EDGEWARD_STATE_DIR, prefix],
    { encoding: "utf8", maxBuffer: 512 << 20, stdio: ["ignore", "pipe", "pipe"] });
  return out.split("\n").filter(Boolean).map((line) => {
    const [key, expires] = line.split("\t");
    return { key, expires: expires ? Number(expires) : null };
  });
}

/** Every key under `prefix` the worker stored: in its local KV and in its accounts' objects. */
export function storedKeys(prefix) {
  return [...kvKeys(prefix), ...objectRows(prefix).map((r) => r.key)].sort();
}

/** Writes keys straight into the worker's local KV in one command (`[{key, value, metadata?,
 *  expiration_ttl?}]`), as an earlier version of the worker would have. */
export function kvBulkPut(entries) {
  const file = join(tmpdir(), `edgeward-bulk-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(entries));
  wranglerKv(["bulk", "put", file]);
  rmSync(file);
}

/** How the worker encodes an id in a key (src/store/keys.rs `encode_id`). */
export const encodeId = (raw) =>
  [...Buffer.from(raw, "utf8")]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
