"""Programs (`backprop code`) of sessions with L1, an lr schedule, input crosses, missing
values, or two runs (`--run B`): the NumPy script and the notebook print what `train`
prints, byte for byte, and end on its parameters (1e-12); the torch script, with autograd,
torch.optim and torch's own lr schedulers, matches to 1e-9; a session changed by hand
continues its schedule where it was."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pytest

from core import Config, code_text, load_session, open_compare, open_session

from .programs_helpers import (
    assert_continues_the_session,
    assert_same_params,
    continued,
    final_params,
    json_params,
    require_torch,
    run_cells,
    run_main,
    run_script,
    saved,
    train,
)

GAPS = ("age,fare,embarked,survived\n22,7.25,S,0\n38,71.28,C,1\n,7.92,S,1\n35,NA,S,1\n"
        ",8.05,,0\n54,51.86,S,\n2,21.07,Q,0\n27,11.13,S,1\n14,30.07,C,1\n4,16.7,S,1\n"
        "58,26.55,S,1\n20,8.05,S,0\nnull,31.28,S,0\n39,31.27,S,0\n")

CASES = [
    "--preset notebook --l1 0.01 --lr-schedule step:100:0.5",
    "--data circle --seed 3 --hidden 0 --loss bce --inputs x1,x2,x1^2,x2^2 --lr 1 "
    "--epochs 300 --lr-schedule cosine:200",
    "--data xor --seed 2 --optimizer sgd --batch-size 2 --lr-schedule exp:0.99 --l1 0.003 "
    "--epochs 200",
    "--data gauss --seed 1 --inputs x1,x2,sin(x1),sin(x2),x1*x2 --optimizer adam --lr 0.01 "
    "--l1 0.001 --lr-schedule cosine:30 --epochs 100 --test-fraction 0.25",
    "--data notebook --inputs x1,x2,x1*x2 --hidden 3 --seed 4 --epochs 50",  # a regression
    "--data gaps.csv --target survived --loss bce --missing mean --seed 1 --test-fraction 0.3 "
    "--epochs 60",
    "--data gaps.csv --target survived --loss bce --missing drop --seed 1 --epochs 60",
    "--data gaps.csv --target survived --loss bce --missing median --features age,fare "
    "--hidden 0 --inputs x1,x2,x1*x2 --seed 2 --epochs 60",
    "--data gaps.csv --target survived --loss bce --missing zero --seed 3 --epochs 40",
    "--data big_gaps.csv --target y --missing mean --seed 3 --epochs 20 --test-fraction 0.2",
    "--data big_gaps.csv --target y --missing drop --seed 3 --epochs 20",
]


@pytest.fixture(autouse=True)
def _files(tmp_path, monkeypatch):
    """The CSVs the cases name, in the folder the commands run in: a small one (written
    into the program) and one of 1,500 rows (read by pandas when the program runs)."""
    (tmp_path / "gaps.csv").write_text(GAPS)
    rng = np.random.default_rng(0)
    rows = ["a,b,label,y"]
    for i in range(1500):
        a = "" if i % 37 == 5 else f"{rng.normal():.4f}"
        b = "NA" if i % 41 == 7 else f"{rng.uniform(0, 9):.3f}"
        label = "" if i % 53 == 3 else "pq"[i % 2]
        y = "" if i % 97 == 11 else f"{rng.normal() + i / 1500:.5f}"
        rows.append(f"{a},{b},{label},{y}")
    (tmp_path / "big_gaps.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)


def _program(opts: str, fmt: str, tmp_path) -> str:
    path = tmp_path / f"p_{fmt}.{'ipynb' if fmt == 'notebook' else 'py'}"
    code, _, err = run_main("code", *shlex.split(opts), "--format", fmt, "-o", str(path),
                            "--force")
    assert code == 0, err
    return str(path)


@pytest.mark.parametrize("opts", CASES)
def test_the_numpy_script_prints_what_train_prints(opts, tmp_path):
    path = tmp_path / "p.py"
    _program(opts, "numpy", tmp_path)
    (tmp_path / "p_numpy.py").rename(path)
    assert run_script(path) == train(opts)
    assert_same_params(final_params(path), json_params(opts), 1e-12)


@pytest.mark.parametrize("opts", [CASES[0], CASES[3], CASES[5]])
def test_the_notebooks_cells_print_what_train_prints(opts, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(_program(opts, "notebook", tmp_path), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert run_cells(code) == train(opts)


NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"


@pytest.mark.parametrize("opts", [CASES[0], CASES[1], CASES[2], CASES[3], CASES[5], CASES[9]])
def test_the_torch_script_matches_with_torchs_own_schedulers(opts, tmp_path):
    import re

    python = require_torch()
    path = tmp_path / "t.py"
    text = (tmp_path / _program(opts, "torch", tmp_path)).read_text()
    if "--lr-schedule" in opts:
        assert "torch.optim.lr_scheduler." in text and "scheduler.step()" in text
    if "--l1" in opts:
        assert "W.abs().sum()" in text
    path.write_text(text + "\nimport json as _json\nprint('PARAMS' + _json.dumps("
                    "[p.detach().numpy().tolist() for p in params]))\n")
    out, _, params = run_script(path, python).rpartition("PARAMS")
    got_numbers, want_numbers = re.findall(NUMBER, out), re.findall(NUMBER, train(opts))
    assert len(got_numbers) == len(want_numbers)
    assert max(abs(float(a) - float(b)) for a, b in zip(got_numbers, want_numbers,
                                                        strict=True)) <= 1e-6
    ref = json_params(opts)
    names = [f"{kind}{k}" for k in range(1, len(ref) // 2 + 1) for kind in "Wb"]
    got = dict(zip(names, (np.array(p) for p in json.loads(params)), strict=True))
    assert_same_params(got, ref, 1e-9)


def _scheduled_and_changed():
    """A schedule whose base was scaled by hand mid-run, stopped mid-epoch."""
    s = open_session(Config(data="circle", optimizer="momentum", batch_size=32, seed=5,
                            epochs=30, lr=0.2, lr_schedule="cosine:25", l1=0.002))
    s.run(7)
    s.scale_lr(0.5)
    s.step_update()
    return s


def test_a_schedule_changed_by_hand_continues_where_it_was(tmp_path):
    s = _scheduled_and_changed()
    text = code_text(s, "numpy")
    assert "base_lr = 0.1" in text and "start_epoch = 7" in text
    assert_continues_the_session(text, s, tmp_path)


def test_a_schedule_changed_by_hand_continues_where_it_was_in_torch(tmp_path):
    python = require_torch()
    s = _scheduled_and_changed()
    _, want = continued(load_session(saved(s, tmp_path)))
    path = tmp_path / "t.py"
    path.write_text(code_text(s, "torch") + "\nimport json as _json\nprint('PARAMS' + "
                    "_json.dumps([p.detach().numpy().tolist() for p in params]))\n")
    params = run_script(path, python).rpartition("PARAMS")[2]
    got = dict(zip(want, (np.array(p) for p in json.loads(params)), strict=True))
    assert_same_params(got, want, 1e-9)


def test_run_b_alone_is_the_program_of_train_with_bs_options(tmp_path):
    """B draws its own weights (same shapes, same init): its program is `train` with B's
    options, and says so."""
    opts = "--data xor --seed 2 --hidden 3 --epochs 150"
    path = tmp_path / "b.py"
    code, _out, err = run_main("code", *shlex.split(opts), "--compare", "--lr 2 --l1 0.01",
                              "--run", "B", "--format", "numpy", "-o", str(path))
    assert code == 0, err
    b_opts = f"{opts} --lr 2 --l1 0.01"
    command = path.read_text().split("It prints what `", 1)[1].split("`", 1)[0]
    assert command.startswith("backprop train --data xor ") and "--lr 2.0" in command
    assert run_script(path) == train(b_opts) == train(command.removeprefix("backprop train "))


def test_run_b_with_weights_shared_from_a(tmp_path):
    """B's first layer has other inputs (crosses), its second A's weights: its program
    starts from them and claims no `train` command (train would draw them)."""
    a = open_session(Config(data="circle", seed=3, epochs=40))
    pair = open_compare(a, {"inputs": ("x1", "x2", "x1^2", "x2^2")}, "--inputs x1,x2,x1^2,x2^2")
    text = code_text(pair.b, "numpy")
    assert "It prints what `backprop train" not in text
    assert_continues_the_session(text, pair.b, tmp_path)


def test_run_b_needs_two_runs(tmp_path):
    code, _out, err = run_main("code", "--preset", "notebook", "--run", "B", "--format", "numpy",
                              "-o", "-")
    assert code == 2 and "--run B" in err and err.count("\n") == 1


def test_a_two_run_session_file_exports_either_run(tmp_path):
    from core import save_session

    a = open_session(Config(data="xor", seed=2, hidden=(3,), epochs=50))
    pair = open_compare(a, {"activation": "relu"}, "--activation relu")
    pair.run(10)
    path = tmp_path / "two.json"
    save_session(a, str(path), pair)
    for run, session in (("A", a), ("B", pair.b)):
        code, out, err = run_main("code", "--resume", str(path), "--run", run, "--format",
                                  "numpy", "-o", "-")
        assert code == 0, err
        assert out == code_text(session, "numpy")


@pytest.mark.parametrize("schedule", [None, "step:3:0.5"])
@pytest.mark.parametrize("how", ["restart", "fresh"])
def test_starting_over_with_an_lr_changed_by_hand_keeps_it_in_the_program(schedule, how,
                                                                           tmp_path):
    """`R` (and `n`, the settings form) start over with the lr the session has: the program
    of the new session trains with that lr, not the configured one."""
    s = open_session(Config(preset="notebook", epochs=20, lr_schedule=schedule))
    s.scale_lr(2.0)
    s.run(5)
    if how == "restart":
        s.restart()
    else:
        s = s.fresh()
    assert (s.epoch, s.base_lr, s.lr) == (0, 0.2, 0.2)
    assert s.hand_changes and "kept on starting over" in s.hand_changes[0]
    assert_continues_the_session(code_text(s, "numpy"), s, tmp_path)


def test_run_b_that_cannot_take_the_presets_weights_says_whose_they_are(tmp_path):
    """The preset's 2-2-1 weights do not fit a 2-3-1 B: B's program starts from B's own
    (drawn, sharing b2 with A), says so rather than naming the preset, and reproduces B."""
    a = open_session(Config(preset="notebook", seed=5, epochs=30))
    pair = open_compare(a, {"hidden": (3,)}, "--hidden 3")
    text = code_text(pair.b, "numpy")
    assert "notebook's printed ones" not in text
    assert "Weights:   the session's own starting ones, written out exactly" in text
    assert "It prints what `backprop train" not in text
    assert_continues_the_session(text, pair.b, tmp_path)
    assert "notebook's printed ones" in code_text(a, "numpy")
