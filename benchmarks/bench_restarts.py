"""Restarts as an array axis: XOR (2-2-1 logistic), 2,000 full-batch epochs, R = 1, 10, 100, 1,000.

Side by side in one process: neuronet's compiled neuron engine and its matrix engine
(all R restarts at once) against fitting scikit-learn's MLPRegressor R times (the same
network, plain SGD, full batch, 2,000 epochs). scikit-learn's R = 100 and 1,000 loops are
extrapolated from the median of ``SK_FITS`` single fits (1,000 fits take ~5 minutes); the
script says so in its output. Compilation time is reported apart.
Aim: R = 1,000 at least 1,000× faster than the scikit-learn loop, and well under 0.5 s.

    python benchmarks/bench_restarts.py [--sk-fits 10]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import neuronet as nn

from _common import machine, median_time

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([0, 1, 1, 0], dtype=float)
EPOCHS = 2000


def sklearn_fit_seconds(n_fits: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def fit(seed):
        m = MLPRegressor(hidden_layer_sizes=(2,), activation="logistic", solver="sgd", learning_rate_init=0.5,
                         momentum=0.0, batch_size=4, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
                         shuffle=False, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(X, Y)

    times = []
    for s in range(n_fits):
        t = time.perf_counter()
        fit(s)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sk-fits", type=int, default=10)
    args = ap.parse_args()
    print(machine())
    net = nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=0, init="uniform")
    t = time.perf_counter()
    nn.train(net, X, Y, step_size=2.0, epochs=1, batch_size=None, restarts=2, engine="neuron")
    print(f"neuron engine: first call (compile or load from the on-disk cache) {time.perf_counter() - t:.2f} s")
    sk = sklearn_fit_seconds(args.sk_fits)
    print(f"scikit-learn MLPRegressor: one fit of {EPOCHS} epochs = {sk * 1e3:.1f} ms "
          f"(median of {args.sk_fits} fits)")
    print(f"{'R':>5} {'neuron s':>9} {'matrix s':>9} {'sklearn s':>10} {'sklearn/neuron':>15} {'solved':>7}")
    for R in (1, 10, 100, 1000):
        kw = dict(step_size=2.0, epochs=EPOCHS, batch_size=None, restarts=R, seed=1, init="uniform")
        tn = median_time(lambda: nn.train(net, X, Y, engine="neuron", **kw), repeats=5 if R < 1000 else 3)
        tm = median_time(lambda: nn.train(net, X, Y, engine="matrix", **kw), repeats=3 if R < 1000 else 1,
                         warmup=0 if R == 1000 else 1)
        r = nn.train(net, X, Y, engine="neuron", **kw)
        solved = np.mean([((r.network_at(k).forward(X)[:, 0] > 0.5) == Y.astype(bool)).all() for k in range(R)])
        sk_R = sk * R
        mark = "" if R <= args.sk_fits else "*"
        print(f"{R:>5} {tn:9.4f} {tm:9.4f} {sk_R:9.1f}{mark} {sk_R / tn:15.0f} {solved:7.0%}")
    print("* extrapolated: R × the median single-fit time")


if __name__ == "__main__":
    main()
