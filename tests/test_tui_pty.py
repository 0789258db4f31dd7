"""The real `backprop` console script in a pseudo-terminal, driven like a person would.

These prove the installed command (not only the App class) works end to end: it draws,
answers keys, quits, survives signals (also mid-run, and while suspended), and gives the
terminal back as it found it. They also hold the bytes one step writes at 80×24 to a few KB.

They need the `backprop` script beside this interpreter (`pip install -e .` puts it there):
without it they skip locally and fail under CI. Every wait polls the screen for a condition;
none sleeps a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest

from . import ptyterm
from .ptyterm import proc_stat

BACKPROP = Path(sys.executable).with_name("backprop")
STATUS_7 = r"Epoch 0 │ weights: the notebook's │ lr 0\.1 │ 2-2-1 linear"


class Term(ptyterm.Term):
    """`backprop ARGS` on a pty (other test modules import this and `term_factory`)."""

    def __init__(self, *args: str, **kw) -> None:
        super().__init__([str(BACKPROP), *args], **kw)


@pytest.fixture
def term_factory(backprop_installed):
    terms: list[Term] = []

    def make(*args: str, **kw) -> Term:
        terms.append(Term(*args, **kw))
        return terms[-1]

    yield make
    for t in terms:
        t.close()


def ready(t: Term, status: str = r"Epoch 0 │") -> None:
    """The whole first screen is drawn: the status line, the panes and the footer."""
    t.wait_screen(status, timeout=30)
    t.wait_screen(r"W1 \(")
    t.wait_screen(r"q Quit")


def big_csv(folder: Path, rows: int) -> str:
    """A regression CSV of `rows` rows (two features): enough rows make a run threaded and
    its epochs as long as a test needs."""
    x = np.random.default_rng(0).uniform(0, 1, (rows, 2))
    data = np.c_[x, x.sum(axis=1)]
    path = folder / f"big{rows}.csv"
    with open(path, "w") as f:
        f.write("a,b,y\n")
        np.savetxt(f, data, fmt="%.6f", delimiter=",")
    return str(path)


def test_keys_s_r_n_q_drive_the_real_command(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7")
    ready(t, STATUS_7)
    t.wait_screen(r"predicted 118\.3 / target 55")
    t.press("s")
    t.wait_screen(r"Epoch 1 │ weights: the notebook's")
    t.wait_screen(r"epoch 0's update")
    t.press("r")
    t.wait_screen(r"Epoch 101 │ weights: the notebook's")
    t.press("n")
    seed = int(t.wait_screen(r"Epoch 0 │ Seed (\d+)").group(1))
    assert seed != 7
    t.press("q")  # the session in use has nothing to lose: q quits at once
    assert t.wait_exit() == 0
    assert t.restored()


def test_one_step_writes_a_few_kilobytes(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", env={"COLORTERM": "truecolor"})
    ready(t)
    t.settle(1.0)  # here the quiet itself is measured: a frame is what comes until it stops
    sizes = {}
    for key in ("s", "s", "r"):
        t.press(key)
        sizes[key] = len(t.settle())
    assert 0 < sizes["s"] <= 8 * 1024, sizes  # measured ≈5 KB in truecolour, ≈4 KB in 256
    assert 0 < sizes["r"] <= 8 * 1024, sizes
    t.press("q")  # unsaved progress: the first q asks, the second quits
    t.wait_screen(r"unsaved: q again quits, w saves")
    t.press("q")
    assert t.wait_exit() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: s.name)
def test_signals_leave_the_terminal_restored(term_factory, sig: signal.Signals) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7")
    ready(t)
    t.proc.send_signal(sig)
    assert t.wait_exit() == 128 + sig
    assert t.restored()


def test_hang_up_ends_the_process(term_factory) -> None:
    """An SSH drop: the terminal goes away; the app must exit with SIGHUP's code, not spin
    or hang."""
    t = term_factory("--preset", "notebook", "--seed", "7", controlling=True)
    ready(t)
    os.close(t.master)
    assert t.proc.wait(timeout=10) == 128 + signal.SIGHUP


@pytest.mark.usefixtures("backprop_installed")
def test_hang_up_reaching_only_the_session_leader_ends_the_process() -> None:
    """Under `make run` the hang-up's SIGHUP goes to make, the session leader, which lives
    on; an idle app writes nothing that could fail, while Textual's input thread reads
    end-of-file in a loop. The app must notice the terminal is gone and leave."""
    shell = ptyterm.Term(["sh", "-c", f"trap '' HUP; {BACKPROP} --preset notebook --seed 7; "
                          "sleep 60"])
    try:
        ready(shell)
        (app,) = [pid for pid in ptyterm.descendants(shell.pid)
                  if str(BACKPROP) in ptyterm.cmdline(pid)]
        os.close(shell.master)
        deadline = time.monotonic() + 5
        while ptyterm.alive(app) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not ptyterm.alive(app), "the app outlived its terminal"
        assert ptyterm.alive(shell.pid)  # the leader ignored the hang-up: only the app left
    finally:
        shell.close()


def test_hang_up_during_a_long_run_ends_the_process(term_factory, tmp_path) -> None:
    """The worst case: frames keep coming after the terminal is gone. Textual's writer
    thread dies on the first failed write; unguarded, the UI then blocks for ever. The run
    (20,000 rows through 256×256 units, 100 epochs) lasts many seconds, and the screen shows
    it still running when the terminal hangs up."""
    data = big_csv(tmp_path, 20_000)
    t = term_factory("--data", data, "--hidden", "256,256", "--seed", "3", controlling=True)
    ready(t, r"Epoch 0 │ Seed 3")
    t.press("r")
    t.wait_screen(r"running: \d+/100")
    t.wait_screen(r"Epoch [1-9]\d* │")  # a progress frame: epochs are being done
    assert "running:" in t.screen() and t.proc.poll() is None
    os.close(t.master)
    try:
        code = t.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError("backprop hung after its terminal went away mid-run") from None
    assert code == 128 + signal.SIGHUP


# Loaded by Python at start-up (as `sitecustomize`, from a folder put first on PYTHONPATH)
# into the real `backprop` process; nothing in the app knows of it. A training run in a
# worker thread stalls inside `Session.run`, as an epoch longer than the grace period would
# on a slow machine or a big file, after writing a mark that says it has got there.
STALL_HOOK = """
import os, threading, time
from core.training.session import Session

