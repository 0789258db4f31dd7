"""A lesson in the stepper, with no Textual: where it stands, what the learner must do next,
the answers given and the score. The main screen hands it every key while a lesson is open
and does what the returned `Reaction` says; the lesson pane draws its `Page`.

What the learner does next is always one of three things, and the pane's last line says
which: `space: next` (a say step, or a question answered), `press KEY` (a wait step: that key
alone, performed by the app as if pressed outside the lesson), or `answer: type a number,
enter`. While a lesson waits for an answer no key steps the session: digits, `.`, `-` and
`e` go into the answer, and `?`, `q` and escape keep their meaning (escape leaves). At any
step the keys that change only what is shown (`m` the next page, `v` the next view, the
dataset's rows) work as usual: a number asked for may be looked up first.

Loading and checking a lesson also live here: its setup is read with the command line's own
options (tui/options.py) and checked by the core (core/lessons), which runs it headless
with a stepper performing its keys, as the app would.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from core.lessons.format import Lesson, LessonError, Problem, Step, right

from .commands import TOP_CYCLE, lesson_keys
from .options import OptionError, config_from_setup, given_model, use_config
from .stepper import RUN_EPOCHS, Stepper

if TYPE_CHECKING:
    from core.config import Config
    from core.training.session import Session

NEXT = "space: next"
ANSWER = "answer: type a number, enter"
TYPED = set("0123456789.-+eE")
MAX_TYPED = 24
# Space at the end closes the lesson, unless the score has been up for less than this: a
# space typed ahead (pressed twice, or before a slow screen caught up) is for the last step.
END_GUARD = 0.6
# keys that keep their meaning in a lesson: help and quit (escape leaves the lesson)
PASSED = {"question_mark", "q"}
# The stepper operations a lesson's keys perform, by action name: what a headless check
# runs. The other lesson keys (the log scale, the top pane, the gradient check) change
# nothing a question could be about.
STEPPER_CALLS = {"step": "step", "run": "run", "restart": "restart", "back": "back",
                 "next_phase": "next_phase", "lr": "change_lr", "row": "select_row"}


# ---------------------------------------------------------------------------- loading

def views() -> tuple[str, ...]:
    """The views a lesson step may show (`view = "network"`): `panes` (the weights,
    gradients and loss panes, as a lesson opens) or one of the panes `v` cycles through."""
    return ("panes", *TOP_CYCLE)


def find(name: str) -> Lesson:
    from core.lessons.library import find as find_lesson

    return find_lesson(name)


def config_of(lesson: Lesson, setup: str | None = None) -> Config:
    """The Config a setup line of the lesson asks for (its own `setup` unless another is
    given); LessonError naming the field `setup` if the line is bad."""
    try:
        return config_from_setup(lesson.setup if setup is None else setup, lesson.folder)
    except OptionError as exc:
        raise LessonError([Problem(lesson.source, str(exc), field="setup")]) from None


def run_epochs(config: Config) -> int:
    """What `r` runs in a lesson's stepper: the setup's --epochs, else 100 (as `backprop`)."""
    return config.epochs if config.epochs else RUN_EPOCHS


def open_setup(lesson: Lesson, setup: str | None = None) -> tuple[Session, int]:
    """A session from one of the lesson's setup lines, and what `r` runs in it."""
    from core.lessons.checker import open_for

    config = config_of(lesson, setup)
    return open_for(lesson, config), run_epochs(config)


def perform(stepper: Stepper, key: str) -> None:
    """Press a lesson key on a headless stepper: what the app does with it, minus drawing."""
    action = lesson_keys().get(key, "")
    name, _, rest = action.partition("(")
    args = ast.literal_eval(f"({rest[:-1]},)") if rest else ()
    method = STEPPER_CALLS.get(name)
    if method is not None:
        getattr(stepper, method)(*args)


