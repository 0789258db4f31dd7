"""What every generated program shares, whatever does its arithmetic (NumPy or torch): the
docstring that describes the session, the training settings and the generator, the epoch
loop's opening, the log line, and the report after training, printed with the core's own
`core.present.report` functions (embedded) as `backprop train` prints it.

The NumPy script (and the notebook made of its cells) and the torch script each build on
these; neither imports the other.
"""

from __future__ import annotations

import itertools
import textwrap
from dataclasses import dataclass

from ..present.report import PRINTED_ROWS
from ..present.train_text import Ending
from . import literals as ct
from . import words as cw
from .embed import metrics_sources, report_sources
from .plan import Plan

TAB = "    "


@dataclass(frozen=True)
class Section:
    title: str  # the heading comment that opens the code, as the notebook's cells do
    text: str  # markdown explaining the step (the notebook shows it above the code)
    code: str


# ---------------------------------------------------------------- the text around the code

def tidy(source: str) -> str:
    """No trailing spaces (blank lines inside indented blocks leave some)."""
    return "\n".join(line.rstrip() for line in source.split("\n"))


def header(p: Plan, runner: str = "numpy") -> str:
    """The docstring: what the session was, how to run the program, what it prints."""
    lines = ["Backpropagation from scratch: a backprop-stepper session as a program you can run "
             "and change.", ""]
    lines += [f"{label + ':':<11}{text}" for label, text in cw.settings(p)]
    lines.append(f"{'Weights:':<11}{cw.start_words(p)}")
    lines.append("")
    needs = "NumPy and pandas" if p.data.source == "file" else "NumPy"
    if runner == "torch":
        needs = f"PyTorch and {needs}"
    lines.append(f"Needs only {needs}: python this_file.py")
    if p.command:
        lines.append(f"It prints what `{p.command}` prints.")
    if not p.start.fresh:
        why, changes = cw.continuation(p)
        lines += ["", why, *(f"  - {c}" for c in changes)]
    return "\n".join(_wrap_prose(line) for line in lines) + "\n"


def _wrap_prose(line: str, width: int = 92) -> str:
    if len(line) <= width:
        return line
    indent = "    " if line.startswith("  - ") else " " * 11 if line[:11].endswith(" ") and \
        ":" in line[:11] else ""
    return textwrap.fill(line, width, subsequent_indent=indent)


# ---------------------------------------------------------------- training settings

INIT_DRAWS = {
    "uniform": ["rng.random(({i}, {o}))", "rng.random((1, {o}))"],
    "xavier": ["rng.uniform(-np.sqrt(6.0 / ({i} + {o})), np.sqrt(6.0 / ({i} + {o})), "
               "({i}, {o}))"],
    "he": ["rng.normal(0.0, np.sqrt(2.0 / {i}), ({i}, {o}))"],
}


def settings_lines(p: Plan, after_lr: list[str]) -> list[str]:
    """The training settings every format opens its loop with: epochs, lr (then
    `after_lr`), the batch size, the log interval, where training starts, the generator."""
    s = p.start
    lines = ["# Training settings", "", f"epochs = {p.epochs}", f"lr = {s.lr!r}"]
    if p.schedule is not None:
        lines[-1] += f"  # this epoch's: the schedule ({p.schedule.text}) moves it each epoch"
        lines.append(f"base_lr = {s.base_lr!r}  # the schedule's base, the lr of epoch 0")
    lines += after_lr
    if not p.full_batch:
        lines.append(f"batch_size = {p.batch_size}")
    if p.log_every:
        lines.append(f"log_every = {p.log_every}")
    if not s.fresh:
        lines.append(f"start_epoch = {s.epoch}")
    return lines + rng_lines(p)


