"""Fuzzing the loaders with generated files. Property: a valid result, or `UserError`;
never any other exception, and never a dataset or parameter vector holding NaN or inf."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.data.dataset import NORMALIZERS, Dataset
from core.data.table import load_csv
from core.errors import UserError
from core.files.weights import load_weights, parse_layers
from core.maths.network import n_params

# Example counts come from the profile in conftest.py (ci: 60, derandomised).
FUZZ = settings(deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------ CSV loader

def check_dataset(ds: Dataset, targets) -> None:
    """What a returned dataset must be: finite, consistent, and invertibly normalised."""
    nf, nt = len(ds.feature_names), len(ds.target_names)
    assert nf >= 1 and nt >= 1
    assert not set(ds.feature_names) & set(ds.target_names)
    if targets:  # each by name, or by position (0 first, -1 last) where no column has it
        assert len(ds.target_names) == len(targets)
        for spec, name in zip(targets, ds.target_names, strict=True):
            assert name == spec.strip() or spec.strip().lstrip("-").isdigit()
    assert ds.raw.shape[1] == nf + nt and ds.raw.shape[0] >= 1
    assert ds.X.shape == (ds.train_rows.size, nf) and ds.y.shape == (ds.train_rows.size, nt)
    assert ds.X_test.shape == (ds.test_rows.size, nf)
    assert sorted([*ds.train_rows, *ds.test_rows]) == list(range(ds.raw.shape[0]))
    for a in (ds.raw, ds.X, ds.y, ds.X_test, ds.y_test, ds.X_all, ds.y_all):
        assert np.isfinite(a).all()
    if ds.task == "regression":
        back = ds.to_original(ds.y)
        want = ds.raw[ds.train_rows, nf:]
        tol = 1e-9 * np.abs(want).max(axis=0, keepdims=True) + 1e-300
        assert (np.abs(back - want) <= tol).all()


def load(folder, content: bytes, targets=None, normalize="max", test_fraction=0.0):
    path = folder / "fuzz.csv"
    path.write_bytes(content)
    try:
        ds = load_csv(str(path), targets, normalize, test_fraction, seed=0)
    except UserError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()
        event(f"UserError: {str(exc).split(': ', 1)[-1][:24]}")
        return None
    check_dataset(ds, targets)
    event("loaded")
    return ds


@FUZZ
@given(content=st.binary(max_size=400), normalize=st.sampled_from(NORMALIZERS))
def test_random_bytes(folder, content, normalize):
    load(folder, content, normalize=normalize)


CELLS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr),
    st.sampled_from(["", " ", "nan", "NaN", "-inf", "inf", "1e999", "-1e-320", "0x10", "1_0",
                     "True", "false", "null", "NA", "#", '"', '""', '"1,2"', "'3'", "1j",
                     "\x00", "\ufeff1", "é", "1.5.2", "--1", "+.5", " 7 ", "\t8"]),
    st.text(max_size=6),
)
ROWSEP = st.sampled_from(["\n", "\r\n", "\r"])


@FUZZ
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=5), max_size=6), sep=ROWSEP,
       delim=st.sampled_from([",", ",", ";", "\t"]), normalize=st.sampled_from(NORMALIZERS))
def test_csv_like_text(folder, rows, sep, delim, normalize):
    text = sep.join(delim.join(r) for r in rows)
    load(folder, text.encode("utf-8", errors="surrogatepass"), normalize=normalize)


NAMES = st.sampled_from(["a", "b", "c", "a", " b", "score", "x.1", "Unnamed: 0", "", "1",
                         "é", '"q"', "a,b"])
FINITE = st.one_of(st.floats(min_value=-1e150, max_value=1e150, allow_nan=False),
                   st.integers(-5, 5), st.sampled_from([0.0, 1.0]))
# Magnitudes stop at 1e150 so that max − min cannot overflow: that bug has its own test
# (test_cli_bad_input.py::test_values_too_large_to_normalise).
AWKWARD = st.one_of(st.none(), st.sampled_from([math.nan, math.inf, -math.inf]), FINITE)


def table(names, cells) -> str:
    def cell(v):
        if v is None:
            return ""  # a hole
        return repr(float(v)) if isinstance(v, float) else str(v)

    header = ",".join(f'"{n}"' if "," in n or '"' in n else n for n in names)
    return "\n".join([header, *(",".join(cell(v) for v in row) for row in cells)]) + "\n"


@FUZZ
@given(data=st.data(), ncols=st.integers(1, 5), nrows=st.integers(0, 8),
       normalize=st.sampled_from(NORMALIZERS), test_fraction=st.sampled_from([0.0, 0.25, 0.5]))
def test_numeric_tables_with_holes(folder, data, ncols, nrows, normalize, test_fraction):
    plain = [f"c{i}" for i in range(ncols)]
    names = data.draw(st.just(plain) | st.lists(NAMES | st.sampled_from(plain),
                                                min_size=ncols, max_size=ncols))
    values = data.draw(st.sampled_from([FINITE, FINITE, AWKWARD]))
    cells = data.draw(st.lists(st.lists(values, min_size=ncols, max_size=ncols),
                               min_size=nrows, max_size=nrows))
    targets = data.draw(st.none() | st.lists(st.sampled_from(names) | NAMES | st.just("zz"),
                                             min_size=1, max_size=2, unique=True).map(tuple))
    ds = load(folder, table(names, cells).encode(), targets, normalize, test_fraction)
    clean = (len(set(names)) == ncols and all(n.strip() for n in names)
             and all(v is not None and math.isfinite(v) for row in cells for v in row))
    if ds is None and clean and nrows >= 2 and ncols >= 2 and targets is None \
            and test_fraction == 0.0:
        pytest.fail(f"a clean numeric table was refused:\n{table(names, cells)}")


# ------------------------------------------------------------------ weights loader

SIZES = st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.text(max_size=5),
    st.integers(), st.integers(10**300, 10**320),  # beyond float range
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1.5", "nan", "inf", "1e999", ""]),
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["layers", "weights", "bias", "W", "b"])
                      | st.text(max_size=3), inner, max_size=4),
    max_leaves=25)


def near_valid(sizes, data):
    """A `{"layers": …}` document, usually the right shape, sometimes off by one, with plain
    or awkward numbers, biases as [b…] or [[b…]]."""
    values = data.draw(st.sampled_from([st.floats(-10, 10), st.floats(-10, 10), JSON_SCALARS]))

    def matrix(rows, cols):
        if data.draw(st.integers(0, 3)) == 0:  # off by one somewhere
            rows = max(rows + data.draw(st.integers(-1, 1)), 0)
            cols = max(cols + data.draw(st.integers(-1, 1)), 0)
        return data.draw(st.lists(st.lists(values, min_size=cols, max_size=cols),
                                  min_size=rows, max_size=rows))

    layers = []
    for i, o in itertools.pairwise(sizes):
        bias = matrix(1, o)
        layers.append({"weights": matrix(i, o),
                       "bias": bias[0] if bias and data.draw(st.booleans()) else bias})
    return {"layers": layers}


def check_flat(flat, sizes) -> None:
    assert isinstance(flat, np.ndarray) and flat.shape == (n_params(sizes),)
    assert flat.dtype == float and np.isfinite(flat).all()


def parse_or_user_error(doc, sizes):
    try:
        flat = parse_layers(doc, sizes, "fuzz.json")
    except UserError as exc:
        assert str(exc).startswith("fuzz.json") and "\n" not in str(exc)
        event(f"UserError: {str(exc).split(': ', 1)[-1][:20]}")
        return None
    check_flat(flat, sizes)
    event("parsed")
    return flat


@FUZZ
@given(doc=ANY_JSON, sizes=SIZES)
def test_parse_layers_any_json(doc, sizes):
    parse_or_user_error(doc, sizes)


@FUZZ
@given(data=st.data(), sizes=SIZES)
def test_parse_layers_near_valid(data, sizes):
    doc = near_valid(sizes, data)
    parse_or_user_error(doc, sizes)


@FUZZ
@given(sizes=SIZES, seed=st.integers(0, 2**32 - 1))
def test_valid_layers_round_trip_exactly(sizes, seed):
    from core.maths.network import param_views
    from core.present.train_text import layers_json

    flat = np.random.default_rng(seed).normal(0, 10, n_params(sizes))
    doc = json.loads(json.dumps({"layers": layers_json(*param_views(flat, sizes))}))
    np.testing.assert_array_equal(parse_layers(doc, sizes, "x"), flat)


@FUZZ
@given(content=st.one_of(
    st.binary(max_size=200),
    ANY_JSON.map(lambda d: json.dumps(d).encode()),
    st.tuples(ANY_JSON, st.integers(0, 40)).map(lambda t: json.dumps(t[0]).encode()[:t[1]]),
), sizes=SIZES)
def test_load_weights_files(folder, content, sizes):
    path = folder / "fuzz.json"
    path.write_bytes(content)
    try:
        flat = load_weights(str(path), sizes)
    except UserError as exc:
        assert "\n" not in str(exc)
        return
    check_flat(flat, sizes)
