"""The panes tell the truth at every moment, through the real app (Pilot): the phase walk
shows nothing a later phase computes, status notes end with the next key, `q` asks before
losing progress, the settings form says what a dataset set and loses no key of a burst,
modal screens leave the status and footer lines alone, a pane too small for its numbers
pages (keeping the picked weight in view) instead of cutting them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from textual import events
from textual.widgets import Input

from core import Config, open_session
from tui.app import BackpropApp
from tui.fmt import loss, num
from tui.screens.settings import SettingsScreen
from tui.widgets.gradients import GradientsPane
from tui.widgets.loss import LossPane
from tui.widgets.params import ParamsPane
from tui.widgets.status import StatusBar

from .tui_helpers import screen_text, session_of, status_text, view_of, wait_until

SIZE = (80, 24)


def notebook_app(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(Config(preset="notebook", seed=7, **kw)))


def text_of(pane) -> str:
    size = pane.body.size
    return pane.draw(size.width, size.height).plain


async def burst(app: BackpropApp, pilot, keys: list[str]) -> None:
    """Keys arriving together, as a paste or a slow SSH link delivers them: posted at once,
    without waiting for a frame between them (Pilot's press does)."""
    for key in keys:
        char = key if len(key) == 1 else {"space": " "}.get(key)
        app.post_message(events.Key(key, char))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


# ---------------------------------------------------------------- the phase walk

@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)], ids=str)
async def test_the_walk_shows_nothing_a_later_phase_computes(size) -> None:
    """Walking epoch 3's update: at each phase the gradients pane shows the walked update,
    and of it only the matrices computed so far; the others are named with their phase.
    The status line names the walked update as the walk's title does."""
    app = notebook_app()
    twin = open_session(Config(preset="notebook", seed=7))
    twin.run(3)
    walked = twin.preview()
    async with app.run_test(size=size) as pilot:
        await pilot.press("s", "s", "s")
        grads = app.query_one(GradientsPane)
        later = {1: ["dW2", "db2", "dW1", "db1"], 2: ["dW2", "db2", "dW1", "db1"],
                 3: ["dW1", "db1"], 4: [], 5: []}
        for phase in range(1, 6):
            await pilot.press("f")
            await pilot.pause()
            text = text_of(grads)
            assert "epoch 3's update" in text and "enlarge" not in text
            for name in later[phase]:
                k = int(name[-1]) - 1
                values = (walked.dW if name.startswith("dW") else walked.db)[k]
                assert f"{name} in phase {3 if k == 1 else 4}" in text, (phase, name)
                assert not any(num(v, signed=True) in text for v in values.ravel()), (phase,
                                                                                     name)
            for name in {"dW2", "db2", "dW1", "db1"} - set(later[phase]):
                k = int(name[-1]) - 1
                values = (walked.dW if name.startswith("dW") else walked.db)[k]
                assert all(num(v, signed=True) in text for v in values.ravel()), (phase, name)
            title = str(app.main.query_one("#formula").border_title)
            status = status_text(app)
            assert f"Phase {phase}/5" in title and "epoch 3's update" in title
            if phase < 5:
                assert "Epoch 3 (walking epoch 3's update)" in status
            else:
                assert "Epoch 3 → 4 (epoch 3's update)" in status


async def test_a_deep_walk_numbers_its_phases_one_way() -> None:
    app = BackpropApp(session=open_session(Config(data="xor", hidden=(3, 2), seed=1)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "f", "f", "f", "f")
        await pilot.pause()
        title = str(app.main.query_one("#formula").border_title)
        assert title.startswith("Phase 5/6 · Hidden layer gradients (layer 1)")


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=str)
async def test_the_notebook_s_walk_shows_every_number_at_80x24(size) -> None:
    """No pane of the notebook pages or cuts in any phase: every weight and gradient shows."""
    app = notebook_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("s")
        for _ in range(6):
            await pilot.press("f")
            await pilot.pause()
            view = view_of(app)
            text = screen_text(app)
            assert "page 1/" not in text and "enlarge" not in text.lower()
            for values in (*view.W, *view.b):
                assert all(num(v) in text for v in values.ravel())


# ---------------------------------------------------------------- notes and quitting

async def test_a_note_ends_with_the_next_key_a_resize_or_help() -> None:
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "b")
        assert "← back to epoch 0" in status_text(app)
        await pilot.press("l")  # any key: the note has been read
        assert "←" not in status_text(app)
        await pilot.press("c")
        app.screen.query_one("#set-lr", Input).value = "0.2"
        await pilot.press("enter")
        assert "← lr 0.2" in status_text(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "←" not in status_text(app)
        await pilot.press("escape", "s", "b")
        assert "← back to epoch 0" in status_text(app)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert "←" not in status_text(app)


async def test_a_note_ends_after_five_seconds(monkeypatch) -> None:
    import tui.widgets.status as status

    monkeypatch.setattr(status, "NOTE_SECONDS", 0.2)
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(view_of(app), note="← a note")
        assert "← a note" in status_text(app)
        await wait_until(pilot, lambda: "←" not in status_text(app), 5)


async def test_q_asks_before_losing_progress_and_w_saves_it(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "q")
        await pilot.pause()
        assert app.is_running and "unsaved: q again quits, w saves" in status_text(app)
        await pilot.press("w", "q")  # saved: nothing to lose
        await pilot.pause()
        assert not app.is_running
    assert list(tmp_path.glob("backprop-session-*.json"))
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "q", "l", "q")  # another key between: it asks again
        await pilot.pause()
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


