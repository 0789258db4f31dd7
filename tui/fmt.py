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


def num(x: float, decimals: int = 4, signed: bool = False) -> str:
    """A value in at most `decimals + 4` cells: fixed point when that keeps its leading
    digits, else scientific (1.23e-4), so a tiny gradient never reads as 0.0000."""
    if not is_finite(x):
        return NOT_A_NUMBER
    x = float(x)
    sign = "+" if signed and x > 0 else ""
    a = abs(x)
    if a == 0:
        return f"{sign}0" if not signed else " 0"
    if 10.0 ** -(decimals - 1) <= a < 10.0**4:
        return f"{sign}{x:.{decimals}f}"
    mantissa, exp = f"{x:.{max(decimals - 2, 1)}e}".split("e")
    return f"{sign}{mantissa}e{int(exp)}"


def short(x: float, digits: int = 4, keep_zeros: bool = False) -> str:
    """A value in original units (a score, an hour count): `digits` significant figures;
    whole numbers as they are (55, not 55.00), unless `keep_zeros` asks for even columns."""
    if not is_finite(x):
        return NOT_A_NUMBER
    x = float(x)
    if not keep_zeros and x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return f"{x:#.{digits}g}".rstrip(".") if keep_zeros else f"{x:.{digits}g}"


def arrow(change: float) -> str:
    """Which way a value moved: ▲ up, ▼ down, · not at all (or unknown)."""
    if not is_finite(change) or change == 0:
        return SAME
    return UP if change > 0 else DOWN


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
