#!/usr/bin/env bash
# Side-by-side load test on local wrangler dev (workerd + local KV): the minimal JS worker
# (one KV read + one KV write) and Edgeward's POST /session/authenticate, with the same wrk
# settings in one run. Prints both throughputs and their ratio.
#
#   bash bench/load.sh   (DURATION=20s THREADS=2 CONNECTIONS=32 ACCOUNTS=200 HISTORY=5 FRESH=12000)
#   SETTLE=1 bash bench/load.sh   waits out the relist grace before the load (steady state)
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null; }
DURATION=${DURATION:-20s} THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-32}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work" 2>/dev/null || true; }
trap cleanup EXIT

serve() { # serve NAME DIR PORT ARGS...: wrangler dev in its own process group
  local name=$1 dir=$2 port=$3; shift 3
  # setsid makes the server a process group of its own, so cleanup stops it and its workerd.
  setsid wrangler dev --cwd "$dir" --ip 127.0.0.1 --port "$port" --persist-to "$work/$name" \
    --show-interactive-dev-session=false --live-reload=false "$@" < /dev/null > "$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0; sleep 0.5; done
  echo "$name did not start:"; cat "$work/$name.log"; exit 1
}

bash scripts/build-worker.sh > /dev/null
serve minimal bench/minimal-js 8790
EDGEWARD_SKIP_BUILD=1 serve edgeward . 8791 --env dev

echo "preparing ${ACCOUNTS:-200} accounts x ${HISTORY:-5} sessions of history, ${FRESH:-12000} fresh sessions ..."
node bench/prepare.mjs http://127.0.0.1:8791 > "$work/sessions.txt"
if [ -n "${SETTLE:-}" ]; then
  # Past the identifier-index relist grace (src/state/links.rs), the load measures logins of
  # accounts whose browser and mailbox are long known: the common case in production.
  echo "SETTLE: waiting out the 5-minute relist grace ..."
  sleep 310
fi
export SESSIONS="$work/sessions.txt" THREADS
echo "$(wc -l < "$SESSIONS") fresh sessions prepared"

run() { # run NAME PORT: wrk against one worker; prints the wrk summary
  echo "== $1"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/authenticate.lua "http://127.0.0.1:$2" | tee "$work/$1.wrk"
}
run minimal 8790
run edgeward 8791

rps() { awk '/^Requests\/sec/ { print $2 }' "$work/$1.wrk"; }
non2xx() { awk '/Non-2xx/ { print $5 }' "$work/$1.wrk"; }
echo
echo "minimal JS worker:            $(rps minimal) req/s (non-2xx: $(non2xx minimal || true))"
echo "edgeward /session/authenticate: $(rps edgeward) req/s (non-2xx: $(non2xx edgeward || true))"
awk -v a="$(rps edgeward)" -v b="$(rps minimal)" 'BEGIN { printf "ratio: %.1f %%\n", 100 * a / b }'
