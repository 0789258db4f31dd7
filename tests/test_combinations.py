"""The options together: L1 with L2, lr schedules, input crosses, `--hidden 0`, missing
values, mini-batches, `--weights` and two runs, each combination through every headless
command a user reaches (`train`, `train --json`, `graph`, `code`, `lesson --check`), with
no traceback, the right exit codes, and the commands checked against each other and against
figures computed here:

- summed over the training rows, `graph --format json`'s ∂J/∂W and ∂J/∂b are the gradients
  `train --json --epochs 1` reports (1e-12 of the rows' magnitudes);
- the exported NumPy script, run on its own, prints what `train` prints, byte for byte;
- `train --json`'s `health` equals CS231n's figures computed here from its own starting
  and final weights, data and gradients, and its `chance_loss` the loss of knowing nothing;
- a lesson whose setup is the combination passes `--check`, and every question it asks
  has a worked answer ending on its value;
- with `--compare`, each run of `train --compare --json` is the run `train` gives alone
  (with B's options and, where B shares A's starting weights, the same weights),
  `graph --run B` and `code --run B` are B's.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from core import Config, open_compare, open_session
from core.files.weights import weights_text
from core.lessons.quantities import Bound, parse
from core.lessons.worked import worked
from tui.options import compare_given, config_from

from .programs_helpers import (
    assert_same_params,
    continued,
    final_params,
    run_main,
    run_script,
)
from .test_programs_range import GAPS

# name: (options, whether its updates are full-batch, so its gradients are the rows' sum)
CASES = {
    "notebook-l1": ("--preset notebook --l1 0.01 --epochs 20", True),
    "xor-l2-l1-momentum": ("--data xor --hidden 3 --activation tanh --seed 2 --l1 0.05 "
                           "--l2 0.1 --optimizer momentum --epochs 20", True),
    "circle-no-hidden-crosses": ("--data circle --hidden 0 --loss bce --inputs "
                                 "x1,x2,x1^2,x2^2 --seed 3 --lr 1 --epochs 10", True),
    "notebook-crosses-step": ("--data notebook --inputs x1,x2,x1*x2,sin(x1) --hidden 2 "
                              "--activation tanh --seed 1 --lr-schedule step:5:0.5 "
                              "--epochs 20", True),
    "spiral3-no-hidden-l1-exp": ("--data spiral3 --hidden 0 --seed 2 --l1 0.001 "
                                 "--lr-schedule exp:0.9 --epochs 5 --test-fraction 0.8", True),
    "gaps-mean-l1-split": ("--data gaps.csv --target survived --loss bce --missing mean "
                           "--hidden 2 --activation sigmoid --l1 0.01 --seed 1 --epochs 20 "
                           "--test-fraction 0.3", True),
    "gaps-drop-no-hidden-crosses": ("--data gaps.csv --target survived --loss bce --missing "
                                    "drop --features age,fare --hidden 0 --inputs x1,x2,x1*x2 "
                                    "--seed 1 --epochs 20", True),
    "gaps-median-relu-adam-cosine": ("--data gaps.csv --target survived --loss bce --missing "
                                     "median --hidden 3 --activation relu --optimizer adam "
                                     "--lr 0.05 --lr-schedule cosine:8 --seed 4 --epochs 12",
                                     True),
    "xor-sgd-l1-cosine": ("--data xor --hidden 3 --seed 2 --optimizer sgd --batch-size 3 "
                          "--l1 0.02 --lr-schedule cosine:10 --epochs 20", False),
    "gauss-weights-crosses-adam": ("--data gauss --inputs x1,x2,x1^2 --hidden 2 --weights "
                                   "w.json --optimizer adam --lr 0.01 --l2 0.01 --l1 0.001 "
                                   "--epochs 5 --test-fraction 0.9 --seed 5", True),
    "notebook-no-hidden-weights": ("--data notebook --hidden 0 --weights w0.json --l1 0.1 "
                                   "--lr-schedule exp:0.5 --epochs 10", True),
}
COMPARE = {
    "notebook-lr-l1-exp": ("--preset notebook --epochs 20 --seed 1", "--lr 0.5 --l1 0.01 "
                           "--lr-schedule exp:0.9"),
    "circle-no-hidden-crosses": ("--data circle --seed 3 --epochs 10 --loss bce",
                                 "--hidden 0 --inputs x1,x2,x1^2,x2^2 --lr 1"),
    "gaps-mean-l2-l1": ("--data gaps.csv --target survived --loss bce --missing mean --seed 1 "
                        "--hidden 2 --epochs 10", "--l2 0.1 --l1 0.05 --optimizer momentum"),
}


@pytest.fixture(autouse=True)
def _folder(tmp_path, monkeypatch):
    """The files the cases name, in the folder the commands run in: a CSV with gaps, and
    weights files for a crossed 3-2-1 and a 2-1 network."""
    (tmp_path / "gaps.csv").write_text(GAPS)
    w = open_session(Config(data="gauss", inputs=("x1", "x2", "x1^2"), hidden=(2,), seed=9))
    (tmp_path / "w.json").write_text(weights_text(w))
    w0 = open_session(Config(data="notebook", hidden=(0,), seed=9))
    (tmp_path / "w0.json").write_text(weights_text(w0))
    monkeypatch.chdir(tmp_path)


def ok(*args: str) -> str:
    """`backprop ARGS` in this process: exit 0 and no traceback, stdout."""
    code, out, err = run_main(*args)
    assert code == 0, err
    assert "Traceback" not in err
    return out


def session_of(opts: str):
    """The session `train OPTS` opens, read with the command line's own option table."""
    from tui.cli import train_parser

    return open_session(config_from(train_parser().parse_args(shlex.split(opts))))


