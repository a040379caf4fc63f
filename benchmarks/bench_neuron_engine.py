"""Benchmark of the compiled neuron engine (``neuronet.neuron_engine``).

Measures, on this machine, side by side in one run:

(a) 1,000 restarts of XOR: 2-2-1 logistic network, squared loss, sgd, full batch of 4,
    2,000 epochs (one ``NeuronEngine.epoch`` call per epoch, as training makes them);
    next to a hand-written numba loop over restarts (prange) for the same network, and the
    matrix engine (NumPy) for the same work;
(b) single-example SGD steps per second on a 1-2-2-1 logistic network (R = 1, batch size 1);
    next to a hand-written scalar numba loop;
(c) agreement: the largest weight difference between the two engines after the 2,000 XOR epochs;
(d) compile time: a cold compile (a fresh numba cache, in a subprocess) and a load from the cache.

Timings are medians of a few repeats, after a warm-up; compile time is reported apart.
Run: ``python benchmarks/bench_neuron_engine.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
from numba import njit, prange

import neuronet as nn
from neuronet import initializers, losses, optimizers
from neuronet.engines import neuron as neuron_engine
from neuronet.model import backprop
from neuronet.engines.neuron import NeuronEngine

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


# -- hand-written references: the same math, one network shape, scalar numba loops ---------------
@njit(cache=True, parallel=True, fastmath=False)
def xor_reference(W, X, Y, lr, epochs):
    """2-2-1 logistic, squared loss, full-batch sgd; W (R, 9): hidden 2×(w_x1, w_x2, b), output (w_h1, w_h2, b)."""
    for r in prange(W.shape[0]):
        w = W[r].copy()
        g = np.zeros(9)
        for _ in range(epochs):
            g[:] = 0.0
            for n in range(4):
                x0, x1 = X[n, 0], X[n, 1]
                h0 = 1.0 / (1.0 + math.exp(-(w[0] * x0 + w[1] * x1 + w[2])))
                h1 = 1.0 / (1.0 + math.exp(-(w[3] * x0 + w[4] * x1 + w[5])))
                y = 1.0 / (1.0 + math.exp(-(w[6] * h0 + w[7] * h1 + w[8])))
                d = 2.0 * (y - Y[n, 0]) * 0.25 * y * (1.0 - y)
                d0, d1 = d * w[6] * h0 * (1.0 - h0), d * w[7] * h1 * (1.0 - h1)
                g[6] += d * h0
                g[7] += d * h1
                g[8] += d
                g[0] += d0 * x0
                g[1] += d0 * x1
                g[2] += d0
                g[3] += d1 * x0
                g[4] += d1 * x1
                g[5] += d1
            for k in range(9):
                w[k] -= lr * g[k]
        W[r] = w


@njit(cache=True, fastmath=False)
def sgd_reference(w, X, Y, lr):
    """1-2-2-1 logistic, squared loss, one example per step; w (13,) = layer 1 (2×2), layer 2 (2×3), output (3)."""
    for n in range(X.shape[0]):
        x = X[n, 0]
        a0 = 1.0 / (1.0 + math.exp(-(w[0] * x + w[1])))
        a1 = 1.0 / (1.0 + math.exp(-(w[2] * x + w[3])))
        b0 = 1.0 / (1.0 + math.exp(-(w[4] * a0 + w[5] * a1 + w[6])))
        b1 = 1.0 / (1.0 + math.exp(-(w[7] * a0 + w[8] * a1 + w[9])))
        y = 1.0 / (1.0 + math.exp(-(w[10] * b0 + w[11] * b1 + w[12])))
        d = 2.0 * (y - Y[n, 0]) * y * (1.0 - y)
        e0 = d * w[10] * b0 * (1.0 - b0)
        e1 = d * w[11] * b1 * (1.0 - b1)
        f0 = (e0 * w[4] + e1 * w[7]) * a0 * (1.0 - a0)
        f1 = (e0 * w[5] + e1 * w[8]) * a1 * (1.0 - a1)
        w[10] -= lr * d * b0
        w[11] -= lr * d * b1
        w[12] -= lr * d
        w[4] -= lr * e0 * a0
        w[5] -= lr * e0 * a1
        w[6] -= lr * e0
        w[7] -= lr * e1 * a0
        w[8] -= lr * e1 * a1
        w[9] -= lr * e1
        w[0] -= lr * f0 * x
        w[1] -= lr * f0
        w[2] -= lr * f1 * x
        w[3] -= lr * f1


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def matrix_epoch(S, lo, opt, theta, X, Y, lr_col):
    _, grad, _ = backprop.loss_and_gradient(S, theta, X, Y, lo)
    opt.step(theta, grad, {}, lr_col, 0)


# -- (a) XOR, 1,000 restarts --------------------------------------------------------------------
def bench_xor(R, epochs, repeats, with_matrix):
    net = nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=0)
    S = net.structure
    lo, opt = losses.get("squared"), optimizers.get("sgd")
    eng = NeuronEngine(S, lo, opt, np.float64)
    theta0 = initializers.draw(S, R, np.random.default_rng(0), "uniform")
    lr, factors, perm = np.full(R, 0.5), np.ones(1), np.arange(4)

    def engine_run(theta, n_epochs=epochs):
        for e in range(n_epochs):
            eng.epoch(theta, {}, XOR_X, XOR_Y, perm, 4, lr, factors, e)
        return theta

    engine_run(theta0.copy(), 5)                     # warm-up (loads the compiled kernel)
    t_engine = median_time(lambda: engine_run(theta0.copy()), repeats)

    W0 = np.random.default_rng(0).uniform(-1, 1, (R, 9))
    xor_reference(W0.copy(), XOR_X, XOR_Y, 0.5, 1)
    t_ref = median_time(lambda: xor_reference(W0.copy(), XOR_X, XOR_Y, 0.5, epochs), repeats)

    t_matrix = None
    if with_matrix:
        lr_col = lr[:, None]

        def matrix_run():
            theta = theta0.copy()
            for _ in range(epochs):
                matrix_epoch(S, lo, opt, theta, XOR_X, XOR_Y, lr_col)
        t_matrix = median_time(matrix_run, 1)

    # (c) agreement after all epochs, on a subset of restarts
    Ra = min(R, 100)
    a, b = theta0[:Ra].copy(), theta0[:Ra].copy()
    for e in range(epochs):
        eng.epoch(a, {}, XOR_X, XOR_Y, perm, 4, lr[:Ra], factors, e)
        matrix_epoch(S, lo, opt, b, XOR_X, XOR_Y, lr[:Ra, None])
    return t_engine, t_ref, t_matrix, float(np.abs(a - b).max())


# -- (b) single-example SGD on 1-2-2-1 ----------------------------------------------------------
def bench_sgd(N, repeats):
    net = nn.mlp([1, 2, 2, 1], hidden="logistic", output="logistic", seed=0)
    S = net.structure
    eng = NeuronEngine(S, losses.get("squared"), optimizers.get("sgd"), np.float64)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (N, 1))
    Y = (np.sin(3 * X) + 1) / 2
    theta = initializers.draw(S, 1, rng)
    perm = rng.permutation(N)
    lr, factors = np.full(1, 0.1), np.ones(N)
    eng.epoch(theta, {}, X[:16], Y[:16], np.arange(16), 1, lr, np.ones(16), 0)       # warm-up
    t_engine = median_time(lambda: eng.epoch(theta, {}, X, Y, perm, 1, lr, factors, 0), repeats)
    w = rng.uniform(-1, 1, 13)
    Xp, Yp = X[perm], Y[perm]
    sgd_reference(w, Xp[:16], Yp[:16], 0.1)
    t_ref = median_time(lambda: sgd_reference(w, Xp, Yp, 0.1), repeats)
    return N / t_engine, N / t_ref


# -- (d) compile time: cold (fresh cache) and cached ----------------------------------------------
COMPILE_SCRIPT = textwrap.dedent("""
    import time, numpy as np
    t = time.perf_counter()
    import neuronet as nn
    from neuronet import losses, optimizers
    from neuronet.engines.neuron import NeuronEngine
    times = [time.perf_counter() - t]
    net = nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=0)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=DTYPE); Y = np.array([[0], [1], [1], [0]], dtype=DTYPE)
    eng = NeuronEngine(net.structure, losses.get("squared"), optimizers.get("sgd"), DTYPE)
    for R in (1, 8, 1000):      # one lane; lanes on one thread; lanes on every thread
        theta = np.repeat(net.theta[None].astype(DTYPE), R, axis=0)
        t = time.perf_counter()
        eng.epoch(theta, {}, X, Y, np.arange(4), 4, np.ones(R), np.ones(1), 0)
        eng.loss(theta, X, Y)
        times.append(time.perf_counter() - t)
    print(*times)
