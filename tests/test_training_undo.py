"""Stepping back (core/training/undo.py and the session's going back): the snapshots kept
within their byte budget, and every way back replaying to the same bits."""

from types import SimpleNamespace

import numpy as np
import pytest

from core import Config, UserError, open_session
from core.training.undo import MARK_OVERHEAD, Mark, Snapshots, record_bytes
from tests.test_training_session import OPTIMISERS, assert_same, session, state


def mark(t: int, last=None, event: bool = False, n: int = 100) -> Mark:
    """A snapshot of n parameters at update t (n·8 + MARK_OVERHEAD bytes, with no record)."""
    return Mark(t=t, epoch=t, batch=0, flat=np.zeros(n), opt_state={}, rng_state={},
                perm=None, lr=0.1, hist_len=t, hand_len=0, last=last, diverged_at=None,
                diverged_lr=None, event=event)


ONE = 100 * 8 + MARK_OVERHEAD  # bytes of one mark()


def test_the_oldest_snapshots_go_first_and_the_newest_is_always_kept():
    marks = Snapshots(budget=3 * ONE)
    for t in range(5):
        marks.push(mark(t))
    assert (marks.oldest, marks.newest, marks.nbytes) == (2, 4, 3 * ONE)
    none = Snapshots(budget=0)  # headless: only the newest, which a divergence rewinds to
    for t in range(3):
        none.push(mark(t))
    assert (none.oldest, none.newest, none.nbytes) == (2, 2, ONE)


def test_a_record_shared_by_snapshots_is_counted_once():
    """A run pushes several marks that all hold the record from before it."""
    rec = open_session(Config(preset="notebook")).step()
    size = record_bytes(rec)
    assert size > 1024
    marks = Snapshots(budget=10**9)
    for t in range(3):
        marks.push(mark(t, last=rec))
    assert marks.nbytes == 3 * ONE + size
    marks.budget = 2 * ONE + size  # the first mark goes; the next now holds the record alone
    marks.push(mark(3))
    assert marks.oldest == 2 and marks.nbytes == 2 * ONE + size


def test_going_back_drops_the_younger_snapshots_and_takes_an_exact_one():
    """An exact snapshot is used up when it holds the record of the update that led to it.
    One taken inside a run holds none: the one before it is restored instead, so the replay
    ends with that update's record."""
    marks = Snapshots(budget=10**9)
    led = SimpleNamespace(t=7, start=None)  # the record of the update from 7 to 8
    for t, last in ((0, None), (4, None), (8, led), (12, None)):
        marks.push(mark(t, last=last))
    got = marks.back_to(9)  # restore the one at 8, replay one update
    assert got.t == 8 and marks.newest == 8
    got = marks.back_to(8)  # exactly at a snapshot that holds its record: it is used up
    assert got.t == 8 and marks.newest == 4
    got = marks.back_to(4)  # exactly at one without it: replayed from the one at 0
    assert got.t == 0 and marks.newest == 0 and marks.nbytes == ONE
    kept = marks.back_to(0, pop_exact=False)
    assert kept.t == 0 and marks and marks.newest == 0
    assert marks.back_to(-1) is None and not marks and marks.nbytes == 0


def test_an_edit_is_undone_on_its_own():
    marks = Snapshots(budget=10**9)
    marks.push(mark(5))
    marks.push(mark(5, event=True))
    assert marks.event_at(5) and not marks.event_at(6)
    assert marks.can_undo(5)  # nothing older than update 5 but the edit made there
    assert marks.pop().event and not marks.event_at(5) and not marks.can_undo(5)
    assert marks.can_undo(6)


@pytest.mark.parametrize("opt,bs", OPTIMISERS)
def test_undo_then_redo_is_bit_identical(opt, bs):
    s = session(opt, bs, test_fraction=0.2)
    s.run(4)
    s.step_update()
    before = state(s)
    s.run(3)
    s.step()
    after, last = state(s), s.last
    for t in range(s.t - 1, 4 * s.batches, -1):  # one update back at a time
        assert s.undo_update() and s.t == t
    assert s.t == 4 * s.batches + 1
    assert_same(state(s), before)
    s.run(3)
    s.step()
    assert_same(state(s), after)
    assert np.array_equal(s.last.W_change[0], last.W_change[0])


def test_undo_epoch_granularity_and_depth():
    s = open_session(Config(preset="notebook"))
    start = s.net.flat.copy()
    s.run(1000)
    s.step()
    s.step()
    mid = []
    for _ in range(1002):
        assert s.undo()
        mid.append(s.epoch)
    assert mid[:3] == [1001, 1000, 999] and s.epoch == 0
    assert np.array_equal(s.net.flat, start) and len(s.history) == 0
    assert not s.undo() and not s.can_undo


def test_undo_mid_epoch_goes_to_the_epoch_start():
    s = session("sgd", 5)
    s.run(2)
    s.step_update()
    s.step_update()
    assert (s.epoch, s.batch) == (2, 2)
    s.undo()
    assert (s.epoch, s.batch) == (2, 0)


def test_lr_change_is_live_and_undoable():
    s = open_session(Config(preset="notebook"))
    s.step()
    s.set_lr(0.4)
    rec = s.step()
    assert rec.lr == 0.4
    np.testing.assert_array_equal(rec.W_change[0], rec.dW[0] * -0.4)
    s.undo()  # the step
    s.undo()  # the lr change
    assert s.lr == 0.1 and s.epoch == 1
    with pytest.raises(UserError):
        s.set_lr(float("nan"))


def test_edit_a_weight_and_undo_it():
    s = open_session(Config(preset="notebook"))
    s.step()
    old = s.net.W[0][1, 0]
    s.set_param(0, "W", 1, 0, 2.5)
    assert s.net.W[0][1, 0] == 2.5
    s.undo()
    assert s.net.W[0][1, 0] == old and s.epoch == 1


def test_undo_to_an_epoch_replays_to_the_same_bits():
    s = open_session(Config(preset="notebook", optimizer="momentum", seed=7))
    twin = open_session(Config(preset="notebook", optimizer="momentum", seed=7))
    s.run(50)
    assert s.undo_to(20)
    twin.run(20)
    assert s.epoch == 20 and np.array_equal(s.net.flat, twin.net.flat)
    assert np.array_equal(s.opt_state["v"], twin.opt_state["v"])
    assert np.array_equal(s.history.values(), twin.history.values())
    assert not s.undo_to(20) and not s.undo_to(30)  # only backwards
    assert s.undo_to(0) and s.epoch == 0
