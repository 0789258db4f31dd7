"""Lessons in the stepper: the lesson's state without Textual (answers, keys, score), then the
pane driven with Pilot at 80×24, where what the learner does next is always its last line
and nothing a lesson does not ask for changes the session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.lessons.format import read_lesson
from core.lessons.quantities import Bound, parse
from tui.app import BackpropApp
from tui.lesson import ANSWER, END_GUARD, NEXT, LessonRun, open_setup
from tui.screens.lessons import LessonChooser

from .tui_helpers import session_of, status_text, wait_until

SIZE = (80, 24)
LESSON = '''title = "A test of the lesson engine"
setup = "--preset notebook"

[[step]]
say = "Marker one: W2 is {W2[0,0]:.4f}, row 0 predicts {yhat[0,0]:.4f}."

[[step]]
say = "Question A: what is yhat[0,0]?"
ask = "yhat[0,0]"

[[step]]
say = "Question B: what is dW2[0,0]?"
ask = "dW2[0,0]"

[[step]]
say = "Question C: predict W2[0,0] after one update."
predict = "W2[0,0]"
do = "s"

[[step]]
say = "Marker two: press s once more."
wait = "s"

[[step]]
say = "Marker three: the epoch is now {epoch}."
'''


def lesson():
    return read_lesson(LESSON, "test.toml")


def values() -> dict[str, float]:
    """The answers, from a session of its own (the notebook at epoch 0, and W2 after one
    update)."""
    session, _ = open_setup(lesson())
    bound = Bound(session)
    out = {q: bound.value(parse(q, session)) for q in ("yhat[0,0]", "dW2[0,0]")}
    session.step()
    out["W2 after"] = float(session.net.W[1][0, 0])
    return out


# ---------------------------------------------------------------------------- no Textual

def test_the_lesson_state_needs_no_textual() -> None:
    code = "import sys, tui.lesson; print(any(m.split('.')[0] in ('textual', 'rich') " \
           "for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "False"


def press(run: LessonRun, *keys: str, session=None):
    """Keys as Textual names them, with the character a terminal would send."""
    chars = {"space": " ", "enter": "\r", "backspace": "\x7f", "full_stop": ".",
             "minus": "-", "escape": "\x1b"}
    out = None
    for key in keys:
        out = run.key(key, chars.get(key, key if len(key) == 1 else None))
        if session is not None:
            run.page(session)
    return out


def test_typing_an_answer_and_scoring_it() -> None:
    session, _ = open_setup(lesson())
    run = LessonRun(lesson())
    assert run.page(session).next == NEXT
    press(run, "space", session=session)
    assert run.expects() == "answer" and run.page(session).next == ANSWER
    # keys that would step the session are refused with a bell; digits go into the answer
    assert press(run, "s").bell and run.typed == ""
    press(run, "1", "full_stop", "3", "9", "9", "backspace", "backspace", "9")
    assert run.typed == "1.39"
    press(run, "enter")
    answer = run.answers[1]
    assert answer.right and answer.value == pytest.approx(values()["yhat[0,0]"])
    assert run.page(session).next == NEXT
    press(run, "space")
    press(run, "1", "2", "3", "enter")
    assert not run.answers[2].right and run.score == 1
    assert run.answers[2].worked.startswith("dW2[0,0] = Σₙ H[n,0]·delta2[n,0] / N")


def test_an_unreadable_answer_is_refused_and_not_counted() -> None:
    session, _ = open_setup(lesson())
    run = LessonRun(lesson())
    press(run, "space", session=session)
    for typed in ("", "1.2.3", "-", "e", "1e999"):
        run.typed = typed
        reaction = press(run, "enter")
        assert reaction.bell and run.answers == {}
        assert ("not a number" if typed else "type a number first") in reaction.note


def test_a_prediction_is_performed_then_judged() -> None:
    session, _ = open_setup(lesson())
    run = LessonRun(lesson(), at=3)
    run.page(session)
    run.typed = "0.64"
    reaction = press(run, "enter")
    assert reaction.perform == "s" and run.expects() == "doing"
    session.step()  # what the screen does with `perform`
    run.judge(session)
    assert run.answers[3].right and run.answers[3].value == values()["W2 after"]


def test_a_wait_step_takes_its_key_alone() -> None:
    run = LessonRun(lesson(), at=4)
    assert run.page(None).next == "press s"
    assert press(run, "r").bell and run.at == 4
    assert press(run, "space").bell
    assert not press(run, "question_mark").consume  # help and quit keep their meaning
    assert press(run, "escape").leave
    assert press(run, "s").perform == "s"
    run.performed()
    assert run.at == 5 and run.expects() == "end"
    assert run.page(None).score == "Score: 0 of 3"


def test_nothing_is_submitted_or_pressed_while_a_run_owns_the_session() -> None:
    run = LessonRun(lesson(), at=1)
    run.typed = "1"
    assert press_running(run, "enter").bell and run.answers == {}
    run.at = 4
    assert press_running(run, "s").bell and run.pressed == set()


def press_running(run: LessonRun, key: str):
    return run.key(key, key if len(key) == 1 else None, running=True)


# ---------------------------------------------------------------------------- the pane

def lesson_lines(app: BackpropApp) -> list[str]:
    pane = app.main.query_one("#lesson")
    size = pane.body.size
    return pane.draw(size.width, size.height).plain.splitlines()


def last_line(app: BackpropApp) -> str:
    return lesson_lines(app)[-1].strip()


def make_app(text: str = LESSON) -> BackpropApp:
    found = read_lesson(text, "test.toml")
    session, _ = open_setup(found)
    return BackpropApp(session, lesson=found)


async def type_answer(pilot, text: str) -> None:
    for char in text:
        await pilot.press({".": "full_stop", "-": "minus"}.get(char, char))
    await pilot.press("enter")


async def test_a_lesson_driven_by_its_last_line_to_the_score() -> None:
    want = values()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.main.query("#lesson") and
                         last_line(app) == NEXT, 10)
        screen = "\n".join(lesson_lines(app))
        assert "Marker one: W2 is 0.6785, row 0 predicts 1.3923." in screen
        assert app.main.query_one("#params").display  # the other panes stay live
        await pilot.press("space")
        await wait_until(pilot, lambda: last_line(app) == ANSWER, 10)
        await pilot.press("s")  # must not step while the lesson waits for an answer
        await pilot.pause()
        assert session_of(app).epoch == 0
        await type_answer(pilot, f"{want['yhat[0,0]']:.4f}")
        await wait_until(pilot, lambda: any("✓" in line for line in lesson_lines(app)), 10)
        await pilot.press("space")
        await wait_until(pilot, lambda: last_line(app) == ANSWER, 10)
        await type_answer(pilot, "123")
        await wait_until(pilot, lambda: any("✗" in line for line in lesson_lines(app)), 10)
        screen = "\n".join(lesson_lines(app))
        assert f"the value is {want['dW2[0,0]']:.4f}" in screen
        assert "Σₙ H[n,0]·delta2[n,0] / N" in screen and last_line(app) == NEXT
        await pilot.press("space")
        await wait_until(pilot, lambda: last_line(app) == ANSWER, 10)
        await type_answer(pilot, f"{want['W2 after']:.5f}")
        await wait_until(pilot, lambda: any("✓" in line for line in lesson_lines(app)), 10)
        assert session_of(app).epoch == 1  # the app pressed s, then checked
        await pilot.press("space")
        await wait_until(pilot, lambda: last_line(app) == "press s", 10)
        await pilot.press("r")  # refused: the step waits for s
        await pilot.pause()
        assert session_of(app).epoch == 1
        await pilot.press("s")
        await wait_until(pilot, lambda: any("Score:" in line for line in lesson_lines(app)),
                         10)
        screen = "\n".join(lesson_lines(app))
        assert "Marker three: the epoch is now 2." in screen and "Score: 2 of 3" in screen
        assert session_of(app).epoch == 2 and "Epoch 2" in status_text(app)
        await pilot.pause(END_GUARD)  # a space typed ahead would not close the score
        await pilot.press("space")  # the end: the lesson closes, the stepper stays
        await wait_until(pilot, lambda: app.main.lesson is None, 10)
        assert not app.main.query("#lesson") and session_of(app).epoch == 2
        await pilot.press("s")  # and s steps again
        await wait_until(pilot, lambda: session_of(app).epoch == 3, 10)


THREADED = """title = "t"
setup = "--preset notebook"
[[step]]
say = "press r"
wait = "r"
[[step]]
say = "Now epoch {epoch}, loss {loss:.5f}."
ask = "epoch"
"""


async def test_a_run_in_a_thread_fills_the_next_step_when_it_ends() -> None:
    """A big network's `r` runs in a thread: the next step shows `…` for its numbers until
    the run is over, then the session's; its question is judged against the session then."""
    found = read_lesson(THREADED, "t.toml")
    session, _ = open_setup(found)
    app = BackpropApp(session, lesson=found, sync_work=1)  # every run goes to a thread
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("#lesson")) and
                         last_line(app) == "press r", 10)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.stepper.idle and session_of(app).epoch == 100
                         and any("Now epoch 100, loss 0.00072." in line
                                 for line in lesson_lines(app)), 30)
        await type_answer(pilot, "100")
        await wait_until(pilot, lambda: any("✓" in line for line in lesson_lines(app)), 10)


