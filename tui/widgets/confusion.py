"""The confusion pane (`v` when the data has classes): for each true class (a row), how
many of its rows the network put in each class (a column), on the training rows and, beside
or below, on the held-out rows; each row ends with that class's accuracy.

The counts are the core's (`Evaluation.confusion`, `test_confusion`, `class_accuracy`); the
right answers lie on the diagonal, marked in words by the `right` column, and in colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import fit
from .pane import Cell, Pane, runs, top_slot_height

if TYPE_CHECKING:
    import numpy as np

    from core.present.views import SessionView

NAME_W = 8  # class names are cut to this many cells in headings


class ConfusionPane(Pane):
    """Counts of true class × predicted class, with each class's accuracy."""

    TITLE = "Confusion"

    def wanted_height(self, width: int, screen_height: int) -> int:
        if self.view is None or self.view.classes is None:
            return 3
        # The top slot spans the screen, but a grid measures a spanning cell's height at one
        # column's width: decide side by side or stacked at the width the pane is drawn at.
        width = max(width, self.screen.size.width - 2)
        rows = len(self.view.classes) + 1  # the heading, then a line per true class
        if self.view.evaluation.test_confusion is not None and width < 2 * self._width():
            rows *= 2  # the held-out rows' matrix below the training rows'
        return max(min(rows, top_slot_height(screen_height)), 2)

    def _width(self) -> int:
        assert self.view is not None and self.view.classes is not None
        k = len(self.view.classes)
        return NAME_W + 2 + k * (self._cell_w() + 1) + 7

    def _cell_w(self) -> int:
        assert self.view is not None and self.view.classes is not None
        ev = self.view.evaluation
        most = int(ev.confusion.max()) if ev.confusion is not None and ev.confusion.size else 0
        names = max(len(c[:NAME_W]) for c in self.view.classes)
        return max(len(str(most)), names, 3)

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        ev = view.evaluation
        if view.classes is None or ev.confusion is None:
            return [Text(fit(" Nothing to show: a confusion matrix needs classes "
                             "(--loss ce, or bce with two classes).", width),
                         style=self.style("dim"))]
        accuracy = f" · accuracy {ev.accuracy:.0%}" if ev.accuracy is not None else ""
        self.set_title(f"Confusion: true class ↓, predicted →{accuracy}")
        train = self._table(view, ev.confusion, "training rows", width)
        if ev.test_confusion is None:
            return train
        test = self._table(view, ev.test_confusion, "held-out rows", width)
        wide = max(len(line) for line in train) + 2 + max(len(line) for line in test)
        if wide <= width:
            pad = max(len(line) for line in train) + 2
            return [a.copy().append(" " * (pad - len(a))).append_text(b)
                    for a, b in zip(train, test, strict=True)]
        return [*train, *test] if len(train) + len(test) <= height else train

    def _table(self, view: SessionView, counts: np.ndarray, what: str,
               width: int) -> list[Text]:
        """One matrix: a heading, the predicted classes across, a line per true class."""
        classes = view.classes
        assert classes is not None
        cw = self._cell_w()
        room = max((width - NAME_W - 2 - 7) // (cw + 1), 1)
        shown = min(len(classes), room)
        more = f" +{len(classes) - shown}" if shown < len(classes) else ""
        head = f" {what[:NAME_W + 1]:<{NAME_W + 1}}" + "".join(
            f" {c[:NAME_W]:>{cw}}" for c in classes[:shown]) + f"{more}  right"
        out = [Text(head, style=self.style("head"))]
        for i, name in enumerate(classes):
            row_total = int(counts[i].sum())
            pieces: list[Cell] = [(f" {name[:NAME_W]:<{NAME_W + 1}}", self.style("label"))]
            for j in range(shown):
                n = int(counts[i, j])
                style = self.style("dim") if n == 0 else \
                    self.style("good") if i == j else self.style("bad")
                pieces.append((f" {n:>{cw}}", style))
            if more:
                pieces.append((" " * len(more), None))
            right = f"{counts[i, i] / row_total:.0%}" if row_total else "—"
            pieces.append((f"  {right:>5}", None))
            out.append(runs(pieces))
        return out
