"""Datasets: the notebook's four rows, generated teaching sets, and any numeric CSV.

pandas is imported only when a CSV is read or a DataFrame is asked for, so that opening
the app on a built-in dataset does not pay for it before the first frame.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import UserError
from .names import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, NORMALIZERS

NOTEBOOK = {
    "Hours_Studied": [2, 4, 6, 8],
    "Hours_Slept": [9, 8, 6, 5],
    "Final_Score": [55, 65, 75, 85],
}


@dataclass(frozen=True)
class Normalizer:
    """x_norm = (x − offset) / scale, column by column, and back again."""

    kind: str
    offset: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, kind: str, values: np.ndarray) -> Normalizer:
        with np.errstate(all="ignore"):  # overflow is checked for below, and reported
            return cls._fit(kind, values)

    @classmethod
    def _fit(cls, kind: str, values: np.ndarray) -> Normalizer:
        cols = values.shape[1]
        offset, scale = np.zeros((1, cols)), np.ones((1, cols))
        if kind == "max":  # the notebook: df[c] / df[c].max()
            scale = np.abs(values).max(axis=0, keepdims=True)
        elif kind == "minmax":
            offset = values.min(axis=0, keepdims=True)
            scale = values.max(axis=0, keepdims=True) - offset
        elif kind == "zscore":
            offset = values.mean(axis=0, keepdims=True)
            scale = values.std(axis=0, keepdims=True)
        elif kind != "none":
            raise UserError(
                f"unknown normalization {kind!r}; choose one of {', '.join(NORMALIZERS)}",
                field="normalize")
        scale = np.where(scale == 0, 1.0, scale)  # a constant column is left where it is
        ok = np.isfinite(scale).all() and np.isfinite(offset).all() and \
            np.isfinite((values - offset) / scale).all()
        if not ok:
            raise UserError(f"values too large to normalise with {kind!r} (they overflow); "
                            "rescale the data or use --normalize max", field="normalize")
        return cls(kind, offset, scale)

    def apply(self, values: np.ndarray) -> np.ndarray:
        if self.kind == "max":
            return values / self.scale  # exactly the notebook's arithmetic
        return (values - self.offset) / self.scale

    def invert(self, values: np.ndarray) -> np.ndarray:
        return values * self.scale + self.offset


@dataclass(frozen=True)
class Dataset:
    """Raw table (original units) plus the normalised arrays the network trains on."""

    name: str
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    raw: np.ndarray  # (rows, features + targets), original units, file order
    X: np.ndarray  # training rows, normalised
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_rows: np.ndarray  # indices into raw
    test_rows: np.ndarray
    x_norm: Normalizer
    y_norm: Normalizer
    task: str = "regression"  # or "classification": targets are 0/1 or one-hot, unscaled
    # The class names, in output order: one-hot columns (ce), or (0, 1) of a single 0/1
    # target (bce); None for regression and for several 0/1 targets.
    classes: tuple[str, ...] | None = None
    # What loading decided on the user's behalf (a dropped index column, one-hot encoding),
    # one line each, for a front end to show: stderr for `train`, the status line in the TUI.
    notices: tuple[str, ...] = ()
    seeded: bool = False  # the table itself is drawn from the seed (a generated dataset)
    _frame: list = field(default_factory=list, repr=False, compare=False)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.feature_names + self.target_names

    @property
    def X_all(self) -> np.ndarray:
        """Every row, normalised, in file order: what the dataset pane shows."""
        return self.x_norm.apply(self.raw[:, : len(self.feature_names)])

    @property
    def y_all(self) -> np.ndarray:
        return self.y_norm.apply(self.raw[:, len(self.feature_names):])

    @property
    def targets_original(self) -> np.ndarray:
        """Every row's targets in their own units (one-hot columns for several classes)."""
        return self.raw[:, len(self.feature_names):]

    @property
    def test_mask(self) -> np.ndarray:
        """One bool per row, file order: True for the held-out test rows."""
        mask = np.zeros(self.raw.shape[0], bool)
        mask[self.test_rows] = True
        return mask

    @property
    def labels(self) -> np.ndarray | None:
        """Every row's class as an index into `classes` (file order), or None."""
        if self.classes is None:
            return None
        t = self.targets_original
        return np.argmax(t, axis=1) if t.shape[1] > 1 else (t[:, 0] > 0.5).astype(np.intp)

    def to_original(self, y_norm: np.ndarray) -> np.ndarray:
        """Predictions back in the targets' own units (a score of 64.8, not 0.762)."""
        return self.y_norm.invert(y_norm)

    def frame(self):
        """The raw table as a pandas DataFrame, built on first use."""
        if not self._frame:
            import pandas as pd

            self._frame.append(pd.DataFrame(self.raw, columns=list(self.columns)))
        return self._frame[0]


