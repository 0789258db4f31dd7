"""The phase walk shows exactly the record's numbers, in the notebook's order."""

import itertools

import numpy as np
import pytest

from core import Config, open_session
from core.present.phases import computed, computed_in, phases


def values(phase):
    return {label: v for line in phase.lines for label, v in line.values}


def test_notebook_walk_matches_the_record():
    s = open_session(Config(preset="notebook"))
    rec = s.step()
    walk = phases(rec, 2, "linear", "linear")
    assert [p.key for p in walk] == ["forward", "loss", "output", "hidden1", "update"]
    assert [p.step for p in walk] == [1, 2, 3, 4, 5]
    fwd, loss, out, hid, upd = walk
    assert fwd.lines[0].formula == "H = X·W1 + b1"
    assert fwd.lines[0].shapes == "(4×2)·(2×2) + (1×2) → (4×2)"
    assert np.array_equal(values(fwd)["H[2]"], rec.A[0][2])
    assert np.array_equal(values(fwd)["ŷ[2]"], rec.predictions[2])
    assert values(loss)["MSE"][0] == rec.loss and values(loss)["J"][0] == rec.objective
    assert out.lines[0].formula == "delta2 = ŷ − y"
    assert np.array_equal(values(out)["dW2"], rec.dW[1])  # a matrix, as the record has it
    assert np.array_equal(values(hid)["delta1[2]"], rec.delta[0][2])
    assert hid.lines[0].formula == "delta1 = delta2·W2ᵀ"
    assert np.array_equal(values(hid)["db1"], rec.db[0])
    assert values(hid)["dW1"].shape == (2, 2) and values(hid)["row 2's share"].shape == (2, 2)
    assert upd.lines[0].formula == "W2 −= lr·dW2"
    np.testing.assert_array_equal(values(upd)["after"], rec.b_after[0])  # last: b1
    assert all(line.equation for line in upd.lines)
    assert "W1" in upd.writes and "dW1" in upd.reads and "W1" in fwd.reads


def test_row_shares_add_up_to_the_gradient():
    s = open_session(Config(preset="notebook"))
    rec = s.step()
    total = sum(values(phases(rec, r, "linear", "linear")[3])[f"row {r}'s share"]
                for r in range(4))
    np.testing.assert_allclose(total, rec.dW[0], rtol=1e-12)


@pytest.mark.parametrize("l2,l1,words", [
    (0.02, 0.0, "/ N + λ·W1"), (0.0, 0.01, "/ N + λ·sign(W1)"),
    (0.02, 0.01, "/ N + λ₂·W1 + λ₁·sign(W1)"),
])
def test_with_penalties_the_shares_and_the_penalty_part_add_up_to_dW(l2, l1, words):
    """dW is every row's share plus the penalties' slope on the weights: the walk shows
    that part (λ·W, λ·sign(W)) and names it in the formula, and J names the penalties."""
    s = open_session(Config(data="xor", hidden=(3,), seed=2, l2=l2, l1=l1))
    rec = s.step()
    walk = phases(rec, 0, "tanh", "sigmoid")
    for k, phase in ((2, walk[2]), (1, walk[3])):
        got = values(phase)
        total = sum(values(phases(rec, r, "tanh", "sigmoid")[4 - k])[f"row {r}'s share"]
                    for r in range(4)) + got[f"dW{k}'s penalty part"]
        np.testing.assert_allclose(total, rec.dW[k - 1], rtol=1e-12, atol=1e-15)
        assert f"W{k}" in phase.reads
    assert words in walk[3].lines[1].formula
    objective = walk[1].lines[1].formula
    assert ("ΣW²" in objective) == bool(l2) and ("Σ|W|" in objective) == bool(l1)
    plain = phases(open_session(Config(data="xor", hidden=(3,), seed=2)).step(), 0, "tanh",
                   "sigmoid")
    assert all("penalty" not in label for line in plain[3].lines for label, _ in line.values)


@pytest.mark.parametrize("hidden", [(3,), (3, 2), (2, 2, 2)])
def test_one_phase_per_layer_going_backwards(hidden):
    s = open_session(Config(data="xor", hidden=hidden, seed=1))
    rec = s.step()
    keys = [p.key for p in phases(rec, 0, "tanh", "sigmoid")]
    L = len(hidden) + 1
    assert keys == ["forward", "loss", "output", *[f"hidden{k}" for k in range(L - 1, 0, -1)],
                    "update"]
    hid = phases(rec, 0, "tanh", "sigmoid")[3]
    assert "⊙ tanh′(Z" in hid.lines[0].formula


def test_what_a_walk_has_computed_grows_phase_by_phase():
    """Nothing a later phase computes is computed before it: dW1 only from the hidden
    layer's phase, the parameters only at the update."""
    s = open_session(Config(data="xor", hidden=(3, 2), seed=1))
    walk = phases(s.step(), 0, "tanh", "sigmoid")
    assert [p.title for p in walk][2:4] == ["Output layer gradients (layer 3)",
                                           "Hidden layer gradients (layer 2)"]
    seen = [computed(walk, k) for k in range(len(walk))]
    assert all(a < b for a, b in itertools.pairwise(seen))
    assert "ŷ" in seen[0] and "loss" not in seen[0] and "loss" in seen[1]
    assert "dW3" in seen[2] and "dW2" not in seen[2] and "dW1" not in seen[3]
    assert "dW1" in seen[4] and "W1" not in seen[4] and "W1" in seen[5]
    assert computed_in(walk, "dW1") == 4 and computed_in(walk, "delta3") == 2
    assert computed_in(walk, "nothing") is None
