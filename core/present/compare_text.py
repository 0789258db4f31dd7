"""What `backprop train --compare "OPTIONS"` prints: both runs' log lines side by side, each
run's final report, and one line comparing how they ended.

    Run A: as given | run B: lr 0.5 (each number below: A's | B's)
    Epoch 0, Loss: 0.50015 | 0.50015
    Epoch 100, Loss: 0.00072 | 0.00001
    ...

Each number is formatted as the run's own log line formats it (`report.log_line`), so the A
column is exactly what `train` without `--compare` prints, and B's what `train` with B's
options prints. `--json` prints `{"runs": [A, B], "compare": "OPTIONS"}`, each run as
`train --json` prints it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..training.compare import Comparison
from ..training.session import Session
from . import report
from .train_text import CHUNK_EPOCHS, Line, final_text, json_doc, log_fields

FIELD_NAMES = {"test_loss": "Test loss", "accuracy": "Accuracy",
               "test_accuracy": "Test accuracy"}
DIVERGED = "diverged"


def _value(session: Session, epoch: int, column: str) -> str:
    """One number of a log line as `report.log_line` writes it, or `diverged` once the run
    has no entry for that epoch."""
    h = session.history
    if epoch >= len(h):
        return DIVERGED
    v = h.at(epoch, column)
    return f"{v:.4f}" if "accuracy" in column else f"{v:.5f}"


def header(c: Comparison) -> str:
    return f"Run A: as given | run B: {c.label} (each number below: A's | B's)"


def log_line(c: Comparison, epoch: int) -> str:
    """`Epoch 100, Loss: 0.00072 | 0.00003`, then the other fields both runs log, each as
    `A | B`."""
    line = f"Epoch {epoch}, Loss: {_value(c.a, epoch, 'loss')} | {_value(c.b, epoch, 'loss')}"
    for col in log_fields(c.a):
        if col in c.b.history_columns:
            line += f", {FIELD_NAMES[col]}: {_value(c.a, epoch, col)} | {_value(c.b, epoch, col)}"
    return line


def verdict(c: Comparison) -> str:
    """One line comparing how the runs ended: their final losses (on every training row,
    with the final parameters), and their accuracies when classifying:
    `Final loss: A 0.000723895, B 1.1469e-05 (B lower)`."""
    ea, eb = c.a.evaluate(), c.b.evaluate()
    parts = [_compared(c, "loss", ea.loss, eb.loss, lower_better=True)]
    if ea.accuracy is not None and eb.accuracy is not None:
        parts.append(_compared(c, "accuracy", ea.accuracy, eb.accuracy, lower_better=False))
    return "Final " + "; ".join(parts)


def _compared(c: Comparison, what: str, va: float, vb: float, lower_better: bool) -> str:
    text = f"{what}: {_end(c.a, va, 'A')}, {_end(c.b, vb, 'B')}"
    if c.a.diverged or c.b.diverged:
        return text
    if va == vb:
        return text + " (the same)"
    b_better = (vb < va) == lower_better
    return text + f" ({'B' if b_better else 'A'} {'lower' if lower_better else 'higher'})"


def _end(s: Session, value: float, name: str) -> str:
    if s.diverged:
        return f"{name} diverged at epoch {s.diverged_at}"
    return f"{name} {report.number(value)}"


def compare_lines(c: Comparison, log_every: int = 100, seed_given: bool = True,
                  as_json: bool = False) -> Iterator[Line]:
    """Train both runs for the configured epochs (a divergence stops only its own run),
    yielding what `backprop train --compare` prints as it goes."""
    for s in c.runs:
        s.undo_budget = 0  # headless: nobody steps back
    for notice in c.a.dataset.notices:
        yield Line(report.notice_line(notice), err=True)
    if not seed_given and (c.a.uses_seed or c.b.uses_seed):
        yield Line(report.seed_line(c.a.seed), err=True)
    epochs, every = c.a.config.epochs, 0 if as_json else log_every
    chunk = max(every, CHUNK_EPOCHS) if every else max(epochs, 1)
    if every:
        yield Line(header(c))
    done = 0
    while done < epochs:
        step = min(chunk, epochs - done)
        c.run(step)
        if every:
            first = -(-done // every) * every
            for e in range(first, done + step, every):
                if e < max(len(c.a.history), len(c.b.history)):
                    yield Line(log_line(c, e))
        done += step
        if c.a.diverged and c.b.diverged:
            break
    if as_json:
        import json

        yield Line(json.dumps({"runs": [json_doc(c.a), json_doc(c.b)], "compare": c.text}))
    else:
        for name, s, words in (("A", c.a, "as given"), ("B", c.b, c.label)):
            if s.diverged:
                continue
            yield Line(f"\nRun {name} ({words}):\n" + final_text(s).lstrip("\n"))
        yield Line("\n" + verdict(c))
    for name, s in (("A", c.a), ("B", c.b)):
        if s.diverged:
            line = report.diverged_line(s.diverged_at, s.lr)
            yield Line(line.replace("backprop: ", f"backprop: run {name} ", 1), err=True)
