"""Worked answers: a quantity's formula with the session's own numbers put in.

    dW2[0,0] = Σₙ H[n,0]·delta2[n,0] / N = (0.4267·0.7383 + … ) / 4 = 0.4033

The formula is the one the core computes the quantity with (network.forward and backward,
the losses, the optimisers' update rules), written out for one entry; the numbers are the
operands the session used, read from the preview of its next update (or, for a parameter,
from the update that made it). The last number is the quantity's value itself, so a worked
answer always ends on the value the learner is marked against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data.crosses import PLAIN
from ..maths import optim
from ..maths.network import param_views
from .quantities import Bound, Quantity, display_name, value_text

SHOWN_TERMS = 4  # a sum of more terms shows its first three and how many more
VALUE = "{=}"  # where a formula puts the value, when not at its end


@dataclass(frozen=True)
class Worked:
    text: str
    value: float


def worked(bound: Bound, q: Quantity) -> Worked | None:
    """The worked computation of `q` now, or None where the session has no value (after a
    divergence the next update cannot be previewed)."""
    value = bound.value(q)
    if value is None:
        return None
    if q.parameter:
        body = _parameter(bound, q)
    elif q.index is not None:
        body = _MATRIX[q.kind](bound, q)
    else:
        body = _SCALAR[q.kind](bound, q)
    shown = value_text(value, q.kind == "epoch")
    text = body.replace(VALUE, shown) if VALUE in body else f"{body} = {shown}"
    return Worked(text, value)


# ---------------------------------------------------------------------------- numbers

def num(x: float) -> str:
    """An operand, to the 4 decimals answers are shown with (no trailing zeros: 0.25, 1),
    or to 4 significant figures when it is too small for that (1.234e-5)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else "—"
    if 1e-3 <= abs(x) < 1e7:
        text = f"{x:.4f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    mantissa, exp = f"{x:.3e}".split("e")
    return f"{mantissa}e{int(exp)}"


def par(x: float) -> str:
    """An operand after an operator: a negative one in brackets, `0.5·(-0.12)`."""
    text = num(x)
    return f"({text})" if text.startswith("-") else text


def lead(x: float, position: int) -> str:
    """A term's first factor: bare at the start of a sum, bracketed after a `+` when negative."""
    return num(x) if position == 0 else par(x)


def terms(parts: list[str], count: int) -> str:
    """A sum of `count` terms, of which `parts` are the first few: all of them when there
    are at most SHOWN_TERMS, else the first three and how many more."""
    if count <= SHOWN_TERMS:
        return " + ".join(parts[:count])
    return " + ".join(parts[:SHOWN_TERMS - 1]) + f" + … ({count - SHOWN_TERMS + 1} more)"


def _first(n: int) -> range:
    """The indices of the terms a sum of `n` shows."""
    return range(min(n, SHOWN_TERMS))


# ---------------------------------------------------------------------------- parameters

def _flat_index(bound: Bound, q: Quantity) -> int:
    """Where a parameter sits in the flat buffer the optimiser's state is laid out like."""
    s = bound.session
    Ws, bs = param_views(np.arange(s.net.flat.size), s.sizes)
    return int((Ws if q.kind == "W" else bs)[q.layer - 1][q.index])


