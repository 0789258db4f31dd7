"""Checking lessons before class: every problem names the file, the step and the field (or
the TOML line); `backprop lesson --check` prints `ok: N steps` or one error line per problem
with exit 2; the built-in lessons pass; a lesson's numbers are the same on every machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.lessons.format import Problem, read_lesson, right
from core.lessons.library import names, read_builtin
from tui.cli import main
from tui.lesson import check

HEAD = 'title = "t"\nsetup = "--preset notebook"\n'


def problems_of(tmp_path: Path, text: str, name: str = "lesson.toml") -> list[Problem]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _, problems = check(str(path))
    return problems


def one(tmp_path: Path, text: str) -> str:
    found = problems_of(tmp_path, text)
    assert len(found) == 1, found
    return str(found[0])


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    text = one(tmp_path, HEAD + "[[step]\nsay = 'x'\n")
    assert text.startswith(f"{tmp_path / 'lesson.toml'}: line 3: not valid TOML")


@pytest.mark.parametrize(("steps", "where", "words"), [
    ("[[step]]\nsay = 'x'\n[[step]]\nsay = 'q'\nask = 'W9[0,0]'\n", "step 2, ask",
     ["unknown quantity 'W9'", "W1, b1, W2, b2"]),
    ("[[step]]\nsay = 'q'\nask = 'W2[5,0]'\n", "step 1, ask", ["out of range", "2×1"]),
    ("[[step]]\nsay = 'x'\nwait = 'ctrl+f13'\n", "step 1, wait",
     ["no key 'ctrl+f13'", "< > b f g j k l r R s v"]),
    ("[[step]]\nsay = 'q'\npredict = 'W1[0,0]'\ndo = 'n'\n", "step 1, do", ["no key 'n'"]),
    ("[[step]]\nsay = 'see {W1[0,9]:.4f}'\n", "step 1, say", ["{W1[0,9]}", "out of range"]),
    ("[[step]]\nsay = 'see {loss:.4q}'\n", "step 1, say", ["not a number format"]),
    ("[[step]]\nsay = 'a { brace'\n", "step 1, say", ["a lone {"]),
    ("[[step]]\nsay = 'x'\nasks = 'loss'\n", "step 1, asks", ["unknown field 'asks'"]),
    ("[[step]]\nwait = 's'\n", "step 1, say", ["every step needs say"]),
    ("[[step]]\nsay = 'x'\npredict = 'loss'\n", "step 1, do", ["predict needs do"]),
    ("[[step]]\nsay = 'x'\ndo = 's'\n", "step 1, do", ["do goes with predict"]),
    ("[[step]]\nsay = 'x'\nask = 'loss'\ntolerance = 2\n", "step 1, tolerance",
     ["at most 0.5"]),
    ("[[step]]\nsay = 'x'\nask = 'loss'\nwait = 's'\n", "step 1, ask", ["at most one of"]),
    ("[[step]]\nsay = 'x'\nview = 'weights'\n", "step 1, view", ["no view 'weights'",
                                                                  "panes, dataset"]),
    ("[[step]]\nsay = 'x'\n[[step]]\nsay = 'y'\nsetup = '--lr x'\n", "step 2, setup",
     ["--lr: expected a number"]),
    ("[[step]]\nsay = 'x'\nsetup = '--data xor'\n", "step 1, setup", ["--seed"]),
    # a lesson runs one session: a second run is not a setup option (not silently dropped)
    ("[[step]]\nsay = 'x'\nsetup = '--preset notebook --compare \"--lr 0.5\"'\n",
     "step 1, setup", ["--compare"]),
])
def test_each_problem_names_its_step_and_field(tmp_path: Path, steps: str, where: str,
                                               words: list[str]) -> None:
    text = one(tmp_path, HEAD + steps)
    assert text.startswith(f"{tmp_path / 'lesson.toml'}: {where}: "), text
    for w in words:
        assert w in text, text


def test_a_setup_that_draws_numbers_must_fix_the_seed(tmp_path: Path) -> None:
    """Generated data and drawn weights differ from seed to seed: refused without --seed;
    the notebook's preset draws nothing and needs none."""
    text = one(tmp_path, 'title = "t"\nsetup = "--data xor"\n[[step]]\nsay = "x"\n')
    assert "setup: this setup draws random numbers" in text and "--seed N" in text
    assert problems_of(tmp_path, 'title = "t"\nsetup = "--data xor --seed 3"\n'
                       '[[step]]\nsay = "x"\n') == []
    assert problems_of(tmp_path, HEAD + '[[step]]\nsay = "x"\n') == []


