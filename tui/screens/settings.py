"""The settings form (`c`) and the one-value editor (`e` on the network pane).

The form shows every model option the command line has, filled in from the running session.
Enter applies, escape cancels, tab and shift+tab move between fields; choices cycle with
← → or space, or jump with the first letter of a value. Nothing is clamped: a value the
core refuses stays in the form with the core's message beside its field (`UserError.field`
names it). Applying opens a new session in a thread (a CSV may be large) and hands it to the
app, which swaps it in; changing only the learning rate keeps the session and sets it live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Static

import core
from core import names
from core.config import CSV_DEFAULTS, CSV_FIELDS, defaults_for, output_for
from core.errors import UserError

from ..messages import ChoiceChanged, SessionBuilt
from ..options import Option, compare_text, form_options, form_text, parse_float
from ..ordered import actions
from . import CSS, Frame, Modal

if TYPE_CHECKING:
    from core.config import Config
    from core.training.session import Session


class Choice(Widget, can_focus=True):
    """One of a few values on one line, `◀ tanh ▶`: ← → or space cycle, a letter jumps."""

    DEFAULT_CSS = "Choice { height: 1; width: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cycle(-1)", "Previous", show=False),
        Binding("right,space", "cycle(1)", "Next", show=False),
    ]

    def __init__(self, choices: Sequence[str], value: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices = list(choices)
        self.index = self.choices.index(value) if value in self.choices else 0

    @property
    def value(self) -> str:
        return self.choices[self.index]

    def set_value(self, value: str) -> None:
        if value in self.choices:
            self._pick(self.choices.index(value))

    def _pick(self, index: int) -> None:
        if index != self.index:
            self.index = index
            self.refresh()
            self.post_message(ChoiceChanged((self.id or "").removeprefix("set-"), self.value))

    def action_cycle(self, step: int) -> None:
        self._pick((self.index + step) % len(self.choices))

    def on_key(self, event) -> None:
        """A letter picks the next value starting with it (and never reaches the app)."""
        if event.character and event.character.isprintable() and len(event.character) == 1:
            event.stop()
            event.prevent_default()
            self.jump(event.character)

    def jump(self, letter: str) -> None:
        """The next value starting with `letter`."""
        for k in range(1, len(self.choices) + 1):
            i = (self.index + k) % len(self.choices)
            if self.choices[i].startswith(letter.lower()):
                self._pick(i)
                return

    def render(self) -> Text:
        return Text(f"◀ {self.value} ▶")


# What a dataset brings its own defaults for (the rest, such as the seed, stays as it was).
DATASET_FIELDS = ("normalize", "hidden", "activation", "output_activation", "loss", "init",
                  "optimizer", "batch_size", "lr")
# Fields whose change makes a preset's or a weights file's starting weights meaningless.
NEW_START = {"data", "hidden", "init", "inputs", *CSV_FIELDS}


class SettingsScreen(Modal):
    """Every option of the session in one form. The app passes how to apply the result:
    `set_lr(lr)` for a learning-rate-only change, `use(session)` for a new session; each
    returns an error message (shown in the form) or None (the form closes).

    With `run_b` (run A's session) it is run B's form: it shows B's settings (or A's, for a
    first B), and applying opens B beside A with the options that differ from A's; the
    data stay A's (the core refuses a change, beside its field)."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "apply", "Apply"),
    ]
    AUTO_FOCUS = "#set-data"

    def __init__(self, config: Config, lr: float, set_lr: Callable[[float], str | None],
                 use: Callable[[Session], str | None], run_b: Session | None = None,
                 title: str = "") -> None:
        super().__init__()
        self.config, self.lr = config, lr
        self.set_lr, self.use = set_lr, use
        self.fields = form_options()
        self.initial = self._texts(config, lr)
        self.run_b = run_b  # run A, when this is run B's form
        self.a_texts = self._texts(run_b.config, run_b.base_lr) if run_b is not None else {}
        self.title = "run B" if run_b is not None else title
        self.busy = False
        self._filled_for = self.initial["data"]  # the dataset the fields were filled for

    def _texts(self, config: Config, lr: float) -> dict[str, str]:
        return {f.name: f.show_form(lr if f.name == "lr" else getattr(config, f.name))
                for f in self.fields}

    def compose(self) -> ComposeResult:
        with Frame(), VerticalScroll(id="settings-box", can_focus=False) as box:
            what = f"{self.title[:1].upper()}{self.title[1:]}'s settings" if self.title else \
                "Settings"
            box.border_title = f"{what}: enter applies · escape cancels · tab moves"
            for f in self.fields:
                with Horizontal(classes="settings-row"):
                    yield Static(f.form, classes="settings-label")
                    if f.choice_list:
                        yield Choice(f.choice_list, self.initial[f.name], id=f"set-{f.name}")
                    else:
                        yield Input(self.initial[f.name], compact=True, id=f"set-{f.name}",
                                    suggester=SuggestFromList(self._suggestions(f)),
                                    select_on_focus=False)
                    yield Static(self._hint(f), id=f"err-{f.name}", classes="settings-note")
            yield Static("", id="settings-error")

    def _hint(self, f: Option) -> str:
        """Beside a field: the table's hint; on run B's form, a change to a data field is
        refused, and the lr does not change live (B opens anew)."""
        if self.run_b is None:
            return f.hint
        if f.group == "data":
            return "A's data: B trains on A's rows"
        return "" if f.name == "lr" else f.hint

    @staticmethod
    def _suggestions(f: Option) -> list[str]:
        return list(names.DATASETS) if f.name == "data" else []

    # ------------------------------------------------------------------ reading the form

    def _raw(self, f: Option) -> str:
        widget = self.query_one(f"#set-{f.name}")
        assert isinstance(widget, (Choice, Input))
        return widget.value

    def _parsed(self) -> dict[str, object] | None:
        """Each field's value; None (with messages beside the fields) if any fails to parse."""
        values, ok = {}, True
        for f in self.fields:
            raw = self._raw(f)
            try:
                values[f.name] = f.parse_form(raw)
            except ValueError as exc:
                self._error(f.name, str(exc) or f"not a valid {f.form}")
                ok = False
        return values if ok else None

    def _raw_of(self, name: str) -> str:
        f = next(f for f in self.fields if f.name == name)
        return self._raw(f).strip()

    async def take_key(self, event: events.Key) -> bool:
        """Every key, in the order typed (see tui/ordered.py): characters and editing keys
        into the field in focus, tab and shift+tab between fields, enter applies, escape
        cancels. A new dataset name fills in its defaults before the next key."""
        if self.closing:
            return False  # keys after escape or enter: the usual way, to nothing
        focused, key = self.focused, event.key
        if key in ("tab", "shift+tab"):
            self.focus_next() if key == "tab" else self.focus_previous()
        elif key == "escape":
            self.action_cancel()
        elif key == "enter":
            self.action_apply()
        elif isinstance(focused, Input):
            if not type_into(focused, event) and key not in actions(focused):
                return False
            if key in actions(focused):
                await focused.run_action(actions(focused)[key])
            if focused.id == "set-data":
                self._follow_data(focused.value)
        elif isinstance(focused, Choice):
            before = focused.value
            if key in ("left", "right", "space"):
                focused.action_cycle(-1 if key == "left" else 1)
            elif event.is_printable and event.character:
                focused.jump(event.character)
            else:
                return False
            if focused.id == "set-loss" and focused.value != before:
                self._follow_loss(focused.value)
        else:
            return False
        return True

    @on(Input.Changed, "#set-data")
    def _data_changed(self, event: Input.Changed) -> None:
        self._follow_data(event.value)

    def _follow_data(self, value: str) -> None:
        """A new dataset brings its own defaults (lr, network, loss, …), as on the command
        line; the form shows them before anything is applied, and marks what they changed.
        Back to the session's own dataset, the form shows the session's settings again.
        Once per name: a field changed after the fill keeps its new value."""
        data = value.strip()
        if data == self._filled_for:
            return
        if data == self.initial["data"]:
            fill = {name: self.initial[name] for name in (*DATASET_FIELDS, *CSV_FIELDS)
                    if name in self.initial}
        elif data in names.DATASETS or data.lower().endswith(".csv"):
            fill = {name: form_text(value) for name, value in defaults_for(data).items()
                    if name in DATASET_FIELDS}
            fill.update(batch_size="")
            # a new table: how to read the last one's columns (CSV_FIELDS) no longer applies
            fill.update({f.name: f.show_form(CSV_DEFAULTS[f.name]) for f in self.fields
                         if f.name in CSV_FIELDS})
        else:
            return  # still being typed
        self._filled_for = data
        for name, text in fill.items():
            widget = self.query_one(f"#set-{name}")
            if isinstance(widget, Choice):
                widget.set_value(text)
            else:
                assert isinstance(widget, Input)
                widget.value = text
                widget.cursor_position = len(text)  # where the next key types, as if typed
        self._mark_filled(data, fill)

    def _mark_filled(self, data: str, fill: dict[str, str]) -> None:
        """Beside each field the dataset changed: `set by xor` (until applied or changed
        back), so a student sees what typing a name did to the other settings."""
        for f in self.fields:
            note = self.query_one(f"#err-{f.name}", Static)
            changed = f.name in fill and fill[f.name] != self.initial[f.name] and \
                data != self.initial["data"]
            note.set_class(changed, "-filled")
            if not note.has_class("-error"):
                note.update(f"set by {data}" if changed else f.hint)

    @on(ChoiceChanged)
    def _loss_changed(self, message: ChoiceChanged) -> None:
        """The output activation follows the loss, as on the command line: bce needs a
        sigmoid, ce a softmax, and softmax is for ce only."""
        if message.name == "loss":
            self._follow_loss(message.value)

    def _follow_loss(self, loss: str) -> None:
        output = self.query_one("#set-output_activation", Choice)
        output.set_value(output_for(loss, output.value))

    def new_config(self, values: dict[str, object], changed: dict[str, object]) -> Config:
        """What to open: with a new dataset, exactly what the form shows (its defaults, and
        whatever else was changed); else the running config with the changes."""
        if "data" in changed:
            return core.Config(**values)  # type: ignore[arg-type]
        base = replace(self.config, lr=values["lr"], **changed)
        if NEW_START & changed.keys():
            base = replace(base, preset=None, weights=None)
        return base

    # ------------------------------------------------------------------ messages

    def _clear(self) -> None:
        for f in self.fields:
            note = self.query_one(f"#err-{f.name}", Static)
            note.remove_class("-error")
            note.update(f"set by {self._filled_for}" if note.has_class("-filled")
                        else self._hint(f))
        self.query_one("#settings-error", Static).update("")

    def _error(self, field: str | None, message: str) -> None:
        """The message beside its field, or at the foot of the form if it names none."""
        names = {f.name for f in self.fields}
        if field in names:
            note = self.query_one(f"#err-{field}", Static)
            note.add_class("-error")
            note.update(message)
            self.query_one(f"#set-{field}").scroll_visible()
        else:
            self.query_one("#settings-error", Static).update(message)

    # ------------------------------------------------------------------ actions

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        if self.busy:
            return
        self._follow_data(self._raw_of("data"))  # a name set but not yet followed
        self._clear()
        values = self._parsed()
        if values is None:
            return
        changed = {k: v for k, v in values.items() if self._raw_of(k) != self.initial[k]}
        if not changed:
            self.dismiss(None)
            return
        if self.run_b is not None:
            self._open_b(values)
            return
        if changed.keys() == {"lr"}:
            self._close_or_show(self.set_lr(float(changed["lr"])), "lr")  # type: ignore
            return
        self.busy = True
        self.query_one("#settings-error", Static).update("opening…")
        self._open(self.new_config(values, changed))

    def _close_or_show(self, error: str | None, field: str | None) -> None:
        if error is None:
            self.dismiss(None)
        else:
            self._error(field, error)

    def _open_b(self, values: dict[str, object]) -> None:
        """Run B: the options whose text differs from run A's, as `--compare` would give
        them."""
        given = {k: v for k, v in values.items() if self._raw_of(k) != self.a_texts[k]}
        if not given:
            self._error(None, "run B would be run A: change an option for B")
            return
        self.busy = True
        self.query_one("#settings-error", Static).update("opening run B…")
        self._open_compare(given, compare_text(given))

    @work(thread=True, exclusive=True, group="settings")
    def _open_compare(self, given: dict[str, object], text: str) -> None:
        assert self.run_b is not None
        try:
            pair = core.open_compare(self.run_b, given, text)
        except UserError as exc:
            self.post_message(SessionBuilt(None, exc))
            return
        self.post_message(SessionBuilt(pair, None))  # type: ignore[arg-type]

    @work(thread=True, exclusive=True, group="settings")
    def _open(self, config: Config) -> None:
        try:
            session = core.open_session(config)
        except UserError as exc:
            self.post_message(SessionBuilt(None, exc))
            return
        self.post_message(SessionBuilt(session, None))

    def on_session_built(self, message: SessionBuilt) -> None:
        self.busy = False
        self.query_one("#settings-error", Static).update("")
        if message.error is not None:
            self._error(message.error.field, str(message.error))
            return
        assert message.session is not None
        self._close_or_show(self.use(message.session), None)


