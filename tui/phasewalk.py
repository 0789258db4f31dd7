"""The state of a phase walk: which update is being walked, which phase of it is on screen,
which row of the batch the numbers are for. It holds no numbers of its own: the record is
the core's (`Session.preview()` before the update phase, `Session.step_update()` from it on)
and the phases are `core.present.phases.phases(record, …)`.

The walk touches the session at two moments only: it commits the update when it enters the
update phase (so the parameters change there and nowhere else), and it takes that update
back when it leaves the update phase backwards. Everything else is bookkeeping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.present.phases import Phase
    from core.present.views import SessionView
    from core.training.record import StepRecord
    from core.training.session import Session

# Which names (Phase.reads / Phase.writes) each pane shows, by pane id. Panes not listed
# show none of them and are never marked.
PANE_NAMES: dict[str, re.Pattern[str]] = {
    "dataset": re.compile(r"X|y|ŷ"),
    "params": re.compile(r"[Wb]\d+"),
    "gradients": re.compile(r"delta\d+|d[Wb]\d+|Z\d+|H\d*|ŷ"),
    "loss": re.compile(r"loss|J"),
    "network": re.compile(r"X|[Wb]\d+|H\d*|Z\d+|ŷ"),
    "output": re.compile(r"ŷ|y"),
}


def marks_for(pane_id: str | None, phase: Phase | None) -> dict[str, str]:
    """{name: "read" | "written"} for the names of `phase` that pane `pane_id` shows."""
    pattern = PANE_NAMES.get(pane_id or "")
    if phase is None or pattern is None:
        return {}
    out = {name: "read" for name in phase.reads if pattern.fullmatch(name)}
    out.update({name: "written" for name in phase.writes if pattern.fullmatch(name)})
    return out


@dataclass(eq=False)
class PhaseWalk:
    """One update walked phase by phase, and the updates walked before it (to step back)."""

    record: StepRecord  # the update on screen: the preview until committed, then the same
    t_before: int  # the session's update counter before this update
    last_before: StepRecord | None  # session.last before this update (to know we are in sync)
    hidden: str  # activation names, for the formulas
    output: str
    index: int = 0
    row: int = 0
    committed: bool = False
    walked: list[tuple[StepRecord, int, StepRecord | None]] = field(default_factory=list)
    _cache: tuple[int, int, tuple[Phase, ...]] | None = None

    @classmethod
    def start(cls, session: Session) -> PhaseWalk | None:
        """Begin at the forward phase of the next update; None if there is none (diverged)."""
        rec = session.preview()
        if rec is None:
            return None
        cfg = session.config
        return cls(rec, session.t, session.last, cfg.activation, cfg.output_activation)

    # ------------------------------------------------------------------ reading

    @property
    def phases(self) -> tuple[Phase, ...]:
        from core.present.phases import phases

        key = (id(self.record), self.row)
        if self._cache is None or self._cache[:2] != key:
            self._cache = (*key, phases(self.record, self.row, self.hidden, self.output))
        return self._cache[2]

    @property
    def phase(self) -> Phase:
        return self.phases[self.index]

    @property
    def known(self) -> frozenset[str]:
        """The names this walk has computed up to the phase on screen: all that any pane
        may show of the update being walked."""
        from core.present.phases import computed

        return computed(self.phases, self.index)

    def computed_in(self, name: str) -> int | None:
        """The phase number (1-based, as on screen) that computes `name`."""
        from core.present.phases import computed_in

        k = computed_in(self.phases, name)
        return None if k is None else k + 1

    @property
    def at_update(self) -> bool:
        return self.index == len(self.phases) - 1

    @property
    def rows(self) -> int:
        return int(self.record.X.shape[0])

    def dataset_row(self, view: SessionView) -> int:
        """The selected row's number in the file (the record's rows index the training set)."""
        return int(view.dataset.train_rows[self.record.rows[self.row]])

    def in_sync(self, view: SessionView) -> bool:
        """False when something other than the walk moved the session (s, r, n, R, a load):
        then the walk is over."""
        t = view.epoch * view.batches + view.batch
        if self.committed:
            return t == self.t_before + 1 and view.last is self.record
        return t == self.t_before and view.last is self.last_before

    def stale(self, view: SessionView) -> bool:
        """Before the update phase: the parameters or lr changed under the walk (an edit, `<`
        or `>`), so the update it shows is no longer the one that would happen."""
        if self.committed:
            return False
        import numpy as np  # not at import time: the first frame is drawn before NumPy

        rec = self.record
        return view.lr != rec.lr or not all(
            np.array_equal(a, b) for a, b in zip(view.W, rec.W_before, strict=True)) or \
            not all(np.array_equal(a, b) for a, b in zip(view.b, rec.b_before, strict=True))

    # ------------------------------------------------------------------ moving

    def refresh(self, session: Session) -> bool:
        """Take the update as it would happen now (same phase, same row)."""
        rec = session.preview()
        if rec is None:
            return False
        self.record, self.last_before = rec, session.last
        self.row = min(self.row, self.rows - 1)
        return True

    def forward(self, session: Session) -> str:
        """One phase on. Entering the update phase commits the update; leaving it starts
        the next update. Returns "" or a reason the walk cannot go on ("diverged")."""
        if self.at_update:
            nxt = session.preview()
            if nxt is None:
                return "diverged"
            self.walked.append((self.record, self.t_before, self.last_before))
            self.record, self.t_before, self.last_before = nxt, session.t, session.last
            self.index, self.committed = 0, False
            self.row = min(self.row, self.rows - 1)
            return ""
        self.index += 1
        if self.at_update:
            rec = session.step_update()
            if rec is None:
                return "diverged"
            self.record, self.committed = rec, True
        return ""

    def back(self, session: Session) -> bool:
        """One phase back; leaving the update phase backwards takes the update back (and any
        lr change made after it). False at the very first phase: the walk is over."""
        if self.committed:
            while session.t > self.t_before:
                if not session.undo_update():
                    return False
            self.committed = False
            self.index -= 1
            return True
        if self.index > 0:
            self.index -= 1
            return True
        if self.walked:
            self.record, self.t_before, self.last_before = self.walked.pop()
            self.index, self.committed = len(self.phases) - 1, True
            self.row = min(self.row, self.rows - 1)
            return True
        return False

    def select(self, step: int) -> None:
        """The next (+1) or previous (−1) row of the batch, wrapping around."""
        self.row = (self.row + step) % self.rows
