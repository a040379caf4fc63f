"""Throughput of the matrix engine against the machine's own matrix-multiply peak.

A 256-512-512-1 relu network, a batch of 256: (1) forward + gradient (``backprop.loss_and_gradient``,
the NumPy path), (2) one SGD step through ``nn.train``'s engine (the compiled epoch loop for a
layered network), (3) the network's matrix products alone in bare BLAS (the ceiling for these
shapes), each as GFLOP/s of the network over GFLOP/s of a plain NumPy matmul (256×512 @ 512×512).
The machine's speed drifts on a shared host, so the four are timed in interleaved rounds, and each
round's ratio uses the matmul of the same round; printed: the median ratio over the rounds and
its range. Aim: ≥ 0.85 in float32 and float64.

    python benchmarks/bench_throughput.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

import neuronet as nn
from neuronet import losses, optimizers
from neuronet.model.backprop import loss_and_gradient
from neuronet.engines import MatrixEngine

from _common import machine, median_time

SIZES = [256, 512, 512, 1]
B = 256


def network_flops(sizes, batch):
    fwd = sum(2 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    grad_w = fwd                                                    # o_s^T @ delta_t per block
    back = sum(2 * batch * a * b for a, b in zip(sizes[1:-1], sizes[2:]))  # delta @ W^T, not into the inputs
    return fwd + grad_w + back


def same_products(dt):
    """The matrix products forward + gradient needs, and nothing else: the ceiling for these shapes."""
    rng = np.random.default_rng(1)
    a = [rng.standard_normal((B, n)).astype(dt) for n in SIZES]            # activations / deltas per layer
    W = [rng.standard_normal((m, n)).astype(dt) for m, n in zip(SIZES[:-1], SIZES[1:])]

    def run():
        for k, w in enumerate(W):
            a[k] @ w                                                     # forward
            a[k].T @ a[k + 1]                                            # ∂L/∂W
            if k > 0:
                a[k + 1] * w.T if w.shape[1] == 1 else a[k + 1] @ w.T    # δ back (outer product when n_t = 1)
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    print(machine())
    flops = network_flops(SIZES, B)
    print(f"{'dtype':8} {'what':30} {'ms':>7} {'GFLOP/s':>8} {'matmul':>8} {'ratio':>6} {'range':>11}")
    for dt in ("float32", "float64"):
        net = nn.mlp(SIZES, hidden="relu", seed=0, dtype=dt)
        rng = np.random.default_rng(0)
        X = rng.standard_normal((B, SIZES[0])).astype(dt)
        Y = rng.standard_normal((B, 1)).astype(dt)
        S, lo = net.structure, losses.get("squared")
        theta = np.array(net.theta)[None].copy()
        grad = np.empty_like(theta)
        eng = MatrixEngine(S, lo, optimizers.get("sgd"), theta.dtype.type)
        assert eng.compiled
        perm, lr, fac = np.arange(B), np.array([1e-4]), np.ones(1)
        ra = rng.standard_normal((256, 512)).astype(dt)
        rb = rng.standard_normal((512, 512)).astype(dt)
        jobs = {"matmul": lambda: ra @ rb,
                "forward + gradient (NumPy)": lambda: loss_and_gradient(S, theta, X, Y, lo, grad=grad),
                "SGD step (train engine)": lambda: eng.epoch(theta, {}, X, Y, perm, B, lr, fac, 0),
                "the same products, BLAS only": same_products(dt)}
        times = {k: [] for k in jobs}
        for fn in jobs.values():
            median_time(fn, repeats=3, warmup=3)
        for _ in range(args.rounds):
            for k, fn in jobs.items():
                times[k].append(median_time(fn, repeats=7 if k == "matmul" else 5, warmup=2))
        peak = [2.0 * 256 * 512 * 512 / t / 1e9 for t in times["matmul"]]
        for k in list(jobs)[1:]:
            ratios = [flops / t / 1e9 / p for t, p in zip(times[k], peak)]
            t = statistics.median(times[k])
            print(f"{dt:8} {k:30} {t * 1e3:7.2f} {flops / t / 1e9:8.1f} {statistics.median(peak):8.1f} "
                  f"{statistics.median(ratios):6.2f} {min(ratios):5.2f}–{max(ratios):4.2f}")


if __name__ == "__main__":
    main()
