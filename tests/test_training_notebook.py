"""The core reproduces the seed notebook: same log lines, same predictions to 8 decimals."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import Config, open_session

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / "tests" / "data" / "seed-notebook.txt"
SHARED = ROOT.parent / "shared" / "seed-notebook.txt"


def notebook_text() -> str:
    """The shared notebook when it is beside the repo (it is in CI), else our copy of it."""
    text = VENDORED.read_text(encoding="utf-8")
    if SHARED.exists():
        assert SHARED.read_text(encoding="utf-8") == text, "tests/data copy is out of date"
    return text


def printed_log(text: str) -> tuple[list[str], np.ndarray]:
    """The notebook's own output: its `Epoch N, Loss: x` lines and its final predictions."""
    lines = re.findall(r"^Epoch \d+, Loss: [0-9.]+$", text, flags=re.M)
    tail = text[text.rindex("Final Predictions:"):]
    preds = np.array([float(v) for v in re.findall(r"\[\[?([0-9.]+)\]", tail)])
    return lines, preds


def test_notebook_text_is_parsed():
    lines, preds = printed_log(notebook_text())
    assert len(lines) == 10 and lines[0] == "Epoch 0, Loss: 0.50015"
    assert preds.shape == (4,) and preds[0] == pytest.approx(0.64502238)


def test_preset_uses_the_printed_weights():
    s = open_session(Config(preset="notebook"))
    text = notebook_text()
    printed = [float(v) for v in re.findall(r"-?\d+\.\d{6,}", text[text.index("w1 :"):
                                                                    text.index("In [10]")])]
    W1, W2 = s.net.W
    b1, b2 = s.net.b
    # the notebook prints w1, w2, b1, b2 in that order
    assert printed == [*W1.ravel(), *W2.ravel(), *b1.ravel(), *b2.ravel()]
    assert (s.config.lr, s.config.epochs) == (0.1, 1000)


def test_train_preset_prints_what_the_notebook_printed():
    out = subprocess.run([sys.executable, "-m", "tui.cli", "train", "--preset", "notebook"],
                         capture_output=True, text=True, cwd=ROOT, check=True,
                         timeout=120).stdout
    want_lines, want_preds = printed_log(notebook_text())
    got_lines, got_preds = printed_log(out)
    assert got_lines == want_lines
    assert np.abs(got_preds - want_preds).max() < 5e-9  # equal to 8 decimals
    # and the block is printed the way numpy printed it in the notebook
    nb = notebook_text()
    block = nb[nb.rindex("Final Predictions:"):].strip()
    assert block in out


def test_preset_values_can_be_overridden():
    s = open_session(Config(preset="notebook", epochs=5, lr=0.2))
    assert (s.config.epochs, s.lr) == (5, 0.2)
    assert s.net.W[0][0, 0] == 0.53478669  # still the notebook's weights


def test_in_process_run_matches_notebook_loop():
    """An independent oracle: the notebook's loop, verbatim, on the same starting weights."""
    s = open_session(Config(preset="notebook"))
    X, y = s.dataset.X.copy(), s.dataset.y.copy()
    w1, w2 = (W.copy() for W in s.net.W)
    b1, b2 = (b.copy() for b in s.net.b)
    losses = []
    for _ in range(1000):
        h = np.dot(X, w1) + b1
        out = np.dot(h, w2) + b2
        losses.append(np.mean((y - out) ** 2))
        delta2 = out - y
        dw2 = np.dot(h.T, delta2) / X.shape[0]
        db2 = np.sum(delta2, axis=0, keepdims=True) / X.shape[0]
        delta1 = np.dot(delta2, w2.T)
        dw1 = np.dot(X.T, delta1) / X.shape[0]
        db1 = np.sum(delta1, axis=0, keepdims=True) / X.shape[0]
        w2 -= 0.1 * dw2
        b2 -= 0.1 * db2
        w1 -= 0.1 * dw1
        b1 -= 0.1 * db1
    s.run(1000)
    np.testing.assert_allclose(s.history.values(), losses, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s.net.W[0], w1, rtol=1e-10)
    np.testing.assert_allclose(s.net.b[1], b2, rtol=1e-10)
