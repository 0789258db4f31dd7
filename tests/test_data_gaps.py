"""Missing values, `--missing drop|mean|median|zero`, against pandas' own `dropna` and
`fillna` on the same file (read with pandas' NA detection, as a user would): the table the
network trains on must be exactly what pandas gives. Without `--missing` the first gap stops
loading, and the message names the option."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from core import Config, UserError, open_session

from .conftest import BACKPROP

TITANIC = ("age,fare,embarked,survived\n22,7.25,S,0\n38,71.28,C,1\n,7.92,S,1\n35,NA,S,1\n"
           ",8.05,,0\n54,51.86,S,\n2,21.07,Q,0\n27,11.13,S,1\n14,30.07,C,1\n4,16.7,S,1\n"
           "58,26.55,S,1\n20,8.05,S,0\nnull,31.28,S,0\n39,31.27,S,0\n")


def write(tmp_path, text: str, name: str = "gaps.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def load(path: str, **kw):
    kw.setdefault("normalize", "none")
    return open_session(Config(data=path, targets=("survived",), loss="bce", seed=1, **kw))


def features(ds) -> np.ndarray:
    return ds.raw[:, : len(ds.feature_names)]


def frame(path: str) -> pd.DataFrame:
    """The file as pandas reads it by default (its NA words become NaN), rows without a
    target left out."""
    df = pd.read_csv(path)
    return df[df["survived"].notna()].reset_index(drop=True)


def test_without_missing_the_first_gap_stops_and_names_the_option(tmp_path):
    path = write(tmp_path, TITANIC)
    with pytest.raises(UserError, match=r"column 'age' .* data row 3; use --missing drop") \
            as err:
        load(path)
    assert err.value.field == "missing"


@pytest.mark.parametrize("how", ["drop", "mean", "median", "zero"])
def test_numbers_match_pandas(tmp_path, how):
    path = write(tmp_path, "age,fare,survived\n22,7.25,0\n38,71.28,1\n,7.92,1\n35,,1\n"
                           ",8.05,0\n54,51.86,\n2,21.07,0\n27,11.13,1\nNaN,9.5,0\n")
    s = load(path, missing=how)
    df = frame(path)
    if how == "drop":
        want = pd.read_csv(path).dropna()
    else:
        fill = {"mean": df.mean(), "median": df.median(), "zero": 0}[how]
        want = df.fillna(fill)
    np.testing.assert_allclose(features(s.dataset), want[["age", "fare"]].to_numpy(float),
                               rtol=1e-15, atol=0)
    np.testing.assert_array_equal(s.dataset.raw[:, -1], want["survived"].to_numpy(float))
    assert any(n.startswith(f"--missing {how}:") for n in s.dataset.notices)


@pytest.mark.parametrize("how", ["mean", "median"])
def test_with_a_test_split_the_fill_comes_from_the_training_rows(tmp_path, how):
    rows = "".join(f"{'' if i % 4 == 1 else i * 1.5},{i % 7 + 0.25},{i % 2}\n"
                   for i in range(40))
    path = write(tmp_path, "age,fare,survived\n" + rows)
    s = load(path, missing=how, test_fraction=0.25)
    ds = s.dataset
    df = frame(path)
    train = df.iloc[ds.train_rows]
    stat = train.mean() if how == "mean" else train.median()
    want = df.fillna(stat)[["age", "fare"]].to_numpy(float)
    np.testing.assert_allclose(features(ds), want, rtol=1e-15, atol=0)
    every_row = df.mean() if how == "mean" else df.median()
    assert stat["age"] != every_row["age"]  # the test rows would have moved it
    assert f"the column's {how} of the training rows" in " ".join(ds.notices)


def test_a_text_features_gap_is_filled_in_its_one_hot_columns(tmp_path):
    path = write(tmp_path, TITANIC)
    for how in ("zero", "mean"):
        ds = load(path, missing=how).dataset
        df = frame(path)
        onehot = pd.get_dummies(df["embarked"], prefix="embarked", prefix_sep="=",
                                dtype=float)
        onehot[df["embarked"].isna().to_numpy()] = np.nan
        want = onehot.fillna(0 if how == "zero" else onehot.mean())
        cols = [i for i, n in enumerate(ds.feature_names) if n.startswith("embarked=")]
        assert [ds.feature_names[i] for i in cols] == list(want.columns)
        np.testing.assert_allclose(ds.raw[:, cols], want.to_numpy(), rtol=1e-15, atol=0)


def test_drop_matches_dropna_with_text_and_words(tmp_path):
    path = write(tmp_path, TITANIC)
    ds = load(path, missing="drop").dataset
    want = pd.read_csv(path).dropna()
    assert ds.raw.shape[0] == len(want) == 9
    np.testing.assert_array_equal(features(ds)[:, :2], want[["age", "fare"]].to_numpy(float))
    assert "--missing drop: 5 of 14 rows left out, each with a gap (age 3, fare 1, " \
           "embarked 1, survived 1)" in ds.notices


def test_no_gaps_no_change(tmp_path):
    path = write(tmp_path, "a,b,survived\n1,2,0\n3,4,1\n5,7,1\n")
    plain, filled = load(path), load(path, missing="mean")
    np.testing.assert_array_equal(plain.dataset.raw, filled.dataset.raw)
    assert plain.dataset.notices == filled.dataset.notices == ()


def test_every_row_dropped_or_a_column_without_values_is_refused(tmp_path):
    path = write(tmp_path, "a,b,survived\n,2,0\n3,,1\n")
    with pytest.raises(UserError, match="every row has a gap"):
        load(path, missing="drop")
    path = write(tmp_path, "a,b,survived\n,2,0\n,3,1\n", "empty.csv")
    with pytest.raises(UserError, match="'a' has no values"):
        load(path, missing="median")


def test_text_among_numbers_is_still_named(tmp_path):
    path = write(tmp_path, "a,b,survived\n1,2,0\n?,3,1\n4,,1\n")
    with pytest.raises(UserError, match="non-numeric value '\\?'"):
        load(path, missing="mean")


def test_built_in_data_has_no_gaps_to_handle():
    with pytest.raises(UserError, match="--missing applies to CSV files"):
        open_session(Config(data="circle", missing="mean"))


def test_the_command_line(tmp_path):
    path = write(tmp_path, TITANIC)
    base = [*BACKPROP, "train", "--data", path, "--target", "survived", "--loss", "bce",
            "--epochs", "0", "--seed", "1"]
    bad = subprocess.run([*base, "--missing", "guess"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("backprop: error:") and "--missing" in bad.stderr
    stop = subprocess.run(base, capture_output=True, text=True)
    assert stop.returncode == 2 and "--missing" in stop.stderr
    ok = subprocess.run([*base, "--missing", "median"], capture_output=True, text=True)
    assert ok.returncode == 0
    assert "backprop: --missing median: 1 of 14 rows left out, without a target value " \
           "(survived)\n" in ok.stderr
    assert "backprop: --missing median: 5 empty cells filled with the column's median " \
           "(age 3 with 24.5, fare 1 with 18.885, embarked=C 1 with 0, embarked=Q 1 with 0, " \
           "embarked=S 1 with 1)\n" in ok.stderr
