"""Input crosses, as TensorFlow Playground offers them: the network's inputs may be the two
features x1 and x2 and functions of them (x1², x2², x1·x2, sin x1, sin x2), computed from
the normalised features (`--inputs x1,x2,x1^2,x2^2`).

The lesson they teach: with x1² and x2² among its inputs, a network with no hidden layer
(logistic regression) separates the circle, which x1 and x2 alone cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError
from ..names import INPUTS

if TYPE_CHECKING:  # the dataset module asks this one for its crosses
    from .dataset import Dataset

# Each input's column, from the two normalised features: written as the code export writes
# it, so that a program computes the same bits.
COLUMNS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda F: F[:, 0],
    "x2": lambda F: F[:, 1],
    "x1^2": lambda F: F[:, 0] * F[:, 0],
    "x2^2": lambda F: F[:, 1] * F[:, 1],
    "x1*x2": lambda F: F[:, 0] * F[:, 1],
    "sin(x1)": lambda F: np.sin(F[:, 0]),
    "sin(x2)": lambda F: np.sin(F[:, 1]),
}
assert tuple(COLUMNS) == INPUTS
PLAIN = ("x1", "x2")  # the features themselves: no crosses


def expand(F: np.ndarray, inputs: tuple[str, ...]) -> np.ndarray:
    """The network's inputs, one column per name, from the normalised features F (N × 2)."""
    return np.column_stack([COLUMNS[name](F) for name in inputs]) if F.shape[0] else \
        np.empty((0, len(inputs)))


def with_inputs(ds: Dataset, inputs: tuple[str, ...] | None) -> Dataset:
    """`ds` whose network inputs are `inputs` (None or x1,x2: the features as they are).
    Crosses need exactly two feature columns."""
    base = ds.base or ds
    if inputs is None or tuple(inputs) == PLAIN:
        return base
    n = len(base.feature_names)
    if n != 2:
        shown = ", ".join(base.feature_names[:6]) + (", …" if n > 6 else "")
        raise UserError(f"--inputs {','.join(inputs)}: crosses of x1 and x2 need data with two "
                        f"feature columns; {base.name} has {n} ({shown})", field="inputs")
    return replace(base, X=expand(base.X, inputs), X_test=expand(base.X_test, inputs),
                   inputs=tuple(inputs), base=base)
