"""Training health, as CS231n's "babysitting the learning process" reads it: figures per
layer that tell a healthy network from a sick one, and what they mean in plain words.

Per layer, at the current parameters on the training rows:
- `act_mean`, `act_std`: the layer's outputs A over every row and unit;
- `dead_fraction` (relu only): the share of its units whose pre-activation Z is ≤ 0 on
  every row: such a unit outputs 0 and passes no gradient back, so it never recovers;
- `saturated_fraction` (tanh, sigmoid): the share of its outputs (unit × row) on a flat end,
  |a| > 0.97 for tanh, a < 0.015 or a > 0.985 for sigmoid: there the slope is below 0.06
  (tanh) or 0.015 (sigmoid), and little gradient flows back through them;
- `grad_norm`: ‖dW‖ (Frobenius) of the last update, as the optimiser got it (L2 included);
- `update_ratio`: ‖W after − W before‖ / ‖W before‖ of the last update: CS231n's rule of
  thumb is about 1e-3 (weights only).

And `chance_loss`, the loss of a network that knows nothing: ln C with C classes (ce), ln 2
per output (bce), and for mse the loss of predicting each target column's mean.

`flags` turns the figures into sentences for a student. Each one says only what the numbers
show: a verdict (the lr is too high, units are dead) needs the evidence for it, so a healthy
run gets none (a test trains every built-in dataset with its defaults and finds none).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .network import Network

TANH_SATURATED = 0.97  # |a| above this: tanh′ = 1 − a² < 0.06
SIGMOID_SATURATED = 0.015  # a below this or above 1 − this: σ′ = a(1 − a) < 0.015
CS231N_RATIO = 1e-3  # CS231n: updates about a thousandth of the weights' size

# Where a figure becomes worth a sentence.
RATIO_HIGH = 0.1  # with the loss rising, the steps are too big for the curvature
RATIO_LOW = 1e-6  # with the loss still at chance, the steps are too small to learn
SATURATED_MANY = 0.5  # half a hidden layer's outputs on a flat end
DEAD_SOME = 0.0  # any dead relu unit is worth naming
CHANCE_CLOSE = 0.15  # a first loss within 15% of chance "≈ chance"
CHANCE_FAR = 2.0  # a first loss above twice chance: confident and wrong from the start
VANISHING = 1e-3  # the first layer's gradient below this share of the last layer's
STUCK = 1e-5  # a loss that moved less than this share of itself …
STUCK_EPOCHS = 10  # … over this many epochs has stopped
AT_CHANCE = 0.02  # a loss within 2% of chance is at chance
RISING = 5  # a loss up in each of this many epochs in a row is going up


@dataclass(frozen=True)
class LayerHealth:
    layer: int  # 1 for W1's layer
    activation: str
    units: int
    act_mean: float
    act_std: float
    dead_fraction: float | None = None
    saturated_fraction: float | None = None
    grad_norm: float | None = None
    update_ratio: float | None = None

    def as_dict(self) -> dict:
        """What `train --json` writes for the layer (None where a field does not apply)."""
        out = asdict(self)
        del out["units"]
        return out


@dataclass(frozen=True)
class Flag:
    level: str  # "ok" (as it should be), "note" (a fact worth knowing), "warn" (a problem)
    text: str


def layer_health(net: Network, X: np.ndarray, dW: Sequence[np.ndarray] | None = None,
                 W_before: Sequence[np.ndarray] | None = None,
                 W_after: Sequence[np.ndarray] | None = None) -> tuple[LayerHealth, ...]:
    """Each layer's figures at `net`'s parameters on the rows X; the last update's `dW`,
    `W_before` and `W_after` give grad_norm and update_ratio (None without an update)."""
    with np.errstate(all="ignore"):
        Zs, As = net.forward(np.asarray(X, dtype=float))
        out = []
        for k, (Z, A) in enumerate(zip(Zs, As, strict=True)):
            act = net.activation(k).name
            dead = float((Z <= 0).all(axis=0).mean()) if act == "relu" else None
            sat = None
            if act == "tanh":
                sat = float((np.abs(A) > TANH_SATURATED).mean())
            elif act == "sigmoid":
                sat = float(((A < SIGMOID_SATURATED) | (A > 1 - SIGMOID_SATURATED)).mean())
            grad = ratio = None
            if dW is not None:
                grad = float(np.linalg.norm(dW[k]))
            if W_before is not None and W_after is not None:
                size = float(np.linalg.norm(W_before[k]))
                step = float(np.linalg.norm(np.asarray(W_after[k]) - W_before[k]))
                ratio = step / size if size > 0 else None
            out.append(LayerHealth(k + 1, act, int(A.shape[1]), float(A.mean()),
                                   float(A.std()), dead, sat, grad, ratio))
    return tuple(out)


def chance_loss(loss: str, y: np.ndarray) -> float:
    """The reported loss of a network that knows nothing: ln C for ce (C classes), ln 2 for
    bce (ŷ = ½ everywhere), and for mse the loss of predicting each column's mean."""
    if loss == "ce":
        return math.log(y.shape[1])
    if loss == "bce":
        return math.log(2.0)
    with np.errstate(all="ignore"):  # values whose squares overflow: inf, shown as such
        return float(((y - y.mean(axis=0)) ** 2).mean())


