"""Writes a large teach project file (the app's format, written independently with numpy)
for the scale benchmark: CLASSES classes × PER_CLASS examples of synthetic 2048-d features
(a Gaussian cluster per class, ReLU'd like pooled ResNet features) and a tiny JPEG
thumbnail each.

usage: make_project.py OUT [CLASSES] [PER_CLASS] [BACKBONE_SHA256]
"""
import io
import json
import sys

import numpy as np
from PIL import Image
from safetensors.numpy import save_file

DIM = 2048


def main() -> None:
    out = sys.argv[1]
    classes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    per_class = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    backbone = sys.argv[4] if len(sys.argv) > 4 else None
    rng = np.random.default_rng(5)
    centers = rng.gamma(1.0, 0.5, (classes, DIM)).astype(np.float32)
    labels = np.repeat(np.arange(classes, dtype=np.uint32), per_class)
    features = np.maximum(centers[labels] + rng.normal(0, 0.6, (len(labels), DIM)), 0).astype(np.float32)
    thumbs = []
    for c in range(classes):
        buffer = io.BytesIO()
        Image.new("RGB", (96, 96), (25 * c % 256, 90, 200 - 15 * c % 200)).save(buffer, "JPEG", quality=85)
        thumbs.append(np.frombuffer(buffer.getvalue(), np.uint8))
    thumbnails = np.concatenate([thumbs[c] for c in labels])
    ends = np.cumsum([len(thumbs[c]) for c in labels]).astype(np.uint64)
    settings = {"epochs": 20, "learning_rate": 0.001, "batch_size": 64, "validation_fraction": 0.15,
                "weight_decay": 0.001, "augment": False, "seed": 0}
    info = {"classes": [{"id": c, "name": f"class {c}"} for c in range(classes)], "settings": settings,
            "backbone": backbone, "training": None}
    save_file({
        "example.id": np.arange(len(labels), dtype=np.uint64),
        "example.class": labels,
        "example.views": np.ones(len(labels), np.uint32),
        "features": features,
        "thumbnails": thumbnails,
        "thumbnail.ends": ends,
    }, out, metadata={"format": "transfer-studio-project", "version": "1", "project": json.dumps(info)})


if __name__ == "__main__":
    main()