def _parameter(bound: Bound, q: Quantity) -> str:
    """A parameter is what the last update made it: its value before, and the optimiser's
    rule with that update's gradient, learning rate and (momentum, adam) state. When the
    last update did not make it (none yet, or it was edited), its value now is the answer."""
    s, k, idx = bound.session, q.layer, q.index
    last = s.last
    now = (s.net.W if q.kind == "W" else s.net.b)[k - 1]
    after = None if last is None else (last.W_after if q.kind == "W" else last.b_after)[k - 1]
    if after is None or not np.array_equal(after, now):
        if s.t == 0:
            return f"{q.text} = {VALUE}: its starting value (no update has changed it yet)"
        return f"{q.text} = {VALUE}: its value now (set by hand after the last update)"
    before = float((last.W_before if q.kind == "W" else last.b_before)[k - 1][idx])
    grad = float((last.dW if q.kind == "W" else last.db)[k - 1][idx])
    lr, g = num(last.lr), f"d{q.text}"
    if last.optimizer in ("gd", "sgd"):
        return f"{q.text} = {q.text} - lr·{g} = {num(before)} - {lr}·{par(grad)}"
    at = _flat_index(bound, q)
    if last.optimizer == "momentum":
        v = float(s.opt_state["v"][at])
        return (f"{q.text} = {q.text} - lr·v, where v = {optim.MOMENTUM:g}·v + {g} is now {num(v)} "
                f"({g} = {num(grad)}): {num(before)} - {lr}·{par(v)}")
    m, v, t = float(s.opt_state["m"][at]), float(s.opt_state["v"][at]), int(s.opt_state["t"][0])
    eps = f"{optim.EPS:g}".replace("e-0", "e-")
    m_hat = m / (1.0 - optim.BETA1 ** t)
    v_hat = v / (1.0 - optim.BETA2 ** t)
    return (f"{q.text} = {q.text} - lr·m̂/(√v̂ + ε), update t = {t}: m = {optim.BETA1:g}·m + "
            f"{1 - optim.BETA1:.1f}·{g} is {num(m)}, m̂ = m/(1 - {optim.BETA1:g}^{t}) = "
            f"{num(m_hat)}; v = {optim.BETA2:g}·v + {1 - optim.BETA2:.3f}·{g}² is {num(v)}, "
            f"v̂ = v/(1 - {optim.BETA2:g}^{t}) = {num(v_hat)}; ε = {eps}: "
            f"{num(before)} - {lr}·{par(m_hat)}/(√{num(v_hat)} + {eps})")


# ---------------------------------------------------------------------------- the batch

def _data(bound: Bound, q: Quantity) -> str:
    """X and y: a row of the file, normalised as the network sees it."""
    s, rec = bound.session, bound.record
    ds = s.dataset
    n, j = q.index
    row = int(ds.train_rows[int(rec.rows[n])])
    features = len(ds.feature_names)
    if q.kind == "y" and ds.task == "classification":
        names = ds.classes or ("0", "1")
        label = int(ds.labels[row]) if ds.labels is not None else int(rec.y[n, j] > 0.5)
        unit = names[j] if len(names) > 1 and rec.y.shape[1] > 1 else names[-1]
        one_hot = f" (one-hot: 1 for its class, {unit} is column {j})" \
            if rec.y.shape[1] > 1 else ""
        return (f"{q.text} = {VALUE}: row {n} of the batch (file row {row}) is class "
                f"{names[label]}{one_hot}")
    if q.kind == "X" and ds.inputs is not None:
        if ds.inputs[j] not in PLAIN:
            return _cross(ds, row, q)
        j = PLAIN.index(ds.inputs[j])  # x1 or x2 among the crosses: the feature itself
    col = j if q.kind == "X" else features + j
    name = ds.columns[col]
    raw = float(ds.raw[row, col])
    norm = ds.x_norm if q.kind == "X" else ds.y_norm
    off, scale = float(norm.offset[0, j]), float(norm.scale[0, j])
    head = f"{q.text} = {name} of file row {row}"
    if norm.kind == "max":
        return f"{head} / its largest size = {num(raw)} / {num(scale)}"
    if norm.kind == "minmax":
        return f"{head} scaled by min and max: ({num(raw)} - {par(off)}) / {num(scale)}"
    if norm.kind == "zscore":
        return f"{head} less the mean, over the std: ({num(raw)} - {par(off)}) / {num(scale)}"
    return f"{head}, as the file has it (no normalisation)"


# How each cross is computed from x1 = a and x2 = b, as crosses.COLUMNS computes it.
_CROSSES = {
    "x1^2": lambda a, b: f"{par(a)}²",
    "x2^2": lambda a, b: f"{par(b)}²",
    "x1*x2": lambda a, b: f"{num(a)}·{par(b)}",
    "sin(x1)": lambda a, b: f"sin({num(a)})",
    "sin(x2)": lambda a, b: f"sin({num(b)})",
}


