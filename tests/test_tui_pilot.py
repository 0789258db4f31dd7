"""The stepper driven by keys through Textual's Pilot, checked against the core itself.

Every number the app shows must be the core's: after `s` the app's session must hold the
very bits a core `Session.step()` produces on an identical session, and so on for each key.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import Config, UserError, open_session
from tui.app import BackpropApp
from tui.fmt import num
from tui.screens.help import HelpScreen
from tui.widgets.loss import LossPane
from tui.widgets.pane import Pane
from tui.widgets.textstyles import TextStyles

from .tui_helpers import screen_text, session_of, status_text, view_of, wait_until

SIZE = (80, 24)


def notebook(**kw) -> Config:
    return Config(preset="notebook", seed=7, **kw)


def make_app(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(notebook(**kw)))




def same_params(a, b) -> bool:
    """Bit-for-bit equality of every W and b."""
    return all(np.array_equal(x, y) for x, y in zip(a.W, b.W, strict=True)) and \
        all(np.array_equal(x, y) for x, y in zip(a.b, b.b, strict=True))


async def test_start_screen_shows_epoch_0_and_nothing_computed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Epoch 0" in text and "2-2-1 linear" in text
        assert "weights: the notebook's" in text and "Seed" not in text  # the seed draws none
        assert "lr 0.1" in text and "gd" in text
        assert "W1 (2×2)" in text and "b1 (1×2)" in text and "W2 (2×1)" in text
        assert "Nothing computed yet" in text
        assert "predicted 118.3 / target 55" in text  # the notebook's first row, untrained
        assert "J = (1/2N)·Σ(ŷ−y)²" in text


@pytest.mark.parametrize("key", ["s", "space"])
async def test_step_key_is_exactly_one_core_step(key: str) -> None:
    app, twin = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        twin.step()
        assert session_of(app).epoch == twin.epoch == 1
        assert same_params(session_of(app), twin)
        assert view_of(app).epoch == 1 and "Epoch 1" in status_text(app)
        assert "Nothing computed yet" not in screen_text(app)
        assert "epoch 0's update" in screen_text(app)


async def test_step_shows_the_records_gradients_and_moves() -> None:
    app, twin = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        rec = twin.step()
        text = screen_text(app)
        assert f"{rec.dW[1][0, 0]:+.4f}" in text  # dW2[0,0] as the gradients pane shows it
        assert f"{rec.W_after[0][0, 0]:.4f}▼" in text  # W1[0,0] fell in the first step


async def test_run_key_advances_100_epochs_like_the_core() -> None:
    app, twin = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "r")
        await pilot.pause()
        twin.step()
        twin.run(100)
        assert session_of(app).epoch == 101
        assert same_params(session_of(app), twin)
        assert "Epoch 101" in status_text(app)
        assert "epoch 0–101" in screen_text(app)  # the loss chart ends at the loss now


async def test_new_seed_resets_to_epoch_0_with_a_different_seed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s", "n")
        await pilot.pause()
        seed = session_of(app).seed
        assert session_of(app).epoch == 0 and seed != 7
        assert f"Seed {seed}" in status_text(app)
        assert "left the notebook's weights · b undoes" in status_text(app)
        fresh = open_session(Config(seed=seed))  # uniform init from that seed
        assert same_params(session_of(app), fresh)
        assert "Nothing computed yet" in screen_text(app)


async def test_restart_reproduces_the_same_initial_weights() -> None:
    app, first = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "R")
        await pilot.pause()
        assert session_of(app).epoch == 0 and session_of(app).seed == 7
        assert same_params(session_of(app), first)
        await pilot.press("n")
        await pilot.pause()
        after_n = open_session(Config(seed=session_of(app).seed))
        await pilot.press("s", "r", "R")
        await pilot.pause()
        assert session_of(app).epoch == 0
        assert same_params(session_of(app), after_n)


async def test_divergence_is_shown_in_words_without_crashing_and_n_recovers() -> None:
    app = make_app(lr=50)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert view_of(app).diverged
        text = screen_text(app).lower()
        assert f"diverged at epoch {view_of(app).diverged_at}" in text
        assert "nan" not in text and "inf" not in text
        await pilot.press("s", "r")  # refused politely, not raised
        await pilot.pause()
        assert view_of(app).diverged and app.is_running
        await pilot.press("R")
        await pilot.pause()
        assert not view_of(app).diverged and session_of(app).epoch == 0
        await pilot.press("r", "n")
        await pilot.pause()
        assert not view_of(app).diverged and session_of(app).epoch == 0


async def test_resize_to_tiny_shows_a_message_and_back_restores() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.main.has_class("-tiny")
        assert not app.query_one("#body").display or \
            not app.query_one("#body").region.area
        assert "Enlarge the terminal" in str(app.query_one("#too-small").render())
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert not app.main.has_class("-tiny")
        assert all(pane.region.area for pane in app.query(Pane) if pane.display)
        assert "Epoch 1" in status_text(app) and "W1 (2×2)" in screen_text(app)


async def test_wide_terminal_shows_more_detail() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        text = screen_text(app)
        assert app.main.has_class("-wide")
        for name in ("delta2 (4×1)", "delta1 (4×2)", "forward pass", "normalised ŷ / y"):
            assert name in text
        rec = view_of(app).last
        assert num(rec.W_change[0][0, 0], signed=True) in text  # the change


async def test_log_key_toggles_the_chart_scale() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert "log scale" in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert not app.query_one(LossPane).log_scale
        assert "linear scale" in screen_text(app)


async def test_help_screen_explains_panes_keys_and_the_six_steps() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for needle in ("Dataset", "Weights", "Gradients", "Loss", "Status", "new seed",
                       "restart", "log", "quit", "1 Forward pass", "2 Loss", "3 Output layer",
                       "4 Hidden layer", "5 Update", "6 Repeat", "delta1 = delta2·W2ᵀ"):
            assert needle in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_keys_leave_cleanly(key: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_every_key_is_a_palette_command() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = " ".join(cmd.title for cmd in app.get_system_commands(app.screen))
        for key in ("(s or space)", "(r)", "(n)", "(R)", "(l)", "(?)"):
            assert key in titles
        step = next(c for c in app.get_system_commands(app.screen) if "(s or space)" in c.title)
        step.callback()
        await pilot.pause()
        assert session_of(app).epoch == 1


class Recording(BackpropApp):
    """Notes each threaded run's messages (Textual also calls the base class's handler)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.messages: list[object] = []

    def on_run_progress(self, message) -> None:
        self.messages.append(message)

    def on_run_finished(self, message) -> None:
        self.messages.append(message)