def graph_sums(opts: str, rows, *extra: str) -> tuple[dict, dict]:
    """∂J/∂parameter summed over `rows`, from `graph --format json`, and the sums of their
    magnitudes (the scale a sum's rounding is judged against)."""
    got: dict[str, float] = {}
    scale: dict[str, float] = {}
    model = re.sub(r"--epochs \d+", "", opts)  # graph draws where training starts
    for r in rows:
        doc = json.loads(ok("graph", *shlex.split(model), *extra, "--row", str(int(r)),
                            "--format", "json"))
        assert doc["row"] == int(r)
        for node in doc["nodes"]:
            if node["kind"] in ("weight", "bias"):
                got.setdefault(node["id"], []).append(node["grad"])
    sums = {k: math.fsum(v) for k, v in got.items()}
    scale = {k: math.fsum(abs(x) for x in v) for k, v in got.items()}
    return sums, scale


def reported_gradients(doc: dict) -> dict[str, float]:
    want = {}
    for k, g in enumerate(doc["gradients"], 1):
        for (i, j), v in np.ndenumerate(np.array(g["weights"])):
            want[f"W{k}[{i},{j}]"] = float(v)
        for j, v in enumerate(np.ravel(g["bias"])):
            want[f"b{k}[{j}]"] = float(v)
    return want


def assert_rows_add_up(opts: str, session, *extra: str) -> None:
    doc = json.loads(ok("train", *shlex.split(opts), *extra, "--epochs", "1", "--json"))
    want = reported_gradients(doc)
    got, scale = graph_sums(opts, session.dataset.train_rows, *extra)
    assert set(got) == set(want)
    for k, v in want.items():
        assert abs(got[k] - v) <= 1e-12 * max(scale[k], abs(v)) + 1e-300, (k, got[k], v)


