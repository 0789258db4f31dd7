"""How numbers look on screen: fixed widths, no NaN or inf, signs that survive NO_COLOR.

Pure string functions on numbers the core produced. Nothing here computes a new quantity;
it only decides how many digits of an existing one to show.
"""

from __future__ import annotations

import math

UP, DOWN, SAME = "▲", "▼", "·"
NOT_A_NUMBER = "—"  # what a non-finite value shows instead of nan/inf
MINUS = "-"


def is_finite(x: float) -> bool:
    """True for a real number we may print; numpy scalars and Python floats alike."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


DIGITS = 4  # significant digits of every number the core computed, wherever it is shown
WIDTH = 9  # the widest `num` writes (a sign, then 0.001234 or 1.234e-5), exponents < 10


def num(x: float, signed: bool = False) -> str:
    """A computed value, written the one way the whole screen writes it: DIGITS significant
    digits, fixed point from 0.001 to 9999 (0.5348, 0.04540, 118.3), else scientific
    (1.712e-5), so a tiny gradient never reads as 0.0000 and the same number looks the same
    in every pane. `signed` writes + before positive values (and a space before zero), for
    columns of gradients and changes. Zero is 0.000, like any other number."""
    if not is_finite(x):
        return NOT_A_NUMBER
    x = float(x)
    a = abs(x)
    sign = MINUS if x < 0 else "+" if signed else ""
    if a == 0:
        return (" " if signed else "") + "0." + "0" * (DIGITS - 1)
    mantissa, exp = f"{a:.{DIGITS - 1}e}".split("e")
    e = int(exp)  # after rounding: 9999.7 is 1.000e4
    if -3 <= e < DIGITS:
        return f"{sign}{a:.{DIGITS - 1 - e}f}"
    return f"{sign}{mantissa}e{e}"


LOSS_DECIMALS = 6  # a loss as `train` and the notebook's log write it, one decimal more


def loss(x: float, signed: bool = False) -> str:
    """A loss (or J), the one way the whole screen writes a loss: fixed point with 6
    decimals (`0.000724`), as the notebook's log writes it (`Loss: 0.00072`, one decimal
    more), so the status line, the loss pane, its axis, the phase walk and the health view
    agree, and two runs' losses line up digit for digit. Where 6 decimals would read 0 (below
    5e-7), or the number is 10,000 or more, it is written as `num` writes it. `signed`: a
    change of a loss, with + before a rise."""
    if not is_finite(x):
        return NOT_A_NUMBER
    a = abs(float(x))
    if a == 0 or 5e-7 <= a < 1e4:
        return f"{float(x):{'+' if signed else ''}.{LOSS_DECIMALS}f}"
    return num(x, signed)


def short(x: float, digits: int = 4) -> str:
    """A value someone typed or a file holds (an lr, a score, an hour count), as they would
    write it: `digits` significant figures, whole numbers as they are (55, not 55.00).
    Numbers the core computed are written with `num`."""
    if not is_finite(x):
        return NOT_A_NUMBER
    x = float(x)
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return f"{x:.{digits}g}"


def arrow(change: float) -> str:
    """Which way a value moved: ▲ up, ▼ down, · not at all (or unknown)."""
    if not is_finite(change) or change == 0:
        return SAME
    return UP if change > 0 else DOWN


def update_name(rec) -> str:
    """`epoch 198's update`, or `epoch 3, batch 2/5` with mini-batches: how every pane names
    the update a record holds (its epoch counted from 0, as the notebook counts)."""
    if rec.batches > 1:
        return f"epoch {rec.epoch}, batch {rec.batch + 1}/{rec.batches}"
    return f"epoch {rec.epoch}'s update"


def shape(rows: int, cols: int) -> str:
    """`(2×2)`, the way the notebook's comments write shapes."""
    return f"({rows}×{cols})"


def fit(text: str, width: int) -> str:
    """Cut a line to `width` cells with an ellipsis rather than let it wrap."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to `width` cells, for notes and placeholders in narrow panes (Rich
    would wrap too, but the panes draw one Text per screen line)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines
