"""Worked answers: every quantity kind has one, on every activation, loss and optimiser; it
ends on the value the learner is marked against; and its arithmetic, evaluated from the
numbers it shows, gives that value (to the rounding of 4-decimal operands)."""

from __future__ import annotations

import math
import re

import pytest

from core import Config, open_session
from core.lessons.quantities import Bound, matrix_names, parse, value_text
from core.lessons.worked import worked

SMALL = {  # few enough rows and units that every sum is shown in full
    "notebook": Config(preset="notebook"),
    "sigmoid-bce-momentum": Config(data="xor", hidden=(3,), activation="sigmoid",
                                   optimizer="momentum", seed=4),
    "tanh-mse-sigmoid-out-adam": Config(data="xor", hidden=(2, 3), activation="tanh",
                                        output_activation="sigmoid", loss="mse", seed=2,
                                        optimizer="adam", lr=0.05),
    "relu-mse-linear-sgd": Config(data="xor", hidden=(4,), activation="relu", loss="mse",
                                  output_activation="linear", optimizer="sgd", batch_size=4,
                                  seed=3),
    "no-hidden": Config(data="xor", hidden=(0,), seed=1),
    "l1": Config(data="xor", hidden=(3,), activation="tanh", l1=0.05, seed=1),
    "l2-l1-momentum": Config(data="xor", hidden=(3,), activation="sigmoid", l2=0.1, l1=0.05,
                             optimizer="momentum", seed=2),
    "schedule-adam": Config(data="xor", hidden=(3,), activation="tanh", optimizer="adam",
                            lr=0.05, lr_schedule="step:1:0.5", seed=3),
    "crosses": Config(data="notebook", hidden=(2,), activation="tanh", seed=4,
                      inputs=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")),
    "sgd-batches-l1": Config(data="xor", hidden=(3,), activation="relu", optimizer="sgd",
                             batch_size=3, l1=0.02, lr_schedule="exp:0.9", seed=5),
    "no-hidden-l2-l1-crosses": Config(data="xor", hidden=(0,), l2=0.1, l1=0.05, seed=6,
                                      inputs=("x1", "x2", "x1*x2")),
}
BIG = {  # sums too long to show: the first terms, "… (N more)"
    "softmax-ce-adam-l2": Config(data="spiral3", hidden=(5,), l2=0.01, seed=3),
    "circle-minmax": Config(data="circle", hidden=(3,), normalize="minmax", seed=1),
    "notebook-zscore": Config(data="notebook", normalize="zscore", seed=1),
}


def every_quantity(session) -> list[str]:
    """One entry of each matrix (its last row and column) and every scalar."""
    depth = len(session.sizes) - 1
    out = []
    for name, (kind, _) in matrix_names(depth).items():
        q = parse(f"{name}[-1,-1]" if kind not in ("b", "db") else f"{name}[-1]", session)
        out.append(q.text)
    out += ["loss", "objective", "epoch", "lr"]
    if "accuracy" in session.history_columns:
        out.append("accuracy")
    return out


def evaluate(text: str) -> float | None:
    """The number the worked arithmetic gives: the part before the final `= value`,
    after any `:`, as Python. None when it elides terms (`…`) or has no arithmetic."""
    head = text.rsplit(" = ", 1)[0]
    numbers = head.rsplit(" = ", 1)[-1].split(": ")[-1]
    if "…" in numbers or re.search(r"[A-Za-z_]\w*\[", numbers) or "ln" in numbers:
        return None
    py = numbers.replace("·", "*").replace("²", "**2").replace("e^", "math.e**")
    py = py.replace("½", "0.5")
    py = re.sub(r"√([0-9.e-]+)", r"math.sqrt(\1)", py)
    py = re.sub(r"\blog ([0-9.e-]+)", r"math.log(\1)", py).replace("log(", "math.log(")
    py = py.replace("math.math.", "math.")
    py = py.replace("tanh(", "math.tanh(").replace("sin(", "math.sin(")
    try:
        return float(eval(py, {"math": math, "max": max}))
    except (SyntaxError, NameError):  # words, not arithmetic: "epoch = 2: the epochs done"
        return None


@pytest.mark.parametrize("name", list(SMALL) + list(BIG))
def test_every_quantity_has_a_worked_answer_ending_on_its_value(name: str) -> None:
    configs = {**SMALL, **BIG}
    session = open_session(configs[name])
    session.run(3)
    bound = Bound(session)
    for text in every_quantity(session):
        q = parse(text, session)
        done = worked(bound, q)
        assert done is not None, text
        assert done.value == bound.value(q), text
        assert done.text.startswith(q.text if q.index is not None else "")
        assert done.text.endswith(f" {value_text(done.value, q.kind == 'epoch')}") or \
            f"= {value_text(done.value, q.kind == 'epoch')}:" in done.text, done.text


@pytest.mark.parametrize("name", list(SMALL))
def test_worked_arithmetic_gives_the_value(name: str) -> None:
    session = open_session(SMALL[name])
    session.run(2)
    bound = Bound(session)
    checked = 0
    for text in every_quantity(session):
        q = parse(text, session)
        done = worked(bound, q)
        got = evaluate(done.text)
        if got is None:
            continue
        checked += 1
        assert got == pytest.approx(done.value, abs=2e-3 * max(1.0, abs(done.value))), \
            done.text
    assert checked >= 10


def every_entry(session) -> list[str]:
    """Every entry of every matrix, and every scalar: small networks only."""
    from core.lessons.quantities import shape_of

    depth = len(session.sizes) - 1
    out = []
    for name, (kind, layer) in matrix_names(depth).items():
        if name.startswith("A") and name != "A":  # A1 … are H and yhat by other names
            continue
        rows, cols = shape_of(session, kind, layer)
        out += [f"{name}[{j}]" if kind in ("b", "db") else f"{name}[{i},{j}]"
                for i in range(1 if kind in ("b", "db") else rows) for j in range(cols)]
    return out + [t for t in every_quantity(session) if "[" not in t]


@pytest.mark.parametrize("name", ["l1", "l2-l1-momentum", "schedule-adam", "crosses",
                                  "sgd-batches-l1", "no-hidden-l2-l1-crosses"])
@pytest.mark.parametrize("where", ["start", "after 2 epochs", "mid-epoch"])
def test_worked_arithmetic_of_every_entry(name: str, where: str) -> None:
    """Each entry's worked answer, evaluated from the numbers it shows, gives its value:
    the penalties' λ·W and λ·sign(W) in dW and J, a cross's x1², x1·x2 and sin, a
    schedule's lr and a mini-batch's rows included."""
    session = open_session(SMALL[name])
    if where != "start":
        session.run(2)
    if where == "mid-epoch":
        session.step_update()
    bound = Bound(session)
    checked = 0
    for text in every_entry(session):
        q = parse(text, session)
        done = worked(bound, q)
        assert done is not None and done.value == bound.value(q), text
        got = evaluate(done.text)
        if got is None:
            continue
        checked += 1
        assert got == pytest.approx(done.value, abs=2e-3 * max(1.0, abs(done.value))), \
            done.text
    assert checked >= 20


@pytest.mark.parametrize("l2,l1,formula", [
    (0.0, 0.05, " + λ·sign(W2[0,0]) = "), (0.1, 0.0, " + λ·W2[0,0] = "),
    (0.1, 0.05, " + λ₂·W2[0,0] + λ₁·sign(W2[0,0]) = "),
])
def test_penalties_in_dW_and_J(l2: float, l1: float, formula: str) -> None:
    """dW names each penalty's slope and J each penalty, with the λ the session uses."""
    session = open_session(Config(preset="notebook", l2=l2, l1=l1))
    bound = Bound(session)
    dw = worked(bound, parse("dW2[0,0]", session))
    assert formula in dw.text
    j = worked(bound, parse("J", session)).text
    assert ("Σ|W|" in j) == bool(l1) and ("ΣW²" in j) == bool(l2)
    # W2[0,0] is positive: its L1 slope is +λ
    if l1:
        assert f" + {l1:g}·1 = " in dw.text


def test_a_cross_input_is_worked_from_its_features() -> None:
    session = open_session(SMALL["crosses"])
    done = worked(Bound(session), parse("X[0,4]", session))
    assert done.text.startswith("X[0,4] = x1*x2 of file row ")
    assert "x1 (Hours_Studied, normalised) = " in done.text and "x2 (Hours_Slept" in done.text


def test_the_issues_example_dW2() -> None:
    """dW2[0,0] = Σₙ H[n,0]·delta2[n,0] / N = (…) / 4 = 0.4033 on the notebook at epoch 0."""
    session = open_session(Config(preset="notebook"))
    bound = Bound(session)
    done = worked(bound, parse("dW2[0,0]", session))
    assert done.text.startswith("dW2[0,0] = Σₙ H[n,0]·delta2[n,0] / N = (0.4267·0.7452 + ")
    assert done.text.endswith(") / 4 = 0.4033")


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum", "adam"])
def test_a_parameter_is_worked_from_the_update_that_made_it(optimizer: str) -> None:
    kw = {"batch_size": 2} if optimizer == "sgd" else {}
    session = open_session(Config(data="xor", hidden=(3,), seed=6, optimizer=optimizer,
                                  lr=0.05 if optimizer == "adam" else 0.5, **kw))
    start = worked(Bound(session), parse("W2[1,0]", session))
    assert "starting value" in start.text
    session.run(3)
    done = worked(Bound(session), parse("W2[1,0]", session))
    rule = {"gd": "W2[1,0] - lr·dW2[1,0]", "sgd": "W2[1,0] - lr·dW2[1,0]",
            "momentum": "W2[1,0] - lr·v", "adam": "W2[1,0] - lr·m̂/(√v̂ + ε)"}[optimizer]
    assert rule in done.text
    assert evaluate(done.text) == pytest.approx(done.value, abs=2e-3)


def test_a_parameter_set_by_hand_is_its_value() -> None:
    session = open_session(Config(preset="notebook"))
    session.step()
    session.set_param(1, "W", 0, 0, 0.5)
    done = worked(Bound(session), parse("W2[0,0]", session))
    assert done.text == "W2[0,0] = 0.5000: its value now (set by hand after the last update)"


@pytest.mark.parametrize(("normalize", "words"), [
    ("max", "2 / 8"), ("minmax", "(2 - 2) / 6"), ("none", "as the file has it"),
])
def test_inputs_are_worked_from_the_file(normalize: str, words: str) -> None:
    session = open_session(Config(data="notebook", normalize=normalize, seed=1))
    done = worked(Bound(session), parse("X[0,0]", session))
    assert "Hours_Studied of file row 0" in done.text and words in done.text


def test_no_worked_answer_after_a_divergence_for_the_next_update() -> None:
    session = open_session(Config(preset="notebook", lr=50))
    session.run(100)
    assert worked(Bound(session), parse("delta1[0,0]", session)) is None
