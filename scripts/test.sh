#!/usr/bin/env bash
# Runs every check and test: house rules, formatting, clippy (native and wasm), Rust
# unit/integration tests (including parity with ONNX Runtime) and the browser end-to-end
# tests against the site built with the `release-quick` profile (scripts/site.sh builds the
# deploy: see docs/TESTING.md for what each build is checked by). Prints each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
step_name=""
step_start=$SECONDS
end_step() { [[ -n $step_name ]] && timings+=("$(printf '%5ds  %s' $((SECONDS - step_start)) "$step_name")"); step_name=""; }
step() { end_step; step_name="$1"; step_start=$SECONDS; printf '\n== %s\n' "$1"; }
report() {
  local status=$?
  end_step
  printf '\n== time by step (%s)\n' "$([[ $status -eq 0 ]] && echo passed || echo "FAILED, exit $status")"
  printf '%s\n' "${timings[@]}"
  printf '%5ds  in all\n' "$SECONDS"
}
trap report EXIT

# The libtest summary must count at least one test: a filter that matches nothing fails.
ran_tests() { grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$1" || { echo "no test ran: $2" >&2; return 1; }; }

step "setup"
bash scripts/setup.sh --test
source scripts/env.sh

# Clippy lints inside the builds: as cargo's wrapper for the workspace's own crates (never the
# dependencies), clippy-driver compiles them and lints them on the way, warnings and missing
# docs as errors. So the test build (every native target), the wasm site's build (the app),
# the wasip1 and i686 builds are the lint checks too, with no check builds of their own.
# (The threaded worker's nightly build runs without it: scripts/threaded_worker.sh.)
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "house rules: no import circle, no file over 400 lines; cargo fmt --check; clippy on fma-product's relaxed wasm build"
python3 scripts/check_house.py
cargo fmt --all --check
cargo clippy --quiet -p fma-product --target wasm32-unknown-unknown --features relaxed -- -D warnings

step "golden data from the independent reference (numpy + ONNX Runtime + Pillow)"
.venv/bin/python tests/reference/make_golden.py > /dev/null

step "cargo test: build (and clippy on every native target of the workspace)"
cargo test --no-run --quiet --workspace --all-targets

step "cargo test: run"
# Where the CPU has AVX2 and FMA, the convolution tests must run fma_product's products.
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then export REQUIRE_FMA_PRODUCT=1; fi
cargo test

step "the wasm convolutions, with and without relaxed SIMD (wasm32-wasip1 under node: the browser's kernels, off the browser)"
# Node 20 validates relaxed SIMD only behind this flag; later Nodes ship it on.
relaxed_flag=""
node --experimental-wasm-relaxed-simd -e 0 2> /dev/null && relaxed_flag=--experimental-wasm-relaxed-simd
log=$(mktemp)
for features in relaxed ""; do
  CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128" \
    CARGO_TARGET_WASM32_WASIP1_RUNNER="node $relaxed_flag scripts/wasi_run.mjs" \
    cargo test --quiet --target wasm32-wasip1 --no-default-features --features "$features" --lib -- model::conv | tee "$log"
  ran_tests "$log" "model::conv under wasip1 (features: ${features:-none})"
done
rm -f "$log"

step "fuzz tests on a 32-bit target (i686: usize is 32 bits, as in wasm32)"
cargo test --target i686-unknown-linux-gnu --no-default-features --test fuzz

step "old test binaries out of the shared target folder (a full disk fails the browser tests)"
python3 scripts/prune_test_binaries.py

step "wasm build for the browser tests: the app (and clippy on it) and the two threaded workers (profile release-quick)"
bash scripts/demo-model.sh
trunk build --cargo-profile release-quick

step "browser end-to-end tests"
# A test that times out must not hold its file (and the suite) open: the runner exits each
# file once its tests have ended.
node --test --test-concurrency=1 --test-force-exit tests/e2e/*.test.mjs tests/e2e/journeys/*.test.mjs
