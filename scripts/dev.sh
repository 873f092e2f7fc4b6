#!/usr/bin/env bash
# Serves the worker locally: wrangler dev (workerd) on 127.0.0.1:8787 with the [env.dev]
# projects and KV persisted under .wrangler/state, rebuilding when src/ changes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
cat <<'KEYS'

  Edgeward dev server: http://127.0.0.1:8787
  Development keys (wrangler.toml [env.dev]; never use them in a deployment):
    project demo   secret sk_dev_demo_5f2c0a9e1b7d4c3a    public pk_dev_demo_8e1d6b2a
    project other  secret sk_dev_other_3b9e7f1c2d5a8e40   public pk_dev_other_c4a1f09e

KEYS
# The ASN table lives in KV (too large to embed): build, then put it into the local namespace.
bash scripts/build-worker.sh
bash scripts/build-package.sh   # www/pkg: the npm package the demo imports
bash scripts/build-console.sh   # www/vendor: uPlot, Cytoscape.js and the reason catalogue
bash scripts/ip-tables.sh --env dev --local --persist-to .wrangler/state >/dev/null
exec wrangler dev --env dev --ip 127.0.0.1 --port "${PORT:-8787}" --persist-to .wrangler/state