def build(name: str, features: np.ndarray, targets: np.ndarray, feature_names, target_names,
          normalize: str, test_fraction: float, rng: np.random.Generator,
          task: str = "regression", classes: tuple[str, ...] | None = None,
          notices: tuple[str, ...] = (), seeded: bool = False) -> Dataset:
    """Split off a seeded test share, fit the normalisers on the training rows, apply them."""
    n = features.shape[0]
    if not 0.0 <= test_fraction < 1.0:
        raise UserError("--test-fraction must be at least 0 and below 1", field="test_fraction")
    n_test = round(n * test_fraction)
    if test_fraction > 0 and (n_test == 0 or n - n_test < 1):
        raise UserError(f"--test-fraction {test_fraction:g} leaves no test or no training rows "
                        f"from {n} rows", field="test_fraction")
    order = rng.permutation(n) if n_test else np.arange(n)
    test_rows, train_rows = np.sort(order[:n_test]), np.sort(order[n_test:])
    x_norm = Normalizer.fit(normalize, features[train_rows])
    y_kind = "none" if task == "classification" else normalize
    y_norm = Normalizer.fit(y_kind, targets[train_rows])
    raw = np.hstack([features, targets]).astype(float)
    for arr in (raw,):
        arr.setflags(write=False)
    return Dataset(
        name=name, feature_names=tuple(feature_names), target_names=tuple(target_names),
        raw=raw, X=x_norm.apply(features[train_rows]), y=y_norm.apply(targets[train_rows]),
        X_test=x_norm.apply(features[test_rows]), y_test=y_norm.apply(targets[test_rows]),
        train_rows=train_rows, test_rows=test_rows, x_norm=x_norm, y_norm=y_norm, task=task,
        classes=_binary_classes(task, targets) if classes is None else tuple(classes),
        notices=tuple(notices), seeded=seeded)


def _binary_classes(task: str, targets: np.ndarray) -> tuple[str, ...] | None:
    """A single 0/1 target column is two classes, named by their values."""
    return ("0", "1") if task == "classification" and targets.shape[1] == 1 else None


# ---------------------------------------------------------------- built-in datasets

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


BUILTIN = {
    "notebook": _notebook, "xor": _xor, "circle": _circle,
    "gauss": _gauss, "spiral": _spiral, "sine": _sine,
}
FIXED = ("notebook", "xor")  # built-in tables that draw nothing from the seed
BUILTIN_ROWS = {"circle": 200, "gauss": 200, "spiral": 200, "sine": 60}


def builtin(name: str, seed: int, noise: float, normalize: str, test_fraction: float,
            rows: int | None = None) -> Dataset:
    """A built-in dataset; generated ones are drawn from `seed`, so the same seed, same data."""
    rng = np.random.default_rng([seed, 0xDA7A])
    f, t, fnames, tnames, task = BUILTIN[name](rng, noise, rows or BUILTIN_ROWS.get(name, 4))
    return build(name, f, t, fnames, tnames, normalize, test_fraction, rng, task,
                 seeded=name not in FIXED)


# ---------------------------------------------------------------- CSV files

def _read_header(path: str) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), [])
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as exc:  # e.g. a header field over csv.field_size_limit()
        raise UserError(f"{path}: not a valid CSV header ({exc})", field="data") from None


