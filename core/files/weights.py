"""Parameter files: the `--weights` JSON schema, read strictly and written atomically; and
the exports (`x`): the current parameters as a weights file, the loss history as CSV."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError
from ..maths.network import n_params, param_views
from ..present.train_text import layers_json

if TYPE_CHECKING:
    from ..training.session import Session

MAX_WEIGHTS_BYTES = 64 * 2**20


def read_json(path: str, what: str, max_bytes: int = MAX_WEIGHTS_BYTES) -> object:
    """Parse a JSON file of ours; every failure a user can cause is one line."""
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory, not a {what} file")
    if os.path.getsize(path) > max_bytes:
        raise UserError(f"{path}: too large for a {what} file")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply to be a {what} file") from None
    except ValueError:  # e.g. an integer with more digits than Python will convert
        raise UserError(f"{path}: not a {what} file (a number in it is out of range)") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def parse_layers(doc: object, sizes: tuple[int, ...], source: str) -> np.ndarray:
    """Check a `{"layers": […]}` document against the architecture; return flat parameters."""
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        raise UserError(f'{source}: expected {{"layers": [{{"weights": …, "bias": …}}, …]}}')
    layers = doc["layers"]
    arch = "-".join(map(str, sizes))
    if len(layers) != len(sizes) - 1:
        have, want = len(layers), len(sizes) - 1
        raise UserError(f"{source}: has {have} layer{'s' * (have != 1)} but the network "
                        f"{arch} has {want}")
    flat = np.empty(n_params(sizes))
    Ws, bs = param_views(flat, sizes)
    for k, (layer, W, b) in enumerate(zip(layers, Ws, bs, strict=True), start=1):
        if not isinstance(layer, dict) or "weights" not in layer or "bias" not in layer:
            raise UserError(f'{source}: layer {k} needs "weights" and "bias"')
        W[...] = _matrix(layer["weights"], W.shape, f"{source}: W{k}")
        b[...] = _matrix(layer["bias"], b.shape, f"{source}: b{k}", flat_ok=True)
    return flat


def _matrix(value: object, shape: tuple[int, int], label: str, flat_ok: bool = False):
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float
        raise UserError(f"{label} must be a matrix of numbers") from None
    if flat_ok and arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.shape != shape:
        want = f"{shape[0]}×{shape[1]}"
        got = "×".join(map(str, arr.shape)) or "a single number"
        raise UserError(f"{label} should be {want} for this network, not {got}")
    if not np.isfinite(arr).all():
        raise UserError(f"{label} has a NaN or infinite value")
    return arr


def load_weights(path: str, sizes: tuple[int, ...]) -> np.ndarray:
    return parse_layers(read_json(path, "weights"), sizes, path)


def write_atomic(path: str, text: str) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it: a crash mid-write
    leaves the old file whole."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".backprop-{os.urandom(8).hex()}.tmp")
    # 0o666 less the umask, as a plain open(path, "w") gives: not mkstemp's private 0600,
    # which would keep a shared file from the people it is shared with.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if os.path.exists(path):  # overwriting keeps the file's permissions
                os.fchmod(fh.fileno(), stat.S_IMODE(os.stat(path).st_mode))
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_text(path: str, text: str, what: str) -> None:
    """`write_atomic`, with the ways a user's path can be wrong turned into one line."""
    if not path:
        raise UserError(f"give a file name for the {what}")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a folder; give a file name for the {what}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError(f"cannot write the {what}: no folder {folder}")
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write the {what} to {path}: {exc.strerror or exc}") from None


def stamped_name(kind: str, now: datetime, ext: str) -> str:
    """`backprop-<kind>-YYYYmmdd-HHMMSS.<ext>`: files from one moment sort together."""
    return f"backprop-{kind}-{now:%Y%m%d-%H%M%S}.{ext}"


def require_finite(session: Session, doing: str) -> None:
    """Refuse to write parameters that are no longer numbers: no file could hold them and
    nothing could load them back."""
    if not np.isfinite(session.net.flat).all():
        raise UserError(f"cannot {doing}: the parameters have overflowed to infinity or NaN; "
                        "step back (b) or reset (n) first")


# ---------------------------------------------------------------- exports

def weights_text(session: Session) -> str:
    """The current parameters in the `--weights` schema, a matrix row per line."""
    require_finite(session, "export the weights")
    layers = []
    for layer in layers_json(session.net.W, session.net.b):
        rows = ",\n".join(f"        {json.dumps(r)}" for r in layer["weights"])
        layers.append(f'    {{\n      "weights": [\n{rows}\n      ],\n'
                      f'      "bias": {json.dumps(layer["bias"])}\n    }}')
    return '{\n  "layers": [\n' + ",\n".join(layers) + "\n  ]\n}\n"


def history_columns(session: Session) -> tuple[str, ...]:
    """`loss, objective[, test_loss][, accuracy][, test_accuracy]`: every run's columns
    first, then what only a held-out set or classification has."""
    have = session.history.columns
    return tuple(c for c in ("loss", "objective", "test_loss", "accuracy", "test_accuracy")
                 if c in have)


def history_csv(session: Session) -> str:
    """One row per epoch: the metrics of that epoch's first forward pass (`Epoch 0, Loss` is
    the untrained network), and between epochs a last row for the current parameters, so the
    file ends at the loss the screen shows. Numbers are written so they read back exactly."""
    cols = history_columns(session)
    rows = [list(row) for row in zip(*(session.history.values(c).tolist() for c in cols),
                                     strict=True)]
    ev = session.evaluate()
    if session.batch == 0 and len(session.history) == session.epoch and ev.finite:
        rows.append([getattr(ev, c) for c in cols])
    lines = [",".join(("epoch", *cols))]
    lines += [",".join(map(repr, (epoch, *row))) for epoch, row in enumerate(rows)]
    return "\n".join(lines) + "\n"


def export(session: Session, folder: str, now: datetime) -> list[str]:
    """Write the weights (JSON) and the loss history (CSV) into `folder`; their paths."""
    weights = os.path.join(folder, stamped_name("weights", now, "json"))
    history = os.path.join(folder, stamped_name("history", now, "csv"))
    texts = weights_text(session), history_csv(session)  # both made before either is written
    save_text(weights, texts[0], "weights")
    save_text(history, texts[1], "loss history")
    return [weights, history]
