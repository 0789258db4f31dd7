"""Learning-rate schedules, stepped once per epoch: torch's StepLR, ExponentialLR and
CosineAnnealingLR (eta_min 0), computed as torch computes them.

torch updates the lr recursively, from the lr of the epoch before (`get_lr`), not from a
closed form; the two differ in the last bits after a few hundred epochs. So does this
module: `next_lr(lr, epoch, base)` is the lr for epoch `epoch` (epochs done so far) from the
lr of epoch − 1, with the same operations in the same order, and a session's lr after any
number of epochs equals torch's `scheduler.get_last_lr()` exactly.

With `eta_min` 0 every formula is linear in (lr, base), so scaling both by the same factor
(`<` and `>` in the stepper) scales every later lr by it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import lr_schedule_text, parse_lr_schedule

ETA_MIN = 0.0  # CosineAnnealingLR's floor, written out so the arithmetic is torch's


@dataclass(frozen=True)
class Schedule:
    kind: str  # "step", "exp" or "cosine"
    every: int  # step: epochs between decays; cosine: T, the half period; exp: 0
    gamma: float  # step and exp: the factor; cosine: 1

    @property
    def text(self) -> str:
        """As `--lr-schedule` spells it: `step:100:0.5`, `exp:0.99`, `cosine:500`."""
        return lr_schedule_text(self.kind, self.every, self.gamma)

    @property
    def words(self) -> str:
        """In a student's words: `×0.5 every 100 epochs`, `×0.99 each epoch`, `cosine to 0
        over 500 epochs`."""
        if self.kind == "step":
            return f"×{self.gamma:g} every {self.every} epochs"
        if self.kind == "exp":
            return f"×{self.gamma:g} each epoch"
        return f"cosine to 0 over {self.every} epochs"

    @property
    def formula(self) -> str:
        """The closed form, for help and headers (the lr itself follows torch's recursion)."""
        if self.kind == "step":
            return f"lr = base·{self.gamma:g}^⌊epoch/{self.every}⌋"
        if self.kind == "exp":
            return f"lr = base·{self.gamma:g}^epoch"
        return f"lr = base·(1 + cos(π·epoch/{self.every}))/2"

    @property
    def torch_class(self) -> str:
        return {"step": "StepLR", "exp": "ExponentialLR", "cosine": "CosineAnnealingLR"}[
            self.kind]

    def next_lr(self, lr: float, epoch: int, base: float) -> float:
        """The lr for epoch `epoch` (> 0) given epoch − 1's: torch's `get_lr` with
        `last_epoch = epoch`."""
        if epoch == 0:
            return lr
        if self.kind == "step":
            return lr if epoch % self.every != 0 else lr * self.gamma
        if self.kind == "exp":
            return lr * self.gamma
        T = self.every
        if (epoch - 1 - T) % (2 * T) == 0:
            return lr + (base - ETA_MIN) * (1 - math.cos(math.pi / T)) / 2
        return ((1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
                * (lr - ETA_MIN) + ETA_MIN)

    def lr_at(self, base: float, epoch: int) -> float:
        """The lr of epoch `epoch`, starting from `base` at epoch 0 (the recursion run)."""
        lr = base
        for e in range(1, epoch + 1):
            lr = self.next_lr(lr, e, base)
        return lr


def get(text: str | None) -> Schedule | None:
    """The schedule `--lr-schedule` names, or None for a constant lr."""
    if text is None:
        return None
    return Schedule(*parse_lr_schedule(text))
