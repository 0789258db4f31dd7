"""The formula pane: one phase of one update, as the notebook writes it (`H = X·W1 + b1`),
with the shape of every operand and the numbers for one selected row of the batch.

It shows a `core.present.phases.Phase` and nothing else: formulas, shapes and values are the core's
(taken from the step record), this module only lays them out. The row being followed is
named by its number in the batch and in the dataset, with its raw values, so a student can
find it in the notebook's table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import num, short, wrap
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
            rec, phase = walk.record, walk.phase
            where = f"epoch {rec.epoch}, batch {rec.batch + 1}/{rec.batches}" \
                if rec.batches > 1 else f"epoch {rec.epoch}'s update"
            self.set_title(f"{phase.title} · phase {walk.index + 1}/{len(walk.phases)}"
                           f" · {where}")
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
        decimals = 6 if width >= 120 else 4
        out = [] if phase.key == "update" else [self._row_line(view, self.walk, width)]
        fw = max(len(line.formula) for line in phase.lines)
        loose: list[Text] = []
        for line in phase.lines:
            loose += self._line(line, width, fw, decimals)
        notes = [Text(" " * INDENT + part, style=self.style("dim"))
                 for line in phase.lines if line.note and with_notes
                 for part in wrap(line.note, width - INDENT)]
        if len(out) + len(loose) + len(notes) <= height:
            return out + loose + notes
        if len(out) + len(loose) <= height:
            return out + loose
        tight: list[Text] = []  # formula and values share lines, shapes dropped
        for line in phase.lines:
            tight += self._line(line, width, fw, decimals, shapes=False)
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
        head = f" row {walk.row}/{walk.rows} = dataset row {file_row}: "
        line = Text(head, style=self.style("head"))
        line.append(f"{cells} → {targets}")
        if len(line) + 12 <= width:
            line.append("   (j/k: row)", style=self.style("dim"))
        return line

    def _line(self, line: Line, width: int, fw: int, decimals: int,
              shapes: bool = True) -> list[Text]:
        """`formula   shapes`, then the values flowed under it as wide as the pane allows."""
        head = Text(" " + line.formula.ljust(fw), style=self.style("label"))
        pieces = [f"{label} = {_vector(values, decimals)}" for label, values in line.values]
        if shapes:
            head.append("   " + line.shapes, style=self.style("dim"))
            return [head, *_flow(pieces, width, INDENT)]
        rows = _flow(pieces, width, fw + 1 + GAP)
        rows[0] = runs([(head.plain, self.style("label")),
                        (rows[0].plain[len(head.plain):], None)])
        return rows


def _vector(values: np.ndarray, decimals: int) -> str:
    """`0.2500` for one number, `[0.2500  1.0000]` for several."""
    cells = [num(v, decimals, signed=values.size > 1) for v in values.ravel()]
    return cells[0].strip() if len(cells) == 1 else "[" + " ".join(cells) + "]"



def _flow(pieces: list[str], width: int, indent: int) -> list[Text]:
    """Pieces left to right, `GAP` apart, wrapped to new lines at `indent`."""
    lines: list[str] = []
    line = " " * indent
    for piece in pieces:
        if line.strip() and len(line) + GAP + len(piece) > width:
            lines.append(line)
            line = " " * indent
        line += (" " * GAP if line.strip() else "") + piece
    lines.append(line)
    return [Text(text) for text in lines]
