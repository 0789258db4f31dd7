"""Time to the numbers: `backprop` against a bare Textual app that imports NumPy and draws
the same kinds of widget (a status line, four bordered panes, a sparkline and a footer).

Both run in a pseudo-terminal of 80×24, as a person would start them, and each clock stops
when `Epoch 0` is on screen: in the bare app its first frame, in `backprop` the first frame
with the session's numbers (a placeholder drawn before them would not count). A second
figure stops at the footer's keys (`q Quit`), which Textual's Footer draws a frame later in
both. Runs alternate, so a busy machine slows both alike, and medians are compared.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
FOOTER = b"q Quit"  # the footer's keys, on the last row
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")

# The same kinds of widget the stepper shows, and NumPy, as the stepper needs it for numbers.
BARE = '''
import numpy as np
from textual.app import App
from textual.containers import Grid
from textual.widgets import Footer, Header, Sparkline, Static

class Bare(App):
    CSS = "Grid {grid-size: 2 2;} Static {height: 1fr; border: round $accent;}"
    BINDINGS = [("s", "noop", "Step"), ("r", "noop", "Run 100"), ("n", "noop", "New seed"),
                ("R", "noop", "Restart"), ("l", "noop", "Log"), ("question_mark", "noop", "Help"),
                ("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        with Grid():
            yield Static(str(np.zeros((4, 2))), id="data")
            yield Static("W1", id="w")
            yield Static("dW1", id="g")
            yield Sparkline([1.0, 0.5, 0.2], id="loss")
        yield Static("Epoch 0  Seed 0")
        yield Footer()

    def action_noop(self):
        pass

Bare().run()
'''


def time_to(cmd: list[str], markers: list[bytes], timeout: float = 20.0) -> list[float]:
    """Seconds from spawn until each marker has appeared in the screen text, in a pty."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    found: list[float] = []
    buf = b""
    try:
        while len(found) < len(markers) and time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                buf += os.read(master, 1 << 16)
            except OSError:
                break
            plain = ANSI.sub(b"", buf)
            while len(found) < len(markers) and markers[len(found)] in plain:
                found.append(time.perf_counter() - start)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    if len(found) < len(markers):
        raise SystemExit(f"{cmd[-1]}: did not show {markers[len(found)]!r} in {timeout}s")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    # as `make run` leaves it: our modules byte-compiled, like Textual's in site-packages
    subprocess.run([str(VENV_BIN / "python"), "-m", "compileall", "-q", str(ROOT / "core"),
                    str(ROOT / "tui")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp, "bare.py")
        bare.write_text(BARE)
        python = str(VENV_BIN / "python")
        app = [str(VENV_BIN / "backprop"), "--preset", "notebook", "--seed", "7"]
        bare_cmd = [python, str(bare)]
        bare_marks = [b"Epoch 0", FOOTER]
        app_marks = [b"Epoch 0 ", FOOTER]
        for _ in range(2):  # warm the file cache for both
            time_to(bare_cmd, bare_marks)
            time_to(app, app_marks)
        bare_t, app_t = [], []
        for _ in range(args.runs):
            bare_t.append(time_to(bare_cmd, bare_marks))
            app_t.append(time_to(app, app_marks))
    b_numbers, b_whole = (statistics.median(t[i] for t in bare_t) for i in range(2))
    numbers, whole = (statistics.median(t[i] for t in app_t) for i in range(2))
    ratios = sorted(a[0] / b[0] for a, b in zip(app_t, bare_t, strict=True))
    print(f"runs: {args.runs} each, medians, 80x24 pty, {os.cpu_count()} cores")
    print(f"Epoch 0 on screen  bare {b_numbers * 1000:5.0f} ms   backprop {numbers * 1000:5.0f} "
          f"ms   ratio {numbers / b_numbers:.2f}  (goal <= 1.15; pairwise ratios "
          f"{ratios[0]:.2f}-{ratios[-1]:.2f})")
    print(f"footer's keys      bare {b_whole * 1000:5.0f} ms   backprop {whole * 1000:5.0f} ms"
          f"   ratio {whole / b_whole:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
