"""Every epoch reached by any path shows that epoch: after a random walk of keys (s, r, b,
f, n, R, and a save then --resume), the view the panes draw equals, bit for bit, the view of
a fresh run taken straight to the same epoch: the update that produced it (gradients, ▲▼),
the loss history, the change and the best so far. Driven through the stepper (the rules the
keys follow), with no Textual."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import core.training.session
from core import Config, load_session, open_session, save_session, view
from tui.stepper import Stepper

CONFIGS = {
    # the notebook: full batch, the preset's weights
    "notebook": Config(preset="notebook", seed=7),
    # mini-batches over a shuffle, adam's state, a held-out row, classes
    "xor-adam": Config(data="xor", optimizer="adam", batch_size=2, test_fraction=0.25, seed=5),
}
KEYS = "ssrrbbbbffnRw"


def fresh_view(session, epoch: int, batch: int):
    """A new session from the same start (settings, seed, starting weights, lr), taken
    straight to (epoch, batch) by one run and single updates."""
    twin = open_session(replace(session.config, seed=session.config.seed))
    if twin.seed != session.seed or twin.uses_seed != session.uses_seed:
        twin.reset(session.seed)
    twin.lr = session.lr
    twin.run(epoch)
    for _ in range(batch):
        twin.step_update()
    return view(twin)


def assert_same_update(a, b, where: str) -> None:
    assert (a is None) == (b is None), where
    if a is None:
        return
    assert (a.epoch, a.batch, a.loss, a.objective, a.lr) == \
        (b.epoch, b.batch, b.loss, b.objective, b.lr), where
    for x, y in zip((*a.dW, *a.db, *a.W_change, *a.b_change, *a.W_after),
                    (*b.dW, *b.db, *b.W_change, *b.b_change, *b.W_after), strict=True):
        assert np.array_equal(x, y), where


def assert_same_epoch(shown, fresh, where: str) -> None:
    """What every pane reads of a view: position, parameters, the update that led here,
    the loss history, its change and the best so far."""
    assert (shown.epoch, shown.batch) == (fresh.epoch, fresh.batch), where
    assert all(np.array_equal(a, b) for a, b in zip(shown.W, fresh.W, strict=True)), where
    assert_same_update(shown.last, fresh.last, where)
    assert (shown.last is None) == (shown.t == 0), where  # "none yet" only at the start
    assert np.array_equal(shown.history, fresh.history), where
    assert shown.loss_change == fresh.loss_change, where
    assert shown.best_so_far == fresh.best_so_far, where
    assert shown.evaluation.loss == fresh.evaluation.loss, where


def walk(config: Config, keys: str, folder) -> None:
    seeds = itertools.count(1000)
    st_ = Stepper(open_session(config), run_epochs=33)  # 33: a run keeps snapshots inside
    done = ""
    for k in keys:
        done += k
        if k == "s":
            st_.step()
        elif k == "r":
            st_.run()
        elif k == "b":
            st_.back()
        elif k == "f":
            st_.next_phase()
        elif k == "n":
            core.training.session.new_seed = lambda: next(seeds)
            st_.reset()
        elif k == "R":
            st_.restart()
        elif k == "w":  # save, then carry on in the session the file reopens
            if st_.walk is not None:
                st_.leave()
            path = str(folder / "s.json")
            save_session(st_.session, path)
            st_.open(load_session(path))
        shown = st_.view()
        walk_ = st_.sync_walk(shown)
        if walk_ is not None and not walk_.committed:
            # the walk has not changed the session: the update it shows is the next one
            assert_same_update(walk_.record, st_.session.preview(), done)
        assert_same_epoch(shown, fresh_view(st_.session, shown.epoch, shown.batch), done)


@pytest.mark.parametrize("name", CONFIGS)
@settings(max_examples=25)
@given(keys=st.text(alphabet=KEYS, max_size=24))
def test_every_epoch_reached_shows_that_epoch(name: str, keys: str, tmp_path_factory) -> None:
    saved = core.training.session.new_seed
    try:
        walk(CONFIGS[name], keys, tmp_path_factory.mktemp("walk"))
    finally:
        core.training.session.new_seed = saved


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("keys", ["rrsbb", "rsbb", "rbbbs", "srsbbbbb", "rnbb", "rRbb",
                                  "rffffbbbbbb", "rwbs"])
def test_the_issue_s_reproductions(name: str, keys: str, tmp_path) -> None:
    """The paths that once showed another epoch's gradients: back after runs, across a
    reset, through a phase walk, after a resume."""
    walk(CONFIGS[name], keys, tmp_path)


def test_the_fresh_run_oracle_is_not_fooled() -> None:
    """The comparison fails when the record belongs to another epoch (as it did)."""
    s = open_session(CONFIGS["notebook"])
    s.run(100)
    s.run(100)
    shown = view(s)
    with pytest.raises(AssertionError):
        assert_same_epoch(replace(shown, last=fresh_view(s, 100, 0).last),
                          fresh_view(s, 200, 0), "planted")

