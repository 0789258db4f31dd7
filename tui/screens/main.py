"""The main screen: the panes, the stepping keys and the workers that train in the
background. The rules of who may change the session when are the stepper's; this screen
turns keys into stepper operations and their outcomes into what the terminal shows.

Data flows one way: an operation changes the session, `core.view(session)` freezes what it
looks like, and `show(view)` hands that one view to every pane, which then draws it. Panes
never read the session. A modal screen pushed above this one silences its keys by itself.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Static
from textual.worker import get_current_worker

from .. import commands
from ..messages import CodeWritten, GradChecked, RunFinished, RunProgress, SessionSaved
from ..phasewalk import marks_for
from ..stepper import PLAY_FPS, Job, Outcome, Stepper
from ..widgets.dataset import DatasetPane
from ..widgets.gradients import GradientsPane, Walked
from ..widgets.loss import LossPane
from ..widgets.pane import Paged, Pane
from ..widgets.params import ParamsPane
from ..widgets.status import StatusBar, Walking
from ..widgets.textstyles import TextStyled, TextStyles

if TYPE_CHECKING:
    from core.present.views import SessionView
    from core.training.session import Session

    from ..phasewalk import PhaseWalk
    from ..widgets.formula import FormulaPane
    from ..widgets.network import NetworkPane, Selection
    from .gradcheck import GradCheckScreen

# The modal screens (settings, export, gradient check) and the top slot's other panes are
# imported when first opened: the first frame, the numbers, needs none of them.

MIN_WIDTH, MIN_HEIGHT = 60, 18
WIDE_WIDTH, WIDE_HEIGHT = 120, 36  # from here: two columns, every intermediate shown
TOP_CYCLE = ("dataset", "network", "output", "confusion")  # what `v` puts on top, in turn


class MainScreen(Screen[None]):
    """Status line, the dataset (or network, output, formula) across the top, then
    weights | gradients | loss, and the footer's keys."""

    BINDINGS: ClassVar[list[BindingType]] = commands.bindings(commands.MAIN)

    def __init__(self, stepper: Stepper) -> None:
        super().__init__()
        self.stepper = stepper
        self.view: SessionView | None = None
        self._walk_return = "dataset"  # the top pane to put back when a phase walk ends
        self._play_timer: Timer | None = None
        # (running, diverged, a pane pages) the footer was drawn for
        self._footer_state = (False, False, False)
        self._asking_quit = False  # the status line asks whether to quit
        self._quit_asked = False  # ... and did when the key being handled was pressed

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        """What the first frame shows, and no more: TextStyles joins on Ready, the formula,
        network and output panes when first shown."""
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
        self._fit_to(self.size.width, self.size.height)
        if self.stepper.session is not None:
            self.show()

    def add_text_styles(self) -> None:
        """Mount TextStyles, once, on Ready: the first frame draws the numbers without
        colour, and they take their colours in the repaint Textual makes after it."""
        if self.is_attached and not self.query(TextStyles):
            self.mount(TextStyles())
            self.call_after_refresh(self._restyle)

    def _restyle(self) -> None:
        # a query by type matches CSS type names, which a mixin such as TextStyled is not
        for widget in self.walk_children(Widget):
            if isinstance(widget, TextStyled):
                widget.restyle()

    def _add_top_panes(self) -> None:
        """Mount, once, the top slot's other panes, when one is first asked for (v, f):
        most sessions never show them, and the first frame never does."""
        switcher = self.query_one("#top", ContentSwitcher)
        if len(switcher.children) > 1:
            return
        from ..widgets.confusion import ConfusionPane
        from ..widgets.formula import FormulaPane
        from ..widgets.network import NetworkPane
        from ..widgets.output import OutputPane

        panes = [FormulaPane(id="formula"), NetworkPane(id="network"), OutputPane(id="output"),
                 ConfusionPane(id="confusion")]
        for pane in panes:
            pane.display = False
            pane.view = self.view
        switcher.mount_all(panes)

    def on_resize(self, event) -> None:
        self._fit_to(event.size.width, event.size.height)
        self.query_one(StatusBar).clear_note()

    def on_key(self, event) -> None:
        """Every key is the next action: it ends the status line's note (before the key's
        own action, which may set a new one). The quit question counts as asked only while
        it is on screen."""
        status = self.query_one(StatusBar)
        self._quit_asked = self._asking_quit and bool(status.note)
        self._asking_quit = False
        status.clear_note()

    def _fit_to(self, width: int, height: int) -> None:
        """Below the minimum size the panes would overlap; say so instead."""
        tiny = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(tiny, "-tiny")
        self.set_class(width >= WIDE_WIDTH and height >= WIDE_HEIGHT, "-wide")
        if tiny:
            if not self.query("#too-small"):
                self.mount(Static(id="too-small"), before=self.query_one(Footer))
            self.query_one("#too-small", Static).update(
                f"Enlarge the terminal: the stepper needs at least {MIN_WIDTH}×{MIN_HEIGHT} "
                f"characters and this one is {width}×{height}.\n\nq quits.")

    def show_top(self, pane_id: str) -> None:
        """Put one of the top slot's panes on screen (they all keep drawing the latest view)."""
        self._add_top_panes()
        self.query_one("#top", ContentSwitcher).current = pane_id

    @property
    def _formula(self) -> FormulaPane:
        return self.query_one("#formula")  # type: ignore[return-value]

    @property
    def _network(self) -> NetworkPane:
        return self.query_one("#network")  # type: ignore[return-value]

    @property
    def top(self) -> str | None:
        return self.query_one("#top", ContentSwitcher).current

    # ------------------------------------------------------------------ drawing

    def open(self, session: Session, view: SessionView, note: str = "") -> None:
        """The session the app opened in a thread, with its first view."""
        self.add_text_styles()  # done on Ready; the numbers' colours are in TextStyles
        self.stepper.open(session)
        self.show(view, "; ".join(filter(None, (note, *view.notices))))

    def show(self, view: SessionView | None = None, note: str = "") -> None:
        """Freeze the session into one view (unless a worker sent one) and draw it once."""
        if view is None:
            view = self.stepper.view()
        self.view = view
        walk = self.stepper.sync_walk(view)
        self.query_one(GradientsPane).walked = Walked.of(walk)
        for pane in self.query(Pane):
            pane.show(view)
        walking = self._show_walk(walk)
        self.query_one(StatusBar).show(view, self.stepper.progress, note, walking,
                                       self.stepper.play_text() if self.stepper.playing else "")
        self._sync_footer()

    def note(self, note: str) -> None:
        """A one-line remark in the status line (kept until the next action)."""
        status = self.query_one(StatusBar)
        status.show(self.view, self.stepper.progress, note, status.walking, status.playing)

    def _show_walk(self, walk: PhaseWalk | None) -> Walking | None:
        """Mark what the walked phase reads and writes and show its formula in the top
        slot (the gradients pane shows the walked update, as far as it has got); put the
        top slot back when the walk ends. Returns what the status line says while walking."""
        phase = walk.phase if walk is not None else None
        for pane in self.query(Pane):
            pane.set_marks(marks_for(pane.id, phase))
        if walk is None:
            if self.top == "formula":
                self._formula.show_walk(None)
                self.show_top(self._walk_return)
            return None
        if self.top != "formula":
            self._walk_return = self.top or "dataset"
            self.show_top("formula")
        self._formula.show_walk(walk)
        rec = walk.record
        return Walking(rec.epoch, rec.batch, walk.committed)

    def do(self, outcome: Outcome) -> None:
        """Carry out what a stepper operation asks of the screen."""
        if outcome.quit:
            self.app.exit()
            return
        if outcome.bell:
            self.app.bell()
        if outcome.message is not None:
            title, text, severity = outcome.message
            self.notify(text, title=title, severity=severity,  # type: ignore[arg-type]
                        timeout=8 if severity == "error" else 5)
        if outcome.job is not None:
            self._start(outcome.job)
        if outcome.redraw:
            self.show(note=outcome.note or "")
        elif outcome.note is not None:
            self.note(outcome.note)
        if outcome.check is not None:
            from .gradcheck import GradCheckScreen

            self.app.push_screen(GradCheckScreen(outcome.check, self._epoch(), self._params()))
        self._sync_play()
        self._sync_footer()

    def _sync_footer(self) -> None:
        """The footer's keys depend on whether a run can be stopped and whether training
        diverged: redraw it when either changes (not on every step: it costs a frame)."""
        state = (self.stepper.running, self.stepper.diverged, self._paging)
        if state != self._footer_state:
            self._footer_state = state
            self.refresh_bindings()

    @property
    def _paging(self) -> bool:
        return any(pane.pages > 1 for pane in self.query(Pane) if pane.display)

    def on_paged(self, _message: Paged) -> None:
        self._sync_footer()

    def _form(self, outcome: Outcome) -> str | None:
        """A form's change: done (None, the form closes) or refused (the form says why)."""
        self.do(outcome)
        return outcome.error

    def _sync_play(self) -> None:
        """The play timer runs exactly while the stepper plays."""
        if self.stepper.playing and self._play_timer is None:
            self._play_timer = self.set_interval(1 / PLAY_FPS, self._play_tick)
        elif not self.stepper.playing and self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None

    def _play_tick(self) -> None:
        self.do(self.stepper.tick())

    def _epoch(self) -> int:
        return self.view.epoch if self.view is not None else 0

    def _params(self) -> int:
        session = self.stepper.session
        return session.net.flat.size if session is not None else 0

    # ------------------------------------------------------------------ the footer

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows `escape Stop run` only while a run can be stopped."""
        if action == "stop":
            return self.stepper.running
        return True

    def action_next_page(self) -> None:
        """`m`: the next page of every pane too small for its numbers."""
        if not any([pane.next_page() for pane in self.query(Pane) if pane.display]):
            self.do(Outcome(note="every number is on screen: nothing to page"))

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer's keys for the state training is in: after a divergence it offers
        the way back (b, <) instead of keys that cannot train; `r` names its epochs."""
        state = commands.DIVERGED if self.stepper.diverged else commands.NORMAL
        paging = self._footer_state[2]
        out = {}
        for key, active in super().active_bindings.items():
            binding = active.binding
            shows = commands.footer_shows(binding.key, binding.action, state)
            if binding.action == "next_page":
                shows = paging
            elif binding.action == "toggle_log" and paging:
                shows = False  # room for `m`: the log key is in the help and the palette
            if shows is not None:
                label = binding.description
                if binding.action == "run":
                    label = f"Run {self.stepper.run_epochs:,}"
                active = active._replace(binding=replace(binding, show=shows, description=label))
            out[key] = active
        return out

    # ------------------------------------------------------------------ keys

    def action_step(self) -> None:
        self.do(self.stepper.step())

    def action_request_quit(self) -> None:
        """`q`: quits, unless progress would be lost; then it asks once (q again quits)."""
        outcome = self.stepper.quit(self._quit_asked)
        self.do(outcome)
        self._asking_quit = not outcome.quit

    def action_run(self) -> None:
        self.do(self.stepper.run())

    def action_stop(self) -> None:
        self.do(self.stepper.stop())

    def action_leave(self) -> None:
        self.do(self.stepper.leave())

    def action_reset(self) -> None:
        self.do(self.stepper.reset())

    def action_restart(self) -> None:
        self.do(self.stepper.restart())

    def action_back(self) -> None:
        self.do(self.stepper.back())

    def action_next_phase(self) -> None:
        self.do(self.stepper.next_phase())

    def action_row(self, step: int) -> None:
        self.do(self.stepper.select_row(step))

    def action_play(self) -> None:
        self.do(self.stepper.play())

    def action_speed(self, step: int) -> None:
        self.do(self.stepper.change_speed(step))

    def action_lr(self, factor: float) -> None:
        self.do(self.stepper.change_lr(factor))

    def action_gradcheck(self) -> None:
        self.do(self.stepper.gradcheck())

    def action_save_session(self) -> None:
        self.do(self.stepper.save())

    def action_export(self) -> None:
        """`x`: choose what to write (weights and history, or the session as a program)."""
        refused = self.stepper.file_refusal("x")
        if refused is not None:
            self.do(refused)
        else:
            from .export import ExportScreen

            self.app.push_screen(ExportScreen(), self._export)

    def _export(self, what: str | None) -> None:
        if what == "weights":
            self.do(self.stepper.export())
        elif what:
            self.do(self.stepper.export_code(what))

    def action_toggle_log(self) -> None:
        self.query_one(LossPane).toggle_log()

    def action_cycle_top(self) -> None:
        """`v`: the top slot shows the dataset, the network, the learned output, then (when
        the data has classes) the confusion matrix."""
        cycle = TOP_CYCLE if self.view is not None and self.view.classes else TOP_CYCLE[:-1]
        current = self.top if self.top in cycle else cycle[-1]
        self.show_top(cycle[(cycle.index(current) + 1) % len(cycle)])

    def action_rows(self, pages: int, to: str = "") -> None:
        """PgUp/PgDn, Home/End: another page of the dataset's rows."""
        self.query_one(DatasetPane).scroll_rows(pages, to)

    def action_pick(self, d_layer: int, d_item: int) -> None:
        """Arrows, while the network pane shows: select a weight or bias."""
        if self.top == "network":
            sel = self._network.move(d_layer, d_item)
            params = self.query_one(ParamsPane)
            if sel is not None:
                params.pick = (f"{sel.kind}{sel.layer + 1}", sel.i, sel.j)  # kept in view
                params.body.refresh()

    def action_edit(self) -> None:
        """`e`: type a new value for the selected weight; `b` undoes the edit."""
        if self.top != "network" or self.view is None:
            self.do(Outcome(bell=True, note="press v, pick a weight with the arrows, then e"))
            return
        from .settings import EditValueScreen

        pane = self._network
        sel = pane.clamp(self.view)
        self.app.push_screen(EditValueScreen(sel.name, pane.value(self.view, sel),
                                             partial(self._set_param, sel)))

    def _set_param(self, sel: Selection, value: float) -> str | None:
        return self._form(self.stepper.set_param(sel.layer, sel.kind, sel.i, sel.j, value,
                                                 sel.name))

    def action_settings(self) -> None:
        """`c`: the settings form, filled in from this session."""
        session = self.stepper.session
        if session is None or self.view is None:
            return
        from .settings import SettingsScreen

        self.do(Outcome(redraw=self.stepper.pause()))
        self.app.push_screen(SettingsScreen(
            session.config, self.view.lr, lambda lr: self._form(self.stepper.set_lr(lr)),
            lambda new: self._form(self.stepper.use(new))))

    # ------------------------------------------------------------------ workers

    def _start(self, job: Job) -> None:
        if job.kind == "run":
            self.show(self.view)  # the status line's progress line, before the first report
            self._run_in_thread(job.epochs)
        elif job.kind == "check":
            from .gradcheck import GradCheckScreen

            screen = GradCheckScreen(None, self._epoch(), self._params())
            self.app.push_screen(screen)
            self._check_in_thread(screen)
        elif job.kind == "save":
            self._save_in_thread(job.path)
        elif job.kind == "code":
            self._code_in_thread(job.path, job.fmt)

    @work(thread=True, exclusive=True, group="train")
    def _run_in_thread(self, epochs: int) -> None:
        """The stepper runs the epochs; this posts its progress and its end as messages."""
        worker = get_current_worker()
        view, done, halted = self.stepper.run_job(
            epochs, lambda v, d, t: self.post_message(RunProgress(v, d, t)),
            lambda: worker.is_cancelled)
        self.post_message(RunFinished(view, done, epochs, halted))

    def on_run_progress(self, message: RunProgress) -> None:
        if self.stepper.show_progress(message.done, message.total):
            self.show(message.view)

    def on_run_finished(self, message: RunFinished) -> None:
        outcome = self.stepper.finish_run(message.done, message.total, message.stopped)
        self.show(message.view, outcome.note or "")

    def stop_workers(self) -> None:
        """Leaving: a run stops within a chunk; its worker is cancelled too."""
        self.stepper.stop()
        self.workers.cancel_group(self, "train")

    @work(thread=True, exclusive=True, group="gradcheck")
    def _check_in_thread(self, screen: GradCheckScreen) -> None:
        self.post_message(GradChecked(screen, self.stepper.check_job()))

    def on_grad_checked(self, message: GradChecked) -> None:
        self.stepper.finish_check()
        message.screen.show_result(message.check)

    @work(thread=True, group="save")
    def _save_in_thread(self, path: str) -> None:
        self.post_message(SessionSaved(path, self.stepper.save_job(path)))

    def on_session_saved(self, message: SessionSaved) -> None:
        self.do(self.stepper.finish_save(message.path, message.error))

    @work(thread=True, group="save")
    def _code_in_thread(self, path: str, fmt: str) -> None:
        self.post_message(CodeWritten(path, fmt, self.stepper.code_job(path, fmt)))

    def on_code_written(self, message: CodeWritten) -> None:
        self.do(self.stepper.finish_code(message.path, message.fmt, message.error))
