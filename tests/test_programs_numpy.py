"""The NumPy script (core/programs/numpy_script.py): run on its own, it prints what
`backprop train` prints, byte for byte, and ends on the session's parameters; built-in data,
CSV files written out or read at run time, and sessions changed by hand or resumed."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from core import Config, code_text, open_session
from core.files.sessionfile import load_session, save_session
from tests.programs_helpers import (
    CASES,
    DATA,
    assert_continues_the_session,
    assert_same_params,
    continued,
    final_params,
    json_params,
    run_main,
    run_script,
    train,
)


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
    want_text, want_params = continued(load_session(str(saved)))
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
