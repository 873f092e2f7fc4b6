// Account: scores with every reason explained from the catalogue, sessions over time, devices,
// networks and countries, incidents, lists, and the linked accounts as a graph (Cytoscape.js),
// one hop expandable at a time, click through to the other account.
import cytoscape from "../../vendor/cytoscape.esm.min.mjs";
import { api, enc, get, reasons } from "../api.js";
import { accountLink, decision, empty, h, render, score, table, when } from "../ui.js";

const SESSIONS_SHOWN = 20;

function scores(a, catalogue) {
  const s = a;
  const parts = ["account_score", "bot", "account_takeover", "multiple_accounts", "risk_signals"];
  return h(
    "div",
    { class: "card" },
    h("h2", {}, "Scores"),
    h("div", { class: "grid" }, parts.map((p) => h("div", { "data-score": p }, h("div", { class: "stat" }, score(s[p])), h("div", { class: "stat-label" }, p)))),
    h("h2", {}, "Reasons"),
    s.reasons.length
      ? h("ul", {}, s.reasons.map((r) => {
          const c = catalogue[r.code];
          return h(
            "li",
            { class: "reason", "data-reason": r.code },
            h("b", {}, r.code),
            ` ${r.score ?? ""} · weight ${score(r.weight)}`,
            c ? h("div", {}, c.meaning) : h("div", { class: "muted" }, r.rule ? `customer rule ${r.rule}` : "not in the catalogue"),
            c ? h("div", { class: "muted" }, `What to do: ${c.action}`) : null,
          );
        }))
      : h("p", { class: "muted" }, "No reason: nothing weighs on this account."),
  );
}

/** An attack the engine missed, reported by the analyst: a manual incident (HUMAN's
 * `manually_identified`, pending). */
function report(id, done) {
  const status = h("span", { class: "muted", role: "status" });
  const button = (attackType, label) => h("button", { type: "button", onclick: async () => {
    status.textContent = `${label}…`;
    try {
      await api("POST", "/api/v1/account_defender/account/update_status", { accountIds: [id], attackType, status: "pending", result: "manually_identified" });
      done();
    } catch (e) {
      status.textContent = `${label} failed: ${e.message}`;
    }
  } }, label);
  return h("div", { class: "actions" }, button("ato", "Report a takeover"), button("fa", "Report a fake account"), status);
}

/** The latest sessions (where, device, network, each authenticate's decision) and events. */
async function timeline(id) {
  const t = await get(`/account/${enc(id)}/timeline?limit=${SESSIONS_SHOWN}`);
  const rows = t.sessions.map((x) => [
    when(x.at),
    x.country || "–",
    h("span", { class: "mono" }, x.device_id || "–"),
    h("span", {}, x.ip || "–", h("div", { class: "muted" }, x.asn ? `AS${x.asn}` : "")),
    `${x.browser} ${x.os}`.trim() || "–",
    x.decision ? h("span", { "data-session-decision": x.decision }, decision(x.decision)) : h("span", { class: "muted" }, "not kept"),
  ]);
  const events = t.events.length
    ? table(["when", "event", "address", "country"], t.events.map((e) => [when(e.at), h("span", { "data-event": e.type }, e.type), e.ip || "–", e.country || "–"]))
    : empty("No server event (POST /event) for this account.");
  return [
    h("p", { class: "muted" }, `${t.num_sessions} sessions; the latest ${t.sessions.length} shown, each with the decision its authenticate got (kept 31 days)`),
    rows.length ? table(["start", "country", "device", "network", "browser", "decision"], rows) : empty("No session."),
    h("h2", {}, "Events"),
    events,
  ];
}

function graph(container, root, linked, go) {
  const cy = cytoscape({
    container,
    style: [
      { selector: "node", style: { label: "data(id)", "font-size": 10, "background-color": "#0969da", color: "#1b1f24" } },
      { selector: "node.root", style: { "background-color": "#cf222e" } },
      { selector: "edge", style: { label: "data(label)", "font-size": 8, width: "mapData(score, 0, 1, 1, 6)", "curve-style": "bezier", "line-color": "#8c959f", color: "#57606a" } },
    ],
    layout: { name: "concentric" },
  });
  const expanded = new Set();
  const add = (from, accounts) => {
    for (const l of accounts) {
      if (!cy.getElementById(l.account_id).length) cy.add({ data: { id: l.account_id } });
      const eid = [from, l.account_id].sort().join("→");
      if (!cy.getElementById(eid).length)
        cy.add({ data: { id: eid, source: from, target: l.account_id, score: l.score, label: `${l.match_type.join("+")} ${score(l.score)}` } });
    }
  };
  cy.add({ data: { id: root }, classes: "root" });
  add(root, linked);
  expanded.add(root);
  cy.layout({ name: "concentric", concentric: (n) => (n.id() === root ? 2 : 1) }).run();
  cy.on("tap", "node", async (e) => {
    const id = e.target.id();
    if (expanded.has(id)) return go("account", id);
    expanded.add(id);
    const r = await get(`/account/${enc(id)}/accounts-linked`);
    add(id, r.accounts_linked);
    cy.layout({ name: "cose", animate: false }).run();
  });
  return cy;
}

