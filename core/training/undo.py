"""The snapshots a session keeps for going back, within a budget of bytes.

Every action first pushes a mark: a full copy of what the next update depends on, at update
count `t`. Going back restores the nearest mark at or before the target and replays forwards
from it (the session does the replay: the same code on the same generator state, so it is
bit-identical). When the marks outgrow the budget the oldest go first, so how far back one
can go depends on the network's size, not on a fixed count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .record import StepRecord

ARRAY_OVERHEAD = 128  # what an ndarray object costs beyond its data (header, shape, strides)
MARK_OVERHEAD = 2048  # a snapshot's own objects: the RNG state dict, the dataclass, the list


@dataclass(eq=False)
class Mark:
    """A session's state at update count `t`, as it was before an action."""

    t: int
    epoch: int
    batch: int
    flat: np.ndarray
    opt_state: dict[str, np.ndarray]
    rng_state: dict
    perm: np.ndarray | None
    lr: float
    hist_len: int
    hand_len: int | None  # how many hand changes had been made (None: not known)
    last: StepRecord | None
    diverged_at: int | None
    diverged_lr: float | None
    event: bool  # an edit or lr change at this position, undone on its own

    own_record: bool = True  # False when the previous mark already holds the same record
    base_lr: float | None = None  # the lr schedule's base (None: no schedule, the lr)
    edited_best: tuple[int, float] | None = None  # Session.edited_best at this position

    @property
    def nbytes(self) -> int:
        extra = sum(a.nbytes for a in self.opt_state.values())
        if self.own_record and self.last is not None:
            extra += record_bytes(self.last)
        perm = self.perm.nbytes if self.perm is not None else 0
        return self.flat.nbytes + extra + perm + MARK_OVERHEAD


def record_bytes(rec: StepRecord | None) -> int:
    """What an update's record holds: its arrays and their objects."""
    if rec is None:
        return 0
    arrays = [v for v in vars(rec).values() if isinstance(v, np.ndarray)]
    arrays += [a for v in vars(rec).values() if isinstance(v, tuple) for a in v
               if isinstance(a, np.ndarray)]
    if rec.start is not None:
        arrays += list(rec.start.opt_state.values())
    return 1024 + sum(a.nbytes + ARRAY_OVERHEAD for a in arrays)


def led_to(rec: StepRecord | None, t: int) -> bool:
    """Whether `rec` is the update that produced position `t` (it started at t − 1)."""
    return rec is not None and rec.t == t - 1


def record_estimate(rows: int, sizes: tuple[int, ...], params_nbytes: int) -> int:
    """A record's size before there is one: Z, A and delta per layer for a batch of `rows`,
    the batch itself, and five copies of the parameters (dW/db, before, change, after)."""
    per_layer = 3 * rows * sum(sizes[1:]) * 8
    return 1024 + per_layer + rows * (sizes[0] + sizes[-1]) * 8 + 5 * params_nbytes + \
        40 * ARRAY_OVERHEAD


class Snapshots:
    """The marks, oldest first, and the bytes they hold (never more than `budget`, but for
    the newest mark, which is always kept)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._marks: list[Mark] = []
        self.nbytes = 0

    def clear(self) -> None:
        self._marks.clear()
        self.nbytes = 0

    def __bool__(self) -> bool:
        return bool(self._marks)

    @property
    def oldest(self) -> int:
        """The update count of the oldest mark kept."""
        return self._marks[0].t

    @property
    def newest(self) -> int:
        return self._marks[-1].t

    def push(self, mark: Mark) -> None:
        """Keep `mark`, then drop the oldest marks until the rest fit the budget."""
        marks = self._marks
        # runs push several marks that all hold the record from before the run: count it once
        mark.own_record = not (marks and marks[-1].last is mark.last)
        marks.append(mark)
        self.nbytes += mark.nbytes
        self.trim()

    def trim(self) -> None:
        """Let the oldest marks go until the rest fit the budget (the newest always stays)."""
        marks = self._marks
        while self.nbytes > self.budget and len(marks) > 1:
            self.nbytes -= marks.pop(0).nbytes
            head = marks[0]
            if not head.own_record:  # it now holds its record alone
                head.own_record = True
                self.nbytes += record_bytes(head.last)

    def can_undo(self, t: int) -> bool:
        """Whether anything before `t` is kept, or an edit at `t` itself."""
        return bool(self._marks) and (t > self._marks[0].t or self.event_at(t))

    def event_at(self, t: int) -> bool:
        """Whether the newest mark is an edit (or lr change) made at `t`."""
        return bool(self._marks) and self._marks[-1].event and self._marks[-1].t == t

    def pop(self) -> Mark:
        """Take the newest mark (an edit being undone)."""
        mark = self._marks.pop()
        self.nbytes -= mark.nbytes
        return mark

    def back_to(self, target: int, pop_exact: bool = True) -> Mark | None:
        """The mark to restore to reach update `target` (replaying from it): the newest at or
        before it, the younger ones dropped; taken off too when it is at `target` exactly and
        `pop_exact`. A mark taken inside a run holds no record of the update that led to it:
        then the one before it is restored instead, so the replay ends with that update's
        record. None when nothing that old is kept."""
        marks = self._marks
        while marks and marks[-1].t > target:
            self.nbytes -= marks.pop().nbytes
        if not marks:
            return None
        top = marks[-1]
        mark = top
        if top.t == target and target > 0 and not led_to(top.last, top.t) and len(marks) > 1:
            mark = marks[-2]
        if top.t == target and pop_exact:
            self.pop()
        return mark
