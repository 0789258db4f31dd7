"""The status line: where training is (epoch, seed, lr, network, optimiser) and what to do
when it went wrong.

It is the one place a student looks to know "which run is this"; so it always shows the
seed (to reproduce a run) and says DIVERGED in words, not only in red.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ..fmt import short
from .textstyles import TextStyled

if TYPE_CHECKING:
    from core.view import SessionView

SEP = " │ "


class StatusBar(TextStyled, Widget):
    """Epoch N │ Seed S │ lr │ 2-2-1 linear │ gd, plus a progress or divergence line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: SessionView | None = None
        self.progress: tuple[int, int] | None = None
        self.note = ""
        # set by the app (issue 4): the update a phase walk is on, as (epoch, batch index),
        # and the play speed while playing
        self.walking: tuple[int, int] | None = None
        self.playing = ""

    def show(self, view: SessionView | None, progress: tuple[int, int] | None = None,
             note: str = "") -> None:
        """New facts to show; one redraw. `progress` is (epochs done, epochs asked)."""
        if view is not None:
            self.view = view
        self.progress, self.note = progress, note
        self.set_class(self.view is not None and self.view.diverged, "-diverged")
        self.refresh(layout=self._lines() != self.size.height)

    def _lines(self) -> int:
        """Rows the status needs at this width. A layout pass costs a whole-screen reflow
        (most of a step's time), so it is asked for only when the height changes."""
        width = max(self.size.width, 1)
        return sum(-(-max(len(line), 1) // width) for line in self.render().plain.split("\n"))

    def _style(self, name: str) -> Style:
        return self.text_style(f"status--{name}")

    def render(self) -> Text:
        v = self.view
        if v is None:
            return Text(" backprop-stepper: opening the network…")
        line = Text(" ")
        epoch, batch = (v.epoch, v.batch) if self.walking is None else \
            (self.walking[0], self.walking[1] + 1)
        line.append(f"Epoch {epoch}", style=self._style("key"))
        if v.batches > 1:
            line.append(f", batch {batch}/{v.batches}")
        line.append(f"{SEP}Seed {v.seed}")
        line.append(f"{SEP}lr {short(v.lr, 6)}{SEP}{v.description}{SEP}{self._optimizer(v)}")
        if self.note:
            line.append(f"  {self.note}", style=self._style("note"))
        if self.playing:
            line.append(f"\n ▶ playing: {self.playing}", style=self._style("busy"))
        if self.progress is not None:
            done, total = self.progress
            line.append(f"\n ▶ running: {done}/{total} epochs — press r or escape to stop",
                        style=self._style("busy"))
        if v.diverged:
            line.append("\n" + self._diverged_text(v), style=self._style("alarm"))
        return line

    @staticmethod
    def _optimizer(v: SessionView) -> str:
        if v.batches == 1:
            return f"{v.optimizer} (full batch)"
        return f"{v.optimizer}, batch size {v.batch_size}"

    @staticmethod
    def _diverged_text(v: SessionView) -> str:
        return (f" DIVERGED at epoch {v.diverged_at}: the loss overflowed and training "
                f"stopped. R restarts, n tries a new seed; to converge, quit (q) and rerun "
                f"with a smaller --lr than {short(v.lr, 6)}. ")
