"""Quantities a lesson names, bound to a live session: "what the next step would compute".

A quantity is a name the views use, with Python-style indices where it is a matrix:

- parameters, as they are now: `W1`, `b1`, … `Wk`, `bk` (`W2[0,0]`, `b1[1]` or `b1[0,1]`);
- the next update's batch and forward pass: `X`, `y`, `Z1`…, `H` (`H1`, `H2`… with several
  hidden layers) or `A1`…, and `yhat` (`ŷ`), indexed `[row, unit]`;
- its backward pass: `delta1`…, numbered by layer as the views number them (with one hidden
  layer `delta2` is the notebook's output delta), `dW1`…, `db1`…;
- scalars: `loss`, `objective` (`J`) and `accuracy` (classification) of the current
  parameters on the training rows, as the loss pane shows them; `epoch`, `lr` and
  `chance_loss` (the loss of a network that knows nothing).

The forward and backward quantities come from the session's own preview of its next update,
so a question asks about exactly the numbers `s` is about to compute.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..maths.health import chance_loss
from ..names import layer_names

if TYPE_CHECKING:
    from ..training.record import Evaluation, StepRecord
    from ..training.session import Session

SCALARS = ("loss", "objective", "accuracy", "epoch", "lr", "chance_loss")
ALIASES = {"J": "objective", "ŷ": "yhat"}
# kinds whose values come from the preview of the next update
RECORD_KINDS = ("X", "y", "Z", "A", "delta", "dW", "db")

_SYNTAX = re.compile(r"^\s*([A-Za-z_ŷ][A-Za-z_0-9]*)\s*(?:\[\s*(-?\d+)\s*(?:,\s*(-?\d+)\s*)?\])?"
                     r"\s*$")


class QuantityError(ValueError):
    """A quantity a session does not have, or an index outside its matrix; the message
    says which names (or which indices) there are."""


@dataclass(frozen=True)
class Quantity:
    text: str  # as a lesson writes it, tidied: "W2[0,0]"
    name: str  # as the views name the matrix: "W2", "H", "yhat", "loss"
    kind: str  # "W", "b", "X", "y", "Z", "A", "delta", "dW", "db" or a scalar's name
    layer: int  # 1-based; 0 for X, y and the scalars
    index: tuple[int, int] | None  # (row, column) into the matrix; None for a scalar

    @property
    def parameter(self) -> bool:
        return self.kind in ("W", "b")


def matrix_names(depth: int) -> dict[str, tuple[str, int]]:
    """Every matrix a `depth`-layer network has, by its views' name: (kind, layer)."""
    out: dict[str, tuple[str, int]] = {"X": ("X", 0), "y": ("y", 0)}
    shown = layer_names(depth)
    for k in range(1, depth + 1):
        out[f"W{k}"] = ("W", k)
        out[f"b{k}"] = ("b", k)
        out[f"Z{k}"] = ("Z", k)
        out[f"A{k}"] = ("A", k)
        name = "yhat" if k == depth else shown[k - 1]
        out[name] = ("A", k)
        out[f"delta{k}"] = ("delta", k)
        out[f"dW{k}"] = ("dW", k)
        out[f"db{k}"] = ("db", k)
    return out


def display_name(kind: str, layer: int, depth: int) -> str:
    """The name the views give a matrix: `H` rather than `A1`, `yhat` for the output."""
    if kind == "A":
        return "yhat" if layer == depth else layer_names(depth)[layer - 1]
    return kind if kind in ("X", "y") else f"{kind}{layer}"


def known_names(session: Session) -> str:
    """The quantities this session has, grouped, for an error message."""
    depth = len(session.sizes) - 1
    ks = range(1, depth + 1)
    acts = ", ".join(display_name("A", k, depth) for k in ks)
    groups = [
        ", ".join(f"W{k}, b{k}" for k in ks),
        "X, y",
        ", ".join(f"Z{k}" for k in ks) + f", {acts} (or " + ", ".join(f"A{k}" for k in ks) + ")",
        ", ".join(f"delta{k}" for k in ks),
        ", ".join(f"dW{k}, db{k}" for k in ks),
        ", ".join(s for s in SCALARS if s != "accuracy" or classifying(session)),
    ]
    return "; ".join(groups)


def classifying(session: Session) -> bool:
    return "accuracy" in session.history_columns


def parse(text: str, session: Session) -> Quantity:
    """The quantity `text` names in this session's network, its index checked against the
    matrix's shape; QuantityError says what exists."""
    m = _SYNTAX.match(text)
    if not m:
        raise QuantityError(f"{text!r} is not a quantity: write a name such as W2, with an "
                            "index in brackets where it is a matrix, e.g. W2[0,0] or b1[1]")
    name, i, j = m.group(1), m.group(2), m.group(3)
    name = ALIASES.get(name, name)
    depth = len(session.sizes) - 1
    if name in SCALARS:
        if name == "accuracy" and not classifying(session):
            raise QuantityError("accuracy needs a classification (bce or ce loss); this "
                                f"session is a regression. It has: {known_names(session)}")
        if i is not None:
            raise QuantityError(f"{name} is one number: write it without an index")
        return Quantity(name, name, name, 0, None)
    matrices = matrix_names(depth)
    if name not in matrices:
        raise QuantityError(f"unknown quantity {name!r}: this {session.architecture} network "
                            f"has {known_names(session)}")
    kind, layer = matrices[name]
    shape = shape_of(session, kind, layer)
    shown = display_name(kind, layer, depth) if kind == "A" else name
    if i is None:
        raise QuantityError(f"{name} is a {shape[0]}×{shape[1]} matrix: ask for one number "
                            f"of it, e.g. {name}[{_example(kind)}]")
    if j is None:
        if kind not in ("b", "db") and shape[1] != 1 and shape[0] != 1:
            raise QuantityError(f"{name} is {shape[0]}×{shape[1]}: give a row and a column, "
                                f"e.g. {name}[{_example(kind)}]")
        # a row vector (b, db) takes its column alone; a column its row alone
        index = (0, int(i)) if shape[0] == 1 else (int(i), 0)
    else:
        index = (int(i), int(j))
    for axis, (at, size) in enumerate(zip(index, shape, strict=True)):
        if not -size <= at < size:
            what = ("row", "column")[axis]
            raise QuantityError(f"{text.strip()} is out of range: {name} is "
                                f"{shape[0]}×{shape[1]}, so its {what} is 0 to {size - 1} "
                                f"(or -{size} to -1 from the end)")
    index = (index[0] % shape[0], index[1] % shape[1])
    written = f"{shown}[{index[1]}]" if kind in ("b", "db") else f"{shown}[{index[0]},{index[1]}]"
    return Quantity(written, shown, kind, layer, index)


