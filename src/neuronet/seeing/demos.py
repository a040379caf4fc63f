"""Demonstrations of the seed's claims, each a few seconds long, each printing what it shows.

===========  ==================================================================================
name         what it shows
===========  ==================================================================================
xor          a 2-2-1 logistic network gets stuck on XOR in some random starts; restarts rescue it
sine         one hidden layer approximates a smooth function, better with more neurons
boolean      one architecture of 2ⁿ step units computes every boolean function; parity needs n; counting
multiply     the 4-neuron multiplication gate (error ∝ λ²) and deep versus shallow products
symmetry     Rumelhart, Hinton & Williams' mirror-symmetry network and its 1:2:4 weights
digits       an image classifier in miniature (8×8 handwritten digits), the seed's "cat" example
===========  ==================================================================================

>>> from neuronet import demos
>>> print(demos.run("boolean").splitlines()[0])
Any boolean function with one hidden layer: one architecture, and counting
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataError

NAMES = ("xor", "sine", "boolean", "multiply", "symmetry", "digits")

DESCRIPTIONS = {
    "xor": "random restarts rescue a 2-2-1 logistic network that gets stuck on XOR",
    "sine": "universal approximation: one hidden layer fits sin x, better with more neurons",
    "boolean": "one hidden layer of 2^n step units computes every boolean function; the counting bound",
    "multiply": "the 4-neuron multiplication gate, and deep versus shallow product networks",
    "symmetry": "Rumelhart, Hinton & Williams' mirror-symmetry network and its 1:2:4 weights",
    "digits": "a small image classifier on 8x8 handwritten digits (the seed's cat example)",
}

WIDTH = 80


def run(name: str, out_dir: str | Path | None = None, seed: int = 0, *, quick: bool = False) -> str:
    """Run the demonstration ``name`` and return what it shows, as text of at most 80 columns.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    out_dir : str or Path, optional
        Save the demonstration's pictures there (PNG; the folder is created if needed).
    seed : int, default 0
        Seeds the restarts and any random choice; the same seed gives the same text.
    quick : bool, default False
        Fewer restarts and epochs (for tests); the claims are the same, the numbers rougher.

    Returns
    -------
    str
        The report, ending with the list of pictures saved (if any).
    """
    if not isinstance(name, str) or name.lower() not in NAMES:
        raise DataError(f"Unknown demo {name!r}. Known demos: {', '.join(NAMES)}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a non-negative integer; received seed={seed!r}.")
    out = None
    if out_dir is not None:
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise DataError(f"out_dir {str(out)!r} exists and is not a folder; give a folder for the pictures.")
        out.mkdir(parents=True, exist_ok=True)
    demo: Callable = _DEMOS[name.lower()]
    report = _Report()
    demo(report, int(seed), bool(quick))
    if out is not None:
        report.save_pictures(out)
    return report.text()


# -- a report: lines and pictures -----------------------------------------------------------------
class _Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pictures: list[tuple[str, object]] = []   # (file name, Figure or a function making one)
        self.saved: list[Path] = []

    def title(self, text: str) -> None:
        self.lines += [text, "=" * len(text), ""]

    def para(self, text: str, indent: int = 0) -> None:
        self.lines += textwrap.wrap(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * indent,
                                    break_on_hyphens=False) + [""]

    def quote(self, where: str, text: str) -> None:
        self.lines += textwrap.wrap(f"The seed ({where}): “{text}”", WIDTH, subsequent_indent="  ",
                                    break_on_hyphens=False) + [""]

    def table(self, rows: list[str]) -> None:
        self.lines += ["  " + r for r in rows] + [""]

    def picture(self, name: str, make: Callable) -> None:
        """Register a picture; ``make()`` draws it only when pictures are saved."""
        self.pictures.append((name, make))

    def save_pictures(self, out: Path) -> None:
        from . import draw  # noqa: PLC0415 (matplotlib only when pictures are wanted)

        for name, make in self.pictures:
            fig = make()
            self.saved.append(draw.save(fig, out / name, dpi=120))
        self.lines += ["Pictures:"] + [f"  {p}" for p in self.saved] + [""]

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _classified(net, X: np.ndarray, y: np.ndarray) -> bool:
    """Every example on the right side of ½ (one logistic output, targets 0/1)."""
    return bool(np.all((net.forward(X)[:, 0] > 0.5) == (y > 0.5)))


def _uniform_net(sizes, scale: float, rng: np.random.Generator, hidden="logistic", output="logistic"):
    """An mlp whose weights are drawn uniformly from [−scale, scale] (as the classic papers did)."""
    from ..model.graph import mlp  # noqa: PLC0415

    net = mlp(sizes, hidden=hidden, output=output, seed=0)
    net.set_weights({ij: float(rng.uniform(-scale, scale)) for ij in net.weights})
    return net


# -- xor -----------------------------------------------------------------------------------------------
def _xor(r: _Report, seed: int, quick: bool) -> None:
    from ..io import datasets  # noqa: PLC0415
    from ..training import train  # noqa: PLC0415

    R, epochs, eta = (30, 1000, 0.5) if quick else (100, 2000, 0.5)
    ds = datasets.load("xor")
    X, y = ds.X, ds.y.astype(np.float64)
    r.title("XOR: random restarts rescue the runs that get stuck")
    r.quote("III.III", "The practical solution is simply to run the entire backpropagation algorithm a bunch "
                       "of times, say 1000 times, starting from different initial weights.")
    r.para(f"A 2-2-1 network of logistic neurons learns XOR by the seed's backpropagation: squared loss, "
           f"one example at a time, a constant step size {eta} (as in the experiments behind the figure "
           f"below), {epochs} epochs. {R} restarts train at once, each "
           "from initial weights drawn uniformly from [−1, 1]. A restart is stuck when, after training, "
           "some of the four outputs is on the wrong side of 0.5.")
    rng = np.random.default_rng(seed)
    net = _uniform_net([2, 2, 1], 1.0, rng)
    res = train(net, X, y, loss="squared", optimizer="sgd", step_size=eta, schedule="constant", epochs=epochs,
                batch_size=1, restarts=R, seed=seed, init="uniform", init_scale=1.0, engine="matrix")
    solved = np.array([res.status[k] != "diverged" and _classified(res.network_at(k), X, y) for k in range(R)])
    stuck = int((~solved).sum())
    stuck_losses = res.losses[~solved]
    r.table([f"restarts that solved XOR       {int(solved.sum()):>4} of {R}",
             f"restarts stuck                 {stuck:>4} of {R}  ({stuck / R:.0%})"
             + (f", their loss {np.min(stuck_losses):.3f} to {np.max(stuck_losses):.3f}" if stuck else "")])
    r.para("The literature reports about 15% of such starts failing to converge (initial weights in ±1): "
           "plain gradient descent ends in a local minimum or a flat region where one pattern is wrong.")
    best = res.network
    yhat = best.forward(X)[:, 0]
    ok = _classified(best, X, y)
    r.para(f"The best restart (#{res.best}, loss {res.losses[res.best]:.2g}) "
           + ("solves XOR:" if ok else "does not solve XOR either; try more epochs or restarts:"))
    r.table([" x1  x2   x1 XOR x2   network output"]
            + [f"{int(a):>3} {int(b):>3}   {int(t):>8}   {v:>14.3f}" for (a, b), t, v in zip(X, y, yhat)])
    r.picture("xor_network.png", lambda: _draw().draw(best, title="XOR, the best restart"))
    r.picture("xor_loss.png", lambda: _draw().loss_curves(res, title=f"XOR: {R} restarts"))
    r.picture("xor_boundary.png", lambda: _draw().decision_boundary(best, X, ds.y, title="XOR, the best restart"))


def _draw():
    from . import draw  # noqa: PLC0415

    return draw


# -- sine ----------------------------------------------------------------------------------------------
def _sine(r: _Report, seed: int, quick: bool) -> None:
    from ..model.graph import mlp  # noqa: PLC0415
    from ..training import train  # noqa: PLC0415

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


# -- boolean -------------------------------------------------------------------------------------------
def _boolean(r: _Report, seed: int, quick: bool) -> None:
    from .construct import boolean, counting_bound, parity, patterns  # noqa: PLC0415

    r.title("Any boolean function with one hidden layer: one architecture, and counting")
    r.quote("II.II", "there is an architecture for a neural network (i.e., a graph) such that, for each "
                     "possible function f: {0,1}ⁿ → {0,1}, there is a set of weights such that the neural "
                     "network defined by that architecture & that set of weights implements that function.")
    n = 3
    P = patterns(n)                                                    # (8, 3)
    r.para("The architecture: one hidden step unit per input pattern p, all 2ⁿ of them, with weights +1 "
           "where p_i = 1 and −1 where p_i = 0 and bias ½ − |p|₁, so that it fires on p alone; the output "
           "is step(Σ_p f(p)·h_p − ½). Only the output weights f(p) depend on the function. For n = 3, "
           "all 2^(2³) = 256 functions:")
    nets = [boolean([(f >> (2 ** n - 1 - r_)) & 1 for r_ in range(2 ** n)], architecture="universal")
            for f in range(2 ** 2 ** n)]
    first = nets[0]
    hidden_weights = lambda net: {ij: w for ij, w in net.weights.items() if ij[1] not in net.outputs}  # noqa: E731
    same_graph = sum(net.edges == first.edges and [nu.kind for nu in net.neurons] == [nu.kind for nu in first.neurons]
                     and hidden_weights(net) == hidden_weights(first) for net in nets)
    exact = sum(bool(np.array_equal(net.forward(P)[:, 0], [(f >> (2 ** n - 1 - k)) & 1 for k in range(2 ** n)]))
                for f, net in enumerate(nets))
    output_weights = {tuple(w for ij, w in net.weights.items() if ij[1] in net.outputs) for net in nets}
    hidden = first.info["construction"]["hidden_neurons"]
    r.table([f"functions computed exactly on all 8 inputs     {exact} of {len(nets)}",
             f"same neurons, edges and hidden weights         {same_graph} of {len(nets)}   "
             f"({n}-{hidden}-1, {len(first.edges)} edges)",
             f"different output-weight vectors                {len(output_weights)}"])
    r.para("Parity (1 when an odd number of bits is set) is not a hard case, though: n threshold units "
           "suffice, h_k = step(Σx − k + ½) (at least k bits set) and the output step(Σ_k (−1)^(k+1)·h_k − ½). "
           "One unit per true pattern would take 2ⁿ⁻¹:")
    rows = [" n   parity network: hidden   exact on all 2ⁿ inputs   a unit per true pattern"]
    all_exact = True
    for k in ((3, 6, 8) if quick else (3, 6, 8, 12)):
        Pk = patterns(k)
        ok = bool(np.array_equal(parity(k).forward(Pk)[:, 0], Pk.sum(axis=1) % 2))
        all_exact &= ok
        rows.append(f"{k:>2}   {k:>22}   {'yes' if ok else 'NO':>22}   {2 ** (k - 1):>23}")
    r.table(rows)
    r.quote("II.II", "there is also a second theorem which shows that this is a lower bound – an (architecture "
                     "for a) neural network implementing this kind of function has to have an exponential "
                     "number of neurons in n")
    r.para("The lower bound is about all functions at once, and it is proved by counting, not by an example. "
           "By Cover's function counting theorem (1965) a threshold unit with d weights splits m points in "
           "at most C(m, d) = 2·Σ_{k<d} C(m−1, k) ≤ 2·m^(d−1) ways. A hidden unit sees the 2ⁿ patterns "
           "through n + 1 weights, the output sees at most 2ⁿ hidden vectors through h + 1, so h hidden "
           "units compute at most C(2ⁿ, n+1)^h · C(2ⁿ, h+1) functions. There are 2^(2ⁿ) functions: h must "
           "grow at least like (2ⁿ − 1)/(n² + n + 1), exponentially in n.")
    rows = [" n   log₂ functions   log₂ T(n)   hidden units needed   closed form      2ⁿ",
            "     = 2ⁿ             (Cover)     (counting)            (≤ counting)"]
    for k in (2, 4, 6, 8, 10, 12, 14, 16):
        c = counting_bound(k)
        rows.append(f"{k:>2}   {c.functions_log2:>14}   {c.threshold_log2:>9.1f}   {c.h_min:>19}   "
                    f"{c.h_closed:>11}   {c.universal:>5}")
    r.table(rows)
    r.para(f"Every network above is {'exact' if exact == len(nets) and all_exact else 'NOT exact'} on every "
           "input. Most functions of n bits need exponentially many hidden units (the count), a few famous "
           "ones like parity do not, and one architecture of 2ⁿ units serves them all (the construction).")
    xor3 = nets[0b01101001]
    r.picture("boolean_universal.png", lambda: _draw().draw(xor3, title="the universal architecture, n = 3: parity"))
    r.picture("boolean_parity.png", lambda: _draw().draw(parity(4), title="parity of 4 bits with 4 hidden units"))


# -- multiply ------------------------------------------------------------------------------------------
def _multiply(r: _Report, seed: int, quick: bool) -> None:
    from .construct import derivative, multiplication_gate, product_report  # noqa: PLC0415

    r.title("Multiplication: a gate of four neurons, and deep versus shallow products")
    r.quote("II.III", "it is possible to rigorously prove that at least some specific neural networks cannot be "
                      "flattened without losing efficiency.")
    r.para("Lin, Tegmark & Rolnick's gate: four softplus neurons σ(±λ(u+v)), σ(±λ(u−v)) and an identity "
           "output give m(u, v) = [σ(λ(u+v)) + σ(−λ(u+v)) − σ(λ(u−v)) − σ(−λ(u−v))] / (4λ²σ''(0)) = "
           "u·v·(1 + O(λ²)). Its relative error on points with |u|, |v| in [½, 1]:")
    rng = np.random.default_rng(seed)
    U = rng.uniform(0.5, 1.0, size=(2000, 2)) * rng.choice([-1.0, 1.0], size=(2000, 2))   # (B, 2)
    uv = U[:, 0] * U[:, 1]
    rows = ["     λ   max relative error   error / λ²   predicted λ²·|c|·max(u²+v²)"]
    scales = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4, 1e-5)
    errors = []
    for lam in scales:
        gate = multiplication_gate("softplus", scale=lam)
        err = float(np.max(np.abs(gate.forward(U)[:, 0] - uv) / np.abs(uv)))
        c = abs(gate.info["construction"]["error_coefficient"])
        errors.append(err)
        rows.append(f"{lam:>6.0e}   {err:>18.2e}   {err / lam ** 2:>10.3f}   {lam ** 2 * c * 2:>27.2e}")
    r.table(rows)
    # rounding: four values near σ(0) = ln 2, each off by ε·ln 2, divided by 4λ²σ''(0)·|uv| (|uv| ≥ ¼)
    rounding = float(np.finfo(np.float64).eps) * math.log(2.0) / (derivative("softplus", 2, 0.0) * 0.25)
    r.para("The error falls as λ² (error/λ² stays put) until λ is so small that rounding takes over: "
           "the four neurons' outputs then agree in all but their last digits, and dividing their "
           f"difference by 4λ²σ''(0) magnifies float64's rounding error, to about {rounding:.1e}/λ² here.")
    ns = (2, 3, 4, 6, 8) if quick else (2, 3, 4, 6, 8, 10)
    rows = product_report(ns, seed=seed)
    r.para("The product of n numbers: a binary tree of gates needs 4(n − 1) hidden neurons; one hidden "
           "layer needs 2ⁿ (one neuron per sign pattern):")
    table = [" n   hidden neurons: deep   shallow   max relative error: deep   shallow"]
    for row in rows:
        table.append(f"{row.n:>2}   {row.deep_hidden:>20}   {row.shallow_hidden:>7}   "
                     f"{row.deep_rel_error:>24.1e}   {row.shallow_rel_error:>7.1e}")
    r.table(table)
    last = rows[-1]
    r.para(f"For n = {last.n}: {last.deep_hidden} neurons deep against {last.shallow_hidden} shallow. "
           "Depth buys an exponential saving, the 'no-flattening' result the seed cites.")
    r.picture("multiply_gate.png", lambda: _draw().draw(multiplication_gate(), title="the multiplication gate"))

    def picture():
        from matplotlib.figure import Figure  # noqa: PLC0415

        fig = Figure(figsize=(5.2, 3.6), dpi=120, layout="constrained")
        ax = fig.add_subplot()
        ax.loglog(scales, errors, "o-", label="measured")
        lam = np.array(scales)
        k = errors[2] / scales[2] ** 2
        ax.loglog(lam, k * lam ** 2, "--", color="gray", label="∝ λ²")
        ax.loglog(lam, rounding / lam ** 2, ":", color="gray", label=f"rounding ≈ {rounding:.1e}/λ²")
        ax.set_xlabel("scale λ")
        ax.set_ylabel("max relative error")
        ax.set_title("multiplication gate: error against scale", fontsize=10)
        ax.legend(fontsize=8, frameon=False)
        return fig

    r.picture("multiply_error.png", picture)


# -- symmetry ------------------------------------------------------------------------------------------
def _symmetry(r: _Report, seed: int, quick: bool) -> None:
    from ..io import datasets  # noqa: PLC0415
    from ..training import train  # noqa: PLC0415

    R, epochs = (6, 3000) if quick else (12, 5000)
    ds = datasets.load("symmetry")
    X, y = ds.X, ds.y.astype(np.float64)                               # (64, 6), (64,)
    target = 0.01
    r.title("Mirror symmetry: Rumelhart, Hinton & Williams (1986)")
    r.para("Is a string of 6 bits a palindrome? Rumelhart, Hinton & Williams trained a 6-2-1 logistic "
           "network on all 64 patterns, full batch, step 0.1, momentum 0.9, initial weights uniform in ±0.3, "
           "and reported that it learned in about 1,425 sweeps, with the two hidden units' weights mirror "
           "images of each other with opposite signs, in the ratio 1:2:4.")
    r.para("Their error was ½·Σ over the 64 patterns of (y − ŷ)²; neuronet's squared loss is the mean of "
           "(y − ŷ)², 32 times smaller, so their step 0.1 is step_size 3.2 here: the same updates. "
           f"{R} restarts, up to {epochs} sweeps; a restart has learned when the mean of (y − ŷ)² is "
           f"below {target}.")
    rng = np.random.default_rng(seed)
    net = _uniform_net([6, 2, 1], 0.3, rng)
    res = train(net, X, y, loss="squared", optimizer="sgd", step_size=3.2, momentum=0.9, epochs=epochs,
                batch_size=None, restarts=R, seed=seed, init="uniform", init_scale=0.3, target_loss=target,
                engine="matrix")
    done = [k for k in range(R) if res.status[k] == "converged" and _classified(res.network_at(k), X, y)]
    r.quote("III.III", "It could be that now our weights are locally optimal – any small change will make the "
                       "network perform worse – but if we changed them far enough, we could still improve its "
                       "performance.")
    if not done:
        r.para(f"None of the {R} restarts learned the task within {epochs} sweeps (each is stuck or slow); "
               "run with more restarts.")
        return
    sweeps = sorted(int(res.epochs_run[k]) for k in done)
    r.table([f"restarts that learned the task   {len(done)} of {R}",
             f"sweeps they needed               {', '.join(map(str, sweeps))}",
             f"median                           {int(np.median(sweeps))}   (Rumelhart et al.: about 1,425)"])
    def mirror(net):
        """(weights table rows, max |w_i + w_(7−i)|, the mirror pairs' magnitudes as 1 : a : b)."""
        w = net.weights
        inputs, hidden = net.layers[0][:6], [j for j in net.layers[1] if j not in net.biases]
        bias_in = net.layers[0][6]
        rows = ["weights into   " + " ".join(f"{f'from x{i + 1}':>7}" for i in range(6)) + "     bias"]
        ratios, anti = [], 0.0
        for h in hidden:
            v = np.array([w[(i, h)] for i in inputs])                  # (6,)
            rows.append(f"{f'neuron {h}':<14} " + " ".join(f"{x:>7.2f}" for x in v) + f"  {w[(bias_in, h)]:>7.2f}")
            anti = max(anti, float(np.max(np.abs(v + v[::-1]))))
            pairs = np.array([(abs(v[i]) + abs(v[5 - i])) / 2 for i in range(3)])   # (x1,x6) (x2,x5) (x3,x4)
            ratios.append(np.sort(pairs) / np.min(pairs))
        return rows, anti, np.mean(ratios, axis=0)

    found = {d: mirror(res.network_at(d)) for d in done}
    paper = [d for d in done if abs(found[d][2][1] / 2 - 1) < 0.15 and abs(found[d][2][2] / 4 - 1) < 0.15]
    r.table([f"restart {d:>3}  {int(res.epochs_run[d]):>5} sweeps  mirror pairs 1 : {found[d][2][1]:.2f} : "
             f"{found[d][2][2]:.2f}" + ("  = the paper's" if d in paper else "") for d in done])
    r.para(f"{len(paper)} of the {len(done)} restarts that learned found the paper's solution, 1:2:4; the others "
           "found another one (the network can solve the task more than one way).")
    k = min(paper or done, key=lambda d: res.epochs_run[d])
    best = res.network_at(k)
    rows, anti, ratio = found[k]
    r.para(f"The weights of the fastest restart with {'the paper' if paper else 'a'}'s solution (#{k}, "
           f"{int(res.epochs_run[k])} sweeps):")
    r.table(rows)
    r.para(f"Mirror antisymmetry: the weight from x_i is minus the weight from x_(7−i), to within {anti:.2g}, "
           "so a palindrome sends 0 from the inputs to each hidden unit. The three mirror pairs' "
           f"magnitudes stand in the ratio 1 : {ratio[1]:.2f} : {ratio[2]:.2f} (the paper: 1:2:4), so no "
           "other pattern sums to 0: of the mirror pairs that differ, the one with the largest weight "
           "outweighs the others together (4 > 2 + 1) and decides the sign.")
    r.picture("symmetry_network.png", lambda: _draw().draw(best, title="mirror symmetry, 6-2-1"))
    r.picture("symmetry_loss.png", lambda: _draw().loss_curves(res, title=f"mirror symmetry: {R} restarts"))


# -- digits --------------------------------------------------------------------------------------------
def _digits(r: _Report, seed: int, quick: bool) -> None:
    from ..io import datasets  # noqa: PLC0415
    from ..model.graph import mlp  # noqa: PLC0415
    from ..training import train  # noqa: PLC0415

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


_DEMOS: dict[str, Callable] = {"xor": _xor, "sine": _sine, "boolean": _boolean, "multiply": _multiply,
                               "symmetry": _symmetry, "digits": _digits}
