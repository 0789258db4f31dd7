"""Bytes `backprop` writes to an 80×24 terminal: what an SSH link has to carry.

    .venv/bin/python bench/bandwidth.py [--seconds 3]

Runs the real command in a pseudo-terminal, on the notebook preset (seed 7), and counts the
bytes it writes for: start-up (everything until the first screen with numbers is complete),
one step (`s`), run-100 (`r`), and bytes per second while a long run is going (a threaded
run posts progress frames) and while playing. Start-up, step and run-100
are measured in truecolour (`COLORTERM=truecolor`), 256 colours (`TERM=xterm-256color` and
no `COLORTERM`, what SSH usually gives) and `NO_COLOR=1`; each is also printed as a share of
start-up, the full-screen frame of the same run.
"""

from __future__ import annotations

import argparse
import os
import sys

from ptyterm import BACKPROP, COLOURS_256, NO_COLOR, ROOT, TRUECOLOR, Term, backprop_with_r

sys.path.insert(0, str(ROOT))
from tui.terminal import DEFAULT_FPS, SSH_FPS

NOTEBOOK = [BACKPROP, "--preset", "notebook", "--seed", "7"]
# a run that lasts the whole measurement: 100 epochs of this take well under a second
LONG_RUN = [*backprop_with_r(1_000_000), "--data", "spiral", "--hidden", "256,256", "--seed", "3"]
VARIANTS = {"truecolor": TRUECOLOR, "256-colour": COLOURS_256, "NO_COLOR": NO_COLOR}


def kb(n: float) -> str:
    return f"{n / 1024:7.1f} KB"


def discrete(env: dict[str, str]) -> dict[str, int]:
    """Start-up, one step and run-100, in bytes."""
    t = Term(NOTEBOOK, env=env)
    try:
        t.wait_for(r"Epoch 0 │")
        t.settle(1.0)
        sizes = {"start-up": len(t.out)}
        t.press("s")
        t.wait_for(r"Epoch 1 │")
        sizes["one step (s)"] = len(t.out) - t.mark + t.settle(1.0)
        t.press("r")
        t.wait_for(r"Epoch 101 │")
        sizes["run-100 (r)"] = len(t.out) - t.mark + t.settle(1.0)
        return sizes
    finally:
        t.close()


def long_run_rate(seconds: float, env: dict[str, str]) -> tuple[float, int]:
    """Bytes per second while a threaded run shows its progress; and the frames seen."""
    t = Term(LONG_RUN, env={**env, "PYTHONPATH": str(ROOT)})
    try:
        t.wait_for(r"Epoch 0 │")
        t.settle(1.0)
        t.press("r")
        t.wait_for(r"running:")
        start = len(t.out)
        n = t.collect(seconds)
        frames = t.out[start:].count(b"running:")
        return n / seconds, frames
    finally:
        t.close()


def play_rate(seconds: float, env: dict[str, str], fps: int | None,
              faster: int = 0) -> float:
    """Bytes per second while `p` plays (after `+` pressed `faster` times)."""
    cmd = [*NOTEBOOK, *([] if fps is None else ["--fps", str(fps)])]
    t = Term(cmd, env=env)
    try:
        t.wait_for(r"Epoch 0 │")
        t.settle(1.0)
        for _ in range(faster):
            t.press("+")
        t.settle(0.3)
        t.press("p")
        t.collect(0.5)  # let it get going
        return t.collect(seconds) / seconds
    finally:
        t.close()


def held_key_rate(seconds: float, env: dict[str, str], fps: int | None) -> float:
    """Bytes per second while `s` is held down (keyboard auto-repeat, 30 presses/s)."""
    import time

    cmd = [*NOTEBOOK, *([] if fps is None else ["--fps", str(fps)])]
    t = Term(cmd, env=env)
    try:
        t.wait_for(r"Epoch 0 │")
        t.settle(1.0)
        start, end = len(t.out), time.perf_counter() + seconds
        while time.perf_counter() < end:
            t.press("s")
            t.collect(1 / 30)
        return (len(t.out) - start) / seconds
    finally:
        t.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(f"80x24 pty, notebook preset, seed 7; default frame cap {DEFAULT_FPS} fps; "
          f"{os.cpu_count()} cores")
    full = {}
    for name, env in VARIANTS.items():
        sizes = discrete(env)
        full[name] = sizes["start-up"]
        for what, n in sizes.items():
            print(f"{what:<14} {name:<10} {kb(n)}   {n / full[name]:5.2f} of a full frame")
    rate, frames = long_run_rate(args.seconds, COLOURS_256)
    print(f"long run (spiral, 256,256 hidden) 256-colour {kb(rate)}/s   "
          f"{frames / args.seconds:.0f} progress frames/s")
    ssh = {**COLOURS_256, "SSH_CONNECTION": "10.0.0.2 51000 10.0.0.1 22"}
    for fps, env, label in ((None, COLOURS_256, f"default, local ({DEFAULT_FPS} fps)"),
                            (None, ssh, f"default, SSH ({SSH_FPS} fps)"),
                            (60, COLOURS_256, "--fps 60")):
        rate = held_key_rate(args.seconds, env, fps)
        print(f"s held down (30/s), {label:<24} 256-colour {kb(rate)}/s")
    for fps, faster in ((None, 0), (None, 6), (60, 6), (10, 6)):
        label = f"--fps {fps}" if fps else f"default {DEFAULT_FPS} fps"
        rate = play_rate(args.seconds, COLOURS_256, fps, faster)
        print(f"play (p), {faster}x +, {label:<14} 256-colour {kb(rate)}/s")
    ceiling = full["256-colour"] * DEFAULT_FPS
    print(f"ceiling: a full 256-colour frame every frame at {DEFAULT_FPS} fps {kb(ceiling)}/s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
