"""Writing a program (core/programs/write.py and `backprop code`): atomic, never over a file
of the user's without --force, default names, stdout, and bad input as one line, exit 2."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from core import Config, UserError, default_code_name, export_code, open_session
from tests.programs_helpers import one_error, run_main


def test_export_code_writes_atomically_and_never_overwrites(tmp_path):
    s = open_session(Config(preset="notebook"))
    path = tmp_path / default_code_name("numpy", datetime.datetime(2026, 1, 2))
    assert path.name == "backprop-numpy-20260102-000000.py"
    assert export_code(s, "numpy", str(path)) == str(path)
    with pytest.raises(UserError, match="already exists"):
        export_code(s, "notebook", str(path))
    assert path.read_text().startswith('"""')
    export_code(s, "notebook", str(path), force=True)
    assert json.loads(path.read_text())["nbformat"] == 4
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize(("fmt", "suffix"), [("numpy", ".py"), ("notebook", ".ipynb"),
                                             ("torch", ".py")])
def test_default_name_in_this_folder_and_stdout(fmt, suffix, tmp_path):
    code, out, _ = run_main("code", "--preset", "notebook", "--format", fmt, cwd=tmp_path)
    assert code == 0
    name = out.strip()
    assert re.fullmatch(rf"backprop-{fmt}-\d{{8}}-\d{{6}}\{suffix}", name)
    assert (tmp_path / name).is_file()
    code, out, _ = run_main("code", "--preset", "notebook", "--format", fmt, "-o", "-")
    assert code == 0 and out == (tmp_path / name).read_text()


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    line = one_error(*run_main("code", "--preset", "notebook", "--format", "numpy", "-o",
                                str(tmp_path / "missing" / "s.py")))
    assert "no folder" in line
    line = one_error(*run_main("code", "--preset", "notebook", "--format", "matlab"))
    assert "matlab" in line
    one_error(*run_main("code", "--preset", "notebook"))  # --format is required
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "backprop-stepper-session", "version": 1, "config": 3}')
    assert "damaged" in one_error(*run_main("code", "--resume", str(damaged), "--format",
                                             "numpy", "-o", "-"))
    existing = tmp_path / "mine.py"
    existing.write_text("keep me\n")
    line = one_error(*run_main("code", "--preset", "notebook", "--format", "numpy", "-o",
                                str(existing)))
    assert "--force" in line and existing.read_text() == "keep me\n"
    code = run_main("code", "--preset", "notebook", "--format", "numpy", "-o",
                    str(existing), "--force")[0]
    assert code == 0 and existing.read_text().startswith('"""')
