"""Dense layers, with every parameter living in one flat buffer.

`W[l]` is (fan_in, fan_out) and `b[l]` is (1, fan_out), as in the notebook (H = X·W1 + b1).
They are views into `flat`, so an optimiser, a snapshot or a gradient check can treat the
whole network as one vector, and the training loop pays for one update op, not one per array.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..names import INITS, n_params
from .activations import Activation


def param_views(buf: np.ndarray, sizes: tuple[int, ...]) -> tuple[tuple[np.ndarray, ...], ...]:
    """Split a flat buffer into (W views, b views), layer by layer: W1, b1, W2, b2, …"""
    Ws, bs, at = [], [], 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        Ws.append(buf[at:at + fan_in * fan_out].reshape(fan_in, fan_out))
        at += fan_in * fan_out
        bs.append(buf[at:at + fan_out].reshape(1, fan_out))
        at += fan_out
    return tuple(Ws), tuple(bs)


def init_params(sizes: tuple[int, ...], scheme: str, rng: np.random.Generator) -> np.ndarray:
    """Draw a flat parameter vector. `uniform` draws W1, b1, W2, b2 … in the notebook's order."""
    flat = np.empty(n_params(sizes))
    Ws, bs = param_views(flat, sizes)
    for W, b in zip(Ws, bs, strict=True):
        fan_in, fan_out = W.shape
        if scheme == "uniform":  # the notebook's np.random.rand, from our own generator
            W[...] = rng.random(W.shape)
            b[...] = rng.random(b.shape)
        elif scheme == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            W[...] = rng.uniform(-limit, limit, W.shape)
            b[...] = 0.0
        elif scheme == "he":
            W[...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), W.shape)
            b[...] = 0.0
        else:
            raise UserError(f"unknown init {scheme!r}; choose one of {', '.join(INITS)}")
    return flat


@dataclass(eq=False)
class Network:
    sizes: tuple[int, ...]  # (inputs, hidden…, outputs)
    hidden: Activation
    output: Activation
    flat: np.ndarray

    def __post_init__(self) -> None:
        self.W, self.b = param_views(self.flat, self.sizes)

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    def activation(self, layer: int) -> Activation:
        return self.output if layer == self.depth - 1 else self.hidden

    def forward(self, X: np.ndarray, start: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Z[l] = A[l−1]·W[l] + b[l], A[l] = f(Z[l]); A[-1] is ŷ. Layer l is W(l+1) on screen.

        With `start`, X is A[start−1] and only layers start… are computed (and returned): the
        gradient check, which perturbs one layer's parameters, reuses the layers before it.
        """
        Zs, As, A = [], [], X
        for layer in range(start, self.depth):
            Z = np.dot(A, self.W[layer])
            Z += self.b[layer]
            act = self.activation(layer)
            A = Z if act.identity else act.f(Z)
            Zs.append(Z)
            As.append(A)
        return Zs, As

    def backward(self, X: np.ndarray, Zs: list[np.ndarray], As: list[np.ndarray],
                 delta_out: np.ndarray, grad: np.ndarray, ones: np.ndarray) -> list[np.ndarray]:
        """Write dW = A_prev.T·delta / N and db = Σdelta / N into `grad`; return the deltas.

        delta_l = (delta_{l+1}·W_{l+1}.T) ⊙ f'(Z_l), the notebook's `delta1 = delta2·W2.T`
        with the activation's derivative where there is one.
        """
        gW, gb = param_views(grad, self.sizes)
        deltas: list[np.ndarray] = [delta_out] * self.depth
        delta = delta_out
        for layer in range(self.depth - 1, -1, -1):
            deltas[layer] = delta
            A_prev = X if layer == 0 else As[layer - 1]
            np.dot(A_prev.T, delta, out=gW[layer])
            np.dot(ones, delta, out=gb[layer])
            if layer:
                delta = np.dot(delta, self.W[layer].T)
                if not self.hidden.identity:
                    delta *= self.hidden.deriv(Zs[layer - 1], As[layer - 1])
        grad /= X.shape[0]
        return deltas

    def l2_penalty(self, lam: float) -> float:
        return 0.5 * lam * sum(float(np.dot(W.ravel(), W.ravel())) for W in self.W)

    def add_l2_grad(self, grad: np.ndarray, lam: float) -> None:
        for gW, W in zip(param_views(grad, self.sizes)[0], self.W, strict=True):
            gW += lam * W

    def l1_penalty(self, lam: float) -> float:
        """λ·Σ|W| over the weights (biases are not penalised, as with L2)."""
        return lam * sum(float(np.abs(W).sum()) for W in self.W)

    def add_l1_grad(self, grad: np.ndarray, lam: float) -> None:
        """λ·sign(W): the slope of λ·|w|, taken as 0 at w = 0 (as torch's abs gives)."""
        for gW, W in zip(param_views(grad, self.sizes)[0], self.W, strict=True):
            gW += lam * np.sign(W)

    def penalty(self, l2: float, l1: float) -> float:
        """What the penalties add to J: (λ₂/2)·ΣW² + λ₁·Σ|W|, each only when asked for."""
        return (self.l2_penalty(l2) if l2 else 0.0) + (self.l1_penalty(l1) if l1 else 0.0)

    def add_penalty_grad(self, grad: np.ndarray, l2: float, l1: float) -> None:
        if l2:
            self.add_l2_grad(grad, l2)
        if l1:
            self.add_l1_grad(grad, l1)

    @property
    def architecture(self) -> str:
        return "-".join(map(str, self.sizes))
