// CPU profile of a worker under `wrangler dev`, through its inspector (the DevTools protocol's
// Profiler): samples the isolate for a while and prints the functions with the most samples,
// by self time and by inclusive time (Rust functions keep their names in the worker's wasm).
//
//   wrangler dev --env dev --inspector-port 9339 ...      # the worker to profile
//   node bench/profile.mjs [ws://127.0.0.1:9339/ws] [milliseconds=10000] [out.cpuprofile]
//
// Start the load (wrk, bench/concurrent.mjs) first; the profile covers what runs meanwhile.
// The .cpuprofile written opens in Chrome's DevTools for the call tree. Only the worker's own
// isolate is sampled: the local KV simulator and the dev proxy run beside it in workerd.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";

const url = process.argv[2] ?? "ws://127.0.0.1:9339/ws";
const millis = Number(process.argv[3] ?? 10000);
const out = process.argv[4] ?? "profile.cpuprofile";

// A WebSocket client of its own: wrangler's inspector proxy refuses an upgrade that carries a
// User-Agent, which Node's built-in WebSocket always sends, and the DevTools protocol needs only
// unfragmented text frames.
const socket = await new Promise((resolve, reject) => {
  const u = new URL(url);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    headers: {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": crypto.randomBytes(16).toString("base64"),
    },
  });
  req.on("upgrade", (_res, s) => resolve(s));
  req.on("response", (res) => reject(new Error(`${url} answered ${res.statusCode}, not an upgrade`)));
  req.on("error", (e) => reject(new Error(`no inspector at ${url}: ${e.message}`)));
  req.end();
});
const frame = (text) => {
  const body = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  const n = body.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : Buffer.alloc(10);
  if (n >= 126) {
    head[0] = 0x81;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
};
let buffered = Buffer.alloc(0);
const onMessage = [];
socket.on("data", (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  for (;;) {
    if (buffered.length < 2) return;
    let n = buffered[1] & 0x7f;
    let at = 2;
    if (n === 126) {
      if (buffered.length < 4) return;
      n = buffered.readUInt16BE(2);
      at = 4;
    } else if (n === 127) {
      if (buffered.length < 10) return;
      n = Number(buffered.readBigUInt64BE(2));
      at = 10;
    }
    if (buffered.length < at + n) return;
    const opcode = buffered[0] & 0x0f;
    const text = buffered.subarray(at, at + n).toString();
    buffered = buffered.subarray(at + n);
    if (opcode === 1) for (const f of onMessage) f(text);
  }
});

let next = 0;
const pending = new Map();
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = ++next;
    pending.set(id, { resolve, reject });
    socket.write(frame(JSON.stringify({ id, method, params })));
  });
onMessage.push((text) => {
  const d = JSON.parse(text);
  const p = pending.get(d.id);
  if (!p) return;
  pending.delete(d.id);
  d.error ? p.reject(new Error(`${d.error.message} (${url})`)) : p.resolve(d.result);
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
socket.destroy();
