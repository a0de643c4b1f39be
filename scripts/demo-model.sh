#!/usr/bin/env bash
# Writes the seeded demo model into public/models (once): fp32 torchvision-layout weights
# (build/, not served), the int8 model the page downloads, and its manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --bin transfer-studio
fp32=build/resnet50-demo-fp32.safetensors
int8=public/models/resnet50-demo-int8.safetensors
mkdir -p build
[[ -s $fp32 ]] || "$CLI" demo-weights --seed 0 --out "$fp32"
if [[ ! -s $int8 || ! -s public/models/manifest.json || $fp32 -nt $int8 ]]; then
  "$CLI" quantize --weights "$fp32" --out "$int8"
  "$CLI" manifest "$int8" --name "ResNet50 demo, int8 (seed 0)" --kind demo --out public/models/manifest.json
fi
