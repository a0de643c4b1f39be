#!/usr/bin/env bash
# Writes the seeded demo model (once): fp32 torchvision-layout weights (build/, not served),
# the int8 model in public/models, and a manifest listing only it (build/demo-manifest.json),
# which the browser tests serve in place of the site's own. The app itself needs none of
# this: its fallback demo model is made in the browser from the same seed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --bin transfer-studio
fp32=build/resnet50-demo-fp32.safetensors
int8=public/models/resnet50-demo-int8.safetensors
mkdir -p build
[[ -s $fp32 ]] || "$CLI" demo-weights --seed 0 --out "$fp32"
manifest=build/demo-manifest.json
if [[ ! -s $int8 || ! -s $manifest || $fp32 -nt $int8 ]]; then
  "$CLI" quantize --weights "$fp32" --out "$int8"
  "$CLI" manifest "$int8" --name "ResNet50 demo, int8 (seed 0)" --kind demo --out "$manifest"
fi
