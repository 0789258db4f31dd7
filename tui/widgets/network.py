"""The network pane: layers as columns of nodes, weights as the lines between them.

Each line says its weight three ways, so it reads in colour, in 256 colours and with NO_COLOR:
its colour (positive / negative), its stroke (━ strong, ─ medium, ╌ weak, against the largest
|w| in the network) and a sign character where it leaves its node (`+` or `−`). A node
shows its bias (`b+0.06164`) and its output for the first training row at these weights
(`a+0.4267`), the forward pass the next step makes, as the dataset's predictions and the
chain-rule view show it; input nodes show the input's name and the row's value. Numbers are
written as everywhere else (tui/fmt).

Every edge gets its own row at both ends when the nodes are tall enough (a node is as tall
as its fan-in or fan-out), and every slanted stretch starts in the same column of its gap,
so two lines only ever share single cells where they cross. The arrow keys pick a weight or
bias (the app calls `move`); it is drawn on top, highlighted, and named in the first line.

With two input features each hidden unit shows its picture, as TensorFlow Playground does: a
small half-block heatmap of the unit's output over the input plane (`core.present.units`).

A network too big for lines between nodes (more units than lines, or a tangle of edges) is
drawn as strips, one layer a line, top to bottom: each layer a strip of its units' pictures
(or biases), each weight matrix a heat strip in which a unit's cell holds its weights. The
arrows then pick a unit (← → along the layer, ↑ ↓ from layer to layer), and the strips page
to keep it in view; a picked hidden unit's picture is drawn large in the output view.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from ..fmt import MINUS, fit, num, wrap
from . import heat
from .pane import Cell, Pane, runs, top_slot_height

if TYPE_CHECKING:
    from core.present.units import UnitPictures
    from core.present.views import SessionView

NODE_W = 12  # "[b+0.06164]": a bias or an output as `num` writes it, signed
PIC_W = 6  # a hidden unit's picture beside its node, in cells
PIC_SAMPLES = 16  # pixels a side of the pictures the core samples for the network view
MAX_EDGES = 36  # weights one gap between layers may draw as lines (else: strips)
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

    @property
    def node_id(self) -> str:
        """As the chain-rule graph names it: `W1[0,1]`, `b1[1]`."""
        return self.name if self.kind == "W" else f"b{self.layer + 1}[{self.j}]"


class NetworkPane(Pane):
    """Nodes and weighted edges; arrows select a parameter, the app's `e` edits it."""

    TITLE = "Network"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.selected = Selection(0, "W", 0, 0)
        self.row = 0  # the training row whose forward pass the nodes show
        self.strips = False  # drawn as strips (a big network) at the last draw
        self._pictures: tuple[SessionView, UnitPictures | None] | None = None
        self._acts: tuple[SessionView, tuple] | None = None

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
        """← → change layer, ↑ ↓ walk its weights then biases; returns the new selection.
        Drawn as strips, ← → walk the units of a layer and ↑ ↓ the layers."""
        if self.view is None:
            return None
        sel = self.clamp(self.view)
        if self.strips:
            L = len(self.view.W)
            layer = max(0, min(sel.layer + d_item, L - 1))
            n = self.view.W[layer].shape[1]
            j = max(0, min(sel.j + d_layer, n - 1)) if layer == sel.layer else min(sel.j, n - 1)
            self.selected = Selection(layer, "b", 0, j)
            self.body.refresh()
            return self.selected
        layer = max(0, min(sel.layer + d_layer, len(self.view.W) - 1))
        old = self.items(self.view, sel.layer)
        items = self.items(self.view, layer)
        k = old.index(sel) if layer == sel.layer else min(old.index(sel), len(items) - 1)
        self.selected = items[max(0, min(k + d_item, len(items) - 1))]
        self.body.refresh()
        return self.selected

    def value(self, view: SessionView, sel: Selection) -> float:
        return float((view.W if sel.kind == "W" else view.b)[sel.layer][sel.i, sel.j])

    def picked_unit(self) -> tuple[int, int] | None:
        """(layer, unit) of a picked hidden unit (its bias selected), else None: the output
        view draws that unit's picture instead of ŷ."""
        sel = self.selected
        if self.view is None or sel.kind != "b" or sel.layer >= len(self.view.W) - 1:
            return None
        return sel.layer, sel.j

    def pictures(self, view: SessionView) -> UnitPictures | None:
        """Every unit's picture at this view's parameters (the core samples them), once."""
        if self._pictures is None or self._pictures[0] is not view:
            from core.present.units import unit_pictures

            self._pictures = (view, unit_pictures(view, PIC_SAMPLES, PIC_SAMPLES))
        return self._pictures[1]

    def activations(self, view: SessionView) -> tuple:
        """(inputs, (A1, …, ŷ)) of training row `row` at this view's parameters, once."""
        if self._acts is None or self._acts[0] is not view:
            from core.present.units import row_activations

            row = min(self.row, view.dataset.X.shape[0] - 1)
            self._acts = (view, row_activations(view, row))
        return self._acts[1]

    # ------------------------------------------------------------------ sizing

    def wanted_height(self, width: int, screen_height: int) -> int:
        """Tall enough for one row per edge at every node (or for every strip), at most
        what the top slot may take."""
        if self.view is None:
            return 1
        cap = top_slot_height(screen_height)
        width = max(width, self.screen.size.width - 2)
        sizes = _sizes(self.view)
        if self._fits(self.view, width, cap - 2):
            rows = max(n * _node_lines(sizes, k) + n - 1 for k, n in enumerate(sizes))
            legend = len(self._legend(self.view, width, cap - rows - 1))
            return max(min(rows + 1 + legend, cap), 4)
        _, th, _ = self._geometry(self.view, width, cap - 2)
        return max(min(1 + (len(sizes) - 1) * (1 + th) + 2, cap), 4)

    # ------------------------------------------------------------------ drawing

    def _widths(self, view: SessionView) -> list[int]:
        """Each layer's node width: hidden nodes have their picture beside them."""
        pics = self.pictures(view) is not None
        L = len(view.W)
        return [NODE_W + (PIC_W + 1 if pics and 0 < k < L else 0) for k in range(L + 1)]

    def _fits(self, view: SessionView, width: int, rows: int) -> bool:
        """Whether lines between nodes can be drawn: a line per unit, five columns between
        layers, and no more than MAX_EDGES weights to a gap."""
        sizes = _sizes(view)
        gap = (width - sum(self._widths(view))) // (len(sizes) - 1)
        edges = max(a * b for a, b in itertools.pairwise(sizes))
        return rows >= max(sizes) and gap >= 5 and edges <= MAX_EDGES

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        sel = self.clamp(view)
        sizes = _sizes(view)
        rows = height - 1 - (height >= 5)
        self.strips = not self._fits(view, width, rows)
        if self.strips:
            if sel.kind != "b":  # strips pick units: the weight's unit
                sel = self.selected = Selection(sel.layer, "b", 0, sel.j)
            self.border_subtitle = "←→ unit · ↑↓ layer · e edit"
            return self._strips(view, sel, width, height)
        self.border_subtitle = "←→↑↓ pick · e edit"
        need = max(n * _node_lines(sizes, k) + n - 1 for k, n in enumerate(sizes))
        legend = self._legend(view, width, height - 1 - need) if height >= 5 else []
        rows = height - 1 - len(legend)
        out = [self._header(view, sel, width)]
        widths = self._widths(view)
        gap = (width - sum(widths)) // (len(sizes) - 1)
        canvas = _Canvas(width, rows)
        tops, heights = self._place(sizes, rows)
        x = [sum(widths[:k]) + k * gap for k in range(len(sizes))]
        top_w = max(float(abs(W).max()) for W in view.W)  # a drawing scale, not a number shown
        for layer, W in enumerate(view.W):
            self._edges(canvas, view, sel, layer, W, x, tops, heights, sizes, top_w, widths)
        pics = self.pictures(view)
        colours = heat.palette(self) if pics is not None else None
        for k, n in enumerate(sizes):
            for j in range(n):
                self._node(canvas, view, sel, k, j, x[k], tops[k][j], heights[k])
                if pics is not None and 0 < k < len(sizes) - 1:
                    lo, hi = pics.ranges[k - 1]
                    cells = heat.picture(pics.values[k - 1][:, :, j], lo, hi, PIC_W,
                                         heights[k], colours)
                    for r, row in enumerate(cells):
                        for c, cell in enumerate(row):
                            canvas.cells[tops[k][j] + r][x[k] + NODE_W + c] = cell
        out += canvas.texts()
        return out + legend

    def _place(self, sizes: tuple[int, ...], rows: int) -> tuple[list[list[int]], list[int]]:
        """Each layer's node tops and node height, centred in `rows`."""
        tops, heights = [], []
        for k, n in enumerate(sizes):
            lines = _node_lines(sizes, k)
            if n * lines + n - 1 <= rows or n * lines > rows:
                # every line of a node, a row between nodes; or, short of rows, a row
                # between nodes where there are enough, and fewer lines to a node
                gap = 1 if 2 * n - 1 <= rows else 0
            else:
                gap = 0  # nodes touching, each with its bias and output
            h = max(1, min(lines, (rows - (n - 1) * gap) // n))
            used = n * h + (n - 1) * gap
            start = (rows - used) // 2
            tops.append([start + j * (h + gap) for j in range(n)])
            heights.append(h)
        return tops, heights

    def _edges(self, canvas: _Canvas, view: SessionView, sel: Selection, layer: int, W,
               x: list[int], tops, heights, sizes, top_w: float, widths: list[int]) -> None:
        """Layer `layer`'s weights, weakest first so strong lines lie on top; the selected
        weight last of all."""
        fan_in, fan_out = W.shape
        x0, x1 = x[layer] + widths[layer], x[layer + 1] - 1
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
        inner = NODE_W - 2
        x_in, acts = self.activations(view)
        if k == 0:
            name = view.dataset.input_names[j]
            first = name if len(name) <= inner else f"x{j + 1}"  # the header has it all
            second = num(x_in[j], signed=True)
        else:
            first = "b" + num(view.b[k - 1][0, j], signed=True)
            second = "a" + num(acts[k - 1][j], signed=True)
        style = self.style("node")
        if k > 0 and sel == Selection(k - 1, "b", 0, j):
            style = style + self.style("selected")
        for r in range(h):
            text = first if r == 0 else second if r == 1 else ""
            canvas.put_text(x, top + r, "[" + fit(text, inner).ljust(inner) + "]", style)

    def _header(self, view: SessionView, sel: Selection, width: int) -> Text:
        value = self.value(view, sel)
        frm = _node_name(view, sel.layer, sel.i) if sel.kind == "W" else "bias"
        to = _node_name(view, sel.layer + 1, sel.j)
        line = Text(f" {sel.name} = ", style=self.style("label"))
        line.append(num(value), style=self.style("value"))
        line.append(f"  {frm} → {to}")
        return line

    def _legend(self, view: SessionView, width: int, room: int) -> list[Text]:
        """What the strokes, signs and node lines mean, on as few lines as the width needs
        (two at most; with one line's room, the shortest words)."""
        top_w = max(float(abs(W).max()) for W in view.W)
        row = int(view.dataset.train_rows[min(self.row, view.dataset.X.shape[0] - 1)])
        parts = [f"━ strong ─ medium ╌ weak (of max |w| {num(top_w)})", "+ − sign",
                 "b bias", f"a row {row}'s output now"]
        if len(view.W) > 1 and self.pictures(view) is not None:
            parts.append(f"▀▀ a unit's output over {' × '.join(view.dataset.feature_names)}")
        lines = _pack(parts, width - 1)
        if len(lines) > max(room, 1):  # one line: the same, in fewer words
            parts = [f"━─╌ strong→weak (max |w| {num(top_w)})", "+− sign", "b bias",
                     f"a row {row}'s output now", *(["▀▀ a unit's output"]
                                                    if len(parts) > 4 else [])]
            lines = _pack(parts, width - 1)
            while len(lines) > 1 and len(parts) > 1:
                parts.pop()
                lines = _pack(parts, width - 1)
        return [Text(" " + line, style=self.style("dim")) for line in lines]


    # ------------------------------------------------------------------ strips

    def _geometry(self, view: SessionView, width: int, rows: int) -> tuple[int, int, int]:
        """(cell width, picture lines, label width) for strips: the largest pictures with
        which the widest layer fits on one page and every layer fits the lines, else small
        pictures and pages."""
        sizes = _sizes(view)
        label = max(len(n) for n in _labels(view)) + 1
        if self.pictures(view) is None:
            return 5, 1, label
        for cw, th in ((6, 3), (4, 2), (3, 2), (6, 1), (4, 1), (3, 1)):
            lines = 1 + (len(sizes) - 1) * (1 + th)
            if lines <= rows and (width - label) // (cw + 1) >= max(sizes[1:]):
                return cw, th, label
        return 4, 2 if 1 + (len(sizes) - 1) * 3 <= rows else 1, label

    def _strips(self, view: SessionView, sel: Selection, width: int,
                height: int) -> list[Text]:
        body, note = self._strip_plan(view, width, height - 2)
        out = [self._strip_header(view, sel, width, note), *body]
        return out + self._strip_legend(view, width)[:max(height - len(out), 0)]

    def _strip_plan(self, view: SessionView, width: int, rows: int) -> tuple[list[Text], str]:
        """The strips that fit in `rows` lines, the picked unit's page and layer among
        them; and where they are (`units 1–15 of 32`, `layers 3–5 of 9`)."""
        sel = self.selected
        sizes = _sizes(view)
        labels = _labels(view)
        cw, th, lw = self._geometry(view, width, rows)
        per = max((width - lw) // (cw + 1), 1)
        page = sel.j // per
        starts = [min(page * per, max((n - 1) // per, 0) * per) for n in sizes]
        pics = self.pictures(view)
        colours = heat.palette(self)
        blocks = [[self._input_strip(view, labels[0], lw, cw, starts[0], per)]]
        for k in range(1, len(sizes)):
            block = [self._weight_strip(view, k, labels, lw, cw, starts, per, colours)]
            block += self._unit_strip(view, sel, k, labels[2 * k], lw, cw, th, starts[k], per,
                                      pics, colours)
            blocks.append(block)
        chosen = _window([len(b) for b in blocks], sel.layer + 1, rows)
        body = [line for k in chosen for line in blocks[k]]
        n = sizes[sel.layer + 1]
        notes = []
        if max(sizes) > per:
            first = starts[sel.layer + 1]
            notes.append(f"units {first + 1}–{min(first + per, n)} of {n}")
        if len(chosen) < len(blocks):
            notes.append(f"layers {max(chosen[0], 1)}–{chosen[-1]} of {len(blocks) - 1}")
        return body, " · ".join(notes)

    def _input_strip(self, view: SessionView, label: str, lw: int, cw: int, start: int,
                     per: int) -> Text:
        names = view.dataset.input_names
        pieces: list[Cell] = [(label.ljust(lw), self.style("label"))]
        for i in range(start, min(start + per, len(names))):
            pieces.append((" " + fit(names[i], cw).ljust(cw), None))
        return runs(pieces)

    def _weight_strip(self, view: SessionView, k: int, labels: list[str], lw: int, cw: int,
                      starts: list[int], per: int, colours: heat.Palette) -> Text:
        """W_k as a heat strip: each cell under the units of the wider of its two layers
        holds that unit's weights (incoming or outgoing), the strongest of each block
        when there are more than the cell's 2·cw pixels."""
        W = view.W[k - 1]
        fan_in, fan_out = W.shape
        dest = fan_out >= fan_in
        n = fan_out if dest else fan_in
        start = starts[k] if dest else starts[k - 1]
        top = float(abs(W).max()) or 1.0
        pieces: list[Cell] = [(labels[2 * k - 1].ljust(lw), self.style("label"))]
        for u in range(start, min(start + per, n)):
            pieces.append((" ", None))
            pieces += heat.strip(_blocks(W[:, u] if dest else W[u, :], 2 * cw), -top, top,
                                 cw, colours)
        return runs(pieces)

    def _unit_strip(self, view: SessionView, sel: Selection, k: int, label: str, lw: int,
                    cw: int, th: int, start: int, per: int, pics: UnitPictures | None,
                    colours: heat.Palette) -> list[Text]:
        """Layer k's units, `per` from `start`: their pictures, or their biases."""
        n = view.W[k - 1].shape[1]
        lines: list[list[Cell]] = [[((label if r == 0 else "").ljust(lw), self.style("label"))]
                                   for r in range(th)]
        for u in range(start, min(start + n, start + per, n)):
            picked = sel.layer == k - 1 and sel.j == u
            for r in range(th):
                lines[r].append(("▶" if picked and r == 0 else " ",
                                 self.style("selected") if picked else None))
            if pics is None:
                text = f"{view.b[k - 1][0, u]:+.2f}"[:cw].rjust(cw)
                lines[0].append((text, self.style("selected") if picked else None))
                continue
            lo, hi = pics.ranges[k - 1]
            cells = heat.picture(pics.values[k - 1][:, :, u], lo, hi, cw, th, colours)
            for r in range(th):
                lines[r] += cells[r]
        return [runs(line) for line in lines]

    def _strip_header(self, view: SessionView, sel: Selection, width: int, where: str) -> Text:
        L = len(view.W)
        layer = _labels(view)[2 * (sel.layer + 1)]
        act = view.output_activation if sel.layer == L - 1 else view.hidden_activation
        line = Text(f" {sel.node_id} = ", style=self.style("label"))
        line.append(num(self.value(view, sel)), style=self.style("value"))
        # the unit by the index the chain-rule view and the formulas give it (H[0]); the
        # strips' range counts units from 1, as the weights pane's groups do
        line.append(f"  the bias of {layer}[{sel.j}] ({act})")
        if where:
            line.append(f" · {where}")
        return line

    def _strip_legend(self, view: SessionView, width: int) -> list[Text]:
        pics = self.pictures(view) is not None
        units = f"each unit's output over {' × '.join(view.dataset.feature_names)}" if pics \
            else "each unit's bias"
        parts = [f"strips: {units}", "W: each unit's weights, + and − by colour",
                 "the strongest of a block when many"]
        return [Text(" " + line, style=self.style("dim")) for line in _pack(parts, width - 1)]


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


def _sizes(view: SessionView) -> tuple[int, ...]:
    return (view.W[0].shape[0], *(W.shape[1] for W in view.W))


def _node_lines(sizes: tuple[int, ...], k: int) -> int:
    """A node's height when there is room: a line per edge on its busier side, and two
    at least (its bias, or name, above its output, or value)."""
    return max(_ports(sizes, k), 2)


def _pack(parts: list[str], width: int) -> list[str]:
    """Phrases joined with ` · ` into as few lines of `width` as they need; a phrase longer
    than a line is wrapped at its spaces."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines += wrap(part, width)
    return lines


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
        return view.dataset.input_names[j]
    if k == len(view.W):
        return view.dataset.target_names[j]
    return f"h{j + 1}" if len(view.W) == 2 else f"h{k}.{j + 1}"


def _labels(view: SessionView) -> list[str]:
    """X, W1, H (or H1), W2, …, ŷ: the strips' labels, as every view names them."""
    from core.names import layer_names

    out = ["X"]
    for k, name in enumerate(layer_names(len(view.W)), start=1):
        out += [f"W{k}", name]
    return out


def _blocks(values, slots: int) -> list[float]:
    """`values` in at most `slots` blocks, each the value of largest magnitude in it."""
    import numpy as np  # drawing a big network: NumPy is loaded by then

    values = np.asarray(values, dtype=float)
    if values.size <= slots:
        return values.tolist()
    size = -(-values.size // slots)
    padded = np.zeros(-(-values.size // size) * size)
    padded[:values.size] = values
    blocks = padded.reshape(-1, size)
    return blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)].tolist()


def _window(heights: list[int], keep: int, rows: int) -> list[int]:
    """Which blocks fit in `rows` lines: block `keep`, then its neighbours, nearest first."""
    chosen, used = [keep], heights[keep]
    for d in range(1, len(heights)):
        for k in (keep + d, keep - d):
            if 0 <= k < len(heights) and used + heights[k] <= rows:
                chosen.append(k)
                used += heights[k]
    return sorted(chosen)
