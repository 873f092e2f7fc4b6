// Verisoul's lists through the real worker: the built-ins (allow, block, main_account) and
// custom lists, memberships as the account reads them, and one project never seeing another's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, OTHER, authenticate, browserSignals, call, newSession, unique } from "./client.mjs";

const key = { key: DEMO.secret };
const enc = encodeURIComponent;
/** A list name of its own per run: 1 to 64 of [A-Za-z0-9_.-]. */
const listName = (name) => unique(name).replace(/[^A-Za-z0-9_.-]/g, "_");

async function account(name = "member") {
  const id = unique(name);
  const r = await authenticate(await newSession(browserSignals(unique("b"))), { id });
  assert.equal(r.status, 200);
  return id;
}

const listsOf = async (id) => (await call("GET", `/account/${enc(id)}`, key)).body.lists;

test("GET /list names the built-ins first, allow, block, main_account", async () => {
  const r = await call("GET", "/list", key);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.lists.slice(0, 3).map((l) => l.name), ["allow", "block", "main_account"]);
  for (const l of r.body.lists.slice(0, 3)) assert.ok(l.description.length > 0, l.name);
});

test("a custom list is created with its description, once", async () => {
  const name = listName("vip");
  const created = await call("POST", `/list/${name}`, { ...key, json: { list_description: "Very important people" } });
  assert.equal(created.status, 200);
  assert.equal(created.body.success, true);
  const got = await call("GET", `/list/${name}`, key);
  assert.deepEqual([got.status, got.body.name, got.body.description, got.body.accounts], [200, name, "Very important people", []]);
  const all = await call("GET", "/list", key);
  assert.deepEqual(all.body.lists.find((l) => l.name === name), { name, description: "Very important people" });
  const again = await call("POST", `/list/${name}`, { ...key, json: { list_description: "other" } });
  assert.equal(again.status, 400);
  assert.equal(again.body.message, "List already exists.");
  const builtIn = await call("POST", "/list/allow", { ...key, json: {} });
  assert.equal(builtIn.status, 400);
  assert.equal(builtIn.body.message, "List already exists.");
  // A list can also be created with no body at all.
  assert.equal((await call("POST", `/list/${listName("bare")}`, key)).status, 200);
});

test("an existing account joins a custom list, an unknown one is 404, and the account names its lists", async () => {
  const name = listName("club");
  assert.equal((await call("POST", `/list/${name}`, { ...key, json: {} })).status, 200);
  const id = await account("club/Zoë");
  const add = await call("POST", `/list/${name}/account/${enc(id)}`, key);
  assert.equal(add.status, 200);
  assert.equal(add.body.success, true);
  assert.deepEqual(await listsOf(id), [name]);
  assert.deepEqual((await call("GET", `/list/${name}`, key)).body.accounts, [id]);
  const ghost = await call("POST", `/list/${name}/account/${enc(unique("ghost"))}`, key);
  assert.equal(ghost.status, 404);
  assert.match(ghost.body.message, /not found/);
  const noList = await call("POST", `/list/${listName("nolist")}/account/${enc(id)}`, key);
  assert.equal(noList.status, 404);
  assert.match(noList.body.message, /not found/);
});

test("built-in lists are mutually exclusive, and block forces the decision to Fake", async () => {
  const id = await account("excl");
  const custom = listName("mine");
  assert.equal((await call("POST", `/list/${custom}`, { ...key, json: {} })).status, 200);
  assert.equal((await call("POST", `/list/${custom}/account/${enc(id)}`, key)).status, 200);
  assert.equal((await call("POST", `/list/allow/account/${enc(id)}`, key)).status, 200);
  assert.deepEqual([...(await listsOf(id))].sort(), ["allow", custom].sort());
  assert.equal((await call("POST", `/list/block/account/${enc(id)}`, key)).status, 200);
  assert.deepEqual([...(await listsOf(id))].sort(), ["block", custom].sort(), "joining block leaves allow, not a custom list");
  assert.ok(!(await call("GET", "/list/allow", key)).body.accounts.includes(id));
  assert.ok((await call("GET", "/list/block", key)).body.accounts.includes(id));

  const acct = await call("GET", `/account/${enc(id)}`, key);
  assert.equal(acct.body.decision, "Fake");
  assert.ok(acct.body.reasons.some((r) => r.code === "LIST_BLOCK"), JSON.stringify(acct.body.reasons));
  const auth = await authenticate(await newSession(browserSignals(unique("b"))), { id });
  assert.equal(auth.body.decision, "Fake");
  assert.ok(auth.body.reasons.some((r) => r.code === "LIST_BLOCK" && r.score === "decision"));
  assert.deepEqual([...auth.body.lists].sort(), ["block", custom].sort());
});

