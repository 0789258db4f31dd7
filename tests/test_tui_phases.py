"""The phase walk (`f`) through the real app: every number on the formula pane is the step
record's, the parameters change only at the update phase, `s` finishes the epoch, mini-batch
walks say which batch they are on, `j`/`k` follow another row, `g` checks the gradients.
Plus an SVG snapshot of each phase at 80×24.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import Config, StepRecord, open_session
from core.present.phases import phases
from tui.app import BackpropApp
from tui.fmt import loss, num
from tui.screens.gradcheck import GradCheckScreen
from tui.widgets.formula import FormulaPane
from tui.widgets.pane import Pane

from .tui_helpers import (
    mounted,
    pane_shows,
    pane_text,
    session_of,
    snapshot_of,
    status_shows,
    wait_screen,
    wait_text,
    wait_until,
)

SIZE = (80, 24)
KEYS = ["forward", "loss", "output", "hidden1", "update"]


def notebook(**kw) -> Config:
    return Config(preset="notebook", seed=7, **kw)


def make_app(**kw) -> BackpropApp:
    return BackpropApp(session=open_session(notebook(**kw)))


async def at_phase(pilot, app: BackpropApp, key: str | None, row: int | None = None) -> None:
    """Until the walk is at phase `key` (None: no walk), on `row` if given."""
    def there() -> bool:
        walk = app.stepper.walk
        if key is None:
            return walk is None
        return walk is not None and walk.phase.key == key and row in (None, walk.row)

    await wait_until(pilot, there, what=f"the phase {key}" + (f", row {row}" if row else ""))


def same_record(a: StepRecord, b: StepRecord) -> bool:
    """Every field equal, arrays bit for bit (where the update started from, too)."""
    for name, x in vars(a).items():
        y = vars(b)[name]
        if name == "start":
            if (x is None) != (y is None) or (x is not None and not (
                    x.rng == y.rng and x.opt_state.keys() == y.opt_state.keys()
                    and all(np.array_equal(x.opt_state[k], y.opt_state[k]) for k in x.opt_state)
                    and (x.perm is None) == (y.perm is None)
                    and (x.perm is None or np.array_equal(x.perm, y.perm)))):
                return False
        elif isinstance(x, tuple):
            if not all(np.array_equal(p, q) for p, q in zip(x, y, strict=True)):
                return False
        elif isinstance(x, np.ndarray):
            if not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def shown(values: np.ndarray, signed: bool, label: str = "") -> list[str]:
    """How the formula pane writes each of a Line's values: a loss as every loss is written,
    gradients, deltas and changes with their sign, values as everywhere else."""
    if label in ("MSE", "BCE", "CE", "J"):
        return [loss(v) for v in values.ravel()]
    return [num(v, signed=signed).strip() for v in values.ravel()]


def signed(label: str) -> bool:
    return label.startswith(("delta", "dW", "db", "row ")) or label == "change"


async def test_a_full_walk_shows_exactly_the_records_numbers() -> None:
    app, twin = make_app(), open_session(notebook())
    before = twin.W
    expected = twin.step_update()  # what the app's update must be, from an identical session
    async with app.run_test(size=SIZE) as pilot:
        for i, key in enumerate(KEYS):
            await pilot.press("f")
            await at_phase(pilot, app, key)
            walk = app.stepper.walk
            assert app.main.top == "formula"
            assert same_record(walk.record, expected)
            # parameters change at the update phase and nowhere before it
            changed = i == len(KEYS) - 1
            assert session_of(app).epoch == int(changed)
            assert all(np.array_equal(a, b) for a, b in zip(
                session_of(app).W, expected.W_after if changed else before, strict=True))
            phase = phases(expected, 0, "linear", "linear")[i]
            formula = await mounted(pilot, app, FormulaPane)
            wanted = [line.formula for line in phase.lines]
            wanted += [f"{label} = " for line in phase.lines if not line.equation
                       for label, _ in line.values]
            wanted += [cell for line in phase.lines for label, values in line.values
                       for cell in shown(values, signed(label), label)]
            if key != "update":
                wanted.append("row 0 of 0–3 = dataset row 0: Hours_Studied 2, Hours_Slept 9")
            await pane_shows(pilot, formula, *wanted)
        # the shapes of every operand, as the notebook's comments write them
        assert "(4×2)·(2×2) + (1×2) → (4×2)" in phases(expected, 0, "linear", "linear")[0] \
            .lines[0].shapes


async def test_preview_is_the_update_that_happens() -> None:
    """The walk shows `preview()` before the update phase and commits with `step_update()`:
    both must be the same record, bit for bit, for every optimiser."""
    for cfg in (notebook(), notebook(optimizer="sgd", batch_size=2),
                notebook(optimizer="momentum"), notebook(optimizer="adam")):
        s = open_session(cfg)
        s.step_update()
        preview = s.preview()
        assert same_record(preview, s.step_update())


async def test_other_panes_mark_what_the_phase_reads_and_writes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await at_phase(pilot, app, "forward")
        params, grads = app.query_one("#params", Pane), app.query_one("#gradients", Pane)
        # at 80×24 the walk's formula takes room: the names sit beside their rows, and the
        # border says what is read and written
        await wait_text(pilot, lambda: str(params.border_subtitle), "read: W1 W2 b1 b2")
        assert "read: W1 W2 b1 b2" in str(params.border_subtitle)
        assert params.has_class("-read") and params.marks["W1"] == "read"
        await pilot.press("f", "f")  # output-layer gradients
        await at_phase(pilot, app, "output")
        await wait_text(pilot, lambda: str(grads.border_subtitle), "written: dW2 db2 delta2")
        assert grads.has_class("-written") and not params.marks
        await pilot.press("f", "f")  # update
        await at_phase(pilot, app, "update")
        await wait_until(pilot, lambda: params.marks.get("W1") == "written"
                         and grads.marks.get("dW1") == "read", what="the update's marks")
        await pilot.resize_terminal(160, 48)  # room for the labels: the marks beside them
        await pane_shows(pilot, params, "W1 (2×2) ◀ written")
        await pane_shows(pilot, grads, "dW1 (2×2) ◀ read")
        await pilot.press("escape")
        await at_phase(pilot, app, None)
        await wait_until(pilot, lambda: app.main.top == "dataset", what="the dataset pane")
        assert not params.marks and params.border_subtitle == ""
        assert "◀" not in pane_text(params)


async def test_j_and_k_follow_another_row_of_the_batch() -> None:
    app, twin = make_app(), open_session(notebook())
    rec = twin.preview()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "j", "j")
        await at_phase(pilot, app, "forward", row=2)
        formula = await mounted(pilot, app, FormulaPane)
        await pane_shows(pilot, formula,
                         "row 2 of 0–3 = dataset row 2: Hours_Studied 6, Hours_Slept 6",
                         f"H[2] = [{' '.join(shown(rec.A[0][2], False))}]")
        await pilot.press("k", "k", "k")  # wraps around to the last row
        await at_phase(pilot, app, "forward", row=3)
        await pane_shows(pilot, formula, "row 3 of 0–3 = dataset row 3")


async def test_mini_batch_walk_names_its_batch_and_s_completes_the_epoch() -> None:
    cfg = notebook(optimizer="sgd", batch_size=1)
    app, twin = BackpropApp(session=open_session(cfg)), open_session(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await at_phase(pilot, app, "forward")
        rec = twin.step_update()
        assert same_record(app.stepper.walk.record, rec)
        await status_shows(pilot, app, "Epoch 0, batch 1/4")
        formula = await mounted(pilot, app, FormulaPane)
        await wait_text(pilot, lambda: str(formula.border_title), "epoch 0, batch 1/4")
        await pane_shows(pilot, formula, f"the batch's row = dataset row {int(rec.rows[0])}:")
        await pilot.press("f", "f", "f", "f", "f")  # update committed, next batch's forward
        await wait_until(pilot, lambda: session_of(app).batch == 1, what="batch 1")
        await at_phase(pilot, app, "forward")
        await status_shows(pilot, app, "Epoch 0, batch 2/4")
        await pilot.press("s")  # finishes the epoch and ends the walk
        await wait_until(pilot, lambda: session_of(app).epoch == 1, what="epoch 1")
        twin.step()
        await at_phase(pilot, app, None)
        await wait_until(pilot, lambda: app.main.top == "dataset", what="the dataset pane")
        assert session_of(app).batch == 0
        assert all(np.array_equal(a, b) for a, b in zip(session_of(app).W, twin.W, strict=True))


async def test_gradient_check_screen_gives_a_verdict_and_closes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "g")
        screen = await wait_screen(pilot, app, GradCheckScreen)
        assert session_of(app).epoch == 1
        from core import check_session

        check = check_session(session_of(app))
        assert check.ok
        await wait_text(pilot, lambda: str(screen.query_one("#gradcheck-text").render()),
                        "✓ PASS", num(check.analytic[0], signed=True),  # W1[0,0]
                        "W1[0,0]", "b2[0,0]")
        await pilot.press("escape")
        await wait_screen(pilot, app)


def test_gradient_check_report_says_fail_in_words() -> None:
    from core.maths.gradcheck import GradCheck
    from tui.screens.gradcheck import report

    bad = GradCheck(("W1[0,0]",), np.array([1.0]), np.array([2.0]), np.array([0.5]), 1e-6)
    assert "✗ FAIL" in report(bad, 3).plain and "✗ off" in report(bad, 3).plain


async def _gradcheck_text(app: BackpropApp, pilot) -> str:
    """Press g and wait for the verdict (a big network is checked in a thread)."""
    await pilot.press("g")
    screen = await wait_screen(pilot, app, GradCheckScreen)
    await wait_until(pilot, lambda: screen.check is not None, timeout=60, what="a verdict")
    text = await wait_text(pilot, lambda: str(screen.query_one("#gradcheck-text").render()),
                           "entries")
    return " ".join(text.split())  # the notes wrap to the box


async def test_gradient_check_on_relu_sets_kinks_aside_and_catches_a_wrong_gradient(
        monkeypatch) -> None:
    """A trained ReLU network: PASS, with the entries whose steps cross a kink set aside in
    words; then backprop with one entry off by 0.01%: FAIL, on the same screen."""
    from core.maths.network import Network

    session = open_session(Config(data="circle", hidden=(8,), activation="relu", seed=3))
    session.run(100)
    app = BackpropApp(session=session)
    async with app.run_test(size=(100, 40)) as pilot:
        text = await _gradcheck_text(app, pilot)
        assert "✓ PASS" in text and "FAIL" not in text
        assert "of 33 entries set aside" in text and "ReLU kink" in text
        assert "kink: not comparable" in text and "measured with a smaller step" in text
        await pilot.press("escape")
        await wait_screen(pilot, app)

        right = Network.backward

        def wrong(self, *args):
            deltas = right(self, *args)
            args[4][0] *= 1.0001  # W1[0,0]
            return deltas

        monkeypatch.setattr(Network, "backward", wrong)
        text = await _gradcheck_text(app, pilot)
        assert "✗ FAIL" in text and "PASS" not in text
        assert "W1[0,0]" in text and "✗ off" in text


@pytest.mark.parametrize("case", ["kinks", "overflow"])
def test_gradient_check_report_with_nothing_compared_gives_no_verdict(case: str) -> None:
    from core.maths.activations import ACTIVATIONS
    from core.maths.gradcheck import gradient_check
    from core.maths.losses import LOSSES
    from core.maths.network import Network
    from tui.screens.gradcheck import report

    if case == "kinks":  # rows on both units' kinks: every parameter moves one of them
        net = Network((1, 1, 1), ACTIVATIONS["relu"], ACTIVATIONS["relu"],
                      np.array([1.0, -1.0, 1.0, -1.0]))
        X, y, reason = np.array([[1.0], [2.0]]), np.array([[0.5], [0.5]]), "ReLU kink"
    else:  # a diverged network: J is inf
        net = Network((1, 1, 1), ACTIVATIONS["linear"], ACTIVATIONS["linear"],
                      np.array([1e200, 0.0, 1e200, 0.0]))
        X, y, reason = np.array([[1e10]]), np.array([[0.0]]), "not a finite number"
    with np.errstate(all="ignore"):
        check = gradient_check(net, X, y, LOSSES["mse"])
    text = " ".join(report(check, 0).plain.split())  # the notes wrap to the box
    assert "NO VERDICT" in text and "4 of 4 entries set aside" in text and reason in text
    assert "PASS" not in text and "FAIL" not in text


def walked_to(key: str):
    """The walk at phase `key`, the formula pane drawn with the phase's first formula."""
    def there(app: BackpropApp) -> bool:
        walk = app.stepper.walk
        if walk is None or walk.phase.key != key or app.main.top != "formula":
            return False
        pane = app.main.query_one(FormulaPane)
        return pane.is_mounted and walk.phase.lines[0].formula in pane_text(pane)
    return there


@pytest.mark.parametrize("phase", range(1, 6), ids=KEYS)
def test_phase_snapshot(snap_compare, phase: int) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=snapshot_of(
        *["f"] * phase, until=walked_to(KEYS[phase - 1])))
