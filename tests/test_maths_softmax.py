"""Softmax with cross-entropy against an independent oracle: a tiny reverse-mode autograd,
written here from the chain rule alone, differentiates J for random networks; the core's
backprop gradients, its J and one update of each optimiser must agree with it to 1e-9.
The finite-difference `gradient_check` must pass on softmax networks too."""

from __future__ import annotations

import numpy as np
import pytest

from core import Config, open_session
from core.maths.activations import get as activation
from core.maths.gradcheck import gradient_check
from core.maths.losses import LOSSES
from core.maths.network import Network, init_params

# ------------------------------------------------------------------ a tiny autograd


class T:
    """A node: its value, and how to pass a gradient back to the nodes it was made from."""

    def __init__(self, value, parents=(), back=None):
        self.value = np.asarray(value, dtype=float)
        self.parents, self.back, self.grad = parents, back, None

    def __matmul__(self, o):
        return T(self.value @ o.value, (self, o),
                 lambda g: (g @ o.value.T, self.value.T @ g))

    def __add__(self, o):
        return T(self.value + o.value, (self, o), lambda g: (_unbroadcast(g, self.value),
                                                             _unbroadcast(g, o.value)))

    def __sub__(self, o):
        return T(self.value - o.value, (self, o), lambda g: (_unbroadcast(g, self.value),
                                                             -_unbroadcast(g, o.value)))

    def __mul__(self, o):
        return T(self.value * o.value, (self, o),
                 lambda g: (_unbroadcast(g * o.value, self.value),
                            _unbroadcast(g * self.value, o.value)))

    def exp(self):
        out = np.exp(self.value)
        return T(out, (self,), lambda g: (g * out,))

    def log(self):
        return T(np.log(self.value), (self,), lambda g: (g / self.value,))

    def tanh(self):
        out = np.tanh(self.value)
        return T(out, (self,), lambda g: (g * (1 - out**2),))

    def sigmoid(self):
        out = 1 / (1 + np.exp(-self.value))
        return T(out, (self,), lambda g: (g * out * (1 - out),))

    def relu(self):
        mask = (self.value > 0).astype(float)
        return T(self.value * mask, (self,), lambda g: (g * mask,))

    def sum(self, axis=None):
        shape = self.value.shape
        out = self.value.sum(axis=axis, keepdims=axis is not None)
        return T(out, (self,), lambda g: (np.broadcast_to(g, shape).copy(),))

    def backward(self):
        order, seen = [], set()

        def visit(n):
            if id(n) not in seen:
                seen.add(id(n))
                for p in n.parents:
                    visit(p)
                order.append(n)

        visit(self)
        for n in order:
            n.grad = np.zeros_like(n.value)
        self.grad = np.ones_like(self.value)
        for n in reversed(order):
            if n.back is not None:
                for p, g in zip(n.parents, n.back(n.grad), strict=True):
                    p.grad = p.grad + g


