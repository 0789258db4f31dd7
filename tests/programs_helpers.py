"""What the tests of the exported programs share: `backprop` run in this process, a program
run as a user runs it (its own process and folder), its final parameters read back, the
sessions the programs are tried on, and the session a program must continue.

The NumPy script and the notebook print the same bytes as `train` and end on bit-identical
parameters (held to 1e-12 relative); the torch script matches to 1e-9. torch is not a
dependency of the project: the torch tests run where a Python with torch is found (this
interpreter, or `BACKPROP_TORCH_PYTHON`), skip elsewhere, and fail under CI.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from core import Config, open_session
from core.files.sessionfile import save_session
from tests.conftest import fail_or_skip

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PREFIX = "backprop: error: "

XOR = ("--data xor --hidden 4 --activation tanh --output-activation sigmoid --loss bce "
       "--optimizer adam --lr 0.05 --epochs 300 --seed 3")
CIRCLE = ("--data circle --hidden 6 --activation relu --optimizer momentum --lr 0.1 --l2 0.01 "
          "--epochs 200 --seed 5 --test-fraction 0.2")
SINE = ("--data sine --hidden 8 --activation tanh --optimizer sgd --batch-size 2 --epochs 50 "
        "--seed 4")
SPIRAL3 = ("--data spiral3 --loss ce --optimizer momentum --hidden 10 --activation tanh "
           "--epochs 100 --seed 1")
CASES = [
    "--preset notebook",
    XOR,
    CIRCLE,
    SINE,
    "--data gauss --init he --optimizer adam --batch-size 16 --seed 2 --epochs 30 "
    "--test-fraction 0.3 --normalize zscore --hidden 4,3 --l2 0.001",
    "--data sine --init uniform --optimizer momentum --batch-size 7 --output-activation tanh "
    "--normalize minmax --seed 8 --epochs 40 --log-every 7",
    "--data notebook --hidden 3 --activation sigmoid --output-activation relu --seed 1 "
    "--epochs 60 --log-every 0",
    SPIRAL3,
    "--data spiral3 --seed 2 --epochs 30 --test-fraction 0.2 --optimizer adam --batch-size 32 "
    "--normalize zscore",
]


def run_main(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """`backprop ARGS` in this process: exit code, stdout, stderr."""
    from tui.cli import main

    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def train(opts: str, *extra: str) -> str:
    code, out, err = run_main("train", *shlex.split(opts), *extra)
    assert code == 0, err
    return out


def run_script(path: Path, python: str = sys.executable) -> str:
    """Run a generated program as a user would: its own process, its own folder, isolated
    from this checkout (it must need nothing of the project)."""
    proc = subprocess.run([python, "-I", path.name], cwd=path.parent, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def final_params(path: Path) -> dict[str, np.ndarray]:
    """The script's W1, b1, … after it ran, read by running it once more with a line added."""
    extra = "\nimport json as _json\nprint('PARAMS' + _json.dumps({k: v.tolist() for k, v in " \
            "globals().items() if re.fullmatch(r'[Wb][0-9]+', k)}))\n"
    probe = path.with_name("probe_" + path.name)
    probe.write_text(path.read_text() + "\nimport re" + extra)
    out = run_script(probe)
    return {k: np.array(v) for k, v in json.loads(out.rsplit("PARAMS", 1)[1]).items()}


def json_params(opts: str) -> dict[str, np.ndarray]:
    doc = json.loads(train(opts, "--json"))
    out = {}
    for k, layer in enumerate(doc["layers"], start=1):
        out[f"W{k}"] = np.array(layer["weights"])
        out[f"b{k}"] = np.array(layer["bias"]).reshape(1, -1)
    return out


def assert_same_params(got: dict, want: dict, rtol: float) -> None:
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=rtol, atol=0, err_msg=k)


def assert_continues_the_session(text: str, session, tmp_path) -> None:
    """The program prints and ends on what the session does when it trains on from where
    it is (a separate computation: parameters to a relative 1e-12)."""
    path = tmp_path / "s.py"
    path.write_text(text)
    want_text, want_params = continued(session)
    assert run_script(path) == want_text
    assert_same_params(final_params(path), want_params, 1e-12)


def continued(session) -> tuple[str, dict]:
    """What a session prints and ends on when it trains its configured epochs from where it
    is, printed as `train` prints."""
    from core.present.train_text import final_text, log_line

    e0, b0 = session.epoch, session.batch
    session.undo_budget = 0
    session.run(session.config.epochs)
    lines = [log_line(session, e) for e in range(e0 + (1 if b0 else 0), session.epoch)
             if e % 100 == 0]
    text = "".join(f"{line}\n" for line in lines) + final_text(session) + "\n"
    params = {}
    for k, (W, b) in enumerate(zip(session.net.W, session.net.b, strict=True), start=1):
        params[f"W{k}"], params[f"b{k}"] = np.array(W), np.array(b)
    return text, params


def saved(session, folder: Path) -> str:
    path = folder / "edited.json"
    save_session(session, str(path))
    return str(path)


def edited_session(optimizer: str):
    """A circle session changed by hand mid-run (a bias edited) and stopped mid-epoch: its
    program must carry the optimiser's state, the shuffle and the generator over."""
    s = open_session(Config(data="circle", optimizer=optimizer, batch_size=16, seed=5,
                            epochs=20, l2=0.01, lr=0.05))
    s.run(2)
    s.set_param(1, "b", 0, 0, -0.3)
    s.step_update()
    return s


def one_error(code: int, out: str, err: str) -> str:
    """The one `backprop: error: …` line of a refused command (exit 2, nothing on stdout)."""
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    return lines[0]


def torch_python() -> str | None:
    """A Python that has torch: `BACKPROP_TORCH_PYTHON`, or this one."""
    given_python = os.environ.get("BACKPROP_TORCH_PYTHON")
    if given_python and shutil.which(given_python):
        return given_python
    return sys.executable if importlib.util.find_spec("torch") else None


def require_torch() -> str:
    """A Python with torch, the oracle outside NumPy: without one, skip here, fail under CI."""
    python = torch_python()
    if python is None:
        fail_or_skip("no Python with torch here (set BACKPROP_TORCH_PYTHON to one, or "
                     "pip install torch==2.13.0)")
    assert python is not None
    return python


def run_cells(cells: list[str]) -> str:
    """What a notebook's code cells print when run in order in one namespace."""
    buf, ns = io.StringIO(), {"__name__": "__main__"}
    with contextlib.redirect_stdout(buf):
        for source in cells:
            exec(compile(source, "<cell>", "exec"), ns)
    return buf.getvalue()
