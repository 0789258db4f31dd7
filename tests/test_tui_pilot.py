"""The stepper driven by keys through Textual's Pilot, checked against the core itself.

Every number the app shows must be the core's: after `s` the app's session must hold the
very bits a core `Session.step()` produces on an identical session, and so on for each key.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from core import Config, UserError, open_session
from tui.app import BackpropApp
from tui.fmt import num
from tui.screens.help import HelpScreen
from tui.widgets.loss import LossPane
from tui.widgets.pane import Pane
from tui.widgets.textstyles import TextStyles

from .tui_helpers import (
    mounted,
    pane_shows,
    screen_shows,
    session_of,
    status_shows,
    status_text,
    view_of,
    wait_screen,
    wait_text,
    wait_until,
    workers_done,
)

SIZE = (80, 24)


def notebook(**kw) -> Config:
    return Config(preset="notebook", seed=7, **kw)


def make_app(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(notebook(**kw)))


async def at_epoch(pilot, app: BackpropApp, epoch: int) -> None:
    """Until the app's session has trained to `epoch`."""
    await wait_until(pilot, lambda: session_of(app).epoch == epoch, what=f"epoch {epoch}")


def same_params(a, b) -> bool:
    """Bit-for-bit equality of every W and b."""
    return all(np.array_equal(x, y) for x, y in zip(a.W, b.W, strict=True)) and \
        all(np.array_equal(x, y) for x, y in zip(a.b, b.b, strict=True))


async def test_start_screen_shows_epoch_0_and_nothing_computed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        text = await screen_shows(pilot, app, "Epoch 0", "2-2-1 linear", "lr 0.1", "gd",
                                  "weights: the notebook's", "W1 (2×2)", "b1 (1×2)",
                                  "W2 (2×1)", "Nothing computed yet",
                                  "predicted 118.3 / target 55",  # the first row, untrained
                                  "J = (1/2N)·Σ(ŷ−y)²")
        assert "Seed" not in text  # the notebook's weights: the seed draws none of them


@pytest.mark.parametrize("key", ["s", "space"])
async def test_step_key_is_exactly_one_core_step(key: str) -> None:
    app, twin = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await at_epoch(pilot, app, 1)
        twin.step()
        assert same_params(session_of(app), twin)
        assert view_of(app).epoch == 1 and "Epoch 1" in status_text(app)
        assert "Nothing computed yet" not in await screen_shows(pilot, app, "epoch 0's update")


async def test_step_shows_the_records_gradients_and_moves() -> None:
    app, twin = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        rec = twin.step()
        # dW2[0,0] as the gradients pane shows it; W1[0,0] fell in the first step
        await screen_shows(pilot, app, f"{rec.dW[1][0, 0]:+.4f}", f"{rec.W_after[0][0, 0]:.4f}▼")


async def test_run_key_advances_100_epochs_like_the_core() -> None:
    app, twin = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "r")
        await at_epoch(pilot, app, 101)
        twin.step()
        twin.run(100)
        assert same_params(session_of(app), twin)
        await status_shows(pilot, app, "Epoch 101")
        await screen_shows(pilot, app, "epoch 0–101")  # the loss chart ends at the loss now


async def test_new_seed_resets_to_epoch_0_with_a_different_seed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s", "n")
        await wait_until(pilot, lambda: session_of(app).seed != 7, what="a new seed")
        seed = session_of(app).seed
        assert session_of(app).epoch == 0 and seed != 7
        await status_shows(pilot, app, f"Seed {seed}", "left the notebook's weights · b undoes")
        fresh = open_session(Config(seed=seed))  # uniform init from that seed
        assert same_params(session_of(app), fresh)
        await screen_shows(pilot, app, "Nothing computed yet")


async def test_restart_reproduces_the_same_initial_weights() -> None:
    app, first = make_app(), open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await at_epoch(pilot, app, 100)
        await pilot.press("R")
        await at_epoch(pilot, app, 0)
        assert session_of(app).seed == 7 and same_params(session_of(app), first)
        await pilot.press("n")
        await wait_until(pilot, lambda: session_of(app).seed != 7, what="a new seed")
        after_n = open_session(Config(seed=session_of(app).seed))
        await pilot.press("s", "r")
        await at_epoch(pilot, app, 101)
        await pilot.press("R")
        await at_epoch(pilot, app, 0)
        assert same_params(session_of(app), after_n)


