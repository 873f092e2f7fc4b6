// Calibration: for each reason code (match types included), how often analysts' feedback
// overturned the decision it drove (flagged, then no_attack), per day, with the overturned
// accounts one click away. Where an analyst learns which signals to trust.
import { get } from "../api.js";
import { accountLink, empty, h, render, table } from "../ui.js";

const RANGES = { 7: "Last 7 days", 30: "Last 30 days" };

export default async function calibration(main, { params }) {
  const days = RANGES[params.get("days")] ? params.get("days") : "30";
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "Range" }, Object.entries(RANGES).map(([k, label]) =>
    h("a", { href: `#/calibration?days=${k}`, "aria-current": k === days ? "true" : "false" }, label)));
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Calibration"), tabs, body);
  await render(body, "the calibration", async () => {
    const c = await get(`/calibration?days=${days}`);
    const note = h("p", { class: "muted" }, `From ${c.sessions.replayed} authenticates`,
      c.sessions.sampled ? ` (a sample of ${c.sessions.listed})` : "", `: an account is flagged by the reasons of a session the engine did not decide Real, and overturned when analysts marked it no attack.`);
    if (!c.codes.length) return [note, empty("Nothing flagged in this range.")];
    const rows = c.codes.map((x) => [
      h("code", { "data-code": x.code }, x.code),
      x.score,
      String(x.flagged_accounts),
      h("span", { "data-overturned": x.overturned }, String(x.overturned)),
      String(x.confirmed),
      `${(100 * x.overturn_rate).toFixed(0)} %`,
      x.days.map((d) => `${d.day.slice(5)}: ${d.overturned}/${d.flagged}`).join(" · "),
      h("span", {}, x.overturned_accounts.map((a, i) => [i ? ", " : "", accountLink(a)])),
    ]);
    return [note, table(["reason", "score", "flagged", "overturned", "confirmed", "overturn rate", "per day (overturned/flagged)", "overturned accounts"], rows)];
  });
}
