"""The gradients pane: dW and db for each layer from the last update's record, in the
notebook's order (output layer first, as backprop goes), with the deltas and the forward
pass when there is room.

It names the function the gradients belong to (J = (1/2N)·Σ(ŷ−y)², not the MSE the loss
pane reports), because that factor of two is exactly what confuses people. Before the first
update there is no record, and it says so instead of showing zeros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from core.names import layer_names, pre_activation_name

from ..fmt import fit, num, shape, wrap
from .pane import Cell, Pane

if TYPE_CHECKING:
    import numpy as np

    from core.present.views import SessionView
    from core.training.record import StepRecord


class GradientsPane(Pane):
    """dW, db (and delta, Z/A where room) of the last update."""

    TITLE = "Gradients"
    WIDE = 44

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        rec = view.last
        if rec is None:
            return self._nothing_yet(view, width)
        wide = width >= self.WIDE
        variants = [(True, True), (False, True), (False, False)] if wide \
            else [(False, True), (False, False)]
        for forward, deltas in variants:
            out = self._layout(view, rec, width, forward, deltas, 6 if wide else 4)
            if len(out) <= height:
                return out
        return out

    def _nothing_yet(self, view: SessionView, width: int) -> list[Text]:
        dim = self.style("dim")
        words = ("Nothing computed yet: gradients come from a step. Press s to run one "
                 "epoch of backprop (forward pass, loss, gradients, update), or f to walk "
                 "it phase by phase.")
        return [self.label(f"of {view.objective_formula}", width),
                *(Text(" " + part, style=dim) for part in wrap(words, width - 1))]

    def _layout(self, view: SessionView, rec: StepRecord, width: int, forward: bool,
                deltas: bool, decimals: int) -> list[Text]:
        head = f"of {view.objective_formula}"
        where = f"epoch {rec.epoch}'s update" + (f", batch {rec.batch + 1}/{rec.batches}"
                                                 if rec.batches > 1 else "")
        out = [self.label(head, width)]
        if len(head) + len(where) + 3 <= width:
            out[0].append(f" · {where}", style=self.style("dim"))
        else:
            out.append(Text(" " + fit(where, width - 1), style=self.style("dim")))
        if forward:
            out += self._forward(rec, width, decimals)
        notes = forward  # formulas beside the labels when there is room for everything
        names = layer_names(rec.depth)
        for layer in reversed(range(rec.depth)):
            n = layer + 1
            below = "X" if n == 1 else names[layer - 1]
            if deltas:
                rule = self._output_rule(view) if n == rec.depth else \
                    f"delta{n + 1}·W{n + 1}ᵀ{self._deriv(n)}"
                out += self._matrix(f"delta{n}", rec.delta[layer], width, decimals, 4,
                                    f"= {rule}" if notes else "")
            out += self._matrix(f"dW{n}", rec.dW[layer], width, decimals, 6,
                                f"= {below}ᵀ·delta{n} / N" if notes else "")
            out += self._matrix(f"db{n}", rec.db[layer], width, decimals, 2,
                                f"= Σ delta{n} / N" if notes else "")
        return out

    @staticmethod
    def _output_rule(view: SessionView) -> str:
        """The output delta: ŷ − y, and when a cross-entropy meets its output activation,
        that the two cancel (the phase walk and the help say how)."""
        if view.loss_name in ("bce", "ce"):
            return f"ŷ − y ({view.loss_name} and {view.output_activation} cancel)"
        return "ŷ − y"

    def _deriv(self, n: int) -> str:
        """` ⊙ tanh′(Z1)` for a non-linear hidden layer; nothing for a linear one."""
        act = self.view.hidden_activation if self.view is not None else "linear"
        return "" if act == "linear" else f" ⊙ {act}′(Z{n})"

    def _forward(self, rec: StepRecord, width: int, decimals: int) -> list[Text]:
        """The forward pass that produced these gradients (parameters before the update),
        each matrix under its one name: `H = X·W1 + b1`, or `Z1 = …` then `H = tanh(Z1)`."""
        out = [Text(fit(" forward pass, before the update:", width), style=self.style("dim"))]
        names = layer_names(rec.depth)
        assert self.view is not None
        acts = [self.view.hidden_activation] * (rec.depth - 1) + [self.view.output_activation]
        for layer in range(rec.depth):
            n, act = layer + 1, acts[layer]
            rule = f"= {'X' if n == 1 else names[layer - 1]}·W{n} + b{n}"
            pre = pre_activation_name(layer, rec.depth, act)
            out += self._matrix(pre, rec.Z[layer], width, decimals, 4, rule)
            if pre != names[layer]:
                out += self._matrix(names[layer], rec.A[layer], width, decimals, 4,
                                    f"= {act}(Z{n})")
        return out

    def _matrix(self, name: str, values: np.ndarray, width: int, decimals: int,
                max_rows: int, note: str = "") -> list[Text]:
        def cell(i: int, j: int) -> Cell:
            return num(values[i, j], decimals, signed=True), None

        return [self.label(f"{name} {shape(*values.shape)}", width, note),
                *self.grid(values.shape, cell, width, max_rows)]
