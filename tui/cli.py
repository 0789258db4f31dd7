"""`backprop`: the TUI by default, `backprop train` headless, `backprop serve` in a browser.

Kept light on purpose: the options table and the core's lazy API. Textual is imported when
the stepper starts, NumPy when the core first computes, pandas when a CSV is read, so
`backprop train --preset notebook` pays for no Textual and the stepper's first frame for no
NumPy.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from datetime import datetime

from core.errors import UserError

from .options import (
    APP,
    CODE,
    SERVE,
    TRAIN,
    add_options,
    config_from,
    datasets_help,
    given_model,
)

EXIT_USER, EXIT_DIVERGED = 2, 3


class _Parser(argparse.ArgumentParser):
    """Errors are one line on stderr and exit 2, never a usage dump or a traceback. The help
    ends with each built-in dataset's defaults, as written (not rewrapped)."""

    def __init__(self, **kw) -> None:
        super().__init__(formatter_class=argparse.RawDescriptionHelpFormatter, **kw)

    def format_help(self) -> str:
        if self.epilog is None and self.prog != "backprop serve":
            self.epilog = datasets_help()  # when asked for: not on every start-up
        return super().format_help()

    def error(self, message: str) -> None:  # type: ignore[override]
        fail(f"{message} (see `{self.prog} --help`)")


