"""BackpropApp: the title, the styles, the app-wide keys (q, ctrl+c, ?, ctrl+s, ctrl+z) and the
main screen it hands everything else to. It opens the session off the UI thread and leaves
cleanly whatever happens to the terminal.

A built-in dataset's session is opened before the app starts, so its first frame shows the
numbers; a file's is opened in a thread once `Ready` says the first frame is on screen (see
`run_app`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

import core
from core import names
from core.config import defaults_notice
from core.errors import UserError

from . import commands, terminal
from .messages import OpenFailed, SessionOpened
from .options import compare_given, config_from, given_model
from .ordered import KeysInOrder
from .screens.main import MainScreen
from .stepper import RUN_EPOCHS, SYNC_WORK, Stepper, view_of

if TYPE_CHECKING:
    from core.lessons.format import Lesson
    from core.training.compare import Comparison
    from core.training.session import Session


class BackpropApp(KeysInOrder, App[None]):
    """Dataset, weights, gradients and loss of one training session, stepped by keys."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "backprop-stepper"
    BINDINGS: ClassVar[list[BindingType]] = commands.bindings(commands.APP)

    def __init__(self, session: Session | Comparison | None = None,
                 opener: Callable[[], Session | Comparison] | None = None, *,
                 sync_work: int = SYNC_WORK,
                 run_epochs: int = RUN_EPOCHS, save_to: str | None = None,
                 open_note: str = "", notice: str = "",
                 lesson: Lesson | None = None) -> None:
        """Give a ready `session` (tests, snapshots), or an `opener` that builds one after
        the first frame (the `backprop` command, so NumPy does not delay that frame)."""
        super().__init__()
        self.stepper = Stepper(session, run_epochs, sync_work, save_to)
        self.main = MainScreen(self.stepper, lesson)  # a lesson opens with the session
        self.startup_error: UserError | None = None
        self._opener = opener
        self._open_note = open_note  # shown in the status line once the session is open
        self._notice = notice  # what a dataset's defaults set: a notification once on screen
        self._leaving = False

    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        """Signals and a hung-up terminal end the app through `exit()` (see terminal.py)."""
        terminal.install_signal_handlers(self._on_signal)
        self.app_resume_signal.subscribe(self, self._redraw)
        tty = sys.__stdin__.fileno() if sys.__stdin__ is not None else -1
        if tty >= 0 and os.isatty(tty):
            gone = terminal.terminal_gone
            self.set_interval(1.0, lambda: gone(tty) and self._on_signal(signal.SIGHUP))
        loop = asyncio.get_running_loop()
        terminal.guard_output(self._driver,
                              lambda: loop.call_soon_threadsafe(self._on_signal, signal.SIGHUP))

    def on_ready(self) -> None:
        """The first frame is on screen: add the text colours, which it did not need, and
        pay (off the UI thread) for NumPy and the core. The garbage collector, paused by
        the command line for start-up, runs again."""
        gc.enable()
        self.main.add_text_styles()
        if self._notice:
            self.notify(self._notice, timeout=8)
        if self.stepper.session is None and self._opener is not None:
            self._open_in_thread(self._opener)

    # ------------------------------------------------------------------ opening

    @work(thread=True, exclusive=True, group="open")
    def _open_in_thread(self, opener: Callable[[], Session | Comparison]) -> None:
        terminal.wait_for_output(self._driver)  # let the first frame reach the terminal first
        try:
            session = opener()
        except UserError as exc:
            self.post_message(OpenFailed(exc))
            return
        self.post_message(SessionOpened(session, view_of(session)))

    def on_session_opened(self, message: SessionOpened) -> None:
        self.main.open(message.session, message.view, self._open_note)

    def on_open_failed(self, message: OpenFailed) -> None:
        """Bad options: leave, and let the CLI print `backprop: error: …` with exit 2."""
        self.startup_error = message.error
        self.exit(return_code=2)

    # ------------------------------------------------------------------ app-wide keys

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # when first asked for: not in the first frame

        view = self.main.view
        self.push_screen(HelpScreen(view.undo_depth if view is not None else None,
                                    self.stepper.run_epochs))

    def action_screenshot(self) -> None:
        """`ctrl+s`: an SVG of the screen as it is, here (works during a run, too)."""
        name = core.stamped_name("screen", datetime.now(), "svg")
        try:
            path = self.save_screenshot(filename=name, path=".")
        except OSError as exc:
            self.notify(f"cannot save the screenshot {name}: {exc.strerror or exc}",
                        title="Not saved", severity="error")
            return
        self.notify(os.path.relpath(path), title="Screenshot saved")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every key of the table, under its title."""
        for key in commands.palette():
            target = self if key.scope == commands.APP else self.main
            yield SystemCommand(commands.palette_title(key, self.stepper.run_epochs), key.help,
                                partial(self.call_later, self.run_action, key.action, target))
        yield from super().get_system_commands(screen)

    # ------------------------------------------------------------------ leaving

    def _redraw(self, _app: App) -> None:
        """Back from ctrl+z (`fg`): the terminal cleared the screen, so draw all of it."""
        self.refresh(layout=True)

    def on_unmount(self) -> None:
        terminal.remove_signal_handlers()

    def _on_signal(self, signum: int) -> None:
        if self._leaving:
            return
        self._leaving = True
        self.main.stop_workers()
        terminal.start_watchdog(self._driver, 128 + signum)
        self.exit(return_code=128 + signum)


def open_from_args(ns: argparse.Namespace) -> Session | Comparison:
    """Build the session (two runs, with --compare) the command line asks for."""
    if ns.resume:
        session, pair = core.load_runs(ns.resume)
        return pair or session
    session = core.open_session(config_from(ns))
    return core.open_compare(session, compare_given(ns.compare), ns.compare) \
        if ns.compare else session


def run_app(ns: argparse.Namespace) -> int:
    """`backprop` with no subcommand: run the stepper; bad options exit 2 with one line."""
    terminal.cap_fps(ns.fps)
    if ns.epochs is not None and ns.epochs < 1 and not ns.resume:
        raise UserError(f"--epochs sets what r runs in the stepper: at least 1 (got {ns.epochs})")
    ignored = given_model(ns) if ns.resume else []
    note = f"resumed {ns.resume}; ignored {' '.join(ignored)} (the file decides)" \
        if ignored else ""
    # A built-in dataset opens in milliseconds: before the first frame, which then shows the
    # numbers (one frame, not a placeholder and then a second). A file may be big: it opens
    # after the first frame, in a thread, with the app already on screen.
    builtin = not ns.resume and (ns.data is None or ns.data in names.DATASETS)
    session = open_from_args(ns) if builtin else None
    notice = "" if session is None or getattr(ns, "lesson_record", None) else \
        defaults_notice(config_from(ns), getattr(session, "a", session).config)
    app = BackpropApp(session, opener=partial(open_from_args, ns), save_to=ns.save_to,
                      open_note=note, notice=notice,
                      lesson=getattr(ns, "lesson_record", None),
                      run_epochs=ns.epochs if ns.epochs and not ns.resume else RUN_EPOCHS)
    app.run()
    if app.startup_error is not None:
        raise app.startup_error
    return app.return_code or 0
