"""Embedding (core/programs/embed.py): a program prints with the core's own report and metrics
functions, copied with the helpers they call and with the module's constants as values."""

from __future__ import annotations

import inspect
import types

import numpy as np

from core.maths import metrics
from core.present import report
from core.programs.embed import metrics_sources, report_sources, source

MODULE = '''
"""A module of constants and a function that reads them (with non-ASCII text before one)."""

ROWS = 20
LABEL = "Σ rows"
FLAG = True


def shown(limit: int = ROWS, label=LABEL, on=FLAG):
    """«ROWS» stays in a docstring."""
    text = "ÿ" + f"{label}: {min(limit, ROWS)}"
    return text if on else ""
'''


def module_from(text: str, path) -> types.ModuleType:
    """A real module from `text` (inspect reads a function's source from its file)."""
    import importlib.util

    file = path / "consts.py"
    file.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("consts", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_constants_are_written_as_their_values(tmp_path):
    module = module_from(MODULE, tmp_path)
    copied = source(module, "shown")
    assert "def shown(limit: int = 20, label='Σ rows', on=FLAG):" in copied
    assert "min(limit, 20)" in copied and "«ROWS» stays in a docstring" in copied
    namespace: dict = {"FLAG": True}
    exec(copied, namespace)  # needs nothing of the module but what is not a constant
    assert namespace["shown"]() == module.shown() == "ÿΣ rows: 20"


def test_the_report_is_embedded_as_the_core_has_it(tmp_path):
    """The copies differ from the core's source only where PRINTED_ROWS is, and run alone."""
    text = report_sources(["final_report"])
    names = ["number", "text_table", "more_rows_line", "regression_table",
             "classification_table", "accuracy_line", "confusion_table", "final_report"]
    want = "\n\n".join(inspect.getsource(getattr(report, n)) for n in names)
    assert text == want.replace("PRINTED_ROWS", str(report.PRINTED_ROWS))
    namespace: dict = {"np": np}
    exec(text, namespace)
    args = (["y"], np.arange(30.0).reshape(-1, 1), np.arange(30.0).reshape(-1, 1))
    assert namespace["final_report"](*args) == report.final_report(*args)
    assert "the first 20 of 30 shown" in report.final_report(*args)


def test_metrics_are_embedded_with_what_they_call():
    text = metrics_sources(["predicted", "confusion"])
    namespace: dict = {"np": np}
    exec(text, namespace)
    p = np.array([[0.9], [0.2], [0.6]])
    assert [a.tolist() for a in namespace["predicted"](p)] == \
        [a.tolist() for a in metrics.predicted(p)]
