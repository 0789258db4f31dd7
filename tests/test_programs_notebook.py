"""The notebook (core/programs/notebook.py): valid nbformat 4, a markdown cell before each
code cell, and its cells, run in order, print what `backprop train` prints."""

from __future__ import annotations

import json
import shlex

import pytest

from core import code_text
from core.files.sessionfile import load_session
from tests.programs_helpers import (
    CIRCLE,
    SINE,
    SPIRAL3,
    XOR,
    continued,
    edited_session,
    run_cells,
    run_main,
    saved,
    train,
)


@pytest.mark.parametrize("opts", ["--preset notebook", XOR, SINE, CIRCLE, SPIRAL3])
def test_notebook_is_valid_and_its_cells_print_what_train_prints(opts, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    path = tmp_path / "n.ipynb"
    assert run_main("code", *shlex.split(opts), "--format", "notebook", "-o", str(path))[0] == 0
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(md) >= 3 and code and not any(c.get("outputs") for c in code)
    intro = md[0].source
    for label in ("Data", "Network", "Loss", "Optimiser", "Seed"):
        assert f"**{label}**" in intro
    assert "Forward pass" in intro and "delta" in intro
    assert run_cells([c.source for c in code]) == train(opts)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_an_edited_session_as_a_notebook_continues_it(optimizer, tmp_path):
    s = edited_session(optimizer)
    want_text, _ = continued(load_session(saved(s, tmp_path)))
    nb = json.loads(code_text(s, "notebook"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert run_cells(cells) == want_text
