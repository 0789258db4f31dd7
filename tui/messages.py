"""Every message a worker thread posts to the UI thread.

A worker owns the session while it runs; the UI thread must not touch it. So messages carry
immutable results made by the worker (a `SessionView`, a gradient check, an error), and the
UI only ever draws them. Progress is posted at most once per frame, never once per epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from core.errors import UserError
    from core.lessons.format import Lesson
    from core.maths.gradcheck import GradCheck
    from core.present.views import SessionView
    from core.training.session import Session

    from .screens.gradcheck import GradCheckScreen


class SessionOpened(Message):
    """The session is built (core imported, data loaded) and its first view is ready."""

    def __init__(self, session: Session, view: SessionView) -> None:
        super().__init__()
        self.session, self.view = session, view


class OpenFailed(Message):
    """The options cannot make a session; the app exits and the CLI prints the message."""

    def __init__(self, error: UserError) -> None:
        super().__init__()
        self.error = error


class RunProgress(Message):
    """A long run is under way: `done` of `total` epochs, and how things look now."""

    def __init__(self, view: SessionView, done: int, total: int) -> None:
        super().__init__()
        self.view, self.done, self.total = view, done, total


class RunFinished(Message):
    """A threaded run ended: completed, stopped by the user, or diverged."""

    def __init__(self, view: SessionView, done: int, total: int, stopped: bool) -> None:
        super().__init__()
        self.view, self.done, self.total, self.stopped = view, done, total, stopped


class SessionSaved(Message):
    """A session save in a thread ended: the path written, or the one-line error."""

    def __init__(self, path: str, error: UserError | None = None) -> None:
        super().__init__()
        self.path, self.error = path, error


class CodeWritten(Message):
    """A program export in a thread ended: the path and format, or the one-line error."""

    def __init__(self, path: str, fmt: str, error: UserError | None = None) -> None:
        super().__init__()
        self.path, self.fmt, self.error = path, fmt, error


class GradChecked(Message):
    """A threaded gradient check finished: its result, for the screen that waits for it."""

    def __init__(self, screen: GradCheckScreen, check: GradCheck) -> None:
        super().__init__()
        self.screen, self.check = screen, check


class ChoiceChanged(Message):
    """A choice field of the settings form now shows another value."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__()
        self.name, self.value = name, value


class SessionBuilt(Message):
    """The settings form's thread opened a session (or the core refused the settings)."""

    def __init__(self, session: Session | None, error: UserError | None) -> None:
        super().__init__()
        self.session, self.error = session, error


class LessonReady(Message):
    """A lesson chosen in the app passed its check (or failed it: the first problem)."""

    def __init__(self, lesson: Lesson | None, error: str) -> None:
        super().__init__()
        self.lesson, self.error = lesson, error
