// The local console: creates a session the way a page would, then authenticates it and reads
// the account back with the key typed in. No build step, no dependency.
const $ = (id) => document.getElementById(id);
const local = ["127.0.0.1", "localhost"].includes(location.hostname);

// The development keys of wrangler.toml [env.dev], offered only on a local server.
if (local) {
  $("public-key").value = "pk_dev_demo_8e1d6b2a";
  $("secret-key").value = "sk_dev_demo_5f2c0a9e1b7d4c3a";
}

let sessionId = null;

// A random first-party id, kept across visits: the "browser" the account is linked by.
function browserId() {
  let id = localStorage.getItem("edgeward.browser_id");
  if (!id) {
    id = crypto.randomUUID().replaceAll("-", "");
    localStorage.setItem("edgeward.browser_id", id);
  }
  return id;
}

function signals() {
  return {
    browser_id: browserId(),
    window: {
      userAgent: navigator.userAgent,
      platform: navigator.platform,
      languages: [...(navigator.languages ?? [])],
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      hardwareConcurrency: navigator.hardwareConcurrency,
      deviceMemory: navigator.deviceMemory,
      webdriver: navigator.webdriver,
      screen: { width: screen.width, height: screen.height, colorDepth: screen.colorDepth },
    },
  };
}

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
  const r = await fetch("/session", {
    method: "POST",
    headers: { "content-type": "application/json", "x-public-key": $("public-key").value },
    body: JSON.stringify(signals()),
  });
  const body = await show("session-out", r);
  sessionId = body?.session_id ?? null;
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
