"""What a take-home program needs from a session, as plain values: the data and how it was
prepared, the network, the optimiser, where training starts, and what was changed by hand.

A session that was only stepped (forwards, and back) is exactly what training from its
starting weights gives, so its program starts there at epoch 0 and trains for the configured
epochs, as `backprop train` does. Any other session (a weight edited, the learning rate
changed live) cannot be reached that way: its program starts from the session's current
parameters, optimiser state and generator state instead, and lists what was changed by hand
(`Session.hand_changes`, which stepping back takes back too).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np

from ..config import Config, flag
from ..maths.network import param_views
from ..maths.schedules import Schedule
from ..names import n_params
from ..present.train_text import Ending, ending, log_fields
from ..training.session import Session

INLINE_ROWS = 1000  # data with at most this many rows is written into the program


@dataclass(frozen=True)
class DataPlan:
    """The table and its preparation: where the rows come from, how the columns become
    numbers, which rows train and which test, how the columns scale."""

    name: str
    builtin: bool
    source: str  # "table" (written out), "columns" (a CSV written out), "file" (read at run time)
    path: str | None  # the CSV file, absolute
    feature_names: tuple[str, ...]  # after encoding (`color=red`, …)
    target_names: tuple[str, ...]
    rows: int
    train_rows: np.ndarray
    test_rows: np.ndarray
    test_fraction: float
    split_seed: int  # the test split is drawn from core.data.dataset.split_rng(split_seed)
    x_normalize: str
    y_normalize: str
    task: str
    seeded: bool  # a generated table: its rows and split come from the seed
    # Whether the session's training features (targets) are stored column by column: the
    # sums of a z-score come out in another order than row by row.
    x_fortran: bool = False
    y_fortran: bool = False
    # "table": the arrays, original units, file order; a multi-class built-in's row classes
    features: np.ndarray | None = None
    targets: np.ndarray | None = None
    labels: np.ndarray | None = None
    label_column: str | None = None
    # CSV files: the columns used, their values when written out, how to read the file
    columns: dict[str, list] | None = None
    read_args: dict | None = None
    feature_columns: tuple[str, ...] = ()
    target_columns: tuple[str, ...] = ()
    text_columns: tuple[str, ...] = ()  # text features, one-hot encoded
    text_targets: tuple[str, ...] = ()  # target columns of text labels
    target_kind: str = "numbers"  # or "classes" (ce: one-hot labels), "binary" (bce: 0/1)
    # --missing (a CSV's gaps): None, or how the loader handled them (core.data.gaps); the
    # columns whose gaps are missing-value words (numbers), the rest are text; and those
    # read as text because of their gaps, turned into numbers (a file read at run time)
    missing: str | None = None
    number_columns: tuple[str, ...] = ()
    converted_columns: tuple[str, ...] = ()

    @property
    def has_test(self) -> bool:
        return self.test_rows.size > 0


@dataclass(frozen=True)
class Start:
    """Where the program's training begins."""

    fresh: bool  # the starting weights at epoch 0 (True), or the session as it is now
    epoch: int
    batch: int
    params: np.ndarray  # flat: W1, b1, W2, b2, …
    opt_state: dict[str, np.ndarray]  # flat, as the core keeps it
    perm: np.ndarray | None  # the current epoch's shuffle, when starting mid-epoch
    rng_state: dict | None  # the generator's state to continue from (not fresh)
    seed: int  # the training generator's seed
    init_draws: str | None  # the init scheme whose draws come before training (fresh)
    lr: float
    changes: tuple[str, ...]  # what was changed by hand, in words
    checked: bool = True  # what was changed by hand is known (a session file may not say)
    base_lr: float | None = None  # the lr schedule's base, with a schedule
    # explicit starting weights (fresh) that the config names: its preset's or weights file's
    named: bool = False