def _cross(ds, row: int, q: Quantity) -> str:
    """An input cross (`--inputs`): computed from the row's two normalised features."""
    name = ds.inputs[q.index[1]]
    a, b = ds.x_norm.apply(ds.raw[row:row + 1, :2])[0]
    used = [k for k, x in enumerate(PLAIN) if x in name]
    where = " and ".join(
        f"{PLAIN[k]}" + ("" if ds.feature_names[k] == PLAIN[k] else
                         f" ({ds.feature_names[k]}, normalised)") + f" = {num((a, b)[k])}"
        for k in used)
    return (f"{q.text} = {name} of file row {row}, the input cross, where {where}: "
            f"{_CROSSES[name](a, b)}")


# ---------------------------------------------------------------------------- forward

def _previous(bound: Bound, k: int) -> tuple[str, np.ndarray]:
    """Layer k's input: its name (X, H, H1…) and the batch's values."""
    rec = bound.record
    if k == 1:
        return "X", rec.X
    return display_name("A", k - 1, bound.depth), rec.A[k - 2]


def _weighted_sum(bound: Bound, k: int, n: int, j: int) -> tuple[str, str]:
    """Z[n,j] = Σᵢ A_prev[n,i]·W[i,j] + b[j]: the formula and its numbers."""
    rec = bound.record
    prev, A = _previous(bound, k)
    W, b = rec.W_before[k - 1], rec.b_before[k - 1]
    count = W.shape[0]
    parts = [f"{lead(A[n, i], i)}·{par(W[i, j])}" for i in _first(count)]
    return (f"Σᵢ {prev}[{n},i]·W{k}[i,{j}] + b{k}[{j}]",
            f"{terms(parts, count)} + {par(b[0, j])}")


def _pre_activation(bound: Bound, q: Quantity) -> str:
    formula, numbers = _weighted_sum(bound, q.layer, *q.index)
    return f"{q.text} = {formula} = {numbers}"


def _activation(bound: Bound, q: Quantity) -> str:
    """A layer's output: its activation applied to its weighted sum."""
    s, rec, k = bound.session, bound.record, q.layer
    n, j = q.index
    act = s.config.output_activation if k == bound.depth else s.config.activation
    z = float(rec.Z[k - 1][n, j])
    zname = f"Z{k}[{n},{j}]"
    if act == "linear":
        formula, numbers = _weighted_sum(bound, k, n, j)
        return f"{q.text} = {formula} (linear: no activation) = {numbers}"
    if act == "sigmoid":
        return f"{q.text} = 1/(1 + e^-{zname}) = 1/(1 + e^{num(-z)})"
    if act == "tanh":
        return f"{q.text} = tanh({zname}) = tanh({num(z)})"
    if act == "relu":
        return f"{q.text} = max(0, {zname}) = max(0, {num(z)})"
    zs = rec.Z[k - 1][n]
    parts = [f"e^{num(zs[c])}" for c in _first(zs.size)]
    return (f"{q.text} = e^{zname} / Σc e^Z{k}[{n},c] = e^{num(z)} / "
            f"({terms(parts, zs.size)})")


# ---------------------------------------------------------------------------- backward

def _slope(act: str, aname: str, zname: str, a: float, z: float) -> tuple[str, str]:
    """An activation's derivative as backprop uses it: in symbols, and in numbers."""
    if act == "sigmoid":
        return f"{aname}·(1 - {aname})", f"{num(a)}·(1 - {num(a)})"
    if act == "tanh":
        return f"(1 - {aname}²)", f"(1 - {par(a)}²)"
    if act == "relu":
        return f"[{zname} > 0]", "1" if z > 0 else "0"
    return "", ""