async def test_divergence_is_shown_in_words_without_crashing_and_n_recovers() -> None:
    app = make_app(lr=50)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: view_of(app).diverged, what="diverged")
        text = (await screen_shows(pilot, app, "DIVERGED at epoch "
                                   f"{view_of(app).diverged_at}")).lower()
        assert "nan" not in text and "inf" not in text
        await pilot.press("s", "r")  # refused politely, not raised
        await status_shows(pilot, app, "b steps back")
        assert view_of(app).diverged and app.is_running
        await pilot.press("R")
        await wait_until(pilot, lambda: not view_of(app).diverged, what="R's fresh start")
        assert session_of(app).epoch == 0
        await pilot.press("r")
        await wait_until(pilot, lambda: view_of(app).diverged, what="diverged again")
        await pilot.press("n")
        await wait_until(pilot, lambda: session_of(app).seed != 7, what="a new seed")
        assert not view_of(app).diverged and session_of(app).epoch == 0


async def test_resize_to_tiny_shows_a_message_and_back_restores() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await at_epoch(pilot, app, 1)
        await pilot.resize_terminal(40, 12)
        body = app.query_one("#body")
        await wait_until(pilot, lambda: app.main.has_class("-tiny") and (
            not body.display or not body.region.area), what="the panes hidden")
        too_small = await mounted(pilot, app, "#too-small")
        await wait_text(pilot, lambda: str(too_small.render()), "Enlarge the terminal")
        await pilot.resize_terminal(*SIZE)
        await wait_until(pilot, lambda: not app.main.has_class("-tiny") and all(
            pane.region.area for pane in app.query(Pane) if pane.display),
            what="the panes back")
        await status_shows(pilot, app, "Epoch 1")
        await screen_shows(pilot, app, "W1 (2×2)")


async def test_wide_terminal_shows_more_detail() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("s")
        await at_epoch(pilot, app, 1)
        assert app.main.has_class("-wide")
        rec = view_of(app).last
        await screen_shows(pilot, app, "delta2 (4×1)", "delta1 (4×2)", "forward pass",
                           "normalised ŷ / y",
                           num(rec.W_change[0][0, 0], signed=True))  # the change


async def test_log_key_toggles_the_chart_scale() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await at_epoch(pilot, app, 100)
        await screen_shows(pilot, app, "log scale")
        await pilot.press("l")
        await wait_until(pilot, lambda: not app.query_one(LossPane).log_scale, what="linear")
        await screen_shows(pilot, app, "linear scale")


