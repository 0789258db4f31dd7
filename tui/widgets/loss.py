"""The loss pane: the current loss, the best so far, the change the last step made, and a
chart of the loss at every epoch.

The notebook's loss falls from 0.5 to 0.00002, four orders of magnitude, so a linear chart
is a cliff and then a flat line; the chart is log-scaled by default and `l` toggles it.
The bars come from `core.training.history.downsample`; the axis labels are history values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..fmt import DOWN, UP, fit, is_finite, loss, short, wrap
from .pane import Pane, runs

if TYPE_CHECKING:
    from core.present.views import SessionView

BARS = " ▁▂▃▄▅▆▇█"
TEST_MARK = "•"  # the held-out loss, drawn over the training loss's bars
# Two runs: A's curve is drawn in bars, B's in this marker over them (each in its colour).
RUN_MARKS = {"A": "█", "B": "×"}
DIVERGED_MARK = "!"  # where a run's curve ends because it diverged


class LossPane(Pane):
    """Numbers on top, a multi-row bar chart of the history below."""

    TITLE = "Loss"
    WIDE = 44
    BOTH_RUNS = True

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.log_scale = True

    def toggle_log(self) -> bool:
        """Switch log/linear scale; only the drawing changes, not the numbers."""
        self.log_scale = not self.log_scale
        self.body.refresh()  # the body draws; refreshing the pane alone redraws nothing
        return self.log_scale

    def lines(self, view: SessionView, width: int, height: int) -> list[Text]:
        if view.compare is not None:
            self.set_title("Loss: A and B")
            return self._two_runs(view, width, height)
        self.set_title(self.TITLE)
        out = self._numbers(view, width)
        chart_rows = height - len(out) - 1
        if chart_rows >= 2:
            out += self._chart(view, width, chart_rows)
        return out

    def _numbers(self, view: SessionView, width: int) -> list[Text]:
        ev, name = view.evaluation, view.loss_name.upper()
        now = loss(ev.loss) if is_finite(ev.loss) else "overflow"
        out = [self._pair(f"{name} now", now, f"epoch {view.epoch}", width)]
        if ev.test_loss is not None:
            # the dot is how the chart draws the held-out loss
            out.append(self._pair(f"test {TEST_MARK}", loss(ev.test_loss),
                                  "held-out rows", width))
        if ev.accuracy is not None:
            test = f"test {ev.test_accuracy:.0%}" if ev.test_accuracy is not None else ""
            out.append(self._pair("accuracy", f" {ev.accuracy:.0%}", test, width))
        best = view.best_so_far
        if best is not None:
            out.append(self._pair("best", loss(best[1]), f"epoch {best[0]}", width))
        out.append(self._change(view, width))
        return out

    def _pair(self, label: str, value: str, note: str, width: int) -> Text:
        line = Text(f" {label:<8}", style=self.style("label"))
        line.append(value, style=self.style("value"))
        if note and len(line) + 2 + len(note) <= width:
            line.append(f"  {note}", style=self.style("dim"))
        return line

    def _change(self, view: SessionView, width: int) -> Text:
        change = view.loss_change
        if change is None or not is_finite(change):
            return self._pair("change", "—", "after a step", width)
        mark = DOWN if change < 0 else UP if change > 0 else "="
        line = Text(f" {'change':<8}", style=self.style("label"))
        style = self.style("good" if change < 0 else "bad" if change > 0 else "dim")
        line.append(f"{loss(change, signed=True)} {mark}", style=style)
        note = "in the last step"
        if len(line) + 2 + len(note) <= width:
            line.append(f"  {note}", style=self.style("dim"))
        return line

    def _chart(self, view: SessionView, width: int, rows: int) -> list[Text]:
        from core.training.history import downsample

        history, test = view.loss_curve, view.test_curve
        text = f" {'log' if self.log_scale else 'linear'} scale, epoch 0–{max(len(history) - 1, 0)}"
        if len(history) < 2:  # one point is not a curve
            return [Text(" " + part, style=self.style("dim"))
                    for part in wrap("no history yet: s steps, r runs 100", width - 1)][:rows]
        import numpy as np

        # train and held-out loss share one scale, so the gap between them is real; the axis
        # labels are the highest and lowest values, written as everywhere else
        series = [history, test] if test is not None and len(test) == len(history) \
            else [history]
        finite = np.concatenate([h[np.isfinite(h)] for h in series])
        if not finite.size:
            return [Text(" no finite loss to chart", style=self.style("dim"))]
        top, bottom = loss(finite.max()), loss(finite.min())
        gutter = max(len(top), len(bottom)) + 2  # a space, the label, the axis
        plot_w = width - gutter
        values = downsample(history, plot_w, log=self.log_scale) if plot_w > 0 else []
        if not values:
            return [Text(fit(text, width), style=self.style("dim"))]
        tests = downsample(test, plot_w, log=self.log_scale) if len(series) > 1 else []
        if len(tests) != len(values):
            tests = []
        low, high = min(values + tests), max(values + tests)
        bars = _bars(values, rows, low, high)
        marks = _bars(tests, rows, low, high, mark=True) if tests else None
        out = []
        for r, bar in enumerate(bars):
            label = top if r == 0 else bottom if r == rows - 1 else ""
            line = Text(label.rjust(gutter - 1) + "▕", style=self.style("dim"))
            if marks is None:
                line.append(bar, style=self.style("chart"))
            else:
                line.append_text(runs([(m, self.style("test")) if m != " " else
                                       (b, self.style("chart")) for b, m in zip(bar, marks[r],
                                                                                strict=True)]))
            out.append(line)
        axis = Text(fit(text, width), style=self.style("dim"))
        if tests and len(text) + 18 <= width:
            axis.append("  █ train ")
            axis.append(f"{TEST_MARK} test", style=self.style("test"))
        return [*out, axis]


    # ------------------------------------------------------------------ two runs

    def _two_runs(self, view: SessionView, width: int, height: int) -> list[Text]:
        """Both runs' losses now (and accuracies), then both curves on one scale, each
        with its own marker and colour, and a legend saying what B changes."""
        compare = view.compare
        assert compare is not None
        out = [self._run_now(run, width) for run in compare.runs]
        if all(r.accuracy is not None and r.finite for r in compare.runs):
            a, b = (r.accuracy for r in compare.runs)
            out.append(self._pair("accuracy", f" A {a:.0%}  B {b:.0%}", "", width))
        chart_rows = height - len(out) - 1
        if chart_rows >= 2:
            out += self._two_charts(view, width, chart_rows)
        return out

    def _run_now(self, run, width: int) -> Text:
        """`█ A 0.000724  lr 0.1`: the marker, the run, its loss now (as train's JSON has
        it, to 6 decimals), then where it is; or where it diverged."""
        style = self.style("chart" if run.name == "A" else "runb")
        line = Text(f" {RUN_MARKS[run.name]} ", style=style)
        line.append(f"{run.name} ", style=self.style("label"))
        if run.diverged:
            line.append(f"diverged at epoch {run.diverged_at}", style=self.style("bad"))
            return line
        now = loss(run.loss) if run.finite and is_finite(run.loss) else "overflow"
        line.append(now, style=self.style("value"))
        for note in (f"  epoch {run.epoch}  lr {short(run.lr, 4)}", f"  epoch {run.epoch}"):
            if len(line) + len(note) <= width:
                line.append(note, style=self.style("dim"))
                break
        return line

    def _two_charts(self, view: SessionView, width: int, rows: int) -> list[Text]:
        compare = view.compare
        assert compare is not None
        from core.training.history import downsample

        curves = [r.curve for r in compare.runs]
        longest = max(len(c) for c in curves)
        import numpy as np

        # the scale is the runs' that train on: a diverged run's blow-up (1e270) would
        # flatten the other's curve; its last values sit at the top, where `!` marks its end
        scaled = [k for k, r in enumerate(compare.runs) if len(curves[k]) and not r.diverged] \
            or [k for k in range(len(curves)) if len(curves[k])]
        finite = np.concatenate([curves[k][np.isfinite(curves[k])] for k in scaled]) \
            if scaled else np.empty(0)
        if longest < 2 or not finite.size:
            return [Text(" " + part, style=self.style("dim"))
                    for part in wrap("no history yet: s steps both", width - 1)][:rows]
        # the axis labels are the highest and lowest values, written as everywhere else
        top, bottom = loss(finite.max()), loss(finite.min())
        gutter = max(len(top), len(bottom)) + 2  # a space, the label, the axis
        plot_w = width - gutter
        if plot_w <= 0:
            return [Text(" no room for the chart", style=self.style("dim"))]
        # each curve as wide as its share of the epochs, both on one scale
        values = [downsample(c, max(round(plot_w * len(c) / longest), 1) if len(c) else 0,
                             log=self.log_scale) for c in curves]
        scaled = [k for k in scaled if values[k]]
        if not scaled:
            return [Text(" no history yet: s steps both", style=self.style("dim"))]
        low = min(min(values[k]) for k in scaled)
        high = max(max(values[k]) for k in scaled)
        values = [[min(max(x, low), high) for x in v] for v in values]
        bars = _bars(values[0], rows, low, high) if values[0] else [""] * rows
        marks = _bars(values[1], rows, low, high, mark=True) if values[1] else [""] * rows
        ends = [len(v) - 1 if r.diverged and v else None for r, v in zip(compare.runs, values,
                                                                          strict=True)]
        a_style, b_style = self.style("chart"), self.style("runb")
        out = []
        for r in range(rows):
            label = top if r == 0 else bottom if r == rows - 1 else ""
            cells = []
            for x in range(plot_w):
                a = bars[r][x] if x < len(bars[r]) else " "
                b = marks[r][x] if x < len(marks[r]) else " "
                if r == 0 and x in ends:
                    cells.append((DIVERGED_MARK, self.style("bad")))
                elif b != " ":
                    cells.append((RUN_MARKS["B"], b_style))
                else:
                    cells.append((a, a_style))
            line = Text(label.rjust(gutter - 1) + "▕", style=self.style("dim"))
            line.append_text(runs(cells))
            out.append(line)
        return [*out, self._legend(compare, width)]

    def _legend(self, compare, width: int) -> Text:
        """`█ A  × B: lr 1.0  log scale`, as much as fits."""
        line = Text(" ")
        line.append(f"{RUN_MARKS['A']} A  ", style=self.style("chart"))
        line.append(f"{RUN_MARKS['B']} B: {compare.label}", style=self.style("runb"))
        rest = [f"  {'log' if self.log_scale else 'linear'} scale"]
        if any(r.diverged for r in compare.runs):
            rest.insert(0, f"  {DIVERGED_MARK} diverged")
        for part in rest:
            if len(line) + len(part) <= width:
                line.append(part, style=self.style("dim"))
        return line


def _bars(values: list[float], rows: int, low: float, high: float,
          mark: bool = False) -> list[str]:
    """Rows of block characters, top row first; each column's height in eighths of a cell
    between `low` and `high` (or, with `mark`, one dot in the cell where the value lies).
    Scaling to the chart's height is drawing, not a number anyone reads."""
    span = (high - low) or 1.0
    eighths = [round((v - low) / span * (rows * 8 - 1)) + 1 for v in values]
    out = []
    for r in reversed(range(rows)):
        base = r * 8
        if mark:
            out.append("".join(TEST_MARK if (h - 1) // 8 == r else " " for h in eighths))
        else:
            out.append("".join(BARS[min(max(h - base, 0), 8)] for h in eighths))
    return out