def _delta(bound: Bound, q: Quantity) -> str:
    s, rec, k = bound.session, bound.record, q.layer
    n, j = q.index
    if k == bound.depth:
        yhat, y = float(rec.A[k - 1][n, j]), float(rec.y[n, j])
        err = f"yhat[{n},{j}] - y[{n},{j}]"
        diff = f"{num(yhat)} - {par(y)}"
        act = s.config.output_activation
        if s.loss_fn.output is not None:
            return (f"{q.text} = {err} (the {s.loss_fn.name} loss's slope and the {act}'s "
                    f"cancel) = {diff}")
        if act == "linear":
            return f"{q.text} = {err} = {diff}"
        slope, numbers = _slope(act, f"yhat[{n},{j}]", f"Z{k}[{n},{j}]", yhat,
                                float(rec.Z[k - 1][n, j]))
        return f"{q.text} = ({err})·{slope} = ({diff})·{numbers}"
    nxt, W = rec.delta[k], rec.W_before[k]
    count = W.shape[1]
    parts = [f"{lead(nxt[n, c], c)}·{par(W[j, c])}" for c in _first(count)]
    total = f"Σc delta{k + 1}[{n},c]·W{k + 1}[{j},c]"
    act = s.config.activation
    if act == "linear":
        return f"{q.text} = {total} = {terms(parts, count)}"
    aname = f"{display_name('A', k, bound.depth)}[{n},{j}]"
    slope, numbers = _slope(act, aname, f"Z{k}[{n},{j}]", float(rec.A[k - 1][n, j]),
                            float(rec.Z[k - 1][n, j]))
    return f"{q.text} = ({total})·{slope} = ({terms(parts, count)})·{numbers}"


def _lambdas(s) -> tuple[str, str]:
    """How the penalties' λ are written: λ for the one there is, λ₂ and λ₁ when J has both."""
    return ("λ₂", "λ₁") if s.l2 and s.l1 else ("λ", "λ")


def _penalties(bound: Bound, q: Quantity) -> tuple[str, str]:
    """The penalties' share of a weight's gradient, when there are any: λ·W for L2 and
    λ·sign(W) for L1 (sign(0) = 0), as the session adds them."""
    s = bound.session
    if q.kind != "dW" or not (s.l2 or s.l1):
        return "", ""
    w = float(bound.record.W_before[q.layer - 1][q.index])
    name = f"W{q.layer}[{q.index[0]},{q.index[1]}]"
    lam2, lam1 = _lambdas(s)
    formula = numbers = ""
    if s.l2:
        formula += f" + {lam2}·{name}"
        numbers += f" + {num(s.l2)}·{par(w)}"
    if s.l1:
        formula += f" + {lam1}·sign({name})"
        numbers += f" + {num(s.l1)}·{par(float(np.sign(w)))}"
    return formula, numbers


def _weight_gradient(bound: Bound, q: Quantity) -> str:
    rec, k = bound.record, q.layer
    i, j = q.index
    prev, A = _previous(bound, k)
    delta = rec.delta[k - 1]
    rows = delta.shape[0]
    parts = [f"{lead(A[m, i], m)}·{par(delta[m, j])}" for m in _first(rows)]
    extra, extra_numbers = _penalties(bound, q)
    return (f"{q.text} = Σₙ {prev}[n,{i}]·delta{k}[n,{j}] / N{extra} = "
            f"({terms(parts, rows)}) / {rows}{extra_numbers}")


def _bias_gradient(bound: Bound, q: Quantity) -> str:
    rec, k = bound.record, q.layer
    j = q.index[1]
    delta = rec.delta[k - 1]
    rows = delta.shape[0]
    parts = [lead(delta[m, j], m) for m in _first(rows)]
    return f"{q.text} = Σₙ delta{k}[n,{j}] / N = ({terms(parts, rows)}) / {rows}"


_MATRIX = {"X": _data, "y": _data, "Z": _pre_activation, "A": _activation, "delta": _delta,
           "dW": _weight_gradient, "db": _bias_gradient}


# ---------------------------------------------------------------------------- scalars

def _training_outputs(bound: Bound) -> tuple[np.ndarray, np.ndarray]:
    """ŷ and y of the training rows at the current parameters (what the loss pane scores)."""
    s = bound.session
    return bound.evaluation.predictions[s.dataset.train_rows], s.dataset.y


