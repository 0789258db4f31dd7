"""SVG snapshots of the stepper on the notebook preset, seed 7: the start screen and the
screen after `r`, at 80×24 and at 160×48. Deterministic: fixed weights, no clocks.

Regenerate after an intended change with `pytest tests/test_tui_snapshots.py
--snapshot-update`, look at the SVGs in tests/__snapshots__/, and commit them.
"""

from __future__ import annotations

import pytest

from core import Config, open_session
from tui.app import BackpropApp

from .tui_helpers import screen_text, snapshot_of, status_text

SIZES = [(80, 24), (160, 48)]


def notebook_app() -> BackpropApp:
    return BackpropApp(session=open_session(Config(preset="notebook", seed=7)))


# What each snapshot waits for (every pane drawn with the numbers it is about)
STARTED = snapshot_of(until=lambda app: "Nothing computed yet" in screen_text(app))
RAN_100 = snapshot_of("r", until=lambda app: "Epoch 100" in status_text(app)
                      and "epoch 0–100" in screen_text(app))
DIVERGED = snapshot_of("r", until=lambda app: "DIVERGED" in status_text(app))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_start_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(notebook_app(), terminal_size=size, run_before=STARTED)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_after_run_100(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(notebook_app(), terminal_size=size, run_before=RAN_100)


def test_diverged(snap_compare) -> None:
    app = BackpropApp(session=open_session(Config(preset="notebook", seed=7, lr=50)))
    assert snap_compare(app, terminal_size=(80, 24), run_before=DIVERGED)
