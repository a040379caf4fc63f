"""Digits (64-64-10), Adam, batch 32, 50 epochs: neuronet against scikit-learn's MLPClassifier.

Both train the same network (relu hidden layer, softmax cross-entropy, Adam at 1e-3,
batch 32, 50 epochs, no early stopping) on the same 75/25 split of scikit-learn's
digits; reported: ms per epoch (median of 3 fits), the ratio, and test accuracy.
Aim: an epoch in at most 0.35× scikit-learn's time, with equal test accuracy.

    python benchmarks/bench_digits.py
"""

from __future__ import annotations

import warnings

import numpy as np

import neuronet as nn

from _common import machine, median_time

EPOCHS = 50


def main():
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    print(machine())
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    rows = []
    for dt in ("float64", "float32"):
        net = nn.mlp([64, 64, 10], hidden="relu", seed=0, dtype=dt)
        kw = dict(loss="cross_entropy", optimizer="adam", step_size=1e-3, epochs=EPOCHS, batch_size=32, seed=0)
        res = {}
        t = median_time(lambda: res.setdefault("r", nn.train(net, Xtr, ytr, **kw)), repeats=3, warmup=1)
        acc = np.mean(res["r"].network.forward(Xte).argmax(axis=1) == yte)
        rows.append((f"neuronet ({dt}, {res['r'].engine} engine)", t / EPOCHS, acc))

    def sk():
        m = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", solver="adam", learning_rate_init=1e-3,
                          batch_size=32, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(Xtr, ytr)
        return m

    box = {}
    t_s = median_time(lambda: box.setdefault("m", sk()), repeats=3, warmup=1)
    rows.append(("scikit-learn MLPClassifier", t_s / EPOCHS, box["m"].score(Xte, yte)))
    sk_epoch = t_s / EPOCHS
    print(f"{'implementation':40} {'ms/epoch':>9} {'× sklearn':>10} {'test acc':>9}")
    for name, t, acc in rows:
        print(f"{name:40} {t * 1e3:9.2f} {t / sk_epoch:10.2f} {acc:9.3f}")


if __name__ == "__main__":
    main()
