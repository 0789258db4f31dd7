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
import os
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

from .messages import OpenFailed, RunFinished, RunProgress, SessionOpened, SessionSaved
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
from .widgets.textstyles import TextStyles

if TYPE_CHECKING:
    from textual.timer import Timer

    from core.errors import UserError
    from core.session import Session
    from core.view import SessionView

    from .phasewalk import PhaseWalk
    from .screens.gradcheck import GradChecked, GradCheckScreen
    from .widgets.formula import FormulaPane
    from .widgets.network import NetworkPane

RUN_EPOCHS = 100
# Screen updates per second unless --fps or TEXTUAL_FPS says otherwise. A frame of changes
# is ~4 KB at 80×24 (bench/bandwidth.py): holding `s` down writes ~85 KB/s at 30 fps and
# ~50 KB/s at 15, so over SSH the cap is halved; locally 30 keeps it smooth.
DEFAULT_FPS, SSH_FPS = 30, 15
SAVE_SYNC_EPOCHS = 20_000  # a longer history is saved in a thread (1M epochs: ~3 s)
# Work (rows × parameters × epochs) small enough to do on the UI thread without a visible
# pause; above it a thread worker runs the epochs and shows progress.
SYNC_WORK = 20_000_000
# Progress frames per second during a threaded run. Each costs the worker a view of the
# session (15 ms on 100,000 rows) and the UI a frame; at 10 a key pressed during a big run
# waited behind them (bench/latency.py: `l` p90 ~100 ms) and the run went 40% slower.
PROGRESS_HZ = 5
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
        Binding("f", "next_phase", "Phase", show=False,
                tooltip="Walk one update phase by phase: forward, loss, gradients, update"),
        Binding("b", "back", "Back", show=False,
                tooltip="Step back: one phase while walking, else one epoch (or an lr change)"),
        Binding("j", "row(1)", "Next row", show=False, tooltip="Phase walk: the next row"),
        Binding("k", "row(-1)", "Previous row", show=False,
                tooltip="Phase walk: the previous row"),
        Binding("escape", "leave", "Leave walk", show=False,
                tooltip="Leave the phase walk, or pause"),
        Binding("p", "play", "Play", show=False, tooltip="Play epochs continuously, or pause"),
        Binding("plus,right_square_bracket", "speed(1)", "Faster", show=False,
                tooltip="More epochs per frame while playing"),
        Binding("minus,left_square_bracket", "speed(-1)", "Slower", show=False,
                tooltip="Fewer epochs per frame while playing"),
        Binding("less_than_sign", "lr(0.5)", "Halve lr", show=False,
                tooltip="Halve the learning rate, live"),
        Binding("greater_than_sign", "lr(2)", "Double lr", show=False,
                tooltip="Double the learning rate, live"),
        Binding("g", "gradcheck", "Gradient check", show=False,
                tooltip="Check backprop's gradients against finite differences"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("c", "settings", "Settings", show=False,
                tooltip="Change the data, the network and the optimiser"),
        Binding("v", "cycle_top", "View", show=False,
                tooltip="Top pane: dataset → network → output"),
        Binding("up", "pick(0, -1)", "Previous weight", show=False),
        Binding("down", "pick(0, 1)", "Next weight", show=False),
        Binding("left", "pick(-1, 0)", "Layer before", show=False),
        Binding("right", "pick(1, 0)", "Layer after", show=False),
        Binding("e", "edit", "Edit weight", show=False,
                tooltip="Network pane: set the selected weight or bias"),
        Binding("q", "quit", "Quit"),
        Binding("w", "save_session", "Save", show=False,
                tooltip="Write the session to a file that backprop --resume reopens"),
        Binding("x", "export", "Export", show=False,
                tooltip="Write the weights (JSON) and the loss history (CSV) here"),
        Binding("ctrl+s", "screenshot", "Screenshot", show=False,
                tooltip="Save an SVG screenshot here"),
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
        """What the first frame shows, and no more: TextStyles joins on Ready, the formula,
        network and output panes when first shown (`_add_top_panes`)."""
        yield StatusBar(id="status")
        with Grid(id="body"):
            # The top slot: the dataset by default; other full-width panes (the formula of a
            # phase, the network, the learned function) take turns in it at 80×24.
            with ContentSwitcher(id="top", initial="dataset"):
                yield DatasetPane(id="dataset")
            yield ParamsPane(id="params")
            yield GradientsPane(id="gradients")
            yield LossPane(id="loss")
        yield Footer()

    def on_mount(self) -> None:
        self._leave_cleanly()
        self._fit_to(self.size.width, self.size.height)
        if self.session is not None:
            self._add_text_styles()
            self._show()

    def on_ready(self) -> None:
        """The first frame is on screen: add the text colours, which it did not need, and
        pay (off the UI thread) for NumPy and the core."""
        self._add_text_styles()
        if self.session is None and self._opener is not None:
            self._open_in_thread(self._opener)

    def _add_text_styles(self) -> None:
        """Mount TextStyles, once. On Ready its layout pass coincides with the repaint
        Textual makes after every first frame; mounted later, with the numbers, it cost a
        whole-screen repaint of its own (7 KB)."""
        main = self.screen_stack[0]  # the panes' screen, even under a modal one
        if not main.is_attached or main.query(TextStyles):
            return  # the app is leaving, or done already
        main.mount(TextStyles())

    def _add_top_panes(self) -> None:
        """Mount, once, the top slot's other panes, when one is first asked for (v, f):
        most sessions never show them, and the first frame never does."""
        switcher = self.query_one("#top", ContentSwitcher)
        if len(switcher.children) > 1:
            return
        from .widgets.formula import FormulaPane
        from .widgets.network import NetworkPane
        from .widgets.output import OutputPane

        panes = [FormulaPane(id="formula"), NetworkPane(id="network"), OutputPane(id="output")]
        for pane in panes:
            pane.display = False
            pane.view = self.view
        switcher.mount_all(panes)

    def on_resize(self, event) -> None:
        self._fit_to(event.size.width, event.size.height)

    def _fit_to(self, width: int, height: int) -> None:
        """Below the minimum size the panes would overlap; say so instead."""
        tiny = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(tiny, "-tiny")
        self.set_class(width >= WIDE_WIDTH and height >= WIDE_HEIGHT, "-wide")
        if tiny:
            if not self.query("#too-small"):
                self.screen_stack[0].mount(Static(id="too-small"), before=self.query_one(Footer))
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
        self._walk_sync(view)

    def show_top(self, pane_id: str) -> None:
        """Put one of the top slot's panes on screen (they all keep drawing the latest view)."""
        self._add_top_panes()
        self.query_one("#top", ContentSwitcher).current = pane_id

    @property
    def formula_pane(self) -> FormulaPane:
        return self.query_one("#formula")  # type: ignore[return-value]

    @property
    def network_pane(self) -> NetworkPane:
        return self.query_one("#network")  # type: ignore[return-value]

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
        self._add_text_styles()  # done on Ready; the numbers' colours are in TextStyles
        self.session = message.session
        self._show(message.view, note=self.open_note)

    def on_open_failed(self, message: OpenFailed) -> None:
        """Bad options: leave, and let the CLI print `backprop: error: …` with exit 2."""
        self.startup_error = message.error
        self.exit(return_code=2)

    # ------------------------------------------------------------------ actions

    def _idle(self) -> bool:
        """True when the UI thread may touch the session: it exists and no worker has it."""
        if self.session is None:
            return False
        if self._saving:
            self.bell()
            self._note("wait: the session is being saved")
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
        """Ask the run to stop; it ends within a chunk and posts RunFinished. The worker is
        not cancelled: a thread worker cancelled before it starts never runs, and then
        nothing would ever post RunFinished and the app would stay `running`."""
        if self.running:
            self._stop.set()

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

    # Every key is also a command in the palette (ctrl+p): (title, help, action, arguments).
    PALETTE: ClassVar[tuple[tuple[str, str, str, tuple], ...]] = (
        ("Step one epoch (s)", "Forward pass, loss, backprop, update", "step", ()),
        ("Run 100 epochs (r)", "Train 100 epochs; r or escape stops a long run", "run", ()),
        ("New seed (n)", "Start over from new random weights", "reset", ()),
        ("Restart (R)", "Start over from the same seed and weights", "restart", ()),
        ("Toggle log scale (l)", "Loss chart: log or linear", "toggle_log", ()),
        ("Help (?)", "Every pane and key, and the six steps of backprop", "help", ()),
        ("Save the session (w)", "A file that backprop --resume reopens", "save_session", ()),
        ("Export weights and loss history (x)",
         "weights JSON (the --weights schema) and a CSV, in this folder", "export", ()),
        ("Screenshot (ctrl+s)", "An SVG of the screen, in this folder", "screenshot", ()),
        ("Next phase (f)", "Walk one update: forward, loss, output and hidden gradients, "
         "update", "next_phase", ()),
        ("Step back (b)", "One phase while walking, else one epoch or an lr change", "back",
         ()),
        ("Play / pause (p)", "Epochs continuously; +/- speed", "play", ()),
        ("Faster (+ or ])", "More epochs per frame while playing", "speed", (1,)),
        ("Slower (- or [)", "Fewer epochs per frame while playing", "speed", (-1,)),
        ("Halve the learning rate (<)", "Live: the next update uses it", "lr", (0.5,)),
        ("Double the learning rate (>)", "Live: the next update uses it", "lr", (2,)),
        ("Gradient check (g)", "Backprop's gradients vs finite differences", "gradcheck", ()),
        ("Settings (c)", "Data, network, loss, optimiser, seed, test share", "settings", ()),
        ("Cycle the top pane (v)", "Dataset → network → learned output", "cycle_top", ()),
        ("Edit the selected weight (e)", "Network pane: arrows pick one", "edit", ()),
    )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for title, help_text, action, args in self.PALETTE:
            yield SystemCommand(title, help_text, partial(getattr(self, f"action_{action}"),
                                                          *args))
        yield from super().get_system_commands(screen)

    # ---------- phase stepping, stepping back, play (issue 4)

    walk: PhaseWalk | None = None  # the phase walk in progress (`f`)
    _walk_return: str = "dataset"  # the top pane to put back when the walk ends
    # Play: epochs per frame, and frames per second. At 80×24 one frame of the notebook
    # writes about 4.7 KB, so 8 frames/s send about 38 KB/s, under 64 KB/s on an SSH link
    # (tests/test_tui_undo_play.py measures it on the real command in a pty).
    PLAY_SPEEDS: ClassVar[tuple[int, ...]] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
    play_fps: float = 8.0
    play_speed = 0  # index into PLAY_SPEEDS
    playing = False
    _play_timer: Timer | None = None
    _lr_pending = 1.0  # `<`/`>` pressed while a frame's epochs run in a thread

    def action_next_phase(self) -> None:
        """`f`: the next phase of the update being walked; the first `f` starts a walk at
        its forward pass. The parameters change only when the walk enters the update."""
        from .phasewalk import PhaseWalk

        self._pause()
        if not self._can_train("diverged: b steps back, n or R start over"):
            return
        assert self.session is not None
        if self.walk is None:
            walk = PhaseWalk.start(self.session)
            if walk is None:
                self.bell()
                return
            self.walk = walk
            self._walk_return = self.top if self.top not in (None, "formula") else "dataset"
            self.show_top("formula")
            self._show()
            return
        if self.walk.forward(self.session):
            self._end_walk()
            self._show(note="the update diverged: b steps back")
            return
        self._show()

    def action_back(self) -> None:
        """`b`: one phase back while walking; else undo the last epoch (or an lr change),
        restoring parameters, optimiser state, history and RNG bit for bit."""
        from .fmt import short

        self._pause()
        if not self._idle():
            return
        session = self.session
        assert session is not None
        if self.walk is not None:
            if self.walk.back(session):
                self._show()
            else:
                self._end_walk()
                self._show(note="← left the phase walk")
            return
        lr = session.lr
        if not session.undo():
            self.bell()
            self._note("nothing older is kept" if session.epoch else "at the start already")
            return
        if session.lr != lr:
            self._show(note=f"← lr back to {short(session.lr, 6)}")
        else:
            batch = f", batch {session.batch}/{session.batches}" if session.batch else ""
            self._show(note=f"← back to epoch {session.epoch}{batch}")

    def action_row(self, step: int) -> None:
        """`j`/`k`: follow another row of the batch through the phases."""
        if self.walk is None:
            self.bell()
            self._note("j/k pick a row during a phase walk: press f")
            return
        self.walk.select(step)
        self.formula_pane.show_walk(self.walk)

    def action_leave(self) -> None:
        """escape (when no run is going): leave the phase walk, or pause."""
        if self.walk is not None:
            self._end_walk()
            self._show(note="← left the phase walk")
        elif self._pause():
            self._show(note="paused")

    def _end_walk(self) -> None:
        """The walk is over (left, or something else moved the session): put back the pane
        it replaced. An uncommitted update is simply dropped: it never happened."""
        if self.walk is None:
            return
        self.walk = None
        self.formula_pane.show_walk(None)
        if self.top == "formula":
            self.show_top(self._walk_return)
        self.query_one(StatusBar).walking = None

    def _walk_sync(self, view: SessionView) -> None:
        """After every redraw: mark what the phase reads and writes, show the update being
        walked in the formula and gradients panes; end the walk if something else moved
        the session, and take the update again if an edit or lr change altered it."""
        from dataclasses import replace

        from .phasewalk import marks_for

        walk = self.walk
        if walk is not None and (self.running or not walk.in_sync(view) or (
                walk.stale(view) and not walk.refresh(self.session))):
            self._end_walk()
            walk = None
        phase = walk.phase if walk is not None else None
        for pane in self.query(Pane):
            pane.set_marks(marks_for(pane.id, phase))
        if walk is None:
            return
        if view.last is not walk.record and walk.phase.step >= 3:
            # backprop has begun: the gradients pane shows the update being walked (before
            # that it keeps the last update's, so nothing appears before it is computed)
            self.query_one(GradientsPane).show(replace(view, last=walk.record))
        self.formula_pane.show_walk(walk)
        rec = walk.record
        status = self.query_one(StatusBar)
        status.walking = (rec.epoch, rec.batch) if rec.batches > 1 else None
        status.refresh(layout=status._lines() != status.size.height)

    def action_play(self) -> None:
        """`p`: play epochs continuously, `speed` epochs per frame, or pause."""
        if self._pause():
            self._show(note="paused")
            return
        if not self._can_train("diverged: b steps back, n or R start over"):
            return
        self._end_walk()
        self.playing = True
        self._stop.clear()
        self._play_timer = self.set_interval(1 / self.play_fps, self._play_tick)
        self._show_speed()

    def _play_tick(self) -> None:
        """One frame of play: `speed` epochs, then one redraw (a big network runs them in
        a thread, and this skips frames until it is done)."""
        if not self.playing or self.running:
            return
        assert self.view is not None
        if self._stop.is_set():  # escape or r stopped a threaded frame
            self._pause()
            self._show(note="paused")
            return
        if self._lr_pending != 1.0:
            factor, self._lr_pending = self._lr_pending, 1.0
            self.action_lr(factor)
        self._train(self.PLAY_SPEEDS[self.play_speed])
        if self.view.diverged:
            self._pause()
            self._show(note="stopped playing: training diverged")

    def _pause(self) -> bool:
        """Stop playing; True if it was playing. A frame running in a thread stops too."""
        if not self.playing:
            return False
        self.playing = False
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
        self.action_stop()
        self.query_one(StatusBar).playing = ""
        return True

    def action_speed(self, step: int) -> None:
        """`+`/`]` and `-`/`[`: more or fewer epochs per frame (1, 2, 5, 10, … 1000)."""
        self.play_speed = min(max(self.play_speed + step, 0), len(self.PLAY_SPEEDS) - 1)
        self._show_speed()

    def _show_speed(self) -> None:
        n = self.PLAY_SPEEDS[self.play_speed]
        text = f"{n} epoch{'s' if n > 1 else ''} per frame, {self.play_fps:g} frames/s " \
               "(+/- speed, </> lr, p pauses)"
        status = self.query_one(StatusBar)
        status.playing = text if self.playing else ""
        status.show(self.view, self._progress, "" if self.playing else
                    f"play speed: {n} epoch{'s' if n > 1 else ''} per frame (p plays)")

    def action_lr(self, factor: float) -> None:
        """`<`/`>`: halve or double the learning rate, live: the next update uses it, and
        b takes it back."""
        from core import UserError

        from .fmt import short

        if self.session is None:
            return
        if self.running and self.playing:
            self._lr_pending *= factor  # applied before the next frame
            return
        if not self._idle():
            return
        old = self.session.lr
        try:
            self.session.set_lr(old * factor)
        except UserError as exc:
            self.bell()
            self._note(str(exc))
            return
        self._show(note=f"lr {short(old, 6)} → {short(self.session.lr, 6)}")

    def action_gradcheck(self) -> None:
        """`g`: finite differences against backprop at the current parameters, on a modal
        screen. A big network is checked in a thread (nothing else may change it then)."""
        from core import check_session

        from .screens.gradcheck import GradCheckScreen

        self._pause()
        if not self._idle():
            return
        assert self.session is not None and self.view is not None
        params = sum(w.size for w in self.view.W) + sum(b.size for b in self.view.b)
        epoch = self.view.epoch
        if params * self._work(self.view, 4) <= self.sync_work:
            self.push_screen(GradCheckScreen(check_session(self.session), epoch, params))
            return
        screen = GradCheckScreen(None, epoch, params)
        self.push_screen(screen)
        self.running = True
        self._check_in_thread(screen)

    @work(thread=True, exclusive=True, group="gradcheck")
    def _check_in_thread(self, screen: GradCheckScreen) -> None:
        from core import check_session

        from .screens.gradcheck import GradChecked

        assert self.session is not None
        self.post_message(GradChecked(screen, check_session(self.session)))

    def on_grad_checked(self, message: GradChecked) -> None:
        self.running = False
        self.refresh_bindings()
        message.screen.show_result(message.check)

    # ------------------------------------------------------------------ training

    def _can_train(self, diverged_note: str) -> bool:
        """Idle and not diverged; otherwise ring the bell and say what to do instead."""
        if not self._idle():
            return False
        assert self.view is not None
        if self.view.diverged:
            self.bell()
            self._note(diverged_note)
            return False
        return True

    def _train(self, epochs: int) -> None:
        if not self._can_train("press n or R to start over"):
            return
        assert self.session is not None and self.view is not None
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

    # ---------- files: save, export, screenshot (issue 6)

    save_to: str | None = None  # `--save-to`; None: a stamped name in the current folder
    open_note: str = ""  # shown in the status line once the session is open
    _saving = False  # a thread is writing the session: nothing may change it meanwhile

    def action_save_session(self) -> None:
        """`w`: write the session (`--save-to`, or a stamped name here). A long history is
        written in a thread that owns the session until it is done."""
        if not self._ready_to_write("w"):
            return
        from datetime import datetime

        from core import default_session_name

        assert self.session is not None
        path = self.save_to or default_session_name(datetime.now())
        if len(self.session.history) <= SAVE_SYNC_EPOCHS:
            self._saved(path, _write_session(self.session, path))
            return
        self._saving = True
        self._note(f"saving {len(self.session.history)} epochs to {path}…")
        self._save_in_thread(self.session, path)

    @work(thread=True, group="save")
    def _save_in_thread(self, session: Session, path: str) -> None:
        self.post_message(SessionSaved(path, _write_session(session, path)))

    def on_session_saved(self, message: SessionSaved) -> None:
        self._saving = False
        self._note("")
        self._saved(message.path, message.error)

    def _saved(self, path: str, error: UserError | None) -> None:
        if error is not None:
            self._file_error(error)
        else:
            self.notify(f"Session saved to {path}\nreopen it with: backprop --resume {path}",
                        title="Saved")

    def action_export(self) -> None:
        """`x`: the weights in the `--weights` schema and the loss history as CSV, here."""
        if not self._ready_to_write("x"):
            return
        from datetime import datetime

        from core import UserError, export

        assert self.session is not None
        try:
            paths = export(self.session, ".", datetime.now())
        except UserError as exc:
            self._file_error(exc)
            return
        self.notify("\n".join(os.path.relpath(p) for p in paths), title="Exported")

    def action_screenshot(self) -> None:
        """`ctrl+s`: an SVG of the screen as it is, here (works during a run, too)."""
        from datetime import datetime

        from core.io import stamped_name

        name = stamped_name("screen", datetime.now(), "svg")
        try:
            path = self.save_screenshot(filename=name, path=".")
        except OSError as exc:
            self.notify(f"cannot save the screenshot {name}: {exc.strerror or exc}",
                        title="Not saved", severity="error")
            return
        self.notify(os.path.relpath(path), title="Screenshot saved")

    def _ready_to_write(self, key: str) -> bool:
        """Files are written from a session nobody else is changing: never during a run."""
        if self.running:
            self.notify(f"A run is going: stop it (escape), then press {key} again.",
                        title="Not saved", severity="warning")
        return self._idle()

    def _file_error(self, exc: UserError) -> None:
        self.bell()
        self.notify(str(exc), title="Not saved", severity="error", timeout=8)

    # ---------- explore: settings, network, output (issue 5)

    TOP_CYCLE = ("dataset", "network", "output")

    def action_cycle_top(self) -> None:
        """`v`: the top slot shows the dataset, the network, then the learned output."""
        current = self.top if self.top in self.TOP_CYCLE else self.TOP_CYCLE[-1]
        self.show_top(self.TOP_CYCLE[(self.TOP_CYCLE.index(current) + 1) % 3])

    def action_pick(self, d_layer: int, d_item: int) -> None:
        """Arrows, while the network pane shows: select a weight or bias."""
        if self.top == "network" and self.screen is self.screen_stack[0]:
            self.network_pane.move(d_layer, d_item)

    def action_edit(self) -> None:
        """`e`: type a new value for the selected weight; `b` undoes the edit."""
        if self.top != "network" or self.view is None:
            self.bell()
            self._note("e edits the weight picked in the network pane: press v to show it")
            return
        from .screens.settings import EditValueScreen

        pane = self.network_pane
        sel = pane.clamp(self.view)
        self.push_screen(EditValueScreen(sel.name, pane.value(self.view, sel),
                                         partial(self._set_param, sel)))

    def _set_param(self, sel, value: float) -> str | None:
        """Apply an edit from the editor; a refusal is returned for the editor to show."""
        if not self._idle():
            return "training is running: escape, stop it (r or escape), then edit again"
        from core import UserError

        assert self.session is not None
        try:
            self.session.set_param(sel.layer, sel.kind, sel.i, sel.j, value)
        except UserError as exc:
            return str(exc)
        self._show(note=f"← {sel.name} = {value:g} (b undoes)")
        return None

    def action_settings(self) -> None:
        """`c`: the settings form, filled in from this session."""
        from .screens.settings import SettingsScreen

        if self.session is None or self.view is None or \
                isinstance(self.screen, SettingsScreen):
            return
        self._pause()
        self.push_screen(SettingsScreen(self.session.config, self.view.lr, self._set_lr,
                                        self._use_session))

    def _set_lr(self, lr: float) -> str | None:
        """A learning-rate-only change: live, on the same session (undoable with `b`)."""
        if not self._idle():
            return "training is running: escape, stop it (r or escape), then apply again"
        from core import UserError

        assert self.session is not None
        try:
            self.session.set_lr(lr)
        except UserError as exc:
            return str(exc)
        self._show(note=f"← lr {lr:g}")
        return None

    def _use_session(self, session: Session) -> str | None:
        """Swap in the session the settings form opened, unless a run owns the old one."""
        if not self._idle():
            return "training is running: escape, stop it (r or escape), then apply again"
        self.session = session
        self._show(note="← applied")
        return None

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


def _write_session(session: Session, path: str) -> UserError | None:
    """`save_session`, with a user's error returned rather than raised (for a thread)."""
    from core import UserError, save_session

    try:
        save_session(session, path)
    except UserError as exc:
        return exc
    return None


def _open(ns: argparse.Namespace) -> Session:
    """Build the session the command line asks for (runs in the opener thread)."""
    from core import open_resumed, open_session

    from .cli import config_from

    if getattr(ns, "resume", None):
        return open_resumed(ns.resume)
    return open_session(config_from(ns))


def _ignored_by_resume(ns: argparse.Namespace) -> list[str]:
    """The model options given beside `--resume`: the file decides the model, so they are
    ignored, and the status line says so."""
    if not getattr(ns, "resume", None):
        return []
    from .cli import model_options

    probe = argparse.ArgumentParser(add_help=False)
    model_options(probe)
    return [a.option_strings[0] for a in probe._actions
            if getattr(ns, a.dest, None) is not None]


def _cap_fps(fps: int | None) -> None:
    """`--fps N`, else `TEXTUAL_FPS` if set, else DEFAULT_FPS (see the README's bandwidth
    figures). Textual reads its frame cap at import, so set the screen's update period (and
    the variable, for anything imported later)."""
    if fps is None:
        if os.environ.get("TEXTUAL_FPS"):
            return
        fps = default_fps()
    if fps < 1:
        from core.errors import UserError  # importing the core costs NumPy: only on error

        raise UserError(f"--fps must be at least 1 (got {fps})")
    import textual.screen

    os.environ["TEXTUAL_FPS"] = str(fps)
    textual.screen.UPDATE_PERIOD = 1 / fps  # type: ignore[misc]


def default_fps(env: dict[str, str] | os._Environ = os.environ) -> int:
    """SSH sets SSH_CONNECTION (and SSH_TTY for a terminal) in the session it starts."""
    return SSH_FPS if env.get("SSH_CONNECTION") or env.get("SSH_TTY") else DEFAULT_FPS


def run_app(ns: argparse.Namespace) -> int:
    """`backprop` with no subcommand: run the stepper; bad options exit 2 with one line."""
    _cap_fps(getattr(ns, "fps", None))
    app = BackpropApp(opener=partial(_open, ns))
    app.save_to = getattr(ns, "save_to", None)
    ignored = _ignored_by_resume(ns)
    if ignored:
        app.open_note = f"resumed {ns.resume}; ignored {' '.join(ignored)} (the file decides)"
    app.run()
    if app.startup_error is not None:
        raise app.startup_error
    return app.return_code or 0