export default async function account(main, { arg: id }, { go }) {
  if (!id) return go("search");
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Account ", h("span", { class: "mono" }, id)), body);
  await render(body, "the account", async () => {
    const [a, catalogue, linked, v2, lists] = await Promise.all([
      get(`/account/${enc(id)}`),
      reasons(),
      get(`/account/${enc(id)}/accounts-linked`),
      get(`/api/v2/account_defender/account/${enc(id)}`),
      get("/list"),
    ]);
    const summary = h(
      "div",
      { class: "card" },
      h("p", {}, "Decision ", h("strong", { "data-decision": a.decision }, decision(a.decision)), ` · ${a.num_sessions} sessions · first seen ${when(a.first_seen)} · last seen ${when(a.last_seen)}`),
      h("p", {}, `E-mail: ${a.email?.email || "–"}`, a.email?.email ? ` (${a.email.domain_type}${a.email.disposable ? ", disposable" : ""})` : ""),
      h("p", {}, `Countries: ${(a.countries ?? []).join(", ") || "–"} · devices ${a.unique_devices?.["7_day"] ?? 0} and networks ${a.unique_networks?.["7_day"] ?? 0} over 7 days`),
    );
    const listStatus = h("span", { class: "muted", role: "status" });
    const pick = h("select", { "aria-label": "List" }, lists.lists.map((l) => h("option", { value: l.name }, l.name)));
    const listCard = h(
      "div",
      { class: "card", id: "lists" },
      h("h2", {}, "Lists"),
      a.lists.length
        ? h("ul", {}, a.lists.map((l) => h("li", { "data-list": l }, l, " ", h("button", { type: "button", onclick: async () => {
            await api("DELETE", `/list/${enc(l)}/account/${enc(id)}`);
            go("account", id, { t: Date.now() });
          } }, `Remove from ${l}`))))
        : h("p", { class: "muted" }, "In no list."),
      h("div", { class: "actions" }, pick, h("button", { type: "button", onclick: async () => {
        try {
          await api("POST", `/list/${enc(pick.value)}/account/${enc(id)}`);
          go("account", id, { t: Date.now() });
        } catch (e) {
          listStatus.textContent = e.message;
        }
      } }, "Add to list"), listStatus),
    );
    const incidents = v2.active_incidents ?? [];
    const incidentCard = h(
      "div",
      { class: "card" },
      h("h2", {}, "Pending incidents"),
      incidents.length
        ? table(["type", "event", "risk", "opened", "triggers"], incidents.map((i) => [i.attack_type, i.event_type, score(i.risk_score), when(i.incident_creation), (i.risk_triggers ?? []).join(", ")]))
        : h("p", { class: "muted" }, "None pending. ", h("a", { href: "#/inbox?status=all" }, "All incidents")),
      report(id, () => go("account", id, { t: Date.now() })),
    );
    const graphBox = h("div", { id: "graph", role: "img", "aria-label": `Accounts linked to ${id}` });
    const linkedCard = h(
      "div",
      { class: "card" },
      h("h2", {}, `Linked accounts (${linked.accounts_linked.length})`),
      linked.accounts_linked.length
        ? [
            h("p", { class: "hint" }, "Click an account to expand its links; click it again to open it."),
            graphBox,
            table(["account", "match", "strength", "e-mail", "lists"], linked.accounts_linked.map((l) => [accountLink(l.account_id), l.match_type.join(", "), score(l.score), l.email || "–", l.lists.join(", ")])),
          ]
        : h("p", { class: "muted" }, "No linked account."),
    );
    const sessionCard = h("div", { class: "card" }, h("h2", {}, "Sessions and events"));
    const s = h("div");
    sessionCard.append(s);
    render(s, "sessions", () => timeline(id));
    // Drawn once the page is in the document (Cytoscape.js measures its container).
    if (linked.accounts_linked.length) setTimeout(() => graph(graphBox, id, linked.accounts_linked, go), 0);
    return [summary, scores(a, catalogue), incidentCard, listCard, linkedCard, sessionCard];
  });
}
