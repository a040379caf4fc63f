"""Big CSV files: neuronet's reader + preprocessing against pandas.read_csv on the same file.

A 1,000,000-row file (20 numeric columns written with 6 significant digits, a text column of
5 colours and one of 50 cities, 1 % empty cells) is generated in a temporary folder. Each
contender runs in a fresh subprocess (so that peak memory is its own: ``VmHWM``, the peak resident set of
the process's memory since it started, on Linux; ``ru_maxrss`` elsewhere, which on Linux also counts the
parent's resident set at the fork, here the hundreds of MiB that wrote the file):

* pandas: ``pandas.read_csv(path)``;
* neuronet: ``read_csv(path)``, ``Preprocessing.fit`` and ``transform`` to the float64 input matrix.

Aims (issue 11, item 9): neuronet's time ≤ 2× pandas', and its peak memory ≤ 3× the size of
the float64 matrix it produces. ``--digits 17`` writes every number as Python's repr (17
significant digits: the slow path of the number parser). ``--before SRC`` adds a third
contender in the same rounds: neuronet imported from another source tree (``SRC/neuronet``, e.g.
an earlier commit's ``src`` from ``git archive``), for a before/after under the same load.

    python benchmarks/bench_csv.py [--rows 1000000] [--digits 6] [--repeats 3] [--before SRC]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from _common import machine

CHILD = {
    "pandas": """
        import pandas as pd
        t = time.perf_counter()
        df = pd.read_csv(PATH)
        seconds = time.perf_counter() - t
        extra = {"shape": list(df.shape)}
    """,
    "neuronet": """
        from neuronet.io.preprocess import Preprocessing
        from neuronet.io.reading import read_csv
        read_csv(WARM)                                     # numba's cached kernels are loaded, not timed
        t = time.perf_counter()
        table = read_csv(PATH)
        prep = Preprocessing.fit(table, "y", "regression")
        X = prep.transform(table)
        seconds = time.perf_counter() - t
        extra = {"shape": list(X.shape), "matrix_bytes": X.nbytes}
    """,
}


PEAK_CODE = textwrap.dedent("""
    def PEAK():
        try:                                               # Linux: this process's own peak (reset at exec)
            with open("/proc/self/status") as fh:
                return next(int(x.split()[1]) * 1024 for x in fh if x.startswith("VmHWM:"))
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
""")


def write_file(path: str, rows: int, digits: int, seed: int = 0) -> None:
    """20 numeric columns, 2 text columns, the target y; about 1 % of the numeric cells empty."""
    rng = np.random.default_rng(seed)
    colours = np.array(["red", "green", "blue", "yellow", "black"])
    cities = np.array([f"city_{k}" for k in range(50)])
    with open(path, "w") as fh:
        fh.write(",".join([f"x{k}" for k in range(20)] + ["colour", "city", "y"]) + "\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            X = rng.normal(size=(n, 20)) * 100
            y = X[:, 0] * 0.5 + rng.normal(size=n)
            fmt = (lambda v: repr(float(v))) if digits >= 17 else (lambda v, d=digits: f"{v:.{d}g}")
            text = np.vectorize(fmt, otypes=[object])(X)
            text[rng.random((n, 20)) < 0.01] = ""
            c1, c2 = colours[rng.integers(0, 5, n)], cities[rng.integers(0, 50, n)]
            fh.write("".join(",".join(text[b]) + f",{c1[b]},{c2[b]},{fmt(y[b])}\n" for b in range(n)))


def run(who: str, path: str, warm: str, src: str | None = None) -> dict:
    """One contender in a fresh process; ``src``: the source tree to import neuronet from (``--before``)."""
    code = textwrap.dedent("""
        import json, resource, sys, time
        PATH, WARM = sys.argv[1], sys.argv[2]
    """) + PEAK_CODE + textwrap.dedent(CHILD["neuronet" if who == "before" else who]) + textwrap.dedent("""
        peak = PEAK()
        print(json.dumps({"seconds": seconds, "peak_bytes": peak, **extra}))
    """)
    env = dict(os.environ, PYTHONPATH=src) if src else None
    out = subprocess.run([sys.executable, "-c", code, path, warm], capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline() -> int:
    """Peak memory of a Python that has imported what the neuronet contender imports, before reading anything."""
    code = ("import resource; from neuronet.io.preprocess import Preprocessing; import neuronet.io.fastcsv\n"
            + PEAK_CODE + "print(PEAK())")
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def _all(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--digits", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--before", help="a source tree holding an earlier neuronet, timed in the same rounds")
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as d:
        path, warm = os.path.join(d, "big.csv"), os.path.join(d, "warm.csv")
        t = time.perf_counter()
        write_file(path, args.rows, args.digits)
        write_file(warm, 100, args.digits, seed=1)
        size = os.path.getsize(path)
        print(f"file: {args.rows:,} rows, 23 columns, {size / 2 ** 20:,.0f} MiB, numbers with {args.digits} "
              f"significant digits (written in {time.perf_counter() - t:.0f} s)")
        results = {"pandas": [], "neuronet": []} | ({"before": []} if args.before else {})
        if args.before:
            run("before", warm, warm, args.before)         # its numba cache filled, not timed
        for _ in range(args.repeats):                      # interleaved: all see the same machine load
            for who in results:
                results[who].append(run(who, path, warm, args.before if who == "before" else None))
        base = baseline()
    p = min(r["seconds"] for r in results["pandas"])
    n = min(r["seconds"] for r in results["neuronet"])
    nb = results["neuronet"][0]
    matrix = nb["matrix_bytes"]
    peak = max(r["peak_bytes"] for r in results["neuronet"])
    print(f"pandas.read_csv:                 {p:6.2f} s (best of {args.repeats}; all: "
          f"{_all(results['pandas'])}), peak memory "
          f"{max(r['peak_bytes'] for r in results['pandas']) / 2 ** 20:,.0f} MiB")
    print(f"neuronet read + fit + transform: {n:6.2f} s (best of {args.repeats}; all: "
          f"{_all(results['neuronet'])}), peak memory {peak / 2 ** 20:,.0f} MiB "
          f"(of which {base / 2 ** 20:,.0f} MiB is the interpreter with its libraries)")
    print(f"matrix: {nb['shape'][0]:,} × {nb['shape'][1]} float64 = {matrix / 2 ** 20:,.0f} MiB")
    rounds = [a["seconds"] / b["seconds"] for a, b in zip(results["neuronet"], results["pandas"])]
    print(f"time ratio neuronet / pandas: {n / p:.2f} best against best (aim ≤ 2); per round (each round runs "
          f"both, one after the other): {', '.join(f'{r:.2f}' for r in rounds)}, median {np.median(rounds):.2f}")
    print(f"peak memory / matrix: {peak / matrix:.2f} (aim ≤ 3); above the interpreter's baseline: "
          f"{(peak - base) / matrix:.2f}")
    if args.before:
        b = results["before"]
        before = [x["seconds"] / y["seconds"] for x, y in zip(b, results["pandas"])]
        print(f"before ({args.before}): {min(r['seconds'] for r in b):6.2f} s best (all: {_all(b)}), peak memory "
              f"{max(r['peak_bytes'] for r in b) / 2 ** 20:,.0f} MiB; ratio to pandas per round: "
              f"{', '.join(f'{r:.2f}' for r in before)}, median {np.median(before):.2f}")


if __name__ == "__main__":
    main()