class Headless:
    """A lesson run without a screen: a stepper on the session the last setup opened, and
    the view below the lesson, which decides what some keys do. In the chain-rule view `f`
    and `b` walk its graph and `j`/`k` choose its row, as on screen: the session stays."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.stepper = Stepper(None, sync_work=math.inf)  # type: ignore[arg-type]
        self.top = "panes"
        self.chain_step: int | None = None  # where the chain-rule view's walk is

    def open(self, setup: str) -> Session:
        session, epochs = open_setup(self.lesson, setup)
        self.stepper.open(session)
        self.stepper.run_epochs = epochs
        self.show("panes")
        return session

    def show(self, view: str) -> None:
        self.top = view

    def perform(self, key: str) -> None:
        action = lesson_keys().get(key, "")
        if action == "cycle_top":
            classes = self.stepper.session is not None and \
                self.stepper.session.dataset.classes is not None
            cycle = ("panes", *(TOP_CYCLE if classes else TOP_CYCLE[:-1]))
            at = cycle.index(self.top) if self.top in cycle else len(cycle) - 1
            self.top = cycle[(at + 1) % len(cycle)]
        elif self.top == "chain" and action in ("next_phase", "row(1)", "row(-1)"):
            if action == "next_phase":
                self.chain_step = 0 if self.chain_step is None else self.chain_step + 1
        elif self.top == "chain" and action == "back" and self.chain_step is not None:
            self.chain_step = self.chain_step - 1 if self.chain_step else None
        else:
            perform(self.stepper, key)


def check(name: str) -> tuple[Lesson | None, list[Problem]]:
    """Everything wrong with a lesson: its file, its setups, each step on the session it
    runs on, and each question asked along a headless run of it."""
    from core.lessons import checker

    try:
        lesson = find(name)
    except LessonError as exc:
        return None, exc.problems
    run = Headless(lesson)
    return lesson, checker.check(lesson, lesson_keys(), views(), run.open, run.perform,
                                 run.show)


def open_checked(name: str) -> tuple[Lesson, Config]:
    """A lesson that passes its check, and the Config its first session opens from."""
    lesson, problems = check(name)
    if problems or lesson is None:
        raise LessonError(problems)
    return lesson, config_of(lesson)


def take_lesson(ns: argparse.Namespace) -> None:
    """`--lesson` on a command line: check the lesson (every problem but the last is an
    error line here; the last is raised, for the CLI's own line and exit 2), then set the
    model options to its setup's, as if they had been typed."""
    from core.errors import UserError

    if getattr(ns, "resume", None):
        raise UserError("--lesson starts from the lesson's own setup; leave out --resume")
    if given_model(ns):
        raise UserError(f"the lesson's setup decides the model; leave out "
                        f"{' '.join(given_model(ns))}")
    try:
        found, config = open_checked(ns.lesson)
    except LessonError as exc:
        for problem in exc.problems[:-1]:
            print(f"backprop: error: {problem}", file=sys.stderr)
        raise UserError(str(exc.problems[-1])) from None
    use_config(ns, config)
    ns.lesson_record = found


# ---------------------------------------------------------------------------- running

class Reaction(NamedTuple):
    """What the screen does with a key the lesson saw."""

    consume: bool = True  # False: the key goes on to the screen's own bindings
    bell: bool = False
    note: str | None = None  # for the status line
    perform: str | None = None  # a key (as typed) whose action the screen performs now
    leave: bool = False  # close the lesson


@dataclass(frozen=True)
class Answer:
    given: float
    value: float
    right: bool
    worked: str  # the worked computation with the session's numbers


class Page(NamedTuple):
    """What the lesson pane draws."""

    title: str  # "One epoch by hand · step 3 of 9"
    say: str  # the step's text, placeholders filled
    typed: str | None  # the answer being typed (None: not asking now)
    answer: Answer | None  # the verdict on this step's question
    score: str | None  # "Score: 2 of 3" at the end
    next: str  # the last line: what the learner does next
    waiting: bool = False  # a predicted step is running: the verdict follows


@dataclass
class LessonRun:
    lesson: Lesson
    keys: Mapping[str, str] = field(default_factory=lesson_keys)  # character → action
    at: int = 0  # the step on screen (0-based)
    typed: str = ""
    answers: dict[int, Answer] = field(default_factory=dict)
    pressed: set[int] = field(default_factory=set)  # wait steps whose key was pressed
    pending: float | None = None  # a prediction, waiting for its `do` to finish
    _session: Session | None = None  # what questions are judged against
    _say: str = ""  # the step's text as last filled (kept while a job owns the session)
    _said_at: int = -1
    _end_shown: float = -math.inf  # when the score was first drawn
    clock: Callable[[], float] = time.monotonic

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.at]

    @property
    def last(self) -> bool:
        return self.at == len(self.lesson.steps) - 1

    @property
    def score(self) -> int:
        return sum(a.right for a in self.answers.values())

    def expects(self) -> str:
        """"key", "answer", "doing" (a prediction's step is running), "next" or "end"."""
        step = self.step
        if self.pending is not None:
            return "doing"
        if step.kind == "wait" and self.at not in self.pressed:
            return "key"
        if step.question and self.at not in self.answers:
            return "answer"
        return "end" if self.last else "next"

    def next_line(self) -> str:
        expects = self.expects()
        if expects == "key":
            return f"press {self.step.wait}"
        if expects == "answer":
            return ANSWER
        if expects == "doing":
            return f"the app presses {self.step.do}; your answer is checked after it"
        return NEXT

    def blocks(self, action: str) -> bool:
        """Whether the session-changing `action` (from a palette or a footer click) must
        wait: in a lesson the session changes only through its wait and do keys."""
        name = action.partition("(")[0]
        return name in STEPPER_CALLS or name in ("reset", "play", "settings", "edit",
                                                 "compare", "drop_compare")

    # ------------------------------------------------------------------ keys

    def key(self, key: str, character: str | None, running: bool = False) -> Reaction:
        """A key pressed while the lesson is open."""
        if key in PASSED or key.startswith("ctrl+"):
            return Reaction(consume=False)
        if key == "escape":
            return Reaction(consume=False) if running else Reaction(leave=True)
        expects = self.expects()
        if running and (key == "enter" or expects == "key"):
            return Reaction(bell=True, note="wait: a run is going (escape stops it)")
        from .commands import view_keys

        waited = expects == "key" and character is not None and character == self.step.wait
        if key in view_keys() and not waited and (character is None or
                                                  character not in TYPED):
            # the next page (m), another view (v), the dataset's rows: they change only
            # what is shown, so a question's numbers may be looked up before answering
            return Reaction(consume=False)
        if expects == "answer":
            return self._typing(key, character)
        if expects == "key":
            if waited:
                self.pressed.add(self.at)
                return Reaction(perform=self.step.wait)
            return Reaction(bell=True, note=f"the lesson waits for {self.step.wait}: press "
                            f"{self.step.wait} (escape leaves the lesson)")
        if expects == "doing":
            return Reaction(bell=True, note="wait: the step is running")
        if key in ("space", "enter"):
            if expects == "end":
                if self.clock() - self._end_shown < END_GUARD:
                    return Reaction()  # typed ahead, for the step before: keep the score up
                return Reaction(leave=True, note="the lesson is over; the stepper stays")
            self.at += 1
            self.typed = ""
            return Reaction()
        return Reaction(bell=True, note="in a lesson, space goes on (escape leaves the lesson)")

    def performed(self) -> None:
        """The screen has performed this wait step's key: on to the next step (the last
        step stays, and shows the score)."""
        if self.step.kind == "wait" and self.at in self.pressed and not self.last:
            self.at += 1
            self.typed = ""

    def _typing(self, key: str, character: str | None) -> Reaction:
        if key == "backspace":
            self.typed = self.typed[:-1]
            return Reaction()
        if key == "enter":
            return self._submit()
        if character is not None and character in TYPED and len(self.typed) < MAX_TYPED:
            self.typed += character
            return Reaction()
        # short enough for the status line at 80 columns; the border says how to leave
        return Reaction(bell=True, note="type a number, then enter")

    def _submit(self) -> Reaction:
        text = self.typed.strip()
        try:
            given = float(text)
        except ValueError:
            given = math.nan
        if not math.isfinite(given):
            what = f"{text!r} is not a number" if text else "type a number first"
            return Reaction(bell=True, note=f"{what}: digits, . - and e, then enter")
        if self.step.kind == "predict":
            self.pending = given
            return Reaction(perform=self.step.do)
        self._judge(given)
        return Reaction()

    # ------------------------------------------------------------------ answers

    def judge(self, session: Session) -> None:
        """A prediction's `do` has finished: judge it against the session as it is now."""
        if self.pending is None:
            return
        given, self.pending = self.pending, None
        self._session = session
        self._judge(given)

    def _judge(self, given: float) -> None:
        from core.lessons.quantities import Bound
        from core.lessons.worked import worked

        bound = Bound(self._session)
        q = bound.parse(self.step.quantity or "")
        done = worked(bound, q)
        if done is None:  # the checker makes sure this cannot happen in a checked lesson
            value, text = math.nan, f"{q.text} has no value now (training has diverged)"
        else:
            value, text = done.value, done.text
        ok = math.isfinite(value) and right(given, value, self.step.tolerance)
        self.answers[self.at] = Answer(given, value, ok, text)

    # ------------------------------------------------------------------ drawing

    def page(self, session: Session | None) -> Page:
        """The pane's content; `session` is None while a job owns the session (the text
        filled last is kept until it is free again)."""
        from core.lessons.quantities import Bound, fill

        # A question's text keeps the numbers it was asked with: after a prediction's `do`
        # the session has moved on, and the question must still read as it was answered.
        asked = self.step.question and (self.at in self.answers or self.pending is not None)
        if session is not None:
            self._session = session
            if not (asked and self._said_at == self.at):
                self._say = fill(self.step.say, Bound(session))
                self._said_at = self.at
        elif self._said_at != self.at:  # a run owns the session: its numbers come after
            from core.lessons.quantities import unfilled

            self._say = unfilled(self.step.say)
        expects = self.expects()
        n = len(self.lesson.steps)
        score = None
        if expects == "end":
            score = f"Score: {self.score} of {self.lesson.questions}"
            if self._end_shown == -math.inf:
                self._end_shown = self.clock()
        else:
            self._end_shown = -math.inf
        return Page(
            title=f"{self.lesson.title} · step {self.at + 1} of {n}",
            say=self._say, typed=self.typed if expects == "answer" else None,
            answer=self.answers.get(self.at), score=score, next=self.next_line(),
            waiting=expects == "doing")


def answer_text(answer: Answer) -> tuple[str, str]:
    """The verdict on an answer, and what follows it: the worked computation when wrong."""
    from core.lessons.quantities import value_text

    value = value_text(answer.value)
    if answer.right:
        return f"✓ {value}: right", ""
    return f"✗ you said {answer.given:g}; the value is {value}", answer.worked
