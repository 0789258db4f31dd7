"""The stepper through a real OpenSSH session, as a student on a lab machine uses it.

A private sshd runs on 127.0.0.1 on a free port with its own host key, user key,
authorized_keys and config in the test's temporary folder (the system's ssh service and
/etc/ssh are left alone; only /run/sshd, sshd's privilege-separation folder, may be made).
`ssh -tt` in an 80×24 pty, with no COLORTERM (ssh would not pass it anyway), runs the venv's
`backprop --preset notebook` on it. Checked through SSH: keys, 256 colours, the SSH frame cap,
a window resize, a clean exit on q, and that a dropped link leaves no process behind.

Without sshd (`apt-get install openssh-server`; .ci/run does this) or the rights to run it,
the tests skip locally and fail under CI (CI=true).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import fail_or_skip
from .ptyterm import Term, alive, cmdline, descendants, environ, wait_gone

SSHD = Path("/usr/sbin/sshd")
BACKPROP = Path(sys.executable).with_name("backprop")  # not resolved: the venv's own script
CONNECT_S = 30  # login and the app's first frame on a busy 2-core machine
SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
EPOCH = re.compile(rb"Epoch (\d+)")


@dataclass
class Server:
    port: int
    key: Path
    pid: int
    log: Path

    def ssh(self, *remote: str) -> list[str]:
        """The ssh command line: this server, this key, no user or system ssh config."""
        return ["ssh", "-tt", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.key),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=10", f"{getpass.getuser()}@127.0.0.1", shlex.join(remote)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sshd_config(folder: Path, port: int) -> str:
    return f"""\