""")


def compile_times(dtype):
    """[import, R=1, R=8, R=1000] seconds: first with a fresh cache (compiling), then loading it."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        script = COMPILE_SCRIPT.replace("DTYPE", repr(dtype))
        out = []
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
            out.append([float(v) for v in res.stdout.split()])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no matrix engine, no compile timing")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    print(f"numba {neuron_engine.numba.__version__}, {neuron_engine.numba.get_num_threads()} threads, "
          f"{neuron_engine.LANES} lanes; load average {os.getloadavg()[0]:.2f}")

    if not args.quick:
        for dtype in ("float64", "float32"):
            cold, cached = compile_times(dtype)
            print(f"(d) compile, {dtype}, fresh cache: {cold[1]:.1f} s (one lane), +{cold[2]:.1f} s (lanes), "
                  f"+{cold[3]:.1f} s (threads); from the cache: {cached[1]:.2f} + {cached[2]:.2f} + {cached[3]:.2f} s "
                  f"(plus {cached[0]:.2f} s to import neuronet)")

    t_engine, t_ref, t_matrix, diff = bench_xor(1000, 2000, repeats, with_matrix=not args.quick)
    print(f"(a) XOR, 1,000 restarts x 2,000 full-batch epochs: neuron engine {t_engine:.3f} s "
          f"({t_engine / 2e6 * 1e9:.0f} ns per restart-epoch); hand-written numba prange loop {t_ref:.3f} s "
          f"(ratio {t_engine / t_ref:.2f})" + (f"; matrix engine {t_matrix:.2f} s" if t_matrix else ""))
    print(f"(c) XOR, 100 restarts after 2,000 epochs: max |theta_neuron - theta_matrix| = {diff:.2e}")
    rate, ref_rate = bench_sgd(100_000, repeats)
    print(f"(b) single-example SGD, 1-2-2-1 logistic: neuron engine {rate / 1e6:.2f} M steps/s; "
          f"hand-written scalar numba loop {ref_rate / 1e6:.2f} M steps/s (ratio {ref_rate / rate:.2f})")
    print(f"threading layer: {neuron_engine.numba.threading_layer()}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
