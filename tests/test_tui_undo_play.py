"""Stepping back (`b`), play/pause (`p`, `+`/`-`) and the live learning rate (`<`/`>`)
through the real app.

A step back restores parameters, optimiser state, epoch, history and RNG bit for bit, and
stepping forward again reproduces the same numbers: for every optimiser and for shuffled
SGD. Play's rules are the stepper's (tests/test_stepper.py); here its timer runs. The bytes
that play sends to an 80×24 terminal are measured on the real command in a pty.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from core import Config, open_session
from core.training.session import UNDO_BUDGET
from tui.app import BackpropApp
from tui.screens.help import HelpScreen
from tui.stepper import PLAY_FPS

from .test_tui_phases import same_record
from .test_tui_pty import term_factory  # noqa: F401 (a fixture)
from .tui_helpers import (
    session_of,
    status_shows,
    view_of,
    wait_screen,
    wait_text,
    wait_until,
)

SIZE = (80, 24)
OPTIMISERS = {
    "gd": {}, "sgd-1": {"optimizer": "sgd", "batch_size": 1},
    "sgd-2": {"optimizer": "sgd", "batch_size": 2}, "momentum": {"optimizer": "momentum"},
    "adam": {"optimizer": "adam"},
}


def make_app(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(Config(preset="notebook", seed=7, **kw)))


def state(app: BackpropApp) -> dict:
    """Everything a step back must restore, copied."""
    st = session_of(app).state()
    return {"flat": st.params, "opt": st.opt_state, "rng": st.rng, "pos": (st.epoch, st.batch),
            "lr": st.lr, "history": st.history["loss"], "perm": st.perm}


def same_state(a: dict, b: dict) -> bool:
    return (np.array_equal(a["flat"], b["flat"]) and a["opt"].keys() == b["opt"].keys()
            and all(np.array_equal(a["opt"][k], b["opt"][k]) for k in a["opt"])
            and a["rng"] == b["rng"] and a["pos"] == b["pos"] and a["lr"] == b["lr"]
            and np.array_equal(a["history"], b["history"])
            and (a["perm"] is None) == (b["perm"] is None)
            and (a["perm"] is None or np.array_equal(a["perm"], b["perm"])))


async def at_epoch(pilot, app: BackpropApp, epoch: int) -> None:
    await wait_until(pilot, lambda: session_of(app).epoch == epoch, what=f"epoch {epoch}")


async def at_phase(pilot, app: BackpropApp, key: str) -> None:
    await wait_until(pilot, lambda: app.stepper.walk is not None and
                     app.stepper.walk.phase.key == key, what=f"the phase {key}")


async def at_lr(pilot, app: BackpropApp, lr: float) -> None:
    await wait_until(pilot, lambda: session_of(app).lr == lr, what=f"lr {lr}")


@pytest.mark.parametrize("opt", OPTIMISERS, ids=str)
async def test_back_then_forward_is_bit_for_bit(opt: str) -> None:
    app = make_app(**OPTIMISERS[opt])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s", "s")
        await at_epoch(pilot, app, 3)
        at3 = state(app)
        await pilot.press("s")
        await at_epoch(pilot, app, 4)
        at4, rec4 = state(app), session_of(app).last
        await pilot.press("b")
        await at_epoch(pilot, app, 3)
        assert same_state(state(app), at3)
        await status_shows(pilot, app, "back to epoch 3")
        await pilot.press("s")
        await at_epoch(pilot, app, 4)
        assert same_state(state(app), at4) and same_record(session_of(app).last, rec4)


@pytest.mark.parametrize("opt", OPTIMISERS, ids=str)
async def test_stepping_back_through_the_phases_undoes_the_update(opt: str) -> None:
    app = make_app(**OPTIMISERS[opt])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await at_epoch(pilot, app, 1)
        before = state(app)
        await pilot.press(*"fffff")  # the update phase: committed
        await at_phase(pilot, app, "update")
        after, rec = state(app), app.stepper.walk.record
        assert not same_state(after, before)
        await pilot.press("b")  # back to the hidden-layer phase: the update is taken back
        await at_phase(pilot, app, "hidden1")
        assert same_state(state(app), before)
        await pilot.press("f")  # and made again, identically
        await at_phase(pilot, app, "update")
        assert same_state(state(app), after) and same_record(app.stepper.walk.record, rec)
        # into the next update, back to this update phase, and back across it once more
        await pilot.press("f", "b", "b")
        await at_phase(pilot, app, "hidden1")
        assert same_state(state(app), before)
        await pilot.press(*"bbbb")  # past the forward phase: the walk is over
        await wait_until(pilot, lambda: app.stepper.walk is None and
                         app.main.top == "dataset", what="the walk over")
        assert same_state(state(app), before)


async def test_a_thousand_epochs_back_on_the_notebook() -> None:
    app = make_app()
    first = state(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"rrrrrrrrrr")
        await at_epoch(pilot, app, 1000)
        for _ in range(1000):
            app.main.action_back()
        assert same_state(state(app), first)
        assert view_of(app).undo_depth >= 1000
        await pilot.press("b")  # nothing older: a bell and a word, no crash
        await status_shows(pilot, app, "at the start already")


async def test_help_states_the_undo_bound() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_text = (await wait_screen(pilot, app, HelpScreen)).query_one("#help-text")
        await wait_text(pilot, lambda: str(help_text.render()), f"{view_of(app).undo_depth:,}",
                        f"{UNDO_BUDGET // 2**20} MiB")


async def test_play_pause_and_speed() -> None:
    """The rules are the stepper's (tests/test_stepper.py); here, what the screen says."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await wait_until(pilot, lambda: app.stepper.playing, what="playing")
        await status_shows(pilot, app, "playing: 1 epoch per frame")
        await wait_until(pilot, lambda: session_of(app).epoch >= 3)
        await pilot.press("plus", "right_square_bracket")  # 1 → 2 → 5 epochs per frame
        await status_shows(pilot, app, "5 epochs per frame")
        await pilot.press("p")
        await wait_until(pilot, lambda: not app.stepper.playing, what="paused")
        assert "playing" not in await status_shows(pilot, app, "paused")
        epoch = session_of(app).epoch
        await pilot.pause(0.3)  # the timer is gone: no late frame trains on
        assert session_of(app).epoch == epoch


