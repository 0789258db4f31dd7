"""Exports (`x`): the parameters as a `--weights` file and the loss history as CSV."""

import csv
import io
import json
import os
import stat
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import Config, UserError, export, history_csv, open_session, view, weights_text
from core.files.weights import load_weights, write_atomic

NOW = datetime(2024, 5, 6, 14, 30, 9)
# Before pandas 3 read_csv's default float parser can be an ulp off; "round_trip" is exact.
# pandas 3 parses exactly by default and deprecates the option.
EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 \
    else {}


def make(**kw):
    return open_session(Config(seed=kw.pop("seed", 11), **kw))


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("kw", [
    dict(preset="notebook"),
    dict(data="spiral"),  # 2-8-8-1: three layers
    dict(data="sine", optimizer="sgd", batch_size=5),
])
def test_weights_round_trip_exactly(tmp_path, kw):
    s = make(**kw)
    s.run(3)
    path = tmp_path / "w.json"
    path.write_text(weights_text(s))
    assert np.array_equal(load_weights(str(path), s.sizes), s.net.flat)
    # and a session started from the exported file starts exactly there
    t = open_session(Config(**{**kw, "seed": 11, "weights": str(path), "preset": None}))
    assert np.array_equal(t.net.flat, s.net.flat)


def test_weights_text_is_the_documented_schema():
    s = make(preset="notebook")
    doc = json.loads(weights_text(s))
    assert list(doc) == ["layers"]
    assert [list(layer) for layer in doc["layers"]] == [["weights", "bias"]] * 2
    assert doc["layers"][0]["weights"] == [[0.53478669, 0.44097337], [0.23139675, 0.47830704]]
    assert doc["layers"][1]["bias"] == [0.66356891]
    text = weights_text(s)
    assert "        [0.53478669, 0.44097337],\n" in text  # a matrix row per line


def test_history_csv_columns():
    fresh = make(preset="notebook")
    ev = fresh.evaluate()  # before any step, the one row is the starting network's
    assert history_csv(fresh) == f"epoch,loss,objective\n0,{ev.loss!r},{ev.objective!r}\n"
    with_test = make(data="sine", test_fraction=0.2)
    with_test.run(2)
    assert history_csv(with_test).splitlines()[0] == "epoch,loss,objective,test_loss"
    classes = make(data="xor", test_fraction=0.25)
    classes.run(1)
    # the columns first, in its order; accuracy only where there is one
    assert history_csv(classes).splitlines()[0] == \
        "epoch,loss,objective,test_loss,accuracy,test_accuracy"


@pytest.mark.parametrize("kw", [dict(preset="notebook"),
                                dict(data="circle", optimizer="adam", batch_size=16,
                                     test_fraction=0.2)])
def test_history_csv_reads_back_exactly(kw):
    s = make(**kw)
    s.run(7)
    s.step_update()  # mid-epoch with mini-batches: this epoch's row is already logged
    text = history_csv(s)
    rows = list(csv.DictReader(io.StringIO(text)))
    # the file ends where the loss chart ends: at the current loss between epochs
    curve = view(s).loss_curve
    assert [int(r["epoch"]) for r in rows] == list(range(len(curve)))
    assert np.array_equal([float(r["loss"]) for r in rows], curve)
    logged = len(s.history)
    for col in s.history.columns:
        assert np.array_equal([float(r[col]) for r in rows][:logged], s.history.values(col))
    frame = pd.read_csv(io.StringIO(text), **EXACT_FLOATS)  # pandas reads it back exactly
    for col in s.history.columns:
        assert np.array_equal(frame[col].to_numpy()[:logged], s.history.values(col))


def test_history_csv_matches_the_notebook_log():
    s = make(preset="notebook")
    s.run(1000)
    rows = list(csv.DictReader(io.StringIO(history_csv(s))))
    assert len(rows) == 1001  # epochs 0–999 as logged, and the trained network's loss
    assert f"{float(rows[0]['loss']):.5f}" == "0.50015"  # the notebook's `Epoch 0, Loss`
    assert float(rows[-1]["loss"]) == s.evaluate().loss


def test_export_writes_both_files(tmp_path):
    s = make(data="xor", test_fraction=0.25)
    s.run(4)
    paths = export(s, str(tmp_path), NOW)
    assert [Path(p).name for p in paths] == ["backprop-weights-20240506-143009.json",
                                             "backprop-history-20240506-143009.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in paths)
    assert Path(paths[0]).read_text() == weights_text(s)
    assert Path(paths[1]).read_text() == history_csv(s)
    assert np.array_equal(load_weights(paths[0], s.sizes), s.net.flat)
    for p in paths:  # shareable: the permissions a plain write gives, not mkstemp's 0600
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o666 & ~current_umask()


def test_export_into_a_missing_folder(tmp_path):
    with pytest.raises(UserError, match="no folder"):
        export(make(preset="notebook"), str(tmp_path / "nope"), NOW)


def test_export_refuses_overflowed_parameters(tmp_path):
    s = make(preset="notebook")
    s.net.flat[2] = np.nan
    with pytest.raises(UserError, match="overflowed"):
        export(s, str(tmp_path), NOW)
    assert not list(tmp_path.iterdir())


def test_write_atomic_keeps_an_existing_files_permissions(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_atomic(str(path), "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
def test_weights_file_sets_the_start(tmp_path):
    p = tmp_path / "w.json"
    p.write_text('{"layers": [{"weights": [[1, 2], [3, 4]], "bias": [0.5, 0.5]},'
                 ' {"weights": [[1], [1]], "bias": [0]}]}')
    s = open_session(Config(preset="notebook", weights=str(p)))
    assert s.net.W[0].tolist() == [[1, 2], [3, 4]] and s.lr == 0.1
    p.write_text('{"layers": [{"weights": [[1, 2]], "bias": [0.5, 0.5]},'
                 ' {"weights": [[1], [1]], "bias": [0]}]}')
    with pytest.raises(UserError, match=r"W1 should be 2×2"):
        open_session(Config(preset="notebook", weights=str(p)))