_run = Session.run


def _stalled_run(self, *args, **kw):
    if threading.current_thread() is not threading.main_thread():
        with open(os.environ["BACKPROP_STALL_MARK"], "w") as mark:
            mark.write("stalled")
        time.sleep(float(os.environ["BACKPROP_STALL_SECONDS"]))
    return _run(self, *args, **kw)


Session.run = _stalled_run
"""


def test_signal_during_a_threaded_run_restores_the_terminal(term_factory, tmp_path) -> None:
    """SIGTERM while a thread worker is inside an epoch that lasts longer than the app's
    grace period: the exit cannot wait for it, so the watchdog restores the terminal by hand
    and ends the process, with 128 + SIGTERM.

    How long an epoch takes depends on the machine; so the worker is stalled on purpose
    (`STALL_HOOK`, for ten grace periods) and the signal is sent only once it is stalled,
    whatever the machine's speed or load."""
    from tui.terminal import GRACE_SECONDS, RESET

    hook, mark = tmp_path / "hook", tmp_path / "stalled"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(STALL_HOOK)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(hook),
                                                        os.environ.get("PYTHONPATH")])),
           "BACKPROP_STALL_MARK": str(mark), "BACKPROP_STALL_SECONDS": str(10 * GRACE_SECONDS)}
    # 200 rows through 64×64 units, 100 epochs: more work than the app does on the spot,
    # so `r` starts a thread worker
    t = term_factory("--data", "spiral", "--hidden", "64,64", "--seed", "3", env=env)
    ready(t, r"Epoch 0 │ Seed 3")
    t.press("r")
    t.wait_screen(r"running: 0/100")
    t.wait_until(mark.exists, timeout=30, what="the run's worker stalled in Session.run")
    sent = time.monotonic()
    t.proc.send_signal(signal.SIGTERM)
    assert t.wait_exit(timeout=GRACE_SECONDS + 20) == 128 + signal.SIGTERM
    took = time.monotonic() - sent
    assert RESET in t.out[-200:], "the watchdog did not reset the terminal"
    assert took >= GRACE_SECONDS * 0.9, f"left after {took:.1f} s, before the grace period"
    assert t.restored()


