"""`backprop train` as a user runs it, in a subprocess: every bad input is one line on stderr
and exit 2, divergence is exit 3 with a hint, and `--json` output loads back with `--weights`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "backprop: error: "


def run_cli(*args: str, cwd: Path, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """`backprop train ARGS` with this interpreter; the timeout only guards against a hang."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": ""}
    return subprocess.run([sys.executable, "-m", "tui.cli", "train", *args], cwd=cwd, env=env,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)


def run_main(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The same command in this process (no interpreter start-up): `tui.cli.main`, with its
    stdout, stderr, exit code, and any Python warning as the line it would print on stderr."""
    import contextlib
    import io
    import warnings

    from tui.cli import main

    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                code = main(["train", *args])
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(here)
    stderr = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    return subprocess.CompletedProcess(args, code, out.getvalue(), stderr)


def no_nan(token: str):
    raise AssertionError(f"--json printed the non-JSON constant {token}")


def json_out(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout, parse_constant=no_nan)


GOOD = "a,b,c\n1,2,3\n4,5,6\n7,8,10\n"
NOTEBOOK_NET = {"layers": [{"weights": [[0.5, 0.4], [0.2, 0.4]], "bias": [0.1, 0.1]},
                           {"weights": [[0.6], [0.6]], "bias": [0.6]}]}

# name -> bytes written under that name in the working directory of every case
FILES: dict[str, bytes] = {
    "good.csv": GOOD.encode(),
    "empty.csv": b"",
    "header_only.csv": b"a,b,c\n",
    "one_row.csv": b"a,b,c\n1,2,3\n",
    "one_column.csv": b"a\n1\n2\n3\n",
    "blank_header.csv": b" , ,\n1,2,3\n4,5,6\n",
    "non_numeric.csv": b"a,b,c\n1,2,3\n4,five,6\n",
    "nan_cell.csv": b"a,b,c\n1,2,3\n4,NaN,6\n",
    "empty_cell.csv": b"a,b,c\n1,2,3\n4,,6\n",
    "inf_cell.csv": b"a,b,c\n1,2,3\n4,inf,6\n",
    "overflow_cell.csv": b"a,b,c\n1,2,3\n4,1e999,6\n",
    "duplicate.csv": b"a,b,a\n1,2,3\n4,5,6\n",
    "latin1.csv": "a,b,sc\u00f6re\n1,2,3\n4,5,6\n".encode("latin-1"),
    "utf16.csv": GOOD.encode("utf-16"),
    "ragged.csv": b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n",
    "open_quote.csv": b'a,b,"c\n1,2,3\n4,5,6\n',
    "long_header.csv": b"a,b," + b"c" * 200_000 + b"\n1,2,3\n4,5,6\n",
    "too_wide.csv": (",".join(f"c{i}" for i in range(1001)) + "\n"
                     + ",".join("1" * 1001) + "\n" + ",".join("2" * 1001) + "\n").encode(),
    "labels.csv": b"a,b,kind\n1,2,big\n2,1,small\n3,3,big\n",
    "three_labels.csv": b"a,b,kind\n1,2,big\n2,1,small\n3,3,mid\n",
    "far_targets.csv": b"a,b,t\n1,2,3\n2,1,5\n3,3,9\n",
    "no_header.csv": b"1,2,3\n4,5,6\n7,8,9\n",
    "meta_line.csv": b"3,2,no,yes\n1,2,0\n2,1,1\n3,3,0\n",
    "meta_short.csv": b"3,2,no\n1,2,0\n2,1,1\n3,3,0\n",
    "many_names.csv": ("a,name,y\n" + "".join(f"{i},n{i},{i}\n" for i in range(25))).encode(),
    "many_classes.csv": ("a,y\n" + "".join(f"{i},{i}\n" for i in range(60))).encode(),
    "bad.json": b'{"layers": [',
    "list.json": b"[1, 2, 3]",
    "shape.json": json.dumps({"layers": [{"weights": [[1, 2, 3]], "bias": [0, 0, 0]},
                                         {"weights": [[1]], "bias": [0]}]}).encode(),
    "layers3.json": json.dumps({"layers": NOTEBOOK_NET["layers"] * 2}).encode(),
    "no_bias.json": json.dumps({"layers": [{"weights": [[1, 2], [3, 4]]},
                                           {"weights": [[1], [1]], "bias": [0]}]}).encode(),
    "nan.json": json.dumps({"layers": [{"weights": [[float("nan"), 1], [1, 1]],
                                        "bias": [0, 0]}, NOTEBOOK_NET["layers"][1]]}).encode(),
    "null.json": json.dumps({"layers": [{"weights": [[None, 1], [1, 1]], "bias": [0, 0]},
                                        NOTEBOOK_NET["layers"][1]]}).encode(),
    "text.json": json.dumps({"layers": [{"weights": [["one", 1], [1, 1]], "bias": [0, 0]},
                                        NOTEBOOK_NET["layers"][1]]}).encode(),
    "huge_int.json": ('{"layers": [{"weights": [[1' + "0" * 400 + ', 1], [1, 1]], '
                      '"bias": [0, 0]}, {"weights": [[1], [1]], "bias": [0]}]}').encode(),
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "latin1.json": '{"layers": "\u00e9"}'.encode("latin-1"),
}
DIRS = ("folder.csv", "folder.json")

# (case id, arguments): each must exit 2 with one `backprop: error:` line and no traceback.
# The classes the issues name run as real subprocesses; the rest run `main()` in-process,
# the same code without paying for an interpreter and pandas start-up each.
REQUIRED: list[tuple[str, tuple[str, ...]]] = [
    ("missing-file", ("--data", "missing.csv")),
    ("empty-0-byte-file", ("--data", "empty.csv")),
    ("header-only", ("--data", "header_only.csv")),
    ("single-row-with-zscore", ("--data", "one_row.csv", "--normalize", "zscore")),
    ("non-numeric-cell", ("--data", "non_numeric.csv")),
    ("nan-cell", ("--data", "nan_cell.csv")),
    ("inf-cell", ("--data", "inf_cell.csv")),
    ("duplicate-column-names", ("--data", "duplicate.csv")),
    ("non-utf8-file", ("--data", "latin1.csv")),
    ("directory-as-data", ("--data", "folder.csv")),
    ("unknown-target", ("--data", "good.csv", "--target", "zz")),
    ("hidden-0-with-a-layer", ("--hidden", "0,2")),
    ("hidden-100000", ("--hidden", "100000")),
    ("lr-negative", ("--lr", "-1")),
    ("lr-nan", ("--lr", "nan")),
    ("lr-1e308", ("--lr", "1e308")),
    ("epochs-negative", ("--epochs", "-1")),
    ("epochs-10**12", ("--epochs", str(10**12))),
    ("batch-size-0", ("--optimizer", "sgd", "--batch-size", "0")),
    ("weights-invalid-json", ("--preset", "notebook", "--weights", "bad.json")),
    ("weights-wrong-shape", ("--preset", "notebook", "--weights", "shape.json")),
    ("weights-nan", ("--preset", "notebook", "--weights", "nan.json")),
    ("unknown-option", ("--frobnicate",)),
]
MORE: list[tuple[str, tuple[str, ...]]] = [
    ("single-column", ("--data", "one_column.csv")),
    ("blank-header", ("--data", "blank_header.csv")),
    ("empty-cell", ("--data", "empty_cell.csv")),
    ("overflowing-cell", ("--data", "overflow_cell.csv")),
    ("utf16-file", ("--data", "utf16.csv")),
    ("ragged-row", ("--data", "ragged.csv")),
    ("unterminated-quote", ("--data", "open_quote.csv")),
    ("header-field-over-csv-limit", ("--data", "long_header.csv")),
    ("over-column-limit", ("--data", "too_wide.csv")),
    ("unknown-builtin-name", ("--data", "nosuchset")),
    ("every-column-a-target", ("--data", "good.csv", "--target", "a", "--target", "b",
                               "--target", "c")),
    ("target-on-builtin", ("--data", "xor", "--target", "xor")),
    ("hidden-not-a-number", ("--hidden", "2,x")),
    ("too-many-parameters", ("--data", "good.csv", "--hidden", ",".join(["1024"] * 8))),
    ("preset-shape-mismatch", ("--preset", "notebook", "--hidden", "3")),
    ("lr-inf", ("--lr", "inf")),
    ("lr-not-a-number", ("--lr", "fast")),
    ("epochs-fraction", ("--epochs", "1.5")),
    ("batch-size-over-rows", ("--data", "good.csv", "--optimizer", "sgd", "--batch-size", "9")),
    ("batch-size-with-gd", ("--optimizer", "gd", "--batch-size", "2")),
    ("seed-negative", ("--seed", "-1")),
    ("seed-huge", ("--seed", str(10**30))),
    ("log-every-negative", ("--log-every", "-1")),
    ("test-fraction-0.95", ("--test-fraction", "0.95")),
    ("bce-without-sigmoid", ("--loss", "bce", "--output-activation", "linear")),
    ("ce-without-softmax", ("--loss", "ce", "--output-activation", "sigmoid")),
    ("softmax-without-ce", ("--output-activation", "softmax")),
    ("softmax-hidden", ("--activation", "softmax")),
    ("l2-negative", ("--l2", "-1")),
    ("unknown-choice", ("--optimizer", "rmsprop")),
    ("weights-missing", ("--preset", "notebook", "--weights", "missing.json")),
    ("weights-directory", ("--preset", "notebook", "--weights", "folder.json")),
    ("weights-empty-file", ("--preset", "notebook", "--weights", "empty.csv")),
    ("weights-not-an-object", ("--preset", "notebook", "--weights", "list.json")),
    ("weights-wrong-depth", ("--preset", "notebook", "--weights", "layers3.json")),
    ("weights-no-bias", ("--preset", "notebook", "--weights", "no_bias.json")),
    ("weights-null", ("--preset", "notebook", "--weights", "null.json")),
    ("weights-text", ("--preset", "notebook", "--weights", "text.json")),
    ("weights-int-beyond-float", ("--preset", "notebook", "--weights", "huge_int.json")),
    ("weights-nested-too-deep", ("--preset", "notebook", "--weights", "deep.json")),
    ("weights-non-utf8", ("--preset", "notebook", "--weights", "latin1.json")),
    # real-data layouts and classes that do not fit
    ("header-less-file", ("--data", "no_header.csv")),
    ("metadata-first-line", ("--data", "meta_line.csv")),
    ("metadata-first-line-shorter", ("--data", "meta_short.csv")),
    ("text-target-with-mse", ("--data", "labels.csv")),
    ("bce-three-labels", ("--data", "three_labels.csv", "--loss", "bce")),
    ("bce-targets-outside-0-1", ("--data", "far_targets.csv", "--loss", "bce",
                                 "--normalize", "none")),
    ("ce-60-classes", ("--data", "many_classes.csv", "--loss", "ce")),
    ("ce-two-targets", ("--data", "labels.csv", "--loss", "ce", "--target", "a",
                        "--target", "kind")),
    ("text-feature-25-values", ("--data", "many_names.csv")),
    ("target-position-out-of-range", ("--data", "good.csv", "--target", "7")),
    ("drop-the-target", ("--data", "good.csv", "--drop", "c")),
    ("features-unknown", ("--data", "good.csv", "--features", "a,zz")),
    ("sep-two-characters", ("--data", "good.csv", "--sep", ";;")),
    ("skip-every-row", ("--data", "good.csv", "--skip-rows", "9")),
    ("skip-rows-negative", ("--data", "good.csv", "--skip-rows", "-1")),
    ("sep-on-builtin", ("--data", "xor", "--sep", ";")),
    ("one-row-test-fraction", ("--data", "one_row.csv", "--test-fraction", "0.5")),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    for name, content in FILES.items():
        (d / name).write_bytes(content)
    for name in DIRS:
        (d / name).mkdir()
    return d


@pytest.fixture(scope="module")
def bad_runs(workdir) -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    """Every subprocess case, a few at a time: interpreter start-up dominates, not the work."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = pool.map(lambda args: run_cli(*args, cwd=workdir), [a for _, a in REQUIRED])
        return dict(zip([a for _, a in REQUIRED], procs, strict=True))


def assert_one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    message = lines[0][len(PREFIX):]
    assert message.strip(), "the message says what is wrong"
    assert len(message) < 400, "one readable line, not a dump of the input"
    return message


def test_matrix_is_large_enough():
    cases = REQUIRED + MORE
    assert len({args for _, args in cases}) == len({i for i, _ in cases}) == len(cases)
    assert len(REQUIRED) >= 20


@pytest.mark.parametrize("args", [a for _, a in REQUIRED], ids=[i for i, _ in REQUIRED])
def test_bad_input_is_one_line_and_exit_2(bad_runs, args):
    assert_one_line_error(bad_runs[args])


@pytest.mark.parametrize("args", [a for _, a in MORE], ids=[i for i, _ in MORE])
def test_more_bad_input_in_process(workdir, args):
    assert_one_line_error(run_main(*args, cwd=workdir))


def test_row_limit_is_a_message_not_a_memory_blow_up(tmp_path):
    from core.names import MAX_ROWS

    (tmp_path / "tall.csv").write_text("a,b\n" + "1,2\n" * (MAX_ROWS + 1))
    message = assert_one_line_error(run_main("--data", "tall.csv", cwd=tmp_path))
    assert f"{MAX_ROWS:,}" in message


@pytest.mark.parametrize("normalize", ["minmax", "zscore"])
def test_values_too_large_to_normalise(tmp_path, normalize):
    (tmp_path / "wide_range.csv").write_text("a,b\n1e308,1\n-1e308,2\n1e308,3\n")
    assert_one_line_error(run_main("--data", "wide_range.csv", "--normalize", normalize,
                                   cwd=tmp_path))


def test_rows_longer_than_header_are_an_error(tmp_path):
    (tmp_path / "shifted.csv").write_text("a,b\n1,2,3\n4,5,6\n7,8,9\n")
    assert_one_line_error(run_main("--data", "shifted.csv", cwd=tmp_path))


@pytest.mark.parametrize("args", [("--json",), ("--log-every", "1")], ids=["json", "log"])
def test_closed_stdout_is_a_quiet_success(tmp_path, args):
    """`backprop train | head`: the reader has what it wanted and closed the pipe. That is
    not an error: exit 0 and nothing on stderr (no traceback, no "Broken pipe" line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `| head` does once it has what it wants
    try:
        proc = run_cli("--preset", "notebook", *args, cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


# ------------------------------------------------------------------ divergence: exit 3

HUGE = "a,b\n" + "".join(f"{i}e154,{i}e154\n" for i in range(1, 5))

DIVERGING = {
    "gd": ("--preset", "notebook", "--lr", "50"),
    "sgd": ("--preset", "notebook", "--lr", "50", "--optimizer", "sgd"),
    "momentum": ("--preset", "notebook", "--lr", "50", "--optimizer", "momentum",
                 "--batch-size", "2"),
    # adam moves each parameter by at most lr per update, so with lr ≤ 1000 it does not reach
    # infinity on sane data (see test_robust_divergence); data whose squares overflow does.
    "adam": ("--data", "huge.csv", "--normalize", "none", "--lr", "1000", "--optimizer",
             "adam", "--seed", "3"),
}


def diverged_epoch(proc: subprocess.CompletedProcess) -> int:
    """Exit 3 and one line on stderr naming the epoch, with the hint to lower the lr (after
    the line naming the seed, for a run that drew one)."""
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("backprop: seed ")]
    found = re.search(r"diverged at epoch (\d+)", lines[0])
    assert len(lines) == 1 and found and "lower learning rate" in lines[0], proc.stderr
    return int(found.group(1))


@pytest.mark.parametrize("optimizer", list(DIVERGING))
def test_divergence_exits_3_with_epoch_and_hint(tmp_path, optimizer):
    (tmp_path / "huge.csv").write_text(HUGE)
    proc = run_cli(*DIVERGING[optimizer], "--json", cwd=tmp_path)
    doc = json_out(proc)  # refuses NaN and Infinity: the layers are the last finite ones
    assert doc["diverged_at"] == diverged_epoch(proc)
    assert doc["loss"] is None and doc["predictions"] is None
    assert None not in doc["history"], "every logged loss is a real number"


def test_divergence_log_shows_no_nan_and_no_predictions(tmp_path):
    proc = run_cli(*DIVERGING["gd"], "--log-every", "1", cwd=tmp_path)
    epoch = diverged_epoch(proc)
    logged = proc.stdout.splitlines()
    assert all(re.fullmatch(r"Epoch \d+, Loss: \d+\.\d{5}", line) for line in logged), logged
    assert len(logged) == epoch


# ------------------------------------------------------------------ --json round trip

ROUND_TRIP = {
    "notebook": ("--preset", "notebook"),
    "csv-4,3-tanh": ("--data", "good.csv", "--hidden", "4,3", "--activation", "tanh",
                     "--init", "xavier", "--seed", "7", "--lr", "0.05"),
}


@pytest.mark.parametrize("case", list(ROUND_TRIP))
def test_json_loads_back_with_weights_and_continues_identically(workdir, tmp_path, case):
    """gd has no optimiser state, so 10 epochs + (--weights, 5 epochs) == 15 epochs, bit for
    bit. (momentum and adam keep state that a weights file does not carry.)"""
    args = ROUND_TRIP[case]
    first = run_cli(*args, "--epochs", "10", "--json", cwd=workdir)
    assert first.returncode == 0, first.stderr
    (tmp_path / "after10.json").write_text(first.stdout)
    resumed = json_out(run_cli(*args, "--weights", str(tmp_path / "after10.json"),
                               "--epochs", "5", "--json", cwd=workdir))
    straight = json_out(run_cli(*args, "--epochs", "15", "--json", cwd=workdir))
    assert json_out(first)["history"] == straight["history"][:10]
    assert resumed["epoch"] == 5 and straight["epoch"] == 15
    for key in ("layers", "gradients", "loss", "objective", "predictions"):
        assert resumed[key] == straight[key], key
    assert resumed["history"] == straight["history"][10:]
