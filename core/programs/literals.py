"""Python source for numbers and arrays: literals that read back as exactly the same float64.

A generated program starts from the session's own numbers, so every float is written with
`repr`, which round-trips; whole numbers are written without `.0` where that reads better and
loses nothing. No NumPy objects leak into the text: arrays become nested lists.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

WIDTH = 96  # characters a generated line aims to stay within


def num(x: float) -> str:
    """A float as Python source that evaluates to the same float64 (NumPy's names for the
    non-finite ones)."""
    x = float(x)
    if math.isnan(x):
        return "np.nan"
    if math.isinf(x):
        return "np.inf" if x > 0 else "-np.inf"
    if x.is_integer() and abs(x) < 2**53 and math.copysign(1.0, x) > 0:
        return str(int(x))
    return repr(x)


def _wrap(items: list[str], indent: str, width: int = WIDTH) -> list[str]:
    """Items packed into lines of at most `width` characters; each line ends with a comma."""
    lines: list[str] = []
    line = ""
    for item in items:
        piece = f"{item},"
        if line and len(indent) + len(line) + 1 + len(piece) > width:
            lines.append(indent + line)
            line = ""
        line = f"{line} {piece}" if line else piece
    if line:
        lines.append(indent + line)
    return lines


def wrap_items(items: list[str], indent: str) -> list[str]:
    """Literal items packed into lines, each ending with a comma."""
    return _wrap(items, indent)


def row_text(values, indent: str = "") -> str:
    """`[a, b, c]`, wrapped over lines when it is long."""
    items = [num(v) for v in np.asarray(values, dtype=float).ravel()]
    one = "[" + ", ".join(items) + "]"
    if len(indent) + len(one) <= WIDTH:
        return one
    inner = _wrap(items, indent + "    ")
    return "[\n" + "\n".join(inner) + f"\n{indent}]"


def matrix(a: np.ndarray, indent: str = "", prefix: str = "", call: str = "np.array",
           extra: str = "") -> str:
    """`np.array([[…], […]])` for a 2-D array: on one line if it fits after `prefix`, else a
    row per line. Whole-number tables get a float dtype so that they stay floats; `extra`
    goes inside the call (`, requires_grad=True`)."""
    a = np.asarray(a, dtype=float)
    whole = np.isfinite(a).all() and (a == np.round(a)).all()
    dtype = (", dtype=float" if call == "np.array" else ", dtype=torch.float64") if whole else ""
    rows = [row_text(r, indent + "    ") for r in a]
    one = f"{call}([{', '.join(rows)}]{dtype}{extra})"
    if "\n" not in one and len(indent) + len(prefix) + len(one) <= WIDTH:
        return one
    body = ",\n".join(f"{indent}    {r}" for r in rows)
    return f"{call}([\n{body},\n{indent}]{dtype}{extra})"


def ints(values) -> str:
    """`[3, 0, 7]` for row indices, wrapped when long."""
    items = [str(int(v)) for v in np.asarray(values).ravel()]
    one = "[" + ", ".join(items) + "]"
    if len(one) <= WIDTH - 20:
        return one
    return "[\n" + "\n".join(_wrap(items, "    ")) + "\n]"


def mapping(value: dict, indent: str = "") -> str:
    """A dict of plain values (a generator's state) as a literal, a key a line."""
    items = [f"{indent}    {k!r}: {v!r}," for k, v in value.items()]
    return "{\n" + "\n".join(items) + f"\n{indent}}}"


def comment(text: str, indent: str = "") -> list[str]:
    """Prose as `# ` comment lines that fit the width."""
    return textwrap.wrap(text, WIDTH - len(indent) - 2, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ", break_on_hyphens=False)
