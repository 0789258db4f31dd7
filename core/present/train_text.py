"""What `backprop train` prints, decided once: which numbers a log line has, how the run's
report ends, and the whole output of a run, line by line, as it trains.

The CLI prints these lines. The exported programs (`core.programs`) make the same decisions
by calling `log_fields` and `ending` on the same session, and print with the same
`core.present.report` functions, so a program prints what `train` prints.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ..training.session import Session
from . import report
from .report import PRINTED_ROWS

# What a log line may add to the epoch and the loss, in `report.log_line`'s order: the
# history columns of that name that the session keeps.
LOG_FIELDS = ("test_loss", "accuracy", "test_accuracy")
CHUNK_EPOCHS = 1000  # epochs trained between log lines printed, at least


class Ending(enum.Enum):
    """How the run's report ends, after training."""

    NOTEBOOK = "notebook"  # the notebook's own print of every prediction (its preset)
    REGRESSION = "regression"  # the first PRINTED_ROWS rows beside their targets, in units
    SCORED = "scored"  # several 0/1 targets: every row's predictions, then the accuracy
    CLASSES = "classes"  # every row's class and probability, the accuracy, the confusion


class Line(NamedTuple):
    """One line of output, for stdout or (notices, the seed, a divergence) stderr."""

    text: str
    err: bool = False


def log_fields(session: Session) -> tuple[str, ...]:
    """The numbers a log line has beyond the epoch and the loss: the test loss with a test
    set, the accuracy when classifying, and the test accuracy with both."""
    return tuple(c for c in LOG_FIELDS if c in session.history_columns)


def ending(session: Session) -> Ending:
    """The report that ends a run: the notebook's print for its preset, else by the task."""
    ds = session.dataset
    if session.config.preset == "notebook":
        return Ending.NOTEBOOK
    if ds.task == "regression":
        return Ending.REGRESSION
    return Ending.SCORED if ds.classes is None else Ending.CLASSES


def log_line(session: Session, epoch: int) -> str:
    """One log line from the history's row for `epoch` (that epoch's first forward pass)."""
    h = session.history
    extra = {c: h.at(epoch, c) for c in log_fields(session)}
    return report.log_line(epoch, h.at(epoch, "loss"), **extra)


def train_lines(session: Session, log_every: int = 100, seed_given: bool = True,
                as_json: bool = False) -> Iterator[Line]:
    """Train `session` for its configured epochs, yielding what `backprop train` prints as it
    goes: the loader's notices and (when the run drew its own seed and it matters) the seed
    on stderr; a log line every `log_every` epochs (none with `as_json`); then the final
    report, or one JSON object with `as_json`; and a line on stderr if training diverged."""
    session.undo_budget = 0  # headless: nobody steps back, so keep no snapshots
    for notice in session.dataset.notices:
        yield Line(report.notice_line(notice), err=True)
    if not seed_given and session.uses_seed:
        yield Line(report.seed_line(session.seed), err=True)
    epochs, every = session.config.epochs, 0 if as_json else log_every
    chunk = max(every, CHUNK_EPOCHS) if every else max(epochs, 1)
    done = 0
    while done < epochs:
        result = session.run(min(chunk, epochs - done))
        if every:
            first = -(-done // every) * every
            for e in range(first, done + result.epochs, every):
                yield Line(log_line(session, e))
        done += result.epochs
        if result.diverged_at is not None:
            break
    if as_json:
        import json  # only here: nothing else `train` prints needs it

        yield Line(json.dumps(json_doc(session)))
    elif not session.diverged:
        yield Line(final_text(session))
    if session.diverged:
        yield Line(report.diverged_line(session.diverged_at, session.lr), err=True)


def final_text(session: Session) -> str:
    """The report after training (see `Ending`). A regression prints its first rows only,
    so only those go through the network here."""
    ds = session.dataset
    test = ds.test_mask if ds.has_test else None
    end = ending(session)
    if end is Ending.NOTEBOOK:
        return report.notebook_predictions(session.evaluate().predictions)
    if end is Ending.REGRESSION:
        head = slice(0, PRINTED_ROWS)
        _, orig = session.predict_rows(head)
        return report.final_report(list(ds.target_names), ds.targets_original[head], orig,
                                   test=None if test is None else test[head],
                                   limit=PRINTED_ROWS, total=ds.raw.shape[0])
    ev = session.evaluate()
    if end is Ending.SCORED:
        return report.final_report(list(ds.target_names), ds.targets_original,
                                   ev.predictions_original, test=test, accuracy=ev.accuracy,
                                   limit=PRINTED_ROWS)
    return report.final_report(
        list(ds.target_names), ds.targets_original, ev.predictions_original,
        classes=list(ev.classes), target_class=ds.labels, predicted_class=ev.predicted_class,
        probability=ev.probability, test=test, accuracy=ev.accuracy,
        test_accuracy=ev.test_accuracy, confusion=ev.confusion,
        test_confusion=ev.test_confusion, limit=PRINTED_ROWS)


# ---------------------------------------------------------------- --json

def finite_or_none(x: float | None) -> float | None:
    """JSON has no NaN: a non-finite number is written as null, never as if it were a result."""
    return x if x is not None and math.isfinite(x) else None


def layers_json(W, b) -> list[dict]:
    """`{"weights": [[…]], "bias": […]}` per layer, as `--weights` reads it."""
    return [{"weights": np.asarray(w).tolist(), "bias": np.asarray(bb).ravel().tolist()}
            for w, bb in zip(W, b, strict=True)]


def json_doc(session: Session) -> dict:
    """`train --json`'s object: the run's state, history and predictions (see the README)."""
    ev = session.evaluate()
    last = session.last
    doc = {
        "epoch": session.epoch,
        "seed": session.seed,
        "loss": finite_or_none(ev.loss),
        "objective": finite_or_none(ev.objective),
        "loss_name": session.loss_fn.name,
        "layers": layers_json(session.net.W, session.net.b),
        "gradients": layers_json(last.dW, last.db) if last else None,
        "history": [finite_or_none(float(v)) for v in session.history.values()],
        "predictions": ev.predictions.tolist() if ev.finite else None,
        "diverged_at": session.diverged_at,
    }
    if ev.accuracy is not None:
        doc["accuracy"] = finite_or_none(ev.accuracy)
    if ev.test_loss is not None:
        doc["test_loss"] = finite_or_none(ev.test_loss)
    if ev.classes is not None:
        doc["classes"] = list(ev.classes)
        doc["confusion"] = ev.confusion.tolist()
        if ev.test_accuracy is not None:
            doc["test_accuracy"] = finite_or_none(ev.test_accuracy)
            doc["test_confusion"] = ev.test_confusion.tolist()
    return doc
