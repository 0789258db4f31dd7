"""Leaving cleanly, whatever happens to the terminal: signals, a hang-up, a stuck exit.

Textual restores the terminal when the app exits normally. Four things can stop that:
- SIGTERM, SIGHUP or SIGINT would kill Python before Textual's clean-up runs, so they are
  routed to `app.exit()` through the event loop instead;
- after an SSH drop every write fails; Textual's writer thread then dies, its queue of 30
  frames fills, and the next frame blocks the UI thread for ever. The output is wrapped so
  failed writes are dropped and the app leaves;
- a hang-up whose SIGHUP never reaches this process (it goes to the session leader) leaves
  an idle app writing nothing; the app checks the terminal every second instead;
- an exit can wait on a worker that is mid-epoch on a big dataset; a watchdog gives it a few
  seconds, then restores the terminal by hand and ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import termios
import threading
import time
from collections.abc import Callable
from typing import Any

import textual.screen

SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
GRACE_SECONDS = 5.0
# leave the alternate screen, show the cursor, stop mouse and bracketed-paste reporting
RESET = b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l"


def install_signal_handlers(on_signal: Callable[[int], None]) -> None:
    """Call `on_signal(signum)` on the event loop for each of SIGNALS."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.add_signal_handler(sig, on_signal, sig)


def remove_signal_handlers() -> None:
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)


class GuardedOutput:
    """Stands in for the file Textual's writer thread writes to: the first failed write
    reports the terminal gone, and every later write is dropped instead of raised."""

    def __init__(self, file: Any, on_gone: Callable[[], None]) -> None:
        self._file = file
        self._on_gone = on_gone
        self.gone = False

    def _guard(self, action: Callable[[], Any]) -> None:
        if self.gone:
            return
        try:
            action()
        except (OSError, ValueError):
            self.gone = True
            self._on_gone()

    def write(self, text: str) -> None:
        self._guard(lambda: self._file.write(text))

    def flush(self) -> None:
        self._guard(self._file.flush)

    def fileno(self) -> int:
        return self._file.fileno()


def guard_output(driver: Any, on_gone: Callable[[], None]) -> bool:
    """Wrap the driver's output (Textual's Linux driver; others are left alone)."""
    writer = getattr(driver, "_writer_thread", None)
    if writer is None or not hasattr(writer, "_file"):
        return False
    writer._file = GuardedOutput(writer._file, on_gone)
    return True


def terminal_gone(fd: int) -> bool:
    """Whether the terminal on `fd` was hung up: its attributes can no longer be read (EIO).
    The hang-up's SIGHUP goes to the session leader, which may not be this process (under
    `make run` it is make, which lives on), and an idle app writes nothing that could fail;
    meanwhile Textual's input thread reads end-of-file in a loop. So the app asks."""
    try:
        termios.tcgetattr(fd)
    except (termios.error, OSError):
        return True
    return False


def wait_for_output(driver: Any, timeout: float = 0.25) -> None:
    """Block (in a worker thread) until the driver's queued frames have been written, so
    heavy imports that follow do not hold the GIL while the first frame is on its way."""
    queue = getattr(getattr(driver, "_writer_thread", None), "_queue", None)
    deadline = time.monotonic() + timeout
    while queue is not None and queue.qsize() and time.monotonic() < deadline:
        time.sleep(0.002)


def start_watchdog(driver: Any, code: int, grace: float = GRACE_SECONDS) -> None:
    """If the process is still here after `grace` seconds, restore the tty and leave."""
    timer = threading.Timer(grace, _force_exit, args=(driver, code))
    timer.daemon = True
    timer.start()


def _force_exit(driver: Any, code: int) -> None:
    fd = getattr(driver, "fileno", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.write(fd, RESET)
        attrs = getattr(driver, "attrs_before", None)
        if attrs is not None:
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(fd, termios.TCSANOW, attrs)
    os._exit(code)


# Screen updates per second unless --fps or TEXTUAL_FPS says otherwise. A frame of changes
# is ~4 KB at 80×24 (bench/bandwidth.py): holding `s` down writes ~110 KB/s at 30 fps and
# ~60 KB/s at 15, so over SSH the cap is halved; locally 30 keeps it smooth.
DEFAULT_FPS, SSH_FPS = 30, 15


def cap_fps(fps: int | None) -> None:
    """`--fps N`, else `TEXTUAL_FPS` if set, else DEFAULT_FPS (see the README's bandwidth
    figures). Textual reads its frame cap at import, so set the screen's update period (and
    the variable, for anything imported later)."""
    if fps is None:
        if os.environ.get("TEXTUAL_FPS"):
            return
        fps = default_fps()
    os.environ["TEXTUAL_FPS"] = str(fps)
    textual.screen.UPDATE_PERIOD = 1 / fps  # type: ignore[misc]


def default_fps(env: dict[str, str] | os._Environ = os.environ) -> int:
    """SSH sets SSH_CONNECTION (and SSH_TTY for a terminal) in the session it starts."""
    return SSH_FPS if env.get("SSH_CONNECTION") or env.get("SSH_TTY") else DEFAULT_FPS
