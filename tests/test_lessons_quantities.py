"""Lesson quantities against an oracle that shares no code with the session: the forward
pass, the losses, backprop and the optimisers' first update written as loops over scalars,
from the parameters and the batch alone. Every kind of quantity, on networks that exercise
every activation, loss and optimiser, at indices that are not symmetric."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import Config, open_session
from core.lessons.quantities import Bound, QuantityError, fill, parse, value_text

TOL = 1e-9


def act(name: str, z: float) -> float:
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z))
    if name == "tanh":
        return math.tanh(z)
    return max(0.0, z)  # relu


def slope(name: str, z: float) -> float:
    if name == "linear":
        return 1.0
    if name == "sigmoid":
        s = 1.0 / (1.0 + math.exp(-z))
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - math.tanh(z) ** 2
    return 1.0 if z > 0 else 0.0


def oracle(Ws, bs, X, y, hidden: str, output: str, loss: str, l2: float = 0.0) -> dict:
    """Every quantity of one update, by loops: Z, A, deltas, dW, db, loss, objective."""
    L, N = len(Ws), len(X)
    Z: list[list[list[float]]] = []
    A: list[list[list[float]]] = []
    prev = [list(map(float, row)) for row in X]
    for k in range(L):
        W, b = Ws[k], bs[k]
        fan_in, fan_out = len(W), len(W[0])
        Zk = [[sum(prev[n][i] * W[i][j] for i in range(fan_in)) + b[j] for j in range(fan_out)]
              for n in range(N)]
        f = hidden if k < L - 1 else output
        if f == "softmax":
            Ak = []
            for row in Zk:
                e = [math.exp(z) for z in row]
                Ak.append([v / sum(e) for v in e])
        else:
            Ak = [[act(f, z) for z in row] for row in Zk]
        Z.append(Zk)
        A.append(Ak)
        prev = Ak
    yhat = A[-1]
    outs = len(y[0])
    if loss == "mse":
        sq = sum((yhat[n][j] - y[n][j]) ** 2 for n in range(N) for j in range(outs))
        reported, J = sq / (N * outs), sq / (2 * N)
        delta = [[(yhat[n][j] - y[n][j]) * slope(output, Z[-1][n][j]) for j in range(outs)]
                 for n in range(N)]
    elif loss == "bce":
        tot = -sum(y[n][j] * math.log(yhat[n][j]) + (1 - y[n][j]) * math.log(1 - yhat[n][j])
                   for n in range(N) for j in range(outs))
        reported, J = tot / (N * outs), tot / N
        delta = [[yhat[n][j] - y[n][j] for j in range(outs)] for n in range(N)]
    else:
        tot = -sum(y[n][j] * math.log(yhat[n][j]) for n in range(N) for j in range(outs))
        reported = J = tot / N
        delta = [[yhat[n][j] - y[n][j] for j in range(outs)] for n in range(N)]
    J += 0.5 * l2 * sum(w * w for W in Ws for row in W for w in row)
    deltas = [None] * L
    dW = [None] * L
    db = [None] * L
    for k in range(L - 1, -1, -1):
        deltas[k] = delta
        prev = X if k == 0 else A[k - 1]
        fan_in, fan_out = len(Ws[k]), len(Ws[k][0])
        dW[k] = [[sum(prev[n][i] * delta[n][j] for n in range(N)) / N + l2 * Ws[k][i][j]
                  for j in range(fan_out)] for i in range(fan_in)]
        db[k] = [sum(delta[n][j] for n in range(N)) / N for j in range(fan_out)]
        if k:
            delta = [[sum(delta[n][m] * Ws[k][i][m] for m in range(fan_out))
                      * slope(hidden, Z[k - 1][n][i]) for i in range(fan_in)] for n in range(N)]
    return dict(Z=Z, A=A, delta=deltas, dW=dW, db=db, loss=reported, objective=J)


def lists(arrays) -> list:
    return [a.tolist() for a in arrays]


CONFIGS = {
    "notebook": Config(preset="notebook"),
    "sigmoid-bce-momentum": Config(data="xor", hidden=(3,), activation="sigmoid",
                                   optimizer="momentum", seed=4),
    "tanh-mse-sigmoid-out": Config(data="circle", hidden=(4, 3), activation="tanh",
                                   output_activation="sigmoid", loss="mse", seed=2),
    "relu-ce-adam-l2": Config(data="spiral3", hidden=(5,), activation="relu", l2=0.01, seed=3),
    "sgd-batches": Config(data="gauss", hidden=(3,), optimizer="sgd", batch_size=40, seed=5),
    "no-hidden": Config(data="xor", hidden=(0,), seed=1),
}


def expected(session, bound: Bound) -> dict:
    """The oracle on the session's parameters and the next update's batch (its rows are
    the session's own choice; what is computed from them is the oracle's)."""
    rec = bound.record
    cfg = session.config
    return oracle(lists(session.net.W), [b[0].tolist() for b in session.net.b],
                  rec.X.tolist(), rec.y.tolist(), cfg.activation, cfg.output_activation,
                  cfg.loss, session.l2)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_matrix_quantity_is_the_oracles(name: str) -> None:
    session = open_session(CONFIGS[name])
    session.run(3)  # not at the start: momentum and adam have state, weights have moved
    bound = Bound(session)
    want = expected(session, bound)
    depth = len(session.sizes) - 1
    rows = bound.record.X.shape[0]
    for k in range(1, depth + 1):
        fan_in, fan_out = session.sizes[k - 1], session.sizes[k]
        cells = {(rows - 1, fan_out - 1), (min(1, rows - 1), 0), (0, fan_out - 1)}
        for n, j in cells:
            assert bound.value(parse(f"Z{k}[{n},{j}]", session)) == \
                pytest.approx(want["Z"][k - 1][n][j], abs=TOL)
            assert bound.value(parse(f"A{k}[{n},{j}]", session)) == \
                pytest.approx(want["A"][k - 1][n][j], abs=TOL)
            assert bound.value(parse(f"delta{k}[{n},{j}]", session)) == \
                pytest.approx(want["delta"][k - 1][n][j], abs=TOL)
        for i, j in {(fan_in - 1, 0), (0, fan_out - 1), (fan_in - 1, fan_out - 1)}:
            assert bound.value(parse(f"dW{k}[{i},{j}]", session)) == \
                pytest.approx(want["dW"][k - 1][i][j], abs=TOL)
            assert bound.value(parse(f"W{k}[{i},{j}]", session)) == \
                session.net.W[k - 1][i, j]
        assert bound.value(parse(f"db{k}[{fan_out - 1}]", session)) == \
            pytest.approx(want["db"][k - 1][fan_out - 1], abs=TOL)
    last = rows - 1
    assert bound.value(parse(f"yhat[{last},0]", session)) == \
        pytest.approx(want["A"][-1][last][0], abs=TOL)


@pytest.mark.parametrize("name", [n for n in CONFIGS if n != "sgd-batches"])
def test_loss_and_objective_are_the_oracles_on_the_training_rows(name: str) -> None:
    session = open_session(CONFIGS[name])
    session.run(2)
    bound = Bound(session)
    want = expected(session, bound)  # full batch: the next update's rows are every row
    assert bound.value(parse("loss", session)) == pytest.approx(want["loss"], rel=1e-9)
    assert bound.value(parse("objective", session)) == pytest.approx(want["objective"],
                                                                     rel=1e-9)


def test_the_notebooks_numbers() -> None:
    """The notebook's own data and printed weights, by hand: X is the table over its
    column maxima, its first loss is 0.50015, and delta2 is the notebook's output delta."""
    session = open_session(Config(preset="notebook"))
    bound = Bound(session)
    value = lambda text: bound.value(parse(text, session))  # noqa: E731
    raw = [[2, 9], [4, 8], [6, 6], [8, 5]]
    assert value("X[2,1]") == pytest.approx(raw[2][1] / 9)
    assert value("X[1,0]") == pytest.approx(raw[1][0] / 8)
    assert value("y[1,0]") == pytest.approx(65 / 85)
    assert f"{value('loss'):.5f}" == "0.50015"
    # delta2 is ŷ − y: the output layer's, numbered as the views number it
    assert value("delta2[3,0]") == pytest.approx(value("yhat[3,0]") - value("y[3,0]"))
    assert value("H[0,1]") == value("Z1[0,1]") == value("A1[0,1]")
    assert value("epoch") == 0 and value("lr") == 0.1
    ys = [55 / 85, 65 / 85, 75 / 85, 85 / 85]
    mean = sum(ys) / 4
    assert value("chance_loss") == pytest.approx(sum((v - mean) ** 2 for v in ys) / 4)


