"""`backprop`: the TUI by default, `backprop train` headless, `backprop serve` in a browser.

Kept light on purpose: argparse and the core's config only. Textual is imported when the TUI
starts and pandas when a CSV is read, so `backprop train --preset notebook` pays for neither.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

EXIT_USER, EXIT_DIVERGED = 2, 3


class _Parser(argparse.ArgumentParser):
    """Errors are one line on stderr and exit 2, never a usage dump or a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        fail(f"{message} (see `{self.prog} --help`)")


def fail(message: str, code: int = EXIT_USER) -> None:
    print(f"backprop: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(p) for p in text.replace(" ", "").split(",") if p != "")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers like 4 or 4,3, not {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one layer size, e.g. 2")
    return values


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None


def _int(text: str) -> int:
    try:
        value = float(text.replace("_", ""))
        if value != int(value):
            raise ValueError
        return int(value) if abs(value) < 2**63 else int(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None


def model_options(p: argparse.ArgumentParser) -> None:
    """The options every mode shares: data, model, optimiser, seed."""
    g = p.add_argument_group("data")
    g.add_argument("--preset", choices=["notebook"],
                   help="the notebook's data, printed initial weights, lr 0.1, 1000 epochs")
    g.add_argument("--data", metavar="NAME|FILE.csv",
                   help="notebook (default), xor, circle, gauss, spiral, sine, or a CSV path")
    g.add_argument("--target", action="append", metavar="COL", dest="targets",
                   help="target column of a CSV, a name or a position (0 first, -1 last; "
                   "repeatable; default: the last column)")
    g.add_argument("--normalize", choices=["max", "minmax", "zscore", "none"],
                   help="per-column scaling (default: max, as the notebook)")
    g.add_argument("--test-fraction", type=_float, metavar="F",
                   help="hold out this share of rows as a test set (default 0)")
    g.add_argument("--noise", type=_float, help="noise of generated datasets (default 0.1)")
    m = p.add_argument_group("model")
    m.add_argument("--hidden", type=_int_list, metavar="N[,N…]",
                   help="hidden layer sizes (default 2)")
    m.add_argument("--activation", choices=["linear", "sigmoid", "tanh", "relu"],
                   help="hidden-layer activation (default linear)")
    m.add_argument("--output-activation",
                   choices=["linear", "sigmoid", "tanh", "relu", "softmax"],
                   help="output activation (default: what the loss needs, else linear)")
    m.add_argument("--loss", choices=["mse", "bce", "ce"],
                   help="mse (default), bce (sigmoid output) or ce (softmax: classes)")
    m.add_argument("--init", choices=["uniform", "xavier", "he"],
                   help="weight init (uniform U[0,1) like the notebook, xavier, he)")
    m.add_argument("--weights", metavar="FILE.json", help="explicit starting parameters")
    m.add_argument("--seed", type=_int, help="random seed (default: a fresh one, shown)")
    t = p.add_argument_group("training")
    t.add_argument("--lr", type=_float, help="learning rate (default 0.1)")
    t.add_argument("--epochs", type=_int, help="epochs to train (default 1000)")
    t.add_argument("--optimizer", choices=["gd", "sgd", "momentum", "adam"],
                   help="gd (full batch, default), sgd, momentum, adam")
    t.add_argument("--batch-size", type=_int, metavar="K",
                   help="rows per update for sgd/momentum/adam (sgd default 1)")
    t.add_argument("--l2", type=_float, metavar="λ", help="L2 penalty on weights (default 0)")
    _csv_options(p)


# ---- CSV layout and columns: one block, for the table of options ---------------------------

def _sep(text: str) -> str:
    """`--sep ';'`; a tab may be typed as \\t or `tab`, as a shell makes it hard to type."""
    return "\t" if text in ("\\t", "tab", "TAB") else text


def _names(text: str) -> tuple[str, ...]:
    """`a,b` or `0,-1`: column names or positions, comma-separated."""
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected column names or positions, e.g. a,b or 0,2")
    return names


def _csv_options(p: argparse.ArgumentParser) -> None:
    """How to read a CSV file and which of its columns to use (CSV files only)."""
    c = p.add_argument_group("CSV files")
    c.add_argument("--sep", type=_sep, metavar="SEP",
                   help="field separator (default: detected: , ; tab or |)")
    c.add_argument("--decimal", choices=[".", ","],
                   help="decimal mark (default: detected; , for 0,75)")
    c.add_argument("--no-header", action="store_true", default=None,
                   help="the first line is data; columns are named by position 0, 1, …")
    c.add_argument("--skip-rows", type=_int, metavar="N",
                   help="skip N lines before the header (or the data, with --no-header)")
    c.add_argument("--features", type=_names, metavar="COL,…",
                   help="use only these columns as features (names or positions)")
    c.add_argument("--drop", type=_names, metavar="COL,…",
                   help="leave these columns out (names or positions)")


def config_from(ns: argparse.Namespace):
    from core.config import Config

    fields = set(Config.field_names())
    given = {k: v for k, v in vars(ns).items() if k in fields and v is not None}
    if "targets" in given:
        given["targets"] = tuple(given["targets"])
    return Config(**given)


def top_parser() -> _Parser:
    top = _Parser(prog="backprop", description="Step through backpropagation in a terminal. "
                  "Run with no command for the interactive stepper.")
    model_options(top)
    top.add_argument("--fps", type=_int,
                     help="screen updates per second (default 30; 15 over SSH)")
    top.add_argument("--resume", metavar="FILE", help="reopen a saved session file")
    top.add_argument("--save-to", metavar="FILE.json",
                     help="where w saves the session (default: "
                     "backprop-session-<YYYYmmdd-HHMMSS>.json in this folder)")
    return top


def train_parser() -> _Parser:
    train = _Parser(prog="backprop train", description="Train headless and print the log "
                    "the notebook prints, or one JSON object with --json.")
    model_options(train)
    train.add_argument("--log-every", type=_int, default=100, metavar="N",
                       help="print the loss every N epochs (0 = silent; default 100)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead")
    return train


def serve_parser() -> _Parser:
    serve = _Parser(prog="backprop serve", description="Serve the app to a web browser.")
    model_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default localhost)")
    serve.add_argument("--port", type=_int, default=8000, help="port (default 8000)")
    serve.add_argument("--fps", type=_int, help="screen updates per second")
    return serve


