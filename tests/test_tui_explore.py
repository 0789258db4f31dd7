"""Explore: the settings form (`c`), the network pane (arrows, `e`), the output
pane and the held-out loss, driven by keys through Pilot and checked against the core;
snapshots of the network and output panes; and the real command in a pty.
"""

from __future__ import annotations

import numpy as np
import pytest
from textual.widgets import Input

from core import Config, open_session
from tui.app import BackpropApp
from tui.fmt import num
from tui.screens.settings import EditValueScreen, SettingsScreen
from tui.widgets.loss import LossPane
from tui.widgets.network import NetworkPane
from tui.widgets.output import OutputPane
from tui.widgets.params import ParamsPane

from .test_tui_pty import term_factory  # noqa: F401  (a fixture)
from .tui_helpers import (
    mounted,
    pane_shows,
    pane_text,
    session_of,
    snapshot_of,
    status_shows,
    status_text,
    view_of,
    wait_screen,
    wait_until,
)

SIZE = (80, 24)
SIZES = [(80, 24), (160, 48)]


def app_for(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(Config(**kw)))


async def note_says(pilot, screen, field: str, message: str) -> None:
    """Until the note beside a form's field shows `message` as an error."""
    note = screen.query_one(f"#err-{field}")
    await wait_until(pilot, lambda: note.has_class("-error") and message in str(note.content),
                     what=f"{message!r} beside {field}")


async def applied(pilot, app: BackpropApp) -> None:
    """Until the settings form has closed (its session opened in a thread, or the lr set)."""
    await wait_screen(pilot, app)


# ---------------------------------------------------------------- the settings form

async def test_settings_refuse_bad_values_beside_the_field() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        before = session_of(app)
        await pilot.press("c")
        screen = await wait_screen(pilot, app, SettingsScreen)
        cases = [("hidden", "0,2", "--hidden: each layer needs 1 to"),
                 ("hidden", "two", "expected whole numbers"),
                 ("lr", "-1", "learning rate must be above 0"),
                 ("lr", "fast", "expected a number"),
                 ("test_fraction", "0.95", "--test-fraction must be"),
                 ("batch_size", "3", "gd always uses the full batch"),
                 ("data", "nosuch", "no such file, and not a built-in dataset")]
        for name, text, message in cases:
            field = screen.query_one(f"#set-{name}")
            field.value = text
            await pilot.press("enter")
            await note_says(pilot, screen, name, message)
            await wait_until(pilot, lambda: not screen.busy)  # the opening thread is done
            assert app.screen is screen, name  # refused: the form stays open
            field.value = screen.initial[name]
        assert session_of(app) is before  # nothing was applied


async def test_bce_brings_its_sigmoid_and_a_mismatch_is_said_beside_the_field() -> None:
    """As on the command line, picking bce sets the output activation it needs; setting it
    back by hand is refused beside that field."""
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = await wait_screen(pilot, app, SettingsScreen)
        screen.query_one("#set-loss").focus()
        await pilot.press("b")  # the first letter picks bce
        output = screen.query_one("#set-output_activation")
        await wait_until(pilot, lambda: output.value == "sigmoid", what="a sigmoid output")
        output.set_value("linear")
        await pilot.press("enter")
        await note_says(pilot, screen, "output_activation",
                        "bce loss needs --output-activation sigmoid")
        await pilot.press("escape")
        await wait_screen(pilot, app)
        assert session_of(app).config.loss == "mse"


async def test_apply_rebuilds_the_session_with_the_new_activation() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c")
        screen = await wait_screen(pilot, app, SettingsScreen)
        screen.query_one("#set-activation").focus()
        await pilot.press("t")  # tanh
        await wait_until(pilot, lambda: screen.query_one("#set-activation").value == "tanh")
        await pilot.press("enter")
        await applied(pilot, app)
        # at 80 columns the note takes the network's place in the status line
        await status_shows(pilot, app, "Epoch 0", "← applied · b undoes")
        assert view_of(app).description == "2-2-1 tanh→linear"
        twin = open_session(Config(preset="notebook", seed=7, activation="tanh"))
        assert np.array_equal(session_of(app).params(), twin.params())
        await pilot.press("s")  # keys reach the app again
        await wait_until(pilot, lambda: session_of(app).epoch == 1, what="epoch 1")


async def test_a_learning_rate_change_alone_is_live_and_undoable() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")
        await wait_until(pilot, lambda: session_of(app).epoch == 2, what="epoch 2")
        before = session_of(app)
        await pilot.press("c")
        (await wait_screen(pilot, app, SettingsScreen)).query_one("#set-lr").value = "0.05"
        await pilot.press("enter")
        await applied(pilot, app)
        await status_shows(pilot, app, "lr 0.05")
        assert session_of(app) is before and session_of(app).epoch == 2
        assert session_of(app).lr == 0.05 and "lr 0.05" in status_text(app)
        assert session_of(app).undo() and session_of(app).lr == 0.1