class EditValueScreen(Modal):
    """A one-line editor for one weight or bias: enter sets it through `apply(value)`,
    which returns the core's refusal (shown here) or None; escape leaves it."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#edit-value"

    def __init__(self, name: str, value: float, apply: Callable[[float], str | None]) -> None:
        super().__init__()
        self.param, self.value, self.apply = name, value, apply

    async def take_key(self, event: events.Key) -> bool:
        """Every key, in the order typed (see tui/ordered.py): into the value, enter sets
        it, escape cancels."""
        if self.closing:
            return False
        field = self.query_one("#edit-value", Input)
        key = event.key
        if key == "escape":
            self.action_cancel()
        elif key == "enter":
            self._submit(field.value)
        elif key in actions(field):
            await field.run_action(actions(field)[key])
        elif not type_into(field, event):
            return False
        return True

    def compose(self) -> ComposeResult:
        with Frame(), VerticalScroll(id="edit-box", can_focus=False) as box:
            box.border_title = f"Edit {self.param}: enter sets · escape cancels"
            yield Input(repr(self.value), compact=True, id="edit-value")
            yield Static(f"now {self.value!r}; b undoes the edit", id="edit-note")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit(event.value)

    def _submit(self, text: str) -> None:
        try:
            value = parse_float(text.strip())
        except ValueError as exc:
            self._refuse(str(exc))
            return
        error = self.apply(value)
        if error is None:
            self.dismiss(None)
        else:
            self._refuse(error)

    def _refuse(self, message: str) -> None:
        note = self.query_one("#edit-note", Static)
        note.add_class("-error")
        note.update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)


def type_into(field: Input, event: events.Key) -> bool:
    """A printable key typed into `field` at its cursor (over its selection); False for any
    other key."""
    if not (event.is_printable and event.character):
        return False
    selection = field.selection
    if selection.is_empty:
        field.insert_text_at_cursor(event.character)
    else:
        field.replace(event.character, *selection)
    return True
