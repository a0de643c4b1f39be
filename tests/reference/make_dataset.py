"""Writes a teach dataset as a user keeps one, as a folder and as the same tree zipped.

OUT_DIR/textures/ holds one folder per class, with what real folders also hold:
- brick/: 7 PNGs and broken.jpg, a truncated JPEG (1 image that cannot be read)
- gravel/: 5 JPEGs and mislabelled.png, a brick photo filed under gravel
- grass/: 3 PNGs and a nested folder more/ with a WebP and a PNG
- notes.txt (not an image), brick/.DS_Store and __MACOSX/textures/brick/._000.png (system files)
OUT_DIR/textures.zip is the same tree (deflated, with folder entries); with LARGE, also
OUT_DIR/large.zip: LARGE tiny PNGs in 4 class folders.

Expected: classes brick 7, grass 5, gravel 6 (18 examples); 1 unreadable; skipped 1 not an
image and 2 system files.

usage: make_dataset.py OUT_DIR [LARGE]
"""
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from make_teach_set import PHOTOS, SIDE  # noqa: E402


def variant(source: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A mild variant (a large crop, a mirror, a little brightness): photos of one thing
    taken twice, so that a mislabelled one sits among its true class's neighbours."""
    w, h = source.size
    side = int(min(w, h) * rng.uniform(0.75, 0.95))
    left, top = rng.integers(0, w - side + 1), rng.integers(0, h - side + 1)
    image = source.crop((left, top, left + side, top + side)).resize((SIDE, SIDE), Image.BILINEAR)
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    pixels = np.asarray(image, dtype=np.float32) * rng.uniform(0.85, 1.15)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def main() -> None:
    out = Path(sys.argv[1])
    rng = np.random.default_rng(17)
    root = out / "textures"
    photo = lambda name, i: Image.open(PHOTOS / f"{name}_{i}_256.png").convert("RGB")  # noqa: E731
    files = {}
    for i in range(7):
        files[f"brick/{i:03}.png"] = ("PNG", variant(photo("brick", i % 3), rng))
    for i in range(5):
        files[f"gravel/{i:03}.jpg"] = ("JPEG", variant(photo("gravel", i % 3), rng))
    for i in range(3):
        files[f"grass/{i:03}.png"] = ("PNG", variant(photo("grass", i), rng))
    files["grass/more/003.webp"] = ("WEBP", variant(photo("grass", 0), rng))
    files["grass/more/004.png"] = ("PNG", variant(photo("grass", 1), rng))
    files["gravel/mislabelled.png"] = ("PNG", variant(photo("brick", 1), rng))
    raw = {}
    for path, (fmt, image) in files.items():
        buffer = io.BytesIO()
        image.save(buffer, fmt)
        raw[path] = buffer.getvalue()
    raw["brick/broken.jpg"] = raw["gravel/000.jpg"][:300]
    raw["notes.txt"] = b"collected in 2026\n"
    raw["brick/.DS_Store"] = b"\0\0\0\1Bud1"
    raw["__MACOSX/textures/brick/._000.png"] = b"\0\5\x16\7"
    for path, data in raw.items():
        target = root / path if not path.startswith("__MACOSX") else out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with zipfile.ZipFile(out / "textures.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in ["textures/", "textures/brick/", "textures/grass/", "textures/grass/more/", "textures/gravel/"]:
            archive.writestr(folder, b"")
        for path, data in sorted(raw.items()):
            archive.writestr(path if path.startswith("__MACOSX") else f"textures/{path}", data)
    if len(sys.argv) > 2:
        large = int(sys.argv[2])
        with zipfile.ZipFile(out / "large.zip", "w", zipfile.ZIP_STORED) as archive:
            for i in range(large):
                pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
                buffer = io.BytesIO()
                Image.fromarray(pixels).save(buffer, "PNG")
                archive.writestr(f"large/class_{i % 4}/{i:05}.png", buffer.getvalue())


if __name__ == "__main__":
    main()
