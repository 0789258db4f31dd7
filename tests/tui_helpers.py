"""Reading a running stepper as tests need it: its session, its view, the text of its
status line and panes, and waiting for its background jobs. Kept in one place, so the next
change to the shell's structure changes only this file."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.widget import Widget

from tui.app import BackpropApp
from tui.widgets.pane import Pane
from tui.widgets.status import StatusBar
from tui.widgets.textstyles import TextStyles

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


async def wait_until(pilot, condition: Callable[[], bool], timeout: float = 30.0,
                     what: str = "the expected state") -> None:
    """Let the app run until `condition()` holds (a worker finished, a screen opened)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"the app never reached {what}")
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


# ---------------------------------------------------------------- waiting for what a test reads
# `pilot.press` returns once the app looks idle, which on a loaded machine can be before a
# key's effects have all arrived: the handler runs, then messages hop between widgets, and a
# pane that was just shown draws at its size only after the next layout pass. So a test waits
# for the very thing it reads, with a deadline.


def pane_text(pane: Pane) -> str:
    """A pane's title and what it draws at its current size."""
    size = pane.body.size
    return str(pane.border_title) + "\n" + pane.draw(size.width, size.height).plain


async def wait_text(pilot, read: Callable[[], str], *parts: str, timeout: float = 30.0) -> str:
    """Until the text `read()` gives holds every one of `parts`; that text."""
    seen = ""

    def holds() -> bool:
        nonlocal seen
        seen = read()
        return all(part in seen for part in parts)

    try:
        await wait_until(pilot, holds, timeout)
    except AssertionError:
        missing = [part for part in parts if part not in seen]
        raise AssertionError(f"never showed {missing}; the text was:\n{seen}") from None
    return seen


async def pane_shows(pilot, pane: Pane, *parts: str, timeout: float = 30.0) -> str:
    """Until the pane, drawn at its size, shows every one of `parts`; its text."""
    return await wait_text(pilot, lambda: pane_text(pane), *parts, timeout=timeout)


async def status_shows(pilot, app: BackpropApp, *parts: str, timeout: float = 30.0) -> str:
    """Until the status line shows every one of `parts`; its text."""
    return await wait_text(pilot, lambda: status_text(app), *parts, timeout=timeout)


async def screen_shows(pilot, app: BackpropApp, *parts: str, timeout: float = 30.0) -> str:
    """Until the status line and the panes together show every one of `parts`; the text."""
    return await wait_text(pilot, lambda: screen_text(app), *parts, timeout=timeout)


async def workers_done(app: BackpropApp, timeout: float = 60.0) -> None:
    """Until every worker the app started has finished."""
    try:
        await asyncio.wait_for(app.workers.wait_for_complete(), timeout)
    except TimeoutError:
        raise AssertionError(f"a worker still ran after {timeout:g} s") from None


async def mounted(pilot, app: BackpropApp, selector: str | type[Widget],
                  timeout: float = 30.0) -> Any:
    """Until a widget matching `selector` is mounted; that widget. The top slot's other
    panes (network, output, …) are mounted only when first asked for."""
    found: list[Widget] = []

    def there() -> bool:
        found[:] = [w for w in app.query(selector) if w.is_mounted]  # type: ignore[arg-type]
        return bool(found)

    await wait_until(pilot, there, timeout, f"a mounted {selector}")
    return found[0]


async def wait_screen(pilot, app: BackpropApp, kind: type[Screen] | None = None,
                      timeout: float = 30.0) -> Screen:
    """Until the screen on top is a mounted `kind` (the main screen when None); that screen.
    A pushed screen composes its widgets as it mounts, after the key that opened it."""
    def on_top() -> bool:
        screen = app.screen
        wanted = screen is app.main if kind is None else isinstance(screen, kind)
        return wanted and screen.is_mounted

    await wait_until(pilot, on_top, timeout, f"a {kind.__name__ if kind else 'main'} screen")
    return app.screen


def snapshot_of(*keys: str, until: Callable[[BackpropApp], bool] = lambda app: True
                ) -> Callable[[Any], Awaitable[None]]:
    """For `snap_compare(..., run_before=snapshot_of(...))`: once the first frame is drawn
    (the session's view, the text colours, the status line), press `keys`, then wait until
    `until(app)` holds: the snapshot is taken of the screen they lead to, not of one on the
    way there."""
    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.main.view is not None and bool(
            app.query(TextStyles)) and "Epoch" in status_text(app), what="the first frame")
        if keys:
            await pilot.press(*keys)
        await wait_until(pilot, lambda: until(app), what="the screen to snapshot")
        await pilot.pause()

    return run_before


async def footer_shows(pilot, app: BackpropApp, key: str, timeout: float = 30.0) -> None:
    """Until the footer shows `key` (the main screen's bindings say it is shown)."""
    def shown() -> bool:
        active = app.main.active_bindings.get(key)
        return active is not None and bool(active.binding.show)

    await wait_until(pilot, shown, timeout, what=f"{key} in the footer")
