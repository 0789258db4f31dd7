"""The lessons that ship with the package: .toml files in `builtin/`, in teaching order."""

from __future__ import annotations

from pathlib import Path

from .format import Lesson, LessonError, Problem, read_lesson, read_lesson_file

FOLDER = Path(__file__).with_name("builtin")
# the order `backprop lesson --list` gives them: from the notebook to what goes wrong
ORDER = ("notebook", "chain-rule", "learning-rate", "nonlinear", "softmax", "health")


def names() -> list[str]:
    """Every built-in lesson's name: the taught order first, then any others by name."""
    found = {p.stem for p in FOLDER.glob("*.toml")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def read_builtin(name: str) -> Lesson:
    path = FOLDER / f"{name}.toml"
    return read_lesson(path.read_text(encoding="utf-8"), f"{name}.toml (built-in)",
                       FOLDER)


def find(name: str) -> Lesson:
    """A built-in lesson by name, or a lesson file by path (anything ending in .toml, or
    an existing file)."""
    if name in names() and not Path(name).is_file():
        return read_builtin(name)
    if name.lower().endswith(".toml") or Path(name).exists():
        return read_lesson_file(name)
    raise LessonError([Problem(name, f"no such lesson: the built-in lessons are "
                               f"{', '.join(names())}; a lesson file ends in .toml")])


def titles() -> list[tuple[str, str]]:
    """(name, title) of each built-in lesson, for a list to choose from."""
    return [(n, read_builtin(n).title) for n in names()]
