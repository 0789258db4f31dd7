"""Missing values in a CSV: `--missing drop|mean|median|zero`.

Without `--missing` loading stops at the first gap and names the option. With it:

- rows without a target value are always left out: there is nothing to learn from them;
- `drop` leaves out every row with a gap in a column that is used (a feature or a target);
- `mean`, `median` and `zero` fill each feature's gaps with that column's mean or median
  (over the training rows only, when there is a test split: the test rows must not leak into
  what the network is trained on) or with 0.

A gap is an empty cell or a missing-value word (`NaN`, `NA`, `null`, …) in a column of
numbers; in a column of text (a category) only an empty cell or `nan` is, since `NA` or
`None` may be one of its values. A text feature's gap is filled in each of its one-hot
columns (with `zero`: no category; with `mean`: each category's share of the rows).

Every decision is a one-line notice: how many rows were left out, and how many cells of which
column were filled with what.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import UserError

# What marks a missing number in files pandas and spreadsheets write.
MISSING_WORDS = ("", "nan", "-nan", "na", "n/a", "null", "none", "#n/a", "<na>")
EMPTY_TEXT = ("", "nan")  # in a column of text, `NA` or `None` may be a category
HINT = "use --missing drop (leave such rows out) or --missing mean, median or zero (fill them)"


def _is_numeric(col) -> bool:
    return col.dtype.kind in "biuf"


def column_gaps(col) -> tuple[np.ndarray, object | None]:
    """A column's gaps (a bool per row) and, for a column of numbers read as text because
    of them, its values as floats (NaN in the gaps), else None. A column of numbers with
    other text among them (a typo, `?`) is not converted: loading names that value."""
    import pandas as pd

    if _is_numeric(col):
        return col.isna().to_numpy(), None
    text = col.astype(str).str.strip()
    lower = text.str.lower()
    words = col.isna() | lower.isin(MISSING_WORDS)
    numbers = pd.to_numeric(text.where(~words), errors="coerce")
    if numbers.notna().any() or words.all():  # a column of numbers (or of nothing)
        if (numbers.isna() & ~words).any():
            return words.to_numpy(), None  # text among the numbers: not ours to decide
        return words.to_numpy(), numbers.astype(np.float64)
    return (col.isna() | lower.isin(EMPTY_TEXT)).to_numpy(), None


def handle(name: str, df, features: list[str], targets: list[str], how: str):
    """Rows left out and columns of numbers converted, as `how` asks: the table to go on
    with, its notices, and each text feature's gaps (to fill after one-hot encoding)."""
    gaps, converted = {}, {}
    for c in (*features, *targets):
        gaps[c], numbers = column_gaps(df[c])
        if numbers is not None:
            converted[c] = numbers
    if not any(g.any() for g in gaps.values()):
        return df, [], {}
    n = len(df)
    no_target = np.zeros(n, bool)
    for c in targets:
        no_target |= gaps[c]
    drop = no_target.copy()
    if how == "drop":
        for c in features:
            drop |= gaps[c]
    notices = []
    if drop.any():
        if how == "drop":
            counts = ", ".join(f"{c} {int((gaps[c] & drop).sum())}"
                               for c in (*features, *targets) if gaps[c].any())
            notices.append(f"--missing drop: {int(drop.sum()):,} of {_rows(n)} left out, each "
                           f"with a gap ({counts})")
        else:
            cols = ", ".join(c for c in targets if gaps[c].any())
            notices.append(f"--missing {how}: {int(drop.sum()):,} of {_rows(n)} left out, "
                           f"without a target value ({cols})")
    if drop.all():
        raise UserError(f"{name}: every row has a gap, so --missing {how} leaves none; fill "
                        "the file's gaps or --drop the emptiest columns", field="missing")
    keep = ~drop
    df = df.loc[keep].reset_index(drop=True) if drop.any() else df.copy()
    for c, numbers in converted.items():
        df[c] = numbers.to_numpy()[keep]
    text_gaps = {c: gaps[c][keep] for c in features
                 if c not in converted and not _is_numeric(df[c]) and gaps[c][keep].any()}
    return df, notices, text_gaps


def _rows(n: int) -> str:
    return f"{n:,} row{'s' * (n != 1)}"


def fill(features: np.ndarray, train_rows: np.ndarray, how: str, names: tuple[str, ...],
         sources: tuple[str, ...] | None = None
         ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Each feature column's NaNs filled with its mean, median or 0 over the training rows:
    (the filled table, which cells were filled, the notice), or the table as it was.
    `sources` names each column's column in the file (one-hot columns share theirs), so the
    notice counts the file's empty cells."""
    gaps = np.isnan(features)
    if not gaps.any():
        return features, None, []
    cols = np.flatnonzero(gaps.any(axis=0))
    train = features[train_rows][:, cols]
    if how == "zero":
        values = np.zeros(cols.size)
    else:
        with warnings.catch_warnings():  # an all-NaN column warns; it is reported below
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.nanmean(train, axis=0) if how == "mean" else np.nanmedian(train, axis=0)
    for k, j in enumerate(cols):
        if not np.isfinite(values[k]):
            raise UserError(f"column {names[j]!r} has no values in the training rows to take "
                            f"its {how} from; --drop it, or use --missing drop or zero",
                            field="missing")
    out = features.copy()
    for k, j in enumerate(cols):
        out[gaps[:, j], j] = values[k]
    where = "" if how == "zero" else (" of the training rows" if train_rows.size <
                                      features.shape[0] else "")
    parts = ", ".join(f"{names[j]} {int(gaps[:, j].sum())} with {values[k]:.6g}"
                      for k, j in enumerate(cols))
    sources = sources or names
    n = sum(int(np.any([gaps[:, j] for j in range(len(names)) if sources[j] == src],
                       axis=0).sum()) for src in dict.fromkeys(sources))
    what = "0" if how == "zero" else f"the column's {how}{where}"
    return out, gaps, [f"--missing {how}: {n:,} empty cell{'s' * (n != 1)} filled with {what} "
                       f"({parts})"]

