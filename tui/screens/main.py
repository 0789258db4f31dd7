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

from textual import events, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Static
from textual.worker import get_current_worker

from .. import commands
from ..commands import TOP_CYCLE
from ..messages import (
    CodeWritten,
    GradChecked,
    LessonReady,
    RunFinished,
    RunProgress,
    SessionSaved,
)
from ..phasewalk import marks_for
from ..stepper import PLAY_FPS, Job, JobKind, Outcome, Stepper
from ..widgets.dataset import DatasetPane
from ..widgets.gradients import GradientsPane, Walked
from ..widgets.loss import LossPane
from ..widgets.pane import Paged, Pane
from ..widgets.params import ParamsPane
from ..widgets.status import StatusBar, Walking
from ..widgets.textstyles import TextStyled, TextStyles

if TYPE_CHECKING:
    from core.lessons.format import Lesson
    from core.present.views import SessionView
    from core.training.compare import Comparison
    from core.training.session import Session

    from ..lesson import LessonRun
    from ..phasewalk import PhaseWalk
    from ..widgets.chain import ChainPane
    from ..widgets.formula import FormulaPane
    from ..widgets.network import NetworkPane, Selection
    from ..widgets.output import OutputPane
    from .gradcheck import GradCheckScreen

# The modal screens (settings, export, gradient check) and the top slot's other panes are
# imported when first opened: the first frame, the numbers, needs none of them.

MIN_WIDTH, MIN_HEIGHT = 60, 18
WIDE_WIDTH, WIDE_HEIGHT = 120, 36  # from here: two columns, every intermediate shown
# The rows a top pane keeps for the weights, gradients and loss panes (they keep 8 for
# those, the status line and the footer), which a lesson hides beneath it at 80×24.
FREED_BELOW = 6


