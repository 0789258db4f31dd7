"""The data sections of a generated program: the table, its encoding, the test split and the
normalisation, each written out as plain NumPy (pandas only to read a big CSV at run time).

Every step does what the core's loaders do, in the same order, so that the arrays the program
trains on are the session's, bit for bit: the same values (a CSV's numbers are written as
pandas parsed them, or parsed by the same `pandas.read_csv` call), the same test rows, the
same scalings fitted on the training rows.
"""

from __future__ import annotations

from ..data.dataset import SPLIT_SALT
from ..data.gaps import MISSING_WORDS
from . import literals as ct
from . import words as cw
from .parts import Section
from .plan import Plan

# Each cross, written as core.data.crosses computes it (the same operations, the same bits).
CROSS_CODE = {"x1": "F[:, 0]", "x2": "F[:, 1]", "x1^2": "F[:, 0] * F[:, 0]",
              "x2^2": "F[:, 1] * F[:, 1]", "x1*x2": "F[:, 0] * F[:, 1]",
              "sin(x1)": "np.sin(F[:, 0])", "sin(x2)": "np.sin(F[:, 1])"}


def data_sections(p: Plan) -> list[Section]:
    """Creating the dataset, its gaps (--missing), encoding it (CSV files), splitting it
    (and filling the gaps from the training rows), normalising it, its crosses (--inputs)."""
    out = [dataset_section(p)]
    if p.data.missing is not None:
        out.append(gaps_section(p))
    if p.data.source != "table":
        out.append(encoding_section(p))
    if p.data.has_test or _fills(p):
        out.append(split_section(p))
    out.append(normalise_section(p))
    if p.inputs is not None:
        out.append(inputs_section(p))
    return out


def _fills(p: Plan) -> bool:
    return p.data.missing in ("mean", "median", "zero")


# ---------------------------------------------------------------- the table

def dataset_section(p: Plan) -> Section:
    d = p.data
    lines = ["# Creating Dataset", ""]
    if d.source == "table":
        lines += _table_lines(p)
        where = "written out below"
    elif d.source == "columns":
        lines += _column_lines(p)
        where = f"written out below (from {d.path}), so the file is not needed"
    else:
        lines.append(f"data = pd.read_csv({d.path!r}, {_kwargs(d.read_args)})")
        where = f"read from {d.path} when the program runs, as the session read it"
    text = f"The data: {cw.data_words(p)}. Every row in its original units, {where}."
    return Section("Creating Dataset", text, "\n".join(lines) + "\n")


def _table_lines(p: Plan) -> list[str]:
    d = p.data
    out = [f"feature_names = {list(d.feature_names)!r}",
           "features = " + ct.matrix(d.features, prefix="features = ")]
    if d.labels is None:
        return [*out, f"target_names = {list(d.target_names)!r}  # target (y)",
                "targets = " + ct.matrix(d.targets, prefix="targets = ")]
    label = d.label_column or "label"
    return [*out, f"target_names = {list(d.target_names)!r}  # one output per class",
            f"{label} = np.array({ct.ints(d.labels)})  # each row's class",
            f"targets = np.eye({len(p.classes or ())})[{label}]  # one-hot: a 1 in the "
            "column of the row's class"]


def _column_lines(p: Plan) -> list[str]:
    out = ["data = {"]
    for name, values in p.data.columns.items():
        items = [repr(v) if isinstance(v, str) else ct.num(v) for v in values]
        one = f"    {name!r}: [{', '.join(items)}],"
        if len(one) <= ct.WIDTH:
            out.append(one)
            continue
        out.append(f"    {name!r}: [")
        out += ct.wrap_items(items, "        ")
        out.append("    ],")
    return [*out, "}"]


