"""Inside the network, in the stepper: the chain-rule view (`v`, then `f` walks back one node
at a time, `j`/`k` the row), the Health view, every unit's picture in the network view and
large in the output view, and a network view for any shape the options allow."""

from __future__ import annotations

import re

import pytest

from core import Config, open_session
from core.present.chain import session_graph
from core.present.checkup import session_health
from core.present.units import unit_surface
from tui.app import BackpropApp
from tui.fmt import num
from tui.widgets.chain import ChainPane
from tui.widgets.health import HealthPane
from tui.widgets.network import NetworkPane
from tui.widgets.output import OutputPane

from .tui_helpers import session_of, status_text, view_of, wait_until


def app_for(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(Config(**kw)))


def text_of(pane) -> str:
    """The pane's title and body as drawn now (a pane may set its title as it draws)."""
    size = pane.body.size
    body = pane.draw(size.width, size.height).plain
    return str(pane.border_title) + "\n" + body


async def to_top(pilot, app, name: str) -> None:
    """Press v until `name` is on top (and drawn)."""
    for _ in range(8):
        if app.main.top == name:
            break
        await pilot.press("v")
    await wait_until(pilot, lambda: app.main.top == name)
    await pilot.pause()


def inside_screen(pane, app) -> bool:
    region, screen = pane.region, app.screen.region
    return region.y >= 1 and region.bottom <= screen.bottom - 1


# ---------------------------------------------------------------- the chain rule


async def test_v_reaches_the_chain_rule_with_row_0s_numbers_at_80x24() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        pane = app.query_one(ChainPane)
        text = text_of(pane)
        assert "Chain rule" in text
        graph = session_graph(session_of(app), 0)
        for node in graph.nodes:  # all 22 nodes, each with the core's value and grad
            cell = rf"[ ›•▶]{re.escape(node.id)} +{re.escape(num(node.value))} +" \
                rf"{re.escape(num(node.grad))}"
            assert re.search(cell, text), node.id
        assert "0.0795" in text  # ∂J/∂W2[0,0], row 0's share, at the printed weights
        assert inside_screen(pane, app)
        assert "taller terminal" not in text


async def test_f_walks_back_one_node_at_a_time_and_leaves_the_session_alone() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await to_top(pilot, app, "chain")
        pane = app.query_one(ChainPane)
        steps = session_graph(session_of(app), 0).steps()
        await pilot.press("f")
        assert "∂J/∂J = 1" in text_of(pane)
        for _ in range(5):
            await pilot.press("f")
        want = steps[5].equation(num, max_terms=3)
        assert steps[5].node == "W2[0,0]" and want in text_of(pane)
        assert "step 6/22" in text_of(pane) and "▶W2[0,0]" in text_of(pane)
        assert "•H[0]*W2[0,0]" in text_of(pane)  # where its gradient comes from
        await pilot.press("b")
        assert steps[4].equation(num, max_terms=3) in text_of(pane)
        assert session_of(app).epoch == 1  # b stepped the walk, not the training
        await pilot.press("escape")
        assert not pane.walking and "left the chain-rule walk" in status_text(app)
        await pilot.press("f")
        assert pane.walking and app.main.stepper.walk is None  # no phase walk began


async def test_j_and_k_choose_the_row() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        await pilot.press("j", "j")
        pane = app.query_one(ChainPane)
        text = text_of(pane)
        assert "row 2's term" in text and "X[2,0]" in text
        want = session_graph(session_of(app), 2).node("W2[0,0]").grad
        assert num(want) in text
        await pilot.press("k", "k", "k")
        assert "row 3's term" in text_of(pane)  # wraps around


