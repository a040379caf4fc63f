"""Restarts on a Dask cluster: 2,000 restarts of a 10-32-1 network on 5,000 rows, one worker against two.

Three figures (README.md beside this file records them and works out a 100-worker cluster on paper):

1. **Speed-up**: ``nn.train(…, restarts=2000, client=client)`` on a LocalCluster of one worker
   process and of two (one thread each, warmed first), the median of ``--repeats`` runs each; the
   two results are checked bit-identical to each other. Aim: ≥ 1.8 on a 2-core machine.
2. **Per-task overhead**: a chunk's cost beyond its training: ``--tasks`` one-restart chunks of a
   tiny run on the cluster against the same chunks trained one after another in this process,
   and Dask's own round trip for a task that does nothing.
3. **First task on a fresh worker**: the time of a first small training task with numba's cache
   cold (a new empty ``NUMBA_CACHE_DIR``: the worker compiles), with the shared disk cache of this
   machine (the worker loads the compiled code), and after ``neuronet.distributed.warm`` (which
   took that time already, once per worker, before any task).

    python benchmarks/bench_distributed.py [--epochs 3] [--repeats 3] [--tasks 200] [--skip-cold]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np
from distributed import Client, LocalCluster

import neuronet as nn
from neuronet.distributed import warm

from _common import machine

ROWS, SIZES, RESTARTS = 5000, [10, 32, 1], 2000


def data(rows: int = ROWS):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, SIZES[0]))
    w = rng.normal(size=SIZES[0])
    return X, np.tanh(X @ w / 3)[:, None]


def cluster(workers: int, env: dict | None = None):
    c = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                     silence_logs=50, env=env or {})
    return c, Client(c)


def speedup(epochs: int, repeats: int) -> None:
    X, Y = data()
    net = nn.mlp(SIZES, hidden="tanh", seed=0)
    kw = dict(restarts=RESTARTS, epochs=epochs, batch_size=32, step_size=0.01, seed=1)
    times, results = {}, {}
    for workers in (1, 2):
        cl, client = cluster(workers)
        try:
            warm(client)
            runs = []
            for _ in range(repeats):
                t = time.perf_counter()
                results[workers] = nn.train(net, X, Y, client=client, **kw)
                runs.append(time.perf_counter() - t)
            times[workers] = statistics.median(runs)
            print(f"  {workers} worker{'s' if workers > 1 else ''}: {times[workers]:.2f} s "
                  f"(runs {', '.join(f'{r:.2f}' for r in runs)}; engine {results[workers].engine}, "
                  f"{len(nn.distributed.plan(RESTARTS, workers))} chunks)")
        finally:
            client.close()
            cl.close()
    same = np.array_equal(results[1].theta, results[2].theta) and np.array_equal(
        results[1].history, results[2].history, equal_nan=True)
    print(f"speed-up, 2 workers against 1: {times[1] / times[2]:.2f} (aim ≥ 1.8); results bit-identical: {same}")


def overhead(tasks: int) -> None:
    X, Y = data(64)
    net = nn.mlp([10, 4, 1], hidden="tanh", seed=0)
    kw = dict(restarts=tasks, epochs=1, batch_size=None, seed=1, engine="matrix")
    cl, client = cluster(2)
    try:
        warm(client)
        nn.train(net, X, Y, client=client, chunk_size=1, **{**kw, "restarts": 4})
        t = time.perf_counter()
        nn.train(net, X, Y, client=client, chunk_size=1, **kw)
        on_cluster = time.perf_counter() - t
        here = 0.0
        for k in range(tasks):
            t = time.perf_counter()
            nn.training.train(net, X, Y, first_restart=k, **{**kw, "restarts": 1})
            here += time.perf_counter() - t
        client.gather(client.map(lambda i: i, range(50)))
        t = time.perf_counter()
        client.gather(client.map(lambda i: i, range(tasks)))
        noop = time.perf_counter() - t
    finally:
        client.close()
        cl.close()
    # Two workers share the chunks: worker time spent is about 2 × wall; beyond the training it is the overhead.
    per_task = (2 * on_cluster - here) / tasks
    print(f"per-task overhead: {tasks} one-restart chunks took {on_cluster:.3f} s on 2 workers, their training "
          f"{here:.3f} s in this process: {per_task * 1e3:.2f} ms of worker time a chunk beyond its training; "
          f"Dask's round trip for a task that does nothing: {noop / tasks * 1e3:.2f} ms a task ({tasks} tasks)")


def first_task(skip_cold: bool) -> None:
    X, Y = data(256)
    net = nn.mlp(SIZES, hidden="tanh", seed=0)
    kw = dict(restarts=8, epochs=1, batch_size=32, seed=1, chunk_size=8, engine="neuron")   # compiled code

    def first(env=None, warmed=False) -> tuple[float, float]:
        cl, client = cluster(1, env)
        try:
            w = max(warm(client).values()) if warmed else 0.0
            t = time.perf_counter()
            nn.train(net, X, Y, client=client, **kw)
            return time.perf_counter() - t, w
        finally:
            client.close()
            cl.close()

    if not skip_cold:
        with tempfile.TemporaryDirectory() as cache:
            cold, _ = first({"NUMBA_CACHE_DIR": cache})
        print(f"first task, numba cache cold (the worker compiles): {cold:.2f} s")
    shared, _ = first()
    print(f"first task, this machine's disk cache shared: {shared:.2f} s")
    warmed, w = first(warmed=True)
    print(f"first task after warm(): {warmed:.2f} s (warm() itself: {w:.2f} s, once per worker, before any task)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=200)
    ap.add_argument("--skip-cold", action="store_true", help="skip the cold-cache run (it compiles: ~1 min)")
    ap.add_argument("--parts", default="speedup,overhead,first", help="which figures, comma separated")
    args = ap.parse_args()
    parts = args.parts.split(",")
    print(machine())
    if "speedup" in parts:
        print(f"{RESTARTS} restarts of {'-'.join(map(str, SIZES))} (tanh) on {ROWS} rows, {args.epochs} epochs, "
              "batch 32")
        speedup(args.epochs, args.repeats)
    if "overhead" in parts:
        overhead(args.tasks)
    if "first" in parts:
        first_task(args.skip_cold)


if __name__ == "__main__":
    main()
