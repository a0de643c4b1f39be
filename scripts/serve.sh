#!/usr/bin/env bash
# Builds the app (release wasm) with the seeded demo model and serves it on
# http://127.0.0.1:8080, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
bash scripts/demo-model.sh
exec trunk serve --release
