"""One update, split into the notebook's steps, with formulas, operand shapes and the numbers
for one selected row. Built from a StepRecord only: a front end walks these to show backprop
one phase at a time, and nothing here recomputes what the record already holds (the only new
numbers are one row's share of a gradient, so a student can see where the sum comes from).

Matrices keep their shape (dW1 is 2×2, not four numbers in a row). `computed` says which
names a walk has computed by a phase, so a front end shows nothing a later phase computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..maths.losses import LOSSES
from ..names import TRANSPOSE, layer_names, pre_activation_name
from ..training.record import StepRecord

UPDATE_FORMULA = {
    "gd": "{p} −= lr·d{p}", "sgd": "{p} −= lr·d{p}",
    "momentum": "v = 0.9·v + d{p};  {p} −= lr·v", "adam": "{p} −= lr·m̂/(√v̂ + ε)",
}


@dataclass(frozen=True)
class Line:
    formula: str  # "H = X·W1 + b1"
    shapes: str  # "(4×2)·(2×2) + (1×2) → (4×2)"
    values: tuple[tuple[str, np.ndarray], ...]  # ("X[0]", …), ("H[0]", …) for the chosen row
    note: str = ""  # why the formula has this form, where that is not obvious
    # The values read as an equation, before + change = after (the update phase), rather
    # than as labelled values side by side.
    equation: bool = False


@dataclass(frozen=True)
class Phase:
    step: int  # the notebook's step number: 1 forward … 5 update (4 for every hidden layer)
    key: str  # "forward", "loss", "output", "hidden2"…, "update"
    title: str  # "Output layer gradients (layer 2)": a front end numbers the phases
    lines: tuple[Line, ...]
    reads: frozenset[str]  # names on screen this phase uses: "X", "W1", "delta2", …
    writes: frozenset[str]  # names it produces


def _shape(a: np.ndarray) -> str:
    return f"({a.shape[0]}×{a.shape[1]})"


def phases(rec: StepRecord, row: int, hidden: str, output: str) -> tuple[Phase, ...]:
    """Every phase of `rec`, in the order the notebook computes them."""
    L = rec.depth
    acts = [hidden] * (L - 1) + [output]
    out = [_forward(rec, row, acts), _loss(rec, row)]
    for layer in range(L - 1, -1, -1):
        out.append(_gradients(rec, row, layer, acts))
    out.append(_update(rec))
    return tuple(out)


def computed(walk: tuple[Phase, ...], index: int) -> frozenset[str]:
    """The names phases 0 … `index` of a walk have computed: all a front end may show of
    the update being walked, at that phase."""
    return frozenset().union(*(p.writes for p in walk[: index + 1]))


def computed_in(walk: tuple[Phase, ...], name: str) -> int | None:
    """The phase (0-based) that computes `name`, or None if none does."""
    return next((k for k, p in enumerate(walk) if name in p.writes), None)


def _forward(rec: StepRecord, r: int, acts: list[str]) -> Phase:
    names, lines = layer_names(rec.depth), []
    prev = "X"
    inputs = [rec.X, *rec.A[:-1]]
    for layer in range(rec.depth):
        k, name, A_prev = layer + 1, names[layer], inputs[layer]
        W, Z = rec.W_before[layer], rec.Z[layer]
        shapes = f"{_shape(A_prev)}·{_shape(W)} + (1×{W.shape[1]}) → {_shape(Z)}"
        row_in = (f"{prev}[{r}]", A_prev[r])
        if acts[layer] == "linear":
            lines.append(Line(f"{name} = {prev}·W{k} + b{k}", shapes,
                              (row_in, (f"{name}[{r}]", rec.A[layer][r]))))
        else:
            lines.append(Line(f"Z{k} = {prev}·W{k} + b{k}", shapes,
                              (row_in, (f"Z{k}[{r}]", Z[r]))))
            lines.append(Line(f"{name} = {acts[layer]}(Z{k})", f"{_shape(Z)} → {_shape(Z)}",
                              ((f"{name}[{r}]", rec.A[layer][r]),)))
        prev = name
    reads = {"X", *(f"W{k}" for k in range(1, rec.depth + 1)),
             *(f"b{k}" for k in range(1, rec.depth + 1))}
    pre = {pre_activation_name(layer, rec.depth, act) for layer, act in enumerate(acts)}
    return Phase(1, "forward", "Forward pass", tuple(lines), frozenset(reads),
                 frozenset(names) | pre)


def _loss(rec: StepRecord, r: int) -> Phase:
    loss = LOSSES[rec.loss_name]
    yhat = rec.predictions
    err = (f"ŷ[{r}]", yhat[r]), (f"y[{r}]", rec.y[r])
    lines = (
        Line(loss.formula, f"{_shape(yhat)} → scalar",
             (*err, (loss.name.upper(), np.array([rec.loss])))),
        Line(loss.objective_formula + _penalties(rec, "½{l2}·ΣW²", "{l1}·Σ|W|")
             + "   ← the gradients are of this",
             f"{_shape(yhat)} → scalar", (("J", np.array([rec.objective])),)),
    )
    return Phase(2, "loss", "Loss", lines, frozenset({"ŷ", "y"}), frozenset({"loss", "J"}))


def _gradients(rec: StepRecord, r: int, layer: int, acts: list[str]) -> Phase:
    L, k = rec.depth, layer + 1
    names = layer_names(L)
    prev = "X" if layer == 0 else names[layer - 1]
    A_prev = rec.X if layer == 0 else rec.A[layer - 1]
    delta, n = rec.delta[layer], rec.X.shape[0]
    deriv = "" if acts[layer] == "linear" else f" ⊙ {acts[layer]}′(Z{k})"
    if layer == L - 1:
        loss = LOSSES[rec.loss_name]
        if loss.output is not None:
            deriv = ""  # sigmoid with bce, softmax with ce: the slope cancels, N·∂J/∂Z = ŷ − y
        first = Line(loss.delta_formula.format(k=k) + deriv, _shape(delta),
                     ((f"delta{k}[{r}]", delta[r]),), note=loss.delta_note)
        reads = {"ŷ", "y", prev}
        step, key, title = 3, "output", f"Output layer gradients (layer {k})"
    else:
        W_next = rec.W_before[layer + 1]
        first = Line(f"delta{k} = delta{k + 1}·W{k + 1}{TRANSPOSE}{deriv}",
                     f"{_shape(rec.delta[layer + 1])}·{_shape(W_next.T)} → {_shape(delta)}",
                     ((f"delta{k + 1}[{r}]", rec.delta[layer + 1][r]),
                      (f"delta{k}[{r}]", delta[r])))
        reads = {f"delta{k + 1}", f"W{k + 1}", prev}
        step, key, title = 4, f"hidden{k}", f"Hidden layer gradients (layer {k})"
    share = np.outer(A_prev[r], delta[r]) / n  # row r's term of the sum in dW
    dW, db = rec.dW[layer], rec.db[layer]
    values: tuple[tuple[str, np.ndarray], ...] = ((f"row {r}'s share", share), (f"dW{k}", dW))
    penalty = _penalties(rec, f"{{l2}}·W{k}", f"{{l1}}·sign(W{k})")
    if penalty:  # every row's share, then the penalties' slope on the weights, make dW
        W = rec.W_before[layer]
        slope = rec.l2 * W if rec.l2 else np.zeros_like(W)
        if rec.l1:
            slope = slope + rec.l1 * np.sign(W)
        values = (values[0], (f"dW{k}'s penalty part", slope), values[1])
        reads.add(f"W{k}")
    lines = (
        first,
        Line(f"dW{k} = {prev}{TRANSPOSE}·delta{k} / N{penalty}",
             f"{_shape(A_prev.T)}·{_shape(delta)} / {n} → {_shape(dW)}", values),
        Line(f"db{k} = Σ delta{k} / N", f"{_shape(delta)} → {_shape(db)}",
             ((f"db{k}", db),)),
    )
    return Phase(step, key, title, lines, frozenset(reads),
                 frozenset({f"delta{k}", f"dW{k}", f"db{k}"}))


def _penalties(rec: StepRecord, l2: str, l1: str) -> str:
    """` + ½λ·ΣW²`, ` + λ·sign(W1)`: the penalties' terms, written with `l2` and `l1` (their
    λ as `{l2}`, `{l1}`: λ₂ and λ₁ when both are there, else λ); "" without penalties."""
    both = bool(rec.l2 and rec.l1)
    lam2, lam1 = ("λ₂", "λ₁") if both else ("λ", "λ")
    out = ""
    if rec.l2:
        out += " + " + l2.format(l2=lam2)
    if rec.l1:
        out += " + " + l1.format(l1=lam1)
    return out


def _update(rec: StepRecord) -> Phase:
    form = UPDATE_FORMULA.get(rec.optimizer, "{p} += Δ{p}")
    lines = []
    for layer in range(rec.depth - 1, -1, -1):  # the notebook updates W2, b2, then W1, b1
        k = layer + 1
        for p, before, change, after in (
            (f"W{k}", rec.W_before[layer], rec.W_change[layer], rec.W_after[layer]),
            (f"b{k}", rec.b_before[layer], rec.b_change[layer], rec.b_after[layer]),
        ):
            lines.append(Line(form.format(p=p),
                              f"before + change = after · {_shape(before)} · lr {rec.lr:g}",
                              (("before", before), ("change", change), ("after", after)),
                              equation=True))
    names = {f"{p}{k}" for p in ("W", "b") for k in range(1, rec.depth + 1)}
    return Phase(5, "update", "Update weights & biases", tuple(lines),
                 frozenset({f"d{n}" for n in names}), frozenset(names))
