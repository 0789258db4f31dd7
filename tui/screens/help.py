"""The help screen: every pane, every key, every option, and the notebook's six steps of
backprop with the place on screen where each one shows up. Its first line, and its border,
say how to close it; it scrolls where the terminal is too small for all of it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.names import UNDO_BUDGET

from ..commands import help_keys
from ..options import help_text as options_help
from . import CSS, Frame, Modal

PANES = """\
[b]PANES[/b]
 [b]Status[/b]     epochs done · seed (repeats a run) · lr · network · optimiser
 [b]Dataset[/b]    each row raw (normalised); predicted / target in its own units
 [b]Weights[/b]    W1 (2×2), b1, W2, b2; ▲ rose ▼ fell in the update to here;
            ○ a weight that is exactly 0 (as L1 makes them)
 [b]Gradients[/b]  dW, db of that update (epoch N−1's at epoch N); more if room
 [b]Loss[/b]       loss now, best so far, last change; a chart of every epoch
 [b]Network[/b]    (v) nodes: bias b, activation a; weights ━ ─ ╌ by size, + −;
            each hidden unit's picture over the inputs; big nets as strips
 [b]Output[/b]     (v v) ŷ over the inputs; ● ○ training rows, ◆ ◇ held-out rows;
            a hidden unit's picture when its bias is picked (arrows)
 [b]Chain rule[/b] (v ×3) one row's J as scalars: value, ∂J/∂node; f walks back
 [b]Health[/b]     (v ×4) CS231n's figures per layer, and what they mean
 [b]Confusion[/b]  (v ×5, with classes) true × predicted class, and accuracy
 [b]Two runs[/b]   (C, or --compare) B: A with options changed, same seed and rows;
            the loss pane draws both (█ A, × B), the status line both lr;
            s r p b n R < > act on both; tab: the panes show A or B
 [b]Numbers[/b]    4 significant digits (0.5348, 1.712e-5); gradients signed
 [b]Paging[/b]     a pane too small for its numbers pages: m, its next page"""

STEPS = """\
[b]THE NOTEBOOK'S SIX STEPS OF BACKPROP, AND WHERE YOU SEE THEM[/b]
 1 Forward pass  H = X·W1 + b1;  ŷ = H·W2 + b2       Dataset: predicted
 2 Loss          MSE = mean((ŷ−y)²)                  Loss pane
 3 Output layer  delta2 = ŷ − y                      Gradients: delta2,
                 dW2 = Hᵀ·delta2/N, db2 = Σdelta2/N    dW2, db2
 4 Hidden layer  delta1 = delta2·W2ᵀ ⊙ f′(H)         Gradients: delta1,
                 dW1 = Xᵀ·delta1/N, db1 = Σdelta1/N    dW1, db1
 5 Update        W −= lr·dW,  b −= lr·db             Weights: ▲ ▼
 6 Repeat        s does 1–5 once, r a hundred times  Status: Epoch
 f′ = 1 for the notebook's linear layers, so there delta1 = delta2·W2ᵀ.
 Gradients are of J = (1/2N)·Σ(ŷ−y)², half the MSE: so delta2 is just ŷ − y.
 bce with a sigmoid output, and ce with a softmax, give delta2 = ŷ − y too:
 the loss's slope and the output's cancel (f walks it, and says why)."""

WIDTH = 72  # the text's width inside the box at 80 columns (border, padding, scroll bar)
CLOSE = "escape, q or ? closes · ctrl+p lists every command"


def help_text(undo_depth: int | None = None, run_epochs: int = 100) -> str:
    """The whole page (Rich markup): panes, keys, options and the six steps. The keys and
    options come from their tables, so the page lists exactly what the app does."""
    depth = f"{undo_depth:,}" if undo_depth is not None else "many"
    undo = f"undo: {depth} epochs back for this network (a {UNDO_BUDGET // 2**20} MiB budget)"
    steps = STEPS if run_epochs == 100 else STEPS.replace(
        "r a hundred times", f"r {run_epochs:,} times")
    return "\n".join((
        f"[dim]{CLOSE}[/dim]", PANES, "[b]KEYS[/b]", help_keys(WIDTH, run_epochs), f" {undo}",
        "[b]OPTIONS[/b] in the form (c), and as flags of backprop and backprop train",
        options_help(WIDTH), steps))


class HelpScreen(Modal):
    """A modal page of text over the panes; any of escape, q, ? closes it."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, undo_depth: int | None = None, run_epochs: int = 100) -> None:
        super().__init__()
        self.undo_depth, self.run_epochs = undo_depth, run_epochs

    def compose(self) -> ComposeResult:
        with Frame(), VerticalScroll(id="help-box") as box:
            box.border_title = "Help: backprop-stepper"
            box.border_subtitle = "escape closes"
            yield Static(help_text(self.undo_depth, self.run_epochs), id="help-text")
