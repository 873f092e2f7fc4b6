// Lists: the built-ins (allow, block, main_account) and custom lists, their members, add and
// remove members, create a custom list.
import { api, enc, get } from "../api.js";
import { accountLink, empty, h, render, table } from "../ui.js";

export default async function lists(main, { arg }, { go }) {
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Lists"), body);
  await render(body, "lists", async () => {
    const all = await get("/list");
    const current = arg || all.lists[0]?.name;
    const nav = h("div", { class: "tabs", role: "group", "aria-label": "List" }, all.lists.map((l) =>
      h("a", { href: `#/lists/${enc(l.name)}`, "aria-current": l.name === current ? "true" : "false" }, l.name)));
    const status = h("span", { class: "muted", role: "status" });
    const newName = h("input", { "aria-label": "New list name", placeholder: "new list name", pattern: "[A-Za-z0-9_.\\-]{1,64}" });
    const create = h("form", { class: "actions", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api("POST", `/list/${enc(newName.value.trim())}`, {});
        go("lists", newName.value.trim());
      } catch (err) {
        status.textContent = err.message;
      }
    } }, newName, h("button", { type: "submit" }, "Create list"));
    if (!current) return [nav, create, status];
    const list = await get(`/list/${enc(current)}`);
    const member = h("input", { "aria-label": "Account id to add", placeholder: "account id" });
    const add = h("form", { class: "actions", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api("POST", `/list/${enc(current)}/account/${enc(member.value.trim())}`);
        go("lists", current, { t: Date.now() });
      } catch (err) {
        status.textContent = err.message;
      }
    } }, member, h("button", { type: "submit" }, `Add to ${current}`));
    const members = list.accounts.length
      ? table(["account", ""], list.accounts.map((a) => [accountLink(a), h("button", { type: "button", onclick: async () => {
          await api("DELETE", `/list/${enc(current)}/account/${enc(a)}`);
          go("lists", current, { t: Date.now() });
        } }, "Remove")]))
      : empty(`${current} has no member.`);
    return [nav, h("div", { class: "card" }, h("h2", {}, current), h("p", { class: "muted" }, list.description || ""), add, members), create, status];
  });
}
