#!/usr/bin/env bash
# Builds the static site for deployment into dist/: release wasm, size-optimised with
# wasm-opt -Oz, every URL relative so it works at a domain's root or under any sub-path
# (e.g. https://user.github.io/transfer-studio/). Copy dist/ to any static host.
# If scripts/pretrained.sh has run, the site also serves its own int8 copy of the weights.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
trunk build --release --public-url ./
echo "site in dist/ ($(du -sh dist | cut -f1)); serve it as static files"