async def test_threaded_run_matches_the_core() -> None:
    app = Recording(session=open_session(notebook()), sync_work=0)
    twin = open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        twin.run(100)
        assert not app.stepper.running and session_of(app).epoch == 100
        assert same_params(session_of(app), twin)
        assert "Epoch 100" in status_text(app)
        done = app.messages[-1]
        assert type(done).__name__ == "RunFinished" and (done.done, done.total) == (100, 100)


async def test_second_r_or_escape_stops_a_long_threaded_run() -> None:
    for stop_key in ("r", "escape"):
        app = Recording(session=open_session(notebook()), sync_work=0)
        app.stepper.run_epochs = 10_000_000
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await wait_until(pilot, lambda: any(  # a progress frame: the run is under way
                type(m).__name__ == "RunProgress" for m in app.messages))  # noqa: B023
            assert app.stepper.running and "running" in status_text(app)
            await pilot.press("s")  # the UI stays responsive and keeps the session safe
            await pilot.press(stop_key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not app.stepper.running
            assert 0 < session_of(app).epoch < 10_000_000
            assert f"Epoch {session_of(app).epoch}" in status_text(app)
            assert "stopped after" in status_text(app)
            kinds = [type(m).__name__ for m in app.messages]
            assert "RunProgress" in kinds and kinds[-1] == "RunFinished"
            # one progress message per frame at most, never one per epoch
            assert kinds.count("RunProgress") < session_of(app).epoch


async def test_a_run_stopped_before_its_thread_starts_still_finishes() -> None:
    """r then escape in one burst: the stop can come before the worker's thread has begun.
    The run must still end (RunFinished), or the app would stay `running` for ever."""
    app = Recording(session=open_session(notebook()), sync_work=0)
    app.stepper.run_epochs = 10_000_000
    async with app.run_test(size=SIZE) as pilot:
        app.main.action_run()
        app.main.action_stop()
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: not app.stepper.running)
        assert session_of(app).epoch < 10_000_000
        await pilot.press("s")  # and the app takes keys again
        await pilot.pause()
        assert not app.stepper.running and "Epoch" in status_text(app)


async def test_bad_options_exit_2_with_the_message() -> None:
    def opener():
        raise UserError("--lr must be a number above 0")

    app = BackpropApp(opener=opener)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    assert "--lr must be" in str(app.startup_error)


async def opened(app: BackpropApp, pilot) -> None:
    """Wait for the opener's thread to hand the app its session."""
    await wait_until(pilot, lambda: view_of(app) is not None)


async def test_opener_fills_the_panes_after_the_first_frame() -> None:
    app = BackpropApp(opener=lambda: open_session(notebook()))
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        assert session_of(app) is not None and "Epoch 0" in status_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert session_of(app).epoch == 1


