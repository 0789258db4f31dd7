"""The built-in datasets: the notebook's four rows and the generated teaching sets."""

from __future__ import annotations

import math

import numpy as np

from .dataset import Dataset, build, split_rng

NOTEBOOK = {
    "Hours_Studied": [2, 4, 6, 8],
    "Hours_Slept": [9, 8, 6, 5],
    "Final_Score": [55, 65, 75, 85],
}


def _notebook(rng, noise, rows):
    f = np.array([NOTEBOOK["Hours_Studied"], NOTEBOOK["Hours_Slept"]], float).T
    t = np.array(NOTEBOOK["Final_Score"], float).reshape(-1, 1)
    return f, t, ("Hours_Studied", "Hours_Slept"), ("Final_Score",), "regression"


def _xor(rng, noise, rows):
    f = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    t = np.array([[0], [1], [1], [0]], float)
    return f, t, ("x1", "x2"), ("xor",), "classification"


def _circle(rng, noise, rows):
    half = rows // 2
    r = np.concatenate([rng.uniform(0, 0.5, half), rng.uniform(0.7, 1.0, rows - half)])
    a = rng.uniform(0, 2 * math.pi, rows)
    f = np.c_[r * np.cos(a), r * np.sin(a)] + rng.normal(0, noise, (rows, 2))
    t = (np.arange(rows) < half).astype(float).reshape(-1, 1)  # inside the circle → 1
    return f, t, ("x1", "x2"), ("inside",), "classification"


def _gauss(rng, noise, rows):
    half = rows // 2
    spread = 0.1 + noise
    f = np.r_[rng.normal(0.5, spread, (half, 2)), rng.normal(-0.5, spread, (rows - half, 2))]
    t = (np.arange(rows) < half).astype(float).reshape(-1, 1)
    return f, t, ("x1", "x2"), ("class",), "classification"


def _spiral(rng, noise, rows):
    half = rows // 2
    parts = []
    for arm, count in ((0, half), (1, rows - half)):
        s = np.linspace(0.05, 1.0, count)
        a = 1.75 * s * 2 * math.pi + arm * math.pi
        parts.append(np.c_[s * np.sin(a), s * np.cos(a)])
    f = np.vstack(parts) + rng.normal(0, noise, (rows, 2))
    t = (np.arange(rows) < half).astype(float).reshape(-1, 1)
    return f, t, ("x1", "x2"), ("arm",), "classification"


def _sine(rng, noise, rows):
    x = np.sort(rng.uniform(-1.0, 1.0, rows))
    t = np.sin(math.pi * x) + rng.normal(0, noise, rows)
    return x.reshape(-1, 1), t.reshape(-1, 1), ("x",), ("sin(πx)",), "regression"


def _spiral3(rng, noise, rows):
    """The three-armed spiral of the CS231n softmax tutorial: per arm j, radius r from 0 to 1
    and angle t from 4j to 4(j+1) plus Gaussian noise, X = (r·sin t, r·cos t)."""
    per = rows // 3
    parts, labels = [], []
    for j in range(3):
        r = np.linspace(0.0, 1.0, per)
        t = np.linspace(j * 4, (j + 1) * 4, per) + rng.standard_normal(per) * noise
        parts.append(np.c_[r * np.sin(t), r * np.cos(t)])
        labels.append(np.full(per, j))
    return np.vstack(parts), np.concatenate(labels).reshape(-1, 1), ("x1", "x2"), ("arm",), \
        "classes"


BUILTIN = {
    "notebook": _notebook, "xor": _xor, "circle": _circle,
    "gauss": _gauss, "spiral": _spiral, "sine": _sine, "spiral3": _spiral3,
}
FIXED = ("notebook", "xor")  # built-in tables that draw nothing from the seed
BUILTIN_ROWS = {"circle": 200, "gauss": 200, "spiral": 200, "sine": 60, "spiral3": 300}


def builtin(name: str, seed: int, noise: float, normalize: str, test_fraction: float,
            rows: int | None = None) -> Dataset:
    """A built-in dataset; generated ones are drawn from `seed`, so the same seed, same data.
    A multi-class one (spiral3) has one-hot targets, one output per class."""
    # a fixed table with no test share draws nothing: it needs no generator (nor numpy.random)
    rng = None if name in FIXED and not test_fraction else split_rng(seed)
    f, t, fnames, tnames, task = BUILTIN[name](rng, noise, rows or BUILTIN_ROWS.get(name, 4))
    classes = label = None
    if task == "classes":
        k = int(t.max()) + 1
        classes = tuple(str(j) for j in range(k))
        label, t = tnames[0], np.eye(k)[t[:, 0].astype(int)]
        tnames, task = tuple(f"{label}={c}" for c in classes), "classification"
    return build(name, f, t, fnames, tnames, normalize, test_fraction, rng, task, classes,
                 seeded=name not in FIXED, label_column=label)
