#!/usr/bin/env bash
# Builds the threaded model worker into the site: a Trunk post-build hook (Trunk sets
# TRUNK_STAGING_DIR and TRUNK_PROFILE), or by hand (into dist/). The pinned nightly rebuilds
# std with atomics (build-std), in a target dir of its own; wasm-bindgen emits it for
# `--target web` (the page imports it). Trunk's release builds (`trunk build --release`, the
# deploy) get cargo's release profile with thin LTO and wasm-opt; any other build gets the
# `release-quick` profile and no wasm-opt, as the app does there. Never unoptimised: the CPU
# path is unusable so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

target_dir="$CARGO_TARGET_DIR/threads"
if [[ "${TRUNK_PROFILE:-release}" == release ]]; then
  # Thin LTO over 16 units, for build time: the app measured no faster with fat LTO
  # (bench/browser.mjs, 2026-11-29: 1.31 and 1.26 times onnxruntime-web, fat and thin).
  profile=release; lto=(CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)
else
  profile=release-quick; lto=()
fi

# Replaces .cargo/config.toml's rustflags, so simd128 and the getrandom backend are named again.
# Shared memory up to 4 GiB; the TLS exports are what wasm-bindgen's thread support needs.
flags=(
  -C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 --cfg 'getrandom_backend="wasm_js"'
  -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=4294967296
  -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size -C link-arg=--export=__tls_align
  -C link-arg=--export=__tls_base
)

# Two builds: without and with relaxed SIMD's fused multiply-add (the page picks the second
# where the browser validates it; src/web/worker/threaded_files.rs).
for variant in plain relaxed; do
  case $variant in
    plain) out="${TRUNK_STAGING_DIR:-dist}/threaded-worker"; features=threads; extra=() ;;
    relaxed) out="${TRUNK_STAGING_DIR:-dist}/threaded-worker-relaxed"; features=threads,relaxed; extra=(--enable-relaxed-simd) ;;
  esac
  # (Without scripts/test.sh's clippy wrapper: that clippy-driver is the stable toolchain's.)
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS RUSTFLAGS="${flags[*]}" ${lto[@]+"${lto[@]}"} \
    cargo "+$THREADS_TOOLCHAIN" build --quiet --offline -Zbuild-std=panic_abort,std --target wasm32-unknown-unknown \
    --profile "$profile" --target-dir "$target_dir" --no-default-features --features "$features" --bin threaded_worker

  built="$target_dir/wasm32-unknown-unknown/$profile/threaded_worker.wasm"
  rm -rf "$out"
  wasm-bindgen --target web --no-typescript --out-dir "$out" "$built"
  if [[ "${TRUNK_PROFILE:-release}" == release ]]; then
    wasm-opt -O3 --enable-threads --enable-bulk-memory --enable-simd --enable-mutable-globals --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-reference-types --enable-multivalue ${extra[@]+"${extra[@]}"} \
      "$out/threaded_worker_bg.wasm" -o "$out/threaded_worker_bg.wasm"
  fi
done
