#!/usr/bin/env bash
# Runs every test: Rust unit/integration tests (including parity with ONNX Runtime) and
# the browser end-to-end tests against the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
source scripts/env.sh

echo "== golden data from the independent reference (numpy + ONNX Runtime + Pillow)"
.venv/bin/python tests/reference/make_golden.py > /dev/null

echo "== cargo test"
cargo test

echo "== release wasm build"
bash scripts/demo-model.sh
trunk build --release

echo "== browser end-to-end tests"
node --test --test-concurrency=1 tests/e2e/