ListenAddress 127.0.0.1
Port {port}
HostKey {folder / "host_key"}
PidFile {folder / "sshd.pid"}
AuthorizedKeysFile {folder / "authorized_keys"}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
PermitUserEnvironment no
LogLevel INFO
"""


def start_sshd(folder: Path) -> tuple[subprocess.Popen, int, Path]:
    """sshd -D on a free port; a few tries, as another process may take the port first."""
    log = folder / "sshd.log"
    for _ in range(5):
        port = free_port()
        config = folder / "sshd_config"
        config.write_text(sshd_config(folder, port))
        # sshd 9.8+ penalises sources of dropped sessions, and a test here drops one
        probe = subprocess.run([str(SSHD), "-t", "-f", str(config), "-o",
                                "PerSourcePenalties=no"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            with open(config, "a") as f:
                f.write("PerSourcePenalties no\n")
        log.write_text("")
        proc = subprocess.Popen([str(SSHD), "-D", "-f", str(config), "-E", str(log)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        listening = f"Server listening on 127.0.0.1 port {port}"
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if listening in log.read_text(errors="replace"):
                return proc, port, log
            time.sleep(0.05)
        stop(proc)
    lines = log.read_text(errors="replace").strip().splitlines()[-3:]
    fail_or_skip(f"sshd did not start: {' / '.join(lines) or 'no log'}")
    raise AssertionError("unreachable")


def stop(proc: subprocess.Popen) -> None:
    """sshd and every session it started (each runs in a session of its own)."""
    pids = descendants(proc.pid) | {proc.pid}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        if not wait_gone(pids, 2):
            break
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    missing = [name for name in ("ssh", "ssh-keygen") if shutil.which(name) is None]
    if not SSHD.exists() or missing:
        fail_or_skip(f"OpenSSH is not installed ({SSHD if not SSHD.exists() else missing}): "
                     "apt-get install openssh-server (.ci/run does this)")
    if not BACKPROP.exists():
        fail_or_skip(f"the backprop command is not installed beside {sys.executable}")
    folder = tmp_path_factory.mktemp("sshd")
    folder.chmod(0o700)
    try:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation
    except OSError as exc:
        fail_or_skip(f"cannot make /run/sshd for sshd: {exc}")
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f",
                        str(folder / name)], check=True, stdin=subprocess.DEVNULL, timeout=30)
    shutil.copy(folder / "user_key.pub", folder / "authorized_keys")
    proc, port, log = start_sshd(folder)
    try:
        yield Server(port, folder / "user_key", proc.pid, log)
    finally:
        stop(proc)


def ours(server: Server) -> set[int]:
    """The backprop processes of this test: the venv's `backprop`, run with this server's
    port in SSH_CONNECTION (found through /proc, as they are not our children)."""
    found = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        argv = cmdline(pid)
        if str(BACKPROP) not in argv[:2] or not alive(pid):
            continue
        conn = environ(pid).get("SSH_CONNECTION", "").split()
        if len(conn) == 4 and conn[3] == str(server.port):
            found.add(pid)
    return found


@pytest.fixture
def connect(sshd):
    """Open `backprop --preset notebook` through ssh in a pty; returns the Term once the
    first screen is up. Whatever is left is ended afterwards."""
    terms: list[Term] = []

    def open_app(size: tuple[int, int] = (80, 24),
                 args: tuple[str, ...] = ("--preset", "notebook")) -> Term:
        t = Term(sshd.ssh(str(BACKPROP), *args), size=size,
                 env={"COLORTERM": None, "NO_COLOR": None}, controlling=True)
        terms.append(t)
        t.wait_screen(r"Epoch 0 │", timeout=CONNECT_S)
        t.wait_screen(r"q Quit")
        return t

    yield open_app
    for t in terms:
        t.close()
    for pid in ours(sshd):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def colour_settings(raw: bytes) -> tuple[int, int]:
    """How many 256-colour and truecolour settings the SGR sequences in `raw` make."""
    n256 = ntrue = 0
    for params in SGR.findall(raw):
        p = re.split(rb"[;:]", params)
        i = 0
        while i < len(p):
            if p[i] in (b"38", b"48", b"58") and i + 1 < len(p):
                if p[i + 1] == b"5":
                    n256, i = n256 + 1, i + 3
                    continue
                if p[i + 1] == b"2":
                    ntrue, i = ntrue + 1, i + 5
                    continue
            i += 1
    return n256, ntrue


def test_keys_step_run_and_reset_through_ssh(connect, sshd) -> None:
    t = connect()
    t.press("s")
    t.wait_screen(r"Epoch 1 │")
    t.press("r")
    t.wait_screen(r"Epoch 101 │")
    t.press("n")
    t.wait_screen(r"Epoch 0 │")
    # the app runs over SSH, as it knows: SSH_CONNECTION names this server, no COLORTERM
    apps = ours(sshd)
    assert len(apps) == 1, apps
    env = environ(apps.pop())
    assert env.get("SSH_CONNECTION", "").split()[-1] == str(sshd.port)
    assert "COLORTERM" not in env
    # so it draws in 256 colours: SSH passes no COLORTERM to say the terminal has more
    n256, ntrue = colour_settings(t.out)
    assert n256 > 0 and ntrue == 0, (n256, ntrue)


def test_a_lesson_through_ssh(connect) -> None:
    """`backprop lesson notebook` over SSH: the lesson's last line says what to do; space
    goes on, an answer typed and entered is marked, and s does not step meanwhile."""
    t = connect(args=("lesson", "notebook"))
    t.wait_screen(r"space: next")
    t.press(" ")
    t.wait_screen(r"answer: type a number, enter")
    t.press("s")
    t.press("0.25\r")
    t.wait_screen(r"✓ 0\.2500: right")
    assert "Epoch 0 │" in t.screen()


def test_frame_cap_over_ssh(connect) -> None:
    """Holding s down (a key every 5 ms for 2 s): each frame redraws the status line, so the
    distinct `Epoch N` written count the frames. Over SSH the app caps them at 15 a second
    (18 allowed for timing at the window's edges)."""
    t = connect()
    t.settle(0.3)
    start, end = len(t.out), time.monotonic() + 2.0
    while time.monotonic() < end:
        t.press("s")
        t.read(0.005)
    frames = len(set(EPOCH.findall(t.out[start:]))) / 2.0
    assert 1 <= frames <= 18, f"{frames:.1f} frames/s"


def test_resize_reflows_the_panes(connect, sshd) -> None:
    """The window grows to 120×36: the pty is resized and ssh told (SIGWINCH), it tells the
    server, and the app lays the panes out again, in the wide layout."""
    t = connect((80, 24))
    assert "normalised ŷ / y" not in t.screen()
    t.resize(120, 36)
    t.wait_screen(r"normalised ŷ / y")  # a column only the wide layout has room for

    def dataset_border_spans_the_width() -> bool:
        top = [line for line in t.vt.display if "─ Dataset" in line]
        return bool(top) and top[0].rstrip().endswith("╮") and len(top[0].rstrip()) == 120

    t.wait_until(dataset_border_spans_the_width, what="panes laid out at 120 columns")
    t.resize(80, 24)
    t.wait_until(lambda: "normalised ŷ / y" not in t.screen(), what="back to 80×24")


def test_q_restores_the_terminal_and_ssh_exits_0(connect) -> None:
    t = connect()
    t.press("q")
    assert t.wait_exit(timeout=10) == 0
    assert t.restored()  # alternate screen left, cursor shown, mouse off, tty modes back
    assert "Traceback" not in t.text()


def test_a_dropped_link_leaves_no_process(connect, sshd) -> None:
    """SIGKILL of the ssh client: the link drops without a word. sshd hangs up the app's
    terminal, and within 3 s no backprop of this test is left."""
    t = connect()
    t.press("s")
    t.wait_screen(r"Epoch 1 │")
    before = ours(sshd)
    assert len(before) == 1, before
    os.kill(t.pid, signal.SIGKILL)
    left = wait_gone(before, 3.0) | (ours(sshd) - before)
    assert not left, f"still running 3 s after the link dropped: {sorted(left)}"
