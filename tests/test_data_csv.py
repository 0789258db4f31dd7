"""CSV files as other tools write them (tests/data/: scikit-learn's bundled layout, UCI's
header-less files, pandas and R index columns, Excel's `;` with decimal commas, tabs, pipes)
load with the documented options; what cannot be read safely stops and names the fix."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from core import Config, UserError, open_session
from core.data.csvfile import CsvOptions
from core.data.table import load_csv

DATA = Path(__file__).parent / "data"
CLASSES = ("setosa", "versicolor", "virginica")


def load(name: str, targets=None, *, loss="mse", normalize="max", test_fraction=0.0,
         features=None, drop=None, **options):
    path = name if Path(name).is_absolute() else str(DATA / name)
    return load_csv(path, targets, normalize, test_fraction, 0, loss=loss, features=features,
                    drop=drop, options=CsvOptions(**options))


def plain():
    return load("plain.csv", loss="ce")


@pytest.mark.parametrize("name,options", [
    ("plain.csv", {}),
    ("tabs.tsv", {}),
    ("pipes.csv", {}),
    ("excel_semicolon.csv", {}),  # BOM, ';', decimal commas, CRLF: all detected
    ("pandas_index.csv", {}),
    ("r_write_csv.csv", {}),
    ("uci_no_header.csv", {"header": False}),
    ("meta_first_line.csv", {"header": False, "skip_rows": 1}),
])
def test_every_layout_reads_as_the_same_table(name, options):
    ds = load(name, ("-1",), loss="ce", **options)
    want = plain()
    np.testing.assert_array_equal(ds.raw, want.raw)  # the same numbers, bit for bit
    assert ds.labels.tolist() == want.labels.tolist() and len(ds.classes) == 3
    assert ds.classes == (CLASSES if "uci" not in name else tuple(f"Iris-{c}" for c in CLASSES))


def test_excel_file_names_and_values():
    ds = load("excel_semicolon.csv", loss="ce")
    assert ds.feature_names[0] == "sepal_length"  # the byte-order mark is not part of it
    assert ds.raw[0, :4].tolist() == [5.3, 2.9, 1.6, 0.2]


@pytest.mark.parametrize("name", ["pandas_index.csv", "r_write_csv.csv"])
def test_index_columns_are_left_out_with_a_notice(name):
    ds = load(name, loss="ce")
    assert "Unnamed: 0" not in ds.feature_names and len(ds.feature_names) == 4
    assert len(ds.notices) == 1 and "index" in ds.notices[0] and "--features" in ds.notices[0]
    back = load(name, loss="ce", features=("0", "sepal_length"))
    assert back.feature_names == ("Unnamed: 0", "sepal_length") and not back.notices


def test_an_unnamed_first_column_with_repeated_values_is_kept(tmp_path):
    """Only a column different on every row can be a row index. An unnamed first column
    with repeated values (a group number, say) is data: a feature, with no notice."""
    x = [0.5, 0.25, 0.75, 1.0, 0.125, 0.375]

    def table(first: list[int]):
        p = tmp_path / "groups.csv"
        p.write_text(",x,y\n" + "".join(f"{g},{v},{k % 2}\n"
                                        for k, (g, v) in enumerate(zip(first, x, strict=True))))
        return load(str(p), normalize="none")

    ds = table([1, 1, 2, 2, 3, 3])
    assert ds.feature_names == ("Unnamed: 0", "x") and not ds.notices
    np.testing.assert_array_equal(ds.raw[:, :2], np.c_[[1, 1, 2, 2, 3, 3], x])
    index = table([0, 1, 5, 2, 4, 3])  # different on every row: a (shuffled) row index
    assert index.feature_names == ("x",) and "row index" in index.notices[0]


def test_metadata_first_line_names_the_fix():
    with pytest.raises(UserError, match="--skip-rows 1") as err:
        load("meta_first_line.csv", loss="ce")
    assert err.value.field == "skip_rows"
    ds = load("meta_first_line.csv", ("-1",), loss="ce", header=False, skip_rows=1)
    assert ds.classes == CLASSES and ds.raw.shape == (30, 7)
    assert any("class names from the skipped first line" in n for n in ds.notices)


def test_metadata_line_with_fewer_fields_than_the_rows(tmp_path):
    p = tmp_path / "wine.csv"
    p.write_text("4,2,class_0,class_1\n1.5,2.5,0\n1.0,2.0,1\n3.0,1.0,0\n2.0,2.0,1\n")
    with pytest.raises(UserError, match=r"3 fields but the rows below it have 3|has 4 fields"):
        load(str(p))
    ds = load(str(p), ("-1",), loss="ce", header=False, skip_rows=1)
    assert ds.classes == ("class_0", "class_1")


def test_header_less_file_names_the_fix_and_keeps_every_row():
    with pytest.raises(UserError, match="--no-header") as err:
        load("uci_no_header.csv", loss="ce")
    assert err.value.field == "no_header"
    ds = load("uci_no_header.csv", ("4",), loss="ce", header=False)
    assert ds.raw.shape[0] == 30 and ds.feature_names == ("0", "1", "2", "3")


def test_numbers_in_the_first_line_are_not_a_header(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("1,2,3\n4,5,6\n7,8,9\n")
    with pytest.raises(UserError, match=r"holds numbers.*--no-header"):
        load(str(p))
    assert load(str(p), header=False).raw.shape == (3, 3)


def test_separator_and_decimal_can_be_given(tmp_path):
    p = tmp_path / "colon.csv"
    p.write_text("a:b:y\n1,5:2:3\n2,5:3:4\n")
    ds = load(str(p), sep=":", decimal=",")
    assert ds.raw.tolist() == [[1.5, 2, 3], [2.5, 3, 4]]


def test_semicolon_file_with_decimal_points(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("a;b;y\n1.5;2;3\n2.5;3;4\n")
    assert load(str(p)).raw.tolist() == [[1.5, 2, 3], [2.5, 3, 4]]


def test_gzip_files_are_read_through(tmp_path):
    p = tmp_path / "plain.csv.gz"
    with open(DATA / "plain.csv", "rb") as src, gzip.open(p, "wb") as dst:
        shutil.copyfileobj(src, dst)
    np.testing.assert_array_equal(load(str(p), loss="ce").raw, plain().raw)


def test_columns_by_name_or_position():
    assert load("plain.csv", ("0",), drop=("-1",)).target_names == ("sepal_length",)
    ds = load("plain.csv", ("petal_width",), features=("0", "sepal_width"))
    assert ds.feature_names == ("sepal_length", "sepal_width")
    ds = load("plain.csv", ("petal_width",), drop=("species", "1"))
    assert ds.feature_names == ("sepal_length", "petal_length")
    for kw, field in [(dict(targets=("zz",)), "targets"), (dict(drop=("9",)), "drop"),
                      (dict(features=("nope",)), "features")]:
        with pytest.raises(UserError, match="no column") as err:
            load("plain.csv", kw.pop("targets", None), **kw)
        assert err.value.field == field
    with pytest.raises(UserError, match="target column"):
        load("plain.csv", ("species",), loss="ce", drop=("species",))


def test_text_features_are_one_hot_encoded(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,color,y\n1,red,2\n2,blue,3\n3,red,4\n4,green,5\n")
    ds = load(str(p))
    assert ds.feature_names == ("a", "color=blue", "color=green", "color=red")
    assert ds.raw[:, 1:4].tolist() == [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert any("one-hot" in n and "'color'" in n for n in ds.notices)
    many = "a,name,y\n" + "".join(f"{i},n{i},{i}\n" for i in range(21))
    p.write_text(many)
    with pytest.raises(UserError, match=r"21 distinct values.*--drop name") as err:
        load(str(p))
    assert err.value.field == "drop"
    assert load(str(p), drop=("name",)).feature_names == ("a",)


@pytest.mark.parametrize("text,match", [
    ("a,b,y\n1,x,3\n2,3,4\n", "non-numeric value 'x' in data row 1"),
    ("a,b,y\n1,?,3\n2,3,4\n", "non-numeric value '?'"),
    ("a;b;y\n1;2,5;3\n2;3.5;4\n", "non-numeric value '2,5'.*--decimal ,"),
    ("a,b,y\n1,red,3\n2,,4\n", "empty value in data row 2"),
])
def test_numbers_with_text_among_them_say_where(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(UserError, match=match):
        load(str(p))


# ------------------------------------------------------------------ targets and losses

def test_ce_classes_are_sorted_numbers_numerically(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("a,y\n1,10\n2,2\n3,10\n4,1\n")
    ds = load(str(p), loss="ce")
    assert ds.classes == ("1", "2", "10") and ds.target_names == ("y=1", "y=2", "y=10")
    assert ds.labels.tolist() == [2, 1, 2, 0] and ds.label_column == "y"
    assert ds.y.tolist() == [[0, 0, 1], [0, 1, 0], [0, 0, 1], [1, 0, 0]]  # not normalised


def test_ce_refuses_too_many_classes_and_one_class(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("a,y\n" + "".join(f"{i},{i * 0.37}\n" for i in range(60)))
    with pytest.raises(UserError, match=r"60 distinct values.*--loss mse"):
        load(str(p), loss="ce")
    p.write_text("a,y\n1,k\n2,k\n")
    with pytest.raises(UserError, match="single class"):
        load(str(p), loss="ce")


def test_bce_targets(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("a,kind,t,soft,far\n1,small,3,0.2,5\n2,big,7,0.9,9\n3,big,7,0.5,1\n")
    ds = load(str(p), ("kind",), loss="bce", drop=("t", "soft", "far"))
    assert ds.classes == ("big", "small") and ds.y.ravel().tolist() == [1, 0, 0]
    ds = load(str(p), ("t",), loss="bce", drop=("kind",))
    assert ds.classes == ("3", "7") and ds.y.ravel().tolist() == [0, 1, 1]
    ds = load(str(p), ("soft",), loss="bce", drop=("kind",))
    assert ds.y.ravel().tolist() == [0.2, 0.9, 0.5] and ds.classes == ("0", "1")
    with pytest.raises(UserError, match=r"column 'far' has 3 distinct values from 1 to 9") as e:
        load(str(p), ("far",), loss="bce", drop=("kind",))
    assert e.value.field == "loss"


def test_text_target_with_mse_suggests_ce():
    with pytest.raises(UserError, match="--loss ce") as err:
        load("plain.csv")
    assert err.value.field == "loss"


# ------------------------------------------------------------------ one row

def test_a_single_row_loads_and_options_needing_more_say_so(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("a,b,y\n1,2,3\n")
    assert load(str(p)).raw.shape == (1, 3)
    for kw, field in [(dict(normalize="zscore"), "normalize"),
                      (dict(normalize="minmax"), "normalize"),
                      (dict(test_fraction=0.5), "test_fraction")]:
        with pytest.raises(UserError, match=f"--{field.replace('_', '-')}") as err:
            load(str(p), **kw)
        assert err.value.field == field
    s = open_session(Config(data=str(p), seed=0, epochs=3))
    s.run(3)
    assert s.evaluate().finite


# ------------------------------------------------------------------ the whole way

@pytest.mark.parametrize("name,kw", [
    ("pandas_index.csv", dict(loss="ce")),
    ("excel_semicolon.csv", dict(loss="ce", test_fraction=0.3)),
    ("meta_first_line.csv", dict(loss="ce", no_header=True, skip_rows=1, targets=("-1",))),
])
def test_real_layouts_train_to_a_sound_accuracy(name, kw):
    s = open_session(Config(data=str(DATA / name), seed=3, **kw))
    s.run(s.config.epochs)
    ev = s.evaluate()
    assert ev.accuracy > 0.9 and ev.classes == CLASSES
    assert ev.confusion.sum() == s.dataset.train_rows.size
    assert ev.classes[ev.predicted_class[0]] == "setosa" and 1 / 3 < ev.probability[0] <= 1


def test_builtin_data_refuses_csv_options():
    for kw in (dict(sep=";"), dict(no_header=True), dict(features=("x1",)), dict(skip_rows=1)):
        with pytest.raises(UserError, match="applies to CSV files") as err:
            open_session(Config(data="xor", **kw))
        assert err.value.field == next(iter(kw))


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
