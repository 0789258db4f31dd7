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

from ..fmt import WIDTH, fit, num, short, wrap
from .pane import PAGE_KEY, Pane, tall_top_height

if TYPE_CHECKING:
    from core.maths.graph import Graph, Step
    from core.present.views import SessionView

GAP = 2  # between columns of nodes
FULL_LIMIT = 4000  # nodes and edges worth building to see how big the whole graph is
FOCUS_LIMIT = 40_000  # the most a focused graph may have
# A graph of more nodes than this shows only the picked parameter's paths to J: the
# notebook's 22 and xor's 43 nodes are read whole (a page or three), a 2-6-1's 61 would be
# pages of products. Fixed, so the view never changes its mind with the screen's size or a
# lesson's text above it.
WHOLE_NODES = 48
TEXT_LINES = 2  # below the nodes: the row and how to walk, or the step's equation


class ChainPane(Pane):
    """Row `row`'s graph of scalars, and the backward walk through it."""

    TITLE = "Chain rule"
    PLACEHOLDER = "the chain rule, one node at a time"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.row = 0  # a file row (as the dataset pane numbers them), a training row
        self.step: int | None = None  # the walk's position (0 is J), None: not walking
        self.picked = "W1[0,0]"  # the picked parameter, as the graph names it
        self.shown = (0, 0, 0)  # the nodes on screen: first, last + 1, of how many
        self._per_page = 1
        # (view, (row, picked), graph, focused): the view itself, never its id, which a
        # later view may reuse once this one is gone
        self._cache: tuple[SessionView, tuple, Graph | str, bool] | None = None

    # ------------------------------------------------------------------ the graph

    def graph(self, view: SessionView) -> tuple[Graph | str, bool]:
        """The graph to draw (or why there is none), and whether it is focused on the
        picked parameter: the whole graph up to WHOLE_NODES nodes."""
        key = (self.row, self.picked)
        if self._cache is not None and self._cache[0] is view and self._cache[1] == key:
            return self._cache[2], self._cache[3]
        from core.errors import UserError
        from core.present.chain import view_graph

        self.row = self._training_row(view, self.row)
        try:
            try:
                graph = view_graph(view, self.row, None, FULL_LIMIT)
                focused = len(graph.nodes) > WHOLE_NODES
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
            if self._cache is not None and self._cache[3]:
                self.page = 0  # another focused graph: from its first page
            self._redraw()

    def walk(self, step: int) -> str:
        """`f` (+1) and `b` (−1) in this pane: one node on or back. Returns a note."""
        if self.view is None:
            return ""
        graph, _ = self.graph(self.view)
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

    @staticmethod
    def _columns_for(width: int, id_w: int) -> int:
        return max((width - 1 + GAP) // (_col_width(id_w) + GAP), 1)

    def wanted_height(self, width: int, screen_height: int) -> int:
        """All the nodes and the two lines below them, if the screen leaves room; else
        as many as it does, in pages (`m`)."""
        if self.view is None:
            return 1
        width = max(width, self.screen.size.width - 2)
        cap = tall_top_height(screen_height, self.screen.has_class("-wide"))
        graph, _ = self.graph(self.view)
        if isinstance(graph, str):
            return 3
        rows = -(-len(graph.nodes) // self._columns_for(width, _id_width(graph)))
        return max(min(rows + TEXT_LINES, cap), 4)

    # ------------------------------------------------------------------ drawing

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        graph, focused = self.graph(view)
        if isinstance(graph, str):
            self.pages = 1
            return [self._row_line(view, width)] + [
                Text(" " + part, style=self.style("dim")) for part in wrap(graph, width - 2)]
        steps = graph.steps()
        if self.step is not None and self.step >= len(steps):
            self.step = len(steps) - 1
        step = steps[self.step] if self.step is not None else None
        self.set_title(self._title(graph, focused, step, len(steps)))
        text_lines = TEXT_LINES if height > TEXT_LINES + 2 else 1
        out = self._node_lines(graph, focused, step, width, max(height - text_lines, 1))
        keys = ("f next node · b back · esc leaves" if step is not None else
                "f walks back · j/k row · ←→↑↓ pick a weight")
        first, last, n = self.shown
        if self.pages > 1 and first != self.page * self._per_page:  # a window on the walk
            keys = f"nodes {first + 1}–{last} of {n} · {keys}"
        elif self.pages > 1:
            keys = f"page {self.page + 1}/{self.pages} · {PAGE_KEY} more · {keys}"
        self.border_subtitle = keys
        return out + self._text_lines(view, step, width, text_lines)

    def _title(self, graph: Graph, focused: bool, step: Step | None, n: int) -> str:
        title = f"Chain rule · row {graph.row}'s term of J"
        if focused:
            title += f" · the paths from {graph.focus}"
        if step is not None:
            title += f" · step {self.step + 1}/{n}"
        return title

    def _row_line(self, view: SessionView, width: int) -> Text:
        """Which row, with its raw values."""
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
        line.append(fit(f"{cells} → {target}", max(width - len(line), 0)))
        return line

    def _node_lines(self, graph: Graph, focused: bool, step: Step | None, width: int,
                    rows: int) -> list[Text]:
        """The nodes, read down then across, a page of them when there are more than fit:
        the walked node's page while walking, else the one `m` turned to."""
        id_w = _id_width(graph)
        cols = self._columns_for(width, id_w)
        nodes = graph.nodes
        per_page = rows * cols
        self.pages = -(-len(nodes) // per_page)
        used = {t.upstream for t in step.terms} if step is not None else set()
        self.page %= self.pages
        start = self.page * per_page
        if step is not None:
            start = self._walk_window([k for k, node in enumerate(nodes)
                                       if node.id == step.node or node.id in used],
                                      next(k for k, node in enumerate(nodes)
                                           if node.id == step.node), per_page)
        self.shown = (start, min(start + per_page, len(nodes)), len(nodes))
        self._per_page = per_page
        page = nodes[start:start + per_page]
        path = set() if focused or step is not None else graph.paths_from(self.picked)
        # as many lines as the fullest page, so the text below stays put from page to page
        grid: list[Text] = [Text(" ") for _ in range(min(rows, -(-len(nodes) // cols)))]
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
            line.append(f" {num(node.value):>{WIDTH}}")
            line.append(f" {num(node.grad):>{WIDTH}}", self.style("value"))
        return grid

    def _walk_window(self, marked: list[int], at: int, per_page: int) -> int:
        """Where the nodes on screen start while walking: the page holding the walked node
        (at `at`) and the nodes its gradient comes from (`marked`, itself among them);
        else as many of those as fit, the walked node always."""
        page = at // per_page * per_page
        if page <= min(marked) and max(marked) < page + per_page:
            self.page = at // per_page
            return page
        start = max(0, min(min(marked), max(marked) - per_page + 1))
        return min(max(start, at - per_page + 1), at)

    def _text_lines(self, view: SessionView, step: Step | None, width: int,
                    room: int) -> list[Text]:
        """Not walking: the row, and how the walk goes. Walking: the step's equation with
        its numbers (fewer terms written out if it needs more than the room), then how
        its local derivative is computed when there is a line for it."""
        row = self._row_line(view, width)
        if step is None:
            hint = Text(fit(" each node: value, ∂J/∂node · f walks back from J one node at a "
                            "time", width), style=self.style("dim"))
            return [row, hint][:room]
        for terms in (3, 2):
            parts = wrap(step.equation(num, max_terms=terms), width - 3)
            if len(parts) <= room:
                break
        if len(parts) > room:  # the rest on the last line, cut there
            parts = [*parts[:room - 1], " ".join(parts[room - 1:])]
        out = [Text(" " + fit(("▶ " if k == 0 else "  ") + part, width - 1),
                    style=self.style("value")) for k, part in enumerate(parts)]
        if len(out) < room:
            out.append(Text(fit("   " + step.note, width), style=self.style("dim"))
                       if step.note else row)
        return out


def _col_width(id_w: int) -> int:
    return 1 + id_w + 2 * (1 + WIDTH)  # mark, id, value, ∂J/∂node


def _id_width(graph: Graph) -> int:
    return max(len(node.id) for node in graph.nodes)
