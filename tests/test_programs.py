"""`backprop code`: each exported program, run on its own, prints what `backprop train` prints
and ends on the session's parameters.

The NumPy script and the notebook print the same bytes as `train` and end on bit-identical
parameters (held here to 1e-12 relative); the torch script matches to 1e-9 and runs only where
a Python with torch is found (this interpreter, or `BACKPROP_TORCH_PYTHON`), else it skips:
torch is not a dependency of the project.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import Config, code_text, default_code_name, export_code, open_session
from core.files.sessionfile import load_session, save_session
from core.programs.literals import num

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "backprop: error: "

XOR = ("--data xor --hidden 4 --activation tanh --output-activation sigmoid --loss bce "
       "--optimizer adam --lr 0.05 --epochs 300 --seed 3")
CIRCLE = ("--data circle --hidden 6 --activation relu --optimizer momentum --lr 0.1 --l2 0.01 "
          "--epochs 200 --seed 5 --test-fraction 0.2")
SINE = ("--data sine --hidden 8 --activation tanh --optimizer sgd --batch-size 2 --epochs 50 "
        "--seed 4")
SPIRAL3 = ("--data spiral3 --loss ce --optimizer momentum --hidden 10 --activation tanh "
           "--epochs 100 --seed 1")
CASES = [
    "--preset notebook",
    XOR,
    CIRCLE,
    SINE,
    "--data gauss --init he --optimizer adam --batch-size 16 --seed 2 --epochs 30 "
    "--test-fraction 0.3 --normalize zscore --hidden 4,3 --l2 0.001",
    "--data sine --init uniform --optimizer momentum --batch-size 7 --output-activation tanh "
    "--normalize minmax --seed 8 --epochs 40 --log-every 7",
    "--data notebook --hidden 3 --activation sigmoid --output-activation relu --seed 1 "
    "--epochs 60 --log-every 0",
    SPIRAL3,
    "--data spiral3 --seed 2 --epochs 30 --test-fraction 0.2 --optimizer adam --batch-size 32 "
    "--normalize zscore",
]


def run_main(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """`backprop ARGS` in this process: exit code, stdout, stderr."""
    from tui.cli import main

    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def train(opts: str, *extra: str) -> str:
    code, out, err = run_main("train", *shlex.split(opts), *extra)
    assert code == 0, err
    return out


def run_script(path: Path, python: str = sys.executable) -> str:
    """Run a generated program as a user would: its own process, its own folder, isolated
    from this checkout (it must need nothing of the project)."""
    proc = subprocess.run([python, "-I", path.name], cwd=path.parent, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def final_params(path: Path) -> dict[str, np.ndarray]:
    """The script's W1, b1, … after it ran, read by running it once more with a line added."""
    extra = "\nimport json as _json\nprint('PARAMS' + _json.dumps({k: v.tolist() for k, v in " \
            "globals().items() if re.fullmatch(r'[Wb][0-9]+', k)}))\n"
    probe = path.with_name("probe_" + path.name)
    probe.write_text(path.read_text() + "\nimport re" + extra)
    out = run_script(probe)
    return {k: np.array(v) for k, v in json.loads(out.rsplit("PARAMS", 1)[1]).items()}


def json_params(opts: str) -> dict[str, np.ndarray]:
    doc = json.loads(train(opts, "--json"))
    out = {}
    for k, layer in enumerate(doc["layers"], start=1):
        out[f"W{k}"] = np.array(layer["weights"])
        out[f"b{k}"] = np.array(layer["bias"]).reshape(1, -1)
    return out


def assert_same_params(got: dict, want: dict, rtol: float) -> None:
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=rtol, atol=0, err_msg=k)


# ---------------------------------------------------------------- numpy


@pytest.mark.parametrize("opts", CASES)
def test_numpy_script_prints_what_train_prints(opts, tmp_path):
    path = tmp_path / "s.py"
    code, out, err = run_main("code", *shlex.split(opts), "--format", "numpy", "-o", str(path))
    assert code == 0, err
    assert out == f"{path}\n"
    text = path.read_text()
    assert not re.search(r"^\s*(from|import) (core|tui)\b", text, re.M)
    assert "import pandas" not in text  # built-in data needs numpy alone
    assert run_script(path) == train(opts)
    assert_same_params(final_params(path), json_params(opts), 1e-12)


