"""The core is UI-free, and cheap to import: no textual, no rich, and no pandas until a CSV."""

import subprocess
import sys

from tests.conftest import ROOT


def loaded_after(code: str) -> set[str]:
    code += "\nimport sys\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    return set(out.split())


def test_core_pulls_in_no_ui():
    mods = loaded_after("import core\nfrom core import Config, open_session, view\n"
                        "s = open_session(Config(preset='notebook')); s.run(3); view(s)")
    assert not {"textual", "rich"} & mods
    assert "pandas" not in mods  # built-in data needs no pandas


def test_the_check_itself_can_fail():
    assert "textual" in loaded_after("import textual.app")
