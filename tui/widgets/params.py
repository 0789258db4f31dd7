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

    from core.view import SessionView


class ParamsPane(Pane):
    """W1, b1, W2, b2, … with ▲/▼ per value for the last step."""

    TITLE = "Weights & biases"
    WIDE = 44  # content width from which values get 6 decimals and their signed change

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        last = view.last
        wide = width >= self.WIDE
        depth = len(view.W)
        per_matrix = max((height - 2 * depth - 1) // max(depth, 1), 1)
        out: list[Text] = []
        for layer in range(depth):
            for kind, values in (("W", view.W[layer]), ("b", view.b[layer])):
                change = None
                if last is not None:
                    change = (last.W_change if kind == "W" else last.b_change)[layer]
                name = f"{kind}{layer + 1} {shape(*values.shape)}"
                out.append(self.label(name, width))
                out += self.grid(values.shape, self._cell(values, change, wide), width,
                                 per_matrix, gap=3 if wide else 1)
        out.append(self._legend(view, width))
        return out

    def _cell(self, values: np.ndarray, change: np.ndarray | None,
              wide: bool) -> Callable[[int, int], Cell]:
        """How value (i, j) looks: its digits, and after a step its arrow and colour (and on
        wide screens the signed change)."""
        decimals = 6 if wide else 4

        def cell(i: int, j: int) -> Cell:
            text = num(values[i, j], decimals)
            if change is None:
                return text, None
            mark = arrow(change[i, j])
            text += f" {mark} {num(change[i, j], 2, signed=True):>8}" if wide else mark
            return text, self.style({"▲": "up", "▼": "down"}.get(mark, "dim"))

        return cell

    def _legend(self, view: SessionView, width: int) -> Text:
        if view.last is None:
            return Text(" ▲▼ appear after a step", style=self.style("dim"))
        text = f"▲ rose ▼ fell in epoch {view.last.epoch}'s update"
        if width < len(text) + 1:
            text = "▲ up ▼ down, last step"
        return Text(" " + text, style=self.style("dim"))
