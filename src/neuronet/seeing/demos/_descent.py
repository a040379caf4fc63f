"""Demos of the seed's gradient descent (III.I): the loss as a function of one weight, and which number
a loss makes a network fit (the mean or the median)."""

from __future__ import annotations

import numpy as np

from ._report import _draw, _Report  # noqa: F401


# -- one-weight ----------------------------------------------------------------------------------------
def _one_weight(r: _Report, seed: int, quick: bool) -> None:
    from ...model.examples import running_example, running_example_input  # noqa: PLC0415

    del seed, quick                                      # nothing random, and already quick
    net = running_example()
    x, y = running_example_input()
    edge = (6, 9)
    w0 = net.weights[edge]

    def loss_at(w: float) -> float:
        """L(w₆,₉): the loss on (x, y) with every other weight fixed."""
        other = net.copy()
        other.set_weights({edge: w})
        return other.loss(x, y)

    g = net.gradient(x, y)
    slope = g.weights[edge]                              # ∂L/∂w₆,₉ by backpropagation
    h = 1e-6
    central = (loss_at(w0 + h) - loss_at(w0 - h)) / (2 * h)
    o6 = net.trace(x).o[6]
    curvature = 2 * o6 ** 2                              # z₉ is linear in w₆,₉, so L is a parabola in it
    best = w0 - slope / curvature
    r.title("The loss as a function of one weight, L(w₆,₉)")
    r.quote("III.I", "Suppose we arbitrarily pick out one such weight w_i,j, and pretend that all other weights "
                     "are fixed. Then we can consider the difference as a function of that weight. We call that "
                     "function the loss function.")
    r.para(f"The seed's running example on its example x = 0.5, y = 1: every weight fixed but w₆,₉ = {w0:g}. "
           f"L(w₆,₉) = (y − ŷ)², and ŷ = z₉ = w₆,₉·o₆ + w₇,₉·o₇ + w₈,₉ is linear in w₆,₉, so L is a "
           f"parabola in it, with its lowest point at w₆,₉ = {best:.4f}.")
    sign = lambda v: f"{v:.6f}".replace("-", "−")  # noqa: E731
    r.table([f"L(w₆,₉ = {w0:g})                            {sign(loss_at(w0))}",
             f"∂L/∂w₆,₉ by backpropagation (δ₉·o₆)      {sign(slope)}",
             f"(L(w + h) − L(w − h)) / 2h, h = 1e-6     {sign(central)}"])
    falls = slope < 0
    r.para(f"The slope is {'negative' if falls else 'positive'}, so L {'falls' if falls else 'rises'} as w₆,₉ "
           f"grows: L({w0 + 0.1:g}) = {loss_at(w0 + 0.1):.4f} against L({w0:g}) = {loss_at(w0):.4f}.")
    r.quote("III.I", "If ∂L/∂w_i,j is positive, we know that L will increase if we increase the value for w_i,j "
                     "[…] If it is negative, we know that L will decrease if we increase the value for w_i,j.")
    r.quote("III.III", "We don't want the step size to be too large; otherwise, we would keep jumping over the "
                       "target.")
    eta_best = 1.0 / curvature                           # one step lands on the lowest point
    steps = {"too small": 0.1 * eta_best, "right": eta_best, "large": 1.8 * eta_best,
             "too large": 2.2 * eta_best}
    r.para(f"Five steps w ← w − η·∂L/∂w from w₆,₉ = {w0:g}, on this one example. On a parabola each step "
           f"multiplies the distance to the lowest point by 1 − η·L'' (L'' = 2·o₆² = {curvature:.4f}): "
           f"η = 1/L'' = {eta_best:.4f} lands on it in one step; between 1/L'' and 2/L'' every step jumps "
           "over the target and back, closing in; beyond 2/L'' every jump lands further away.")
    paths = {}
    rows = ["step size         η        w after each step                         L after 5"]
    for name, eta in steps.items():
        w = [w0]
        for _ in range(5):
            other = net.copy()
            other.set_weights({edge: w[-1]})
            w.append(w[-1] - eta * other.gradient(x, y).weights[edge])
        paths[name] = (eta, w)
        rows.append(f"{name:<12} {eta:>7.3f}   " + " ".join(f"{v:>6.3f}" for v in w[1:]) + f"   {loss_at(w[-1]):>9.2e}")
    r.table(rows)
    dist = {name: abs(w[-1] - best) for name, (eta, w) in paths.items()}
    r.para(f"Distance to the lowest point after five steps: {dist['too small']:.3f} (too small: still on the "
           f"way), {dist['right']:.1e} (right), {dist['large']:.3f} (large: it jumped over the target five "
           f"times), {dist['too large']:.3f} (too large: it started {abs(w0 - best):.3f} away and moves off).")

    def picture():
        from matplotlib.figure import Figure  # noqa: PLC0415

        fig = Figure(figsize=(9.6, 3.4), dpi=120, layout="constrained")
        axes = fig.subplots(1, 3, sharey=True)
        grid = np.linspace(best - 2.2, best + 2.2, 201)
        curve = [loss_at(w) for w in grid]
        for ax, name in zip(axes, ("too small", "large", "too large")):
            eta, w = paths[name]
            ax.plot(grid, curve, color="k", lw=1.5, label="L(w₆,₉)")
            ax.plot(grid, loss_at(w0) + slope * (grid - w0), color="#ff7f0e", lw=1.0, ls="--",
                    label=f"tangent, slope ∂L/∂w = {slope:.3f}")
            ws = np.array(w)
            ls = np.array([loss_at(v) for v in ws])
            ax.plot(ws, ls, "o-", color="#1f77b4", ms=4, lw=0.8, label="SGD steps")
            ax.set_ylim(-0.05, max(curve) * 0.7)
            ax.set_title(f"η = {eta:.3f} ({name})", fontsize=9)
            ax.set_xlabel("w₆,₉")
        axes[0].set_ylabel("L = (y − ŷ)²")
        axes[0].legend(fontsize=7, frameon=False, loc="upper center")
        return fig

    r.picture("one_weight.png", picture)


