"""Two runs in the stepper (no Textual): the keys that act on both runs keep each run equal to
the same run trained alone; tab changes only what is shown; a divergence stops only its run;
C's form and D; and, with Pilot, what the screen shows of both runs."""

from __future__ import annotations

import numpy as np
import pytest

from core import Config, load_runs, open_compare, open_session
from tests.tui_helpers import screen_shows, screen_text, status_text, wait_screen, wait_until
from tui.app import BackpropApp
from tui.screens.settings import SettingsScreen
from tui.stepper import Stepper


def pair(text="--lr 0.5", given=None, **kw):
    a = open_session(Config(preset="notebook", seed=7, **kw))
    return open_compare(a, given or {"lr": 0.5}, text)


def alone(**kw):
    return open_session(Config(preset="notebook", seed=7, **kw))


def test_step_run_back_act_on_both_as_each_alone() -> None:
    st = Stepper(pair())
    a, b = alone(), alone(lr=0.5)
    st.step()
    st.run()
    for s in (a, b):
        s.step()
        s.run(100)
    assert np.array_equal(st.session.params(), a.params())
    assert np.array_equal(st.pair.b.params(), b.params())
    out = st.back()
    assert out.redraw and "A: ← back to epoch 100" in out.note and "B: ← back to epoch 100" \
        in out.note
    assert st.session.epoch == st.pair.b.epoch == 100


def test_lr_keys_scale_both_runs_and_b_takes_both_back() -> None:
    st = Stepper(pair())
    out = st.change_lr(0.5)
    assert out.note == "lr A 0.1 → 0.05, B 0.5 → 0.25"
    assert (st.session.lr, st.pair.b.lr) == (0.05, 0.25)
    st.back()
    assert (st.session.lr, st.pair.b.lr) == (0.1, 0.5)


def test_n_and_r_start_both_over_with_one_seed() -> None:
    st = Stepper(pair())
    st.run()
    out = st.reset()
    assert "both runs" in out.note and st.session.epoch == st.pair.b.epoch == 0
    assert st.session.seed == st.pair.b.seed != 7
    assert np.array_equal(st.session.params(), st.pair.b.params())
    st.run()
    st.restart()
    assert st.session.epoch == st.pair.b.epoch == 0


def test_tab_shows_the_other_run_and_nothing_else_changes() -> None:
    st = Stepper(pair())
    st.step()
    assert st.view().compare.shown == "A" and st.view().lr == 0.1
    out = st.switch_run()
    assert out.note == "showing run B (lr 0.5)" and st.shown == "B"
    v = st.view()
    assert v.lr == 0.5 and v.compare.shown == "B" and st.session.epoch == 1
    assert [r.name for r in v.compare.runs] == ["A", "B"]
    one = Stepper(alone())
    assert one.switch_run().bell


def test_a_divergence_in_one_run_stops_neither() -> None:
    st = Stepper(pair("--lr 50", {"lr": 50.0}))
    out = st.run()
    assert st.pair.b.diverged and not st.session.diverged and st.session.epoch == 100
    assert out.note.startswith("run B diverged at epoch")
    assert not st.diverged  # A can still train: s goes on
    st.step()
    assert st.session.epoch == 101
    v = st.view()
    assert v.compare.run("B").diverged and not v.compare.run("A").diverged


def test_compare_with_restarts_a_and_drop_leaves_one_run() -> None:
    st = Stepper(alone())
    st.run()
    out = st.compare_with(open_compare(st.session, {"activation": "tanh"},
                                       "--activation tanh"))
    assert "A restarted" in out.note and st.session.epoch == 0 and st.shown == "B"
    st.step()
    assert st.pair.b.epoch == 1
    assert st.drop_compare().note == "← run B dropped" and st.pair is None
    assert st.drop_compare().bell


def test_settings_for_a_keep_b_on_top() -> None:
    st = Stepper(pair())
    new_a = open_session(Config(preset="notebook", seed=7, activation="tanh"))
    st.use(new_a)
    assert st.pair.a is new_a and st.pair.b.config.activation == "tanh"
    assert st.pair.b.config.lr == 0.5


def test_threaded_runs_train_both(tmp_path) -> None:
    st = Stepper(pair(), sync_work=0)
    out = st.run()
    assert out.job is not None
    _, done, halted = st.run_job(100, lambda *_: None)
    st.finish_run(done, 100, halted)
    assert done == 100 and not halted and st.session.epoch == st.pair.b.epoch == 100
    b = alone(lr=0.5)
    b.run(100)
    assert np.array_equal(st.pair.b.params(), b.params())


def test_save_keeps_both_runs(tmp_path) -> None:
    st = Stepper(pair(), save_to=str(tmp_path / "s.json"))
    st.run()
    assert st.save().message[0] == "Saved"
    _, c = load_runs(str(tmp_path / "s.json"))
    assert c is not None and c.b.epoch == 100 and c.text == "--lr 0.5"


# ---------------------------------------------------------------- the screen


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_the_screen_shows_both_runs(size) -> None:
    app = BackpropApp(pair())
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: app.stepper.idle)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.stepper.session.epoch == 100)
        await pilot.pause()
        a, b = (s.evaluate().loss for s in app.stepper.runs)
        text = screen_text(app)
        assert f"{a:.6f}" in text and f"{b:.6f}" in text
        assert "B: lr 0.5" in text and "Loss: A and B" in text
        assert "lr A 0.1 B 0.5" in status_text(app)
        assert "A · Weights & biases" in text and "A · Gradients" in text
        await pilot.press("tab")
        await pilot.pause()
        text = screen_text(app)
        assert "B · Weights & biases" in text and "B · Dataset" in text
        await pilot.press("D")
        await pilot.pause()
        assert app.stepper.pair is None and "B ·" not in screen_text(app)


async def test_c_opens_run_bs_form_and_applying_it_starts_b() -> None:
    app = BackpropApp(alone())
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.stepper.idle)
        await pilot.press("C")
        form = await wait_screen(pilot, app, SettingsScreen)
        assert "Run B's settings" in str(form.query_one("#settings-box").border_title)
        lr = form.query_one("#set-lr")
        lr.value = "0.7"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.stepper.pair is not None)
        await wait_screen(pilot, app)
        assert app.stepper.pair.text == "--lr 0.7" and app.stepper.pair.b.lr == 0.7
        await screen_shows(pilot, app, "B: lr 0.7")
        await pilot.press("C")
        (await wait_screen(pilot, app, SettingsScreen)).query_one("#set-data").value = "xor"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "changes the data" in str(
            app.screen.query_one("#err-data").render()))