@pytest.mark.parametrize(("config", "chance"), [
    (Config(data="spiral3", seed=1), math.log(3)), (Config(data="xor", seed=1), math.log(2)),
])
def test_chance_loss_of_classifiers(config: Config, chance: float) -> None:
    session = open_session(config)
    assert Bound(session).value(parse("chance_loss", session)) == pytest.approx(chance)


@pytest.mark.parametrize(("optimizer", "update"), [
    ("gd", lambda w, g, lr: w - lr * g),
    ("momentum", lambda w, g, lr: w - lr * g),  # first update: v = 0.9·0 + g
    ("adam", lambda w, g, lr: w - lr * (g / (1 - 0.9)) * (1 - 0.9) /
     (math.sqrt(g * g * (1 - 0.999) / (1 - 0.999)) + 1e-8)),
])
def test_a_parameter_after_the_first_update(optimizer: str, update) -> None:
    """What a `predict W[i,j]` with `do = "s"` is checked against: the parameter after one
    update, from the oracle's gradient and each optimiser's rule."""
    session = open_session(Config(data="xor", hidden=(3,), seed=6, optimizer=optimizer))
    bound = Bound(session)
    want = expected(session, bound)
    before = session.net.W[1][2, 0]
    g = want["dW"][1][2][0]
    session.step()
    after = Bound(session).value(parse("W2[2,0]", session))
    assert after == pytest.approx(update(before, g, session.lr), rel=1e-9, abs=1e-12)


