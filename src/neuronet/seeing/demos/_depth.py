"""Demos of the seed's II.III on layers: a matrix product is a network with no hidden layer, and narrow
deep networks approximate what a shallow one of the same width cannot."""

from __future__ import annotations

import numpy as np

from ._report import _draw, _Report  # noqa: F401


# -- matmul --------------------------------------------------------------------------------------------
def _matrix_network(B: np.ndarray, n: int):
    """The network with no hidden layer computing A·B from the n×k entries of A: c_ij = Σ_l a_il·B_lj.

    Inputs a_il (row by row), outputs c_ij (row by row), identity outputs, no bias neurons; the edge
    a_il → c_ij carries the weight B_lj, and no other edge exists.
    """
    from ...model.graph import Graph  # noqa: PLC0415

    k, m = B.shape
    g = Graph()
    a = {(i, l): g.input(f"a{i + 1}{l + 1}") for i in range(n) for l in range(k)}
    c = {(i, j): g.output("identity", f"c{i + 1}{j + 1}") for i in range(n) for j in range(m)}
    for (i, j), out in c.items():
        for l in range(k):
            g.connect(a[i, l], out, float(B[l, j]))
    return g.build()


def _matmul(r: _Report, seed: int, quick: bool) -> None:
    from ...model.graph import Graph  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    r.title("Multiplying by a matrix is a network with no hidden layer")
    r.quote("II.III", "Suppose we declare that the neurons aren't allowed to do anything (i.e., they just "
                      "implement the identity function). […] this neural network does nothing except apply a "
                      "single matrix to the input vector")
    M = np.round(rng.uniform(-2, 2, size=(3, 4)), 2)                    # (3, 4)
    g = Graph()
    xs = [g.input(f"x{i + 1}") for i in range(4)]
    ys = [g.output("identity", f"y{j + 1}") for j in range(3)]
    for j, yj in enumerate(ys):
        for i, xi in enumerate(xs):
            g.connect(xi, yj, float(M[j, i]))                           # w_i,j = M_ji
    net = g.build()
    X = rng.normal(size=(1000, 4))                                      # (B, 4)
    W, b = net.matrices()[0]
    Mc, c = net.collapse()
    err = float(np.max(np.abs(net.forward(X) - X @ M.T)))
    r.para("y = M·x for a 3×4 matrix M: four input neurons, three identity output neurons, no hidden "
           "layer and no bias neuron; the edge x_i → y_j carries w_i,j = M_ji.")
    entries = lambda row: "  ".join(f"{v:>5.2f}".replace("-", "−") for v in row)  # noqa: E731
    r.table(["M = " + entries(M[0])] + ["    " + entries(row) for row in M[1:]]
            + [f"net.matrices() gives W = M exactly           {'yes' if np.array_equal(W, M) else 'NO'}",
               f"net.collapse() gives (M, c = 0)              "
               f"{'yes' if np.array_equal(Mc, M) and not c.any() else 'NO'}",
               f"max |network(x) − M·x| on 1000 random x      {err:.1e}"])
    r.quote("II.III", "Let's suppose the input elements form a matrix A, and the goal of the network is to "
                      "multiply that matrix with another matrix B. Then, this can be trivially realized with "
                      "just an input and an output layer (no hidden layers)")
    n, k, m = 2, 3, 2
    B = np.round(rng.uniform(-2, 2, size=(k, m)), 2)                    # (k, m)
    prod = _matrix_network(B, n)
    A = rng.normal(size=(500, n, k))                                    # (B, n, k): 500 matrices A
    got = prod.forward(A.reshape(500, n * k)).reshape(500, n, m)
    err_ab = float(np.max(np.abs(got - A @ B)))
    r.para(f"A·B with A of size {n}×{k} (the inputs, entry by entry) and a fixed B of size {k}×{m}: "
           f"{n * k} inputs, {n * m} identity outputs, and an edge a_il → c_ij with the weight B_lj, so "
           f"c_ij = Σ_l a_il·B_lj. Its {len(prod.edges)} edges are the standard algorithm's n·k·m = "
           f"{n * k * m} multiplications.")
    r.table([f"max |network(A) − A·B| over 500 random A     {err_ab:.1e}",
             f"edges (multiplications)                      {len(prod.edges)} = {n}·{k}·{m}"])
    # the same weights, learned: the seed's training finds the matrix from examples
    Xt = rng.normal(size=(200, 4))
    learner = g.build(seed=seed)
    learner.set_weights({ij: 0.0 for ij in learner.weights})
    res = train(learner, Xt, Xt @ M.T, step_size=0.05, epochs=20 if quick else 40, batch_size=1, seed=seed,
                engine="matrix")
    learned = res.network.matrices()[0][0]
    gap = float(np.max(np.abs(learned - M)))
    r.para(f"Trained from zero weights on 200 examples (x, M·x) by per-example SGD ({res.config['epochs']} "
           f"epochs, {res.config['schedule']}), the network's weights become M's entries: "
           f"max |w − M| = {gap:.1e}.")
    r.para("The seed goes on: faster algorithms (Strassen's and its successors) are deep networks too, and "
           "they cannot be flattened without losing that speed; see the multiply demo for a no-flattening "
           "result that can be run.")
    r.picture("matmul_network.png", lambda: _draw().draw(prod, title=f"A·B: {n}×{k} times a fixed {k}×{m} B"))


