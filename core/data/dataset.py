"""The Dataset record: a table split into training and test rows, normalised invertibly.
NumPy only: pandas reads CSV files (core.data.csvfile, core.data.table), never a Dataset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..names import NORMALIZERS
from . import gaps

# Mixed into the seed for the data's own generator (a generated table's rows, the test
# split), so that those draws never share a stream with the weights' and the shuffles'.
SPLIT_SALT = 0xDA7A


def split_rng(seed: int) -> np.random.Generator:
    """The generator a dataset draws its rows and its test split from."""
    return np.random.default_rng([seed, SPLIT_SALT])


@dataclass(frozen=True, eq=False)  # arrays: no field-wise ==
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
        if kind == "max":  # the notebook: df[c] / df[c].max(), as the largest |value|
            scale = np.maximum(values.max(axis=0, keepdims=True),
                               -values.min(axis=0, keepdims=True))
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
        ok = np.isfinite(scale).all() and np.isfinite(offset).all()
        if ok and kind == "zscore":  # x − mean can overflow where mean and std do not;
            # max and minmax map every value into [−1, 1] once their scale is finite
            ok = np.isfinite((values - offset) / scale).all()
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


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
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
    # The column the classes were read from, when its one-hot outputs are the targets
    # (target_names are then `column=class`), else None.
    label_column: str | None = None
    # The feature cells `--missing` filled (rows × features, file order), or None.
    filled: np.ndarray | None = None
    # The network's inputs when they are crosses of two features (`--inputs`): their names,
    # and the dataset without them (X, X_test are then the crosses); None: the features.
    inputs: tuple[str, ...] | None = None
    base: Dataset | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.feature_names + self.target_names

    @property
    def input_names(self) -> tuple[str, ...]:
        """What the network's input units are called: the features, or the crosses."""
        return self.inputs or self.feature_names

    def network_inputs(self, F: np.ndarray) -> np.ndarray:
        """The network's inputs for rows of normalised features (the crosses, if any)."""
        if self.inputs is None:
            return F
        from .crosses import expand

        return expand(F, self.inputs)

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

    @property
    def has_test(self) -> bool:
        """Whether some rows are held out as a test set."""
        return self.test_rows.size > 0

    @property
    def uses_seed(self) -> bool:
        """Whether the seed decides any of this data: a generated table's rows, or which rows
        the test share holds out."""
        return self.seeded or self.has_test

    def to_original(self, y_norm: np.ndarray) -> np.ndarray:
        """Predictions back in the targets' own units (a score of 64.8, not 0.762)."""
        return self.y_norm.invert(y_norm)


def build(name: str, features: np.ndarray, targets: np.ndarray, feature_names, target_names,
          normalize: str, test_fraction: float, rng: np.random.Generator | None,
          task: str = "regression", classes: tuple[str, ...] | None = None,
          notices: tuple[str, ...] = (), seeded: bool = False,
          label_column: str | None = None, raw: np.ndarray | None = None,
          fill: str | None = None, sources: tuple[str, ...] | None = None) -> Dataset:
    """Split off a seeded test share, fill the features' gaps (`fill`: mean, median or zero,
    over the training rows), fit the normalisers on the training rows, apply them. `raw`,
    when given, is features and targets side by side already (saves a copy)."""
    n = features.shape[0]
    train_rows, test_rows = _split(n, test_fraction, rng)
    filled = None
    if fill is not None:
        features, filled, filled_notice = gaps.fill(features, train_rows, fill,
                                                    tuple(feature_names), sources)
        if filled is not None:
            raw, notices = None, (*notices, *filled_notice)
    if normalize in ("minmax", "zscore") and train_rows.size < 2:
        raise UserError(f"--normalize {normalize} needs at least 2 training rows to measure a "
                        f"spread (there is {train_rows.size}); use --normalize max or none",
                        field="normalize")
    whole = train_rows.size == n  # no copies of a big table just to select every row
    f_train = features if whole else features[train_rows]
    t_train = targets if whole else targets[train_rows]
    x_norm = Normalizer.fit(normalize, f_train)
    y_kind = "none" if task == "classification" else normalize
    y_norm = Normalizer.fit(y_kind, t_train)
    if raw is None:
        raw = np.hstack([features, targets]).astype(float, copy=False)
    raw.setflags(write=False)
    return Dataset(
        name=name, feature_names=tuple(feature_names), target_names=tuple(target_names),
        raw=raw, X=x_norm.apply(f_train), y=y_norm.apply(t_train),
        X_test=x_norm.apply(features[test_rows]), y_test=y_norm.apply(targets[test_rows]),
        train_rows=train_rows, test_rows=test_rows, x_norm=x_norm, y_norm=y_norm, task=task,
        classes=_binary_classes(task, targets) if classes is None else tuple(classes),
        notices=tuple(notices), seeded=seeded, label_column=label_column, filled=filled)


def _split(n: int, test_fraction: float,
           rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, test rows), each sorted: a seeded share of the rows held out."""
    if not 0.0 <= test_fraction < 1.0:
        raise UserError("--test-fraction must be at least 0 and below 1", field="test_fraction")
    n_test = round(n * test_fraction)
    if test_fraction > 0 and (n_test == 0 or n - n_test < 1):
        raise UserError(f"--test-fraction {test_fraction:g} leaves no test or no training rows "
                        f"from {n} row{'s' * (n != 1)}", field="test_fraction")
    if not n_test:
        return np.arange(n), np.arange(0)
    assert rng is not None, "a test share is drawn from the seed's generator"
    order = rng.permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _binary_classes(task: str, targets: np.ndarray) -> tuple[str, ...] | None:
    """A single 0/1 target column is two classes, named by their values."""
    return ("0", "1") if task == "classification" and targets.shape[1] == 1 else None
