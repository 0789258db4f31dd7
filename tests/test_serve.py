"""`backprop serve`: the page, the options, and the app in a real headless Chromium.

The browser test drives Debian's `chromium` over the DevTools protocol (a websocket, spoken
with aiohttp, which textual-serve already needs). The terminal draws on a canvas, so the test
reads what it shows from xterm.js's screen buffer: a script added before the page loads keeps
a reference to textual.js's terminal object when its constructor sets `websocket_url`.

Without chromium the browser test skips locally and fails under CI (CI=true); `.ci/run`
installs it. Likewise the tests that need textual-serve (the `serve` extra); the test of the
message a user gets without it runs either way. BACKPROP_SERVE_SCREENSHOT=path.png also saves
the browser's screenshot there (that is how docs/serve.png is made).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.util
import ipaddress
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.errors import UserError
from tui import serve as srv
from tui.cli import build_parser, main

from .conftest import BACKPROP, ROOT, fail_or_skip
from .ptyterm import Term, cmdline, descendants, wait_gone

STARTUP_S = 60  # server up, first frame in the browser: generous for a busy 2-core machine
STEP_S = 30  # each key press until its effect is on screen
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]
# Runs before the page's scripts: the first object that sets `websocket_url` is textual.js's
# terminal wrapper; keep it, so the test can read the xterm.js buffer that is on screen.
HOOK = """
Object.defineProperty(Object.prototype, "websocket_url", {
  configurable: true,
  set(value) {
    window.__textualTerminal = this;
    Object.defineProperty(this, "websocket_url",
      {value, writable: true, enumerable: true, configurable: true});
  },
});
"""
SCREEN = """(() => {
  const t = window.__textualTerminal && window.__textualTerminal.terminal;
  if (!t) return "";
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const line = b.getLine(b.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()"""
FONT_LOADED = """[...document.fonts].some(
  f => f.family.replace(/"/g, "") === "Roboto Mono" && f.status === "loaded")"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_ns(*argv: str) -> Namespace:
    _, sub = build_parser()
    return sub["serve"].parse_args(list(argv))


@pytest.fixture
def textual_serve():
    """For tests that need textual-serve installed: they fail without it under CI."""
    if importlib.util.find_spec("textual_serve") is None:
        fail_or_skip("textual-serve is not installed: pip install -e '.[serve]'")


needs_textual_serve = pytest.mark.usefixtures("textual_serve")


# ----------------------------------------------------------------- fast: no browser, no server


async def test_page_loads_nothing_from_outside(aiohttp_client_factory):
    client = await aiohttp_client_factory()
    resp = await client.get("/")
    assert resp.status == 200
    html = await resp.text()
    assert "fonts.googleapis" not in html
    # absolute URLs anywhere, and protocol-relative ones where the browser would fetch them
    urls = re.findall(r"""\b(?:https?|wss?|ftp)://[^\s"'<>)`]+""", html) + re.findall(
        r"""(?:(?:src|href)=["']|url\(["']?|@import\s+["'])(//[^"')\s]+)""", html)
    for url in urls:
        host = urlsplit(url).hostname
        assert host in {"127.0.0.1", "localhost"}, f"the page refers to {url}"
    # the page's own files (font, css, js) are all served here
    refs = re.findall(r"""(?:href|src)=["'](/[^"']+)""", html) + re.findall(
        r"""url\(["']?(/[^"')]+)""", html)
    assert any(r.endswith(".ttf") for r in refs)
    for ref in refs:
        got = await client.get(ref)
        assert got.status == 200, ref


async def test_websocket_from_another_site_is_refused(aiohttp_client_factory):
    client = await aiohttp_client_factory()
    resp = await client.get("/ws", headers={
        "Origin": "http://evil.example", "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert resp.status == 403


@pytest.fixture
async def aiohttp_client_factory(textual_serve):
    """The server's aiohttp application on a loopback test port, without an app process."""
    from aiohttp.test_utils import TestClient, TestServer

    clients = []

    async def make():
        server = srv.make_server("false")
        client = TestClient(TestServer(await server._make_app(), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def test_command_runs_the_app_with_the_same_model_options():
    ns = serve_ns("--preset", "notebook", "--hidden", "4,3", "--lr", "0.05", "--seed", "7",
                  "--target", "a b", "--target", "c", "--fps", "12",
                  "--host", "127.0.0.1", "--port", "9001")
    argv = shlex.split(srv.app_command(ns))
    assert argv[:3] == [sys.executable, "-m", "tui.cli"]
    rest = argv[3:]
    assert not any(a.startswith(("--host", "--port")) for a in rest)
    top, _ = build_parser()
    again = top.parse_args(rest)
    for key, value in vars(ns).items():
        if key not in {"host", "port"}:
            assert getattr(again, key) == value, key


def test_a_lesson_is_checked_and_passed_to_each_tabs_app(tmp_path, monkeypatch):
    """`serve --lesson`: the lesson is checked before serving; each tab's app gets the
    lesson (a file by its full path, as the tab's app may run elsewhere) and no model."""
    path = tmp_path / "mine.toml"
    path.write_text('title = "t"\nsetup = "--data xor --seed 2"\n[[step]]\nsay = "hi"\n',
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for given, passed in (("notebook", "notebook"), ("mine.toml", str(path))):
        ns = serve_ns("--lesson", given, "--fps", "12")
        srv._check_model(ns)
        rest = shlex.split(srv.app_command(ns))[3:]
        assert rest == ["--fps=12", f"--lesson={passed}"]
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\nsetup = "--preset notebook"\n[[step]]\nsay = "q"\n'
                   'ask = "W9[0,0]"\n', encoding="utf-8")
    with pytest.raises(UserError, match="step 1, ask: unknown quantity"):
        srv._check_model(serve_ns("--lesson", str(bad)))


def test_no_options_means_no_arguments():
    assert shlex.split(srv.app_command(serve_ns()))[3:] == []


@pytest.mark.parametrize("host,loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("127.1.2.3", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False)])
def test_loopback_hosts(host, loopback):
    assert srv.is_loopback(host) is loopback


def stub_serving(monkeypatch, capsys) -> list[tuple[str, str]]:
    """`make_server` stubbed: serving records the host and what stderr held by then."""
    served = []

    def make_server(command, host, port):
        return Namespace(serve=lambda: served.append((host, capsys.readouterr().err)))

    monkeypatch.setattr(srv, "make_server", make_server)
    return served


def one_warning(err: str, host: str, port: int) -> None:
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"backprop: warning: serving on {host} port {port}")
    assert "anyone who can reach this port can use the app" in err
    assert f"ssh -L {port}:localhost:{port}" in err


@needs_textual_serve
def test_non_loopback_host_warns_with_the_tunnel_command(monkeypatch, capsys):
    """The warning is printed before serving starts; binding is stubbed (0.0.0.0 would
    really listen on every interface)."""
    monkeypatch.setattr(srv, "_check_bind", lambda host, port: None)
    served = stub_serving(monkeypatch, capsys)
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123", "--preset", "notebook"]) == 0
    assert [host for host, _ in served] == ["0.0.0.0"]
    one_warning(served[0][1], "0.0.0.0", 8123)  # already on stderr when serving began
    assert capsys.readouterr().err == ""  # and nothing after


def fake_resolver(addresses: dict[str, list[str]]):
    """getaddrinfo for the names given (no DNS query in tests), the real one otherwise."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in addresses:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (a, port or 0)) for a in addresses[host]]

    return getaddrinfo


@pytest.mark.parametrize("addresses,loopback", [
    (["192.168.1.20"], False),
    (["127.0.1.1"], True),
    (["::1", "127.0.0.1"], True),
    (["127.0.0.1", "10.0.0.5"], False),  # one outside address is enough to be reachable
    (["fe80::1%eth0"], False),
])
def test_host_names_are_judged_by_what_they_resolve_to(monkeypatch, addresses, loopback):
    monkeypatch.setattr(srv.socket, "getaddrinfo", fake_resolver({"labmachine": addresses}))
    assert srv.is_loopback("labmachine") is loopback


@needs_textual_serve
def test_host_name_resolving_outside_warns(monkeypatch, capsys):
    """A name, not an address: it resolves to a LAN address, so the app is reachable from
    other machines and the user is told before serving starts."""
    monkeypatch.setattr(srv.socket, "getaddrinfo",
                        fake_resolver({"labmachine.example": ["192.168.1.20"]}))
    monkeypatch.setattr(srv, "_check_bind", lambda host, port: None)
    served = stub_serving(monkeypatch, capsys)
    assert main(["serve", "--host", "labmachine.example", "--port", "8124",
                 "--preset", "notebook"]) == 0
    assert [host for host, _ in served] == ["labmachine.example"]
    one_warning(served[0][1], "labmachine.example", 8124)


@needs_textual_serve
def test_loopback_host_does_not_warn(monkeypatch, capsys):
    served = stub_serving(monkeypatch, capsys)
    assert main(["serve", "--port", str(free_port()), "--preset", "notebook"]) == 0
    assert served == [("127.0.0.1", "")]
    assert capsys.readouterr().err == ""


@needs_textual_serve
@pytest.mark.parametrize("argv,needle", [
    (["--port", "0"], "between 1 and 65535"),
    (["--port", "70000"], "between 1 and 65535"),
    (["--port", "eighty"], "whole number"),
    (["--host", ""], "empty"),
    (["--fps", "0"], "argument --fps: must be at least 1"),
    (["--lr", "-1"], "lr"),
])
def test_bad_options_are_one_line_and_exit_2(argv, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["serve", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop: error: ") and len(err.strip().splitlines()) == 1
    assert needle in err


@needs_textual_serve
def test_unknown_host_name_is_one_line_and_exit_2(monkeypatch, capsys):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(srv.socket, "getaddrinfo", no_such_host)  # no DNS query in tests
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--host", "labmachine.example", "--preset", "notebook"])
    assert exc.value.code == 2
    assert "--host labmachine.example: no such host" in capsys.readouterr().err


@needs_textual_serve
def test_port_in_use_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            main(["serve", "--port", str(port), "--preset", "notebook"])
    assert exc.value.code == 2
    assert f"port {port} is already in use" in capsys.readouterr().err


def test_missing_textual_serve_is_one_line(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "textual_serve" else real(name, *a))
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--preset", "notebook"])
    assert exc.value.code == 2
    assert "pip install" in capsys.readouterr().err


# ----------------------------------------------------------------- slow: real processes


async def open_app_sockets(port: int, count: int) -> list:
    """`count` websockets to the server, as browser tabs open them: each starts an app
    process; returns once each has sent its first frame (the app is up). The list is the
    client session, then the sockets (to close)."""
    import aiohttp

    session = aiohttp.ClientSession()
    opened: list = [session]
    for _ in range(count):
        ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24")
        opened.append(ws)
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert time.monotonic() < deadline, "no frame with the status line in time"
            msg = await ws.receive(timeout=max(deadline - time.monotonic(), 0.1))
            assert msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), msg
            if msg.type == aiohttp.WSMsgType.BINARY and b"Epoch" in msg.data:
                break
    return opened


@needs_textual_serve
async def test_ctrl_c_stops_the_server_and_every_app_process(tmp_path):
    """^C in the terminal running `backprop serve` (SIGINT to its process group, as a shell
    delivers it) with two tabs open: the server exits, and no app process outlives it."""
    port = free_port()
    term = Term([*BACKPROP, "serve", "--port", str(port), "--preset", "notebook"],
                controlling=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    opened: list = []
    try:
        term.wait_for(rf"open http://127\.0\.0\.1:{port}\b", timeout=STARTUP_S)

        def listening() -> bool:  # the line comes from on_startup, before the bind
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        term.wait_until(listening, timeout=STARTUP_S, what=f"listening on port {port}")
        opened = await open_app_sockets(port, 2)

        def apps() -> set[int]:
            return {p for p in descendants(term.pid) if "tui.cli" in cmdline(p)}

        assert len(apps()) == 2, apps()
        started = descendants(term.pid)  # the apps and the shells textual-serve starts them in
        term.press("\x03")
        deadline = time.monotonic() + 20
        while term.proc.poll() is None and time.monotonic() < deadline:
            term.read(0.05)
            await asyncio.sleep(0.05)
        assert term.proc.poll() is not None, "backprop serve kept running after ^C"
        assert "Traceback" not in term.text(), term.text()
        left = wait_gone(started, 5)
        assert not left, f"left running after ^C: {[cmdline(p) for p in left]}"
    finally:
        for ws in opened[1:]:
            with contextlib.suppress(Exception):
                await ws.close()
        if opened:
            await opened[0].close()
        term.close()  # the whole process group, should anything be left


# ----------------------------------------------------------------- slow: a real browser


def chromium_or_fail() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    fail_or_skip("chromium is not installed, so `backprop serve` cannot be tested in a "
                 "browser: apt-get install chromium (.ci/run does this)")


def _stop(proc: subprocess.Popen) -> None:
    """The whole process group: the server's app processes, or the browser's helpers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)


@pytest.fixture
def served(tmp_path, textual_serve):
    """`backprop serve --preset notebook --seed 1` on a free loopback port; yields its URL."""
    port = free_port()
    log = open(tmp_path / "serve.log", "w+b")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [*BACKPROP, "serve", "--port", str(port), "--preset", "notebook", "--seed", "1"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"backprop serve exited with {proc.returncode}:\n"
                            f"{log.read().decode(errors='replace')}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "backprop serve did not listen in time"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop(proc)
        log.close()


@pytest.fixture
def browser():
    """Headless chromium with a fresh profile; yields its DevTools port (loopback)."""
    exe = chromium_or_fail()
    profile = tempfile.mkdtemp(prefix="backprop-chromium-")
    proc = subprocess.Popen(
        [exe, *HEADLESS, f"--user-data-dir={profile}", "--window-size=1100,720",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        active = Path(profile, "DevToolsActivePort")
        deadline = time.monotonic() + STARTUP_S
        while not (active.exists() and active.read_text().strip()):
            assert proc.poll() is None, f"chromium exited with {proc.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        yield int(active.read_text().split()[0])
    finally:
        _stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


class Tab:
    """One browser tab over the DevTools protocol: calls, and the events seen meanwhile."""

    def __init__(self, ws) -> None:
        self.ws, self.last_id, self.events = ws, 0, []

    async def call(self, method: str, **params):
        self.last_id += 1
        await self.ws.send_json({"id": self.last_id, "method": method, "params": params})
        deadline = time.monotonic() + STEP_S
        while True:  # events may come before the answer, but not for ever
            assert time.monotonic() < deadline, f"{method}: no answer within {STEP_S} s"
            msg = await asyncio.wait_for(self.ws.receive_json(), STEP_S)
            if msg.get("id") == self.last_id:
                assert "error" not in msg, f"{method}: {msg['error']}"
                return msg.get("result", {})
            self.events.append(msg)

    async def screen(self) -> str:
        got = await self.call("Runtime.evaluate", expression=SCREEN, returnByValue=True)
        return got["result"].get("value", "")

    async def wait_for(self, pattern: str, seconds: float = STEP_S) -> str:
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            text = await self.screen()
            if re.search(pattern, text):
                return text
            await asyncio.sleep(0.2)
        pytest.fail(f"{pattern!r} never appeared in the browser; the screen was:\n{text}")

    async def press(self, key: str) -> None:
        code = f"Key{key.upper()}" if key.isalpha() else ""
        vk = ord(key.upper())
        await self.call("Input.dispatchKeyEvent", type="keyDown", key=key, code=code,
                        text=key, unmodifiedText=key, windowsVirtualKeyCode=vk)
        await self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code,
                        windowsVirtualKeyCode=vk)

    def requested_hosts(self) -> set[str]:
        urls = [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]
        urls += [e["params"]["url"] for e in self.events
                 if e.get("method") == "Network.webSocketCreated"]
        return {urlsplit(url).hostname or "" for url in urls}


@contextlib.asynccontextmanager
async def open_tab(session, devtools: int, url: str):
    async with session.put(f"http://127.0.0.1:{devtools}/json/new?about:blank") as resp:
        target = await resp.json(content_type=None)
    try:
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tab = Tab(ws)
            await tab.call("Network.enable")
            await tab.call("Page.enable")
            await tab.call("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
            await tab.call("Page.navigate", url=url)
            yield tab
    finally:
        with contextlib.suppress(Exception):
            await session.get(f"http://127.0.0.1:{devtools}/json/close/{target['id']}")


async def test_browser_steps_and_runs(browser, served):
    """s then r in the browser: the status line goes Epoch 0 → 1 → 101, with the page's
    font loaded from this server and no request to any other host; a second tab is a
    session of its own, at Epoch 0."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=4 * STARTUP_S)
    async with (aiohttp.ClientSession(timeout=timeout) as session,
                open_tab(session, browser, served) as tab):
        await tab.wait_for(r"Epoch 0 │ weights: the notebook's", STARTUP_S)
        await tab.call("Runtime.evaluate",
                       expression="document.querySelector('.xterm-helper-textarea').focus()")
        await tab.press("s")
        await tab.wait_for(r"Epoch 1 │")
        await tab.press("r")
        screen = await tab.wait_for(r"Epoch 101 │")
        assert "W1 (2×2)" in screen and "Loss" in screen
        font = await tab.call("Runtime.evaluate", returnByValue=True, expression=FONT_LOADED)
        assert font["result"]["value"] is True, "the bundled Roboto Mono did not load"
        if shot := os.environ.get("BACKPROP_SERVE_SCREENSHOT"):
            await asyncio.sleep(0.5)  # let the last frame's fade-in and draw finish
            png = await tab.call("Page.captureScreenshot", format="png")
            Path(shot).write_bytes(base64.b64decode(png["data"]))

        async with open_tab(session, browser, served) as other:
            await other.wait_for(r"Epoch 0 │ weights: the notebook's", STARTUP_S)
            assert re.search(r"Epoch 101 │", await tab.screen())

        await tab.call("Runtime.evaluate", expression="1")  # collect pending events
        hosts = tab.requested_hosts()
        assert hosts, "no requests were seen"
        assert all(h in {"", "localhost"} or ipaddress.ip_address(h).is_loopback
                   for h in hosts), hosts

