"""A session's training health (`core.maths.health`): the figures per layer at its current
parameters on the training rows, the chance loss, and the flags, as one record for the
Health view and `train --json`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..maths.health import Flag, LayerHealth, chance_loss, flags, layer_health
from ..training.session import Session


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
    ds, last = session.dataset, session.last
    if last is None:
        layers = layer_health(session.net, ds.X)
    else:
        layers = layer_health(session.net, ds.X, last.dW, last.W_before, last.W_after)
    chance = chance_loss(session.loss_fn.name, ds.y)
    with np.errstate(all="ignore"):
        Zs, As = session.net.forward(ds.X)
        now = float(session.loss_fn.value(As[-1], ds.y, Zs[-1])[0])
    history = session.history.values("loss")
    first = float(history[0]) if len(history) else now
    return Health(session.epoch, layers, chance, _finite(first), _finite(now),
                  flags(layers, session.loss_fn.name, chance, history, _finite(now),
                        session.epoch))


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def health_json(session: Session) -> dict:
    """`train --json`'s `health` (one object per layer, null where a field does not apply)
    and `chance_loss`."""
    h = session_health(session)
    return {"health": [{k: _finite(v) if isinstance(v, float) else v
                        for k, v in ly.as_dict().items()} for ly in h.layers],
            "chance_loss": h.chance_loss}