def load_csv(path: str, targets: tuple[str, ...] | None, normalize: str,
             test_fraction: float, seed: int) -> Dataset:
    """Read a numeric CSV with pandas; every way it can be wrong is a one-line UserError."""
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file", field="data")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory, not a CSV file", field="data")
    size = os.path.getsize(path)
    if size == 0:
        raise UserError(f"{path}: the file is empty", field="data")
    if size > MAX_FILE_BYTES:
        raise UserError(f"{path}: {size / 2**20:.0f} MiB is over the "
                        f"{MAX_FILE_BYTES // 2**20} MiB limit", field="data")
    header = _read_header(path)
    if not any(h.strip() for h in header):
        raise UserError(f"{path}: no header row with column names", field="data")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UserError(f"{path}: duplicate column name {dupes[0]!r}", field="data")
    if len(header) > MAX_COLUMNS:
        raise UserError(f"{path}: {len(header)} columns is over the {MAX_COLUMNS} limit",
                        field="data")
    df = _read_frame(path)
    return from_frame(os.path.basename(path), df, targets, normalize, test_fraction, seed)


def _read_frame(path: str):
    import pandas as pd

    try:
        with warnings.catch_warnings():
            # rows longer than the header would otherwise be trimmed (or shift into an index)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(path, encoding="utf-8", skipinitialspace=True,
                               nrows=MAX_ROWS + 1, index_col=False)
    except pd.errors.ParserWarning:
        raise UserError(f"{path}: some rows have more fields than the header has column names",
                        field="data") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file", field="data") from None
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: the file has no columns", field="data") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise UserError(f"{path}: not a valid CSV ({first})", field="data") from None


def from_frame(name: str, df, targets: tuple[str, ...] | None, normalize: str,
               test_fraction: float, seed: int) -> Dataset:
    """Validate a DataFrame (numeric, finite, enough rows) and turn it into a Dataset."""
    import pandas as pd

    cols = [str(c) for c in df.columns]
    if len(df) > MAX_ROWS:
        raise UserError(f"{name}: more than {MAX_ROWS:,} rows; use a sample", field="data")
    if len(df) < 2:
        raise UserError(f"{name}: needs at least 2 data rows, found {len(df)}", field="data")
    if len(cols) < 2:
        raise UserError(f"{name}: needs at least 2 columns (features and a target)",
                        field="data")
    tnames = tuple(targets) if targets else (cols[-1],)
    for t in tnames:
        if t not in cols:
            raise UserError(f"{name}: no column {t!r} to use as target; columns are "
                            f"{', '.join(cols)}", field="targets")
    fnames = tuple(c for c in cols if c not in tnames)
    if not fnames:
        raise UserError(f"{name}: every column is a target; leave at least one feature",
                        field="targets")
    for c in cols:
        col = df[c] if c in df.columns else df[df.columns[cols.index(c)]]
        numeric = pd.to_numeric(col, errors="coerce")
        bad = numeric.isna() & col.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise UserError(f"{name}: column {c!r} has a non-numeric value {col.iloc[row]!r} "
                            f"in data row {row + 1}", field="data")
        values = numeric.to_numpy(dtype=float)
        missing = ~np.isfinite(values)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            what = "an empty or NaN" if np.isnan(values[row]) else "an infinite"
            raise UserError(f"{name}: column {c!r} has {what} value in data row {row + 1}",
                            field="data")
    table = df.apply(pd.to_numeric).to_numpy(dtype=float)
    index = {c: i for i, c in enumerate(cols)}
    f = table[:, [index[c] for c in fnames]]
    t = table[:, [index[c] for c in tnames]]
    rng = np.random.default_rng([seed, 0xDA7A])
    task = "classification" if np.isin(t, (0.0, 1.0)).all() and len(np.unique(t)) == 2 \
        else "regression"
    return build(name, f, t, fnames, tnames, normalize, test_fraction, rng, task)
