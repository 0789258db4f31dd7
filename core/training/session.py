"""A training session: network + optimiser + RNG + position + history, stepped forwards
and back, and evaluated on its data.

Position is (epoch, batch); `t` counts parameter updates. Every action first pushes a mark
(a full snapshot, kept by `core.training.undo`). Going back restores the nearest mark at or
before the target and replays forwards: replays run the same code on the same RNG state, so
they are bit-identical, and undo depth is bounded by memory (`undo_budget`), not by a count.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import names
from ..config import Config, new_seed
from ..data.dataset import Dataset
from ..errors import UserError
from ..maths import activations, losses, metrics, optim, schedules
from ..maths.gradcheck import GradCheck, H, gradient_check
from ..maths.network import Network, init_params, param_views
from .history import History
from .record import Evaluation, RunResult, StepRecord, UpdateStart, frozen
from .undo import MARK_OVERHEAD, Mark, Snapshots, led_to, record_bytes, record_estimate

UNDO_BUDGET = names.UNDO_BUDGET


def _quiet(method):
    """A diverging run overflows on purpose; we report it, numpy need not warn about it."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)

    return wrapper


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class PreviousUpdate:
    """Where the update that led to a saved position started. Restoring takes that update
    again, so a resumed session shows its record (gradients, ▲▼) as the saved one did."""

    params: np.ndarray
    lr: float
    epoch: int
    batch: int
    opt_state: dict[str, np.ndarray]
    rng: dict | None  # None: full batch, the update drew nothing
    perm: np.ndarray | None


@dataclass(frozen=True, eq=False)  # records of arrays: no field-wise ==
class SessionState:
    """Everything the next update depends on, as plain values: what a session file saves
    and restores. Undo snapshots and the last update's record are not part of it."""

    seed: int  # the seed of the current run (reset can change it; config.seed made the data)
    initial: np.ndarray | None  # explicit starting parameters restart returns to, or None
    lr: float  # the learning rate now (it may have been changed live)
    epoch: int  # epochs completed
    batch: int  # updates done in the current epoch
    perm: np.ndarray | None  # the current epoch's shuffle of the training rows
    rng: dict  # the generator's bit_generator.state
    params: np.ndarray  # every parameter, flat: W1, b1, W2, b2, …
    opt_state: dict[str, np.ndarray]
    history: dict[str, np.ndarray]  # one array per history column, one value per epoch
    diverged_at: int | None
    # What was changed by hand since the start (lr changes, edited values), in words; None
    # when not known (a session file from a version that did not record it).
    hand_changes: tuple[str, ...] | None = ()
    # The lr schedule's base, which `<`/`>` scale (None: no schedule, or a file from before
    # schedules: the same as `lr`)
    base_lr: float | None = None
    # The update that led here, to take again on restoring (None: at the start, or not kept).
    previous: PreviousUpdate | None = None
    # The lowest loss of parameters replaced by hand (see Session.edited_best).
    edited_best: tuple[int, float] | None = None


def _accuracy_for(ds: Dataset) -> Callable[[np.ndarray, np.ndarray], float] | None:
    """How a classifier is scored: the largest output against the class for one-hot
    targets, ŷ > 0.5 against y > 0.5 otherwise; None for regression."""
    if ds.task != "classification":
        return None
    if ds.classes is not None and ds.y.shape[1] > 1:
        return metrics.accuracy_multiclass
    return metrics.accuracy


