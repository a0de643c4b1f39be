"""Runs an exported ONNX classifier with onnxruntime, independently of the app's code.

    run_onnx.py MODEL.onnx IMAGE...

The model is checked with onnx's full checker; its metadata (class names, preprocessing)
is read with onnx; each image is preprocessed with Pillow as the metadata says (the golden
script's eval transform: shorter side resized, center crop, /255, (x - mean) / std), and
the model runs on onnxruntime's CPU provider. Prints one JSON object: the metadata, the
operator types used, and per image its logits and probabilities.
"""

import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

from make_golden import MEAN, STD, eval_transform

FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def preprocess(path, p):
    """The metadata's transform, by the golden script's Pillow eval transform."""
    assert np.allclose(p["mean"], MEAN) and np.allclose(p["std"], STD), "the fixtures' models use ImageNet's normalization"
    assert p["layout"] == "NCHW" and p["scale"].startswith("RGB values divided by 255"), p
    return eval_transform(path, p["resize_shorter_side"], p["center_crop"], FILTERS[p["interpolation"]])[None]


def main():
    model_path, images = sys.argv[1], sys.argv[2:]
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    metadata = {p.key: p.value for p in model.metadata_props}
    preprocessing = json.loads(metadata["preprocessing"])
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    results = {}
    for path in images:
        logits, probabilities = session.run(["logits", "probabilities"], {"image": preprocess(path, preprocessing)})
        results[path] = {"logits": logits[0].tolist(), "probabilities": probabilities[0].tolist()}
    print(json.dumps({
        "metadata": metadata,
        "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")],
        "ops": sorted({n.op_type for n in model.graph.node}),
        "initializer_types": sorted({onnx.TensorProto.DataType.Name(t.data_type) for t in model.graph.initializer}),
        "images": results,
    }))


if __name__ == "__main__":
    main()
