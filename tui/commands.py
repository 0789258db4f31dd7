"""Every key, declared once. From this table come the app's and the main screen's
`BINDINGS`, the footer (which keys it shows, and when), the command palette (ctrl+p) and the
help screen's list of keys.

No Textual here beyond its `Binding` record, so the table can be read (and tested) alone.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.binding import Binding

APP, MAIN = "app", "main"
# When the footer shows a key: in ordinary training, after a divergence, or both.
NORMAL, DIVERGED = "normal", "diverged"
ALWAYS = (NORMAL, DIVERGED)


class Key(NamedTuple):
    keys: str  # Textual key names, comma-separated: "s,space"
    action: str  # the action, with arguments: "speed(1)"
    title: str  # the palette's title: "Step one epoch"
    help: str  # what it does, in a line: the palette's help and the binding's tooltip
    show: str = ""  # how the help screen names the key(s): "s/space"
    short: str = ""  # the help screen's few words: "one epoch"
    footer: str = ""  # the footer's label; "" keeps it out of the footer
    footer_when: tuple[str, ...] = ALWAYS
    scope: str = MAIN  # APP: works on every screen; MAIN: the panes' screen only
    priority: bool = False
    palette: bool = True

    @property
    def display(self) -> str:
        return self.show or self.keys.split(",")[0]


KEYS: tuple[Key, ...] = (
    Key("s,space", "step", "Step one epoch", "Forward pass, loss, backprop, update",
        show="s/space", short="one epoch", footer="Step", footer_when=(NORMAL,)),
    Key("r", "run", "Run 100 epochs", "Train 100 epochs; r or escape stops a long run",
        short="100 epochs (r/escape stops)", footer="Run 100", footer_when=(NORMAL,)),
    Key("escape", "stop", "Stop the run", "Stop a run in the background", footer="Stop run",
        palette=False),
    Key("escape", "leave", "Leave the phase walk or pause", "Leave the phase walk, or pause",
        palette=False),
    Key("n", "reset", "New seed", "Start over from new random weights (keeps the lr)",
        short="new seed", footer="New seed"),
    Key("R", "restart", "Restart", "Start over from the same seed and weights (keeps the lr)",
        short="restart, same seed", footer="Restart"),
    Key("l", "toggle_log", "Toggle log scale", "Loss chart: log or linear scale",
        short="log/linear chart", footer="Log", footer_when=(NORMAL,)),
    Key("f", "next_phase", "Next phase", "Walk one update: forward, loss, output and hidden "
        "gradients, update", short="next phase (j/k row)"),
    Key("b", "back", "Step back", "One phase while walking, else one epoch or an lr change",
        short="step back", footer="Back", footer_when=(DIVERGED,)),
    Key("j", "row(1)", "Next row", "Phase walk: the next row of the batch", palette=False),
    Key("k", "row(-1)", "Previous row", "Phase walk: the previous row of the batch",
        palette=False),
    Key("p", "play", "Play / pause", "Epochs continuously; +/- speed", short="play/pause"),
    Key("plus,right_square_bracket", "speed(1)", "Faster", "More epochs per frame while "
        "playing", show="+/]", short="faster"),
    Key("minus,left_square_bracket", "speed(-1)", "Slower", "Fewer epochs per frame while "
        "playing", show="-/[", short="slower"),
    Key("less_than_sign", "lr(0.5)", "Halve the learning rate", "Live: the next update uses "
        "it", show="<", short="halve lr", footer="Halve lr", footer_when=(DIVERGED,)),
    Key("greater_than_sign", "lr(2)", "Double the learning rate", "Live: the next update uses "
        "it", show=">", short="double lr"),
    Key("g", "gradcheck", "Gradient check", "Backprop's gradients vs finite differences",
        short="gradient check"),
    Key("c", "settings", "Settings", "Data, network, loss, optimiser, seed, test share",
        short="settings"),
    Key("v", "cycle_top", "Cycle the top pane", "Dataset → network → learned output (→ "
        "confusion matrix, with classes)", short="dataset/network/output/confusion"),
    Key("m", "next_page", "Next page of the panes", "Weights, gradients or a phase too big "
        "for their pane: the next page of each", short="next page (when a pane pages)",
        footer="More"),
    Key("pagedown", "rows(1)", "Next rows of the dataset", "Dataset pane: the next page",
        show="PgUp/PgDn/Home/End", short="dataset rows"),
    Key("pageup", "rows(-1)", "Previous rows of the dataset", "Dataset pane: the page before"),
    Key("home", "rows(0, 'home')", "First rows of the dataset", "Dataset pane: the first page"),
    Key("end", "rows(0, 'end')", "Last rows of the dataset", "Dataset pane: the last page"),
    Key("up", "pick(0, -1)", "Previous weight", "Network pane: pick a weight", show="←→↑↓",
        short="pick weight", palette=False),
    Key("down", "pick(0, 1)", "Next weight", "Network pane: pick a weight", palette=False),
    Key("left", "pick(-1, 0)", "Layer before", "Network pane: pick a weight", palette=False),
    Key("right", "pick(1, 0)", "Layer after", "Network pane: pick a weight", palette=False),
    Key("e", "edit", "Edit the selected weight", "Network pane: arrows pick one",
        short="edit weight"),
    Key("w", "save_session", "Save the session", "A file that backprop --resume reopens",
        short="save session"),
    Key("x", "export", "Export", "The weights and loss history, or the session as a NumPy "
        "script, a notebook or a PyTorch script, in this folder",
        short="export: weights, history, code"),
    Key("question_mark", "help", "Help", "Every pane and key, and the six steps of backprop",
        show="?", short="help", footer="Help", scope=APP),
    Key("q", "request_quit", "Quit", "Leave the stepper; with unsaved progress it asks first "
        "(q again quits, w saves)", show="q/ctrl+c", short="quit (asks if unsaved)",
        footer="Quit", footer_when=(NORMAL,), palette=False),
    Key("ctrl+c", "quit", "Quit", "Leave the stepper", scope=APP, priority=True,
        palette=False),
    Key("ctrl+z", "suspend_process", "Suspend", "Back to the shell; fg brings the stepper back",
        short="suspend (fg returns)", scope=APP, palette=False),
    Key("ctrl+s", "screenshot", "Screenshot", "An SVG of the screen, in this folder",
        short="SVG screenshot", scope=APP),
)


def bindings(scope: str) -> list[Binding]:
    """The BINDINGS of the app (APP) or of the main screen (MAIN)."""
    return [Binding(k.keys, k.action, k.footer or k.title, show=bool(k.footer),
                    key_display=k.show.split("/")[0] if k.show else None,
                    tooltip=k.help, priority=k.priority)
            for k in KEYS if k.scope == scope]


def palette() -> list[Key]:
    """The keys the command palette lists, in the table's order."""
    return [k for k in KEYS if k.palette]


