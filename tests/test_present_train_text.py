"""`core.present.train_text`: what `backprop train` prints, decided once for the CLI and the
exported programs: the log line's fields, how the report ends, the lines of a run in order
(stdout and stderr), and the --json object."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core import Config, open_session
from core.present.train_text import (
    Ending,
    ending,
    finite_or_none,
    json_doc,
    layers_json,
    log_fields,
    train_lines,
)
from tests.test_cli_bad_input import run_main

SESSIONS = [
    # (config, the log line's fields, the ending)
    (dict(preset="notebook"), (), Ending.NOTEBOOK),
    (dict(data="sine", seed=1), (), Ending.REGRESSION),
    (dict(data="sine", seed=1, test_fraction=0.25), ("test_loss",), Ending.REGRESSION),
    (dict(data="xor", seed=1), ("accuracy",), Ending.CLASSES),
    (dict(data="circle", seed=1, test_fraction=0.2),
     ("test_loss", "accuracy", "test_accuracy"), Ending.CLASSES),
    (dict(data="spiral3", seed=1, loss="mse", output_activation="sigmoid"), ("accuracy",),
     Ending.CLASSES),
    # the notebook's own print wins over the data's task
    (dict(preset="notebook", data="xor", loss="mse"), ("accuracy",), Ending.NOTEBOOK),
]


@pytest.mark.parametrize(("kw", "fields", "end"), SESSIONS)
def test_what_a_run_prints_is_read_from_its_session(kw, fields, end):
    s = open_session(Config(**kw))
    assert log_fields(s) == fields
    assert ending(s) is end


def test_several_zero_one_targets_are_scored_without_classes(tmp_path):
    """Two 0/1 target columns: an accuracy, but no class names to tabulate."""
    rows = ["a,b,y1,y2", *(f"{i / 10},{1 - i / 10},{i % 2},{(i // 2) % 2}" for i in range(10))]
    (tmp_path / "two.csv").write_text("\n".join(rows) + "\n")
    s = open_session(Config(data=str(tmp_path / "two.csv"), targets=("y1", "y2"), seed=1,
                            epochs=3))
    assert ending(s) is Ending.SCORED and log_fields(s) == ("accuracy",)
    text = [line.text for line in train_lines(s, log_every=0)][-1]
    assert text.startswith("\nFinal predictions (original units), 10 rows:\n")
    assert "\n\nAccuracy: " in text and "Confusion" not in text


def test_the_lines_of_a_run_in_order_and_on_their_stream(tmp_path):
    """Notices and a drawn seed go to stderr first, then a log line every log_every epochs
    (each that epoch's first forward pass), then the report: what the CLI prints."""
    csv = tmp_path / "indexed.csv"
    csv.write_text(",x,y\n" + "".join(f"{i},{i / 7:.3f},{(i * 3) % 5}\n" for i in range(12)))
    s = open_session(Config(data=str(csv), seed=9, epochs=25))
    lines = list(train_lines(s, log_every=10, seed_given=False))
    err = [line.text for line in lines if line.err]
    out = [line.text for line in lines if not line.err]
    assert err[0].startswith("backprop: ") and "Unnamed: 0" in err[0]
    assert err[1] == "backprop: seed 9 (repeat this run with --seed 9)"
    assert [line.err for line in lines] == [True, True, False, False, False, False]
    assert [o.split(",")[0] for o in out[:3]] == ["Epoch 0", "Epoch 10", "Epoch 20"]
    first = s.history.at(0, "loss")
    assert out[0] == f"Epoch 0, Loss: {first:.5f}"
    assert out[3].startswith("\nFinal predictions (original units), 12 rows:")
    cli = run_main("--data", str(csv), "--seed", "9", "--epochs", "25", "--log-every", "10",
                   cwd=tmp_path)
    assert cli.stdout == "".join(f"{o}\n" for o in out)
    assert cli.stderr.splitlines() == [err[0]]  # --seed given: no seed line


def test_no_log_lines_with_json_and_a_divergence_on_stderr_last():
    s = open_session(Config(preset="notebook", lr=50.0, epochs=200))
    lines = list(train_lines(s, log_every=1, as_json=True))
    assert [line.err for line in lines] == [False, True]
    doc = json.loads(lines[0].text)
    assert doc["diverged_at"] == s.diverged_at is not None
    assert lines[1].text.startswith(f"backprop: diverged at epoch {s.diverged_at}: ")
    assert "--lr 50" in lines[1].text


def test_the_json_object_holds_the_run():
    s = open_session(Config(data="xor", seed=3, epochs=30, test_fraction=0.5))
    list(train_lines(s, as_json=True))
    doc = json_doc(s)
    ev = s.evaluate()
    assert doc["epoch"] == 30 and doc["seed"] == 3 and doc["loss_name"] == "bce"
    assert doc["loss"] == ev.loss and doc["test_loss"] == ev.test_loss
    assert doc["history"] == s.history.values().tolist()
    assert doc["classes"] == ["0", "1"] and doc["confusion"] == ev.confusion.tolist()
    assert doc["test_accuracy"] == ev.test_accuracy
    W = [np.array(layer["weights"]) for layer in doc["layers"]]
    assert all(np.array_equal(a, b) for a, b in zip(W, s.net.W, strict=True))
    assert doc["gradients"] == layers_json(s.last.dW, s.last.db)


def test_numbers_json_cannot_hold_are_null():
    assert finite_or_none(None) is None and finite_or_none(math.nan) is None
    assert finite_or_none(math.inf) is None and finite_or_none(-math.inf) is None
    assert finite_or_none(0.25) == 0.25


def test_layers_are_the_weights_files_schema():
    W = (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0], [6.0]]))
    b = (np.array([[0.5, -0.5]]), np.array([[7.0]]))
    assert layers_json(W, b) == [
        {"weights": [[1.0, 2.0], [3.0, 4.0]], "bias": [0.5, -0.5]},
        {"weights": [[5.0], [6.0]], "bias": [7.0]},
    ]
