"""What `backprop train` prints: the seed it drew, log lines with test loss and accuracy,
predictions beside targets (bounded), the accuracy and confusion matrix, and --json."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.test_cli_bad_input import run_main

DATA = Path(__file__).parent / "data"
SEED_LINE = re.compile(r"^backprop: seed (\d+) \(repeat this run with --seed \1\)$")


def test_a_drawn_seed_is_printed_and_repeats_the_run(tmp_path):
    first = run_main("--data", "circle", "--epochs", "5", cwd=tmp_path)
    found = SEED_LINE.match(first.stderr.splitlines()[0])
    assert first.returncode == 0 and found and len(first.stderr.splitlines()) == 1
    again = run_main("--data", "circle", "--epochs", "5", "--seed", found.group(1), cwd=tmp_path)
    assert again.stdout == first.stdout and again.stderr == ""


def test_no_seed_line_where_the_seed_changes_nothing(tmp_path):
    assert run_main("--preset", "notebook", "--epochs", "3", cwd=tmp_path).stderr == ""


def test_log_lines_add_test_loss_and_accuracy(tmp_path):
    out = run_main("--data", "circle", "--test-fraction", "0.25", "--epochs", "3",
                   "--log-every", "1", "--seed", "1", cwd=tmp_path).stdout
    lines = out.splitlines()[:3]
    pattern = (r"Epoch \d, Loss: \d\.\d{5}, Test loss: \d\.\d{5}, Accuracy: \d\.\d{4}, "
               r"Test accuracy: \d\.\d{4}")
    assert all(re.fullmatch(pattern, ln) for ln in lines), lines
    plain = run_main("--data", "sine", "--epochs", "2", "--log-every", "1", "--seed", "1",
                     cwd=tmp_path).stdout.splitlines()[:2]
    assert all(re.fullmatch(r"Epoch \d, Loss: \d+\.\d{5}", ln) for ln in plain), plain


def test_classes_are_reported_with_their_names(tmp_path):
    shutil.copy(DATA / "pandas_index.csv", tmp_path)
    done = run_main("--data", "pandas_index.csv", "--loss", "ce", "--seed", "2",
                    "--log-every", "0", cwd=tmp_path)
    assert done.returncode == 0 and "index" in done.stderr
    out = done.stdout
    assert out.startswith("\nFinal predictions, 30 rows:\n  row  target      predicted   ")
    assert "  ... 10 more rows (the first 20 of 30 shown)" in out
    assert re.search(r"^Accuracy: 1\.0000 \(30 of 30 rows\)$", out, re.M)
    assert "Confusion matrix, all rows (rows: true class, columns: predicted):\n" \
           "              setosa  versicolor  virginica  accuracy\n" \
           "  setosa          10           0          0    1.0000" in out


def test_regression_predictions_are_in_original_units(tmp_path):
    out = run_main("--data", "notebook", "--seed", "1", "--log-every", "0",
                   cwd=tmp_path).stdout
    assert out.startswith("\nFinal predictions (original units), 4 rows:\n"
                          "  row  Final_Score  predicted\n    0           55")


def test_json_has_classes_accuracy_and_confusion(tmp_path):
    doc = json.loads(run_main("--data", "spiral3", "--test-fraction", "0.2", "--epochs", "20",
                              "--seed", "4", "--json", cwd=tmp_path).stdout)
    assert doc["classes"] == ["0", "1", "2"]
    assert 0 <= doc["accuracy"] <= 1 and 0 <= doc["test_accuracy"] <= 1
    assert sum(map(sum, doc["confusion"])) == 240 and sum(map(sum, doc["test_confusion"])) == 60
    assert len(doc["layers"][-1]["bias"]) == 3  # one output per class


def test_weights_files_have_one_output_column_per_class(tmp_path):
    """--json's layers load back with --weights: 10 epochs, then 5 more, equal 15."""
    args = ("--data", "spiral3", "--hidden", "5", "--seed", "3", "--lr", "0.3",
            "--optimizer", "gd")
    first = run_main(*args, "--epochs", "10", "--json", cwd=tmp_path)
    doc = json.loads(first.stdout)
    assert [len(row) for row in doc["layers"][-1]["weights"]] == [3] * 5
    (tmp_path / "w.json").write_text(first.stdout)
    resumed = json.loads(run_main(*args, "--weights", "w.json", "--epochs", "5", "--json",
                                  cwd=tmp_path).stdout)
    straight = json.loads(run_main(*args, "--epochs", "15", "--json", cwd=tmp_path).stdout)
    assert resumed["layers"] == straight["layers"]
    assert resumed["history"] == straight["history"][10:]
