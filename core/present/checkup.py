"""A session's training health (`core.maths.health`): the figures per layer at its current
parameters on the training rows, the chance loss, and the flags, as one record for the
Health view and `train --json`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..maths.health import Flag, LayerHealth, chance_loss, flags, layer_health
from ..maths.network import Network
from ..training.record import StepRecord
from ..training.session import Session
from .units import view_network
from .views import SessionView


@dataclass(frozen=True)
class Health:
    epoch: int
    layers: tuple[LayerHealth, ...]
    chance_loss: float
    first_loss: float | None  # the loss at epoch 0
    loss_now: float | None
    flags: tuple[Flag, ...]


def session_health(session: Session) -> Health:
    """The figures, the chance loss and the flags for `session` as it is now."""
    ds = session.dataset
    with np.errstate(all="ignore"):
        Zs, As = session.net.forward(ds.X)
        now = float(session.loss_fn.value(As[-1], ds.y, Zs[-1])[0])
    return _health(session.net, ds.X, ds.y, session.loss_fn.name, session.last,
                   session.history.values("loss"), now, session.epoch)


def view_health(view: SessionView) -> Health:
    """The same from a SessionView (what the Health view draws, even during a run)."""
    return _health(view_network(view), view.dataset.X, view.dataset.y, view.loss_name,
                   view.last, view.history, view.evaluation.loss, view.epoch)


def _health(net: Network, X: np.ndarray, y: np.ndarray, loss: str, last: StepRecord | None,
            history: np.ndarray, now: float, epoch: int) -> Health:
    if last is None:
        layers = layer_health(net, X)
    else:
        layers = layer_health(net, X, last.dW, last.W_before, last.W_after)
    chance = chance_loss(loss, y)
    first = float(history[0]) if len(history) else now
    return Health(epoch, layers, chance, _finite(first), _finite(now),
                  flags(layers, loss, chance, history, _finite(now), epoch))


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def health_json(session: Session) -> dict:
    """`train --json`'s `health` (one object per layer, null where a field does not apply)
    and `chance_loss`."""
    h = session_health(session)
    return {"health": [{k: _finite(v) if isinstance(v, float) else v
                        for k, v in ly.as_dict().items()} for ly in h.layers],
            "chance_loss": h.chance_loss}
