"""Per-epoch cost of the core's `Session.run(N)` against the notebook's bare loop.

Both sides train the same network on the same normalised arrays from the same initial
weights, in this one process, with repeats interleaved (bare, core, bare, core, …). The
figure is core ÷ bare per epoch, from the fastest repeat of each (the median ratio is shown
beside it). Goal: ≤ 1.05. If torch is importable, an equivalent PyTorch CPU model is timed
as well; otherwise a line says it was skipped.

    .venv/bin/python bench/core_speed.py [--repeats 7] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core import Config, open_session
from core.data.dataset import build
from core.training.session import Session


@dataclass
class Case:
    label: str
    session: Session
    epochs: int  # per timed repeat


def notebook_case(epochs: int) -> Case:
    s = open_session(Config(preset="notebook", seed=0))
    return Case("notebook 4x2->2->1", s, epochs)


def synthetic_case(rows: int, n_in: int, hidden: int, epochs: int, seed: int = 1234) -> Case:
    """A linear-regression-like table drawn with a fixed seed, max-normalised as the notebook."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 10.0, (rows, n_in))
    y = X @ rng.uniform(0.5, 2.0, (n_in, 1)) + rng.normal(0.0, 0.5, (rows, 1))
    ds = build("bench", X, y, [f"x{i}" for i in range(n_in)], ["y"], "max", 0.0, rng)
    cfg = Config(data="bench.csv", hidden=(hidden,), activation="linear",
                 output_activation="linear", init="xavier", lr=0.01, seed=seed).resolve()
    return Case(f"{rows} rows x {n_in}->{hidden}->1", Session(cfg, ds), epochs)


def bare_loop(X, y, w1, b1, w2, b2, lr: float, epochs: int):
    """The notebook's In [11], minus its print."""
    for _epoch in range(epochs):
        # Forward Pass
        hidden_y_pred = np.dot(X, w1) + b1
        output_y_pred = np.dot(hidden_y_pred, w2) + b2

        # Loss (MSE)
        loss = np.mean((y - output_y_pred) ** 2)  # noqa: F841 - the notebook computes it

        # Backpropagation
        delta2 = output_y_pred - y
        dw2 = np.dot(hidden_y_pred.T, delta2) / X.shape[0]
        db2 = np.sum(delta2, axis=0, keepdims=True) / X.shape[0]

        delta1 = np.dot(delta2, w2.T)
        dw1 = np.dot(X.T, delta1) / X.shape[0]
        db1 = np.sum(delta1, axis=0, keepdims=True) / X.shape[0]

        # Update weights and biases
        w2 -= lr * dw2
        b2 -= lr * db2
        w1 -= lr * dw1
        b1 -= lr * db1
    return w1, b1, w2, b2


def time_bare(case: Case) -> tuple[float, np.ndarray]:
    s = case.session
    s.restart()
    W, b = s.net.W, s.net.b
    w1, b1, w2, b2 = W[0].copy(), b[0].copy(), W[1].copy(), b[1].copy()
    X, y = s.dataset.X, s.dataset.y
    gc.disable()
    t0 = time.perf_counter_ns()
    bare_loop(X, y, w1, b1, w2, b2, s.lr, case.epochs)
    elapsed = time.perf_counter_ns() - t0
    gc.enable()
    return elapsed / case.epochs / 1e3, np.concatenate([a.ravel() for a in (w1, b1, w2, b2)])


def time_core(case: Case) -> tuple[float, np.ndarray]:
    s = case.session
    s.restart()
    gc.disable()
    t0 = time.perf_counter_ns()
    result = s.run(case.epochs)
    elapsed = time.perf_counter_ns() - t0
    gc.enable()
    if result.diverged_at is not None or result.epochs != case.epochs:
        raise SystemExit(f"{case.label}: the core run diverged; the benchmark is not valid")
    return elapsed / case.epochs / 1e3, s.net.flat.copy()


def torch_timer():
    """A function timing an equivalent torch CPU model, or None if torch is not installed."""
    try:
        import torch
    except ImportError:
        return None

    def time_torch(case: Case) -> float:
        s = case.session
        s.restart()
        X = torch.from_numpy(np.ascontiguousarray(s.dataset.X))
        y = torch.from_numpy(np.ascontiguousarray(s.dataset.y))
        model = torch.nn.Sequential(
            torch.nn.Linear(s.sizes[0], s.sizes[1]).double(),
            torch.nn.Linear(s.sizes[1], s.sizes[2]).double())
        with torch.no_grad():
            for layer, W, b in zip((model[0], model[1]), s.net.W, s.net.b, strict=True):
                layer.weight.copy_(torch.from_numpy(W.T.copy()))
                layer.bias.copy_(torch.from_numpy(b.ravel().copy()))
        opt = torch.optim.SGD(model.parameters(), lr=s.lr)
        gc.disable()
        t0 = time.perf_counter_ns()
        for _ in range(case.epochs):
            opt.zero_grad()
            loss = 0.5 * ((model(X) - y) ** 2).sum() / X.shape[0]  # J, as the core
            loss.backward()
            opt.step()
        elapsed = time.perf_counter_ns() - t0
        gc.enable()
        return elapsed / case.epochs / 1e3

    return time_torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="a tenth of the epochs (smoke test)")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    cases = [
        notebook_case(20_000 // scale),
        synthetic_case(1_000, 8, 32, 2_000 // scale),
        synthetic_case(10_000, 16, 64, 200 // scale),
    ]
    torch_time = torch_timer()
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    print(f"# core_speed: numpy {np.__version__}, python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cpus, repeats {args.repeats}"
          + (f", {' '.join(f'{k}={v}' for k, v in sorted(blas.items()))}" if blas else ""))
    for case in cases:
        time_bare(case), time_core(case)  # warm caches and BLAS buffers
        bare, core, ratios, torch_t = [], [], [], []
        for _ in range(args.repeats):
            tb, pb = time_bare(case)
            tc, pc = time_core(case)
            bare.append(tb)
            core.append(tc)
            ratios.append(tc / tb)
            if torch_time is not None:
                torch_t.append(torch_time(case))
        drift = float(np.max(np.abs(pb - pc)))  # same arithmetic: the two must agree
        median = statistics.median(ratios)
        line = (f"{case.label:<24} bare {min(bare):9.2f} us/epoch  core {min(core):9.2f} "
                f"us/epoch  ratio {min(core) / min(bare):.3f} (median {median:.3f})"
                f"  goal <= 1.05  [{case.epochs} epochs, max |param diff| {drift:.1e}]")
        if torch_t:
            line += f"  torch {min(torch_t):.2f} us/epoch ({min(torch_t) / min(bare):.2f}x bare)"
        print(line, flush=True)
    if torch_time is None:
        print("torch: not installed, PyTorch comparison skipped")


if __name__ == "__main__":
    main()
