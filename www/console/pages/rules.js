// Rules: the project's customer rules (PUT /rules/{name}), each with its versions and the
// matches of the last 30 days; write a new version (active or shadow) and backtest one over
// the stored authenticates before trusting it.
import { api, enc, get } from "../api.js";
import { empty, h, render, table, when } from "../ui.js";

const EXAMPLE = { when: "account.email.disposable", then: { decision: "Fake" }, mode: "shadow", description: "" };

function editor(rule, { go }) {
  const status = h("p", { class: "muted", role: "status" });
  const name = h("input", { "aria-label": "Rule name", placeholder: "rule name", value: rule?.name ?? "", pattern: "[A-Za-z0-9_.\\-]{1,64}", required: true });
  const cond = h("textarea", { "aria-label": "Condition (CEL)", rows: 3, cols: 70, spellcheck: "false", required: true });
  cond.value = rule?.when ?? EXAMPLE.when;
  const then = h("textarea", { "aria-label": "Actions (JSON)", rows: 3, cols: 70, spellcheck: "false" });
  then.value = JSON.stringify(rule?.then ?? EXAMPLE.then);
  const mode = h("select", { "aria-label": "Mode" }, ["shadow", "active"].map((m) => h("option", { value: m, selected: (rule?.mode ?? EXAMPLE.mode) === m }, m)));
  const description = h("input", { "aria-label": "Description", placeholder: "what it is for", value: rule?.description ?? "" });
  const form = h("form", { class: "card rule-editor", onsubmit: async (e) => {
    e.preventDefault();
    let actions;
    try {
      actions = JSON.parse(then.value || "{}");
    } catch {
      status.textContent = "The actions are not JSON: an object such as {\"decision\": \"Fake\"}.";
      return;
    }
    try {
      const r = await api("PUT", `/rules/${enc(name.value.trim())}`, { when: cond.value, then: actions, mode: mode.value, description: description.value });
      go("rules", r.rule.name, { v: r.rule.version });
    } catch (err) {
      status.textContent = err.message;
    }
  } },
  h("h2", {}, rule ? `New version of ${rule.name}` : "New rule"),
  h("label", {}, "Name ", name),
  h("label", {}, "When (CEL over the authenticate answer: ", h("a", { href: "/openapi.json" }, "attributes"), ") ", cond),
  h("label", {}, "Then (JSON: decision, add_to_lists, incident, score) ", then),
  h("label", {}, "Mode ", mode),
  h("label", {}, "Description ", description),
  h("div", { class: "actions" }, h("button", { type: "submit" }, "Save a new version")),
  status);
  if (rule) name.readOnly = true;
  return form;
}

function backtestResult(b) {
  const changes = b.decisions.changes.length
    ? table(["from", "to", "sessions"], b.decisions.changes.map((c) => [c.from, c.to, String(c.sessions)]))
    : empty("It would have changed no decision.");
  return h("div", { class: "backtest", "data-testid": "backtest" },
    h("p", {}, `Version ${b.version} over ${b.days} days: `,
      h("strong", { "data-matched": b.matched.sessions }, `${b.matched.sessions} of ${b.sessions.replayed} sessions matched`),
      ` (${b.matched.accounts} accounts)`,
      b.sessions.sampled ? `, a sample of ${b.sessions.listed} listed` : "", "."),
    changes,
    h("p", {}, `Matched accounts analysts marked no attack: ${b.feedback.matched_accounts_marked_no_attack}; confirmed: ${b.feedback.matched_accounts_confirmed}.`),
    b.errors.sessions ? h("p", { class: "error" }, `${b.errors.sessions} sessions could not be evaluated: ${b.errors.first}`) : null,
    b.examples.length
      ? table(["account", "engine", "with the rule"], b.examples.map((e) => [h("a", { href: `#/account/${enc(e.account_id)}` }, e.account_id), e.engine_decision, e.decision]))
      : null);
}

async function one(main, name, params, ctx) {
  const r = await get(`/rules/${enc(name)}`);
  const days = h("select", { "aria-label": "Backtest days" }, [1, 7, 30].map((d) => h("option", { value: d, selected: d === 7 }, `${d} days`)));
  const version = h("select", { "aria-label": "Backtest version" }, [...r.versions].reverse().map((v) => h("option", { value: v.version }, `version ${v.version}`)));
  const out = h("div", { role: "status" });
  const run = h("button", { type: "button", onclick: async () => {
    out.replaceChildren(h("p", { class: "state" }, "Replaying…"));
    try {
      out.replaceChildren(backtestResult(await api("POST", `/rules/${enc(name)}/backtest?days=${days.value}&version=${version.value}`)));
    } catch (err) {
      out.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
    }
  } }, "Backtest");
  const remove = h("button", { type: "button", onclick: async () => {
    if (!confirm(`Delete rule ${name}, its versions and its counted matches?`)) return;
    await api("DELETE", `/rules/${enc(name)}`);
    ctx.go("rules");
  } }, "Delete rule");
  return [
    h("p", {}, h("a", { href: "#/rules" }, "All rules")),
    h("div", { class: "card" },
      h("h2", {}, r.rule.name, " ", h("span", { class: "muted" }, `version ${r.rule.version}, ${r.rule.mode}`)),
      h("pre", {}, r.rule.when),
      h("pre", {}, JSON.stringify(r.rule.then)),
      r.rule.description ? h("p", {}, r.rule.description) : null,
      r.error ? h("p", { class: "error" }, `Skipped: it no longer compiles: ${r.error}`) : null,
      h("p", {}, `Matched in the last ${r.matches.days} days: ${r.matches.active} active, ${r.matches.shadow} shadow${r.matches.capped ? " (counted up to 10,000)" : ""}.`),
      h("div", { class: "actions" }, days, version, run, remove),
      out),
    h("h2", {}, "Versions"),
    table(["version", "mode", "when", "then", "written"], [...r.versions].reverse().map((v) =>
      [String(v.version), v.mode, h("code", {}, v.when), h("code", {}, JSON.stringify(v.then)), when(new Date(v.created_at).toISOString())])),
    editor(r.rule, ctx),
  ];
}

export default async function rules(main, { arg, params }, ctx) {
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Rules"), body);
  await render(body, "rules", async () => {
    if (arg) return one(main, arg, params, ctx);
    const all = await get("/rules");
    const list = all.rules.length
      ? table(["rule", "mode", "when", "then", "version"], all.rules.map((r) =>
          [h("a", { href: `#/rules/${enc(r.name)}` }, r.name), r.mode, h("code", {}, r.when), h("code", {}, JSON.stringify(r.then)), String(r.version)]))
      : empty("No rule yet: write one below, in shadow mode first.");
    return [list, editor(null, ctx)];
  });
}
