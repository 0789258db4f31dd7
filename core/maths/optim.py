"""Optimisers over the flat parameter vector.

Each returns the change it applies (new − old) so a step record can show it, and keeps its
state as named arrays so a session can snapshot, undo and save it bit for bit.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import UserError

State = dict[str, np.ndarray]

MOMENTUM = 0.9
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def _gd(g: np.ndarray, lr: float, state: State) -> np.ndarray:
    return g * -lr  # θ − lr·g, written so that θ + u is bit-identical to the notebook's θ −= lr·g


def _momentum(g: np.ndarray, lr: float, state: State) -> np.ndarray:
    v = state["v"]
    v *= MOMENTUM
    v += g
    return v * -lr


def _adam(g: np.ndarray, lr: float, state: State) -> np.ndarray:
    m, v, t = state["m"], state["v"], state["t"]
    t += 1.0
    m *= BETA1
    m += (1.0 - BETA1) * g
    v *= BETA2
    v += (1.0 - BETA2) * (g * g)
    m_hat = m / (1.0 - BETA1 ** t[0])
    v_hat = v / (1.0 - BETA2 ** t[0])
    return m_hat / (np.sqrt(v_hat) + EPS) * -lr


@dataclass(frozen=True, eq=False)  # one instance per name: identity is equality
class Optimizer:
    name: str
    update: Callable[[np.ndarray, float, State], np.ndarray]
    state_names: tuple[str, ...]

    def init_state(self, n: int) -> State:
        return {k: np.zeros(1 if k == "t" else n) for k in self.state_names}


OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer("gd", _gd, ()),
    "sgd": Optimizer("sgd", _gd, ()),
    "momentum": Optimizer("momentum", _momentum, ("v",)),
    "adam": Optimizer("adam", _adam, ("m", "v", "t")),
}


def get(name: str) -> Optimizer:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise UserError(
            f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}"
        ) from None
