// The local console in www/ is served beside the API, and the API is not shadowed by it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BASE, call } from "./client.mjs";

test("the console page and its script are served", async () => {
  const page = await fetch(`${BASE}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /text\/html/);
  const html = await page.text();
  for (const id of ["create", "authenticate", "read"]) assert.match(html, new RegExp(`id="${id}"`));
  const script = await fetch(`${BASE}/console.js`);
  assert.equal(script.status, 200);
  assert.match(await script.text(), /\/session\/authenticate/);
  assert.equal((await call("GET", "/health")).status, 200);
});
