"""The weights and biases pane: every W and b, named as the notebook names them
(`W1 (2×2)`, `b1 (1×2)`), each value marked with how the update that produced this epoch
moved it.

Direction is shown three ways, so it reads in colour, in 256 colours and with NO_COLOR:
an arrow (▲ up, ▼ down), a colour, and on wide screens the signed change itself.
The change is the record's `W_change` (W_after − W_before), never recomputed here. Every
value keeps a cell for its arrow before the first step too, so the arrows appearing never
push a column out. When the matrices do not fit, the names go beside their first rows, then
the pane pages (`m`); the weight picked in the network pane stays in view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import WIDTH, arrow, num, update_name
from .pane import Block, Cell, Pane

if TYPE_CHECKING:
    import numpy as np

    from core.present.views import SessionView


ZERO = "○"  # a weight that is exactly 0 (as L1 can make one)


class ParamsPane(Pane):
    """W1, b1, W2, b2, … with ▲/▼ per value for the update that led here."""

    TITLE = "Weights & biases"
    WIDE = 44  # content width from which values get their signed change beside them

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        # the weight picked in the network pane, (matrix, row, column): kept in view
        self.pick: tuple[str, int, int] | None = None

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        wide = width >= self.WIDE
        label_w = max(len(f"W{len(view.W)}"), 2) + 1
        for compact in (0, label_w):
            blocks = self._blocks(view, width, wide, compact)
            total = sum(b.height for b in blocks)
            if total <= height:
                out = [line for b in blocks for line in b.draw(0, b.height)]
                self.pages = 1
                for line in self._legend(view, width):  # the first to go when room is short
                    if len(out) < height:
                        out.append(line)
                return out
        return self.paged([], blocks, width, height, focus=[self.pick] if self.pick else ())

    def _blocks(self, view: SessionView, width: int, wide: bool, label_w: int) -> list[Block]:
        last = view.last
        out: list[Block] = []
        for layer in range(len(view.W)):
            for kind, values in (("W", view.W[layer]), ("b", view.b[layer])):
                change = after = None
                if last is not None:
                    change = (last.W_change if kind == "W" else last.b_change)[layer]
                    after = (last.W_after if kind == "W" else last.b_after)[layer]
                out += self.matrix(f"{kind}{layer + 1}", values.shape,
                                   self._cell(values, change, after, wide, kind == "W"),
                                   width, label_w=label_w, touch=True)
        return out

    def wanted_height(self, width: int, screen_height: int) -> int:
        """Wide layout (height auto): every row of every matrix, a label each, and the
        legend, but at most three tenths of the screen, so the loss chart below keeps its
        room; beyond that the pane pages. Counted, not drawn."""
        if self.view is None:
            return 1
        wanted = sum(1 + m.shape[0] for m in (*self.view.W, *self.view.b)) + 1
        return min(wanted, max(screen_height * 3 // 10, 6))

    def _cell(self, values: np.ndarray, change: np.ndarray | None, after: np.ndarray | None,
              wide: bool, zeros: bool = False) -> Callable[[int, int], Cell]:
        """How value (i, j) looks: its digits and, once an update led here, its arrow and
        colour (and on wide screens the signed change). A value set by hand since that update
        is not its result: no arrow (and, wide, `(edited)`). The arrow's cell is there
        before the first step too, blank. With `zeros`, a weight that is exactly 0 (as L1
        makes them) is marked `○` in its arrow's cell."""

        def cell(i: int, j: int) -> Cell:
            # every cell as wide as the widest number: no column moves when values grow
            text = num(values[i, j]).rjust(WIDTH)
            if zeros and values[i, j] == 0:
                return text + (f" {ZERO} {'exactly 0':>{WIDTH}}" if wide else ZERO), \
                    self.style("zero")
            if change is None or after is None:
                return text + (" " * (WIDTH + 3) if wide else " "), None
            if values[i, j] != after[i, j]:
                return text + (f"   {'(edited)':>{WIDTH}}" if wide else " "), None
            mark = arrow(change[i, j])
            text += f" {mark} {num(change[i, j], signed=True):>{WIDTH}}" if wide else mark
            return text, self.style({"▲": "up", "▼": "down"}.get(mark, "dim"))

        return cell

    def _legend(self, view: SessionView, width: int) -> list[Text]:
        """What ▲▼ belong to, and (when a weight is exactly 0) what ○ means."""
        if view.last is None:
            text = "▲▼ appear after a step" if view.t == 0 else "▲▼ come with the next step"
        else:
            which = update_name(view.last)
            text = f"▲ rose ▼ fell in {which}"
            if width < len(text) + 1:
                text = f"▲▼: {which}"
        line = Text(" " + text, style=self.style("dim"))
        if not any((W == 0).any() for W in view.W):
            return [line]
        mark = f"{ZERO} exactly 0"
        if len(line) + 2 + len(mark) <= width:
            line.append(f"  {mark}", style=self.style("zero"))
            return [line]
        return [line, Text(f" {mark}", style=self.style("zero"))]

