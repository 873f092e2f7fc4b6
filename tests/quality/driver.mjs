// Plays the scenarios' sessions against a running worker in simulated time order.
//
// Sessions that share nothing (account, address, browser id, device fingerprint, mailbox) run
// concurrently; a session waits for every earlier session (in simulated time) it shares one of
// those with, so the worker sees each account's, address's and device's history in the order
// it happened. The population index is rebuilt (the worker's scheduled handler) at the given
// instants, between sessions: nothing runs while it is rebuilt. A credential change (stage
// "change") is an event after a login of its account: it waits like a session of that login.
//
// The application steps up as README asks: a login decided Suspicious that carries
// `secondFactor` ("passes" for whoever holds the account's second factor, "fails" for an
// attacker holding only the password) is followed, SECOND_FACTOR_AFTER later and within the
// same play, by `POST /event` `challenge_succeeded` or `challenge_failed` with its session id.
// An attacker who failed goes no further: their credential change is not sent.

/** When the second factor's outcome is reported, after the login. */
export const SECOND_FACTOR_AFTER = 30_000;

export const DEMO = { secret: "sk_dev_demo_5f2c0a9e1b7d4c3a", public: "pk_dev_demo_8e1d6b2a" };

/** What links two sessions in the worker: whatever they share must be played in order. */
function dependencyKeys(e) {
  const w = e.load.signals.window ?? {};
  const device = JSON.stringify([w.platform, w.screen?.width, w.screen?.height, w.screen?.colorDepth, w.hardwareConcurrency, w.deviceMemory, w.timezone, w.languages, w.webglRenderer]);
  const keys = [`a:${e.account}`, `n:${e.ip}`, `b:${e.load.signals.browser_id}`, `d:${device}`];
  if (e.email) keys.push(`e:${mailbox(e.email)}`);
  return keys;
}

const mailbox = (email) => {
  const [local, domain] = email.toLowerCase().split("@");
  const base = local.split("+")[0];
  return `${domain === "gmail.com" ? base.replaceAll(".", "") : base}@${domain}`;
};

function limiter(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || queue.length === 0) return;
    active++;
    const { fn, resolve } = queue.shift();
    fn().then(resolve, resolve).finally(() => {
      active--;
      next();
    });
  };
  return (fn) => new Promise((resolve) => {
    queue.push({ fn, resolve });
    next();
  });
}

export class Driver {
  constructor(base, { concurrency = 6, log = () => {} } = {}) {
    this.base = base;
    this.concurrency = concurrency;
    this.log = log;
    /** Requests that answered a status the scenario did not expect, or failed outright. */
    this.failures = [];
    this.requests = 0;
    /** Second factors asked for: passed by their holder, failed by an attacker. */
    this.secondFactors = { passed: 0, failed: 0 };
  }

