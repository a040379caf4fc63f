"""Demonstrations of the seed's claims, each a few seconds long, each printing what it shows.

===========  ==================================================================================
name         what it shows (module)
===========  ==================================================================================
xor          a 2-2-1 logistic network gets stuck on XOR in some random starts; restarts rescue it
sine         one hidden layer approximates a smooth function, better with more neurons
boolean      one architecture of 2ⁿ step units computes every boolean function; parity needs n;
             the counting argument (most functions need ~2ⁿ/n² units)
multiply     the 4-neuron multiplication gate (error ∝ λ²) and deep versus shallow products
symmetry     Rumelhart, Hinton & Williams' mirror-symmetry network and its 1:2:4 weights
digits       an image classifier in miniature (8×8 handwritten digits), the seed's "cat" example
matmul       a matrix product is a network without hidden layers, its weights the matrix entries
narrow       deep ReLU networks of width n + 1 against one hidden layer of the same width
one-weight   the loss as a function of one weight, its tangent, and SGD steps of three sizes
median       squared error fits the mean, absolute error the median; what a constant step costs
===========  ==================================================================================

The demos live in small modules by theme: ``_restarts`` (xor, symmetry), ``_approximation``
(sine, digits), ``_construction`` (boolean, multiply), ``_depth`` (matmul, narrow) and
``_descent`` (one-weight, median); ``_report`` is what they all write into.

>>> from neuronet import demos
>>> print(demos.run("boolean").splitlines()[0])
Any boolean function with one hidden layer: one architecture, and counting
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ...errors import DataError
from . import _approximation, _construction, _depth, _descent, _restarts
from ._report import WIDTH, _Report  # noqa: F401 (WIDTH: the text width, part of the interface)

NAMES = ("xor", "sine", "boolean", "multiply", "symmetry", "digits", "matmul", "narrow", "one-weight", "median")

DESCRIPTIONS = {
    "xor": "random restarts rescue a 2-2-1 network stuck on XOR",
    "sine": "one hidden layer fits sin x, better with more neurons",
    "boolean": "one hidden layer of 2^n step units for every boolean function",
    "multiply": "the 4-neuron multiplication gate; deep versus shallow products",
    "symmetry": "Rumelhart, Hinton & Williams' mirror symmetry, its 1:2:4 weights",
    "digits": "an 8x8 handwritten-digit classifier (the seed's cat example)",
    "matmul": "multiplying by a matrix is a network with no hidden layer",
    "narrow": "deep ReLU nets of width n + 1 against one hidden layer that wide",
    "one-weight": "L(w6,9), its tangent, and SGD steps too small, right, too large",
    "median": "squared error fits the mean, absolute error the median",
}


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
    report.sign_off()
    if out is not None:
        report.save_pictures(out)
    return report.text()


_DEMOS: dict[str, Callable] = {"xor": _restarts._xor, "sine": _approximation._sine, "boolean": _construction._boolean,
                               "multiply": _construction._multiply, "symmetry": _restarts._symmetry,
                               "digits": _approximation._digits, "one-weight": _descent._one_weight,
                               "median": _descent._median, "matmul": _depth._matmul, "narrow": _depth._narrow}
