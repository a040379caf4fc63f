"""neuronet against PyTorch (CPU) on the same machine, in one process: restarts and digits.

1. XOR (2-2-1 logistic, squared loss, plain SGD, full batch, 2,000 epochs), R = 1,000 restarts:
   PyTorch with the restart axis in its weights (torch.bmm, the fastest PyTorch form), against
   neuronet's neuron engine.
2. Digits (64-64-10 relu, Adam 1e-3, batch 32, 50 epochs): a plain PyTorch training loop
   against neuronet's matrix engine; ms per epoch and test accuracy.

PyTorch is not a dependency of neuronet; install it to run this (pip install torch).

    python benchmarks/bench_torch.py
"""

from __future__ import annotations

import time

import numpy as np

import neuronet as nn

from _common import machine, median_time


def xor_restarts(torch, R=1000, epochs=2000):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([0, 1, 1, 0], dtype=float)
    net = nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=0, init="uniform")
    kw = dict(step_size=2.0, epochs=epochs, batch_size=None, restarts=R, seed=1, init="uniform", engine="neuron")
    nn.train(net, X, Y, **{**kw, "epochs": 1})
    t_nn = median_time(lambda: nn.train(net, X, Y, **kw), repeats=3)

    def torch_run():
        g = torch.Generator().manual_seed(0)
        x = torch.tensor(X).expand(R, 4, 2)
        y = torch.tensor(Y).reshape(1, 4, 1).expand(R, 4, 1)
        W1 = (torch.rand(R, 2, 2, generator=g, dtype=torch.float64) * 2 - 1).requires_grad_()
        b1 = (torch.rand(R, 1, 2, generator=g, dtype=torch.float64) * 2 - 1).requires_grad_()
        W2 = (torch.rand(R, 2, 1, generator=g, dtype=torch.float64) * 2 - 1).requires_grad_()
        b2 = (torch.rand(R, 1, 1, generator=g, dtype=torch.float64) * 2 - 1).requires_grad_()
        opt = torch.optim.SGD([W1, b1, W2, b2], lr=2.0)
        for _ in range(epochs):
            opt.zero_grad()
            h = torch.sigmoid(torch.bmm(x, W1) + b1)
            out = torch.sigmoid(torch.bmm(h, W2) + b2)
            loss = ((out - y) ** 2).sum(-1).mean(-1).sum()   # each restart's mean loss; summed, grads separate
            loss.backward()
            opt.step()

    t_torch = median_time(torch_run, repeats=1, warmup=0)
    return t_nn, t_torch


def digits(torch, epochs=50):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    net = nn.mlp([64, 64, 10], hidden="relu", seed=0, dtype="float32")
    box = {}
    kw = dict(loss="cross_entropy", optimizer="adam", step_size=1e-3, epochs=epochs, batch_size=32, seed=0)
    t_nn = median_time(lambda: box.__setitem__("r", nn.train(net, Xtr, ytr, **kw)), repeats=3)
    acc_nn = np.mean(box["r"].network.forward(Xte).argmax(axis=1) == yte)

    def torch_run():
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xt, yt = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(ytr)
        rng = np.random.default_rng(0)
        for _ in range(epochs):
            perm = torch.tensor(rng.permutation(len(xt)))
            for b in range(0, len(xt), 32):
                idx = perm[b:b + 32]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
                opt.step()
        box["m"] = model

    t_torch = median_time(torch_run, repeats=3)
    with torch.no_grad():
        acc_torch = (box["m"](torch.tensor(Xte, dtype=torch.float32)).argmax(1).numpy() == yte).mean()
    return t_nn / epochs, acc_nn, t_torch / epochs, acc_torch


def main():
    import torch

    torch.set_num_threads(2)
    print(machine(), f"PyTorch {torch.__version__}")
    t_nn, t_torch = xor_restarts(torch)
    print(f"XOR, 1,000 restarts × 2,000 epochs: neuronet {t_nn:.3f} s, PyTorch bmm {t_torch:.2f} s "
          f"({t_torch / t_nn:.0f}× neuronet's time)")
    e_nn, a_nn, e_t, a_t = digits(torch)
    print(f"digits 64-64-10, Adam, batch 32: neuronet {e_nn * 1e3:.2f} ms/epoch (test acc {a_nn:.3f}), "
          f"PyTorch {e_t * 1e3:.2f} ms/epoch (test acc {a_t:.3f}); ratio {e_nn / e_t:.2f}")


if __name__ == "__main__":
    main()
