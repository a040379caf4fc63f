"""neuronet against PyTorch (CPU) on the same machine, in one process: restarts, digits, end to end.

1. XOR (2-2-1 logistic, squared loss, plain SGD, full batch, 2,000 epochs), R = 1,000 restarts:
   PyTorch with the restart axis in its weights (torch.bmm, the fastest PyTorch form), against
   neuronet's neuron engine.
2. Digits (64-64-10 relu, Adam 1e-3, batch 32, 50 epochs): a plain PyTorch training loop
   against neuronet's matrix engine; ms per epoch and test accuracy.
3. End to end (``--only e2e``): whole epochs through ``nn.train`` (with its shuffling, its loss
   before and after training, every copy it makes) against a plain PyTorch loop that shuffles
   every epoch (``torch.randperm``, a gathered batch, forward, loss, backward, step), the same data
   in the same process, float32 and float64, interleaved rounds (the order shuffled each round),
   medians of the epoch time:
   - 256-512-512-1 relu, SGD 1e-3, batch 256, squared loss, 12,800 rows, 2 epochs;
   - 784-256-128-10 relu, Adam 1e-3, batch 128, cross-entropy, 20,000 rows, 1 epoch.

PyTorch is not a dependency of neuronet; install it to run this (pip install torch).

    python benchmarks/bench_torch.py [--only restarts,digits,e2e] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import neuronet as nn
from neuronet.engines.layers import plain_layers

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


E2E = {"256-512-512-1 SGD b256": dict(sizes=[256, 512, 512, 1], loss="squared", optimizer="sgd", step=1e-3,
                                     batch=256, rows=12_800, epochs=2),
       "784-256-128-10 Adam b128": dict(sizes=[784, 256, 128, 10], loss="cross_entropy", optimizer="adam",
                                        step=1e-3, batch=128, rows=20_000, epochs=1)}


def e2e_data(w, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(w["rows"], w["sizes"][0])).astype(dtype)
    if w["loss"] == "cross_entropy":
        y = rng.integers(0, w["sizes"][-1], w["rows"])
    else:
        y = (X[:, :8].sum(axis=1, keepdims=True) / 8).astype(dtype)
    return X, y


def e2e_runs(torch, w, dtype):
    """Two functions that each train from the same start on the same data, for the whole run: neuronet's
    nn.train and a plain PyTorch loop."""
    X, y = e2e_data(w, dtype)
    net = nn.mlp(w["sizes"], hidden="relu", seed=0, dtype=dtype)
    kw = dict(loss=w["loss"], optimizer=w["optimizer"], step_size=w["step"], epochs=w["epochs"],
              batch_size=w["batch"], seed=0, schedule="constant")
    tdt = torch.float32 if dtype == "float32" else torch.float64
    xt = torch.tensor(X)
    yt = torch.tensor(y) if w["loss"] == "cross_entropy" else torch.tensor(y, dtype=tdt)
    layers = []
    for a, b in zip(w["sizes"], w["sizes"][1:]):
        layers += [torch.nn.Linear(a, b, dtype=tdt), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    start = []                                               # neuronet's starting weights: the same run
    for wo, bo, n_s, n_t, _ in plain_layers(net.structure):
        start += [torch.tensor(net.theta[wo:wo + n_s * n_t].reshape(n_s, n_t).T.copy()),
                  torch.tensor(net.theta[bo:bo + n_t].copy())]
    lossf = (torch.nn.functional.cross_entropy if w["loss"] == "cross_entropy"
             else lambda out, target: ((out - target) ** 2).sum(-1).mean())
    box = {}

    def run_nn():
        box["nn"] = nn.train(net, X, y, **kw)

    def run_torch():
        with torch.no_grad():
            for p, p0 in zip(model.parameters(), start):
                p.copy_(p0)
        opt = (torch.optim.SGD(model.parameters(), lr=w["step"]) if w["optimizer"] == "sgd"
               else torch.optim.Adam(model.parameters(), lr=w["step"]))
        g = torch.Generator().manual_seed(0)
        for _ in range(w["epochs"]):
            perm = torch.randperm(len(xt), generator=g)
            for b in range(0, len(xt), w["batch"]):
                idx = perm[b:b + w["batch"]]
                opt.zero_grad()
                lossf(model(xt[idx]), yt[idx]).backward()
                opt.step()

    def torch_loss():                                       # (not timed: the plain loop does not evaluate)
        with torch.no_grad():
            return lossf(model(xt), yt).item()

    return run_nn, run_torch, torch_loss, box


def end_to_end(torch, rounds=7):
    rng = np.random.default_rng(1)
    for name, w in E2E.items():
        for dtype in ("float32", "float64"):
            run_nn, run_torch, torch_loss, box = e2e_runs(torch, w, dtype)
            run_nn()
            run_torch()                                      # compile / load, warm up
            times = {"nn": [], "torch": []}
            for _ in range(rounds):
                for key in rng.permutation(["nn", "torch"]):
                    t = time.perf_counter()
                    (run_nn if key == "nn" else run_torch)()
                    times[key].append((time.perf_counter() - t) / w["epochs"])
            t_nn, t_torch = statistics.median(times["nn"]), statistics.median(times["torch"])
            ratios = sorted(a / b for a, b in zip(times["nn"], times["torch"]))
            res = box["nn"]
            print(f"{name}, {dtype}, {w['rows']:,} rows × {w['epochs']}: neuronet {t_nn * 1e3:.1f} ms/epoch "
                  f"({res.engine} engine, final loss {res.losses[res.best]:.4f}), PyTorch {t_torch * 1e3:.1f} ms/epoch "
                  f"(final loss {torch_loss():.4f}); ratio {t_nn / t_torch:.2f} (per round {ratios[0]:.2f}–"
                  f"{ratios[-1]:.2f})")


def main():
    import torch

    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="restarts,digits,e2e")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    parts = set(args.only.split(","))
    torch.set_num_threads(2)
    print(machine(), f"PyTorch {torch.__version__}")
    if "restarts" in parts:
        t_nn, t_torch = xor_restarts(torch)
        print(f"XOR, 1,000 restarts × 2,000 epochs: neuronet {t_nn:.3f} s, PyTorch bmm {t_torch:.2f} s "
              f"({t_torch / t_nn:.0f}× neuronet's time)")
    if "digits" in parts:
        e_nn, a_nn, e_t, a_t = digits(torch)
        print(f"digits 64-64-10, Adam, batch 32: neuronet {e_nn * 1e3:.2f} ms/epoch (test acc {a_nn:.3f}), "
              f"PyTorch {e_t * 1e3:.2f} ms/epoch (test acc {a_t:.3f}); ratio {e_nn / e_t:.2f}")
    if "e2e" in parts:
        end_to_end(torch, args.rounds)


if __name__ == "__main__":
    main()