# -- median --------------------------------------------------------------------------------------------
def _median(r: _Report, seed: int, quick: bool) -> None:
    from ...model.graph import Graph  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415

    N, epochs, eta = 200, (100 if quick else 200), 0.1
    rng = np.random.default_rng(seed)
    y = rng.lognormal(mean=0.5, sigma=0.8, size=N)                      # (N,) skewed: a long right tail
    X = np.zeros((N, 1))                                                # one input, always 0: a constant fit
    mean, median = float(y.mean()), float(np.median(y))
    r.title("Squared error fits the mean, absolute error the median")
    r.quote("a comment below it", "the Bayes (optimal) estimator of the squared error, will be the mean of the "
                        "distribution, whereas the optimal estimator of the MAE will be the median.")
    r.para(f"{N} skewed targets (log-normal, a long right tail): mean {mean:.4f}, median {median:.4f}. The "
           "network is one input that is always 0, a bias neuron and an identity output, so ŷ = w_b: the "
           "number it fits. Per-example SGD (the seed's), step size η₀ = 0.1, "
           f"{epochs} epochs, once with each loss and each schedule.")

    def fit(loss: str, schedule: str) -> tuple[float, str]:
        g = Graph()
        xin, b = g.input(), g.bias()
        out = g.output("identity")
        g.connect(xin, out, 0.0)
        g.connect(b, out, 0.0)
        res = train(g.build(), X, y, loss=loss, step_size=eta, epochs=epochs, batch_size=1, seed=seed,
                    schedule=schedule, engine="matrix")
        return float(res.network.forward([0.0])[0]), res.config["schedule"]

    runs = {}
    for loss in ("squared", "absolute"):
        for schedule in ("auto", "constant"):
            runs[loss, schedule] = fit(loss, schedule)
    rows = ["loss      schedule                ŷ         mean      median    |ŷ − target|"]
    for (loss, schedule), (yhat, described) in runs.items():
        target = mean if loss == "squared" else median
        rows.append(f"{loss:<9} {described:<22}  {yhat:<8.4f}  {mean:<8.4f}  {median:<8.4f}  {abs(yhat - target):.4f}")
    r.table(rows)
    sq, ab = runs["squared", "auto"][0], runs["absolute", "auto"][0]
    const = runs["squared", "constant"][0]
    r.para(f"With the decreasing step (plain SGD's default) squared error settles on the mean ({sq:.4f} against "
           f"{mean:.4f}) and absolute error on the median ({ab:.4f} against {median:.4f}): on skewed data they "
           f"are {mean - median:.2f} apart, and the loss decides which one a network predicts.")
    r.quote("III.I", "It usually decreases over the course of the algorithm, i.e., we move the weights more in "
                     "the beginning when we know they aren't yet any good.")
    r.para(f"A constant step of 0.1 never settles: each example pulls ŷ a fifth of the way towards itself "
           "(η·∂L/∂ŷ = 0.1·2·(ŷ − y)), so "
           f"ŷ follows the last few examples and ends at {const:.4f}, {abs(const - mean):.2f} from the mean. "
           "The decreasing step shrinks the pull until ŷ averages over all of them.")

    def picture():
        from matplotlib.figure import Figure  # noqa: PLC0415

        fig = Figure(figsize=(6.4, 3.4), dpi=120, layout="constrained")
        ax = fig.add_subplot()
        ax.hist(y, bins=40, color="#cccccc", edgecolor="white")
        for value, label, color, style in [(mean, "mean", "#d62728", "-"), (median, "median", "#1f77b4", "-"),
                                           (sq, "squared error fit", "#d62728", "--"),
                                           (ab, "absolute error fit", "#1f77b4", "--"),
                                           (const, "squared, constant step", "#ff7f0e", ":")]:
            ax.axvline(value, color=color, ls=style, lw=1.6, label=f"{label} {value:.3f}")
        ax.set_xlabel("target y")
        ax.set_ylabel("examples")
        ax.set_title("skewed targets: the number each loss fits", fontsize=10)
        ax.legend(fontsize=7, frameon=False)
        return fig

    r.picture("median.png", picture)
