"""Networks built by hand from the theory the seed cites (chapter II).

Every function here returns an ordinary :class:`~neuronet.Network`, wired with
:class:`~neuronet.Graph` and fixed weights, so it can be evaluated, traced, drawn, saved
and trained like any other. ``net.info["construction"]`` describes what was built
(JSON values only, so it survives a model file).

* :func:`boolean` -- any boolean function {0,1}ⁿ → {0,1} with one hidden layer of step
  units, one per true input pattern (or per false one, with the complement):
  exact, with at most 2ⁿ⁻¹ hidden units.
  ``architecture="universal"``: the seed's theorem, one graph of 2ⁿ units for every
  function of n bits, only the output weights differ.
* :func:`parity` -- parity with n hidden units; :func:`counting_bound` -- the counting
  argument that most functions need about 2ⁿ/n² units in one hidden layer.
* :func:`multiplication_gate` -- Lin, Tegmark & Rolnick's gate: four smooth neurons whose
  combination approximates u·v, with a relative error that shrinks as λ².
* :func:`product` -- the product of n inputs: deep (a binary tree of gates, 4(n−1)
  hidden neurons) or shallow (one hidden layer of 2ⁿ neurons).
* :func:`product_report` -- neuron counts and errors of both, side by side.
* :func:`linear_collapse` -- an all-identity network is one affine map (the seed, II.III).

The smooth constructions rest on one identity. Write σ(b + t) = Σ_k σ⁽ᵏ⁾(b) tᵏ/k! and sum
over the 2ᵏ sign patterns s ∈ {±1}ᵏ with the sign Π sᵢ::

    Σ_s (Π sᵢ) σ(b + λ s·x) = 2ᵏ λᵏ σ⁽ᵏ⁾(b) Π xᵢ · (1 + λ² σ⁽ᵏ⁺²⁾(b) / (6 σ⁽ᵏ⁾(b)) · Σ xᵢ² + O(λ⁴))

A monomial of (s·x)ᵐ survives the signed sum only when every sᵢ appears an odd number of
times, so every power m < k cancels (σ(b) included), m = k leaves k!·Π xᵢ, m = k + 1 cancels
by parity, and m = k + 2 gives the λ² term. Dividing by 2ᵏ λᵏ σ⁽ᵏ⁾(b) gives Π xᵢ with a
*relative* error λ²·c·Σ xᵢ², c = σ⁽ᵏ⁺²⁾(b) / (6 σ⁽ᵏ⁾(b)), and no odd power of λ, whatever
the operating point b: every sign pattern uses the same b, so λ → −λ (the same as s → −s)
multiplies the sum by (−1)ᵏ, exactly as it does λᵏ, and the quotient is even in λ.
The gate is the case k = 2.

>>> import neuronet as nn
>>> from neuronet.construct import boolean, patterns
>>> xor = boolean([0, 1, 1, 0])
>>> xor.forward(patterns(2)).ravel()
array([0., 1., 1., 0.])
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

import numpy as np
from numpy.polynomial import polynomial as npoly

from ..model import activations
from ..errors import DataError, GraphError
from ..model.graph import Graph
from ..model.network import Network
from ..model.graph import mlp

__all__ = [
    "patterns", "boolean", "parity", "counting_bound", "CountingRow", "sawtooth", "square", "multiplication_gate", "product", "product_report", "ProductRow",
    "format_report", "linear_collapse", "derivative", "operating_point", "default_scale", "SMOOTH",
]

MAX_BOOLEAN_INPUTS = 16   # up to 2^15 hidden step units: a large but still quickly built network
MAX_SHALLOW_INPUTS = 16   # 2^16 hidden neurons in one layer
MAX_DEEP_INPUTS = 4096

# -- derivatives of the smooth activations, as polynomials in their own output ---------------
# logistic: σ' = σ(1 − σ); tanh: t' = 1 − t²; so d/dz P(o) = P'(o)·o' is again a polynomial
# in o, and σ⁽ᵏ⁾ is exact to rounding for any k. softplus' is the logistic function.
_OUTPUT_DERIVATIVE = {"logistic": (0.0, 1.0, -1.0), "tanh": (1.0, 0.0, -1.0)}
SMOOTH = ("softplus", "logistic", "tanh")


def _smooth(activation, where: str) -> str:
    """The canonical name of a smooth activation usable by the product constructions."""
    name = activations.get(activation).name
    if name not in SMOOTH:
        why = ("is piecewise linear, so σ'' = 0 wherever it exists and the signed sum of four "
               "neurons is linear in u and v, never their product"
               if name in ("identity", "relu", "leaky_relu", "step")
               else "is not smooth at 0, where its derivatives jump")
        raise GraphError(f"{where}: activation={activation!r} {why}. The construction needs σ⁽ᵏ⁾(b) ≠ 0; "
                         f"use one of {', '.join(SMOOTH)}.")
    return name


def _poly(name: str, order: int) -> np.ndarray:
    """Coefficients (ascending) of σ⁽ᵒʳᵈᵉʳ⁾ as a polynomial in o = σ(z) (logistic, tanh)."""
    c = np.array([0.0, 1.0])
    for _ in range(order):
        c = npoly.polymul(npoly.polyder(c), _OUTPUT_DERIVATIVE[name])
    return c


def derivative(activation: str, order: int, z: float) -> float:
    """σ⁽ᵒʳᵈᵉʳ⁾(z), the derivative of the given order, for softplus, logistic or tanh.

    Exact to rounding: logistic and tanh derivatives are polynomials in σ(z) (from
    σ' = σ(1 − σ) and tanh' = 1 − tanh²), and softplus⁽ᵏ⁾ = logistic⁽ᵏ⁻¹⁾.

    >>> derivative("softplus", 2, 0.0)
    0.25
    """
    name = _smooth(activation, "derivative()")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise GraphError(f"derivative(): order must be an integer ≥ 0; received order={order!r}.")
    try:
        z = np.float64(z)
    except (TypeError, ValueError):
        raise GraphError(f"derivative(): z must be a number; received z={z!r}.") from None
    if name == "softplus":
        if order == 0:
            return float(activations.get("softplus").f(z))
        name, order = "logistic", order - 1
    o = activations.get(name).f(z)                                    # stable for any z
    return float(npoly.polyval(o, _poly(name, order)))


def operating_point(activation: str, order: int = 2) -> float:
    """The shift b used for σ⁽ᵒʳᵈᵉʳ⁾: where |σ⁽ᵒʳᵈᵉʳ⁾(b)| is largest (of ±b, the positive one).

    Why there: the output weights are 1 / (2ᵏ λᵏ σ⁽ᵏ⁾(b)), so the largest |σ⁽ᵏ⁾(b)| gives the
    smallest weights and the least cancellation error in floating point; and σ⁽ᵏ⁾(b) ≠ 0
    is what the construction needs. The extrema are roots of σ⁽ᵏ⁺¹⁾, a polynomial in σ(b),
    so b is exact. Between b and −b with the same |σ⁽ᵏ⁾| (logistic, tanh) the positive one
    is chosen. Examples: softplus, order 2 -> 0 (σ''(0) = ¼); logistic, order 2 ->
    ln(2 + √3) ≈ 1.317 (σ''(0) = 0, the logistic is odd about ½); tanh, order 2 ->
    artanh(1/√3) ≈ 0.6585. Softplus at b = 0 would fail for odd orders ≥ 3 (its odd
    derivatives there are the logistic's even ones, which vanish), hence the search.
    """
    name = _smooth(activation, "operating_point()")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise GraphError(f"operating_point(): order must be an integer ≥ 1; received order={order!r}.")
    base, k = (name, int(order)) if name != "softplus" else ("logistic", int(order) - 1)
    if k == 0:  # softplus' = logistic is monotone, with no extremum; σ'(0) = ½ is a fine choice
        return 0.0
    roots = npoly.polyroots(_poly(base, k + 1))
    roots = roots[np.abs(roots.imag) < 1e-9].real
    lo = 0.0 if base == "logistic" else -1.0
    roots = roots[(roots > lo + 1e-12) & (roots < 1.0 - 1e-12)]
    cands = np.log(roots / (1.0 - roots)) if base == "logistic" else np.arctanh(roots)
    size = np.array([abs(derivative(name, order, b)) for b in cands])
    best = cands[size >= size.max() * (1 - 1e-9)]
    b = min(best, key=lambda b: (round(abs(b), 9), -b))
    return 0.0 if abs(b) < 1e-12 else float(b)


# -- boolean functions ---------------------------------------------------------------------
def patterns(n: int) -> np.ndarray:
    """All 2ⁿ input patterns in truth-table order, as a (2ⁿ, n) float array.

    Row r is r written in binary with input 1 the most significant bit:
    ``patterns(2) = [[0, 0], [0, 1], [1, 0], [1, 1]]``.
    """
    n = _count(n, "patterns()", "n", 1, MAX_BOOLEAN_INPUTS)
    r = np.arange(2 ** n)[:, None]                                   # (2ⁿ, 1)
    return ((r >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)  # (2ⁿ, n)


def _count(n, where: str, arg: str, lo: int, hi: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise GraphError(f"{where}: {arg} must be an integer; received {arg}={n!r}.")
    if not lo <= n <= hi:
        raise GraphError(f"{where}: {arg} must be between {lo} and {hi}; received {arg}={n!r}.")
    return int(n)


def _bit(v, where: str) -> bool:
    """0/1 (or False/True, or 0.0/1.0) -> bool; anything else is a DataError naming the place."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1):
        return bool(v)
    raise DataError(f"boolean(): {where} must be 0 or 1; received {v!r}.")


def _truth_vector(table, n: int | None) -> np.ndarray:
    """Any accepted form of a truth table -> bool array (2ⁿ,) in truth-table order."""
    if n is not None:
        n = _count(n, "boolean()", "n", 1, MAX_BOOLEAN_INPUTS)
    if callable(table) and not isinstance(table, (str, Mapping, np.ndarray)):
        if n is None:
            raise DataError("boolean(): a function as truth table needs the number of inputs; "
                            "pass n, e.g. boolean(f, n=3).")
        rows = patterns(n).astype(int)
        return np.array([_bit(table(tuple(int(b) for b in p)), f"f{tuple(int(b) for b in p)}")
                         for p in rows], dtype=bool)
    if isinstance(table, Mapping):
        return _truth_dict(table, n)
    if isinstance(table, str):
        text = "".join(table.split()).replace("_", "")
        bad = sorted(set(text) - {"0", "1"})
        if bad:
            raise DataError(f"boolean(): a truth table string holds only 0 and 1; received the character "
                            f"{bad[0]!r} in {table!r}.")
        table = [int(ch) for ch in text]
    try:
        arr = np.asarray(table)
    except Exception as exc:  # ragged nested lists and the like
        raise DataError(f"boolean(): the truth table could not be read as a list of 0/1 values: {exc}") from None
    if arr.ndim != 1:
        raise DataError(f"boolean(): the truth table must be a flat list of 2ⁿ outputs; received an array "
                        f"of shape {arr.shape}. Index r holds f(bits of r), input 1 the most significant bit.")
    size = arr.shape[0]
    if size < 2 or size & (size - 1):
        raise DataError(f"boolean(): the truth table must have 2ⁿ entries (2, 4, 8, …) for n ≥ 1 inputs; "
                        f"received {size} entr{'y' if size == 1 else 'ies'}.")
    k = size.bit_length() - 1
    if k > MAX_BOOLEAN_INPUTS:
        raise GraphError(f"boolean(): {k} inputs would need up to 2^{k - 1} hidden units; at most "
                         f"{MAX_BOOLEAN_INPUTS} inputs are supported.")
    if n is not None and n != k:
        raise DataError(f"boolean(): n={n} needs a truth table of 2^{n} = {2 ** n} entries; received {size}.")
    if arr.dtype.kind == "b":
        return arr.astype(bool)
    if arr.dtype.kind not in "iuf":
        what = {"U": "text", "S": "bytes", "O": "Python objects"}.get(arr.dtype.kind, f"values of dtype {arr.dtype}")
        raise DataError(f"boolean(): truth table entries must be 0 or 1; received {what} such as {arr[0].item()!r}.")
    ok = (arr == 0) | (arr == 1)
    if not ok.all():
        r = int(np.argmin(ok))
        raise DataError(f"boolean(): truth table entries must be 0 or 1; entry {r} (pattern "
                        f"{format(r, f'0{k}b')}) is {arr[r].item()!r}.")
    return arr == 1


def _truth_dict(table: Mapping, n: int | None) -> np.ndarray:
    if not table:
        raise DataError("boolean(): the truth table dict is empty; give {pattern tuple: 0 or 1} for all 2ⁿ patterns.")
    lengths = set()
    for key in table:
        if not isinstance(key, (tuple, list)) or not key:
            raise DataError(f"boolean(): truth table dict keys must be tuples of bits such as (0, 1, 1); "
                            f"received the key {key!r}.")
        lengths.add(len(key))
    if len(lengths) > 1:
        raise DataError(f"boolean(): all patterns must have the same length; received lengths {sorted(lengths)}.")
    k = lengths.pop()
    if n is not None and n != k:
        raise DataError(f"boolean(): n={n} but the patterns in the dict have {k} bits.")
    k = _count(k, "boolean()", "the pattern length", 1, MAX_BOOLEAN_INPUTS)
    out = np.zeros(2 ** k, dtype=bool)
    seen = np.zeros(2 ** k, dtype=bool)
    for key, value in table.items():
        r = 0
        for b in key:
            r = 2 * r + int(_bit(b, f"every bit of a pattern (the key {tuple(key)!r})"))
        out[r] = _bit(value, f"the value of pattern {tuple(key)!r}")
        seen[r] = True
    if not seen.all():
        missing = tuple(int(c) for c in format(int(np.argmin(seen)), f"0{k}b"))
        raise DataError(f"boolean(): the truth table dict gives {int(seen.sum())} of the {2 ** k} patterns; "
                        f"{missing} and {2 ** k - int(seen.sum()) - 1} more are missing. Give every pattern.")
    return out


def boolean(truth_table, n: int | None = None, *, complement: bool | None = None,
            architecture: str = "compact") -> Network:
    """The one-hidden-layer network of step units that computes a boolean function exactly.

    ``architecture="universal"`` is the seed's theorem (II.II): "there is an architecture for a
    neural network (i.e., a graph) such that, for each possible function […], there is a set of
    weights" implementing it. One hidden step unit per input pattern p, all 2ⁿ of them, each
    firing on p alone (the weights below); the output is step(Σ_p f(p)·h_p − ½). Every table of
    length 2ⁿ gets the same neurons, the same edges and the same hidden weights: only the 2ⁿ
    output weights f(p) ∈ {0, 1} differ.

    ``architecture="compact"`` (the default) uses only the patterns it needs:

    For each true pattern p ∈ {0,1}ⁿ, one hidden step unit ``h_p`` with weights w_i = +1
    where p_i = 1, −1 where p_i = 0, and bias ½ − |p|₁::

        z_p(x) = Σ_{p_i=1} x_i − Σ_{p_i=0} x_i + ½ − |p|₁  = ½ if x = p, ≤ −½ otherwise

    so ``h_p(x) = step(z_p) = [x = p]``, and the output is their OR, ``step(Σ_p h_p − ½)``.
    When the function has more true than false patterns, the false patterns are used
    instead and the output is NOT OR, ``step(½ − Σ_p h_p)``: at most 2ⁿ⁻¹ hidden units.
    (step(z) = 1 if z ≥ 0 else 0.) Exact on all 2ⁿ inputs, in float32 and float64.

    A constant function still gets one hidden unit, reached from every input with weight 0
    and never firing (bias −½), so that the network has the same three layers.

    Parameters
    ----------
    truth_table : sequence, str, dict or callable
        * a sequence or array of 2ⁿ values in {0, 1} (or bools), or a string such as
          ``"0110"``: entry r is f at the pattern that writes r in binary, input 1 the most
          significant bit (the row order of :func:`patterns`);
        * a dict ``{(p_1, …, p_n): bit}`` giving every one of the 2ⁿ patterns;
        * a callable ``f(bits) -> 0/1`` on a tuple of n ints; then ``n`` is required.
    n : int, optional
        The number of inputs (1 to 16); inferred from a table or dict, checked when given.
    complement : bool, optional
        None (default): use the false patterns when there are fewer of them. True/False forces it.
        (The universal architecture has no complement: it always has all 2ⁿ units.)
    architecture : {"compact", "universal"}
        "compact": a unit per true (or false) pattern, at most 2ⁿ⁻¹; "universal": one graph for
        every function of n bits, 2ⁿ units, only the output weights depend on the table.

    Returns
    -------
    Network
        n inputs ``x1…xn``, hidden step units named after their pattern (``"p=0110"``),
        one step output ``f``; ``info["construction"]`` records the counts.

    >>> parity = boolean(lambda bits: sum(bits) % 2, n=3)
    >>> parity.forward(patterns(3)).ravel().astype(int).tolist()
    [0, 1, 1, 0, 1, 0, 0, 1]
    """
    if architecture not in ("compact", "universal"):
        raise GraphError(f"boolean(): architecture must be 'compact' or 'universal'; received "
                         f"architecture={architecture!r}.")
    truth = _truth_vector(truth_table, n)
    size = truth.shape[0]
    n = size.bit_length() - 1
    n_true = int(truth.sum())
    if architecture == "universal":
        if complement:
            raise GraphError("boolean(): the universal architecture has a unit for every pattern; "
                             "complement=True only applies to architecture='compact'.")
        return _universal(truth, n)
    if complement is None:
        complement = size - n_true < n_true
    elif not isinstance(complement, (bool, np.bool_)):
        raise GraphError(f"boolean(): complement must be True, False or None; received complement={complement!r}.")
    used = np.flatnonzero(~truth if complement else truth)
    bits = patterns(n)[used].astype(int)                             # (k, n)

    g = Graph()
    xs = [g.input(f"x{i + 1}") for i in range(n)]
    b1 = g.bias()
    units = _pattern_units(g, xs, b1, bits)
    if not units:  # a constant function: one unit that never fires, still reached from the inputs
        h = g.neuron("step", "never")
        for x in xs:
            g.connect(x, h, 0.0)
        g.connect(b1, h, -0.5)
        units.append(h)
    b2 = g.bias()
    y = g.output("step", "f")
    for h in units:
        g.connect(h, y, -1.0 if complement else 1.0)
    g.connect(b2, y, 0.5 if complement else -0.5)
    net = g.build()
    net.info["construction"] = {
        "kind": "boolean",
        "architecture": "compact",
        "n_inputs": n,
        "true_patterns": n_true,
        "complement": bool(complement),
        "hidden_neurons": len(units),
        "output": "NOT OR of the false-pattern units" if complement else "OR of the true-pattern units",
        "order": "truth table entry r = f(bits of r), input 1 the most significant bit",
    }
    return net


def _pattern_units(g: Graph, xs: list[int], bias: int, bits: np.ndarray) -> list[int]:
    """One step unit per row p of ``bits`` (k, n), firing on x = p alone: w_i = ±1, bias ½ − |p|₁."""
    units = []
    for p in bits:
        h = g.neuron("step", "p=" + "".join(map(str, p)))
        for x, pi in zip(xs, p):
            g.connect(x, h, 1.0 if pi else -1.0)
        g.connect(bias, h, 0.5 - float(p.sum()))
        units.append(h)
    return units


def _universal(truth: np.ndarray, n: int) -> Network:
    """The seed's universal architecture: all 2ⁿ pattern units; output weights = the truth table."""
    g = Graph()
    xs = [g.input(f"x{i + 1}") for i in range(n)]
    units = _pattern_units(g, xs, g.bias(), patterns(n).astype(int))
    b2 = g.bias()
    y = g.output("step", "f")
    for h, t in zip(units, truth):
        g.connect(h, y, 1.0 if t else 0.0)          # the only weights that depend on the function
    g.connect(b2, y, -0.5)
    net = g.build()
    net.info["construction"] = {
        "kind": "boolean",
        "architecture": "universal",
        "n_inputs": n,
        "true_patterns": int(truth.sum()),
        "complement": False,
        "hidden_neurons": len(units),
        "output": "step(Σ_p f(p)·h_p − ½): the output weights are the truth table",
        "order": "truth table entry r = f(bits of r), input 1 the most significant bit",
    }
    return net


def parity(n: int) -> Network:
    """Parity of n bits with n hidden step units: exponentially fewer than one per pattern.

    h_k = step(Σ_i x_i − k + ½) = [at least k bits are set], k = 1 … n, and the output is
    step(Σ_k (−1)^(k+1)·h_k − ½): with s bits set, the alternating sum 1 − 1 + 1 − … of its
    first s terms is 1 when s is odd and 0 when it is even. Parity is therefore *not* a
    function that needs 2ⁿ⁻¹ hidden units; which functions do is shown by counting
    (:func:`counting_bound`), not by an example.
    """
    n = _count(n, "parity()", "n", 1, 64)
    g = Graph()
    xs = [g.input(f"x{i + 1}") for i in range(n)]
    b1 = g.bias()
    units = []
    for k in range(1, n + 1):
        h = g.neuron("step", f"≥{k}")
        for x in xs:
            g.connect(x, h, 1.0)
        g.connect(b1, h, 0.5 - k)
        units.append(h)
    b2 = g.bias()
    y = g.output("step", "parity")
    for k, h in enumerate(units, start=1):
        g.connect(h, y, 1.0 if k % 2 else -1.0)
    g.connect(b2, y, -0.5)
    net = g.build()
    net.info["construction"] = {"kind": "parity", "n_inputs": n, "hidden_neurons": n,
                                "formula": "h_k = step(Σx − k + ½); f = step(Σ_k (−1)^(k+1)·h_k − ½)"}
    return net


@dataclass(frozen=True)
class CountingRow:
    """How many hidden threshold units the counting argument demands for n inputs (see counting_bound)."""

    n: int
    functions_log2: int        # log₂ of the number of boolean functions of n bits, 2ⁿ
    threshold_log2: float      # log₂ of the bound on threshold functions of n inputs, T(n)
    reach_log2: float          # log₂ of the bound on the functions h_min hidden units reach, ≥ 2ⁿ
    h_min: int                 # fewest hidden units h whose networks could reach every function
    h_closed: int              # the closed form ⌈(2ⁿ − 1) / (n² + n + 1)⌉ ≤ h_min
    universal: int             # the seed's universal architecture: 2ⁿ


def _cover_log2(m: int, d: int) -> float:
    """log₂ of Cover's count 2·Σ_{k<d} C(m−1, k): the most dichotomies of m points a threshold unit with d
    weights (bias included) can realise (Cover 1965, the function counting theorem)."""
    return 1.0 + math.log2(sum(math.comb(m - 1, k) for k in range(min(d, m))))


def counting_bound(n: int) -> CountingRow:
    """The counting argument behind the seed's "lower bound": most functions need ~2ⁿ/n² hidden units.

    A network with one hidden layer of h threshold units and a threshold output computes at
    most T_hidden^h · T_out(h) functions of n bits, where, by Cover's function counting
    theorem (Cover, 1965), a threshold unit with d weights realises at most
    C(m, d) = 2·Σ_{k<d} C(m−1, k) ≤ 2·m^(d−1) dichotomies of m points:

    * each hidden unit sees the m = 2ⁿ patterns through n + 1 weights: T_hidden ≤ C(2ⁿ, n + 1);
    * the output sees at most 2ⁿ distinct hidden vectors through h + 1 weights: T_out ≤ C(2ⁿ, h + 1).

    There are 2^(2ⁿ) functions, so computing all of them needs
    h·log₂ T_hidden + log₂ T_out ≥ 2ⁿ; with C(m, d) ≤ 2·m^(d−1) that gives
    h ≥ (2ⁿ − 1) / (n² + n + 1): h must grow like 2ⁿ/n², exponentially. (It says nothing about
    *which* functions are hard; parity, for one, needs only n units, see :func:`parity`.)
    """
    n = _count(n, "counting_bound()", "n", 1, MAX_BOOLEAN_INPUTS)
    m, need = 2 ** n, 2 ** n
    hidden = _cover_log2(m, n + 1)
    h = 0
    while h * hidden + _cover_log2(m, h + 1) < need:
        h += 1
    return CountingRow(n, need, hidden, h * hidden + _cover_log2(m, h + 1), h, -(-(m - 1) // (n * n + n + 1)), m)


# -- narrow and deep: width n + 1 ----------------------------------------------------------------
def sawtooth(k: int) -> Network:
    """Telgarsky's sawtooth: k tent maps composed, a deep ReLU network of width 2 = n + 1.

    The tent map T(x) = 2·relu(x) − 4·relu(x − ½) folds [0, 1] onto itself; T∘…∘T (k times)
    rises and falls 2ᵏ⁻¹ times, 2ᵏ linear pieces between 0 and 1 (Telgarsky, "Benefits of depth
    in neural networks", 2016). Each hidden layer holds the two neurons relu(g), relu(g − ½) of
    the tent before it (g ∈ [0, 1], so relu(g) = g) and reads g = 2·relu(·) − 4·relu(· − ½)
    through its weights; the identity output takes the last one. One hidden layer of w ReLUs
    has at most w + 1 pieces, so a shallow net of the same width 2 has 3.
    """
    k = _count(k, "sawtooth()", "k", 1, 30)
    g = Graph()
    x = g.input("x")
    prev = None
    for layer in range(k):
        b = g.bias()
        up, down = g.neuron("relu", f"relu(g{layer})"), g.neuron("relu", f"relu(g{layer}−½)")
        for unit, shift in ((up, 0.0), (down, -0.5)):
            if prev is None:
                g.connect(x, unit, 1.0)                              # g₀ = x
            else:
                g.connect(prev[0], unit, 2.0)                        # g = T(previous g) = 2·relu − 4·relu(· − ½)
                g.connect(prev[1], unit, -4.0)
            g.connect(b, unit, shift)
        prev = (up, down)
    y = g.output("identity", "T^k(x)")
    g.connect(prev[0], y, 2.0)
    g.connect(prev[1], y, -4.0)
    net = g.build()
    net.info["construction"] = {"kind": "sawtooth", "k": k, "width": 2, "hidden_layers": k, "pieces": 2 ** k,
                                "formula": "T(x) = 2·relu(x) − 4·relu(x − ½), composed k times on [0, 1]"}
    return net


def square(m: int) -> Network:
    """x² on [0, 1] to within 2^(−2m−2), a deep ReLU network of width 3 (Yarotsky, 2017).

    x² = x − Σ_{s≥1} g_s(x)/4ˢ with g_s the s-fold tent map (:func:`sawtooth`); keeping m terms
    gives the piecewise-linear interpolation of x² on 2ᵐ equal pieces, error ≤ 2^(−2m−2).
    Each of the m hidden layers holds relu(g), relu(g − ½) and the running sum
    a = x − Σ g_s/4ˢ ≥ x² ≥ 0 (so relu(a) = a). One hidden layer of 3 ReLUs has at most 4
    linear pieces on [0, 1], and no 4 pieces come closer to x² than 1/(16·4²) = 1/256: on a
    piece of length h ≥ ¼ the best line is h²/16 away.
    """
    m = _count(m, "square()", "m", 1, 30)
    g = Graph()
    x = g.input("x")
    prev = None
    for s in range(1, m + 1):
        b = g.bias()
        up, down = g.neuron("relu", f"relu(g{s - 1})"), g.neuron("relu", f"relu(g{s - 1}−½)")
        acc = g.neuron("relu", f"a{s}")
        if prev is None:
            g.connect(x, up, 1.0)
            g.connect(x, down, 1.0)
            g.connect(x, acc, 1.0)                                   # a = x; each later layer subtracts one g_s/4ˢ
            g.connect(b, down, -0.5)
        else:
            p_up, p_down, p_acc = prev
            for unit, shift in ((up, 0.0), (down, -0.5)):
                g.connect(p_up, unit, 2.0)
                g.connect(p_down, unit, -4.0)
                g.connect(b, unit, shift)
            g.connect(p_acc, acc, 1.0)                               # a_s = a_(s−1) − g_(s−1)/4^(s−1)
            g.connect(p_up, acc, -2.0 / 4 ** (s - 1))
            g.connect(p_down, acc, 4.0 / 4 ** (s - 1))
        prev = (up, down, acc)
    y = g.output("identity", "≈x²")
    p_up, p_down, p_acc = prev
    g.connect(p_acc, y, 1.0)                                         # the last term, g_m/4ᵐ
    g.connect(p_up, y, -2.0 / 4 ** m)
    g.connect(p_down, y, 4.0 / 4 ** m)
    net = g.build()
    net.info["construction"] = {"kind": "square", "m": m, "width": 3, "hidden_layers": m,
                                "error_bound": 2.0 ** (-2 * m - 2),
                                "formula": "x² ≈ x − Σ_{s=1..m} g_s(x)/4ˢ, g_s the s-fold tent map"}
    return net


# -- the multiplication gate and products ------------------------------------------------------
def _scale(scale, where: str) -> float:
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise GraphError(f"{where}: scale must be a positive number (λ, such as 0.01); received scale={scale!r}.")
    scale = float(scale)
    if not (math.isfinite(scale) and scale > 0):
        raise GraphError(f"{where}: scale must be a finite number > 0 (λ, such as 0.01); received scale={scale!r}.")
    return scale


def _shift(name: str, order: int, shift, where: str) -> float:
    if shift is None:
        return operating_point(name, order)
    if isinstance(shift, bool) or not isinstance(shift, (int, float, np.integer, np.floating)) \
            or not math.isfinite(shift):
        raise GraphError(f"{where}: shift must be a finite number (the operating point b) or None; "
                         f"received shift={shift!r}.")
    d = derivative(name, order, float(shift))
    if abs(d) < 1e-6:
        raise GraphError(f"{where}: σ⁽{order}⁾({shift}) = {d:.3g} for {name}; the construction divides by it. "
                         f"Choose another shift or None (which picks b = {operating_point(name, order):.6g}).")
    return float(shift)


# A value flowing through the construction, Σ w·o_id: a list of (neuron id, weight) pairs.
# An input x is [(x, 1.0)]; a gate's result is its four neurons with their output weights,
# which the next gate reads directly (no identity neuron in between).
Form = list


def _signed_layer(g: Graph, forms: Sequence[Form], name: str, lam: float, b: float, bias: int,
                  label: str) -> Form:
    """2ᵏ neurons σ(λ s·a + b) over sign patterns s, returning the form ≈ Π a_i.

    a_i are the linear forms ``forms[i]``; the returned form is
    Σ_s (Π s_i) / (2ᵏ λᵏ σ⁽ᵏ⁾(b)) · h_s. Patterns with Π s_i = +1 come first (for k = 2:
    ++, −−, +−, −+, the gate's h1…h4).
    """
    k = len(forms)
    scale = 1.0 / (2 ** k * lam ** k * derivative(name, k, b))
    signs = sorted(itertools.product((1, -1), repeat=k), key=lambda s: math.prod(s) < 0)
    out: Form = []
    for s in signs:
        h = g.neuron(name, label + "".join("+" if si > 0 else "-" for si in s))
        weight: dict[int, float] = {}
        for si, form in zip(s, forms):
            for src, w in form:
                weight[src] = weight.get(src, 0.0) + lam * si * w
        for src, w in weight.items():
            g.connect(src, h, w)
        g.connect(bias, h, b)
        out.append((h, math.prod(s) * scale))
    return out


def _finish(g: Graph, form: Form, name: str) -> Network:
    """An identity output computing the linear form (plus a bias edge of weight 0, as every neuron has one)."""
    b = g.bias()
    y = g.output("identity", name)
    for src, w in form:
        g.connect(src, y, w)
    g.connect(b, y, 0.0)
    return g.build()


def _coefficient(name: str, k: int, b: float) -> float:
    """c in the relative error λ²·c·Σ x_i² of a k-fold signed layer at b."""
    return derivative(name, k + 2, b) / (6.0 * derivative(name, k, b))


def multiplication_gate(activation: str = "softplus", scale: float = 0.01, shift: float | None = None) -> Network:
    """Lin, Tegmark & Rolnick's multiplication gate: four neurons that approximate u·v.

    With λ = ``scale`` and the operating point b = ``shift``, the hidden neurons are::

        h1 = σ(λ(u + v) + b)   h2 = σ(−λ(u + v) + b)   h3 = σ(λ(u − v) + b)   h4 = σ(−λ(u − v) + b)

    and the identity output is ``(h1 + h2 − h3 − h4) / (4 λ² σ''(b))``. By Taylor's formula
    around b, the constant σ(b) and every odd power of λ cancel (h1 + h2 and h3 + h4 are even
    in λ), and::

        output = u·v · (1 + λ²·c·(u² + v²) + O(λ⁴)),   c = σ''''(b) / (6 σ''(b)),

    a relative error that shrinks as λ² (c is in ``info``). In float64 this holds for λ from
    about 1e-3 to 1e-1; much smaller λ loses digits to cancellation (about ε/λ²).

    Parameters
    ----------
    activation : {"softplus", "logistic", "tanh"}
        σ, which must have σ''(b) ≠ 0. Piecewise-linear functions (identity, relu,
        leaky_relu, step) have σ'' = 0 and are refused.
    scale : float
        λ > 0.
    shift : float, optional
        b; None picks :func:`operating_point` (softplus 0, logistic ln(2 + √3) ≈ 1.317,
        tanh ≈ 0.6585: where |σ''| is largest, so the output weights are smallest).

    Returns
    -------
    Network
        inputs ``u``, ``v``; hidden ``h++``, ``h--``, ``h+-``, ``h-+`` (h1…h4); output ``uv``.

    >>> net = multiplication_gate()
    >>> round(float(net.forward([0.5, -0.4])[0]), 4)
    -0.2
    """
    name = _smooth(activation, "multiplication_gate()")
    lam = _scale(scale, "multiplication_gate()")
    b = _shift(name, 2, shift, "multiplication_gate()")
    g = Graph()
    u, v = g.input("u"), g.input("v")
    bias = g.bias()
    form = _signed_layer(g, [[(u, 1.0)], [(v, 1.0)]], name, lam, b, bias, "h")
    net = _finish(g, form, "uv")
    net.info["construction"] = {
        "kind": "multiplication_gate",
        "activation": name,
        "scale": lam,
        "shift": b,
        "second_derivative": derivative(name, 2, b),
        "formula": "uv ≈ [σ(λ(u+v)+b) + σ(−λ(u+v)+b) − σ(λ(u−v)+b) − σ(−λ(u−v)+b)] / (4λ²σ''(b))",
        "relative_error": "λ²·c·(u² + v²) + O(λ⁴)",
        "error_coefficient": _coefficient(name, 2, b),
        "hidden_neurons": 4,
    }
    return net


def default_scale(n: int, deep: bool = True) -> float:
    """The λ :func:`product` uses when none is given: ε^(1/(k+2)), at most 0.1.

    k is the number of factors one layer of signed neurons multiplies: 2 for each gate of
    the deep tree, n for the shallow layer; ε = 2⁻⁵² (float64). The truncation error is
    about λ² (relative), and the rounding error about ε/λᵏ, because the output weights
    1/(2ᵏ λᵏ σ⁽ᵏ⁾(b)) grow as 1/λᵏ and the neurons' outputs cancel to O(λᵏ). The two
    balance near λ = ε^(1/(k+2)): 1.2e-4 for the deep tree and for n = 2, 0.011 for n = 6,
    0.05 for n = 10. (:func:`multiplication_gate` keeps the round λ = 0.01, where the λ²
    law is easy to see.)
    """
    k = 2 if deep else n
    return min(0.1, float(np.finfo(np.float64).eps) ** (1.0 / (k + 2)))


def product(n: int, deep: bool = True, activation: str = "softplus", scale: float | None = None,
            shift: float | None = None) -> Network:
    """A network that approximates the product x_1·x_2·…·x_n, deep or shallow.

    **Deep** (``deep=True``): a binary tree of multiplication gates (:func:`multiplication_gate`):
    the inputs are paired, each pair multiplied by a gate, the results paired again, and so
    on (an odd one out waits for the next round). A gate's output is a linear combination
    of its four neurons, so instead of a neuron of its own it is folded into the weights of
    the next gate: the next gate's neurons receive λ·(±1/(4λ²σ''(b))) from each of them.
    That leaves exactly 4(n − 1) hidden neurons and one identity output, ⌈log₂ n⌉ hidden
    levels. Each gate adds a relative error ≈ λ²·c·(a² + b²), so the total stays ≈ λ²·c·n.

    **Shallow** (``deep=False``): one hidden layer of 2ⁿ neurons, one per sign pattern
    s ∈ {±1}ⁿ (Lin, Tegmark & Rolnick)::

        Π x_i ≈ Σ_s (Π s_i) σ(λ s·x + b) / (2ⁿ λⁿ σ⁽ⁿ⁾(b))

    which needs σ⁽ⁿ⁾(b) ≠ 0: softplus at b = 0 has σ⁽ⁿ⁾(0) = 0 for odd n ≥ 3, so b is
    :func:`operating_point` (activation, n) by default. The relative error is
    λ²·σ⁽ⁿ⁺²⁾(b)/(6σ⁽ⁿ⁾(b))·Σ x_i² + O(λ⁴) (see the module docstring).

    Parameters
    ----------
    n : int
        The number of inputs, ≥ 2 (deep: up to 4096; shallow: up to 16, 65,536 neurons).
    deep : bool
        The tree of gates (True) or one hidden layer (False).
    activation : {"softplus", "logistic", "tanh"}
    scale : float, optional
        λ > 0; None uses :func:`default_scale`.
    shift : float, optional
        b; None uses :func:`operating_point` (of order 2 for the deep tree, n for shallow).

    Returns
    -------
    Network
        inputs ``x1…xn``, one identity output ``product``.

    >>> net = product(4)
    >>> len([nu for nu in net.neurons if nu.kind == "hidden"])
    12
    """
    where = "product()"
    if not isinstance(deep, (bool, np.bool_)):
        raise GraphError(f"{where}: deep must be True or False; received deep={deep!r}.")
    n = _count(n, where, "n", 2, MAX_DEEP_INPUTS if deep else MAX_SHALLOW_INPUTS)
    name = _smooth(activation, where)
    lam = default_scale(n, deep) if scale is None else _scale(scale, where)
    order = 2 if deep else n
    b = _shift(name, order, shift, where)
    g = Graph()
    xs = [g.input(f"x{i + 1}") for i in range(n)]
    if deep:
        forms: list[Form] = [[(x, 1.0)] for x in xs]
        depth = [0] * n                   # hidden level of each value (0: an input)
        biases: dict[int, int] = {}       # one bias neuron per hidden level keeps trees of 2^k layered
        gate = 0
        while len(forms) > 1:
            nxt, nxt_depth = [], []
            for i in range(0, len(forms) - 1, 2):
                level = max(depth[i], depth[i + 1]) + 1
                if level not in biases:
                    biases[level] = g.bias()
                gate += 1
                nxt.append(_signed_layer(g, [forms[i], forms[i + 1]], name, lam, b, biases[level], f"g{gate}"))
                nxt_depth.append(level)
            if len(forms) % 2:
                nxt.append(forms[-1])
                nxt_depth.append(depth[-1])
            forms, depth = nxt, nxt_depth
        net = _finish(g, forms[0], "product")
        hidden = 4 * (n - 1)
        coefficient = _coefficient(name, 2, b)
    else:
        bias = g.bias()
        net = _finish(g, _signed_layer(g, [[(x, 1.0)] for x in xs], name, lam, b, bias, "h"), "product")
        hidden = 2 ** n
        coefficient = _coefficient(name, n, b)
    net.info["construction"] = {
        "kind": "product",
        "deep": bool(deep),
        "n_inputs": n,
        "activation": name,
        "scale": lam,
        "shift": b,
        "hidden_neurons": hidden,
        "formula": ("binary tree of multiplication gates" if deep else
                    "Π x ≈ Σ_s (Π s_i) σ(λ s·x + b) / (2ⁿ λⁿ σ⁽ⁿ⁾(b))"),
        "relative_error": ("≈ λ²·c·Σ (gate inputs)² over the gates" if deep else "λ²·c·Σ x_i² + O(λ⁴)"),
        "error_coefficient": coefficient,
    }
    return net


@dataclass(frozen=True)
class ProductRow:
    """One line of :func:`product_report`: deep and shallow networks for the product of n inputs.

    ``*_abs_error`` is max |ŷ − Π x| over points uniform in [−1, 1]ⁿ (where |Π x| ≤ 1);
    ``*_rel_error`` is max |ŷ − Π x| / |Π x| over points with |x_i| uniform in [½, 1] and
    random signs, where the product is never tiny and the relative error is the
    construction's own, λ²·c·Σ x_i² (on all of [−1, 1]ⁿ it would mostly measure rounding
    divided by products close to 0). The shallow fields are None above ``shallow_limit``.
    """

    n: int
    deep_hidden: int
    shallow_hidden: int | None
    deep_abs_error: float
    deep_rel_error: float
    shallow_abs_error: float | None
    shallow_rel_error: float | None
    deep_scale: float
    shallow_scale: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def _errors(net: Network, X: np.ndarray, Xr: np.ndarray) -> tuple[float, float]:
    """(max absolute error on X, max relative error on Xr) of a product network."""
    y, yr = X.prod(axis=1), Xr.prod(axis=1)                             # (B,)
    absolute = np.abs(net.forward(X)[:, 0] - y)                          # (B,)
    relative = np.abs(net.forward(Xr)[:, 0] - yr) / np.abs(yr)          # (B,)
    return float(absolute.max()), float(relative.max())


def product_report(n_values: Sequence[int] = (2, 3, 4, 6, 8, 10), activation: str = "softplus",
                   samples: int = 1000, seed: int = 0, scale: float | None = None,
                   shallow_limit: int = 12) -> list[ProductRow]:
    """Deep versus shallow product networks: hidden neurons and their errors, for each n.

    For each n, both networks of :func:`product` are built (the shallow one only up to
    ``shallow_limit`` inputs, 2ⁿ neurons) and evaluated on ``samples`` points from
    ``numpy.random.default_rng(seed)``: uniform in [−1, 1]ⁿ for the absolute error, and
    with |x_i| uniform in [½, 1] and random signs for the relative error (see
    :class:`ProductRow`). ``scale`` (λ) applies to both; None uses :func:`default_scale`.

    Floating point sets the limits: the shallow layer's output weights grow as 1/λⁿ, so its
    error grows with n whatever λ (a few 1e-3 absolute at n = 10); each deep gate rounds to
    an absolute ≈ ε/λ², so the deep relative error grows only when the products themselves
    become tiny (here |Π x| ≥ 2⁻ⁿ; of order 1e-6 at n = 10, 1e-5 at n = 16).

    Returns a list of :class:`ProductRow` (``row.as_dict()`` for a plain dict); print it
    with :func:`format_report`.

    >>> [(r.n, r.deep_hidden, r.shallow_hidden) for r in product_report([2, 5], samples=10)]
    [(2, 4, 4), (5, 16, 32)]
    """
    where = "product_report()"
    try:
        ns = [int(v) if not isinstance(v, bool) and float(v) == int(v) else None for v in n_values]
    except (TypeError, ValueError):
        ns = [None]
    if not ns or None in ns:
        raise GraphError(f"{where}: n_values must be a list of integers ≥ 2 such as [2, 4, 8]; "
                         f"received n_values={n_values!r}.")
    samples = _count(samples, where, "samples", 1, 10 ** 6)
    shallow_limit = _count(shallow_limit, where, "shallow_limit", 2, MAX_SHALLOW_INPUTS)
    rng = np.random.default_rng(seed)
    rows = []
    for n in ns:
        deep = product(n, True, activation, scale)
        shallow = product(n, False, activation, scale) if n <= shallow_limit else None
        X = rng.uniform(-1.0, 1.0, size=(samples, n))                                        # (B, n)
        Xr = rng.uniform(0.5, 1.0, size=(samples, n)) * rng.choice([-1.0, 1.0], size=(samples, n))  # (B, n)
        deep_err = _errors(deep, X, Xr)
        shallow_err = _errors(shallow, X, Xr) if shallow is not None else (None, None)
        rows.append(ProductRow(
            n=n,
            deep_hidden=deep.info["construction"]["hidden_neurons"],
            shallow_hidden=shallow.info["construction"]["hidden_neurons"] if shallow is not None else None,
            deep_abs_error=deep_err[0],
            deep_rel_error=deep_err[1],
            shallow_abs_error=shallow_err[0],
            shallow_rel_error=shallow_err[1],
            deep_scale=deep.info["construction"]["scale"],
            shallow_scale=shallow.info["construction"]["scale"] if shallow is not None else None,
        ))
    return rows


def format_report(rows: Sequence[ProductRow]) -> str:
    """A plain-text table of :func:`product_report` rows."""
    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    cols = [("n", "d", "n"), ("deep hidden", "d", "deep_hidden"), ("shallow hidden", "d", "shallow_hidden"),
            ("deep abs err", ".1e", "deep_abs_error"), ("deep rel err", ".1e", "deep_rel_error"),
            ("shallow abs err", ".1e", "shallow_abs_error"), ("shallow rel err", ".1e", "shallow_rel_error")]
    head = "  ".join(f"{title:>{max(len(title), 3)}}" for title, _, _ in cols)
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append("  ".join(f"{num(getattr(r, attr), fmt):>{max(len(title), 3)}}" for title, fmt, attr in cols))
    return "\n".join(lines)


# -- linear networks ---------------------------------------------------------------------------
def linear_collapse(sizes: Sequence[int] = (3, 4, 4, 2), seed: int | None = 0, *,
                    bias: bool = True) -> tuple[Network, np.ndarray, np.ndarray]:
    """A deep all-identity network and the map it is: (net, M, c), f(x) = M x + c.

    ``M = W_L ⋯ W_2`` is the product of the layer matrices (the seed, II.III): depth adds
    nothing without a non-linear function. ``M`` has shape (n_out, n_in). With bias neurons
    (``bias=True``, one per non-output layer as in the seed's networks) the map is *affine*,
    c = Σ_k W_L⋯W_(k+1)·b_k; without them (``bias=False``, the seed's case of linear maps
    A_k) c = 0 and the network is the single matrix M the seed names.

    >>> net, M, c = linear_collapse(bias=False)
    >>> M.shape, bool((c == 0).all())
    ((2, 3), True)
    """
    if bias:
        net = mlp(sizes, hidden="identity", output="identity", seed=seed)
    else:
        g = Graph()
        prev = [g.input() for _ in range(int(sizes[0]))]
        for k, n in enumerate(sizes[1:], start=1):
            units = [g.output("identity") if k == len(sizes) - 1 else g.neuron("identity") for _ in range(int(n))]
            for j in units:
                for i in prev:
                    g.connect(i, j)
            prev = units
        net = g.build(seed=seed)
    M, c = net.collapse()
    net.info["construction"] = {"kind": "linear_collapse", "sizes": [int(s) for s in sizes], "bias": bool(bias),
                                "formula": "f(x) = W_L⋯W_2 x + c" if bias else "f(x) = A_L⋯A_2 x"}
    return net, M, c
