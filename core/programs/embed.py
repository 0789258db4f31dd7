"""The source of the functions that write `backprop train`'s text, for a generated program
to embed: it then prints the same bytes by construction, not by imitation.

`core.present.report` (and the few classification counts of `core.maths.metrics`) are pure
functions of builtins and NumPy as `np`; a function is copied with every function of the
same module it calls, in the order the module defines them, and the module's constants it
reads (`PRINTED_ROWS`) written as their values, so the copy needs nothing else.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from types import ModuleType

from ..maths import metrics
from ..present import report


def _calls(module: ModuleType, name: str) -> set[str]:
    """Functions of `module` that `name`'s body names."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(module, name))))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return {n for n in names if n != name and inspect.isfunction(getattr(module, n, None))
            and getattr(module, n).__module__ == module.__name__}


def _closure(module: ModuleType, names: list[str]) -> list[str]:
    """`names` and everything they call, in the module's own order."""
    todo, seen = list(names), set()
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo += _calls(module, n)
    return sorted(seen, key=lambda n: inspect.getsourcelines(getattr(module, n))[1])


def _constant(module: ModuleType, name: str) -> bool:
    """A module-level constant: an UPPER_CASE name bound to a number or a string."""
    value = getattr(module, name, None)
    return name.isupper() and isinstance(value, int | float | str) and \
        not isinstance(value, bool)


def source(module: ModuleType, name: str) -> str:
    """The source of one function of `module`, each of the module's constants in it replaced
    by its value (`repr`)."""
    text = inspect.getsource(getattr(module, name))
    lines = text.splitlines(keepends=True)
    found = [n for n in ast.walk(ast.parse(textwrap.dedent(text)))
             if isinstance(n, ast.Name) and _constant(module, n.id)]
    indent = len(text) - len(text.lstrip(" "))  # what dedent took off each line
    for node in sorted(found, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        i, col = node.lineno - 1, node.col_offset + indent  # col_offset counts UTF-8 bytes
        line, name = lines[i].encode(), node.id.encode()
        assert line[col:col + len(name)] == name, f"{node.id} not where ast puts it"
        value = repr(getattr(module, node.id)).encode()
        lines[i] = (line[:col] + value + line[col + len(name):]).decode()
    return "".join(lines)


def sources(module: ModuleType, names: list[str]) -> str:
    """The source of `names` and their helpers from `module`, two blank lines apart."""
    return "\n\n".join(source(module, n) for n in _closure(module, names))


def report_sources(names: list[str]) -> str:
    return sources(report, names)


def metrics_sources(names: list[str]) -> str:
    return sources(metrics, names)
