"""Every option, declared once. From this table come:

- the argparse options of `backprop`, `backprop train` and `backprop serve` (`add_options`);
- the settings form's fields (`form_options`);
- the command line serve gives the app it starts per tab (`child_args`);
- the model options `--resume` ignores, because the file decides the model (`given_model`);
- the options section of the help screen (`help_text`);
- the `Config` a command line asks for (`config_from`), or a lesson's `setup` line
  (`config_from_setup`: the model options, parsed exactly as the command line parses them).

No Textual and no NumPy: the command line is read before either is loaded. The choices and
limits come from `core.names`; the parsers are public and raise `OptionError` (a
`ValueError`) with a message a student can act on, which argparse and the form both show.
"""

from __future__ import annotations

import argparse
import shlex
import textwrap
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from core import names

Parser = Callable[[str], Any]


class OptionError(ValueError):
    """A value that does not parse; the message says what was expected."""


# ---------------------------------------------------------------------------- parsers

def parse_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise OptionError(f"expected a number, not {text!r}") from None


def parse_int(text: str) -> int:
    """A whole number; `1e3` and `10_000` are accepted, `2.5` is not."""
    try:
        value = float(text.replace("_", ""))
        if value != int(value):
            raise ValueError
        return int(value) if abs(value) < 2**63 else int(text)
    except (ValueError, OverflowError):
        raise OptionError(f"expected a whole number, not {text!r}") from None


def int_in(low: int, high: int | None = None, what: str = "") -> Parser:
    """A whole number from `low` (to `high`): a parser that says the range when it refuses."""
    def parse(text: str) -> int:
        value = parse_int(text)
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise OptionError(f"must be {bound} (got {value}){what}")
        return value

    parse.__name__ = "int"
    return parse


def parse_int_list(text: str) -> tuple[int, ...]:
    """Layer sizes: `4` or `8,8`; `0` alone is no hidden layer (Config makes it `()`)."""
    try:
        values = tuple(int(p) for p in text.replace(" ", "").split(",") if p != "")
    except ValueError:
        raise OptionError(f"expected whole numbers like 4 or 4,3, not {text!r}") from None
    if not values:
        raise OptionError("expected at least one layer size, e.g. 2")
    return values


def parse_names(text: str) -> tuple[str, ...] | None:
    """Column names separated by commas; blank means none."""
    found = tuple(p.strip() for p in text.split(",") if p.strip())
    return found or None


def parse_columns(text: str) -> tuple[str, ...]:
    """CSV columns for --features and --drop: names or positions (`a,b` or `0,-1`)."""
    found = parse_names(text)
    if found is None:
        raise OptionError("expected column names or positions, e.g. a,b or 0,2")
    return found


def parse_inputs(text: str) -> tuple[str, ...]:
    """The network's inputs, `x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)`: spaces ignored, and
    x1² or x1**2 read as x1^2."""
    found = tuple(p for p in (q.strip().lower().replace(" ", "").replace("²", "^2")
                              .replace("**2", "^2") for q in text.split(",")) if p)
    if not found:
        raise OptionError(f"expected inputs such as x1,x2,x1^2 (from {','.join(names.INPUTS)})")
    return found


def parse_sep(text: str) -> str:
    """A field separator; a tab may be typed as `\\t` or `tab`, as a shell makes it hard to
    type one."""
    return "\t" if text in ("\\t", "tab", "TAB") else text


def parse_text(text: str) -> str:
    return text.strip()


def parse_compare(text: str) -> str:
    """`--compare "--lr 1.0"`: the model options run B changes, as one piece of text, checked
    here against the table (their values against the core when run B opens)."""
    compare_given(text)
    return text.strip()


class _CompareParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise OptionError(message)


