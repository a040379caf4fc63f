"""Before and after: every benchmark of the engines, an older commit against this tree, interleaved.

The older commit (default 8e73f9a, main before the engine layer's refactoring) is checked out into a
temporary git worktree. Each benchmark is a short program that uses only the public API both
versions share (``nn.mlp``, ``nn.train``); it runs in a process of its own with PYTHONPATH pointing
at one tree's ``src``, warms up (compiles or loads numba's cache), times a few runs and prints their
median. Old and new alternate, round after round (which goes first alternates too); the table gives
the median over the rounds of each side and the ratio new/old (below 1: the new one is faster).

    python benchmarks/compare.py [REF] [--rounds 5] [--only restarts,sgd,digits,throughput,e2e] [--quick]

Benchmarks (the workloads of the other scripts here): ``restarts`` XOR 2-2-1 logistic, 1,000 restarts ×
2,000 full-batch epochs (neuron engine); ``sgd`` 1-2-2-1 logistic, 100,000 single-example steps (neuron
engine); ``digits`` 64-64-10 relu, Adam, batch 32, 50 epochs (float32, float64); ``throughput``
256-512-512-1 relu, SGD, batch 256, 2,560 rows × 4 epochs through ``nn.train`` (time per step, float32,
float64); ``e2e`` the two end-to-end workloads of bench_torch.py through ``nn.train`` (float32, float64).
``--quick`` shrinks every workload (to check that the script works, not to measure).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each program defines run() (one timed unit) and UNIT (what one run counts: steps, epochs), then the
# common tail below times it. {q} is 1 normally and small with --quick.
PROGRAMS = {
    "restarts": ("s per run", """
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float); Y = np.array([0, 1, 1, 0], dtype=float)
net = nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=0, init="uniform")
kw = dict(step_size=2.0, epochs=max(1, int(2000 * {q})), batch_size=None, restarts=max(4, int(1000 * {q})), seed=1,
          init="uniform", engine="neuron")
def run(): nn.train(net, X, Y, **kw)
UNIT = 1
"""),
    "sgd": ("µs per 1,000 steps", """
rng = np.random.default_rng(0); X = rng.uniform(-2, 2, (1000, 1)); Y = np.sin(X[:, 0])
net = nn.mlp([1, 2, 2, 1], hidden="logistic", seed=0)
epochs = max(1, int(100 * {q}))
def run(): nn.train(net, X, Y, step_size=0.05, epochs=epochs, batch_size=1, engine="neuron", schedule="constant")
UNIT = epochs / 1e6                      # 1,000·epochs steps: seconds -> µs per 1,000 steps
"""),
    "digits": ("ms per epoch", """
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
X, y = load_digits(return_X_y=True); X = X / 16.0
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
net = nn.mlp([64, 64, 10], hidden="relu", seed=0, dtype=DTYPE)
epochs = max(1, int(50 * {q}))
def run(): nn.train(net, Xtr, ytr, loss="cross_entropy", optimizer="adam", step_size=1e-3, epochs=epochs,
                    batch_size=32, seed=0)
UNIT = epochs / 1e3
"""),
    "throughput": ("ms per step", """
rng = np.random.default_rng(0); N = max(256, int(2560 * {q}))
X = rng.normal(size=(N, 256)).astype(DTYPE); Y = X[:, :8].sum(axis=1, keepdims=True) / 8
net = nn.mlp([256, 512, 512, 1], hidden="relu", seed=0, dtype=DTYPE)
def run(): nn.train(net, X, Y, optimizer="sgd", step_size=1e-3, epochs=4, batch_size=256, seed=0,
                    schedule="constant")
