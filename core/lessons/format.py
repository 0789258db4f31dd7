"""The lesson file: TOML, read with `tomllib` into immutable Lesson and Step records.

    title = "One epoch by hand"
    setup = "--preset notebook"          # model options, as on the command line

    [[step]]
    say = "W2[0,0] is {W2[0,0]:.4f}."    # placeholders: {quantity} or {quantity:format}
    [[step]]
    say = "Press s to run one epoch."
    wait = "s"                           # the learner presses this key; the app performs it
    [[step]]
    say = "What is dW2[0,0]?"
    ask = "dW2[0,0]"                     # answered now, checked against the session
    [[step]]
    say = "Predict W2[0,0] after one more update."
    predict = "W2[0,0]"                  # answered, then `do` runs, then checked
    do = "s"
    tolerance = 0.01                     # relative; 0.01 is the default
    [[step]]
    say = "Now the same data with a hidden layer."
    setup = "--data xor --hidden 4 --seed 1"   # a new session from here on
    view = "output"                      # a pane the step puts on screen

Reading checks the file's shape only (fields, types, which fields go together). Whether the
quantities and keys exist is the checker's business: it needs a session and the key table.
Every problem names the file, the step (1-based) and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TOLERANCE = 0.01
ABSOLUTE_TOLERANCE = 0.0005  # a right answer is within max(tolerance·|value|, this)
MAX_TOLERANCE = 0.5

STEP_FIELDS = ("say", "wait", "ask", "predict", "do", "tolerance", "view", "setup")
TOP_FIELDS = ("title", "setup", "step")
EXAMPLES = {"title": '"One epoch by hand"', "setup": '"--preset notebook"'}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson: where (file, step, field, or a TOML line) and what."""

    source: str  # the file as the user named it, or "lesson NAME" for a built-in
    message: str
    step: int | None = None  # 1-based
    field: str | None = None
    line: int | None = None  # a TOML syntax error's line

    def __str__(self) -> str:
        where = [f"step {self.step}"] if self.step is not None else []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(self.field)
        return f"{self.source}: {', '.join(where)}: {self.message}" if where else \
            f"{self.source}: {self.message}"


class LessonError(ValueError):
    """A lesson that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    say: str
    wait: str | None = None  # a key the learner presses; the app performs it
    ask: str | None = None  # a quantity, answered against the session as it is
    predict: str | None = None  # a quantity, answered before `do` and checked after it
    do: str | None = None
    tolerance: float = DEFAULT_TOLERANCE
    view: str | None = None  # a view the app shows during this step ("health", …)
    setup: str | None = None  # a new session, from these options, when the step is reached

    @property
    def kind(self) -> str:
        """"say", "wait", "ask" or "predict": what the step asks of the learner."""
        if self.wait is not None:
            return "wait"
        if self.ask is not None:
            return "ask"
        if self.predict is not None:
            return "predict"
        return "say"

    @property
    def quantity(self) -> str | None:
        """The quantity a question is about (None for say and wait steps)."""
        return self.ask if self.ask is not None else self.predict

    @property
    def question(self) -> bool:
        return self.quantity is not None


@dataclass(frozen=True)
class Lesson:
    title: str
    setup: str  # model options, as typed after `backprop`
    steps: tuple[Step, ...]
    source: str  # how errors name it
    folder: Path | None = None  # where a file lesson lives: --data and --weights paths are
    # read relative to it

    @property
    def questions(self) -> int:
        return sum(s.question for s in self.steps)


def right(answer: float, value: float, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """Whether `answer` is within max(tolerance·|value|, 0.0005) of `value`."""
    return abs(answer - value) <= max(tolerance * abs(value), ABSOLUTE_TOLERANCE)


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def read_lesson(text: str, source: str, folder: Path | None = None) -> Lesson:
    """Parse a lesson's TOML text; raise LessonError listing every problem of its shape."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        line = int(at.group(1)) if at else None
        message = _TOML_AT.sub("", message)
        if at:
            message += f" (column {at.group(2)})"
        raise LessonError([Problem(source, f"not valid TOML: {message}", line=line)]) from None
    problems: list[Problem] = []
    for key in doc:
        if key not in TOP_FIELDS:
            problems.append(Problem(source, f"unknown field {key!r}; a lesson has "
                                    f"{', '.join(TOP_FIELDS)} ([[step]] tables)", field=key))
    title = _text(doc, "title", source, problems)
    setup = _text(doc, "setup", source, problems)
    raw_steps = doc.get("step")
    steps: list[Step] = []
    if isinstance(raw_steps, dict):
        problems.append(Problem(source, "write each step as [[step]], with two brackets: "
                                "[step] makes one table, not a list of steps", field="step"))
    elif not isinstance(raw_steps, list) or not raw_steps:
        problems.append(Problem(source, "a lesson needs at least one [[step]] table",
                                field="step"))
    else:
        for n, raw in enumerate(raw_steps, 1):
            step = _step(raw, n, source, problems)
            if step is not None:
                steps.append(step)
    if problems:
        raise LessonError(problems)
    return Lesson(title, setup, tuple(steps), source, folder)


