"""Checks a trained project head against scikit-learn on the same features and split.

Reads a Transfer Studio project file (safetensors), takes its examples' features (the
views training used), its recorded class order and validation split, fits
sklearn's StandardScaler + LogisticRegression with the equivalent L2 penalty (C = 1 / (weight_decay · n)),
and prints JSON: our head's validation accuracy (recomputed here from its weights, and as
recorded by the app) and sklearn's.

usage: compare_sklearn.py PROJECT_FILE
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURE_DIM = 2048


def main() -> None:
    with safe_open(sys.argv[1], framework="numpy") as f:
        info = json.loads(f.metadata()["project"])
        t = {key: f.get_tensor(key) for key in f.keys()}
    training = info["training"]
    settings = training["settings"]
    position = {class_id: i for i, class_id in enumerate(training["class_ids"])}

    ids, classes, views = t["example.id"], t["example.class"], t["example.views"]
    starts = np.concatenate([[0], np.cumsum(views, dtype=np.int64)[:-1]])
    held_out = set(training["validation_ids"])
    train_x, train_y, val_x, val_y = [], [], [], []
    for example, class_id, start, count in zip(ids, classes, starts.tolist(), views.tolist()):
        label = position[int(class_id)]
        if int(example) in held_out:
            val_x.append(t["features"][start])
            val_y.append(label)
        else:
            used = count if settings["augment"] else 1
            train_x.extend(t["features"][start : start + used])
            train_y.extend([label] * used)
    train_x, val_x = np.asarray(train_x, np.float64), np.asarray(val_x, np.float64)
    train_y, val_y = np.asarray(train_y), np.asarray(val_y)

    ours = np.argmax(val_x @ t["head.weight"].astype(np.float64).T + t["head.bias"], axis=1)
    c = 1.0 / (settings["weight_decay"] * len(train_y)) if settings["weight_decay"] > 0 else 1e6
    sklearn = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000, tol=1e-6)).fit(train_x, train_y)
    print(json.dumps({
        "train": len(train_y),
        "validation": len(val_y),
        "ours": float(np.mean(ours == val_y)),
        "ours_recorded": training["history"][-1]["validation_accuracy"],
        "sklearn": float(sklearn.score(val_x, val_y)),
        "sklearn_train": float(sklearn.score(train_x, train_y)),
        "agreement": float(np.mean(ours == sklearn.predict(val_x))),
    }))


if __name__ == "__main__":
    main()
