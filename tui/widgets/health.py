"""The Health pane (`v`): CS231n's "babysitting the learning process" figures per layer,
at the current parameters on the training rows, and what they mean in plain words.

Per layer: its activation's mean and spread, the share of dead relu units, of saturated
tanh or sigmoid outputs, ‖dW‖ of the last update and its update/weight ratio (CS231n: about
1e-3). Then the chance loss and the flags: ✓ as it should be, · a fact worth knowing, ! a
problem. Figures and flags are the core's (`core.present.checkup.view_health`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import NOT_A_NUMBER, fit, loss, num, wrap
from .pane import Pane, tall_top_height, text_block

if TYPE_CHECKING:
    from core.maths.health import LayerHealth
    from core.present.checkup import Health
    from core.present.views import SessionView

MARKS = {"ok": ("✓", "good"), "note": ("·", "dim"), "warn": ("!", "bad")}
HEAD = ("layer", "activation", "mean", "std", "dead", "saturated", "‖dW‖", "update/weight")
MID_HEAD = (*HEAD[:-1], "upd/W")
SHORT_HEAD = ("layer", "act.", "mean", "std", "dead", "sat.", "‖dW‖", "upd/W")  # a narrow pane
# The widest a figure's column gets (a signed `num`, a `num`, a share, a ratio's order of
# magnitude): columns are this wide whatever the figures now, so nothing moves when they
# change, or when "—" becomes a number after the first step.
FIGURE_WIDTHS = (9, 8, 4, 4, 8, 4)


class HealthPane(Pane):
    """Figures per layer and plain-words flags."""

    TITLE = "Health"
    PLACEHOLDER = "training health"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._cache: tuple[SessionView, Health] | None = None

    def health(self, view: SessionView) -> Health:
        """The core's figures and flags for this view, once per view."""
        if self._cache is None or self._cache[0] is not view:
            from core.present.checkup import view_health

            self._cache = (view, view_health(view))
        return self._cache[1]

    def wanted_height(self, width: int, screen_height: int) -> int:
        if self.view is None:
            return 1
        width = max(width, self.screen.size.width - 2)
        cap = tall_top_height(screen_height, self.screen.has_class("-wide"))
        return max(min(len(self.lines(self.view, width, 10_000)), cap), 3)

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        """The losses, the table, then the flags; the flags page (`m`) when they do not
        all fit below the table."""
        h = self.health(view)
        self.set_title(f"Health (CS231n) · epoch {h.epoch}")
        now = loss(h.loss_now) if h.loss_now is not None else NOT_A_NUMBER
        first = loss(h.first_loss) if h.first_loss is not None else NOT_A_NUMBER
        chance = "chance" if view.loss_name in ("ce", "bce") else "predicting the mean"
        head = [Text(fit(f" loss now {now} · first loss {first} · {chance} "
                         f"{loss(h.chance_loss)}", width), style=self.style("head"))]
        head += self._table(view, h, width)
        blocks = []
        for f in h.flags:
            mark, style = MARKS[f.level]
            lines = []
            for j, part in enumerate(wrap(f.text, width - 4)):
                line = Text(f" {mark} " if j == 0 else "   ", style=self.style(style))
                line.append(part, self.style(style) if f.level == "warn" else None)
                lines.append(line)
            blocks.append(text_block(lines, f.level))
        return self.paged(head, blocks, width, height)

    def _table(self, view: SessionView, h: Health, width: int) -> list[Text]:
        """A line per layer, as wide as fits: full headings and two spaces between
        columns, else shorter headings, else one space."""
        rows = [self._row(view, ly) for ly in h.layers]
        for head, sep in ((HEAD, "  "), (MID_HEAD, "  "), (MID_HEAD, " "), (SHORT_HEAD, " ")):
            table = [head, *rows]
            widths = [max(len(r[c]) for r in table) for c in range(len(head))]
            widths[2:] = [max(w, least) for w, least in zip(widths[2:], FIGURE_WIDTHS,
                                                             strict=True)]
            if 1 + sum(widths) + len(sep) * (len(widths) - 1) <= width:
                break
        out = []
        for k, row in enumerate(table):
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                     *(cell.rjust(w) for cell, w in zip(row[2:], widths[2:], strict=True))]
            out.append(Text(fit(" " + sep.join(cells), width),
                            style=self.style("label") if k == 0 else None))
        return out

    @staticmethod
    def _row(view: SessionView, ly: LayerHealth) -> tuple[str, ...]:
        L = len(view.W)
        name = "ŷ" if ly.layer == L else ("H" if L == 2 else f"H{ly.layer}")
        pct = "—"
        return (f"{ly.layer} {name} ({ly.units})", ly.activation,
                num(ly.act_mean, signed=True).strip(), num(ly.act_std),
                f"{ly.dead_fraction:.0%}" if ly.dead_fraction is not None else pct,
                f"{ly.saturated_fraction:.0%}" if ly.saturated_fraction is not None else pct,
                num(ly.grad_norm) if ly.grad_norm is not None else pct,
                f"{ly.update_ratio:.0e}".replace("e-0", "e-").replace("e+0", "e")
                if ly.update_ratio is not None else pct)