def test_one_hot_targets_under_mse_are_scored_as_train_scores_them(tmp_path):
    """spiral3's classes are one-hot columns whatever the loss: with mse the log's accuracy
    is still the largest output's class (the session's rule, which the program follows)."""
    opts = ("--data spiral3 --loss mse --output-activation sigmoid --epochs 3 --log-every 1 "
            "--seed 1")
    path = tmp_path / "s.py"
    assert run_main("code", *shlex.split(opts), "--format", "numpy", "-o", str(path))[0] == 0
    assert "accuracy_multiclass(y_hat, y)" in path.read_text()
    assert run_script(path) == train(opts)


def test_the_notebook_preset_reads_like_the_notebook(tmp_path):
    text = code_text(open_session(Config(preset="notebook")), "numpy")
    for line in ("W1 = np.array([[0.53478669, 0.44097337], [0.23139675, 0.47830704]])",
                 "H = np.dot(X, W1) + b1  # (4, 2)", "delta2 = y_hat - y",
                 "dW2 = np.dot(H.T, delta2) / X.shape[0]", "delta1 = np.dot(delta2, W2.T)",
                 "W2 -= lr * dW2", 'print("\\nFinal Predictions:\\n", predictions)'):
        assert line in text
    # the steps in the notebook's order: forward, loss, deltas and gradients, update
    at = [text.index(s) for s in ("# 1. Forward pass", "# 2. Loss", "delta2 =", "dW1 =",
                                  "W2 -= ")]
    assert at == sorted(at)
    assert "It prints what `backprop train --preset notebook` prints." in text


def _csv(tmp_path: Path, rows: int) -> Path:
    """Numbers, a text feature and a numeric target, comma-separated."""
    rng = np.random.default_rng(0)
    lines = ["a,b,color,y"]
    for i in range(rows):
        a, b = rng.random(2)
        color = ("red", "green", "blue")[i % 3]
        lines.append(f"{a:.4f},{b * 10:.3f},{color},{a + 2 * b + (color == 'red'):.4f}")
    path = tmp_path / f"d{rows}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _labelled_csv(tmp_path: Path, rows: int) -> Path:
    """Semicolons, spaces after them, a text feature and yes/no labels."""
    rng = np.random.default_rng(1)
    lines = ["a;b;kind;label"]
    for i in range(rows):
        a, b = rng.random(2)
        lines.append(f"{a:.4f};{b:.4f}; {'xy'[i % 2]};{('no', 'yes')[int(a > b)]}")
    path = tmp_path / f"l{rows}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


DATA = ROOT / "tests" / "data"
CSV_CASES = [
    (_csv, 40, "--target y --test-fraction 0.25 --hidden 3 --seed 2 --epochs 100"),
    (_csv, 60, "--target y --drop color --hidden 3 --normalize zscore --seed 2 --epochs 50"),
    (_csv, 1500, "--test-fraction 0.1 --hidden 5 --activation relu --normalize minmax "
                 "--optimizer momentum --batch-size 64 --epochs 10 --seed 1"),
    (_labelled_csv, 50, "--loss ce --hidden 4 --activation tanh --seed 3 --epochs 60"),
    (_labelled_csv, 1200, "--loss bce --hidden 3 --seed 1 --epochs 10 --test-fraction 0.2 "
                          "--optimizer adam --batch-size 100"),
    (DATA / "excel_semicolon.csv", 0, "--loss ce --hidden 4 --seed 1 --epochs 40 "
                                      "--test-fraction 0.2 --normalize zscore"),
    (DATA / "meta_first_line.csv", 0, "--skip-rows 1 --no-header --loss ce --hidden 4 "
                                      "--seed 1 --epochs 40"),
    (DATA / "r_write_csv.csv", 0, "--target petal_width --features sepal_length,species "
                                  "--hidden 3 --seed 1 --epochs 40 --normalize zscore"),
]


@pytest.mark.parametrize(("source", "rows", "extra"), CSV_CASES)
def test_csv_data_written_out_or_read_at_run_time(source, rows, extra, tmp_path):
    csv = source(tmp_path, rows) if callable(source) else source
    opts = f"--data {csv} {extra}"
    path = tmp_path / "s.py"
    assert run_main("code", *shlex.split(opts), "--format", "numpy", "-o", str(path))[0] == 0
    text = path.read_text()
    at_run_time = rows > 1000
    assert ("import pandas as pd" in text) == at_run_time
    assert (str(csv) in text.split('"""', 2)[2]) == at_run_time  # the code reads the file
    assert run_script(path) == train(opts)
    assert_same_params(final_params(path), json_params(opts), 1e-12)