async def test_changing_the_dataset_takes_its_defaults() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = await wait_screen(pilot, app, SettingsScreen)
        screen.query_one("#set-data").value = "xor"
        await wait_until(pilot, lambda: screen.query_one("#set-hidden").value == "4",
                         what="xor's defaults in the form")
        screen.query_one("#set-test_fraction").value = "0"
        await pilot.press("enter")
        await applied(pilot, app)
        await status_shows(pilot, app, "2-4-1 tanh→sigmoid")
        cfg = session_of(app).config
        assert cfg.data == "xor" and cfg.hidden == (4,) and cfg.loss == "bce"
        assert cfg.seed == 7 and view_of(app).description == "2-4-1 tanh→sigmoid"


async def test_csv_columns_in_the_form_and_a_built_in_dataset_clears_them(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;b;c;y\n" + "".join(f"{k};{k % 3},5;{k * 2};{k + 1}\n"
                                          for k in range(8)))
    app = app_for(data=str(path), seed=2)
    async with app.run_test(size=SIZE) as pilot:
        assert session_of(app).dataset.feature_names == ("a", "b", "c")  # ; and , detected
        await pilot.press("c")
        (await wait_screen(pilot, app, SettingsScreen)).query_one("#set-drop").value = "b"
        await pilot.press("enter")
        await applied(pilot, app)
        await wait_until(pilot, lambda: session_of(app).dataset.feature_names == ("a", "c"),
                         what="b dropped")
        await pilot.press("c")
        screen = await wait_screen(pilot, app, SettingsScreen)
        assert screen.query_one("#set-drop").value == "b"
        screen.query_one("#set-data").value = "xor"  # --drop would be refused for it
        await wait_until(pilot, lambda: screen.query_one("#set-drop").value == "",
                         what="--drop cleared")
        await pilot.press("enter")
        await applied(pilot, app)
        await wait_until(pilot, lambda: session_of(app).config.data == "xor", what="xor")
        assert session_of(app).config.drop is None


async def test_escape_cancels_and_changes_nothing() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        before = session_of(app)
        await pilot.press("c")
        (await wait_screen(pilot, app, SettingsScreen)).query_one("#set-hidden").value = "5"
        await pilot.press("escape")
        await wait_screen(pilot, app)
        assert session_of(app) is before and session_of(app).config.hidden == (2,)


# ---------------------------------------------------------------- the network pane

async def test_v_cycles_the_top_pane() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        seen = [app.main.top]
        for want in ("network", "output", "chain", "health", "dataset"):
            await pilot.press("v")
            await wait_until(pilot, lambda: app.main.top == want, what=want)  # noqa: B023
            seen.append(app.main.top)
        assert seen == ["dataset", "network", "output", "chain", "health", "dataset"]


async def test_arrows_pick_a_weight_and_e_edits_it_undoably() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "down", "right", "left")
        pane = await mounted(pilot, app, NetworkPane)
        await pane_shows(pilot, pane, "W1[0,1] = 0.4410")  # the notebook's printed W1[0,1]
        assert pane.selected.name == "W1[0,1]"
        await pilot.press("e")
        editor = await wait_screen(pilot, app, EditValueScreen)
        note = editor.query_one("#edit-note")
        editor.query_one("#edit-value").value = "lots"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "expected a number" in str(note.content))
        assert app.screen is editor
        editor.query_one("#edit-value").value = "1e9"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "within ±1e6" in str(note.content))
        assert app.screen is editor
        editor.query_one("#edit-value").value = "-0.25"
        await pilot.press("enter")
        await wait_screen(pilot, app)
        assert session_of(app).W[0][0, 1] == -0.25 and view_of(app).W[0][0, 1] == -0.25
        await pane_shows(pilot, pane, "W1[0,1] = -0.2500")
        assert session_of(app).undo() and session_of(app).W[0][0, 1] == 0.44097337
        await pilot.press("s")  # the editor's input has gone: keys reach the app
        await wait_until(pilot, lambda: session_of(app).epoch == 1, what="epoch 1")


