#!/usr/bin/env bash
# Builds the edge worker into build/ (index.js + index_bg.wasm) with the installed tools.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# The e2e runner builds first and then starts wrangler, whose [build] step would redo it.
if [ -n "${EDGEWARD_SKIP_BUILD:-}" ] && [ -f build/index.js ]; then exit 0; fi
worker-build --release --features worker
