"""The data sections of a generated program: the table, its encoding, the test split and the
normalisation, each written out as plain NumPy (pandas only to read a big CSV at run time).

Every step does what the core's loaders do, in the same order, so that the arrays the program
trains on are the session's, bit for bit: the same values (a CSV's numbers are written as
pandas parsed them, or parsed by the same `pandas.read_csv` call), the same test rows, the
same scalings fitted on the training rows.
"""

from __future__ import annotations

from ..data.dataset import SPLIT_SALT
from . import literals as ct
from . import words as cw
from .parts import Section
from .plan import Plan


def data_sections(p: Plan) -> list[Section]:
    """Creating the dataset, encoding it (CSV files), splitting it, normalising it."""
    out = [dataset_section(p)]
    if p.data.source != "table":
        out.append(encoding_section(p))
    if p.data.has_test:
        out.append(split_section(p))
    return [*out, normalise_section(p)]


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

ZERO_ONE = '''def zero_one(values):
    """Two classes as 0 and 1 (the later in sorted order is 1); values in [0, 1] stay."""
    classes = np.unique(values)
    return (values == classes[1]).astype(float) if len(classes) == 2 else values.astype(float)
'''


def encoding_section(p: Plan) -> Section:
    d = p.data
    lines = ["# Encoding the columns as numbers", ""]
    if d.text_columns:
        lines += [ONE_HOT, ""]
    if d.target_kind == "binary":
        lines += [ZERO_ONE, ""]
    parts = [f"one_hot(data[{c!r}])" if c in d.text_columns else f"data[{c!r}]"
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
    lines += ["", "X, y = features[train_rows], targets[train_rows]",
              "X_test, y_test = features[test_rows], targets[test_rows]"]
    text = (f"{d.test_rows.size} of the {d.rows} rows ({d.test_fraction:g}) are held out as a "
            "test set, drawn from the seed: the network never trains on them.")
    return Section("Splitting the data", text, "\n".join(lines) + "\n")


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
