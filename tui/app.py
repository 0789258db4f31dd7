"""BackpropApp: the title, the styles, the app-wide keys (q, ctrl+c, ?, ctrl+s, ctrl+z) and the
main screen it hands everything else to. It opens the session off the UI thread and leaves
cleanly whatever happens to the terminal.

Start-up draws the first frame before importing NumPy and the core: the session is opened
in a thread once `Ready` says the frame is on screen (see `run_app`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
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
from core.errors import UserError

from . import commands
from .messages import OpenFailed, SessionOpened
from .options import config_from, given_model
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .stepper import RUN_EPOCHS, SYNC_WORK, Stepper
from .terminal import (
    guard_output,
    install_signal_handlers,
    remove_signal_handlers,
    start_watchdog,
    wait_for_output,
)

if TYPE_CHECKING:
    from core.session import Session

# Screen updates per second unless --fps or TEXTUAL_FPS says otherwise. A frame of changes
# is ~4 KB at 80×24 (bench/bandwidth.py): holding `s` down writes ~110 KB/s at 30 fps and
# ~60 KB/s at 15, so over SSH the cap is halved; locally 30 keeps it smooth.
DEFAULT_FPS, SSH_FPS = 30, 15


class BackpropApp(App[None]):
    """Dataset, weights, gradients and loss of one training session, stepped by keys."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "backprop-stepper"
    BINDINGS: ClassVar[list[BindingType]] = commands.bindings(commands.APP)

    def __init__(self, session: Session | None = None,
                 opener: Callable[[], Session] | None = None, *, sync_work: int = SYNC_WORK,
                 run_epochs: int = RUN_EPOCHS, save_to: str | None = None,
                 open_note: str = "") -> None:
        """Give a ready `session` (tests, snapshots), or an `opener` that builds one after
        the first frame (the `backprop` command, so NumPy does not delay that frame)."""
        super().__init__()
        self.stepper = Stepper(session, run_epochs, sync_work, save_to)
        self.main = MainScreen(self.stepper)
        self.startup_error: UserError | None = None
        self._opener = opener
        self._open_note = open_note  # shown in the status line once the session is open
        self._leaving = False

    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        """Signals and a hung-up terminal end the app through `exit()` (see terminal.py)."""
        install_signal_handlers(self._on_signal)
        self.app_resume_signal.subscribe(self, self._redraw)
        loop = asyncio.get_running_loop()
        guard_output(self._driver,
                     lambda: loop.call_soon_threadsafe(self._on_signal, signal.SIGHUP))

    def on_ready(self) -> None:
        """The first frame is on screen: add the text colours, which it did not need, and
        pay (off the UI thread) for NumPy and the core."""
        self.main.add_text_styles()
        if self.stepper.session is None and self._opener is not None:
            self._open_in_thread(self._opener)

    # ------------------------------------------------------------------ opening

    @work(thread=True, exclusive=True, group="open")
    def _open_in_thread(self, opener: Callable[[], Session]) -> None:
        wait_for_output(self._driver)  # let the first frame reach the terminal first
        try:
            session = opener()
        except UserError as exc:
            self.post_message(OpenFailed(exc))
            return
        self.post_message(SessionOpened(session, core.view(session)))

    def on_session_opened(self, message: SessionOpened) -> None:
        self.main.open(message.session, message.view, self._open_note)

    def on_open_failed(self, message: OpenFailed) -> None:
        """Bad options: leave, and let the CLI print `backprop: error: …` with exit 2."""
        self.startup_error = message.error
        self.exit(return_code=2)

    # ------------------------------------------------------------------ app-wide keys

    def action_help(self) -> None:
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
        remove_signal_handlers()

    def _on_signal(self, signum: int) -> None:
        if self._leaving:
            return
        self._leaving = True
        self.main.stop_workers()
        start_watchdog(self._driver, 128 + signum)
        self.exit(return_code=128 + signum)


def open_from_args(ns: argparse.Namespace) -> Session:
    """Build the session the command line asks for (runs in the opener thread)."""
    if ns.resume:
        return core.open_resumed(ns.resume)
    return core.open_session(config_from(ns))


def _cap_fps(fps: int | None) -> None:
    """`--fps N`, else `TEXTUAL_FPS` if set, else DEFAULT_FPS (see the README's bandwidth
    figures). Textual reads its frame cap at import, so set the screen's update period (and
    the variable, for anything imported later)."""
    if fps is None:
        if os.environ.get("TEXTUAL_FPS"):
            return
        fps = default_fps()
    if fps < 1:
        raise UserError(f"--fps must be at least 1 (got {fps})")
    import textual.screen

    os.environ["TEXTUAL_FPS"] = str(fps)
    textual.screen.UPDATE_PERIOD = 1 / fps  # type: ignore[misc]


def default_fps(env: dict[str, str] | os._Environ = os.environ) -> int:
    """SSH sets SSH_CONNECTION (and SSH_TTY for a terminal) in the session it starts."""
    return SSH_FPS if env.get("SSH_CONNECTION") or env.get("SSH_TTY") else DEFAULT_FPS


def run_app(ns: argparse.Namespace) -> int:
    """`backprop` with no subcommand: run the stepper; bad options exit 2 with one line."""
    _cap_fps(ns.fps)
    if ns.epochs is not None and ns.epochs < 1 and not ns.resume:
        raise UserError(f"--epochs sets what r runs in the stepper: at least 1 (got {ns.epochs})")
    ignored = given_model(ns) if ns.resume else []
    note = f"resumed {ns.resume}; ignored {' '.join(ignored)} (the file decides)" \
        if ignored else ""
    app = BackpropApp(opener=partial(open_from_args, ns), save_to=ns.save_to, open_note=note,
                      run_epochs=ns.epochs if ns.epochs and not ns.resume else RUN_EPOCHS)
    app.run()
    if app.startup_error is not None:
        raise app.startup_error
    return app.return_code or 0
