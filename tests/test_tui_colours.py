"""The stepper as SSH shows it: 256 colours (`TERM=xterm-256color`, no `COLORTERM`), and
`NO_COLOR=1`.

Textual renders in truecolour and leaves the reduction to Rich's console, which writes each
colour as the nearest of the 256 (`Color.downgrade`). A snapshot is exported from the
compositor in truecolour, so these snapshots pass the frame through the same reduction as a
line filter first: what an xterm-256color terminal shows. `NO_COLOR` needs nothing special:
Textual reads it when the app is made and turns every colour to a grey.

Regenerate after an intended change with `pytest tests/test_tui_colours.py
--snapshot-update`, look at the SVGs in tests/__snapshots__/test_tui_colours/, and commit.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from rich._palettes import EIGHT_BIT_PALETTE
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.filter import LineFilter

from core import Config, open_session
from tui.app import BackpropApp

from .test_tui_pty import Term
from .test_tui_snapshots import DIVERGED, RAN_100, STARTED
from .tui_helpers import screen_text, snapshot_of, status_text, wait_until

SIZE = (80, 24)


@lru_cache(1024)
def eight_bit(style: Style) -> Style:
    """The style as a 256-colour terminal gets it from Rich."""
    fg, bg = style.color, style.bgcolor
    return style + Style.from_color(fg and fg.downgrade(ColorSystem.EIGHT_BIT),
                                    bg and bg.downgrade(ColorSystem.EIGHT_BIT))


class EightBit(LineFilter):
    def apply(self, segments: list[Segment], background) -> list[Segment]:
        return [Segment(text, style and eight_bit(style), control)
                for text, style, control in segments]


class EightBitApp(BackpropApp):
    """The app as a 256-colour terminal shows it: every line passes Textual's own filters,
    then the downgrade to the 256-colour palette."""

    def get_line_filters(self) -> list[LineFilter]:
        return [*super().get_line_filters(), EIGHT_BIT_FILTER]


EIGHT_BIT_FILTER = EightBit()


def app_256(**kw) -> BackpropApp:
    return EightBitApp(session=open_session(Config(preset="notebook", seed=7, **kw)))


def app_no_color(monkeypatch, **kw) -> BackpropApp:
    monkeypatch.setenv("NO_COLOR", "1")
    app = BackpropApp(session=open_session(Config(preset="notebook", seed=7, **kw)))
    assert app.no_color
    return app


# ---------------------------------------------------------------- snapshots

STEPPED = snapshot_of("s", until=lambda app: "Epoch 1" in status_text(app)
                      and "epoch 0's update" in screen_text(app))


def help_drawn(app: BackpropApp) -> bool:
    from tui.screens.help import HelpScreen

    screen = app.screen
    return isinstance(screen, HelpScreen) and screen.is_mounted and \
        "Forward pass" in str(screen.query_one("#help-text").render())


def test_256_start(snap_compare) -> None:
    assert snap_compare(app_256(), terminal_size=SIZE, run_before=STARTED)


def test_256_after_step(snap_compare) -> None:
    """▲/▼ beside each weight and a signed gradient: the change reads without colour."""
    assert snap_compare(app_256(), terminal_size=SIZE, run_before=STEPPED)


def test_256_after_run_100(snap_compare) -> None:
    assert snap_compare(app_256(), terminal_size=SIZE, run_before=RAN_100)


def test_256_diverged(snap_compare) -> None:
    assert snap_compare(app_256(lr=50), terminal_size=SIZE, run_before=DIVERGED)


def test_256_help(snap_compare) -> None:
    assert snap_compare(app_256(), terminal_size=SIZE,
                        run_before=snapshot_of("question_mark", until=help_drawn))


def test_no_color_after_step(snap_compare, monkeypatch) -> None:
    assert snap_compare(app_no_color(monkeypatch), terminal_size=SIZE, run_before=STEPPED)


def test_no_color_diverged(snap_compare, monkeypatch) -> None:
    assert snap_compare(app_no_color(monkeypatch, lr=50), terminal_size=SIZE,
                        run_before=DIVERGED)


# ---------------------------------------------------------------- the real command

SGR_COLOUR = re.compile(rb"\x1b\[[0-9;]*?([34]8);(2;\d+;\d+;\d+|5;(\d+))")


def colours_written(env: dict) -> tuple[set[bytes], set[int]]:
    """Start `backprop`, press s, quit; the colour kinds (38/48 with 2 or 5) and the
    256-colour indices it wrote."""
    t = Term("--preset", "notebook", "--seed", "7", env=env)
    try:
        t.wait_for(r"Epoch 0")
        t.settle()
        t.press("s")
        t.wait_for(r"Epoch 1")
        t.settle()
        t.press("q")  # unsaved progress: q asks, q again quits
        t.wait_for(r"q again quits")
        t.press("q")
        assert t.wait_exit() == 0
    finally:
        t.close()
    kinds, indices = set(), set()
    for m in SGR_COLOUR.finditer(t.out):
        kinds.add(m.group(2)[:1])
        if m.group(3):
            indices.add(int(m.group(3)))
    return kinds, indices


@pytest.mark.usefixtures("backprop_installed")
def test_ssh_terminal_gets_256_colours_and_truecolor_only_when_asked() -> None:
    kinds, indices = colours_written({})  # TERM=xterm-256color, no COLORTERM
    assert kinds == {b"5"} and len(indices) > 4
    kinds, _ = colours_written({"COLORTERM": "truecolor"})
    assert b"2" in kinds


@pytest.mark.usefixtures("backprop_installed")
def test_no_color_writes_only_greys() -> None:
    kinds, indices = colours_written({"NO_COLOR": "1"})
    assert kinds == {b"5"}
    for i in indices:
        r, g, b = EIGHT_BIT_PALETTE[i]
        assert r == g == b, (i, EIGHT_BIT_PALETTE[i])


def test_frame_cap_is_lower_over_ssh() -> None:
    from tui.terminal import DEFAULT_FPS, SSH_FPS, default_fps

    assert default_fps({}) == DEFAULT_FPS
    assert default_fps({"SSH_CONNECTION": "10.0.0.2 51000 10.0.0.1 22"}) == SSH_FPS
    assert default_fps({"SSH_TTY": "/dev/pts/3"}) == SSH_FPS < DEFAULT_FPS


async def test_a_new_theme_recolours_the_panes() -> None:
    """The panes' colours are held once (PaneStyles); a theme change must still reach
    every pane, redrawn, not only the borders."""
    app = BackpropApp(session=open_session(Config(preset="notebook", seed=7)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: "Epoch 1" in status_text(app), what="epoch 1")
        params = app.query_one("#params")
        before = params.style("up").color
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await wait_until(pilot, lambda: params.style("up").color != before, what="new colours")
        after = params.style("up").color
        # what the terminal was sent, not a fresh render: once the new colours are drawn
        await wait_until(pilot, lambda: after.triplet.hex.lower() in
                         app.export_screenshot().lower(), what="the panes redrawn")
        screen = app.export_screenshot()
        assert before.triplet.hex.lower() not in screen.lower()
