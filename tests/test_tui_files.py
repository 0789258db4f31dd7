"""Files from the stepper: `w` saves the session, `backprop --resume` reopens it, `x` exports
the weights and the loss history, `ctrl+s` saves an SVG screenshot. Each writes into the
current folder (a tmp one here) and says where in a notification.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import tui.stepper
from core import Config, UserError, load_session, open_session, save_session
from core.files.weights import load_weights
from tui.app import BackpropApp, open_from_args
from tui.cli import build_parser
from tui.options import given_model
from tui.stepper import Busy

from .conftest import ROOT
from .test_tui_pilot import same_params
from .test_tui_pty import Term
from .tui_helpers import NotifyingApp, session_of, status_shows, wait_until, workers_done

SIZE = (80, 24)


def notebook_app(**kw) -> NotifyingApp:
    return NotifyingApp(session=open_session(Config(preset="notebook", seed=7)), **kw)


def notes(app: NotifyingApp) -> list[str]:
    return list(app.notes)


def told(app: NotifyingApp, *parts: str) -> Callable[[], bool]:
    """Whether a notification has said every one of `parts` (for `wait_until`)."""
    return lambda: any(all(part in n for part in parts) for n in notes(app))


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------- w: save

async def test_w_saves_a_session_that_resumes_bit_for_bit(here) -> None:
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "r", "w")
        await wait_until(pilot, told(app, "--resume"), what="the file named")
        files = list(here.glob("backprop-session-*.json"))
        assert len(files) == 1
        assert any(files[0].name in n and "--resume" in n for n in notes(app))
        resumed = load_session(str(files[0]))
        assert resumed.epoch == session_of(app).epoch == 101
        assert same_params(resumed, session_of(app))
        resumed.step()
        session_of(app).step()
        assert same_params(resumed, session_of(app))  # the next step is the same


async def test_w_writes_to_save_to(here) -> None:
    app = notebook_app()
    app.stepper.save_to = "sub/run.json"
    (here / "sub").mkdir()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "w")
        await wait_until(pilot, told(app, "sub/run.json"), what="the file named")
        assert load_session("sub/run.json").epoch == 1
        assert not list(here.glob("backprop-session-*.json"))


async def test_w_refuses_to_overwrite_a_foreign_file(here) -> None:
    (here / "data.csv").write_text("a,b\n1,2\n")
    app = notebook_app()
    app.stepper.save_to = "data.csv"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await wait_until(pilot, told(app, "not a session file"), what="the refusal")
        assert (here / "data.csv").read_text() == "a,b\n1,2\n"


async def test_w_with_a_long_history_saves_in_a_thread(here, monkeypatch) -> None:
    monkeypatch.setattr(tui.stepper, "SAVE_SYNC_EPOCHS", 10)
    app = notebook_app()
    app.stepper.save_to = "long.json"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: session_of(app).epoch == 100, what="epoch 100")
        before = session_of(app).net.flat.copy()
        await pilot.press("w", "s")  # s while saving: refused, or after the save
        await wait_until(pilot, told(app, "long.json"), what="the file named")
        await wait_until(pilot, lambda: app.stepper.busy is not Busy.SAVING, what="saved")
        saved = load_session("long.json")
        assert np.array_equal(saved.net.flat, before) and saved.epoch == 100


async def test_w_during_a_threaded_run_is_refused(here) -> None:
    app = notebook_app(sync_work=0)  # every run goes to a thread worker
    app.stepper.run_epochs = 10_000_000
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: app.stepper.running, what="a threaded run")
        await pilot.press("w", "x")
        await wait_until(pilot, lambda: sum("stop it (escape), then press" in n
                                            for n in notes(app)) == 2, what="two refusals")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.stepper.running, what="the run stopped")
        await workers_done(app)
        assert not list(here.iterdir())


@pytest.mark.usefixtures("backprop_installed")
def test_the_saved_path_is_one_line_to_copy_at_80_columns(here) -> None:
    """The notification names the file and the command that reopens it, each on one line of
    the screen, never split where a copy would break it."""
    t = Term("--preset", "notebook", "--seed", "7", cwd=here)
    try:
        t.wait_screen(r"Epoch 0 │")
        t.press("s")
        t.wait_screen(r"Epoch 1 │")
        t.press("w")
        line = t.wait_screen(r"backprop --resume (backprop-session-\d{8}-\d{6}\.json)")
        assert (here / line.group(1)).is_file()
        assert re.search(r"Session saved to backprop-session-\d{8}-\d{6}\.json", t.screen())
    finally:
        t.close()


# ---------------------------------------------------------------- --resume

def parse(*argv: str) -> argparse.Namespace:
    return build_parser()[0].parse_args(list(argv))


def test_resume_opens_the_saved_session(here) -> None:
    s = open_session(Config(preset="notebook", seed=7))
    s.run(37)
    save_session(s, "s.json")
    t = open_from_args(parse("--resume", "s.json"))
    assert t.epoch == 37 and same_params(t, s)
    t.step()
    s.step()
    assert same_params(t, s)


def test_model_options_beside_resume_are_named_as_ignored() -> None:
    assert given_model(parse("--resume", "s.json", "--lr", "0.5", "--hidden", "3",
                             "--fps", "5", "--save-to", "x.json")) == ["--hidden", "--lr"]
    assert given_model(parse("--resume", "s.json")) == []


async def test_resume_note_is_shown_in_the_status_line(here) -> None:
    save_session(open_session(Config(preset="notebook", seed=7)), "s.json")
    ns = parse("--resume", "s.json", "--lr", "0.5")
    app = BackpropApp(opener=lambda: open_from_args(ns), open_note="ignored --lr")
    async with app.run_test(size=SIZE) as pilot:
        await status_shows(pilot, app, "weights: the notebook's", "ignored --lr")
        assert session_of(app).lr == 0.1


@pytest.mark.parametrize("content", [
    b"", b"{not json", b'{"format": "something-else", "version": 1}',
    json.dumps({"layers": [{"weights": [[1, 2]], "bias": [0]}]}).encode(),
    b"\xff\xfe\x00garbage",
], ids=["empty", "not-json", "foreign-format", "weights-file", "binary"])
def test_damaged_or_foreign_resume_file_is_a_user_error(here, content: bytes) -> None:
    (here / "bad.json").write_bytes(content)
    with pytest.raises(UserError, match=r"bad\.json"):
        open_from_args(parse("--resume", "bad.json"))


@pytest.mark.usefixtures("backprop_installed")
@pytest.mark.parametrize("name, content", [
    ("damaged.json", b'{"format": "backprop-stepper-session", "version": 1, "config": '),
    ("missing.json", None),
])
def test_bad_resume_file_ends_the_real_command_with_one_line(here, name, content) -> None:
    if content is not None:
        (here / name).write_bytes(content)
    t = Term("--resume", str(here / name))
    try:
        assert t.wait_exit(20) == 2
        assert t.restored()
        after = t.text(t.out.rfind(b"\x1b[?1049l")).strip().splitlines()
        assert len(after) == 1 and after[0].startswith("backprop: error: "), after
        assert name in after[0] and "Traceback" not in t.text()
    finally:
        t.close()


# ---------------------------------------------------------------- x, ctrl+s

async def pressed(*keys: str, until: Callable[[NotifyingApp], bool]) -> NotifyingApp:
    """The notebook app after `keys` and once `until(app)` holds, closed; its session and
    notifications stay."""
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        await wait_until(pilot, lambda: until(app), what="the keys' effect")
    return app


async def test_x_exports_weights_and_history_here(here) -> None:
    app = await pressed("r", "x", "w", until=lambda app: told(app, "backprop-history-")())
    weights = list(here.glob("backprop-weights-*.json"))
    history = list(here.glob("backprop-history-*.csv"))
    assert len(weights) == len(history) == 1
    flat = load_weights(str(weights[0]), (2, 2, 1))
    assert np.array_equal(flat, session_of(app).net.flat)
    lines = history[0].read_text().splitlines()
    assert lines[0] == "epoch,loss,objective" and len(lines) == 1 + 101  # to the loss now
    note = "\n".join(notes(app))
    assert weights[0].name in note and history[0].name in note


@pytest.mark.parametrize("key, fmt, suffix", [("n", "numpy", "py"), ("j", "notebook", "ipynb"),
                                              ("t", "torch", "py")])
async def test_x_writes_the_session_as_a_program(here, key, fmt, suffix) -> None:
    """x then n, j or t: the program is written in a thread and named in a notification;
    the NumPy script, run, prints what `backprop train` prints for the same session."""
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", key)
        await wait_until(pilot, told(app, "run it with"), what="the program named")
        await wait_until(pilot, lambda: app.stepper.idle, what="the writer done")
    (path,) = here.glob(f"backprop-{fmt}-*.{suffix}")
    assert path.name in "\n".join(notes(app)) and "run it with" in "\n".join(notes(app))
    if fmt == "numpy":
        out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                             check=True, cwd=here, timeout=120).stdout
        assert out == subprocess.run([sys.executable, "-m", "tui.cli", "train", "--preset",
                                      "notebook", "--seed", "7"], capture_output=True,
                                     text=True, check=True, cwd=ROOT, timeout=120).stdout
    if fmt == "notebook":
        assert json.loads(path.read_text())["nbformat"] == 4


async def test_x_then_escape_writes_nothing(here) -> None:
    # keys are handled in order: once s has stepped, x and escape have been
    await pressed("x", "escape", "s", until=lambda app: session_of(app).epoch == 1)
    assert not list(here.iterdir())


async def test_ctrl_s_saves_an_svg_screenshot_here(here) -> None:
    app = await pressed("s", "ctrl+s", until=lambda app: told(app, "backprop-screen-")())
    shots = list(here.glob("backprop-screen-*.svg"))
    assert len(shots) == 1
    svg = shots[0].read_text()
    assert svg.startswith("<svg") and "Epoch" in svg
    assert any(shots[0].name in n for n in notes(app))


async def test_new_keys_are_in_the_command_palette_and_help() -> None:
    from tui.screens.help import help_text

    app = notebook_app()
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for key in ("(w)", "(x)", "(ctrl+s)"):
            assert any(key in t for t in titles)
    for key in ("[b]w[/b]", "[b]x[/b]", "[b]ctrl+s[/b]"):
        assert key in help_text()
