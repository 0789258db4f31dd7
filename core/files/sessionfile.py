"""Session files: `w` saves one, `backprop --resume FILE` reopens it, and the next step after
the reopen is bit for bit the step the saved session would have taken.

The file is JSON, one top-level key a line (format version 3; files of format 1, from before
CSV options, classes and the test accuracy, and of format 2, from before L1, lr schedules,
missing values, input crosses and two runs, still load):

    format       "backprop-stepper-session"
    version      3
    config       every Config field, resolved (tuples as lists); format 1 lacks the CSV
                 options (features, drop, sep, decimal, no_header, skip_rows), formats 1 and 2
                 lack l1, lr_schedule, missing and inputs: their defaults
    dataset      {"name", "builtin", "path", "rows", "columns", "sha256"}: which data, and a
                 fingerprint of its table so that a CSV changed since is caught, not trained on
    seed         the seed of the current run (reset can change it; config.seed made the data)
    initial      the explicit starting parameters (preset or --weights) restart returns to, or null
    lr           the learning rate now (it may have been changed live; with a schedule, this
                 epoch's)
    base_lr      the lr schedule's base (`<` and `>` scale it); the lr itself without one
                 (absent in older files: the lr)
    epoch        epochs completed
    batch        updates done in the current epoch
    perm         the current epoch's shuffle of the training rows, or null
    rng          numpy's PCG64 state, as `Generator.bit_generator.state` gives it
    params       every parameter, flat: W1, b1, W2, b2, … (row by row)
    opt_state    {name: flat list} of the optimiser: {} for gd/sgd, v for momentum, m v t for adam
    history      {column: one value per epoch}: loss, objective[, accuracy][, test_loss]
                 [, test_accuracy] (files without test_accuracy read it as NaN)
    diverged_at  the epoch training diverged at, or null
    hand_changes what was changed by hand (lr changes, edited values), in words; null, or
                 absent in older files, when not known
    compare      only with a second run (`--compare`): {"options": the options B changes, as
                 given, "config": B's config, and B's own seed … hand_changes as above}; B
                 trains on A's dataset (with its own inputs)
    previous     where the update that led here started: {"params", "lr", "epoch", "batch",
                 "opt_state", "rng" (null for full batch), "perm"}; reopening takes that
                 update again, to show its gradients and ▲▼. null at the start; absent in
                 older files (which then show no last update until the next step)
    edited_best  [epoch, loss] of the best parameters an edit replaced, or null (absent in
                 older files): the best so far counts them

Numbers are written with Python's float repr, which reads back to the same float64. JSON has
no NaN or infinity; where one may legitimately appear (history, optimiser state) it is the
string "NaN", "Infinity" or "-Infinity". Parameters must be finite to save or load.

Not saved: undo snapshots (after a resume, stepping back starts afresh at the resumed
position). The last update's record is not saved either, but made again from `previous`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import fields, replace
from datetime import datetime

import numpy as np

from ..config import CSV_DEFAULTS, Config
from ..data.dataset import Dataset
from ..errors import UserError
from ..names import PRESETS, lr_limits, lr_ok, n_params
from ..training.compare import DATA_FIELDS, Comparison
from ..training.session import PreviousUpdate, Session, SessionState
from .opening import compare_dataset, load_dataset, names_start
from .weights import read_json, require_finite, save_text, stamped_name

FORMAT = "backprop-stepper-session"
VERSION = 3
MAX_SESSION_BYTES = 2**30
_NONFINITE_NAMES = {"NaN", "Infinity", "-Infinity"}
LATER_COLUMNS = ("test_accuracy",)  # history columns that files of format 1 lack


def default_session_name(now: datetime) -> str:
    """`backprop-session-YYYYmmdd-HHMMSS.json`, for `w` without `--save-to`."""
    return stamped_name("session", now, "json")


def dataset_fingerprint(ds: Dataset) -> str:
    """sha256 of the raw table (original units, file order) and its column names."""
    h = hashlib.sha256()
    h.update(json.dumps([ds.feature_names, ds.target_names, ds.raw.shape]).encode())
    h.update(np.ascontiguousarray(ds.raw, dtype="<f8").tobytes())
    return h.hexdigest()


# ---------------------------------------------------------------- saving

def save_session(session: Session, path: str, compare: Comparison | None = None) -> None:
    """Write everything the next step depends on to `path`, atomically; with `compare`
    (whose run A is `session`), run B too."""
    require_finite(session, "save the session")
    if compare is not None:
        require_finite(compare.b, "save run B")
    _check_overwrite(path)
    save_text(path, _dumps(session_doc(session, compare)), "session")


def session_doc(session: Session, compare: Comparison | None = None) -> dict:
    """The session as a JSON-ready dict (see the module docstring for the keys)."""
    cfg, ds = session.config, session.dataset
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "config": _config_out(cfg),
        "dataset": {
            "name": ds.name, "builtin": cfg.is_builtin,
            "path": None if cfg.is_builtin else os.path.abspath(cfg.data),
            "rows": int(ds.raw.shape[0]), "columns": list(ds.columns),
            "sha256": dataset_fingerprint(ds),
        },
        **_run_doc(session),
    }
    if compare is not None:
        doc["compare"] = {"options": compare.text, "config": _config_out(compare.b.config),
                          **_run_doc(compare.b)}
    return doc


def _config_out(cfg: Config) -> dict:
    return {f.name: _plain(getattr(cfg, f.name)) for f in fields(Config)}


def _run_doc(session: Session) -> dict:
    """What one run's next step depends on, beside its config and data."""
    st = session.state()
    return {
        "seed": st.seed,
        "initial": None if st.initial is None else _floats_out(st.initial),
        "lr": st.lr,
        "base_lr": st.base_lr,
        "epoch": st.epoch,
        "batch": st.batch,
        "perm": None if st.perm is None else [int(i) for i in st.perm],
        "rng": st.rng,
        "params": _floats_out(st.params),
        "opt_state": {k: _floats_out(v) for k, v in st.opt_state.items()},
        "history": {c: _floats_out(v) for c, v in st.history.items()},
        "diverged_at": st.diverged_at,
        "hand_changes": None if st.hand_changes is None else list(st.hand_changes),
        "previous": None if st.previous is None else _previous_out(st.previous),
        "edited_best": None if st.edited_best is None else list(st.edited_best),
    }


