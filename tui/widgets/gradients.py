"""The gradients pane: dW and db for each layer from the record of the update that produced
the epoch on screen, in the notebook's order (output layer first, as backprop goes), with
the deltas and the forward pass when there is room.

It names the function the gradients belong to (J = (1/2N)·Σ(ŷ−y)², not the MSE the loss
pane reports), because that factor of two is exactly what confuses people, and the update
they come from (`epoch 198's update`). Before the first update there is no record, and it
says so instead of showing zeros. During a phase walk it shows the update being walked, and
of it only what the phases so far have computed: a matrix a later phase computes is named,
with that phase, and no number. When the matrices do not fit they sit beside their names,
then the pane pages (`m`), to what the walk's phase writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text

from core.names import layer_names, pre_activation_name

from ..fmt import WIDTH, fit, num, update_name, wrap
from .pane import Block, Cell, Pane, text_block

if TYPE_CHECKING:
    import numpy as np

    from core.present.views import SessionView
    from core.training.record import StepRecord

    from ..phasewalk import PhaseWalk


class Walked(NamedTuple):
    """The update a phase walk is on, and how far it has got."""

    record: StepRecord
    known: frozenset[str]  # the names computed so far
    walk: PhaseWalk  # to say which phase computes the rest

    @classmethod
    def of(cls, walk: PhaseWalk | None) -> Walked | None:
        return None if walk is None else cls(walk.record, walk.known, walk)


class GradientsPane(Pane):
    """dW, db (and delta, Z/A where room) of the update that led here, or being walked."""

    TITLE = "Gradients"
    WIDE = 44

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.walked: Walked | None = None

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        rec = self.walked.record if self.walked is not None else view.last
        if rec is None:
            return self._nothing_yet(view, width, height)
        head = self._head(view, rec, width)
        wide = width >= self.WIDE
        label_w = len(f"dW{rec.depth}") + 1
        variants = [(wide, True, 0), (False, True, 0), (False, False, 0),
                    (False, True, label_w), (False, False, label_w)]
        for forward, deltas, compact in variants:
            blocks = self._blocks(view, rec, width, forward, deltas, compact)
            if len(head) + sum(b.height for b in blocks) <= height:
                self.pages = 1
                return head + [line for b in blocks for line in b.draw(0, b.height)]
        written = [(n, -1, 0) for n, m in self.marks.items() if m == "written"]
        return self.paged(head, blocks, width, height, focus=written)

    def _nothing_yet(self, view: SessionView, width: int, height: int) -> list[Text]:
        """Why there are no gradients, and the key that makes some: in fewer words when
        the pane is short, so it is never cut or paged."""
        dim = self.style("dim")
        if view.t == 0:
            texts = ("Nothing computed yet: gradients come from a step. Press s to run one "
                     "epoch of backprop (forward pass, loss, gradients, update), or f to walk "
                     "it phase by phase.",
                     "Nothing computed yet: s runs one epoch of backprop, f walks it phase "
                     "by phase.", "None yet: press s.")
        else:  # updates were made, but the record of the last one is not kept
            texts = (f"The update that led to epoch {view.epoch} is not kept (an older "
                     "session file, or undo let it go). The next step shows its own.",
                     f"Epoch {view.epoch}'s update is not kept: the next step shows its own.",
                     "Not kept: step again.")
        for words in texts:
            lines = wrap(words, width - 1)
            if 1 + len(lines) <= height:
                break
        return [self.label(f"of {view.objective_formula}", width),
                *(Text(" " + part, style=dim) for part in lines)]

    def _head(self, view: SessionView, rec: StepRecord, width: int) -> list[Text]:
        head = f"of {view.objective_formula}"
        where = update_name(rec)
        out = [self.label(head, width)]
        if len(head) + len(where) + 3 <= width:
            out[0].append(f" · {where}", style=self.style("dim"))
        else:
            out.append(Text(" " + fit(where, width - 1), style=self.style("dim")))
        return out

    def _blocks(self, view: SessionView, rec: StepRecord, width: int, forward: bool,
                deltas: bool, label_w: int) -> list[Block]:
        out: list[Block] = []
        if forward:
            out += self._forward(view, rec, width)
        notes = forward  # formulas beside the labels when there is room for everything
        names = layer_names(rec.depth)
        for layer in reversed(range(rec.depth)):
            n = layer + 1
            below = "X" if n == 1 else names[layer - 1]
            if deltas:
                rule = self._output_rule(view) if n == rec.depth else \
                    f"delta{n + 1}·W{n + 1}ᵀ{self._deriv(view, n)}"
                out += self._matrix(f"delta{n}", rec.delta[layer], width,
                                    f"= {rule}" if notes else "", label_w)
            out += self._matrix(f"dW{n}", rec.dW[layer], width,
                                f"= {below}ᵀ·delta{n} / N" if notes else "", label_w)
            out += self._matrix(f"db{n}", rec.db[layer], width,
                                f"= Σ delta{n} / N" if notes else "", label_w)
        return out

    @staticmethod
    def _output_rule(view: SessionView) -> str:
        """The output delta: ŷ − y, and when a cross-entropy meets its output activation,
        that the two cancel (the phase walk and the help say how)."""
        if view.loss_name in ("bce", "ce"):
            return f"ŷ − y ({view.loss_name} and {view.output_activation} cancel)"
        return "ŷ − y"

    @staticmethod
    def _deriv(view: SessionView, n: int) -> str:
        """` ⊙ tanh′(Z1)` for a non-linear hidden layer; nothing for a linear one."""
        act = view.hidden_activation
        return "" if act == "linear" else f" ⊙ {act}′(Z{n})"

    def _forward(self, view: SessionView, rec: StepRecord, width: int) -> list[Block]:
        """The forward pass that produced these gradients (parameters before the update),
        each matrix under its one name: `H = X·W1 + b1`, or `Z1 = …` then `H = tanh(Z1)`."""
        out = [text_block([Text(fit(" forward pass, before the update:", width),
                                style=self.style("dim"))])]
        names = layer_names(rec.depth)
        acts = [view.hidden_activation] * (rec.depth - 1) + [view.output_activation]
        for layer in range(rec.depth):
            n, act = layer + 1, acts[layer]
            rule = f"= {'X' if n == 1 else names[layer - 1]}·W{n} + b{n}"
            pre = pre_activation_name(layer, rec.depth, act)
            out += self._matrix(pre, rec.Z[layer], width, rule, signed=False)
            if pre != names[layer]:
                out += self._matrix(names[layer], rec.A[layer], width, f"= {act}(Z{n})",
                                    signed=False)
        return out

    def _matrix(self, name: str, values: np.ndarray, width: int, note: str = "",
                label_w: int = 0, signed: bool = True) -> list[Block]:
        """A matrix of the record; during a walk, before its phase, only its name. Deltas
        and gradients carry their sign; the forward pass's values are written as everywhere
        else (`signed` False)."""
        walked = self.walked
        if walked is not None and name not in walked.known:
            phase = walked.walk.computed_in(name)
            when = f"in phase {phase}" if phase else "not computed yet"
            return [self.pending(name, values.shape, width, when, label_w)]

        def cell(i: int, j: int) -> Cell:
            # every cell as wide as the widest number: columns stay put from step to step
            return num(values[i, j], signed=signed).rjust(WIDTH), None

        return self.matrix(name, values.shape, cell, width, note, label_w)
