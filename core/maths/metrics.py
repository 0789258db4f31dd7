"""How right a classifier is: predicted classes, accuracy and confusion matrices.

A single sigmoid output predicts class 1 when ŷ > 0.5 (the target's class is y > 0.5); a
softmax output predicts its largest unit (argmax), as does a one-hot target. Front ends
draw these numbers; they never work them out themselves.
"""

from __future__ import annotations

import numpy as np


def accuracy(yhat: np.ndarray, y: np.ndarray) -> float:
    """Share of right answers, ŷ > 0.5 against y > 0.5 per output (sigmoid outputs)."""
    if yhat.size == 0:
        return float("nan")
    return float(((yhat > 0.5) == (y > 0.5)).mean())


def accuracy_multiclass(yhat: np.ndarray, y: np.ndarray) -> float:
    """Share of rows whose largest output is the target's class (softmax, one-hot y)."""
    if yhat.shape[0] == 0:
        return float("nan")
    return float((yhat.argmax(axis=1) == y.argmax(axis=1)).mean())


def predicted(yhat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(class index, its probability) per row: argmax and max of a softmax, or ŷ > 0.5 and
    ŷ (or 1 − ŷ) of a single sigmoid."""
    if yhat.shape[1] > 1:
        return np.argmax(yhat, axis=1), np.max(yhat, axis=1)
    p = yhat[:, 0]
    cls = (p > 0.5).astype(np.intp)
    return cls, np.where(cls == 1, p, 1.0 - p)


def confusion(true: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """k×k counts: row = the true class, column = the predicted one."""
    flat = np.bincount(np.asarray(true, np.intp) * k + np.asarray(pred, np.intp),
                       minlength=k * k)
    return flat.reshape(k, k)


def class_accuracy(conf: np.ndarray) -> np.ndarray:
    """Each class's share of its own rows predicted right (NaN for a class with no rows)."""
    n = conf.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.diag(conf) / np.maximum(n, 1), np.nan)