def rng_lines(p: Plan) -> list[str]:
    if not p.uses_rng:
        return []
    s = p.start
    if not s.fresh:
        return ["", "# the session's random generator, exactly as it was: it shuffles the rows",
                "rng = np.random.default_rng()",
                f"rng.bit_generator.state = {ct.mapping(s.rng_state)}"]
    out = ["", "# one random generator shuffles the rows each epoch",
           f"rng = np.random.default_rng({s.seed})"]
    if s.init_draws:
        out.append("# the session drew the starting weights from it first (they are written "
                   "out above): make")
        out.append("# the same draws, so that the shuffles below are the session's")
        for i, o in itertools.pairwise(p.sizes):
            out += [d.format(i=i, o=o) for d in INIT_DRAWS[s.init_draws]]
    return out


# ---------------------------------------------------------------- the epoch loop and its log

def epochs_range(p: Plan) -> str:
    return "range(epochs)" if p.start.fresh else "range(start_epoch, start_epoch + epochs)"


def _plain(name: str) -> str:
    return name


def log_lines(p: Plan, indent: str, test_forward: tuple[str, ...], test_loss: str,
              y_hat: str = "y_hat", as_array=_plain) -> list[str]:
    """The divergence check, then every `log_every` epochs the log line of `backprop train`:
    the loss, and the test loss and accuracies the run has. `as_array` turns a name into a
    NumPy array expression, `test_forward` (lines) and `test_loss` (an expression) say how
    each program gets the test rows' numbers."""
    out = [f"{indent}if not np.isfinite(loss):",
           f'{indent}    raise SystemExit(f"diverged at epoch {{epoch}}: try a lower lr")']
    if not p.log_every:
        return out
    out.append(f"{indent}if epoch % log_every == 0:")
    if not p.log_fields:
        return [*out, f'{indent}    print(f"Epoch {{epoch}}, Loss: {{loss:.5f}}")']
    if "test_loss" in p.log_fields:
        out += [f"{indent}    {line}" for line in test_forward]
    value = {
        "test_loss": test_loss,
        "accuracy": f"{p.accuracy}({as_array(y_hat)}, {as_array('y')})",
        "test_accuracy": f"{p.accuracy}({as_array('y_hat_test')}, {as_array('y_test')})",
    }
    args = ["epoch", "loss", *(f"{name}={value[name]}" for name in p.log_fields)]
    call = f"{indent}    print(log_line({', '.join(args)}))"
    if len(call) > ct.WIDTH:
        inner = f",\n{indent}{' ' * 19}".join(args)
        call = f"{indent}    print(log_line({inner}))"
    return [*out, call]


def resumes_mid_epoch(p: Plan) -> bool:
    return not p.start.fresh and p.start.batch > 0


def mini_batch_head(p: Plan) -> tuple[list[str], str]:
    """The epoch loop's opening, and the indent of the epoch's first lines. A session
    stopped mid-epoch resumes there: that epoch's shuffle is written out, its done updates
    skipped, and its log line (the epoch's first forward pass) was printed already."""
    s = p.start
    mid = resumes_mid_epoch(p)
    out = []
    if mid:
        out += [f"start_batch = {s.batch}  # updates already done in epoch {s.epoch}",
                f"perm = np.array({ct.ints(s.perm)})  # epoch {s.epoch}'s shuffle", ""]
    out.append(f"for epoch in {epochs_range(p)}:")
    if not mid:
        return out, TAB
    out += ["    first_batch = start_batch if epoch == start_epoch else 0",
            "    if first_batch == 0:"]
    return out, TAB * 2


# ---------------------------------------------------------------- the report

def report_names(p: Plan) -> list[str]:
    """The functions of core.present.report the program prints with."""
    names = ["log_line"] if p.log_every and p.log_fields else []
    return names if p.ending is Ending.NOTEBOOK else [*names, "final_report"]


def metric_names(p: Plan) -> list[str]:
    """The functions of core.maths.metrics it counts with."""
    names = [p.accuracy] if p.accuracy else []
    if p.ending is Ending.CLASSES:
        names += ["predicted", "confusion"]
    return names


