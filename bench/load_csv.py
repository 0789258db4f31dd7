"""Cost of loading a big numeric CSV: `backprop train --epochs 0` against a bare
`pandas.read_csv` of the same file.

Whole processes, as a person runs them, alternated so that a busy machine slows every side
alike, and medians compared:

  ours = T(backprop train --data big.csv --epochs 0) − T(backprop train --preset notebook
         --epochs 0): everything the CSV costs (importing pandas, sniffing, one read,
         checks, normalising, the session, the final table), less start-up and NumPy;
  bare = T(python -c "import numpy, pandas; pandas.read_csv(p)") − T(the same imports).

The figure is ours ÷ bare; goal ≤ 1.3. A second line splits ours into the pandas import
(T(import numpy, pandas) − T(import numpy)) and the rest, and `--stages` times each stage of
the load in this process (after a warm-up read).

    .venv/bin/python bench/load_csv.py [--rows 100000] [--cols 17] [--runs 7] [--stages]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"


def write_csv(path: str, rows: int, cols: int) -> None:
    """Random numbers rounded to 6 decimals, features f0… and a target y, as the check has."""
    import numpy as np
    import pandas as pd

    r = np.random.default_rng(0)
    names = [f"f{i}" for i in range(cols - 1)] + ["y"]
    pd.DataFrame(r.random((rows, cols)).round(6), columns=names).to_csv(path, index=False)


def run(argv: list[str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"failed: {' '.join(argv[:4])}: {done.stderr.strip()[-300:]}")
    return time.perf_counter() - t


def commands(path: str) -> dict[str, list[str]]:
    bp, py = str(BIN / "backprop"), sys.executable
    quiet = ["--epochs", "0", "--log-every", "0"]
    return {
        "ours": [bp, "train", "--data", path, "--target", "y", *quiet, "--seed", "1"],
        "ours0": [bp, "train", "--preset", "notebook", *quiet],
        "pd": [py, "-c", f"import numpy, pandas; pandas.read_csv({path!r})"],
        "pd0": [py, "-c", "import numpy, pandas"],
        "np0": [py, "-c", "import numpy"],
    }


def stages(path: str) -> None:
    """Each stage of the load in this process, pandas already imported and the file cached."""
    import pandas as pd

    from core import Config, open_session
    from core.csvfile import CsvOptions, sniff
    from tui.cli import _final_text

    pd.read_csv(path)  # warm: page cache, pandas' lazy imports
    marks = [("read_csv (bare)", lambda: pd.read_csv(path)),
             ("sniff", lambda: sniff(path, CsvOptions()))]
    for label, fn in marks:
        t = time.perf_counter()
        fn()
        print(f"  {label:<22} {1000 * (time.perf_counter() - t):7.1f} ms")
    t = time.perf_counter()
    s = open_session(Config(data=path, targets=("y",), seed=1, epochs=0))
    print(f"  {'open_session (all)':<22} {1000 * (time.perf_counter() - t):7.1f} ms")
    t = time.perf_counter()
    _final_text(s)
    print(f"  {'final table':<22} {1000 * (time.perf_counter() - t):7.1f} ms")
    t = time.perf_counter()
    s.evaluate()
    print(f"  {'evaluate (--json)':<22} {1000 * (time.perf_counter() - t):7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=17)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--stages", action="store_true", help="also time each stage in-process")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "big.csv")
        write_csv(path, args.rows, args.cols)
        size = os.path.getsize(path) / 2**20
        cmds = commands(path)
        for argv in cmds.values():  # warm the page cache and the imports
            run(argv)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(args.runs):
            for k, argv in cmds.items():
                times[k].append(run(argv))
        m = {k: statistics.median(v) for k, v in times.items()}
        ours, bare = m["ours"] - m["ours0"], m["pd"] - m["pd0"]
        pandas_import = m["pd0"] - m["np0"]
        print(f"# load_csv: {args.rows:,} x {args.cols} ({size:.1f} MiB), {args.runs} alternated "
              f"runs, medians, {os.cpu_count()} cpus")
        print(f"CSV load: ours {1000 * ours:.0f} ms vs pandas.read_csv {1000 * bare:.0f} ms: "
              f"ratio {ours / bare:.2f} (goal <= 1.3)")
        print(f"  of ours: importing pandas {1000 * pandas_import:.0f} ms, the rest "
              f"{1000 * (ours - pandas_import):.0f} ms ({(ours - pandas_import) / bare:.2f} x "
              "read_csv)")
        if args.stages:
            stages(path)


if __name__ == "__main__":
    main()