# -- narrow --------------------------------------------------------------------------------------------
def _narrow(r: _Report, seed: int, quick: bool) -> None:
    from ...model.graph import mlp  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415
    from ..construct import sawtooth, square  # noqa: PLC0415

    r.title("Narrow and deep: width n + 1 against one hidden layer of the same width")
    r.quote("II.III", "there exists a version of the universal approximation theorem which manages to restrict "
                      "a network's width in favor of more hidden layers.")
    r.para("Hanin & Sellke (2017, \u201cApproximating continuous functions by ReLU nets of minimal width\u201d): "
           "ReLU networks with n inputs, hidden layers of width n + 1 and enough of them approximate every "
           "continuous function on [0, 1]ⁿ arbitrarily well, and width n does not suffice. Here n = 1. One "
           "hidden layer of w ReLU neurons is piecewise linear with at most w + 1 pieces, however it is "
           "trained; depth multiplies pieces instead of adding them.")
    grid = np.linspace(0.0, 1.0, 4097)[:, None]                         # (4097, 1), includes every kink
    x = grid[:, 0]
    r.para("Width 2 = n + 1: Telgarsky's sawtooth, the tent map T(x) = 2·relu(x) − 4·relu(x − ½) composed "
           "k times, one hidden layer of 2 per T. It has 2ᵏ linear pieces between 0 and 1; a function "
           "within ½ of it must cross ½ between every peak and valley, 2ᵏ times, which no 3 pieces do.")
    rows = [" k   layers   pieces   max |deep − Tᵏ|   width 2, one hidden layer"]
    ks = (1, 2, 3, 4, 6, 8) if not quick else (1, 2, 4, 6)
    saw_errors = {}
    for k in ks:
        t = x.copy()
        for _ in range(k):
            t = np.where(t < 0.5, 2 * t, 2 - 2 * t)                     # Tᵏ by plain arithmetic
        err = float(np.max(np.abs(sawtooth(k).forward(grid)[:, 0] - t)))
        saw_errors[k] = err
        shallow_k = f"error ≥ ½ (exact needs {2 ** k - 1} units)" if k >= 2 else "exact: T is 2 pieces"
        rows.append(f"{k:>2}   {k:>6}   {2 ** k:>6}   {err:>15.1e}   {shallow_k}")
    r.table(rows)
    r.para("Approximating a smooth function: x² on [0, 1] (Yarotsky 2017) as x − Σ_{s≤m} T^s(x)/4ˢ, m hidden "
           "layers of width 3 = n + 2 (the sawtooth's two neurons and a running sum; the theorem says n + 1 "
           "would do, with a longer construction), error 2^(−2m−2). One hidden "
           "layer of 3 ReLUs has at most 4 pieces, and some piece is then ≥ ¼ long, where no line comes "
           "closer to x² than (¼)²/16 = 1/256 ≈ 0.0039. Trained ones (rprop, full batch, many restarts) "
           "confirm it:")
    res = train(mlp([1, 3, 1], hidden="relu", seed=seed), grid[::16], grid[::16] ** 2, optimizer="rprop",
                step_size=0.05, epochs=300 if quick else 500, batch_size=None, restarts=8 if quick else 16,
                seed=seed, engine="matrix")
    shallow = float(np.max(np.abs(res.network.forward(grid)[:, 0] - x ** 2)))
    rows = [" m   hidden layers   width   max |deep − x²|   bound 2^(−2m−2)"]
    sq_errors = {}
    for m in (1, 2, 3, 4, 6, 8):
        err = float(np.max(np.abs(square(m).forward(grid)[:, 0] - x ** 2)))
        sq_errors[m] = err
        rows.append(f"{m:>2}   {m:>13}   {3:>5}   {err:>15.2e}   {2.0 ** (-2 * m - 2):>15.2e}")
    rows.append(f"one hidden layer of 3, trained: max |f − x²| = {shallow:.4f} ≥ 1/256 = {1 / 256:.4f}")
    r.table(rows)
    r.para(f"With 8 layers of width 3 the error is {sq_errors[8]:.1e}, about {shallow / sq_errors[8]:.0f} times "
           "smaller than the best the shallow network of the same width found; each added layer divides it by "
           "4, where a shallow network needs one more neuron per piece.")

    def picture():
        from matplotlib.figure import Figure  # noqa: PLC0415

        fig = Figure(figsize=(9.0, 3.4), dpi=120, layout="constrained")
        a1, a2 = fig.subplots(1, 2)
        k = 4
        a1.plot(x, sawtooth(k).forward(grid)[:, 0], color="#1f77b4", lw=1.4, label=f"deep, width 2: T^{k}")
        fit = train(mlp([1, 2, 1], hidden="relu", seed=seed), grid[::16], sawtooth(k).forward(grid[::16]),
                    optimizer="rprop", step_size=0.05, epochs=300, batch_size=None, restarts=16, seed=seed,
                    engine="matrix").network
        a1.plot(x, fit.forward(grid)[:, 0], color="#d62728", lw=1.4, ls="--", label="one hidden layer of 2, trained")
        a1.set_title("the sawtooth: 16 pieces against 3", fontsize=9)
        a1.legend(fontsize=7, frameon=False)
        ms = sorted(sq_errors)
        a2.semilogy(ms, [sq_errors[m] for m in ms], "o-", label="deep, width 3: x² (Yarotsky)")
        a2.axhline(shallow, color="#d62728", ls="--", label="one hidden layer of 3, trained")
        a2.axhline(1 / 256, color="gray", ls=":", label="1/256: no 4 pieces do better")
        a2.set_xlabel("hidden layers m")
        a2.set_ylabel("max error on [0, 1]")
        a2.set_title("x² on [0, 1]", fontsize=9)
        a2.legend(fontsize=7, frameon=False)
        return fig

    r.picture("narrow.png", picture)
    r.picture("narrow_network.png", lambda: _draw().draw(square(3), title="x² with 3 hidden layers of width 3"))
