"""`--hidden 0`: one layer from the inputs to the outputs. With mse it is linear regression,
with bce logistic regression, with ce softmax regression, and each is held to an oracle we
did not write: least squares (np.linalg.lstsq), a plain hand-written loop for logistic and
softmax regression, finite differences, and the CS231n spiral's published linear result.
Every path that takes a network takes this one: undo, session files, --weights, the phase
walk, the gradient check and the exported programs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import Config, UserError, check_session, layers_json, open_session
from core.files.sessionfile import load_session, save_session
from core.present.phases import phases

from .programs_helpers import run_main

NOTEBOOK_X = np.array([[2, 9], [4, 8], [6, 6], [8, 5]], float)
NOTEBOOK_Y = np.array([55, 65, 75, 85], float)


def _csv(path: Path, X: np.ndarray, y) -> str:
    with open(path, "w") as f:
        f.write(",".join(f"x{k}" for k in range(X.shape[1])) + ",t\n")
        for row, t in zip(X, y, strict=True):
            f.write(",".join(repr(float(v)) for v in row) + f",{t}\n")
    return str(path)


def _weights(path: Path, W: np.ndarray, b: np.ndarray) -> str:
    path.write_text(json.dumps({"layers": [{"weights": W.tolist(), "bias": b.tolist()}]}))
    return str(path)


def _params(session) -> np.ndarray:
    return np.r_[session.net.W[0].ravel(), session.net.b[0].ravel()]


def test_hidden_0_is_one_layer_from_inputs_to_outputs():
    s = open_session(Config(data="circle", hidden=(0,), seed=1))
    assert s.sizes == (2, 1) and s.net.depth == 1
    assert s.config.hidden == ()
    assert s.description == "2-1 sigmoid"  # the hidden activation (tanh) plays no part
    s = open_session(Config(data="spiral3", hidden=(0,), seed=1))
    assert s.sizes == (2, 3) and s.description == "2-3 softmax"


def test_zero_beside_a_layer_is_refused_in_words():
    with pytest.raises(UserError, match="0 alone"):
        open_session(Config(hidden=(0, 2)))


# ---------------------------------------------------------------- the oracles

def test_linear_regression_converges_to_least_squares(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([0.5, -1.0, 2.0]) + 0.3 + 0.1 * rng.normal(size=30)
    path = _csv(tmp_path / "reg.csv", X.round(6), y.round(6))
    s = open_session(Config(data=path, targets=("t",), normalize="none", hidden=(0,),
                            loss="mse", lr=0.5, seed=1))
    s.run(2000)
    A = np.c_[X.round(6), np.ones(30)]
    want = np.linalg.lstsq(A, y.round(6), rcond=None)[0]
    assert np.abs(_params(s) - want).max() < 1e-10


def test_the_notebooks_least_squares_fit_is_where_gradient_descent_stops(tmp_path):
    """On the notebook's (max-normalised) data: at the least-squares solution the gradient
    our backprop reports is zero, and from the printed-weights' neighbourhood training moves
    towards it."""
    Xn, yn = NOTEBOOK_X / NOTEBOOK_X.max(0), NOTEBOOK_Y / NOTEBOOK_Y.max()
    ls = np.linalg.lstsq(np.c_[Xn, np.ones(4)], yn, rcond=None)[0]
    w = _weights(tmp_path / "w.json", ls[:2].reshape(2, 1), ls[2:])
    s = open_session(Config(data="notebook", hidden=(0,), weights=w, lr=0.9))
    rec = s.step()
    assert max(np.abs(rec.dW[0]).max(), np.abs(rec.db[0]).max()) < 1e-12
    s = open_session(Config(data="notebook", hidden=(0,), lr=0.9, seed=1))
    before = np.abs(_params(s) - ls).max()
    s.run(20_000)
    assert np.abs(_params(s) - ls).max() < before / 50


def _hand_loop(X, Y, W, b, lr, epochs, kind):
    """Logistic or softmax regression written out with nothing from the project."""
    W, b = W.copy(), b.copy()
    for _ in range(epochs):
        Z = X @ W + b
        if kind == "logistic":
            P = 1 / (1 + np.exp(-Z))
        else:
            P = np.exp(Z - Z.max(1, keepdims=True))
            P /= P.sum(1, keepdims=True)
        G = (P - Y) / len(X)
        W -= lr * X.T @ G
        b -= lr * G.sum(0)
    return np.r_[W.ravel(), b]


@pytest.mark.parametrize("kind", ["logistic", "softmax"])
def test_logistic_and_softmax_regression_match_a_hand_written_loop(kind, tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 2)).round(4)
    if kind == "logistic":
        labels, k, loss = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int), 1, "bce"
        Y = labels[:, None].astype(float)
    else:
        labels, k, loss = np.digitize(X[:, 0], [-0.4, 0.4]), 3, "ce"
        Y = np.eye(3)[labels]
    W0, b0 = rng.normal(size=(2, k)), rng.normal(size=k)
    s = open_session(Config(data=_csv(tmp_path / "d.csv", X, labels), targets=("t",),
                            normalize="none", hidden=(0,), loss=loss, lr=0.3,
                            weights=_weights(tmp_path / "w.json", W0, b0)))
    s.run(60)
    want = _hand_loop(X, Y, W0, b0, 0.3, 60, kind)
    assert np.abs(_params(s) - want).max() <= 1e-12 * max(1.0, np.abs(want).max())


def test_a_linear_classifier_cannot_learn_the_spiral_as_cs231n_shows():
    """CS231n's "minimal neural network case study": softmax regression on the three-armed
    spiral (noise 0.2, step 1, reg 1e-3, 200 full-batch steps) reaches about 49% training
    accuracy, far from the 98% of the network with a hidden layer."""
    accs = []
    for seed in (1, 2, 3):
        s = open_session(Config(data="spiral3", noise=0.2, hidden=(0,), loss="ce", lr=1.0,
                                l2=1e-3, normalize="none", init="he", seed=seed))
        s.run(200)
        accs.append(s.evaluate().accuracy)
    assert all(0.42 <= a <= 0.62 for a in accs), accs


# ---------------------------------------------------------------- every path

@pytest.mark.parametrize("kw", [dict(data="notebook"), dict(data="circle", loss="bce"),
                                dict(data="spiral3", loss="ce"),
                                dict(data="sine", optimizer="adam", batch_size=7)])
def test_undo_resume_weights_gradcheck_and_phases(kw, tmp_path):
    s = open_session(Config(hidden=(0,), seed=1, **kw))
    rec = s.step()
    keys = [p.key for p in phases(rec, 0, s.config.activation, s.config.output_activation)]
    assert keys == ["forward", "loss", "output", "update"]  # no hidden-layer phase
    s.run(5)
    assert check_session(s).ok
    before = _params(s)
    s.step()
    assert s.undo() and np.array_equal(_params(s), before)
    save_session(s, str(tmp_path / "s.json"))
    t = load_session(str(tmp_path / "s.json"))
    assert t.config.hidden == () and np.array_equal(_params(t), before)
    assert t.step().loss == s.step().loss
    (tmp_path / "w.json").write_text(json.dumps({"layers": layers_json(s.net.W, s.net.b)}))
    u = open_session(Config(hidden=(0,), seed=1, weights=str(tmp_path / "w.json"), **kw))
    assert np.array_equal(u.params(), s.params())


def test_two_layers_of_weights_for_a_one_layer_network_are_refused(tmp_path):
    w = tmp_path / "w.json"
    w.write_text(json.dumps({"layers": [{"weights": [[1, 2], [3, 4]], "bias": [0, 0]},
                                        {"weights": [[1], [2]], "bias": [0]}]}))
    with pytest.raises(UserError):
        open_session(Config(data="notebook", hidden=(0,), weights=str(w)))


def test_cli_hidden_0_trains_and_0_beside_a_layer_is_one_error_line():
    code, out, _ = run_main("train", "--hidden", "0", "--seed", "1", "--epochs", "10")
    assert code == 0 and "Epoch 0, Loss:" in out
    code, out, err = run_main("train", "--hidden", "0,2", "--epochs", "1")
    assert code == 2 and err.count("\n") == 1 and err.startswith("backprop: error:")


EXPORTS = ["--data notebook --hidden 0 --seed 3 --epochs 200",
           "--data circle --hidden 0 --seed 2 --epochs 150 --test-fraction 0.2",
           "--data spiral3 --hidden 0 --seed 1 --epochs 60 --optimizer adam --batch-size 32"]


def _train_text(opts: str) -> str:
    code, out, _ = run_main("train", *shlex.split(opts))
    assert code == 0
    return out


def _torch_or_skip() -> None:
    if importlib.util.find_spec("torch") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("torch is needed here under CI")
        pytest.skip("no torch in this Python")


@pytest.mark.parametrize("fmt", ["numpy", "notebook", "torch"])
@pytest.mark.parametrize("opts", EXPORTS)
def test_exported_programs_print_what_train_prints(opts, fmt, tmp_path):
    if fmt == "torch":
        _torch_or_skip()
    path = tmp_path / "p.out"
    code, _, err = run_main("code", *shlex.split(opts), "--format", fmt, "-o", str(path))
    assert code == 0, err
    if fmt == "notebook":
        buf, ns = io.StringIO(), {"__name__": "__main__"}
        with contextlib.redirect_stdout(buf):
            for cell in json.loads(path.read_text())["cells"]:
                if cell["cell_type"] == "code":
                    exec(compile("".join(cell["source"]), "<cell>", "exec"), ns)
        got = buf.getvalue()
    else:
        got = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                             timeout=300).stdout
    assert got == _train_text(opts)
    text = path.read_text()
    assert "no hidden layer" in text and "--hidden 0" in text
