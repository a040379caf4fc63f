"""Demos of what one hidden layer approximates: sin x, and an image classifier in miniature."""

from __future__ import annotations

import math

import numpy as np

from ._report import _Report, _classified, _draw, _uniform_net  # noqa: F401


# -- sine ----------------------------------------------------------------------------------------------
def _sine(r: _Report, seed: int, quick: bool) -> None:
    from ...model.graph import mlp  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415

    sizes, R, epochs = ((1, 2, 4, 8), 3, 1000) if quick else ((1, 2, 4, 8), 6, 2000)
    r.title("Universal approximation: one hidden layer fits sin x")
    r.quote("II.II", "a feed-forward neural network with only a single hidden layer […] can approximate any "
                     "continuous & bounded function under some reasonably mild conditions.")
    X = np.linspace(-math.pi, math.pi, 64)[:, None]                  # (64, 1)
    grid = np.linspace(-math.pi, math.pi, 1001)[:, None]             # (1001, 1)
    r.para(f"Networks 1-h-1 with h tanh neurons and an identity output are trained on 64 points of "
           f"sin x in [−π, π] (full batch, rprop, {epochs} epochs, {R} restarts each, the best kept). "
           "The error is measured on 1001 points of the interval.")
    rows = ["hidden neurons   max |f(x) − sin x|   mean |f(x) − sin x|"]
    fits = {}
    for h in sizes:
        net = mlp([1, h, 1], hidden="tanh", output="identity", seed=seed)
        res = train(net, X, np.sin(X), optimizer="rprop", step_size=0.05, epochs=epochs, batch_size=None,
                    restarts=R, seed=seed + h, engine="matrix")
        err = np.abs(res.network.forward(grid)[:, 0] - np.sin(grid[:, 0]))   # (1001,)
        fits[h] = res.network
        rows.append(f"{h:>14}   {err.max():>18.4f}   {err.mean():>19.5f}")
    r.table(rows)
    r.para("More neurons, a closer fit: each tanh neuron adds one smooth step, and enough steps follow any "
           "continuous curve. (The theorem says nothing about how many neurons a function needs, nor "
           "whether training finds the weights; here a handful suffice.)")

    def picture():
        from matplotlib.figure import Figure  # noqa: PLC0415

        fig = Figure(figsize=(6.4, 3.6), dpi=120, layout="constrained")
        ax = fig.add_subplot()
        ax.plot(grid[:, 0], np.sin(grid[:, 0]), color="k", lw=2.5, alpha=0.35, label="sin x")
        for h, net in fits.items():
            ax.plot(grid[:, 0], net.forward(grid)[:, 0], lw=1.2, label=f"{h} hidden")
        ax.scatter(X[:, 0], np.sin(X[:, 0]), s=6, color="k", zorder=3, label="training points")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title("one hidden layer of tanh neurons fitting sin x", fontsize=10)
        ax.legend(fontsize=7, frameon=False, ncol=2)
        return fig

    r.picture("sine_fits.png", picture)
    r.picture("sine_network.png", lambda: _draw().draw(fits[sizes[2]], title=f"sin x with {sizes[2]} hidden"))


# -- digits --------------------------------------------------------------------------------------------
def _digits(r: _Report, seed: int, quick: bool) -> None:
    from ...io import datasets  # noqa: PLC0415
    from ...model.graph import mlp  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415

    R, epochs, hidden = (2, 10, 32) if quick else (3, 30, 32)
    ds = datasets.load("digits")
    X, y = ds.X / 16.0, ds.y                                           # pixels 0…16 -> 0…1
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y))
    n_test = len(y) // 4
    te, tr = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    r.title("An image classifier in miniature: handwritten digits")
    r.quote("II.I", "we can suppose that f takes the source code of an image as input and outputs a single bit "
                    "indicating whether or not the image contains a cat.")
    r.para(f"Here the images are 8×8 pixels of handwritten digits ({len(y)} of them, from scikit-learn) "
           f"and the output is one of 10 classes. A 64-{hidden}-10 network (relu hidden neurons, one "
           f"output per digit, cross-entropy loss, adam, batches of 32, {epochs} epochs, {R} restarts with "
           f"the best chosen on 10% held out) trains on {len(tr)} images and is tested on the other "
           f"{len(te)}, which it never saw.")
    net = mlp([64, hidden, 10], hidden="relu", output="identity", seed=seed)
    res = train(net, X[tr], y[tr], loss="cross_entropy", optimizer="adam", step_size=0.01, epochs=epochs,
                batch_size=32, restarts=R, seed=seed, validation_fraction=0.1, engine="matrix")
    best = res.network
    pred = best.forward(X[te]).argmax(axis=1)
    acc = float(np.mean(pred == y[te]))
    train_acc = float(np.mean(best.forward(X[tr]).argmax(axis=1) == y[tr]))
    r.table([f"training accuracy   {train_acc:.1%}",
             f"test accuracy       {acc:.1%}   ({int(np.sum(pred == y[te]))} of {len(te)} unseen images)"])
    per = [float(np.mean(pred[y[te] == c] == c)) for c in range(10)]
    r.table(["digit      " + " ".join(f"{c:>5}" for c in range(10)),
             "accuracy   " + " ".join(f"{p:>5.0%}" for p in per)])
    r.para("The seed's cat detector works the same way, with more pixels, more neurons and more examples.")
    wrong = np.flatnonzero(pred != y[te])

    def picture():
        from matplotlib.figure import Figure  # noqa: PLC0415

        show = list(range(12)) + list(wrong[:6])
        fig = Figure(figsize=(7.2, 2.6), dpi=120, layout="constrained")
        axes = fig.subplots(2, 9)
        for ax, k in zip(axes.ravel(), show):
            ax.imshow(X[te][k].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            good = pred[k] == y[te][k]
            ax.set_title(f"{pred[k]}" + ("" if good else f" (is {y[te][k]})"), fontsize=8,
                         color="#1a7f37" if good else "#b2182b")
            ax.set_axis_off()
        for ax in axes.ravel()[len(show):]:
            ax.set_axis_off()
        fig.suptitle(f"test images and the network's answers ({acc:.1%} correct; red: mistakes)", fontsize=9)
        return fig

    r.picture("digits_examples.png", picture)
    r.picture("digits_loss.png", lambda: _draw().loss_curves(res, title="digits: loss per epoch"))