def _kwargs(args: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


# ---------------------------------------------------------------- encoding

ONE_HOT = '''def one_hot(column):
    """A text column as one 0/1 column per distinct value, in sorted order."""
    values = np.array([str(v).strip() for v in column])
    return (values[:, None] == np.unique(values)).astype(float)
'''

ONE_HOT_GAPS = '''def one_hot(column, gaps):
    """A text column as one 0/1 column per distinct value, in sorted order; a row with a gap
    is NaN in each of them, until the gaps are filled."""
    values = np.array([str(v).strip() for v in column])
    out = (values[:, None] == np.unique(values[~gaps])).astype(float)
    out[gaps] = np.nan
    return out
'''

ZERO_ONE = '''def zero_one(values):
    """Two classes as 0 and 1 (the later in sorted order is 1); values in [0, 1] stay."""
    classes = np.unique(values)
    return (values == classes[1]).astype(float) if len(classes) == 2 else values.astype(float)
'''


def encoding_section(p: Plan) -> Section:
    d = p.data
    lines = ["# Encoding the columns as numbers", ""]
    if d.text_columns:
        lines += [ONE_HOT if not _fills(p) else ONE_HOT_GAPS, ""]
    if d.target_kind == "binary":
        lines += [ZERO_ONE, ""]
    one_hot = "one_hot(data[{c!r}], gap[{c!r}])" if _fills(p) else "one_hot(data[{c!r}])"
    parts = [one_hot.format(c=c) if c in d.text_columns else f"data[{c!r}]"
             for c in d.feature_columns]
    lines.append(f"features = np.column_stack([{', '.join(parts)}]).astype(float)")
    lines += _target_lines(p)
    lines += ["", f"feature_names = {list(d.feature_names)!r}",
              f"target_names = {list(d.target_names)!r}"]
    text = "Features and targets as numbers. " + _encoding_words(p)
    return Section("Encoding the columns as numbers", text, "\n".join(lines) + "\n")


def _column(d, c: str) -> str:
    """A column as an array: text stripped (as the loader reads labels), numbers as floats."""
    if c in d.text_targets:
        return f"np.array([str(v).strip() for v in data[{c!r}]])"
    return f"np.asarray(data[{c!r}], dtype=float)"


def _target_lines(p: Plan) -> list[str]:
    d = p.data
    if d.target_kind == "numbers":
        cols = ", ".join(f"data[{c!r}]" for c in d.target_columns)
        return [f"targets = np.column_stack([{cols}]).astype(float)  # target (y)"]
    if d.target_kind == "binary":
        cols = ", ".join(f"zero_one({_column(d, c)})" for c in d.target_columns)
        return [f"targets = np.column_stack([{cols}])  # target (y): 0 or 1"]
    c = d.target_columns[0]
    return [f"labels = {_column(d, c)}",
            "classes = np.unique(labels)  # sorted: numbers by value, text alphabetically",
            "targets = np.eye(len(classes))[np.searchsorted(classes, labels)]  # one-hot"]


def _encoding_words(p: Plan) -> str:
    d = p.data
    out = []
    if d.text_columns:
        out.append("Each text feature (" + ", ".join(d.text_columns) + ") becomes one 0/1 "
                   "column per distinct value, in sorted order (one-hot encoding).")
    if d.target_kind == "classes":
        out.append("The class labels become one-hot rows: a 1 in the column of the row's "
                   "class, one output per class for the softmax.")
    elif d.target_kind == "binary":
        out.append("The target's two classes become 0 and 1, for the sigmoid output.")
    return " ".join(out)


# ---------------------------------------------------------------- test split

SALT = f"0x{SPLIT_SALT:X}"  # as the program writes the data's salt (the core's own value)


def split_section(p: Plan) -> Section:
    d = p.data
    if not d.has_test:  # only the gaps to fill, from every row
        lines = ["# Filling the gaps", "", "train_rows = np.arange(len(features))",
                 *_fill_lines(p), "", "X, y = features, targets"]
        return Section("Filling the gaps", _fill_words(p), "\n".join(lines) + "\n")
    lines = ["# Splitting the data: a test set the network never trains on", ""]
    if d.seeded:
        lines += ["# the rows the session held out (drawn with the data itself from "
                  f"default_rng([{d.split_seed}, {SALT}]))",
                  f"test_rows = np.array({ct.ints(d.test_rows)})",
                  "train_rows = np.setdiff1d(np.arange(len(features)), test_rows)"]
    else:
        lines += [f"order = np.random.default_rng([{d.split_seed}, {SALT}])"
                  ".permutation(len(features))",
                  f"n_test = round(len(features) * {d.test_fraction!r})",
                  "test_rows, train_rows = np.sort(order[:n_test]), np.sort(order[n_test:])"]
    if _fills(p):
        lines += _fill_lines(p)
    lines += ["", "X, y = features[train_rows], targets[train_rows]",
              "X_test, y_test = features[test_rows], targets[test_rows]"]
    text = (f"{d.test_rows.size} of the {d.rows} rows ({d.test_fraction:g}) are held out as a "
            "test set, drawn from the seed: the network never trains on them.")
    if _fills(p):
        text += " " + _fill_words(p)
    return Section("Splitting the data", text, "\n".join(lines) + "\n")


def _fill_lines(p: Plan) -> list[str]:
    """Each feature column's gaps (NaN) filled from the training rows, as the loader fills
    them (core.data.gaps.fill): the same columns, the same reductions."""
    how = p.data.missing
    stat = {"mean": "np.nanmean({}, axis=0)", "median": "np.nanmedian({}, axis=0)",
            "zero": "np.zeros(len(cols))"}[how].format("features[train_rows][:, cols]")
    return ["", f"# --missing {how}: each feature's gaps filled with "
            + ("0" if how == "zero" else f"its {how} over the training rows"),
            "gaps = np.isnan(features)",
            "cols = np.flatnonzero(gaps.any(axis=0))  # the columns with gaps",
            f"fill = {stat}",
            "features = features.copy()",
            "for k, j in enumerate(cols):",
            "    features[gaps[:, j], j] = fill[k]"]


def _fill_words(p: Plan) -> str:
    how = p.data.missing
    if how == "zero":
        return "Each feature's gaps are filled with 0."
    return (f"Each feature's gaps are filled with its {how} over the training rows (the test "
            "rows must not leak into what the network trains on).")


# ---------------------------------------------------------------- missing values

MISSING_WORDS_LINE = f"MISSING_WORDS = {MISSING_WORDS!r}"

GAPS = '''def gaps(column, words=("", "nan")):
    """True where a cell is empty or a missing-value word (in a text column only an empty
    cell or nan: NA may be one of its values)."""
    return np.array([str(v).strip().lower() in words for v in column])
'''


def gaps_section(p: Plan) -> Section:
    """Rows without a target left out (and with drop, every row with a gap); the columns of
    numbers that gaps made text read as numbers, as core.data.gaps.handle does."""
    d = p.data
    how = d.missing
    used = [c for c in (*d.feature_columns, *d.target_columns)]
    lines = ["# Missing values", "", MISSING_WORDS_LINE, "", GAPS, "gap = {"]
    for c in used:
        words = ", MISSING_WORDS" if c in d.number_columns else ""
        lines.append(f"    {c!r}: gaps(data[{c!r}]{words}),")
    lines.append("}")
    if d.source == "file":
        for c in d.converted_columns:  # numbers, read as text because of their gaps
            lines.append(f"data[{c!r}] = pd.to_numeric(data[{c!r}].astype(str).str.strip()"
                         f".where(~gap[{c!r}]), errors=\"coerce\")")
    left_out = d.target_columns if how != "drop" else used
    lines.append("keep = ~(" + " | ".join(f"gap[{c!r}]" for c in left_out) + ")")
    if d.source == "file":
        lines.append("data = data[keep].reset_index(drop=True)")
    else:
        lines.append("data = {c: [v for v, k in zip(values, keep) if k] "
                     "for c, values in data.items()}")
    lines.append("gap = {c: g[keep] for c, g in gap.items()}")
    if how == "drop":
        text = "Rows with a gap (an empty cell, or a word such as NA) in any column used are " \
            "left out (--missing drop)."
    else:
        text = (f"Rows without a target value are left out; the features' gaps are filled "
                f"later (--missing {how}), once the training rows are known.")
    return Section("Missing values", text, "\n".join(lines) + "\n")


# ---------------------------------------------------------------- input crosses

def inputs_function(p: Plan) -> str:
    assert p.inputs is not None
    cols = ", ".join(CROSS_CODE[name] for name in p.inputs)
    return ('def inputs(F):\n    """The network\'s inputs from the two normalised features: '
            f'{", ".join(p.inputs)}."""\n    return np.column_stack([{cols}])\n')


def inputs_section(p: Plan) -> Section:
    lines = ["# The network's inputs: x1, x2 and their crosses", "", inputs_function(p),
             "X = inputs(X)"]
    if p.data.has_test:
        lines.append("X_test = inputs(X_test)")
    text = (f"The network's inputs are {', '.join(p.inputs or ())}: computed from the two "
            "normalised features (x1, x2), as TensorFlow Playground offers them.")
    return Section("Inputs", text, "\n".join(lines) + "\n")


# ---------------------------------------------------------------- normalisation

NORMALISE_WORDS = {
    "max": "each column divided by its largest absolute value, as the notebook does "
           "(df[c] / df[c].max())",
    "minmax": "each column scaled to [0, 1]: (x − min) / (max − min)",
    "zscore": "each column to mean 0 and standard deviation 1: (x − mean) / std",
}


def normalise_section(p: Plan) -> Section:
    d = p.data
    lines = ["# Normalizing the Data", ""]
    if not d.has_test:
        lines += ["X, y = features, targets", ""]
    for kind, var, test, v, fortran in ((d.x_normalize, "X", "X_test", "x", d.x_fortran),
                                        (d.y_normalize, "y", "y_test", "y", d.y_fortran)):
        if kind == "zscore" and fortran and not d.has_test:
            lines += [f"# the session holds this table column by column; so does {var} here, "
                      "so that the",
                      "# sums of the mean and the spread come out the same to the last bit",
                      f"{var} = np.asfortranarray({var})"]
        lines += _scale_lines(kind, var, test if d.has_test else None, v)
    if d.x_normalize == d.y_normalize == "none":
        lines.append("# none: the columns are used as they are")
    elif d.y_normalize == "none":
        lines.append("# the target is left as it is")
    fit = " (fitted on the training rows only)" if d.has_test else ""
    parts = [f"features: {NORMALISE_WORDS.get(d.x_normalize, 'left as they are')}"]
    parts.append("target: left as it is (classes)" if d.task == "classification" and
                 d.y_normalize == "none" else
                 f"target: {NORMALISE_WORDS.get(d.y_normalize, 'left as it is')}")
    text = f"Normalising ({d.x_normalize}){fit}: " + "; ".join(parts) + \
        ". The network trains, and predicts, in these normalised units."
    return Section("Normalizing the Data", text, "\n".join(lines).rstrip() + "\n")


def _scale_lines(kind: str, var: str, test: str | None, v: str) -> list[str]:
    """Fit a scaling on the training rows and apply it to them (and to the test rows)."""
    if kind == "none":
        return []
    if kind == "max":
        fit = [f"{v}_scale = np.abs({var}).max(axis=0, keepdims=True)"]
        apply = "{a} / {v}_scale"
    elif kind == "minmax":
        fit = [f"{v}_offset = {var}.min(axis=0, keepdims=True)",
               f"{v}_scale = {var}.max(axis=0, keepdims=True) - {v}_offset"]
        apply = "({a} - {v}_offset) / {v}_scale"
    else:
        fit = [f"{v}_offset = {var}.mean(axis=0, keepdims=True)",
               f"{v}_scale = {var}.std(axis=0, keepdims=True)"]
        apply = "({a} - {v}_offset) / {v}_scale"
    out = [*fit, f"{v}_scale[{v}_scale == 0] = 1.0  # a constant column stays as it is"]
    out.append(f"{var} = " + apply.format(a=var, v=v))
    if test:
        out.append(f"{test} = " + apply.format(a=test, v=v))
    return [*out, ""]
