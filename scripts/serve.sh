#!/usr/bin/env bash
# Builds the app and serves it on http://127.0.0.1:8080 (rebuilding on changes).
# Fast path for people: the wasm is compiled with the `release-quick` profile (release code
# without whole-program LTO) and not size-optimised (wasm-opt runs only for deploys:
# scripts/site.sh), and nothing native is built — the page downloads the pretrained model,
# or makes its demo model itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
exec trunk serve --cargo-profile release-quick
