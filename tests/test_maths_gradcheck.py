"""Backprop's gradients are the exact gradients of J: central differences agree to 1e-6.

And the check never blames a correct gradient: steps that cross a relu kink are measured
again smaller or set aside (checked against an independent replay of each stencil), J's
rounding and steep units do not read as disagreement, and a wrong gradient still fails.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core import Config, check_session, open_session
from core.maths.activations import ACTIVATIONS
from core.maths.gradcheck import gradient_check, rel_error
from core.maths.losses import LOSSES
from core.maths.network import Network, init_params

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


# ---------------------------------------------------------------- kinks, rounding, steep units


def _relu_flags(net, X, i, step):
    """Independently of gradient_check: does moving parameter i by ±step, ±2·step switch
    any relu unit on or off on any row? (Full forward passes on a copy of the network.)"""
    def on(flat):
        twin = Network(net.sizes, net.hidden, net.output, flat)
        Zs, _ = twin.forward(X)
        return [Z > 0 for layer, Z in enumerate(Zs) if twin.activation(layer).name == "relu"]

    centre = on(net.flat.copy())
    for k in (-2, -1, 1, 2):
        flat = net.flat.copy()
        flat[i] += k * step
        if any(not np.array_equal(a, b) for a, b in zip(on(flat), centre, strict=True)):
            return True
    return False


@given(problems())
def test_relu_networks_never_fail_and_kinks_are_flagged_exactly(problem):
    """No `assume` away from the kink: whatever the pre-activations, correct backprop never
    fails, and each entry's kink flags match an independent replay of its stencil."""
    hidden, n_in, n_out, _, out_act, loss, rows, batch, seed, l2 = problem
    sizes = (n_in, *hidden, n_out)
    net, rng = _net(sizes, "relu", out_act, seed)
    X = rng.uniform(-1, 1, (rows, n_in))[:batch]
    X[0] = 0.0  # with b1[0] = 0, unit 0's z is exactly 0 on row 0: on the kink itself
    net.b[0][0, 0] = 0.0
    y = rng.uniform(0, 1, (rows, n_out))[:batch]
    if loss == "bce":
        y = (y > 0.5).astype(float)
    check = gradient_check(net, X, y, LOSSES[loss], l2=l2)
    assert check.verdict != "fail", (check.names[int(np.nanargmax(check.rel_error))],
                                     check.max_rel_error)
    tried = [check.h / 2**k for k in range(6)]
    for i in range(len(check.names)):
        assert check.kink_at_h[i] == _relu_flags(net, X, i, check.h)
        if check.kink[i]:  # every step tried crossed a kink
            assert all(_relu_flags(net, X, i, s) for s in tried)
        else:  # the step the entry was measured with did not
            assert not _relu_flags(net, X, i, check.step[i])
    assert check.n_kink + check.n_compared == len(check.names)


def _one_relu_unit(w, b, v, c, out_act="linear"):
    """x → z = w·x + b → a = relu(z) → ŷ = out(v·a + c), on three rows."""
    net = Network((1, 1, 1), ACTIVATIONS["relu"], ACTIVATIONS[out_act],
                  np.array([w, b, v, c], dtype=float))
    X = np.array([[1.0], [2.0], [-1.0]])
    y = np.array([[0.3], [0.9], [-0.2]])
    return net, X, y


def _hand_gradient(w, b, v, c, X, y):
    """J = (1/2N)·Σ(v·relu(w·x + b) + c − y)², differentiated by hand."""
    x, t = X[:, 0], y[:, 0]
    z = w * x + b
    on = (z > 0).astype(float)
    e = v * np.maximum(z, 0) + c - t
    n = len(x)
    return np.array([np.sum(e * v * on * x), np.sum(e * v * on), np.sum(e * np.maximum(z, 0)),
                     np.sum(e)]) / n


