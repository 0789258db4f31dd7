"""Keypress to updated screen, measured on the real `backprop` in an 80×24 pseudo-terminal:
the clock starts when the key is written and stops when the terminal has received the new
screen text (the next epoch in the status line, or the chart's new scale).

    .venv/bin/python bench/latency.py [--presses 30]

Figures, each a median and 90th percentile over the presses, with a ratio to its baseline
from the same run:
  - a bare Textual app echoing a key (a counter), at the same frame cap: the floor;
  - `s` and `r` on the notebook preset (goal ≤ 50 ms), at the default frame cap and others;
  - `l` (log/linear chart) while a 1,000-epoch run trains a 15-32-1 network on a generated
    100,000-row × 16-column CSV in a thread (goal ≤ 100 ms), against `l` on the same app idle.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from ptyterm import BACKPROP, PYTHON, ROOT, Term, backprop_with_r

sys.path.insert(0, str(ROOT))
from tui.terminal import DEFAULT_FPS

BARE = '''
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    BINDINGS = [("s", "count", "Step"), ("q", "quit", "Quit")]
    n = 0

    def compose(self):
        yield Static("Count 0 │", id="count")
        yield Footer()

    def action_count(self):
        self.n += 1
        self.query_one("#count", Static).update(f"Count {self.n} │")

Bare().run()
'''



def ms(values: list[float]) -> tuple[float, float]:
    values = sorted(v * 1000 for v in values)
    return statistics.median(values), values[int(0.9 * (len(values) - 1))]


def counting(cmd: list[str], key: str, label: str, first: int, by: int, presses: int,
             env: dict[str, str] | None = None) -> list[float]:
    """Press `key` `presses` times; each time wait for `<label> <n> │` with n moved by `by`."""
    t = Term(cmd, env=env)
    try:
        t.wait_for(rf"{label} {first} │")
        t.settle(1.0)
        n, times = first, []
        for _ in range(presses + 2):
            n += by
            sent = t.press(key)
            times.append(t.wait_for(rf"{label} {n} │") - sent)
            t.settle(0.15)
        return times[2:]  # the first presses pay for imports and caches
    finally:
        t.close()


def toggling(t: Term, presses: int, until: str | None = None) -> list[float]:
    """Press `l` and wait for the chart's other scale; fail if `until` has shown."""
    start = len(t.out)
    times, scale = [], "log"
    for _ in range(presses):
        scale = "linear" if scale == "log" else "log"
        sent = t.press("l")
        times.append(t.wait_for(rf"{scale} scale") - sent)
        if until is not None and until in t.text(start):
            raise SystemExit(f"the run ended before {len(times)} presses; use fewer")
        t.collect(0.1)
    return times


def big_csv(folder: str) -> str:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 15))
    y = np.tanh(X @ rng.normal(size=15)) + 0.1 * rng.normal(size=100_000)
    path = os.path.join(folder, "big.csv")
    header = ",".join([f"x{i}" for i in range(15)] + ["y"])
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header=header, comments="",
               fmt="%.6f")
    return path


def during_run(csv: str, presses: int) -> tuple[list[float], list[float], float]:
    """`l` on the big network idle, then during a 1,000-epoch run; and the run's epochs/s."""
    import time

    t = Term([*backprop_with_r(1000), "--data", csv, "--hidden", "32", "--seed", "1"],
             env={"PYTHONPATH": str(ROOT)})
    try:
        t.wait_for(r"Epoch 0 │", timeout=120)
        t.settle(1.0)
        t.press("s")  # the chart (and its scale) appears once there is a history
        t.wait_for(r"Epoch 1 │", timeout=60)
        t.settle(1.0)
        idle = toggling(t, presses)
        started = t.press("r")
        since = t.mark
        t.wait_for(r"running: \d+/1000")
        busy = toggling(t, presses, until="Epoch 1001 │")
        done = int(re.findall(r"running: (\d+)/1000", t.text(since))[-1])
        rate = done / (time.perf_counter() - started)
        return idle, busy, rate
    finally:
        t.close()


def line(what: str, times: list[float], base: list[float] | None = None) -> None:
    med, p90 = ms(times)
    ratio = f"   ratio {med / ms(base)[0]:5.2f}" if base else ""
    print(f"{what:<52} median {med:6.1f} ms  p90 {p90:6.1f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args()
    n = args.presses
    print(f"80x24 pty, 256 colours, {n} presses each; default frame cap {DEFAULT_FPS} fps; "
          f"{os.cpu_count()} cores")
    notebook = [BACKPROP, "--preset", "notebook", "--seed", "7"]
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp, "bare.py")
        bare.write_text(BARE)
        base = counting([PYTHON, str(bare)], "s", "Count", 0, 1, n,
                        env={"TEXTUAL_FPS": str(DEFAULT_FPS)})
        line(f"bare Textual app, key echo ({DEFAULT_FPS} fps)", base)
        line(f"s on the notebook (default {DEFAULT_FPS} fps)",
             counting(notebook, "s", "Epoch", 0, 1, n), base)
        line(f"r on the notebook (default {DEFAULT_FPS} fps)",
             counting(notebook, "r", "Epoch", 0, 100, n), base)
        for fps in sorted({15, 60} - {DEFAULT_FPS}):
            line(f"s on the notebook (--fps {fps})",
                 counting([*notebook, "--fps", str(fps)], "s", "Epoch", 0, 1, n), base)
        csv = big_csv(tmp)
        idle, busy, rate = during_run(csv, min(n, 20))
        line("l, 100k x 16 CSV, 32 hidden, idle", idle)
        line(f"l during the 1,000-epoch run ({rate:.0f} epochs/s)", busy, idle)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
