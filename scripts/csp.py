#!/usr/bin/env python3
"""Trunk post-build hook: writes the site's Content-Security-Policy into index.html.

The policy allows this site's own files, wasm compilation ('wasm-unsafe-eval'), the model
worker (started from a blob: URL), data:/blob: images (thumbnails, the camera's frames),
and fetches of user-chosen weights over https (or from this machine). Inline scripts are
allowed by their SHA-256 alone: Trunk's loader names the hashed build files, so its hash
is computed here after every build.
"""
import base64
import hashlib
import os
import re
import sys

META = '<meta http-equiv="Content-Security-Policy" content="{}" />'


def policy(html: str) -> str:
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'wasm-unsafe-eval' {hashes}",
        "worker-src 'self' blob:",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self' blob: data: https: http://127.0.0.1:* http://localhost:*",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def main() -> int:
    path = os.path.join(os.environ.get("TRUNK_STAGING_DIR", "dist"), "index.html")
    with open(path, encoding="utf-8") as f:
        html = f.read()
    html = re.sub(r'\s*<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    meta = META.format(policy(html))
    html = html.replace('<meta charset="utf-8" />', '<meta charset="utf-8" />\n  ' + meta, 1)
    if meta not in html:
        print("csp.py: no <meta charset> to put the policy after", file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)
    return 0


if __name__ == "__main__":
    sys.exit(main())
