"""`core.present.report`: the exact text `backprop train` prints, from plain values only."""

import ast
import inspect

import numpy as np

from core.present import report


def test_report_imports_nothing_but_numpy():
    """Exported scripts embed these functions' source: they may need NumPy, nothing else."""
    tree = ast.parse(inspect.getsource(report))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {"numpy", "__future__"}
    for name, fn in inspect.getmembers(report, inspect.isfunction):
        body = ast.parse(inspect.getsource(fn))
        assert not [n for n in ast.walk(body) if isinstance(n, ast.Import | ast.ImportFrom)], name


def test_log_lines():
    assert report.log_line(0, 0.500149) == "Epoch 0, Loss: 0.50015"
    assert report.log_line(100, 0.5, test_loss=0.25) == \
        "Epoch 100, Loss: 0.50000, Test loss: 0.25000"
    assert report.log_line(5, 0.5, None, 0.96666, None) == \
        "Epoch 5, Loss: 0.50000, Accuracy: 0.9667"
    assert report.log_line(5, 0.5, 0.6, 0.5, 0.25) == (
        "Epoch 5, Loss: 0.50000, Test loss: 0.60000, Accuracy: 0.5000, Test accuracy: 0.2500")


def test_seed_line():
    assert report.seed_line(123456) == \
        "backprop: seed 123456 (repeat this run with --seed 123456)"


def test_notebook_predictions_are_the_notebooks_print():
    arr = np.array([[0.64502238], [0.77016154]])
    assert report.notebook_predictions(arr) + "\n" == "\nFinal Predictions:\n " + str(arr) + "\n"


def test_regression_table_is_fixed_width_and_bounded():
    t = np.arange(25.0).reshape(-1, 1)
    text = "\n".join(report.regression_table(["score"], t, t + 0.5, limit=3))
    assert text == (
        "\nFinal predictions (original units), 25 rows:\n"
        "  row  score  predicted\n"
        "    0      0        0.5\n"
        "    1      1        1.5\n"
        "    2      2        2.5\n"
        "  ... 22 more rows (the first 3 of 25 shown)")


def test_classification_report():
    classes = ["big", "small"]
    text = report.final_report(
        ["kind"], None, None, classes=classes, target_class=np.array([0, 1, 1]),
        predicted_class=np.array([0, 1, 0]), probability=np.array([0.9, 0.75, 0.6]),
        accuracy=2 / 3, confusion=np.array([[1, 0], [1, 1]]))
    assert text == (
        "\nFinal predictions, 3 rows:\n"
        "  row  target  predicted  probability\n"
        "    0  big     big             0.9000\n"
        "    1  small   small           0.7500\n"
        "    2  small   big             0.6000\n"
        "\n"
        "Accuracy: 0.6667 (2 of 3 rows)\n"
        "\n"
        "Confusion matrix, all rows (rows: true class, columns: predicted):\n"
        "         big  small  accuracy\n"
        "  big      1      0    1.0000\n"
        "  small    1      1    0.5000")


def test_numbers_are_short_and_never_negative_zero():
    assert [report.number(v) for v in (55.0, -0.0, 64.82741234, 1234567.0)] == \
        ["55", "0", "64.8274", "1.23457e+06"]
