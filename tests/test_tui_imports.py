"""Start-up rests on import discipline: the first frame is drawn before NumPy, pandas and the
core are loaded (they arrive in a worker thread afterwards)."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_app_module_loads_without_numpy_or_pandas() -> None:
    """The core's lazy API and its NumPy-free names and config are all the app needs to
    start; what computes arrives with the session."""
    mods = loaded_after("import tui.cli, tui.app\nfrom tui.app import BackpropApp\nBackpropApp()")
    assert "textual" in mods and "core.names" in mods
    assert not {"numpy", "pandas", "core.session", "core.views", "core.io"} & mods


def test_the_core_never_loads_textual_or_rich() -> None:
    mods = loaded_after("import core\ncore.open_session(core.Config(preset='notebook', seed=1))")
    assert "numpy" in mods
    assert not {"textual", "rich", "pandas"} & mods
