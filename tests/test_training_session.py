"""Sessions: determinism, step vs run, preview, divergence, evaluation. Stepping back is
in test_training_undo.py."""

import numpy as np
import pytest

from core import Config, UserError, open_session, view

OPTIMISERS = [("gd", None), ("sgd", 1), ("sgd", 3), ("momentum", None), ("momentum", 4),
              ("adam", None), ("adam", 5)]


def state(s):
    """Everything that decides the future of a session."""
    return (s.net.flat.copy(), {k: v.copy() for k, v in s.opt_state.items()}, s.epoch,
            s.batch, s.history.values("loss").copy(), s.history.values("objective").copy(),
            s.rng.bit_generator.state, s.lr)


def assert_same(a, b):
    assert np.array_equal(a[0], b[0])
    assert a[1].keys() == b[1].keys() and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])
    assert a[2:4] == b[2:4]
    assert np.array_equal(a[4], b[4]) and np.array_equal(a[5], b[5])
    assert a[6] == b[6] and a[7] == b[7]


def session(opt="gd", bs=None, data="circle", **kw):
    return open_session(Config(data=data, optimizer=opt, batch_size=bs, seed=11, **kw))


def test_same_seed_gives_bit_identical_histories():
    a, b = session("adam", 3), session("adam", 3)
    a.run(20)
    b.run(20)
    assert_same(state(a), state(b))
    c = open_session(Config(data="circle", optimizer="adam", batch_size=3, seed=12))
    c.run(20)
    assert not np.array_equal(a.history.values(), c.history.values())


def test_history_is_a_compact_float_array():
    s = session()
    s.run(50)
    h = s.history.values()
    assert isinstance(h, np.ndarray) and h.dtype == np.float64 and h.shape == (50,)


@pytest.mark.parametrize("opt,bs", OPTIMISERS)
def test_steps_and_runs_agree(opt, bs):
    a, b = session(opt, bs), session(opt, bs)
    for _ in range(7):
        a.step()
    b.run(7)
    assert_same(state(a), state(b))
    assert np.array_equal(a.last.dW[0], b.last.dW[0])


@pytest.mark.parametrize("opt,bs", OPTIMISERS)
def test_preview_is_the_next_step(opt, bs):
    s = session(opt, bs)
    s.run(2)
    before = state(s)
    p = s.preview()
    assert_same(state(s), before)  # nothing moved
    r = s.step_update()
    for a, b in zip(p.dW + p.db + p.delta + p.Z + p.W_after, r.dW + r.db + r.delta + r.Z +
                    r.W_after, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(p.rows, r.rows)


def test_record_is_immutable_and_consistent():
    s = open_session(Config(preset="notebook"))
    r = s.step()
    with pytest.raises(ValueError):
        r.dW[0][0, 0] = 1.0
    for Wb, dW, W in zip(r.W_before, r.W_change, r.W_after, strict=True):
        np.testing.assert_array_equal(Wb + dW, W)
    assert r.epoch == 0 and s.epoch == 1
    assert r.objective == pytest.approx(r.loss / 2)  # J = (1/2N)Σ(ŷ−y)² with one output
    assert np.array_equal(r.delta[-1], r.predictions - r.y)


@pytest.mark.parametrize("opt,bs", OPTIMISERS)
def test_divergence_stops_at_the_first_non_finite_value(opt, bs):
    s = session(opt, min(bs or 4, 4) if bs else None, data="notebook", lr=1000.0)
    if opt == "adam":  # adam's steps are bounded by lr, so start it where the loss overflows
        s.net.flat[:] = 1e120
    result = s.run(5000)
    assert result.diverged_at is not None and s.diverged
    assert np.isfinite(s.net.flat).all()
    assert np.isfinite(s.history.values()).all()
    assert not s.evaluate().finite
    with pytest.raises(UserError, match="diverged"):
        s.step()
    v = view(s)
    assert v.diverged_at == result.diverged_at and v.loss_change is None
    if result.diverged_at > 0:  # stepping back leaves the diverged state
        assert s.undo() and not s.diverged
    s.reset()
    s.set_lr(0.01)
    s.run(5)
    assert s.epoch == 5 and not s.diverged


def test_reset_and_restart():
    s = open_session(Config(preset="notebook", seed=5))
    s.run(10)
    s.restart()
    assert s.epoch == 0 and s.seed == 5 and s.net.W[0][0, 0] == 0.53478669
    seed = s.reset()
    first = s.net.flat.copy()
    s.run(3)
    s.restart()
    assert s.seed == seed and np.array_equal(s.net.flat, first)
    assert s.reset(123) == 123


def test_run_can_be_stopped():
    s = session()
    calls = []
    result = s.run(100, stop=lambda: calls.append(1) or len(calls) >= 3)
    assert result.stopped and result.epochs == 3 and s.epoch == 3
    assert s.last is not None and s.last.epoch == 2


def test_divergence_without_snapshots_does_not_hang():
    """Headless runs keep almost no snapshots; a parameter overflow must still just stop."""
    s = open_session(Config(data="xor", optimizer="adam", seed=1))
    s.undo_budget = 0
    s.step_update()
    s.opt_state["m"][:] = 1e308
    s.step_update()
    if not s.diverged:
        s.step_update()
    assert s.diverged and np.isfinite(s.net.flat).all()


@pytest.mark.parametrize("kw", [dict(preset="notebook"),
                                dict(data="circle", test_fraction=0.3, seed=5),
                                dict(data="xor", test_fraction=0.5, seed=2, hidden=(3,))])
def test_evaluation_predicts_every_row_in_file_order(kw) -> None:
    """The predictions are put together from the train and test passes; they must be what
    one forward pass over every row, in file order, gives."""
    s = open_session(Config(**kw))
    s.run(7)
    ev = s.evaluate()
    ds = s.dataset
    expect = s.net.forward(ds.X_all)[1][-1]
    assert ev.predictions.shape == expect.shape == (ds.raw.shape[0], 1)
    np.testing.assert_allclose(ev.predictions, expect, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ev.predictions_original, ds.to_original(expect), rtol=1e-12)
