"""The status line: where training is (epoch, seed, lr, network, optimiser) and what to do
when it went wrong.

It is the one place a student looks to know "which run is this"; so it always shows the
seed (to reproduce a run) and says DIVERGED in words, not only in red.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ..fmt import loss, short
from .textstyles import TextStyled

if TYPE_CHECKING:
    from core.present.views import SessionView

class Walking(NamedTuple):
    """The update a phase walk is on: its epoch and batch (0-based), and whether the walk has
    applied it (the update phase)."""

    epoch: int
    batch: int
    applied: bool


SEP = " │ "
NOTE_SECONDS = 5.0  # a note goes with the next key, or after this long


class StatusBar(TextStyled, Widget):
    """Epoch N │ Seed S │ lr │ 2-2-1 linear │ gd, plus a progress or divergence line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: SessionView | None = None
        self.progress: tuple[int, int] | None = None
        self.note = ""
        self.walking: Walking | None = None  # the update a phase walk is on
        self.playing = ""  # the play speed, while playing
        self._note_timer = None

    def show(self, view: SessionView | None, progress: tuple[int, int] | None = None,
             note: str = "", walking: Walking | None = None,
             playing: str = "") -> None:
        """New facts to show; one redraw. `progress` is (epochs done, epochs asked),
        `walking` the update a phase walk is on."""
        if view is not None:
            self.view = view
        if note and note != self.note:
            self._time_note()
        self.progress, self.note = progress, note
        self.walking, self.playing = walking, playing
        self.set_class(self.view is not None and bool(self._diverged_runs(self.view)),
                       "-diverged")
        self.refresh(layout=self._lines() != self.size.height)

    def _time_note(self) -> None:
        """A note lasts NOTE_SECONDS unless the next key ends it first."""
        if self._note_timer is not None:
            self._note_timer.stop()
        if self.is_attached:
            self._note_timer = self.set_timer(NOTE_SECONDS, self.clear_note)

    def clear_note(self) -> None:
        """The note has been read (a key was pressed, or its time is up)."""
        if self.note:
            self.note = ""
            self.refresh()

    def _lines(self) -> int:
        """Rows the status needs: one per line, since no line wraps. A layout pass costs a
        whole-screen reflow (most of a step's time), so it is asked for only when the
        height changes."""
        return len(self._text().plain.split("\n"))

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._lines()

    def _style(self, name: str) -> Style:
        return self.text_style(f"status--{name}")

    def render(self) -> Text:
        """Each line cut to the width with `…`: a long note never wraps onto a second line,
        which would push every pane down a row."""
        lines = self._text(max(self.size.width, 1)).split("\n")
        for line in lines:
            line.truncate(max(self.size.width, 1), overflow="ellipsis")
        out = Text("\n").join(lines)
        out.no_wrap = True
        return out

    def _text(self, width: int = 10_000) -> Text:
        v = self.view
        if v is None:
            return Text(" backprop-stepper: opening the network…")
        line = self._facts(v, width)
        if self.note:
            line.append(f"  {self.note}", style=self._style("note"))
        if self.playing:
            line.append(f"\n ▶ playing: {self.playing}", style=self._style("busy"))
        if self.progress is not None:
            done, total = self.progress
            line.append(f"\n ▶ running: {done}/{total} epochs — press r or escape to stop",
                        style=self._style("busy"))
        diverged = self._diverged_runs(v)
        if diverged:
            line.append("\n" + self._diverged_text(diverged, v.compare is not None),
                        style=self._style("alarm"))
        return line

    @staticmethod
    def _diverged_runs(v: SessionView) -> list[tuple[str, int, float | None]]:
        """(run, epoch, lr) of each run that diverged; the run's name is "" with one run."""
        if v.compare is None:
            return [("", v.diverged_at, v.diverged_lr)] if v.diverged_at is not None else []
        return [(r.name, r.diverged_at, r.diverged_lr) for r in v.compare.runs if r.diverged]

    def _facts(self, v: SessionView, width: int) -> Text:
        """Epoch │ Seed │ lr │ network │ optimiser. A note needs room: the network and the
        optimiser, which never change during a session, make way for it first."""
        # a seed that draws nothing would mislead: the preset names whose weights these are
        start = f"weights: {v.weights_from}" if v.weights_from else f"Seed {v.seed}"
        note = f"  {self.note}" if self.note else ""
        head, choices = self._head(v), self._one_run(v, start)
        if v.compare is not None:
            head, choices = self._two_runs(v, start, head)
        for parts in choices:  # the fullest that fits beside the note
            if 1 + len(SEP.join([head, *parts])) + len(note) <= width:
                break
        line = Text(" ")
        line.append(head, style=self._style("key"))
        line.append(SEP + SEP.join(parts))
        return line

    def _one_run(self, v: SessionView, start: str) -> list[list[str]]:
        fixed = [start, _lr(v.lr, v.lr_schedule)]
        extra = [v.description, self._optimizer(v)]
        return [fixed + extra[:k] for k in range(len(extra), -1, -1)]

    def _two_runs(self, v: SessionView, start: str, head: str) -> tuple[str, list[list[str]]]:
        """Both runs: where each is, its lr and its loss now (`lr A 0.1 B 0.5 │ MSE A
        0.000724 B 0.000011`). What goes first when the line is short: the network and
        optimiser, then the losses, which the loss pane shows as well; the seed (or whose
        weights) and both lrs, with their schedules, stay."""
        assert v.compare is not None
        a, b = v.compare.runs
        if (a.epoch, a.batch) != (b.epoch, b.batch) and self.walking is None:
            head = f"Epoch A {a.epoch}, B {b.epoch}"
        same = a.schedule == b.schedule

        def lr(r) -> str:
            return short(r.lr, 6) + (f" ({r.schedule})" if r.schedule and not same else "")

        lrs = [f"lr A {lr(a)} B {lr(b)}" + (f" ({a.schedule})" if same and a.schedule else "")]
        losses = [f"{a.loss_name.upper()} " + " ".join(
            f"{r.name} {'diverged' if r.diverged else loss(r.loss)}" for r in (a, b))]
        extra = [v.description, self._optimizer(v)]
        return head, [[start, *lrs, *losses, *extra[:k]] for k in (2, 1, 0)] + [[start, *lrs]]

    def _head(self, v: SessionView) -> str:
        """`Epoch 3`; while a phase walk is on an update, which one, as the walk's title
        names it: `Epoch 3 (walking epoch 3's update)`, then, applied, `Epoch 3 → 4`."""
        w = self.walking
        if w is None:
            return f"Epoch {v.epoch}" + (f", batch {v.batch}/{v.batches}" if v.batches > 1
                                         else "")
        if v.batches > 1:
            return f"Epoch {w.epoch}, batch {w.batch + 1}/{v.batches} " + \
                ("(applied)" if w.applied else "(walking it)")
        if w.applied:
            return f"Epoch {w.epoch} → {w.epoch + 1} (epoch {w.epoch}'s update)"
        return f"Epoch {w.epoch} (walking epoch {w.epoch}'s update)"

    @staticmethod
    def _optimizer(v: SessionView) -> str:
        if v.batches == 1:
            return f"{v.optimizer} (full batch)"
        return f"{v.optimizer}, batch size {v.batch_size}"

    @staticmethod
    def _diverged_text(runs: list[tuple[str, int, float | None]], two: bool) -> str:
        """What happened, and the keys that recover from it: `b` back to before it, `<` a
        smaller lr. A number quoted is the lr it diverged with, never one not yet tried.
        With two runs, which one (the other trains on)."""
        parts = []
        for name, epoch, lr in runs:
            tried = f" (lr {short(lr, 6)})" if lr is not None else ""
            parts.append(f"{'run ' + name + ' ' if name else ''}DIVERGED at epoch {epoch}{tried}")
        if two:
            goes_on = "; the other trains on" if len(runs) == 1 else ""
            return f" {', '.join(parts)}{goes_on}: b steps back, < halves the lr"
        return f" {parts[0]}: b steps back, < halves the lr, then step again"


def _lr(lr: float, schedule: str | None) -> str:
    """`lr 0.05`, and with a schedule the one it follows: `lr 0.05 (step:100:0.5)`."""
    return f"lr {short(lr, 6)}" + (f" ({schedule})" if schedule else "")