async def test_bias_selection_and_layer_clamp() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "right", "down", "down", "down", "right")
        pane = await mounted(pilot, app, NetworkPane)
        await pane_shows(pilot, pane, "b2[0,0] = ")  # W2 has 2 entries, then b2; no layer 3
        assert pane.selected.name == "b2[0,0]"
        await pilot.press("e")
        await wait_screen(pilot, app, EditValueScreen)
        await pilot.press("escape")
        await wait_screen(pilot, app)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_an_edited_weight_shows_no_step_arrow(size) -> None:
    """The arrows say how the last update moved each value; a value typed in since then was
    not moved by it, so it has none (wide: it says it was edited), and the others keep theirs."""
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=size) as pilot:
        await pilot.press("s", "v", "right", "e")
        editor = await wait_screen(pilot, app, EditValueScreen)
        editor.query_one("#edit-value", Input).value = "5.0"
        await pilot.press("enter")
        await wait_screen(pilot, app)
        assert session_of(app).net.W[1][0, 0] == 5.0
        text = await pane_shows(pilot, app.query_one(ParamsPane), "5.000")
        edited = next(line for line in text.splitlines() if "5.000" in line)
        assert "▲" not in edited and "▼" not in edited
        assert ("(edited)" in edited) == (size[0] >= 120)
        assert "0.5619▼" in text or "0.5619 ▼" in text  # W2[1,0] keeps its arrow


async def test_a_new_dataset_in_settings_brings_its_defaults_as_the_command_line_does() -> None:
    """Typing `xor` over `notebook` fills in xor's defaults (lr, network, loss …) before
    anything is applied, and applying opens what `--data xor` would open, seed aside."""
    app = app_for(preset="notebook", seed=7)
    cli = open_session(Config(data="xor", seed=7)).config
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = await wait_screen(pilot, app, SettingsScreen)
        screen.query_one("#set-data", Input).value = "xor"
        await wait_until(pilot, lambda: screen.query_one("#set-hidden").value == "4",
                         what="xor's defaults in the form")
        shown = {name: str(screen.query_one(f"#set-{name}").value)
                 for name in ("lr", "hidden", "activation", "output_activation", "loss",
                              "normalize", "init", "optimizer")}
        assert shown == {"lr": f"{cli.lr:g}", "hidden": "4", "activation": cli.activation,
                         "output_activation": cli.output_activation, "loss": cli.loss,
                         "normalize": cli.normalize, "init": cli.init,
                         "optimizer": cli.optimizer}
        screen.query_one("#set-data", Input).value = "notebook"  # back: the session's own
        await wait_until(pilot, lambda: screen.query_one("#set-hidden").value == "2",
                         what="the session's own settings in the form")
        assert str(screen.query_one("#set-lr").value) == "0.1"
        assert screen.query_one("#set-loss").value == "mse"
        screen.query_one("#set-data", Input).value = "xor"
        await wait_until(pilot, lambda: screen.query_one("#set-hidden").value == "4",
                         what="xor's defaults in the form")
        await pilot.press("enter")
        await applied(pilot, app)
        await wait_until(pilot, lambda: session_of(app).config.data == "xor", what="xor")
        got = session_of(app).config
        for field in ("lr", "hidden", "activation", "output_activation", "loss", "normalize",
                      "init", "optimizer", "batch_size", "epochs", "seed"):
            assert getattr(got, field) == getattr(cli, field), field


async def test_epochs_sets_what_r_runs_and_the_footer_says_so() -> None:
    app = BackpropApp(session=open_session(Config(preset="notebook", seed=7)), run_epochs=5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: session_of(app).epoch == 5, what="epoch 5")
        labels = [a.binding.description for a in app.screen.active_bindings.values()
                  if a.binding.show]
        assert "Run 5" in labels and "Run 100" not in labels


def test_epochs_below_one_in_the_stepper_is_refused(capsys) -> None:
    from tui.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--preset", "notebook", "--epochs", "0"])
    assert exit_.value.code == 2
    assert "--epochs sets what r runs" in capsys.readouterr().err


async def test_e_outside_the_network_pane_says_how() -> None:
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await status_shows(pilot, app, "press v")


async def test_network_pane_draws_signs_strokes_and_nodes() -> None:
    """Each node's bias and row 0's output at the weights on screen, written as every pane
    writes numbers: the same H[0] and ŷ the chain-rule view shows for row 0, and the
    prediction the dataset pane shows (in the targets' units), not the last step's."""
    app = app_for(preset="notebook", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "v")
        await wait_until(pilot, lambda: view_of(app).epoch == 1, what="epoch 1")
        v = view_of(app)
        from core.present.chain import session_graph

        graph = session_graph(session_of(app), 0)
        h0, yhat = graph.node("H[0]").value, graph.node("yhat[0]").value
        assert yhat == pytest.approx(v.evaluation.predictions[0, 0], rel=1e-12)
        # h1: bias, row 0's output; a strong positive weight; the key
        pane = await mounted(pilot, app, NetworkPane)
        await pane_shows(pilot, pane, f"[b{num(v.b[0][0, 0], signed=True)}",
                         f"[a{num(h0, signed=True)}", f"[a{num(yhat, signed=True)}",
                         "[+0.2500", "+━", "━ strong ─ medium ╌ weak", "a row 0's output now")


