"""The optimisers' updates past their first step, against oracles written out by hand.

At step 1 Adam's bias correction makes m̂ = g and v̂ = g², so a slip in the correction (the
wrong power of β, β₁ where β₂ belongs, t never counted) moves nothing until step 2. These
tests go several steps: Adam's first three on one number worked out as fractions, then
the textbook rule in plain Python floats over many steps of changing gradients, then a
session's own training against that rule with gradients from an independent autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import Config, open_session
from core.maths.optim import OPTIMIZERS

from .test_maths_softmax import oracle

B1, B2, EPS = 0.9, 0.999, 1e-8


def updates(name: str, grads: list[list[float]], lr: float) -> list[np.ndarray]:
    """The changes the core's optimiser applies for this sequence of gradients."""
    opt = OPTIMIZERS[name]
    state = opt.init_state(len(grads[0]))
    return [opt.update(np.array(g, dtype=float), lr, state) for g in grads]


def test_adams_first_three_steps_on_one_number_by_hand():
    """g = 1, then 0.5, then −2, lr = 0.1:
      t=1: m = 0.1,          v = 0.001;                 m̂ = 0.1/0.1 = 1,  v̂ = 0.001/0.001 = 1
      t=2: m = 0.09 + 0.05 = 0.14,  v = 0.000999 + 0.00025 = 0.001249
           m̂ = 0.14/(1 − 0.81) = 0.14/0.19,  v̂ = 0.001249/(1 − 0.998001) = 0.001249/0.001999
      t=3: m = 0.126 − 0.2 = −0.074,  v = 0.001247751 + 0.004 = 0.005247751
           m̂ = −0.074/(1 − 0.729) = −0.074/0.271,  v̂ = 0.005247751/(1 − 0.997002999)
    and each step is −lr·m̂/(√v̂ + ε): −0.1, −0.1·0.736842/0.790451 and
    −0.1·(−0.273063)/1.323254."""
    m_hat = [1.0, 0.14 / 0.19, -0.074 / 0.271]
    v_hat = [1.0, 0.001249 / 0.001999, 0.005247751 / 0.002997001]
    want = [-0.1 * m / (math.sqrt(v) + EPS) for m, v in zip(m_hat, v_hat, strict=True)]
    got = [float(u[0]) for u in updates("adam", [[1.0], [0.5], [-2.0]], 0.1)]
    assert got == pytest.approx(want, rel=1e-12)
    # the figures themselves, so a slip in the fractions above would show
    assert got == pytest.approx([-0.1, -0.0932180, 0.0206357], rel=1e-6)


def adam_by_hand(grads: list[list[float]], lr: float) -> list[list[float]]:
    """Kingma and Ba's Algorithm 1, one number at a time in Python floats."""
    n = len(grads[0])
    m, v, out = [0.0] * n, [0.0] * n, []
    for t, g in enumerate(grads, start=1):
        step = []
        for i in range(n):
            m[i] = B1 * m[i] + (1 - B1) * g[i]
            v[i] = B2 * v[i] + (1 - B2) * g[i] ** 2
            m_hat = m[i] / (1 - B1**t)
            v_hat = v[i] / (1 - B2**t)
            step.append(-lr * m_hat / (math.sqrt(v_hat) + EPS))
        out.append(step)
    return out


def momentum_by_hand(grads: list[list[float]], lr: float) -> list[list[float]]:
    """v ← 0.9·v + g; θ changes by −lr·v."""
    v, out = [0.0] * len(grads[0]), []
    for g in grads:
        v = [0.9 * vi + gi for vi, gi in zip(v, g, strict=True)]
        out.append([-lr * vi for vi in v])
    return out


GRADS = [[0.3, -1e-4, 2.0, 0.0], [0.1, -3e-4, -1.0, 1e-6], [-0.4, 5e-4, 0.5, 0.0],
         [0.2, -1e-4, 3.0, -2e-6], [0.0, 2e-4, -0.25, 1e-6], [1.5, 1e-4, 0.1, 0.0],
         [-0.7, -6e-4, 0.8, 3e-6], [0.05, 1e-4, -2.5, 0.0]]


@pytest.mark.parametrize("name,by_hand", [("adam", adam_by_hand),
                                          ("momentum", momentum_by_hand)])
def test_eight_steps_of_changing_gradients_follow_the_textbook_rule(name, by_hand):
    """Gradients that change size and sign, some tiny, one entry often exactly 0."""
    got = updates(name, GRADS, 0.01)
    want = by_hand(GRADS, 0.01)
    for t, (u, w) in enumerate(zip(got, want, strict=True), start=1):
        np.testing.assert_allclose(u, w, rtol=1e-12, atol=1e-18, err_msg=f"step {t}")


def test_adam_counts_its_steps_in_its_state():
    opt = OPTIMIZERS["adam"]
    state = opt.init_state(2)
    for _ in range(5):
        opt.update(np.array([0.1, -0.2]), 0.01, state)
    assert state["t"].tolist() == [5.0]


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_sessions_first_five_updates_follow_the_textbook_rule(optimizer):
    """spiral3, full batch: each step's gradient from the autograd oracle in
    test_maths_softmax (not the core's backprop), put through the rule written out above."""
    s = open_session(Config(data="spiral3", seed=5, hidden=(6,), optimizer=optimizer,
                            lr=0.05))
    ds = s.dataset
    theta = s.net.flat.copy()
    grads: list[list[float]] = []
    by_hand = adam_by_hand if optimizer == "adam" else momentum_by_hand
    for t in range(1, 6):
        _, dW, db = oracle(s.net.W, s.net.b, ds.X, ds.y, "tanh")
        grads.append(np.concatenate([np.r_[w.ravel(), b.ravel()]
                                     for w, b in zip(dW, db, strict=True)]).tolist())
        theta = theta + np.array(by_hand(grads, 0.05)[-1])
        s.step()
        np.testing.assert_allclose(s.net.flat, theta, rtol=1e-9, atol=1e-12,
                                   err_msg=f"step {t}")
