#!/usr/bin/env bash
# Puts the ASN range table (build/intel/ip-asn.bin, written by the worker build: too large to
# embed in the worker) into the STATE KV namespace, where each isolate reads it once.
#   local:      bash scripts/ip-tables.sh --env dev --local --persist-to .wrangler/state
#   deployment: bash scripts/ip-tables.sh --remote
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
table=build/intel/ip-asn.bin
if [ ! -f "$table" ]; then
  echo "$table is missing: build the worker first (bash scripts/build-worker.sh)" >&2
  exit 1
fi
exec wrangler kv key put intel/ip-asn --path "$table" --binding STATE "$@"
