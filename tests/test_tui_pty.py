"""The real `backprop` console script in a pseudo-terminal, driven like a person would.

These prove the installed command (not only the App class) works end to end: it draws,
answers keys, quits, survives signals, and gives the terminal back as it found it. They also
hold the bytes one step writes at 80×24 to a few KB.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

BACKPROP = Path(sys.executable).with_name("backprop")
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")
# What Textual writes on the way out: leave the alternate screen, show the cursor, stop
# mouse reporting. A terminal left without these is the "garbled shell" users hit.
RESTORE = (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l")

pytestmark = pytest.mark.skipif(not BACKPROP.exists(), reason="backprop is not installed")


class Term:
    """One `backprop` process on a pty of a given size; the parent keeps the slave open to
    read the terminal's settings after the process has gone."""

    def __init__(self, *args: str, size: tuple[int, int] = (80, 24), env: dict | None = None,
                 controlling: bool = False) -> None:
        self.master, self.slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.saved = termios.tcgetattr(self.slave)
        full_env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR")}
        full_env.update({"TERM": "xterm-256color", **(env or {})})
        slave_path = os.ttyname(self.slave)

        def become_terminal_owner() -> None:  # like a login shell: SIGHUP on hang-up
            os.setsid()
            fd = os.open(slave_path, os.O_RDWR)
            fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
            os.close(fd)

        self.proc = subprocess.Popen(
            [str(BACKPROP), *args], stdin=self.slave, stdout=self.slave, stderr=self.slave,
            env=full_env, start_new_session=not controlling,
            preexec_fn=become_terminal_owner if controlling else None)
        self.out = b""
        self.mark = 0

    def read(self, timeout: float = 0.05) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:
            return b""
        self.out += chunk
        return chunk

    def text(self, since: int = 0) -> str:
        return ANSI.sub(b"", self.out[since:]).decode("utf-8", "replace")

    def wait_for(self, pattern: str, timeout: float = 20.0) -> re.Match:
        """Read until the screen text written since the last `press` matches `pattern`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = regex.search(self.text(self.mark))
            if match:
                return match
            self.read(0.1)
        raise AssertionError(f"{pattern!r} never appeared; screen text:\n{self.text()[-3000:]}")

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> bytes:
        """Read until the app has written nothing for `quiet` seconds; return what it wrote."""
        start, last = len(self.out), time.monotonic()
        deadline = last + timeout
        while time.monotonic() - last < quiet and time.monotonic() < deadline:
            if self.read(0.05):
                last = time.monotonic()
        return self.out[start:]

    def press(self, keys: str | bytes) -> None:
        self.mark = len(self.out)
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.05)
        while self.read(0.05):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            raise AssertionError("backprop did not exit")
        return self.proc.returncode

    def restored(self) -> bool:
        """Textual's goodbye sequences were written, and the tty is back in its old mode."""
        tail = self.out[-400:]
        return all(seq in tail for seq in RESTORE) and \
            termios.tcgetattr(self.slave) == self.saved

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):  # the hang-up test closed the master already
                os.close(fd)


@pytest.fixture
def term_factory():
    terms: list[Term] = []

    def make(*args: str, **kw) -> Term:
        terms.append(Term(*args, **kw))
        return terms[-1]

    yield make
    for t in terms:
        t.close()


def test_keys_s_r_n_q_drive_the_real_command(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7")
    t.wait_for(r"Epoch 0 │ Seed 7 │ lr 0\.1 │ 2-2-1 linear")
    t.wait_for(r"predicted 118\.3 / target 55")
    t.settle()
    t.press("s")
    t.wait_for(r"Epoch 1 │ Seed 7")
    t.wait_for(r"epoch 0's update")
    t.settle()
    t.press("r")
    t.wait_for(r"Epoch 101 │ Seed 7")
    t.settle()
    t.press("n")
    seed = int(t.wait_for(r"Epoch 0 │ Seed (\d+)").group(1))
    assert seed != 7
    t.settle()
    t.press("q")
    assert t.wait_exit() == 0
    assert t.restored()


def test_one_step_writes_a_few_kilobytes(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", env={"COLORTERM": "truecolor"})
    t.wait_for(r"Epoch 0")
    t.settle(1.0)
    sizes = {}
    for key in ("s", "s", "r"):
        t.press(key)
        sizes[key] = len(t.settle())
    assert 0 < sizes["s"] <= 8 * 1024, sizes  # measured ≈5 KB in truecolour, ≈4 KB in 256
    assert 0 < sizes["r"] <= 8 * 1024, sizes
    t.press("q")
    assert t.wait_exit() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: s.name)
def test_signals_leave_the_terminal_restored(term_factory, sig: signal.Signals) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7")
    t.wait_for(r"Epoch 0")
    t.settle()
    t.proc.send_signal(sig)
    assert t.wait_exit() == 128 + sig
    assert t.restored()


def test_hang_up_ends_the_process(term_factory) -> None:
    """An SSH drop: the terminal goes away; the app must exit, not spin or hang."""
    t = term_factory("--preset", "notebook", "--seed", "7", controlling=True)
    t.wait_for(r"Epoch 0")
    t.settle()
    os.close(t.master)
    try:
        t.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError("backprop kept running after its terminal hung up") from None


def test_hang_up_during_a_long_run_ends_the_process(term_factory) -> None:
    """The worst case: frames keep coming after the terminal is gone. Textual's writer
    thread dies on the first failed write; unguarded, the UI then blocks for ever."""
    t = term_factory("--data", "spiral", "--hidden", "256,256", "--seed", "3",
                     controlling=True)
    t.wait_for(r"Epoch 0 │ Seed 3")
    t.settle()
    t.press("r")
    t.wait_for(r"running: \d+/100")
    os.close(t.master)
    try:
        t.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError("backprop hung after its terminal went away mid-run") from None


def test_diverging_run_shows_it_and_recovers(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", "--lr", "50")
    t.wait_for(r"Epoch 0")
    t.settle()
    t.press("r")
    t.wait_for(r"DIVERGED at epoch \d+")
    written = t.text(t.mark).lower()
    assert "nan" not in written and "inf" not in written
    t.settle()
    t.press("R")
    t.wait_for(r"Epoch 0 │ Seed 7")
    t.settle()
    t.press("q")
    assert t.wait_exit() == 0 and t.restored()


def test_bad_option_exits_2_with_one_line(term_factory) -> None:
    t = term_factory("--lr", "-1")
    code = t.wait_exit()
    assert code == 2
    assert "backprop: error: --lr must be" in t.text()
    assert "Traceback" not in t.text()
    assert t.restored()


def test_no_color_still_shows_direction(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", env={"NO_COLOR": "1"})
    t.wait_for(r"Epoch 0")
    t.settle()
    t.press("s")
    t.wait_for(r"0\.5055▼")  # W1[0,0] fell: the arrow says so without colour
    t.settle()
    t.press("q")
    assert t.wait_exit() == 0
