"""A CSV's table, as pandas read it, into what the network trains on: which columns are
features and which are targets, text features one-hot encoded, class labels turned into
outputs, and every value checked. Decisions the user did not ask for (an index column left
out, a text column encoded) are kept as one-line notices for the front end to show.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..names import MAX_CATEGORIES, MAX_CLASSES, MAX_ROWS
from . import csvfile, gaps
from .dataset import Dataset, build, split_rng
from .gaps import MISSING_WORDS

_INDEX_NAME = re.compile(r"Unnamed: 0")  # pandas' name for a column without one


@dataclass
class Chosen:
    """The columns picked from a table, before their values are turned into numbers."""

    name: str
    df: object  # pandas.DataFrame
    features: list[str]
    targets: list[str]
    notices: list[str] = field(default_factory=list)
    skipped: tuple[tuple[str, ...], ...] = ()  # fields of the lines --skip-rows left out
    # --missing: None stops at the first gap; "mean", "median" and "zero" fill the
    # features' gaps (NaN until the training rows are known); "drop" has left rows out
    missing: str | None = None
    text_gaps: dict = field(default_factory=dict)  # text features: their gaps, to fill


# ---------------------------------------------------------------- which columns

def choose(name: str, df, header: bool, targets, features, drop) -> Chosen:
    """Targets (default: the last column), then features: those asked for, or every other
    column less `drop` and less a row-index column (with a notice)."""
    cols = [str(c) for c in df.columns]
    _check_shape(name, df, cols)
    tnames = _columns(name, cols, targets, "target", "targets") or [cols[-1]]
    dropped = _columns(name, cols, drop, "drop", "drop")
    keep = _columns(name, cols, features, "features", "features")
    for t in tnames:
        if t in dropped:
            raise UserError(f"{name}: --drop leaves out {t!r}, the target column; choose "
                            "another --target", field="drop")
        if t in keep:
            raise UserError(f"{name}: {t!r} is given both as --target and in --features",
                            field="features")
    notices: list[str] = []
    if keep:
        fnames = [c for c in keep if c not in dropped]
    else:
        fnames = [c for c in cols if c not in tnames and c not in dropped]
        index = _index_column(df, cols, header)
        if index is not None and index in fnames:
            fnames.remove(index)
            # unnamed and different on every row: the index pandas to_csv() and R write.csv()
            # write, which would let a model learn the row order (on sorted data, the label)
            notices.append(f"left out {index!r}, a row index; --features brings it back")
    if not fnames:
        raise UserError(f"{name}: every column is a target or dropped; leave at least one "
                        "feature", field="targets")
    return Chosen(name, df, fnames, tnames, notices)


def _check_shape(name: str, df, cols: list[str]) -> None:
    """Rows within the limit, at least one; at least two columns (features and a target)."""
    if len(df) > MAX_ROWS:
        raise UserError(f"{name}: more than {MAX_ROWS:,} rows; use a sample", field="data")
    if len(df) == 0:
        raise UserError(f"{name}: no data rows below the header", field="data")
    if len(cols) < 2:
        spaced = len(cols) == 1 and len(cols[0].split()) > 1
        hint = "; the fields look separated by spaces: use --sep ' '" if spaced else ""
        raise UserError(f"{name}: needs at least 2 columns (features and a target){hint}",
                        field="sep" if spaced else "data")


def _columns(name: str, cols: list[str], specs, flag: str, field: str) -> list[str]:
    """Column names for `--flag` specs, each a name or a position (0 first, −1 last)."""
    out: list[str] = []
    for spec in specs or ():
        col = _column(name, cols, str(spec).strip(), flag, field)
        if col in out:
            raise UserError(f"{name}: --{flag} names column {col!r} twice", field=field)
        out.append(col)
    return out


def _column(name: str, cols: list[str], spec: str, flag: str, field: str) -> str:
    """A name wins over a position: a header-less file's columns are named "0", "1", …"""
    if spec in cols:
        return spec
    try:
        i = int(spec)
    except ValueError:
        i = None
    if i is not None and -len(cols) <= i < len(cols):
        return cols[i]
    listed = ", ".join(cols[:12]) + (f", … ({len(cols)} in all)" if len(cols) > 12 else "")
    raise UserError(f"{name}: no column {spec!r} for --{flag}; columns are {listed} (or give "
                    "a position: 0 is the first, -1 the last)", field=field)


