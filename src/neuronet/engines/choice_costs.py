"""What each engine costs, estimated from the structure and the work (constants measured on 2 cores,
benchmarks/README.md), and the choice between them. No numba here: choosing imports nothing heavy.

The choice counts what compiling costs. A compiled engine's fixed price is importing numba and
loading its machine code: ~0.4–0.5 s on 2 cores with a warm cache, 5–20 s with an empty one. A run
that the NumPy path finishes within ``SMALL_JOB_SECONDS`` cannot win that back in a fresh process,
warm or cold, and loses at most that much in one that has already loaded the compiled code: such a
run goes to the NumPy engine (:func:`small_job`). The rule reads only the job's sizes, never the
state of a cache, so a call picks the same engine (and gives the same bits) on a first run and on
every later one.
"""

from __future__ import annotations

import math
import os

from ..model.structure import Structure

SMALL_JOB_SECONDS = 0.1


def matrix_costs(S: Structure, batch_size: int, N: int, R: int) -> tuple[float, float]:
    """Estimated seconds per epoch of the matrix engine's compiled loop (layered networks) and of its
    NumPy path (see choose_engine). The compiled loop runs the restarts one after the other; NumPy
    stacks them in each array call, which wins for many restarts of a tiny network."""
    n_batches = math.ceil(N / batch_size)
    levels = len(S.levels) - 1
    H = sum(len(lev.ids) for lev in S.levels[1:])
    compiled = R * n_batches * (levels * 0.8e-6 + 6.0 * min(batch_size, N) * S.P / 50e9 + S.P * 0.3e-9)
    numpy_path = n_batches * levels * 40e-6 + (R > 1) * R * N * H * 30e-9 + 6.0 * R * N * S.P / 20e9
    return compiled, numpy_path


def numpy_run_seconds(S: Structure, batch_size: int, N: int, R: int, epochs: int) -> float:
    """Estimated wall time of a whole ``train()`` run on the NumPy engine, the training loop included.

    Per epoch ~50 µs of loop; per batch ~7 µs, ~11 µs per level (the forward and backward calls)
    and ~1.6 ns per restart × parameter (the optimizer's whole-array update); per restart × example
    ~3.5 ns per neuron (activations and their derivatives) and ~0.18 ns per parameter (the
    products). Fitted by non-negative least squares to timed runs on 2 cores (networks of 3–262
    neurons, 4–1,437 rows, batch 1 to full, 1–32 restarts, SGD and Adam; benchmarks/README.md,
    "Cold start").
    """
    n_batches = math.ceil(N / batch_size)
    levels = len(S.levels) - 1
    H = sum(len(lev.ids) for lev in S.levels[1:])
    per_epoch = (50e-6 + n_batches * (7e-6 + levels * 11e-6 + R * S.P * 1.6e-9)
                 + R * N * (H * 3.5e-9 + S.P * 0.18e-9))
    return epochs * per_epoch


def small_job(S: Structure, batch_size: int, N: int, R: int, epochs: int) -> bool:
    """Whether the NumPy engine, which compiles nothing, is predicted to finish the whole run within
    ``SMALL_JOB_SECONDS`` (iris's default run, 200 epochs: ~0.05 s; 50 epochs of 64-64-10 on digits:
    ~0.16 s, which stays compiled)."""
    return numpy_run_seconds(S, batch_size, N, R, epochs) <= SMALL_JOB_SECONDS


def choose_engine(S: Structure, batch_size: int, N: int, R: int) -> str:
    """'neuron' or 'matrix', by an estimate of each engine's cost per epoch (constants measured on 2 cores,
    benchmarks/README.md).

    Matrix engine, a layered fully connected network (one compiled call for all epochs): per restart
    and batch ~0.8 µs per level (BLAS calls on small matrices), the arithmetic at ~50 GFLOP/s and
    the update at ~0.3 ns a weight. Other structures (NumPy per batch): ~40 µs per level per batch,
    ~30 ns per restart × example × neuron for stacks of small matrices (R > 1), ~20 GFLOP/s.
    Neuron engine, one restart: ~2.5 ns per example × edge, ~8 ns per example × neuron, ~30 ns per
    example. Four or more restarts side by side: ~1 ns per restart × example × edge (2 ns when
    fewer than 16 share a thread), ~1 ns per neuron for identity, logistic and relu (vectorized),
    ~15 ns for the others; split over the cores when the work is large; ~6 µs per call.
    """
    from .layers import plain_layers  # noqa: PLC0415

    E = len(S.edges)
    H = sum(len(lev.ids) for lev in S.levels[1:])
    compiled, numpy_path = matrix_costs(S, batch_size, N, R)
    matrix = min(compiled, numpy_path) if plain_layers(S) is not None else numpy_path
    cores = max(min(os.cpu_count() or 1, 8), 1)
    if R < 4:
        neuron = R * N * (E * 2.5e-9 + H * 8e-9 + 30e-9)
    else:
        fast = sum(1 for nu in S.neurons if nu.activation in ("identity", "logistic", "relu"))
        per_edge = 1e-9 if R / cores >= 16 else 2e-9
        work = R * N * E
        neuron = R * N * (E * per_edge + fast * 1e-9 + (H - fast) * 15e-9) / (cores if work > 4000 else 1)
    neuron += 6e-6
    return "neuron" if neuron < matrix else "matrix"
