// The console: hash routing (#/page?filters, so the URL holds the page and its filters and the
// back button works), the key prompt, the navigation and its pending count.
import { get, key, whenUnauthorized } from "./api.js";
import { failed } from "./ui.js";
import overview from "./pages/overview.js";
import inbox from "./pages/inbox.js";
import account from "./pages/account.js";
import search from "./pages/search.js";
import lists from "./pages/lists.js";
import rules from "./pages/rules.js";
import calibration from "./pages/calibration.js";
import settings from "./pages/settings.js";

const pages = { overview, inbox, account, search, lists, rules, calibration, settings };
const DEV_KEY = "sk_dev_demo_5f2c0a9e1b7d4c3a";
const local = ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);

const main = document.getElementById("main");
const dialog = document.getElementById("key-dialog");

/** → { page, arg, params } from the hash: #/account/bob?x=1 */
export function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const [page, ...rest] = path.split("/");
  return {
    page: pages[page] ? page : "overview",
    arg: rest.length ? decodeURIComponent(rest.join("/")) : "",
    params: new URLSearchParams(query ?? ""),
  };
}

/** Changes the hash (a history entry) to a page with filters. */
export function go(page, arg = "", params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString();
  location.hash = `#/${page}${arg ? "/" + encodeURIComponent(arg) : ""}${q ? "?" + q : ""}`;
}

export async function refreshPending() {
  const badge = document.getElementById("pending-count");
  try {
    const r = await get("/incidents?status=pending&limit=100");
    const n = r.incidents.length;
    badge.textContent = n ? (r.cursor ? `${n}+` : String(n)) : "";
  } catch {
    badge.textContent = "";
  }
}

function ask(message) {
  document.getElementById("key-error").textContent = message ?? "";
  const input = document.getElementById("key-input");
  if (local && !input.value) {
    input.value = DEV_KEY;
    document.getElementById("key-dev").hidden = false;
  }
  document.getElementById("forget-key").hidden = true;
  if (!dialog.open) dialog.showModal();
  input.focus();
}

async function show() {
  if (!key.get()) return ask();
  document.getElementById("forget-key").hidden = false;
  const r = route();
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === r.page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `Edgeward · ${r.page}`;
  try {
    await pages[r.page](main, r, { go, refreshPending });
  } catch (e) {
    if (e.status !== 401) main.replaceChildren(failed(e));
  }
}

whenUnauthorized((message) => {
  key.clear();
  ask(`The key was refused: ${message}`);
});

document.getElementById("key-form").addEventListener("submit", () => {
  key.set(document.getElementById("key-input").value.trim());
  refreshPending();
  show();
});
dialog.addEventListener("cancel", (e) => e.preventDefault());
document.getElementById("forget-key").addEventListener("click", () => {
  key.clear();
  document.getElementById("key-input").value = "";
  ask();
});
window.addEventListener("hashchange", () => {
  show();
  main.focus();
});
if (key.get()) refreshPending();
show();
