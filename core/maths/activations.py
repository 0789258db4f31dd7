"""Activation functions and their derivatives, looked up by name.

`deriv` takes both the pre-activation Z and the activation A, because sigmoid and tanh
are cheapest written in terms of A (σ' = A(1−A), tanh' = 1−A²) and relu in terms of Z.

`kinks` lists the values of z where f' jumps (relu: 0). Between two kinks f is smooth; a z
exactly on a kink counts as the piece to its left, as relu's f' (z > 0) does. The gradient
check needs them: a finite difference whose steps move some z across a kink is not a derivative.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import UserError


@dataclass(frozen=True, eq=False)  # one instance per name: identity is equality
class Activation:
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str
    identity: bool = False  # lets the training loop skip work for `linear`
    kinks: tuple[float, ...] = ()  # ascending z values where f' jumps

    def piece(self, z: np.ndarray) -> np.ndarray:
        """Which smooth piece of f each z lies on: the number of kinks strictly below it."""
        if len(self.kinks) == 1:
            return z > self.kinks[0]
        return np.searchsorted(np.asarray(self.kinks), z, side="left")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of a large positive number overflows; split by sign so neither branch does.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z: np.ndarray) -> np.ndarray:
    # Shifting each row by its largest logit keeps exp from overflowing; the result is the same.
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _no_elementwise_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    raise TypeError("softmax mixes a row's units: its slope is a Jacobian, not elementwise; "
                    "the ce loss's delta (ŷ − y) already accounts for it")


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), "a = z", True),
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), "a = 1/(1+e^−z)"),
    "tanh": Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, "a = tanh(z)"),
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype),
                       "a = max(0, z)", kinks=(0.0,)),
}

# Output layers may also be softmax: it turns a row of logits into class probabilities, and
# only the ce loss, whose delta needs no elementwise slope, trains through it.
OUTPUT_ACTIVATIONS: dict[str, Activation] = {
    **ACTIVATIONS,
    "softmax": Activation("softmax", _softmax, _no_elementwise_slope,
                          "a = e^z / Σₖ e^zₖ (per row)"),
}


def get(name: str) -> Activation:
    try:
        return OUTPUT_ACTIVATIONS[name]
    except KeyError:
        raise UserError(
            f"unknown activation {name!r}; choose one of {', '.join(OUTPUT_ACTIVATIONS)}"
        ) from None
