#!/usr/bin/env bash
# The deployed site's download size, against its bound: builds dist/ as deployed
# (scripts/site.sh: fat LTO, wasm-opt -Oz) and prints each wasm module raw and gzip -9'd.
# Fails when the app's module (page and model worker share it) is over 6 MB gzip'd.
# The test command builds the browser tests' site with the release-quick profile instead
# (no LTO, no wasm-opt) for time, so the bound is checked here, by whoever changes what
# goes into the app's module (a dependency, a feature, a profile).
#   bash bench/site_size.sh [--json FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
json=""
[[ "${1:-}" == "--json" ]] && json="$2"
bound=6000000

bash scripts/site.sh > /dev/null
rows=()
app_gzip=0
while IFS= read -r wasm; do
  raw=$(stat -c %s "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  name=${wasm#dist/}
  printf '%-48s %12d bytes raw %12d bytes gzip -9\n' "$name" "$raw" "$gz"
  rows+=("{\"file\": \"$name\", \"raw\": $raw, \"gzip9\": $gz}")
  [[ $name == app-*_bg.wasm ]] && app_gzip=$gz
done < <(find dist -name '*.wasm' | sort)
[[ -n $json ]] && printf '{"date": "%s", "bound_gzip9": %d, "modules": [%s]}\n' "$(date -u +%F)" "$bound" "$(IFS=,; echo "${rows[*]}")" > "$json"
if (( app_gzip == 0 || app_gzip > bound )); then
  echo "the app's module is $app_gzip bytes gzip -9'd: over the bound of $bound (or not found)" >&2
  exit 1
fi
echo "the app's module: $app_gzip bytes gzip -9 (bound $bound)"