async def test_a_big_network_shows_the_picked_weights_paths() -> None:
    app = app_for(data="spiral3", hidden=(32,), seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        pane = app.query_one(ChainPane)
        # drawn as strips, the network view picks units: its first, b1[0]
        assert "the paths from b1[0]" in text_of(pane)
        await pilot.press("right")  # the next unit: b1[1]
        text = text_of(pane)
        assert "the paths from b1[1]" in text and "Z1[1]" in text and "Z1[0]" not in text
        assert inside_screen(pane, app)


async def test_a_test_row_is_skipped_and_a_one_layer_network_has_its_graph() -> None:
    app = app_for(data="circle", hidden=(0,), seed=1, test_fraction=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        text = text_of(app.query_one(ChainPane))
        first = int(session_of(app).dataset.train_rows.min())
        assert f"row {first}'s term" in text and "Z1[0]" in text and "yhat[0]" in text


# ---------------------------------------------------------------- health


async def test_the_health_view_shows_the_cores_figures_and_flags() -> None:
    app = app_for(data="xor", lr=20, seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            await pilot.press("s")
        await to_top(pilot, app, "health")
        pane = app.query_one(HealthPane)
        text = text_of(pane)
        health = session_health(session_of(app))
        assert "Health" in text and "chance 0.6931" in text
        assert any(f.level == "warn" and "the lr is too high" in f.text for f in health.flags)
        assert "! update/weight" in text and "the lr is too high" in text
        for layer in health.layers:
            assert f"{layer.update_ratio:.0e}".replace("e-0", "e-").replace("e+0", "e") \
                in text
        assert inside_screen(pane, app)


# ---------------------------------------------------------------- pictures and shapes


async def test_hidden_units_show_their_pictures_and_a_picked_one_is_drawn_large() -> None:
    app = app_for(data="circle", seed=2)  # 2-6-1: lines between nodes, a picture each
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        text = text_of(net)
        assert not net.strips and text.count("▀▀▀▀▀▀") >= 6
        for _ in range(12 + 1):  # past W1's 12 weights and b1[0,0], to b1[0,1]
            await pilot.press("down")
        assert net.selected.name == "b1[0,1]" and net.picked_unit() == (0, 1)
        await to_top(pilot, app, "output")
        out = app.query_one(OutputPane)
        assert "Unit H[1] (tanh): its output over x1 × x2" in text_of(out)
        import numpy as np

        want = unit_surface(view_of(app), 0, 1)
        assert np.array_equal(out.unit_surface(view_of(app)).values, want.values)
        await to_top(pilot, app, "network")
        await pilot.press("right")  # a weight of the output layer: ŷ again
        await to_top(pilot, app, "output")
        assert text_of(out).startswith("Output: ŷ over")


@pytest.mark.parametrize("size,kw", [
    ((160, 48), dict(data="spiral3", hidden=(32,), seed=1)),
    ((80, 24), dict(data="circle", hidden=(8, 8), seed=1)),
    ((80, 24), dict(data="sine", hidden=(1024,), seed=1)),  # one input: biases, no pictures
    ((80, 24), dict(data="circle", hidden=(4,) * 8, seed=1)),  # eight hidden layers
    ((80, 24), dict(data="circle", hidden=(0,), seed=1)),
    ((160, 48), dict(data="gauss", hidden=(1024, 1024), seed=1)),
])
async def test_the_network_view_draws_every_shape(size, kw) -> None:
    app = app_for(**kw)
    async with app.run_test(size=size) as pilot:
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        text = text_of(net)
        assert "enlarge" not in text and "taller terminal" not in text
        assert inside_screen(net, app)
        first = text.splitlines()[1]
        assert " = " in first  # the picked parameter, named


async def test_arrows_page_through_a_thousand_units() -> None:
    app = app_for(data="circle", hidden=(1024,), seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        assert net.strips and "units 1–15 of 1024" in text_of(net)
        for _ in range(20):
            await pilot.press("right")
        assert net.selected.node_id == "b1[20]"
        assert "units 16–30 of 1024" in text_of(net) and "unit 20 of H" in text_of(net)
        await pilot.press("down")
        assert net.selected.node_id == "b2[0]"


async def test_eight_layers_page_to_the_picked_one() -> None:
    app = app_for(data="circle", hidden=(8,) * 8, seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        for _ in range(8):
            await pilot.press("down")
        assert net.selected.node_id == "b9[0]"
        text = text_of(net)
        assert "ŷ" in text and "layers" in text and "of 9" in text


async def test_hidden_0_in_the_stepper_walks_without_a_hidden_phase() -> None:
    app = app_for(data="circle", hidden=(0,), seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "f", "f", "f")
        phases = app.main.stepper.walk.phases
        assert [p.key for p in phases] == ["forward", "loss", "output", "update"]
        assert "2-1 sigmoid" in status_text(app)


async def test_the_settings_form_takes_hidden_0_and_shows_it_back() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await wait_until(pilot, lambda: app.screen.query("#set-hidden"))
        app.screen.query_one("#set-hidden").value = "0"
        await pilot.press("enter")
        await wait_until(pilot, lambda: session_of(app).sizes == (2, 1))
        await pilot.pause()
        assert "2-1 linear" in status_text(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: app.screen.query("#set-hidden"))
        assert app.screen.query_one("#set-hidden").value == "0"
