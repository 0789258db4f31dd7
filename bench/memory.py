"""Memory: peak RSS of long headless runs, and what stepping back really holds.

1. Headless: peak RSS of `backprop train --preset notebook --epochs 1000000 --log-every 0`
   against the same command with 1,000 epochs (the baseline), each in its own process.
   Goal: growth under 20 MB. The history's own share (a float per column per epoch) is shown.
2. Step-back bound: `Session.undo_depth` and `UNDO_BUDGET` for the notebook and a
   10,000-row 16->64->1 network, beside the bytes per snapshot measured while stepping with
   `step()` (as the TUI's `s` key does), each in its own process.

    .venv/bin/python bench/memory.py [--epochs 1000000] [--steps-notebook 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 2**20


def peak_rss_of(cmd: list[str]) -> tuple[float, int]:
    """Run cmd to completion; its own peak RSS in MiB (wait4, so no other child counts)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err.strip()}")
    return usage.ru_maxrss / 1024, proc.returncode  # ru_maxrss is in KiB on Linux


def train_cmd(epochs: int, log_every: int) -> list[str]:
    return [sys.executable, "-m", "tui.cli", "train", "--preset", "notebook",
            "--epochs", str(epochs), "--log-every", str(log_every)]


def current_rss() -> float:
    """Resident set size now, in bytes (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_steps(which: str, steps: int) -> None:
    """In a fresh process: step `steps` epochs one at a time and report the bytes held."""
    sys.path.insert(0, ROOT)
    import numpy as np

    from core import Config, open_session
    from core.data.dataset import build
    from core.training.session import UNDO_BUDGET, Session

    if which == "notebook":
        s = open_session(Config(preset="notebook", seed=0))
    else:
        rng = np.random.default_rng(1234)
        X = rng.uniform(0.0, 10.0, (10_000, 16))
        y = X @ rng.uniform(0.5, 2.0, (16, 1))
        ds = build("bench", X, y, [f"x{i}" for i in range(16)], ["y"], "max", 0.0, rng)
        cfg = Config(data="bench.csv", hidden=(64,), init="xavier", lr=0.01, seed=1).resolve()
        s = Session(cfg, ds)
    s.step()
    s.step()
    before, counted = current_rss(), s._marks.nbytes
    for _ in range(steps):
        s.step()
    grown = current_rss() - before
    accounted = (s._marks.nbytes - counted) / steps  # what the session counts per step
    print(json.dumps({
        "arch": s.architecture, "rows": int(s.dataset.X.shape[0]), "budget": UNDO_BUDGET,
        "undo_depth": s.undo_depth, "accounted": accounted, "steps": steps,
        "per_step": grown / steps, "can_undo_all": s.can_undo}))


def steps_figure(which: str, steps: int) -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", which,
                          str(steps)], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=1_000_000)
    ap.add_argument("--steps-notebook", type=int, default=20_000)
    ap.add_argument("--steps-wide", type=int, default=40)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_steps(args.child[0], int(args.child[1]))
        return
    print(f"# memory: python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cpus")

    base, _ = peak_rss_of(train_cmd(1_000, 0))
    peak, _ = peak_rss_of(train_cmd(args.epochs, 0))
    history = 2 * 8 * args.epochs / MB  # loss + objective, one float64 each per epoch
    print(f"headless {args.epochs:,} epochs (--log-every 0): peak RSS {peak:.1f} MiB vs "
          f"{base:.1f} MiB for 1,000 epochs: growth {peak - base:.1f} MiB (goal < 20), "
          f"of which history {history:.1f} MiB")
    peak_log, _ = peak_rss_of(train_cmd(args.epochs, 100))
    print(f"headless {args.epochs:,} epochs (--log-every 100): peak RSS {peak_log:.1f} MiB: "
          f"growth {peak_log - base:.1f} MiB")

    for which, steps in (("notebook", args.steps_notebook), ("wide", args.steps_wide)):
        f = steps_figure(which, steps)
        bound = f["budget"] / MB
        real_at_depth = f["per_step"] * f["undo_depth"] / MB
        print(f"step-back {f['arch']} ({f['rows']} rows): UNDO_BUDGET {bound:.0f} MiB, "
              f"undo_depth {f['undo_depth']:,} steps; counted {f['accounted']:,.0f} B, "
              f"measured {f['per_step']:,.0f} B RSS per step() over {f['steps']:,} steps "
              f"(ratio {f['per_step'] / f['accounted']:.2f}) -> {real_at_depth:,.0f} MiB at "
              f"full depth ({real_at_depth / bound:.2f}x the bound)")


if __name__ == "__main__":
    main()