def code_parser() -> _Parser:
    from core.names import CODE_FORMATS

    code = _Parser(prog="backprop code", description="Write the session as a program that "
                   "prints what `backprop train` prints: a NumPy script, a Jupyter notebook or "
                   "a PyTorch script.")
    model_options(code)
    code.add_argument("--resume", metavar="FILE", help="a saved session file to export")
    code.add_argument("--format", required=True, choices=CODE_FORMATS,
                      help="numpy (a .py in the notebook's style), notebook (.ipynb) or torch")
    code.add_argument("-o", "--output", metavar="FILE",
                      help="where to write it; - for stdout (default: "
                      "backprop-<format>-<YYYYmmdd-HHMMSS>.py/.ipynb in this folder)")
    code.add_argument("--force", action="store_true", help="replace FILE if it exists")
    code.add_argument("--log-every", type=_int, default=100, metavar="N",
                      help="the program prints the loss every N epochs (0 = silent; default 100)")
    return code


def code(ns: argparse.Namespace) -> int:
    """`backprop code`: the session as a program; prints the path it wrote."""
    from datetime import datetime

    from core import code_text, default_code_name, export_code, open_resumed, open_session

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
        ns = top_parser().parse_args(argv)
        from .app import run_app

        return run_app(ns)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `backprop train | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if not _is_user_error(exc):
            raise
        fail(str(exc))
    return 0


def _is_user_error(exc: Exception) -> bool:
    """Imports the core only once an error exists. A UserError comes from the core, so it
    is loaded by then; and `backprop` must not load NumPy before the TUI's first frame."""
    from core.errors import UserError

    return isinstance(exc, UserError)


def train(ns: argparse.Namespace) -> int:
    """The notebook's loop, headless: its log lines, then the final predictions. Every line
    of text comes from `core.report`, so exported scripts can print the same bytes."""
    from core import open_session, report

    if ns.log_every < 0:
        fail("--log-every must be 0 (silent) or a positive number of epochs")
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
    ev = session.evaluate()
    if ns.json:
        _print_json(session, ev)
    elif not session.diverged:
        print(_final_text(session, ev))
    if session.diverged:
        print(report.diverged_line(session.diverged_at, session.lr), file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def _log_line(session, epoch: int) -> str:
    """One log line from the history's row for `epoch` (that epoch's first forward pass)."""
    from core import report

    h = session.history
    cols = h.columns
    get = {c: h.at(epoch, c) for c in ("test_loss", "accuracy", "test_accuracy") if c in cols}
    return report.log_line(epoch, h.at(epoch, "loss"), get.get("test_loss"),
                           get.get("accuracy"), get.get("test_accuracy"))


def _final_text(session, ev) -> str:
    """The notebook's own print for its preset; else predictions beside targets (and, when
    classifying, the accuracy and the confusion matrix)."""
    from core import report

    if session.config.preset == "notebook":
        return report.notebook_predictions(ev.predictions)
    ds = session.dataset
    test = ds.test_mask if ds.test_rows.size else None
    if ev.classes is None:
        return report.final_report(list(ds.target_names), ds.targets_original,
                                   ev.predictions_original, test=test, accuracy=ev.accuracy)
    return report.final_report(
        list(ds.target_names), ds.targets_original, ev.predictions_original,
        classes=list(ev.classes), target_class=ds.labels, predicted_class=ev.predicted_class,
        probability=ev.probability, test=test, accuracy=ev.accuracy,
        test_accuracy=ev.test_accuracy, confusion=ev.confusion,
        test_confusion=ev.test_confusion)


def _print_json(session, ev) -> None:
    """One JSON object: the run's state, history and predictions (see the README)."""
    import json  # only here: the TUI's start-up does not pay for it

    from core import layers_json
    from core.io import finite_or_none

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