async def test_escape_leaves_and_reopening_starts_over() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("#lesson")), 10)
        await pilot.press("space")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.main.lesson is None, 10)
        assert "left the lesson" in status_text(app)
        app.main.start_lesson(lesson())
        await wait_until(pilot, lambda: bool(app.main.query("#lesson")), 10)
        assert app.main.lesson.at == 0 and "step 1 of 6" in \
            str(app.main.query_one("#lesson").border_title)


async def test_a_step_puts_its_view_below_the_lesson() -> None:
    text = LESSON.replace('[[step]]\nsay = "Question A', '[[step]]\nview = "dataset"\n'
                          'say = "Question A', 1)
    app = make_app(text)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("#lesson")), 10)
        assert app.main.top == "panes"
        await pilot.press("space")
        await wait_until(pilot, lambda: app.main.top == "dataset", 10)
        assert app.main.query_one("#dataset").display
        assert not app.main.query_one("#params").display
        await pilot.press("full_stop")  # typing, not a key of the stepper
        await pilot.pause()
        assert app.main.lesson.typed == "."


async def test_the_palette_chooser_opens_a_built_in_lesson_on_its_own_session() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("#lesson")), 10)
        await pilot.press("escape")
        await pilot.press("s")
        await wait_until(pilot, lambda: session_of(app).epoch == 1, 10)
        app.main.action_lessons()
        await wait_until(pilot, lambda: isinstance(app.screen, LessonChooser), 10)
        await pilot.press("enter")  # the first: the notebook
        await wait_until(pilot, lambda: app.main.lesson is not None, 30)
        assert session_of(app).epoch == 0  # a lesson starts on its own session
        assert "The notebook's six steps" in str(app.main.query_one("#lesson").border_title)