def palette_title(key: Key, run_epochs: int = 100) -> str:
    """`Step one epoch (s)`: the title with the key that does the same."""
    return f"{_with_epochs(key.title, run_epochs)} ({key.display.replace('/', ' or ')})"


def footer_shows(key: str, action: str, state: str) -> bool | None:
    """Whether the footer shows the binding of `key` to `action` in `state` (NORMAL or
    DIVERGED); None when the table keeps that binding out of the footer."""
    for k in KEYS:
        if key in k.keys.split(",") and k.action == action and k.footer:
            return state in k.footer_when
    return None


def footer_label(key: Key, run_epochs: int) -> str:
    return _with_epochs(key.footer, run_epochs)


def _with_epochs(text: str, run_epochs: int) -> str:
    """`Run 100` says how many epochs `r` runs (`--epochs` changes it)."""
    return text.replace("100", f"{run_epochs:,}") if text.startswith("Run") else text


def help_keys(width: int = 78, run_epochs: int = 100) -> str:
    """The help screen's list of keys: `key few words` entries, filled to `width`, keys in
    bold (Rich markup)."""
    entries = [(k.display, _with_epochs(k.short, run_epochs)) for k in KEYS if k.short]
    entries.append(("ctrl+p", "every command"))
    lines, line, used = [], "", 0
    for keys, words in entries:
        shown = " ".join((keys, words))
        if used and used + 3 + len(shown) > width:
            lines.append(line)
            line, used = "", 0
        bold = "/".join(f"[b]{_escape(part)}[/b]" for part in keys.split("/"))
        line += ("   " if used else " ") + f"{bold} {words}"
        used += (3 if used else 1) + len(shown)
    if line:
        lines.append(line)
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Rich markup reads `[` as the start of a tag."""
    return text.replace("[", r"\[")
