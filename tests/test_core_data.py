"""Datasets: normalisers invert, generators are seeded, CSVs load or say what is wrong."""

import numpy as np
import pytest

from core import Config, UserError, open_session
from core.data import BUILTIN, NORMALIZERS, Normalizer, builtin
from core.table import load_csv


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


def write(tmp_path, text, name="d.csv", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


def test_csv_loads_with_targets_by_name(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n7,8,10\n")
    ds = load_csv(path, ("a",), "max", 0.0, 0)
    assert ds.feature_names == ("b", "c") and ds.target_names == ("a",)
    assert ds.X.shape == (3, 2)
    ds = load_csv(path, None, "none", 0.0, 0)
    assert ds.target_names == ("c",)


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("a,b\n", "no data rows"),
    ("a,b\n1,x\n3,4\n", "non-numeric"),
    ("a,b\n1,\n3,4\n", "NaN"),
    ("a,b\n1,inf\n3,4\n", "infinite"),
    ("a,a\n1,2\n3,4\n", "duplicate"),
    ("a\n1\n2\n", "at least 2 columns"),
])
def test_bad_csvs_say_what_is_wrong(tmp_path, text, match):
    with pytest.raises(UserError, match=match):
        load_csv(write(tmp_path, text), None, "max", 0.0, 0)


def test_bad_files(tmp_path):
    with pytest.raises(UserError, match="UTF-8"):
        load_csv(write(tmp_path, b"a,b\n\xff\xfe,1\n", mode="wb"), None, "max", 0.0, 0)
    with pytest.raises(UserError, match="directory"):
        load_csv(str(tmp_path), None, "max", 0.0, 0)
    with pytest.raises(UserError, match="no such file"):
        load_csv(str(tmp_path / "nope.csv"), None, "max", 0.0, 0)
    with pytest.raises(UserError, match="no column 'z'"):
        load_csv(write(tmp_path, "a,b\n1,2\n3,4\n"), ("z",), "max", 0.0, 0)


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


def test_config_refuses_instead_of_clamping():
    for bad in (dict(lr=-1), dict(lr=float("nan")), dict(hidden=(0,)), dict(epochs=-1),
                dict(hidden=(100000,)), dict(batch_size=0, optimizer="sgd"),
                dict(loss="bce", output_activation="linear"), dict(optimizer="gd", batch_size=2)):
        with pytest.raises(UserError) as err:
            open_session(Config(**bad))
        assert err.value.field is not None
