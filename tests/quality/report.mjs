// Turns the played scenarios into the numbers of the quality report and the QUALITY.md text.

export const TARGET_RECALL = 0.95;
export const TARGET_FP = 0.01;

const flagged = (r) => r && r.decision !== "Real";
const ATTACKER_STAGES = ["attack", "signup", "later"];
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "–");
const ratio = (x) => (Number.isFinite(x) ? x.toFixed(3) : "–");
// The engine's credential-change rule (src/engine/incidents.rs) looks for a login within 24 h
// before the change that scored 0.25 on `account_takeover`; the trigger names whether the login
// also came from a device new to the account (`ATO_NEW_DEVICE` on its response).
const codes = (r) => new Set((r?.reasons ?? []).map((x) => x.code));
const trigger = (r) => {
  if (!((r?.account_takeover ?? 0) >= 0.25)) return null;
  return codes(r).has("ATO_NEW_DEVICE") ? "score ≥ 0.25, new device" : "score ≥ 0.25, known device";
};
/** Accounts with a login of the decisive phase (day 23 on) that met a trigger of that rule. */
const exposedCount = (members) => members.filter((a) => a.events.some((e) => e.stage !== "history" && e.result && trigger(e.result))).length;
/** A benign credential change gone wrong: it opened a takeover incident or left the account not Real. */
const changeFP = (c) => c.result.opened.length > 0 || c.result.after.decision !== "Real";
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Per class: decisions at the decisive authenticate, rates, reasons. */
export function analyse(classes, accounts) {
  const rows = [];
  for (const c of classes) {
    const members = accounts.filter((a) => a.cls === c.key);
    const decisive = members.map((a) => a.events.find((e) => e.decisive).result);
    const count = (d) => decisive.filter((r) => r?.decision === d).length;
    const missing = decisive.filter((r) => !r).length;
    const played = members.length - missing;
    const nonReal = decisive.filter(flagged).length;
    // Benign: any authenticate of the scenario not Real. Attack: any authenticate of the
    // attacker's (not the victim's own sessions) Suspicious or Fake.
    const counts = (e) => c.label === "benign" || ATTACKER_STAGES.includes(e.stage);
    const anyFlagged = members.filter((a) => a.events.some((e) => counts(e) && flagged(e.result))).length;
    // Non-Real authenticates before the decisive one, by what they were: accounts per label.
    const before = new Map();
    for (const a of members) {
      const whats = new Set(a.events.filter((e) => !e.decisive && counts(e) && flagged(e.result)).map((e) => e.what));
      for (const w of whats) before.set(w, (before.get(w) ?? 0) + 1);
    }
    const signups = members.map((a) => a.events.find((e) => e.stage === "signup")?.result).filter(Boolean);
    const reasons = new Map();
    // Apart: the codes on the responses that went wrong (benign not Real, attacks Real).
    const reasonsWrong = new Map();
    for (const r of decisive.filter(Boolean)) {
      const wrong = c.label === "benign" ? flagged(r) : !flagged(r);
      for (const { code, weight } of dedupe(r.reasons)) {
        for (const m of wrong ? [reasons, reasonsWrong] : [reasons]) {
          const x = m.get(code) ?? { n: 0, w: 0 };
          x.n++;
          x.w += weight;
          m.set(code, x);
        }
      }
    }
    // Classes drawn in sub-groups (`a.group`): the same figures per sub-group, and the
    // credential-change ones (see analyseChanges).
    const groups = [...new Set(members.map((a) => a.group).filter(Boolean))].map((name) => {
      const ms = members.filter((a) => a.group === name);
      const rs = ms.map((a) => a.events.find((e) => e.decisive).result).filter(Boolean);
      const changes = ms.flatMap((a) => a.changes ?? []).filter((x) => x.result);
      return {
        name,
        accounts: ms.length,
        played: rs.length,
        real: rs.filter((r) => r.decision === "Real").length,
        suspicious: rs.filter((r) => r.decision === "Suspicious").length,
        fake: rs.filter((r) => r.decision === "Fake").length,
        newDevice: rs.filter((r) => codes(r).has("ATO_NEW_DEVICE")).length,
        medianTakeover: median(rs.map((r) => r.account_takeover)),
        exposed: exposedCount(ms),
        changes: changes.length,
        opened: changes.filter((x) => x.result.opened.length > 0).length,
        changeFP: changes.filter(changeFP).length,
      };
    });
    rows.push({
      ...c,
      accounts: members.length,
      played,
      missing,
      real: count("Real"),
      suspicious: count("Suspicious"),
      fake: count("Fake"),
      nonReal,
      rate: played ? nonReal / played : NaN,
      anyRate: members.length ? anyFlagged / members.length : NaN,
      signupRate: signups.length ? signups.filter(flagged).length / signups.length : null,
      signups: signups.length,
      medianScore: median(decisive.map((r) => r?.account_score)),
      before: [...before.entries()].sort((x, y) => y[1] - x[1]),
      sessions: members.reduce((s, a) => s + a.events.length, 0),
      reasons: top(reasons),
      reasonsWrong: top(reasonsWrong),
      groups,
    });
  }
  const benign = rows.filter((r) => r.label === "benign");
  const benignPlayed = benign.reduce((s, r) => s + r.played, 0);
  const benignFP = benign.reduce((s, r) => s + r.nonReal, 0);
  for (const r of rows.filter((x) => x.label === "attack")) {
    r.precision = r.nonReal + benignFP ? r.nonReal / (r.nonReal + benignFP) : NaN;
    r.met = r.rate >= TARGET_RECALL;
  }
  return { rows, benignPlayed, benignFP, fpRate: benignPlayed ? benignFP / benignPlayed : NaN };
}

