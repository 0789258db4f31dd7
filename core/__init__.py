"""The backprop-stepper engine: pure NumPy (pandas only to read CSV files), no UI.

    from core import Config, open_session
    s = open_session(Config(preset="notebook"))
    rec = s.step()          # a StepRecord: Z, A, loss, objective, delta, dW, db, changes
    s.run(99); s.undo()
    save_session(s, "run.json"); t = open_resumed("run.json")   # t.step() equals s.step()
"""

from __future__ import annotations

import numpy as np

from . import data
from .config import Config, new_seed
from .errors import UserError
from .gradcheck import GradCheck, gradient_check
from .io import export, history_csv, layers_json, load_weights, weights_text
from .presets import preset_layers
from .record import Evaluation, RunResult, StepRecord
from .session import Session
from .sessionfile import default_session_name, load_session, save_session
from .view import SessionView, view

__all__ = [
    "Config", "Evaluation", "GradCheck", "RunResult", "Session", "SessionView", "StepRecord",
    "UserError",
    "check_session", "default_session_name", "export", "history_csv", "layers_json",
    "load_dataset", "new_seed", "open_resumed", "open_session", "save_session", "view",
    "weights_text",
]

# `backprop --resume FILE`: reopen a saved session, to step on exactly where it stopped.
open_resumed = load_session


def load_dataset(cfg: Config) -> data.Dataset:
    """The dataset a resolved config names: built-in by name, else a CSV path."""
    if cfg.is_builtin:
        if cfg.targets:
            raise UserError("--target applies to CSV files; built-in datasets have theirs",
                            field="targets")
        return data.builtin(cfg.data, cfg.seed, cfg.noise, cfg.normalize, cfg.test_fraction)
    import os

    if not os.path.exists(cfg.data) and not cfg.data.lower().endswith(".csv"):
        raise UserError(f"--data {cfg.data!r}: no such file, and not a built-in dataset "
                        f"({', '.join(data.BUILTIN)})", field="data")
    return data.load_csv(cfg.data, cfg.targets, cfg.normalize, cfg.test_fraction, cfg.seed)


def _initial(cfg: Config, sizes: tuple[int, ...]) -> np.ndarray | None:
    if cfg.weights:
        return load_weights(cfg.weights, sizes)
    if cfg.preset:
        layers = preset_layers(cfg.preset)
        shapes = (*tuple(W.shape[0] for W, _ in layers), layers[-1][0].shape[1])
        if shapes != sizes:
            raise UserError(f"the {cfg.preset} preset's weights are for a "
                            f"{'-'.join(map(str, shapes))} network, not "
                            f"{'-'.join(map(str, sizes))}; drop --preset or --hidden")
        return np.concatenate([np.r_[W.ravel(), b.ravel()] for W, b in layers])
    return None


def open_session(config: Config) -> Session:
    """Resolve defaults, load the data and any starting weights, and build a session."""
    cfg = config.resolve()
    ds = load_dataset(cfg)
    sizes = (ds.X.shape[1], *cfg.hidden, ds.y.shape[1])
    cfg.check_size(sizes[0], sizes[-1], ds.X.shape[0])
    return Session(cfg, ds, _initial(cfg, sizes))


def check_session(session: Session, h: float = 1e-3) -> GradCheck:
    """Finite differences on the session's current parameters and full training batch."""
    with np.errstate(all="ignore"):
        return gradient_check(session.net, session.dataset.X, session.dataset.y,
                              session.loss_fn, session.l2, h=h)
