"""The output pane: the function the network has learned, drawn from the view's `surface`.

Two input features: ŷ over the input plane as a heatmap, two pixels per cell (`▀` with its
foreground the upper pixel and its background the lower), with the data on top: `●`/`○`
for training rows whose target is high/low, `◆`/`◇` for held-out rows. One input feature:
the learned curve (half-block pixels) through the data's points. The samples are the core's
(`core.present.surface`, at a fixed resolution); this pane only picks the nearest sample per pixel
and a colour per value, so shapes carry the meaning and colour the detail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text

from ..fmt import fit, short
from .pane import Cell, Pane, runs, top_slot_height
from .textstyles import text_styles

if TYPE_CHECKING:
    from core.present.surface import Surface
    from core.present.views import SessionView

SIDE = 26  # columns of legend right of the picture
GLYPHS = {(False, True): "●", (False, False): "○", (True, True): "◆", (True, False): "◇"}
# Several classes: a shape per class, filled for training rows and hollow for held-out ones;
# past four classes, the class's own number (held-out rows underlined).
CLASS_GLYPHS = (("●", "○"), ("▲", "△"), ("■", "□"), ("◆", "◇"))
CLASS_HUES = 6  # textstyles.tcss: .pane--class0 … .pane--class5


class OutputPane(Pane):
    """Heatmap (2 features) or curve (1 feature) of ŷ, with the data overlaid; or, when a
    hidden unit is picked in the network view, that unit's output over the input plane."""

    TITLE = "Output"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._unit: tuple[int, int] | None = None  # (layer, unit) picked, 0 is H or H1
        self._unit_cache: tuple[SessionView, tuple[int, int], Surface | None] | None = None

    @property
    def unit(self) -> tuple[int, int] | None:
        return self._unit

    @unit.setter
    def unit(self, unit: tuple[int, int] | None) -> None:
        if unit != self._unit:
            self._unit = unit
            if self.view is not None and self.display:
                self.show(self.view)

    def unit_surface(self, view: SessionView) -> Surface | None:
        """The picked unit over the input plane (the core samples it), once per view."""
        if self._unit is None:
            return None
        c = self._unit_cache
        if c is None or c[0] is not view or c[1] != self._unit:
            from core.present.units import unit_surface

            layer, j = self._unit
            ok = layer < len(view.W) - 1 and j < view.W[layer].shape[1]
            c = self._unit_cache = (view, self._unit,
                                    unit_surface(view, layer, j) if ok else None)
        return c[2]

    def show(self, view: SessionView) -> None:
        if self.display:  # a picked unit's picture costs a pass: only when it is seen
            self.set_title(self._title(view))
        super().show(view)

    def wanted_height(self, width: int, screen_height: int) -> int:
        """As tall as the top slot allows (see `top_slot_height`)."""
        if self.view is None:
            return 1
        if self.view.surface is None:
            return 3
        return max(top_slot_height(screen_height), 4)

    def _title(self, view: SessionView) -> str:
        ev, sf = view.evaluation, view.surface
        if sf is None:
            return "Output"
        names = view.dataset.feature_names
        if self.unit_surface(view) is not None:
            layer, j = self._unit  # type: ignore[misc]
            name = "H" if len(view.W) == 2 else f"H{layer + 1}"
            return (f"Unit {name}[{j}] ({view.hidden_activation}): its output over "
                    f"{' × '.join(names)} · picked in the network view")
        title = f"Output: ŷ over {' × '.join(names)}" if sf.kind == "plane" else \
            f"Output: ŷ against {names[0]}"
        if ev.accuracy is not None:
            title += f" · accuracy {ev.accuracy:.0%}"
            if ev.test_accuracy is not None:
                title += f", test {ev.test_accuracy:.0%}"
        return title

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        self.set_title(self._title(view))
        sf = view.surface
        if sf is None:
            ds = view.dataset
            return [Text(fit(f" Nothing to draw: the output pane shows data with 1 or 2 input "
                             f"features and 1 target; {ds.name} has "
                             f"{len(ds.feature_names)} and {len(ds.target_names)}.", width),
                         style=self.style("dim"))]
        rows = max(height - 1, 2)
        self._classify = view.dataset.task == "classification"
        self._several = sf.classes is not None and sf.confidence is not None
        side = SIDE if width >= 2 * SIDE else 0
        unit = self.unit_surface(view)
        if unit is not None:
            self._several = False
            cols = max(min(width - side - 1, 4 * rows), 4)
            picture = self._plane(unit, cols, rows, points=sf)
        elif sf.kind == "plane":
            cols = max(min(width - side - 1, 4 * rows), 4)
            picture = self._plane(sf, cols, rows)
        else:
            cols = max(width - side - 1, 4)
            picture = self._curve(sf, cols, rows)
        notes = (self._unit_notes(view, unit, rows) if unit is not None else
                 self._notes(view, sf, rows)) if side else []
        out = []
        for r, line in enumerate(picture):
            line = Text(" ").append_text(line)
            if r < len(notes):
                line.append(" ").append_text(notes[r])
            out.append(line)
        xs = f" {view.dataset.feature_names[0]} {short(sf.x_range[0], 3)} … " \
             f"{short(sf.x_range[1], 3)} →"
        out.append(Text(fit(xs, width), style=self.style("dim")))
        return out

    # ------------------------------------------------------------------ pictures

    def _colours(self, sf: Surface) -> tuple[RichColor, RichColor, RichColor]:
        """Low, middle and high end of the scale, from the theme via textstyles.tcss."""
        _, bg = self.background_colors
        neg = text_styles(self, "pane--neg").color
        pos = text_styles(self, "pane--pos").color
        self._hues = [text_styles(self, f"pane--class{k}").color.rich_color
                      for k in range(CLASS_HUES)]
        return neg.rich_color, bg.rich_color, pos.rich_color

    def _class_shade(self, k: int, confidence: float, sf: Surface) -> RichColor:
        """The predicted class's hue, strong where the network is sure, faint where its
        probability is near chance (1 over the number of classes)."""
        chance = 1 / len(sf.classes or (0, 0))
        t = (confidence - chance) / (1 - chance) if confidence == confidence else 0.0
        return _blend(self._palette[1], self._hues[k % CLASS_HUES], 0.3 + 0.6 * min(max(t, 0), 1))

    def _pixel_colour(self, sf: Surface, y: int, x: int) -> RichColor:
        if not self._several:
            return self._shade(sf.values[y, x], sf)
        k, conf = sf.values[y, x], sf.confidence[y, x]  # type: ignore[index]
        return self._class_shade(int(k), float(conf), sf) if k == k else self._palette[1]

    def _shade(self, value: float, sf: Surface, strength: float = 0.8) -> RichColor:
        lo, hi = sf.value_range
        t = (value - lo) / (hi - lo) if hi > lo and value == value else 0.5
        t = min(max(t, 0.0), 1.0)
        neg, mid, pos = self._palette
        end = pos if t >= 0.5 else neg
        return _blend(mid, end, abs(2 * t - 1) * strength)

    def _plane(self, sf: Surface, cols: int, rows: int,
               points: Surface | None = None) -> list[Text]:
        """`sf`'s values as colours, with the data points of `points` (default `sf`)."""
        self._palette = self._colours(sf)
        s_rows, s_cols = sf.values.shape
        px = 2 * rows
        colour = [[self._pixel_colour(sf, (2 * y + 1) * s_rows // (2 * px),
                                      (2 * x + 1) * s_cols // (2 * cols))
                   for x in range(cols)] for y in range(px)]
        cells: list[list[Cell]] = [
            [("▀", Style(color=colour[2 * r][x], bgcolor=colour[2 * r + 1][x]))
             for x in range(cols)] for r in range(rows)]
        if points is not None:
            self._several = points.classes is not None and points.confidence is not None
        self._overlay(cells, points or sf, cols, px, colour)
        return [runs(row) for row in cells]

    def _overlay(self, cells: list[list[Cell]], sf: Surface, cols: int, px: int,
                 colour: list[list[RichColor]]) -> None:
        """Data points on their cells; held-out rows last, so they are never hidden."""
        s_cols = sf.values.shape[-1]
        mid = (sf.value_range[0] + sf.value_range[1]) / 2
        order = sorted(range(len(sf.targets)), key=lambda k: bool(sf.test[k]))
        for k in order:
            x = int(sf.points[k, 0]) * cols // s_cols
            y = int(sf.points[k, 1]) * px // sf.values.shape[0] if sf.kind == "plane" \
                else _pixel(float(sf.targets[k]), sf.y_range, px)
            target = float(sf.targets[k])
            if self._several:
                cells[y // 2][x] = self._class_point(int(target), bool(sf.test[k]),
                                                     colour[y][x])
                continue
            glyph = GLYPHS[bool(sf.test[k]), not self._classify or target >= mid]
            fg = self._shade(target, sf, 1.0) if self._classify or sf.kind == "plane" \
                else self.style("label").color
            style = Style(color=fg, bgcolor=colour[y][x], bold=True)
            cells[y // 2][x] = (glyph, style)

    def _class_point(self, k: int, test: bool, bg: RichColor) -> Cell:
        """A row of class `k`: its class's shape (hollow if held out) in its class's hue."""
        glyph = CLASS_GLYPHS[k][test] if k < len(CLASS_GLYPHS) else str(k % 10)
        return glyph, Style(color=self._hues[k % CLASS_HUES], bgcolor=bg, bold=True,
                            underline=test and k >= len(CLASS_GLYPHS))

    def _curve(self, sf: Surface, cols: int, rows: int) -> list[Text]:
        """The curve as half-block pixels, each column joined to the next."""
        self._palette = self._colours(sf)
        _, bg, pos = self._palette
        px = 2 * rows
        n = sf.values.shape[0]
        on = [[False] * cols for _ in range(px)]
        prev = None
        for x in range(cols):
            v = float(sf.values[(2 * x + 1) * n // (2 * cols)])
            if v != v:
                prev = None
                continue
            y = _pixel(v, sf.y_range, px)
            for yy in range(min(y, prev if prev is not None else y),
                            max(y, prev if prev is not None else y) + 1):
                on[yy][x] = True
            prev = y
        blocks = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
        curve = Style(color=pos)
        cells: list[list[Cell]] = [[(blocks[on[2 * r][x], on[2 * r + 1][x]], curve)
                                    for x in range(cols)] for r in range(rows)]
        colour = [[bg] * cols for _ in range(px)]
        self._overlay(cells, sf, cols, px, colour)
        return [runs(row) for row in cells]

    # ------------------------------------------------------------------ legend

    def _notes(self, view: SessionView, sf: Surface, rows: int) -> list[Text]:
        ds, dim = view.dataset, self.style("dim")
        target = ds.target_names[0]
        lo, hi = sf.value_range
        top = ds.feature_names[1] if sf.kind == "plane" else target
        out = [Text(fit(f"{top} ↑ {short(sf.y_range[1], 3)}", SIDE - 1), style=dim)]
        if sf.kind == "plane" and not self._several:
            bar = Text()
            for k in range(10):
                bar.append(" ", Style(bgcolor=self._shade(lo + (hi - lo) * k / 9, sf)))
            out.append(Text(f"ŷ {short(lo, 2)} ").append_text(bar).append(f" {short(hi, 2)}"))
        if self._several:
            out += self._class_legend(view, sf)
        elif self._classify:
            mid = short((sf.value_range[0] + sf.value_range[1]) / 2, 3)
            out.append(Text(fit(f"● {target} ≥ {mid}  ○ below", SIDE - 1)))
        else:
            out.append(Text(fit(f"● a row's {target}", SIDE - 1)))
        if sf.test.any() and self._several:
            out.append(Text("hollow: held-out test rows"))
        elif sf.test.any():
            out.append(Text("◆ ◇ held-out test rows" if self._classify else "◆ held-out test row"))
        if sf.kind == "curve":
            out.append(Text("▀▄ ŷ, the network", style=self.style("pos")))
        out = out[: rows - 1]
        while len(out) < rows - 1:
            out.append(Text())
        out.append(Text(fit(f"{top} ↓ {short(sf.y_range[0], 3)}", SIDE - 1), style=dim))
        return out


    def _unit_notes(self, view: SessionView, sf: Surface, rows: int) -> list[Text]:
        """The colour scale of a unit's output, and how to get ŷ back."""
        lo, hi = sf.value_range
        bar = Text()
        for k in range(10):
            bar.append(" ", Style(bgcolor=self._shade(lo + (hi - lo) * k / 9, sf)))
        out = [Text(fit(f"{view.dataset.feature_names[1]} ↑ {short(sf.y_range[1], 3)}",
                        SIDE - 1), style=self.style("dim")),
               Text(f"a {short(lo, 2)} ").append_text(bar).append(f" {short(hi, 2)}"),
               Text(fit("shapes: the rows' targets", SIDE - 1)),
               Text(fit("pick a weight or an output", SIDE - 1), style=self.style("dim")),
               Text(fit("to see ŷ again", SIDE - 1), style=self.style("dim"))]
        out = out[: rows - 1]
        while len(out) < rows - 1:
            out.append(Text())
        out.append(Text(fit(f"{view.dataset.feature_names[1]} ↓ {short(sf.y_range[0], 3)}",
                            SIDE - 1), style=self.style("dim")))
        return out

    def _class_legend(self, view: SessionView, sf: Surface) -> list[Text]:
        """Colour: the class the network predicts there (paler where it is unsure);
        shapes: the rows' own classes. One line per class, as many as fit."""
        assert sf.classes is not None
        label = view.dataset.label_column or "class"
        out = [Text(fit(f"colour: predicted {label}", SIDE - 1), style=self.style("dim"))]
        for k, name in enumerate(sf.classes):
            glyph = CLASS_GLYPHS[k][0] if k < len(CLASS_GLYPHS) else str(k % 10)
            line = Text(f"{glyph} ", style=Style(color=self._hues[k % CLASS_HUES], bold=True))
            line.append("██", style=Style(color=self._class_shade(k, 1.0, sf)))
            out.append(line.append(fit(f" {name}", SIDE - 4)))
        return out


def _pixel(value: float, span: tuple[float, float], px: int) -> int:
    """Which of `px` pixel rows (top = 0) a value in `span` falls on."""
    lo, hi = span
    y = round((hi - value) / (hi - lo) * (px - 1)) if hi > lo else px // 2
    return min(max(y, 0), px - 1)


def _blend(a: RichColor, b: RichColor, t: float) -> RichColor:
    """A colour between a and b (t = 0 is a): drawing, not a number anyone reads."""
    ta, tb = a.get_truecolor(), b.get_truecolor()
    return RichColor.from_rgb(*(round(x + (y - x) * t) for x, y in zip(ta, tb, strict=True)))
