"""Native ResNet50 batch-1 latency, side by side in one run: ours (burn wgpu and CPU
backends, via `transfer-studio bench`) and ONNX Runtime (CPU, plus CUDA where the installed
build has it) on the ONNX export of the same seeded weights. Prints a markdown table with
ratios to ONNX Runtime CPU.

usage: native.py --cli PATH [--runs 20] [--backends wgpu,wgpu-f16,cpu]
  (needs tests/golden from tests/reference/make_golden.py)
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"


def ours(cli: str, backend: str, runs: int) -> dict:
    """`backend`: cpu, wgpu, or wgpu-f16 (wgpu computing in f16; needs shader-f16)."""
    half = ["--half"] if backend.endswith("-f16") else []
    out = subprocess.run([cli, "bench", "--weights", str(GOLDEN / "resnet50_seeded.safetensors"), "--backend",
                          backend.removesuffix("-f16"), "--runs", str(runs), *half], check=True, capture_output=True, text=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["backend"] = f"{row['backend']} {row['precision']}"
    return row


def onnxruntime(provider: str, runs: int) -> dict:
    started = time.perf_counter()
    session = ort.InferenceSession(str(GOLDEN / "resnet50_seeded.onnx"), providers=[provider])
    load_ms = (time.perf_counter() - started) * 1e3
    name = session.get_inputs()[0].name
    side = 224
    gradient = ((np.arange(3 * side * side) % side) / side - 0.5) * 2.0
    feed = {name: gradient.astype(np.float32).reshape(1, 3, side, side)}
    first = time.perf_counter()
    session.run(None, feed)
    first_ms = (time.perf_counter() - first) * 1e3
    for _ in range(2):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {"backend": f"onnxruntime {ort.__version__} {provider}", "load_ms": load_ms, "first_ms": first_ms,
            "median_ms": statistics.median(times), "p90_ms": times[round((len(times) - 1) * 0.9)], "min_ms": times[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backends", default="wgpu,cpu")
    parser.add_argument("--json", help="also write the rows and the machine to this file")
    args = parser.parse_args()
    rows = []
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
    for backend in args.backends.split(","):
        try:
            rows.append(ours(args.cli, backend, args.runs))
        except subprocess.CalledProcessError as err:
            rows.append({"backend": backend, "error": err.stderr.strip().splitlines()[-1] if err.stderr else str(err)})
    for provider in providers:
        rows.append(onnxruntime(provider, args.runs))
    reference = next(r for r in rows if "CPUExecutionProvider" in r["backend"])["median_ms"]
    print(f"\nResNet50 batch 1, {args.runs} timed runs after warm-up — {platform.node()} {platform.machine()}, {time.strftime('%Y-%m-%d')}")
    print("| runtime | load ms | first pass ms | median ms | p90 ms | median / ORT CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        if "error" in r:
            print(f"| {r['backend']} | failed: {r['error']} | | | | |")
            continue
        print(f"| {r['backend']} | {r['load_ms']:.0f} | {r['first_ms']:.0f} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} | {r['median_ms'] / reference:.2f} |")
    print(json.dumps(rows))
    if args.json:
        meta = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.node()} {platform.machine()}", "cpus": os.cpu_count(),
                "onnxruntime": ort.__version__, "runs": args.runs}
        Path(args.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