/**
 * The credential-change stage (scenarios.mjs: `a.changes`), per class with changes. An attack
 * is *detected* after the change when a pending `account_takeover` incident is on the account
 * (`GET /api/v2/account_defender/account/{id}` → `active_incidents`, whatever opened it): an
 * incident, with its webhook, is what an application acts on. A benign change is a *false
 * positive* when it opened an `account_takeover` incident (the event's `incidents_opened`) or
 * left the account decided other than Real (`GET /account/{id}`).
 */
export function analyseChanges(classes, accounts, analysis) {
  const rows = [];
  // Which login the engine's flow rule found, and by which trigger: the riskiest of the
  // account's logins within 24 h before the change that met a trigger (`trigger` above).
  const flowLogin = (c) => {
    const a = accounts.find((x) => x.id === c.account);
    const doubtful = a.events
      .filter((e) => e.t <= c.t && c.t - e.t <= 86_400_000 && e.result && trigger(e.result))
      .sort((x, y) => y.result.account_takeover - x.result.account_takeover || y.t - x.t);
    return doubtful[0] ?? null;
  };
  const cause = (c) => {
    const l = flowLogin(c);
    if (!l) return "no login within 24 h met it (unexplained)";
    return `${l === c.login ? "the login itself" : `an earlier login (${l.what}, ${((c.t - l.t) / 3_600_000).toFixed(0)} h before)`}: ${trigger(l.result)}`;
  };
  for (const cl of classes) {
    const members = accounts.filter((a) => a.cls === cl.key);
    const all = members.flatMap((a) => a.changes ?? []);
    if (!all.length) continue;
    // Exposure: accounts of the whole class with a login of the decisive phase (day 23 on)
    // that met a trigger, so a credential change within 24 h of it would open an incident.
    const exposed = exposedCount(members);
    const played = all.filter((c) => c.result);
    const n = (f) => played.filter(f).length;
    const opened = (c) => c.result.opened.length > 0;
    const incidentAfter = (c) => c.result.incidentsAfter.length > 0;
    const notRealAfter = (c) => c.result.after.decision !== "Real";
    const fp = changeFP;
    const attack = cl.label === "attack";
    const wrong = attack ? played.filter((c) => !incidentAfter(c)) : played.filter(fp);
    const causes = new Map();
    for (const c of played.filter(opened)) causes.set(cause(c), (causes.get(cause(c)) ?? 0) + 1);
    const wrongReasons = new Map();
    for (const c of wrong) {
      // A benign change that opened an incident: the codes of the login the rule found.
      const l = opened(c) ? flowLogin(c) ?? c.login : c.login;
      for (const { code, weight } of dedupe(l.result?.reasons)) {
        const x = wrongReasons.get(code) ?? { n: 0, w: 0 };
        x.n++;
        x.w += weight;
        wrongReasons.set(code, x);
      }
    }
    rows.push({
      ...cl,
      changes: all.length,
      members: members.length,
      exposed,
      played: played.length,
      atLogin: n((c) => flagged(c.login.result)),
      incidentBefore: n((c) => c.result.incidentsBefore.length > 0),
      notRealBefore: n((c) => c.result.before.decision !== "Real"),
      opened: n(opened),
      incidentAfter: n(incidentAfter),
      notRealAfter: n(notRealAfter),
      real: n((c) => c.result.after.decision === "Real"),
      suspicious: n((c) => c.result.after.decision === "Suspicious"),
      fake: n((c) => c.result.after.decision === "Fake"),
      detected: n(incidentAfter),
      either: n((c) => incidentAfter(c) || notRealAfter(c)),
      fp: n(fp),
      loginTakeover: median(played.map((c) => c.login.result?.account_takeover)),
      takeoverBefore: median(played.map((c) => c.result.before.account_takeover)),
      takeoverAfter: median(played.map((c) => c.result.after.account_takeover)),
      openedRisk: median(played.flatMap((c) => c.result.opened.map((i) => i.risk_score))),
      causes: [...causes.entries()].sort((x, y) => y[1] - x[1]),
      wrong: wrong.map((c) => ({ account: c.account, login: c.login.result, before: c.result.before, after: c.result.after, opened: opened(c) })),
      wrongReasons: top(wrongReasons),
    });
  }
  const benign = rows.filter((r) => r.label === "benign");
  const benignPlayed = benign.reduce((s, r) => s + r.played, 0);
  const benignFP = benign.reduce((s, r) => s + r.fp, 0);
  const benignOpened = benign.reduce((s, r) => s + r.opened, 0);
  const benignNotRealBefore = benign.reduce((s, r) => s + r.notRealBefore, 0);
  for (const r of rows.filter((x) => x.label === "attack")) {
    r.rate = r.played ? r.detected / r.played : NaN;
    r.loginRate = analysis.rows.find((x) => x.key === r.key)?.rate ?? NaN;
    r.precision = r.detected + benignFP ? r.detected / (r.detected + benignFP) : NaN;
  }
  const benignExposed = benign.reduce((s, r) => s + r.exposed, 0);
  const benignMembers = benign.reduce((s, r) => s + r.members, 0);
  return { rows, benignPlayed, benignFP, benignExposed, benignMembers, benignOpened, benignNotRealBefore, fpRate: benignPlayed ? benignFP / benignPlayed : NaN };
}

