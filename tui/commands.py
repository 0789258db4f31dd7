"""Every key, declared once. From this table come the app's and the main screen's
`BINDINGS`, the footer (which keys it shows, and when), the command palette (ctrl+p), the
help screen's list of keys, and the keys a lesson may wait for.

No Textual here beyond its `Binding` record, made only by `bindings()`: the table can be
read (and tested) alone, and a lesson can be checked without loading Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from textual.binding import Binding

APP, MAIN = "app", "main"
# What `v` puts in the top slot, in turn (the confusion matrix only when there are classes).
TOP_CYCLE = ("dataset", "network", "output", "chain", "health", "confusion")
# When the footer shows a key: in ordinary training, after a divergence, or both.
NORMAL, DIVERGED = "normal", "diverged"
ALWAYS = (NORMAL, DIVERGED)
# And whether two runs are compared: the footer shows a key with one run only (ONE), with
# two only (TWO), or either way (None).
ONE, TWO = "one", "two"


class Key(NamedTuple):
    keys: str  # Textual key names, comma-separated: "s,space"
    action: str  # the action, with arguments: "speed(1)"
    title: str  # the palette's title: "Step one epoch"
    help: str  # what it does, in a line: the palette's help and the binding's tooltip
    show: str = ""  # how the help screen names the key(s): "s/space"
    short: str = ""  # the help screen's few words: "one epoch"
    footer: str = ""  # the footer's label; "" keeps it out of the footer
    footer_when: tuple[str, ...] = ALWAYS
    runs: str | None = None  # ONE or TWO: in the footer only with one run, or with two
    scope: str = MAIN  # APP: works on every screen; MAIN: the panes' screen only
    priority: bool = False
    palette: bool = True
    # A lesson's `wait`/`do` may name it: it trains, steps back, changes the lr or the view,
    # the same way on every machine (n, a new random seed, and play, timed, do not).
    lesson: bool = False
    # It changes only what is shown, never the session: free during a lesson's say step.
    view: bool = False

    @property
    def display(self) -> str:
        return self.show or self.keys.split(",")[0]


KEYS: tuple[Key, ...] = (
    Key("s,space", "step", "Step one epoch", "Forward pass, loss, backprop, update",
        show="s/space", short="one epoch", footer="Step", footer_when=(NORMAL,), lesson=True),
    Key("r", "run", "Run 100 epochs", "Train 100 epochs; r or escape stops a long run",
        short="100 epochs (r/escape stops)", footer="Run 100", footer_when=(NORMAL,),
        lesson=True),
    Key("escape", "stop", "Stop the run", "Stop a run in the background", footer="Stop run",
        palette=False),
    Key("escape", "leave", "Leave the phase walk or pause", "Leave the phase walk, or pause",
        palette=False),
    Key("n", "reset", "New seed", "Start over from new random weights (keeps the lr)",
        short="new seed", footer="New seed", runs=ONE),
    Key("R", "restart", "Restart", "Start over from the same seed and weights (keeps the lr)",
        short="restart, same seed", footer="Restart", runs=ONE, lesson=True),
    Key("tab", "switch_run", "Show the other run", "Two runs: the weights, gradients and "
        "data panes show run A or run B", short="show run A/B", footer="A/B", runs=TWO,
        view=True),
    Key("C", "compare", "Compare: run B", "A second run beside this one: the same seed and "
        "data, the options you change in its form", short="compare: run B's settings",
        footer="Compare", footer_when=(NORMAL,)),
    Key("D", "drop_compare", "Drop run B", "Back to one run, A", short="drop run B",
        footer="Drop B", footer_when=(NORMAL,), runs=TWO),
    Key("l", "toggle_log", "Toggle log scale", "Loss chart: log or linear scale",
        short="log/linear chart", lesson=True, view=True),
    Key("f", "next_phase", "Next phase", "Walk one update: forward, loss, output and hidden "
        "gradients, update (in the chain-rule view: one node back from J)",
        short="next phase (j/k row)", lesson=True),
    Key("b", "back", "Step back", "One phase while walking, else one epoch or an lr change",
        short="step back", footer="Back", footer_when=(DIVERGED,), lesson=True),
    Key("j", "row(1)", "Next row", "Phase walk or chain rule: the next row", palette=False,
        lesson=True, view=True),
    Key("k", "row(-1)", "Previous row", "Phase walk or chain rule: the previous row",
        palette=False, lesson=True, view=True),
    Key("p", "play", "Play / pause", "Epochs continuously; +/- speed", short="play/pause"),
    Key("plus,right_square_bracket", "speed(1)", "Faster", "More epochs per frame while "
        "playing", show="+/]", short="faster"),
    Key("minus,left_square_bracket", "speed(-1)", "Slower", "Fewer epochs per frame while "
        "playing", show="-/[", short="slower"),
    Key("less_than_sign", "lr(0.5)", "Halve the learning rate", "Live: the next update uses "
        "it", show="<", short="halve lr", footer="Halve lr", footer_when=(DIVERGED,),
        lesson=True),
    Key("greater_than_sign", "lr(2)", "Double the learning rate", "Live: the next update uses "
        "it", show=">", short="double lr", lesson=True),
    Key("g", "gradcheck", "Gradient check", "Backprop's gradients vs finite differences",
        short="gradient check", lesson=True),
    Key("c", "settings", "Settings", "Data, network, loss, optimiser, seed, test share",
        short="settings"),
    Key("v", "cycle_top", "Cycle the top pane", "Dataset → network → learned output → "
        "chain rule → health (→ confusion matrix, with classes)",
        short="dataset/network/output/chain rule/health", lesson=True, view=True),
    Key("m", "next_page", "Next page of the panes", "Weights, gradients or a phase too big "
        "for their pane: the next page of each", short="next page (when a pane pages)",
        footer="More", view=True),
    Key("pagedown", "rows(1)", "Next rows of the dataset", "Dataset pane: the next page",
        show="PgUp/PgDn/Home/End", short="dataset rows", view=True),
    Key("pageup", "rows(-1)", "Previous rows of the dataset", "Dataset pane: the page before",
        view=True),
    Key("home", "rows(0, 'home')", "First rows of the dataset", "Dataset pane: the first page",
        view=True),
    Key("end", "rows(0, 'end')", "Last rows of the dataset", "Dataset pane: the last page",
        view=True),
    Key("up", "pick(0, -1)", "Previous weight", "Network pane: pick a weight", show="←→↑↓",
        short="pick weight", palette=False, view=True),
    Key("down", "pick(0, 1)", "Next weight", "Network pane: pick a weight", palette=False,
        view=True),
    Key("left", "pick(-1, 0)", "Layer before", "Network pane: pick a weight", palette=False,
        view=True),
    Key("right", "pick(1, 0)", "Layer after", "Network pane: pick a weight", palette=False,
        view=True),
    Key("e", "edit", "Edit the selected weight", "Network pane: arrows pick one",
        short="edit weight"),
    Key("w", "save_session", "Save the session", "A file that backprop --resume reopens",
        short="save session"),
    Key("x", "export", "Export", "The weights and loss history, or the session as a NumPy "
        "script, a notebook or a PyTorch script, in this folder",
        short="export: weights, history, code"),
    Key("", "lessons", "Lessons…", "Choose a lesson: narrated steps on the live numbers, "
        "with questions to answer before you step"),
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
    """The BINDINGS of the app (APP) or of the main screen (MAIN); a command with no key
    (the palette's alone) has none."""
    from textual.binding import Binding

    return [Binding(k.keys, k.action, k.footer or k.title, show=bool(k.footer),
                    key_display=k.show.split("/")[0] if k.show else None,
                    tooltip=k.help, priority=k.priority)
            for k in KEYS if k.scope == scope and k.keys]


def palette() -> list[Key]:
    """The keys the command palette lists, in the table's order."""
    return [k for k in KEYS if k.palette]


def palette_title(key: Key, run_epochs: int = 100) -> str:
    """`Step one epoch (s)`: the title with the key that does the same, if there is one."""
    if not key.keys:
        return key.title
    return f"{with_epochs(key.title, run_epochs)} ({key.display.replace('/', ' or ')})"


def footer_shows(key: str, action: str, state: str, runs: str = ONE) -> bool | None:
    """Whether the footer shows the binding of `key` to `action` in `state` (NORMAL or
    DIVERGED) with one run or two (ONE, TWO); None when the table keeps that binding out of
    the footer."""
    for k in KEYS:
        if key in k.keys.split(",") and k.action == action and k.footer:
            return state in k.footer_when and k.runs in (None, runs)
    return None


def with_epochs(text: str, run_epochs: int) -> str:
    """`Run 100` says how many epochs `r` runs (`--epochs` changes it): in the footer, the
    palette and the help screen."""
    return text.replace("100", f"{run_epochs:,}") if text.startswith("Run") else text


def help_keys(width: int = 78, run_epochs: int = 100) -> str:
    """The help screen's list of keys: `key few words` entries, filled to `width`, keys in
    bold (Rich markup)."""
    entries = [(k.display, with_epochs(k.short, run_epochs)) for k in KEYS if k.short]
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


# Textual's names of the keys a lesson may use, as the character a learner types: a lesson
# file writes `wait = "<"`, the pane says `press <`.
CHARACTERS = {"less_than_sign": "<", "greater_than_sign": ">", "plus": "+", "minus": "-",
              "left_square_bracket": "[", "right_square_bracket": "]"}


def lesson_keys() -> dict[str, str]:
    """The keys a lesson's `wait` and `do` may name, as typed (`s`, `<`), with the action
    each performs (`step`, `lr(0.5)`). Space is not among them: in a lesson it goes on."""
    out = {}
    for k in KEYS:
        if k.lesson:
            for name in k.keys.split(","):
                char = CHARACTERS.get(name, name)
                if len(char) == 1 and char != " ":
                    out[char] = k.action
    return out


def view_keys() -> set[str]:
    """Textual's names of the keys that change only what is shown (free in a say step)."""
    return {name for k in KEYS if k.view for name in k.keys.split(",")}


def key_name(char: str) -> str:
    """Textual's name of a key a lesson names by its character (`<` → less_than_sign)."""
    return next((name for name, c in CHARACTERS.items() if c == char), char)
