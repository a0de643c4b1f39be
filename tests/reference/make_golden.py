"""Independent reference for the Rust ResNet50: seeded weights, ONNX Runtime golden logits.

Nothing here shares code with the Rust side. The script
1. builds a seeded ResNet50 in torchvision's `state_dict` layout with numpy (He-normal
   convs; each BatchNorm's running statistics set to its input's batch statistics on a
   calibration batch of fixture photos, a train-mode forward pass done in numpy),
2. writes it as safetensors (with the int64 `num_batches_tracked` counters torchvision
   keeps) and as an ONNX graph with *unfolded* Conv + BatchNormalization nodes,
3. preprocesses every fixture with Pillow exactly like torchvision's eval transform
   (Resize(256) bilinear/antialias on the PIL image, CenterCrop(224), ToTensor, Normalize),
   EXIF orientation applied first,
4. runs onnxruntime (CPU, fp32) and writes inputs and logits.

Outputs (under --out, default tests/golden/):
  resnet50_seeded.safetensors, resnet50_seeded.onnx,
  resnet50_seeded.pth, resnet50_seeded_nested.pth, small.pth, small_nested.pth (torch.save ZIP layout, see make_pth.py),
  golden.safetensors  ("input.<name>" [3,224,224], "logits.<name>" [1000]),
  golden.json         (fixture list: name, path relative to the repo, kind).
Tolerances the Rust tests apply (see tests/parity.rs): max |Δlogit| ≤ 1e-3 on the same
input tensor with identical top-5; top-1 identical and top-5 overlap ≥ 4 end to end on the
256×256 photos.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from PIL import Image, ImageOps
from safetensors.numpy import save_file

from make_pth import save as save_pth

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
LAYERS = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]  # planes, blocks, stride
EPS = 1e-5


def eval_transform(path: Path, resize: int = 256, crop: int = 224, resample=Image.BILINEAR) -> np.ndarray:
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    w, h = image.size
    if w <= h:
        size = (resize, int(resize * h / w))
    else:
        size = (int(resize * w / h), resize)
    image = image.resize(size, resample)
    w, h = image.size
    top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
    image = image.crop((left, top, left + crop, top + crop))
    x = np.asarray(image, dtype=np.float32) / 255.0
    return ((x - MEAN) / STD).transpose(2, 0, 1).copy()


def conv2d(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = windows[:, :, :oh, :ow].transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
    return (cols @ w.reshape(o, -1).T).reshape(n, oh, ow, o).transpose(0, 3, 1, 2)


def max_pool_3x3_s2(x: np.ndarray) -> np.ndarray:
    x = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))[:, :, ::2, ::2]
    return windows.max(axis=(4, 5))


class Builder:
    """Draws parameters layer by layer while running the calibration batch through them."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.state: dict[str, np.ndarray] = {}
        self.nodes: list = []

    def conv_bn(self, x, conv, bn, cin, cout, k, stride, gamma_scale=1.0):
        w = self.rng.normal(0, np.sqrt(2.0 / (cin * k * k)), (cout, cin, k, k)).astype(np.float32)
        gamma = self.rng.uniform(0.5 * gamma_scale, 1.5 * gamma_scale, cout).astype(np.float32)
        beta = self.rng.uniform(-0.1, 0.1, cout).astype(np.float32)
        z = conv2d(x, w, stride, k // 2)
        mean, var = z.mean(axis=(0, 2, 3)), z.var(axis=(0, 2, 3))
        self.state.update({
            f"{conv}.weight": w,
            f"{bn}.weight": gamma,
            f"{bn}.bias": beta,
            f"{bn}.running_mean": mean.astype(np.float32),
            f"{bn}.running_var": var.astype(np.float32),
            f"{bn}.num_batches_tracked": np.array(1, dtype=np.int64),
        })
        return ((z - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + EPS)
                * gamma[None, :, None, None] + beta[None, :, None, None]).astype(np.float32)

    def build(self, calibration: np.ndarray) -> dict[str, np.ndarray]:
        relu = lambda t: np.maximum(t, 0)
        x = max_pool_3x3_s2(relu(self.conv_bn(calibration, "conv1", "bn1", 3, 64, 7, 2)))
        cin = 64
        for li, (planes, blocks, stride) in enumerate(LAYERS, start=1):
            for b in range(blocks):
                p, s = f"layer{li}.{b}", stride if b == 0 else 1
                short = self.conv_bn(x, f"{p}.downsample.0", f"{p}.downsample.1", cin, planes * 4, 1, s) if b == 0 else x
                y = relu(self.conv_bn(x, f"{p}.conv1", f"{p}.bn1", cin, planes, 1, 1))
                y = relu(self.conv_bn(y, f"{p}.conv2", f"{p}.bn2", planes, planes, 3, s))
                y = self.conv_bn(y, f"{p}.conv3", f"{p}.bn3", planes, planes * 4, 1, 1, gamma_scale=0.3)
                x = relu(y + short)
                cin = planes * 4
        # Random fc rows share the features' common direction, so one class would win on
        # every image; removing that direction leaves logits that tell images apart.
        pooled = x.mean(axis=(2, 3))
        _, _, vt = np.linalg.svd(pooled - pooled.mean(axis=0), full_matrices=False)
        basis = vt[: min(len(pooled) - 1, 8)]
        fc = self.rng.normal(0, 1, (1000, basis.shape[0])) @ basis
        fc = fc + self.rng.normal(0, 0.05 / np.sqrt(2048), fc.shape)
        logits = pooled @ fc.T
        fc = fc * 3.0 / (logits - logits.mean(axis=1, keepdims=True)).std()  # logits spread ~3
        self.state["fc.weight"] = fc.astype(np.float32)
        centre = -(pooled.mean(axis=0) @ fc.T)  # no class wins on the average image
        self.state["fc.bias"] = (centre + self.rng.uniform(-0.1, 0.1, 1000)).astype(np.float32)
        return self.state


def onnx_graph(state: dict[str, np.ndarray]) -> onnx.ModelProto:
    nodes, counter = [], iter(range(10**6))
    fresh = lambda: f"t{next(counter)}"

    def conv_bn(x, conv, bn, k, stride):
        c, y = fresh(), fresh()
        nodes.append(helper.make_node("Conv", [x, f"{conv}.weight"], [c], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4))
        nodes.append(helper.make_node("BatchNormalization", [c, f"{bn}.weight", f"{bn}.bias",
                                      f"{bn}.running_mean", f"{bn}.running_var"], [y], epsilon=EPS))
        return y

    def relu(x):
        y = fresh()
        nodes.append(helper.make_node("Relu", [x], [y]))
        return y

    x = relu(conv_bn("images", "conv1", "bn1", 7, 2))
    pooled = fresh()
    nodes.append(helper.make_node("MaxPool", [x], [pooled], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    x = pooled
    for li, (_, blocks, stride) in enumerate(LAYERS, start=1):
        for b in range(blocks):
            p, s = f"layer{li}.{b}", stride if b == 0 else 1
            short = conv_bn(x, f"{p}.downsample.0", f"{p}.downsample.1", 1, s) if b == 0 else x
            y = relu(conv_bn(x, f"{p}.conv1", f"{p}.bn1", 1, 1))
            y = relu(conv_bn(y, f"{p}.conv2", f"{p}.bn2", 3, s))
            y = conv_bn(y, f"{p}.conv3", f"{p}.bn3", 1, 1)
            summed = fresh()
            nodes.append(helper.make_node("Add", [y, short], [summed]))
            x = relu(summed)
    gap, flat = fresh(), fresh()
    nodes.append(helper.make_node("GlobalAveragePool", [x], [gap]))
    nodes.append(helper.make_node("Flatten", [gap], [flat]))
    nodes.append(helper.make_node("Gemm", [flat, "fc.weight", "fc.bias"], ["logits"], transB=1))
    inits = [numpy_helper.from_array(v, k) for k, v in state.items() if not k.endswith("num_batches_tracked")]
    graph = helper.make_graph(
        nodes, "resnet50",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def fixtures() -> list[dict]:
    items = []
    for path in sorted((FIXTURES / "photos").iterdir()):
        kind = "photo256" if path.stem.endswith("_256") else "photo"
        items.append({"name": path.stem, "path": str(path.relative_to(REPO)), "kind": kind})
    for path in sorted((FIXTURES / "synthetic").iterdir()):
        if path.name != "corrupt.jpg":
            items.append({"name": path.stem, "path": str(path.relative_to(REPO)), "kind": "synthetic"})
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "golden")
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    items = fixtures()
    inputs = {item["name"]: eval_transform(REPO / item["path"]) for item in items}
    calibration = np.stack([inputs[i["name"]] for i in items if i["kind"] == "photo256"][::4])
    state = Builder(args.seed).build(calibration)
    save_file(state, str(args.out / "resnet50_seeded.safetensors"))
    save_pth(state, str(args.out / "resnet50_seeded.pth"), None)
    save_pth(state, str(args.out / "resnet50_seeded_nested.pth"), "state_dict")
    # Small checkpoints (a few tensors of each stored dtype) for the .pth fuzz test to mutate.
    small = {name: state[name][..., :2].copy() if state[name].ndim else state[name] for name in ["conv1.weight", "bn1.running_var", "bn1.num_batches_tracked", "fc.bias"]}
    small["fc.half"] = state["fc.bias"][:8].astype(np.float16)
    save_pth(small, str(args.out / "small.pth"), None)
    save_pth(small, str(args.out / "small_nested.pth"), "state_dict")
    model = onnx_graph(state)
    onnx.save(model, str(args.out / "resnet50_seeded.onnx"))

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    golden = {}
    for item in items:
        x = inputs[item["name"]]
        logits = session.run(["logits"], {"images": x[None]})[0][0]
        golden[f"input.{item['name']}"] = x
        golden[f"logits.{item['name']}"] = logits.astype(np.float32)
        top = np.argsort(-logits)[:5]
        margin = logits[top[0]] - logits[top[1]]
        print(f"{item['name']:32s} top5 {top.tolist()} top1-margin {margin:.4f}")
    # timm-style eval transform of many ResNet50 tags: bicubic, crop_pct 0.95 (235 → 224).
    for item in items:
        if item["path"].endswith(".png"):
            golden[f"bicubic235.{item['name']}"] = eval_transform(REPO / item["path"], 235, 224, Image.BICUBIC)
    save_file(golden, str(args.out / "golden.safetensors"))
    (args.out / "golden.json").write_text(json.dumps({"seed": args.seed, "fixtures": items}, indent=1))
    print(f"wrote {len(items)} fixtures to {args.out}")


if __name__ == "__main__":
    main()