UNIT = 4 * (-(-N // 256)) / 1e3
"""),
    "e2e 256-512-512-1 SGD": ("ms per epoch", """
rng = np.random.default_rng(0); N = max(256, int(12800 * {q}))
X = rng.normal(size=(N, 256)).astype(DTYPE); Y = (X[:, :8].sum(axis=1, keepdims=True) / 8).astype(DTYPE)
net = nn.mlp([256, 512, 512, 1], hidden="relu", seed=0, dtype=DTYPE)
def run(): nn.train(net, X, Y, loss="squared", optimizer="sgd", step_size=1e-3, epochs=2, batch_size=256, seed=0,
                    schedule="constant")
UNIT = 2 / 1e3
"""),
    "e2e 784-256-128-10 Adam": ("ms per epoch", """
rng = np.random.default_rng(0); N = max(256, int(20000 * {q}))
X = rng.normal(size=(N, 784)).astype(DTYPE); y = rng.integers(0, 10, N)
net = nn.mlp([784, 256, 128, 10], hidden="relu", seed=0, dtype=DTYPE)
def run(): nn.train(net, X, y, loss="cross_entropy", optimizer="adam", step_size=1e-3, epochs=1, batch_size=128,
                    seed=0)
UNIT = 1 / 1e3
"""),
}
GROUPS = {"restarts": ["restarts"], "sgd": ["sgd"], "digits": ["digits"], "throughput": ["throughput"],
          "e2e": ["e2e 256-512-512-1 SGD", "e2e 784-256-128-10 Adam"]}
DTYPES = {"restarts": ["float64"], "sgd": ["float64"]}                   # the others: float32 and float64
TAIL = """
import statistics, time, json, warnings
warnings.simplefilter("ignore")
run()                                                                    # compile or load the cache
times = []
for _ in range(REPEATS):
    t = time.perf_counter(); run(); times.append(time.perf_counter() - t)
print(json.dumps({"value": statistics.median(times) / UNIT, "file": nn.__file__}))
"""


def program(name: str, dtype: str, quick: bool, repeats: int) -> str:
    body = PROGRAMS[name][1].replace("{q}", "0.05" if quick else "1")
    return (f"import numpy as np\nimport neuronet as nn\nDTYPE = {dtype!r}\nREPEATS = {repeats}\n" + body + TAIL)


def measure(src: Path, code: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=src.parent,
                         timeout=3600)
    if res.returncode != 0:
        raise SystemExit(f"benchmark failed in {src}:\n{res.stderr[-3000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    if not out["file"].startswith(str(src)):
        raise SystemExit(f"{src} ran the package at {out['file']} instead")
    return out["value"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ref", nargs="?", default="8e73f9a", help="the older commit (default: 8e73f9a)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per process (their median is one sample)")
    ap.add_argument("--only", default=",".join(GROUPS))
    ap.add_argument("--quick", action="store_true", help="tiny workloads: checks the script, measures nothing")
    args = ap.parse_args()
    names = [n for g in args.only.split(",") for n in GROUPS[g]]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))    # a killed run still removes its worktree
    with tempfile.TemporaryDirectory(prefix="neuronet-compare-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.ref], check=True,
                       capture_output=True, text=True)
        try:
            rev = subprocess.run(["git", "-C", str(old), "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True).stdout.strip()
            print(f"old: {args.ref} ({rev}), new: {ROOT} (working tree); {args.rounds} rounds, interleaved, "
                  f"load average {os.getloadavg()[0]:.2f}")
            trees = {"old": old / "src", "new": ROOT / "src"}
            rows = []
            for name in names:
                for dtype in DTYPES.get(name, ["float32", "float64"]):
                    code = program(name, dtype, args.quick, args.repeats)
                    got = {"old": [], "new": []}
                    for k in range(args.rounds):
                        for side in (("old", "new") if k % 2 == 0 else ("new", "old")):
                            got[side].append(measure(trees[side], code))
                    o, n = statistics.median(got["old"]), statistics.median(got["new"])
                    rows.append((name, dtype, PROGRAMS[name][0], o, n))
                    print(f"  {name:<26} {dtype:<8} old {o:10.3f}  new {n:10.3f}  {PROGRAMS[name][0]:<20} "
                          f"new/old {n / o:5.2f}", flush=True)
            print(f"\n| benchmark | dtype | unit | old ({rev}) | new | new/old |\n|---|---|---|---|---|---|")
            for name, dtype, unit, o, n in rows:
                print(f"| {name} | {dtype} | {unit} | {o:.3f} | {n:.3f} | {n / o:.2f} |")
            print(f"(load average at the end {os.getloadavg()[0]:.2f})")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)


if __name__ == "__main__":
    main()