def compare_given(text: str) -> dict[str, Any]:
    """The Config fields `--compare`'s text sets, parsed with the model options' own table."""
    import shlex

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise OptionError(f"cannot read {text!r}: {exc}") from None
    if not words:
        raise OptionError("give the options run B changes, e.g. --compare \"--lr 1.0\"")
    parser = _CompareParser(prog="--compare", add_help=False)
    models = [o for o in OPTIONS if o.model]
    for o in models:
        if o.switch:
            parser.add_argument(o.flag, dest=o.name, action="store_true", default=None)
            continue
        kw: dict[str, Any] = {"dest": o.name, "default": None}
        if o.choices:
            kw["choices"] = o.choices
        if o.parse is not None:
            kw["type"] = _for_argparse(o.parse)
        if o.repeat:
            kw["action"] = "append"
        parser.add_argument(o.flag, **kw)
    try:
        ns, extra = parser.parse_known_args(words)
    except OptionError as exc:
        raise OptionError(f"in {text!r}: {exc}") from None
    if extra:
        raise OptionError(f"in {text!r}: {' '.join(extra)} is not a model option (run B "
                          "changes options such as --lr 1.0 or --activation relu)")
    given = {o.name: getattr(ns, o.name) for o in models if getattr(ns, o.name) is not None}
    return {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}


def compare_text(given: dict[str, Any]) -> str:
    """Config fields as `--compare`'s text gives them: `--lr 1.0 --activation relu`, in the
    table's order (what `compare_given` reads back)."""
    import shlex

    words: list[str] = []
    for o in OPTIONS:
        if o.name not in given:
            continue
        value = given[o.name]
        if o.switch:
            words += [o.flag] if value else []
        elif o.repeat:
            for v in value or ():
                words += [o.flag, shlex.quote(_arg(v))]
        elif value is not None:
            words += [o.flag, shlex.quote(_arg(value))]
    return " ".join(words)


def optional(parse: Parser) -> Parser:
    """Blank means "the default" (None); anything else must parse."""
    return lambda text: None if not text.strip() else parse(text.strip())


def _for_argparse(parse: Parser) -> Parser:
    """argparse shows an ArgumentTypeError's own message, so ours reach the user whole."""
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


# ---------------------------------------------------------------------------- the table

APP, TRAIN, SERVE, CODE, GRAPH = "backprop", "train", "serve", "code", "graph"
LESSON = "lesson"
SETUP = "setup"  # a lesson file's `setup` line: the model options alone
MODEL_COMMANDS = (APP, TRAIN, SERVE, CODE, GRAPH, SETUP)
# Groups of options that describe the model (data, network, training): a Config's fields.
MODEL_GROUPS = ("data", "model", "training")


class Option(NamedTuple):
    """One option: how the command line spells and parses it, and how the form shows it."""

    name: str  # the namespace attribute; for model options, the Config field
    flag: str  # as typed, with its dashes
    help: str
    group: str  # "data", "model", "training" (the model); else the command's own
    commands: tuple[str, ...] = MODEL_COMMANDS
    parse: Parser | None = None  # None: a word from `choices`, or plain text
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    repeat: bool = False  # may be given more than once; the values are collected
    switch: bool = False  # takes no value: present or not
    short: str = ""  # a one-letter spelling too: "-o"
    required: bool = False
    default: Any = None
    form: str = ""  # the settings form's label; "" keeps it out of the form
    form_parse: Parser | None = None  # the form's parser when it differs (blank allowed)
    hint: str = ""  # beside the form field
    values: str = ""  # how the help names the values, when the metavar says too little
    # The form's choices when the command line's differ: first the one meaning "not given"
    # (`detected`, `no`), then the values themselves.
    form_choices: tuple[str, ...] | None = None
    positional: bool = False  # given without a flag (`backprop lesson NAME`); may be left out

    @property
    def model(self) -> bool:
        return self.group in MODEL_GROUPS

    @property
    def spelling(self) -> str:
        """How the help names the values: `linear|sigmoid|…`, `N,N…`, `FILE.csv`."""
        if self.switch:
            return ""
        if self.values:
            return self.values
        if self.choices:
            return "|".join(self.choices)
        return self.metavar or self.name.upper()

    def parse_form(self, text: str) -> Any:
        """A form field's text as a value (a choice field's text is its value)."""
        if self.form_choices is not None:
            if self.switch:
                return text != self.form_choices[0]
            return None if text == self.form_choices[0] else text
        parse = self.form_parse or self.parse
        return text if parse is None else parse(text)

    @property
    def choice_list(self) -> tuple[str, ...] | None:
        """What the form cycles through, if it shows this option as a choice."""
        return self.form_choices or self.choices

    def show_form(self, value: object) -> str:
        """A Config value as the form shows it (and reads back with `parse_form`)."""
        if self.form_choices is not None:
            return self.form_choices[0] if value is None or value is False else \
                self.form_choices[-1] if value is True else str(value)
        return form_text(value)


