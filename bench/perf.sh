#!/usr/bin/env bash
# Where workerd's own CPU goes while authenticates run (`perf record` of the workerd process
# that runs the worker, its KV simulator and its Durable Objects): what the V8 profile of
# bench/profile.mjs cannot see. Prints req/s, the busiest native symbols and SQLite's share.
#   bash bench/perf.sh     (ACCOUNTS=200 HISTORY=5 FRESH=3000; needs perf: apt-get install linux-perf)
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"
command -v perf >/dev/null || { echo "perf is not installed"; exit 1; }
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null; }
work=$(mktemp -d)
[ -n "${EDGEWARD_SKIP_BUILD:-}" ] || bash scripts/build-worker.sh > /dev/null
setsid wrangler dev --ip 127.0.0.1 --port 8793 --persist-to "$work/state" --env dev \
  --show-interactive-dev-session=false --live-reload=false < /dev/null > "$work/log" 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null || true; sleep 1; rm -rf "$work" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:8793/ && break; sleep 0.5; done
ACCOUNTS=${ACCOUNTS:-200} HISTORY=${HISTORY:-5} FRESH=${FRESH:-3000} \
  node bench/prepare.mjs http://127.0.0.1:8793 > "$work/sessions.txt"
export SESSIONS="$work/sessions.txt" THREADS=2
wrk -t2 -c32 -d20s -s bench/authenticate.lua http://127.0.0.1:8793 > "$work/wrk.txt" &
wrk_pid=$!
sleep 5
# The workerd that runs the user worker is the one with an inspector address.
target=$(pgrep -f "workerd serve.*inspector-addr" | head -1)
perf record -g -p "$target" -o "$work/perf.data" -- sleep 10 > /dev/null 2>&1
# wrk only: a bare `wait` would also wait for wrangler dev, which never ends.
wait "$wrk_pid"
grep -E "Requests/sec" "$work/wrk.txt"
report() { perf report -i "$work/perf.data" --no-children --sort sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$'; }
report | head -12 || true  # head closes the pipe early
report | awk '{ p = $1; sub("%", "", p) }
  /sqlite|substrFunc|[bB]tree|getCellInfo|pcache|[vV]dbe/ { s += p }
  END { printf "SQLite (the KV simulator and the objects): %.1f %% of samples\n", s }'
