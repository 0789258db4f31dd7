"""The lesson chooser (the palette's "Lessons…"): the built-in lessons, name and title; enter
opens one, escape closes the chooser. It only chooses; the main screen checks the lesson and
opens it on its own session (a thread: the check runs the lesson headless).

Like the other modal screens it sits between the status line and the footer at any size,
closes once, and takes keys that arrive together (a burst over SSH) in the order typed."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.lessons.library import titles

from ..ordered import actions
from . import CSS, Frame, Modal


class LessonChooser(Modal):
    """Dismissed with a built-in lesson's name, or None (escape)."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Frame(), VerticalScroll(id="lessons-box") as box:
            box.border_title = "Lessons"
            box.border_subtitle = "↑↓ choose · enter opens · escape closes"
            yield Static("A lesson starts its own session and walks you through it. "
                         "Your current session is replaced.", id="lessons-note")
            width = max(len(name) for name, _ in titles())
            yield OptionList(*(Option(f"{name:<{width}}  {title}", id=name)
                               for name, title in titles()), id="lessons-list")

    async def take_key(self, event: events.Key) -> bool:
        """Every key in the order typed (see tui/ordered.py): the list's own keys move and
        choose, escape and q close; after a choice, nothing more."""
        if self.closing:
            return False  # keys after the choice: the usual way, to nothing
        if event.key in ("escape", "q"):
            self.action_cancel()
            return True
        options = self.query_one(OptionList)
        action = actions(options).get(event.key)
        if action is None:
            return False
        await options.run_action(action)
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
