"""Time to first frame: `backprop` against a bare Textual app with the same kinds of widget.

Both run in a pseudo-terminal of 80×24, as a person would start them, and the clock stops
when a marker has been written to the terminal:
  - first frame: its first row, the status line (`Epoch 0 |` in the bare app, `backprop-
    stepper: opening the network…` in ours, drawn before NumPy and the core are imported).
    Textual writes a frame top to bottom in one go, so both clocks stop at the same place;
  - whole screen: the footer's keys (`q Quit`), which Textual's Footer draws a frame or two
    later, in both apps;
  - `backprop` with numbers: `Epoch 0` in its status line, once the core has opened the
    session (compared with the bare app's whole screen).
Runs alternate, so a busy machine slows both alike, and medians are compared.

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

# The same kinds of widget the stepper shows: a status line, four bordered panes of text in a
# grid, a footer with key bindings. Textual only: no NumPy, no core.
BARE = '''
from textual.app import App
from textual.containers import Grid
from textual.widgets import Footer, Static

class Bare(App):
    CSS = """
    #grid { layout: grid; grid-size: 3; grid-rows: auto 1fr; height: 1fr; }
    #dataset { column-span: 3; height: 7; }
    .pane { border: round $primary; height: 1fr; }
    """
    BINDINGS = [("s", "bell", "Step"), ("r", "bell", "Run 100"), ("n", "bell", "New seed"),
                ("R", "bell", "Restart"), ("l", "bell", "Log"), ("question_mark", "bell", "Help"),
                ("q", "quit", "Quit")]

    def compose(self):
        yield Static(" Epoch 0 | Seed 7 | lr 0.1 | 2-2-1 linear | gd (full batch)")
        with Grid(id="grid"):
            for name in ("dataset", "params", "gradients", "loss"):
                pane = Static(name, id=name, classes="pane")
                pane.border_title = name
                yield pane
        yield Footer()

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
        bare_marks = [b"Epoch 0 |", FOOTER]
        app_marks = [b"backprop-stepper", FOOTER, b"Epoch 0 "]
        for _ in range(2):  # warm the file cache for both
            time_to(bare_cmd, bare_marks)
            time_to(app, app_marks)
        bare_t, app_t = [], []
        for _ in range(args.runs):
            bare_t.append(time_to(bare_cmd, bare_marks))
            app_t.append(time_to(app, app_marks))
    b_first, b_whole = (statistics.median(t[i] for t in bare_t) for i in range(2))
    first, whole, numbers = (statistics.median(t[i] for t in app_t) for i in range(3))
    print(f"runs: {args.runs} each, medians, 80x24 pty, {os.cpu_count()} cores")
    print(f"first frame   bare {b_first * 1000:5.0f} ms   backprop {first * 1000:5.0f} ms"
          f"   ratio {first / b_first:.2f}  (goal <= 1.15)")
    print(f"whole screen  bare {b_whole * 1000:5.0f} ms   backprop {whole * 1000:5.0f} ms"
          f"   ratio {whole / b_whole:.2f}")
    print(f"with numbers  (bare's whole screen)   backprop {numbers * 1000:5.0f} ms"
          f"   ratio {numbers / b_whole:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
