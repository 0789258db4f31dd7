"""Check backprop against the definition of a derivative: perturb each parameter by ±h and
watch J move. If the analytic gradients are right, the two agree to about 1e-9.

We use the five-point central difference (J(θ−2h) − 8J(θ−h) + 8J(θ+h) − J(θ+2h)) / 12h: still
central differences, but its error shrinks like h⁴ instead of h², so h can stay large enough
that rounding in J does not swamp small gradients.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .network import Network

H = 1e-3


@dataclass(frozen=True)
class GradCheck:
    names: tuple[str, ...]  # e.g. "W1[0,1]", "b2[0,0]"
    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: np.ndarray
    tolerance: float

    @property
    def max_rel_error(self) -> float:
        return float(self.rel_error.max()) if self.rel_error.size else 0.0

    @property
    def ok(self) -> bool:
        return self.max_rel_error <= self.tolerance


def param_names(sizes: tuple[int, ...]) -> tuple[str, ...]:
    names = []
    for k, (i, o) in enumerate(itertools.pairwise(sizes), start=1):
        names += [f"W{k}[{r},{c}]" for r in range(i) for c in range(o)]
        names += [f"b{k}[0,{c}]" for c in range(o)]
    return tuple(names)


def rel_error(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """|a − n| / max(|a|, |n|, 1e-6). Below 1e-6 the floor turns it into an absolute error:
    J is only known to ~1e-16, so a difference quotient cannot resolve smaller gradients."""
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-6)


def gradient_check(net: Network, X: np.ndarray, y: np.ndarray, loss, l2: float = 0.0,
                   h: float = H, tolerance: float = 1e-6) -> GradCheck:
    """Central differences of J per parameter, against backprop's analytic gradient."""
    flat = net.flat
    saved = flat.copy()

    def J() -> float:
        Zs, As = net.forward(X)
        value = loss.value(As[-1], y, Zs[-1])[1]
        return value + (net.l2_penalty(l2) if l2 else 0.0)

    try:
        Zs, As = net.forward(X)
        grad = np.empty_like(flat)
        net.backward(X, Zs, As, loss.delta(As[-1], y, Zs[-1], net.output), grad,
                     np.ones((1, X.shape[0])))
        if l2:
            net.add_l2_grad(grad, l2)
        numeric = np.empty_like(flat)
        for i in range(flat.size):
            at = []
            for k in (-2, -1, 1, 2):
                flat[i] = saved[i] + k * h
                at.append(J())
            flat[i] = saved[i]
            numeric[i] = (at[0] - 8 * at[1] + 8 * at[2] - at[3]) / (12 * h)
    finally:
        flat[...] = saved
    names = param_names(net.sizes)
    return GradCheck(names, grad, numeric, rel_error(grad, numeric), tolerance)
