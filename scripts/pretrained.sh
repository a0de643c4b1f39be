#!/usr/bin/env bash
# For deployers (needs internet; not run in CI): fetches the pinned torchvision V1 weights
# listed in public/models/manifest.json, checks their SHA-256, quantizes them to the int8
# model and lists that copy first in public/models/manifest.json, so the deployed site serves
# its own 25.7 MB int8 file (same origin, no third-party request) and keeps the pinned URL
# as the second choice. Run it before scripts/site.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
cargo build --quiet --release --bin transfer-studio
cli="$CARGO_TARGET_DIR/release/transfer-studio"
url=$(python3 -c 'import json; print(next(m["url"] for m in json.load(open("public/models/manifest.json"))["models"] if m.get("url", "").startswith("https://")))')
int8=public/models/resnet50-tv-in1k-int8.safetensors
"$cli" quantize --weights "$url" --out "$int8"   # the CLI checks the manifest's pinned digest
"$cli" manifest "$int8" --name "ResNet50 · torchvision V1 (int8, this site)" --kind pretrained --out build/self-hosted.json
python3 - "$int8" <<'PY'
import json, sys
shipped = json.load(open("public/models/manifest.json"))
own = json.load(open("build/self-hosted.json"))["models"][0]
pinned = next(m for m in shipped["models"] if m.get("url", "").startswith("https://"))
for key in ("description", "license", "homepage", "top1"):
    if key in pinned:
        own[key] = pinned[key]
shipped["models"] = [own] + [m for m in shipped["models"] if m.get("url") != own["url"]]
json.dump(shipped, open("public/models/manifest.json", "w"), indent=2, ensure_ascii=False)
print(f"listed {sys.argv[1]} first in public/models/manifest.json")
PY