def test_accuracy_is_right_rows_over_rows() -> None:
    session = open_session(Config(data="spiral3", seed=1, hidden=(6,)))
    session.run(5)
    bound = Bound(session)
    pred = session.predict(session.dataset.X).argmax(axis=1)
    truth = session.dataset.y.argmax(axis=1)
    assert bound.value(parse("accuracy", session)) == pytest.approx(np.mean(pred == truth))


def test_names_follow_the_views() -> None:
    one = open_session(Config(preset="notebook"))
    deep = open_session(Config(data="circle", hidden=(3, 3), seed=1))
    assert parse("H[0,0]", one).name == "H" and parse("A2[0,0]", one).name == "yhat"
    assert parse("ŷ[0,0]", one).name == "yhat" and parse("J", one).kind == "objective"
    assert parse("H2[1,2]", deep).layer == 2
    with pytest.raises(QuantityError, match="H1, H2"):
        parse("H[0,0]", deep)
    assert parse("b1[1]", one).index == (0, 1) == parse("b1[0,1]", one).index
    assert parse("W1[-1,-1]", one).index == (1, 1)  # Python-style from the end


@pytest.mark.parametrize(("text", "words"), [
    ("W9[0,0]", ["unknown quantity 'W9'", "W1, b1, W2, b2", "delta1, delta2"]),
    ("W2[5,0]", ["out of range", "2×1", "0 to 1"]),
    ("W2[0,3]", ["out of range", "column is 0 to 0"]),
    ("W2", ["2×1 matrix", "W2[0,0]"]),
    ("H[0]", ["give a row and a column"]),
    ("loss[1]", ["one number"]),
    ("accuracy", ["classification"]),
    ("dW2[0,0", ["not a quantity"]),
])
def test_a_quantity_the_session_lacks_says_what_exists(text: str, words: list[str]) -> None:
    session = open_session(Config(preset="notebook"))
    with pytest.raises(QuantityError) as exc:
        parse(text, session)
    for w in words:
        assert w in str(exc.value)


def test_placeholders_are_filled_with_the_live_values() -> None:
    session = open_session(Config(preset="notebook"))
    text = "W2 {W2[0,0]:.4f}, yhat {yhat[0,0]:.3f}, epoch {epoch}, lr {lr}, {{braces}}"
    assert fill(text, Bound(session)) == \
        "W2 0.6785, yhat 1.392, epoch 0, lr 0.1, {braces}"
    session.step()
    assert fill("{epoch} {W2[0,0]}", Bound(session)) == \
        f"1 {value_text(session.net.W[1][0, 0])}"


def test_after_a_divergence_the_next_update_has_no_values() -> None:
    session = open_session(Config(preset="notebook", lr=50))
    session.run(100)
    assert session.diverged
    bound = Bound(session)
    assert bound.value(parse("dW1[0,0]", session)) is None
    assert bound.text(parse("dW1[0,0]", session)) == "—"
    assert bound.value(parse("W1[0,0]", session)) is not None
