"""From a config to a running session: load the data, find the starting weights, build it."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from ..config import CSV_DEFAULTS, Config, flag
from ..data import builtin, crosses
from ..data.dataset import Dataset
from ..errors import UserError
from ..presets import preset_layers
from ..training.compare import Comparison, compare_config, shared_start
from ..training.session import Session


def load_dataset(cfg: Config) -> Dataset:
    """The dataset a resolved config names (built-in by name, else a CSV path), with the
    network inputs it asks for."""
    return crosses.with_inputs(_load_table(cfg), cfg.inputs)


def _load_table(cfg: Config) -> Dataset:
    if cfg.is_builtin:
        for name, default in CSV_DEFAULTS.items():
            if getattr(cfg, name) != default:
                raise UserError(f"{flag(name)} applies to CSV files; built-in datasets have "
                                "their own columns", field=name)
        return builtin.builtin(cfg.data, cfg.seed, cfg.noise, cfg.normalize, cfg.test_fraction)
    if not os.path.exists(cfg.data) and not cfg.data.lower().endswith(".csv"):
        raise UserError(f"--data {cfg.data!r}: no such file, and not a built-in dataset "
                        f"({', '.join(builtin.BUILTIN)})", field="data")
    from ..data.csvfile import CsvOptions

    options = CsvOptions(sep=cfg.sep, decimal=cfg.decimal, header=not cfg.no_header,
                         skip_rows=cfg.skip_rows)
    from ..data import table  # CSV files only: a built-in dataset needs none of it

    return table.load_csv(cfg.data, cfg.targets, cfg.normalize, cfg.test_fraction, cfg.seed,
                         loss=cfg.loss, features=cfg.features, drop=cfg.drop, options=options,
                         missing=cfg.missing)


def initial_params(cfg: Config, sizes: tuple[int, ...]) -> np.ndarray | None:
    """Explicit starting parameters (a --weights file or a preset's), else None (drawn)."""
    if cfg.weights:
        from .weights import load_weights  # a weights file only: JSON is not needed otherwise

        return load_weights(cfg.weights, sizes)
    if cfg.preset:
        layers = preset_layers(cfg.preset)
        shapes = (*(len(W) for W, _ in layers), len(layers[-1][0][0]))
        if shapes != sizes:
            raise UserError(f"the {cfg.preset} preset's weights are for a "
                            f"{'-'.join(map(str, shapes))} network, not "
                            f"{'-'.join(map(str, sizes))}; drop --preset or --hidden")
        return np.concatenate([np.r_[np.ravel(W), np.ravel(b)] for W, b in layers])
    return None


def open_session(config: Config) -> Session:
    """Resolve defaults, load the data and any starting weights, and build a session."""
    cfg = config.resolve()
    ds = load_dataset(cfg)
    sizes = (ds.X.shape[1], *cfg.hidden, ds.y.shape[1])
    cfg.check_size(sizes[0], sizes[-1], ds.X.shape[0])
    return Session(cfg, ds, initial_params(cfg, sizes))



def names_start(cfg: Config, sizes: tuple[int, ...], params: np.ndarray) -> bool:
    """Whether `params` are the starting parameters `cfg` names (its preset's or its
    weights file's), so that opening `cfg` again starts from them."""
    try:
        named = initial_params(cfg, sizes)
    except UserError:
        return False
    return named is not None and np.array_equal(named, params)


def open_compare(a: Session, given: dict[str, object], text: str) -> Comparison:
    """Run B beside `a`: `a`'s settings (and its lr now) with the `given` fields on top, on
    `a`'s rows, with `a`'s seed and, where the layers match, `a`'s starting weights."""
    base = a.config if "lr" in given else replace(a.config, lr=a.base_lr)
    cfg = compare_config(base, given)
    ds = compare_dataset(a, cfg)
    sizes = (ds.X.shape[1], *cfg.hidden, ds.y.shape[1])
    cfg.check_size(sizes[0], sizes[-1], ds.X.shape[0])
    try:
        initial = initial_params(cfg, sizes)
    except UserError as exc:
        if "weights" in given:  # B's own weights file, named in the change: it must fit
            raise UserError(f"--compare: {exc}", field="weights") from None
        initial = None  # A's preset or weights file does not fit B: it draws, sharing what fits
    start = shared_start(a, cfg, sizes, initial)
    b = Session(cfg, ds, start)
    b.drawn_start = initial is None  # drawn with the seed, though some layers are A's
    if b.seed != a.seed:  # A started over with a new seed (n): B uses it too
        b.start_from(a.seed, start)
    return Comparison(a, b, text)


def compare_dataset(a: Session, cfg: Config) -> Dataset:
    """Run B's data: `a`'s rows, with B's network inputs. A CSV's targets are read for the
    loss (classes for ce, 0/1 for bce), so another loss reads them again, from the same
    rows; if that gives other rows or features, B is refused."""
    base = a.dataset.base or a.dataset
    if cfg.is_builtin or cfg.loss == a.config.loss:
        return crosses.with_inputs(base, cfg.inputs)
    ds = load_dataset(cfg)
    other = ds.base or ds
    same = other.X.shape == base.X.shape and np.array_equal(other.X, base.X) and \
        np.array_equal(other.train_rows, base.train_rows)
    if not same:
        raise UserError(f"--compare --loss {cfg.loss}: {base.name} would give run B other rows "
                        "or features than run A's, and B trains on A's rows", field="loss")
    return ds
