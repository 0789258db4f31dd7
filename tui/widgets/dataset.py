"""The dataset pane: every row as the file has it, the normalised numbers the network sees,
and what the network currently predicts for that row next to its target, in the target's
own units (`predicted 64.8 / target 55`), which is what a student can judge.

It tries the richest table first and drops detail until the table fits the pane's width;
then, on a wide file, feature columns from the middle, so the target and the prediction stay
pinned on the right (the title counts what is hidden). Rows that do not fit in its height
are a page: PgUp/PgDn and Home/End move through them, and the foot says which are showing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import NOT_A_NUMBER, fit, num, short
from .pane import Pane

if TYPE_CHECKING:
    from core.present.views import SessionView

# (column heading, cell text per row) for one column of the table
Column = tuple[str, Callable[[int], str]]  # a heading, and how to write row i's cell
Formatted = tuple[str, list[str]]  # a heading, and the cells of the rows on screen


class DatasetPane(Pane):
    """Raw rows, normalised values and prediction vs target, as much as fits."""

    TITLE = "Dataset"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.first = 0  # the first row on screen
        self._page = 1  # rows on screen at the last draw: how far PgDn moves
        self._hidden = 0  # feature columns left out at the last draw

    def show(self, view: SessionView) -> None:
        ds = view.dataset
        if self.view is None or self.view.dataset is not ds:
            # the core's normalised table and class labels, asked for once per dataset, not
            # once per draw
            X_all = ds.X_all
            self._normalised = (X_all, ds.y_all, frozenset(ds.test_rows.tolist()))
            # the crosses (`--inputs`) beside the features: every input that is not one
            self._crosses = [(k, name) for k, name in enumerate(ds.input_names)
                             if ds.inputs is not None and name not in ("x1", "x2")]
            self._inputs = ds.network_inputs(X_all) if self._crosses else None
            self._labels = ds.labels
            self.first = 0
        super().show(view)

    def scroll_rows(self, pages: int = 0, to: str = "") -> None:
        """PgUp/PgDn (`pages` ±1), Home (`to="home"`) and End (`to="end"`)."""
        if self.view is None:
            return
        n = self.view.dataset.raw.shape[0]
        last = max(n - self._page, 0)
        first = 0 if to == "home" else last if to == "end" else self.first + pages * self._page
        first = min(max(first, 0), last)
        if first != self.first:
            self.first = first
            self.body.refresh()

    def _title(self, view: SessionView) -> str:
        ds = view.dataset
        title = f"Dataset: {ds.name}, {ds.raw.shape[0]} rows (normalised: {ds.x_norm.kind})"
        if ds.inputs is not None and ds.feature_names != ("x1", "x2"):
            title += f", x1 = {ds.feature_names[0]}, x2 = {ds.feature_names[1]}"
        if self._hidden:
            title += f", {self._hidden} column{'s' if self._hidden > 1 else ''} hidden"
        return title

    def wanted_height(self, width: int, screen_height: int) -> int:
        """Header plus one line per row, but at most two fifths of the screen: a 200-row
        dataset shows its first rows and a count, and leaves room for the other panes."""
        if self.view is None:
            return 1
        wanted = 1 + self.view.dataset.raw.shape[0] + (1 if self._has_test(self.view) else 0)
        return max(min(wanted, screen_height * 2 // 5 - 2), 3)

    @staticmethod
    def _has_test(view: SessionView) -> bool:
        return view.dataset.has_test

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        table = self._fitted(view, width, height)
        self.set_title(self._title(view))
        return table

    def _fitted(self, view: SessionView, width: int, height: int) -> list[Text]:
        """The richest layout that fits; failing all, the plainest with feature columns
        dropped from the middle (target and prediction stay pinned on the right). Each
        layout's cells are formatted once: leaving columns out changes no other's width."""
        self._hidden = 0
        rows, notes = self._rows(view, height)
        room = max(len(note) for note in notes) if notes else 0
        for columns in self._layouts(view, width):
            table = [(head, [cell(i) for i in rows]) for head, cell in columns]
            if max(_width(table), room) <= width:
                return self._draw(table, notes)
        n_features, cut = len(view.dataset.feature_names) + len(self._crosses), table
        for hidden in range(1, n_features):
            cut = self._without_middle(table, n_features, hidden, ["…"] * len(rows))
            if max(_width(cut), room) <= width:
                self._hidden = hidden
                return self._draw(cut, notes)
        return [Text(fit(line.plain, width)) for line in self._draw(cut, notes)]

    @staticmethod
    def _without_middle(table: list[Formatted], n_features: int, hidden: int,
                        gap: list[str]) -> list[Formatted]:
        """`hidden` feature columns taken out of the middle of the features, and one narrow
        column saying how many are missing in their place."""
        keep = n_features - hidden
        left = 1 + (keep + 1) // 2  # the row number, then the first features
        right = left + hidden
        return [*table[:left], (f"+{hidden}", gap), *table[right:]]

    def _layouts(self, view: SessionView, width: int) -> list[list[Column]]:
        """Column sets from most to least detailed; the first that fits is drawn."""
        wide = width >= 110
        return [
            self._columns(view, normalised=True, words=True, both=wide),
            self._columns(view, normalised=True, words=True),
            self._columns(view, normalised=False, words=True),
            self._columns(view, normalised=False, words=False),
        ]

    def _columns(self, view: SessionView, normalised: bool, words: bool,
                 both: bool = False) -> list[Column]:
        """The table's columns; `both` adds the normalised ŷ / y the network works with."""
        ds, ev = view.dataset, view.evaluation
        n_feat = len(ds.feature_names)
        X_all, y_all, test = self._normalised
        normalised = normalised and ds.x_norm.kind != "none"  # else the same numbers twice
        cols: list[Column] = [("#", lambda i: f"{i}{'t' if i in test else ''}")]
        for j, name in enumerate(ds.feature_names):
            cols.append((name, self._cell(ds.raw, X_all, j, j, normalised)))
        inputs = self._inputs
        for k, name in self._crosses:  # computed from the normalised features
            cols.append((name, lambda i, k=k: num(inputs[i, k])))
        if ds.classes is not None and self._labels is not None:
            return cols + self._class_columns(view, words)
        for k, name in enumerate(ds.target_names):
            cols.append((name, self._cell(ds.raw, y_all, n_feat + k, k, normalised)))
        for k, name in enumerate(ds.target_names):
            title = "network's prediction / target" if words else "ŷ / y"
            if len(ds.target_names) > 1:
                title = f"{name}: {title}"
            cols.append((title, self._prediction(view, k, n_feat + k, words)))
            if normalised and both:
                cols.append(("normalised ŷ / y",
                             lambda i, k=k: f"{num(ev.predictions[i, k])} / "
                                            f"{num(y_all[i, k])}" if ev.finite
                             else NOT_A_NUMBER))
        return cols

    def _class_columns(self, view: SessionView, words: bool) -> list[Column]:
        """A class target as one column of labels (not its one-hot 0/1 columns), and the
        network's answer: the class it gives the highest probability, that probability, and
        ✓ or ✗ against the target, in words as well as colour."""
        ds, ev = view.dataset, view.evaluation
        classes, labels = ds.classes, self._labels
        assert classes is not None and labels is not None
        label = ds.label_column or ds.target_names[0]

        def answer(i: int) -> str:
            true = classes[labels[i]]
            if not ev.finite or ev.predicted_class is None or ev.probability is None:
                return f"predicted {NOT_A_NUMBER} / target {true}" if words else NOT_A_NUMBER
            guess, p = classes[int(ev.predicted_class[i])], float(ev.probability[i])
            mark = "✓" if guess == true else "✗"
            return f"{mark} predicted {guess} ({p:.0%}) / target {true}" if words \
                else f"{mark} {guess} ({p:.0%})"

        title = "network's prediction (probability) / target" if words else "ŷ (p)"
        return [(label, lambda i: classes[labels[i]]), (title, answer)]

    @staticmethod
    def _cell(raw, norm, raw_col: int, norm_col: int, normalised: bool) -> Callable[[int], str]:
        if not normalised:
            return lambda i: short(raw[i, raw_col])
        return lambda i: f"{short(raw[i, raw_col])} ({num(norm[i, norm_col])})"

    @staticmethod
    def _prediction(view: SessionView, k: int, raw_col: int,
                    words: bool) -> Callable[[int], str]:
        ev, raw = view.evaluation, view.dataset.raw

        def cell(i: int) -> str:
            pred = num(ev.predictions_original[i, k]) if ev.finite else NOT_A_NUMBER
            if words:
                return f"predicted {pred} / target {short(raw[i, raw_col])}"
            return f"{pred} / {short(raw[i, raw_col])}"

        return cell

    def _rows(self, view: SessionView, height: int) -> tuple[range, list[str]]:
        """The rows on screen, from `first`, and the notes under them."""
        n = view.dataset.raw.shape[0]
        test_note = self._has_test(view)
        room = max(height - 1 - test_note, 1)
        shown = n if n <= room else max(room - 1, 1)
        self._page = shown
        first = min(self.first, max(n - shown, 0))
        notes = []
        if shown < n:
            notes.append(f" rows {first}–{first + shown - 1} of {n} · PgUp/PgDn, Home/End move")
        if test_note:
            notes.append(" t = held-out test row, not trained on")
        return range(first, first + shown), notes

    def _draw(self, table: list[Formatted], notes: list[str]) -> list[Text]:
        widths = _widths(table)
        head = Text(self._join([h for h, _ in table], widths), style=self.style("head"))
        body = [Text(self._join(list(row), widths))
                for row in zip(*(c for _, c in table), strict=True)]
        return [head, *body, *(Text(note, style=self.style("dim")) for note in notes)]

    @staticmethod
    def _join(cells: list[str], widths: list[int]) -> str:
        """Numbers right-aligned; the last column (prediction / target) left-aligned."""
        parts = [c.rjust(w) for c, w in zip(cells[:-1], widths[:-1], strict=True)]
        return " " + "  ".join([*parts, cells[-1]])


def _widths(table: list[Formatted]) -> list[int]:
    return [max(len(head), *map(len, cells)) if cells else len(head) for head, cells in table]


def _width(table: list[Formatted]) -> int:
    """How wide `_join` makes a line of this table: a space, then two between columns."""
    widths = _widths(table)
    return 1 + sum(widths) + 2 * (len(widths) - 1)
