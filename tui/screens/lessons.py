"""The lesson chooser (the palette's "Lessons…"): the built-in lessons, name and title; enter
opens one, escape closes the chooser. It only chooses; the main screen checks the lesson and
opens it on its own session (a thread: the check runs the lesson headless)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.lessons.library import titles

from . import CSS


class LessonChooser(ModalScreen[str | None]):
    """Dismissed with a built-in lesson's name, or None (escape)."""

    CSS_PATH = CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="lessons-box") as box:
            box.border_title = "Lessons"
            box.border_subtitle = "enter opens · escape closes"
            yield Static("A lesson starts its own session and walks you through it. "
                         "Your current session is replaced.", id="lessons-note")
            width = max(len(name) for name, _ in titles())
            yield OptionList(*(Option(f"{name:<{width}}  {title}", id=name)
                               for name, title in titles()), id="lessons-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