/** A reason code counted once per response (the strongest weight). */
function dedupe(reasons) {
  const m = new Map();
  for (const r of reasons ?? []) if (!m.has(r.code) || m.get(r.code).weight < r.weight) m.set(r.code, r);
  return [...m.values()];
}

const top = (m, n = 6) => [...m.entries()].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0])).slice(0, n).map(([code, x]) => ({ code, n: x.n, weight: x.w / x.n }));

export function markdown({ analysis, changeAnalysis, meta }) {
  const { rows, benignPlayed, benignFP, fpRate } = analysis;
  const attacks = rows.filter((r) => r.label === "attack");
  const out = [];
  const p = (s = "") => out.push(s);
  p("# Quality report");
  p();
  p("Generated by `tests/quality/run.mjs`; do not edit by hand. Reproduce with:");
  p();
  p("```sh");
  p("bash scripts/setup.sh && bash scripts/build-worker.sh");
  p("node tests/quality/run.mjs");
  p("```");
  p();
  p(`- Run: ${meta.date} (${meta.seconds.toFixed(0)} s, ${meta.requests} requests, ${meta.sessions} sessions and ${meta.changes} credential changes over ${meta.accounts} accounts)`);
  p(`- Worker: \`build/\` of ${meta.built}, repository at ${meta.commit}; \`wrangler dev --env dev --test-scheduled\` (workerd, fresh local KV), driven through the development headers \`x-edgeward-now\` and \`x-edgeward-cf\``);
  p(`- Seed ${meta.seed}, scale ${meta.scale}; iporigin table ${meta.iporigin}`);
  p(`- Simulated time: history from ${meta.t0} over local days 0–20; decisive sessions from ${meta.decisiveStart} (local day 23). Population index rebuilt ${meta.rebuildText}.`);
  if (meta.failures.length) p(`- **${meta.failures.length} requests failed or answered an unexpected status**: see the end of this report; the numbers below leave those sessions out.`);
  p();
  p("Each class is a labelled population of accounts. Every account has exactly one *decisive* authenticate, its last one in the scenario, defined per class below. Benign accounts should be decided `Real` there: the false-positive rate is the share decided `Suspicious` or `Fake`. For attacks, recall is the share decided `Suspicious` or `Fake` there. \"Any\" is the share of accounts with at least one authenticate not `Real`: over the whole scenario for benign classes (history included), over the attacker's own sign-ups and logins (not the victim's sessions) for attacks.");
  p();
  p("## Decisions at the decisive authenticate");
  p();
  p("| # | class | label | accounts | sessions | Real | Suspicious | Fake | recall / FP rate | any | median score | decisive authenticate |");
  p("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const rate = r.label === "attack" ? `recall ${ratio(r.rate)}` : `FP ${pct(r.rate)}`;
    p(`| ${r.n} | ${r.name} | ${r.label} | ${r.accounts}${r.missing ? ` (${r.missing} failed)` : ""} | ${r.sessions} | ${r.real} | ${r.suspicious} | ${r.fake} | ${rate} | ${pct(r.anyRate)} | ${ratio(r.medianScore)} | ${r.decisive} |`);
  }
  p(`| | **all benign** | benign | ${benignPlayed} | | ${benignPlayed - benignFP} | | | **FP ${pct(fpRate)}** | | | |`);
  p();
  const grouped = rows.filter((r) => r.groups.length);
  if (grouped.length) {
    p("By sub-group, for the classes drawn in sub-groups (see *The populations*): the decisions at the decisive authenticate; how many of those responses carry `ATO_NEW_DEVICE` (the engine found the device new to the account) and their median `account_takeover`; and the credential-change figures of *After a credential change* below (exposure: accounts with a login from day 23 on that scored ≥ 0.25, so that a credential change within 24 h would open an `account_takeover` incident; a false positive: a password change that opened one or left the account decided other than Real).");
    p();
    p("| # | class | sub-group | accounts | Real | Suspicious | Fake | `ATO_NEW_DEVICE` on the decisive response | median `account_takeover` | exposure | password changes | incident opened by the change | false positives after the change |");
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of grouped) {
      for (const g of r.groups) {
        p(`| ${r.n} | ${r.name} | ${g.name} | ${g.accounts}${g.played < g.accounts ? ` (${g.accounts - g.played} failed)` : ""} | ${g.real} | ${g.suspicious} | ${g.fake} | ${g.newDevice} of ${g.played} | ${ratio(g.medianTakeover)} | ${g.exposed} of ${g.accounts} (${pct(g.exposed / g.accounts)}) | ${g.changes} | ${g.opened} | ${r.label === "benign" ? `**${g.changeFP}**` : "–"} |`);
      }
    }
    p();
  }
  const signupRows = rows.filter((r) => r.signupRate !== null && r.key !== "tor-dc-disposable" && r.key !== "bots");
  if (signupRows.length) {
    p("At sign-up, before the rest of their farm or ring exists, the same accounts were flagged:");
    p();
    p("| class | sign-ups | flagged at sign-up |");
    p("|---|---|---|");
    for (const r of signupRows) p(`| ${r.name} | ${r.signups} | ${pct(r.signupRate)} |`);
    p();
  }
  const hidden = rows.filter((r) => r.before.length);
  if (hidden.length) {
    p("Authenticates before the decisive one that were not `Real` (benign: any of the scenario; attacks: the attacker's own), by what they were — accounts:");
    p();
    p("| class | label | accounts with a non-Real authenticate before the decisive one |");
    p("|---|---|---|");
    for (const r of hidden) p(`| ${r.name} | ${r.label} | ${r.before.map(([w, n]) => `${w}: ${n} of ${r.accounts}`).join("; ")} |`);
    p();
  }
  p("## Precision per attack class");
  p();
  p(`Over the attack class and all ${benignPlayed} benign accounts: flagged attack accounts / (flagged attack accounts + ${benignFP} flagged benign accounts). It depends on the class sizes chosen here, not on any real base rate.`);
  p();
  p("| class | flagged attacks | flagged benign | precision |");
  p("|---|---|---|---|");
  for (const r of attacks) p(`| ${r.name} | ${r.nonReal} / ${r.played} | ${benignFP} / ${benignPlayed} | ${ratio(r.precision)} |`);
  p();
  p("## Targets");
  p();
  p("| target | value | |");
  p("|---|---|---|");
  for (const r of attacks) p(`| recall ≥ ${TARGET_RECALL} — ${r.name} | ${ratio(r.rate)} | ${r.met ? "MET" : "**NOT MET**"} |`);
  p(`| ≤ ${pct(TARGET_FP)} of benign accounts decided other than Real | ${pct(fpRate)} (${benignFP} of ${benignPlayed}) | ${fpRate <= TARGET_FP ? "MET" : "**NOT MET**"} |`);
  // The owners' new devices on new networks are, feature for feature, what a targeted attacker
  // shows at the login: the same target without them says what the rest of the engine costs.
  const others = rows.filter((r) => r.label === "benign" && r.key !== "new-device");
  const othersPlayed = others.reduce((x, r) => x + r.played, 0);
  const othersFP = others.reduce((x, r) => x + r.nonReal, 0);
  if (others.length < rows.filter((r) => r.label === "benign").length && othersPlayed) {
    const rate = othersFP / othersPlayed;
    p(`| ↳ the same, leaving out the new-device class (its new phones and work computers show the targeted attacker's features: new device, network and address) | ${pct(rate)} (${othersFP} of ${othersPlayed}) | ${rate <= TARGET_FP ? "met" : "not met"} (not counted below) |`);
  }
  const metCount = attacks.filter((r) => r.met).length + (fpRate <= TARGET_FP ? 1 : 0);
  p();
  p(`${metCount} of ${attacks.length + 1} targets met.`);
  p();
  if (changeAnalysis?.rows.length) changeSection(p, changeAnalysis);
  p("## Why: reason codes on the decisive responses");
  p();
  p("Per class, the most frequent codes in `reasons[]` of the decisive responses: how many accounts' responses carry the code, and its mean weight. The codes on the responses that went wrong are listed apart: benign accounts not decided Real, attack accounts decided Real.");
  p();
  p("| class | most frequent reason codes (accounts, mean weight) |");
  p("|---|---|");
  const fmt = (rs) => (rs.length ? rs.map((x) => `\`${x.code}\` ${x.n} (${x.weight.toFixed(2)})`).join(", ") : "none");
  for (const r of rows) {
    p(`| ${r.name} | ${fmt(r.reasons)} |`);
    if (r.label === "benign" && r.nonReal) p(`| ↳ its ${r.nonReal} not Real | ${fmt(r.reasonsWrong)} |`);
    if (r.label === "attack" && r.real) p(`| ↳ its ${r.real} missed (Real) | ${fmt(r.reasonsWrong)} |`);
  }
  p();
  p("## The populations");
  p();
  for (const line of meta.populations) p(`- ${line}`);
  p();
  if (meta.failures.length) {
    p("## Failed requests");
    p();
    p("| account | simulated time | request | status | body |");
    p("|---|---|---|---|---|");
    for (const f of meta.failures.slice(0, 50)) p(`| ${f.account} | ${f.at} | ${f.what} | ${f.status} | ${String(f.body).replaceAll("|", "\\|")} |`);
    if (meta.failures.length > 50) p(`| … ${meta.failures.length - 50} more | | | | |`);
    p();
  }
  return out.join("\n");
}

