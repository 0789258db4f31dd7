"""The export chooser (`x`): what to write into the current folder. The weights and the loss
history, as before, or the session as a program to take home: a NumPy script, a Jupyter
notebook or a PyTorch script, which print what `backprop train` prints.

It only chooses; the main screen writes (a program is written in a thread, as it may read a
big CSV again).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.names import CODE_DESCRIPTIONS

from . import CSS, Frame, Modal

# key → (what is written, in words): "weights" or one of the code formats
CHOICES = {
    "w": ("weights", "the weights (JSON, the --weights schema) and the loss history (CSV)"),
    "n": ("numpy", CODE_DESCRIPTIONS["numpy"]),
    "j": ("notebook", CODE_DESCRIPTIONS["notebook"]),
    "t": ("torch", CODE_DESCRIPTIONS["torch"]),
}


class ExportScreen(Modal):
    """Dismissed with what to write, or None (escape)."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"pick('{what}')", what, show=False) for key, (what, _) in CHOICES.items()),
        Binding("escape,q,x", "pick('')", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Frame(), VerticalScroll(id="export-box") as box:
            box.border_title = "Export into this folder"
            box.border_subtitle = "escape cancels"
            lines = [f" [b]{key}[/b]  {words}" for key, (_, words) in CHOICES.items()]
            yield Static("\n".join(lines), id="export-text")

    def action_pick(self, what: str) -> None:
        self.dismiss(what or None)
