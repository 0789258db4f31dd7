"""Losses. `loss` is what gets reported; `objective` J is what the gradients are of.

The notebook prints MSE = mean((ŷ−y)²) but its gradients (delta2 = ŷ−y, divided by N)
are those of J = (1/2N)·Σ(ŷ−y)², summed over samples and outputs. We keep both numbers
and say which is which. For bce, J = (1/N)·Σ bce and loss is the per-element mean. For ce,
J = (1/N)·Σₙ −Σₖ yₙₖ·log ŷₙₖ, and the reported loss is that same number.

`delta` returns N·∂J/∂Z_out, the notebook's `delta2`: for mse it is (ŷ−y)·f'(Z); for bce with
a sigmoid output and for ce with a softmax output it collapses to ŷ−y (`delta_note` says why).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from .activations import Activation


@dataclass(frozen=True, eq=False)  # one instance per name: identity is equality
class Loss:
    name: str
    # (ŷ, y, Z_out) -> (reported loss, J without any L2 term)
    value: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, float]]
    # (ŷ, y, Z_out, output activation) -> delta of the output layer
    delta: Callable[[np.ndarray, np.ndarray, np.ndarray, Activation], np.ndarray]
    formula: str
    objective_formula: str
    delta_formula: str = "delta{k} = ŷ − y"  # the output layer's delta, as the phase walk
    # writes it (before any activation slope)
    delta_note: str = ""  # why the output delta has that form: for the phase walk and help
    output: str | None = None  # the output activation this loss needs, if any


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


def _difference_delta(yhat: np.ndarray, y: np.ndarray, z: np.ndarray,
                      act: Activation) -> np.ndarray:
    return yhat - y


def _ce_value(yhat: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    # log ŷₖ = zₖ − logsumexp(z), with the row's largest logit taken out first: a confident
    # wrong answer costs a large finite number instead of log 0.
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    total = float((y * (lse - z)).sum())
    J = total / y.shape[0]
    return J, J


MSE_NOTE = ("delta = (ŷ − y)·f'(Z): the derivative of ½(ŷ − y)² is (ŷ − y), and the chain "
            "rule multiplies it by the output activation's slope (1 for linear).")
BCE_NOTE = ("delta = ŷ − y: bce's derivative ∂/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) meets the sigmoid's "
            "slope σ'(z) = ŷ(1 − ŷ), and the two cancel.")
CE_NOTE = ("delta = ŷ − y: ce's derivative ∂/∂ŷₖ = −yₖ/ŷₖ meets the softmax Jacobian "
           "∂ŷₖ/∂zⱼ = ŷₖ(δₖⱼ − ŷⱼ); summed over k that is ŷⱼ·Σₖyₖ − yⱼ = ŷⱼ − yⱼ, since each "
           "one-hot row of y sums to 1.")

LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse_value, _mse_delta, "MSE = mean((ŷ−y)²)", "J = (1/2N)·Σ(ŷ−y)²",
                "delta{k} = ŷ − y", MSE_NOTE),
    "bce": Loss("bce", _bce_value, _difference_delta,
                "BCE = −mean(y·log ŷ + (1−y)·log(1−ŷ))", "J = (1/N)·Σ bce(ŷ, y)",
                "delta{k} = ŷ − y", BCE_NOTE, output="sigmoid"),
    "ce": Loss("ce", _ce_value, _difference_delta,
               "CE = −(1/N)·Σₙ Σₖ yₙₖ·log ŷₙₖ", "J = (1/N)·Σₙ −Σₖ yₙₖ·log ŷₙₖ",
               "delta{k} = ŷ − y", CE_NOTE, output="softmax"),
}


def get(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise UserError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
