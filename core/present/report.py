"""What `backprop train` prints, as small pure functions of plain values.

Each function uses only builtins and NumPy (as `np`) and calls only other functions of this
module, so that an exported script can embed their source (`inspect.getsource`) and print,
byte for byte, what `backprop train` prints. The names are stable and every docstring gives
the exact text a function returns. Nothing here ends a line with spaces, and every fixed word
is ASCII; only names taken from the data (columns, class labels) may be anything else.
A module constant a function reads (PRINTED_ROWS) is embedded as its value.
"""

from __future__ import annotations

import numpy as np

PRINTED_ROWS = 20  # rows of predictions `backprop train` prints; a line says how many more


def seed_line(seed: int) -> str:
    """For stderr when a run drew its own seed, so that it can be repeated:
    `backprop: seed 123456 (repeat this run with --seed 123456)`."""
    return f"backprop: seed {seed} (repeat this run with --seed {seed})"


def notice_line(notice: str) -> str:
    """For stderr: a loader's notice, e.g. `backprop: dropped column 'Unnamed: 0' ...`."""
    return f"backprop: {notice}"


def log_line(epoch: int, loss: float, test_loss: float | None = None,
             accuracy: float | None = None, test_accuracy: float | None = None) -> str:
    """The notebook's log line, `Epoch 100, Loss: 0.00072`, then what the run has besides:
    `, Test loss: 0.01234` with a test set, `, Accuracy: 0.9667` when classifying and
    `, Test accuracy: 0.9333` when classifying with a test set (pass None for what is absent).
    """
    line = f"Epoch {epoch}, Loss: {loss:.5f}"
    if test_loss is not None:
        line += f", Test loss: {test_loss:.5f}"
    if accuracy is not None:
        line += f", Accuracy: {accuracy:.4f}"
    if test_accuracy is not None:
        line += f", Test accuracy: {test_accuracy:.4f}"
    return line


def diverged_line(epoch: int, lr: float) -> str:
    """For stderr when training stopped on an infinite loss: `backprop: diverged at epoch 12:
    the loss became infinite. Try a lower learning rate than --lr 50, or --init xavier.`"""
    return (f"backprop: diverged at epoch {epoch}: the loss became infinite. "
            f"Try a lower learning rate than --lr {lr:g}, or --init xavier.")


def notebook_predictions(predictions: np.ndarray) -> str:
    """Exactly what the notebook's last cell prints, `print("\\nFinal Predictions:\\n", arr)`,
    less the final newline: an empty line, `Final Predictions:`, then a space and NumPy's
    `str` of the array (normalised units, as the notebook shows them)."""
    return "\nFinal Predictions:\n " + str(np.asarray(predictions))


def number(x: float) -> str:
    """A value in a table: `f"{x:.6g}"` (`55`, `64.8274`, `1.23457e+06`, `nan`), with −0
    written as `0`."""
    return f"{float(x) + 0.0:.6g}"


