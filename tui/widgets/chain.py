"""The chain-rule pane (`v`): one row's term of J as a graph of scalars, micrograd's way.

Every node (input, weight, bias, product, sum, activation, output, J) is listed with its
value and ∂J/∂node, read down then across in the order the forward pass computes them. `f`
walks back from J one node at a time: the pane names the step's equation with its numbers,
`∂J/∂H[0] = ∂J/∂(H[0]*W2[0,0]) · W2[0,0] = 0.1863 × 0.6785 = 0.1264`, marks the node (▶)
and the nodes its gradient comes from (•). `j`/`k` choose the row; the arrows pick a weight
(as in the network pane) whose paths to J are marked, or, when the whole graph does not fit,
are all the pane shows.

The graph, its numbers and the equations are the core's (`core.present.chain.view_graph`);
this pane lays them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import fit, num, short, wrap
from .pane import Pane

if TYPE_CHECKING:
    from core.maths.graph import Graph, Step
    from core.present.views import SessionView

GAP = 2  # between columns of nodes
FULL_LIMIT = 4000  # nodes and edges worth building to see whether the whole graph fits
FOCUS_LIMIT = 40_000  # the most a focused graph may have
BELOW = 8  # screen lines left to the status line, the panes below and the footer


class ChainPane(Pane):
    """Row `row`'s graph of scalars, and the backward walk through it."""

    TITLE = "Chain rule"
    PLACEHOLDER = "the chain rule, one node at a time"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.row = 0  # a file row (as the dataset pane numbers them), a training row
        self.step: int | None = None  # the walk's position (0 is J), None: not walking
        self.picked = "W1[0,0]"  # the picked parameter, as the graph names it
        # (view, (row, picked, slots), graph, focused): the view itself, never its id, which
        # a later view may reuse once this one is gone
        self._cache: tuple[SessionView, tuple, Graph | str, bool] | None = None

    # ------------------------------------------------------------------ the graph

    def graph(self, view: SessionView, slots: int = 10**9) -> tuple[Graph | str, bool]:
        """The graph to draw (or why there is none), and whether it is focused on the
        picked parameter: the whole graph when it fits in `slots` lines of nodes."""
        key = (self.row, self.picked, slots)
        if self._cache is not None and self._cache[0] is view and self._cache[1] == key:
            return self._cache[2], self._cache[3]
        from core.errors import UserError
        from core.present.chain import view_graph

        self.row = self._training_row(view, self.row)
        try:
            try:
                graph = view_graph(view, self.row, None, FULL_LIMIT)
                focused = len(graph.nodes) > slots
            except UserError:
                focused = True
            if focused:
                graph = view_graph(view, self.row, self.picked, FOCUS_LIMIT)
        except UserError as exc:
            graph, focused = str(exc), True
        self._cache = (view, key, graph, focused)
        return graph, focused

    @staticmethod
    def _training_row(view: SessionView, row: int) -> int:
        """`row` if it is a training row, else the first training row after it."""
        train = view.dataset.train_rows
        later = train[train >= row]
        return int(later[0] if later.size else train[0])

    def select_row(self, step: int) -> None:
        """`j`/`k`: the next or previous training row, wrapping around."""
        if self.view is None:
            return
        train = [int(r) for r in self.view.dataset.train_rows]
        at = train.index(self._training_row(self.view, self.row))
        self.row = train[(at + step) % len(train)]
        self._redraw()

    def pick(self, name: str) -> None:
        """The network pane's selection changed: its paths are marked (or shown)."""
        if name != self.picked:
            self.picked = name
            self._redraw()

    def walk(self, step: int) -> str:
        """`f` (+1) and `b` (−1) in this pane: one node on or back. Returns a note."""
        if self.view is None:
            return ""
        graph, _ = self.graph(self.view, self._slots())
        if isinstance(graph, str):
            return graph
        n = len(graph.nodes)
        if self.step is None:
            if step < 0:
                return ""
            self.step = 0
        elif 0 <= self.step + step < n:
            self.step += step
        elif step > 0:
            return "the walk is done: every node has its ∂J/∂node (esc leaves it)"
        else:
            self.step = None
        self._redraw()
        return ""

    def leave(self) -> bool:
        """escape: leave the walk (True if there was one)."""
        if self.step is None:
            return False
        self.step = None
        self._redraw()
        return True

    @property
    def walking(self) -> bool:
        return self.step is not None

    def _redraw(self) -> None:
        if self.view is not None:
            self.show(self.view)

    # ------------------------------------------------------------------ sizing

    def _slots(self) -> int:
        """Lines for nodes at the pane's present size (for the focus decision)."""
        if not self.is_mounted or not self.screen.size.height:
            return 11
        return max(self._height_cap(self.screen.size.height - self.above) - 3, 1) * \
            self._columns_for(self.screen.size.width - 2, 14)

    @staticmethod
    def _height_cap(screen_height: int) -> int:
        return max(screen_height - BELOW - 2, 6)

    @staticmethod
    def _columns_for(width: int, id_w: int) -> int:
        return max((width - 1 + GAP) // (_col_width(id_w) + GAP), 1)

    def wanted_height(self, width: int, screen_height: int) -> int:
        """All the nodes, their header and the walk's two lines, if the screen has room."""
        if self.view is None:
            return 1
        width = max(width, self.screen.size.width - 2)
        cap = self._height_cap(screen_height)
        graph, _ = self.graph(self.view, self._slots())
        if isinstance(graph, str):
            return 3
        id_w = _id_width(graph)
        rows = -(-len(graph.nodes) // self._columns_for(width, id_w))
        return max(min(rows + 3, cap), 4)

    # ------------------------------------------------------------------ drawing

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        graph, focused = self.graph(view, self._slots())
        out = [self._row_line(view, width)]
        if isinstance(graph, str):
            return out + [Text(line, style=self.style("dim")) for line in
                          (" " + part for part in wrap(graph, width - 2))]
        steps = graph.steps()
        if self.step is not None and self.step >= len(steps):
            self.step = len(steps) - 1
        step = steps[self.step] if self.step is not None else None
        self.set_title(self._title(graph, focused, step, len(steps)))
        self.border_subtitle = ("f next node · b back · esc leaves" if step is not None else
                                "f walks back · j/k row · ←→↑↓ pick a weight")
        out += self._node_lines(graph, focused, step, width, max(height - 3, 1))
        out += self._walk_lines(step, width)
        return out

    def _title(self, graph: Graph, focused: bool, step: Step | None, n: int) -> str:
        title = f"Chain rule · row {graph.row}'s term of J"
        if focused:
            title += f" · the paths from {graph.focus}"
        if step is not None:
            title += f" · step {self.step + 1}/{n}"
        return title

    def _row_line(self, view: SessionView, width: int) -> Text:
        """Which row, with its raw values, and the keys."""
        ds = view.dataset
        r = self._training_row(view, self.row)
        raw = ds.raw[r]
        nf = len(ds.feature_names)
        cells = ", ".join(f"{name} {short(raw[j])}" for j, name in enumerate(ds.feature_names))
        if ds.classes is not None and ds.labels is not None:
            target = f"{ds.label_column or 'class'} {ds.classes[ds.labels[r]]}"
        else:
            target = ", ".join(f"{name} {short(raw[nf + k])}"
                               for k, name in enumerate(ds.target_names))
        line = Text(f" row {r}: ", style=self.style("head"))
        line.append(fit(f"{cells} → {target}", max(width - 30, 20)))
        line.append(fit("   (value, ∂J/∂node)", max(width - len(line), 0)),
                    style=self.style("dim"))
        return line

    def _node_lines(self, graph: Graph, focused: bool, step: Step | None, width: int,
               rows: int) -> list[Text]:
        """The nodes, read down then across; a page that holds the walk's node when there
        are more than fit."""
        id_w = _id_width(graph)
        cols = self._columns_for(width, id_w)
        nodes = graph.nodes
        per_page = rows * cols
        at = 0
        if step is not None:
            at = next(k for k, node in enumerate(nodes) if node.id == step.node)
        start = (at // per_page) * per_page
        page = nodes[start:start + per_page]
        used = {t.upstream for t in step.terms} if step is not None else set()
        path = set() if focused or step is not None else graph.paths_from(self.picked)
        grid: list[Text] = [Text(" ") for _ in range(min(rows, -(-len(page) // cols)))]
        for k, node in enumerate(page):
            line = grid[k % len(grid)]
            if k >= len(grid):
                line.append(" " * GAP)
            mark, style = " ", None
            if step is not None and node.id == step.node:
                mark, style = "▶", self.style("selected")
            elif node.id in used:
                mark, style = "•", self.style("mark")
            elif node.id in path:
                mark, style = "›", self.style("pos")
            line.append(mark, style)
            line.append(node.id.ljust(id_w), style or self.style("label"))
            line.append(f" {num(node.value):>8}")
            line.append(f" {num(node.grad):>9}", self.style("value"))
        if len(nodes) > per_page:
            last = min(start + per_page, len(nodes))
            grid[-1 if len(grid) == rows else len(grid) - 1].append(
                f"  nodes {start + 1}–{last} of {len(nodes)}", self.style("dim"))
        return grid

    def _walk_lines(self, step: Step | None, width: int) -> list[Text]:
        """The step's equation with its numbers (two lines at most), or how to start."""
        if step is None:
            text = ("f walks back from J one node at a time: each node's ∂J/∂node is what "
                    "flows into it, × its local derivative (the chain rule)")
            return [Text(fit(" " + text, width), style=self.style("dim"))]
        eq = step.equation(num, max_terms=3)
        parts = wrap(eq, width - 3)
        out = [Text(" ▶ " + parts[0], style=self.style("value"))]
        if len(parts) > 1:
            out.append(Text(fit("   " + " ".join(parts[1:]), width), style=self.style("value")))
        elif step.note:
            out.append(Text(fit("   " + step.note, width), style=self.style("dim")))
        return out


def _col_width(id_w: int) -> int:
    return 1 + id_w + 9 + 10  # mark, id, value, ∂J/∂node


def _id_width(graph: Graph) -> int:
    return max(len(node.id) for node in graph.nodes)
