// CPU profile of a worker under `wrangler dev`, through its inspector (the DevTools protocol's
// Profiler): samples the isolate for a while and prints the functions with the most samples,
// by self time and by inclusive time (Rust functions keep their names in the worker's wasm).
//
//   wrangler dev --env dev --inspector-port 9339 ...      # the worker to profile
//   node --experimental-websocket bench/profile.mjs [ws://127.0.0.1:9339/ws] [ms=10000] [out.cpuprofile]
//
// Start the load (wrk, bench/concurrent.mjs) first; the profile covers what runs meanwhile.
// The .cpuprofile written opens in Chrome's DevTools for the call tree. Only the worker's own
// isolate is sampled: the local KV simulator and the dev proxy run beside it in workerd.
import fs from "node:fs";

const url = process.argv[2] ?? "ws://127.0.0.1:9339/ws";
const millis = Number(process.argv[3] ?? 10000);
const out = process.argv[4] ?? "profile.cpuprofile";

const ws = new WebSocket(url);
let next = 0;
const pending = new Map();
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = ++next;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params }));
  });
ws.addEventListener("message", (m) => {
  const d = JSON.parse(m.data);
  const p = pending.get(d.id);
  if (!p) return;
  pending.delete(d.id);
  d.error ? p.reject(new Error(`${d.error.message} (${url})`)) : p.resolve(d.result);
});
await new Promise((resolve, reject) => {
  ws.addEventListener("open", resolve);
  ws.addEventListener("error", () => reject(new Error(`no inspector at ${url}`)));
});

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 500 });
await send("Profiler.start");
await new Promise((r) => setTimeout(r, millis));
const { profile } = await send("Profiler.stop");
fs.writeFileSync(out, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const hits = new Map();
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
const total = profile.samples.length;
const name = (n) => n.callFrame.functionName || `(anonymous ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber})`;

const self = new Map();
const inclusive = new Map();
for (const [id, count] of hits) {
  const leaf = name(byId.get(id));
  self.set(leaf, (self.get(leaf) ?? 0) + count);
  // Each function once per sample, however deep it recurses.
  const seen = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const f = name(byId.get(x));
    if (seen.has(f)) continue;
    seen.add(f);
    inclusive.set(f, (inclusive.get(f) ?? 0) + count);
  }
}
const top = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([f, c]) => `${((100 * c) / total).toFixed(1).padStart(5)} %  ${f}`)
    .join("\n");
console.log(`${total} samples in ${millis} ms; written to ${out}\n\nby self time\n${top(self, 25)}\n\ninclusive\n${top(inclusive, 40)}`);
ws.close();
