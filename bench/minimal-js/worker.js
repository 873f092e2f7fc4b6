// The runtime's floor: the least a KV-backed request can do, one KV read and one KV write.
// bench/load.sh serves it beside Edgeward so the ratio of the two is measured in one run.
export default {
  async fetch(request, env) {
    const body = await request.json();
    const seen = await env.STATE.get(`s/${body.session_id}`);
    await env.STATE.put(`a/${body.account.id}/s/${body.session_id}`, String(Date.now()), {
      metadata: { t: Date.now() },
    });
    return Response.json({ session_id: body.session_id, seen: seen !== null });
  },
};