def _previous_out(prev: PreviousUpdate) -> dict:
    return {"params": _floats_out(prev.params), "lr": prev.lr, "epoch": prev.epoch,
            "batch": prev.batch,
            "opt_state": {k: _floats_out(v) for k, v in prev.opt_state.items()},
            "rng": prev.rng, "perm": None if prev.perm is None else [int(i) for i in prev.perm]}


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _floats_out(arr: np.ndarray) -> list:
    values = np.asarray(arr, dtype=float).tolist()
    if np.isfinite(arr).all():
        return values
    return [v if math.isfinite(v) else "NaN" if v != v else "Infinity" if v > 0 else
            "-Infinity" for v in values]


def _dumps(doc: dict) -> str:
    lines = (f"{json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in doc.items())
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _check_overwrite(path: str) -> None:
    """`w` may replace an older session file, never a CSV or anything else of the user's."""
    if not os.path.isfile(path):
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError as exc:
        raise UserError(f"cannot write the session to {path}: {exc.strerror or exc}") from None
    if head.strip() and FORMAT.encode() not in head:
        raise UserError(f"{path} already exists and is not a session file; choose another name")


# ---------------------------------------------------------------- loading

def load_session(path: str) -> Session:
    """Reopen a session file (its run A, when it holds two); a damaged, foreign or
    out-of-date one is a one-line UserError."""
    return load_runs(path)[0]


def load_runs(path: str) -> tuple[Session, Comparison | None]:
    """Reopen a session file: run A, and the comparison with run B when it holds one."""
    doc = read_json(path, "session", MAX_SESSION_BYTES)
    r = _Reader(path)
    version = _check_format(doc, r)
    cfg = _config(r.get(doc, "config", dict, "an object"), r, version)
    cfg, ds = _dataset(cfg, r.get(doc, "dataset", dict, "an object"), r)
    a = _run(doc, cfg, ds, r, version)
    if "compare" not in doc:
        return a, None
    raw = r.get(doc, "compare", dict, "an object")
    rb = _Reader(path, "run B")
    text = rb.get(raw, "options", str, "text")
    cfg_b = _config(rb.get(raw, "config", dict, "an object"), rb, version)
    for name in DATA_FIELDS:
        if getattr(cfg_b, name) != getattr(a.config, name):
            raise rb.damaged(f"its {name!r} differs from run A's, and B trains on A's rows")
    try:
        ds_b = compare_dataset(a, cfg_b)
    except UserError as exc:
        raise rb.damaged(str(exc)) from None
    b = _run(raw, cfg_b, ds_b, rb, version)
    # B's explicit start that its options do not name was drawn with the seed (see
    # open_compare)
    b.drawn_start = b.initial is not None and not names_start(cfg_b, b.sizes, b.initial)
    return a, Comparison(a, b, text)


def _run(doc: dict, cfg: Config, ds: Dataset, r: _Reader, version: int) -> Session:
    """One run's session, from its keys in `doc`, on its config and data."""
    sizes = (ds.X.shape[1], *cfg.hidden, ds.y.shape[1])
    try:
        cfg.check_size(sizes[0], sizes[-1], ds.X.shape[0])
    except UserError as exc:
        raise r.damaged(str(exc)) from None
    n = n_params(sizes)
    arch = f"a {'-'.join(map(str, sizes))} network"
    initial = r.get(doc, "initial", (list, None), "a list or null")
    if initial is not None:
        initial = r.floats(initial, "initial", n, arch, finite=True)
    s = Session(cfg, ds, initial)

    seed = r.get(doc, "seed", int, "a whole number")
    if not 0 <= seed < 2**63:
        raise r.damaged('"seed" is out of range')
    params = r.floats(r.get(doc, "params", list, "a list"), "params", n, arch, finite=True)
    opt_state = _opt_state(r.get(doc, "opt_state", dict, "an object"), s, n, r)
    lr = r.get(doc, "lr", float, "a number")
    # with a schedule the lr of an epoch may be 0 (cosine at its end); its base may not
    if not (lr_ok(lr) or (s.schedule is not None and lr == 0)):
        raise r.damaged(f'"lr" must be {lr_limits()}')
    base_lr = r.get(doc, "base_lr", float, "a number") if "base_lr" in doc else lr
    if not lr_ok(base_lr):
        raise r.damaged(f'"base_lr" must be {lr_limits()}')
    epoch, batch, perm = _position(doc, s, r)
    history = _history(r.get(doc, "history", dict, "an object"), s, epoch, batch, r, version)
    diverged = r.get(doc, "diverged_at", (int, None), "an epoch or null")
    if diverged is not None and diverged < 0:
        raise r.damaged('"diverged_at" is negative')
    rng = _rng(r.get(doc, "rng", dict, "an object"), r)
    s.restore(SessionState(seed=seed, initial=initial, lr=float(lr), base_lr=float(base_lr),
                           epoch=epoch, batch=batch,
                           perm=perm, rng=rng, params=params, opt_state=opt_state,
                           history=history, diverged_at=diverged,
                           hand_changes=_hand_changes(doc, r),
                           previous=_previous(doc, s, n, arch, epoch, batch, r),
                           edited_best=_edited_best(doc, r)))
    return s


def _previous(doc: dict, s: Session, n: int, arch: str, epoch: int, batch: int,
              r: _Reader) -> PreviousUpdate | None:
    """Where the last update started; absent in older files, null at the start."""
    raw = doc.get("previous")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise r.damaged('"previous" should be an object or null')
    params = r.floats(r.get(raw, "params", list, "a list", "previous"), "previous.params", n,
                      arch, finite=True)
    lr = r.get(raw, "lr", float, "a number", "previous")
    if not (lr_ok(lr) or (s.schedule is not None and lr == 0)):  # as the run's own lr
        raise r.damaged(f'"previous.lr" must be {lr_limits()}')
    p_epoch, p_batch, perm = _position(raw, s, r, "previous.")
    if p_epoch * s.batches + p_batch != epoch * s.batches + batch - 1:
        raise r.damaged('"previous" is not the update before the saved position')
    opt_state = _opt_state(r.get(raw, "opt_state", dict, "an object", "previous"), s, n, r)
    rng = raw.get("rng")
    if rng is not None:
        rng = _rng(r.get(raw, "rng", dict, "an object or null", "previous"), r)
    if rng is None and s.batches > 1:
        raise r.damaged('"previous.rng" is missing for mini-batches')
    return PreviousUpdate(params, float(lr), p_epoch, p_batch, opt_state, rng, perm)


def _edited_best(doc: dict, r: _Reader) -> tuple[int, float] | None:
    raw = doc.get("edited_best")
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and _is(raw[0], int) and raw[0] >= 0
            and _is(raw[1], float) and math.isfinite(raw[1])):
        raise r.damaged('"edited_best" should be [epoch, loss] or null')
    return int(raw[0]), float(raw[1])