def _index_column(df, cols: list[str], header: bool) -> str | None:
    """The first column, when it has no name and a different value on every row: the index
    pandas' to_csv() writes (0…N−1, or shuffled), R's row names (1…N, or text)."""
    first = cols[0]
    if not header or not _INDEX_NAME.fullmatch(first):
        return None
    col = df[first]
    return first if not col.isna().any() and col.is_unique else None


# ---------------------------------------------------------------- their values

def handle_gaps(ch: Chosen, missing: str | None) -> Chosen:
    """Apply `--missing` (see gaps.py); without it the table goes on as read, and the first
    gap stops loading with a message naming the option."""
    if missing is None:
        return ch
    ch.df, notices, ch.text_gaps = gaps.handle(ch.name, ch.df, ch.features, ch.targets,
                                               missing)
    ch.notices += notices
    ch.missing = missing
    return ch


def to_dataset(ch: Chosen, normalize: str, test_fraction: float, seed: int,
               loss: str) -> Dataset:
    """Features as numbers (text one-hot encoded), targets as the loss needs them."""
    rng = split_rng(seed)
    fill = ch.missing if ch.missing != "drop" else None
    if loss == "mse" and all(_is_numeric(ch.df[c]) for c in (*ch.features, *ch.targets)):
        # A numeric table: one conversion gives the raw table, features and targets are
        # views of it (no copies of a big table)
        nf = len(ch.features)
        raw = _numbers(ch.name, ch.df, [*ch.features, *ch.targets], nan_ok=nf if fill else 0)
        f, t = raw[:, :nf], raw[:, nf:]
        return build(ch.name, f, t, ch.features, ch.targets, normalize, test_fraction, rng,
                     _numeric_task(t), None, tuple(ch.notices), raw=raw, fill=fill)
    f, fnames, sources = _features(ch)
    t, tnames, classes, task, label = _targets(ch, loss)
    return build(ch.name, f, t, fnames, tnames, normalize, test_fraction, rng, task, classes,
                 tuple(ch.notices), label_column=label, fill=fill, sources=sources)


def _numeric_task(t: np.ndarray) -> str:
    """A table whose targets are all 0 or 1 (both present) is scored as a classifier."""
    lo, hi = float(t.min()), float(t.max())
    binary = lo == 0.0 and hi == 1.0 and bool(np.isin(t, (0.0, 1.0)).all())
    return "classification" if binary else "regression"


def _is_numeric(col) -> bool:
    return col.dtype.kind in "biuf"


def _features(ch: Chosen) -> tuple[np.ndarray, list[str], tuple[str, ...]]:
    """The feature matrix, in the order chosen, its column names, and the file's column
    each comes from (one-hot columns share theirs)."""
    df = ch.df
    nan_ok = len(ch.features) if ch.missing not in (None, "drop") else 0
    if all(_is_numeric(df[c]) for c in ch.features):  # the common case: one conversion
        return _numbers(ch.name, df, ch.features, nan_ok), list(ch.features), \
            tuple(ch.features)
    parts, names, sources = [], [], []
    for c in ch.features:
        if _is_numeric(df[c]):
            parts.append(_numbers(ch.name, df, [c], nan_ok))
            names.append(c)
            sources.append(c)
        else:
            block, encoded = _one_hot(ch, c)
            parts.append(block)
            names += encoded
            sources += [c] * len(encoded)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UserError(f"{ch.name}: one-hot encoding makes a column {dupes[0]!r} that the "
                        "file already has; rename one of them", field="data")
    return np.hstack(parts), names, tuple(sources)


def _numbers(name: str, df, cols: list[str], nan_ok: int = 0) -> np.ndarray:
    """Numeric columns as floats, every value finite (else the first bad cell, by row); in
    the first `nan_ok` columns a NaN is a gap that `--missing` fills later."""
    values = df[cols].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if nan_ok:
        bad[:, :nan_ok] &= ~np.isnan(values[:, :nan_ok])
    if bad.any():
        row = int(np.argmax(bad.any(axis=1)))
        k = int(np.argmax(bad[row]))
        if np.isnan(values[row, k]):
            raise UserError(f"{name}: column {cols[k]!r} has an empty or NaN value in data row "
                            f"{row + 1}; {gaps.HINT}", field="missing")
        raise UserError(f"{name}: column {cols[k]!r} has an infinite value in data row "
                        f"{row + 1}", field="data")
    return values


