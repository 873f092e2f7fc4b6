// Settings: the project as configured (read-only, never a secret), and a button that sends a
// signed test delivery to its webhook.
import { api, get } from "../api.js";
import { h, render, table } from "../ui.js";

export default async function settings(main) {
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Settings"), body);
  await render(body, "the project", async () => {
    const p = await get("/project");
    const status = h("p", { role: "status", class: "muted" });
    const send = h("button", { type: "button", disabled: !p.webhook, onclick: async () => {
      status.textContent = "Sending…";
      try {
        const r = await api("POST", "/webhooks/test");
        status.textContent = `Test delivery ${r.test_id} queued for ${r.url}, signed with the webhook's secret.`;
      } catch (e) {
        status.textContent = e.message;
      }
    } }, "Send a test webhook");
    return [
      h("p", { class: "muted" }, "Read from the worker's configuration (EDGEWARD_PROJECTS); change it there."),
      table(["setting", "value"], [
        ["project", `${p.project_id} (${p.name})`],
        ["thresholds", `Suspicious from ${p.thresholds.suspicious}, Fake from ${p.thresholds.fake}`],
        ["allowed origins", p.allowed_origins.join(", ") || "none"],
        ["public keys", p.public_keys.join(", ")],
        ["nonce required", p.require_nonce ? "yes" : "no"],
        ["rate limits", `${p.rate_limits.public_per_minute} a minute per client address (public key), ${p.rate_limits.secret_per_minute} per secret key`],
        ["webhook", p.webhook ? p.webhook.url : "none"],
      ]),
      h("div", { class: "actions" }, send),
      status,
    ];
  });
}
