"""Immutable records of what happened, for any front end to show without recomputing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def frozen(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Read-only copies, so a record can never change under the screen that shows it."""
    out = []
    for a in arrays:
        a = np.array(a, copy=True)
        a.setflags(write=False)
        out.append(a)
    return tuple(out)


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class UpdateStart:
    """What an update started from besides the parameters (`StepRecord.W_before`/`b_before`):
    enough to take the same update again. A session file keeps it, so a resumed session shows
    the update that led to it, as the session that saved it did."""

    opt_state: dict[str, np.ndarray]  # the optimiser's state before the update
    rng: dict | None  # the generator's state before it (None: full batch, nothing drawn)
    perm: np.ndarray | None  # the shuffle in force before it (mini-batches only)


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class StepRecord:
    """One parameter update: the notebook's six steps, every intermediate kept.

    Lists are per layer, index 0 is layer 1: `Z[0]` is the hidden pre-activation H before its
    activation, `delta[-1]` is the notebook's delta2, `dW[0]` its dw1.
    """

    epoch: int  # the epoch this update belongs to (0-based, as the notebook counts)
    batch: int  # which mini-batch of the epoch (0-based)
    batches: int
    rows: np.ndarray  # indices of the training rows in this batch
    X: np.ndarray
    y: np.ndarray
    Z: tuple[np.ndarray, ...]
    A: tuple[np.ndarray, ...]
    loss: float  # the reported loss (MSE for mse) of this batch, before the update
    objective: float  # J, whose gradient this is
    accuracy: float | None
    delta: tuple[np.ndarray, ...]
    dW: tuple[np.ndarray, ...]
    db: tuple[np.ndarray, ...]
    W_before: tuple[np.ndarray, ...]
    b_before: tuple[np.ndarray, ...]
    W_change: tuple[np.ndarray, ...]  # what the optimiser added: W_after − W_before
    b_change: tuple[np.ndarray, ...]
    W_after: tuple[np.ndarray, ...]
    b_after: tuple[np.ndarray, ...]
    lr: float
    loss_name: str
    optimizer: str
    start: UpdateStart | None = None  # where the update started (None: not kept)
    # the penalties' λ in J, whose slopes dW includes: λ·W (L2) and λ·sign(W) (L1)
    l2: float = 0.0
    l1: float = 0.0

    @property
    def t(self) -> int:
        """The update counter before this update: the position it started from."""
        return self.epoch * self.batches + self.batch

    @property
    def predictions(self) -> np.ndarray:
        return self.A[-1]

    @property
    def depth(self) -> int:
        return len(self.W_before)


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class Evaluation:
    """The current parameters on the data: what the status and dataset panes show."""

    epoch: int
    loss: float
    objective: float
    accuracy: float | None
    predictions: np.ndarray  # every row in file order, normalised units
    predictions_original: np.ndarray  # the same in the targets' own units
    test_loss: float | None
    test_accuracy: float | None
    finite: bool
    # Classification only (None otherwise), labelled by `classes` (the data's own names):
    classes: tuple[str, ...] | None = None
    predicted_class: np.ndarray | None = None  # every row, file order: an index into classes
    probability: np.ndarray | None = None  # the probability the network gives that class
    confusion: np.ndarray | None = None  # training rows: row = true class, column = predicted
    test_confusion: np.ndarray | None = None  # the same on the test rows (with a test set)
    class_accuracy: np.ndarray | None = None  # training rows, per class (NaN: no rows of it)


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class RunResult:
    epochs: int  # epochs completed by this call
    last: StepRecord | None
    diverged_at: int | None
    stopped: bool = False  # cut short by the caller
