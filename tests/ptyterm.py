"""A program in a pseudo-terminal, driven like a person would drive it: the tests' terminal.

`Term` starts a command on a pty of a given size (TERM=xterm-256color, the suite's clean
environment), keeps every byte it writes, and reads them through pyte, a terminal emulator, so
a test can look at the screen as it is now (`screen()`) as well as at everything written since
a key was pressed (`text(t.mark)`). Waits poll for a condition with a deadline; nothing here
sleeps a fixed time.
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
import termios
import time
from collections.abc import Callable, Sequence

import pyte

ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")
ALT_SCREEN = re.compile(rb"\x1b\[\?1049[hl]")
# What Textual writes on the way out: leave the alternate screen, show the cursor, stop
# mouse reporting. A terminal left without these is the "garbled shell" users hit.
RESTORE = (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l")


class Term:
    """One process on a pty. The parent keeps the slave end open, to read the terminal's
    settings after the process has gone. With `controlling`, the process leads a session
    whose controlling terminal is this pty, as a login shell's job would: ^C and ^Z from the
    keyboard become signals (where the program leaves ISIG on) and a hang-up sends SIGHUP."""

    def __init__(self, argv: Sequence[str], size: tuple[int, int] = (80, 24),
                 env: dict[str, str | None] | None = None, controlling: bool = False,
                 cwd: str | os.PathLike | None = None) -> None:
        self.cols, self.rows = size
        self.master, self.slave = os.openpty()
        self._set_size()
        self.saved = termios.tcgetattr(self.slave)
        full_env = dict(os.environ)
        full_env["TERM"] = "xterm-256color"
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        slave_path = os.ttyname(self.slave)

        def become_terminal_owner() -> None:
            os.setsid()
            fd = os.open(slave_path, os.O_RDWR)
            fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
            os.close(fd)

        self.proc = subprocess.Popen(
            list(argv), stdin=self.slave, stdout=self.slave, stderr=self.slave, env=full_env,
            cwd=cwd, start_new_session=not controlling,
            preexec_fn=become_terminal_owner if controlling else None)
        self.pid = self.proc.pid
        self.out = b""
        self.mark = 0
        self.vt = pyte.Screen(self.cols, self.rows)
        self.stream = pyte.ByteStream(self.vt)

    # ---------------------------------------------------------------- reading

    def read(self, timeout: float = 0.05) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:  # the other end has gone (EIO)
            return b""
        self.out += chunk
        # pyte has one screen buffer: entering or leaving the alternate screen (which xterm
        # shows cleared on entry) starts it blank, so what a program does not redraw after
        # it comes back is blank here too, as on a real terminal
        pos = 0
        for switch in ALT_SCREEN.finditer(chunk):
            self.stream.feed(chunk[pos:switch.start()])
            self.vt.reset()
            pos = switch.end()
        self.stream.feed(chunk[pos:])
        return chunk

    def text(self, since: int = 0) -> str:
        """Everything written since byte `since`, escape sequences removed."""
        return ANSI.sub(b"", self.out[since:]).decode("utf-8", "replace")

    def screen(self) -> str:
        """The screen as it is now, one line per row."""
        return "\n".join(self.vt.display)

    def wait_until(self, ready: Callable[[], object], timeout: float = 20.0,
                   what: str = "condition") -> object:
        """Read until `ready()` gives something true; return it."""
        deadline = time.monotonic() + timeout
        while True:
            got = ready()
            if got:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} never held within {timeout:g} s; the screen:\n"
                                     f"{self.screen()}\n(process {self.proc.poll()})")
            self.read(0.05)

    def wait_for(self, pattern: str, timeout: float = 20.0) -> re.Match:
        """Read until the text written since the last `press` matches `pattern`."""
        regex = re.compile(pattern)
        return self.wait_until(lambda: regex.search(self.text(self.mark)), timeout,
                               f"{pattern!r} (written since the last key)")

    def wait_screen(self, pattern: str, timeout: float = 20.0) -> re.Match:
        """Read until the screen as it is now matches `pattern`."""
        regex = re.compile(pattern)
        return self.wait_until(lambda: regex.search(self.screen()), timeout,
                               f"{pattern!r} on screen")

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> bytes:
        """Read until the program has written nothing for `quiet` seconds; what it wrote."""
        start, last = len(self.out), time.monotonic()
        deadline = last + timeout
        while time.monotonic() - last < quiet and time.monotonic() < deadline:
            if self.read(0.05):
                last = time.monotonic()
        return self.out[start:]

    # ---------------------------------------------------------------- acting

    def press(self, keys: str | bytes) -> None:
        self.mark = len(self.out)
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def resize(self, cols: int, rows: int, notify: int | None = None) -> None:
        """A new window size; SIGWINCH goes to `notify` (default: the process)."""
        self.cols, self.rows = cols, rows
        self._set_size()
        self.vt.resize(rows, cols)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid if notify is None else notify, signal.SIGWINCH)

    def _set_size(self) -> None:
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", self.rows, self.cols, 0, 0))

    def wait_exit(self, timeout: float = 10.0) -> int:
        """The exit code (negative: killed by that signal), reading what it writes meanwhile."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.05)
        drained = time.monotonic() + 5  # what it wrote last (a child could write for ever)
        while self.read(0.05) and time.monotonic() < drained:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"the process did not exit within {timeout:g} s; the screen:"
                                 f"\n{self.screen()}")
        return self.proc.returncode

    def restored(self) -> bool:
        """Textual's goodbye sequences were written, and the tty is back in its old mode."""
        tail = self.out[-400:]
        return all(seq in tail for seq in RESTORE) and \
            termios.tcgetattr(self.slave) == self.saved

    def close(self) -> None:
        """End the process and what it started in its group (it leads one: setsid)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):  # a hang-up test closed the master already
                os.close(fd)


# -------------------------------------------------------------------- processes, via /proc

def proc_stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of a live process, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    rest = stat[stat.rindex(")") + 2:].split()
    return int(rest[1]), rest[0]


def alive(pid: int) -> bool:
    """Running or stopped, not a zombie waiting to be reaped."""
    stat = proc_stat(pid)
    return stat is not None and stat[1] not in ("Z", "X")


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = proc_stat(int(name))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {p for p in found if alive(p)}


def cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def environ(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read().decode(errors="replace")
    except OSError:
        return {}
    return dict(kv.split("=", 1) for kv in raw.split("\0") if "=" in kv)


def wait_gone(pids: set[int], timeout: float) -> set[int]:
    """Poll until none of `pids` is alive; those still alive at the deadline."""
    deadline = time.monotonic() + timeout
    left = {p for p in pids if alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {p for p in left if alive(p)}
    return left