def test_a_kink_near_the_centre_is_measured_with_a_step_that_misses_it():
    """Row 0's z is 0.0007: steps of h and h/2 (up to 2h = 0.002, 0.001) cross 0, h/4 (up to
    0.0005) does not, so w1 and b1 are measured with h/4 and compared; w2, c need no relu."""
    w, b, v, c = 0.25, -0.2493, 1.5, 0.1
    net, X, y = _one_relu_unit(w, b, v, c)
    check = gradient_check(net, X, y, LOSSES["mse"])
    assert check.ok and check.n_kink == 0 and check.n_past_kink == 2
    assert list(check.kink_at_h) == [True, True, False, False]
    assert list(check.step) == [check.h / 4, check.h / 4, check.h, check.h]
    hand = _hand_gradient(w, b, v, c, X, y)
    np.testing.assert_allclose(check.analytic, hand, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(check.numeric, hand, rtol=1e-8, atol=1e-12)


def test_a_unit_exactly_on_its_kink_is_set_aside_and_the_rest_compared():
    """z = 0 on row 0: every step of w1 or b1 switches the unit, however small; backprop's
    slope there is one side's, and no difference quotient can confirm it."""
    w, b, v, c = 0.5, -0.5, 1.5, 0.1
    net, X, y = _one_relu_unit(w, b, v, c)
    check = gradient_check(net, X, y, LOSSES["mse"])
    assert list(check.kink) == [True, True, False, False]
    assert check.verdict == "pass" and check.n_compared == 2 and check.kinked_by == ("relu",)
    hand = _hand_gradient(w, b, v, c, X, y)
    np.testing.assert_allclose(check.analytic, hand, rtol=1e-12, atol=1e-15)
    assert np.all(check.rel_error[2:] <= check.tolerance)


def test_when_every_entry_is_set_aside_there_is_no_verdict():
    """Row 0 sits on the hidden unit's kink, row 1 on the output unit's: all four parameters
    move one of them. Nothing is compared, so the check must not say PASS."""
    net = Network((1, 1, 1), ACTIVATIONS["relu"], ACTIVATIONS["relu"],
                  np.array([1.0, -1.0, 1.0, -1.0]))
    X, y = np.array([[1.0], [2.0]]), np.array([[0.5], [0.5]])
    check = gradient_check(net, X, y, LOSSES["mse"])
    assert check.n_kink == 4 and check.n_compared == 0
    assert check.verdict == "none" and not check.ok and check.max_rel_error == 0.0


def _trained(**kw):
    s = open_session(Config(**kw))
    s.run(100)
    return s


def _with_wrong_entry(monkeypatch, entry, relative):
    """Backprop as usual, then one entry of its gradient off by `relative` of itself."""
    right = Network.backward

    def wrong(self, *args):
        deltas = right(self, *args)
        grad = args[4]
        grad[entry] += relative * grad[entry]
        return deltas

    monkeypatch.setattr(Network, "backward", wrong)


def test_spiral_relu_passes_after_training_and_a_wrong_entry_fails(monkeypatch):
    """The network that used to read FAIL at 0.42: kinks crossed at h are measured with a
    smaller step or set aside, and the rest agree. One entry off by 0.01% then fails."""
    s = _trained(data="spiral", hidden=(32, 32), activation="relu", seed=1)
    check = check_session(s)
    assert check.ok, check.max_rel_error
    assert check.kink_at_h.sum() > 0  # the stencils of h do cross kinks here
    entry = int(np.argmax(np.abs(check.analytic) * check.compared))
    _with_wrong_entry(monkeypatch, entry, 1e-4)
    bad = check_session(s)
    assert bad.verdict == "fail" and bad.rel_error[entry] > bad.tolerance
    assert np.sum(bad.rel_error[bad.compared] > bad.tolerance) == 1


@pytest.mark.parametrize("cfg,epochs,entry", [
    (dict(data="circle", hidden=(6,), activation="sigmoid", seed=5), 0, "W1[0,0]"),
    (dict(preset="notebook", seed=7), 1000, "W1[0,0]"),
], ids=["circle-untrained", "notebook-trained"])
def test_a_small_error_in_a_small_gradient_fails(monkeypatch, cfg, epochs, entry):
    """An entry whose gradient is over a thousand times smaller than the largest (circle), or
    where every gradient is small (the notebook near its fit): J's rounding error is still
    far below it, so an error of 1e-5 of itself is ten times the tolerance and must fail. A
    rounding floor set too generously would call it agreement."""
    s = open_session(Config(**cfg))
    s.run(epochs)
    check = check_session(s)
    i = check.names.index(entry)
    assert check.ok and 0 < abs(check.analytic[i]) < 2e-4
    _with_wrong_entry(monkeypatch, i, 1e-5)
    bad = check_session(s)
    assert bad.verdict == "fail" and bad.rel_error[i] == pytest.approx(1e-5, rel=0.2)
    assert np.flatnonzero(bad.rel_error > bad.tolerance).tolist() == [i]


def test_a_wrong_relu_derivative_fails(monkeypatch):
    """A classic slip, f'(z) written as relu(z) itself: every kink-free entry upstream of a
    relu disagrees, and the check says so."""
    from core.maths import activations

    relu = activations.ACTIVATIONS["relu"]
    monkeypatch.setitem(activations.ACTIVATIONS, "relu", activations.Activation(
        "relu", relu.f, lambda z, a: a, relu.formula, kinks=relu.kinks))
    s = _trained(data="circle", hidden=(8,), activation="relu", seed=3)
    s.net.hidden = activations.ACTIVATIONS["relu"]
    assert check_session(s).verdict == "fail"


@pytest.mark.parametrize("cfg", [
    dict(data="circle", hidden=(8,), activation="relu", seed=3),
    dict(data="xor", hidden=(4,), activation="tanh", seed=2),
    dict(data="circle", hidden=(6,), activation="sigmoid", seed=5),
    dict(data="sine", hidden=(16,), activation="tanh", seed=1, l2=0.1),
    dict(data="gauss", hidden=(4, 4), activation="relu", seed=8, l2=0.01),
    dict(preset="notebook", seed=7),
], ids=["circle-relu", "xor-tanh", "circle-sigmoid", "sine-l2", "gauss-relu-l2", "notebook"])
def test_trained_networks_pass(cfg):
    assert check_session(_trained(**cfg)).ok


def _steep():
    """Inputs of size ~100 and a tanh unit: J bends so sharply along W1 that the quotient's
    h⁴ error at h = 0.001 is above the tolerance for two entries."""
    net = Network((1, 2, 1), ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"],
                  np.array([0.05, -0.03, 0.1, 0.2, 2.0, -1.5, 0.1]))
    X = np.array([[1.0], [-0.5], [0.3], [0.8]]) * 100
    return net, X, np.array([[1.0], [0.0], [1.0], [0.0]])


def test_steep_entries_are_measured_again_with_smaller_steps():
    net, X, y = _steep()
    check = gradient_check(net, X, y, LOSSES["bce"])
    assert check.ok and check.n_steep >= 1 and check.n_kink == 0
    steep = np.flatnonzero(check.step < check.h)
    # at h itself those entries disagree by more than the tolerance: truncation, not a bug
    for i in steep:
        flat = net.flat
        saved = flat[i]
        at = []
        for k in (-2, -1, 1, 2):
            flat[i] = saved + k * check.h
            Zs, As = net.forward(X)
            at.append(LOSSES["bce"].value(As[-1], y, Zs[-1])[1])
        flat[i] = saved
        quotient = (at[0] - 8 * at[1] + 8 * at[2] - at[3]) / (12 * check.h)
        assert abs(quotient - check.analytic[i]) > check.tolerance * abs(check.analytic[i])


def test_smaller_steps_do_not_rescue_a_wrong_gradient(monkeypatch):
    """An error of 1e-5 (relative) in a steep entry is smaller than the truncation error at h,
    but it does not shrink when h halves, so the check still fails."""
    net, X, y = _steep()
    steep = int(np.flatnonzero(gradient_check(net, X, y, LOSSES["bce"]).step < 1e-3)[0])
    _with_wrong_entry(monkeypatch, steep, 1e-5)
    bad = gradient_check(net, X, y, LOSSES["bce"])
    assert bad.verdict == "fail" and bad.rel_error[steep] > bad.tolerance


def test_a_step_far_wider_than_a_bend_is_halved_until_the_quotient_settles(monkeypatch):
    """z_out moves by 10 per h along W2: the quotient straddles sigmoid's bend and is 17% off
    at h, 6% at h/2, and only then falls 16× per halving. The check follows it down to where
    it agrees; with a gradient 0.01% off it follows it until it settles, and fails."""
    def net():
        return Network((1, 1, 1), ACTIVATIONS["linear"], ACTIVATIONS["sigmoid"],
                       np.array([100.0, 0.0, 0.001, 0.3]))

    X, y = np.array([[100.0], [-80.0], [30.0], [-5.0]]), np.array([[1.0], [0.0], [0.0], [1.0]])
    check = gradient_check(net(), X, y, LOSSES["bce"])
    assert check.ok and check.n_steep == 1 and check.step[2] <= check.h / 16
    _with_wrong_entry(monkeypatch, 2, 1e-4)
    bad = gradient_check(net(), X, y, LOSSES["bce"])
    assert bad.verdict == "fail" and bad.rel_error[2] > 5e-5 and bad.step[2] >= bad.h / 64


def test_a_large_objective_does_not_read_as_disagreement():
    """With targets around a million J is ~1e11, and its rounding error, divided by h, is
    bigger than a millionth of the gradients. Those differences are within the rounding floor,
    not failures (a fixed floor of 1e-6 called them failures)."""
    net, rng = _net((2, 4, 1), "tanh", "linear", 3)
    X = rng.uniform(-1, 1, (30, 2))
    y = rng.normal(0, 1e6, (30, 1))
    check = gradient_check(net, X, y, LOSSES["mse"], l2=0.01)
    assert check.ok, check.max_rel_error
    assert rel_error(check.analytic, check.numeric, 1e-6).max() > check.tolerance


@pytest.mark.parametrize("act,out_act", [("linear", "linear"), ("tanh", "sigmoid")])
def test_an_exact_fit_passes(act, out_act):
    """Targets the network reproduces exactly: J = 0 and every gradient is exactly 0 at the
    centre, while the stencil's points see J ~ h² and its rounding. (J's rounding at the
    centre says nothing here; the estimate uses J at the stencil's points.)"""
    net = Network((2, 3, 1), ACTIVATIONS[act], ACTIVATIONS[out_act], np.linspace(-1, 1, 13))
    X = np.array([[0.5, 0.25], [1.0, -0.5], [0.0, 0.75], [-0.25, 1.0]])
    y = net.forward(X)[1][-1].copy()
    check = gradient_check(net, X, y, LOSSES["mse"])
    assert np.all(check.analytic == 0.0) and check.ok, check.max_rel_error


def test_a_saturated_unit_with_zero_gradient_passes():
    """tanh saturated to ±1 exactly: backprop says 0; finite differences see only rounding."""
    net = Network((1, 1, 1), ACTIVATIONS["tanh"], ACTIVATIONS["linear"],
                  np.array([60.0, 0.0, 3.0, 0.5]))
    X, y = np.array([[1.0], [-1.0], [0.5]]), np.array([[100.0], [-80.0], [2.0]])
    check = gradient_check(net, X, y, LOSSES["mse"])
    assert check.analytic[0] == 0.0 and check.ok


def test_an_overflowing_network_has_no_verdict():
    net = Network((1, 1, 1), ACTIVATIONS["linear"], ACTIVATIONS["linear"],
                  np.array([1e200, 0.0, 1e200, 0.0]))
    with np.errstate(all="ignore"):
        check = gradient_check(net, np.array([[1e10]]), np.array([[0.0]]), LOSSES["mse"])
    assert check.n_nonfinite == 4 and check.verdict == "none"


@settings(max_examples=40)
@given(problems(), st.sampled_from([1.0, 5.0, 20.0]), st.floats(-3, 3))
def test_smooth_networks_never_fail_even_steep_or_far_from_fit(problem, scale, shift):
    """tanh, sigmoid and linear networks with weights up to 20× their initial size and
    targets shifted far from the outputs: every entry agrees or is within the rounding floor."""
    hidden, n_in, n_out, act, out_act, loss, rows, batch, seed, l2 = problem
    assume("relu" not in (act, out_act))
    sizes = (n_in, *hidden, n_out)
    net, rng = _net(sizes, act, out_act, seed)
    net.flat *= scale
    X = rng.uniform(-1, 1, (rows, n_in))[:batch]
    y = rng.uniform(0, 1, (rows, n_out))[:batch]
    y = (y > 0.5).astype(float) if loss == "bce" else y * 10.0**shift
    check = gradient_check(net, X, y, LOSSES[loss], l2=l2)
    assert check.ok, (check.names[int(np.nanargmax(check.rel_error))], check.max_rel_error)
