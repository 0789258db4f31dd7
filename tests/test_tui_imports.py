"""Start-up rests on import discipline: the app loads no NumPy, pandas or core computing
until it opens a session (a built-in dataset before the first frame, a file in a thread
after it), and the garbage collector, paused for start-up, runs again once the frame is up."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from core import Config, open_session
from tui import cli
from tui.app import BackpropApp

from .tui_helpers import wait_until


def loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, timeout=60)
    return set(out.stdout.split())


def test_the_app_module_loads_without_numpy_or_pandas() -> None:
    """The core's lazy API and its NumPy-free names and config are all the app needs to
    start; what computes arrives with the session."""
    mods = loaded_after("import tui.cli, tui.app\nfrom tui.app import BackpropApp\nBackpropApp()")
    assert "textual" in mods and "core.names" in mods
    assert not {"numpy", "pandas", "core.training.session", "core.present.views",
                "core.files.weights"} & mods


def test_the_core_never_loads_textual_or_rich() -> None:
    mods = loaded_after("import core\ncore.open_session(core.Config(preset='notebook', seed=1))")
    assert "numpy" in mods
    assert not {"textual", "rich", "pandas"} & mods


async def test_the_collector_runs_again_once_the_first_frame_is_up() -> None:
    gc.disable()  # as `backprop` does while it starts
    try:
        app = BackpropApp(open_session(Config(preset="notebook", seed=1)))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, gc.isenabled, what="the collector on again")
    finally:
        gc.enable()


def test_a_command_line_that_fails_leaves_the_collector_on() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--lr", "-1"])
    assert exc.value.code == 2 and gc.isenabled()
