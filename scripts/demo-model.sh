#!/usr/bin/env bash
# Writes the seeded demo model and its manifest into public/models (once).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --bin transfer-studio
weights=public/models/resnet50-demo.safetensors
if [[ ! -s $weights || ! -s public/models/manifest.json ]]; then
  "$CLI" demo-weights --seed 0 --out "$weights"
  "$CLI" manifest "$weights" --name "ResNet50 demo (seed 0)" --kind demo --out public/models/manifest.json
fi
