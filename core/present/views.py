"""Everything a screen shows about a session at one moment, as one immutable record.

A front end asks for a view after each action (or a worker posts one) and renders it; it
never reads the live session, so a run in a background thread cannot tear a frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..data.dataset import Dataset
from ..training.record import Evaluation, StepRecord, frozen
from ..training.session import Session
from .surface import Surface, surface

if TYPE_CHECKING:
    from .two_runs import CompareView

# The output pane's samples: fixed, so any view (from the UI thread or a worker) has them
# and a pane of any size draws them by nearest neighbour. Big networks get fewer pixels,
# so a view never costs more than about SURFACE_WORK multiply-adds.
SURFACE_SIZE = (96, 48)  # (columns, pixel rows)
SURFACE_WORK = 20_000_000


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class SessionView:
    epoch: int  # epochs completed
    batch: int  # updates done in the current epoch
    batches: int
    seed: int
    lr: float
    description: str  # "2-2-1 linear"
    architecture: str  # "2-2-1"
    optimizer: str
    batch_size: int
    loss_name: str  # "mse"
    objective_formula: str  # "J = (1/2N)·Σ(ŷ−y)²"
    W: tuple[np.ndarray, ...]  # current parameters
    b: tuple[np.ndarray, ...]
    evaluation: Evaluation  # the current parameters on the data
    # The update that produced this position (epoch N−1's update at epoch N, whatever way
    # it was reached); None at the start, or when it is no longer kept (see `last_kept`).
    last: StepRecord | None
    history: np.ndarray  # reported loss at each epoch's forward pass
    test_history: np.ndarray | None
    best: tuple[int, float] | None  # (epoch, loss)
    loss_change: float | None  # current loss − loss one epoch ago
    diverged_at: int | None
    can_undo: bool
    undo_depth: int
    dataset: Dataset
    # The lowest loss seen, counting the current parameters (which `best`, from the history of
    # past forward passes, does not yet include): what "best so far" means on screen.
    best_so_far: tuple[int, float] | None = None
    # ŷ sampled over the input plane (2 features) or along the input (1 feature); None when
    # the data has more features or targets than a picture can show.
    surface: Surface | None = None
    # Classification: the class names (the data's own); None otherwise.
    classes: tuple[str, ...] | None = None
    # Why the output layer's delta has its form (softmax with ce, sigmoid with bce, mse).
    delta_note: str = ""
    # What loading the data decided on the user's behalf, one line each (see Dataset).
    notices: tuple[str, ...] = ()
    hidden_activation: str = "linear"
    output_activation: str = "linear"
    # the learning rate training diverged with (the live lr may have been lowered since)
    diverged_lr: float | None = None
    l2: float = 0.0  # the L2 penalty λ: part of J, so of the chain-rule view's graph
    l1: float = 0.0  # the L1 penalty λ, likewise
    # the lr schedule (`step:100:0.5`), if any, and its base (the lr of epoch 0)
    lr_schedule: str | None = None
    base_lr: float | None = None
    # two runs (`--compare`): both in brief, and which one this view is of; else None
    compare: CompareView | None = None
    # Where the starting weights came from when the seed draws none of them: "the notebook's"
    # (a preset's printed weights) or a weights file's name; "" when the seed drew them.
    weights_from: str = ""

    @property
    def t(self) -> int:
        """Updates done since the start."""
        return self.epoch * self.batches + self.batch

    @property
    def last_kept(self) -> bool:
        """False when updates were made but the one that led here is not known (a session
        file from an older version, or a snapshot the undo budget let go)."""
        return self.last is not None or self.t == 0

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def loss_curve(self) -> np.ndarray:
        """The loss at each epoch's start and, between epochs, the current loss last: a
        chart of it ends where `loss now` is (the history alone stops an epoch short)."""
        return self._with_now(self.history, self.evaluation.loss)

    @property
    def test_curve(self) -> np.ndarray | None:
        if self.test_history is None:
            return None
        return self._with_now(self.test_history, self.evaluation.test_loss)

    def _with_now(self, values: np.ndarray, now: float | None) -> np.ndarray:
        at_boundary = self.batch == 0 and len(values) == self.epoch
        if at_boundary and now is not None and self.evaluation.finite:
            return np.append(values, now)
        return values


def view(session: Session) -> SessionView:
    ev = session.evaluate()
    hist = session.history
    prev = hist.last("loss")
    change = None
    if prev is not None and ev.finite and math.isfinite(prev):
        change = ev.loss - prev
    test = hist.values("test_loss") if "test_loss" in hist.columns else None
    best = hist.best("loss")
    best_so_far = best
    edited = session.edited_best
    if edited is not None and (best_so_far is None or edited[1] < best_so_far[1]):
        best_so_far = edited
    if ev.finite and (best_so_far is None or ev.loss <= best_so_far[1]):
        best_so_far = (session.epoch, ev.loss)
    return SessionView(
        epoch=session.epoch, batch=session.batch, batches=session.batches, seed=session.seed,
        lr=session.lr, description=session.description, architecture=session.architecture,
        optimizer=session.opt.name, batch_size=session.batch_size,
        loss_name=session.loss_fn.name,
        objective_formula=session.loss_fn.objective_formula,
        W=frozen(*session.net.W), b=frozen(*session.net.b), evaluation=ev, last=session.last,
        history=hist.values("loss"), test_history=test, best=best,
        loss_change=change, diverged_at=session.diverged_at, can_undo=session.can_undo,
        undo_depth=session.undo_depth, dataset=session.dataset, best_so_far=best_so_far,
        surface=_surface(session),
        classes=session.dataset.classes, delta_note=session.loss_fn.delta_note,
        notices=session.dataset.notices, hidden_activation=session.config.activation,
        output_activation=session.config.output_activation, diverged_lr=session.diverged_lr,
        l2=session.l2, l1=session.l1, lr_schedule=session.config.lr_schedule,
        base_lr=session.base_lr, weights_from=_weights_from(session))


def _weights_from(session: Session) -> str:
    """`the notebook's` for a preset, the file for --weights, when the seed draws nothing:
    a seed on screen that changes nothing would mislead."""
    if session.uses_seed:
        return ""
    cfg = session.config
    if cfg.preset is not None:
        return f"the {cfg.preset}'s"
    return cfg.weights.rsplit("/", 1)[-1] if cfg.weights else "given"


def _surface(session: Session) -> Surface | None:
    """The learned function at SURFACE_SIZE, or coarser when the network is big."""
    cols, rows = SURFACE_SIZE
    params = session.net.flat.size
    shrink = min(1.0, math.sqrt(SURFACE_WORK / (params * cols * rows)))
    return surface(session, max(int(cols * shrink), 8), max(int(rows * shrink), 4))