def text_table(header: list[str], rows: list[list[str]], right: list[bool]) -> list[str]:
    """Lines of a fixed-width table: each column as wide as its widest cell, columns two
    spaces apart, every line indented by two spaces, cells right-aligned where `right` is
    True (numbers) and left-aligned otherwise, no trailing spaces. The header is the first
    line."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [c.rjust(w) if ra else c.ljust(w)
                 for c, w, ra in zip(r, widths, right, strict=True)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def more_rows_line(shown: int, total: int) -> str:
    """Under a table cut short: `  ... 399,980 more rows (the first 20 of 400,000 shown)`."""
    return f"  ... {total - shown:,} more rows (the first {shown:,} of {total:,} shown)"


def regression_table(target_names: list[str], targets: np.ndarray, predictions: np.ndarray,
                     test: np.ndarray | None = None, limit: int = PRINTED_ROWS,
                     total: int | None = None) -> list[str]:
    """Each row's targets beside the network's predictions, in the targets' own units, for
    the first `limit` rows (file order) and a `more_rows_line` for the rest:

        Final predictions (original units), 4 rows:
          row  Final_Score  predicted
            0           55    55.0084
            ...

    With several targets the prediction columns are `predicted <name>`; a `set` column
    (`train`/`test`) is added when `test` (a bool per row) marks any row held out. Values
    are written with `number`. `total` is the table's row count when only its first rows
    are passed (default: the rows passed)."""
    targets, predictions = np.asarray(targets), np.asarray(predictions)
    total = targets.shape[0] if total is None else total
    shown = min(total, limit, targets.shape[0])
    several = len(target_names) > 1
    header = ["row", *target_names,
              *[f"predicted {t}" if several else "predicted" for t in target_names]]
    marked = test is not None and bool(np.any(test))
    if marked:
        header.append("set")
    rows = []
    for i in range(shown):
        cells = [str(i), *[number(v) for v in targets[i]], *[number(v) for v in predictions[i]]]
        if marked:
            cells.append("test" if test[i] else "train")
        rows.append(cells)
    right = [True] * (1 + 2 * len(target_names)) + [False] * marked
    lines = [f"\nFinal predictions (original units), {total:,} rows:",
             *text_table(header, rows, right)]
    if shown < total:
        lines.append(more_rows_line(shown, total))
    return lines


def classification_table(classes: list[str], target_class: np.ndarray,
                         predicted_class: np.ndarray, probability: np.ndarray,
                         test: np.ndarray | None = None, limit: int = PRINTED_ROWS) -> list[str]:
    """Each row's class beside the predicted class and the probability the network gives
    it, for the first `limit` rows (file order) and a `more_rows_line` for the rest:

        Final predictions, 150 rows:
          row  target      predicted   probability
            0  setosa      setosa           0.9812
            ...

    Classes are indices into `classes`; probabilities are written with four decimals. A
    `set` column (`train`/`test`) is added when `test` (a bool per row) marks any row."""
    total = len(target_class)
    shown = min(total, limit)
    header = ["row", "target", "predicted", "probability"]
    marked = test is not None and bool(np.any(test))
    if marked:
        header.append("set")
    rows = []
    for i in range(shown):
        cells = [str(i), classes[int(target_class[i])], classes[int(predicted_class[i])],
                 f"{float(probability[i]):.4f}"]
        if marked:
            cells.append("test" if test[i] else "train")
        rows.append(cells)
    lines = [f"\nFinal predictions, {total:,} rows:",
             *text_table(header, rows, [True, False, False, True] + [False] * marked)]
    if shown < total:
        lines.append(more_rows_line(shown, total))
    return lines


def accuracy_line(label: str, accuracy: float, confusion: np.ndarray | None = None) -> str:
    """`Accuracy: 0.9667 (145 of 150 rows)` (label `Accuracy`), or `Test accuracy: ...`;
    the counts come from the confusion matrix and are left out without one."""
    line = f"{label}: {accuracy:.4f}"
    if confusion is not None:
        c = np.asarray(confusion)
        line += f" ({int(np.trace(c)):,} of {int(c.sum()):,} rows)"
    return line


def confusion_table(classes: list[str], confusion: np.ndarray, title: str) -> list[str]:
    """A confusion matrix under `title`, rows the true class and columns the predicted one,
    with each class's accuracy (its diagonal count over its row's count; `-` when the class
    has no rows) in a last column:

        Confusion matrix, training rows (rows: true class, columns: predicted):
                      setosa  versicolor  virginica  accuracy
          setosa          50           0          0    1.0000
          ...
    """
    c = np.asarray(confusion)
    header = ["", *classes, "accuracy"]
    rows = []
    for k, name in enumerate(classes):
        n = int(c[k].sum())
        acc = f"{int(c[k, k]) / n:.4f}" if n else "-"
        rows.append([name, *[str(int(v)) for v in c[k]], acc])
    right = [False] + [True] * (len(classes) + 1)
    return [title, *text_table(header, rows, right)]


def final_report(target_names: list[str], targets: np.ndarray, predictions: np.ndarray,
                 classes: list[str] | None = None, target_class: np.ndarray | None = None,
                 predicted_class: np.ndarray | None = None,
                 probability: np.ndarray | None = None, test: np.ndarray | None = None,
                 accuracy: float | None = None, test_accuracy: float | None = None,
                 confusion: np.ndarray | None = None, test_confusion: np.ndarray | None = None,
                 limit: int = PRINTED_ROWS, total: int | None = None) -> str:
    """Everything `backprop train` prints after training, as one string without the final
    newline. With `classes`: the `classification_table`, then an empty line, the
    `accuracy_line`s (`Accuracy`, and `Test accuracy` with a test set) and the confusion
    matrices (training rows, then test rows), each after an empty line. Without: the
    `regression_table` (targets and predictions in original units), then the `Accuracy`
    line after an empty line when `accuracy` is given (several 0/1 targets). `total`: see
    `regression_table`."""
    if classes is None:
        lines = regression_table(target_names, targets, predictions, test, limit, total)
        if accuracy is not None:
            lines += ["", accuracy_line("Accuracy", accuracy)]
        return "\n".join(lines)
    lines = classification_table(classes, target_class, predicted_class, probability, test,
                                 limit)
    lines += ["", accuracy_line("Accuracy", accuracy, confusion)]
    if test_accuracy is not None:
        lines.append(accuracy_line("Test accuracy", test_accuracy, test_confusion))
    split = test_confusion is not None
    lines += ["", *confusion_table(
        classes, confusion, "Confusion matrix, " + ("training rows" if split else "all rows")
        + " (rows: true class, columns: predicted):")]
    if split:
        lines += ["", *confusion_table(
            classes, test_confusion,
            "Confusion matrix, test rows (rows: true class, columns: predicted):")]
    return "\n".join(lines)
