"""The shared shape of every pane: a bordered box that draws one SessionView.

A pane keeps no training state. The app hands it an immutable view with `show(view)`; the
pane redraws from that view and its own size, so a resize needs no new numbers and a run in
a background thread can never tear a frame. Subclasses implement `lines()` only.

The view is a plain attribute, not a reactive: views hold NumPy arrays, and a reactive
would compare old and new views with `==`, which NumPy refuses to turn into one bool.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget

from ..fmt import fit
from ..fmt import shape as shape_text
from .textstyles import TextStyled

if TYPE_CHECKING:
    from core.present.views import SessionView

Cell = tuple[str, Style | None]
PAGE_KEY = "m"  # the key that shows a pane's next page (the footer names it when needed)


class Paged(Message):
    """A pane started or stopped paging: the footer shows `m` exactly while one does."""


class Block(NamedTuple):
    """Lines a pane draws as one piece (a matrix under its label), counted before any is
    drawn: a pane pages through blocks and formats only the lines on screen."""

    name: str  # what the block shows ("W1", "dW2"), for marks and for keeping it in view
    height: int
    draw: Callable[[int, int], list[Text]]  # its lines start … stop − 1
    cols: tuple[int, int] = (0, 1 << 30)  # the matrix's columns it holds
    top: int = 0  # lines above its first row (a label)
    wrap: int = 0  # a single row wrapped, this many entries a line (0: a row a line)

    def line_of(self, i: int, j: int) -> int | None:
        """The line showing entry (i, j) of its matrix, None if it holds no such entry."""
        if self.wrap:
            return self.top + j // self.wrap if i == 0 else None
        inside = self.cols[0] <= j < self.cols[1] and 0 <= i < self.height - self.top
        return self.top + i if inside else None


def text_block(lines: list[Text], name: str = "") -> Block:
    """Lines already drawn, as a block."""
    return Block(name, len(lines), lambda start, stop: lines[start:stop])


def _holds(block: Block, start: int, stop: int, focus: Sequence[tuple[str, int, int]]) -> bool:
    """Whether lines start … stop − 1 of `block` show an entry of `focus`."""
    for name, i, j in focus:
        if name == block.name:
            line = start if i < 0 else block.line_of(i, j)
            if line is not None and start <= line < stop:
                return True
    return False


def _pack(blocks: Sequence[Block], size: int) -> list[list[tuple[int, int, int]]]:
    """Pages of at most `size` lines, as (block, start, stop) pieces: whole blocks on one
    page where they fit, a block taller than a page split across pages."""
    pages: list[list[tuple[int, int, int]]] = [[]]
    used = 0
    for k, block in enumerate(blocks):
        at = 0
        while at < block.height:
            room = size - used
            if room <= 0 or (at == 0 and room < block.height <= size):
                pages.append([])
                used, room = 0, size
            take = min(room, block.height - at)
            pages[-1].append((k, at, at + take))
            used, at = used + take, at + take
    return [page for page in pages if page]


class PaneBody(Widget):
    """The drawing surface inside a pane's border. Only the body is refreshed after a step,
    so the terminal is sent the numbers again but not the box drawn around them."""

    DEFAULT_CSS = "PaneBody { height: 1fr; }"

    def __init__(self, pane: Pane) -> None:
        super().__init__()
        self.pane = pane

    def get_content_height(self, container, viewport, width: int) -> int:
        started = time.perf_counter()
        try:
            return self.pane.wanted_height(width, viewport.height - self.pane.above)
        finally:
            Pane.drawing += time.perf_counter() - started

    def render(self) -> Text:
        started = time.perf_counter()
        try:
            return self.pane.draw(self.size.width, self.size.height)
        finally:
            Pane.drawing += time.perf_counter() - started


class Pane(TextStyled, Widget):
    """Base class: bordered, titled, redrawn from the last view it was shown."""

    TITLE = ""
    PLACEHOLDER = "opening the network…"
    BOTH_RUNS = False  # with two runs: True if this pane shows both, else the shown one's
    # Seconds all panes have spent measuring and drawing their text, so far: a threaded run
    # spaces its progress frames by what they cost (tui/stepper.py, PROGRESS_SHARE).
    drawing = 0.0

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
        self.page = 0  # which page is on screen when the content does not fit
        self.pages = 1  # how many pages the last draw had
        self._focus: tuple[str, ...] = ()  # the names last brought into view

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
        paged = self.pages > 1
        lines = self.lines(self.view, width, height)
        if len(lines) > height > 0:  # a pane that does not page by itself: by lines
            lines = self.paged([], [text_block([line]) for line in lines], width, height)
        if (self.pages > 1) != paged:  # the footer names the key while a pane pages
            self.call_later(self.post_message, Paged())
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

    def next_page(self) -> bool:
        """`m`: the next page of a pane whose content does not fit; False if it fits."""
        if self.pages <= 1:
            return False
        self.page = (self.page + 1) % self.pages
        self.body.refresh()
        return True

    def paged(self, head: list[Text], blocks: Sequence[Block], width: int, height: int,
              focus: Sequence[tuple[str, int, int]] = ()) -> list[Text]:
        """`head`, then every block when they fit in `height`; else page `self.page` of
        them and a last line naming the page and the key to the next. When `focus` changes
        (entries (name, i, j): the weight picked; i = -1 for a whole matrix, as what a phase
        writes), the page holding it comes into view."""
        room = height - len(head)
        if sum(b.height for b in blocks) <= room or room < 2:
            self.pages = 1
            return head + [line for b in blocks for line in b.draw(0, b.height)]
        pages = _pack(blocks, room - 1)
        self.pages = len(pages)
        if tuple(focus) != self._focus:
            self._focus = tuple(focus)
            wanted = [k for k, page in enumerate(pages)
                      if any(_holds(blocks[b], start, stop, self._focus)
                             for b, start, stop in page)]
            if wanted:
                self.page = wanted[0]
        self.page %= len(pages)
        out = list(head)
        for i, start, stop in pages[self.page]:
            out += blocks[i].draw(start, stop)
        # blank lines keep the page line in one place from page to page
        out += [Text("") for _ in range(room - 1 - (len(out) - len(head)))]
        out.append(Text(fit(f" page {self.page + 1}/{len(pages)} · {PAGE_KEY} more", width),
                        style=self.style("dim")))
        return out

    def matrix(self, name: str, shape: tuple[int, int], cell: Callable[[int, int], Cell],
               width: int, note: str = "", label_w: int = 0, gap: int = 1,
               touch: bool = False) -> list[Block]:
        """One matrix as blocks of right-aligned columns made by `cell(i, j)`: under
        `name (r×c)  note`, or (`label_w` > 0, compact) with the name beside its first row in
        a column that wide. Columns that do not fit the width go to further blocks, a group
        of units each (`W2 (8×8) units 3–4 of 8`), so every number is on some page. Widths
        come from a sample of cells and only cells on screen are formatted, so a 256×256
        matrix costs what a screenful costs. `touch`: cells end in a mark (▲▼), so beside
        its name they may go without the space between them."""
        nrows, ncols = shape
        if not nrows or not ncols:
            return []
        cw = max(len(cell(i, j)[0]) for i in range(min(nrows, 16))
                 for j in range(min(ncols, 32)))
        per = max((width - 1 - label_w + gap) // (cw + gap), 1)
        if label_w and per < ncols and touch and (width - 1 - label_w) // cw >= ncols:
            gap, per = 0, ncols  # beside its name, if the cells may touch (an arrow ends each)
        if label_w and per < ncols:  # too wide to sit beside its name: under it, in groups
            label_w, per = 0, max((width - 1 + gap) // (cw + gap), 1)
        mark = self.marks.get(name)
        name_style = self.style("mark" if mark else "label")

        def line(i: int, j0: int, j1: int, named: bool = False) -> Text:
            # the space before a cell takes the cell's colour: spaces look the same either
            # way, and a row of same-coloured cells then goes out as a single run
            pieces: list[Cell] = [(" " + (name if named else "").ljust(label_w), name_style)] \
                if label_w else [(" ", None)]
            for j in range(j0, j1):
                text, style = cell(i, j)
                pieces.append((" " * (gap if j > j0 else 0) + text.rjust(cw), style))
            return runs(pieces)

        if label_w:
            # a piece of it on a later page is named again on its first line
            return [Block(name, nrows, lambda a, b: [line(i, 0, ncols, i == a)
                                                     for i in range(a, b)], (0, ncols))]
        groups = -(-ncols // per)
        title = f"{name} {shape_text(nrows, ncols)}"
        if nrows == 1 and groups > 1:  # one row (a bias): wrapped, each line's units before it
            return [self._wrapped(name, title, cell, cw, width, 0 if touch else gap)]
        blocks = []
        for g in range(groups):
            j0, j1 = g * per, min((g + 1) * per, ncols)
            units = f" unit {j1}" if j1 == j0 + 1 else f" units {j0 + 1}–{j1}"
            head = title + (units if groups > 1 else "")

            def draw(a: int, b: int, j0: int = j0, j1: int = j1, head: str = head) -> list[Text]:
                return [self.label(head, width, note if groups == 1 else "") if k == 0
                        else line(k - 1, j0, j1) for k in range(a, b)]

            blocks.append(Block(name, nrows + 1, draw, (j0, j1), 1))
        return blocks

    def _wrapped(self, name: str, title: str, cell: Callable[[int, int], Cell], cw: int,
                 width: int, gap: int) -> Block:
        """A single row too long for a line, as lines of units, each after the number of its
        first unit (counted from 1): `5  0.1 0.2 0.3 0.4` holds units 5 to 8."""
        ncols = int(title.split("×")[1].rstrip(")"))
        unit_w = len(str(ncols)) + 1
        per = max((width - 1 - unit_w + gap) // (cw + gap), 1)
        if gap == 0 and (width - unit_w) // (cw + 1) >= per:
            gap = 1  # cells ending in a mark get a space too, where it costs no column

        def line(k: int) -> Text:
            j0, j1 = k * per, min((k + 1) * per, ncols)
            pieces: list[Cell] = [(" " + str(j0 + 1).ljust(unit_w), self.style("dim"))]
            for j in range(j0, j1):
                text, style = cell(0, j)
                pieces.append((" " * (gap if j > j0 else 0) + text.rjust(cw), style))
            return runs(pieces)

        lines = -(-ncols // per)
        return Block(name, lines + 1, lambda a, b: [
            self.label(f"{title} from unit", width) if k == 0 else line(k - 1)
            for k in range(a, b)], (0, ncols), 1, per)

    def pending(self, name: str, shape: tuple[int, int], width: int, when: str,
                label_w: int = 0) -> Block:
        """A matrix not computed yet (a phase walk has not reached it): its name and when it
        will be, on one line, and no numbers."""
        line = Text(" " + name.ljust(max(label_w, len(name) + 1)), style=self.style("label"))
        line.append(fit(when, width - len(line)), style=self.style("dim"))
        return text_block([line], name)


def top_slot_height(screen_height: int) -> int:
    """Lines the network and output panes may take in the top slot: room for a picture at
    80×24, and at most two fifths of a tall screen, as the dataset, so the panes below
    stay readable."""
    return max(screen_height * 2 // 5 - 2, min(10, screen_height // 2 - 2))


def tall_top_height(screen_height: int, wide: bool) -> int:
    """Lines a top pane of text (the chain rule, health) may take: what the panes below
    leave it, keeping them 8 lines (10 rows with their borders, and the status line and the
    footer) side by side, the notebook's gradients in full; in the wide layout, where the
    weights and the loss stack, the top slot's usual share."""
    if wide:
        return top_slot_height(screen_height)
    return max(top_slot_height(screen_height), screen_height - 14)


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
