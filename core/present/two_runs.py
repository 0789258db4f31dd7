"""What a screen shows of two runs at once: the run whose weights, gradients and data it
shows (A or B), as an ordinary SessionView, and beside it a summary of both runs (where
each is, its lr, its loss now and its loss at every epoch) for the loss chart and the
status line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..training.compare import Comparison
from ..training.session import Session
from .views import SessionView, view

RUNS = ("A", "B")


@dataclass(frozen=True, eq=False)  # arrays: no field-wise ==
class RunSummary:
    name: str  # "A" or "B"
    words: str  # what the run is: "as given" for A, what B changes ("lr 1.0") for B
    epoch: int
    batch: int
    lr: float
    schedule: str | None  # the lr schedule's spelling, if any
    loss: float  # the current parameters' loss on the training rows
    finite: bool
    accuracy: float | None
    curve: np.ndarray  # the loss at each epoch, ending at the loss now (see loss_curve)
    diverged_at: int | None
    diverged_lr: float | None
    loss_name: str

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


@dataclass(frozen=True, eq=False)
class CompareView:
    """Both runs, and which one the panes show."""

    shown: str  # "A" or "B"
    label: str  # what B changes: "lr 1.0"
    text: str  # the same as given: "--lr 1.0"
    runs: tuple[RunSummary, RunSummary]

    def run(self, name: str) -> RunSummary:
        return self.runs[RUNS.index(name)]


def summary(name: str, words: str, session: Session, v: SessionView | None = None
            ) -> RunSummary:
    """One run in brief; from its view when there is one (no second forward pass)."""
    if v is None:
        ev = session.evaluate()
        curve = _curve(session, ev)
    else:
        ev = v.evaluation
        curve = v.loss_curve
    return RunSummary(name, words, session.epoch, session.batch, session.lr,
                      session.config.lr_schedule, ev.loss, ev.finite, ev.accuracy, curve,
                      session.diverged_at, session.diverged_lr, session.loss_fn.name)


def _curve(session: Session, ev) -> np.ndarray:
    """The loss history with the loss now at its end, as SessionView.loss_curve has it."""
    values = session.history.values("loss")
    if session.batch == 0 and len(values) == session.epoch and ev.finite:
        return np.append(values, ev.loss)
    return values


def compare_view(c: Comparison, shown: str = "A") -> SessionView:
    """The shown run's view, with both runs in brief as its `compare`."""
    a_shown = shown == "A"
    v = view(c.a if a_shown else c.b)
    mine = summary(shown, "as given" if a_shown else c.label, c.a if a_shown else c.b, v)
    other_name = "B" if a_shown else "A"
    other = summary(other_name, c.label if a_shown else "as given", c.b if a_shown else c.a)
    runs = (mine, other) if a_shown else (other, mine)
    return replace(v, compare=CompareView(shown, c.label, c.text, runs))