@dataclass(frozen=True)
class Plan:
    config: Config
    data: DataPlan
    sizes: tuple[int, ...]
    hidden: str
    output: str
    loss: str
    optimizer: str
    l2: float
    batch_size: int  # rows per update; equal to the training rows for full batch
    batches: int
    epochs: int  # epochs the program trains
    log_every: int
    start: Start
    command: str | None  # the `backprop train` command that prints the same, if there is one
    accuracy: str | None  # core.maths.metrics' accuracy function the log uses, when classifying
    classes: tuple[str, ...] | None  # class names, in output order, when classifying
    # What `backprop train` prints for this session (core.present.train_text decides both):
    log_fields: tuple[str, ...]  # the log line's numbers beyond the epoch and the loss
    ending: Ending  # how the report after training ends
    l1: float = 0.0
    schedule: Schedule | None = None  # the lr schedule, stepped once per epoch
    inputs: tuple[str, ...] | None = None  # the network's inputs: crosses of x1 and x2

    @property
    def n_params(self) -> int:
        return n_params(self.sizes)

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_train(self) -> int:
        return int(self.data.train_rows.size)

    @property
    def full_batch(self) -> bool:
        return self.batches == 1

    @property
    def uses_rng(self) -> bool:
        return not self.full_batch

    def layer_params(self, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W, b) per layer from a flat vector laid out as the core lays it out."""
        Ws, bs = param_views(np.asarray(flat, dtype=float), self.sizes)
        return list(zip(Ws, bs, strict=True))


def plan(session: Session, log_every: int = 100) -> Plan:
    """Everything a generated program needs, read from `session` (which is not changed)."""
    cfg = session.config
    start = _start(session)
    return Plan(
        config=cfg, data=_data(session), sizes=tuple(session.sizes),
        # with no hidden layer (--hidden 0) the hidden activation is never used
        hidden=cfg.activation if cfg.hidden else cfg.output_activation,
        output=cfg.output_activation, loss=cfg.loss,
        optimizer=cfg.optimizer, l2=float(cfg.l2), batch_size=int(session.batch_size),
        batches=int(session.batches), epochs=int(cfg.epochs), log_every=int(log_every),
        start=start, command=_command(session, start, log_every),
        accuracy=session.accuracy_name, classes=session.dataset.classes,
        log_fields=log_fields(session), ending=ending(session), l1=float(cfg.l1),
        schedule=session.schedule, inputs=session.dataset.inputs)


# ---------------------------------------------------------------- data

def _data(session: Session) -> DataPlan:
    cfg, ds = session.config, session.dataset
    common = dict(
        name=ds.name, builtin=cfg.is_builtin, feature_names=tuple(ds.feature_names),
        target_names=tuple(ds.target_names), rows=int(ds.raw.shape[0]),
        train_rows=np.array(ds.train_rows), test_rows=np.array(ds.test_rows),
        test_fraction=float(cfg.test_fraction), split_seed=int(cfg.seed),
        x_normalize=ds.x_norm.kind, y_normalize=ds.y_norm.kind, task=ds.task,
        seeded=bool(ds.seeded), x_fortran=_fortran(ds.X), y_fortran=_fortran(ds.y))
    if cfg.is_builtin:
        nf = len(ds.feature_names)
        multi = ds.label_column is not None
        return DataPlan(source="table", path=None, features=np.array(ds.raw[:, :nf]),
                        targets=np.array(ds.raw[:, nf:]),
                        labels=np.array(ds.labels) if multi else None,
                        label_column=ds.label_column, **common)
    return DataPlan(**common, **_csv(cfg, ds.raw.shape[0]))


def _fortran(a: np.ndarray) -> bool:
    return bool(a.flags.f_contiguous and not a.flags.c_contiguous)


def _csv(cfg: Config, rows: int) -> dict:
    """How the program gets a CSV's columns: the file read again as the loader read it, and
    which of its columns are features and targets, text or numbers."""
    from ..data.csvfile import CsvOptions, read_frame
    from ..data.table import choose

    path = os.path.abspath(cfg.data)
    options = CsvOptions(sep=cfg.sep, decimal=cfg.decimal, header=not cfg.no_header,
                         skip_rows=cfg.skip_rows)
    df, layout = read_frame(path, options)
    ch = choose(os.path.basename(path), df, layout.header, cfg.targets, cfg.features, cfg.drop)
    used = [c for c in df.columns if c in (*ch.features, *ch.targets)]
    text = {c for c in used if df[c].dtype.kind not in "biuf"}
    converted = {}
    if cfg.missing is not None:  # columns of numbers read as text because of their gaps
        from ..data.gaps import column_gaps

        converted = {c: numbers for c in used
                     if (numbers := column_gaps(df[c])[1]) is not None}
        text -= set(converted)
    out = dict(path=path, feature_columns=tuple(ch.features), target_columns=tuple(ch.targets),
               text_columns=tuple(c for c in ch.features if c in text),
               text_targets=tuple(c for c in ch.targets if c in text),
               target_kind={"ce": "classes", "bce": "binary"}.get(cfg.loss, "numbers"),
               missing=cfg.missing, number_columns=tuple(c for c in used if c not in text),
               converted_columns=tuple(converted))
    if rows > INLINE_ROWS:
        return {**out, "source": "file", "read_args": _read_args(layout, cfg.skip_rows)}
    columns = {c: (converted[c].tolist() if c in converted else
                   df[c].astype(str).str.strip().tolist() if c in text else
                   df[c].to_numpy(dtype=np.float64).tolist()) for c in used}
    return {**out, "source": "columns", "columns": columns}


# What the loader passes to pandas.read_csv that changes no value it reads (how fast, how
# many rows at most), so a program leaves it out.
READ_ONLY_SPEED = ("nrows", "memory_map", "engine")


def _read_args(layout, skip_rows: int) -> dict:
    """`pandas.read_csv` keywords that read the file as the loader did (a test holds them to
    the loader's own, less READ_ONLY_SPEED and its defaults)."""
    args: dict = {"sep": layout.sep}
    if layout.decimal != ".":
        args["decimal"] = layout.decimal
    if layout.encoding != "utf-8":
        args["encoding"] = layout.encoding
    args["header"] = 0 if layout.header else None
    args["names"] = list(layout.names)
    if skip_rows:
        args["skiprows"] = skip_rows
    if layout.spaced:
        args["skipinitialspace"] = True
    if layout.compression:
        args["compression"] = layout.compression
    args["index_col"] = False
    args["na_filter"] = False  # empty cells and words such as NA stay as they are
    return args


# ---------------------------------------------------------------- where training starts

def _start(session: Session) -> Start:
    """From the starting weights at epoch 0 when nothing was changed by hand (the session
    is then exactly what training from its start gives: replays are bit for bit), else from
    where the session is now."""
    st = session.state()
    if st.hand_changes == ():
        cfg = dataclasses.replace(session.config, seed=st.seed)
        fresh = Session(cfg, session.dataset, st.initial, undo_budget=0).params().copy()
        return Start(fresh=True, epoch=0, batch=0, params=fresh,
                     opt_state=session.opt.init_state(fresh.size), perm=None,
                     rng_state=None, seed=st.seed,
                     init_draws=session.config.init if st.initial is None else None,
                     lr=float(session.config.lr), changes=(),
                     base_lr=float(session.config.lr),
                     named=st.initial is not None and _config_names(session, fresh))
    return Start(fresh=False, epoch=st.epoch, batch=st.batch, params=st.params,
                 opt_state=st.opt_state, perm=st.perm if st.batch else None,
                 rng_state=st.rng, seed=st.seed, init_draws=None, lr=st.lr,
                 changes=st.hand_changes or (), checked=st.hand_changes is not None,
                 base_lr=st.base_lr)


# ---------------------------------------------------------------- the equivalent command

def _command(session: Session, start: Start, log_every: int) -> str | None:
    """`backprop train …` with the options that differ from what it would fill in itself:
    the command whose output the program reproduces. None for a session changed by hand, or
    one whose data and weights came from different seeds, or whose weights were drawn where
    the config reads them (a preset or a weights file, then `n`: train would read them)."""
    cfg = session.config
    if not start.fresh or (start.seed != cfg.seed and session.dataset.uses_seed):
        return None
    if start.init_draws and (cfg.preset is not None or cfg.weights is not None):
        return None
    if not start.init_draws and not start.named:
        return None  # explicit weights train would not read: run B's, shared with run A
    base = Config(data=cfg.data, preset=cfg.preset, seed=cfg.seed).resolve()
    args = ["--preset", cfg.preset] if cfg.preset else ["--data", _quote(cfg.data)]
    for f in dataclasses.fields(Config):
        if f.name in ("data", "preset", "seed"):
            continue
        value = getattr(cfg, f.name)
        if value != getattr(base, f.name):
            args += _flag(f.name, value)
    if session.uses_seed:
        args += ["--seed", str(start.seed)]
    if log_every != 100:
        args += ["--log-every", str(log_every)]
    return "backprop train " + " ".join(args)


def _config_names(session: Session, params: np.ndarray) -> bool:
    """Whether explicit starting weights are the ones the config names (its preset's or
    its weights file's), so that `train` with the same options starts from them."""
    from ..files.opening import names_start

    return names_start(session.config, tuple(session.sizes), params)


def _flag(name: str, value) -> list[str]:
    option = flag(name)
    if name == "targets":
        return [p for t in value for p in (option, _quote(t))]
    if name in ("features", "drop"):
        return [option, _quote(",".join(value))]
    if isinstance(value, bool):
        return [option] if value else []
    if name == "hidden":  # () is `--hidden 0`: no hidden layer
        return [option, ",".join(map(str, value)) or "0"]
    if value is None:
        return []
    if isinstance(value, float):
        return [option, f"{value!r}"]
    return [option, _quote(str(value))]


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
