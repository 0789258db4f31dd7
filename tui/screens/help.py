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

from . import CSS

HELP = """\
[b]PANES[/b]
 [b]Status[/b]     epochs done · seed (repeats a run) · lr · network · optimiser
 [b]Dataset[/b]    each row raw (normalised); predicted / target in its own units
 [b]Weights[/b]    W1 (2×2), b1 (1×2), W2, b2; ▲ rose ▼ fell in the last update
 [b]Gradients[/b]  dW, db of the last update; deltas and forward pass if room
 [b]Loss[/b]       loss now, best so far, last change; a chart of every epoch
 [b]Network[/b]    (v) nodes: bias b, activation a; weights ━ ─ ╌ by size, + −
 [b]Output[/b]     (v v) ŷ over the inputs; ● ○ training rows, ◆ ◇ held-out rows
{keys}
      [b]c[/b] settings   [b]v[/b] dataset/network/output   [b]←→↑↓[/b] pick weight   \
[b]e[/b] edit
      [b]f[/b] next phase ([b]j/k[/b] row)   [b]b[/b] step back   [b]g[/b] gradient check
      [b]p[/b] play/pause   [b]+/-[/b] or [b]][/b]/[b]\\[[/b] speed   \
[b]<[/b]/[b]>[/b] halve/double lr
      UNDO_BOUND
[b]OPTIONS[/b] in the form (c), and as flags of backprop and backprop train
 --data notebook|xor|circle|gauss|spiral|sine|FILE.csv  --target COL
 --normalize max|minmax|zscore|none  --test-fraction F  --noise X  --seed N
 --hidden N,N…  --activation, --output-activation linear|sigmoid|tanh|relu
 --loss mse|bce  --init uniform|xavier|he  --optimizer gd|sgd|momentum|adam
 --batch-size K  --lr  --l2 λ  --epochs  --weights FILE.json  --preset NAME
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
    f"{_key('q/ctrl+c')} quit\n"
    f"      {_key('w')} save session   {_key('x')} export weights, loss CSV   "
    f"{_key('ctrl+s')} SVG screenshot"))


class HelpScreen(ModalScreen[None]):
    """A modal page of text over the panes; any of escape, q, ? closes it."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Help: backprop-stepper"
            yield Static(HELP.replace("UNDO_BOUND", self._undo_bound()), id="help-text")

    def _undo_bound(self) -> str:
        """How far `b` reaches: snapshots within the session's memory budget (issue 4)."""
        from core.session import UNDO_BUDGET

        view = getattr(self.app, "view", None)
        depth = f"{view.undo_depth:,}" if view is not None else "many"
        return f"undo: {depth} epochs back for this network (a {UNDO_BUDGET // 2**20} MiB budget)"
