"""The gradient check screen (`g`): backprop's gradient of every parameter next to the
numeric one from finite differences, their relative error, and a verdict in words.

The numbers are `core.check_session(session)`'s; this screen only lays them out. A big
network is checked in a thread (see `Stepper.gradcheck`), and the screen says so until the
result arrives.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..fmt import num
from . import CSS, Frame, Modal

if TYPE_CHECKING:
    from core.maths.gradcheck import GradCheck

MAX_ROWS = 60  # a big network lists its worst parameters, not all of them
MAX_ASIDE_ROWS = 10  # of those, at most this many set-aside ones
WIDTH = 72  # the notes' width: the box is at most 80 cells, less border, padding, scrollbar

# What a kink means, for the activations that have one, in a student's words.
KINK_WORDS = {"relu": "a ReLU kink (a unit switching on/off on some row)",
              "l1": "L1's kink (a weight crossing 0, where |w| bends)"}


def _kink_words(check: GradCheck) -> str:
    return " or ".join(KINK_WORDS.get(name, f"a kink of {name}")
                       for name in check.kinked_by) or "a kink"


def _step(step: float, h: float) -> str:
    """A step as a fraction of h: "h", "h/2", … "h/1024"."""
    return "h" if step >= h else f"h/{round(h / step)}"


def _paragraph(text: str, gap: bool = True) -> str:
    """A note under the verdict, wrapped to the box and indented under it."""
    return ("\n" if gap else "") + textwrap.fill(text, WIDTH, initial_indent="   ",
                                                 subsequent_indent="   ") + "\n"


def report(check: GradCheck, epoch: int) -> Text:
    """The table and the verdict, as text (also what the tests read)."""
    n, verdict, h = len(check.names), check.verdict, check.h
    compared, tol = check.n_compared, check.tolerance
    out = Text(f" J's gradient at the parameters of epoch {epoch}, on every training row.\n"
               f" numeric = (J(θ−2h) − 8J(θ−h) + 8J(θ+h) − J(θ+2h)) / 12h, h = {h:g}\n\n",
               style="dim")
    over = f"all {n:,} entries" if compared == n else f"the {compared:,} of {n:,} entries compared"
    if verdict == "pass":
        out.append(" ✓ PASS: backprop's gradients match the finite differences", style="bold")
        out.append(_paragraph(f"largest relative error {num(check.max_rel_error)} ≤ "
                              f"tolerance {tol:g}, over {over}"))
    elif verdict == "fail":
        out.append(" ✗ FAIL: backprop's gradients do not match the finite differences",
                   style="bold reverse")
        off = int((check.compared & (check.rel_error > tol)).sum())
        out.append(_paragraph(f"largest relative error {num(check.max_rel_error)} > "
                              f"tolerance {tol:g}; {off:,} of {over} off"))
    else:
        out.append(" ? NO VERDICT: no entry could be compared", style="bold reverse")
        out.append(_paragraph("Every entry was set aside, for the reasons below, so this check "
                              "says nothing about backprop at these parameters."))
    kink = _kink_words(check)
    if check.n_kink:
        out.append(_paragraph(
            f"{check.n_kink:,} of {n:,} entries set aside: their finite-difference steps cross "
            f"{kink}, even with a step of {_step(check.smallest_step, h)}. Where a kink is "
            "crossed the slope jumps, so the difference quotient is not a derivative there."))
    if check.n_nonfinite:
        out.append(_paragraph(
            f"{check.n_nonfinite:,} of {n:,} entries set aside: J or the gradient is not a "
            "finite number there (the network's numbers overflow)."))
    if check.n_past_kink:
        out.append(_paragraph(
            f"{check.n_past_kink:,} of {n:,} entries measured with a smaller step (column "
            f"step): with h = {h:g} their steps crossed {kink}; a smaller step stays on one "
            "side of it."))
    if check.n_steep:
        out.append(_paragraph(
            f"{check.n_steep:,} of {n:,} entries measured with a smaller step (column step): J "
            "bends so sharply there that the quotient's own error (about h⁴·J⁽⁵⁾/30, so 16× "
            f"smaller each time h halves) was above the tolerance at h = {h:g}."))
    floor = num(check.floor)
    out.append("\n   relative error = |backprop − numeric| / max(|backprop|, |numeric|, s)\n"
               + _paragraph(f"with s\u00a0=\u00a0{floor}: J is a float, and its rounding error, "
                            "divided by h, can move the quotient by up to "
                            f"s·{tol:g} (twice that with h/2, and so on), so "
                            "smaller differences count as agreement.", gap=False), style="dim")

    aside = ~check.compared
    compared = [i for i in range(n) if not aside[i]]
    set_aside = [i for i in range(n) if aside[i]]
    order = list(range(n))
    note = ""
    if n > MAX_ROWS:
        show_aside = min(len(set_aside), MAX_ASIDE_ROWS)
        worst = sorted(compared, key=lambda i: -check.rel_error[i])[:MAX_ROWS - show_aside]
        order = worst + set_aside[:show_aside]
        note = (f" the {len(worst)} largest errors of {len(compared):,} compared entries"
                + (f", then {show_aside} of {len(set_aside):,} set aside" if show_aside else "")
                + "\n")
    steps = bool((check.step < h).any() or check.n_kink)
    width = max(len(check.names[i]) for i in order) if check.names else 5
    out.append(f"\n {'':{width}}  {'backprop':>12}  {'numeric':>12}"
               + (f"  {'step':>6}" if steps else "") + f"  {'rel. error':>10}\n", style="bold")
    out.append(note, style="dim")
    for i in order:
        if check.nonfinite[i]:
            verdict_cell = "   not finite"
        elif check.kink[i]:  # in place of the error: there is none to speak of
            verdict_cell = "   kink: not comparable"
        else:
            good = check.rel_error[i] <= check.tolerance
            verdict_cell = f"{num(check.rel_error[i]):>10} {'✓' if good else '✗ off'}"
        out.append(f" {check.names[i]:{width}}  {num(check.analytic[i], signed=True):>12}"
                   f"  {num(check.numeric[i], signed=True):>12}"
                   + (f"  {_step(check.step[i], h):>6}" if steps else "")
                   + f"  {verdict_cell}\n")
    return out


class GradCheckScreen(Modal):
    """A modal page over the panes; escape (or g, or q) closes it."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("g", "dismiss", "Close", show=False),
    ]

    def __init__(self, check: GradCheck | None, epoch: int, params: int) -> None:
        super().__init__()
        self.check, self.epoch, self.params = check, epoch, params

    def compose(self) -> ComposeResult:
        with Frame(), VerticalScroll(id="gradcheck-box") as box:
            box.border_title = "Gradient check: backprop vs finite differences"
            box.border_subtitle = "escape closes"
            yield Static(self._text(), id="gradcheck-text")

    def _text(self) -> Text:
        if self.check is None:
            return Text(f" checking {self.params} parameters (4 forward passes each)…")
        return report(self.check, self.epoch)

    def show_result(self, check: GradCheck) -> None:
        """The threaded check finished."""
        self.check = check
        if self.is_mounted:
            self.query_one("#gradcheck-text", Static).update(self._text())
