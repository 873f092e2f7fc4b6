// Overview: Real / Suspicious / Fake and incidents over a chosen range, the same over time (a
// uPlot chart), the busiest countries and the identifiers behind the most accounts.
import uPlot from "../../vendor/uPlot.esm.js";
import { get } from "../api.js";
import { h, render, table } from "../ui.js";

const RANGES = {
  "24h": { bucket: "hour", ms: 24 * 3600e3, label: "Last 24 hours" },
  "7d": { bucket: "day", ms: 7 * 86400e3, label: "Last 7 days" },
  "30d": { bucket: "day", ms: 30 * 86400e3, label: "Last 30 days" },
};

function ranked(title, rows, what) {
  return h(
    "div",
    { class: "card" },
    h("h2", {}, title),
    rows.length
      ? table([what, "count"], rows.map((r) => [h("span", { class: "mono" }, r.value), String(r.count)]))
      : h("p", { class: "muted" }, "Nothing counted yet."),
  );
}

function chart(el, buckets) {
  const xs = buckets.map((b) => Date.parse(b.start) / 1000);
  const series = ["real", "suspicious", "fake", "incidents"];
  const colours = ["#1f883d", "#bf8700", "#cf222e", "#8250df"];
  const width = Math.max(320, el.clientWidth || 800);
  return new uPlot(
    {
      width,
      height: 240,
      series: [{}, ...series.map((s, i) => ({ label: s, stroke: colours[i], width: 2, points: { show: true } }))],
      axes: [{}, { label: "count" }],
    },
    [xs, ...series.map((s) => buckets.map((b) => b[s]))],
    el,
  );
}

export default async function overview(main, { params }, { go }) {
  const range = RANGES[params.get("range")] ? params.get("range") : "7d";
  const r = RANGES[range];
  const tabs = h(
    "div",
    { class: "tabs", role: "group", "aria-label": "Range" },
    Object.entries(RANGES).map(([k, v]) =>
      h("a", { href: `#/overview?range=${k}`, "aria-current": k === range ? "true" : "false" }, v.label),
    ),
  );
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Overview"), tabs, body);
  await render(body, "the overview", async () => {
    const to = new Date();
    const from = new Date(to.getTime() - r.ms);
    const [stats, pending] = await Promise.all([
      get(`/stats?bucket=${r.bucket}&from=${from.toISOString()}&to=${to.toISOString()}`),
      get("/incidents?status=pending&limit=100"),
    ]);
    const sum = (k) => stats.buckets.reduce((n, b) => n + b[k], 0);
    const cards = h(
      "div",
      { class: "grid" },
      [
        ["Real", sum("real"), "decision-Real"],
        ["Suspicious", sum("suspicious"), "decision-Suspicious"],
        ["Fake", sum("fake"), "decision-Fake"],
        ["Incidents opened", sum("incidents"), ""],
        ["Pending incidents", pending.cursor ? `${pending.incidents.length}+` : pending.incidents.length, ""],
      ].map(([label, n, cls]) =>
        h("div", { class: "card", "data-stat": label }, h("div", { class: `stat ${cls}` }, String(n)), h("div", { class: "stat-label" }, label)),
      ),
    );
    const plot = h("div", { id: "chart", class: "card", role: "img", "aria-label": `Decisions and incidents per ${r.bucket}` });
    const tops = h(
      "div",
      { class: "grid" },
      ranked("Busiest countries", stats.top.countries, "country"),
      ranked("Addresses behind the most accounts", stats.top.addresses, "address"),
      ranked("Devices behind the most accounts", stats.top.devices, "device"),
      ranked("Networks behind the most accounts", stats.top.networks, "network"),
    );
    const out = [cards, h("h2", {}, `Decisions and incidents per ${r.bucket}`), plot, tops];
    // Drawn once the page is in the document (uPlot measures its container).
    setTimeout(() => chart(plot, stats.buckets), 0);
    return out;
  });
  void go;
}
