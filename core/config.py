"""Every choice a user can make, validated in one place with messages a student can act on.

`Config` holds what was asked for; fields left as None take the dataset's defaults when
`resolve()` fills them in. The CLI, the settings form and session files all go through it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace

from . import names
from .errors import UserError
from .names import MAX_ACTIVATION_BYTES, MAX_EPOCHS, MAX_LAYERS, MAX_PARAMS, MAX_UNITS
from .presets import DATASET_DEFAULTS, PRESETS


def new_seed() -> int:
    """A fresh seed, short enough to read off the screen and type back in."""
    return int.from_bytes(os.urandom(4), "little") % 1_000_000  # not `secrets`: 5 ms to import


def defaults_for(data: str) -> dict[str, object]:
    """What a dataset trains with unless told otherwise: the command line and the settings
    form fill in the same values."""
    defaults = dict(DATASET_DEFAULTS[data if data in names.DATASETS else "csv"])
    defaults.setdefault("optimizer", "gd")
    return defaults


# How each default is said, in this order; the notice on opening a dataset says the first five.
_SAID = ("lr", "hidden", "output_activation", "loss", "optimizer", "init", "normalize", "epochs")


def said_defaults(defaults: dict[str, object], keys: tuple[str, ...] = _SAID) -> str:
    """`lr 0.5, hidden 4 tanh, sigmoid output, bce loss, gd, …`: defaults in words, those of
    `keys` that `defaults` holds (an activation goes with the hidden layers)."""
    d, parts = defaults, []
    for key in keys:
        if key == "lr" and "lr" in d:
            parts.append(f"lr {d['lr']:g}")
        elif key == "hidden" and ("hidden" in d or "activation" in d):
            act = d.get("activation")
            if "hidden" in d:
                hidden = ",".join(map(str, d["hidden"]))  # type: ignore[call-overload]
                parts.append(f"hidden {hidden} {act}" if act else f"hidden {hidden}")
            else:
                parts.append(f"{act} activation")
        elif key == "output_activation" and key in d:
            parts.append(f"{d[key]} output")
        elif key in ("loss", "init") and key in d:
            parts.append(f"{d[key]} {key}")
        elif key == "optimizer" and key in d:
            parts.append(str(d[key]))
        elif key == "normalize" and key in d:
            parts.append(f"normalize {d[key]}")
        elif key == "epochs" and key in d:
            parts.append(f"{d[key]} epochs")
    return ", ".join(parts)


def defaults_notice(asked: Config, resolved: Config) -> str:
    """`xor: lr 0.5, hidden 4 tanh, sigmoid output, bce loss; flags override`: what a built-in
    dataset set for this run where the notebook's defaults (the ones --help starts from)
    differ, leaving out whatever was asked for; "" when it set nothing of the kind."""
    if asked.preset is not None or not resolved.is_builtin:
        return ""
    base = defaults_for("notebook")
    taken = {k: getattr(resolved, k) for k in (*_SAID[:5], "activation")
             if getattr(asked, k) is None and getattr(resolved, k) != base.get(k)}
    words = said_defaults(taken, _SAID[:5])
    return f"{resolved.data}: {words}; flags override" if words else ""


@dataclass(frozen=True)
class Config:
    data: str = "notebook"
    targets: tuple[str, ...] | None = None  # CSV columns by name or position (0, -1)
    # How to read a CSV (None: detected from the file) and which of its columns to use.
    features: tuple[str, ...] | None = None  # keep only these as features
    drop: tuple[str, ...] | None = None  # leave these out
    sep: str | None = None
    decimal: str | None = None
    no_header: bool = False  # the first line is data; columns are named by position
    skip_rows: int = 0  # lines to skip before the header (or the data, with no_header)
    missing: str | None = None  # a CSV's gaps: None stops at the first; see names.MISSING
    normalize: str | None = None
    hidden: tuple[int, ...] | None = None
    # the network's inputs: crosses of two features, e.g. ("x1", "x2", "x1^2", "x2^2")
    # (None: the features as they are)
    inputs: tuple[str, ...] | None = None
    activation: str | None = None
    output_activation: str | None = None
    loss: str | None = None
    init: str | None = None
    seed: int | None = None
    lr: float | None = None
    # e.g. "step:100:0.5", "exp:0.99", "cosine:500" (None: the lr stays as set)
    lr_schedule: str | None = None
    epochs: int | None = None
    optimizer: str | None = None
    batch_size: int | None = None
    l2: float = 0.0
    l1: float = 0.0
    test_fraction: float = 0.0
    noise: float = 0.1
    preset: str | None = None
    weights: str | None = None  # path to a --weights JSON file

    @property
    def is_builtin(self) -> bool:
        return self.data in names.DATASETS

    def resolve(self) -> Config:
        """Fill every None from the preset, then the dataset's defaults; then validate."""
        cfg = self
        if cfg.preset is not None:
            if cfg.preset not in PRESETS:
                raise UserError(f"unknown preset {cfg.preset!r}; choose one of "
                                f"{', '.join(PRESETS)}", field="preset")
            base = PRESETS[cfg.preset]
            cfg = replace(cfg, **{k: v for k, v in base.items()
                                  if k != "data" and getattr(cfg, k) is None})
        filled = {k: v for k, v in defaults_for(cfg.data).items()
                  if getattr(cfg, k, None) is None}
        if cfg.output_activation is None:
            filled["output_activation"] = output_for(cfg.loss or filled.get("loss"),
                                                     filled["output_activation"])
        if cfg.seed is None:
            filled["seed"] = new_seed()
        cfg = replace(cfg, **filled)
        if cfg.lr_schedule is not None:  # one spelling: `STEP: 100 :0.50` is `step:100:0.5`
            cfg = replace(cfg, lr_schedule=lr_schedule_text(*parse_lr_schedule(cfg.lr_schedule)))
        if cfg.hidden == (0,):  # `--hidden 0`: no hidden layer, inputs straight to outputs
            cfg = replace(cfg, hidden=())
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raise UserError naming the first bad field. Never clamps a value silently."""
        _check_choice(self.normalize, names.NORMALIZERS, "normalize")
        _check_choice(self.init, names.INITS, "init")
        _check_choice(self.activation, names.ACTIVATIONS, "activation")
        _check_choice(self.output_activation, names.OUTPUT_ACTIVATIONS, "output_activation")
        _check_choice(self.loss, names.LOSSES, "loss")
        _check_choice(self.optimizer, names.OPTIMIZERS, "optimizer")
        if self.hidden is None or not isinstance(self.hidden, tuple):
            raise UserError("--hidden needs layer sizes, e.g. --hidden 2 (or 0: no hidden "
                            "layer)", field="hidden")
        if len(self.hidden) > MAX_LAYERS:
            raise UserError(f"--hidden: at most {MAX_LAYERS} hidden layers", field="hidden")
        for h in self.hidden:
            if not 1 <= h <= MAX_UNITS:
                alone = "; 0 alone (--hidden 0) means no hidden layer" if h == 0 else ""
                raise UserError(f"--hidden: each layer needs 1 to {MAX_UNITS} units (got {h})"
                                f"{alone}", field="hidden")
        self._check_inputs()
        _check_number(self.lr, "lr", names.LR_RANGE)
        if self.lr_schedule is not None:
            parse_lr_schedule(self.lr_schedule)
        _check_number(self.l2, "l2", names.L2_RANGE)
        _check_number(self.l1, "l1", names.L1_RANGE)
        _check_number(self.noise, "noise", names.NOISE_RANGE)
        _check_number(self.test_fraction, "test_fraction", names.TEST_FRACTION_RANGE)
        if not isinstance(self.epochs, int) or not 0 <= self.epochs <= MAX_EPOCHS:
            raise UserError(f"--epochs must be a whole number from 0 to {MAX_EPOCHS:,} "
                            f"(got {self.epochs})", field="epochs")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise UserError(f"--seed must be a whole number ≥ 0 (got {self.seed})", field="seed")
        if self.batch_size is not None and self.batch_size < 1:
            raise UserError(f"--batch-size must be at least 1 (got {self.batch_size})",
                            field="batch_size")
        if self.optimizer == "gd" and self.batch_size is not None:
            raise UserError("gd always uses the full batch; use --optimizer sgd with "
                            "--batch-size", field="batch_size")
        self._check_output()
        self._check_csv_options()

    def _check_inputs(self) -> None:
        if self.inputs is None:
            return
        if not self.inputs:
            raise UserError("--inputs needs at least one input, e.g. x1,x2", field="inputs")
        for name in self.inputs:
            if name not in names.INPUTS:
                raise UserError(f"--inputs: unknown input {name!r}; choose from "
                                f"{','.join(names.INPUTS)}", field="inputs")
        dupes = sorted({n for n in self.inputs if self.inputs.count(n) > 1})
        if dupes:
            raise UserError(f"--inputs lists {dupes[0]!r} twice", field="inputs")

    def _check_output(self) -> None:
        """bce trains a sigmoid output and ce a softmax one; softmax is for ce alone."""
        need = names.LOSS_OUTPUT.get(self.loss)
        if need is not None and self.output_activation != need:
            raise UserError(f"the {self.loss} loss needs --output-activation {need} (its "
                            "default)", field="output_activation")
        if self.output_activation == "softmax" and self.loss != "ce":
            raise UserError("--output-activation softmax needs --loss ce (softmax turns the "
                            "outputs into class probabilities for cross-entropy)",
                            field="output_activation")

    def _check_csv_options(self) -> None:
        """The ways of reading a CSV: one-character separator, a known decimal mark."""
        if self.sep is not None and (len(self.sep) != 1 or self.sep in '"\r\n0123456789.'):
            raise UserError(f"--sep must be one character such as , ; | or \\t (got "
                            f"{self.sep!r})", field="sep")
        if self.missing is not None:
            _check_choice(self.missing, names.MISSING, "missing")
        if self.decimal is not None and self.decimal not in names.DECIMALS:
            raise UserError(f"--decimal must be . or , (got {self.decimal!r})", field="decimal")
        if self.sep is not None and self.sep == self.decimal:
            raise UserError(f"--sep and --decimal cannot both be {self.sep!r}", field="decimal")
        if not isinstance(self.skip_rows, int) or \
                not 0 <= self.skip_rows <= names.MAX_SKIP_ROWS:
            raise UserError(f"--skip-rows must be a whole number from 0 to "
                            f"{names.MAX_SKIP_ROWS:,} (got {self.skip_rows})", field="skip_rows")

    def check_size(self, n_in: int, n_out: int, n_train: int) -> None:
        """Limits that need the data's shape: parameters, activations and batch size."""
        # a forward pass keeps Z and A for every layer, and backprop a delta as large
        activation_bytes = 3 * 8 * n_train * (n_in + sum(self.hidden) + n_out)
        if activation_bytes > MAX_ACTIVATION_BYTES:
            raise UserError(f"{n_train:,} rows through layers of {self.hidden} units would need "
                            f"{activation_bytes / 2**30:.1f} GiB of memory (limit "
                            f"{MAX_ACTIVATION_BYTES // 2**30} GiB); use fewer rows or units",
                            field="hidden")
        count = names.n_params((n_in, *self.hidden, n_out))
        if count > MAX_PARAMS:
            raise UserError(f"that network has {count:,} parameters; the limit is "
                            f"{MAX_PARAMS:,}", field="hidden")
        if self.batch_size is not None and self.batch_size > n_train:
            raise UserError(f"--batch-size {self.batch_size} is larger than the {n_train} "
                            f"training rows", field="batch_size")

    @property
    def effective_batch(self) -> int | None:
        """None means full batch. sgd without --batch-size is the textbook one row at a time."""
        if self.batch_size is None and self.optimizer == "sgd":
            return 1
        return self.batch_size

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def parse_lr_schedule(text: str) -> tuple[str, int, float]:
    """`step:EVERY:GAMMA`, `exp:GAMMA` or `cosine:T` as (kind, epochs, gamma): epochs is
    EVERY or T (0 for exp), gamma is 1 for cosine. Raises UserError naming the option."""
    spellings = " or ".join(names.LR_SCHEDULES.values())
    parts = [p.strip() for p in str(text).split(":")]
    kind = parts[0].lower()
    want = {"step": 3, "exp": 2, "cosine": 2}.get(kind)
    if want is None or len(parts) != want:
        raise UserError(f"--lr-schedule: expected {spellings}, e.g. step:100:0.5 (got "
                        f"{text!r})", field="lr_schedule")
    every, gamma = 0, 1.0
    try:
        if kind in ("step", "cosine"):
            every = int(parts[1])
        if kind in ("step", "exp"):
            gamma = float(parts[-1])
    except ValueError:
        raise UserError(f"--lr-schedule {text}: {names.LR_SCHEDULES[kind]} needs "
                        f"{'a whole number of epochs' if kind != 'exp' else 'a number'} "
                        f"where it has {parts[1]!r}" + (f" or {parts[-1]!r}" if want == 3 else ""),
                        field="lr_schedule") from None
    if kind != "exp" and not 1 <= every <= MAX_EPOCHS:
        what = "EVERY" if kind == "step" else "T"
        raise UserError(f"--lr-schedule {text}: {what} must be a whole number of epochs from "
                        f"1 to {MAX_EPOCHS:,}", field="lr_schedule")
    if not (math.isfinite(gamma) and 0.0 < gamma <= 1.0):
        raise UserError(f"--lr-schedule {text}: GAMMA, the factor the lr is multiplied by, "
                        "must be above 0 and at most 1", field="lr_schedule")
    return kind, every, gamma


