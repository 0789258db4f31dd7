"""`backprop serve`: the same app in a web browser, through textual-serve.

Every browser tab opens a websocket, and textual-serve starts one app process per websocket,
so every tab is its own session. The page is ours (templates/serve.html): it loads nothing
from outside this server, so it works offline, and it finds the websocket from the address
the browser used, so an SSH tunnel on any local port works.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import ipaddress
import logging
import os
import shlex
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import core
from core.errors import UserError

from .options import OPTIONS, child_args, config_from

TEMPLATES = Path(__file__).parent / "templates"
TITLE = "backprop-stepper"


def serve(ns: argparse.Namespace, argv: Sequence[str] = ()) -> int:
    """Check everything a tab would trip over, bind, and serve until Ctrl+C.

    `argv` (the raw arguments after `serve`) is not needed: the app's command is rebuilt from
    the parsed options, so abbreviations and `--opt=value` forms need no special care.
    """
    del argv
    _check_installed()
    _check_model(ns)
    command = app_command(ns)
    loopback = is_loopback(ns.host)  # resolves the name: a bad --host fails here, not later
    _check_bind(ns.host, ns.port)
    if not loopback:
        print(exposure_warning(ns.host, ns.port), file=sys.stderr)
    server = make_server(command, ns.host, ns.port)
    server.serve()
    return 0


def app_command(ns: argparse.Namespace) -> str:
    """`python -m tui.cli` plus the options serve shares with the stepper, as given (the
    model options and --fps), without --host/--port."""
    return shlex.join([sys.executable, "-m", "tui.cli", *child_args(ns)])


def _check_installed() -> None:
    if importlib.util.find_spec("textual_serve") is None:
        raise UserError("`backprop serve` needs textual-serve, which is not installed: "
                        "pip install textual-serve (in this project: "
                        ".venv/bin/pip install -e '.[serve]')")


def _check_model(ns: argparse.Namespace) -> None:
    """Open the session once here, so bad options are one line now, not a dead tab later.
    A lesson is checked instead (its setup decides the model), and a lesson file is named
    by its full path, so each tab's app finds it wherever it runs."""
    if ns.lesson:
        from .lesson import take_lesson

        take_lesson(ns)
        if os.path.isfile(ns.lesson):
            ns.lesson = os.path.abspath(ns.lesson)
        for o in OPTIONS:  # the tabs open the lesson; it alone decides the model
            if o.model:
                setattr(ns, o.name, None)
        return
    core.open_session(config_from(ns))


def is_loopback(host: str) -> bool:
    """True if `host` only reaches this machine: localhost, 127.x.x.x, ::1, or a name that
    resolves only to those."""
    name = host.strip().strip("[]").lower()
    if not name:
        raise UserError("--host is empty; leave it out to serve on 127.0.0.1 (this machine only)")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UserError(f"--host {host}: no such host name or address") from None
    return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def _check_bind(host: str, port: int) -> None:
    """Bind and release each address aiohttp will bind, to turn the usual failures into one
    line for a student. aiohttp sets SO_REUSEADDR too, so this sees the same conflicts."""
    name = host.strip().strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise UserError(f"--host {host}: no such host name or address") from None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise UserError(f"port {port} is already in use on {host}; "
                                    f"choose another with --port, e.g. --port {port % 65535 + 1}"
                                    ) from None
                if exc.errno == errno.EACCES:
                    raise UserError(f"port {port} needs administrator rights (ports below 1024)"
                                    "; use --port 8000 or another port above 1023") from None
                if exc.errno == errno.EADDRNOTAVAIL:
                    raise UserError(f"--host {host} is not an address of this machine") from None
                raise UserError(f"cannot listen on {host} port {port}: {exc.strerror}") from None


def url_for(host: str, port: int) -> str:
    """The address to type into a browser (the machine's name for 0.0.0.0 or ::)."""
    name = host.strip().strip("[]")
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return f"http://{name}:{port}"
    if ip.is_unspecified:
        return f"http://{socket.gethostname()}:{port}"
    return f"http://[{ip}]:{port}" if ip.version == 6 else f"http://{ip}:{port}"


def exposure_warning(host: str, port: int) -> str:
    return (f"backprop: warning: serving on {host} port {port}: anyone who can reach this port "
            f"can use the app. To keep it private, serve on the default 127.0.0.1 and tunnel: "
            f"ssh -L {port}:localhost:{port} <this machine>")


def make_server(command: str, host: str = "127.0.0.1", port: int = 8000):
    """A textual-serve Server that runs `command` per tab and sends our offline page."""
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server, to_int

    class BackpropServer(Server):
        def initialize_logging(self) -> None:
            """textual-serve's log, without a line per HTTP request."""
            super().initialize_logging()
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        async def handle_index(self, request: web.Request) -> web.Response:
            font_size = min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 64)
            return aiohttp_jinja2.render_template(
                "serve.html", request, {"title": self.title, "font_size": font_size})

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            """Refuse websockets opened by pages from other sites: browsers let any page
            open a websocket to 127.0.0.1, and this one drives a process on this machine."""
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
                raise web.HTTPForbidden(text="backprop serve: cross-origin websocket refused\n")
            return await super().handle_websocket(request)

        async def on_startup(self, app: web.Application) -> None:
            self.console.print(f"backprop serve: open {self.public_url} in a browser; "
                               "each tab is its own session. Ctrl+C stops.",
                               highlight=False, soft_wrap=True)

    return BackpropServer(command, host=host, port=port, title=TITLE,
                          public_url=url_for(host, port), templates_path=TEMPLATES)
