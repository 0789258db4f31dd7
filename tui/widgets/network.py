"""The network pane: layers as columns of nodes, weights as the lines between them.

Each line says its weight three ways, so it reads in colour, in 256 colours and with NO_COLOR:
its colour (positive / negative), its stroke (━ strong, ─ medium, ╌ weak, against the largest
|w| in the network) and a sign character where it leaves its node (`+` or `−`). A node
shows its bias (`b+0.06`) and, once a step has run, the activation of the selected row in
that step's forward pass (`a+0.53`); input nodes show the feature and the row's input.

Every edge gets its own row at both ends when the nodes are tall enough (a node is as tall
as its fan-in or fan-out), and every slanted stretch starts in the same column of its gap,
so two lines only ever share single cells where they cross. The arrow keys pick a weight or
bias (the app calls `move`); it is drawn on top, highlighted, and named in the first line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from ..fmt import MINUS, fit, num
from .pane import Cell, Pane, runs

if TYPE_CHECKING:
    from core.present.views import SessionView

NODE_W = 9  # "[b+0.06]" and a spare cell
# stroke per strength: horizontal, slant down, slant up
STROKES = {"strong": "━", "medium": "─", "weak": "╌"}
SLANT = {1: "╲", -1: "╱"}


@dataclass(frozen=True)
class Selection:
    """One parameter: W[layer][i, j] or b[layer][0, j] (layer 0 is the notebook's W1)."""

    layer: int
    kind: str  # "W" or "b"
    i: int
    j: int

    @property
    def name(self) -> str:
        return f"{self.kind}{self.layer + 1}[{self.i},{self.j}]"


class NetworkPane(Pane):
    """Nodes and weighted edges; arrows select a parameter, the app's `e` edits it."""

    TITLE = "Network"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.selected = Selection(0, "W", 0, 0)
        self.row = 0  # which row of the last step's batch the nodes' activations are from

    # ------------------------------------------------------------------ selection

    def items(self, view: SessionView, layer: int) -> list[Selection]:
        """Layer `layer`'s parameters in reading order: W row by row, then b."""
        fan_in, fan_out = view.W[layer].shape
        out = [Selection(layer, "W", i, j) for i in range(fan_in) for j in range(fan_out)]
        return out + [Selection(layer, "b", 0, j) for j in range(fan_out)]

    def clamp(self, view: SessionView) -> Selection:
        """The selection, moved inside the network if the architecture changed."""
        sel = self.selected
        layer = min(sel.layer, len(view.W) - 1)
        items = self.items(view, layer)
        if sel not in items:
            sel = items[0] if sel.kind == "W" else items[-1]
        self.selected = sel
        return sel

    def move(self, d_layer: int, d_item: int) -> Selection | None:
        """← → change layer, ↑ ↓ walk its weights then biases; returns the new selection."""
        if self.view is None:
            return None
        sel = self.clamp(self.view)
        layer = max(0, min(sel.layer + d_layer, len(self.view.W) - 1))
        old = self.items(self.view, sel.layer)
        items = self.items(self.view, layer)
        k = old.index(sel) if layer == sel.layer else min(old.index(sel), len(items) - 1)
        self.selected = items[max(0, min(k + d_item, len(items) - 1))]
        self.body.refresh()
        return self.selected

    def value(self, view: SessionView, sel: Selection) -> float:
        return float((view.W if sel.kind == "W" else view.b)[sel.layer][sel.i, sel.j])

    # ------------------------------------------------------------------ sizing

    def wanted_height(self, width: int, screen_height: int) -> int:
        """Tall enough for one row per edge at every node, at most half the screen."""
        if self.view is None:
            return 1
        sizes = _sizes(self.view)
        rows = max(n * _ports(sizes, k) + n - 1 for k, n in enumerate(sizes))
        return max(min(rows + 2, top_slot_height(screen_height)), 4)

    # ------------------------------------------------------------------ drawing

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        sel = self.clamp(view)
        sizes = _sizes(view)
        out = [self._header(view, sel, width)]
        legend = height >= 5
        rows = height - 1 - legend
        gaps = len(sizes) - 1
        gap = (width - len(sizes) * NODE_W) // gaps
        if rows < max(sizes) or gap < 5:
            out.append(Text(fit(f" {view.architecture} needs at least {max(sizes) + 2} lines "
                                f"and {len(sizes) * NODE_W + 5 * gaps} columns here: enlarge "
                                "the terminal", width), style=self.style("dim")))
            return out
        canvas = _Canvas(width, rows)
        tops, heights = self._place(sizes, rows)
        x = [k * (NODE_W + gap) for k in range(len(sizes))]
        top_w = max(float(abs(W).max()) for W in view.W)  # a drawing scale, not a number shown
        for layer, W in enumerate(view.W):
            self._edges(canvas, view, sel, layer, W, x, tops, heights, sizes, top_w)
        for k, n in enumerate(sizes):
            for j in range(n):
                self._node(canvas, view, sel, k, j, x[k], tops[k][j], heights[k])
        out += canvas.texts()
        if legend:
            out.append(self._legend(view, width, top_w))
        return out

    def _place(self, sizes: tuple[int, ...], rows: int) -> tuple[list[list[int]], list[int]]:
        """Each layer's node tops and node height, centred in `rows`."""
        tops, heights = [], []
        for k, n in enumerate(sizes):
            gap = 1 if 2 * n - 1 <= rows else 0
            h = max(1, min(_ports(sizes, k), (rows - (n - 1) * gap) // n))
            used = n * h + (n - 1) * gap
            start = (rows - used) // 2
            tops.append([start + j * (h + gap) for j in range(n)])
            heights.append(h)
        return tops, heights

    def _edges(self, canvas: _Canvas, view: SessionView, sel: Selection, layer: int, W,
               x: list[int], tops, heights, sizes, top_w: float) -> None:
        """Layer `layer`'s weights, weakest first so strong lines lie on top; the selected
        weight last of all."""
        fan_in, fan_out = W.shape
        x0, x1 = x[layer] + NODE_W, x[layer + 1] - 1
        ends = {}
        for i in range(fan_in):
            for j in range(fan_out):
                ys = tops[layer][i] + _port(j, fan_out, heights[layer])
                yt = tops[layer + 1][j] + _port(i, fan_in, heights[layer + 1])
                ends[i, j] = ys, yt
        longest = max(abs(yt - ys) for ys, yt in ends.values())
        room = x1 - x0 - 2  # cells between the sign and the last cell
        span = min(longest, max(room - 2, 1))
        start = x0 + 1 + max((room - span) // 2, 0)
        order = sorted(ends, key=lambda ij: (sel == Selection(layer, "W", *ij),
                                             abs(float(W[ij]))))
        for i, j in order:
            w = float(W[i, j])
            style = self.style("pos" if w >= 0 else "neg")
            if sel == Selection(layer, "W", i, j):
                style = style + self.style("selected")
            ys, yt = ends[i, j]
            canvas.edge(x0, x1, ys, yt, start, span, _stroke(w, top_w), style,
                        "+" if w >= 0 else MINUS)

    def _node(self, canvas: _Canvas, view: SessionView, sel: Selection, k: int, j: int,
              x: int, top: int, h: int) -> None:
        inner = NODE_W - 3
        rec, row = view.last, None
        if rec is not None:
            row = min(self.row, rec.X.shape[0] - 1)
        if k == 0:
            name = view.dataset.feature_names[j]
            first = name if len(name) <= inner + 1 else f"x{j + 1}"  # the header has it all
            second = f"{rec.X[row, j]:+.2f}" if rec is not None else ""
        else:
            first = f"b{view.b[k - 1][0, j]:+.2f}"
            second = f"a{rec.A[k - 1][row, j]:+.2f}" if rec is not None else ""
        style = self.style("node")
        if k > 0 and sel == Selection(k - 1, "b", 0, j):
            style = style + self.style("selected")
        for r in range(h):
            text = first if r == 0 else second if r == 1 else ""
            canvas.put_text(x, top + r, "[" + fit(text, inner + 1).ljust(inner + 1) + "]",
                            style)

    def _header(self, view: SessionView, sel: Selection, width: int) -> Text:
        value = self.value(view, sel)
        frm = _node_name(view, sel.layer, sel.i) if sel.kind == "W" else "bias"
        to = _node_name(view, sel.layer + 1, sel.j)
        line = Text(f" {sel.name} = ", style=self.style("label"))
        line.append(num(value), style=self.style("value"))
        line.append(f"  {frm} → {to}")
        hint = "  ←→↑↓ pick  e edit"
        if len(line) + len(hint) <= width:
            line.append(hint, style=self.style("dim"))
        return line

    def _legend(self, view: SessionView, width: int, top_w: float) -> Text:
        text = (f" ━ strong ─ medium ╌ weak (of max |w| {num(top_w)})  + − sign  "
                "b bias")
        if view.last is not None:
            text += f"  a row {min(self.row, view.last.X.shape[0] - 1)}'s activation, " \
                    f"epoch {view.last.epoch}"
        return Text(fit(text, width), style=self.style("dim"))


class _Canvas:
    """A grid of (character, style) cells drawn into, then joined into lines."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells: list[list[Cell]] = [[(" ", None)] * width for _ in range(height)]

    def put(self, x: int, y: int, ch: str, style: Style | None) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            old = self.cells[y][x][0]
            if {old, ch} == {"╲", "╱"}:
                ch = "╳"
            self.cells[y][x] = (ch, style)

    def put_text(self, x: int, y: int, text: str, style: Style | None) -> None:
        for k, ch in enumerate(text):
            if 0 <= x + k < self.width and 0 <= y < self.height:
                self.cells[y][x + k] = (ch, style)

    def edge(self, x0: int, x1: int, ys: int, yt: int, start: int, span: int, stroke: str,
             style: Style, sign: str) -> None:
        """Sign at x0, along row ys to `start`, slanting to row yt over `span` columns (or
        fewer rows when flat), then along row yt to x1."""
        self.put(x0, ys, sign, style)
        dy = yt - ys
        steps = abs(dy)
        end = start + (min(span, steps) if steps else 0)
        for x in range(x0 + 1, start):
            self.put(x, ys, stroke, style)
        if steps:
            down = 1 if dy > 0 else -1
            for k in range(steps + 1):
                self.put(start + k * min(span, steps) // steps, ys + down * k, SLANT[down],
                         style)
            end += 1
        for x in range(end, x1 + 1):
            self.put(x, yt, stroke, style)

    def texts(self) -> list[Text]:
        return [runs(row) for row in self.cells]


def top_slot_height(screen_height: int) -> int:
    """Lines the network and output panes may take in the top slot: room for a picture at
    80×24, and at most two fifths of a tall screen, as the dataset, so the panes below
    stay readable."""
    return max(screen_height * 2 // 5 - 2, min(10, screen_height // 2 - 2))


def _sizes(view: SessionView) -> tuple[int, ...]:
    return (view.W[0].shape[0], *(W.shape[1] for W in view.W))


def _ports(sizes: tuple[int, ...], k: int) -> int:
    """How many lines meet a node of layer k on one side, at most."""
    fan_in = sizes[k - 1] if k > 0 else 1
    fan_out = sizes[k + 1] if k + 1 < len(sizes) else 1
    return max(fan_in, fan_out)


def _port(k: int, fan: int, h: int) -> int:
    """The row (within a node of height h) where its k-th of `fan` lines meets it."""
    return (2 * k + 1) * h // (2 * fan)


def _stroke(w: float, top: float) -> str:
    a = abs(w)
    if top > 0 and a >= top * 2 / 3:
        return STROKES["strong"]
    if top > 0 and a >= top / 3:
        return STROKES["medium"]
    return STROKES["weak"]


def _node_name(view: SessionView, k: int, j: int) -> str:
    """Input features by name, the output by target name, hidden units h1, h2 (or h1.2 for
    unit 2 of hidden layer 1 when there are several hidden layers)."""
    if k == 0:
        return view.dataset.feature_names[j]
    if k == len(view.W):
        return view.dataset.target_names[j]
    return f"h{j + 1}" if len(view.W) == 2 else f"h{k}.{j + 1}"