class MainScreen(Screen[None]):
    """Status line, the dataset (or network, output, formula) across the top, then
    weights | gradients | loss, and the footer's keys."""

    BINDINGS: ClassVar[list[BindingType]] = commands.bindings(commands.MAIN)

    def __init__(self, stepper: Stepper, lesson: Lesson | None = None) -> None:
        super().__init__()
        self.stepper = stepper
        self.view: SessionView | None = None
        self.lesson: LessonRun | None = None  # the lesson open in the top slot, if any
        self._lesson_to_open = lesson  # opened with the session
        self._lesson_key = False  # a lesson key is being performed: let its action run
        self._lesson_entered = -1  # the lesson step whose setup and view were last applied
        self._lesson_fresh = False  # the lesson opens its own session (chosen in the app)
        self._walk_return = "dataset"  # the top pane to put back when a phase walk ends
        self._play_timer: Timer | None = None
        # (running, diverged, comparing, a pane pages) the footer was drawn for
        self._footer_state = (False, False, False, False)
        self._asking_quit = False  # the status line asks whether to quit
        self._quit_asked = False  # ... and did when the key being handled was pressed
        self._drawn = 0.0  # Pane.drawing at the last progress report of a run

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
            self._open_pending_lesson()

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
        from ..widgets.chain import ChainPane
        from ..widgets.confusion import ConfusionPane
        from ..widgets.formula import FormulaPane
        from ..widgets.health import HealthPane
        from ..widgets.network import NetworkPane
        from ..widgets.output import OutputPane

        panes = [FormulaPane(id="formula"), NetworkPane(id="network"), OutputPane(id="output"),
                 ChainPane(id="chain"), HealthPane(id="health"), ConfusionPane(id="confusion")]
        for pane in panes:
            pane.display = False
            pane.view = self.view
        switcher.mount_all(panes)

    def on_resize(self, event) -> None:
        self._fit_to(event.size.width, event.size.height)
        self.query_one(StatusBar).clear_note()

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
        """Put one of the top slot's panes on screen (they all keep drawing the latest view).
        With a lesson open the lesson holds the top slot, and the pane takes the place of
        the weights, gradients and loss, which `panes` puts back."""
        if pane_id == "panes":
            self.set_class(False, "-lesson-top")
            return
        self._add_top_panes()
        if pane_id == "chain":  # the chain rule marks (or shows) the picked weight's paths
            self._chain.pick(self._network.selected.node_id)
        self.query_one("#top", ContentSwitcher).current = pane_id
        self.set_class(self.lesson is not None, "-lesson-top")

    @property
    def _formula(self) -> FormulaPane:
        return self.query_one("#formula")  # type: ignore[return-value]

    @property
    def _network(self) -> NetworkPane:
        return self.query_one("#network")  # type: ignore[return-value]

    @property
    def _chain(self) -> ChainPane:
        return self.query_one("#chain")  # type: ignore[return-value]

    @property
    def _output(self) -> OutputPane:
        return self.query_one("#output")  # type: ignore[return-value]

    @property
    def top(self) -> str | None:
        """The pane in the top slot; `panes` while a lesson shows the weights, gradients and
        loss panes beneath it instead."""
        if self.lesson is not None and not self.has_class("-lesson-top"):
            return "panes"
        return self.query_one("#top", ContentSwitcher).current

    # ------------------------------------------------------------------ drawing

    def open(self, session: Session | Comparison, view: SessionView, note: str = "") -> None:
        """The session (or two runs) the app opened in a thread, with its first view."""
        self.add_text_styles()  # done on Ready; the numbers' colours are in TextStyles
        self.stepper.open(session)
        self.show(view, "; ".join(filter(None, (note, *view.notices))))
        self._open_pending_lesson()

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
        if self.lesson is not None:
            self._show_lesson()

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
        state = (self.stepper.running, self.stepper.diverged, self.stepper.pair is not None,
                 self._paging)
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
        session = self.stepper.shown_session  # the run the gradient check is of
        return session.net.flat.size if session is not None else 0

    # ------------------------------------------------------------------ the footer

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows `escape Stop run` only while a run can be stopped. In a lesson
        the session changes only by the lesson's own keys (not by the palette or a click on
        the footer), so the keys that change it leave the footer."""
        if action == "stop":
            return self.stepper.running
        lesson = self.lesson
        return lesson is None or self._lesson_key or not lesson.blocks(action)

    def action_next_page(self) -> None:
        """`m`: the next page of every pane too small for its numbers."""
        if not any([pane.next_page() for pane in self.query(Pane) if pane.display]):
            self.do(Outcome(note="every number is on screen: nothing to page"))

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer's keys for the state training is in: after a divergence it offers
        the way back (b, <) instead of keys that cannot train; `r` names its epochs."""
        state = commands.DIVERGED if self.stepper.diverged else commands.NORMAL
        runs = commands.TWO if self.stepper.pair is not None else commands.ONE
        paging = self._footer_state[3]
        out = {}
        for key, active in super().active_bindings.items():
            binding = active.binding
            shows = commands.footer_shows(binding.key, binding.action, state, runs)
            if binding.action == "next_page":
                shows = paging
            if shows is not None:
                label = commands.with_epochs(binding.description, self.stepper.run_epochs)
                if binding.action == "compare" and runs == commands.TWO:
                    label = "Change B"
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
        if self.top == "chain" and self._chain.leave():
            self.note("← left the chain-rule walk")
            return
        self.do(self.stepper.leave())

    def action_reset(self) -> None:
        self.do(self.stepper.reset())

    def action_restart(self) -> None:
        self.do(self.stepper.restart())

    def action_back(self) -> None:
        if self.top == "chain" and self._chain.walking:
            self.note(self._chain.walk(-1))  # one node back; the session is untouched
            return
        self.do(self.stepper.back())

    def action_next_phase(self) -> None:
        """`f`: in the chain-rule view, one node of its backward walk; else the next phase
        of an update."""
        if self.top == "chain":
            self.note(self._chain.walk(1))
            return
        self.do(self.stepper.next_phase())

    def action_row(self, step: int) -> None:
        if self.top == "chain":
            self._chain.select_row(step)
            return
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

    def action_switch_run(self) -> None:
        self.do(self.stepper.switch_run())

    def action_drop_compare(self) -> None:
        self.do(self.stepper.drop_compare())

    def action_compare(self) -> None:
        """`C`: the settings form for run B (a first B, or a change to it); applying it
        opens B beside A and both start at epoch 0."""
        session, view = self.stepper.session, self.view
        if session is None or view is None:
            return
        from .settings import SettingsScreen

        self.do(Outcome(redraw=self.stepper.pause()))
        pair = self.stepper.pair
        b = pair.b if pair is not None else session
        self.app.push_screen(SettingsScreen(
            b.config, b.base_lr, lambda lr: None, lambda new: self._form(
                self.stepper.compare_with(new)), run_b=session))

    def action_toggle_log(self) -> None:
        self.query_one(LossPane).toggle_log()

    def action_cycle_top(self) -> None:
        """`v`: the top slot shows the dataset, the network, the learned output, the chain
        rule on one row, training health, then (when the data has classes) the confusion
        matrix; in a lesson, beneath the lesson, they take turns with the weights, gradients
        and loss panes."""
        cycle = TOP_CYCLE if self.view is not None and self.view.classes else TOP_CYCLE[:-1]
        if self.lesson is not None:
            cycle = ("panes", *cycle)
        current = self.top if self.top in cycle else cycle[-1]
        self.show_top(cycle[(cycle.index(current) + 1) % len(cycle)])

    def action_rows(self, pages: int, to: str = "") -> None:
        """PgUp/PgDn, Home/End: another page of the dataset's rows."""
        self.query_one(DatasetPane).scroll_rows(pages, to)

    def action_pick(self, d_layer: int, d_item: int) -> None:
        """Arrows, while the network (or chain-rule) pane shows: select a weight or bias;
        the chain-rule view marks its paths, a hidden unit's bias shows the unit's picture in
        the output view, and the weights pane keeps the pick in view."""
        if self.top not in ("network", "chain"):
            return
        sel = self._network.move(d_layer, d_item)
        if sel is not None:
            self._chain.pick(sel.node_id)
            self._output.unit = self._network.picked_unit()
            params = self.query_one(ParamsPane)
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
            session.config, session.base_lr, lambda lr: self._form(self.stepper.set_lr(lr)),
            lambda new: self._form(self.stepper.use(new)),
            title="run A" if self.stepper.pair is not None else ""))

    # ------------------------------------------------------------------ lessons

    def action_lessons(self) -> None:
        """The palette's "Lessons…": choose a built-in lesson; it opens on its own session."""
        from .lessons import LessonChooser

        self.app.push_screen(LessonChooser(), self._chosen_lesson)

    def _chosen_lesson(self, name: str | None) -> None:
        if name:
            self.note(f"opening the lesson {name}…")
            self._lesson_in_thread(name)

    @work(thread=True, exclusive=True, group="lesson")
    def _lesson_in_thread(self, name: str) -> None:
        """Check the lesson (it runs it headless), off the UI thread."""
        from core.lessons.format import LessonError

        from ..lesson import open_checked

        try:
            lesson, _ = open_checked(name)
        except LessonError as exc:
            self.post_message(LessonReady(None, str(exc.problems[0])))
            return
        self.post_message(LessonReady(lesson, ""))

    def on_lesson_ready(self, message: LessonReady) -> None:
        if message.lesson is None:
            self.do(Outcome(bell=True, message=("No lesson", message.error, "error")))
        elif not self.stepper.idle:
            self.do(Outcome(bell=True, note="stop the run first (r or escape), then choose "
                            "the lesson again"))
        else:
            self.start_lesson(message.lesson, fresh=True)

    def _open_pending_lesson(self) -> None:
        lesson, self._lesson_to_open = self._lesson_to_open, None
        if lesson is not None:
            self.start_lesson(lesson)

    def start_lesson(self, lesson: Lesson, fresh: bool = False) -> None:
        """Open `lesson` at its first step in the top slot; `fresh`: on a new session from
        its setup (the command line opened the app on it already). Reopened, it starts over."""
        from ..lesson import LessonRun
        from ..widgets.lesson import LessonPane

        if self.lesson is not None:
            self.close_lesson(note="")
        self.lesson = LessonRun(lesson)
        self._lesson_entered, self._lesson_fresh = -1, fresh
        pane = LessonPane(id="lesson")
        pane.view = self.view
        self.query_one("#body", Grid).mount(pane, before=self.query_one("#top"))
        self.add_class("-lesson")
        self.show_top("panes")
        self.refresh_bindings()
        self._enter_step()
        self.show(note=f"lesson: {lesson.title}")

    def close_lesson(self, note: str = "← left the lesson; the stepper stays") -> None:
        """Close the lesson pane; the session and every other pane stay as they are."""
        if self.lesson is None:
            return
        self.lesson = None
        self.query("#lesson").remove()
        self.remove_class("-lesson", "-lesson-top")
        self._make_room()
        self.refresh_bindings()
        self.show(note=note)

    def _enter_step(self) -> None:
        """The lesson reached a step: open its setup's session (the first step opens the
        lesson's own when started from the app), and show its view."""
        lesson = self.lesson
        if lesson is None or self._lesson_entered == lesson.at:
            return
        first = self._lesson_entered < 0
        self._lesson_entered = lesson.at
        setup = lesson.step.setup or (lesson.lesson.setup if first and self._lesson_fresh
                                      else None)
        if setup is not None:
            from ..lesson import open_setup

            session, epochs = open_setup(lesson.lesson, lesson.step.setup)
            self.stepper.use(session)
            self.stepper.run_epochs = epochs
        if lesson.step.view is not None:
            self.show_top(lesson.step.view)
        elif setup is not None:
            self.show_top("panes")

    def _show_lesson(self) -> None:
        """Draw the lesson's page: filled from the session when no job owns it; a
        prediction whose `do` has finished is judged first."""
        lesson = self.lesson
        assert lesson is not None
        session = self.stepper.session if self.stepper.idle else None
        if lesson.pending is not None and session is not None:
            lesson.judge(session)
        for pane in self.query("#lesson"):
            pane.show_page(lesson.page(session))  # type: ignore[attr-defined]
        self._make_room()

    def _make_room(self) -> None:
        """The top slot's panes size themselves to the screen, keeping rows for the panes
        below: with a lesson above them they plan for the rows it takes. At 80×24 the pane
        below a lesson stands in for the panes below, so their rows (all but the status
        line, the footer and two borders) are its own."""
        lessons = self.query("#lesson")
        rows = 0
        if lessons and self.lesson is not None:
            pane = lessons.first()
            rows = pane.wanted_height(self.size.width - 2, self.size.height) + 2  # type: ignore[attr-defined]
            if not self.has_class("-wide"):
                rows = max(rows - FREED_BELOW, 0)
        for pane in self.query_one("#top", ContentSwitcher).query(Pane):
            if pane.above != rows:
                pane.above = rows
                if pane.display and pane.body.is_mounted:
                    pane.body.refresh(layout=True)

    async def on_key(self, event: events.Key) -> None:
        """Every key is the next action: it ends the status line's note (before the key's
        own action, which may set a new one); the quit question counts as asked only while
        it is on screen. While a lesson is open every key goes to it first: it takes
        answers, advances, refuses what would change the session, and passes on the rest."""
        status = self.query_one(StatusBar)
        self._quit_asked = self._asking_quit and bool(status.note)
        self._asking_quit = False
        status.clear_note()
        lesson = self.lesson
        if lesson is None or self.app.screen is not self:
            return
        reaction = lesson.key(event.key, event.character, self.stepper.running)
        if not reaction.consume:
            return
        event.stop()
        event.prevent_default()
        if reaction.bell:
            self.app.bell()
        if reaction.leave:
            self.close_lesson(note=reaction.note or "← left the lesson; the stepper stays")
            return
        if reaction.perform is not None:
            await self._perform_lesson_key(reaction.perform)
        if self.lesson is None:
            return
        entered = self._lesson_entered
        self._enter_step()
        if self._lesson_entered != entered:
            self.show(note=reaction.note or "")
        else:
            if reaction.note is not None:
                self.note(reaction.note)
            self._show_lesson()

    async def _perform_lesson_key(self, key: str) -> None:
        """A wait step's key, or a prediction's `do`: the key's own action, as if pressed
        outside the lesson (its redraw draws the lesson's next step)."""
        assert self.lesson is not None
        action = self.lesson.keys[key]
        self._lesson_key = True
        try:
            await self.run_action(action)
        finally:
            self._lesson_key = False
        if self.lesson is not None:
            self.lesson.performed()

    # ------------------------------------------------------------------ workers

    def _start(self, job: Job) -> None:
        """Start the worker for a job the stepper handed back."""
        match job.kind:
            case JobKind.RUN:
                self.show(self.view)  # the status line's progress line, before any report
                self._drawn, self.stepper.frame_cost = Pane.drawing, 0.0
                self._run_in_thread(job.epochs)
            case JobKind.CHECK:
                from .gradcheck import GradCheckScreen

                screen = GradCheckScreen(None, self._epoch(), self._params())
                self.app.push_screen(screen)
                self._check_in_thread(screen)
            case JobKind.SAVE:
                self._save_in_thread(job.path)
            case JobKind.CODE:
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
        # what drawing the frames since the last report cost, so the run spaces its reports
        self.stepper.frame_cost = Pane.drawing - self._drawn
        self._drawn = Pane.drawing
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
