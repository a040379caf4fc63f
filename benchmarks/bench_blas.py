"""Which BLAS the compiled layered loop (``engines/dense.py``) calls: three routes, interleaved, medians.

(a) NumPy's bundled OpenBLAS, bound by symbol (CBLAS, only in NumPy's own wheels);
(b) SciPy's BLAS through ``scipy.linalg.cython_blas`` (numba's documented route: wherever SciPy
    installs, with OpenBLAS, MKL or Accelerate), gemm with β and gemv, called from the loop;
(c) numba's ``np.dot`` (which calls SciPy's BLAS too, through numba's own wrapper: gemm only, no β).

Workloads: 64-64-10 relu, Adam, batch 32, cross-entropy (digits' shape, 1,347 rows) and
256-512-512-1 relu, SGD, batch 256, squared loss (2,560 rows), in float32 and float64: the time of
one epoch through ``MatrixEngine.epochs``. Each round runs every route in a shuffled order, a few
epochs each (the first of a block is not timed, so one pool's spinning threads do not slow the
other's first call); the figure is the median over rounds, with the range.

    python benchmarks/bench_blas.py [--rounds 15] [--routes a,b,c] [--workloads all|small|large] [--ref=f0fa845]

The choice kept (b) alone in ``dense.py`` (see README.md). The three routes live on in commit
f0fa845, the last with all of them: this script checks that commit out into a temporary git
worktree and runs itself there (``--ref`` names another commit that has them).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import neuronet as nn
from neuronet.engines import MatrixEngine, dense
from neuronet.model import initializers, losses, optimizers

from _common import machine

ROUTES = {"a": ("NumPy's OpenBLAS by symbol", "NUMPY_BLAS"), "b": ("SciPy's BLAS (cython_blas)", "SCIPY_BLAS"),
          "c": ("numba's np.dot", "NP_DOT")}
WORKLOADS = {"64-64-10 Adam b32": ([64, 64, 10], "cross_entropy", "adam", 1e-3, 32, 1347),
             "256-512-512-1 SGD b256": ([256, 512, 512, 1], "squared", "sgd", 1e-3, 256, 2560)}


def engine_for(route_code, sizes, loss, optimizer, dtype):
    S = nn.mlp(sizes, hidden="relu", seed=0, dtype=dtype).structure
    eng = MatrixEngine(S, losses.get(loss), optimizers.get(optimizer), dtype)
    assert eng.compiled
    eng._blas = route_code
    eng._small_work = 1 << 62           # every size in the compiled loop
    return S, eng


def setup(route_code, workload, dtype):
    sizes, loss, optimizer, step, bs, N = WORKLOADS[workload]
    S, eng = engine_for(route_code, sizes, loss, optimizer, dtype)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, sizes[0])).astype(dtype)
    Y = (np.eye(sizes[-1])[rng.integers(0, sizes[-1], N)] if loss == "cross_entropy"
         else rng.normal(size=(N, 1))).astype(dtype)
    theta = initializers.draw(S, 1, rng, "auto", dtype=dtype)
    state = optimizers.get(optimizer).init_state(1, S.P, dtype)
    n_batches = -(-N // bs)
    perms = rng.permutation(N)[None].astype(np.int64)
    factors = np.ones((1, n_batches))
    lr = np.array([step])

    def one_epoch():
        eng.epochs(theta, state, X, Y, perms, bs, lr, factors, 0)

    return one_epoch


def in_ref(ref: str) -> None:
    """Run this script with the package of commit ``ref`` (checked out into a temporary worktree)."""
    root = Path(__file__).resolve().parent.parent
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))    # a killed run still removes its worktree
    with tempfile.TemporaryDirectory(prefix="neuronet-blas-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(tree), ref], check=True,
                       capture_output=True)
        try:
            print(f"routes as of {ref}, from a temporary worktree", flush=True)
            env = {**os.environ, "PYTHONPATH": str(tree / "src")}
            subprocess.run([sys.executable, __file__, *sys.argv[1:]], env=env, check=True)
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], capture_output=True)


def main():
    if not hasattr(dense, "NUMPY_BLAS"):                   # this tree keeps one route: run the commit with all three
        ref = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--ref=")), "f0fa845")
        return in_ref(ref)
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="f0fa845", help="a commit with all three routes (when this tree has one)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--block", type=int, default=4, help="epochs per route per round (the first is not timed)")
    ap.add_argument("--routes", default=",".join(r for r in ROUTES if hasattr(dense, ROUTES[r][1])))
    ap.add_argument("--workloads", default="all", help="'all', 'small' (64-64-10) or 'large' (256-512-512-1)")
    args = ap.parse_args()
    routes = [r for r in args.routes.split(",") if r]
    print(machine())
    rng = np.random.default_rng(1)
    for workload in WORKLOADS:
        if args.workloads != "all" and (workload.startswith("64-") != (args.workloads == "small")):
            continue
        for dtype in ("float32", "float64"):
            runs = {r: setup(getattr(dense, ROUTES[r][1]), workload, dtype) for r in routes}
            for fn in runs.values():
                fn()                                   # compile / load, warm up
            times = {r: [] for r in routes}
            for _ in range(args.rounds):
                for r in rng.permutation(routes):
                    block = []
                    for _ in range(args.block):
                        t = time.perf_counter()
                        runs[r]()
                        block.append(time.perf_counter() - t)
                    times[r].append(statistics.median(block[1:]))
            print(f"{workload}, {dtype}:")
            for r in routes:
                ts = np.array(times[r]) * 1e3
                print(f"  ({r}) {ROUTES[r][0]:<28} {np.median(ts):8.2f} ms/epoch  ({ts.min():.2f}–{ts.max():.2f})")


if __name__ == "__main__":
    main()
