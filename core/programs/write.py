"""A session as code to take home: a NumPy script in the seed notebook's style, the same as
a Jupyter notebook, or a PyTorch script; each reproduces the session's numbers.

    path = export_code(session, "numpy", "xor.py")   # atomic; refuses to overwrite
    text = code_text(session, "notebook")             # the text alone
"""

from __future__ import annotations

import os
from datetime import datetime

from ..errors import UserError
from ..files.weights import require_finite, save_text, stamped_name
from ..names import CODE_FORMATS, CODE_SUFFIXES
from ..training.session import Session
from .notebook import notebook
from .numpy_script import script
from .plan import plan
from .torch_script import script as torch_script


def check_format(fmt: str) -> str:
    if fmt not in CODE_FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(CODE_FORMATS)}",
                        field="format")
    return fmt


def code_text(session: Session, fmt: str, log_every: int = 100) -> str:
    """The program for `session` in format `fmt`; `log_every` as `backprop train` takes it."""
    check_format(fmt)
    if log_every < 0:
        raise UserError("--log-every must be 0 (silent) or a positive number of epochs")
    require_finite(session, "export code")
    p = plan(session, log_every)
    if fmt == "numpy":
        return script(p)
    if fmt == "notebook":
        return notebook(p)
    return torch_script(p)


def export_code(session: Session, fmt: str, path: str, force: bool = False,
                log_every: int = 100) -> str:
    """Write the program to `path` atomically and return the path. An existing file is
    replaced only with `force`."""
    check_format(fmt)
    if os.path.exists(path) and not force:
        raise UserError(f"{path} already exists; choose another name, or --force to replace it")
    text = code_text(session, fmt, log_every)
    save_text(path, text, f"{fmt} code")
    return path


def default_code_name(fmt: str, now: datetime) -> str:
    """`backprop-numpy-YYYYmmdd-HHMMSS.py`, `backprop-notebook-….ipynb`, `backprop-torch-….py`."""
    return stamped_name(check_format(fmt), now, CODE_SUFFIXES[fmt])
