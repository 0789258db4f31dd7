"""Training health (`core.maths.health`, the Health view, `train --json`): CS231n's figures
per layer against the same figures worked out here from the run's own numbers, the chance
loss against networks that know nothing, and the flags: right on sick runs, silent on
healthy ones.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

import numpy as np
import pytest

from core import Config, open_session
from core.maths.health import chance_loss
from core.present.checkup import health_json, session_health
from tui.cli import main


def _weights(tmp_path, layers) -> str:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"layers": [{"weights": np.asarray(W).tolist(),
                                            "bias": np.ravel(b).tolist()} for W, b in layers]}))
    return str(path)


def _expected(session, start) -> list[dict]:
    """The figures from the session's data, starting weights and final weights, written out
    here with nothing from core.maths.health."""
    X = session.dataset.X
    cfg, rec = session.config, session.last
    A, out = X, []
    L = session.net.depth
    for k in range(L):
        W, b = session.net.W[k], session.net.b[k]
        Z = A @ W + b
        act = cfg.output_activation if k == L - 1 else cfg.activation
        if act == "relu":
            A = np.maximum(Z, 0)
        elif act == "tanh":
            A = np.tanh(Z)
        elif act == "sigmoid":
            A = 1 / (1 + np.exp(-Z))
        elif act == "softmax":
            E = np.exp(Z - Z.max(1, keepdims=True))
            A = E / E.sum(1, keepdims=True)
        else:
            A = Z
        out.append({
            "layer": k + 1, "activation": act, "act_mean": A.mean(), "act_std": A.std(),
            "dead_fraction": float(np.mean([np.all(Z[:, j] <= 0) for j in range(Z.shape[1])]))
            if act == "relu" else None,
            "saturated_fraction": float(np.mean(np.abs(A) > 0.97)) if act == "tanh" else
            float(np.mean((A < 0.015) | (A > 0.985))) if act == "sigmoid" else None,
            "grad_norm": math.sqrt(float((rec.dW[k] ** 2).sum())) if rec else None,
            "update_ratio": math.sqrt(float(((W - start[k]) ** 2).sum())) /
            math.sqrt(float((start[k] ** 2).sum())) if rec else None})
    return out


def _same(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert set(g) == set(w)
        for key, v in w.items():
            if v is None or isinstance(v, str | int):
                assert g[key] == v, (key, g[key], v)
            else:
                assert g[key] == pytest.approx(v, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("kw", [
    dict(data="circle", hidden=(6,), activation="relu", seed=1, init="he"),
    dict(data="spiral3", hidden=(5,), activation="tanh", seed=2, init="uniform"),
    dict(data="xor", hidden=(4,), activation="sigmoid", seed=3, l2=0.01),
    dict(data="gauss", hidden=(3, 3), activation="tanh", seed=4, optimizer="sgd",
         batch_size=16),
    dict(data="sine", hidden=(0,), seed=5),
    dict(preset="notebook"),
])
def test_the_figures_match_the_runs_own_numbers(kw):
    session = open_session(Config(**kw))
    _same(health_json(session)["health"], _expected(session, None))
    session.run(3)
    rec = session.last
    start = [np.asarray(W) for W in rec.W_before]
    got = health_json(session)["health"]
    _same(got, _expected(session, start))


def test_dead_units_are_those_off_on_every_row(tmp_path):
    rng = np.random.default_rng(11)
    W1, b1 = rng.normal(size=(2, 6)), rng.normal(size=6)
    b1[:2] = -50  # off on every row
    b1[2] = -0.3  # off on some rows only: not dead
    w = _weights(tmp_path, [(W1, b1), (rng.normal(size=(6, 1)), [0.0])])
    session = open_session(Config(data="circle", hidden=(6,), activation="relu", weights=w))
    layer = session_health(session).layers[0]
    assert layer.dead_fraction == pytest.approx(2 / 6)
    flag = next(f for f in session_health(session).flags if "dead" in f.text)
    assert flag.level == "warn" and flag.text.startswith("33% of relu units are dead")


@pytest.mark.parametrize("loss,data,k", [("bce", "circle", 1), ("ce", "spiral3", 3),
                                         ("mse", "sine", 1)])
def test_chance_is_the_loss_of_a_network_that_knows_nothing(loss, data, k, tmp_path):
    """All weights zero: a sigmoid says ½, a softmax 1/C, and for mse the output bias set to
    the targets' mean predicts the mean. Their reported loss is the chance loss."""
    probe = open_session(Config(data=data, loss=loss, seed=1, hidden=(3,)))
    bias = probe.dataset.y.mean(axis=0) if loss == "mse" else np.zeros(k)
    w = _weights(tmp_path, [(np.zeros((probe.sizes[0], 3)), np.zeros(3)),
                            (np.zeros((3, k)), bias)])
    session = open_session(Config(data=data, loss=loss, seed=1, hidden=(3,), weights=w))
    health = session_health(session)
    assert health.chance_loss == pytest.approx(session.evaluate().loss, rel=1e-12)
    want = {"bce": math.log(2), "ce": math.log(3)}.get(loss)
    if want is not None:
        assert health.chance_loss == pytest.approx(want, rel=1e-15)
    ok = [f for f in health.flags if f.level == "ok"]
    if loss != "mse":
        assert ok and "≈ chance" in ok[0].text


