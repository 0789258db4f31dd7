"""Every unit's picture, as TensorFlow Playground draws them: a unit's output over the input
plane (2 input features), sampled on the same grid as the output pane's surface, so a small
picture in the network view and a large one in the output view show the same function.

Built from a SessionView (its parameters, activations and surface), never the live session,
so a pane can ask for pictures while a run goes on in a thread; a pure function of the
parameters and a grid, as `core.present.surface` is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..maths import activations
from ..maths.network import Network
from ..names import n_params
from .surface import Surface
from .views import SessionView

# Multiply-adds one set of pictures may cost: a big network gets coarser pictures.
PICTURE_WORK = 5_000_000


def view_network(view: SessionView) -> Network:
    """A Network holding the view's parameters (a copy: the view stays as it was)."""
    sizes = (view.W[0].shape[0], *(W.shape[1] for W in view.W))
    flat = np.concatenate([a.ravel() for W, b in zip(view.W, view.b, strict=True)
                           for a in (W, b)])
    return Network(sizes, activations.get(view.hidden_activation),
                   activations.get(view.output_activation), flat)


def value_range(activation: str, values: np.ndarray) -> tuple[float, float]:
    """What a unit's colours span, centred where the unit is "off": tanh ±1, sigmoid and
    softmax 0…1 (½ in the middle), relu and linear ± the largest |value| seen (0 in the
    middle)."""
    if activation == "tanh":
        return -1.0, 1.0
    if activation in ("sigmoid", "softmax"):
        return 0.0, 1.0
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 1.0
    return -(top or 1.0), top or 1.0


@dataclass(frozen=True, eq=False)  # arrays: no field-wise ==
class UnitPictures:
    """Each layer's units over the input plane: `values[k]` is (pixel rows, cols, units) of
    layer k+1's outputs (k = 0 is H or H1, the last is ŷ); `ranges[k]` what its colours
    span; `inputs` the two features (normalised, as the network sees them) the same way."""

    values: tuple[np.ndarray, ...]
    ranges: tuple[tuple[float, float], ...]
    activations: tuple[str, ...]
    inputs: np.ndarray
    input_range: tuple[float, float]


def _plane(view: SessionView, cols: int, rows: int) -> np.ndarray | None:
    """The grid's points in normalised features, top row first (the surface's spans)."""
    sf = view.surface
    if sf is None or sf.kind != "plane" or len(view.dataset.feature_names) != 2:
        return None
    gx = np.linspace(*sf.x_range, cols)
    gy = np.linspace(sf.y_range[1], sf.y_range[0], rows)
    mesh = np.c_[np.repeat(gx[None, :], rows, 0).ravel(), np.repeat(gy[:, None], cols, 1).ravel()]
    return view.dataset.x_norm.apply(mesh)


def _outputs(view: SessionView, cols: int, rows: int) -> \
        tuple[Network, np.ndarray, list[np.ndarray]] | None:
    """The network, the grid's two features (normalised) and every layer's outputs on
    them, the features crossed first when the network's inputs are crosses (`--inputs`);
    None without a plane to draw on."""
    F = _plane(view, cols, rows)
    if F is None:
        return None
    net = view_network(view)
    with np.errstate(all="ignore"):
        _, As = net.forward(view.dataset.network_inputs(F))
    return net, F, As


def row_activations(view: SessionView, row: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Training row `row`'s inputs to the network (the crosses, if any) and every layer's
    outputs A1 … ŷ for it at the view's parameters: the forward pass the next step makes,
    as the chain-rule view and the dataset's predictions show it, for the network view's
    nodes."""
    x = view.dataset.X[row: row + 1]
    with np.errstate(all="ignore"):
        _, As = view_network(view).forward(x)
    return x[0], tuple(A[0] for A in As)


def picture_size(view: SessionView, cols: int, rows: int) -> tuple[int, int]:
    """`cols` × `rows`, or fewer when the network is so big that they would cost more than
    PICTURE_WORK (at least 2 × 2)."""
    sizes = (view.W[0].shape[0], *(W.shape[1] for W in view.W))
    shrink = min(1.0, math.sqrt(PICTURE_WORK / max(n_params(sizes) * cols * rows, 1)))
    return max(int(cols * shrink), 2), max(int(rows * shrink), 2)


def unit_pictures(view: SessionView, cols: int, rows: int) -> UnitPictures | None:
    """Every unit of every layer over the input plane, `cols` × `rows` pixels (fewer for a
    big network: see `picture_size`); None unless the data has two input features."""
    cols, rows = picture_size(view, cols, rows)
    found = _outputs(view, cols, rows)
    if found is None:
        return None
    net, X, As = found
    acts = tuple(net.activation(k).name for k in range(net.depth))
    values = tuple(A.reshape(rows, cols, -1) for A in As)
    ranges = tuple(value_range(a, v) for a, v in zip(acts, values, strict=True))
    inputs = X.reshape(rows, cols, 2)
    top = float(np.abs(inputs).max()) or 1.0
    return UnitPictures(values, ranges, acts, inputs, (-top, top))


def unit_surface(view: SessionView, layer: int, unit: int) -> Surface | None:
    """Unit `unit` of layer `layer` (0 is H or H1) over the input plane, on the output
    pane's grid and with its data points: the large picture of one unit."""
    sf = view.surface
    if sf is None or sf.kind != "plane":
        return None
    rows, cols = sf.values.shape
    found = _outputs(view, cols, rows)
    if found is None:
        return None
    net, _, As = found
    values = As[layer][:, unit].reshape(rows, cols)
    act = net.activation(layer).name
    return replace(sf, values=values, value_range=value_range(act, values), classes=None,
                   confidence=None)
