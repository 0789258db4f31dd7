"""Small heatmaps in half blocks: a unit's picture over the input plane, a strip of weights.

Each cell is `▀` with its foreground the upper pixel and its background the lower one, so a
cell holds two pixels. Colours run from the theme's negative end through the background to
its positive end (textstyles.tcss: `pane--neg`, `pane--pos`), as the output pane's do; the
numbers are the core's, this only picks a colour per value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color as RichColor
from rich.style import Style

from .textstyles import text_styles

if TYPE_CHECKING:
    import numpy as np

    from .pane import Cell, Pane

Palette = tuple[RichColor, RichColor, RichColor]  # negative end, middle, positive end


def palette(pane: Pane) -> Palette:
    _, bg = pane.background_colors
    neg = text_styles(pane, "pane--neg").color
    pos = text_styles(pane, "pane--pos").color
    return neg.rich_color, bg.rich_color, pos.rich_color


def blend(a: RichColor, b: RichColor, t: float) -> RichColor:
    ta, tb = a.get_truecolor(), b.get_truecolor()
    return RichColor.from_rgb(*(round(x + (y - x) * t) for x, y in zip(ta, tb, strict=True)))


LEVELS = 24  # shades each side of the middle: finer than a terminal cell shows
_SHADES: dict[tuple[Palette, float, int], RichColor] = {}


def shade(value: float, lo: float, hi: float, colours: Palette, strength: float = 0.9) -> \
        RichColor:
    """`lo` at the negative end, the middle of the span at the background, `hi` at the
    positive end; a non-finite value in the middle. Shades are kept by level, so a strip
    of a thousand cells mixes a few dozen colours."""
    t = (value - lo) / (hi - lo) if hi > lo and value == value and abs(value) != float("inf") \
        else 0.5
    level = round((min(max(t, 0.0), 1.0) * 2 - 1) * LEVELS)
    key = (colours, strength, level)
    colour = _SHADES.get(key)
    if colour is None:
        neg, mid, pos = colours
        colour = _SHADES[key] = blend(mid, pos if level >= 0 else neg,
                                      abs(level) / LEVELS * strength)
        if len(_SHADES) > 4096:  # themes come and go: keep it small
            _SHADES.clear()
    return colour


def picture(values: np.ndarray, lo: float, hi: float, width: int, lines: int,
            colours: Palette) -> list[list[Cell]]:
    """`values` (pixel rows × columns) drawn in `width` × `lines` cells (nearest sample)."""
    rows, cols = values.shape
    px = 2 * lines
    colour = [[shade(float(values[(2 * y + 1) * rows // (2 * px),
                                  (2 * x + 1) * cols // (2 * width)]), lo, hi, colours)
               for x in range(width)] for y in range(px)]
    return [[("▀", Style(color=colour[2 * r][x], bgcolor=colour[2 * r + 1][x]))
             for x in range(width)] for r in range(lines)]


def strip(values: list[float], lo: float, hi: float, width: int,
          colours: Palette) -> list[Cell]:
    """Up to 2·`width` values in one line of cells: the first `width` on the upper pixels,
    the rest on the lower ones; an empty slot is background."""
    _, mid, _ = colours
    top = [shade(v, lo, hi, colours) for v in values[:width]]
    low = [shade(v, lo, hi, colours) for v in values[width:2 * width]]
    top += [mid] * (width - len(top))
    low += [mid] * (width - len(low))
    return [("▀", Style(color=a, bgcolor=b)) for a, b in zip(top, low, strict=True)]
