"""The formula pane: one phase of one update, as the notebook writes it (`H = X·W1 + b1`),
with the shape of every operand and the numbers for one selected row of the batch.

It shows a `core.present.phases.Phase` and nothing else: formulas, shapes and values are the core's
(taken from the step record), this module only lays them out. The row being followed is
named by its number in the batch and in the dataset, with its raw values, so a student can
find it in the notebook's table. Rows are counted from 0 everywhere, as the dataset pane and
the notebook's `X[0]` count them. A matrix is drawn as a matrix, row under row, as NumPy
prints it; the update phase as an equation, before + change = after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import loss, num, short, update_name, wrap
from .pane import Pane, runs

if TYPE_CHECKING:
    import numpy as np

    from core.present.phases import Line, Phase
    from core.present.views import SessionView

    from ..phasewalk import PhaseWalk

INDENT = 4  # values sit under their formula
TALL = 36  # screen rows from which the walk has room for its notes (why a formula is so)
GAP = 3


class FormulaPane(Pane):
    """The current phase of a phase walk (`f`): formulas, shapes, one row's numbers."""

    TITLE = "Phase"
    PLACEHOLDER = "f walks one update phase by phase"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.walk: PhaseWalk | None = None

    def show_walk(self, walk: PhaseWalk | None) -> None:
        """The walk moved (or the view changed under it): new title, one redraw."""
        self.walk = walk
        if walk is not None:
            self.set_title(f"Phase {walk.index + 1}/{len(walk.phases)} · {walk.phase.title}"
                           f" · {update_name(walk.record)}")
            self.border_subtitle = "f next · b back · j/k row · s ends epoch · esc leaves"
        if self.view is not None:
            self.show(self.view)

    def wanted_height(self, width: int, screen_height: int) -> int:
        """The tallest phase of the walk, if it fits in half the screen: one height for the
        whole walk, so the panes below do not jump at every `f`."""
        if self.view is None or self.walk is None:
            return 1
        # The grid measures a spanning cell at one column's width; this pane always spans
        # the screen, so measure at the screen's width (less the border).
        width = max(width, self.screen.size.width - 2)
        cap = max(screen_height // 2 - 2, 3)
        notes = screen_height >= TALL  # a short screen keeps its rows for the numbers
        return min(max(len(self._phase(self.view, phase, width, cap, notes))
                       for phase in self.walk.phases), cap)

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        if self.walk is None:
            return [Text(" " + self.PLACEHOLDER, style=self.style("dim"))]
        return self._phase(view, self.walk.phase, width, height)

    def _phase(self, view: SessionView, phase: Phase, width: int, height: int,
               with_notes: bool = True) -> list[Text]:
        """One phase: the row followed (not for the update, which has no per-row numbers),
        then each formula with its shapes and values; formulas and values share lines
        when the pane is too short for that."""
        assert self.walk is not None
        out = [] if phase.key == "update" else [self._row_line(view, self.walk, width)]
        fw = max(len(line.formula) for line in phase.lines)
        loose: list[Text] = []
        for line in phase.lines:
            loose += self._line(line, width, fw)
        notes = [Text(" " * INDENT + part, style=self.style("dim"))
                 for line in phase.lines if line.note and with_notes
                 for part in wrap(line.note, width - INDENT)]
        if len(out) + len(loose) + len(notes) <= height:
            return out + loose + notes
        if len(out) + len(loose) <= height:
            return out + loose
        tight: list[Text] = []  # formula and values share lines, shapes dropped
        for line in phase.lines:
            tight += self._line(line, width, fw, shapes=False)
        return out + tight + (notes if len(out) + len(tight) + len(notes) <= height else [])

    def _row_line(self, view: SessionView, walk: PhaseWalk, width: int) -> Text:
        """Which row the numbers are for, with its raw values from the file."""
        ds = view.dataset
        file_row = walk.dataset_row(view)
        raw = ds.raw[file_row]
        n_feat = len(ds.feature_names)
        cells = ", ".join(f"{name} {short(raw[j])}" for j, name in enumerate(ds.feature_names))
        labels = ds.labels
        if ds.classes is not None and labels is not None:  # its class, not one-hot columns
            targets = f"{ds.label_column or 'class'} {ds.classes[labels[file_row]]}"
        else:
            targets = ", ".join(f"{name} {short(raw[n_feat + k])}"
                                for k, name in enumerate(ds.target_names))
        which = f"row {walk.row} of 0–{walk.rows - 1}" if walk.rows > 1 else "the batch's row"
        head = f" {which} = dataset row {file_row}: "
        line = Text(head, style=self.style("head"))
        line.append(f"{cells} → {targets}")
        if len(line) + 12 <= width:
            line.append("   (j/k: row)", style=self.style("dim"))
        return line

    def _line(self, line: Line, width: int, fw: int, shapes: bool = True) -> list[Text]:
        """`formula   shapes`, then the values flowed under it as wide as the pane allows."""
        head = Text(" " + line.formula.ljust(fw), style=self.style("label"))
        if line.equation:  # before + change = after
            parts = [_matrix(values, _signed(label), brackets=True)
                     for label, values in line.values]
            pieces = [_beside(parts, (" + ", " = "))]
        else:
            pieces = [_labelled(label, values) for label, values in line.values]
        if shapes:
            head.append("   " + line.shapes, style=self.style("dim"))
            return [head, *_flow(pieces, width, INDENT)]
        rows = _flow(pieces, width, fw + 1 + GAP)
        rows[0] = runs([(head.plain, self.style("label")),
                        (rows[0].plain[len(head.plain):], None)])
        return rows


def _signed(label: str) -> bool:
    """Gradients, deltas and changes carry their sign (+ too: which way is the point), as
    in the gradients pane; values (X, H, ŷ, W) are written as everywhere else."""
    return label.startswith(("delta", "dW", "db", "row ")) or label == "change"


LOSS_LABELS = ("MSE", "BCE", "CE", "J")  # a loss on a line: written as every loss is


def _matrix(values: np.ndarray, signed: bool = False, brackets: bool = False) -> list[str]:
    """One number as it is (`0.2500`, or `[0.2500]` with `brackets`); a row as
    `[0.2500 1.000]`; a matrix row under row, as NumPy prints it, its columns sharing a
    width (and `signed`: a sign on every number)."""
    if values.size == 1 and not brackets:
        return [num(values.ravel()[0], signed=signed).strip()]
    rows = values.reshape(1, -1) if values.ndim < 2 else values
    cells = [[num(v, signed=signed) for v in row] for row in rows]
    w = max(len(c) for row in cells for c in row)
    lines = ["[" + " ".join(c.rjust(w) for c in row) + "]" for row in cells]
    if len(lines) == 1:
        return lines
    return ["[" + lines[0], *(" " + line for line in lines[1:-1]), " " + lines[-1] + "]"]


def _labelled(label: str, values: np.ndarray) -> list[str]:
    """`label = ` before the first line of the values, the rest under it."""
    head = f"{label} = "
    if label in LOSS_LABELS and values.size == 1:
        return [head + loss(values.ravel()[0])]
    return [(head if k == 0 else " " * len(head)) + line
            for k, line in enumerate(_matrix(values, _signed(label)))]


def _beside(parts: list[list[str]], between: tuple[str, ...]) -> list[str]:
    """Blocks of lines side by side, `between[k]` after block k on its first line."""
    height = max(len(p) for p in parts)
    out = [""] * height
    for k, part in enumerate(parts):
        w = max(len(line) for line in part)
        op = between[k] if k < len(between) else ""
        for r in range(height):
            cell = part[r] if r < len(part) else ""
            out[r] += cell.ljust(w) + (op if r == 0 else " " * len(op))
    return [line.rstrip() for line in out]


def _flow(pieces: list[list[str]], width: int, indent: int) -> list[Text]:
    """Pieces (each one or more lines) left to right, `GAP` apart, wrapped to new lines at
    `indent`; a piece taller than one line keeps its lines under each other."""
    rows: list[list[list[str]]] = [[]]
    used = indent
    for piece in pieces:
        w = max(len(line) for line in piece)
        if rows[-1] and used + GAP + w > width:
            rows.append([])
            used = indent
        used += (GAP if rows[-1] else 0) + w
        rows[-1].append(piece)
    out = []
    for row in rows:
        for line in _beside(row, (" " * GAP,) * (len(row) - 1)):
            out.append(Text(" " * indent + line))
    return out