ACTS = {"linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z))}


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def assert_health(opts: str, session) -> None:
    """`train --json`'s health against the figures computed here, from its starting weights
    (`--epochs 0`), its final weights and gradients, and the network's inputs."""
    start = json.loads(ok("train", *shlex.split(opts), "--epochs", "0", "--json"))
    doc = json.loads(ok("train", *shlex.split(opts), "--json"))
    cfg, ds = session.config, session.dataset
    A = ds.X
    for k, (layer, h) in enumerate(zip(doc["layers"], doc["health"], strict=True)):
        W, b = np.array(layer["weights"]), np.ravel(layer["bias"])
        W0 = np.array(start["layers"][k]["weights"])
        last = k == len(doc["layers"]) - 1
        act = cfg.output_activation if last else cfg.activation
        Z = A @ W + b
        A = _softmax(Z) if act == "softmax" else ACTS[act](Z)
        g = np.array(doc["gradients"][k]["weights"])
        # the final weights are those after the last update; W0 is epoch 0's, so the ratio
        # is checked where there was a single update
        want = {"act_mean": A.mean(), "act_std": A.std(), "grad_norm": np.linalg.norm(g),
                "dead_fraction": float((Z <= 0).all(axis=0).mean()) if act == "relu" else None,
                "saturated_fraction": float((np.abs(A) > 0.97).mean()) if act == "tanh" else
                float(((A < 0.015) | (A > 0.985)).mean()) if act == "sigmoid" else None}
        if cfg.epochs == 1 and session.batches == 1:
            want["update_ratio"] = np.linalg.norm(W - W0) / np.linalg.norm(W0)
        assert h["layer"] == k + 1 and h["activation"] == act
        for key, v in want.items():
            if v is None:
                assert h[key] is None, (k, key)
            else:
                assert h[key] == pytest.approx(v, rel=1e-9, abs=1e-12), (k, key)
    y = ds.y
    chance = {"ce": math.log(y.shape[1]), "bce": math.log(2),
              "mse": float(((y - y.mean(axis=0)) ** 2).mean())}[cfg.loss]
    assert doc["chance_loss"] == pytest.approx(chance, rel=1e-12)


QUESTIONS = ("dW1[-1,-1]", "db1[-1]", "X[0,-1]", "yhat[0,0]", "J", "loss", "lr")


def lesson_file(opts: str, folder: Path) -> Path:
    """A lesson on the combination: it asks about gradients, a cross, J and the lr, has the
    learner step, run and step back, and predicts a weight after a step."""
    asks = "".join(f'[[step]]\nsay = "What is {q}?"\nask = "{q}"\n\n' for q in QUESTIONS)
    setup = opts.replace('"', '\\"')
    text = (f'title = "combination"\nsetup = "{setup}"\n\n[[step]]\nsay = "W1[0,0] is '
            f'{{W1[0,0]:.4f}}, dW1[0,0] {{dW1[0,0]}}, lr {{lr}}."\n\n{asks}'
            '[[step]]\nsay = "Predict W1[0,0] after a step."\npredict = "W1[0,0]"\ndo = "s"\n\n'
            '[[step]]\nsay = "Run."\nwait = "r"\n\n'
            '[[step]]\nsay = "And the lr now?"\nask = "lr"\n\n'
            '[[step]]\nsay = "Back one."\nwait = "b"\n\n'
            '[[step]]\nsay = "J again?"\nask = "J"\n')
    path = folder / "combination.toml"
    path.write_text(text)
    return path


def assert_worked_answers(session) -> None:
    """Every question the lesson asks has a worked answer ending on its value, at the start
    and after a step and a run."""
    for _ in range(2):
        bound = Bound(session)
        for text in (*QUESTIONS, "W1[0,0]", "objective"):
            q = parse(text, session)
            done = worked(bound, q)
            assert done is not None and done.value == bound.value(q), text
        session.step()
        session.run(3)


# ---------------------------------------------------------------- one run


@pytest.mark.parametrize("name", list(CASES))
def test_graph_rows_add_up_to_trains_gradients(name):
    opts, full_batch = CASES[name]
    session = session_of(opts)
    if full_batch:
        assert_rows_add_up(opts, session)
    else:  # mini-batches: train's gradients are the last batch's; the graph still draws
        graph_sums(opts, session.dataset.train_rows[:3])
    if session.dataset.has_test:  # a held-out row has no term in J: one line, exit 2
        code, out, err = run_main("graph", *shlex.split(re.sub(r"--epochs \d+", "", opts)),
                                  "--row",
                                  str(int(session.dataset.test_rows[0])))
        assert code == 2 and out == "" and err.count("\n") == 1 and "test row" in err


@pytest.mark.parametrize("name", list(CASES))
def test_the_numpy_script_prints_what_train_prints(name, tmp_path):
    opts, _ = CASES[name]
    want = ok("train", *shlex.split(opts), "--log-every", "4")
    ok("code", *shlex.split(opts), "--log-every", "4", "--format", "numpy", "-o", "s.py")
    assert run_script(tmp_path / "s.py") == want


@pytest.mark.parametrize("name", list(CASES))
def test_health_and_chance_loss(name):
    opts, _ = CASES[name]
    assert_health(opts, session_of(opts))
    one = re.sub(r"--epochs \d+", "--epochs 1", opts)  # one update: its update/weight ratio
    assert_health(one, session_of(one))


@pytest.mark.parametrize("name", list(CASES))
def test_a_lesson_on_it_checks_and_is_worked(name, tmp_path):
    opts, _ = CASES[name]
    assert ok("lesson", "--check", str(lesson_file(opts, tmp_path))) == \
        f"ok: {len(QUESTIONS) + 6} steps\n"
    assert_worked_answers(session_of(opts))


# ---------------------------------------------------------------- two runs


def _pair(opts: str, change: str):
    a = session_of(opts)
    return open_compare(a, compare_given(change), change)


@pytest.mark.parametrize("name", list(COMPARE))
def test_each_of_two_runs_is_that_run_alone(name):
    opts, change = COMPARE[name]
    both = json.loads(ok("train", *shlex.split(opts), "--compare", change, "--json"))
    assert both["compare"] == change and len(both["runs"]) == 2
    alone_a = json.loads(ok("train", *shlex.split(opts), "--json"))
    assert both["runs"][0] == alone_a
    pair = _pair(opts, change)
    b_opts = f"{opts} {change}"
    if pair.b.initial is not None:  # B starts from weights it shares with A
        Path("b0.json").write_text(weights_text(pair.b))
        b_opts += " --weights b0.json"
    alone_b = json.loads(ok("train", *shlex.split(b_opts), "--json"))
    for key in ("loss", "objective", "layers", "gradients", "history", "health",
                "chance_loss", "predictions"):
        assert both["runs"][1][key] == alone_b[key], key


@pytest.mark.parametrize("name", list(COMPARE))
def test_run_b_is_drawn_and_written(name, tmp_path):
    opts, change = COMPARE[name]
    pair = _pair(opts, change)
    rows = pair.b.dataset.train_rows
    got, scale = graph_sums(opts, rows[:2], "--compare", change, "--run", "B")
    from core.present.chain import session_graph

    for k, v in got.items():
        want = math.fsum(session_graph(pair.b, int(r)).node(k).grad for r in rows[:2])
        assert abs(v - want) <= 1e-12 * max(scale[k], 1e-300), k
    # B's program prints, and ends on, what B does when it trains its epochs
    path = tmp_path / "b.py"
    ok("code", *shlex.split(opts), "--compare", change, "--run", "B", "--format", "numpy",
       "-o", str(path))
    want_text, want_params = continued(pair.b)
    assert run_script(path) == want_text
    assert_same_params(final_params(path), want_params, 1e-12)


def test_a_two_run_session_file_of_every_option_round_trips(tmp_path):
    """Two runs with schedules, L1 and L2, crosses on B, mini-batches on A, saved mid-epoch
    after an lr change: reopened, each run shows the update that led to it and steps on
    bit for bit; `graph --resume --run B` draws B, and B's program is B's training."""
    from core import load_runs, save_session
    from core.files.sessionfile import session_doc
    from core.present.chain import graph_json, session_graph

    opts = ("--data circle --seed 4 --epochs 6 --hidden 3 --activation tanh --optimizer sgd "
            "--batch-size 64 --lr-schedule step:2:0.5 --l1 0.001")
    change = "--inputs x1,x2,x1^2,x2^2 --hidden 0 --optimizer adam --lr 0.05 " \
        "--lr-schedule cosine:4 --l2 0.01"
    pair = _pair(opts, change)
    pair.run(2)
    pair.a.scale_lr(0.5)
    pair.run(1)
    for s in pair.runs:
        s.step_update()
    path = tmp_path / "two.json"
    save_session(pair.a, str(path), pair)
    a, reopened = load_runs(str(path))
    assert reopened is not None and reopened.text == change
    assert session_doc(a, reopened) == session_doc(pair.a, pair)
    for before, after in zip(pair.runs, reopened.runs, strict=True):
        assert (after.epoch, after.batch, after.lr, after.base_lr) == \
            (before.epoch, before.batch, before.lr, before.base_lr)
        assert after.last is not None
        for k in range(after.last.depth):
            assert np.array_equal(after.last.dW[k], before.last.dW[k])
    assert ok("graph", "--resume", str(path), "--run", "B", "--format", "json", "--row",
              "7") == graph_json(session_graph(pair.b, 7), pair.b)
    program = tmp_path / "b.py"
    ok("code", "--resume", str(path), "--run", "B", "--format", "numpy", "-o", str(program))
    # B was only stepped: its program trains B from its start, as a new pair's B does
    want_text, want_params = continued(_pair(opts, change).b)
    assert run_script(program) == want_text
    assert_same_params(final_params(program), want_params, 1e-12)
    # A's lr was changed by hand: its program continues A from where the file has it
    ok("code", "--resume", str(path), "--format", "numpy", "-o", str(program), "--force")
    want_text, want_params = continued(load_runs(str(path))[0])
    assert "lr schedule's base 0.3 → 0.15" in program.read_text()
    assert run_script(program) == want_text
    assert_same_params(final_params(program), want_params, 1e-12)
    for before, after in zip(pair.runs, reopened.runs, strict=True):  # on, bit for bit
        before.run(2)
        after.run(2)
        assert np.array_equal(before.net.flat, after.net.flat) and before.lr == after.lr
