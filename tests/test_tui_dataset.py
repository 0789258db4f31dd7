"""The dataset pane with more rows and columns than fit: it pages through the rows and keeps
the target and the prediction on screen however many features there are."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core import Config, open_session
from tui.app import BackpropApp
from tui.widgets.dataset import DatasetPane

SIZE = (80, 24)


def rows_on_screen(pane: DatasetPane) -> list[int]:
    text = pane.draw(*pane.body.size).plain
    return [int(m.group(1)) for m in re.finditer(r"^ (\d+)t?\s", text, re.M)]


async def test_pgdn_pgup_home_end_page_through_the_rows() -> None:
    app = BackpropApp(session=open_session(Config(data="spiral", seed=3)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(DatasetPane)
        first = rows_on_screen(pane)
        page = len(first)
        assert first[0] == 0 and 2 <= page < 200
        assert f"rows 0–{page - 1} of 200" in pane.draw(*pane.body.size).plain
        await pilot.press("pagedown")
        assert rows_on_screen(pane) == list(range(page, 2 * page))
        await pilot.press("pageup", "pageup")  # never before the first row
        assert rows_on_screen(pane) == first
        await pilot.press("end")
        assert rows_on_screen(pane)[-1] == 199
        await pilot.press("pagedown")  # never past the last
        assert rows_on_screen(pane)[-1] == 199
        await pilot.press("home")
        assert rows_on_screen(pane) == first
        await pilot.press("end", "s")  # a step redraws the same page, with new predictions
        assert rows_on_screen(pane)[-1] == 199


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
        await pilot.pause()
        pane = app.query_one(DatasetPane)
        text = pane.draw(*pane.body.size).plain
        head = text.splitlines()[0]
        assert "feature_00" in head and "score" in head and "ŷ / y" in head
        hidden = int(re.search(r"\+(\d+)", head).group(1))
        assert 20 <= hidden < 30 and "feature_15" not in head
        assert f"{hidden} columns hidden" in str(pane.border_title)
        assert all(len(line) <= pane.body.size.width for line in text.splitlines())
    wide = BackpropApp(session=open_session(Config(data=str(path), seed=1)))
    async with wide.run_test(size=(200, 50)) as pilot:  # more room, fewer columns hidden
        await pilot.pause()
        title = str(wide.query_one(DatasetPane).border_title)
        assert int(re.search(r"(\d+) columns hidden", title).group(1)) < hidden