_ACTS = names.ACTIVATIONS

OPTIONS: tuple[Option, ...] = (
    # the model, in the settings form's order (argparse groups them by `group`)
    Option("preset", "--preset", "the notebook's data, printed initial weights, lr 0.1, "
           "1000 epochs", "data", choices=names.PRESETS),
    Option("data", "--data", f"{', '.join(names.DATASETS)} (default notebook), or a CSV path",
           "data", parse=parse_text, metavar="NAME|FILE.csv", form="dataset",
           hint="a built-in name or a CSV path", values="|".join((*names.DATASETS, "FILE.csv"))),
    Option("targets", "--target", "target column of a CSV, a name or a position (0 first, "
           "-1 last; repeatable; default: the last column)", "data", metavar="COL",
           repeat=True, form="target columns", form_parse=parse_names,
           hint="CSV only; blank: last"),
    Option("normalize", "--normalize", "per-column scaling (default: the dataset's, below)",
           "data", choices=names.NORMALIZERS, form="normalisation"),
    Option("hidden", "--hidden", "hidden layer sizes (default: the dataset's, below); 0: no "
           "hidden layer (linear, logistic or softmax regression)", "model",
           parse=parse_int_list, metavar="N,N…", form="hidden layers",
           hint="e.g. 2 or 8,8; 0: none"),
    Option("activation", "--activation", "hidden-layer activation (default: the dataset's)",
           "model",
           choices=_ACTS, form="activation"),
    Option("output_activation", "--output-activation", "output activation (default: what "
           "the loss needs, sigmoid for bce and softmax for ce, else the dataset's)", "model",
           choices=names.OUTPUT_ACTIVATIONS, form="output activation"),
    Option("loss", "--loss", "mse, bce (two classes) or ce (classes, softmax); default: the "
           "dataset's",
           "model", choices=names.LOSSES, form="loss"),
    Option("init", "--init", "weight init (uniform U[0,1) like the notebook, xavier, he; "
           "default: the dataset's)",
           "model", choices=names.INITS, form="init"),
    Option("weights", "--weights", "explicit starting parameters", "model",
           parse=parse_text, metavar="FILE.json"),
    Option("optimizer", "--optimizer", "gd (full batch), sgd, momentum, adam (default: the "
           "dataset's)",
           "training", choices=names.OPTIMIZERS, form="optimiser"),
    Option("batch_size", "--batch-size", "rows per update for sgd/momentum/adam (sgd default "
           "1)", "training", parse=parse_int, metavar="K", form="batch size",
           form_parse=optional(parse_int), hint="blank: default"),
    Option("lr", "--lr", "learning rate (default: the dataset's, below)", "training",
           parse=parse_float,
           metavar="LR", form="learning rate", hint="changes live alone"),
    Option("seed", "--seed", "random seed (default: a fresh one, shown)", "model",
           parse=parse_int, metavar="N", form="seed"),
    Option("test_fraction", "--test-fraction", "hold out this share of rows as a test set "
           "(default 0)", "data", parse=parse_float, metavar="F", form="test fraction",
           hint="0 to 0.9"),
    Option("l2", "--l2", "L2 penalty on weights (default 0)", "training", parse=parse_float,
           metavar="λ", form="L2 penalty λ"),
    Option("noise", "--noise", "noise of generated datasets (default 0.1)", "data",
           parse=parse_float, metavar="X", form="noise", hint="generated data"),
    Option("features", "--features", "use only these CSV columns as features (names or "
           "positions)", "data", parse=parse_columns, metavar="COL,…", form="feature columns",
           form_parse=optional(parse_columns), hint="CSV only; blank: all"),
    Option("drop", "--drop", "leave these CSV columns out (names or positions)", "data",
           parse=parse_columns, metavar="COL,…", form="dropped columns",
           form_parse=optional(parse_columns), hint="CSV only"),
    Option("sep", "--sep", "a CSV's field separator, e.g. ';' or \\t (default: detected: , ; "
           "tab or |)", "data", parse=parse_sep, metavar="SEP", form="separator",
           form_parse=optional(parse_sep), hint="CSV only; blank: detected"),
    Option("decimal", "--decimal", "a CSV's decimal mark (default: detected; , for 0,75)",
           "data", choices=names.DECIMALS, form="decimal mark",
           form_choices=("detected", *names.DECIMALS)),
    Option("no_header", "--no-header", "the CSV's first line is data; columns are named by "
           "position 0, 1, …", "data", switch=True, form="no header row",
           form_choices=("no", "yes")),
    Option("skip_rows", "--skip-rows", "skip N lines of the CSV before the header (or the "
           "data, with --no-header)", "data", parse=parse_int, metavar="N",
           form="skip lines", form_parse=optional(parse_int), hint="CSV only"),
    Option("lr_schedule", "--lr-schedule", "the lr per epoch: step:EVERY:GAMMA (×GAMMA every "
           "EVERY epochs), exp:GAMMA (×GAMMA each epoch) or cosine:T (to 0 over T epochs), as "
           "torch's StepLR, ExponentialLR, CosineAnnealingLR", "training", parse=parse_text,
           metavar="SCHEDULE", form="lr schedule", form_parse=optional(parse_text),
           hint="blank: none; e.g. step:100:0.5", values="step:N:G|exp:G|cosine:T"),
    Option("l1", "--l1", "L1 penalty λ·Σ|W| on weights (default 0)", "training",
           parse=parse_float, metavar="λ", form="L1 penalty λ"),
    Option("inputs", "--inputs", "the network's inputs from two features, as Playground's "
           f"crosses: any of {','.join(names.INPUTS)} (default x1,x2)", "model",
           parse=parse_inputs, metavar="x1,x2,…", form="inputs",
           form_parse=optional(parse_inputs), hint="2 features; e.g. x1,x2,x1^2,x2^2"),
    Option("missing", "--missing", "a CSV's empty cells: drop leaves those rows out; mean, "
           "median or zero fill a feature's gaps (from the training rows); rows without a "
           "target are left out (default: stop at the first gap)", "data",
           choices=names.MISSING, form="missing values",
           form_choices=("stop", *names.MISSING)),
    Option("epochs", "--epochs", "epochs to train (default: the dataset's, below); in the "
           "stepper, what r runs (default 100)", "training",
           commands=(APP, TRAIN, SERVE, CODE, SETUP), parse=parse_int, metavar="N"),
    # a second run beside the first
    Option("compare", "--compare", "a second run, B: these options changed (quoted), the "
           "same seed, data and (where the layers match) starting weights", "compare",
           commands=(APP, TRAIN, SERVE, CODE, GRAPH), parse=parse_compare,
           metavar='"OPTIONS"'),
    Option("run", "--run", "which run of a --compare (or of a two-run session file) to "
           "write or draw: A (default) or B", "compare", commands=(CODE, GRAPH),
           choices=("A", "B"),
           default="A"),
    # the stepper (and the app serve starts)
    Option("fps", "--fps", "screen updates per second (default 30; 15 over SSH)", "screen",
           commands=(APP, SERVE, LESSON), parse=int_in(1), metavar="N"),
    Option("lesson", "--lesson", "open the stepper with a lesson: a built-in one's name (see "
           "backprop lesson --list) or a lesson file; its setup decides the model", "lesson",
           commands=(APP, SERVE), parse=parse_text, metavar="NAME|FILE.toml"),
    Option("resume", "--resume", "reopen a saved session file (code: write its program; "
           "graph: draw it where it stopped)", "session", commands=(APP, CODE, GRAPH),
           parse=parse_text, metavar="FILE"),
    Option("save_to", "--save-to", "where w saves the session (default: "
           "backprop-session-<YYYYmmdd-HHMMSS>.json in this folder)", "session",
           commands=(APP, LESSON), parse=parse_text, metavar="FILE.json"),
    # backprop lesson
    Option("name", "NAME", "a built-in lesson's name or a lesson file (.toml) to open in the "
           "stepper", "lesson", commands=(LESSON,), parse=parse_text,
           metavar="NAME|FILE.toml", positional=True),
    Option("list", "--list", "list the built-in lessons, name and title, one per line",
           "lesson", commands=(LESSON,), switch=True, default=False),
    Option("check", "--check", "check a lesson without running it: `ok: N steps`, or one "
           "error line per problem (exit 2)", "lesson", commands=(LESSON,), parse=parse_text,
           metavar="NAME|FILE"),
    # backprop train
    Option("log_every", "--log-every", "print the loss every N epochs (0 = silent; default "
           "100)", "output", commands=(TRAIN, CODE), parse=int_in(0, what=" (0 is silent)"),
           metavar="N", default=100),
    Option("json", "--json", "print one JSON object instead", "output", commands=(TRAIN,),
           switch=True, default=False),
    # backprop code
    Option("format", "--format", "numpy (a .py in the notebook's style), notebook (.ipynb) or "
           "torch", "program", commands=(CODE,), choices=names.CODE_FORMATS, required=True),
    Option("output", "--output", "where to write it; - for stdout (default: "
           "backprop-<format>-<YYYYmmdd-HHMMSS>.py/.ipynb in this folder)", "program",
           commands=(CODE,), parse=parse_text, metavar="FILE", short="-o"),
    Option("force", "--force", "replace FILE if it exists", "program",
           commands=(CODE, GRAPH), switch=True, default=False),
    # backprop graph
    Option("row", "--row", "which row of the data, numbered as the dataset pane numbers "
           "them (default 0)", "graph", commands=(GRAPH,), parse=int_in(0), metavar="N",
           default=0),
    Option("graph_format", "--format", "text (default: for a terminal or a slide), json, or "
           "dot (Graphviz source, as micrograd's draw_dot)", "graph", commands=(GRAPH,),
           choices=names.GRAPH_FORMATS, default="text"),
    Option("focus", "--focus", "keep only the nodes on the paths from this node to J, e.g. "
           "W1[0,1]", "graph", commands=(GRAPH,), parse=parse_text, metavar="NODE"),
    Option("graph_output", "--output", "write to FILE instead of the terminal (- is the "
           "terminal, the default)", "graph", commands=(GRAPH,), parse=parse_text,
           metavar="FILE", short="-o"),
    # backprop serve
    Option("host", "--host", "address to bind (default 127.0.0.1, this machine only)",
           "server", commands=(SERVE,), parse=parse_text, metavar="HOST",
           default="127.0.0.1"),
    Option("port", "--port", "port (default 8000)", "server", commands=(SERVE,),
           parse=int_in(1, 65535, "; the default is 8000"), metavar="PORT", default=8000),
)

