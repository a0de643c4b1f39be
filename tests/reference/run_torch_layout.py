"""Runs an exported torchvision-layout state dict, independently of the app's code.

    run_torch_layout.py MODEL.safetensors IMAGE...

Checks the tensors are exactly those of torchvision's `resnet50(num_classes=k)` (names,
shapes, the int64 `num_batches_tracked` counters), then builds the golden script's own ONNX
graph of ResNet50 — unfolded Conv + BatchNormalization, as PyTorch computes in eval mode —
on them and runs it with onnxruntime on Pillow-preprocessed images. Prints one JSON object:
the class names from the metadata and per image its logits.
"""

import json
import sys

import onnxruntime as ort
from safetensors import safe_open
from safetensors.numpy import load_file

from make_golden import LAYERS, eval_transform, onnx_graph


def expected(classes: int) -> dict:
    shapes = {}

    def conv_bn(conv, bn, cin, cout, k):
        shapes[f"{conv}.weight"] = (cout, cin, k, k)
        for field in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{bn}.{field}"] = (cout,)
        shapes[f"{bn}.num_batches_tracked"] = ()

    conv_bn("conv1", "bn1", 3, 64, 7)
    cin = 64
    for li, (planes, blocks, _) in enumerate(LAYERS, start=1):
        for b in range(blocks):
            p = f"layer{li}.{b}"
            conv_bn(f"{p}.conv1", f"{p}.bn1", cin, planes, 1)
            conv_bn(f"{p}.conv2", f"{p}.bn2", planes, planes, 3)
            conv_bn(f"{p}.conv3", f"{p}.bn3", planes, planes * 4, 1)
            if b == 0:
                conv_bn(f"{p}.downsample.0", f"{p}.downsample.1", cin, planes * 4, 1)
            cin = planes * 4
    shapes["fc.weight"] = (classes, 2048)
    shapes["fc.bias"] = (classes,)
    return shapes


def main():
    path, images = sys.argv[1], sys.argv[2:]
    state = load_file(path)
    with safe_open(path, "np") as f:
        classes = json.loads(f.metadata()["classes"])
    want = expected(len(classes))
    found = {k: tuple(v.shape) for k, v in state.items()}
    assert found == want, f"not resnet50(num_classes={len(classes)}): {sorted(set(found.items()) ^ set(want.items()))[:6]}"
    assert all(str(v.dtype) == ("int64" if k.endswith("num_batches_tracked") else "float32") for k, v in state.items())
    model = onnx_graph(state)
    model.graph.output[0].type.tensor_type.shape.dim[1].dim_value = len(classes)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    results = {p: session.run(["logits"], {"images": eval_transform(p)[None]})[0][0].tolist() for p in images}
    print(json.dumps({"classes": classes, "images": results}))


if __name__ == "__main__":
    main()