def _ratio(x: float) -> str:
    """3e-1, 2e-3: an order of magnitude, as CS231n writes these ratios."""
    if not math.isfinite(x):
        return str(x)
    mantissa, exp = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exp)}"


def _loss(x: float) -> str:
    """A loss as the stepper writes one everywhere (its status line, loss pane and the
    Health view's own figures beside these sentences): 6 decimals, `0.693147`; where those
    would read 0, or past 10,000, 4 significant digits (`1.712e-7`)."""
    if not math.isfinite(x):
        return str(x)
    if x == 0 or 5e-7 <= abs(x) < 1e4:
        return f"{x:.6f}"
    mantissa, exp = f"{x:.3e}".split("e")
    return f"{mantissa}e{int(exp)}"


def flags(layers: Sequence[LayerHealth], loss: str, chance: float,
          history: Sequence[float], now: float | None, epoch: int) -> tuple[Flag, ...]:
    """Plain-words readings of the figures. `history` is the loss at the start of each epoch
    so far (the first is the loss at epoch 0), `now` the loss at the current parameters."""
    first = float(history[0]) if len(history) else now
    recent = [float(v) for v in history[-STUCK_EPOCHS:]]
    if now is not None:
        recent.append(now)
    out: list[Flag] = []
    out += _chance(loss, chance, first, now, recent, epoch)
    out += _steps(layers, chance, first, now, recent, epoch)
    hidden = layers[:-1]
    for ly in hidden:
        if ly.dead_fraction is not None and ly.dead_fraction > DEAD_SOME:
            dead = round(ly.dead_fraction * ly.units)
            out.append(Flag("warn", f"{ly.dead_fraction:.0%} of relu units are dead in layer "
                                    f"{ly.layer} ({dead} of {ly.units}: Z ≤ 0 on every row, so "
                                    "they pass no gradient and never recover)"))
        if ly.saturated_fraction is not None and ly.saturated_fraction > SATURATED_MANY:
            flat = "|a| > 0.97" if ly.activation == "tanh" else "a near 0 or 1"
            level = "warn" if epoch == 0 else "note"
            why = ": the starting weights are too large" if epoch == 0 else \
                " (usual once a trained network is sure; a problem early on)"
            out.append(Flag(level, f"{ly.saturated_fraction:.0%} of layer {ly.layer}'s "
                                   f"{ly.activation} outputs are saturated ({flat}), where "
                                   f"the slope is nearly 0 and little gradient flows{why}"))
    grads = [ly.grad_norm for ly in layers]
    if len(layers) >= 3 and all(g is not None and math.isfinite(g) for g in grads) and \
            grads[-1] and \
            grads[0] < VANISHING * grads[-1]:
        out.append(Flag("warn", f"the gradient vanishes on its way back: ‖dW1‖ is "
                                f"{_ratio(grads[0] / grads[-1])} of ‖dW{len(layers)}‖"))
    return tuple(out)


