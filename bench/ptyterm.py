"""A program in a pseudo-terminal, for the benches that measure what a person would see:
bytes written (bandwidth.py) and keypress-to-screen time (latency.py).

`Term` starts the command on a pty of a given size with TERM=xterm-256color, keeps every byte
the program writes, and can wait for a pattern in the screen text written since a mark.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
BACKPROP = str(VENV_BIN / "backprop")
PYTHON = str(VENV_BIN / "python")
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")



def backprop_with_r(epochs: int) -> list[str]:
    """`backprop` with `r` running `epochs` epochs instead of 100: the same command line and
    app, for benches that need a run to last (add the usual options after it)."""
    code = (f"import sys, tui.app; tui.app.RUN_EPOCHS = {epochs}; sys.argv[0] = 'backprop'; "
            "from tui.cli import main; raise SystemExit(main())")
    return [PYTHON, "-c", code]


TRUECOLOR = {"COLORTERM": "truecolor"}
COLOURS_256: dict[str, str] = {}  # what SSH gives: TERM=xterm-256color, no COLORTERM
NO_COLOR = {"NO_COLOR": "1"}


class Term:
    def __init__(self, cmd: list[str], size: tuple[int, int] = (80, 24),
                 env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full = {k: v for k, v in os.environ.items()
                if k not in ("COLORTERM", "NO_COLOR", "TEXTUAL_FPS")}
        full.update({"TERM": "xterm-256color", **(env or {})})
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=full,
                                     cwd=cwd, start_new_session=True)
        os.close(slave)
        self.out = bytearray()
        self.mark = 0

    def read(self, timeout: float) -> int:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return 0
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:
            return 0
        self.out += chunk
        return len(chunk)

    def text(self, since: int = 0) -> str:
        return ANSI.sub(b"", bytes(self.out[since:])).decode("utf-8", "replace")

    def press(self, key: str | bytes) -> float:
        """Write a key; the mark moves here. Returns the time it was written."""
        self.mark = len(self.out)
        os.write(self.master, key.encode() if isinstance(key, str) else key)
        return time.perf_counter()

    def wait_for(self, pattern: str, timeout: float = 30.0) -> float:
        """Read until the screen text since the mark matches; the time it arrived."""
        regex = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.read(0.5) and regex.search(self.text(self.mark)):
                return time.perf_counter()
        raise SystemExit(f"{pattern!r} never appeared; screen text:\n{self.text()[-2000:]}")

    def settle(self, quiet: float = 0.5, timeout: float = 30.0) -> int:
        """Read until nothing has come for `quiet` seconds; bytes read meanwhile."""
        start, last = len(self.out), time.perf_counter()
        deadline = last + timeout
        while time.perf_counter() - last < quiet and time.perf_counter() < deadline:
            if self.read(0.05):
                last = time.perf_counter()
        return len(self.out) - start

    def collect(self, seconds: float) -> int:
        """Bytes written in the next `seconds`."""
        start, end = len(self.out), time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.read(min(left, 0.05))
        return len(self.out) - start

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)
