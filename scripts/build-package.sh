#!/usr/bin/env bash
# Builds the npm package `edgeward` into pkg/: the browser build of the crate (wasm-pack,
# feature `browser`) plus the hand-written JavaScript in js/. Then copies pkg/ to www/pkg/,
# which the worker serves, so the local console can import /pkg/index.js.
# Offline: wasm-pack must find wasm-bindgen (== Cargo.lock) and wasm-opt (npm binaryen) on PATH.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

for tool in wasm-pack wasm-bindgen wasm-opt node; do
  command -v "$tool" >/dev/null || { echo "build-package: $tool not found on PATH (run scripts/setup.sh)" >&2; exit 1; }
done
have="$(wasm-bindgen --version | awk '{print $2}')"
if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
  echo "build-package: wasm-bindgen $have on PATH, Cargo.lock wants $WASM_BINDGEN_VERSION" >&2
  exit 1
fi

rm -rf pkg
# --mode no-install: use the tools on PATH, never download (a missing one is an error above,
# not a silent skip). wasm-opt runs with the args in Cargo.toml's wasm-pack metadata.
wasm-pack build . --target web --release --mode no-install \
  --out-dir pkg --out-name edgeward_core -- --no-default-features --features browser --locked

for f in edgeward_core.js edgeward_core_bg.wasm edgeward_core.d.ts; do
  [ -f "pkg/$f" ] || { echo "build-package: wasm-pack did not produce pkg/$f" >&2; exit 1; }
done

# The hand-written part: entry, collector, types, README (replaces the one wasm-pack copied).
cp js/index.js js/collect.js js/index.d.ts pkg/
cp js/README.md pkg/README.md

VERSION="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
VERSION="$VERSION" node --input-type=module -e '
import { readFileSync, writeFileSync, existsSync } from "node:fs";
const old = JSON.parse(readFileSync("pkg/package.json", "utf8"));
const files = ["index.js", "index.d.ts", "collect.js", "edgeward_core.js", "edgeward_core.d.ts",
  "edgeward_core_bg.wasm", "README.md"];
for (const f of files) if (!existsSync("pkg/" + f)) throw new Error("pkg/" + f + " missing");
const pkg = {
  name: "edgeward",
  version: process.env.VERSION,
  description: "Browser signal collector and local verdict of Edgeward, the open-source account defender",
  license: "Apache-2.0",
  type: "module",
  main: "index.js",
  module: "index.js",
  types: "index.d.ts",
  exports: {
    ".": { types: "./index.d.ts", import: "./index.js", default: "./index.js" },
    "./edgeward_core_bg.wasm": "./edgeward_core_bg.wasm",
    "./package.json": "./package.json",
  },
  files,
  sideEffects: false,
  keywords: ["bot-detection", "fraud", "account-defender", "webassembly"],
};
if (old.repository) pkg.repository = old.repository;
writeFileSync("pkg/package.json", JSON.stringify(pkg, null, 2) + "\n");
'
rm -f pkg/.gitignore pkg/edgeward_core_bg.wasm.d.ts

rm -rf www/pkg
cp -r pkg www/pkg

wasm=pkg/edgeward_core_bg.wasm
echo "build-package: pkg/ and www/pkg/ ready (edgeward $VERSION)"
echo "  wasm $(wc -c <"$wasm") B raw, $(gzip -9c "$wasm" | wc -c) B gzip"
echo "  js   $(cat pkg/index.js pkg/collect.js | gzip -9c | wc -c) B gzip (index.js + collect.js)," \
  "$(gzip -9c pkg/edgeward_core.js | wc -c) B gzip (edgeward_core.js)"
