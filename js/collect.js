// The part of the package that touches browser APIs. Every source and probe is wrapped so that
// one failure never affects another: a value that cannot be read becomes
// {error: "unsupported" | "threw" | "timeout"} (the contract in src/signals/payload.rs).

const UNSUPPORTED = { error: 'unsupported' };
const THREW = { error: 'threw' };
const TIMEOUT = { error: 'timeout' };

/**
 * Runs `read`; undefined means the browser does not have it, an exception that it threw. The
 * value is copied into plain JSON data on the way out, so that whatever a patched API returns
 * (a Proxy, a getter that throws, a cycle, a BigInt, a megabyte string) the payload still
 * serialises and stays small; what cannot be copied is {error: "threw"} in its place.
 */
export function attempt(read) {
  try {
    const v = plain(read(), 0);
    return v === undefined ? { ...UNSUPPORTED } : v;
  } catch {
    return { ...THREW };
  }
}

const MAX_TEXT = 1024;
const MAX_ITEMS = 64;

/** A JSON-safe copy of `v`: bounded strings, lists and depth; own enumerable keys only. */
function plain(v, depth) {
  switch (typeof v) {
    case 'undefined':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'string':
      return v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
    case 'object': {
      if (v === null) return null;
      if (depth >= 4) throw new TypeError('too deep');
      if (Array.isArray(v)) return Array.from(v.slice(0, MAX_ITEMS), (x) => plain(x, depth + 1) ?? null);
      const out = {};
      for (const k of Object.keys(v).slice(0, MAX_ITEMS)) {
        const x = plain(v[k], depth + 1);
        if (x !== undefined) out[String(k).slice(0, MAX_TEXT)] = x;
      }
      return out;
    }
    default:
      throw new TypeError(typeof v); // function, symbol, bigint: no browser API answers these
  }
}

const timeZone = (I = Intl) => I.DateTimeFormat().resolvedOptions().timeZone;

// ---------------------------------------------------------------------------------------------
// Behaviour: counts of user events since the package was loaded.

export const behavior = { mouse: 0, click: 0, keyboard: 0, touch: 0, clipboard: 0 };
let listening = false;

/** Counts user events from now on. Never throws: it runs when the package is imported. */
export function listen() {
  if (listening || typeof document === 'undefined') return;
  listening = true;
  const on = (type, kind) => {
    try {
      document.addEventListener(type, () => behavior[kind]++, { passive: true, capture: true });
    } catch {}
  };
  on('mousemove', 'mouse');
  on('click', 'click');
  on('keydown', 'keyboard');
  on('touchstart', 'touch');
  for (const t of ['copy', 'cut', 'paste']) on(t, 'clipboard');
}

// ---------------------------------------------------------------------------------------------
// window