def lr_schedule_text(kind: str, every: int, gamma: float) -> str:
    """A schedule as `--lr-schedule` spells it, one way: `step:100:0.5`, `exp:0.99`,
    `cosine:500`."""
    if kind == "step":
        return f"step:{every}:{gamma!r}"
    return f"exp:{gamma!r}" if kind == "exp" else f"cosine:{every}"

# The fields that only mean something for a CSV file: a built-in dataset has its own columns
# and refuses them, and a new table starts them afresh (their defaults: detect, use all).
CSV_FIELDS = ("targets", "features", "drop", "sep", "decimal", "missing",
              "no_header", "skip_rows")
CSV_DEFAULTS = {f.name: f.default for f in fields(Config) if f.name in CSV_FIELDS}


def flag(name: str) -> str:
    """The command-line option that sets a Config field: `--skip-rows`; `--target` (given
    once per target column) for `targets`."""
    return "--target" if name == "targets" else "--" + name.replace("_", "-")


def output_for(loss: str | None, default: str) -> str:
    """The output activation when none is given: the one the loss needs (bce: sigmoid, ce:
    softmax), else the dataset's default, unless that is softmax and the loss is not ce."""
    need = names.LOSS_OUTPUT.get(loss)
    if need is not None:
        return need
    return "linear" if default == "softmax" else default


def _check_choice(value, choices, name: str) -> None:
    if value not in choices:
        raise UserError(f"{flag(name)}: unknown value {value!r}; choose one of "
                        f"{', '.join(choices)}", field=name)


def _check_number(value, name: str, limits: tuple[float, float, bool]) -> None:
    low, high, open_low = limits
    ok = isinstance(value, (int, float)) and math.isfinite(value) and value <= high \
        and (value > low if open_low else value >= low)
    if not ok:
        bound = f"above {low:g}" if open_low else f"at least {low:g}"
        raise UserError(f"{flag(name)} must be a number {bound} and at most {high:g} (got {value})",
                        field=name)