def _unbroadcast(g, like):
    """Sum a gradient over the axes broadcasting stretched (a bias row added to every row)."""
    while g.ndim > like.ndim:
        g = g.sum(axis=0)
    for axis, n in enumerate(like.shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def oracle(Ws, bs, X, y, hidden: str):
    """J = (1/N)·Σₙ −Σₖ yₙₖ·log softmax(z)ₙₖ and its gradient for every W and b."""
    Wt, bt = [T(W) for W in Ws], [T(b) for b in bs]
    A = T(X)
    for layer, (W, b) in enumerate(zip(Wt, bt, strict=True)):
        Z = A @ W + b
        A = Z if layer == len(Wt) - 1 else getattr(Z, hidden)() if hidden != "linear" else Z
    # log softmax with each row's largest logit taken out as a constant (no gradient: the
    # softmax does not change when a row is shifted)
    shift = T(A.value.max(axis=1, keepdims=True))
    Zs = A - shift
    log_p = Zs - Zs.exp().sum(axis=1).log()
    J = (T(y) * log_p).sum() * T(-1.0 / X.shape[0])
    J.backward()
    return float(J.value), [W.grad for W in Wt], [b.grad for b in bt]


# ------------------------------------------------------------------ the comparisons

def random_case(seed: int, sizes: tuple[int, ...], hidden: str):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    X = rng.normal(0, 1.5, (n, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    net = Network(sizes, activation(hidden), activation("softmax"),
                  init_params(sizes, "xavier", rng) * rng.uniform(0.5, 3.0))
    return net, X, y


CASES = [(seed, sizes, hidden) for seed, (sizes, hidden) in enumerate([
    ((2, 3), "linear"), ((2, 4, 3), "tanh"), ((3, 5, 4, 5), "sigmoid"), ((4, 6, 2), "relu"),
    ((1, 2, 3), "tanh"), ((5, 8, 8, 10), "relu"), ((2, 3, 3), "linear"), ((3, 7, 4), "sigmoid"),
])]


@pytest.mark.parametrize("seed,sizes,hidden", CASES)
def test_gradients_and_J_match_the_autograd_oracle(seed, sizes, hidden):
    net, X, y = random_case(seed, sizes, hidden)
    ce = LOSSES["ce"]
    Zs, As = net.forward(X)
    grad = np.empty_like(net.flat)
    net.backward(X, Zs, As, ce.delta(As[-1], y, Zs[-1], net.output), grad,
                 np.ones((1, X.shape[0])))
    J, dW, db = oracle(net.W, net.b, X, y, hidden)
    loss, objective = ce.value(As[-1], y, Zs[-1])
    assert objective == pytest.approx(J, rel=1e-12, abs=1e-12) and loss == objective
    np.testing.assert_allclose(As[-1].sum(axis=1), 1.0, rtol=1e-12)
    want = np.concatenate([np.r_[w.ravel(), b.ravel()] for w, b in zip(dW, db, strict=True)])
    np.testing.assert_allclose(grad, want, rtol=1e-9, atol=1e-12)


def test_ce_stays_finite_on_confident_wrong_answers():
    z = np.array([[800.0, -800.0, 0.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    yhat = activation("softmax").f(z)
    assert np.isfinite(yhat).all()
    assert LOSSES["ce"].value(yhat, y, z)[1] == pytest.approx(1600.0)


def test_each_row_is_shifted_by_its_own_largest_logit():
    """Two rows 2000 apart: shifted by the batch's largest logit, the second row's exps all
    underflow to 0 (softmax 0/0, CE log 0). Each row shifted by its own is, by hand, with
    S = 1 + e⁻¹ + e⁻²:
        row 0, z = (1000, 999, 998):   ŷ = (1, e⁻¹, e⁻²)/S,  target 2: −log ŷ₂ = 2 + log S
        row 1, z = (−1000, −998, −999): ŷ = (e⁻², 1, e⁻¹)/S, target 2: −log ŷ₂ = 1 + log S
    so J = (3 + 2·log S)/2, and delta = ŷ − y."""
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -998.0, -999.0]])
    y = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    e1, e2 = np.exp(-1.0), np.exp(-2.0)
    S = 1.0 + e1 + e2
    want = np.array([[1.0, e1, e2], [e2, 1.0, e1]]) / S
    softmax = activation("softmax")
    yhat = softmax.f(z)
    np.testing.assert_allclose(yhat, want, rtol=1e-14, atol=0)
    loss, objective = LOSSES["ce"].value(yhat, y, z)
    assert objective == pytest.approx((3.0 + 2.0 * np.log(S)) / 2, rel=1e-14)
    assert loss == objective
    delta = LOSSES["ce"].delta(yhat, y, z, softmax)
    np.testing.assert_allclose(delta, want - y, rtol=1e-14, atol=1e-16)


def test_far_apart_rows_through_a_network():
    """The same through a network: a linear 1-3 softmax layer, W = (1000, 999, 998), b = 0,
    on x = 1 and x = −1. By hand, with S as above: row 0's z = (1000, 999, 998), target 0,
    costs log S; row 1's z = (−1000, −999, −998), target 1, costs 1 + log S. The gradient is
    finite too."""
    net = Network((1, 3), activation("linear"), activation("softmax"),
                  np.array([1000.0, 999.0, 998.0, 0.0, 0.0, 0.0]))
    X = np.array([[1.0], [-1.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    ce = LOSSES["ce"]
    Zs, As = net.forward(X)
    grad = np.empty_like(net.flat)
    net.backward(X, Zs, As, ce.delta(As[-1], y, Zs[-1], net.output), grad, np.ones((1, 2)))
    log_S = np.log(1.0 + np.exp(-1.0) + np.exp(-2.0))
    assert ce.value(As[-1], y, Zs[-1])[1] == pytest.approx((1.0 + 2.0 * log_S) / 2, rel=1e-14)
    assert np.isfinite(grad).all() and np.isfinite(As[-1]).all()


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_one_update_matches_the_oracle(optimizer):
    """A session's first update on spiral3 is what the oracle's gradient, put through the
    optimiser's textbook rule, gives."""
    s = open_session(Config(data="spiral3", seed=5, hidden=(6,), optimizer=optimizer,
                            lr=0.05))
    before = [W.copy() for W in s.net.W], [b.copy() for b in s.net.b]
    ds = s.dataset
    _, dW, db = oracle(*before, ds.X, ds.y, "tanh")
    g = np.concatenate([np.r_[w.ravel(), b.ravel()] for w, b in zip(dW, db, strict=True)])
    start = np.concatenate([np.r_[w.ravel(), b.ravel()] for w, b in zip(*before, strict=True)])
    s.step()
    # gd and momentum's first step (v = g) move by lr·g; adam's first (m̂ = g, v̂ = g²) by
    # lr·g/(|g| + ε)
    step = g / (np.abs(g) + 1e-8) if optimizer == "adam" else g
    want = start - 0.05 * step
    np.testing.assert_allclose(s.net.flat, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed,sizes,hidden", CASES[1:5])
def test_gradient_check_passes_on_softmax_networks(seed, sizes, hidden):
    net, X, y = random_case(seed, sizes, hidden)
    if hidden == "relu":  # finite differences straddling a kink are not a derivative
        Zs, _ = net.forward(X)
        if any(np.abs(Z).min() < 1e-2 for Z in Zs[:-1]):
            pytest.skip("a relu unit sits on its kink")
    assert gradient_check(net, X, y, LOSSES["ce"]).ok


def test_gradient_check_on_a_live_softmax_session():
    from core import check_session

    s = open_session(Config(data="spiral3", seed=2, l2=0.01))
    s.run(5)
    assert check_session(s).ok


def test_undo_and_replay_are_exact_on_softmax():
    s = open_session(Config(data="spiral3", seed=1, optimizer="adam", batch_size=50))
    s.run(2)
    s.step()
    after = s.net.flat.copy()
    assert s.undo()
    s.step()
    assert np.array_equal(s.net.flat, after)
    ev = s.evaluate()
    assert ev.confusion.sum() == 300 and np.isclose(np.trace(ev.confusion) / 300, ev.accuracy)
