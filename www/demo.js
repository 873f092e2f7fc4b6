// The sign-up demo: the edgeward package in a plain module script, no build step.
// `?auto=<username>` fills the form and submits it once the page is ready (the browser tests
// use it, including a Chromium no test tool is attached to).
import init, { collect, evaluate, createSession } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
const local = ["127.0.0.1", "localhost"].includes(location.hostname);
// The development keys of wrangler.toml [env.dev]; never put a secret key in a real page.
const PUBLIC_KEY = "pk_dev_demo_8e1d6b2a";
const DEV_SECRET_KEY = "sk_dev_demo_5f2c0a9e1b7d4c3a";

function show(out, value) {
  $(out).textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function showVerdict(verdict) {
  $("verdict-line").textContent =
    `${verdict.automated ? "Automated" : "No automation seen"} · bot ${verdict.bot.toFixed(2)}` +
    `${verdict.tampered ? " · tampered" : ""} · device ${verdict.device_id || "unknown"}`;
  $("reasons").replaceChildren(
    ...verdict.reasons.map((code) => {
      const li = document.createElement("li");
      li.textContent = code;
      return li;
    }),
  );
  show("verdict-out", verdict);
}

// Re-evaluated while the visitor types: the behaviour counts grow, the verdict follows.
async function refresh() {
  showVerdict(evaluate(await collect()));
}

async function signUp(event) {
  event?.preventDefault();
  $("submit").disabled = true;
  document.body.dataset.state = "submitting";
  try {
    const { session_id, verdict } = await createSession({ endpoint: location.origin, publicKey: PUBLIC_KEY });
    if (verdict) showVerdict(verdict);
    show("session-out", { session_id });
    if (!local) {
      show("auth-out", "Your server authenticates the session with its secret key (POST /session/authenticate).");
    } else {
      const account = { id: $("account-id").value };
      if ($("email").value) account.email = $("email").value;
      const r = await fetch("/session/authenticate", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": DEV_SECRET_KEY },
        body: JSON.stringify({ session_id, account }),
      });
      show("auth-out", `${r.status}\n${JSON.stringify(await r.json(), null, 2)}`);
    }
    document.body.dataset.state = "done";
  } catch (e) {
    show("auth-out", String(e));
    document.body.dataset.state = "failed";
  } finally {
    $("submit").disabled = false;
  }
}

await init();
await refresh();
$("signup").addEventListener("submit", signUp);
let pending = null;
$("signup").addEventListener("input", () => {
  clearTimeout(pending);
  pending = setTimeout(refresh, 300);
});
$("submit").disabled = false;
document.body.dataset.state = "ready";

const auto = new URLSearchParams(location.search).get("auto");
if (auto) {
  $("account-id").value = auto;
  $("email").value = `${auto.replace(/[^A-Za-z0-9._-]/g, "")}@example.com`;
  await signUp();
}
