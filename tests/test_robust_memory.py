"""Memory stays within what the session says it keeps: traced allocations, not timings."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from core import Config
from core.data.dataset import build
from core.training.session import Session

MB = 2**20


def wide_session(undo_budget: int) -> Session:
    """2,000 rows × 8 → 32 → 1: one step record (X, Z, A, deltas…) is about 1.7 MB."""
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1, (2000, 8))
    ds = build("wide", X, X.sum(axis=1, keepdims=True), [f"x{i}" for i in range(8)], ["y"],
               "max", 0.0, rng)
    cfg = Config(data="wide.csv", hidden=(32,), init="xavier", lr=0.01, seed=2).resolve()
    return Session(cfg, ds, undo_budget=undo_budget)


def traced_growth(action, repeats: int) -> int:
    """Bytes still allocated after `repeats` calls of action (numpy buffers included)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(repeats):
            action()
        return tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()


def record_bytes(session: Session) -> int:
    rec = session.last
    arrays = [v for v in vars(rec).values() if isinstance(v, np.ndarray)]
    arrays += [a for v in vars(rec).values() if isinstance(v, tuple) for a in v]
    return sum(a.nbytes for a in arrays)


def test_headless_runs_keep_no_snapshots():
    """As `backprop train` runs: undo_budget 0, many runs, memory flat (history aside)."""
    s = wide_session(undo_budget=0)
    s.run(2)
    grown = traced_growth(lambda: s.run(3), 40)
    history = 120 * 8 * len(s.history.columns)
    assert grown < 2 * record_bytes(s) + history + MB


def test_stepping_back_history_stays_within_its_budget():
    budget = 4 * MB
    s = wide_session(undo_budget=budget)
    s.step()
    grown = traced_growth(s.step, 30)
    assert grown < budget + 2 * record_bytes(s) + MB


def test_activation_memory_is_refused_up_front():
    """Only builds the session: if the limit is missing, nothing large is allocated here."""
    from core import UserError

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (1_000_000, 2))
    ds = build("tall", X, X[:, :1] + X[:, 1:], ["a", "b"], ["y"], "max", 0.0, rng)
    cfg = Config(data="tall.csv", hidden=(1024, 1024), init="xavier", seed=0).resolve()
    with pytest.raises(UserError, match=r"rows|memory"):
        Session(cfg, ds)
