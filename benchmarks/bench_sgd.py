"""Per-example SGD, the seed's own algorithm: a 1-2-2-1 logistic network, 100,000 single-example steps.

neuronet's compiled neuron engine against its matrix engine and scikit-learn's
MLPRegressor with batch_size=1, in one process. Aim: ≥ 5 million steps per second.

    python benchmarks/bench_sgd.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import neuronet as nn

from _common import machine, median_time

N, EPOCHS = 1000, 100            # 100,000 single-example steps


def main():
    print(machine())
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (N, 1))
    Y = np.sin(X[:, 0])
    net = nn.mlp([1, 2, 2, 1], hidden="logistic", seed=0)
    steps = N * EPOCHS
    nn.train(net, X, Y, epochs=1, batch_size=1, engine="neuron")   # compile / load the cache
    t_n = median_time(lambda: nn.train(net, X, Y, step_size=0.05, epochs=EPOCHS, batch_size=1, engine="neuron"),
                      repeats=5)
    t_m = median_time(lambda: nn.train(net, X, Y, step_size=0.05, epochs=2, batch_size=1, engine="matrix"),
                      repeats=3) * EPOCHS / 2

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def sk():
        m = MLPRegressor(hidden_layer_sizes=(2, 2), activation="logistic", solver="sgd", batch_size=1,
                         learning_rate_init=0.05, momentum=0.0, max_iter=2, tol=0.0, n_iter_no_change=10,
                         random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(X, Y)

    t_s = median_time(sk, repeats=3) * EPOCHS / 2
    print(f"{'implementation':28} {'steps/s':>14} {'vs sklearn':>11}")
    for name, t in (("neuronet neuron engine", t_n), ("neuronet matrix engine", t_m),
                    ("scikit-learn batch_size=1", t_s)):
        print(f"{name:28} {steps / t:14,.0f} {t_s / t:10.0f}×")
    print("(matrix engine and scikit-learn timed on 2 epochs and scaled to 100 epochs)")


if __name__ == "__main__":
    main()