GROUP_TITLES = {"data": "data", "model": "model", "training": "training",
                "compare": "two runs", "screen": "screen", "session": "session files",
                "output": "output", "program": "program", "graph": "graph", "server": "server",
                "lesson": "lesson"}


def options_of(command: str) -> tuple[Option, ...]:
    return tuple(o for o in OPTIONS if command in o.commands)


# ---------------------------------------------------------------------------- argparse

def add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Every option of `command`, in argument groups by kind."""
    groups: dict[str, Any] = {}
    for o in options_of(command):
        if o.group not in groups:
            groups[o.group] = parser.add_argument_group(GROUP_TITLES.get(o.group, o.group))
        g = groups[o.group]
        if o.positional:
            g.add_argument(o.name, nargs="?", default=o.default, help=o.help,
                           metavar=o.metavar, type=_for_argparse(o.parse or parse_text))
            continue
        flags = (o.short, o.flag) if o.short else (o.flag,)
        if o.switch:  # a model switch defaults to None: not given, as the others
            g.add_argument(*flags, dest=o.name, action="store_true", default=o.default,
                           help=o.help)
            continue
        kw: dict[str, Any] = {"dest": o.name, "help": o.help, "default": o.default}
        if o.required:
            kw["required"] = True
        if o.choices:
            kw["choices"] = o.choices
        else:
            kw["metavar"] = o.metavar
        if o.parse is not None:
            kw["type"] = _for_argparse(o.parse)
        if o.repeat:
            kw["action"] = "append"
        g.add_argument(*flags, **kw)


def config_from(ns: argparse.Namespace):
    """The Config a parsed command line asks for: the model options that were given."""
    from core.config import Config

    fields = set(Config.field_names())
    given = {o.name: getattr(ns, o.name) for o in OPTIONS
             if o.model and o.name in fields and getattr(ns, o.name, None) is not None}
    for o in OPTIONS:
        if o.repeat and o.name in given:
            given[o.name] = tuple(given[o.name])
    return Config(**given)


class _SetupParser(argparse.ArgumentParser):
    """A lesson's setup: a bad option is an OptionError for the lesson's checker to report
    (with the file, the field), never an exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise OptionError(message)