def _hand_changes(doc: dict, r: _Reader) -> tuple[str, ...] | None:
    """What was changed by hand, in words; absent in files written before it was recorded,
    and then not known (None)."""
    if "hand_changes" not in doc:
        return None
    changes = r.get(doc, "hand_changes", list, "a list of text")
    if not all(isinstance(c, str) for c in changes):
        raise r.damaged('"hand_changes" should be a list of text')
    return tuple(changes)


class _Reader:
    """Typed access to the parsed document, every complaint naming the file (and the run,
    in a file of two)."""

    def __init__(self, path: str, run: str = "") -> None:
        self.path, self.run = path, run

    def damaged(self, why: str) -> UserError:
        where = f" ({self.run})" if self.run else ""
        return UserError(f"{self.path}: damaged session file{where}: {why}")

    def get(self, obj: dict, key: str, kind, what: str, within: str = ""):
        label = f"{within}.{key}" if within else key
        if key not in obj:
            raise self.damaged(f'"{label}" is missing')
        value = obj[key]
        if not _is(value, kind):
            raise self.damaged(f'"{label}" should be {what}')
        return value

    def floats(self, value, label: str, size: int | None, arch: str = "",
               finite: bool = False) -> np.ndarray:
        bad = self.damaged(f'"{label}" should be a list of numbers')
        if not isinstance(value, list):
            raise bad
        try:
            arr = np.array(value)  # numbers only: numpy sees to it in C, fast
            if arr.dtype.kind not in "fiu":  # text, objects: only our three names may be text
                if arr.ndim != 1 or not all(isinstance(v, float | int) or v in _NONFINITE_NAMES
                                            for v in value):
                    raise bad
                arr = np.array(value, dtype=float)
            arr = arr.astype(float, copy=False)
        except (TypeError, ValueError, OverflowError):  # ragged, nested, dicts, huge ints
            raise bad from None
        if arr.ndim != 1:
            raise bad
        if size is not None and arr.size != size:
            where = f" for {arch}" if arch else ""
            raise self.damaged(f'"{label}" should have {size} numbers{where}, not {arr.size}')
        if finite and not np.isfinite(arr).all():
            raise self.damaged(f'"{label}" has a NaN or infinite value')
        return arr


