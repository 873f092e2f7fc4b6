// The runtime's floor. POST /: the least a KV-backed authenticate can do, one KV read and one
// KV write (bench/load.sh serves it beside Edgeward so the ratio is measured in one run).
// GET /mix?g=G&l=L&p=P&d=D: G concurrent reads and L concurrent lists, then P concurrent writes
// (with metadata) and D deletes, over a bounded key space: bench/kv-ops.sh prices each kind of
// KV operation. POST /fill adds keys no mix reads (a list's price against the namespace's size).
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/fill") {
      // POST /fill?from=F&n=N: N more keys (`fill/…`, with metadata) that no mix reads, to
      // price a list against how much else the namespace holds.
      const from = Number(url.searchParams.get("from") ?? 0);
      const n = Number(url.searchParams.get("n") ?? 0);
      await Promise.all(Array.from({ length: n }, (_, i) =>
        env.STATE.put(`fill/${String(from + i).padStart(8, "0")}`, "v", { metadata: { t: Date.now() } })));
      return new Response("ok");
    }
    if (url.pathname === "/mix") {
      const n = (k) => Number(url.searchParams.get(k) ?? 0);
      const slot = () => Math.floor(Math.random() * 1000);
      await Promise.all([
        ...Array.from({ length: n("g") }, () => env.STATE.get(`mix/g/${slot()}`)),
        ...Array.from({ length: n("l") }, () => env.STATE.list({ prefix: `mix/l/${slot()}/` })),
      ]);
      await Promise.all([
        ...Array.from({ length: n("p") }, () => env.STATE.put(`mix/p/${slot()}`, "v", { metadata: { t: Date.now() } })),
        ...Array.from({ length: n("d") }, () => env.STATE.delete(`mix/p/${slot()}`)),
      ]);
      return new Response("ok");
    }
    const body = await request.json();
    const seen = await env.STATE.get(`s/${body.session_id}`);
    await env.STATE.put(`a/${body.account.id}/s/${body.session_id}`, String(Date.now()), {
      metadata: { t: Date.now() },
    });
    return Response.json({ session_id: body.session_id, seen: seen !== null });
  },
};