function webgl() {
  const gl = document.createElement('canvas').getContext('webgl');
  if (!gl) return { vendor: { ...UNSUPPORTED }, renderer: { ...UNSUPPORTED } };
  try {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const read = (unmasked, plain) =>
      attempt(() => gl.getParameter(ext ? ext[unmasked] : gl[plain]) ?? undefined);
    return {
      vendor: read('UNMASKED_VENDOR_WEBGL', 'VENDOR'),
      renderer: read('UNMASKED_RENDERER_WEBGL', 'RENDERER'),
    };
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

// Playwright's default viewport emulation reports a screen of the viewport's size while the
// real window keeps its frame around it.
const DISPLAY_MODES = ['fullscreen', 'standalone', 'minimal-ui', 'window-controls-overlay', 'picture-in-picture', 'browser'];

function viewport() {
  return {
    width: innerWidth, height: innerHeight, outerWidth, outerHeight,
    displayMode: DISPLAY_MODES.find((m) => matchMedia(`(display-mode: ${m})`).matches),
  };
}

function uaData() {
  const u = navigator.userAgentData;
  if (!u) return undefined;
  return {
    brands: Array.from(u.brands || [], (b) => ({ brand: b.brand, version: b.version })),
    mobile: u.mobile,
    platform: u.platform,
  };
}

// Globals that automation frameworks leave on window or document.
const AUTOMATION_GLOBALS = [
  '__pwInitScripts', '__playwright__binding__', '__playwright__binding__controller__', // Playwright
  '__selenium_unwrapped', '__selenium_evaluate', '__webdriver_evaluate', '__webdriver_unwrapped',
  '__driver_evaluate', '__driver_unwrapped', '__webdriver_script_fn', '__fxdriver_evaluate',
  '__fxdriver_unwrapped', '_Selenium_IDE_Recorder', 'callSelenium', '_selenium', // Selenium
  'callPhantom', '_phantom', // PhantomJS
  '__nightmare', // Nightmare
  'domAutomation', 'domAutomationController', // Chromium's automation hooks
];
const CHROMEDRIVER = /^\$?cdc_/;

function automation() {
  const found = AUTOMATION_GLOBALS.filter((k) => k in window || k in document);
  for (const k of [...Object.getOwnPropertyNames(window), ...Object.getOwnPropertyNames(document)]) {
    if (CHROMEDRIVER.test(k) && !found.includes(k)) found.push(k.slice(0, 64));
  }
  if (document.documentElement?.hasAttribute('webdriver')) found.push('html[webdriver]');
  return found;
}

// A DevTools Protocol client with Runtime.enable (Playwright, Puppeteer, Selenium 4 CDP, an
// open DevTools window) builds a preview of every console argument. For an Error, V8's
// inspector reads the stack, which formats it through Error.prepareStackTrace. A page with no
// such client never formats this Error. console.debug is hidden in DevTools by default.
function cdp() {
  if (typeof Error.captureStackTrace !== 'function') return undefined; // not V8: no answer
  const saved = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  let hit = false;
  Error.prepareStackTrace = () => {
    hit = true;
    return '';
  };
  try {
    console.debug(new Error(''));
  } finally {
    if (saved) Object.defineProperty(Error, 'prepareStackTrace', saved);
    else delete Error.prepareStackTrace;
  }
  return hit;
}

// Native-function integrity: a patched getter or function (a spoofing extension, a stealth
// plugin, an init script) rarely reproduces every trait of a native one.
const fnToString = Function.prototype.toString;
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

// How each engine prints a native function (checked on Debian's Chromium and Firefox ESR):
//   V8            `function get webdriver() { [native code] }`       on one line, `name` as is;
//   SpiderMonkey  `function webdriver() {\n    [native code]\n}`      on three lines, and a
//                 getter or setter without its "get "/"set " prefix (its `name` keeps it).
// JavaScriptCore prints three lines too; which name it prints for a getter is not verified
// here, so the three-line shape accepts either. A replaced function shows its own source, a
// Proxy `function () { … }` with no name: neither matches.
const NATIVE_BODY = /^function ([^(]*)\(\) (?:\{ \[native code\] \}|\{\n {4}\[native code\]\n\})$/;

function nativeText(text, name) {
  const m = NATIVE_BODY.exec(text);
  if (!m) return false;
  const oneLine = !text.includes('\n');
  if (oneLine) return m[1] === name;
  return m[1] === name || m[1] === name.replace(/^[gs]et /, '');
}

function isNative(fn, name) {
  try {
    if (typeof fn !== 'function') return false;
    if (!nativeText(fnToString.call(fn), name)) return false;
    if (hasOwn(fn, 'prototype')) return false;
    // Own keys in any order: V8 lists length, name; SpiderMonkey name, length for getters.
    const keys = Reflect.ownKeys(fn);
    if (keys.length !== 2 || !keys.includes('length') || !keys.includes('name')) return false;
  } catch {
    return false; // a native function answers all of the above without throwing
  }
  try {
    Reflect.construct(Object, [], fn); // only succeeds if fn is a constructor
    return false;
  } catch {
    return true;
  }
}

function lies() {
  const failed = [];
  // A native prototype answers these reads without throwing; one that throws (a Proxy with a
  // trap, a getter on the descriptor's path) is itself not native.
  const check = (label, native) => {
    try {
      if (!native()) failed.push(label);
    } catch {
      failed.push(label);
    }
  };
  const getters = (iface, names) => {
    const proto = globalThis[iface]?.prototype;
    if (!proto) return;
    for (const n of names) {
      check(`${iface}.${n}`, () => {
        const d = Object.getOwnPropertyDescriptor(proto, n);
        return !d || isNative(d.get, `get ${n}`);
      });
    }
  };
  const method = (label, owner, name) =>
    check(label, () => !owner || !hasOwn(owner, name) || isNative(owner[name], name));
  getters('Navigator', ['webdriver', 'userAgent', 'platform', 'languages',
    'hardwareConcurrency', 'deviceMemory', 'plugins', 'vendor']);
  getters('Screen', ['width', 'height', 'colorDepth']);
  method('WebGLRenderingContext.getParameter', globalThis.WebGLRenderingContext?.prototype, 'getParameter');
  method('Function.toString', Function.prototype, 'toString');
  method('Intl.DateTimeFormat.resolvedOptions', Intl.DateTimeFormat.prototype, 'resolvedOptions');
  method('HTMLCanvasElement.toDataURL', globalThis.HTMLCanvasElement?.prototype, 'toDataURL');
  for (const k of Object.getOwnPropertyNames(navigator).slice(0, 16)) failed.push(`navigator.${String(k).slice(0, 64)}`);
  return failed;
}

export function windowSignals() {
  const n = navigator;
  const gl = attempt(webgl);
  return {
    userAgent: attempt(() => n.userAgent),
    platform: attempt(() => n.platform),
    vendor: attempt(() => n.vendor),
    languages: attempt(() => n.languages && [...n.languages]),
    timezone: attempt(() => timeZone()),
    hardwareConcurrency: attempt(() => n.hardwareConcurrency),
    deviceMemory: attempt(() => n.deviceMemory),
    webdriver: attempt(() => n.webdriver),
    webdriverPresent: attempt(() => 'webdriver' in n),
    // An engine invariant: V8 prints native functions on one line (33 characters for eval),
    // SpiderMonkey and JavaScriptCore on three (37), whatever the user agent claims.
    evalLength: attempt(() => globalThis.eval.toString().length),
    webglVendor: gl.vendor ?? gl,
    webglRenderer: gl.renderer ?? gl,
    screen: attempt(() => {
      const s = screen;
      return { width: s.width, height: s.height, colorDepth: s.colorDepth,
        availWidth: s.availWidth, availHeight: s.availHeight };
    }),
    viewport: attempt(viewport),
    uaData: attempt(uaData),
    automation: attempt(automation),
    cdp: attempt(cdp),
    lies: attempt(lies),
  };
}

// ---------------------------------------------------------------------------------------------
// iframe: a fresh same-origin browsing context, which page-level patches often miss.

export function iframeSignals() {
  const f = document.createElement('iframe');
  f.setAttribute('aria-hidden', 'true');
  f.tabIndex = -1;
  f.style.cssText = 'position:absolute;width:0;height:0;border:0;visibility:hidden';
  (document.body || document.documentElement).appendChild(f);
  try {
    const w = f.contentWindow;
    if (!w) return undefined;
    const n = w.navigator;
    return {
      userAgent: attempt(() => n.userAgent),
      platform: attempt(() => n.platform),
      languages: attempt(() => n.languages && [...n.languages]),
      hardwareConcurrency: attempt(() => n.hardwareConcurrency),
      timezone: attempt(() => timeZone(w.Intl)),
      webdriver: attempt(() => n.webdriver),
    };
  } finally {
    f.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// worker: a dedicated worker sees the browser's own navigator, not the page's patches.

const WORKER_SOURCE = `
const n = navigator, r = {};
const t = (k, f) => { try { const v = f(); r[k] = v === undefined ? { error: 'unsupported' } : v; }
  catch { r[k] = { error: 'threw' }; } };
t('userAgent', () => n.userAgent);
t('platform', () => n.platform);
t('languages', () => n.languages && [...n.languages]);
t('hardwareConcurrency', () => n.hardwareConcurrency);
t('timezone', () => Intl.DateTimeFormat().resolvedOptions().timeZone);
t('webglRenderer', () => {
  if (typeof OffscreenCanvas !== 'function') return undefined;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl');
  if (!gl) return undefined;
  const e = gl.getExtension('WEBGL_debug_renderer_info');
  return gl.getParameter(e ? e.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? undefined;
});
postMessage(r);`;

// The timers as they were when the package loaded, in case the page replaces them later.
const later = globalThis.setTimeout;
const cancel = globalThis.clearTimeout;

/**
 * Starts the worker now; `result(ms)` waits at most `ms` from when it is called, so the page's
 * own synchronous work in between does not eat the budget.
 */
export function startWorker() {
  let settle;
  const done = new Promise((resolve) => (settle = resolve));
  let w;
  let url;
  try {
    if (typeof Worker !== 'function' || typeof Blob !== 'function') {
      settle({ ...UNSUPPORTED });
    } else {
      url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      w = new Worker(url);
      w.onmessage = (e) => settle(attempt(() => (e.data && typeof e.data === 'object' ? e.data : { ...THREW })));
      // A Content-Security-Policy without blob: in worker-src lands here (or throws above).
      w.onerror = (e) => {
        e.preventDefault();
        settle({ ...THREW });
      };
    }
  } catch {
    settle({ ...THREW });
  }
  const stop = () => {
    try {
      w?.terminate();
    } catch {}
    if (url) URL.revokeObjectURL(url);
  };
  return {
    async result(ms) {
      let timer;
      const late = new Promise((resolve) => {
        try {
          timer = later(() => resolve({ ...TIMEOUT }), ms);
        } catch {
          resolve({ ...THREW }); // no timer to wait with: do not wait
        }
      });
      try {
        return await Promise.race([done, late]);
      } finally {
        try {
          cancel(timer);
        } catch {}
        stop();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// frame: a hidden cross-site frame (data: URL, opaque origin) holding a frame of the page's own
// origin. Chromium throttles the first one's timers and gives the second its own storage
// partition; Playwright's launch switches, which patchright and rebrowser-playwright keep, turn
// both off (src/signals/launch.rs). It talks through a MessageChannel: page listeners see nothing.

const FRAME_TICKS = 8; // chained setTimeout(0): a throttled frame runs 6, then one a second
const FRAME_PACE = 10; // the page's own ticks by which a free frame has run its 8 (about 20 ms)
const FRAME_SLACK = 30; // the page's ticks to wait when the frame's 7th came (chance or load)
const FRAME_LIMIT = 400; // ms, whatever the pace
const FRAME_POLL = 5;
const FRAME_SOURCE = '<iframe></iframe><script>onmessage=function(e){var p=e.ports&&e.ports[0],n=0;' +
  'if(!p)return;p.postMessage(0);function f(){p.postMessage(++n);if(n<' + FRAME_TICKS + ')' +
  'setTimeout(f,0)}setTimeout(f,0)}</script>';

const wait = (ms) => new Promise((resolve) => later(resolve, ms));

/** Resolves with `promise`'s value, or `fallback` after `ms`. */
function within(promise, ms, fallback) {
  let timer;
  const late = new Promise((resolve) => {
    timer = later(() => resolve(fallback), ms);
  });
  return Promise.race([promise, late]).finally(() => cancel(timer));
}

// After the page's next rendering update, where Chromium marks the frame hidden (until then its
// timers run free), or false if none comes within `ms` (a hidden page), or if the page has not
// painted yet (its first update may be far off: not worth waiting for).
function rendered(ms) {
  if (typeof requestAnimationFrame !== 'function') return Promise.resolve(false);
  try {
    if (PerformanceObserver.supportedEntryTypes.includes('paint') && !performance.getEntriesByType('paint').length) {
      return Promise.resolve(false);
    }
  } catch {}
  const next = new Promise((resolve) => requestAnimationFrame(() => later(() => resolve(true), 0)));
  return within(next, ms, false);
}

// "free" | "throttled", or a failure. The page's own chain of timers, which nothing throttles,
// paces the frame's: a free frame keeps up with it on a busy machine as on an idle one.
async function frameTimers(win, ms) {
  if (!(await rendered(ms))) return { ...TIMEOUT };
  const channel = new MessageChannel();
  let count = -1;
  let started;
  const start = new Promise((resolve) => (started = resolve));
  channel.port1.onmessage = (e) => {
    count = Math.max(count, Number(e.data) || 0);
    if (count === 0) started();
  };
  try {
    win.postMessage('edgeward', '*', [channel.port2]);
    if (!(await within(start.then(() => true), ms, false))) return { ...TIMEOUT };
    const end = performance.now() + FRAME_LIMIT;
    for (let ticks = 1; ; ticks++) {
      await wait(0);
      if (count >= FRAME_TICKS) return 'free';
      if ((ticks >= FRAME_PACE && count <= 6) || ticks >= FRAME_SLACK || performance.now() > end) return 'throttled';
    }
  } finally {
    channel.port1.close();
  }
}

// The inner frame's storage, once navigated to about:blank by the page (so of its origin):
// "partitioned" (its own), "shared" (holds the page's `key`) or "denied", or a failure.
async function frameStorage(win, key, ms) {
  if (window.top !== window) return { ...UNSUPPORTED }; // the page is itself a frame
  let own = null;
  try {
    own = localStorage.getItem(key);
  } catch {}
  if (own === null) return { ...UNSUPPORTED }; // nothing of the page's to look for
  const inner = win[0];
  if (!inner) return { ...THREW };
  inner.location.replace('about:blank');
  for (const end = performance.now() + ms; ; await wait(FRAME_POLL)) {
    try {
      if (inner.document) break; // readable once committed
    } catch {}
    if (performance.now() > end) return { ...TIMEOUT };
  }
  try {
    return inner.localStorage.getItem(key) === own ? 'shared' : 'partitioned';
  } catch (e) {
    return e?.name === 'SecurityError' ? 'denied' : { ...THREW };
  }
}

/**
 * Creates the hidden frame now; `result(ms)` waits at most `ms` for it to load and answer, then
 * for its timers, and removes it. → {timers, storage}.
 */
// A Content-Security-Policy that forbids the frame: not tried again in this page (each attempt
// would report a violation).
let frameBlocked = false;
const FRAME_DIRECTIVE = /^(frame|child|default)-src/;

function startFrame(key) {
  let f;
  let loaded;
  let settle;
  const onViolation = (e) => {
    if (FRAME_DIRECTIVE.test(e.effectiveDirective || e.violatedDirective || '')) {
      frameBlocked = true;
      settle(false);
    }
  };
  try {
    loaded = new Promise((resolve) => (settle = resolve));
    document.addEventListener('securitypolicyviolation', onViolation);
    f = document.createElement('iframe');
    f.setAttribute('aria-hidden', 'true');
    f.tabIndex = -1;
    f.style.cssText = 'display:none';
    f.onload = () => settle(true);
    f.src = 'data:text/html,' + encodeURIComponent(FRAME_SOURCE);
    (document.body || document.documentElement).appendChild(f);
  } catch {
    f = null;
  }
  return {
    async result(ms) {
      try {
        if (!f) return { ...THREW };
        const ok = await within(loaded, ms, false);
        // Blocked: Chromium loads an error page without the inner frame, Firefox nothing.
        if (frameBlocked || (ok && !f.contentWindow?.length)) return { ...THREW };
        if (!ok) return { ...TIMEOUT };
        const win = f.contentWindow;
        const [timers, storage] = await Promise.all([
          frameTimers(win, ms).catch(() => ({ ...THREW })),
          frameStorage(win, key, ms).catch(() => ({ ...THREW })),
        ]);
        return { timers, storage };
      } finally {
        try {
          document.removeEventListener('securitypolicyviolation', onViolation);
          f?.remove();
        } catch {}
      }
    },
  };
}

// The answer depends on how the browser was started, not on the moment: once both parts are
// known, later calls reuse it (a failure or a timeout is asked again).
let frameAnswer = null;

/**
 * A promise of the hidden frame's answer: starts the frame now (it loads while the caller's
 * synchronous work runs, and is asked after it) unless an answer is kept or on its way.
 */
export function frameSignals(key, ms) {
  if (frameBlocked) return Promise.resolve({ ...THREW });
  if (!frameAnswer) {
    const probe = startFrame(key);
    const forget = (f) => {
      if (typeof f?.timers !== 'string' || typeof f?.storage !== 'string') frameAnswer = null;
      return f;
    };
    frameAnswer = wait(0).then(() => probe.result(ms)).then(forget, () => forget({ ...THREW }));
  }
  return frameAnswer;
}
