"""Writes a Y4M video (4:2:0) of a still photo with a slow pan, for Chromium's fake camera
(--use-file-for-fake-video-capture).

usage: make_y4m.py IMAGE OUT.y4m [FRAMES]
"""
import sys

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 320, 240


def main() -> None:
    source = Image.open(sys.argv[1]).convert("RGB")
    frames = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    with open(sys.argv[2], "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        w, h = source.size
        for i in range(frames):
            shift = int(i * 0.02 * w)
            crop = source.crop((shift, 0, shift + int(w * 0.8), h)).resize((WIDTH, HEIGHT), Image.BILINEAR)
            y, cb, cr = (np.asarray(plane, dtype=np.uint8) for plane in crop.convert("YCbCr").split())
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            for chroma in (cb, cr):
                out.write(chroma.reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8).tobytes())


if __name__ == "__main__":
    main()
