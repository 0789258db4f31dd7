"""Check backprop against the definition of a derivative: perturb each parameter by ±h and
watch J move. If the analytic gradients are right, the two agree to about 1e-9.

We use the five-point central difference (J(θ−2h) − 8J(θ−h) + 8J(θ+h) − J(θ+2h)) / 12h: still
central differences, but its error shrinks like h⁴ instead of h², so h can stay large enough
that rounding in J does not swamp small gradients.

Three things can make a correct gradient disagree with a difference quotient:

Kinks. relu's slope jumps at z = 0. If a step of the stencil moves some unit's z across 0 on
some row, J is not smooth between the stencil's points and the quotient is not a derivative.
The test is exact: at every stencil point we compare the piece each unit's z lies on (relu:
on or off) with the centre's. If none moved, then at all five points J equals the smooth
function in which every unit keeps the centre's piece, and backprop's gradient is exactly that
function's gradient, so the comparison is sound whatever happens between the points. If one
moved, the entry is measured again with h/2, h/4, … h/32 (a smaller step may not reach the
kink); if every step crosses, the entry is set aside (`kink`), not failed. Any activation
that lists `kinks` is handled this way, and so is L1's |w| for a weight within two steps of 0.

Rounding. J is a float: each evaluation is off by a few units of its last place, and the
quotient divides that by h. J's rounding error is estimated from the magnitudes that go into
it, weighted by how much J depends on each (`rounding`, and `quotient` in `gradient_check`),
and differences below what it can do to a quotient are not counted as disagreement (the
floor in `rel_error`).

Truncation. The quotient's error is about h⁴·J⁽⁵⁾/30, which grows with steep units (large
weights or inputs make J bend sharply). An entry that disagrees is measured again with h/2,
and h keeps halving (down to h/1024) while the quotient keeps moving by more than the
tolerance. Truncation error shrinks as h does (16× per halving once h is small enough), so
the quotient converges on the true derivative: on a correct gradient it arrives; past a wrong
one it settles, and the entry still fails.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from ..names import layer_params
from .network import Network

H = 1e-3
TOLERANCE = 1e-6
KINK_HALVINGS = 5  # steps tried past a kink: h/2 … h/32
STEEP_HALVINGS = 10  # steps tried where J bends sharply: h/2 … h/1024
EPS = float(np.finfo(float).eps)
L1_KINK = "l1"  # in `kinked_by`: the L1 penalty's kink, a weight at 0
# J's rounding error is taken as ROUNDING_MARGIN times the first-order estimate in
# `gradient_check`. Measured against the same quotients with J in 80-bit long double (about
# 5,800 entries of trained sessions and of random, steep or far-from-fit networks, at h and
# h/32), the largest error was 1.3 times the estimate; the margin leaves room above it.
ROUNDING_MARGIN = 16.0
# (|1| + |8| + |8| + |1|) / 12: how the stencil amplifies an error in J, before dividing by h
STENCIL_GAIN = 1.5


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class GradCheck:
    names: tuple[str, ...]  # e.g. "W1[0,1]", "b2[0,0]"
    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: np.ndarray
    tolerance: float
    # True where every step tried crossed a kink: not comparable, left out of the verdict
    kink: np.ndarray = field(default=None)  # type: ignore[assignment]
    # True where J or a gradient is not a finite number (an overflowing network)
    nonfinite: np.ndarray = field(default=None)  # type: ignore[assignment]
    step: np.ndarray = field(default=None)  # type: ignore[assignment]  # the h of each entry
    # True where the steps of size h crossed a kink (then smaller ones were tried)
    kink_at_h: np.ndarray = field(default=None)  # type: ignore[assignment]
    h: float = H  # the first step; `step` is smaller where an entry was measured again
    # per entry: how far J's rounding error can move its quotient; smaller differences agree
    noise: np.ndarray = field(default=None)  # type: ignore[assignment]
    kinked_by: tuple[str, ...] = ()  # the activations whose kinks some step crossed

    def __post_init__(self) -> None:
        n = len(self.names)
        defaults = {"kink": lambda: np.zeros(n, bool), "nonfinite": lambda: np.zeros(n, bool),
                    "step": lambda: np.full(n, self.h), "kink_at_h": lambda: self.kink,
                    "noise": lambda: np.zeros(n)}
        for name, default in defaults.items():  # in order: kink_at_h defaults to kink
            if getattr(self, name) is None:
                object.__setattr__(self, name, default())

    @property
    def compared(self) -> np.ndarray:
        """The entries the verdict covers."""
        return ~(self.kink | self.nonfinite)

    @property
    def n_kink(self) -> int:
        return int(self.kink.sum())

    @property
    def n_nonfinite(self) -> int:
        return int(self.nonfinite.sum())

    @property
    def n_compared(self) -> int:
        return int(self.compared.sum())

    @property
    def n_past_kink(self) -> int:
        """Compared entries whose steps of size h crossed a kink, and a smaller step did not."""
        return int((self.compared & self.kink_at_h).sum())

    @property
    def n_steep(self) -> int:
        """Compared entries measured again with a smaller step because J bends sharply there."""
        return int((self.compared & ~self.kink_at_h & (self.step < self.h)).sum())

    @property
    def floor(self) -> float:
        """The largest floor of `rel_error` over the entries, as it would be with step h:
        gradients below it are compared by their absolute difference, floor × tolerance."""
        scaled = self.noise * self.step / self.h / self.tolerance
        scaled = scaled[np.isfinite(scaled)]
        return float(scaled.max()) if scaled.size else 0.0

    @property
    def smallest_step(self) -> float:
        """The last step tried before an entry is set aside for a kink."""
        return self.h / 2**KINK_HALVINGS

    @property
    def max_rel_error(self) -> float:
        """Over the compared entries (0 if there are none)."""
        errors = self.rel_error[self.compared]
        return float(errors.max()) if errors.size else 0.0

    @property
    def verdict(self) -> str:
        """"pass", "fail", or "none" when every entry was set aside."""
        if not self.n_compared:
            return "none"
        return "pass" if self.max_rel_error <= self.tolerance else "fail"

    @property
    def ok(self) -> bool:
        """PASS: some entries were compared, and every one agreed."""
        return self.verdict == "pass"


def param_names(sizes: tuple[int, ...]) -> tuple[str, ...]:
    names = []
    for k, (i, o) in enumerate(itertools.pairwise(sizes), start=1):
        names += [f"W{k}[{r},{c}]" for r in range(i) for c in range(o)]
        names += [f"b{k}[0,{c}]" for c in range(o)]
    return tuple(names)


def param_weights(sizes: tuple[int, ...]) -> np.ndarray:
    """True for each entry of the flat parameter vector that is a weight (not a bias)."""
    return np.concatenate([np.r_[np.ones(i * o, bool), np.zeros(o, bool)]
                           for i, o in itertools.pairwise(sizes)])


def param_layers(sizes: tuple[int, ...]) -> np.ndarray:
    """The layer (0-based) each entry of the flat parameter vector belongs to."""
    return np.repeat(np.arange(len(sizes) - 1), layer_params(sizes))


def rel_error(a: np.ndarray, n: np.ndarray, floor: float | np.ndarray = 1e-6) -> np.ndarray:
    """|a − n| / max(|a|, |n|, floor). Below the floor it turns into an absolute error: J is
    only known to its rounding error, so a difference quotient cannot resolve smaller gradients
    (`gradient_check` passes how far J's rounding can move the quotient, / tolerance)."""
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return np.abs(a - n) / np.maximum(scale, np.finfo(float).tiny)  # 0/0 (both exactly 0): 0


def rounding(net: Network, X: np.ndarray, y: np.ndarray, Zs: list[np.ndarray],
             As: list[np.ndarray], deltas: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """How far rounding moves J at the centre, and ŷ on each row, in units of EPS (to first
    order; a few times this at worst).

    A dot product z = a·w + b is off by about EPS·(Σ|a||w| + |b|), which moves J by |∂J/∂z|
    times as much; `deltas` are backprop's N·∂J/∂z. The rounding of ŷ itself moves J by
    |∂J/∂ŷ|·EPS·|ŷ|, with N·∂J/∂ŷ = ŷ − y for mse (and ŷ − y is N·∂J/∂z_out for bce).

    Per row: how far the same roundings can move the output (|∂z_out/∂z| through |W| and
    |f'|, summed over outputs; the output's own slope, at most 1, is left out, so this holds
    for z_out, on which bce is computed, as well as for ŷ). `gradient_check` needs it where
    the stencil's points have moved ŷ, and with it ∂J/∂ŷ, away from the centre's.
    """
    n = X.shape[0]
    at_centre = float(np.abs(As[-1] - y).ravel() @ np.abs(As[-1]).ravel()) / n
    per_row = np.abs(As[-1]).sum(axis=1)
    reach = np.ones_like(Zs[-1])  # |∂z_out/∂z| for the layer at hand, summed over outputs
    for layer in range(net.depth - 1, -1, -1):
        A_prev = X if layer == 0 else As[layer - 1]
        sizes = np.dot(np.abs(A_prev), np.abs(net.W[layer])) + np.abs(net.b[layer])
        at_centre += float(np.abs(deltas[layer]).ravel() @ sizes.ravel()) / n
        per_row += (reach * sizes).sum(axis=1)
        if layer:
            reach = np.dot(reach, np.abs(net.W[layer]).T)
            if not net.hidden.identity:
                reach *= np.abs(net.hidden.deriv(Zs[layer - 1], A_prev))
    return at_centre, per_row


def gradient_check(net: Network, X: np.ndarray, y: np.ndarray, loss, l2: float = 0.0,
                   h: float = H, tolerance: float = TOLERANCE, l1: float = 0.0) -> GradCheck:
    """Central differences of J per parameter, against backprop's analytic gradient.

    Only the perturbed parameter's layer and those after it are recomputed: the layers before
    it are unchanged, so their cached values are the very numbers a full forward pass gives.
    """
    flat = net.flat
    saved = flat.copy()
    layers = param_layers(net.sizes)
    kinked = [layer for layer in range(net.depth) if net.activation(layer).kinks]
    size = flat.size

    try:
        Zs, As = net.forward(X)
        grad = np.empty_like(flat)
        deltas = net.backward(X, Zs, As, loss.delta(As[-1], y, Zs[-1], net.output), grad,
                              np.ones((1, X.shape[0])))
        net.add_penalty_grad(grad, l2, l1)
        # L1's |w| has a kink at 0: a step that moves a weight across 0 crosses it
        weights = param_weights(net.sizes) if l1 else None
        # how far rounding moves J at the centre, and ŷ per row (over N), in units of EPS
        at_centre, per_row = rounding(net, X, y, Zs, As, deltas)
        per_row /= X.shape[0]
        yhat = As[-1]
        centre = {layer: net.activation(layer).piece(Zs[layer]) for layer in kinked}
        # per first recomputed layer: the kinked layers a step can move (it and those after)
        watch = {start: [(layer - start, net.activation(layer), centre[layer])
                         for layer in kinked if layer >= start] for start in range(net.depth)}

        def quotient(i: int, step: float) -> tuple[float, float, set[str]]:
            """Entry i's five-point quotient with this step; how far J's rounding can move
            it; and the activations whose kink one of its steps crossed (on any row, in any
            unit).

            At a stencil point J is off by EPS·|J| from its sums, by the centre's rounding
            (`rounding`), and by what has changed since the centre: ∂J/∂ŷ has moved with ŷ,
            by |ŷ − ŷ_centre|/N per row, times how far rounding moves ŷ on that row. (At a
            perfect fit the centre's ∂J/∂ŷ is 0, and this last term is all there is.)
            """
            start = int(layers[i])
            A_in = X if start == 0 else As[start - 1]
            at, worst, crossed = [], 0.0, set()
            for k in (-2, -1, 1, 2):
                flat[i] = saved[i] + k * step
                Zp, Ap = net.forward(A_in, start)
                at.append(loss.value(Ap[-1], y, Zp[-1])[1] + net.penalty(l2, l1))
                moved = np.abs(Ap[-1] - yhat)
                moved = float(np.dot(moved.sum(axis=1) if moved.shape[1] > 1 else moved[:, 0],
                                     per_row))
                worst = max(worst, abs(at[-1]) + moved)
                for j, act, pieces in watch[start]:
                    if act.name not in crossed and (act.piece(Zp[j]) != pieces).any():
                        crossed.add(act.name)
            flat[i] = saved[i]
            if weights is not None and weights[i] and saved[i] != 0 and \
                    abs(saved[i]) < 2 * step:
                crossed.add(L1_KINK)  # (at exactly 0 the stencil is symmetric: no harm)
            noise = ROUNDING_MARGIN * STENCIL_GAIN * EPS * (at_centre + worst) / step
            return (at[0] - 8 * at[1] + 8 * at[2] - at[3]) / (12 * step), noise, crossed

        numeric = np.empty_like(flat)
        noise = np.empty_like(flat)  # how far J's rounding can move each entry's quotient
        steps = np.full(size, h)
        kink = np.zeros(size, dtype=bool)
        kinked_by: set[str] = set()  # the activations whose kinks some step crossed
        for i in range(size):
            numeric[i], noise[i], crossed = quotient(i, h)
            kink[i] = bool(crossed)
            kinked_by |= crossed

        def off(a: float, b: float, spread: float) -> bool:
            """a and b differ by more than the tolerance allows, beyond J's rounding."""
            return bool(rel_error(a, b, spread / tolerance) > tolerance)

        kink_at_h = kink.copy()
        # Measure again with smaller steps: entries whose steps crossed a kink, and entries
        # that disagree, for as long as their quotient keeps moving. With a correct gradient
        # it moves towards it (truncation error shrinks, 16× per halving once h is small
        # enough); with a wrong one it settles on the true derivative, away from it.
        todo = [i for i in range(size) if kink[i] or off(grad[i], numeric[i], noise[i])]
        for halving in range(1, max(KINK_HALVINGS, STEEP_HALVINGS) + 1):
            step = h / 2**halving
            again = []
            for i in todo:
                if kink[i] and halving > KINK_HALVINGS:
                    continue
                value, spread, crossed = quotient(i, step)
                if kink[i]:  # no sound measurement yet: take this one if it is sound
                    if crossed:
                        again.append(i)
                    else:
                        kink[i], numeric[i], noise[i], steps[i] = False, value, spread, step
                        if off(grad[i], value, spread):
                            again.append(i)
                    continue
                if crossed:  # the last sound measurement stands
                    continue
                before = numeric[i]
                numeric[i], noise[i], steps[i] = value, spread, step
                # still off, and the quotient still moving: halve again
                if off(grad[i], value, spread) and off(value, before, spread):
                    again.append(i)
            todo = again
    finally:
        flat[...] = saved
    errors = rel_error(grad, numeric, noise / tolerance)
    nonfinite = ~(np.isfinite(grad) & np.isfinite(numeric) & np.isfinite(noise))
    errors[nonfinite] = np.nan
    kink &= ~nonfinite  # one reason per entry set aside
    return GradCheck(param_names(net.sizes), grad, numeric, errors, tolerance, kink, nonfinite,
                     steps, kink_at_h, h, noise,
                     tuple(sorted(kinked_by)))