def config_from_setup(setup: str, folder=None):
    """The Config a lesson's `setup` line asks for, read with the command line's own model
    options. A `--data` or `--weights` file is looked for beside the lesson (`folder`)
    first, so a lesson and its CSV travel together. OptionError names what is wrong."""
    from pathlib import Path

    try:
        args = shlex.split(setup)
    except ValueError as exc:
        raise OptionError(f"cannot read {setup!r}: {exc}") from None
    parser = _SetupParser(prog="setup", add_help=False, allow_abbrev=False)
    add_options(parser, SETUP)
    ns = parser.parse_args(args)
    for name in ("data", "weights"):
        value = getattr(ns, name, None)
        if value and folder is not None and not Path(value).is_absolute() and \
                (name == "weights" or value not in names.DATASETS) and \
                (Path(folder) / value).exists():
            setattr(ns, name, str(Path(folder) / value))
    return config_from(ns)


def use_config(ns: argparse.Namespace, config) -> None:
    """Set the model options of `ns` to a Config's values, so that `config_from(ns)` gives
    that Config back (a lesson's setup, opened as if typed on the command line)."""
    for o in OPTIONS:
        if o.model and hasattr(config, o.name):
            setattr(ns, o.name, getattr(config, o.name))


def given_model(ns: argparse.Namespace) -> list[str]:
    """The flags of the model options given (and --compare): what `--resume` ignores (the
    file decides)."""
    return [o.flag for o in OPTIONS if (o.model or o.name == "compare")
            and getattr(ns, o.name, None) is not None]


