// Incident inbox: takeover and fake-account tabs, pending / resolved / all, the highest risk
// first; per incident its evidence and the actions the API has (feedback, lists, deletion).
import { api, enc, get } from "../api.js";
import { accountLink, empty, h, render, score, table, when } from "../ui.js";

const TYPES = { ato: "Account takeover", fa: "Fake accounts" };
const STATUSES = ["pending", "resolved", "all"];

function tabs(type, status) {
  const link = (t, s, label, current) =>
    h("a", { href: `#/inbox?type=${t}&status=${s}`, "aria-current": current ? "true" : "false" }, label);
  return [
    h("div", { class: "tabs", role: "group", "aria-label": "Attack type" }, Object.entries(TYPES).map(([t, l]) => link(t, status, l, t === type))),
    h("div", { class: "tabs", role: "group", "aria-label": "Status" }, STATUSES.map((s) => link(type, s, s, s === status))),
  ];
}

function evidence(i) {
  const a = i.additional;
  return h(
    "div",
    {},
    h("div", {}, i.triggers.map((t) => h("span", { class: "pill" }, t))),
    h("div", { class: "mono" }, i.reasons.join(", ") || "–"),
    h("div", { class: "muted" }, [a.ip, a.country, a.asn].filter(Boolean).join(" · ")),
    h("div", { class: "muted mono" }, a.device_fingerprint ? `device ${a.device_fingerprint}` : "", a.vid ? ` browser ${a.vid}` : ""),
    h("div", { class: "muted" }, `account age ${a.account_age} h`, a.email ? ` · ${a.email}` : ""),
  );
}

function actions(i, type, done) {
  const status = h("span", { class: "muted", role: "status" });
  const run = async (label, f) => {
    status.textContent = `${label}…`;
    try {
      await f();
      status.textContent = `${label}: done`;
      done();
    } catch (e) {
      if (e.status !== 401) status.textContent = `${label} failed: ${e.message}`;
    }
  };
  const feedback = (result, label) =>
    h("button", {
      type: "button",
      onclick: () =>
        run(label, () =>
          api("POST", "/api/v1/account_defender/account/update_status", {
            accountIds: [i.account_id],
            attackType: type,
            status: "resolved",
            result,
          }),
        ),
    }, label);
  const listSelect = h("select", { "aria-label": `List for ${i.account_id}` }, ["block", "allow", "main_account"].map((l) => h("option", { value: l }, l)));
  return h(
    "div",
    { class: "actions" },
    i.status === "pending" ? [feedback("no_attack", "No attack"), feedback("resolved", "Resolved (attack)")] : null,
    listSelect,
    h("button", {
      type: "button",
      onclick: () => run(`Add to ${listSelect.value}`, () => api("POST", `/list/${enc(listSelect.value)}/account/${enc(i.account_id)}`)),
    }, "Add to list"),
    h("button", {
      type: "button",
      class: "danger",
      onclick: () => {
        if (!confirm(`Delete every piece of data about ${i.account_id}? This cannot be undone.`)) return;
        run("Delete user data", () => api("DELETE", `/account/${enc(i.account_id)}`));
      },
    }, "Delete user data"),
    status,
  );
}

export default async function inbox(main, { params }, { refreshPending }) {
  const type = TYPES[params.get("type")] ? params.get("type") : "ato";
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "pending";
  const cursor = params.get("cursor") ?? "";
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Incident inbox"), ...tabs(type, status), body);
  const load = () =>
    render(body, "incidents", async () => {
      const r = await get(`/incidents?attack_type=${type}&status=${status}&limit=50${cursor ? "&cursor=" + enc(cursor) : ""}`);
      if (!r.incidents.length) return empty(`No ${status === "all" ? "" : status + " "}${TYPES[type].toLowerCase()} incidents.`);
      const rows = r.incidents.map((i) => [
        h("div", {}, accountLink(i.account_id), h("div", { class: "muted" }, i.event_type)),
        h("strong", {}, score(i.risk_score)),
        h("div", {}, i.status, i.result ? h("div", { class: "muted" }, i.result) : null),
        when(i.incident_creation),
        evidence(i),
        actions(i, type, () => {
          refreshPending();
          setTimeout(load, 300);
        }),
      ]);
      const more = r.cursor ? h("p", {}, h("a", { href: `#/inbox?type=${type}&status=${status}&cursor=${enc(r.cursor)}` }, "Next page")) : null;
      return [table(["account", "risk", "status", "opened", "evidence", "actions"], rows), more];
    });
  await load();
}
