"""The weights and biases pane: every W and b, named as the notebook names them
(`W1 (2×2)`, `b1 (1×2)`), each value marked with how the last update moved it.

Direction is shown three ways, so it reads in colour, in 256 colours and with NO_COLOR:
an arrow (▲ up, ▼ down), a colour, and on wide screens the signed change itself.
The change is the record's `W_change` (W_after − W_before), never recomputed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import arrow, num, shape
from .pane import Cell, Pane

if TYPE_CHECKING:
    import numpy as np

    from core.present.views import SessionView


ZERO = "○"  # a weight that is exactly 0


class ParamsPane(Pane):
    """W1, b1, W2, b2, … with ▲/▼ per value for the last step."""

    TITLE = "Weights & biases"
    WIDE = 44  # content width from which values get 6 decimals and their signed change

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        last = view.last
        wide = width >= self.WIDE
        budget = self._rows(view, height)
        out: list[Text] = []
        for layer in range(len(view.W)):
            for kind, values in (("W", view.W[layer]), ("b", view.b[layer])):
                change = after = None
                if last is not None:
                    change = (last.W_change if kind == "W" else last.b_change)[layer]
                    after = (last.W_after if kind == "W" else last.b_after)[layer]
                rows, cols = values.shape
                shown = budget[layer] if kind == "W" else rows
                more = f"+{rows - shown} row{'s' if rows - shown > 1 else ''}" \
                    if shown < rows else ""
                out.append(self.label(f"{kind}{layer + 1} {shape(rows, cols)}", width, more))
                out += self.grid((shown, cols), self._cell(values, change, after, wide,
                                                           zeros=kind == "W"),
                                 width, shown, gap=3 if wide else 1)
        for line in self._legend(view, width):  # the first thing to go when room is short
            if len(out) < height:
                out.append(line)
        return out

    @staticmethod
    def _rows(view: SessionView, height: int) -> list[int]:
        """How many rows of each W to show in `height` lines. Every label and every b (one
        row each) come first; the Ws share what is left, a small one taking only what it
        needs, and each shows at least one row. What is left out is counted in its label
        (`W2 (16×1)  +13 rows`), which costs no line of its own."""
        wanted = [W.shape[0] for W in view.W]
        left = height - 3 * len(wanted)
        rows = [1] * len(wanted)
        for k, i in enumerate(sorted(range(len(wanted)), key=wanted.__getitem__)):
            rows[i] = max(min(wanted[i], left // (len(wanted) - k)), 1)
            left -= rows[i]
        return rows

    def wanted_height(self, width: int, screen_height: int) -> int:
        """Wide layout (height auto): every row of every matrix, a label each, and the
        legend, but at most three tenths of the screen, so the loss chart below keeps its
        room; what does not fit is counted (`W2 (64×1)  +58 rows`). Counted, not drawn: drawing
        a big network's weights only to count its lines took milliseconds."""
        if self.view is None:
            return 1
        wanted = sum(1 + m.shape[0] for m in (*self.view.W, *self.view.b)) + 1
        return min(wanted, max(screen_height * 3 // 10, 6))

    def _cell(self, values: np.ndarray, change: np.ndarray | None, after: np.ndarray | None,
              wide: bool, zeros: bool = False) -> Callable[[int, int], Cell]:
        """How value (i, j) looks: its digits, and after a step its arrow and colour (and on
        wide screens the signed change). A value set by hand since that step is not the
        step's result: it gets no arrow (and, wide, says it was edited). With `zeros`, a
        weight that is exactly 0 (as L1 can make one) is marked `○` in place of its arrow."""
        decimals = 6 if wide else 4

        def cell(i: int, j: int) -> Cell:
            text = num(values[i, j], decimals)
            if zeros and values[i, j] == 0:
                return text + (f" {ZERO}{'exactly 0':>10}" if wide else ZERO), \
                    self.style("zero")
            if change is None or after is None:
                return text, None
            if values[i, j] != after[i, j]:
                return text + (f"   {'(edited)':>8}" if wide else " "), None
            mark = arrow(change[i, j])
            text += f" {mark} {num(change[i, j], 2, signed=True):>8}" if wide else mark
            return text, self.style({"▲": "up", "▼": "down"}.get(mark, "dim"))

        return cell

    def _legend(self, view: SessionView, width: int) -> list[Text]:
        zero = any((W == 0).any() for W in view.W)
        if view.last is None:
            text = "▲▼ appear after a step"
        else:
            text = f"▲ rose ▼ fell in epoch {view.last.epoch}'s update"
            if width < len(text) + 1:
                text = "▲ up ▼ down, last step"
        line = Text(" " + text, style=self.style("dim"))
        if not zero:
            return [line]
        mark = f"{ZERO} exactly 0"
        if len(line) + 2 + len(mark) <= width:
            line.append(f"  {mark}", style=self.style("zero"))
            return [line]
        return [line, Text(f" {mark}", style=self.style("zero"))]
