"""The help screen: every pane, every key, and the notebook's six steps of backprop with
the place on screen where each one shows up. One screen of text at 80×24; it scrolls only
on smaller terminals.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]PANES[/b]
 [b]Status[/b]     epochs done · seed (repeats a run) · lr · network · optimiser
 [b]Dataset[/b]    each row raw (normalised); predicted / target in its own units
 [b]Weights[/b]    W1 (2×2), b1 (1×2), W2, b2; ▲ rose ▼ fell in the last update
 [b]Gradients[/b]  dW, db of the last update; deltas and forward pass if room
 [b]Loss[/b]       loss now, best so far, last change; a chart of every epoch
{keys}
[b]THE NOTEBOOK'S SIX STEPS OF BACKPROP, AND WHERE YOU SEE THEM[/b]
 1 Forward pass  H = X·W1 + b1;  ŷ = H·W2 + b2       Dataset: predicted
 2 Loss          MSE = mean((ŷ−y)²)                  Loss pane
 3 Output layer  delta2 = ŷ − y                      Gradients: delta2,
                 dW2 = Hᵀ·delta2/N, db2 = Σdelta2/N    dW2, db2
 4 Hidden layer  delta1 = delta2·W2ᵀ ⊙ f′(Z1)        Gradients: delta1,
                 dW1 = Xᵀ·delta1/N, db1 = Σdelta1/N    dW1, db1
 5 Update        W −= lr·dW,  b −= lr·db             Weights: ▲ ▼
 6 Repeat        s does 1–5 once, r a hundred times  Status: Epoch
 f′ = 1 for the notebook's linear layers, so there delta1 = delta2·W2ᵀ.
 Gradients are of J = (1/2N)·Σ(ŷ−y)², half the MSE: so delta2 is just ŷ − y.
[dim]escape, q or ? closes · ctrl+p lists every command[/dim]"""


def _key(text: str) -> str:
    """Key names in bold: `s/space` → [b]s[/b]/[b]space[/b]."""
    return "/".join(f"[b]{part}[/b]" for part in text.split("/"))


HELP = HELP.format(keys=(
    f"[b]KEYS[/b]  {_key('s/space')} one epoch   {_key('r')} 100 epochs "
    f"({_key('r/escape')} stops)   {_key('n')} new seed\n"
    f"      {_key('R')} restart, same seed   {_key('l')} log/linear chart   {_key('?')} help   "
    f"{_key('q/ctrl+c')} quit"))


class HelpScreen(ModalScreen[None]):
    """A modal page of text over the panes; any of escape, q, ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Help: backprop-stepper"
            yield Static(HELP, id="help-text")
