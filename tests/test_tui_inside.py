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
from tui.screens.settings import SettingsScreen
from tui.widgets.chain import ChainPane
from tui.widgets.health import HealthPane
from tui.widgets.network import NetworkPane
from tui.widgets.output import OutputPane

from .tui_helpers import (
    footer_shows,
    mounted,
    session_of,
    status_shows,
    view_of,
    wait_screen,
    wait_text,
    wait_until,
)


def app_for(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(Config(**kw)))


def text_of(pane) -> str:
    """The pane's title, body and subtitle as drawn now (a pane may set its title and its
    subtitle, the keys and the page, as it draws)."""
    size = pane.body.size
    body = pane.draw(size.width, size.height).plain
    return str(pane.border_title) + "\n" + body + "\n" + str(pane.border_subtitle or "")


async def to_top(pilot, app, name: str) -> None:
    """Press v until `name` is on top, each press waited for, and drawn at its size."""
    for _ in range(8):
        if app.main.top == name:
            break
        top = app.main.top
        await pilot.press("v")
        await wait_until(pilot, lambda: app.main.top != top, what="the next view")  # noqa: B023
    await wait_until(pilot, lambda: app.main.top == name, what=f"{name} on top")
    pane = await mounted(pilot, app, f"#{name}")
    await wait_until(pilot, lambda: pane.body.size.width > 10 and pane.body.size.height > 1,
                     what=f"{name} laid out")


async def shows(pilot, pane, *parts: str) -> str:
    """Until the pane, drawn now, shows every one of `parts`; its text."""
    return await wait_text(pilot, lambda: text_of(pane), *parts)


async def picked(pilot, net, node_id: str) -> None:
    """Until the network view's pick is `node_id`."""
    await wait_until(pilot, lambda: net.selected.node_id == node_id, what=f"{node_id} picked")


def inside_screen(pane, app) -> bool:
    region, screen = pane.region, app.screen.region
    return region.y >= 1 and region.bottom <= screen.bottom - 1


# ---------------------------------------------------------------- the chain rule


async def test_v_reaches_the_chain_rule_with_row_0s_numbers_at_80x24() -> None:
    """At 80×24 the chain rule pages its 22 nodes (m) and leaves the panes below the rows
    the notebook's gradients need, instead of taking all but four."""
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        pane = app.query_one(ChainPane)
        text = await shows(pilot, pane, "Chain rule", "0.0795", "page 1/2 · m more")
        assert "0.0795" in text  # ∂J/∂W2[0,0], row 0's share, at the printed weights
        await pilot.press("m")
        text += await shows(pilot, pane, "page 2/2 · m more")
        graph = session_graph(session_of(app), 0)
        for node in graph.nodes:  # all 22 nodes over the two pages, the core's numbers
            cell = rf"[ ›•▶]{re.escape(node.id)} +{re.escape(num(node.value))} +" \
                rf"{re.escape(num(node.grad))}"
            assert re.search(cell, text), node.id
        assert inside_screen(pane, app)
        assert "taller terminal" not in text
        grads = app.main.query_one("#gradients")
        assert grads.body.size.height >= 8 and grads.pages == 1  # dW2 … db1, all shown
        await footer_shows(pilot, app, "m")


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)], ids=str)
async def test_the_chain_rule_view_is_the_whole_graph_or_the_paths_at_every_size(size):
    """Whether the view shows the whole graph or the picked weight's paths depends on the
    graph alone, never on the screen's size: a walk never changes graph under the cursor.
    Its values and gradients line up in columns whatever their widths."""
    for kw, focused in ((dict(preset="notebook"), False), (dict(data="xor", seed=1), False),
                        (dict(data="circle", hidden=(8, 8), seed=1), True)):
        app = app_for(**kw)
        async with app.run_test(size=size) as pilot:
            await to_top(pilot, app, "chain")
            pane = app.query_one(ChainPane)
            text = await shows(pilot, pane, "Chain rule")
            assert ("the paths from" in text) == focused, (kw, size)
            rows = [line for line in text.splitlines()[1:] if re.match(r" [ ›•▶]\S+\[", line)]
            ends = {m.end() for line in rows
                    for m in re.finditer(r"\S+ +\S+ +\S+(?= |$)", line)}
            assert rows and len(ends) <= 4, ends  # at most 4 columns of nodes, each aligned
            assert inside_screen(pane, app)


