"""Two runs side by side: "same seed, change one thing, watch both".

Run A is the session as asked for; run B is A's settings with a few options changed
(`--compare "--lr 1.0"`). B trains on A's rows: options that would change the data (another
file or dataset, its columns, its gaps, its scaling, its test split, its noise or the seed
that draws it) are refused. B has A's seed, and where a layer has the same shape in both
networks and both draw it the same way, the same starting weights: the change is the only
difference.

`Comparison` holds the two sessions and does to both what the stepper's keys and `train`
do to one: step, run, go back, start over.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..config import Config, flag, output_for
from ..errors import UserError
from ..maths.network import init_params, param_views
from .record import RunResult
from .session import Session

# Config fields that decide the rows and their values: the same for A and B.
DATA_FIELDS = ("data", "preset", "targets", "features", "drop", "sep", "decimal", "no_header",
               "skip_rows", "missing", "normalize", "test_fraction", "noise", "seed")
# Fields B cannot change for other reasons.
FIXED_FIELDS = {"epochs": "both runs train the same epochs"}


def refuse(name: str) -> UserError:
    """Why `--compare` may not change the Config field `name`."""
    if name in FIXED_FIELDS:
        return UserError(f"--compare cannot change {flag(name)}: {FIXED_FIELDS[name]}",
                         field=name)
    if name == "seed":
        return UserError("--compare cannot change --seed: run B has run A's seed, so that "
                         "the option you change is the only difference", field=name)
    return UserError(f"--compare cannot change {flag(name)}: it changes the data, and run B "
                     "trains on run A's rows (start another run for other data)", field=name)


def compare_config(a: Config, given: dict[str, object]) -> Config:
    """Run B's config: A's resolved config with the `given` fields on top, completed as the
    command line completes it (a new loss brings the output activation it needs, gd drops
    a batch size), and validated. Data-changing fields are refused."""
    for name in given:
        if (name in DATA_FIELDS or name in FIXED_FIELDS) and given[name] != getattr(a, name):
            raise refuse(name)
    changes = {k: v for k, v in given.items() if k not in DATA_FIELDS}
    if "loss" in changes and "output_activation" not in changes:
        changes["output_activation"] = output_for(changes["loss"], a.output_activation)  # type: ignore[arg-type]
    if changes.get("optimizer") == "gd" and "batch_size" not in changes:
        changes["batch_size"] = None
    cfg = replace(a, **changes)
    if "weights" in changes:  # its own starting weights: the preset's are not B's
        cfg = replace(cfg, preset=None if cfg.weights else cfg.preset)
    try:
        return cfg.resolve()
    except UserError as exc:
        raise UserError(f"--compare: {exc}", field=exc.field) from None


def label(text: str) -> str:
    """What B changes, in few words: `--lr 1.0 --activation relu` → `lr 1.0, activation
    relu`."""
    words: list[str] = []
    for token in shlex.split(text):
        if token.startswith("--"):
            words.append(token[2:].replace("=", " ", 1))
        elif words:
            words[-1] += f" {token}"
        else:
            words.append(token)
    return ", ".join(words)


def starting_params(s: Session) -> np.ndarray:
    """The parameters `s` starts from at epoch 0: its explicit ones, or its seed's draw."""
    if s.initial is not None:
        return s.initial.copy()
    return init_params(s.sizes, s.config.init, np.random.default_rng(s.seed))


def shared_start(a: Session, b_config: Config, b_sizes: tuple[int, ...],
                 b_initial: np.ndarray | None) -> np.ndarray | None:
    """B's starting parameters: its own (explicit, or drawn with A's seed), with every layer
    whose shape is the same as A's and that both draw the same way (or both take from the
    same explicit weights) taken from A's start. None when that is exactly B's own draw."""
    if b_initial is not None:
        return b_initial  # given outright (a weights file, the preset's)
    if b_config.init != a.config.init:
        return None  # another scheme draws other weights: that is the point of the change
    own = init_params(b_sizes, b_config.init, np.random.default_rng(a.seed))
    mine, theirs = param_views(own, b_sizes), param_views(starting_params(a), a.sizes)
    shared = False
    for kind in (0, 1):  # weights, then biases
        for k in range(min(len(mine[kind]), len(theirs[kind]))):
            same_shape = mine[kind][k].shape == theirs[kind][k].shape
            if same_shape and not np.array_equal(mine[kind][k], theirs[kind][k]):
                mine[kind][k][...] = theirs[kind][k]
                shared = True
    return own if shared else None


@dataclass(eq=False)
class Comparison:
    """Runs A and B, and what B changes (`text`, as given: `--lr 1.0`)."""

    a: Session
    b: Session
    text: str

    @property
    def label(self) -> str:
        return label(self.text)

    @property
    def runs(self) -> tuple[Session, Session]:
        return self.a, self.b

    def run(self, epochs: int, stop: Callable[[], bool] | None = None
            ) -> tuple[RunResult | None, RunResult | None]:
        """`epochs` more for each run that has not diverged; a divergence stops only its
        own run. None for a run that did not train."""
        return tuple(s.run(epochs, stop) if not s.diverged else None  # type: ignore[return-value]
                     for s in self.runs)

    def reset(self, seed: int | None = None) -> int:
        """Both start over with a new seed (A draws it), B from A's new starting weights
        where the shapes match."""
        seed = self.a.reset(seed)
        self.b.start_from(seed, shared_start(self.a, self.b.config, self.b.sizes, None))
        self.b.drawn_start = True  # from the new seed's draw, whatever B's options name
        return seed

    def restart(self) -> None:
        """Both back to epoch 0, from the same seed and starting weights."""
        for s in self.runs:
            s.restart()
