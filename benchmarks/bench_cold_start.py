"""A first run in seconds: wall time of ``neuronet train iris`` in a fresh process, cold and warm.

    python benchmarks/bench_cold_start.py [--runs 5] [--engine auto] [--pyc]

*Cold*: numba's cache (``NUMBA_CACHE_DIR``) is a new, empty folder for every run — the first run on
a machine. *Warm*: every run shares one folder that an earlier run has filled. The runs alternate
cold, warm, cold, warm… so that both see the same load on a shared machine; the script prints the
median, the spread and the model file's bytes agreeing (a result never depends on the cache).

Python's own bytecode cache is left as the environment has it: with ``PYTHONDONTWRITEBYTECODE=1``
(set on the project's machines) every run compiles neuronet's modules from source, as the first
run after ``pip install -e .`` does. ``--pyc`` lets Python write and reuse ``.pyc`` files instead
(each process then reads them, as an installed package does).

``--engine matrix`` times the compiled engine instead (what ``auto`` chose for iris before the
cold-start work): its cold runs compile for 5–20 s.

``--fit`` instead times whole ``nn.train`` runs on the numpy engine over a grid of jobs and fits
the constants of ``engines.choice_costs.numpy_run_seconds`` by non-negative least squares (on
relative error), printing them beside the ones in use and each rule's predicted/measured ratios.

Aim (issue 10, item 6): cold ≤ 3 s, warm ≤ 1 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_once(cache: Path, out: Path, engine: str, pyc: bool) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of ``python -m neuronet train iris`` with numba's
    cache in ``cache``. On a shared machine the CPU time moves less with the load than the wall time
    and approximates the wall time on an idle one (the command is single-threaded but for BLAS)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    if pyc:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [sys.executable, "-m", "neuronet", "train", "iris", "-o", str(out), "--quiet", "--engine", engine]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def summary(runs: list[tuple[float, float]]) -> str:
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    return (f"wall median {statistics.median(wall):.2f} s (min {min(wall):.2f}, max {max(wall):.2f}); "
            f"CPU median {statistics.median(cpu):.2f} s; {len(runs)} runs")


def _fit_grid():
    """The jobs the cost model is fitted on: (sizes, rows, batch size, restarts, optimizer)."""
    for sizes in ([4, 16, 3], [2, 2, 1], [64, 64, 10], [13, 16, 3], [30, 16, 2], [2, 16, 16, 2],
                  [8, 32, 32, 32, 1], [10, 64, 1], [4, 128, 3]):
        for N, bs in ((120, 32), (4, None), (1437, 32), (400, 64), (150, None), (1000, 1), (300, 16)):
            for R in (1, 4, 32):
                for opt in ("adam", "sgd"):
                    if N * R * sum(sizes) > 3e6 or (bs == 1 and (R > 4 or max(sizes) > 16)):
                        continue
                    yield sizes, N, bs, R, opt


def _features(S, batch_size, N, R):
    """The terms of numpy_run_seconds per epoch, in its order."""
    import math

    n_batches = math.ceil(N / batch_size)
    levels = len(S.levels) - 1
    H = sum(len(lev.ids) for lev in S.levels[1:])
    return [1, n_batches, n_batches * levels, n_batches * R * S.P, R * N * H, R * N * S.P]


def fit(jobs: int) -> None:
    import numpy as np
    from scipy.optimize import nnls

    sys.path.insert(0, str(ROOT / "src"))
    import neuronet as nn
    from neuronet.engines import choice_costs

    rng = np.random.default_rng(0)
    grid = list(_fit_grid())
    rng.shuffle(grid)
    rows, seconds, predicted = [], [], []
    for sizes, N, bs, R, opt in grid[:jobs]:
        net = nn.mlp(sizes, hidden="tanh", seed=0)
        X, Y = rng.normal(size=(N, sizes[0])), rng.random((N, sizes[-1]))
        kw = dict(loss="squared", optimizer=opt, step_size=1e-3, batch_size=bs, restarts=R, seed=0, engine="numpy",
                  callback=lambda info: None)
        nn.train(net, X, Y, epochs=1, **kw)
        epochs = 3
        while True:                                      # enough epochs for ≥ 0.15 s
            t = time.perf_counter()
            nn.train(net, X, Y, epochs=epochs, **kw)
            t = time.perf_counter() - t
            if t > 0.15:
                break
            epochs *= 4
        b = min(bs or N, N)
        rows.append(_features(net.structure, b, N, R))
        seconds.append(t / epochs)
        predicted.append(choice_costs.numpy_run_seconds(net.structure, b, N, R, 1))
    A, t = np.array(rows, float), np.array(seconds)
    coef, _ = nnls(A / t[:, None], np.ones_like(t))   # relative error: each run counts alike
    names = ["per epoch", "per batch", "per batch × level", "per batch × R·P", "per R·N·H", "per R·N·P"]
    print("fitted constants (seconds):", ", ".join(f"{n} {c:.3g}" for n, c in zip(names, coef)))
    for label, ratio in (("refit", A @ coef / t), ("in use", np.array(predicted) / t)):
        q = np.quantile(ratio, [0.05, 0.5, 0.95])
        print(f"predicted / measured, {label}: median {q[1]:.2f}, 90% within {q[0]:.2f}–{q[2]:.2f} ({len(t)} jobs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="cold runs and warm runs, each (default 5)")
    ap.add_argument("--engine", default="auto", choices=["auto", "numpy", "matrix", "neuron"])
    ap.add_argument("--pyc", action="store_true", help="let Python write and reuse .pyc files")
    ap.add_argument("--fit", type=int, nargs="?", const=60, metavar="JOBS",
                    help="fit numpy_run_seconds' constants on JOBS timed runs (default 60) instead")
    args = ap.parse_args()
    print(machine())
    if args.fit:
        return fit(args.fit)
    print(f"neuronet train iris --engine {args.engine}; PYTHONDONTWRITEBYTECODE="
          f"{'(unset)' if args.pyc else os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm_cache = tmp / "warm-cache"
        warm_cache.mkdir()
        run_once(warm_cache, tmp / "first.json", args.engine, args.pyc)        # fills the shared cache
        cold, warm = [], []
        for k in range(args.runs):
            cache = tmp / f"cold-cache-{k}"
            cache.mkdir()
            cold.append(run_once(cache, tmp / f"cold-{k}.json", args.engine, args.pyc))
            warm.append(run_once(warm_cache, tmp / f"warm-{k}.json", args.engine, args.pyc))
        files = {p.read_bytes() for p in tmp.glob("*.json")}
        print(f"cold (empty numba cache each run): {summary(cold)}")
        print(f"warm (a filled numba cache):       {summary(warm)}")
        print(f"model files identical cold and warm: {len(files) == 1}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
