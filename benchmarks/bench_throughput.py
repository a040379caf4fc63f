"""Throughput of the matrix engine against the machine's own matrix-multiply peak.

A 256-512-512-1 relu network, a batch of 256: (1) forward + gradient, (2) one SGD step
through ``nn.train``'s engine, reported as GFLOP/s of the network over GFLOP/s of a
plain NumPy matmul measured in the same run. Aim: ≥ 0.85 in float32 and float64.

    python benchmarks/bench_throughput.py
"""

from __future__ import annotations

import numpy as np

import neuronet as nn
from neuronet import losses, optimizers
from neuronet.backprop import loss_and_gradient
from neuronet.train import MatrixEngine

from _common import machine, matmul_gflops, median_time

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
    print(machine())
    flops = network_flops(SIZES, B)
    rows = []
    for dt in ("float32", "float64"):
        net = nn.mlp(SIZES, hidden="relu", seed=0, dtype=dt)
        rng = np.random.default_rng(0)
        X = rng.standard_normal((B, SIZES[0])).astype(dt)
        Y = rng.standard_normal((B, 1)).astype(dt)
        S, lo = net.structure, losses.get("squared")
        theta = np.array(net.theta)[None].copy()
        grad = np.empty_like(theta)
        peak = matmul_gflops(dt)
        t_grad = median_time(lambda: loss_and_gradient(S, theta, X, Y, lo, grad=grad), repeats=30, warmup=3)
        eng = MatrixEngine(S, lo, optimizers.get("sgd"), theta.dtype.type)
        perm = np.arange(B)
        lr, fac = np.array([1e-4]), np.ones(1)
        t_step = median_time(lambda: eng.epoch(theta, {}, X, Y, perm, B, lr, fac, 0), repeats=30, warmup=3)
        t_blas = median_time(same_products(dt), repeats=30, warmup=3)
        peak2 = matmul_gflops(dt)                                   # again, to bracket the noise
        peak = max(peak, peak2)
        for what, t in (("forward + gradient", t_grad), ("SGD step (train engine)", t_step),
                        ("the same products, BLAS only", t_blas)):
            g = flops / t / 1e9
            rows.append((dt, what, t * 1e3, g, peak, g / peak))
    print(f"{'dtype':8} {'what':26} {'ms':>7} {'GFLOP/s':>8} {'matmul':>8} {'ratio':>6}")
    for dt, what, ms, g, peak, ratio in rows:
        print(f"{dt:8} {what:26} {ms:7.2f} {g:8.1f} {peak:8.1f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
