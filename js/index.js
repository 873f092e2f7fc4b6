// edgeward: collects a browser's raw signals, evaluates them locally with the same Rust the
// server runs (WebAssembly), and creates a session. The server re-evaluates the raw signals and
// never trusts the page's verdict.

import wasmInit, { evaluateJson } from './edgeward_core.js';
import { attempt, behavior, frameSignals, iframeSignals, listen, startWorker, windowSignals } from './collect.js';

listen(); // never throws

let loading = null;
let ready = false;

/**
 * Loads the WebAssembly once; later calls return the same promise. `input` is anything
 * wasm-bindgen's init takes (URL of edgeward_core_bg.wasm, Response, bytes, Module); by default
 * the .wasm next to this file.
 */
export function init(input) {
  listen();
  if (!loading) {
    const arg =
      input == null ? undefined
        : Object.getPrototypeOf(input) === Object.prototype ? input : { module_or_path: input };
    loading = wasmInit(arg).then(
      () => {
        ready = true;
      },
      (e) => {
        loading = null; // let a later call try again
        throw e;
      },
    );
  }
  return loading;
}
export default init;

const ID_KEY = 'edgeward.browser_id';
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ID_SHAPE = /^[A-Za-z0-9_-]{22,64}$/;
let memoryId;

/** A random first-party id kept in localStorage (in memory for the page's life if blocked). */
export function browserId() {
  if (memoryId) return memoryId;
  let stored = null;
  try {
    stored = localStorage.getItem(ID_KEY);
  } catch {}
  if (stored && ID_SHAPE.test(stored)) return (memoryId = stored);
  // 22 characters of 6 random bits each: 132 bits.
  const id = Array.from(crypto.getRandomValues(new Uint8Array(22)), (b) => ID_CHARS[b & 63]).join('');
  try {
    localStorage.setItem(ID_KEY, id);
  } catch {}
  return (memoryId = id);
}

/** The budget of each asynchronous source, in milliseconds. */
const budget = (t) => (Number.isFinite(t) && t >= 0 ? t : 100);

/** Collects the raw signals. Never throws: what cannot be read is {error: …}. */
export async function collect(options = {}) {
  const o = options || {};
  const timeout = budget(o.timeout);
  const s = { v: 2 };
  if (o.nonce != null) s.nonce = attempt(() => String(o.nonce));
  s.browser_id = attempt(browserId);
  let worker = null; // starts now, answers after the synchronous sources
  if (o.worker !== false) {
    try {
      worker = startWorker(); // a handle, not a signal: not copied through attempt()
    } catch {
      worker = { error: 'threw' };
    }
  }
  const frame = o.frame === false ? null : frameSignals(ID_KEY, timeout);
  s.window = attempt(windowSignals);
  if (o.iframe !== false) s.iframe = attempt(iframeSignals);
  const answer = async (source) => {
    try {
      return typeof source.result === 'function' ? await source.result(timeout) : source;
    } catch {
      return { error: 'threw' };
    }
  };
  const [w, f] = await Promise.all([worker && answer(worker), frame]);
  if (w) s.worker = w;
  if (f) s.frame = attempt(() => f);
  s.behavior = { ...behavior };
  return s;
}

/** Evaluates signals locally into a verdict. Needs `await init()` first. */
export function evaluate(signals) {
  if (!ready) throw new Error('edgeward: evaluate() needs the WebAssembly: call and await init() first');
  const out = evaluateJson(JSON.stringify(signals));
  try {
    return JSON.parse(out);
  } catch {
    throw new Error('edgeward: the evaluator returned no verdict');
  }
}

/** An HTTP error from the Edgeward server: `status` and the server's `message`. */
export class EdgewardError extends Error {
  constructor(what, status, serverMessage) {
    super(`edgeward: ${what} answered HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}`);
    this.name = 'EdgewardError';
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

async function failure(what, res) {
  let message = '';
  try {
    const body = await res.json(); // {statusCode, message}
    message = String(body?.message ?? body?.error?.message ?? '');
  } catch {}
  return new EdgewardError(what, res.status, message);
}

/** The body of POST /session; if the signals cannot be serialised, the nonce alone says so. */
function body(signals) {
  try {
    const text = JSON.stringify(signals);
    if (typeof text === 'string') return text;
  } catch {}
  const nonce = signals?.nonce;
  const safe = typeof nonce === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(nonce);
  return `{"v":2,${safe ? `"nonce":"${nonce}",` : ''}"window":{"error":"threw"}}`;
}

/**
 * Creates a session: fetches a nonce (skipped if the server has no nonce endpoint), collects,
 * evaluates locally, posts the raw signals. Returns the server's session id and the local
 * verdict, which is null when the page could not evaluate (the WebAssembly did not load or the
 * evaluation failed): the signals are posted all the same, and the server evaluates them.
 */
export async function createSession(options) {
  const { endpoint, publicKey, timeout } = options || {};
  let { signals } = options || {};
  if (!endpoint || !publicKey) throw new TypeError('edgeward: createSession needs endpoint and publicKey');
  const base = String(endpoint).replace(/\/+$/, '');
  const key = { 'x-public-key': publicKey };
  const loaded = init().then(() => true, () => false); // in parallel with the nonce and collect()
  if (!signals) {
    try {
      browserId();
      frameSignals(ID_KEY, budget(timeout)); // the hidden frame answers while the nonce travels
    } catch {}
    let nonce;
    let res = null;
    try {
      res = await fetch(`${base}/session/nonce`, { method: 'POST', headers: key });
    } catch {
      // No answer at all (network, or CORS on a server without the endpoint): go on without.
    }
    if (res?.ok) {
      try {
        nonce = (await res.json()).nonce;
      } catch {} // an unreadable answer: go on without, the server says if it needs one
    } else if (res && res.status !== 404) throw await failure('POST /session/nonce', res);
    signals = await collect({ nonce, timeout });
  }
  let verdict = null;
  if (await loaded) {
    try {
      verdict = evaluate(signals);
    } catch {}
  }
  const res = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { ...key, 'content-type': 'application/json' },
    body: body(signals),
  });
  if (!res.ok) throw await failure('POST /session', res);
  const { session_id } = await res.json();
  return { session_id, verdict };
}
