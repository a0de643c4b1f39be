"""Writes a small, deliberately noisy teach dataset from the fixture photos.

One folder per class (NAME/NNN.png), built from the scikit-image texture crops with random
crops, flips, brightness changes, blur and noise, so neither learner reaches 100 %. A
`held_out/` folder gets a few fresh images per class (named CLASS_N.png) for prediction.

usage: make_teach_set.py OUT_DIR [PER_CLASS]
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

CLASSES = ["brick", "gravel", "grass", "coins"]
PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
SIDE = 160


def variant(source: Image.Image, rng: np.random.Generator) -> Image.Image:
    w, h = source.size
    side = int(min(w, h) * rng.uniform(0.35, 0.9))
    left, top = rng.integers(0, w - side + 1), rng.integers(0, h - side + 1)
    image = source.crop((left, top, left + side, top + side)).resize((SIDE, SIDE), Image.BILINEAR)
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 2.5)))
    pixels = np.asarray(image, dtype=np.float32) * rng.uniform(0.5, 1.5)
    pixels += rng.normal(0.0, rng.uniform(5.0, 60.0), pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def main() -> None:
    out = Path(sys.argv[1])
    per_class = int(sys.argv[2]) if len(sys.argv) > 2 else 75
    rng = np.random.default_rng(2026)
    (out / "held_out").mkdir(parents=True, exist_ok=True)
    for name in CLASSES:
        sources = [Image.open(PHOTOS / f"{name}_{i}_256.png").convert("RGB") for i in range(3)]
        folder = out / name
        folder.mkdir(exist_ok=True)
        for i in range(per_class):
            variant(sources[i % 3], rng).save(folder / f"{i:03}.png")
        for i in range(3):
            variant(sources[i], rng).save(out / "held_out" / f"{name}_{i}.png")


if __name__ == "__main__":
    main()
