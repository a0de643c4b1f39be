#!/usr/bin/env bash
# Runs every check and test: house rules, formatting, clippy (native and wasm), Rust
# unit/integration tests (including parity with ONNX Runtime) and the browser end-to-end
# tests against the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
source scripts/env.sh

echo "== house rules: no import circle, no file over 400 lines"
python3 scripts/check_house.py

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== clippy, native (all targets) and wasm (the app), warnings and missing docs as errors"
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --no-default-features --features web --lib --bins -- -D warnings
cargo clippy --quiet -p fma-product --target wasm32-unknown-unknown --features relaxed -- -D warnings

echo "== golden data from the independent reference (numpy + ONNX Runtime + Pillow)"
.venv/bin/python tests/reference/make_golden.py > /dev/null

echo "== cargo test"
cargo test

echo "== the wasm convolutions, with and without relaxed SIMD (wasm32-wasip1 under node: the browser's kernels, off the browser)"
for features in relaxed ""; do
  CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128" \
    CARGO_TARGET_WASM32_WASIP1_RUNNER="node --experimental-wasm-relaxed-simd scripts/wasi_run.mjs" \
    cargo test --quiet --target wasm32-wasip1 --no-default-features --features "$features" --lib -- model::conv
done

echo "== fuzz tests on a 32-bit target (i686: usize is 32 bits, as in wasm32)"
cargo test --target i686-unknown-linux-gnu --no-default-features --test fuzz

echo "== old test binaries out of the shared target folder (a full disk fails the browser tests)"
python3 scripts/prune_test_binaries.py

echo "== release wasm build"
bash scripts/demo-model.sh
trunk build --release

echo "== browser end-to-end tests"
node --test --test-concurrency=1 tests/e2e/