def child_args(ns: argparse.Namespace, parent: str = SERVE, child: str = APP) -> list[str]:
    """`parent`'s options that `child` also takes, as given, for the command line of the
    app `parent` starts (serve starts one stepper per browser tab)."""
    args: list[str] = []
    for o in OPTIONS:
        if parent not in o.commands or child not in o.commands:
            continue
        value = getattr(ns, o.name, None)
        if value is None or value is False:
            continue
        if o.switch:
            args.append(o.flag)
        elif o.repeat:
            args += [f"{o.flag}={_arg(v)}" for v in value]
        else:
            args.append(f"{o.flag}={_arg(value)}")
    return args


def _arg(value: Any) -> str:
    """A parsed value back as text that parses to the same value."""
    if isinstance(value, tuple | list):
        return ",".join(_arg(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ---------------------------------------------------------------------------- the form

def form_options() -> tuple[Option, ...]:
    """The model options the settings form shows, in the table's order."""
    return tuple(o for o in OPTIONS if o.form)


def form_text(value: object) -> str:
    """A Config value as the form shows it (and reads it back)."""
    if value is None:
        return ""
    if isinstance(value, tuple):  # the one empty tuple a Config holds: --hidden 0
        return ",".join(str(v) for v in value) or "0"
    return f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------- help

def datasets_help() -> str:
    """The epilog of --help: each built-in dataset's defaults, the values a flag not given
    takes (the notebook's are those of a CSV file too, but for xavier init)."""
    from core.config import defaults_for, said_defaults

    width = max(map(len, names.DATASETS))
    lines = ["built-in datasets (--data) and their defaults; a flag given overrides its own:"]
    width = max(width, len("FILE.csv"))
    for data in (*names.DATASETS, "csv"):
        name = "FILE.csv" if data == "csv" else data
        lines += textwrap.wrap(said_defaults(defaults_for(data)), 78,
                               initial_indent=f"  {name:<{width}}  ",
                               subsequent_indent=" " * (width + 4))
    return "\n".join(lines)


def help_text(width: int = 78) -> str:
    """The model options as the help screen lists them: `--flag VALUES`, filled to `width`."""
    items = [f"{o.flag} {o.spelling}".strip() for o in OPTIONS if o.model]
    return "\n".join(_fill(items, width - 1, "  "))


def _fill(items: Iterable[str], width: int, gap: str) -> list[str]:
    """Items on lines of at most `width`, never split (one too long stands alone)."""
    lines: list[str] = []
    line = ""
    for item in items:
        if line and len(line) + len(gap) + len(item) > width:
            lines.append(" " + line)
            line = ""
        line = f"{line}{gap}{item}" if line else item
    if line:
        lines.append(" " + line)
    return [textwrap.shorten(x, width + 1, placeholder="…") if len(x) > width + 1 else x
            for x in lines]
