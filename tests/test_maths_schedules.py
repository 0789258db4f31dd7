"""Learning-rate schedules `--lr-schedule step:EVERY:GAMMA | exp:GAMMA | cosine:T`, stepped
once per epoch. Oracles: torch's StepLR, ExponentialLR and CosineAnnealingLR (eta_min 0) for
the lr of every epoch (to 1e-12, relative to the base) and for whole training runs (to 1e-9);
closed forms written here for the shape of each schedule. Under CI a missing torch fails
the torch tests; elsewhere they skip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import Config, open_session
from core.config import parse_lr_schedule
from core.errors import UserError
from core.maths.schedules import get

from .test_maths_l1 import _close, _torch, torch_run

SCHEDULES = ["step:7:0.5", "step:1:0.9", "exp:0.97", "exp:1.0", "cosine:13", "cosine:1",
             "cosine:250"]


def _torch_lrs(text: str, base: float, epochs: int) -> list[float]:
    torch = _torch()
    s = get(text)
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    sched = {"step": lambda: torch.optim.lr_scheduler.StepLR(opt, s.every, s.gamma),
             "exp": lambda: torch.optim.lr_scheduler.ExponentialLR(opt, s.gamma),
             "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(opt, s.every)}[
        s.kind]()
    out = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


@pytest.mark.parametrize("text", SCHEDULES)
def test_every_epochs_lr_matches_torch(text):
    base, epochs = 0.3, 1000
    want = _torch_lrs(text, base, epochs)
    s = get(text)
    lr, got = base, [base]
    for e in range(1, epochs + 1):
        lr = s.next_lr(lr, e, base)
        got.append(lr)
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 1e-12 * base
    assert s.lr_at(base, epochs) == got[-1]


@pytest.mark.parametrize("text", SCHEDULES)
def test_a_session_steps_its_schedule_once_per_epoch(text):
    """gd, and sgd in mini-batches: every update of epoch e uses epoch e's lr."""
    base = 0.2
    want = _torch_lrs(text, base, 40)
    s = open_session(Config(data="circle", hidden=(3,), optimizer="sgd", batch_size=50,
                            lr=base, lr_schedule=text, seed=1, epochs=40))
    for _ in range(40 * s.batches):
        rec = s.step_update()
        assert rec.lr == pytest.approx(want[rec.epoch], rel=0, abs=1e-12 * base)
    assert s.lr == pytest.approx(want[40], rel=0, abs=1e-12 * base)


def test_the_shapes_against_closed_forms():
    """Not torch: the schedules' own definitions, written out."""
    base = 0.4
    for e in range(0, 60):
        assert get("step:10:0.5").lr_at(base, e) == pytest.approx(base * 0.5 ** (e // 10),
                                                                 rel=1e-13)
        assert get("exp:0.9").lr_at(base, e) == pytest.approx(base * 0.9**e, rel=1e-13)
        assert get("cosine:20").lr_at(base, e) == pytest.approx(
            base * (1 + math.cos(math.pi * e / 20)) / 2, rel=1e-12, abs=1e-15)


CASES = [
    dict(preset="notebook", lr_schedule="step:100:0.5"),
    dict(data="xor", hidden=(4,), activation="tanh", lr=0.5, lr_schedule="exp:0.995", seed=3),
    dict(data="circle", hidden=(4,), activation="tanh", lr=0.3, lr_schedule="cosine:120",
         seed=2, l1=0.001),
    dict(data="gauss", hidden=(3,), optimizer="momentum", lr=0.1, lr_schedule="step:30:0.3",
         seed=1),
    dict(data="xor", hidden=(4,), optimizer="adam", lr=0.05, lr_schedule="cosine:50", seed=4),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_training_with_a_schedule_matches_torch(kw):
    s = open_session(Config(**kw))
    epochs = 300
    want, Js = torch_run(s, epochs)
    s.run(epochs)
    assert _close(s.params(), want) < 1e-9
    assert _close(s.history.values("objective"), Js) < 1e-9


def test_undo_and_replay_keep_the_schedules_position():
    s = open_session(Config(data="xor", hidden=(3,), lr=0.5, lr_schedule="step:3:0.5", seed=2))
    lrs = [s.lr]
    for _ in range(8):
        s.step()
        lrs.append(s.lr)
    assert lrs[:8] == [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]
    for e in range(7, 1, -1):
        assert s.undo()
        assert (s.epoch, s.lr) == (e, lrs[e])
    s.run(6)
    assert s.lr == lrs[8]


def test_scaling_the_lr_scales_the_schedules_base_and_every_later_lr():
    s = open_session(Config(data="xor", hidden=(3,), lr=0.4, lr_schedule="cosine:10", seed=2))
    s.run(4)
    s.scale_lr(0.5)
    assert (s.base_lr, s.lr) == (0.2, get("cosine:10").lr_at(0.4, 4) * 0.5)
    s.run(3)
    assert s.lr == pytest.approx(get("cosine:10").lr_at(0.2, 7), rel=1e-14)
    assert s.hand_changes[-1] == "epoch 4: lr schedule's base 0.4 → 0.2"
    for _ in range(3):  # back over the 3 epochs, then the change itself
        s.undo()
    assert (s.epoch, s.base_lr) == (4, 0.2)
    s.undo()
    assert (s.base_lr, s.lr) == (0.4, get("cosine:10").lr_at(0.4, 4))
    s.restart()  # starting over: the base's lr at epoch 0
    assert s.lr == 0.4


def test_starting_over_in_a_fresh_session_keeps_the_scaled_base():
    """`n`, `R` and the settings form start over in `Session.fresh()`: epoch 0 at the
    schedule's base as scaled by hand, each later epoch's lr as a session configured with
    that base has it; the session put aside (for `b`) keeps its own position."""
    s = open_session(Config(data="xor", hidden=(3,), lr=0.4, lr_schedule="step:2:0.5", seed=2))
    s.run(3)
    s.scale_lr(0.5)
    s.run(2)
    kept = (s.epoch, s.lr, s.base_lr, s.net.flat.copy())
    f = s.fresh()
    assert (f.epoch, f.lr, f.base_lr) == (0, 0.2, 0.2)
    same = open_session(Config(data="xor", hidden=(3,), lr=0.2, lr_schedule="step:2:0.5",
                               seed=2))
    for _ in range(5):
        f.step()
        same.step()
        assert f.lr == same.lr and np.array_equal(f.net.flat, same.net.flat)
    assert (s.epoch, s.lr, s.base_lr) == kept[:3] and np.array_equal(s.net.flat, kept[3])


@pytest.mark.parametrize("text", ["step:10", "step:0:0.5", "step:x:0.5", "exp:0", "exp:1.5",
                                  "exp:nan", "cosine:0", "cosine:2.5", "linear:3", "", "exp"])
def test_bad_schedules_are_refused_naming_the_option(text):
    with pytest.raises(UserError, match="--lr-schedule") as err:
        parse_lr_schedule(text)
    assert err.value.field == "lr_schedule"


def test_one_spelling():
    cfg = Config(preset="notebook", lr_schedule=" STEP: 100 :0.50").resolve()
    assert cfg.lr_schedule == "step:100:0.5"
    assert np.isclose(get(cfg.lr_schedule).gamma, 0.5)
