"""The source of the functions that write `backprop train`'s text, for a generated program
to embed: it then prints the same bytes by construction, not by imitation.

`core.present.report` (and the few classification counts of `core.maths.metrics`) are pure
functions of builtins and NumPy as `np`; a function is copied with every function of the
same module it calls, in the order the module defines them.
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


def sources(module: ModuleType, names: list[str]) -> str:
    """The source of `names` and their helpers from `module`, two blank lines apart."""
    return "\n\n".join(inspect.getsource(getattr(module, n)) for n in _closure(module, names))


def report_sources(names: list[str]) -> str:
    return sources(report, names)


def metrics_sources(names: list[str]) -> str:
    return sources(metrics, names)
