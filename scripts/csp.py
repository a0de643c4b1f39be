#!/usr/bin/env python3
"""Trunk post-build hook: writes the site's Content-Security-Policy into index.html.

The policy allows this site's own files, wasm compilation ('wasm-unsafe-eval'), the model
worker (started from a blob: URL), data:/blob: images (thumbnails, the camera's frames),
and fetches of user-chosen weights over https (or from this machine). Inline scripts are
allowed by their SHA-256 alone: Trunk's loader names the hashed build files, so its hash
is computed here after every build.

Under `trunk serve` (scripts/serve.sh) the page also carries Trunk's live-reload script,
whose placeholders the server fills in each response, which would change its hash. They
are filled in here instead, from the page's own address, so that the script keeps its
hash; the development page's policy differs from the deploy's only by allowing the
reload's WebSocket.
"""
import base64
import hashlib
import os
import re
import sys

META = '<meta http-equiv="Content-Security-Policy" content="{}" />'


# Trunk's live-reload script: its server replaces these (quoted) in every HTML response.
RELOAD_PLACEHOLDERS = {
    "'{{__TRUNK_ADDRESS__}}'": "window.location.host",
    "'{{__TRUNK_WS_BASE__}}'": "window.location.pathname.replace(/[^/]*$/, '')",
}


def fill_reload_placeholders(html: str) -> tuple[str, bool]:
    """The page with the live-reload script's placeholders filled in; whether it had any."""
    filled = html
    for placeholder, expression in RELOAD_PLACEHOLDERS.items():
        filled = filled.replace(placeholder, expression)
    return filled, filled != html


def policy(html: str, dev_server: bool) -> str:
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline)
    reload_socket = " ws: wss:" if dev_server else ""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'wasm-unsafe-eval' {hashes}",
        "worker-src 'self' blob:",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        f"connect-src 'self' blob: data: https: http://127.0.0.1:* http://localhost:*{reload_socket}",
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
    html, dev_server = fill_reload_placeholders(html)
    meta = META.format(policy(html, dev_server))
    html = html.replace('<meta charset="utf-8" />', '<meta charset="utf-8" />\n  ' + meta, 1)
    if meta not in html:
        print("csp.py: no <meta charset> to put the policy after", file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)
    return 0


if __name__ == "__main__":
    sys.exit(main())
