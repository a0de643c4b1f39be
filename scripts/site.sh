#!/usr/bin/env bash
# Builds the static site for deployment into dist/: release wasm, size-optimised with
# wasm-opt -Oz, every URL relative so it works at a domain's root or under any sub-path
# (e.g. https://user.github.io/transfer-studio/). Copy dist/ to any static host.
# If scripts/pretrained.sh has run, the site also serves its own int8 copy of the weights.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
trunk build --release
# Weights files the manifest does not list (e.g. the tests' demo model) are not deployed.
python3 - <<'PY'
import json, pathlib
models = pathlib.Path("dist/models")
listed = {m["url"] for m in json.load(open(models / "manifest.json"))["models"] if "url" in m}
for f in models.glob("*.safetensors"):
    if f"models/{f.name}" not in listed:
        f.unlink()
        print(f"not deployed: {f} (not in the manifest)")
PY
echo "site in dist/ ($(du -sh dist | cut -f1)); serve it as static files"
