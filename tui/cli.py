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
    GRAPH,
    LESSON,
    SERVE,
    TRAIN,
    add_options,
    child_args,
    compare_given,
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
    from core import code_text, default_code_name, export_code

    session = _chosen_run(ns, "writes")
    if ns.output == "-":
        sys.stdout.write(code_text(session, ns.format, ns.log_every))
        return 0
    path = ns.output or default_code_name(ns.format, datetime.now())
    print(export_code(session, ns.format, path, ns.force, ns.log_every))
    return 0


def _chosen_run(ns: argparse.Namespace, does: str):
    """The session `code` or `graph` works on: from the model options or a session file,
    run A, or with `--run B` run B of a `--compare` or of a two-run file."""
    from core import load_runs, open_compare, open_session

    if ns.resume and given_model(ns):
        print(f"backprop: the session file decides the model; ignored: "
              f"{' '.join(given_model(ns))}", file=sys.stderr)
    if ns.resume:
        session, pair = load_runs(ns.resume)
    else:
        session = open_session(config_from(ns))
        pair = open_compare(session, compare_given(ns.compare), ns.compare) \
            if ns.compare else None
    if ns.run != "B":
        return session
    if pair is None:
        raise UserError(f"--run B {does} run B of a comparison: give --compare \"OPTIONS\" "
                        "or a session file of two runs", field="run")
    return pair.b


def lesson_parser() -> _Parser:
    lesson = _Parser(prog="backprop lesson", description="Open the stepper with a lesson: "
                     "narrated steps on the live numbers, and questions to answer before you "
                     "step. A lesson is a built-in one's name or a .toml file.")
    add_options(lesson, LESSON)
    return lesson


def lesson(ns: argparse.Namespace) -> int:
    """`backprop lesson`: list the built-in lessons, check one, or open one in the stepper."""
    if ns.list:
        from core.lessons.library import titles

        found = titles()
        width = max(len(name) for name, _ in found)
        for name, title in found:
            print(f"{name:<{width}}  {title}")
        return 0
    if ns.check:
        from .lesson import check

        found, problems = check(ns.check)
        if problems or found is None:
            for problem in problems:
                print(f"backprop: error: {problem}", file=sys.stderr)
            return EXIT_USER
        print(f"ok: {len(found.steps)} steps")
        return 0
    if ns.name is None:
        fail("name a lesson: backprop lesson NAME|FILE.toml (backprop lesson --list shows "
             "the built-in ones)")
    return main(["--lesson", ns.name, *child_args(ns, LESSON, APP)])


def graph_parser() -> _Parser:
    """`backprop graph`: the model options (or a session file), a row, a format, a file."""
    graph = _Parser(prog="backprop graph", description="Print one row's term of J as a graph "
                    "of scalars at the current parameters (epoch 0, or where --resume's "
                    "session stopped): every input, weight, product, sum, activation and "
                    "output, each with its value and ∂J/∂node, then the chain rule walked "
                    "back one node at a time.")
    add_options(graph, GRAPH)
    return graph


def graph(ns: argparse.Namespace) -> int:
    """`backprop graph`: one row's computation graph, as text, JSON or Graphviz source."""
    from core.files.weights import save_text
    from core.present.chain import graph_output

    session = _chosen_run(ns, "draws")
    text = graph_output(session, ns.row, ns.graph_format, ns.focus)
    path = ns.graph_output
    if path is None or path == "-":
        sys.stdout.write(text)
        return 0
    if os.path.exists(path) and not ns.force:
        raise UserError(f"{path} already exists; choose another name, or --force to replace "
                        "it")
    save_text(path, text, "graph")
    print(path)
    return 0


SUBCOMMANDS = {"train": train_parser, "serve": serve_parser, "code": code_parser,
               "graph": graph_parser, "lesson": lesson_parser}


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
            if argv[0] == "graph":
                return graph(ns)
            if argv[0] == "lesson":
                return lesson(ns)
            from .serve import serve

            return serve(ns, argv[1:])
        # Start-up allocates much and frees little, so the collector's passes until the
        # first frame are wasted (about 4% of start-up); the app turns it back on once the
        # frame is on screen, and leaving turns it on in any case.
        gc.disable()
        try:
            ns = top_parser().parse_args(argv)
            if ns.lesson:
                from .lesson import take_lesson

                take_lesson(ns)
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
    """The notebook's loop, headless: its log lines, then the final predictions (or one JSON
    object). `core.present.train_text` decides every line; this prints them."""
    from core import open_session

    session = open_session(config_from(ns))
    if ns.compare:
        return _train_compared(ns, session)
    from core.present.train_text import train_lines

    for line in train_lines(session, ns.log_every, seed_given=ns.seed is not None,
                            as_json=ns.json):
        print(line.text, file=sys.stderr if line.err else sys.stdout)
    _spare_the_exit()
    return EXIT_DIVERGED if session.diverged else 0


def _train_compared(ns: argparse.Namespace, session) -> int:
    """`train --compare "OPTIONS"`: run B beside the session, both logged side by side."""
    from core import open_compare
    from core.present.compare_text import compare_lines

    pair = open_compare(session, compare_given(ns.compare), ns.compare)
    for line in compare_lines(pair, ns.log_every, seed_given=ns.seed is not None,
                              as_json=ns.json):
        print(line.text, file=sys.stderr if line.err else sys.stdout)
    _spare_the_exit()
    return EXIT_DIVERGED if pair.a.diverged or pair.b.diverged else 0


def _spare_the_exit() -> None:
    """At exit, Python's collector walks every object still alive: after pandas, hundreds of
    thousands (a third of a second here). Nothing a finished `backprop train` holds needs
    collecting, so they are frozen out of that walk; only in the process the command
    started, never in a program that calls train() itself."""
    if sys.argv[1:2] == ["train"]:
        gc.freeze()


if __name__ == "__main__":
    raise SystemExit(main())
