"""Trunk post-build hook: copies the onnxruntime-web files the "web page" export packs (the
npm package's pinned version, see package.json) to vendor/onnxruntime-web/ in the site, so
the page never reaches a CDN. Fails the build if they are missing (run scripts/setup.sh)."""

import os
import shutil
import sys

FILES = ["ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm"]  # src/export/web_page.rs: RUNTIME_FILES

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
source = os.path.join(root, "node_modules", "onnxruntime-web", "dist")
target = os.path.join(os.environ.get("TRUNK_STAGING_DIR", "dist"), "vendor", "onnxruntime-web")
os.makedirs(target, exist_ok=True)
for name in FILES:
    path = os.path.join(source, name)
    if not os.path.isfile(path):
        sys.exit(f"vendor_runtime.py: {path} is missing: run scripts/setup.sh (npm ci)")
    shutil.copyfile(path, os.path.join(target, name))
