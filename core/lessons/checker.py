"""Checking a lesson before class: against the sessions its setups open, and by running it.

The checker reads every step as the app would show it: each placeholder and question must
name a quantity this network has, with its indices in range; each `wait` and `do` a key the
stepper has (the caller passes its key table, since the core knows no keys); each `view` a
view the front end has; each setup must open a session whose numbers are the same on every
machine. Then, given a way to perform keys, it runs the lesson headless from start to end
and asks every question of the session as it is by then, so a question about a gradient
after the lesson has made training diverge is caught before a learner meets it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

from ..config import Config
from ..errors import UserError
from ..files.opening import open_session
from ..training.session import Session
from .format import Lesson, LessonError, Problem, Step
from .quantities import Bound, QuantityError, parse, placeholders, unbalanced

SEED_ADVICE = ("this setup draws random numbers (starting weights, generated data, a test "
               "split or shuffled batches) and fixes no seed, so every learner would see "
               "different numbers; add --seed N (any whole number, e.g. --seed 1)")

# A setup line → the session it opens (LessonError naming the field `setup` if it cannot).
Opener = Callable[[str], Session]


def open_for(lesson: Lesson, config: Config) -> Session:
    """A session for a lesson. Its numbers must be the same on every machine: a setup
    that draws random numbers must fix the seed (LessonError otherwise)."""
    try:
        session = open_session(config)
    except UserError as exc:
        raise LessonError([Problem(lesson.source, str(exc), field="setup")]) from None
    if config.seed is None and session.uses_seed:
        raise LessonError([Problem(lesson.source, SEED_ADVICE, field="setup")])
    return session


def check(lesson: Lesson, keys: Collection[str], views: Collection[str], opener: Opener,
          perform: Callable[[str], None] | None = None,
          show: Callable[[str], None] | None = None) -> list[Problem]:
    """Every problem of `lesson`: its setups opened with `opener`, each step checked on the
    session it runs on, then (with `perform`, which presses a key on the session `opener`
    opened last) a headless run that asks every question. `show` is told each step's view
    as the run reaches it: what a key does may depend on the view on screen."""
    try:
        session = opener(lesson.setup)
    except LessonError as exc:
        return exc.problems
    problems: list[Problem] = []
    for n, step in enumerate(lesson.steps, 1):
        if step.setup is not None:
            try:
                session = opener(step.setup)
            except LessonError as exc:
                problems += [Problem(p.source, p.message, step=n, field="setup")
                             for p in exc.problems]
                continue
        problems += _static(lesson, n, step, session, keys, views)
    if problems or perform is None:
        return problems
    return _run(lesson, opener, perform, show or (lambda view: None))


def _static(lesson: Lesson, n: int, step: Step, session: Session, keys: Collection[str],
            views: Collection[str]) -> list[Problem]:
    out: list[Problem] = []

    def bad(field: str, message: str) -> None:
        out.append(Problem(lesson.source, message, step=n, field=field))

    if unbalanced(step.say):
        bad("say", "a lone { or }: a placeholder is {quantity} or {quantity:format}, and "
            "{{ or }} shows a brace")
    for text, spec in placeholders(step.say):
        try:
            q = parse(text, session)
        except QuantityError as exc:
            bad("say", f"{{{text}}}: {exc}")
            continue
        if spec:
            try:
                format(1 if q.kind == "epoch" else 1.5, spec)
            except ValueError:
                bad("say", f"{{{text}:{spec}}}: {spec!r} is not a number format; try .4f "
                    "(4 decimals) or .3g (3 significant figures)")
    for field in ("wait", "do"):
        key = getattr(step, field)
        if key is not None and key not in keys:
            bad(field, f"the stepper has no key {key!r} a lesson can use; it has "
                f"{' '.join(sorted(keys, key=str.lower))}")
    if step.quantity is not None:
        try:
            parse(step.quantity, session)
        except QuantityError as exc:
            bad(step.kind, str(exc))
    if step.view is not None and step.view not in views:
        bad("view", f"no view {step.view!r}; there are {', '.join(views)}")
    return out


def _run(lesson: Lesson, opener: Opener, perform: Callable[[str], None],
         show: Callable[[str], None]) -> list[Problem]:
    """Walk the lesson as a learner would, answering nothing, and ask each question."""
    out: list[Problem] = []
    session = opener(lesson.setup)
    for n, step in enumerate(lesson.steps, 1):
        def bad(field: str, message: str, n: int = n) -> None:
            out.append(Problem(lesson.source, message, step=n, field=field))

        if step.setup is not None:
            session = opener(step.setup)
        if step.view is not None:
            show(step.view)
        if step.kind == "wait":
            _perform(perform, step.wait, bad, "wait")
        elif step.question:
            if step.kind == "predict":
                _perform(perform, step.do, bad, "do")
            bound = Bound(session)
            value = bound.value(bound.parse(step.quantity or ""))
            if value is None or not math.isfinite(value):
                why = " (training has diverged by then)" if session.diverged else ""
                bad(step.kind, f"{step.quantity} has no value at this step{why}: a learner "
                    "could not be marked; ask about something that exists then")
    return out


def _perform(perform: Callable[[str], None], key: str | None, bad, field: str) -> None:
    try:
        perform(key or "")
    except UserError as exc:
        bad(field, f"pressing {key} here fails: {exc}")