def _is(value, kind) -> bool:
    """isinstance, with int ≠ bool, float accepting ints, and None for null."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if k is None and value is None:
            return True
        if k is int and type(value) is int:
            return True
        if k is bool and type(value) is bool:
            return True
        if k is float and type(value) in (int, float):
            return True
        if k in (str, list, dict) and isinstance(value, k):
            return True
    return False


def _check_format(doc, r: _Reader) -> int:
    """The file's format version, once it is one of ours that this version reads."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        hint = ""
        if isinstance(doc, dict) and "layers" in doc:
            hint = " (it looks like a weights file: open it with --weights)"
        raise UserError(f"{r.path}: not a backprop session file{hint}")
    version = doc.get("version")
    if not _is(version, int) or version < 1:
        raise r.damaged('"version" should be a whole number from 1')
    if version > VERSION:
        raise UserError(f"{r.path}: saved by a newer backprop-stepper (session format "
                        f"{version}); this one reads format {VERSION}")
    return version


# Every Config field, and what a resolved one holds. A test keeps this in step with Config.
CONFIG_KINDS: dict[str, tuple] = {
    "data": (str,), "targets": (list, None), "normalize": (str,), "hidden": (list,),
    "activation": (str,), "output_activation": (str,), "loss": (str,), "init": (str,),
    "seed": (int,), "lr": (float,), "epochs": (int,), "optimizer": (str,),
    "batch_size": (int, None), "l2": (float,), "test_fraction": (float,), "noise": (float,),
    "preset": (str, None), "weights": (str, None),
    "features": (list, None), "drop": (list, None), "sep": (str, None), "decimal": (str, None),
    "no_header": (bool,), "skip_rows": (int,),
    "l1": (float,), "lr_schedule": (str, None), "missing": (str, None),
    "inputs": (list, None),
}
# Settings format 1 did not have (it had the target columns, none of the other CSV options):
# a file of that format reads them as their defaults.
SINCE_2 = {name: value for name, value in CSV_DEFAULTS.items() if name != "targets"}
# And those formats 1 and 2 did not have.
SINCE_3 = {"l1": 0.0, "lr_schedule": None, "missing": None, "inputs": None}
_ITEMS = {"targets": (str, "text"), "features": (str, "text"), "drop": (str, "text"),
          "inputs": (str, "text"),
          "hidden": (int, "whole numbers")}
