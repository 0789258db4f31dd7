"""Divergence on every optimiser: detected at the first non-finite value, never shown as a
result, and recoverable by undo, restart or reset."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import Config, UserError, open_session, view
from core.presets import NOTEBOOK_B1, NOTEBOOK_B2, NOTEBOOK_W1, NOTEBOOK_W2

OPTIMIZERS = ("gd", "sgd", "momentum", "adam")


def diverging_session(optimizer: str):
    """The notebook with a learning rate it cannot survive.

    gd, sgd and momentum blow up at the CLI's largest lr, 1000. Adam moves each parameter by
    at most lr per update, so no allowed lr makes it reach infinity on the notebook (its loss
    climbs to ~1e3 and stays finite); its session gets an lr past the limit instead.
    """
    batch = {"batch_size": 2} if optimizer in ("sgd", "momentum", "adam") else {}
    s = open_session(Config(preset="notebook", optimizer=optimizer, lr=1000.0, seed=11,
                            **batch))
    if optimizer == "adam":
        s.lr = 1e200  # past set_lr's check on purpose: see the docstring
    return s


def bare_notebook_first_nonfinite(lr: float, epochs: int) -> int | None:
    """The notebook's own loop: the first epoch whose printed loss is not a finite number."""
    X = np.array([[2, 9], [4, 8], [6, 6], [8, 5]], float)
    y = np.array([[55], [65], [75], [85]], float)
    X, y = X / X.max(axis=0), y / y.max()
    w1, b1, w2, b2 = (np.array(a, float) for a in (NOTEBOOK_W1, NOTEBOOK_B1, NOTEBOOK_W2,
                                                     NOTEBOOK_B2))
    with np.errstate(all="ignore"):
        for epoch in range(epochs):
            h = np.dot(X, w1) + b1
            out = np.dot(h, w2) + b2
            if not math.isfinite(np.mean((y - out) ** 2)):
                return epoch
            delta2 = out - y
            dw2, db2 = np.dot(h.T, delta2) / 4, np.sum(delta2, axis=0, keepdims=True) / 4
            delta1 = np.dot(delta2, w2.T)
            dw1, db1 = np.dot(X.T, delta1) / 4, np.sum(delta1, axis=0, keepdims=True) / 4
            w2 -= lr * dw2
            b2 -= lr * db2
            w1 -= lr * dw1
            b1 -= lr * db1
    return None


@pytest.fixture(params=OPTIMIZERS)
def diverged(request):
    s = diverging_session(request.param)
    result = s.run(300)
    assert result.diverged_at is not None, f"{request.param} did not diverge"
    return s


def test_gd_stops_where_the_notebook_loop_first_goes_non_finite():
    s = diverging_session("gd")
    s.run(300)
    assert s.diverged_at == bare_notebook_first_nonfinite(1000.0, 300)
    assert s.epoch == len(s.history) == s.diverged_at


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_run_and_single_steps_diverge_at_the_same_place(optimizer):
    whole = diverging_session(optimizer)
    whole.run(300)
    stepped = diverging_session(optimizer)
    for _ in range(300):
        if stepped.step() is None:
            break
    assert stepped.diverged_at == whole.diverged_at is not None
    assert stepped.epoch == whole.epoch and stepped.batch == whole.batch
    np.testing.assert_array_equal(stepped.params(), whole.params())


def test_state_left_is_the_last_finite_one(diverged):
    s = diverged
    assert s.diverged and s.diverged_at >= s.epoch
    assert np.isfinite(s.params()).all()
    assert all(np.isfinite(a).all() for a in (*s.W, *s.b))
    assert np.isfinite(s.history.values()).all(), "no NaN/inf logged as a loss"
    for col in s.history.columns:
        assert np.isfinite(s.history.values(col)).all(), col
    if s.last is not None:
        assert math.isfinite(s.last.loss) and np.isfinite(s.last.predictions).all()


def test_evaluation_flags_a_non_finite_loss_instead_of_showing_it(diverged):
    """The parameters left are the last finite ones, but on the data they already overflow:
    the evaluation says so, and the view carries no loss for them."""
    ev = diverged.evaluate()
    assert not ev.finite
    assert not (math.isfinite(ev.loss) and np.isfinite(ev.predictions).all())
    v = view(diverged)
    assert v.diverged and v.diverged_at == diverged.diverged_at and v.epoch == diverged.epoch
    assert not v.evaluation.finite
    assert v.loss_change is None  # no "change" computed from an infinite loss
    # "best so far" is a loss logged at an earlier epoch, never the current non-finite one
    assert v.best_so_far == v.best
    if v.best_so_far is not None:
        epoch, loss = v.best_so_far
        assert epoch < len(v.history) and loss == v.history[epoch] and math.isfinite(loss)


def test_training_refuses_to_continue_while_diverged(diverged):
    s = diverged
    before = (s.epoch, s.batch, s.params().copy())
    for action in (s.step, s.step_update, lambda: s.run(5)):
        with pytest.raises(UserError, match="diverged"):
            action()
    assert s.preview() is None
    assert (s.epoch, s.batch) == before[:2]
    np.testing.assert_array_equal(s.params(), before[2])


@pytest.mark.parametrize("recover", ["undo", "restart", "reset"])
def test_recovers_and_trains_on(diverged, recover):
    """Undo goes back an epoch at a time: one epoch before the blow-up the parameters are
    already huge (1e10 and up), so it steps all the way back, to the starting weights."""
    s = diverged
    if recover == "undo":
        start = diverging_session(s.opt.name).params()
        for _ in range(s.epoch + 1):
            if s.epoch == 0 and s.batch == 0:
                break
            assert s.can_undo and s.undo()
        assert (s.epoch, s.batch) == (0, 0)
        np.testing.assert_array_equal(s.params(), start)
    elif recover == "restart":
        s.restart()
        assert s.epoch == 0 and len(s.history) == 0
    else:
        assert s.reset(seed=5) == 5 and s.epoch == 0
    assert s.diverged_at is None and not view(s).diverged
    s.set_lr(0.01)
    result = s.run(20)
    assert result.diverged_at is None and result.epochs == 20
    ev = s.evaluate()
    assert ev.finite and np.isfinite(s.params()).all()
    assert np.isfinite(s.history.values()).all()


def test_an_edit_clears_divergence_and_undo_brings_it_back(diverged):
    s = diverged
    at = s.diverged_at
    s.set_param(0, "W", 0, 0, 0.5)
    assert not s.diverged
    assert s.undo()
    assert s.diverged_at == at


def test_adam_does_not_freeze_silently_when_its_state_overflows(tmp_path):
    rows = "".join(f"{i}e152,{i}e152\n" for i in range(1, 5))
    (tmp_path / "big.csv").write_text("a,b\n" + rows)
    s = open_session(Config(data=str(tmp_path / "big.csv"), normalize="none",
                            optimizer="adam", lr=1.0, seed=3))
    s.run(1)
    before = s.params().copy()
    if not s.diverged:
        s.run(5)
    moved = not np.array_equal(s.params(), before)
    state_finite = all(np.isfinite(v).all() for v in s.opt_state.values())
    assert s.diverged or (moved and state_finite)
