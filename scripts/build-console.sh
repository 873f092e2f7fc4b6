#!/usr/bin/env bash
# The console's vendored files (www/vendor/, not committed): uPlot and Cytoscape.js from
# node_modules at the versions package-lock.json pins, their licences, and the reason
# catalogue as JSON, parsed from docs/reasons.md (which a unit test keeps equal to
# src/engine/reasons.rs), so the console explains every reason with the catalogue's words.
set -euo pipefail
cd "$(dirname "$0")/.."
out=www/vendor
rm -rf "$out"
mkdir -p "$out"
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css "$out/"
cp node_modules/uplot/LICENSE "$out/uPlot.LICENSE"
cp node_modules/cytoscape/dist/cytoscape.esm.min.mjs "$out/"
cp node_modules/cytoscape/LICENSE "$out/cytoscape.LICENSE"
node -e '
const fs = require("fs");
const md = fs.readFileSync("docs/reasons.md", "utf8");
const reasons = {};
for (const line of md.split("\n")) {
  const m = line.match(/^\| `([A-Z0-9_]+)` \| ([^|]*) \| ([^|]*) \| (.*) \| (.*) \|$/);
  if (m) reasons[m[1]] = { score: m[2].trim(), weight: m[3].trim(), meaning: m[4].trim(), action: m[5].trim() };
}
if (Object.keys(reasons).length < 10) throw new Error("docs/reasons.md: too few reasons parsed");
const versions = Object.fromEntries(["uplot", "cytoscape"].map((p) => [p, require(`./node_modules/${p}/package.json`).version]));
fs.writeFileSync("www/vendor/reasons.json", JSON.stringify({ reasons }));
fs.writeFileSync("www/vendor/versions.json", JSON.stringify(versions));
console.log(`build-console: www/vendor/ ready (${Object.keys(reasons).length} reasons, uplot ${versions.uplot}, cytoscape ${versions.cytoscape})`);
'
