// The local console: creates a session the way a page would (with the edgeward package), then
// authenticates it and reads the account back with the key typed in. No build step.
import { createSession } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
const local = ["127.0.0.1", "localhost"].includes(location.hostname);

// The development keys of wrangler.toml [env.dev], offered only on a local server.
if (local) {
  $("public-key").value = "pk_dev_demo_8e1d6b2a";
  $("secret-key").value = "sk_dev_demo_5f2c0a9e1b7d4c3a";
}

let sessionId = null;

async function show(out, response) {
  const text = await response.text();
  try {
    $(out).textContent = `${response.status}\n${JSON.stringify(JSON.parse(text), null, 2)}`;
    return JSON.parse(text);
  } catch {
    $(out).textContent = `${response.status}\n${text}`;
    return null;
  }
}

$("create").onclick = async () => {
  try {
    const { session_id, verdict } = await createSession({ endpoint: location.origin, publicKey: $("public-key").value });
    sessionId = session_id;
    $("session-out").textContent = JSON.stringify({ session_id, verdict }, null, 2);
  } catch (e) {
    sessionId = null;
    $("session-out").textContent = String(e);
  }
  $("authenticate").disabled = !sessionId;
};

$("authenticate").onclick = async () => {
  const account = { id: $("account-id").value };
  if ($("email").value) account.email = $("email").value;
  const r = await fetch("/session/authenticate", {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": $("secret-key").value },
    body: JSON.stringify({ session_id: sessionId, account }),
  });
  await show("auth-out", r);
};

$("read").onclick = async () => {
  const r = await fetch(`/account/${encodeURIComponent($("account-id").value)}`, {
    headers: { "x-api-key": $("secret-key").value },
  });
  await show("account-out", r);
};
