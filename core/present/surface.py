"""What the network has learned, sampled on a grid for drawing.

Two input features: ŷ over the input plane (a heatmap, two pixels per cell with half blocks),
with the data points placed on the same grid. One input feature: the learned curve against
the data. Everything is in original units, so the axes read as the data's own. With several
classes (one output each) the values are the predicted class, an index into `classes`, so a
pane colours by class; `confidence` holds that class's probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..training.session import Session


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class Surface:
    kind: str  # "plane" (2 features) or "curve" (1 feature)
    values: np.ndarray  # plane: (pixel rows, cols) of ŷ; curve: (cols,) of ŷ, original units
    x_range: tuple[float, float]  # original units of the first feature
    y_range: tuple[float, float]  # plane: second feature; curve: the target
    points: np.ndarray  # (n, 2) grid coordinates (col, pixel row) of each data row
    targets: np.ndarray  # (n,) each row's target, original units
    test: np.ndarray  # (n,) True for held-out rows
    value_range: tuple[float, float]  # what the colours span
    classes: tuple[str, ...] | None = None  # class names, when the data has classes
    # several classes: the predicted class's probability at each value (same shape), else None
    confidence: np.ndarray | None = None


def _span(v: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    lo, hi = float(v.min()), float(v.max())
    width = hi - lo or 1.0
    return lo - pad * width, hi + pad * width


def _to_grid(v: np.ndarray, span: tuple[float, float], cells: int) -> np.ndarray:
    lo, hi = span
    return np.clip(((v - lo) / (hi - lo) * cells).astype(int), 0, cells - 1)


def surface(session: Session, cols: int, pixel_rows: int) -> Surface | None:
    """Sample ŷ for a `cols` × `pixel_rows` picture; None when there are more than two
    features or more than one target (nothing honest to draw in a plane). Weights on their
    way to diverging can take ŷ past the largest float off the data: inf, drawn at the end
    of the scale, not a warning."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _surface(session, cols, pixel_rows)


def _surface(session: Session, cols: int, pixel_rows: int) -> Surface | None:
    ds = session.dataset
    n_features = len(ds.feature_names)
    several = ds.classes is not None and len(ds.target_names) > 1
    if (len(ds.target_names) != 1 and not several) or n_features > 2 or cols < 2 \
            or pixel_rows < 2:
        return None
    raw = ds.raw
    targets = ds.labels.astype(float) if several else raw[:, n_features]
    test = np.zeros(raw.shape[0], bool)
    test[ds.test_rows] = True
    xs = _span(raw[:, 0])
    gx = np.linspace(*xs, cols)
    if n_features == 1:
        pred, conf = _values(session, gx.reshape(-1, 1), several)
        pred = pred.ravel()
        ys = (-0.5, len(ds.classes) - 0.5) if several else \
            _span(np.concatenate([targets, pred[np.isfinite(pred)]]))
        pts = np.c_[_to_grid(raw[:, 0], xs, cols),
                    pixel_rows - 1 - _to_grid(targets, ys, pixel_rows)]
        return Surface("curve", pred, xs, ys, pts, targets, test, ys, ds.classes, conf)
    ys = _span(raw[:, 1])
    gy = np.linspace(ys[1], ys[0], pixel_rows)  # top pixel row is the largest value
    mesh = np.c_[np.repeat(gx[None, :], pixel_rows, 0).ravel(),
                 np.repeat(gy[:, None], cols, 1).ravel()]
    pred, conf = _values(session, mesh, several)
    pred = pred.reshape(pixel_rows, cols)
    if conf is not None:
        conf = conf.reshape(pixel_rows, cols)
    pts = np.c_[_to_grid(raw[:, 0], xs, cols),
                pixel_rows - 1 - _to_grid(raw[:, 1], ys, pixel_rows)]
    if several:
        vr = (0.0, float(len(ds.classes) - 1))
    elif ds.task == "classification":
        vr = (0.0, 1.0)
    else:
        vr = (float(targets.min()), float(targets.max()))
    return Surface("plane", pred, xs, ys, pts, targets, test, vr, ds.classes, conf)


def _values(session: Session, inputs: np.ndarray,
            several: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """ŷ at each input (original units), or the predicted class and its probability."""
    ds = session.dataset
    out = session.predict(ds.x_norm.apply(inputs))
    if not several:
        return ds.to_original(out), None
    return np.argmax(out, axis=1).astype(float), np.max(out, axis=1)