def test_chance_for_mse_is_per_target_column():
    y = np.array([[0.0, 10.0], [2.0, 30.0]])
    assert chance_loss("mse", y) == pytest.approx((1 + 1 + 100 + 100) / 4)


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def test_train_json_adds_health_and_chance_loss_at_the_end():
    code, out = _cli("train", "--data", "xor", "--seed", "1", "--epochs", "5", "--json")
    assert code == 0
    doc = json.loads(out)
    assert [k for k in doc][-2:] == ["health", "chance_loss"]
    rest = {k: v for k, v in doc.items() if k not in ("health", "chance_loss")}
    assert out.startswith(json.dumps(rest)[:-1] + ", ")  # every other key as before
    assert doc["chance_loss"] == math.log(2)
    assert [h["layer"] for h in doc["health"]] == [1, 2]
    assert doc["health"][1]["activation"] == "sigmoid" and \
        doc["health"][0]["dead_fraction"] is None


# ---------------------------------------------------------------- the flags


def _warnings(session) -> list[str]:
    return [f.text for f in session_health(session).flags if f.level == "warn"]


@pytest.mark.parametrize("kw", [
    *[dict(data=d, seed=s) for d in ("notebook", "xor", "circle", "gauss", "spiral", "sine",
                                     "spiral3") for s in (1, 2)],
    dict(preset="notebook"),
    dict(data="circle", optimizer="adam", lr=0.01, seed=3),
    dict(data="sine", optimizer="sgd", batch_size=8, seed=3),
    dict(data="spiral3", optimizer="momentum", lr=0.05, seed=3),
    dict(data="gauss", hidden=(0,), seed=1),
])
def test_a_healthy_run_raises_no_alarm(kw):
    """Each built-in dataset with its defaults (and a few sound variations): at every one of
    the first 150 epochs, and every 50th after, to 1000, no flag says something is wrong."""
    session = open_session(Config(**kw))
    session.undo_budget = 0
    for epoch in range(1001):
        if epoch <= 150 or epoch % 50 == 0:
            assert _warnings(session) == [], (epoch, session_health(session).flags)
        session.run(1)


def test_a_too_high_lr_is_named_once_the_loss_goes_up():
    session = open_session(Config(data="xor", lr=20, seed=1))
    session.run(5)
    assert any("the lr is too high (CS231n suggests about 1e-3)" in w and
               w.startswith("update/weight ") for w in _warnings(session))


def test_a_too_low_lr_is_named_when_the_loss_stays_at_chance():
    session = open_session(Config(data="xor", lr=1e-7, seed=1))
    session.run(20)
    assert any("the lr is too low" in w for w in _warnings(session))
    assert any("stopped falling above chance" in w for w in _warnings(session))


def test_a_straight_line_cannot_learn_the_circle_and_health_says_so():
    """Logistic regression (--hidden 0) on the circle: no line separates inside from
    outside, so the loss settles at chance."""
    session = open_session(Config(data="circle", hidden=(0,), seed=1))
    session.run(300)
    assert any("stopped falling at chance 0.693147: nothing is being learned" in w
               for w in _warnings(session))


def test_saturated_tanh_at_the_start_and_a_first_loss_far_above_chance(tmp_path):
    rng = np.random.default_rng(2)
    w = _weights(tmp_path, [(8 * rng.normal(size=(2, 8)), rng.normal(size=8)),
                            (8 * rng.normal(size=(8, 1)), [0.0])])
    session = open_session(Config(data="xor", hidden=(8,), activation="tanh", weights=w))
    warnings = _warnings(session)
    assert any("tanh outputs are saturated" in w and "starting weights are too large" in w
               for w in warnings)
    assert any(w.startswith("first loss") and "far above chance 0.693147" in w for w in warnings)


def test_a_vanishing_gradient_in_a_deep_sigmoid_net():
    session = open_session(Config(data="circle", hidden=(16,) * 7, activation="sigmoid",
                                  seed=1))
    session.run(1)
    assert any("the gradient vanishes on its way back" in w for w in _warnings(session))


def test_flags_at_epoch_0_have_no_update_yet():
    health = session_health(open_session(Config(preset="notebook")))
    assert all(ly.grad_norm is None and ly.update_ratio is None for ly in health.layers)
    # losses written as every pane writes them: 6 decimals
    assert [f.text for f in health.flags] == [
        "first loss 0.500145; always predicting the mean gives 0.017301"]


def test_a_diverged_run_has_health_without_a_crash():
    """Training that overflowed leaves non-finite figures: written as null, no flag fails."""
    session = open_session(Config(preset="notebook", lr=50))
    session.run(100)
    assert session.diverged
    doc = health_json(session)
    json.dumps(doc, allow_nan=False)
    assert any("no longer a finite number" in w for w in _warnings(session))
