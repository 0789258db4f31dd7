"""The lesson pane: a lesson's step on the live numbers, the answer being typed, the verdict
and its worked computation, the score at the end; and, always on its last line, what the
learner does next (`space: next`, `press s`, or `answer: type a number, enter`).

It draws a `tui.lesson.Page` and nothing else: the text, values and worked answers are the
core's (core/lessons), filled in by the lesson on the main screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import wrap
from ..lesson import answer_text
from .pane import Pane

if TYPE_CHECKING:
    from core.present.views import SessionView

    from ..lesson import Page

CURSOR = "▏"
WORKED_INDENT = 2
# Rows the rest of the screen keeps (status line, footer, this pane's border and the panes
# below it, which still show a few numbers); and the most lines a step takes on any screen.
ROOM = 12
MAX_LINES = 18


class LessonPane(Pane):
    """One lesson step: what to read, what to answer, and what to do next."""

    TITLE = "Lesson"
    PLACEHOLDER = "opening the lesson…"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.page: Page | None = None
        self.border_subtitle = "esc leaves the lesson"

    def show_page(self, page: Page) -> None:
        """A new page (after a key, or after the session changed): title, one redraw."""
        self.page = page
        self.set_title(f"Lesson: {page.title}")
        if self.view is not None:
            self.show(self.view)

    def wanted_height(self, width: int, screen_height: int) -> int:
        """As tall as the step needs, leaving the panes below at least ROOM rows."""
        if self.page is None:
            return 1
        # The grid measures a spanning cell at one column's width; this pane always spans
        # the screen, so measure at the screen's width (less the border).
        width = max(width, self.screen.size.width - 2)
        cap = max(min(screen_height - ROOM, MAX_LINES), 3)
        return min(len(self._all_lines(width)), cap)

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        """Every line if they fit; else the step's text is cut (with `…`), never the verdict,
        the score or the last line, which says what to do next."""
        lines = self._all_lines(width)
        if len(lines) <= height or self.page is None:
            return lines
        tail = self._tail(width)
        room = max(height - len(tail) - 1, 0)
        cut = Text(" …", style=self.style("dim"))
        return [*lines[:room], cut, *tail][-height:]

    def _all_lines(self, width: int) -> list[Text]:
        page = self.page
        if page is None:
            return [Text(" " + self.PLACEHOLDER, style=self.style("dim"))]
        out = [Text(" " + line) for line in _paragraphs(page.say, width - 2)]
        return out + self._tail(width)

    def _tail(self, width: int) -> list[Text]:
        """What follows the step's text: the answer, the verdict, the score, the next move."""
        page = self.page
        assert page is not None
        out: list[Text] = []
        if page.typed is not None:
            out.append(Text(""))
            line = Text(" your answer: ", style=self.style("label"))
            line.append(page.typed + CURSOR, style=self.style("value"))
            out.append(line)
        elif page.waiting:
            out.append(Text(""))
            out.append(Text(" checking your answer after the step…", style=self.style("dim")))
        if page.answer is not None:
            verdict, worked = answer_text(page.answer)
            out.append(Text(""))
            out.append(Text(" " + verdict, style=self.style("good" if page.answer.right
                                                           else "bad")))
            for line in wrap(worked, width - 1 - WORKED_INDENT):
                out.append(Text(" " * (1 + WORKED_INDENT) + line))
        if page.score is not None:
            out.append(Text(""))
            out.append(Text(" " + page.score, style=self.style("head")))
        out.append(Text(" " + page.next, style=self.style("mark")))
        return out


def _paragraphs(text: str, width: int) -> list[str]:
    """A say text wrapped to `width`, its line breaks kept (a blank line stays blank)."""
    out: list[str] = []
    for para in text.strip("\n").split("\n"):
        out += wrap(para, width) or [""]
    return out