def test_ctrl_z_suspends(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", controlling=True)
    ready(t)
    t.press("\x1a")
    t.wait_until(lambda: proc_stat(t.pid)[1] == "T", timeout=5, what="stopped by ctrl+z")
    os.kill(t.pid, signal.SIGCONT)


def test_suspend_and_resume_redraws_and_keys_work(term_factory) -> None:
    """SIGTSTP (what ^Z sends from a shell's job control, or `kill -TSTP`): the app gives the
    terminal back and stops; SIGCONT (`fg`): it takes the screen again, draws it whole,
    and keys work."""
    t = term_factory("--preset", "notebook", "--seed", "7", controlling=True)
    ready(t, STATUS_7)
    before = len(t.out)
    os.kill(t.pid, signal.SIGTSTP)
    t.wait_until(lambda: proc_stat(t.pid)[1] == "T", timeout=10, what="stopped")
    t.wait_until(lambda: b"\x1b[?1049l" in t.out[before:], what="the alternate screen left")
    t.mark = len(t.out)
    os.kill(t.pid, signal.SIGCONT)
    t.wait_until(lambda: b"\x1b[?1049h" in t.out[t.mark:], what="the alternate screen again")
    t.wait_screen(STATUS_7, timeout=5)  # redrawn without a key
    t.wait_screen(r"W1 \(2×2\)", timeout=5)
    t.wait_screen(r"q Quit", timeout=5)
    t.press("s")
    t.wait_screen(r"Epoch 1 │ weights: the notebook's")
    t.wait_screen(r"predicted 98\.51 / target 55")
    t.press("q")
    t.wait_screen(r"q again quits")
    t.press("q")
    assert t.wait_exit() == 0 and t.restored()


def test_diverging_run_shows_it_and_recovers(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", "--lr", "50")
    ready(t)
    t.press("r")
    t.wait_screen(r"DIVERGED at epoch \d+")
    written = t.text(t.mark).lower()
    assert "nan" not in written and "inf" not in written
    t.press("R")
    t.wait_screen(r"Epoch 0 │ weights: the notebook's")
    t.press("q")  # a fresh session: nothing to lose, q quits at once
    assert t.wait_exit() == 0 and t.restored()


def test_bad_option_exits_2_with_one_line(term_factory) -> None:
    """A built-in dataset's model is checked before the app takes the terminal: the error is
    the only thing written, and the terminal is as it was."""
    t = term_factory("--lr", "-1")
    assert t.wait_exit() == 2
    assert t.out.startswith(b"backprop: error: --lr must be") and t.out.count(b"\n") == 1, t.out
    assert termios.tcgetattr(t.slave) == t.saved


def test_bad_option_with_a_file_exits_2_after_the_screen_is_given_back(term_factory,
                                                                       tmp_path) -> None:
    """A file is read while the first frame is up; a model it cannot make is the one line
    left on the terminal once the app has given the screen back."""
    t = term_factory("--data", big_csv(tmp_path, 10), "--lr", "-1")
    assert t.wait_exit() == 2
    lines = t.screen().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop: error: --lr must be"), lines
    assert "Traceback" not in t.text()
    assert t.restored()


def test_fps_0_exits_2_with_one_line(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--fps", "0")
    assert t.wait_exit() == 2
    # refused before the app takes the terminal: one line and nothing else written
    assert t.out == b"backprop: error: argument --fps: must be at least 1 (got 0) " \
        b"(see `backprop --help`)\r\n", t.out
    assert termios.tcgetattr(t.slave) == t.saved


def test_ctrl_c_in_train_exits_130_without_a_traceback(term_factory) -> None:
    """^C typed at a long `backprop train`: the terminal sends SIGINT to it; it stops with
    130, as shells expect of an interrupted command, and prints no traceback."""
    t = term_factory("train", "--preset", "notebook", "--epochs", "10000000",
                     "--log-every", "1000", controlling=True)
    t.wait_for(r"Epoch 1000, Loss: \d")
    assert t.proc.poll() is None
    t.press("\x03")
    assert t.wait_exit() == 130
    assert "Traceback" not in t.text() and "KeyboardInterrupt" not in t.text(), t.text()


def test_no_color_still_shows_direction(term_factory) -> None:
    t = term_factory("--preset", "notebook", "--seed", "7", env={"NO_COLOR": "1"})
    ready(t)
    t.press("s")
    t.wait_screen(r"0\.5055▼")  # W1[0,0] fell: the arrow says so without colour
    t.press("q")
    t.wait_screen(r"q again quits")
    t.press("q")
    assert t.wait_exit() == 0

