"""BackpropApp: the keyboard-driven stepper. Compose, keys, and the rules of who may touch
the session when.

Data flows one way: an action changes the session, `core.view(session)` freezes what it
looks like, and `_show(view)` hands that one view to every pane, which then draws it. Panes
never read the session. Small jobs (the notebook's 100 epochs take a millisecond) run on the
UI thread and render once; big ones run in a thread worker that owns the session until it
posts `RunFinished`, and posts at most one `RunProgress` per frame meanwhile.

Start-up draws the first frame before importing NumPy and the core: the session is opened
in a thread once `Ready` says the frame is on screen (see `run_app`).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static
from textual.worker import get_current_worker

from .messages import OpenFailed, RunFinished, RunProgress, SessionOpened
from .terminal import (
    guard_output,
    install_signal_handlers,
    remove_signal_handlers,
    start_watchdog,
    wait_for_output,
)
from .widgets.dataset import DatasetPane
from .widgets.gradients import GradientsPane
from .widgets.loss import LossPane
from .widgets.pane import Pane
from .widgets.params import ParamsPane
from .widgets.status import StatusBar

if TYPE_CHECKING:
    from core.errors import UserError
    from core.session import Session
    from core.view import SessionView

RUN_EPOCHS = 100
# Work (rows × parameters × epochs) small enough to do on the UI thread without a visible
# pause; above it a thread worker runs the epochs and shows progress.
SYNC_WORK = 20_000_000
PROGRESS_HZ = 10  # progress frames per second during a threaded run
MIN_WIDTH, MIN_HEIGHT = 60, 18
WIDE_WIDTH, WIDE_HEIGHT = 120, 36  # from here: two columns, every intermediate shown


class BackpropApp(App[None]):
    """Dataset, weights, gradients and loss of one training session, stepped by keys."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "backprop-stepper"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "step", "Step", tooltip="Train one epoch: forward, loss, backprop, update"),
        Binding("space", "step", "Step", show=False),
        Binding("r", "run", "Run 100", tooltip="Train 100 epochs (r again stops a long run)"),
        Binding("escape", "stop", "Stop run"),
        Binding("n", "reset", "New seed", tooltip="Start over from new random weights"),
        Binding("R", "restart", "Restart", tooltip="Start over from the same seed and weights"),
        Binding("l", "toggle_log", "Log", tooltip="Loss chart: log or linear scale"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, session: Session | None = None,
                 opener: Callable[[], Session] | None = None,
                 sync_work: int = SYNC_WORK) -> None:
        """Give a ready `session` (tests, snapshots), or an `opener` that builds one after
        the first frame (the `backprop` command, so NumPy does not delay that frame)."""
        super().__init__()
        self.session = session
        self._opener = opener
        self.sync_work = sync_work
        self.run_epochs = RUN_EPOCHS
        self.view: SessionView | None = None
        self.running = False
        self.startup_error: UserError | None = None
        self._stop = threading.Event()
        self._leaving = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Grid(id="body"):
            # The top slot: the dataset by default; other full-width panes (the formula of a
            # phase, the network, the learned function) take turns in it at 80×24.
            with ContentSwitcher(id="top", initial="dataset"):
                yield DatasetPane(id="dataset")
            yield ParamsPane(id="params")
            yield GradientsPane(id="gradients")
            yield LossPane(id="loss")
        yield Static(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self._leave_cleanly()
        self._fit_to(self.size.width, self.size.height)
        if self.session is not None:
            self._show()

    def on_ready(self) -> None:
        """The first frame is on screen: now pay for NumPy and the core, off the UI thread."""
        if self.session is None and self._opener is not None:
            self._open_in_thread(self._opener)

    def on_resize(self, event) -> None:
        self._fit_to(event.size.width, event.size.height)

    def _fit_to(self, width: int, height: int) -> None:
        """Below the minimum size the panes would overlap; say so instead."""
        tiny = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(tiny, "-tiny")
        self.set_class(width >= WIDE_WIDTH and height >= WIDE_HEIGHT, "-wide")
        if tiny:
            self.query_one("#too-small", Static).update(
                f"Enlarge the terminal: the stepper needs at least {MIN_WIDTH}×{MIN_HEIGHT} "
                f"characters and this one is {width}×{height}.\n\nq quits.")

    # ------------------------------------------------------------------ rendering

    def _show(self, view: SessionView | None = None, progress: tuple[int, int] | None = None,
              note: str = "") -> None:
        """Freeze the session into one view (unless a worker sent one) and draw it once."""
        if view is None:
            from core import view as make_view

            assert self.session is not None
            view = make_view(self.session)
        self.view = view
        for pane in self.query(Pane):
            pane.show(view)
        self.query_one(StatusBar).show(view, progress, note)

    def show_top(self, pane_id: str) -> None:
        """Put one of the top slot's panes on screen (they all keep drawing the latest view)."""
        self.query_one("#top", ContentSwitcher).current = pane_id

    @property
    def top(self) -> str | None:
        return self.query_one("#top", ContentSwitcher).current

    def _note(self, note: str) -> None:
        """A one-line remark in the status bar (kept until the next action)."""
        self.query_one(StatusBar).show(self.view, None, note)

    # ------------------------------------------------------------------ opening

    @work(thread=True, exclusive=True, group="open")
    def _open_in_thread(self, opener: Callable[[], Session]) -> None:
        wait_for_output(self._driver)  # let the first frame reach the terminal first
        from core import UserError, view

        try:
            session = opener()
        except UserError as exc:
            self.post_message(OpenFailed(exc))
            return
        self.post_message(SessionOpened(session, view(session)))

    def on_session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        self._show(message.view)

    def on_open_failed(self, message: OpenFailed) -> None:
        """Bad options: leave, and let the CLI print `backprop: error: …` with exit 2."""
        self.startup_error = message.error
        self.exit(return_code=2)

    # ------------------------------------------------------------------ actions

    def _idle(self) -> bool:
        """True when the UI thread may touch the session: it exists and no worker has it."""
        if self.session is None:
            return False
        if self.running:
            self.bell()
            self._note_running()
            return False
        return True

    def _note_running(self) -> None:
        self.query_one(StatusBar).show(self.view, self._progress, "stop the run first")

    _progress: tuple[int, int] | None = None

    def action_step(self) -> None:
        """`s`: one epoch, the notebook's loop body once."""
        self._train(1)

    def action_run(self) -> None:
        """`r`: 100 epochs; during a threaded run, `r` again stops it."""
        if self.running:
            self.action_stop()
        else:
            self._train(self.run_epochs)

    def action_stop(self) -> None:
        if self.running:
            self._stop.set()
            self.workers.cancel_group(self, "train")

    def action_reset(self) -> None:
        """`n`: new random seed, new starting weights, epoch 0."""
        if self._idle():
            assert self.session is not None
            self.session.reset()
            self._show(note="← new seed")

    def action_restart(self) -> None:
        """`R`: the same seed and the same starting weights again, epoch 0."""
        if self._idle():
            assert self.session is not None
            self.session.restart()
            self._show(note="← restarted")

    def action_toggle_log(self) -> None:
        self.query_one(LossPane).toggle_log()

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # not needed for the first frame

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows `escape Stop run` only while a run can be stopped."""
        if action == "stop":
            return self.running
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key is also a command in the palette (ctrl+p)."""
        yield SystemCommand("Step one epoch (s)", "Forward pass, loss, backprop, update",
                            self.action_step)
        yield SystemCommand("Run 100 epochs (r)", "Train 100 epochs; r or escape stops a long "
                            "run", self.action_run)
        yield SystemCommand("New seed (n)", "Start over from new random weights",
                            self.action_reset)
        yield SystemCommand("Restart (R)", "Start over from the same seed and weights",
                            self.action_restart)
        yield SystemCommand("Toggle log scale (l)", "Loss chart: log or linear",
                            self.action_toggle_log)
        yield SystemCommand("Help (?)", "Every pane and key, and the six steps of backprop",
                            self.action_help)
        yield from super().get_system_commands(screen)

    # ------------------------------------------------------------------ training

    def _train(self, epochs: int) -> None:
        if not self._idle():
            return
        assert self.session is not None and self.view is not None
        if self.view.diverged:
            self.bell()
            self._note("press n or R to start over")
            return
        if self._work(self.view, epochs) <= self.sync_work:
            from core import UserError

            try:
                if epochs == 1:
                    self.session.step()
                else:
                    self.session.run(epochs)
            except UserError as exc:
                self._show(note=str(exc))
                return
            self._show()
        else:
            self.running = True
            self._stop.clear()
            self._progress = (0, epochs)
            self.refresh_bindings()
            self.query_one(StatusBar).show(self.view, self._progress)
            self._run_in_thread(epochs)

    @staticmethod
    def _work(view: SessionView, epochs: int) -> int:
        """Rows × parameters × epochs: a proxy for how long the epochs will take."""
        params = sum(w.size for w in view.W) + sum(b.size for b in view.b)
        return view.dataset.X.shape[0] * params * epochs

    @work(thread=True, exclusive=True, group="train")
    def _run_in_thread(self, epochs: int) -> None:
        """Run `epochs` in chunks sized to about one progress frame each, so the session is
        stopped by the user within a frame and the screen is redrawn once per frame."""
        from core import view

        worker = get_current_worker()
        session = self.session
        assert session is not None

        def cancelled() -> bool:
            return worker.is_cancelled or self._stop.is_set()

        period = 1.0 / PROGRESS_HZ
        done, chunk, posted = 0, 1, time.monotonic()
        while done < epochs and not cancelled():
            started = time.monotonic()
            result = session.run(min(chunk, epochs - done), stop=cancelled)
            done += result.epochs
            if result.diverged_at is not None or result.stopped:
                break
            took = max(time.monotonic() - started, 1e-6)
            chunk = max(1, min(chunk * 4, int(result.epochs * period / took)))
            if done < epochs and time.monotonic() - posted >= period:
                self.post_message(RunProgress(view(session), done, epochs))
                posted = time.monotonic()
        stopped = done < epochs and session.diverged_at is None
        self.post_message(RunFinished(view(session), done, epochs, stopped))

    def on_run_progress(self, message: RunProgress) -> None:
        if self.running:
            self._progress = (message.done, message.total)
            self._show(message.view, self._progress)

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        self._progress = None
        self.refresh_bindings()
        note = f"stopped after {message.done} of {message.total} epochs" \
            if message.stopped else ""
        self._show(message.view, note=note)

    # ------------------------------------------------------------------ leaving

    def _leave_cleanly(self) -> None:
        """Signals and a hung-up terminal end the app through `exit()` (see terminal.py)."""
        install_signal_handlers(self._on_signal)
        loop = asyncio.get_running_loop()
        guard_output(self._driver,
                     lambda: loop.call_soon_threadsafe(self._on_signal, signal.SIGHUP))

    def on_unmount(self) -> None:
        remove_signal_handlers()

    def _on_signal(self, signum: int) -> None:
        if self._leaving:
            return
        self._leaving = True
        self._stop.set()
        self.workers.cancel_group(self, "train")
        start_watchdog(self._driver, 128 + signum)
        self.exit(return_code=128 + signum)


def _open(ns: argparse.Namespace) -> Session:
    """Build the session the command line asks for (runs in the opener thread)."""
    from core import UserError, open_session

    from .cli import config_from

    if getattr(ns, "resume", None):
        raise UserError("--resume is not supported by the stepper yet; start without it")
    return open_session(config_from(ns))


def _cap_fps(fps: int | None) -> None:
    """`--fps N`: Textual reads its frame cap at import, so set the screen's update period
    (and the variable, for anything imported later)."""
    if fps is None:
        return
    from core.errors import UserError

    if fps < 1:
        raise UserError(f"--fps must be at least 1 (got {fps})")
    import os

    import textual.screen

    os.environ["TEXTUAL_FPS"] = str(fps)
    textual.screen.UPDATE_PERIOD = 1 / fps  # type: ignore[misc]


def run_app(ns: argparse.Namespace) -> int:
    """`backprop` with no subcommand: run the stepper; bad options exit 2 with one line."""
    _cap_fps(getattr(ns, "fps", None))
    app = BackpropApp(opener=partial(_open, ns))
    app.run()
    if app.startup_error is not None:
        raise app.startup_error
    return app.return_code or 0