async def test_the_panes_page_with_m_and_the_footer_says_so() -> None:
    """The health view's flags page with m instead of asking for a taller terminal."""
    app = app_for(data="circle", hidden=(8, 8, 8, 8), activation="sigmoid", init="uniform",
                  seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "health")
        pane = app.query_one(HealthPane)
        text = await shows(pilot, pane, "page 1/", "m more")
        assert "taller terminal" not in text
        await footer_shows(pilot, app, "m")
        pages = pane.pages
        for k in range(2, pages + 1):
            await pilot.press("m")
            text += await shows(pilot, pane, f"page {k}/{pages}")
        # the flags' lines, page after page, read as the sentences the core wrote
        words = " ".join(line[3:].strip() for line in text.splitlines()
                         if line[:3] in (" ! ", " · ", " ✓ ", "   "))
        for flag in session_health(session_of(app)).flags:
            assert " ".join(flag.text.split()) in words, flag.text


async def test_f_walks_back_one_node_at_a_time_and_leaves_the_session_alone() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: session_of(app).epoch == 1, what="epoch 1")
        await to_top(pilot, app, "chain")
        pane = app.query_one(ChainPane)
        steps = session_graph(session_of(app), 0).steps()
        await pilot.press("f")
        await shows(pilot, pane, "∂J/∂J = 1")
        for _ in range(5):
            await pilot.press("f")
        want = steps[5].equation(num, max_terms=3)
        assert steps[5].node == "W2[0,0]"
        # where its gradient comes from: •H[0]*W2[0,0]
        await shows(pilot, pane, want, "step 6/22", "▶W2[0,0]", "•H[0]*W2[0,0]")
        await pilot.press("b")
        await shows(pilot, pane, steps[4].equation(num, max_terms=3))
        assert session_of(app).epoch == 1  # b stepped the walk, not the training
        await pilot.press("escape")
        await wait_until(pilot, lambda: not pane.walking, what="the walk left")
        await status_shows(pilot, app, "left the chain-rule walk")
        await pilot.press("f")
        await wait_until(pilot, lambda: pane.walking, what="the walk again")
        assert app.main.stepper.walk is None  # no phase walk began


async def test_j_and_k_choose_the_row() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        await pilot.press("j", "j")
        pane = app.query_one(ChainPane)
        want = session_graph(session_of(app), 2).node("W2[0,0]").grad
        await shows(pilot, pane, "row 2's term", "X[2,0]", num(want))
        await pilot.press("k", "k", "k")
        await shows(pilot, pane, "row 3's term")  # wraps around


