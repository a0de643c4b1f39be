"""Write a safetensors state dict as a torchvision-style `.pth` (PyTorch's ZIP format).

Without PyTorch: the pickle names `torch._utils._rebuild_tensor_v2` and `torch.FloatStorage`
exactly as `torch.save` does (protocol 2, storages as persistent ids, one ZIP entry per
storage under `archive/data/`), through stand-in modules registered under those names.

    python tests/reference/make_pth.py IN.safetensors OUT.pth [--nest state_dict]
"""

import argparse
import collections
import io
import pickle
import sys
import types
import zipfile

import numpy as np
from safetensors.numpy import load_file

torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")


def _rebuild_tensor_v2(*args):  # only its name goes into the pickle
    raise NotImplementedError


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
STORAGES = {np.dtype("float32"): "FloatStorage", np.dtype("float16"): "HalfStorage", np.dtype("int64"): "LongStorage"}
for name in STORAGES.values():
    setattr(torch, name, type(name, (), {"__module__": "torch"}))
torch._utils = torch_utils
sys.modules.update({"torch": torch, "torch._utils": torch_utils})


class StorageRef:
    def __init__(self, key: str, array: np.ndarray):
        self.key, self.array = key, array


class Tensor:
    def __init__(self, storage: StorageRef):
        self.storage = storage

    def __reduce__(self):
        a = self.storage.array
        stride = tuple(s // a.itemsize for s in a.strides)
        return (_rebuild_tensor_v2, (self.storage, 0, a.shape, stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            storage_type = getattr(torch, STORAGES[obj.array.dtype])
            return ("storage", storage_type, obj.key, "cpu", obj.array.size)
        return None


def save(state: dict, path: str, nest: str | None) -> None:
    storages = {}
    tensors = collections.OrderedDict()
    for i, (name, array) in enumerate(state.items()):
        storages[str(i)] = np.ascontiguousarray(array)
        tensors[name] = Tensor(StorageRef(str(i), storages[str(i)]))
    root = {nest: tensors, "epoch": 90} if nest else tensors
    buffer = io.BytesIO()
    TorchPickler(buffer, protocol=2).dump(root)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/byteorder", "little")
        for key, array in storages.items():
            archive.writestr(f"archive/data/{key}", array.tobytes())
        archive.writestr("archive/version", "3\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--nest", help="nest the state dict under this key, as training checkpoints do")
    args = parser.parse_args()
    save(load_file(args.source), args.out, args.nest)
