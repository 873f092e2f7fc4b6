#!/usr/bin/env bash
# Prices KV operations on local wrangler dev: wrk against the minimal JS worker's /mix with
# several mixes of reads (g), lists (l) and writes (p), including authenticate's own mix.
#   bash bench/kv-ops.sh     (DURATION=8s THREADS=2 CONNECTIONS=32)
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"
DURATION=${DURATION:-8s} THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-32}
work=$(mktemp -d)
setsid wrangler dev --cwd bench/minimal-js --ip 127.0.0.1 --port 8792 --persist-to "$work/kv" \
  --show-interactive-dev-session=false --live-reload=false < /dev/null > "$work/log" 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null || true; sleep 1; rm -rf "$work" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:8792/mix && break; sleep 0.5; done
printf '%-24s %10s\n' "mix (reads,lists,writes,deletes)" "req/s"
for mix in "g=0&l=0&p=0" "g=1&l=0&p=0" "g=2&l=0&p=0" "g=0&l=1&p=0" "g=0&l=2&p=0" \
           "g=0&l=0&p=1" "g=0&l=0&p=2" "g=1&l=0&p=1" "g=1&l=1&p=2" "g=1&l=2&p=2" \
           "g=0&l=0&p=0&d=1" "g=1&l=5&p=6" "g=1&l=5&p=9&d=3"; do
  rps=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:8792/mix?$mix" | awk '/^Requests\/sec/ { print $2 }')
  printf '%-24s %10s\n' "$mix" "$rps"
done

# A list against the namespace's size: the same one-list mix after 10,000 and 30,000 keys that
# no mix reads (miniflare's local KV answers a list with a scan of its table: BENCHMARKS.md).
filled=0
for target in 10000 30000; do
  while [ "$filled" -lt "$target" ]; do
    curl -s -o /dev/null -X POST "http://127.0.0.1:8792/fill?from=$filled&n=500"; filled=$((filled + 500))
  done
  rps=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:8792/mix?g=0&l=1&p=0" | awk '/^Requests\/sec/ { print $2 }')
  printf '%-24s %10s\n' "g=0&l=1&p=0, $target more keys" "$rps"
  rps=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:8792/mix?g=1&l=0&p=1" | awk '/^Requests\/sec/ { print $2 }')
  printf '%-24s %10s\n' "g=1&l=0&p=1, $target more keys" "$rps"
done