def test_the_headless_run_asks_every_question_where_it_is_asked(tmp_path: Path) -> None:
    """A gradient asked for after the lesson has made training diverge has no value: the
    check runs the lesson (the same keys as the app) and says so, at that step."""
    text = one(tmp_path, 'title = "t"\nsetup = "--preset notebook --lr 50"\n'
               '[[step]]\nsay = "x"\nask = "dW1[0,0]"\n'
               '[[step]]\nsay = "r"\nwait = "r"\n'
               '[[step]]\nsay = "q"\nask = "dW1[0,0]"\n')
    assert ": step 3, ask: dW1[0,0] has no value at this step (training has diverged" in text


def test_a_single_bracket_step_says_how_to_write_it(tmp_path: Path) -> None:
    assert "write each step as [[step]], with two brackets" in \
        one(tmp_path, HEAD + "[step]\nsay = 'x'\n")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems_of(tmp_path, HEAD + "[[step]]\nsay = 'q'\nask = 'W9[0,0]'\n"
                        "[[step]]\nsay = 'x'\nwait = 'F1'\n[[step]]\nsay = '{nope}'\n")
    assert [(p.step, p.field) for p in found] == [(1, "ask"), (2, "wait"), (3, "say")]


def test_a_missing_file_and_an_unknown_name() -> None:
    _, found = check("no-such-lesson")
    assert "no such lesson" in str(found[0]) and "notebook" in str(found[0])
    _, found = check("/nonexistent/x.toml")
    assert str(found[0]).startswith("/nonexistent/x.toml: cannot read the lesson")


def test_right_is_within_the_tolerance_or_half_a_thousandth() -> None:
    assert right(0.404, 0.4033) and not right(0.41, 0.4033)
    assert right(0.0004, 0.0) and not right(0.0006, 0.0)
    assert right(105, 100, tolerance=0.05) and not right(106, 100, tolerance=0.05)


def test_a_data_file_is_found_beside_its_lesson(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "scores.csv").write_text("a,b\n1,2\n2,4\n3,6\n4,8\n", encoding="utf-8")
    (folder / "l.toml").write_text('title = "t"\nsetup = "--data scores.csv --seed 1"\n'
                                   '[[step]]\nsay = "{W1[0,0]}"\n', encoding="utf-8")
    _, found = check(str(folder / "l.toml"))
    assert found == []


# ---------------------------------------------------------------------------- the built-ins

def test_at_least_six_built_in_lessons_in_teaching_order() -> None:
    assert names()[:6] == ["notebook", "chain-rule", "learning-rate", "nonlinear", "softmax",
                           "health"]


@pytest.mark.parametrize("name", names())
def test_each_built_in_lesson_passes_its_check(name: str) -> None:
    lesson, found = check(name)
    assert found == []
    assert lesson is not None and lesson.questions >= 3


def test_the_format_reads_its_own_documentation() -> None:
    """The example at the top of core/lessons/format.py is a lesson."""
    import core.lessons.format as fmt

    doc = fmt.__doc__.split("\n\nReading")[0].split("\n\n", 1)[1]
    text = "\n".join(line[4:] for line in doc.splitlines())
    lesson = read_lesson(text, "doc")
    assert [s.kind for s in lesson.steps] == ["say", "wait", "ask", "predict", "say"]
    assert lesson.steps[-1].setup and lesson.questions == 2


def test_the_readmes_example_lesson_passes(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Write your own lesson", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert problems_of(tmp_path, example) == []


# ---------------------------------------------------------------------------- the command

def test_lesson_list_gives_name_then_title(capsys) -> None:
    assert main(["lesson", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == names()
    assert lines[0].split(None, 1)[1] == read_builtin("notebook").title


def test_lesson_check_ok(capsys) -> None:
    assert main(["lesson", "--check", "notebook"]) == 0
    assert capsys.readouterr().out == f"ok: {len(read_builtin('notebook').steps)} steps\n"


def test_lesson_check_bad_exits_2_with_one_error_line_per_problem(tmp_path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + "[[step]]\nsay = 'q'\nask = 'W9[0,0]'\n[[step]]\nsay = 'x'\n"
                    "wait = 'ctrl+f13'\n", encoding="utf-8")
    assert main(["lesson", "--check", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith(f"backprop: error: {path}: step ")
                                 for line in err)
    assert "step 1, ask:" in err[0] and "step 2, wait:" in err[1]


def test_opening_a_bad_lesson_exits_2_before_the_app(tmp_path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + "[[step]]\nsay = 'q'\nask = 'W9[0,0]'\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["lesson", str(path)])
    assert exc.value.code == 2
    assert "step 1, ask: unknown quantity" in capsys.readouterr().err


def test_a_lesson_decides_the_model(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--lesson", "notebook", "--lr", "0.5"])
    assert exc.value.code == 2
    assert "the lesson's setup decides the model; leave out --lr" in capsys.readouterr().err