def fail(message: str, code: int = EXIT_USER) -> None:
    print(f"backprop: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def top_parser() -> _Parser:
    top = _Parser(prog="backprop", description="Step through backpropagation in a terminal. "
                  "Run with no command for the interactive stepper.")
    add_options(top, APP)
    return top


def train_parser() -> _Parser:
    train = _Parser(prog="backprop train", description="Train headless and print the log "
                    "the notebook prints, or one JSON object with --json.")
    add_options(train, TRAIN)
    return train


def serve_parser() -> _Parser:
    serve = _Parser(prog="backprop serve", description="Serve the app to a web browser.")
    add_options(serve, SERVE)
    return serve


def code_parser() -> _Parser:
    """`backprop code`: train's options (the model and --log-every), a session file, and
    where and in which format to write the program."""
    code = _Parser(prog="backprop code", description="Write the session as a program that "
                   "prints what `backprop train` prints: a NumPy script, a Jupyter notebook or "
                   "a PyTorch script.")
    add_options(code, CODE)
    return code


def code(ns: argparse.Namespace) -> int:
    """`backprop code`: the session as a program; prints the path it wrote."""
    # the core's computing parts (NumPy) load here, once the command line has been read
    from core import code_text, default_code_name, export_code, open_resumed, open_session

    if ns.resume and given_model(ns):
        print(f"backprop: the session file decides the model; ignored: "
              f"{' '.join(given_model(ns))}", file=sys.stderr)
    session = open_resumed(ns.resume) if ns.resume else open_session(config_from(ns))
    if ns.output == "-":
        sys.stdout.write(code_text(session, ns.format, ns.log_every))
        return 0
    path = ns.output or default_code_name(ns.format, datetime.now())
    print(export_code(session, ns.format, path, ns.force, ns.log_every))
    return 0


SUBCOMMANDS = {"train": train_parser, "serve": serve_parser, "code": code_parser}


def build_parser() -> tuple[_Parser, dict[str, _Parser]]:
    """Every parser: the TUI's and each subcommand's."""
    return top_parser(), {name: make() for name, make in SUBCOMMANDS.items()}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:  # only the parser in use is built (start-up)
            ns = SUBCOMMANDS[argv[0]]().parse_args(argv[1:])
            if argv[0] == "train":
                return train(ns)
            if argv[0] == "code":
                return code(ns)
            from .serve import serve

            return serve(ns, argv[1:])
        # Start-up allocates much and frees little, so the collector's passes until the
        # first frame are wasted (about 4% of start-up); the app turns it back on once the
        # frame is on screen, and leaving turns it on in any case.
        gc.disable()
        try:
            ns = top_parser().parse_args(argv)
            from .app import run_app  # Textual: only for the stepper

            return run_app(ns)
        finally:
            gc.enable()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `backprop train | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except UserError as exc:
        fail(str(exc))
    return 0


def train(ns: argparse.Namespace) -> int:
    """The notebook's loop, headless: its log lines, then the final predictions. Every line
    of text comes from `core.present.report`, so exported scripts can print the same bytes."""
    from core import open_session
    from core.present import report

    session = open_session(config_from(ns))
    session.undo_budget = 0  # headless: nobody steps back, so keep no snapshots
    for notice in session.dataset.notices:
        print(report.notice_line(notice), file=sys.stderr)
    if ns.seed is None and session.uses_seed:
        print(report.seed_line(session.seed), file=sys.stderr)
    epochs, every = session.config.epochs, ns.log_every
    chunk = max(every, 1000) if every and not ns.json else max(epochs, 1)
    done = 0
    while done < epochs:
        result = session.run(min(chunk, epochs - done))
        if every and not ns.json:
            first = -(-done // every) * every
            for e in range(first, done + result.epochs, every):
                print(_log_line(session, e))
        done += result.epochs
        if result.diverged_at is not None:
            break
    if ns.json:
        _print_json(session, session.evaluate())
    elif not session.diverged:
        print(_final_text(session))
    _spare_the_exit()
    if session.diverged:
        print(report.diverged_line(session.diverged_at, session.lr), file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def _spare_the_exit() -> None:
    """At exit, Python's collector walks every object still alive: after pandas, hundreds of
    thousands (a third of a second here). Nothing a finished `backprop train` holds needs
    collecting, so they are frozen out of that walk; only in the process the command
    started, never in a program that calls train() itself."""
    if sys.argv[1:2] == ["train"]:
        gc.freeze()


def _log_line(session, epoch: int) -> str:
    """One log line from the history's row for `epoch` (that epoch's first forward pass)."""
    from core.present import report

    h = session.history
    cols = h.columns
    get = {c: h.at(epoch, c) for c in ("test_loss", "accuracy", "test_accuracy") if c in cols}
    return report.log_line(epoch, h.at(epoch, "loss"), get.get("test_loss"),
                           get.get("accuracy"), get.get("test_accuracy"))


def _final_text(session) -> str:
    """The notebook's own print for its preset; else predictions beside targets (and, when
    classifying, the accuracy and the confusion matrix). A regression prints its first rows
    only, so only those go through the network here."""
    from core.present import report

    ds = session.dataset
    test = ds.test_mask if ds.test_rows.size else None
    if session.config.preset == "notebook":
        return report.notebook_predictions(session.evaluate().predictions)
    if ds.task == "regression":
        head = slice(0, PRINTED_ROWS)
        _, orig = session.predict_rows(head)
        return report.final_report(list(ds.target_names), ds.targets_original[head], orig,
                                   test=None if test is None else test[head],
                                   limit=PRINTED_ROWS, total=ds.raw.shape[0])
    ev = session.evaluate()
    if ev.classes is None:  # several 0/1 targets: scored, but no classes to tabulate
        return report.final_report(list(ds.target_names), ds.targets_original,
                                   ev.predictions_original, test=test, accuracy=ev.accuracy,
                                   limit=PRINTED_ROWS)
    return report.final_report(
        list(ds.target_names), ds.targets_original, ev.predictions_original,
        classes=list(ev.classes), target_class=ds.labels, predicted_class=ev.predicted_class,
        probability=ev.probability, test=test, accuracy=ev.accuracy,
        test_accuracy=ev.test_accuracy, confusion=ev.confusion,
        test_confusion=ev.test_confusion, limit=PRINTED_ROWS)


PRINTED_ROWS = 20  # rows of predictions `train` prints; a line says how many more there are


def _print_json(session, ev) -> None:
    """One JSON object: the run's state, history and predictions (see the README)."""
    import json  # only here: the TUI's start-up does not pay for it

    from core import layers_json
    from core.files.weights import finite_or_none

    last = session.last
    doc = {
        "epoch": session.epoch,
        "seed": session.seed,
        "loss": finite_or_none(ev.loss),
        "objective": finite_or_none(ev.objective),
        "loss_name": session.loss_fn.name,
        "layers": layers_json(session.net.W, session.net.b),
        "gradients": layers_json(last.dW, last.db) if last else None,
        "history": [finite_or_none(float(v)) for v in session.history.values()],
        "predictions": ev.predictions.tolist() if ev.finite else None,
        "diverged_at": session.diverged_at,
    }
    if ev.accuracy is not None:
        doc["accuracy"] = finite_or_none(ev.accuracy)
    if ev.test_loss is not None:
        doc["test_loss"] = finite_or_none(ev.test_loss)
    if ev.classes is not None:
        doc["classes"] = list(ev.classes)
        doc["confusion"] = ev.confusion.tolist()
        if ev.test_accuracy is not None:
            doc["test_accuracy"] = finite_or_none(ev.test_accuracy)
            doc["test_confusion"] = ev.test_confusion.tolist()
    print(json.dumps(doc))


if __name__ == "__main__":
    raise SystemExit(main())
