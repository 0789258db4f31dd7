"""Parameter files: the `--weights` JSON schema, read strictly and written atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile

import numpy as np

from .errors import UserError
from .network import n_params, param_views

MAX_WEIGHTS_BYTES = 64 * 2**20


def layers_json(W, b) -> list[dict]:
    """`{"weights": [[…]], "bias": […]}` per layer, as `--weights` reads it."""
    return [{"weights": np.asarray(w).tolist(), "bias": np.asarray(bb).ravel().tolist()}
            for w, bb in zip(W, b, strict=True)]


def read_json(path: str, what: str) -> object:
    """Parse a JSON file of ours; every failure a user can cause is one line."""
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory, not a {what} file")
    if os.path.getsize(path) > MAX_WEIGHTS_BYTES:
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


def parse_layers(doc: object, sizes: tuple[int, ...], source: str) -> np.ndarray:
    """Check a `{"layers": […]}` document against the architecture; return flat parameters."""
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        raise UserError(f'{source}: expected {{"layers": [{{"weights": …, "bias": …}}, …]}}')
    layers = doc["layers"]
    arch = "-".join(map(str, sizes))
    if len(layers) != len(sizes) - 1:
        raise UserError(f"{source}: has {len(layers)} layers but the network {arch} has "
                        f"{len(sizes) - 1}")
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
    except (TypeError, ValueError):
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
    fd, tmp = tempfile.mkstemp(prefix=".backprop-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def finite_or_none(x: float | None) -> float | None:
    """JSON has no NaN: a non-finite number is written as null, never as if it were a result."""
    return x if x is not None and math.isfinite(x) else None