def read_lesson_file(path: str | Path) -> Lesson:
    """A lesson from a .toml file, named in errors as the user named it."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LessonError([Problem(str(path), f"cannot read the lesson: {reason}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError([Problem(str(path), "not a text file in UTF-8")]) from None
    return read_lesson(text, str(path), p.resolve().parent)


def _text(doc: dict, key: str, source: str, problems: list[Problem]) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or (key == "title" and not value.strip()):
        what = "missing" if value is None else f"must be text, not {_kind(value)}"
        example = EXAMPLES[key]
        problems.append(Problem(source, f"{what}: e.g. {key} = {example}", field=key))
        return ""
    return value


def _kind(value: object) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _step(raw: object, n: int, source: str, problems: list[Problem]) -> Step | None:
    """One [[step]] table as a Step, or None with its problems added."""
    def bad(field: str, message: str) -> None:
        problems.append(Problem(source, message, step=n, field=field))

    if not isinstance(raw, dict):
        bad("step", "each step is a [[step]] table")
        return None
    before = len(problems)
    for key in raw:
        if key not in STEP_FIELDS:
            bad(key, f"unknown field {key!r}; a step has {', '.join(STEP_FIELDS)}")
    for key in ("say", "wait", "ask", "predict", "do", "view", "setup"):
        if key in raw and not isinstance(raw[key], str):
            bad(key, f"must be text in quotes, not {_kind(raw[key])}")
    if "say" not in raw:
        bad("say", "every step needs say = \"…\": what the learner reads")
    elif isinstance(raw["say"], str) and not raw["say"].strip():
        bad("say", "is empty: say what the learner should read")
    actions = [k for k in ("wait", "ask", "predict") if k in raw]
    if len(actions) > 1:
        bad(actions[1], f"a step has at most one of wait, ask and predict (this one has "
            f"{' and '.join(actions)}): split it into two steps")
    if "predict" in raw and "do" not in raw:
        bad("do", "predict needs do = \"KEY\": the key the app presses before checking "
            "the answer, e.g. do = \"s\"")
    if "do" in raw and "predict" not in raw:
        bad("do", "do goes with predict (the app performs it after the learner answers); "
            "to have the learner press a key, use wait")
    tolerance = raw.get("tolerance", DEFAULT_TOLERANCE)
    if "tolerance" in raw:
        if "ask" not in raw and "predict" not in raw:
            bad("tolerance", "tolerance goes with ask or predict")
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) \
                or not 0 < tolerance <= MAX_TOLERANCE:
            bad("tolerance", f"must be a number above 0 and at most {MAX_TOLERANCE:g} (a "
                f"share of the value: 0.01 is 1%), not {tolerance!r}")
    if len(problems) > before:
        return None
    return Step(say=raw["say"], wait=raw.get("wait"), ask=raw.get("ask"),
                predict=raw.get("predict"), do=raw.get("do"), tolerance=float(tolerance),
                view=raw.get("view"), setup=raw.get("setup"))
