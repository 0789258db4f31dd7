"""Losses. `loss` is what gets reported; `objective` J is what the gradients are of.

The notebook prints MSE = mean((ŷ−y)²) but its gradients (delta2 = ŷ−y, divided by N)
are those of J = (1/2N)·Σ(ŷ−y)², summed over samples and outputs. We keep both numbers
and say which is which. For bce, J = (1/N)·Σ bce and loss is the per-element mean.

`delta` returns N·∂J/∂Z_out, the notebook's `delta2`: for mse it is (ŷ−y)·f'(Z), and for
bce with a sigmoid output it collapses to ŷ−y.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .errors import UserError


@dataclass(frozen=True)
class Loss:
    name: str
    # (ŷ, y, Z_out) -> (reported loss, J without any L2 term)
    value: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, float]]
    # (ŷ, y, Z_out, output activation) -> delta of the output layer
    delta: Callable[[np.ndarray, np.ndarray, np.ndarray, Activation], np.ndarray]
    formula: str
    objective_formula: str


def _mse_value(yhat: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    e = (yhat - y).ravel()
    sq = float(np.dot(e, e))
    return sq / e.size, sq / (2 * y.shape[0])


def _mse_delta(yhat: np.ndarray, y: np.ndarray, z: np.ndarray, act: Activation) -> np.ndarray:
    e = yhat - y
    return e if act.identity else e * act.deriv(z, yhat)


def _bce_value(yhat: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    # Written on the logits z so that a confident wrong answer costs a large number, not inf.
    per = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    total = float(per.sum())
    return total / per.size, total / y.shape[0]


def _bce_delta(yhat: np.ndarray, y: np.ndarray, z: np.ndarray, act: Activation) -> np.ndarray:
    return yhat - y


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse_value, _mse_delta, "MSE = mean((ŷ−y)²)", "J = (1/2N)·Σ(ŷ−y)²"),
    "bce": Loss("bce", _bce_value, _bce_delta,
                "BCE = −mean(y·log ŷ + (1−y)·log(1−ŷ))", "J = (1/N)·Σ bce(ŷ, y)"),
}


def get(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise UserError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
