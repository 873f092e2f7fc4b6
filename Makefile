# The two commands of the README, and the steps they are made of.
.PHONY: dev test setup build check unit wasm-test e2e

# Sets everything up and serves the worker on http://127.0.0.1:8787 (local KV in .wrangler/state).
dev: setup
	bash scripts/dev.sh

# Sets everything up and runs every test.
test: setup check unit wasm-test build e2e

setup:
	bash scripts/setup.sh

check:
	bash -c 'source scripts/env.sh && cargo fmt --check && cargo clippy --all-targets -- -D warnings \
	  && cargo clippy --target wasm32-unknown-unknown --features worker -- -D warnings \
	  && cargo clippy --target wasm32-unknown-unknown --no-default-features --features browser -- -D warnings'

unit:
	cargo test

# The npm package's export, compiled to wasm32 and run in Node (tests/wasm.rs).
wasm-test:
	bash -c 'source scripts/env.sh && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --target wasm32-unknown-unknown --no-default-features --features browser --test wasm'

build:
	bash scripts/build-worker.sh
	bash scripts/build-package.sh
	bash scripts/build-console.sh

e2e:
	bash -c 'source scripts/env.sh && node tests/e2e/run.mjs'
