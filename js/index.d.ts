// Types of the npm package `edgeward`. The payload shape is the contract documented in the
// crate's src/signals/payload.rs.

/** What a source or probe answers when it could not be read. */
export interface Failure {
  error: 'unsupported' | 'threw' | 'timeout';
}

/** A value, or the reason it is missing. */
export type Maybe<T> = T | Failure;

export interface ScreenSignals {
  width: number;
  height: number;
  colorDepth: number;
  availWidth: number;
  availHeight: number;
}

/** The layout viewport (`innerWidth`, `innerHeight`), the window around it, how the page is shown. */
export interface ViewportSignals {
  width: number;
  height: number;
  outerWidth: number;
  outerHeight: number;
  /** The `(display-mode: …)` that matches: `browser`, `fullscreen`, `standalone`, …; absent if none. */
  displayMode?: string;
}

export interface UaDataSignals {
  brands: { brand: string; version: string }[];
  mobile: boolean;
  platform: string;
}

export interface WindowSignals {
  userAgent: Maybe<string>;
  platform: Maybe<string>;
  vendor: Maybe<string>;
  languages: Maybe<string[]>;
  timezone: Maybe<string>;
  hardwareConcurrency: Maybe<number>;
  deviceMemory: Maybe<number>;
  /** `navigator.webdriver` */
  webdriver: Maybe<boolean>;
  /** `'webdriver' in navigator` */
  webdriverPresent: Maybe<boolean>;
  webglVendor: Maybe<string>;
  webglRenderer: Maybe<string>;
  screen: Maybe<ScreenSignals>;
  viewport: Maybe<ViewportSignals>;
  /** `navigator.userAgentData` (Chromium only). */
  uaData: Maybe<UaDataSignals>;
  /** Names of automation-framework globals found on window or document. */
  automation: Maybe<string[]>;
  /** A DevTools Protocol client serialised an Error (V8 only; `unsupported` elsewhere). */
  cdp: Maybe<boolean>;
  /** Native getters and functions that failed integrity (`Navigator.webdriver`, `navigator.<own>`). */
  lies: Maybe<string[]>;
}

export interface IframeSignals {
  userAgent: Maybe<string>;
  platform: Maybe<string>;
  languages: Maybe<string[]>;
  hardwareConcurrency: Maybe<number>;
  timezone: Maybe<string>;
  webdriver: Maybe<boolean>;
}

export interface WorkerSignals {
  userAgent: Maybe<string>;
  platform: Maybe<string>;
  languages: Maybe<string[]>;
  hardwareConcurrency: Maybe<number>;
  timezone: Maybe<string>;
  webglRenderer: Maybe<string>;
}

/**
 * A hidden `data:` iframe (opaque origin, so cross-site) and, inside it, a frame of the page's
 * origin, removed once read.
 */
export interface FrameSignals {
  /** Whether its chained `setTimeout(0)` ran free or were held to a wake-up a second. */
  timers: Maybe<'free' | 'throttled'>;
  /** The inner frame's storage: its own partition, the page's, or none. */
  storage: Maybe<'partitioned' | 'shared' | 'denied'>;
}

/** Counts of user events since the package was loaded. */
export interface BehaviorSignals {
  mouse: number;
  click: number;
  keyboard: number;
  touch: number;
  clipboard: number;
}

/** The raw signals `collect()` makes and `POST /session` takes. */
export interface Signals {
  v: 2;
  nonce?: string;
  browser_id: Maybe<string>;
  window: Maybe<WindowSignals>;
  /** Absent when collected with `iframe: false`. */
  iframe?: Maybe<IframeSignals>;
  /** Absent when collected with `worker: false`. */
  worker?: Maybe<WorkerSignals>;
  /** Absent when collected with `frame: false`. */
  frame?: Maybe<FrameSignals>;
  behavior: BehaviorSignals;
}

/** The local verdict (the server computes its own from the raw signals). */
export interface Verdict {
  automated: boolean;
  /** Bot likelihood, 0 to 1. */
  bot: number;
  tampered: boolean;
  reasons: string[];
  device_id: string;
  browser_id: string;
}

export interface CollectOptions {
  /**
   * Budget of each asynchronous source (the worker, the hidden frame's load), in milliseconds.
   * Default 100. The hidden frame then takes up to 20 ms more for its timers (100 at most).
   */
  timeout?: number;
  /** Set false to skip the dedicated-worker source. */
  worker?: boolean;
  /** Set false to skip the iframe source. */
  iframe?: boolean;
  /** Set false to skip the hidden cross-site frame. */
  frame?: boolean;
  /** Single-use value from `POST /session/nonce`, copied into the payload. */
  nonce?: string;
}

export interface CreateSessionOptions {
  /** Base URL of the Edgeward worker, e.g. `https://defender.example.com`. */
  endpoint: string;
  /** The project's public key (sent as `x-public-key`). Never a secret key. */
  publicKey: string;
  /** Signals already collected; if absent, a nonce is fetched and signals are collected. */
  signals?: Signals;
  /** Worker budget passed to `collect()`, in milliseconds. */
  timeout?: number;
}

export interface Session {
  session_id: string;
  /**
   * The local verdict, for the page's own use; the server does not trust it. Null when the page
   * could not evaluate (the WebAssembly did not load): the session was created all the same.
   */
  verdict: Verdict | null;
}

/** Anything wasm-bindgen's init accepts: the URL of edgeward_core_bg.wasm, a Response, bytes, a Module. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module };

/** Loads the WebAssembly once; later calls return the same promise. */
export function init(input?: InitInput): Promise<void>;
export default init;

/** Collects the raw signals. Never rejects. */
export function collect(options?: CollectOptions): Promise<Signals>;

/** Evaluates signals locally. Throws if `init()` has not completed. */
export function evaluate(signals: Signals): Verdict;

/** Collects (unless given signals), evaluates locally and posts the raw signals to `POST /session`. */
export function createSession(options: CreateSessionOptions): Promise<Session>;

/** The random first-party id kept in localStorage under `edgeward.browser_id`. */
export function browserId(): string;

/** A non-2xx answer of the Edgeward server. */
export class EdgewardError extends Error {
  readonly name: 'EdgewardError';
  /** The HTTP status. */
  readonly status: number;
  /** The server's `message` (empty if the body had none). */
  readonly serverMessage: string;
  constructor(what: string, status: number, serverMessage: string);
}
