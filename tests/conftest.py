"""Shared fixtures. Hypothesis runs a modest, derandomised number of examples so CI is
repeatable on a 2-core machine.

The suite tests the app, not the shell it is run from: the variables that change what the app
draws (NO_COLOR, COLORTERM, TEXTUAL_*, an SSH session's, the terminal size ones) are cleared
and the locale pinned, for every test and every process a test starts; a test that needs one
sets it itself. The header names the BLAS kernel the numbers were computed with.
"""

import importlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
BACKPROP = [sys.executable, "-m", "tui.cli"]

settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Variables that change what the app or Textual/Rich draw, or how fast: colours, frame rate,
# driver, theme, animations; SSH's (the app caps its frame rate over SSH); COLUMNS/LINES
# (they override a terminal's real size in shutil.get_terminal_size).
CLEARED = ("NO_COLOR", "FORCE_COLOR", "COLORTERM", "CLICOLOR", "CLICOLOR_FORCE",
           "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "ESCDELAY",
           "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "LANGUAGE")
CLEARED_PREFIXES = ("TEXTUAL_", "LC_")
KEPT = ("TEXTUAL_SNAPSHOT_",)  # pytest-textual-snapshot's own, set for this run
PINNED = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


def clean_environ(env=os.environ) -> None:
    """Remove the variables above from `env` and pin the locale (in place)."""
    for key in list(env):
        if (key in CLEARED or key.startswith(CLEARED_PREFIXES)) and not key.startswith(KEPT):
            del env[key]
    env.update(PINNED)


def ci() -> bool:
    """Under CI (CI=true, as .ci/run sets it) a missing tool is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def fail_or_skip(message: str):
    """A test that cannot run here: it fails under CI and skips elsewhere."""
    if ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# Cleaned now, before any test module is imported. Textual was imported already (the snapshot
# plugin loads it), and it reads its TEXTUAL_* settings once, at import: read them again.
clean_environ()
if "textual.constants" in sys.modules:
    _constants = importlib.reload(sys.modules["textual.constants"])
    if "textual.screen" in sys.modules:
        sys.modules["textual.screen"].UPDATE_PERIOD = 1 / _constants.MAX_FPS


@pytest.fixture(autouse=True)
def _clean_environment():
    """Each test starts from the clean environment, whatever an earlier one left."""
    saved = dict(os.environ)
    clean_environ()
    yield
    os.environ.clear()
    os.environ.update(saved)


def _written_here() -> set[str]:
    """Files the app writes into its working directory when a key asks (w, x, c, ctrl+s):
    `backprop-<kind>-<stamp>.<ext>`."""
    return {p.name for p in ROOT.glob("backprop-*-*.*")}


@pytest.fixture(autouse=True)
def _nothing_left_in_the_project(request):
    """A test that makes the app write a file works in its own folder (tmp_path): a file
    left in the project would be committed with it, so leaving one fails the test."""
    before = _written_here()
    yield
    left = _written_here() - before
    for name in left:
        (ROOT / name).unlink()
    if left:
        pytest.fail(f"{request.node.nodeid} left {sorted(left)} in the project: "
                    "monkeypatch.chdir(tmp_path) before the keys that write them",
                    pytrace=False)


def pytest_report_header(config):
    """The BLAS kernel NumPy runs on: float results of a matrix product can differ in the
    last bits between kernels (CPU, matrix shape), so a report names the one it ran on."""
    return blas_lines()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """`pytest -q` (as `make test` runs it) prints no header: name the kernel at the end."""
    if config.get_verbosity() < 0:
        for line in blas_lines():
            terminalreporter.write_line(line)


def blas_lines() -> list[str]:
    import numpy as np

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [f"numpy {np.__version__}, BLAS unknown (threadpoolctl is not installed)"]
    lines = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        lines.append(
            f"BLAS: {info.get('internal_api')} {info.get('version')}, "
            f"architecture {info.get('architecture', '?')}, "
            f"threading {info.get('threading_layer', '?')}, "
            f"{info.get('num_threads')} threads (numpy {np.__version__})")
    return lines or [f"numpy {np.__version__}, no BLAS library found by threadpoolctl"]


@pytest.fixture
def backprop_installed() -> None:
    """The real `backprop` command is needed: without it, fail under CI, else skip."""
    command = Path(sys.executable).with_name("backprop")
    if not command.exists():
        fail_or_skip(f"the backprop command is not installed beside {sys.executable} "
                     "(pip install -e .)")