def _stuck(recent: list[float]) -> bool:
    """The loss has not moved over the last STUCK_EPOCHS epochs."""
    if len(recent) <= STUCK_EPOCHS or not all(math.isfinite(v) for v in recent):
        return False
    return max(recent) - min(recent) <= STUCK * abs(recent[-1])


def _rising(first: float | None, now: float | None, recent: list[float], epoch: int) -> bool:
    """The loss got worse: above where it started, or up in each of the last RISING epochs
    (one bump is how momentum and mini-batches move, not a verdict)."""
    if now is None or first is None or epoch < 3:
        return now is None and epoch > 0  # a non-finite loss: it blew up
    tail = recent[-RISING - 1:]
    return now > first or (len(tail) == RISING + 1 and
                           all(b > a for a, b in itertools.pairwise(tail)))


def _chance(loss: str, chance: float, first: float | None, now: float | None,
            recent: list[float], epoch: int) -> list[Flag]:
    """CS231n's first check: at the start, a classifier's loss should be the chance loss."""
    out = []
    if first is not None and math.isfinite(first) and loss in ("ce", "bce"):
        if abs(first - chance) <= CHANCE_CLOSE * chance:
            out.append(Flag("ok", f"first loss {_loss(first)} ≈ chance {_loss(chance)}: as "
                                  "expected"))
        elif first > CHANCE_FAR * chance:
            out.append(Flag("warn", f"first loss {_loss(first)} is far above chance "
                                    f"{_loss(chance)}: the starting weights make confident, "
                                    "wrong guesses (smaller init, e.g. --init xavier)"))
        else:
            out.append(Flag("note", f"first loss {_loss(first)}, chance {_loss(chance)}"))
    elif first is not None and math.isfinite(first):
        out.append(Flag("note", f"first loss {_loss(first)}; always predicting the mean "
                                f"gives {_loss(chance)}"))
    if epoch > 0 and now is None:
        out.append(Flag("warn", "the loss is no longer a finite number (it overflowed): the "
                                "steps were far too big for these weights; lower the lr"))
    if epoch == 0 or now is None:
        return out
    if _stuck(recent) and now >= (1 - AT_CHANCE) * chance:
        at = "at" if now <= (1 + AT_CHANCE) * chance else "above"
        out.append(Flag("warn", f"loss {_loss(now)} has stopped falling {at} chance "
                                f"{_loss(chance)}: nothing is being learned"))
    elif now >= chance:
        what = f"chance {_loss(chance)}" if loss in ("ce", "bce") else \
            f"{_loss(chance)}, what always predicting the mean gives"
        out.append(Flag("note", f"loss {_loss(now)} is not yet below {what}"))
    return out


def _steps(layers: Sequence[LayerHealth], chance: float, first: float | None,
           now: float | None, recent: list[float], epoch: int) -> list[Flag]:
    """CS231n's update/weight ratio, about 1e-3: a verdict only with the loss's evidence."""
    ratios = [(ly.layer, ly.update_ratio) for ly in layers
              if ly.update_ratio is not None and math.isfinite(ly.update_ratio)]
    if not ratios:
        return []
    top_layer, top = max(ratios, key=lambda lr: lr[1])
    if top > RATIO_HIGH and _rising(first, now, recent, epoch):
        return [Flag("warn", f"update/weight {_ratio(top)} (W{top_layer}): the lr is too high "
                             f"(CS231n suggests about {_ratio(CS231N_RATIO)}); the loss is "
                             "going up")]
    if top < RATIO_LOW and _stuck(recent) and now is not None and now >= chance and not any(
            (ly.saturated_fraction or 0) > SATURATED_MANY or (ly.dead_fraction or 0) > 0
            for ly in layers[:-1]):
        return [Flag("warn", f"update/weight {_ratio(top)} at most, with the loss at "
                             f"chance: the lr is too low (CS231n suggests about "
                             f"{_ratio(CS231N_RATIO)})")]
    text = ", ".join(f"{_ratio(r)} (W{k})" for k, r in ratios)
    return [Flag("note", f"update/weight {text}; CS231n suggests about "
                         f"{_ratio(CS231N_RATIO)}")]