# ---------------------------------------------------------------- resets undone

@pytest.mark.parametrize("how", ["n", "R", "settings"])
async def test_b_returns_to_the_session_a_reset_replaced(how: str) -> None:
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        before = session_of(app)
        weights, history = before.params().copy(), before.history.values().copy()
        if how == "settings":
            await pilot.press("c")
            app.screen.query_one("#set-activation").focus()
            await pilot.press("right", "enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
        else:
            await pilot.press(how)
        await pilot.pause()
        assert view_of(app).epoch == 0 and session_of(app) is not before
        await pilot.press("b")
        await pilot.pause()
        assert session_of(app) is before and view_of(app).epoch == 100
        assert np.array_equal(view_of(app).W[0], weights[:4].reshape(2, 2))
        assert np.array_equal(session_of(app).history.values(), history)
        assert "undone" in status_text(app)


# ---------------------------------------------------------------- the settings form

async def test_the_form_marks_what_a_dataset_set() -> None:
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = app.screen
        screen.query_one("#set-data", Input).value = "xor"
        await pilot.pause()
        note = screen.query_one("#err-lr")
        assert note.has_class("-filled") and "set by xor" in str(note.content)
        assert not screen.query_one("#err-seed").has_class("-filled")
        screen.query_one("#set-data", Input).value = "notebook"
        await pilot.pause()
        assert not screen.query_one("#err-lr").has_class("-filled")


async def test_a_burst_loses_no_key_in_the_form() -> None:
    """`0.1`, eight backspaces, `0.37` and enter arriving together apply lr 0.37; a digit
    typed after tab lands in the next field."""
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        app.screen.query_one("#set-lr").focus()
        await burst(app, pilot, ["backspace"] * 8 + list("0.37") + ["enter"])
        assert session_of(app).lr == 0.37 and not isinstance(app.screen, SettingsScreen)
        await pilot.press("c")
        app.screen.query_one("#set-data").focus()
        await burst(app, pilot, ["backspace"] * 8 + list("sine") + ["tab"] * 3 +
                    ["backspace"] * 4 + list("7") + ["enter"])
        await wait_until(pilot, lambda: session_of(app).config.data == "sine")
        assert session_of(app).config.hidden == (7,)


async def test_a_burst_loses_no_key_in_the_edit_dialog() -> None:
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "e")
        await burst(app, pilot, ["end"] + ["backspace"] * 12 + list("-0.25") + ["enter"])
        assert session_of(app).W[0][0, 0] == -0.25


# ---------------------------------------------------------------- modal screens

@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)], ids=str)
@pytest.mark.parametrize("key", ["question_mark", "c", "g", "x"])
async def test_modal_screens_leave_the_first_and_last_lines(size, key: str) -> None:
    app = notebook_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("s", key)
        await pilot.pause()
        assert len(app.screen_stack) == 2
        box = next(w for w in app.screen.query("VerticalScroll"))
        assert box.region.y >= 1 and box.region.bottom <= size[1] - 1
        assert app.query_one(StatusBar).region.y == 0


# ---------------------------------------------------------------- paging and columns

@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=str)
async def test_the_weights_keep_their_columns_when_arrows_appear(size) -> None:
    """Each value keeps a cell for its arrow before the first step: the arrows appearing
    move no column, and push none onto another line."""
    app = BackpropApp(session=open_session(Config(data="xor", hidden=(3,), seed=3)))
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(ParamsPane)

        def columns() -> list[list[int]]:  # where each number ends, line by line
            return [[m.end() for m in re.finditer(r"-?\d\.\d+(e-?\d+)?", line)]
                    for line in text_of(pane).splitlines()]

        before = columns()
        await pilot.press("s")
        await pilot.pause()
        assert "▲" in text_of(pane) or "▼" in text_of(pane)
        after = columns()
        assert before == after


async def test_the_picked_weight_stays_in_view() -> None:
    """The weights pane pages to whatever the network view picks: here 2-16-1, drawn as
    strips whose arrows pick units, so `down` picks the output unit's bias, b2, which sits
    on the pane's last page."""
    app = BackpropApp(session=open_session(Config(data="circle", hidden=(16,), seed=3)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "v", "right", "down")
        await pilot.pause()
        pane = app.query_one(ParamsPane)
        sel = app.main._network.selected
        assert pane.pick == (f"{sel.kind}{sel.layer + 1}", sel.i, sel.j) == ("b2", 0, 0)
        assert pane.pages > 1 and pane.page > 0
        text = text_of(pane)
        assert "b2" in text and num(view_of(app).b[1][0, 0]) in text


async def test_the_loss_axis_writes_its_numbers_as_the_loss_pane_does() -> None:
    app = notebook_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "r")
        await pilot.pause()
        text = text_of(app.query_one(LossPane))
        view = view_of(app)
        assert f"{loss(view.history.min())}▕" in text or f"{loss(view.loss_curve.min())}▕" in text
        assert f"now {loss(view.evaluation.loss)}" in text