  async request(method, path, headers, body) {
    this.requests++;
    let r;
    let text;
    try {
      r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      text = await r.text();
      // When workerd restarts mid-request (seen under a concurrent build), wrangler answers this
      // 503 and retries only GET and HEAD: send it once more. The first attempt may have been
      // partly handled; for POST /session that leaves at most one unused session behind.
      if (r.status === 503 && text.includes("restarted mid-request")) {
        this.retries = (this.retries ?? 0) + 1;
        await new Promise((res) => setTimeout(res, 250));
        r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        text = await r.text();
      }
    } catch (e) {
      return { status: 0, body: null, error: String(e?.cause?.message ?? e) };
    }
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { unparsed: text.slice(0, 300) };
    }
    return { status: r.status, body: parsed };
  }

  fail(e, what, r) {
    this.failures.push({ account: e.account, at: new Date(e.t).toISOString(), what, status: r.status, body: r.error ?? JSON.stringify(r.body)?.slice(0, 400) });
  }

  /** Plays one session: POST /session, then POST /session/authenticate. Returns the scores. */
  async play(e) {
    const common = { "content-type": "application/json", "x-edgeward-now": String(e.t) };
    const created = await this.request("POST", "/session", {
      ...common,
      "x-public-key": DEMO.public,
      "x-forwarded-for": e.ip,
      "user-agent": e.load.userAgent,
      "accept-language": e.load.acceptLanguage,
      "x-edgeward-cf": JSON.stringify(e.cf),
    }, e.load.signals);
    if (created.status !== 200 || typeof created.body?.session_id !== "string") {
      this.fail(e, "POST /session", created);
      return null;
    }
    e.sessionId = created.body.session_id;
    const account = { id: e.account };
    if (e.email) account.email = e.email;
    const auth = await this.request("POST", "/session/authenticate", {
      ...common,
      "x-edgeward-now": String(e.t + 7),
      "x-api-key": DEMO.secret,
    }, { session_id: created.body.session_id, account });
    if (auth.status !== 200 || typeof auth.body?.decision !== "string") {
      this.fail(e, "POST /session/authenticate", auth);
      return null;
    }
    const s = auth.body;
    if (e.secondFactor && s.decision === "Suspicious") e.challenge = await this.challenge(e, e.secondFactor === "passes");
    return {
      decision: s.decision,
      account_score: s.account_score,
      bot: s.bot,
      multiple_accounts: s.multiple_accounts,
      risk_signals: s.risk_signals,
      account_takeover: s.account_takeover,
      accounts_linked: s.accounts_linked,
      reasons: (s.reasons ?? []).map((r) => ({ code: r.code, weight: r.weight })),
    };
  }

  /** Reports the second factor asked for on the login `e`: `{ passed, opened }`. */
  async challenge(e, passes) {
    const at = e.t + SECOND_FACTOR_AFTER;
    const type = passes ? "challenge_succeeded" : "challenge_failed";
    const r = await this.request("POST", "/event", { "content-type": "application/json", "x-api-key": DEMO.secret, "x-edgeward-now": String(at) }, {
      account_id: e.account, type, session_id: e.sessionId, timestamp: at,
    });
    if (r.status !== 200 || !Array.isArray(r.body?.incidents_opened)) {
      this.fail(e, `POST /event ${type}`, r);
      return null;
    }
    this.secondFactors[passes ? "passed" : "failed"]++;
    return { passed: passes, opened: r.body.incidents_opened.length };
  }

  /** The account as the worker judges it now: `GET /account/{id}`. */
  async judge(e, at) {
    const r = await this.request("GET", `/account/${encodeURIComponent(e.account)}`, { "x-api-key": DEMO.secret, "x-edgeward-now": String(at) });
    if (r.status !== 200 || typeof r.body?.decision !== "string") {
      this.fail(e, "GET /account/{id}", r);
      return null;
    }
    const s = r.body;
    return {
      decision: s.decision,
      account_score: s.account_score,
      account_takeover: s.account_takeover,
      reasons: (s.reasons ?? []).map((x) => ({ code: x.code, weight: x.weight })),
    };
  }

  /** The account's pending `account_takeover` incidents: HUMAN's v2 account info. */
  async takeoverIncidents(e, at) {
    const r = await this.request("GET", `/api/v2/account_defender/account/${encodeURIComponent(e.account)}`, { "x-api-key": DEMO.secret, "x-edgeward-now": String(at) });
    if (r.status !== 200 || r.body?.exists !== true) {
      this.fail(e, "GET /api/v2/account_defender/account/{id}", r);
      return null;
    }
    return (r.body.active_incidents ?? []).filter((i) => i.attack_type === "account_takeover").map((i) => ({ risk_score: i.risk_score, created: i.incident_creation }));
  }

  /** The account's v2 account info at `at`: under attack, and its pending incidents. */
  async v2(account, at) {
    const r = await this.request("GET", `/api/v2/account_defender/account/${encodeURIComponent(account)}`, { "x-api-key": DEMO.secret, "x-edgeward-now": String(at) });
    if (r.status !== 200 || r.body?.exists !== true) {
      this.fail({ account, t: at }, "GET /api/v2/account_defender/account/{id} (end of run)", r);
      return null;
    }
    const incidents = (r.body.active_incidents ?? []).map((i) => ({ attack_type: i.attack_type, event_type: i.event_type, risk_score: i.risk_score }));
    return { under_attack: r.body.is_under_attack === true || incidents.length > 0, incidents };
  }

  /**
   * Plays a credential change (`e.kind`) after `e.login`: the account's decision and takeover
   * incidents just before, `POST /event` with the login's session, then both again; or, when
   * the login's second factor failed, only the first two (`blocked`).
   */
  async change(e) {
    if (!e.login.sessionId) return null; // the login itself failed (already recorded)
    const before = await this.judge(e, e.t - 1);
    const incidentsBefore = await this.takeoverIncidents(e, e.t - 1);
    if (e.login.challenge?.passed === false) {
      // Stopped by the second factor: the change never happens; what the failure left stands.
      if (!before || !incidentsBefore) return null;
      return { blocked: true, before, after: before, opened: [], incidentsBefore, incidentsAfter: incidentsBefore };
    }
    const r = await this.request("POST", "/event", { "content-type": "application/json", "x-api-key": DEMO.secret, "x-edgeward-now": String(e.t) }, {
      account_id: e.account, type: e.kind, session_id: e.login.sessionId, ip: e.ip, user_agent: e.load.userAgent,
      path: "/account/password", timestamp: e.t,
    });
    if (r.status !== 200 || !Array.isArray(r.body?.incidents_opened)) {
      this.fail(e, `POST /event ${e.kind}`, r);
      return null;
    }
    const after = await this.judge(e, e.t + 1);
    const incidentsAfter = await this.takeoverIncidents(e, e.t + 1);
    if (!before || !after || !incidentsBefore || !incidentsAfter) return null;
    return {
      before,
      after,
      opened: r.body.incidents_opened.filter((i) => i.attack_type === "account_takeover").map((i) => ({ risk_score: i.risk_score })),
      incidentsBefore,
      incidentsAfter,
    };
  }

  /** Plays `events` (any order) with dependencies; sets `e.result` on each. */
  async playAll(events) {
    const sorted = [...events].sort((x, y) => x.t - y.t || x.seq - y.seq);
    const limit = limiter(this.concurrency);
    const last = new Map();
    const all = [];
    for (const e of sorted) {
      const keys = dependencyKeys(e);
      const deps = keys.map((k) => last.get(k)).filter(Boolean);
      const p = Promise.all(deps).then(() => limit(async () => {
        e.result = await (e.stage === "change" ? this.change(e) : this.play(e));
      }));
      for (const k of keys) last.set(k, p);
      all.push(p);
    }
    await Promise.all(all);
  }

  /**
   * Plays every event, rebuilding the population index at each instant of `rebuildAt` (sorted):
   * the sessions before an instant all finish before the rebuild, those after wait for it.
   */
  async run(events, rebuildAt, rebuild) {
    const cuts = [...rebuildAt, Infinity];
    let from = -Infinity;
    let played = 0;
    let since = Date.now();
    for (const cut of cuts) {
      const segment = events.filter((e) => e.t >= from && e.t < cut);
      await this.playAll(segment);
      played += segment.length;
      if (cut !== Infinity) await rebuild(cut);
      // Progress once per simulated day (UTC midnight) and at the end.
      if (cut === Infinity || cut % 86_400_000 === 0) {
        this.log(`  ${played} sessions up to ${cut === Infinity ? "the end" : new Date(cut).toISOString().slice(0, 10)} in ${((Date.now() - since) / 1000).toFixed(1)} s (rebuilds included)`);
        played = 0;
        since = Date.now();
      }
      from = cut;
    }
  }
}
