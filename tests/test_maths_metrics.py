"""How right a classifier is, against numbers worked out by hand: predicted classes and their
probabilities (a sigmoid output on both sides of 0.5, a softmax), accuracy, and confusion
matrices that are not symmetric, so a transposed matrix or a swapped argument reads wrong.
A session's confusion matrices are then counted again row by row from its predictions."""

from __future__ import annotations

import numpy as np
import pytest

from core import Config, open_session
from core.maths.metrics import accuracy, accuracy_multiclass, class_accuracy, confusion, predicted


def test_a_sigmoid_output_predicts_class_1_above_one_half_with_its_own_probability():
    """ŷ is the probability of class 1: a row at 0.2 is class 0 with probability 0.8, and 0.5
    itself is not above one half (class 0, 0.5)."""
    yhat = np.array([[0.9], [0.2], [0.5], [0.51], [0.0], [1.0], [0.35]])
    cls, prob = predicted(yhat)
    assert cls.tolist() == [1, 0, 0, 1, 0, 1, 0]
    assert prob.tolist() == pytest.approx([0.9, 0.8, 0.5, 0.51, 1.0, 1.0, 0.65], abs=1e-15)


def test_a_softmax_output_predicts_its_largest_unit_with_that_probability():
    yhat = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.25, 0.25, 0.5], [0.2, 0.3, 0.5]])
    cls, prob = predicted(yhat)
    assert cls.tolist() == [1, 0, 2, 2] and prob.tolist() == [0.7, 0.5, 0.5, 0.5]


def test_confusion_counts_true_classes_in_rows_and_predictions_in_columns():
    """Six rows of three classes, counted by hand:
         true 0 predicted 0, 1, 1;  true 1 predicted 2;  true 2 predicted 2, 0."""
    true = np.array([0, 0, 0, 1, 2, 2])
    pred = np.array([0, 1, 1, 2, 2, 0])
    assert confusion(true, pred, 3).tolist() == [[1, 2, 0],
                                                 [0, 0, 1],
                                                 [1, 0, 1]]
    # per class, the share of its own rows predicted right: 1 of 3, 0 of 1, 1 of 2
    assert class_accuracy(confusion(true, pred, 3)).tolist() == pytest.approx([1 / 3, 0, 0.5])


def test_confusion_of_two_classes_and_a_class_with_no_rows():
    """Class 2 never occurs: its row is zeros and its accuracy is NaN, not 0 or a warning."""
    conf = confusion(np.array([1, 1, 1, 0]), np.array([1, 0, 2, 1]), 3)
    assert conf.tolist() == [[0, 1, 0], [1, 1, 1], [0, 0, 0]]
    acc = class_accuracy(conf)
    assert acc[:2].tolist() == [0.0, 1 / 3] and np.isnan(acc[2])


def test_accuracy_hand_counted():
    # sigmoid: ŷ > 0.5 against y > 0.5, per output: right, wrong, right, wrong (0.5 is class 0)
    yhat = np.array([[0.9], [0.6], [0.1], [0.5]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    assert accuracy(yhat, y) == 0.5
    # softmax: the largest unit against the one-hot target: rows 0 and 2 are right
    yhat = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    y = np.eye(3)[[1, 2, 2]]
    assert accuracy_multiclass(yhat, y) == pytest.approx(2 / 3)


@pytest.mark.parametrize("cfg", [dict(data="spiral3", seed=3, test_fraction=0.25),
                                 dict(data="circle", seed=1, test_fraction=0.25)],
                         ids=["softmax", "sigmoid"])
def test_a_sessions_confusion_is_its_rows_counted_one_by_one(cfg):
    """Untrained, so the predictions are far from the targets and the matrices are not
    symmetric; each is counted again here from ŷ and the labels, row by row."""
    s = open_session(Config(**cfg))
    s.run(2)
    ev = s.evaluate()
    ds = s.dataset
    k = len(ds.classes)
    pred = np.asarray(ev.predictions)
    for rows, matrix in ((ds.train_rows, ev.confusion), (ds.test_rows, ev.test_confusion)):
        want = np.zeros((k, k), dtype=int)
        for r in rows:
            out = pred[r]
            guess = int(out.argmax()) if k > 2 or out.size > 1 else int(out[0] > 0.5)
            want[int(ds.labels[r]), guess] += 1
        assert np.asarray(matrix).tolist() == want.tolist()
    assert not np.array_equal(ev.confusion, np.asarray(ev.confusion).T)  # a transpose shows
    for r in range(len(pred)):  # each row's class and its probability, by hand
        out = pred[r]
        if out.size > 1:
            assert ev.predicted_class[r] == out.argmax() and ev.probability[r] == out.max()
        else:
            p = float(out[0])
            assert ev.probability[r] == pytest.approx(p if p > 0.5 else 1 - p, abs=1e-15)
