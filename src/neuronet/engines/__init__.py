"""The engines: "run these epochs on this structure", as fast as the machine allows.

An engine holds a structure, a loss and an optimizer and offers ``epochs(theta, state, X, Y,
perms, batch_size, lr, factors, t0) -> (R, K)`` mean batch losses, ``loss(theta, X, Y) -> (R,)``
and ``forward(theta, X)``. Three exist:

* the **matrix engine** (``matrix.py``): NumPy and BLAS level by level; a layered, fully
  connected network's epochs run as one compiled loop (``dense.py``);
* the **numpy engine**: the matrix engine's NumPy path alone, compiled nothing, numba never
  imported: it starts at once;
* the **neuron engine** (``neuron.py``): the seed's per-neuron loop, compiled, with many
  restarts side by side in vector registers.

All reproduce the NumPy reference (``neuronet.model``) to rounding. :func:`make_engine` picks one by
their estimated costs (``choice_costs.py``), the cost of compiling included: a run that the NumPy
path finishes in a blink goes to the numpy engine whether or not numba's cache is warm, so a result
never depends on the cache.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from ..errors import DataError
from ..model.structure import Structure
from .choice_costs import choose_engine, matrix_costs, small_job  # noqa: F401 (the engines' interface)
from .matrix import MatrixEngine

ENGINES = ("auto", "numpy", "matrix", "neuron")


class NumpyEngine(MatrixEngine):
    """The NumPy reference path alone (``model.backprop`` batch by batch, the optimizers' NumPy rules)."""

    name = "numpy"

    def __init__(self, S: Structure, loss, optimizer, dtype):
        super().__init__(S, loss, optimizer, dtype, compiled=False)


_RUN = threading.local()


@contextlib.contextmanager
def run_of(restarts: int) -> Iterator[None]:
    """Engines made in this block (on this thread) choose their paths as for a run of ``restarts``
    restarts: a chunk of a larger run (``neuronet.distributed``) then takes the paths the whole run
    takes, and so gives the same bits."""
    old = getattr(_RUN, "restarts", None)
    _RUN.restarts = int(restarts)
    try:
        yield
    finally:
        _RUN.restarts = old


def make_engine(name: str, S: Structure, loss, opt, dtype, batch_size: int, N: int, R: int,
                epochs: int | None = None):
    """The engine for R restarts (see ``_make_engine``). Its paths (the matrix engine's compiled loop or
    NumPy's stacked arrays, the neuron engine's one lane or lanes side by side) are chosen for the run's R once
    (``path_restarts``), not again as restarts stop: a restart's arithmetic then never depends on how
    many others are still running, or on how a run was cut into chunks (``run_of``)."""
    R = getattr(_RUN, "restarts", None) or R
    eng = _make_engine(name, S, loss, opt, dtype, batch_size, N, R, epochs)
    eng.path_restarts = R
    return eng


def _make_engine(name: str, S: Structure, loss, opt, dtype, batch_size: int, N: int, R: int,
                 epochs: int | None = None):
    """The engine called ``name`` for this job; ``auto`` picks the one predicted fastest, compiling counted.

    ``epochs`` (the most the run will do) lets ``auto`` send a small job to the numpy engine
    (``choice_costs.small_job``); without it, ``auto`` chooses between the compiled engines.
    """
    if name not in ENGINES:
        raise DataError(f"engine must be one of {', '.join(ENGINES)}; received engine={name!r}.")
    if name == "numpy" or (name == "auto" and epochs is not None and small_job(S, batch_size, N, R, epochs)):
        return NumpyEngine(S, loss, opt, dtype)
    if name == "matrix":
        return MatrixEngine(S, loss, opt, dtype)
    from . import neuron as neuron_engine  # noqa: PLC0415 (numba is imported only when needed)

    ok, why = neuron_engine.supports(S, loss, opt)
    if name == "neuron":
        if not ok:
            raise DataError(f"engine='neuron' cannot train this network: {why}. Use engine='matrix'.")
        return neuron_engine.NeuronEngine(S, loss, opt, dtype)
    if ok and choose_engine(S, batch_size, N, R) == "neuron":
        return neuron_engine.NeuronEngine(S, loss, opt, dtype)
    return MatrixEngine(S, loss, opt, dtype)