_NAMES = {str: "text", list: "a list", int: "a whole number", float: "a number", None: "null",
          bool: "true or false"}


def _config(raw: dict, r: _Reader, version: int) -> Config:
    extra = sorted(set(raw) - set(CONFIG_KINDS))
    if extra:
        raise r.damaged(f'unknown setting "config.{extra[0]}"')
    if version == 1:
        raw = {**SINCE_2, **raw}
    if version <= 2:
        raw = {**SINCE_3, **raw}
    values = {}
    for key, kind in CONFIG_KINDS.items():
        value = r.get(raw, key, kind, " or ".join(_NAMES[k] for k in kind), "config")
        if key in _ITEMS and value is not None:
            item, what = _ITEMS[key]
            if not all(_is(v, item) for v in value):
                raise r.damaged(f'"config.{key}" should be a list of {what}')
            value = tuple(value)
        values[key] = value
    if values["preset"] is not None and values["preset"] not in PRESETS:
        raise r.damaged(f'unknown preset {values["preset"]!r}')
    cfg = Config(**values)
    try:
        cfg.validate()
    except UserError as exc:
        raise UserError(f"{r.path}: the saved settings are not valid: {exc}") from None
    return cfg


def _dataset(cfg: Config, ref: dict, r: _Reader) -> tuple[Config, Dataset]:
    """Rebuild the data the session trained on, and prove it is the same table."""
    path = r.path
    sha = r.get(ref, "sha256", str, "text", "dataset")
    if cfg.is_builtin:
        try:
            ds = load_dataset(cfg)
        except UserError as exc:
            raise UserError(f"{path}: the saved settings are not valid: {exc}") from None
        if dataset_fingerprint(ds) != sha:
            raise UserError(f"{path}: the built-in dataset {cfg.data!r} no longer comes out "
                            "the same (the file was edited, or this version makes it "
                            "differently), so the session cannot continue exactly")
        return cfg, ds
    saved_at = ref.get("path")
    changed = []
    saved_at = saved_at if isinstance(saved_at, str) else None
    for candidate in _csv_candidates(cfg.data, saved_at, path):
        try:
            c = replace(cfg, data=candidate)
            ds = load_dataset(c)
        except UserError:
            changed.append(candidate)
            continue
        if dataset_fingerprint(ds) == sha:
            return c, ds
        changed.append(candidate)
    if changed:
        raise UserError(f"{path}: the data file {changed[0]} has changed since the session "
                        "was saved; put the original back to resume")
    raise UserError(f"{path}: the session's data file {cfg.data} is not there any more")


