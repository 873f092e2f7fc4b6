#!/usr/bin/env bash
# Builds the edge worker into build/ (index.js + index_bg.wasm) with the installed tools.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
worker-build --release --features worker