async def test_the_pane_fits_80x24_with_a_worked_answer() -> None:
    """The longest step of the notebook lesson with a wrong answer: every line whole, the
    next move last, and the panes below still there."""
    from core.lessons.library import read_builtin

    found = read_builtin("notebook")
    session, _ = open_setup(found)
    app = BackpropApp(session, lesson=found)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("#lesson")), 10)
        run = app.main.lesson
        for _ in range(30):  # to step 6, dW2[0,0]: the longest text and worked answer
            if run.at >= 5:
                break
            if run.expects() == "answer":
                await type_answer(pilot, "0")
                await wait_until(pilot, lambda: run.expects() != "answer", 10)
            state = (run.at, run.expects())
            await pilot.press("space")
            await wait_until(pilot, lambda: (run.at, run.expects()) != state, 10)  # noqa: B023
        assert run.at == 5
        await type_answer(pilot, "0")
        await wait_until(pilot, lambda: any("✗" in line for line in lesson_lines(app)), 10)
        assert "dW2[0,0] = Σₙ" in "\n".join(lesson_lines(app))
        lines = lesson_lines(app)
        assert lines[-1].strip() == NEXT and not any(line.strip() == "…" for line in lines)
        assert app.main.query_one("#params").size.height >= 6


def test_no_lesson_costs_the_stepper_nothing_at_start() -> None:
    code = ("import tui.cli, tui.app\nfrom tui.app import BackpropApp\nBackpropApp()\n"
            "import sys\nprint(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)
    mods = set(out.stdout.split())
    assert not {"tui.lesson", "core.lessons", "tomllib", "tui.widgets.lesson"} & mods


def test_space_typed_ahead_does_not_close_the_score() -> None:
    """At the end, space closes the lesson; one that arrives within a moment of the score
    (typed ahead for the last step, or a slow screen) is kept for nothing."""
    now = [100.0]
    run = LessonRun(lesson(), at=5, clock=lambda: now[0])
    assert run.page(None).score == "Score: 0 of 3"
    assert not press(run, "space").leave
    now[0] += 1.0
    assert press(run, "space").leave


def test_lesson_keys_are_the_stepper_keys_a_lesson_may_use() -> None:
    """Each key a lesson may wait for is a main-screen action; none draws a new seed or
    plays (the lesson would differ between machines); the view keys change no session."""
    from tui.commands import lesson_keys, view_keys
    from tui.lesson import STEPPER_CALLS
    from tui.screens.main import MainScreen

    keys = lesson_keys()
    assert {"s", "r", "R", "b", "<", ">"} <= set(keys) and not {"n", "p", " "} & set(keys)
    for action in keys.values():
        assert hasattr(MainScreen, "action_" + action.partition("(")[0])
    assert "cycle_top" in keys.values() and "v" in view_keys()
    shown_only = {a.partition("(")[0] for k, a in keys.items() if k in view_keys()}
    assert shown_only == {"toggle_log", "row", "cycle_top"}
    assert not shown_only & {"step", "run", "restart", "back", "next_phase", "lr"}
    assert {"step", "run", "restart", "back", "next_phase", "lr"} <= set(STEPPER_CALLS)


def test_the_headless_run_walks_the_chain_rule_view_as_the_screen_does() -> None:
    """In the chain-rule view f walks its graph and leaves the session alone; elsewhere f
    walks the phases of an update, which ends in the update."""
    from tui.lesson import Headless

    run = Headless(lesson())
    session = run.open(lesson().setup)
    run.show("chain")
    for _ in range(6):
        run.perform("f")
    run.perform("b")
    assert session.epoch == 0 and run.stepper.walk is None and run.chain_step == 4
    run.show("panes")
    for _ in range(6):
        run.perform("f")
    assert session.epoch == 1
    run.perform("v")
    assert run.top == "dataset"
