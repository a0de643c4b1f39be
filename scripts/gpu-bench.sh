#!/usr/bin/env bash
# The benchmarks on a machine with a real GPU (Vulkan). Native: ours on burn's wgpu and CPU
# backends against ONNX Runtime on the ONNX export of the same seeded weights. Browser
# (when dist/ is built, `trunk build --release`): bench/browser.mjs in headless Chromium on
# the GPU (--real-gpu: it prints the adapter and stops if WebGPU fell back to software).
#
#   bash scripts/gpu-bench.sh [--cli PATH]   (without --cli: cargo build --release first)
#
# Needs python3 with numpy, onnx, onnxruntime, safetensors, pillow (tests/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
cli=""
[[ "${1:-}" == "--cli" ]] && cli=$2
if [[ -z $cli ]]; then
  cargo build --release --bin transfer-studio
  cli=${CARGO_TARGET_DIR:-target}/release/transfer-studio
fi
python=python3
[[ -x .venv/bin/python ]] && python=.venv/bin/python
[[ -s tests/golden/resnet50_seeded.onnx ]] || "$python" tests/reference/make_golden.py > /dev/null
command -v nvidia-smi > /dev/null && nvidia-smi -L
"$python" bench/native.py --cli "$cli" --runs "${RUNS:-30}" --backends wgpu,wgpu-f16,cpu
if [[ -s dist/index.html ]]; then
  node bench/browser.mjs --real-gpu --runs "${RUNS:-30}"
else
  echo "dist/ is not built: run 'trunk build --release' for the browser benchmark" >&2
fi