class Session:
    """Owns everything that changes during training. Front ends read records, never state."""

    def __init__(self, config: Config, dataset: Dataset, initial: np.ndarray | None = None,
                 undo_budget: int = UNDO_BUDGET) -> None:
        self.config = config
        self.dataset = dataset
        self.loss_fn = losses.get(config.loss)
        self.opt = optim.get(config.optimizer)
        self.schedule = schedules.get(config.lr_schedule)
        # With a schedule, `lr` is the current epoch's and `base_lr` the schedule's base, the
        # lr of epoch 0; without one they are the same.
        self.lr = self.base_lr = float(config.lr)
        self.l2 = float(config.l2)
        self.l1 = float(config.l1)
        self.sizes = (dataset.X.shape[1], *config.hidden, dataset.y.shape[1])
        config.check_size(self.sizes[0], self.sizes[-1], dataset.X.shape[0])
        n = dataset.X.shape[0]
        bs = config.effective_batch or n
        self.batch_size = min(bs, n)
        self.batches = -(-n // self.batch_size)
        self._ones = np.ones((1, n))
        self._marks = Snapshots(undo_budget)
        self._accuracy = _accuracy_for(dataset)
        cols = ["loss", "objective"]
        if self._accuracy is not None:
            cols.append("accuracy")
        if dataset.has_test:
            cols.append("test_loss")
            if self._accuracy is not None:
                cols.append("test_accuracy")
        self._columns = tuple(cols)
        self._explicit = None if initial is None else np.array(initial, dtype=float)
        # Explicit starting parameters the seed drew (run B's: drawn, with run A's layers
        # where the shapes match), so the seed decides them as it decides a draw.
        self.drawn_start = False
        self._start(int(config.seed), self._explicit)

    # ------------------------------------------------------------------ starting over

    def _start(self, seed: int, initial: np.ndarray | None) -> None:
        self.seed = seed
        self.lr = self.base_lr  # epoch 0's lr: a schedule starts again from its base
        self._rng: np.random.Generator | None = None
        hidden = activations.get(self.config.activation)
        output = activations.get(self.config.output_activation)
        flat = initial.copy() if initial is not None else \
            init_params(self.sizes, self.config.init, self.rng)
        self.net = Network(self.sizes, hidden, output, flat)
        self.opt_state = self.opt.init_state(flat.size)
        self.grad = np.empty_like(flat)
        self.epoch = self.batch = 0
        self._perm: np.ndarray | None = None
        self.history = History(self._columns)
        self.last: StepRecord | None = None
        self.diverged_at: int | None = None
        self.diverged_lr: float | None = None  # the lr it diverged with
        # what was changed by hand since the start, in words (None: not known); starting
        # over keeps an lr changed by hand, and that is still a change to the configured one
        self.hand_changes: list[str] | None = []
        if self.base_lr != float(self.config.lr):
            what = "lr" if self.schedule is None else "lr schedule's base"
            self._by_hand(f"{what} {float(self.config.lr):g} → {self.base_lr:g}, kept on "
                          "starting over")
        # (epoch, loss) of the best parameters an edit replaced: the history never logs them,
        # and without them "best so far" would rise after an edit
        self.edited_best: tuple[int, float] | None = None
        self._marks.clear()

    def reset(self, seed: int | None = None) -> int:
        """New random seed, new initial weights drawn with the configured init scheme."""
        self._explicit = None
        self._start(new_seed() if seed is None else seed, None)
        return self.seed

    def start_from(self, seed: int, initial: np.ndarray | None) -> None:
        """Epoch 0 with `seed`, from explicit parameters `initial` (which restart returns
        to) or, with None, the seed's draw."""
        self._explicit = None if initial is None else np.array(initial, dtype=float)
        self._start(seed, self._explicit)

    @property
    def initial(self) -> np.ndarray | None:
        """The explicit starting parameters (a preset's, a weights file's), or None: drawn."""
        return self._explicit

    def restart(self) -> None:
        """Back to epoch 0 with the same seed and the same starting weights."""
        self._start(self.seed, self._explicit)

    def fresh(self) -> Session:
        """A new session at epoch 0 with this one's data, settings, seed, starting weights and
        lr (a schedule's base), leaving this one as it was: starting over in a new one lets
        `b` come back here."""
        new = Session(self.config, self.dataset, self._explicit, self.undo_budget)
        new.drawn_start = self.drawn_start
        new.base_lr = self.base_lr  # the lr now (a schedule's base): starting over keeps it
        new._start(self.seed, new._explicit)  # epoch 0, whose lr is the schedule's base
        return new

    def keep_less(self, budget: int) -> None:
        """Lower the undo budget, letting the oldest snapshots go (a session put aside)."""
        self._marks.budget = min(self._marks.budget, budget)
        self._marks.trim()

    # ------------------------------------------------------------------ where we are

    @property
    def t(self) -> int:
        return self.epoch * self.batches + self.batch

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def undo_budget(self) -> int:
        """Bytes of snapshots kept for stepping back (0: none, as `backprop train` runs)."""
        return self._marks.budget

    @undo_budget.setter
    def undo_budget(self, budget: int) -> None:
        self._marks.budget = budget

    @property
    def architecture(self) -> str:
        return self.net.architecture

    @property
    def description(self) -> str:
        """`2-2-1 linear`, or `2-8-8-1 tanh→sigmoid` when the output differs; `2-1 sigmoid`
        with no hidden layer, whose activation then is the output's alone."""
        h, o = self.config.activation, self.config.output_activation
        if self.net.depth == 1:
            return f"{self.architecture} {o}"
        return f"{self.architecture} {h if h == o else f'{h}→{o}'}"

    @property
    def W(self) -> tuple[np.ndarray, ...]:
        return frozen(*self.net.W)

    @property
    def b(self) -> tuple[np.ndarray, ...]:
        return frozen(*self.net.b)

    def params(self) -> np.ndarray:
        return frozen(self.net.flat)[0]

    @property
    def rng(self) -> np.random.Generator:
        """The training generator (drawn starting weights, mini-batch shuffles), made when
        first needed, in the state `default_rng(seed)` starts in: a session that draws
        nothing before its first step, like the notebook's, opens without numpy.random."""
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng

    @property
    def history_columns(self) -> tuple[str, ...]:
        return self._columns

    @property
    def accuracy_name(self) -> str | None:
        """The `core.maths.metrics` function the session scores with; None for regression."""
        return None if self._accuracy is None else self._accuracy.__name__

    @property
    def uses_seed(self) -> bool:
        """Whether the seed changes anything: drawn starting weights, generated data, the test
        split or the mini-batch shuffle. The notebook's preset uses none of them."""
        return self._explicit is None or self.drawn_start or self.batches > 1 or \
            self.dataset.uses_seed

    # ------------------------------------------------------------------ saving and restoring

    def state(self) -> SessionState:
        """A copy of everything the next update depends on."""
        return SessionState(
            seed=int(self.seed),
            initial=None if self._explicit is None else self._explicit.copy(),
            lr=float(self.lr), base_lr=float(self.base_lr), epoch=int(self.epoch),
            batch=int(self.batch),
            perm=None if self._perm is None else self._perm.copy(),
            rng=self.rng.bit_generator.state, params=self.net.flat.copy(),
            opt_state={k: v.copy() for k, v in self.opt_state.items()},
            history={c: np.array(self.history.values(c)) for c in self._columns},
            diverged_at=self.diverged_at,
            hand_changes=None if self.hand_changes is None else tuple(self.hand_changes),
            previous=self._previous(), edited_best=self.edited_best)

    def _previous(self) -> PreviousUpdate | None:
        """Where the update that led here started, if its record is kept."""
        rec = self.last
        if not led_to(rec, self.t) or rec.start is None:
            return None
        before = np.concatenate([a.ravel() for W, b in zip(rec.W_before, rec.b_before,
                                                          strict=True) for a in (W, b)])
        st = rec.start
        return PreviousUpdate(before, rec.lr, rec.epoch, rec.batch,
                              {k: v.copy() for k, v in st.opt_state.items()}, st.rng, st.perm)

    def restore(self, state: SessionState) -> None:
        """Continue from `state` (checked by the caller: shapes, position, names), with no
        undo history: stepping back starts afresh here. The update that led to it is taken
        again (when the state has it), so its record is the one the saved session showed."""
        self._explicit = None if state.initial is None else np.array(state.initial, float)
        self._start(state.seed, self._explicit)
        last = self._take_again(state.previous) if state.previous is not None else None
        self.history = History(self._columns)
        self.diverged_at = self.diverged_lr = None
        self.net.flat[...] = state.params
        self.opt_state = {k: np.array(v, dtype=float) for k, v in state.opt_state.items()}
        self.lr = float(state.lr)
        self.base_lr = float(state.lr if state.base_lr is None else state.base_lr)
        self.epoch, self.batch = state.epoch, state.batch
        self._perm = None if state.perm is None else np.array(state.perm, dtype=np.int64)
        for row in zip(*(np.asarray(state.history[c]).tolist() for c in self._columns),
                       strict=True):
            self.history.append(*row)
        self.hand_changes = None if state.hand_changes is None else list(state.hand_changes)
        self.diverged_at = state.diverged_at
        self.rng.bit_generator.state = state.rng
        self.edited_best = state.edited_best
        self.last = last if led_to(last, self.t) else None

    def _take_again(self, prev: PreviousUpdate) -> StepRecord | None:
        """Put the session where `prev` says the last update started and take it again: its
        record. The caller then restores the position itself."""
        self.net.flat[...] = prev.params
        self.opt_state = {k: np.array(v, dtype=float) for k, v in prev.opt_state.items()}
        self.lr, self.epoch, self.batch = float(prev.lr), prev.epoch, prev.batch
        self._perm = None if prev.perm is None else np.array(prev.perm, dtype=np.int64)
        if prev.rng is not None:
            self.rng.bit_generator.state = prev.rng
        with np.errstate(all="ignore"):
            rec = self._update(keep=True)
        return rec if isinstance(rec, StepRecord) else None

    # ------------------------------------------------------------------ one update

    def _metrics(self, Xb, yb, Zs, As) -> tuple[float, float, float | None]:
        loss, J = self.loss_fn.value(As[-1], yb, Zs[-1])
        if self.l2 or self.l1:
            J += self.net.penalty(self.l2, self.l1)
        acc = None if self._accuracy is None else self._accuracy(As[-1], yb)
        return loss, J, acc

    def _log_epoch(self, loss: float, J: float, acc: float | None) -> None:
        row = [loss, J]
        if acc is not None:
            row.append(acc)
        if "test_loss" in self._columns:
            Zt, At = self.net.forward(self.dataset.X_test)
            row.append(self.loss_fn.value(At[-1], self.dataset.y_test, Zt[-1])[0])
            if self._accuracy is not None:
                row.append(self._accuracy(At[-1], self.dataset.y_test))
        self.history.append(*row)

    def _update(self, keep: bool) -> StepRecord | bool:
        """Apply one update. Returns its record if `keep`, True if not, False on divergence."""
        ds, net = self.dataset, self.net
        start = None
        if keep:  # where it starts, to take it again after a resume
            start = UpdateStart({k: v.copy() for k, v in self.opt_state.items()},
                                self.rng.bit_generator.state if self.batches > 1 else None,
                                self._perm)
        if self.batches == 1:
            Xb, yb, ones, rows = ds.X, ds.y, self._ones, None
        else:
            if self.batch == 0:
                self._perm = self.rng.permutation(ds.X.shape[0])
                Zs, As = net.forward(ds.X)
                full = self._metrics(ds.X, ds.y, Zs, As)
                if not (math.isfinite(full[0]) and math.isfinite(full[1])):
                    return self._diverge()
                self._log_epoch(*full)
            rows = self._perm[self.batch * self.batch_size:(self.batch + 1) * self.batch_size]
            Xb, yb, ones = ds.X[rows], ds.y[rows], self._ones[:, : rows.size]
        Zs, As = net.forward(Xb)
        loss, J, acc = self._metrics(Xb, yb, Zs, As)
        if not (math.isfinite(loss) and math.isfinite(J)):
            return self._diverge()
        if self.batches == 1:
            self._log_epoch(loss, J, acc)
        delta_out = self.loss_fn.delta(As[-1], yb, Zs[-1], net.output)
        deltas = net.backward(Xb, Zs, As, delta_out, self.grad, ones)
        if self.l2 or self.l1:
            net.add_penalty_grad(self.grad, self.l2, self.l1)
        before = net.flat.copy() if keep else None
        lr = self.lr  # this update's: a schedule moves self.lr on at the epoch's end
        change = self.opt.update(self.grad, lr, self.opt_state)
        net.flat += change
        epoch, batch = self.epoch, self.batch
        self.batch += 1
        if self.batch == self.batches:
            self.batch, self.epoch = 0, self.epoch + 1
            if self.schedule is not None:  # stepped once per epoch, after its updates
                self.lr = self.schedule.next_lr(self.lr, self.epoch, self.base_lr)
        if not keep:
            return True
        record = self._record(epoch, batch, rows, Xb, yb, Zs, As, loss, J, acc, deltas,
                              before, change, lr, start)
        self.last = record
        return record

    def _record(self, epoch, batch, rows, Xb, yb, Zs, As, loss, J, acc, deltas, before,
                change, lr, start: UpdateStart | None = None) -> StepRecord:
        sizes = self.sizes
        gW, gb = param_views(self.grad, sizes)
        Wb, bb = param_views(before, sizes)
        Wc, bc = param_views(change, sizes)
        if rows is None:
            rows = np.arange(Xb.shape[0])
        return StepRecord(
            epoch=epoch, batch=batch, batches=self.batches, rows=frozen(rows)[0],
            X=frozen(Xb)[0], y=frozen(yb)[0], Z=frozen(*Zs), A=frozen(*As),
            loss=loss, objective=J, accuracy=acc, delta=frozen(*deltas),
            dW=frozen(*gW), db=frozen(*gb), W_before=frozen(*Wb), b_before=frozen(*bb),
            W_change=frozen(*Wc), b_change=frozen(*bc), W_after=frozen(*self.net.W),
            b_after=frozen(*self.net.b), lr=lr, loss_name=self.loss_fn.name,
            optimizer=self.opt.name, start=start, l2=self.l2, l1=self.l1)

    def _diverge(self) -> bool:
        """Stop at the first non-finite value and leave the last finite state in place."""
        epoch, t = self.epoch, self.t
        self._rewind(t, pop_exact=False)
        while self.t > 0 and not self._state_finite():
            if not self._rewind(self.t - 1, pop_exact=False):
                break  # no snapshot that old is kept (headless runs keep almost none)
        self.diverged_at, self.diverged_lr = epoch, self.lr
        if not led_to(self.last, self.t):
            self.last = None  # its snapshot is gone: say so rather than show another update
        return False

    # ------------------------------------------------------------------ actions

    def _check_can_train(self) -> None:
        if self.diverged:
            raise UserError(f"training diverged at epoch {self.diverged_at}; lower the "
                            "learning rate, then reset (n), restart (R) or step back (b)")

    @_quiet
    def step_update(self) -> StepRecord | None:
        """One parameter update: one mini-batch, or the whole epoch for full-batch gd."""
        self._check_can_train()
        self._push_mark()
        rec = self._update(keep=True)
        self._finish_run_check()
        return rec if isinstance(rec, StepRecord) and not self.diverged else None

    @_quiet
    def step(self) -> StepRecord | None:
        """Finish the current epoch (a whole one at an epoch boundary); the last update's record."""
        self._check_can_train()
        self._push_mark()
        rec: StepRecord | bool = True
        first = True
        while first or self.batch:
            first = False
            rec = self._update(keep=self.batch == self.batches - 1)
            if rec is False:
                return None
        self._finish_run_check()
        return rec if isinstance(rec, StepRecord) and not self.diverged else None

    @_quiet
    def run(self, epochs: int, stop: Callable[[], bool] | None = None) -> RunResult:
        """Train for `epochs` epochs. Builds a record for the final update only, so long runs
        cost what the bare loop costs. `stop` is polled once per epoch."""
        self._check_can_train()
        if epochs <= 0:
            return RunResult(0, self.last, None)
        self._push_mark()
        target = (self.epoch + epochs) * self.batches
        stride = max(self.batches, (target - self.t) // 16)
        next_mark = self.t + stride
        start_epoch = self.epoch
        while self.t < target:
            if self.t == target - 1 or self.t == next_mark:
                if self.t != self._marks.newest:
                    self._push_mark()
                next_mark = self.t + stride
            if self._update(keep=self.t == target - 1) is False:
                break
            if stop is not None and self.batch == 0 and stop() and self.t < target:
                self._rewind(self.t, pop_exact=False)  # replays the last update for its record
                self._finish_run_check()
                return RunResult(self.epoch - start_epoch, self.last, None, stopped=True)
        self._finish_run_check()
        return RunResult(self.epoch - start_epoch, self.last, self.diverged_at)

    def _state_finite(self) -> bool:
        return bool(np.isfinite(self.net.flat).all() and all(
            np.isfinite(v).all() for v in self.opt_state.values()))

    def _finish_run_check(self) -> None:
        # The loss check catches nearly everything; this catches a parameter that went
        # non-finite in a unit the forward pass no longer reads (a dead relu).
        if not self.diverged and not self._state_finite():
            self._diverge()

    @_quiet
    def preview(self) -> StepRecord | None:
        """The record the next update would produce, leaving everything as it was."""
        if self.diverged:
            return None
        mark = self._snapshot(event=False)
        rec = self._update(keep=True)
        self._restore(mark)
        return rec or None

    def set_lr(self, lr: float) -> None:
        """Change the learning rate live; undoable on its own. With a schedule, `lr` is the
        schedule's new base, and this epoch's lr scales with it."""
        if not names.lr_ok(lr):
            raise UserError(f"learning rate must be {names.lr_limits()} (got {lr:g})",
                            field="lr")
        self._push_mark(event=True)
        if self.schedule is None:
            self._by_hand(f"lr {self.lr:g} → {float(lr):g}")
            self.lr = self.base_lr = float(lr)
            return
        self._by_hand(f"lr schedule's base {self.base_lr:g} → {float(lr):g}")
        factor = float(lr) / self.base_lr
        self.base_lr, self.lr = float(lr), self.lr * factor

    def scale_lr(self, factor: float) -> None:
        """`<`/`>`: the learning rate (with a schedule, its base and this epoch's lr) times
        `factor`; undoable on its own."""
        if self.schedule is None:
            self.set_lr(self.lr * factor)
            return
        if not names.lr_ok(self.base_lr * factor):
            raise UserError(f"the lr schedule's base must be {names.lr_limits()} (got "
                            f"{self.base_lr * factor:g})", field="lr")
        self._push_mark(event=True)
        self._by_hand(f"lr schedule's base {self.base_lr:g} → {self.base_lr * factor:g}")
        self.base_lr, self.lr = self.base_lr * factor, self.lr * factor

    def set_param(self, layer: int, kind: str, i: int, j: int, value: float) -> None:
        """Edit one weight (kind 'W') or bias (kind 'b') by hand; undoable on its own."""
        if not math.isfinite(value) or abs(value) > names.MAX_PARAM_VALUE:
            raise UserError("a parameter must be a finite number within "
                            f"±{names.MAX_PARAM_VALUE:.0e} (got {value})".replace("e+0", "e"))
        target = (self.net.W if kind == "W" else self.net.b)[layer]
        self._push_mark(event=True)
        self._note_replaced()
        self._by_hand(f"{kind}{layer + 1}[{i}, {j}] set to {value:g} (it was "
                      f"{float(target[i, j]):g})")
        target[i, j] = value
        self.diverged_at = self.diverged_lr = None

    def _note_replaced(self) -> None:
        """The parameters an edit replaces were reached: their loss counts for the best so
        far, though no history entry will ever hold it."""
        with np.errstate(all="ignore"):
            Zs, As = self.net.forward(self.dataset.X)
            loss = self.loss_fn.value(As[-1], self.dataset.y, Zs[-1])[0]
        if math.isfinite(loss) and (self.edited_best is None or loss < self.edited_best[1]):
            self.edited_best = (self.epoch, float(loss))

    def _by_hand(self, change: str) -> None:
        """Note a change made by hand, with where training was (undo takes it back)."""
        if self.hand_changes is not None:
            where = f"epoch {self.epoch}" + (f", update {self.batch}" if self.batch else "")
            self.hand_changes.append(f"{where}: {change}")

    # ------------------------------------------------------------------ going back

    @property
    def can_undo(self) -> bool:
        return self._marks.can_undo(self.t)

    @_quiet
    def undo(self) -> bool:
        """Undo the last edit at this position, else go back to the start of the epoch (or
        the previous one at an epoch boundary). False if nothing that old is kept."""
        if not self.can_undo:
            return False
        if self._marks.event_at(self.t):
            self._restore(self._marks.pop())
            return True
        target = self.epoch * self.batches if self.batch else (self.epoch - 1) * self.batches
        return self._rewind(max(target, self._marks.oldest))

    @_quiet
    def undo_update(self) -> bool:
        """Go back one parameter update (one mini-batch)."""
        if not self.can_undo:
            return False
        if self._marks.event_at(self.t):
            return self.undo()
        return self._rewind(self.t - 1)

    @_quiet
    def undo_to(self, epoch: int) -> bool:
        """Go back to the start of `epoch` (as far as the kept snapshots reach); False if
        nothing that old is kept."""
        target = epoch * self.batches
        if not self.can_undo or target < self._marks.oldest or target >= self.t:
            return False
        return self._rewind(target)

    def _rewind(self, target: int, pop_exact: bool = True) -> bool:
        """Back to update `target`: the nearest snapshot at or before it, then replayed
        forwards, the last update kept, so `last` is the update that led to `target`. A
        snapshot taken inside a run holds no record: then the replay starts from the one
        before it (if none is kept, `last` is None: not known, rather than wrong)."""
        mark = self._marks.back_to(target, pop_exact)
        if mark is None:
            return False
        self._restore(mark)
        while self.t < target:
            self._update(keep=self.t == target - 1)
        if not led_to(self.last, self.t):
            self.last = None
        return True

    # ------------------------------------------------------------------ snapshots

    def _snapshot(self, event: bool) -> Mark:
        return Mark(
            t=self.t, epoch=self.epoch, batch=self.batch, flat=self.net.flat.copy(),
            opt_state={k: v.copy() for k, v in self.opt_state.items()},
            rng_state=self.rng.bit_generator.state, perm=self._perm, lr=self.lr,
            base_lr=self.base_lr, hist_len=len(self.history), last=self.last,
            diverged_at=self.diverged_at,
            hand_len=None if self.hand_changes is None else len(self.hand_changes),
            diverged_lr=self.diverged_lr, event=event, edited_best=self.edited_best)

    def _restore(self, m: Mark) -> None:
        self.net.flat[...] = m.flat
        self.opt_state = {k: v.copy() for k, v in m.opt_state.items()}
        self.rng.bit_generator.state = m.rng_state
        self._perm, self.lr = m.perm, m.lr
        self.base_lr = m.lr if m.base_lr is None else m.base_lr
        self.epoch, self.batch = m.epoch, m.batch
        self.history.truncate(m.hist_len)
        if self.hand_changes is not None and m.hand_len is not None:
            del self.hand_changes[m.hand_len:]
        self.last, self.diverged_at, self.diverged_lr = m.last, m.diverged_at, m.diverged_lr
        self.edited_best = m.edited_best

    def _push_mark(self, event: bool = False) -> None:
        self._marks.push(self._snapshot(event))

    @property
    def undo_depth(self) -> int:
        """How many single steps the undo budget holds for this network and data: each step
        keeps a snapshot and its update's record (runs keep a few and replay between)."""
        per = self.net.flat.nbytes * (1 + len(self.opt_state)) + MARK_OVERHEAD
        per += record_bytes(self.last) if self.last is not None else \
            record_estimate(self.batch_size, self.sizes, self.net.flat.nbytes)
        return self.undo_budget // per

    # ------------------------------------------------------------------ reading

    def evaluate(self) -> Evaluation:
        """The current parameters on every row (file order) and on the train/test split."""
        ds, net = self.dataset, self.net
        with np.errstate(all="ignore"):
            Zs, As = net.forward(ds.X)
            loss, J, acc = self._metrics(ds.X, ds.y, Zs, As)
            # every row's ŷ from the two splits' forward passes, put back in file order (a
            # third pass over all rows cost a progress frame 16 ms on 100,000 rows)
            pred = np.empty((ds.raw.shape[0], As[-1].shape[1]))
            pred[ds.train_rows] = As[-1]
            test_loss = test_acc = None
            if ds.has_test:
                Zt, At = net.forward(ds.X_test)
                pred[ds.test_rows] = At[-1]
                test_loss = self.loss_fn.value(At[-1], ds.y_test, Zt[-1])[0]
                if self._accuracy is not None:
                    test_acc = self._accuracy(At[-1], ds.y_test)
            finite = bool(math.isfinite(loss) and np.isfinite(pred).all())
            orig = ds.to_original(pred)
            classes = self._classes(pred) if ds.classes is not None else {}
        return Evaluation(self.epoch, loss, J, acc, frozen(pred)[0], frozen(orig)[0],
                          test_loss, test_acc, finite, **classes)

    def _classes(self, pred: np.ndarray) -> dict:
        """Evaluation's classification fields: each row's predicted class and its probability,
        the confusion matrices of the training and test rows, the accuracy per class."""
        ds = self.dataset
        k = len(ds.classes)
        cls, prob = metrics.predicted(pred)
        true = ds.labels
        conf = metrics.confusion(true[ds.train_rows], cls[ds.train_rows], k)
        test_conf = metrics.confusion(true[ds.test_rows], cls[ds.test_rows], k) \
            if ds.has_test else None
        return dict(classes=ds.classes, predicted_class=frozen(cls)[0],
                    probability=frozen(prob)[0], confusion=frozen(conf)[0],
                    test_confusion=None if test_conf is None else frozen(test_conf)[0],
                    class_accuracy=frozen(metrics.class_accuracy(conf))[0])

    def predict_rows(self, rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ŷ for some of the file's rows (a slice or indices, file order), normalised and in
        the targets' own units: a report of the first rows needs no pass over all of them."""
        ds = self.dataset
        pred = self.predict(ds.x_norm.apply(ds.raw[rows, : len(ds.feature_names)]))
        with np.errstate(all="ignore"):
            return pred, ds.to_original(pred)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ for rows of normalised features X (crossed, when the inputs are crosses): what
        the output pane draws over the input plane."""
        X = self.dataset.network_inputs(np.asarray(X, dtype=float))
        with np.errstate(all="ignore"):
            return self.net.forward(X)[1][-1]


def check_session(session: Session, h: float = H) -> GradCheck:
    """Finite differences on the session's current parameters and full training batch."""
    with np.errstate(all="ignore"):
        return gradient_check(session.net, session.dataset.X, session.dataset.y,
                              session.loss_fn, session.l2, h=h, l1=session.l1)