# ---------------------------------------------------------------- notebook


@pytest.mark.parametrize("opts", ["--preset notebook", XOR, SINE, CIRCLE, SPIRAL3])
def test_notebook_is_valid_and_its_cells_print_what_train_prints(opts, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    path = tmp_path / "n.ipynb"
    assert run_main("code", *shlex.split(opts), "--format", "notebook", "-o", str(path))[0] == 0
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(md) >= 3 and code and not any(c.get("outputs") for c in code)
    intro = md[0].source
    for label in ("Data", "Network", "Loss", "Optimiser", "Seed"):
        assert f"**{label}**" in intro
    assert "Forward pass" in intro and "delta" in intro
    buf, ns = io.StringIO(), {"__name__": "__main__"}
    with contextlib.redirect_stdout(buf):
        for c in code:
            exec(compile(c.source, "<cell>", "exec"), ns)
    assert buf.getvalue() == train(opts)


# ---------------------------------------------------------------- torch


def torch_python() -> str | None:
    """A Python that has torch: `BACKPROP_TORCH_PYTHON`, or this one."""
    given_python = os.environ.get("BACKPROP_TORCH_PYTHON")
    if given_python and shutil.which(given_python):
        return given_python
    return sys.executable if importlib.util.find_spec("torch") else None


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@pytest.mark.parametrize("opts", ["--preset notebook", XOR, CIRCLE, SINE, SPIRAL3])
def test_torch_script_matches_our_numbers(opts, tmp_path):
    python = torch_python()
    if python is None:
        pytest.skip("no Python with torch here (set BACKPROP_TORCH_PYTHON to one)")
    path = tmp_path / "t.py"
    assert run_main("code", *shlex.split(opts), "--format", "torch", "-o", str(path))[0] == 0
    text = path.read_text()
    assert "import torch" in text and "torch.optim." in text and ".backward()" in text
    probe = path.with_name("probe.py")
    probe.write_text(text + "\nimport json as _json\nprint('PARAMS' + _json.dumps("
                     "[p.detach().numpy().tolist() for p in params]))\n")
    out, _, params = run_script(probe, python).rpartition("PARAMS")
    want = train(opts)
    got_numbers, want_numbers = NUMBER.findall(out), NUMBER.findall(want)
    assert len(got_numbers) == len(want_numbers)
    worst = max(abs(float(a) - float(b)) for a, b in zip(got_numbers, want_numbers, strict=True))
    assert worst <= 1e-6
    ref = json_params(opts)
    names = [f"{kind}{k}" for k in range(1, len(ref) // 2 + 1) for kind in "Wb"]
    got = dict(zip(names, (np.array(p) for p in json.loads(params)), strict=True))
    assert_same_params(got, ref, 1e-9)


# ---------------------------------------------------------------- sessions changed by hand


def assert_continues_the_session(text: str, session, tmp_path) -> None:
    """The program prints and ends on what the session does when it trains on from where
    it is (a separate computation: parameters to a relative 1e-12)."""
    path = tmp_path / "s.py"
    path.write_text(text)
    want_text, want_params = _continued(session)
    assert run_script(path) == want_text
    assert_same_params(final_params(path), want_params, 1e-12)


def _continued(session) -> tuple[str, dict]:
    """What a session prints and ends on when it trains its configured epochs from where it
    is, printed as `train` prints."""
    from core.present.train_text import final_text, log_line

    e0, b0 = session.epoch, session.batch
    session.undo_budget = 0
    session.run(session.config.epochs)
    lines = [log_line(session, e) for e in range(e0 + (1 if b0 else 0), session.epoch)
             if e % 100 == 0]
    text = "".join(f"{line}\n" for line in lines) + final_text(session) + "\n"
    params = {}
    for k, (W, b) in enumerate(zip(session.net.W, session.net.b, strict=True), start=1):
        params[f"W{k}"], params[f"b{k}"] = np.array(W), np.array(b)
    return text, params


def test_a_resumed_session_with_an_edited_weight_continues_from_its_state(tmp_path):
    s = open_session(Config(data="circle", optimizer="adam", batch_size=16, seed=5, epochs=30,
                            test_fraction=0.2, l2=0.01, lr=0.05))
    s.run(3)
    s.set_param(0, "W", 1, 2, 0.25)
    s.step_update()  # stop mid-epoch: the shuffle and the generator must carry over
    saved = tmp_path / "session.json"
    save_session(s, str(saved))
    path = tmp_path / "s.py"
    code, _, err = run_main("code", "--resume", str(saved), "--format", "numpy", "-o",
                            str(path))
    assert code == 0, err
    text = path.read_text()
    assert "This session was changed by hand" in text
    assert "epoch 3: W1[1, 2] set to 0.25" in text
    want_text, want_params = _continued(load_session(str(saved)))
    assert run_script(path) == want_text
    assert_same_params(final_params(path), want_params, 1e-12)


def test_an_edit_at_the_current_position_is_named(tmp_path):
    s = open_session(Config(preset="notebook", epochs=200))
    s.run(150)
    s.set_param(0, "W", 0, 1, 0.5)
    s.set_lr(0.05)
    text = code_text(s, "numpy")
    assert "epoch 150: W1[0, 1] set to 0.5" in text
    assert "epoch 150: lr 0.1 → 0.05" in text
    assert "lr = 0.05" in text and "start_epoch = 150" in text
    assert_continues_the_session(text, s, tmp_path)


def test_a_session_only_stepped_starts_at_epoch_0(tmp_path):
    """Stepping forwards and back changes nothing by hand: the program is `train`'s."""
    s = open_session(Config(data="sine", optimizer="sgd", batch_size=4, seed=4, epochs=20))
    s.run(7)
    s.step_update()
    s.undo()
    s.set_lr(0.5)
    s.undo()  # the lr change, undone
    text = code_text(s, "numpy")
    assert "changed by hand" not in text and "range(epochs)" in text
    path = tmp_path / "s.py"
    path.write_text(text)
    opts = "--data sine --optimizer sgd --batch-size 4 --seed 4 --epochs 20"
    assert run_script(path) == train(opts)


def test_a_preset_session_started_over_names_its_drawn_weights(tmp_path):
    """`n` on the notebook preset draws new weights: the program starts from those, and
    names neither the preset's weights nor a `train` command (train would use the preset's)."""
    s = open_session(Config(preset="notebook", seed=1))
    s.reset(5)
    text = code_text(s, "numpy")
    header = " ".join(text.split('"""')[1].split())
    assert "drawn with seed 5" in header and "printed ones" not in header
    assert "It prints what" not in header
    assert_continues_the_session(text, s, tmp_path)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_an_edited_session_as_torch_and_notebook(optimizer, tmp_path):
    s = open_session(Config(data="circle", optimizer=optimizer, batch_size=16, seed=5,
                            epochs=20, l2=0.01, lr=0.05))
    s.run(2)
    s.set_param(1, "b", 0, 0, -0.3)
    s.step_update()
    want_text, want_params = _continued(load_session(_saved(s, tmp_path)))
    nb = json.loads(code_text(s, "notebook"))
    buf, ns = io.StringIO(), {"__name__": "__main__"}
    with contextlib.redirect_stdout(buf):
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                exec(compile("".join(c["source"]), "<cell>", "exec"), ns)
    assert buf.getvalue() == want_text
    python = torch_python()
    if python is None:
        return
    path = tmp_path / "t.py"
    path.write_text(code_text(s, "torch") + "\nimport json as _json\nprint('PARAMS' + "
                    "_json.dumps([p.detach().numpy().tolist() for p in params]))\n")
    params = run_script(path, python).rpartition("PARAMS")[2]
    got = dict(zip(want_params, (np.array(p) for p in json.loads(params)), strict=True))
    assert_same_params(got, want_params, 1e-9)


def _saved(session, folder: Path) -> str:
    path = folder / "edited.json"
    save_session(session, str(path))
    return str(path)


# ---------------------------------------------------------------- files and bad input


def test_export_code_writes_atomically_and_never_overwrites(tmp_path):
    s = open_session(Config(preset="notebook"))
    path = tmp_path / default_code_name("numpy", __import__("datetime").datetime(2026, 1, 2))
    assert path.name == "backprop-numpy-20260102-000000.py"
    assert export_code(s, "numpy", str(path)) == str(path)
    from core import UserError

    with pytest.raises(UserError, match="already exists"):
        export_code(s, "notebook", str(path))
    assert path.read_text().startswith('"""')
    export_code(s, "notebook", str(path), force=True)
    assert json.loads(path.read_text())["nbformat"] == 4
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize(("fmt", "suffix"), [("numpy", ".py"), ("notebook", ".ipynb"),
                                             ("torch", ".py")])
def test_default_name_in_this_folder_and_stdout(fmt, suffix, tmp_path):
    code, out, _ = run_main("code", "--preset", "notebook", "--format", fmt, cwd=tmp_path)
    assert code == 0
    name = out.strip()
    assert re.fullmatch(rf"backprop-{fmt}-\d{{8}}-\d{{6}}\{suffix}", name)
    assert (tmp_path / name).is_file()
    code, out, _ = run_main("code", "--preset", "notebook", "--format", fmt, "-o", "-")
    assert code == 0 and out == (tmp_path / name).read_text()


def _one_error(code: int, out: str, err: str) -> str:
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    return lines[0]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    line = _one_error(*run_main("code", "--preset", "notebook", "--format", "numpy", "-o",
                                str(tmp_path / "missing" / "s.py")))
    assert "no folder" in line
    line = _one_error(*run_main("code", "--preset", "notebook", "--format", "matlab"))
    assert "matlab" in line
    _one_error(*run_main("code", "--preset", "notebook"))  # --format is required
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "backprop-stepper-session", "version": 1, "config": 3}')
    assert "damaged" in _one_error(*run_main("code", "--resume", str(damaged), "--format",
                                             "numpy", "-o", "-"))
    existing = tmp_path / "mine.py"
    existing.write_text("keep me\n")
    line = _one_error(*run_main("code", "--preset", "notebook", "--format", "numpy", "-o",
                                str(existing)))
    assert "--force" in line and existing.read_text() == "keep me\n"
    code = run_main("code", "--preset", "notebook", "--format", "numpy", "-o",
                    str(existing), "--force")[0]
    assert code == 0 and existing.read_text().startswith('"""')


# ---------------------------------------------------------------- literals


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_is_written_so_that_it_reads_back_the_same(x):
    value = eval(num(x), {"np": np})
    assert value == x and np.copysign(1.0, value) == np.copysign(1.0, x)


def test_a_session_file_that_does_not_say_continues_from_where_it_is(tmp_path):
    """An older session file has no record of what was changed by hand: the program
    cannot claim a plain run, so it starts where the session is, and says why."""
    s = open_session(Config(data="xor", seed=3, epochs=40))
    s.run(30)
    saved = tmp_path / "old.json"
    save_session(s, str(saved))
    doc = json.loads(saved.read_text())
    del doc["hand_changes"]
    saved.write_text(json.dumps(doc))
    text = code_text(load_session(str(saved)), "numpy")
    words = " ".join(text.split())
    assert "does not say what was changed by hand" in words
    assert "This session was changed" not in words and "start_epoch = 30" in text
    assert_continues_the_session(text, s, tmp_path)


def test_resume_says_which_model_options_it_ignores(tmp_path):
    s = open_session(Config(data="xor", seed=3, epochs=20))
    s.run(5)
    saved = _saved(s, tmp_path)
    code, out, err = run_main("code", "--resume", saved, "--hidden", "7", "--format", "numpy",
                              "-o", "-")
    assert code == 0 and "--hidden" in err and "ignored" in err
    assert "It prints what `backprop train --data xor --epochs 20 --seed 3` prints" in \
        " ".join(out.split())
    _one_error(*run_main("code", "--preset", "notebook", "--format", "numpy", "--json"))


@pytest.mark.parametrize("name", ["excel_semicolon.csv", "meta_first_line.csv", "tabs.tsv",
                                  "r_write_csv.csv"])
def test_a_big_csv_is_read_with_the_loaders_own_pandas_arguments(name, monkeypatch):
    """The program's `pandas.read_csv` call is the loader's, less what only changes speed."""
    import pandas as pd

    from core.data.csvfile import CsvOptions, read_frame
    from core.programs.plan import READ_ONLY_SPEED, _read_args

    options = CsvOptions(header=name != "meta_first_line.csv",
                         skip_rows=1 if name == "meta_first_line.csv" else 0)
    seen = {}
    real = pd.read_csv

    def spy(path, **kwargs):
        seen.update(kwargs)
        return real(path, **kwargs)

    monkeypatch.setattr(pd, "read_csv", spy)
    _, layout = read_frame(str(DATA / name), options)
    defaults = {"skiprows": 0, "skipinitialspace": False, "compression": None,
                "decimal": ".", "encoding": "utf-8"}
    loader = {k: v for k, v in seen.items()
              if k not in READ_ONLY_SPEED and defaults.get(k, object()) != v}
    assert _read_args(layout, options.skip_rows) == loader
