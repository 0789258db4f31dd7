# Two commands do everything: `make run` and `make test`. Both build .venv on first use
# and rebuild it whenever pyproject.toml changes or the venv no longer runs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ARGS   ?=

.PHONY: run test lint bench torch clean venv-ok

venv-ok:
	@$(PY) -c "import sys" 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

$(VENV)/.run-stamp: pyproject.toml | venv-ok
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[serve]'
	@touch $@

$(VENV)/.test-stamp: pyproject.toml | venv-ok
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,serve]'
	@touch $@ $(VENV)/.run-stamp

# Byte-compile our sources as pip does for an installed package: an editable install (and
# PYTHONDONTWRITEBYTECODE) would otherwise recompile them at every start, ~50 ms here.
run: venv-ok $(VENV)/.run-stamp
	@$(PY) -m compileall -q core tui
	$(VENV)/bin/backprop $(ARGS)

test: venv-ok $(VENV)/.test-stamp
	$(VENV)/bin/ruff check core tui tests bench
	@$(PY) -m compileall -q core tui
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: venv-ok $(VENV)/.test-stamp
	$(VENV)/bin/ruff check core tui tests bench

# CPU torch in .venv, for the tests that run the exported torch programs (torch is not a
# dependency of the project: without it those tests skip, and fail under CI=true). Pinned:
# 2.13.0's CPU build lies on this machine's disk, and a plain `pip install torch` downloads
# a CUDA build of several GB instead.
torch: venv-ok
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0

bench: venv-ok $(VENV)/.run-stamp
	$(PY) bench/core_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