class NoEarlyPanes(BackpropApp):
    """The `backprop` command's app frozen before Ready: the first frame is up, and
    neither the late widgets nor the session are there yet."""

    def __init__(self) -> None:
        super().__init__(opener=lambda: open_session(notebook()))

    def on_ready(self, event) -> None:
        event.prevent_default()  # Textual would call BackpropApp.on_ready too


@pytest.mark.parametrize("keys", [("v",), ("v", "v"), ("f",), ("v", "f", "escape")])
async def test_keys_before_the_late_widgets_are_mounted(keys) -> None:
    """A key pressed before Ready mounts what it needs; nothing crashes."""
    app = NoEarlyPanes()
    async with app.run_test(size=SIZE) as pilot:
        assert len(app.query_one("#top").children) == 1 and not app.query(TextStyles)
        await pilot.press(*keys)
        await pilot.pause()
        expect = {("v",): "network", ("v", "v"): "output", ("f",): "dataset",
                  ("v", "f", "escape"): "network"}[keys]
        assert app.main.top == expect and session_of(app) is None
        pane = app.query_one(f"#{expect}", Pane)
        assert pane.body.size.height > 0
        assert "opening the network" in pane.draw(*pane.body.size).plain


async def test_late_widgets_join_after_the_first_frame_and_show_the_view() -> None:
    """The first frame holds only what it shows: the text colours join on Ready, the
    formula, network and output panes when first shown, and then draw the view."""
    early = NoEarlyPanes()
    async with early.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [p.id for p in early.query_one("#top").children] == ["dataset"]
        assert not early.query(TextStyles)
    app = BackpropApp(opener=lambda: open_session(notebook()))
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        assert [p.id for p in app.query_one("#top").children] == ["dataset"]
        assert len(app.query(TextStyles)) == 1
        await pilot.press("s", "v")
        assert [p.id for p in app.query_one("#top").children] == \
            ["dataset", "formula", "network", "output", "chain", "health", "confusion"]
        await pilot.pause()
        assert app.main.top == "network"
        pane = app.query_one("#network", Pane)
        assert "W1" in pane.draw(*pane.body.size).plain


async def test_a_step_repaints_without_a_layout_pass(monkeypatch) -> None:
    """A layout pass reflows the whole screen, most of a step's time: `s` and `r` must
    repaint the numbers only (a hidden pane once asked for one on every step)."""
    from textual.widget import Widget

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        layouts: list[str] = []
        real = Widget.refresh

        def counted(self, *regions, layout: bool = False, **kwargs):
            if layout:
                layouts.append(type(self).__name__)
            return real(self, *regions, layout=layout, **kwargs)

        monkeypatch.setattr(Widget, "refresh", counted)
        for key in ("s", "r", "s", "l"):
            await pilot.press(key)
            await pilot.pause()
        assert session_of(app).epoch == 103
        assert layouts == []


async def test_weights_that_do_not_fit_page_through_with_m() -> None:
    """At 80×24 a 2-16-1 network's weights do not fit: the pane pages instead of cutting
    them, its last line says so, the footer names m, and m brings every value on screen."""
    app = BackpropApp(session=open_session(Config(data="circle", hidden=(16,), seed=3)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        pane = app.query_one("#params", Pane)
        size = pane.body.size
        first = pane.draw(size.width, size.height).plain
        assert size.height == pane.size.height  # the body fills the pane
        assert f"page 1/{pane.pages} · m more" in first and pane.pages > 1
        assert app.main.active_bindings["m"].binding.show  # the footer names the key
        seen = []
        for _ in range(pane.pages):
            seen.append(pane.draw(size.width, size.height).plain)
            await pilot.press("m")
            await pilot.pause()
        assert pane.draw(size.width, size.height).plain == first  # round to page 1 again
        text = "\n".join(seen)
        view = view_of(app)
        for values in (*view.W, *view.b):
            for v in values.ravel():
                assert num(v) in text
        assert "enlarge the terminal" not in text


async def test_wide_layout_keeps_the_loss_chart_beside_a_big_network() -> None:
    """Wide, the weights pane grows with the network, but not past three tenths of the
    screen: a 2-64-1 network must leave the loss chart its room (it once pushed it off)."""
    app = BackpropApp(session=open_session(Config(data="circle", hidden=(64,), seed=3)))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        params, loss = app.query_one("#params", Pane), app.query_one(LossPane)
        assert params.body.size.height <= 48 * 3 // 10
        assert loss.region.height >= 10 and loss.region.bottom <= 47
        text = params.draw(*params.body.size).plain
        assert "W1 (2×64) units 1–" in text and f"page 1/{params.pages} · m more" in text