test("a membership is removed, and removing it twice is 404", async () => {
  const id = await account("rm");
  assert.equal((await call("POST", `/list/main_account/account/${enc(id)}`, key)).status, 200);
  assert.deepEqual(await listsOf(id), ["main_account"]);
  const rm = await call("DELETE", `/list/main_account/account/${enc(id)}`, key);
  assert.equal(rm.status, 200);
  assert.equal(rm.body.success, true);
  assert.deepEqual(await listsOf(id), []);
  assert.ok(!(await call("GET", "/list/main_account", key)).body.accounts.includes(id));
  const again = await call("DELETE", `/list/main_account/account/${enc(id)}`, key);
  assert.equal(again.status, 404);
});

test("deleting a custom list removes its memberships; built-ins cannot be deleted", async () => {
  const name = listName("temp");
  assert.equal((await call("POST", `/list/${name}`, { ...key, json: { list_description: "for a while" } })).status, 200);
  const [a, b] = [await account("t1"), await account("t2")];
  for (const id of [a, b]) assert.equal((await call("POST", `/list/${name}/account/${enc(id)}`, key)).status, 200);
  const del = await call("DELETE", `/list/${name}`, key);
  assert.equal(del.status, 200);
  assert.equal(del.body.success, true);
  assert.equal((await call("GET", `/list/${name}`, key)).status, 404);
  assert.ok(!(await call("GET", "/list", key)).body.lists.some((l) => l.name === name));
  for (const id of [a, b]) assert.deepEqual(await listsOf(id), [], id);
  assert.equal((await call("DELETE", `/list/${name}`, key)).status, 404);
  // A list of the same name starts empty.
  assert.equal((await call("POST", `/list/${name}`, { ...key, json: {} })).status, 200);
  assert.deepEqual((await call("GET", `/list/${name}`, key)).body.accounts, []);
  for (const builtIn of ["allow", "block", "main_account"]) {
    const r = await call("DELETE", `/list/${builtIn}`, key);
    assert.equal(r.status, 400, builtIn);
    assert.match(r.body.message, /built in/);
  }
});

test("bad list names are refused with 400", async () => {
  const id = await account("names");
  for (const bad of ["has space", "a".repeat(65), "Zoë", "semi;colon", "a%2Fb"]) {
    const p = `/list/${enc(bad)}`;
    for (const [method, path] of [["GET", p], ["POST", p], ["DELETE", p], ["POST", `${p}/account/${enc(id)}`]]) {
      const r = await call(method, path, method === "POST" && path === p ? { ...key, json: {} } : key);
      assert.equal(r.status, 400, `${method} ${path}`);
      assert.match(r.body.message, /list name/);
    }
  }
  const longest = listName("n").padEnd(64, "x");
  assert.equal((await call("POST", `/list/${longest}`, { ...key, json: {} })).status, 200, "64 characters is a valid name");
});

test("another project cannot see, join or delete a custom list", async () => {
  const name = listName("secret");
  assert.equal((await call("POST", `/list/${name}`, { ...key, json: { list_description: "demo only" } })).status, 200);
  const id = await account("iso");
  assert.equal((await call("POST", `/list/${name}/account/${enc(id)}`, key)).status, 200);
  const other = { key: OTHER.secret };
  assert.equal((await call("GET", `/list/${name}`, other)).status, 404);
  assert.ok(!(await call("GET", "/list", other)).body.lists.some((l) => l.name === name));
  assert.equal((await call("DELETE", `/list/${name}`, other)).status, 404);
  assert.equal((await call("POST", `/list/${name}/account/${enc(id)}`, other)).status, 404);
  assert.equal((await call("DELETE", `/list/${name}/account/${enc(id)}`, other)).status, 404);
  // The other project's built-in block list does not hold demo's members either.
  assert.ok(!(await call("GET", "/list/block", other)).body.accounts.includes(id));
  // Demo's list is untouched.
  assert.deepEqual((await call("GET", `/list/${name}`, key)).body.accounts, [id]);
  // Creating the same name in the other project is its own list.
  assert.equal((await call("POST", `/list/${name}`, { ...other, json: {} })).status, 200);
  const theirs = await call("GET", `/list/${name}`, other);
  assert.deepEqual([theirs.body.accounts, theirs.body.description], [[], ""]);
  assert.equal((await call("GET", `/list/${name}`, key)).body.description, "demo only");
});
