"""Demos of networks built by hand: boolean functions, the multiplication gate and products."""

from __future__ import annotations

import math

import numpy as np

from ._report import _Report, _classified, _draw, _uniform_net  # noqa: F401


# -- boolean -------------------------------------------------------------------------------------------
def _boolean(r: _Report, seed: int, quick: bool) -> None:
    from ..construct import boolean, counting_bound, parity, patterns  # noqa: PLC0415

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
           "units reach at most C(2ⁿ, n+1)^h · C(2ⁿ, h+1) functions. There are 2^(2ⁿ) functions: h must "
           "grow at least like (2ⁿ − 1)/(n² + n + 1), exponentially in n.")
    rows = [" n   log₂ of: functions   T(n)   h units reach   h needed   closed form    2ⁿ",
            "              = 2ⁿ      (Cover)  (h = needed)   (count)    (≤ count)"]
    for k in (2, 4, 6, 8, 10, 12, 14, 16):
        c = counting_bound(k)
        rows.append(f"{k:>2}   {c.functions_log2:>17}   {c.threshold_log2:>5.1f}   {c.reach_log2:>13.1f}   "
                    f"{c.h_min:>8}   {c.h_closed:>11}  {c.universal:>5}")
    r.table(rows)
    r.para(f"Every network above is {'exact' if exact == len(nets) and all_exact else 'NOT exact'} on every "
           "input. Most functions of n bits need exponentially many hidden units (the count), a few famous "
           "ones like parity do not, and one architecture of 2ⁿ units serves them all (the construction).")
    xor3 = nets[0b01101001]
    r.picture("boolean_universal.png", lambda: _draw().draw(xor3, title="the universal architecture, n = 3: parity"))
    r.picture("boolean_parity.png", lambda: _draw().draw(parity(4), title="parity of 4 bits with 4 hidden units"))


# -- multiply ------------------------------------------------------------------------------------------
def _multiply(r: _Report, seed: int, quick: bool) -> None:
    from ..construct import derivative, multiplication_gate, product_report  # noqa: PLC0415

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