def _text(ch: Chosen, c: str):
    """A text column's values, stripped; stops on a column that is numbers with some text
    among them (a typo, or a missing-value mark such as `?`) and on empty cells (unless
    `--missing` fills this column's gaps). pandas reads without its NA detection (faster, and
    `NA` may be a class), so the missing-value words are recognised here."""
    import pandas as pd

    col = ch.df[c]
    text = col.astype(str).str.strip()
    lower = text.str.lower()
    missing = col.isna() | lower.isin(MISSING_WORDS)
    numeric = pd.to_numeric(text.where(~missing), errors="coerce")
    if numeric.notna().any():  # numbers, with holes or words among them
        row = _first(numeric.isna())
        if missing.iloc[row]:
            raise UserError(f"{ch.name}: column {c!r} has an empty or NaN value in data row "
                            f"{row + 1}; {gaps.HINT}", field="missing")
        value = text.iloc[row]
        hint = ""
        if csvfile.is_comma_number(value):
            hint = " (for decimal commas use --decimal ,)"
        elif not any(char.isalnum() for char in value):  # `?`, `-`: a mark for a missing value
            hint = f" (a mark for a missing value? leave the column out with --drop {c})"
        raise UserError(f"{ch.name}: column {c!r} has a non-numeric value {value!r} in data "
                        f"row {row + 1}{hint}", field="data")
    empty = col.isna() | lower.isin(("", "nan"))  # in text, `NA` or `None` may be a class
    if c in ch.text_gaps:
        empty &= ~ch.text_gaps[c]
    if empty.any():
        raise UserError(f"{ch.name}: column {c!r} has an empty value in data row "
                        f"{_first(empty) + 1}; {gaps.HINT}", field="missing")
    return text


def _first(mask) -> int:
    """The position of the first True in a boolean Series."""
    return int(np.argmax(mask.to_numpy()))


def _one_hot(ch: Chosen, c: str) -> tuple[np.ndarray, list[str]]:
    """A text feature as one 0/1 column per distinct value, named `column=value`."""
    import pandas as pd

    col = _text(ch, c)
    gap = ch.text_gaps.get(c)
    values = sorted(col.unique() if gap is None else col[~gap].unique())
    if len(values) > MAX_CATEGORIES:
        raise UserError(f"{ch.name}: column {c!r} is text with {len(values)} distinct values "
                        f"(one-hot encoding takes at most {MAX_CATEGORIES}); leave it out with "
                        f"--drop {c}", field="drop")
    names = [f"{c}={v}" for v in values]
    known = col if gap is None else col.where(~gap)  # a gap is no category
    block = pd.get_dummies(pd.Categorical(known, categories=values), dtype=np.float64)
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    ch.notices.append(f"one-hot encoded text column {c!r} as {len(names)} columns: {shown}")
    block = block.to_numpy().copy() if gap is not None else block.to_numpy()
    if gap is not None:
        block[gap] = np.nan  # filled later, as any feature's gap
    return block, names


# ---------------------------------------------------------------- targets

def _targets(ch: Chosen, loss: str):
    """(targets, their names, classes, task, label column) as the loss needs them: one-hot
    classes for ce, 0/1 for bce, numbers for mse."""
    if loss == "ce":
        return _ce_targets(ch)
    if loss == "bce":
        return _bce_targets(ch)
    for c in ch.targets:
        if not _is_numeric(ch.df[c]):
            example = _text(ch, c).iloc[0]  # numbers with a stray word stop here instead
            raise UserError(f"{ch.name}: target column {c!r} holds text (e.g. {example!r}); "
                            "to learn class labels use --loss ce (or --loss bce for two "
                            "classes)", field="loss")
    t = _numbers(ch.name, ch.df, ch.targets)
    return t, list(ch.targets), None, _numeric_task(t), None


def _labels(ch: Chosen, c: str) -> tuple[np.ndarray, list[str]]:
    """Each row's class index and the class names, sorted (numbers numerically)."""
    import pandas as pd

    col = ch.df[c]
    if _is_numeric(col):
        _numbers(ch.name, ch.df, [c])  # stops on an empty or infinite label
    else:
        col = _text(ch, c)
    codes, uniques = pd.factorize(col, sort=True)
    return codes, [_label_name(v) for v in uniques]


def _label_name(v) -> str:
    """A class's name: text as it is, 2.0 as `2`, 0.5 as `0.5`."""
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v)


