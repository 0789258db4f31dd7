"""The L1 penalty `--l1 λ`: λ·Σ|W| on the weights only, added to J, with the slope λ·sign(W)
(0 at 0, as torch's `abs` gives). The oracle is torch: autograd differentiates the same J
(plus L2 where asked) and torch.optim takes the steps; parameters and J must agree to 1e-9.
Under CI a missing torch fails these tests; elsewhere they skip."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from core import Config, open_session
from core.maths.gradcheck import gradient_check
from core.maths.network import param_views

from .conftest import fail_or_skip


def _torch():
    if importlib.util.find_spec("torch") is None:
        fail_or_skip("torch is not installed (.venv/bin/pip install torch==2.13.0)")
    import torch

    return torch


def torch_run(session, epochs: int):
    """The session's J, differentiated by autograd and stepped by torch.optim from the
    session's starting parameters, full batch: (parameters flat, J per epoch)."""
    torch = _torch()
    cfg, ds = session.config, session.dataset
    Ws, bs = param_views(session.params().copy(), session.sizes)
    weights = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in Ws]
    biases = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in bs]
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]
    X = torch.tensor(ds.X, dtype=torch.float64)
    y = torch.tensor(ds.y, dtype=torch.float64)
    acts = {"linear": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "relu": torch.relu}
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=cfg.lr, betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.SGD(params, lr=cfg.lr, momentum=0.9 if cfg.optimizer == "momentum"
                              else 0.0, dampening=0.0)
    sched = _scheduler(torch, opt, session)
    Js = []
    n = X.shape[0]
    for _ in range(epochs):
        opt.zero_grad()
        A = X
        for k, (W, b) in enumerate(zip(weights, biases, strict=True)):
            Z = A @ W + b
            last = k == len(weights) - 1
            A = Z if last else acts[cfg.activation](Z)
        if cfg.loss == "mse":
            J = ((acts[cfg.output_activation](A) - y) ** 2).sum() / (2 * n)
        else:  # bce on the logits
            J = torch.nn.functional.binary_cross_entropy_with_logits(A, y, reduction="sum") / n
        if cfg.l2:
            J = J + cfg.l2 / 2 * sum((W * W).sum() for W in weights)
        if cfg.l1:
            J = J + cfg.l1 * sum(W.abs().sum() for W in weights)
        J.backward()
        Js.append(float(J.detach()))
        opt.step()
        if sched is not None:
            sched.step()
    flat = np.concatenate([p.detach().numpy().ravel() for p in params])
    return flat, np.array(Js)


def _scheduler(torch, opt, session):
    s = session.schedule
    if s is None:
        return None
    lr = torch.optim.lr_scheduler
    if s.kind == "step":
        return lr.StepLR(opt, s.every, s.gamma)
    if s.kind == "exp":
        return lr.ExponentialLR(opt, s.gamma)
    return lr.CosineAnnealingLR(opt, s.every)


def _close(a, b, tol=1e-9):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0)))


CASES = [
    dict(data="xor", hidden=(4,), activation="tanh", lr=0.5, l1=0.01, seed=3),
    dict(data="circle", hidden=(6,), activation="relu", lr=0.3, l1=0.003, l2=0.01, seed=5),
    dict(preset="notebook", l1=0.02),
    dict(data="gauss", hidden=(3,), optimizer="momentum", lr=0.1, l1=0.05, seed=1),
    # adam's normalised steps make weights that L1 holds near 0 jump across it, where one
    # rounding can flip a sign: a shorter run keeps the comparison about arithmetic
    dict(data="xor", hidden=(4,), optimizer="adam", lr=0.05, l1=0.02, l2=0.001, seed=2,
         epochs=60),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_l1_training_matches_torch(kw):
    s = open_session(Config(**kw))
    epochs = kw.get("epochs", 200)
    want, Js = torch_run(s, epochs)
    s.run(epochs)
    assert _close(s.params(), want) < 1e-9
    assert _close(s.history.values("objective"), Js) < 1e-9


def test_l1_adds_to_j_exactly_lambda_times_the_sum_of_absolute_weights():
    plain = open_session(Config(data="xor", hidden=(4,), seed=4))
    with_l1 = open_session(Config(data="xor", hidden=(4,), seed=4, l1=0.25))
    a, b = plain.step(), with_l1.step()
    weights = sum(float(np.abs(W).sum()) for W in a.W_before)
    assert b.objective == pytest.approx(a.objective + 0.25 * weights, rel=1e-14)
    assert b.loss == a.loss  # the reported loss is the data's, without the penalty
    # the gradient differs by λ·sign(W) on the weights and not at all on the biases
    for k in range(2):
        np.testing.assert_allclose(b.dW[k] - a.dW[k], 0.25 * np.sign(a.W_before[k]),
                                   rtol=0, atol=1e-13)
        np.testing.assert_array_equal(b.db[k], a.db[k])


def test_the_slope_at_exactly_zero_is_zero():
    s = open_session(Config(data="xor", hidden=(2,), seed=1, l1=0.5))
    s.set_param(0, "W", 0, 1, 0.0)
    rec = s.preview()
    plain = open_session(Config(data="xor", hidden=(2,), seed=1))
    plain.set_param(0, "W", 0, 1, 0.0)
    assert rec.dW[0][0, 1] == plain.preview().dW[0][0, 1]


def test_the_gradient_check_passes_with_l1_and_sets_aside_weights_at_its_kink():
    s = open_session(Config(data="circle", hidden=(5,), activation="tanh", seed=2, l1=0.01,
                            l2=0.01))
    s.run(50)
    check = gradient_check(s.net, s.dataset.X, s.dataset.y, s.loss_fn, s.l2, l1=s.l1)
    assert check.ok
    # a weight within two steps of 0: its stencil crosses |w|'s kink
    s.set_param(0, "W", 1, 2, 1e-4)
    check = gradient_check(s.net, s.dataset.X, s.dataset.y, s.loss_fn, s.l2, l1=s.l1)
    i = check.names.index("W1[1,2]")
    assert check.kink_at_h[i] and "l1" in check.kinked_by and check.ok


def test_a_wrong_l1_slope_fails_the_gradient_check(monkeypatch):
    from core.maths.network import Network

    s = open_session(Config(data="xor", hidden=(3,), activation="tanh", seed=2, l1=0.05))
    s.run(20)
    right = Network.add_l1_grad
    monkeypatch.setattr(Network, "add_l1_grad",
                        lambda self, g, lam: right(self, g, lam / 2))  # half the slope
    check = gradient_check(s.net, s.dataset.X, s.dataset.y, s.loss_fn, s.l2, l1=s.l1)
    assert check.verdict == "fail"