def _example(kind: str) -> str:
    return "0" if kind in ("b", "db") else "0,0"


def batch_rows(session: Session) -> int:
    """Rows of the smallest batch an update can have (the last of an epoch may be short)."""
    n = session.dataset.X.shape[0]
    return n - (session.batches - 1) * session.batch_size


def shape_of(session: Session, kind: str, layer: int) -> tuple[int, int]:
    sizes = session.sizes
    if kind in ("W", "dW"):
        return sizes[layer - 1], sizes[layer]
    if kind in ("b", "db"):
        return 1, sizes[layer]
    rows = batch_rows(session)
    if kind == "X":
        return rows, sizes[0]
    if kind == "y":
        return rows, sizes[-1]
    return rows, sizes[layer]


class Bound:
    """The quantities of one session at one moment. Build a new one after anything changes
    the session: the preview and the evaluation are computed once, when first needed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._record: StepRecord | bool | None = False  # False: not computed yet
        self._evaluation: Evaluation | None = None

    @property
    def depth(self) -> int:
        return len(self.session.sizes) - 1

    @property
    def record(self) -> StepRecord | None:
        """The record the next update would produce (None once training has diverged)."""
        if self._record is False:
            self._record = self.session.preview()
        return self._record  # type: ignore[return-value]

    @property
    def evaluation(self) -> Evaluation:
        if self._evaluation is None:
            self._evaluation = self.session.evaluate()
        return self._evaluation

    def parse(self, text: str) -> Quantity:
        return parse(text, self.session)

    def matrix(self, kind: str, layer: int) -> np.ndarray | None:
        """A whole matrix: a parameter as it is now, or one of the next update's."""
        if kind == "W":
            return self.session.net.W[layer - 1]
        if kind == "b":
            return self.session.net.b[layer - 1]
        rec = self.record
        if rec is None:
            return None
        return {"X": rec.X, "y": rec.y}.get(kind) if kind in ("X", "y") else \
            getattr(rec, kind)[layer - 1]

    def value(self, q: Quantity) -> float | None:
        """The quantity's number, or None where the session has none (it diverged)."""
        s = self.session
        if q.index is not None:
            m = self.matrix(q.kind, q.layer)
            if m is None or q.index[0] >= m.shape[0]:
                return None
            return float(m[q.index])
        if q.kind == "epoch":
            return float(s.epoch)
        if q.kind == "lr":
            return float(s.lr)
        if q.kind == "chance_loss":
            return float(chance_loss(s.loss_fn.name, s.dataset.y))
        ev = self.evaluation
        value = {"loss": ev.loss, "objective": ev.objective, "accuracy": ev.accuracy}[q.kind]
        return None if value is None or not math.isfinite(value) else float(value)

    def text(self, q: Quantity, spec: str = "") -> str:
        """The value as a placeholder shows it: with `spec` (a format spec such as `.4f`)
        or in the default form; `—` when there is none."""
        value = self.value(q)
        if value is None or not math.isfinite(value):
            return "—"
        if not spec:
            return f"{value:g}" if q.kind == "lr" else \
                value_text(value, integer=q.kind == "epoch")
        if q.kind == "epoch" and spec[-1:] in "dxXbon":
            return format(int(value), spec)
        return format(value, spec)


def value_text(x: float, integer: bool = False) -> str:
    """How a lesson shows a value by default: a whole count as it is, else 4 decimals (the
    precision answers are judged at), scientific for values too small for 4 decimals."""
    if not math.isfinite(x):
        return "—"
    if integer:
        return str(int(x))
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e7:
        return f"{x:.4f}"
    return f"{x:.4g}"


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}:]+)(?::([^{}]*))?\}")


def placeholders(text: str) -> list[tuple[str, str]]:
    """(quantity, format spec) of each `{quantity:spec}` in a say text (`{{` is a brace)."""
    return [(m.group(1), m.group(2) or "") for m in _PLACEHOLDER.finditer(text)
            if m.group(1) is not None]


def fill(text: str, bound: Bound) -> str:
    """A say text with each placeholder replaced by the live value."""
    def one(m: re.Match) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        return bound.text(bound.parse(m.group(1)), m.group(2) or "")

    return _PLACEHOLDER.sub(one, text)


def unfilled(text: str) -> str:
    """A say text with `…` for each value, while the session cannot be read."""
    return _PLACEHOLDER.sub(lambda m: m.group(0)[0] if m.group(1) is None else "…", text)


def unbalanced(text: str) -> bool:
    """A lone `{` or `}` left after the placeholders: a typo the checker reports."""
    rest = _PLACEHOLDER.sub("", text)
    return "{" in rest or "}" in rest