/** The credential-change stage: its own section, after the targets of the login stage. */
function changeSection(p, ca) {
  const attacks = ca.rows.filter((r) => r.label === "attack");
  const benign = ca.rows.filter((r) => r.label === "benign");
  const fmt = (rs) => (rs.length ? rs.map((x) => `\`${x.code}\` ${x.n} (${x.weight.toFixed(2)})`).join(", ") : "none");
  const score = (x) => (Number.isFinite(x) ? x.toFixed(2) : "–");
  p("## After a credential change (a takeover's second stage)");
  p();
  p("After the decisive login, every takeover attacker changes the password, and a share of benign people do the same after their own login (see *The populations*): `POST /event` type `password_change` with the login's `session_id`, address, user agent and `timestamp`, a few simulated minutes later. Around the event the suite reads the account's decision and `account_takeover` (`GET /account/{id}`) and its pending incidents (`GET /api/v2/account_defender/account/{id}` → `active_incidents`), just before and just after.");
  p();
  p("**Rule.** An attack counts as *detected after the change* when a pending `account_takeover` incident is on the account after it, whatever opened it (the login, at `account_takeover` ≥ 0.5, or the change): an incident, announced by the webhook, is what an API consumer acts on (locks the account, resets the session). The decision after the change is shown beside it, and \"incident or not Real\" as a looser reading. A benign password change counts as a *false positive* when it opened an `account_takeover` incident or left the account decided other than Real; the accounts already not Real before their change are shown apart (they count as false positives here too).");
  p();
  p("The engine's rule being measured (`src/engine/incidents.rs`): a `password_change`, `email_change` or `mfa_disabled` within 24 h of a login that scored ≥ 0.25 on `account_takeover` opens an `account_takeover` incident (risk = the login's score combined with 0.5) and adds `ATO_CREDENTIAL_CHANGE` to the account's takeover score for 7 days.");
  p();
  p("| # | takeover class | changes | detected at the login (recall, table above) | account not Real just before the change (`GET /account`) | pending ATO incident before the change | incident opened by the change | **detected after the change** (pending ATO incident) | decided Real / Suspicious / Fake after | incident or not Real after | median `account_takeover`: login → account before → after | precision after the change |");
  p("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of attacks) {
    p(`| ${r.n} | ${r.name} | ${r.played}${r.played < r.changes ? ` (${r.changes - r.played} failed)` : ""} | ${ratio(r.loginRate)} | ${r.notRealBefore} | ${r.incidentBefore} | ${r.opened} | **${r.detected} (${ratio(r.rate)})** | ${r.real} / ${r.suspicious} / ${r.fake} | ${r.either} | ${score(r.loginTakeover)} → ${score(r.takeoverBefore)} → ${score(r.takeoverAfter)} | ${ratio(r.precision)} |`);
  }
  p();
  p(`Precision after the change: detected attacks / (detected attacks + the ${ca.benignFP} benign false positives of password changes below).`);
  p();
  p("| # | benign class | password changes | not Real before the change | incident opened by the change | decided not Real after | **false positives** | FP rate | exposure: accounts of the class with a day-23 login that met a trigger |");
  p("|---|---|---|---|---|---|---|---|---|");
  for (const r of benign) {
    p(`| ${r.n} | ${r.name} | ${r.played}${r.played < r.changes ? ` (${r.changes - r.played} failed)` : ""} | ${r.notRealBefore} | ${r.opened} | ${r.notRealAfter} | **${r.fp}** | ${pct(r.played ? r.fp / r.played : NaN)} | ${r.exposed} of ${r.members} (${pct(r.exposed / r.members)}) |`);
  }
  p(`| | **all benign password changes** | ${ca.benignPlayed} | ${ca.benignNotRealBefore} | ${ca.benignOpened} | | **${ca.benignFP}** | **${pct(ca.fpRate)}** | ${ca.benignExposed} of ${ca.benignMembers} (${pct(ca.benignExposed / ca.benignMembers)}) |`);
  p();
  p("*Exposure* does not depend on who was drawn to change a password: the accounts of the whole class with a login of the decisive phase (day 23 on) scoring ≥ 0.25, so that any credential change within 24 h after it would open an `account_takeover` incident. For travellers that is usually the first login abroad; their password changes here come after the *last* login abroad, often more than 24 h after the first, which is why fewer of them opened one. For the owners of a new device it is that device's first login, the one their password change follows.");
  p();
  p("Why, per class: where the change opened an incident, the login the engine's rule found (the riskiest of the account's logins within 24 h before the change that scored ≥ 0.25) and whether its device was new; where the outcome went wrong (an attack with no pending incident after the change; a benign false positive), the reason codes on that login's authenticate response (the login the rule found if the change opened an incident, else the decisive login):");
  p();
  p("| class | incidents opened by the change, by the login the rule found and its trigger | reason codes of the login where it went wrong (accounts, mean weight) |");
  p("|---|---|---|");
  for (const r of ca.rows) {
    p(`| ${r.name} | ${r.causes.length ? r.causes.map(([c, n]) => `${c}: ${n}`).join("; ") : "none"} | ${r.wrong.length ? `${r.wrong.length}: ${fmt(r.wrongReasons)}` : "none went wrong"} |`);
  }
  p();
  // Findings, from the numbers above.
  const notes = [];
  const attackPlayed = attacks.reduce((x, r) => x + r.played, 0);
  const attackRealBefore = attacks.reduce((x, r) => x + (r.played - r.notRealBefore), 0);
  if (attackPlayed) notes.push(`Just before the change, \`GET /account/{id}\` decided ${attackPlayed - attackRealBefore} of the ${attackPlayed} attacked accounts other than Real (median \`account_takeover\` ${attacks.map((r) => score(r.takeoverBefore)).join(", ")} by class): the account view carries the takeover score of the latest session, the attacker's login (\`ATO_LATEST_SESSION\`).`);
  if (ca.benignFP) notes.push(`Of the ${ca.benignFP} benign false positives, ${ca.benignNotRealBefore} were decided other than Real already just before the change (\`GET /account/{id}\`: nothing the change did; see the reason codes of the login-stage tables) and ${ca.benignOpened} are incidents the change itself opened.`);
  for (const n of notes) p(`- ${n}`);
  if (notes.length) p();
  const misses = attacks.flatMap((r) => r.wrong.map((w) => ({ ...w, cls: r.name })));
  if (misses.length) {
    p("Attacks with no pending takeover incident after the change:");
    p();
    p("| class | account | login: decision, `account_takeover` | `ATO_NEW_DEVICE` on the login | after the change: decision, `account_takeover` |");
    p("|---|---|---|---|---|");
    for (const m of misses.slice(0, 40)) {
      const dev = (m.login?.reasons ?? []).some((x) => x.code === "ATO_NEW_DEVICE");
      p(`| ${m.cls} | ${m.account} | ${m.login?.decision}, ${score(m.login?.account_takeover)} | ${dev ? "yes" : "no"} | ${m.after.decision}, ${score(m.after.account_takeover)} |`);
    }
    if (misses.length > 40) p(`| … ${misses.length - 40} more | | | | |`);
    p();
  }
}
