"""The shared shape of every pane: a bordered box that draws one SessionView.

A pane keeps no training state. The app hands it an immutable view with `show(view)`; the
pane redraws from that view and its own size, so a resize needs no new numbers and a run in
a background thread can never tear a frame. Subclasses implement `lines()` only.

The view is a plain attribute, not a reactive: views hold NumPy arrays, and a reactive
would compare old and new views with `==`, which NumPy refuses to turn into one bool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget

from ..fmt import fit
from .textstyles import TextStyled

if TYPE_CHECKING:
    from core.present.views import SessionView

Cell = tuple[str, Style | None]


class PaneBody(Widget):
    """The drawing surface inside a pane's border. Only the body is refreshed after a step,
    so the terminal is sent the numbers again but not the box drawn around them."""

    DEFAULT_CSS = "PaneBody { height: 1fr; }"

    def __init__(self, pane: Pane) -> None:
        super().__init__()
        self.pane = pane

    def get_content_height(self, container, viewport, width: int) -> int:
        return self.pane.wanted_height(width, viewport.height - self.pane.above)

    def render(self) -> Text:
        return self.pane.draw(self.size.width, self.size.height)


class Pane(TextStyled, Widget):
    """Base class: bordered, titled, redrawn from the last view it was shown."""

    TITLE = ""
    PLACEHOLDER = "opening the network…"
    BOTH_RUNS = False  # with two runs: True if this pane shows both, else the shown one's

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: SessionView | None = None
        self.body = PaneBody(self)
        self.border_title = self.TITLE
        self._base_title = self.TITLE  # the title without the run it is of
        self.marks: dict[str, str] = {}  # name → "read" / "written" during a phase walk
        # Screen rows taken above this pane beyond the usual (a lesson over the top slot):
        # a pane that sizes itself to the screen plans for that many fewer.
        self.above = 0

    def compose(self) -> ComposeResult:
        yield self.body

    def on_mount(self) -> None:
        """A pane mounted after the first frame draws the view it was handed meanwhile."""
        if self.view is not None:
            self.show(self.view)

    def show(self, view: SessionView) -> None:
        """Take a new view and redraw the body once (re-measured if its height is auto)."""
        self.view = view
        self.set_title(self._base_title)  # with two runs, it names the run shown
        if not self.body.is_mounted:
            return  # on_mount draws it
        # A layout pass reflows the whole screen (most of a step's time): only when the
        # height must change. A hidden pane has no height to change; showing it lays it out.
        auto = self.body.styles.height is not None and self.body.styles.height.is_auto
        resize = auto and self.display and self.wanted_height(self.body.size.width,
                                             self.screen.size.height) != self.body.size.height
        self.body.refresh(layout=resize)

    def restyle(self) -> None:
        super().restyle()
        self.body.refresh()  # the body draws the pane's text

    def set_title(self, title: str) -> None:
        """Change the border title only when it differs: a new title redraws the border.
        With two runs it starts with the run the pane shows: `A · Gradients`."""
        self._base_title = title
        compare = self.view.compare if self.view is not None else None
        if compare is not None and not self.BOTH_RUNS:
            title = f"{compare.shown} · {title}"
        if self.border_title != title:
            self.border_title = title

    def set_marks(self, marks: dict[str, str]) -> None:
        """What the current phase reads and writes among the names this pane shows: marked
        in words (`◀ read`, `◀ written`) beside their labels and under the border, so the
        highlight survives NO_COLOR; the border colour (app.tcss) adds to it."""
        if marks == self.marks:
            return
        self.marks = marks
        parts = [f"◀ {kind}: " + " ".join(sorted(n for n, k in marks.items() if k == kind))
                 for kind in ("read", "written") if kind in marks.values()]
        self.border_subtitle = " · ".join(parts)
        self.set_class("read" in marks.values(), "-read")
        self.set_class("written" in marks.values(), "-written")
        if self.body.is_mounted:
            self.body.refresh()

    def wanted_height(self, width: int, screen_height: int) -> int:
        """For `height: auto`: as many lines as the content wants at this width."""
        if self.view is None:
            return 1
        return len(self.lines(self.view, width, 10_000))

    def draw(self, width: int, height: int) -> Text:
        """The body's content: `lines()` cut to the body's size and padded to its width, so
        each line goes to the terminal in as few styled runs as possible."""
        if self.view is None:  # the first frame: no colours yet (see TextStyles)
            return Text(fit(self.PLACEHOLDER, width), style=Style(dim=True))
        lines = self.lines(self.view, width, height)
        if len(lines) > height > 0:
            lines = [*lines[: height - 1], Text(fit("… more: taller terminal", width),
                                                style=self.style("dim"))]
        for line in lines:
            line.truncate(width, overflow="ellipsis", pad=True)
        out = Text("\n").join(lines)
        out.no_wrap = True
        return out

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        """The pane's content for this view at this size, one Text per screen line."""
        raise NotImplementedError

    def style(self, name: str) -> Style:
        """A colour from textstyles.tcss (`.pane--up`), so styling stays in CSS."""
        return self.text_style(f"pane--{name}")

    def label(self, text: str, width: int, note: str = "") -> Text:
        """A matrix or section heading, e.g. `W1 (2×2)`, with an optional dim note."""
        line = Text(" " + fit(text, width - 1), style=self.style("label"))
        mark = self.marks.get(text.split(" ", 1)[0])
        if mark and len(line) + 3 + len(mark) <= width:
            line.append(f" ◀ {mark}", style=self.style("mark"))
        if note and len(line) + 1 + len(note) <= width:
            line.append("  " + note, style=self.style("dim"))
        return line

    def grid(self, shape: tuple[int, int], cell: Callable[[int, int], Cell], width: int,
             max_rows: int, indent: int = 1, gap: int = 1) -> list[Text]:
        """Right-aligned columns of cells made by `cell(i, j)`; what does not fit is counted,
        not drawn: `+3 cols` at the end of a row, `… 8 more rows` below. Only cells that can
        be seen are formatted, so a 256×256 matrix costs what a screenful costs."""
        nrows, ncols = shape
        if not nrows or not ncols:
            return []
        shown_rows = nrows if nrows <= max_rows else max(max_rows - 1, 1)
        candidates = min(ncols, max((width - indent) // (1 + gap) + 1, 1))
        cells = [[cell(i, j) for j in range(candidates)] for i in range(shown_rows)]
        cw = max(len(text) for row in cells for text, _ in row)
        room = max((width - indent + gap) // (cw + gap), 1)
        shown_cols = ncols if ncols <= room else max(room - 1, 1)
        out = []
        for row in cells:
            # the space before a cell takes the cell's colour: spaces look the same either
            # way, and a row of same-coloured cells then goes out as a single run
            pieces: list[Cell] = [(" " * (gap if k else indent) + text.rjust(cw), style)
                                  for k, (text, style) in enumerate(row[:shown_cols])]
            if shown_cols < ncols:
                pieces.append((f" +{ncols - shown_cols} cols", self.style("dim")))
            out.append(runs(pieces))
        if shown_rows < nrows:
            more = nrows - shown_rows
            out.append(Text(" " * indent + f"… {more} more row{'s' if more > 1 else ''}",
                            style=self.style("dim")))
        return out


def runs(pieces: Sequence[Cell]) -> Text:
    """One line from (text, style) pieces, neighbours of equal style merged into one run:
    every run costs a colour escape sequence on the wire, so fewer runs, fewer bytes."""
    line = Text()
    buf, buf_style = "", None
    for text, style in pieces:
        if buf and style != buf_style:
            line.append(buf, buf_style)
            buf = ""
        if not buf:
            buf_style = style
        buf += text
    if buf:
        line.append(buf, buf_style)
    return line
