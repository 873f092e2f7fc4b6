#!/usr/bin/env bash
# Installs everything Edgeward needs to build, run and test, skipping what is already there:
# the wasm32 target, worker-build / wasm-bindgen-cli / wasm-pack at pinned versions, the npm
# dev dependencies from package-lock.json, the PyPI package iporigin (open data only), and
# Debian's chromium, firefox-esr and xvfb for the browser tests.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

step() { printf '\033[1m== %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# worker-build links OpenSSL through pkg-config.
if ! pkg-config --exists openssl 2>/dev/null; then
  step "apt-get install libssl-dev pkg-config"
  apt-get update -q && apt-get install -y -q libssl-dev pkg-config
fi

# The browser tests drive Debian's Chromium (never a downloaded one) with playwright-core, and
# run it once as a plain headful process under Xvfb; Debian's Firefox ESR runs as a plain
# process only (headful under Xvfb, and headless under Marionette).
missing_debs=()
[ -x /usr/lib/chromium/chromium ] || missing_debs+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing_debs+=(firefox-esr)
command -v Xvfb >/dev/null 2>&1 || missing_debs+=(xvfb)
if [ ${#missing_debs[@]} -gt 0 ]; then
  step "apt-get install ${missing_debs[*]}"
  apt-get update -q && apt-get install -y -q "${missing_debs[@]}"
fi

have() { # have TOOL VERSION: is TOOL installed at exactly VERSION?
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qw "$2"
}

if ! have worker-build "$WORKER_BUILD_VERSION"; then
  step "cargo install worker-build $WORKER_BUILD_VERSION"
  cargo install --locked worker-build --version "$WORKER_BUILD_VERSION"
fi
if ! have wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a webpki-roots the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! have wasm-pack "$WASM_PACK_VERSION"; then
  step "cargo install wasm-pack $WASM_PACK_VERSION"
  cargo install --locked wasm-pack --version "$WASM_PACK_VERSION"
fi

# npm ci again only when package-lock.json changed since the last install.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.edgeward-lock 2>/dev/null)" != "$lock_sum" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.edgeward-lock
fi

# iporigin is a data source, not a dependency: its wheel is unpacked where buildscript/ip.rs
# reads it (.tools/pypi/iporigin), never installed into Python.
if [ "$(cat .tools/pypi/iporigin/VERSION 2>/dev/null)" != "$IPORIGIN_VERSION" ]; then
  step "pip download iporigin $IPORIGIN_VERSION"
  rm -rf .tools/pypi/iporigin
  python3 -m pip download --quiet --no-deps --only-binary=:all: "iporigin==$IPORIGIN_VERSION" -d .tools/pypi
  python3 -m zipfile -e ".tools/pypi/iporigin-$IPORIGIN_VERSION-py3-none-any.whl" .tools/pypi/iporigin
  echo "$IPORIGIN_VERSION" > .tools/pypi/iporigin/VERSION
fi
