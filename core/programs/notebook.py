"""A session as a Jupyter notebook (nbformat 4): the NumPy script's code cells, each after a
markdown cell that explains the step in the words of the help screen.

Written with the standard library's json only: making a notebook needs no Jupyter. The
cells carry no outputs; run in order, they print what the script prints.
"""

from __future__ import annotations

import json

from . import words as cw
from .numpy_script import sections
from .plan import Plan

NBFORMAT, NBFORMAT_MINOR = 4, 5
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def notebook(p: Plan) -> str:
    """The `.ipynb` text: an introduction, then a markdown and a code cell per section."""
    cells = [_markdown(intro(p), 0)]
    for i, sec in enumerate(sections(p), start=1):
        cells.append(_markdown(f"## {sec.title}\n\n{sec.text}", 2 * i - 1))
        cells.append(_code(sec.code, 2 * i))
    doc = {"cells": cells, "metadata": METADATA, "nbformat": NBFORMAT,
           "nbformat_minor": NBFORMAT_MINOR}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def intro(p: Plan) -> str:
    """The notebook's opening: what it is, the session's settings, backprop's steps."""
    lines = ["# Backpropagation from scratch", "",
             "A backprop-stepper session, exported as the notebook it started from: the same "
             "steps, the same names (X, y, W1, b1, H, y_hat, delta2, dW2, …) and the same "
             "numbers. It needs only NumPy" +
             (" and pandas" if p.data.source == "file" else "") + ".", ""]
    lines += [f"* **{label}**: {text}" for label, text in cw.settings(p)]
    lines.append(f"* **Starting weights**: {cw.start_words(p)}")
    if p.command:
        lines += ["", f"Run all cells: they print what `{p.command}` prints."]
    if not p.start.fresh:
        why, changes = cw.continuation(p)
        lines += ["", why, ""] + [f"* {c}" for c in changes]
    lines += ["", "## Steps in Backpropagation", ""]
    lines += cw.steps_md(p)
    lines += ["", cw.gradient_note(p)]
    return "\n".join(lines)


def _source(text: str) -> list[str]:
    """nbformat's multi-line string: a list of lines, each but the last ending in a newline."""
    lines = text.rstrip("\n").split("\n")
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def _markdown(text: str, n: int) -> dict:
    return {"cell_type": "markdown", "id": f"cell-{n}", "metadata": {},
            "source": _source(text)}


def _code(text: str, n: int) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": f"cell-{n}", "metadata": {},
            "outputs": [], "source": _source(text)}