async def test_play_stops_when_training_diverges() -> None:
    app = make_app(lr=50)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket", "p")
        await wait_until(pilot, lambda: view_of(app).diverged and not app.stepper.playing,
                         what="diverged, and play stopped")
        await status_shows(pilot, app, "stopped playing: training diverged", "DIVERGED")


async def test_lr_change_takes_effect_on_the_next_step_and_b_undoes_it() -> None:
    app, twin = make_app(), open_session(Config(preset="notebook", seed=7))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("greater_than_sign")
        await at_lr(pilot, app, 0.2)
        await status_shows(pilot, app, "lr 0.2")
        await pilot.press("s")
        await at_epoch(pilot, app, 1)
        twin.set_lr(0.2)
        assert session_of(app).last.lr == 0.2 and same_record(session_of(app).last, twin.step())
        await pilot.press("less_than_sign", "less_than_sign")
        await at_lr(pilot, app, 0.05)
        await pilot.press("b")  # undoes the last lr change, not the epoch
        await at_lr(pilot, app, 0.1)
        assert session_of(app).epoch == 1


async def test_lr_change_during_a_walk_retakes_the_update() -> None:
    app, twin = make_app(), open_session(Config(preset="notebook", seed=7))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "f", "f", "greater_than_sign")
        await at_lr(pilot, app, 0.2)
        await at_phase(pilot, app, "output")
        await pilot.press("f", "f")
        await at_phase(pilot, app, "update")
        twin.set_lr(0.2)
        rec = twin.step_update()
        assert app.stepper.walk.record.lr == 0.2 and same_record(app.stepper.walk.record, rec)


@pytest.mark.usefixtures("backprop_installed")
def test_play_stays_under_64_kb_per_second_at_80x24(term_factory) -> None:  # noqa: F811
    """Bytes per frame × frames per second, measured on the real command. The frame count
    comes from the epoch counter (1 epoch per frame), so no assertion depends on timing."""
    t = term_factory("--preset", "notebook", "--seed", "7")
    t.wait_for(r"Epoch 0 │ weights: the notebook's")
    t.settle()
    began = len(t.out)
    clock = time.monotonic()
    t.press("p")
    t.wait_for(r"Epoch (1\d\d|[4-9]\d) │")  # 40+ frames of play
    seconds = time.monotonic() - clock
    t.press("p")
    t.wait_for(r"paused")
    t.settle()
    epochs = int(re.findall(r"Epoch (\d+) │", t.text(began))[-1])
    per_frame = (len(t.out) - began) / epochs
    print(f"play at 80×24: {per_frame:.0f} bytes/frame, about "
          f"{(len(t.out) - began) / seconds / 1000:.1f} KB/s over {seconds:.1f} s")
    assert per_frame * PLAY_FPS < 64_000, per_frame


async def test_following_the_divergence_hint_converges() -> None:
    """Play, press > until training diverges; then do what the screen says, as a student
    would: b steps back, < halves the lr, step again, until it trains."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await wait_until(pilot, lambda: app.stepper.playing, what="playing")
        tried = [session_of(app).lr]
        while not view_of(app).diverged:
            assert len(tried) < 20, "> never made it diverge"
            epoch = session_of(app).epoch
            await pilot.press("greater_than_sign")
            await at_lr(pilot, app, 2 * tried[-1])
            tried.append(session_of(app).lr)
            await wait_until(pilot, lambda: session_of(app).epoch >= epoch + 3  # noqa: B023
                             or view_of(app).diverged)
        assert not app.stepper.playing  # play stopped by itself
        for _ in range(10):
            if not view_of(app).diverged:
                break
            hint = await status_shows(pilot, app, "b steps back", "< halves the lr")
            assert "quit" not in hint.lower() and "rerun" not in hint
            quoted = re.search(r"DIVERGED at epoch \d+ \(lr ([\d.e+-]+)\)", hint)
            assert quoted is not None and float(quoted.group(1)) in tried  # an lr it tried
            await pilot.press("b")
            await wait_until(pilot, lambda: not view_of(app).diverged, what="back before it")
            lr, epoch = session_of(app).lr, session_of(app).epoch
            await pilot.press("less_than_sign")
            await at_lr(pilot, app, lr / 2)
            tried.append(session_of(app).lr)
            await pilot.press("r")
            await wait_until(pilot, lambda: session_of(app).epoch > epoch,  # noqa: B023
                             what="the run after the hint")
        assert not view_of(app).diverged
        epoch = session_of(app).epoch
        await pilot.press("r", "r")
        await at_epoch(pilot, app, epoch + 200)
        assert not view_of(app).diverged and view_of(app).evaluation.loss < 1e-3
