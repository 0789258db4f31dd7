"""The dataset pane with more rows and columns than fit: it pages through the rows and keeps
the target and the prediction on screen however many features there are."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core import Config, open_session
from tui.app import BackpropApp
from tui.widgets.dataset import DatasetPane

from .tui_helpers import (
    mounted,
    pane_shows,
    session_of,
    status_shows,
    wait_until,
)

SIZE = (80, 24)


def rows_on_screen(pane: DatasetPane) -> list[int]:
    text = pane.draw(*pane.body.size).plain
    return [int(m.group(1)) for m in re.finditer(r"^ (\d+)t?\s", text, re.M)]


async def rows_become(pilot, pane: DatasetPane, condition) -> list[int]:
    """Until the rows the pane draws satisfy `condition`; those rows."""
    await wait_until(pilot, lambda: condition(rows_on_screen(pane)),
                     what="the rows wanted on screen")
    return rows_on_screen(pane)


async def at_top(pilot, app: BackpropApp, top: str) -> None:
    """Until `top` is the pane in the top slot."""
    await wait_until(pilot, lambda: app.main.top == top, what=f"{top} on top")


async def test_pgdn_pgup_home_end_page_through_the_rows() -> None:
    app = BackpropApp(session=open_session(Config(data="spiral", seed=3)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DatasetPane)
        first = await rows_become(pilot, pane, lambda rows: len(rows) >= 2)
        page = len(first)
        assert first[0] == 0 and 2 <= page < 200
        await pane_shows(pilot, pane, f"rows 0–{page - 1} of 200")
        await pilot.press("pagedown")
        await rows_become(pilot, pane, lambda rows: rows == list(range(page, 2 * page)))
        await pilot.press("pageup", "pageup", "s")  # never before the first row
        # keys are handled in order: once s has stepped, both pageups have been
        await wait_until(pilot, lambda: session_of(app).epoch == 1, what="epoch 1")
        assert rows_on_screen(pane) == first
        await pilot.press("end")
        last = await rows_become(pilot, pane, lambda rows: rows[-1:] == [199])
        # never past the last; a step redraws the same page, with new predictions
        await pilot.press("pagedown", "s")
        await wait_until(pilot, lambda: session_of(app).epoch == 2, what="epoch 2")
        assert rows_on_screen(pane) == last
        await pilot.press("home")
        await rows_become(pilot, pane, lambda rows: rows == first)


async def test_a_wide_file_keeps_target_and_prediction_and_counts_hidden_columns(
        tmp_path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((12, 30)).round(3),
                         columns=[f"feature_{k:02d}" for k in range(30)])
    frame["score"] = frame.sum(axis=1).round(3)
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    app = BackpropApp(session=open_session(Config(data=str(path), seed=1)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DatasetPane)
        text = (await pane_shows(pilot, pane, "feature_00", "ŷ / y")).split("\n", 1)[1]
        head = text.splitlines()[0]
        assert "feature_00" in head and "score" in head and "ŷ / y" in head
        hidden = int(re.search(r"\+(\d+)", head).group(1))
        assert 20 <= hidden < 30 and "feature_15" not in head
        assert f"{hidden} columns hidden" in str(pane.border_title)
        assert all(len(line) <= pane.body.size.width for line in text.splitlines())
    wide = BackpropApp(session=open_session(Config(data=str(path), seed=1)))
    async with wide.run_test(size=(200, 50)) as pilot:  # more room, fewer columns hidden
        title = (await pane_shows(pilot, wide.query_one(DatasetPane), "columns hidden",
                                  "ŷ / y")).splitlines()[0]
        assert int(re.search(r"(\d+) columns hidden", title).group(1)) < hidden


# ---------------------------------------------------------------- classes

async def test_classes_show_as_labels_with_the_networks_answer_and_its_probability() -> None:
    app = BackpropApp(session=open_session(Config(data="spiral3", hidden=(16,),
                                                  activation="tanh", seed=1)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: app.main.view.epoch == 100, what="epoch 100")
        text = await pane_shows(pilot, app.query_one(DatasetPane), "arm", "\n 5 ")
        head = text.splitlines()[1]
        assert "arm" in head and "arm=0" not in head  # one label column, not one-hot ones
        ev = app.main.view.evaluation
        row = next(line for line in text.splitlines() if line.startswith(" 5 "))
        guess, p = ev.classes[int(ev.predicted_class[5])], float(ev.probability[5])
        mark = "✓" if guess == "0" else "✗"
        assert f"{mark} predicted {guess} ({p:.0%}) / target 0" in row


async def test_v_shows_the_confusion_matrix_of_the_training_and_test_rows() -> None:
    app = BackpropApp(session=open_session(Config(data="spiral3", hidden=(16,),
                                                  activation="tanh", seed=1,
                                                  test_fraction=0.2)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r", "v", "v", "v", "v", "v")  # network, output, chain, health
        await wait_until(pilot, lambda: app.main.view.epoch == 100, what="epoch 100")
        await at_top(pilot, app, "confusion")
        ev = app.main.view.evaluation
        text = await pane_shows(pilot, await mounted(pilot, app, "#confusion"),
                                f"accuracy {ev.accuracy:.0%}", "held-out")
        assert f"accuracy {ev.accuracy:.0%}" in text.splitlines()[0]
        lines = text.splitlines()
        assert "training" in lines[1] and "held-out" in lines[1]
        for k in range(3):
            counts = [int(x) for x in lines[2 + k].split()[1:4]]
            assert counts == ev.confusion[k].tolist()
        assert f"{ev.class_accuracy[0]:.0%}" in lines[2]
        await pilot.press("v")
        await at_top(pilot, app, "dataset")


async def test_the_confusion_pane_is_as_tall_as_its_matrices_and_no_taller() -> None:
    """Side by side at 80 columns: a heading and a line per class, bordered, with the panes
    below starting right under it (no blank lines in it or after it)."""
    app = BackpropApp(session=open_session(Config(data="spiral3", seed=3, test_fraction=0.2)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "v", "v", "v", "v", "v")
        await at_top(pilot, app, "confusion")
        pane = await mounted(pilot, app, "#confusion")
        await pane_shows(pilot, pane, "held-out")  # drawn: laid out at its height
        assert pane.region.height == 2 + 1 + 3
        assert app.query_one("#params").region.y == pane.region.bottom


async def test_v_skips_the_confusion_matrix_without_classes() -> None:
    app = BackpropApp(session=open_session(Config(preset="notebook", seed=7)))
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for want in ("network", "output", "chain", "health", "dataset"):
            await pilot.press("v")
            await at_top(pilot, app, want)
            seen.append(app.main.top)
        assert seen == ["network", "output", "chain", "health", "dataset"]


async def test_the_output_pane_colours_classes_and_names_them() -> None:
    app = BackpropApp(session=open_session(Config(data="spiral3", hidden=(16,),
                                                  activation="tanh", seed=1)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r", "v", "v")
        await wait_until(pilot, lambda: app.main.view.epoch == 100, what="epoch 100")
        await at_top(pilot, app, "output")
        text = await pane_shows(pilot, await mounted(pilot, app, "#output"),
                                "colour: predicted arm", "██ 2")
        for glyph, name in (("●", "0"), ("▲", "1"), ("■", "2")):
            assert f"{glyph} ██ {name}" in text and glyph in text.split("\n", 2)[2]


async def test_a_notice_about_the_file_shows_in_the_status_line(tmp_path) -> None:
    path = tmp_path / "indexed.csv"
    frame = pd.DataFrame({"a": np.arange(9) * 1.0, "y": np.arange(9) % 2 * 1.0})
    frame.to_csv(path)  # with pandas' unnamed index column
    app = BackpropApp(opener=lambda: open_session(Config(data=str(path), seed=1)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.main.view is not None)
        await status_shows(pilot, app, "left out 'Unnamed: 0', a row index")
