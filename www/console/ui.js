// Small DOM helpers: elements from data (never HTML strings), and the loading, empty and error
// states every page shows.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const loading = (what) => h("p", { class: "state", role: "status" }, `Loading ${what}…`);
export const empty = (what) => h("p", { class: "state" }, what);
export const failed = (e) => h("p", { class: "state error", role: "alert" }, `Could not load: ${e.message}`);

/** Renders `build()` into `root`, with a loading state first and an error state on failure. */
export async function render(root, what, build) {
  root.replaceChildren(loading(what));
  try {
    const content = await build();
    root.replaceChildren(...[content].flat());
  } catch (e) {
    if (e.status === 401) return;
    root.replaceChildren(failed(e));
  }
}

export const decision = (d) => h("span", { class: `decision-${d}` }, d);
export const score = (x) => (typeof x === "number" ? x.toFixed(2) : "–");
export const when = (iso) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, " UTC") : "–");

/** A link to an account page. */
export const accountLink = (id) => h("a", { href: `#/account/${encodeURIComponent(id)}` }, id);

export function table(columns, rows) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((cell) => h("td", {}, cell))))),
  );
}