def _per_entry(bound: Bound) -> tuple[list[str], int, str]:
    """The loss's terms, one per training row (and output): their first few as text, their
    count, and the mean's name."""
    s = bound.session
    yhat, y = _training_outputs(bound)
    name = s.loss_fn.name
    if name == "ce":
        cls = y.argmax(axis=1)
        return ([f"log {num(yhat[n, cls[n]])}" for n in _first(y.shape[0])], y.shape[0],
                "CE = -(1/N)·Σₙ log yhat[n, class of n]")
    flat_hat, flat_y = yhat.ravel(), y.ravel()
    count = flat_y.size
    if name == "bce":
        parts = [f"log {num(flat_hat[e])}" if flat_y[e] > 0.5 else
                 f"log(1 - {num(flat_hat[e])})" for e in _first(count)]
        return parts, count, "BCE = -mean(y·log yhat + (1 - y)·log(1 - yhat))"
    parts = [f"({num(flat_hat[e])} - {par(flat_y[e])})²" for e in _first(count)]
    return parts, count, "MSE = mean((yhat - y)²)"


def _loss(bound: Bound, q: Quantity) -> str:
    parts, count, formula = _per_entry(bound)
    sign = "" if bound.session.loss_fn.name == "mse" else "-"
    return f"loss = {formula} = {sign}({terms(parts, count)}) / {count}"


def _objective(bound: Bound, q: Quantity) -> str:
    s = bound.session
    parts, count, _ = _per_entry(bound)
    rows = s.dataset.y.shape[0]
    formula, numbers = {
        "mse": ("(1/2N)·Σ(yhat - y)²", f"({terms(parts, count)}) / (2·{rows})"),
        "bce": ("(1/N)·Σ bce(yhat, y)", f"-({terms(parts, count)}) / {rows}"),
        "ce": ("-(1/N)·Σₙ log yhat[n, class of n]", f"-({terms(parts, count)}) / {rows}"),
    }[s.loss_fn.name]
    lam2, lam1 = _lambdas(s)
    if s.l2:
        squares = sum(float(np.dot(W.ravel(), W.ravel())) for W in s.net.W)
        formula += f" + ½{lam2}·ΣW²"
        numbers += f" + ½·{num(s.l2)}·{num(squares)}"
    if s.l1:
        sizes = sum(float(np.abs(W).sum()) for W in s.net.W)
        formula += f" + {lam1}·Σ|W|"
        numbers += f" + {num(s.l1)}·{num(sizes)}"
    return f"J = {formula} = {numbers}"


def _accuracy(bound: Bound, q: Quantity) -> str:
    y = bound.session.dataset.y
    acc = bound.value(q) or 0.0
    if y.shape[1] > 1:
        count, rule = y.shape[0], "the largest yhat is the row's class"
    else:
        count, rule = y.size, "yhat > 0.5 means class 1"
    right = round(acc * count)
    return f"accuracy = rows right / rows ({rule}) = {right} / {count}"


def _epoch(bound: Bound, q: Quantity) -> str:
    s = bound.session
    rows = s.dataset.X.shape[0]
    batches = f" in {s.batches} updates" if s.batches > 1 else " and one update"
    return (f"epoch = {VALUE}: the epochs done so far (one epoch is one pass over the {rows} "
            f"training rows{batches})")


def _lr(bound: Bound, q: Quantity) -> str:
    return f"lr = {VALUE}: the learning rate the next update uses"


def _chance(bound: Bound, q: Quantity) -> str:
    s = bound.session
    name, y = s.loss_fn.name, s.dataset.y
    if name == "ce":
        c = y.shape[1]
        return (f"chance_loss = ln C, the ce loss of giving each of the C = {c} classes "
                f"probability 1/{c}: ln {c}")
    if name == "bce":
        return "chance_loss = ln 2, the bce loss of answering 0.5 for every row: ln 2"
    mean = y.mean(axis=0)
    flat, means = y.ravel(), np.broadcast_to(mean, y.shape).ravel()
    parts = [f"({num(flat[e])} - {par(means[e])})²" for e in _first(flat.size)]
    return (f"chance_loss = mean((y - its column's mean)²), the MSE of always answering the "
            f"mean = ({terms(parts, flat.size)}) / {flat.size}")


_SCALAR = {"loss": _loss, "objective": _objective, "accuracy": _accuracy, "epoch": _epoch,
           "lr": _lr, "chance_loss": _chance}
