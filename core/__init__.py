"""The backprop-stepper engine: pure NumPy (pandas only to read CSV files), no UI.

    from core import Config, open_session
    s = open_session(Config(preset="notebook"))
    rec = s.step()          # a StepRecord: Z, A, loss, objective, delta, dW, db, changes
    s.run(99); s.undo()
    save_session(s, "run.json"); t = open_resumed("run.json")   # t.step() equals s.step()

`import core` is cheap: each name below is imported from its module on first use, so a
command line can be parsed, or an error type caught, before NumPy is loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# public name -> (module, name in that module)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Config": ("config", "Config"),
    "new_seed": ("config", "new_seed"),
    "UserError": ("errors", "UserError"),
    # `backprop code` and the export key: the session as a program that gives its numbers
    "code_text": ("programs.write", "code_text"),
    "default_code_name": ("programs.write", "default_code_name"),
    "export_code": ("programs.write", "export_code"),
    "GradCheck": ("maths.gradcheck", "GradCheck"),
    "gradient_check": ("maths.gradcheck", "gradient_check"),
    "export": ("files.weights", "export"),
    "history_csv": ("files.weights", "history_csv"),
    "layers_json": ("present.train_text", "layers_json"),
    "load_weights": ("files.weights", "load_weights"),
    "stamped_name": ("files.weights", "stamped_name"),
    "weights_text": ("files.weights", "weights_text"),
    "check_session": ("training.session", "check_session"),
    "load_dataset": ("files.opening", "load_dataset"),
    "open_session": ("files.opening", "open_session"),
    "open_compare": ("files.opening", "open_compare"),
    "load_runs": ("files.sessionfile", "load_runs"),
    "Comparison": ("training.compare", "Comparison"),
    "Evaluation": ("training.record", "Evaluation"),
    "RunResult": ("training.record", "RunResult"),
    "StepRecord": ("training.record", "StepRecord"),
    "Session": ("training.session", "Session"),
    "SessionState": ("training.session", "SessionState"),
    "default_session_name": ("files.sessionfile", "default_session_name"),
    "load_session": ("files.sessionfile", "load_session"),
    # `backprop --resume FILE`: reopen a saved session, to step on exactly where it stopped.
    "open_resumed": ("files.sessionfile", "load_session"),
    "save_session": ("files.sessionfile", "save_session"),
    "SessionView": ("present.views", "SessionView"),
    "view": ("present.views", "view"),
}

__all__ = [
    "Comparison", "Config", "Evaluation", "GradCheck", "RunResult", "Session", "SessionState",
    "SessionView", "StepRecord", "UserError",
    "check_session", "code_text", "default_code_name", "default_session_name", "export",
    "export_code", "gradient_check", "history_csv",
    "layers_json", "load_dataset", "load_runs", "load_session", "load_weights", "new_seed",
    "open_compare", "open_resumed", "open_session", "save_session", "stamped_name", "view",
    "weights_text",
]


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562), then keep the name here."""
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'core' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from .config import Config, new_seed
    from .errors import UserError
    from .files.opening import load_dataset, open_compare, open_session
    from .files.sessionfile import default_session_name, load_runs, load_session, save_session
    from .files.sessionfile import load_session as open_resumed
    from .files.weights import export, history_csv, load_weights, stamped_name, weights_text
    from .maths.gradcheck import GradCheck, gradient_check
    from .present.train_text import layers_json
    from .present.views import SessionView, view
    from .programs.write import code_text, default_code_name, export_code
    from .training.compare import Comparison
    from .training.record import Evaluation, RunResult, StepRecord
    from .training.session import Session, SessionState, check_session
