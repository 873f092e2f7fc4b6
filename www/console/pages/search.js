// Search: by account id, e-mail, IP address, device id or browser id, with each result's
// decision; without a query, the latest accounts (filter by decision, paged).
import { enc, get } from "../api.js";
import { accountLink, decision, empty, h, render, score, table, when } from "../ui.js";

export default async function search(main, { params }, { go }) {
  const q = params.get("q") ?? "";
  const d = params.get("decision") ?? "all";
  const cursor = params.get("cursor") ?? "";
  const input = h("input", { type: "search", name: "q", value: q, placeholder: "account id, e-mail, IP, device id or browser id", size: 48, "aria-label": "Search" });
  const select = h("select", { name: "decision", "aria-label": "Decision" }, ["all", "real", "suspicious", "fake"].map((x) => h("option", { value: x, selected: x === d }, x)));
  const form = h(
    "form",
    { class: "actions", role: "search", onsubmit: (e) => { e.preventDefault(); go("search", "", { q: input.value.trim(), decision: select.value }); } },
    input, select, h("button", { type: "submit" }, "Search"),
  );
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Search accounts"), form, body);
  await render(body, "accounts", async () => {
    const query = new URLSearchParams({ limit: "50" });
    if (q) query.set("q", q);
    if (d !== "all") query.set("decision", d);
    if (cursor) query.set("cursor", cursor);
    const r = await get(`/accounts?${query}`);
    if (!r.accounts.length) return empty(q ? `No account matches “${q}”.` : "No authenticated account yet.");
    const rows = r.accounts.map((a) => [accountLink(a.account_id), a.email || "–", decision(a.decision), score(a.account_score), String(a.num_sessions), when(a.last_seen), a.matched ?? ""]);
    const next = r.cursor ? h("p", {}, h("a", { href: `#/search?${new URLSearchParams({ decision: d, cursor: r.cursor })}` }, "Next page")) : null;
    return [h("p", { class: "muted" }, q ? "Matches" : "The latest authenticated accounts first"), table(["account", "e-mail", "decision", "score", "sessions", "last seen", "matched by"], rows), next];
  });
  void enc;
}
