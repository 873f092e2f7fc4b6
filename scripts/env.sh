# Sourced by the other scripts: where the pinned tools live and how worker-build finds them,
# so that nothing is ever downloaded from GitHub.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false

WORKER_BUILD_VERSION=0.8.7
WASM_PACK_VERSION=0.15.1
# wasm-bindgen-cli must equal the wasm-bindgen locked in Cargo.lock, exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$ROOT/Cargo.lock")"
# PyPI iporigin: its data/ranges.bin feeds the network-origin table (buildscript/ip.rs).
IPORIGIN_VERSION=1.1.2
