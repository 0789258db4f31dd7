"""Reading a running stepper as tests need it: its session, its view, the text of its
status line and panes, and waiting for its background jobs. Kept in one place, so the next
change to the shell's structure changes only this file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.app import BackpropApp
from tui.widgets.pane import Pane
from tui.widgets.status import StatusBar

if TYPE_CHECKING:
    from core.present.views import SessionView
    from core.training.session import Session


def session_of(app: BackpropApp) -> Session:
    """The session the app trains (None before it is opened)."""
    return app.stepper.session  # type: ignore[return-value]


def view_of(app: BackpropApp) -> SessionView:
    """The view the panes drew last."""
    return app.main.view  # type: ignore[return-value]


def status_text(app: BackpropApp) -> str:
    return app.main.query_one(StatusBar).render().plain


def screen_text(app: BackpropApp) -> str:
    """What the status line and every pane draw at their current size."""
    parts = [status_text(app)]
    for pane in app.main.query(Pane):
        size = pane.body.size
        parts.append(str(pane.border_title))
        parts.append(pane.draw(size.width, size.height).plain)
    return "\n".join(parts)


async def wait_until(pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds (a worker finished, a screen opened)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app never reached the expected state")
        await pilot.pause(0.01)


class NotifyingApp(BackpropApp):
    """The app, keeping the text of every notification it shows (title and message), so a
    test can read what a user was told without reaching into Textual's toasts."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.notes: list[str] = []

    def notify(self, message: str, *, title: str = "", **kw) -> None:  # type: ignore[override]
        self.notes.append(f"{title}: {message}" if title else message)
        super().notify(message, title=title, **kw)
