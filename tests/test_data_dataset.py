"""The Dataset record and the built-in datasets: normalisers invert, generators are seeded,
a test share is held out."""

import numpy as np
import pytest

from core import Config, open_session
from core.data.builtin import BUILTIN, builtin
from core.data.dataset import NORMALIZERS, Normalizer


@pytest.mark.parametrize("kind", NORMALIZERS)
def test_normalizers_invert(kind):
    rng = np.random.default_rng(0)
    v = rng.normal(5, 3, (20, 3))
    v[:, 2] = 7.0  # a constant column must not divide by zero
    n = Normalizer.fit(kind, v)
    np.testing.assert_allclose(n.invert(n.apply(v)), v, rtol=1e-12)
    assert np.isfinite(n.apply(v)).all()


def test_max_is_the_notebooks_division():
    ds = builtin("notebook", 0, 0.0, "max", 0.0)
    np.testing.assert_array_equal(ds.X[:, 0], np.array([2, 4, 6, 8]) / 8)
    np.testing.assert_array_equal(ds.y.ravel(), np.array([55, 65, 75, 85]) / 85)
    np.testing.assert_allclose(ds.to_original(ds.y).ravel(), [55, 65, 75, 85])


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_generators_are_deterministic_for_a_seed(name):
    a, b = builtin(name, 3, 0.1, "none", 0.25), builtin(name, 3, 0.1, "none", 0.25)
    assert np.array_equal(a.raw, b.raw) and np.array_equal(a.test_rows, b.test_rows)
    if name not in ("notebook", "xor"):
        c = builtin(name, 4, 0.1, "none", 0.25)
        assert not np.array_equal(a.raw, c.raw)


def test_test_fraction_holds_out_rows():
    s = open_session(Config(data="circle", seed=1, test_fraction=0.25))
    ds = s.dataset
    assert len(ds.test_rows) == 50 and len(ds.train_rows) == 150
    assert not set(ds.test_rows) & set(ds.train_rows)
    s.run(3)
    assert s.evaluate().test_loss is not None and len(s.history.values("test_loss")) == 3
