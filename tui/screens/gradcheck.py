"""The gradient check screen (`g`): backprop's gradient of every parameter next to the
numeric one from finite differences, their relative error, and a verdict in words.

The numbers are `core.check_session(session)`'s; this screen only lays them out. A big
network is checked in a thread (see `Stepper.gradcheck`), and the screen says so until the
result arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..fmt import num
from . import CSS

if TYPE_CHECKING:
    from core.gradcheck import GradCheck

MAX_ROWS = 60  # a big network lists its worst parameters, not all of them


def report(check: GradCheck, epoch: int) -> Text:
    """The table and the verdict, as text (also what the tests read)."""
    ok = check.ok
    verdict = Text()
    if ok:
        verdict.append(" ✓ PASS: backprop agrees with the finite differences", style="bold")
    else:
        verdict.append(" ✗ FAIL: backprop disagrees with the finite differences",
                       style="bold reverse")
    verdict.append(f"\n   largest relative error {num(check.max_rel_error, 3)} "
                   f"{'≤' if ok else '>'} tolerance {check.tolerance:g}\n")
    out = Text(f" J's gradient at the parameters of epoch {epoch}, on every training row.\n"
               " numeric = (J(θ−2h) − 8J(θ−h) + 8J(θ+h) − J(θ+2h)) / 12h, h = 0.001\n\n",
               style="dim")
    out.append_text(verdict)
    order = range(len(check.names))
    note = ""
    if len(check.names) > MAX_ROWS:
        order = sorted(order, key=lambda i: -check.rel_error[i])[:MAX_ROWS]
        note = f" the {MAX_ROWS} largest errors of {len(check.names)} parameters\n"
    width = max(len(check.names[i]) for i in order) if check.names else 5
    out.append(f"\n {'':{width}}  {'backprop':>12}  {'numeric':>12}  {'rel. error':>10}\n",
               style="bold")
    out.append(note, style="dim")
    for i in order:
        good = check.rel_error[i] <= check.tolerance
        out.append(f" {check.names[i]:{width}}  {num(check.analytic[i], 6, signed=True):>12}"
                   f"  {num(check.numeric[i], 6, signed=True):>12}"
                   f"  {num(check.rel_error[i], 2):>10} {'✓' if good else '✗ off'}\n")
    return out


class GradCheckScreen(ModalScreen[None]):
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
        with VerticalScroll(id="gradcheck-box") as box:
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