# ---------------------------------------------------------------- output and held-out loss

async def test_output_pane_plane_shows_points_and_accuracy() -> None:
    app = app_for(data="circle", seed=3, test_fraction=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "v", "v")
        await wait_until(pilot, lambda: view_of(app).epoch == 100, what="epoch 100")
        ev = view_of(app).evaluation
        # held-out rows look different (◆)
        await pane_shows(pilot, await mounted(pilot, app, OutputPane),
                         f"accuracy {ev.accuracy:.0%}, test {ev.test_accuracy:.0%}",
                         "▀", "●", "◆")
        assert view_of(app).surface.kind == "plane"


async def test_output_pane_curve_for_one_feature_updates_after_a_step() -> None:
    app = app_for(data="sine", seed=3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "v")
        pane = await mounted(pilot, app, OutputPane)
        before = await pane_shows(pilot, pane, "ŷ against x")
        await pilot.press("r")
        await wait_until(pilot, lambda: pane_text(pane) != before, what="a new curve")
        assert session_of(app).epoch == 100 and np.array_equal(view_of(app).surface.values,
                              __import__("core").view(session_of(app)).surface.values)


async def test_output_pane_says_why_when_there_is_nothing_to_draw(tmp_path) -> None:
    csv = tmp_path / "three.csv"
    csv.write_text("a,b,c,y\n1,2,3,4\n2,3,4,5\n3,4,5,7\n")
    app = app_for(data=str(csv), seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "v")
        await pane_shows(pilot, await mounted(pilot, app, OutputPane), "Nothing to draw")


async def test_loss_pane_charts_test_loss_with_train_loss() -> None:
    app = app_for(data="circle", seed=3, test_fraction=0.3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: view_of(app).epoch == 100, what="epoch 100")
        text = await pane_shows(pilot, app.query_one(LossPane), "test •  0.", "█")
        assert text.count("•") > 5


# ---------------------------------------------------------------- snapshots

NETWORK_CASES = {(80, 24): dict(preset="notebook", seed=7),  # 2-2-1
                 (160, 48): dict(data="spiral", seed=3)}  # 2-8-8-1


def top_drawn(app: BackpropApp, top: str, epoch: int, *parts: str) -> bool:
    """`top` is the top pane, drawn at its size with `parts`, after `epoch` epochs."""
    if app.main.top != top or view_of(app).epoch != epoch:
        return False
    pane = app.main.query_one(f"#{top}")
    return pane.is_mounted and all(part in pane_text(pane) for part in parts)


async def weight_picked(pilot) -> None:
    """r and v, then down once the network pane is drawn: the snapshot shows the pick moved
    (the pane's first line names it)."""
    app = pilot.app
    await snapshot_of("r", "v", until=lambda app: top_drawn(app, "network", 100, " = "))(pilot)
    pane = app.main.query_one(NetworkPane)
    first, head = pane.selected.name, pane_text(pane).splitlines()[1]
    await pilot.press("down")
    await wait_until(pilot, lambda: pane.selected.name != first and
                     pane_text(pane).splitlines()[1] != head, what="the pick moved")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_network_pane_snapshot(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(**NETWORK_CASES[size]), terminal_size=size,
                        run_before=weight_picked)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_output_pane_snapshot(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(data="circle", seed=3, test_fraction=0.2),
                        terminal_size=size, run_before=snapshot_of(
                            "r", "r", "v", "v",
                            until=lambda app: top_drawn(app, "output", 200, "accuracy")))


def test_output_pane_curve_snapshot(snap_compare) -> None:
    assert snap_compare(app_for(data="sine", seed=3), terminal_size=(80, 24),
                        run_before=snapshot_of("r", "r", "r", "v", "v", until=lambda app:
                                               top_drawn(app, "output", 300, "ŷ against x")))


# ---------------------------------------------------------------- the real command

def test_settings_change_the_architecture_in_a_pty(term_factory) -> None:  # noqa: F811
    t = term_factory("--preset", "notebook", "--seed", "7")
    t.wait_for(r"Epoch 0 │ weights: the notebook's │ lr 0\.1 │ 2-2-1 linear")
    t.settle()
    t.press("c")
    t.wait_for(r"Settings")
    t.settle()
    t.press("\t\t\t\t")  # dataset → targets → normalisation → hidden → activation
    t.settle()
    t.press("t")  # tanh
    t.wait_for(r"◀ tanh ▶")
    t.settle()
    t.press("\r")
    t.wait_for(r"2-2-1 tanh→linear")
    t.settle()
    t.press("q")
    assert t.wait_exit() == 0 and t.restored()