def reporting(p: Plan) -> Section:
    parts = []
    if metric_names(p):
        parts.append(metrics_sources(metric_names(p)))
    if report_names(p):
        parts.append(report_sources(report_names(p)))
    code = "# Printing the results\n\n\n" + "\n\n".join(parts)
    text = ("What the program prints comes from the same small functions that `backprop train` "
            "prints with (backprop-stepper's core/present/report.py" +
            (" and core/maths/metrics.py" if metric_names(p) else "") +
            "), copied here, so the two print the same text.")
    return Section("Printing the results", text, code)


def first_rows_report(p: Plan, predict: str) -> list[str]:
    """A regression's report: its first rows (the ones it shows) through the network, their
    inputs normalised as the training rows were, the predictions back in the target's units.
    `predict` turns the name of the inputs into the expression for ŷ."""
    d = p.data
    first = f"features[:{PRINTED_ROWS}]"
    out = [f"# the first {PRINTED_ROWS} rows of the file, the ones the report shows",
           f"X_first = {_scaled(d.x_normalize, first, 'x')}"]
    if p.inputs is not None:
        out.append("X_first = inputs(X_first)  # and their crosses, as the network's inputs")
    out.append(f"predictions_original = {_unscaled(d.y_normalize, predict.format('X_first'))}")
    args = ["target_names", f"targets[:{PRINTED_ROWS}]", "predictions_original"]
    if d.has_test:
        out += ["test = np.zeros(len(features), dtype=bool)  # which rows were held out",
                "test[test_rows] = True"]
        args.append(f"test=test[:{PRINTED_ROWS}]")
    args += [f"limit={PRINTED_ROWS}", "total=len(features)"]
    return [*out, "print(final_report(", *(f"    {a}," for a in args), "))"]


def _scaled(kind: str, values: str, v: str) -> str:
    """Inputs normalised with the scaling fitted on the training rows."""
    if kind == "none":
        return values
    if kind == "max":
        return f"{values} / {v}_scale"
    return f"({values} - {v}_offset) / {v}_scale"


def final_report_lines(p: Plan, as_array=_plain) -> list[str]:
    """The report `backprop train` ends a classifier with (Ending.CLASSES: each row's class
    and probability, the accuracy and the confusion matrices; Ending.SCORED: each row's
    predictions and the accuracy), with the arguments `train_text.final_text` passes.
    `as_array` turns the name of the training targets into a NumPy array expression."""
    d = p.data
    classes = p.ending is Ending.CLASSES
    out = [""]
    args = ["target_names", "targets", "predictions"]
    if d.has_test:
        out += ["test = np.zeros(len(features), dtype=bool)  # which rows were held out",
                "test[test_rows] = True"]
    if classes:
        out += [f"classes = {list(p.classes)!r}",
                "target_class = " + ("np.argmax(targets, axis=1)" if len(p.classes) > 2 or
                                     len(d.target_names) > 1 else
                                     "(targets[:, 0] > 0.5).astype(np.intp)"),
                "predicted_class, probability = predicted(predictions)"]
        k = len(p.classes)
        train = "[train_rows]" if d.has_test else ""
        out.append(f"train_confusion = confusion(target_class{train}, "
                   f"predicted_class{train}, {k})")
        args += ["classes=classes", "target_class=target_class",
                 "predicted_class=predicted_class", "probability=probability"]
        if d.has_test:
            out.append("test_confusion = confusion(target_class[test_rows], "
                       f"predicted_class[test_rows], {k})")
    if d.has_test:
        args.append("test=test")
    args.append(f"accuracy={p.accuracy}(y_hat, {as_array('y')})")
    if classes and d.has_test:
        args.append(f"test_accuracy={p.accuracy}(y_hat_test, {as_array('y_test')})")
    if classes:
        args.append("confusion=train_confusion")
        if d.has_test:
            args.append("test_confusion=test_confusion")
    args.append(f"limit={PRINTED_ROWS}")
    return [*out, "print(final_report(", *(f"    {a}," for a in args), "))"]


def _unscaled(kind: str, values: str) -> str:
    """Normalised predictions back in the target's units, as the core's inverse does."""
    if kind == "none":
        return values
    if kind == "max":
        return f"{values} * y_scale"
    return f"{values} * y_scale + y_offset"
