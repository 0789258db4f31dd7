"""Cost of loading a big numeric CSV: `backprop train --epochs 0` against a bare
`pandas.read_csv` of the same file.

Whole processes, as a person runs them, alternated so that a busy machine slows every side
alike, and medians compared:

  ours = T(backprop train --data big.csv --epochs 0) − T(backprop train --preset notebook
         --epochs 0): everything the CSV costs (importing pandas, sniffing, one read,
         checks, normalising, the session, the final table), less start-up and NumPy;
  bare = T(python -c "import numpy, pandas; pandas.read_csv(p)") − T(the same imports).

The figure is ours ÷ bare (differences taken within each round, then medians); goal ≤ 1.3.
A second line splits ours into the pandas import as `train` pays it (collector paused, no
walk at exit) and the rest; `--stages` compares the load with a bare read_csv inside one
process, where no start-up or import blurs them.

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


def paired(slow: list[float], fast: list[float]) -> float:
    """The median of the differences between two commands timed in the same rounds."""
    return statistics.median(a - b for a, b in zip(slow, fast, strict=True))


def commands(path: str) -> dict[str, list[str]]:
    bp, py = str(BIN / "backprop"), sys.executable
    quiet = ["--epochs", "0", "--log-every", "0"]
    return {
        "ours": [bp, "train", "--data", path, "--target", "y", *quiet, "--seed", "1"],
        "ours0": [bp, "train", "--preset", "notebook", *quiet],
        "pd": [py, "-c", f"import numpy, pandas; pandas.read_csv({path!r})"],
        "pd0": [py, "-c", "import numpy, pandas"],
        # the pandas import as `train` pays it: collector paused, nothing walked at exit
        "imp": [py, "-c", "import gc, numpy; gc.disable(); import pandas; gc.freeze()"],
        "np0": [py, "-c", "import gc, numpy; gc.freeze()"],
    }


def stages(path: str, repeats: int = 5) -> None:
    """The load in this process, pandas imported and the file cached: a bare read_csv
    against open_session (sniff, read, checks, normalising, the session), alternated,
    medians; then the parts of train's end."""
    import pandas as pd

    from core import Config, open_session
    from core.data.csvfile import CsvOptions, sniff
    from core.present.train_text import final_text

    config = Config(data=path, targets=("y",), seed=1, epochs=0)
    times: dict[str, list[float]] = {"read_csv (bare)": [], "open_session": [], "sniff": []}
    for _ in range(repeats):
        for label, fn in (("read_csv (bare)", lambda: pd.read_csv(path)),
                          ("open_session", lambda: open_session(config)),
                          ("sniff", lambda: sniff(path, CsvOptions()))):
            t = time.perf_counter()
            fn()
            times[label].append(time.perf_counter() - t)
    m = {k: statistics.median(v) for k, v in times.items()}
    for label, v in m.items():
        print(f"  {label:<22} {1000 * v:7.1f} ms")
    print(f"  in-process ratio       {m['open_session'] / m['read_csv (bare)']:7.2f}")
    s = open_session(config)
    for label, fn in (("final table", lambda: final_text(s)),
                      ("evaluate (--json)", s.evaluate)):
        t = time.perf_counter()
        fn()
        print(f"  {label:<22} {1000 * (time.perf_counter() - t):7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=17)
    ap.add_argument("--runs", type=int, default=11)
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
        # differences within each round of alternated runs, then their medians: a busy
        # machine slows a whole round, which the subtraction takes out
        ours, bare, pandas_import = (paired(times[a], times[b])
                                     for a, b in (("ours", "ours0"), ("pd", "pd0"), ("imp", "np0")))
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
