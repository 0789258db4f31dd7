"""Backprop's gradients are the exact gradients of J: central differences agree to 1e-6."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core import Config, check_session, open_session
from core.activations import ACTIVATIONS
from core.gradcheck import gradient_check
from core.losses import LOSSES
from core.network import Network, init_params

ACTS = sorted(ACTIVATIONS)


@st.composite
def problems(draw):
    hidden = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    act, out_act = draw(st.sampled_from(ACTS)), draw(st.sampled_from(ACTS))
    loss = draw(st.sampled_from(["mse", "bce"] if out_act == "sigmoid" else ["mse"]))
    rows = draw(st.integers(1, 12))
    batch = draw(st.integers(1, rows))
    seed = draw(st.integers(0, 2**32 - 1))
    l2 = draw(st.sampled_from([0.0, 0.01, 0.3]))
    return hidden, n_in, n_out, act, out_act, loss, rows, batch, seed, l2


def _net(sizes, act, out_act, seed):
    rng = np.random.default_rng(seed)
    flat = init_params(sizes, "xavier", rng)
    flat += rng.normal(0, 0.1, flat.size)
    return Network(sizes, ACTIVATIONS[act], ACTIVATIONS[out_act], flat), rng


@given(problems())
def test_analytic_gradients_match_central_differences(problem):
    hidden, n_in, n_out, act, out_act, loss, rows, batch, seed, l2 = problem
    sizes = (n_in, *hidden, n_out)
    net, rng = _net(sizes, act, out_act, seed)
    X = rng.uniform(-1, 1, (rows, n_in))[:batch]
    y = rng.uniform(0, 1, (rows, n_out))[:batch]
    if loss == "bce":
        y = (y > 0.5).astype(float)
    if "relu" in (act, out_act):  # a kink within h of a unit makes differences meaningless
        Zs, _ = net.forward(X)
        assume(min(np.abs(Z).min() for Z in Zs) > 0.05)
    check = gradient_check(net, X, y, LOSSES[loss], l2=l2)
    assert check.max_rel_error <= 1e-6, (check.names[int(check.rel_error.argmax())],
                                         check.max_rel_error)


def test_a_wrong_gradient_is_caught():
    """The check can fail: break backprop's output delta and it notices."""
    sizes = (2, 3, 1)
    net, rng = _net(sizes, "tanh", "linear", 1)
    X, y = rng.uniform(-1, 1, (5, 2)), rng.uniform(0, 1, (5, 1))
    wrong = LOSSES["mse"].__class__(
        "mse", LOSSES["mse"].value, lambda yhat, y, z, act: 2 * (yhat - y), "", "")
    assert not gradient_check(net, X, y, wrong).ok
    assert gradient_check(net, X, y, LOSSES["mse"]).ok


@pytest.mark.parametrize("data", ["notebook", "xor", "circle", "sine"])
def test_check_on_a_live_session(data):
    s = open_session(Config(data=data, seed=4, l2=0.01))
    s.run(3)
    result = check_session(s)
    assert result.ok and result.analytic.shape == s.net.flat.shape
    assert result.names[0] == "W1[0,0]"


@pytest.mark.parametrize("loss,out_act", [("mse", a) for a in ACTS] + [("bce", "sigmoid")])
@pytest.mark.parametrize("act", ACTS)
def test_every_loss_and_activation_combination(act, out_act, loss):
    """Not left to hypothesis's draw: each combination the config accepts, checked once."""
    sizes = (2, 3, 2, 1)
    net, rng = _net(sizes, act, out_act, 11)
    X, y = rng.uniform(-1, 1, (6, 2)), (rng.uniform(0, 1, (6, 1)) > 0.5).astype(float)
    if "relu" in (act, out_act):  # keep every unit away from relu's kink
        Zs, _ = net.forward(X)
        assert min(np.abs(Z).min() for Z in Zs) > 1e-3
    check = gradient_check(net, X, y, LOSSES[loss], l2=0.01)
    assert check.max_rel_error <= 1e-6, (act, out_act, loss, check.max_rel_error)