def _csv_candidates(data: str, saved_at: str | None, session_path: str) -> list[str]:
    """Where the CSV may be: as given (from here), beside the session file (a shared folder),
    and where it was when saved. Only files that exist, each once."""
    here = os.path.dirname(os.path.abspath(session_path))
    out, seen = [], set()
    for c in (data, os.path.join(here, data), os.path.join(here, os.path.basename(data)),
              saved_at):
        if c and os.path.isfile(c) and os.path.realpath(c) not in seen:
            seen.add(os.path.realpath(c))
            out.append(c)
    return out


def _opt_state(raw: dict, s: Session, n: int, r: _Reader) -> dict[str, np.ndarray]:
    names = s.opt.state_names
    if set(raw) != set(names):
        want = ", ".join(names) or "nothing"
        raise r.damaged(f'"opt_state" for {s.opt.name} should hold {want}')
    return {k: r.floats(raw[k], f"opt_state.{k}", 1 if k == "t" else n) for k in names}


def _position(doc: dict, s: Session, r: _Reader,
              within: str = "") -> tuple[int, int, np.ndarray | None]:
    epoch = r.get(doc, "epoch", int, "a whole number", within.rstrip("."))
    batch = r.get(doc, "batch", int, "a whole number", within.rstrip("."))
    if epoch < 0 or not 0 <= batch < s.batches:
        raise r.damaged(f"position epoch {epoch}, update {batch} is impossible with "
                        f"{s.batches} update(s) an epoch")
    perm = r.get(doc, "perm", (list, None), "a list or null", within.rstrip("."))
    if perm is not None:
        rows = s.dataset.X.shape[0]
        ok = s.batches > 1 and len(perm) == rows and all(type(i) is int for i in perm)
        arr = np.array(perm, dtype=np.int64) if ok and all(0 <= i < rows for i in perm) \
            else None
        if arr is None or not np.array_equal(np.sort(arr), np.arange(rows)):
            raise r.damaged(f'"{within}perm" should be a shuffle of the {rows} training rows')
        perm = arr
    elif batch > 0:
        raise r.damaged(f'"{within}perm" is missing for a position inside an epoch')
    return epoch, batch, perm


def _history(raw: dict, s: Session, epoch: int, batch: int, r: _Reader,
             version: int) -> dict[str, np.ndarray]:
    cols = s.history_columns
    # Files of format 1 lack the test accuracy: it reads as NaN (not recorded) for the epochs
    # they hold.
    missing = set(cols) - set(raw)
    later = set(LATER_COLUMNS) if version == 1 else set()
    if set(raw) - set(cols) or missing - later or "loss" not in raw:
        raise r.damaged(f'"history" should hold {", ".join(cols)}')
    values = {c: r.floats(raw[c], f"history.{c}", None) for c in cols if c in raw}
    for c in missing:
        values[c] = np.full(values["loss"].size, np.nan)
    rows = epoch + (1 if batch else 0)  # each epoch logs once, at its first update
    if any(v.size != rows for v in values.values()):
        raise r.damaged(f'"history" should have {rows} entries at epoch {epoch}')
    return values


def _rng(raw: dict, r: _Reader) -> dict:
    """A PCG64 state, proven by loading it into a generator of its own and reading it back."""
    inner = raw.get("state")
    ok = (raw.get("bit_generator") == "PCG64" and isinstance(inner, dict)
          and all(_is(inner.get(k), int) and 0 <= inner[k] < 2**128 for k in ("state", "inc"))
          and raw.get("has_uint32") in (0, 1) and _is(raw.get("uinteger"), int)
          and 0 <= raw["uinteger"] < 2**32)
    if ok:
        try:
            probe = np.random.PCG64()
            probe.state = raw
            ok = probe.state == raw  # and nothing extra or out of place
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok:
        raise r.damaged('"rng" is not a PCG64 generator state')
    return raw