async def test_help_screen_explains_panes_keys_and_the_six_steps() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_text = (await wait_screen(pilot, app, HelpScreen)).query_one("#help-text")
        await wait_text(pilot, lambda: str(help_text.render()),
                        "Dataset", "Weights", "Gradients", "Loss", "Status", "new seed",
                        "restart", "log", "quit", "1 Forward pass", "2 Loss", "3 Output layer",
                        "4 Hidden layer", "5 Update", "6 Repeat", "delta1 = delta2·W2ᵀ")
        await pilot.press("escape")
        await wait_screen(pilot, app)


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_keys_leave_cleanly(key: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await wait_until(pilot, lambda: not app.is_running, what="the app closed")
    assert app.return_code == 0


async def test_every_key_is_a_palette_command() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = " ".join(cmd.title for cmd in app.get_system_commands(app.screen))
        for key in ("(s or space)", "(r)", "(n)", "(R)", "(l)", "(?)"):
            assert key in titles
        step = next(c for c in app.get_system_commands(app.screen) if "(s or space)" in c.title)
        step.callback()
        await at_epoch(pilot, app, 1)


class Recording(BackpropApp):
    """Notes each threaded run's messages (Textual also calls the base class's handler)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.messages: list[object] = []

    def on_run_progress(self, message) -> None:
        self.messages.append(message)

    def on_run_finished(self, message) -> None:
        self.messages.append(message)

    def saw(self, kind: str) -> bool:
        """A message of this kind (RunProgress, RunFinished) has arrived."""
        return any(type(m).__name__ == kind for m in self.messages)


async def test_threaded_run_matches_the_core() -> None:
    app = Recording(session=open_session(notebook()), sync_work=0)
    twin = open_session(notebook())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until(pilot, partial(app.saw, "RunFinished"), what="the run finished")
        twin.run(100)
        assert not app.stepper.running and session_of(app).epoch == 100
        assert same_params(session_of(app), twin)
        await status_shows(pilot, app, "Epoch 100")
        done = app.messages[-1]
        assert type(done).__name__ == "RunFinished" and (done.done, done.total) == (100, 100)


async def test_second_r_or_escape_stops_a_long_threaded_run() -> None:
    for stop_key in ("r", "escape"):
        app = Recording(session=open_session(notebook()), sync_work=0)
        app.stepper.run_epochs = 10_000_000
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            # a progress frame: the run is under way
            await wait_until(pilot, partial(app.saw, "RunProgress"), what="a progress frame")
            assert app.stepper.running
            await status_shows(pilot, app, "running")
            await pilot.press("s")  # the UI stays responsive and keeps the session safe
            await pilot.press(stop_key)
            await wait_until(pilot, partial(app.saw, "RunFinished"), what="the run ended")
            assert not app.stepper.running
            assert 0 < session_of(app).epoch < 10_000_000
            await status_shows(pilot, app, f"Epoch {session_of(app).epoch}", "stopped after")
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
        await workers_done(app)
        await wait_until(pilot, lambda: not app.stepper.running)
        epoch = session_of(app).epoch
        assert epoch < 10_000_000
        await pilot.press("s")  # and the app takes keys again (one epoch, in a thread here)
        await wait_until(pilot, lambda: not app.stepper.running and
                         session_of(app).epoch == epoch + 1, what="one more epoch")
        await status_shows(pilot, app, f"Epoch {epoch + 1}")


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
        assert session_of(app) is not None
        await status_shows(pilot, app, "Epoch 0")
        await pilot.press("s")
        await at_epoch(pilot, app, 1)


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
        expect = {("v",): "network", ("v", "v"): "output", ("f",): "dataset",
                  ("v", "f", "escape"): "network"}[keys]
        pane = await mounted(pilot, app, f"#{expect}")
        await wait_until(pilot, lambda: app.main.top == expect, what=expect)
        await pane_shows(pilot, pane, "opening the network")
        assert pane.body.size.height > 0 and session_of(app) is None


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
        await wait_until(pilot, lambda: [p.id for p in app.query_one("#top").children] ==
                         ["dataset", "formula", "network", "output", "chain", "health",
                          "confusion"], what="the top slot's panes")
        await wait_until(pilot, lambda: app.main.top == "network", what="the network pane")
        await pane_shows(pilot, await mounted(pilot, app, "#network"), "W1")


async def test_a_step_repaints_without_a_layout_pass(monkeypatch) -> None:
    """A layout pass reflows the whole screen, most of a step's time: `s` and `r` must
    repaint the numbers only (a hidden pane once asked for one on every step)."""
    from textual.widget import Widget

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await at_epoch(pilot, app, 1)
        await pilot.pause()
        layouts: list[str] = []
        real = Widget.refresh

        def counted(self, *regions, layout: bool = False, **kwargs):
            if layout:
                layouts.append(type(self).__name__)
            return real(self, *regions, layout=layout, **kwargs)

        monkeypatch.setattr(Widget, "refresh", counted)
        loss = app.query_one(LossPane)
        scale = loss.log_scale
        for key, epoch in (("s", 2), ("r", 102), ("s", 103)):
            await pilot.press(key)
            await at_epoch(pilot, app, epoch)
        await pilot.press("l")
        await wait_until(pilot, lambda: loss.log_scale != scale, what="the other scale")
        await pilot.pause()
        assert layouts == []


async def test_weights_that_do_not_fit_page_through_with_m() -> None:
    """At 80×24 a 2-16-1 network's weights do not fit: the pane pages instead of cutting
    them, its last line says so, the footer names m, and m brings every value on screen."""
    app = BackpropApp(session=open_session(Config(data="circle", hidden=(16,), seed=3)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await at_epoch(pilot, app, 1)
        pane = app.query_one("#params", Pane)
        await wait_until(pilot, lambda: pane.pages > 1, what="the weights pane paging")
        size = pane.body.size
        first = pane.draw(size.width, size.height).plain
        assert size.height == pane.size.height  # the body fills the pane
        assert f"page 1/{pane.pages} · m more" in first and pane.pages > 1
        await wait_until(pilot, lambda: app.main.active_bindings["m"].binding.show,
                         what="m in the footer")  # the footer names the key
        seen = []
        for k in range(pane.pages):
            seen.append(pane.draw(size.width, size.height).plain)
            await pilot.press("m")
            await wait_until(pilot, lambda k=k: pane.page == (k + 1) % pane.pages,
                             what=f"page {k + 2}")
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
        await at_epoch(pilot, app, 1)
        params, loss = app.query_one("#params", Pane), app.query_one(LossPane)
        await wait_until(pilot, lambda: params.pages > 1, what="the weights pane paging")
        assert params.body.size.height <= 48 * 3 // 10
        assert loss.region.height >= 10 and loss.region.bottom <= 47
        text = params.draw(*params.body.size).plain
        assert "W1 (2×64) units 1–" in text and f"page 1/{params.pages} · m more" in text