async def test_a_big_network_shows_the_picked_weights_paths() -> None:
    app = app_for(data="spiral3", hidden=(32,), seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        pane = app.query_one(ChainPane)
        # drawn as strips, the network view picks units: its first, b1[0]
        await shows(pilot, pane, "the paths from b1[0]")
        await pilot.press("right")  # the next unit: b1[1]
        text = await shows(pilot, pane, "the paths from b1[1]", "Z1[1]")
        assert "Z1[0]" not in text
        assert inside_screen(pane, app)


async def test_a_test_row_is_skipped_and_a_one_layer_network_has_its_graph() -> None:
    app = app_for(data="circle", hidden=(0,), seed=1, test_fraction=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "chain")
        first = int(session_of(app).dataset.train_rows.min())
        await shows(pilot, app.query_one(ChainPane), f"row {first}'s term", "Z1[0]", "yhat[0]")


# ---------------------------------------------------------------- health


async def test_the_health_view_shows_the_cores_figures_and_flags() -> None:
    app = app_for(data="xor", lr=20, seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            await pilot.press("s")
        await wait_until(pilot, lambda: session_of(app).epoch == 5, what="epoch 5")
        await to_top(pilot, app, "health")
        pane = app.query_one(HealthPane)
        health = session_health(session_of(app))
        assert any(f.level == "warn" and "the lr is too high" in f.text for f in health.flags)
        text = await shows(pilot, pane, "Health", "chance 0.6931", "! update/weight",
                           "the lr is too high")
        for layer in health.layers:
            assert f"{layer.update_ratio:.0e}".replace("e-0", "e-").replace("e+0", "e") \
                in text
        assert inside_screen(pane, app)


# ---------------------------------------------------------------- pictures and shapes


async def test_hidden_units_show_their_pictures_and_a_picked_one_is_drawn_large() -> None:
    app = app_for(data="circle", seed=2)  # 2-6-1: lines between nodes, a picture each
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: session_of(app).epoch == 1, what="epoch 1")
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        text = await shows(pilot, net, "▀▀▀▀▀▀")
        assert not net.strips and text.count("▀▀▀▀▀▀") >= 6
        for _ in range(12 + 1):  # past W1's 12 weights and b1[0,0], to b1[0,1]
            await pilot.press("down")
        await wait_until(pilot, lambda: net.selected.name == "b1[0,1]", what="b1[0,1] picked")
        assert net.picked_unit() == (0, 1)
        await to_top(pilot, app, "output")
        out = app.query_one(OutputPane)
        await shows(pilot, out, "Unit H[1] (tanh): its output over x1 × x2")
        import numpy as np

        want = unit_surface(view_of(app), 0, 1)
        assert np.array_equal(out.unit_surface(view_of(app)).values, want.values)
        await to_top(pilot, app, "network")
        await pilot.press("right")  # a weight of the output layer: ŷ again
        await wait_until(pilot, lambda: net.selected.name != "b1[0,1]", what="another pick")
        await to_top(pilot, app, "output")
        await wait_until(pilot, lambda: text_of(out).startswith("Output: ŷ over"),
                         what="the output's own picture")


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
        text = await shows(pilot, net, " = ")
        assert "enlarge" not in text and "taller terminal" not in text
        assert inside_screen(net, app)
        first = text.splitlines()[1]
        assert " = " in first  # the picked parameter, named


async def test_arrows_page_through_a_thousand_units() -> None:
    app = app_for(data="circle", hidden=(1024,), seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        await shows(pilot, net, "units 1–15 of 1024")
        assert net.strips
        for _ in range(20):
            await pilot.press("right")
        await picked(pilot, net, "b1[20]")
        await shows(pilot, net, "units 16–30 of 1024", "the bias of H[20]")
        await pilot.press("down")
        await picked(pilot, net, "b2[0]")


async def test_eight_layers_page_to_the_picked_one() -> None:
    app = app_for(data="circle", hidden=(8,) * 8, seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_top(pilot, app, "network")
        net = app.query_one(NetworkPane)
        for _ in range(8):
            await pilot.press("down")
        await picked(pilot, net, "b9[0]")
        await shows(pilot, net, "ŷ", "layers", "of 9")


async def test_hidden_0_in_the_stepper_walks_without_a_hidden_phase() -> None:
    app = app_for(data="circle", hidden=(0,), seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "f", "f", "f")
        await wait_until(pilot, lambda: app.main.stepper.walk is not None and
                         app.main.stepper.walk.phase.key == "output", what="the output phase")
        phases = app.main.stepper.walk.phases
        assert [p.key for p in phases] == ["forward", "loss", "output", "update"]
        await status_shows(pilot, app, "2-1 sigmoid")


async def test_the_settings_form_takes_hidden_0_and_shows_it_back() -> None:
    app = app_for(preset="notebook")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        (await wait_screen(pilot, app, SettingsScreen)).query_one("#set-hidden").value = "0"
        await pilot.press("enter")
        await wait_until(pilot, lambda: session_of(app).sizes == (2, 1))
        await wait_screen(pilot, app)
        await status_shows(pilot, app, "2-1 linear")
        await pilot.press("c")
        assert (await wait_screen(pilot, app, SettingsScreen)).query_one(
            "#set-hidden").value == "0"