def _ce_targets(ch: Chosen):
    if len(ch.targets) != 1:
        raise UserError(f"{ch.name}: --loss ce learns one column of class labels; give one "
                        f"--target (got {len(ch.targets)})", field="targets")
    c = ch.targets[0]
    if _is_numeric(ch.df[c]) and ch.df[c].nunique() > MAX_CLASSES:
        n = ch.df[c].nunique()
        raise UserError(f"{ch.name}: target column {c!r} has {n:,} distinct values; --loss ce "
                        f"needs class labels (at most {MAX_CLASSES} classes). To predict a "
                        "number use --loss mse", field="loss")
    codes, classes = _labels(ch, c)
    classes = _named_classes(ch, classes)
    if len(classes) > MAX_CLASSES:
        raise UserError(f"{ch.name}: target column {c!r} has {len(classes):,} classes; --loss "
                        f"ce takes at most {MAX_CLASSES}", field="targets")
    if len(classes) < 2:
        raise UserError(f"{ch.name}: target column {c!r} has a single class "
                        f"({classes[0]!r}); classification needs at least 2", field="targets")
    t = np.eye(len(classes))[codes]
    names = [f"{c}={k}" for k in classes]
    return t, names, tuple(classes), "classification", c


def _named_classes(ch: Chosen, classes: list[str]) -> list[str]:
    """Class names from a skipped first line of the form `150,4,setosa,versicolor,virginica`
    (rows, features, then one name per class), as some libraries ship their bundled CSVs, when
    the labels are 0…K−1 and the counts match the file; else the labels as they are."""
    if not ch.skipped:
        return classes
    line = [f.strip() for f in ch.skipped[0]]
    k = len(classes)
    counts = [str(len(ch.df)), str(len(ch.df.columns) - 1)]
    if line[:2] != counts or len(line) != 2 + k or classes != [str(j) for j in range(k)]:
        return classes
    names = line[2:]
    if len(set(names)) != k or not all(names):
        return classes
    ch.notices.append(f"class names from the skipped first line: {', '.join(names)}")
    return names


def _bce_targets(ch: Chosen):
    """Each target column as 0/1: two distinct values (text or numbers) map to 0 and 1, the
    larger in sorted order to 1; values already in [0, 1] stay as they are."""
    cols, classes = [], None
    for c in ch.targets:
        if _is_numeric(ch.df[c]):
            v = _numbers(ch.name, ch.df, [c])[:, 0]
            u = np.unique(v)
            if len(u) == 2:
                cols.append((v == u[1]).astype(np.float64))
                names = [_label_name(x) for x in u]
                names = _named_classes(ch, names) if len(ch.targets) == 1 else names
            elif u[0] >= 0.0 and u[-1] <= 1.0:
                cols.append(v)
                names = ["0", "1"]
            else:
                raise UserError(f"{ch.name}: --loss bce needs targets in [0, 1] or two "
                                f"classes, but column {c!r} has {len(u):,} distinct values "
                                f"from {u[0]:g} to {u[-1]:g}", field="loss")
        else:
            codes, names = _labels(ch, c)
            names = _named_classes(ch, names) if len(ch.targets) == 1 else names
            if len(names) != 2:
                shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
                raise UserError(f"{ch.name}: --loss bce needs two classes, but column {c!r} "
                                f"has {len(names)} ({shown}); for more use --loss ce",
                                field="loss")
            cols.append(codes.astype(np.float64))
        classes = tuple(names) if len(ch.targets) == 1 else None
    return np.column_stack(cols), list(ch.targets), classes, "classification", None


def load_csv(path: str, targets: tuple[str, ...] | None, normalize: str,
             test_fraction: float, seed: int, *, loss: str = "mse",
             features: tuple[str, ...] | None = None, drop: tuple[str, ...] | None = None,
             options=None, missing: str | None = None) -> Dataset:
    """Read a CSV (pandas, one pass) and choose, encode and check its columns; every way it
    can be wrong is a one-line UserError naming the option that fixes it. `targets`,
    `features` and `drop` name columns or give positions (0 first, -1 last)."""
    with csvfile.collector_paused():
        df, layout = csvfile.read_frame(path, options or csvfile.CsvOptions())
        cols = choose(os.path.basename(path), df, layout.header, targets, features, drop)
        cols.skipped = layout.skipped
        return to_dataset(handle_gaps(cols, missing), normalize, test_fraction, seed, loss)
