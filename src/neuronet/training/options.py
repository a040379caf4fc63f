"""Everything ``train`` is asked to do, checked once, and the record of it a checkpoint keeps.

:func:`prepare` turns the arguments of ``train`` into a :class:`Plan`: the loss, optimizer and
schedule objects, the data as the engines take it (split into training and validation rows
when asked), the batch size and the per-restart step sizes η₀. ``Plan.config`` is the run's
identity: every option that changes a single bit of the result, the architecture (neurons,
activations, edges), the starting network and checksums of the data. A checkpoint stores it
and a resume compares all of it (``state.RunState.load``), so a resumed run is the run that
was checkpointed or an error naming what differs.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, fields

import numpy as np

from .._memory import require
from ..errors import DataError
from ..model import losses as losses_mod
from ..model import optimizers, schedules
from ..model.network import Network
from ..model.optimizers import Optimizer

# config keys a resume does not compare: the seed's entropy is drawn afresh when seed is None
# (the checkpoint keeps the streams' state), and the chosen engine is a speed decision made
# from R and N, which the comparison of restarts and N already pins.
NOT_COMPARED = ("entropy",)


# -- argument checks ------------------------------------------------------------------------
def positive_int(name, v, minimum=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise DataError(f"{name} must be an integer ≥ {minimum}; received {name}={v!r}.")
    return int(v)


def number(name, v, minimum=None):
    try:
        v = float(v)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"{name} must be a number; received {name}={v!r}.") from None
    if not np.isfinite(v) or (minimum is not None and v < minimum):
        raise DataError(f"{name} must be a finite number" + (f" ≥ {minimum}" if minimum is not None else "")
                        + f"; received {name}={v!r}.")
    return v


def seed_value(seed) -> int | None:
    """None (fresh entropy) or an integer ≥ 0, the only seeds NumPy's SeedSequence takes."""
    if seed is None:
        return None
    return positive_int("seed", seed, minimum=0)


def step_sizes(step_size, R) -> np.ndarray:
    try:
        arr = np.asarray(step_size, dtype=np.float64) if not isinstance(step_size, str) else None
    except (TypeError, ValueError, OverflowError):
        arr = None
    if arr is None or arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != R):
        raise DataError(f"step_size must be a positive number or one per restart (shape ({R},)); "
                        f"received step_size={step_size!r}.")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise DataError(f"step_size must be positive and finite; received step_size={step_size!r}.")
    return np.broadcast_to(arr, (R,)).astype(np.float64)


def split(X, Y, fraction, rng):
    N = X.shape[0]
    if not 0 < fraction < 1:
        raise DataError(f"validation_fraction must be between 0 and 1; received {fraction!r}.")
    n_val = int(round(N * fraction))
    if n_val < 1 or n_val >= N:
        raise DataError(f"validation_fraction={fraction} leaves {N - n_val} training and {n_val} validation rows "
                        f"out of {N}; both need at least one.")
    perm = rng.permutation(N)
    tr, va = np.sort(perm[n_val:]), np.sort(perm[:n_val])
    return X[tr], Y[tr], X[va], Y[va]


def given_state(given: dict, fresh: dict, R: int, P: int, dtype) -> tuple[dict, int]:
    """The optimizer state to continue from, checked against what this run's optimizer keeps."""
    if not isinstance(given, dict) or "t" not in given:
        raise DataError("optimizer_state must be a dict like result.optimizer_state: {'t': updates done, "
                        "name: (R, P) array, …}.")
    names = sorted(k for k in given if k != "t")
    if names != sorted(fresh):
        raise DataError(f"optimizer_state holds {names or 'no arrays'}, but this optimizer keeps "
                        f"{sorted(fresh) or 'none'}; continue with the optimizer that made it.")
    state = {}
    for k in fresh:
        a = np.asarray(given[k])
        if a.shape != (R, P):
            raise DataError(f"optimizer_state[{k!r}] has shape {a.shape}; this run needs ({R}, {P}) "
                            "(restarts × parameters).")
        state[k] = np.array(a, dtype=dtype)
    return state, positive_int("optimizer_state['t']", given["t"], minimum=0)


# -- the plan ---------------------------------------------------------------------------------
@dataclass
class Plan:
    """A checked call of ``train``: what to run, on which data, and its identity (``config``)."""

    net: Network
    loss: losses_mod.Loss
    opt: Optimizer
    sched: schedules.Schedule
    X: np.ndarray
    Y: np.ndarray
    Xv: np.ndarray | None
    Yv: np.ndarray | None
    batch_size: int
    epochs: int
    restarts: int
    eta0: np.ndarray            # (R,) η₀ per restart
    shuffle_seq: np.random.SeedSequence     # the stream of the epochs' orders
    config: dict

    @property
    def N(self) -> int:
        return self.X.shape[0]

    @property
    def n_batches(self) -> int:
        return math.ceil(self.N / self.batch_size)


def prepare(net, X, Y, *, loss, optimizer, step_size, epochs, batch_size, restarts, seed, schedule, momentum,
            nesterov, optimizer_options, init, init_scale, validation_data, validation_fraction, early_stopping,
            tol, patience, target_loss, shuffle, first_restart) -> Plan:
    """Check every argument of ``train`` and ready the data; raise one DataError naming what is wrong."""
    if not isinstance(net, Network):
        raise DataError(f"train() needs a neuronet Network as its first argument; received {type(net).__name__}.")
    S, dtype = net.structure, net.dtype.type
    lo = losses_mod.get(loss)
    opt = optimizers.get(optimizer, momentum=momentum, nesterov=nesterov, **(optimizer_options or {}))
    epochs = positive_int("epochs", epochs)
    R = positive_int("restarts", restarts)
    first_restart = positive_int("first_restart", first_restart, minimum=0)
    patience = positive_int("patience", patience)
    seed = seed_value(seed)
    tol = number("tol", tol, 0.0)
    init_scale = number("init_scale", init_scale, 0.0)
    if target_loss is not None:
        target_loss = number("target_loss", target_loss)
    untrainable = [nu for nu in S.neurons if nu.activation == "step"]
    if untrainable:
        raise DataError(f"{untrainable[0].label} applies the step function, whose derivative is 0 almost "
                        "everywhere, so backpropagation cannot train it. Use logistic or tanh for training "
                        "(step is for networks built by hand, as in neuronet.construct).")

    Xa, _ = net._check_X(X, "X")
    if np.ndim(Xa) == 2 and np.ndim(X) == 1:
        raise DataError("X must be a batch of examples (N, n_in); received a single example.")
    Ya = losses_mod.prepare_targets(lo, Y, S.n_out, dtype, Xa.shape[0], "Y")
    ss = np.random.SeedSequence(seed)
    _, shuffle_ss, split_ss = ss.spawn(3)    # restarts draw from (entropy, k) streams, not from a child
    Xv = Yv = None
    if validation_data is not None and validation_fraction is not None:
        raise DataError("Give either validation_data or validation_fraction, not both.")
    if validation_data is not None:
        try:
            vx, vy = validation_data
        except (TypeError, ValueError):
            raise DataError("validation_data must be a pair (X_val, Y_val).") from None
        Xv, _ = net._check_X(vx, "X_val")
        Yv = losses_mod.prepare_targets(lo, vy, S.n_out, dtype, Xv.shape[0], "Y_val")
    elif validation_fraction is not None:
        Xa, Ya, Xv, Yv = split(Xa, Ya, float(validation_fraction), np.random.default_rng(split_ss))
    # C order, and writeable: the compiled engines take writeable arrays (a read-only one would need a
    # kernel of its own); training never writes into them.
    Xa, Ya = np.require(Xa, requirements=['C', 'W']), np.require(Ya, requirements=['C', 'W'])
    N = Xa.shape[0]
    bs = N if batch_size is None else positive_int("batch_size", batch_size)
    bs = min(bs, N)
    sched = schedules.get(schedule, optimizer=opt, stochastic=bs < N)
    if opt.name == "rprop" and bs < N:
        raise DataError(f"rprop works on the full batch only; received batch_size={batch_size} for {N} "
                        "examples. Use batch_size=None.",
                        cli=f"rprop works on the full batch only; received --batch-size {batch_size} for {N} "
                            "training rows. Use --batch-size 0 (the full batch).")
    check_memory(net, opt, R, epochs, bs, Xv is not None, Xa.nbytes + Ya.nbytes)
    eta0 = step_sizes(step_size, R)
    config = {"loss": lo.name, "optimizer": opt.name, "momentum": opt.momentum, "nesterov": opt.nesterov,
              "optimizer_options": _optimizer_options(opt), "step_size": step_size_record(eta0),
              "schedule": sched.describe(), "epochs": epochs, "batch_size": bs, "restarts": R,
              "seed": seed, "entropy": str(ss.entropy), "first_restart": first_restart, "N": N, "P": S.P,
              "dtype": np.dtype(dtype).name, "init": init, "init_scale": init_scale,
              "architecture": architecture(net), "network_crc32": _crc(net.theta),
              "early_stopping": bool(early_stopping), "patience": patience, "tol": tol,
              "target_loss": target_loss, "shuffle": bool(shuffle),
              "validation_rows": 0 if Xv is None else int(Xv.shape[0]),
              "data_crc32": _crc(Xa, Ya), "validation_crc32": None if Xv is None else _crc(Xv, Yv)}
    return Plan(net, lo, opt, sched, Xa, Ya, Xv, Yv, bs, epochs, R, eta0, shuffle_ss, config)


def check_memory(net: Network, opt: Optimizer, R: int, epochs: int, batch_size: int, validation: bool,
                 data_bytes: int = 0) -> None:
    """Refuse in one line a run whose arrays would not fit in memory, before allocating any of them.

    Per restart: the weights θ, the starting, best and working copies, the optimizer's arrays (twice:
    stored and working) and about two arrays of gradient and update in the engine; the history (twice
    with validation); the activations and deltas of one batch; and twice the data (the copies training
    makes: a split, C order).
    """
    S, item = net.structure, net.dtype.itemsize
    n_state = len(opt.init_state(1, 1, net.dtype.type))
    per_restart = (6 + 2 * n_state) * S.P * item
    history = epochs * 8 * (2 if validation else 1)
    batch = 3 * batch_size * len(S.neurons) * item
    need = R * (per_restart + history + batch) + 2 * data_bytes
    require(need, "Training", "the restarts, the epochs or the network's size",
            f"{R:,} restart{'s' * (R != 1)} × ({S.P:,} parameters × {6 + 2 * n_state} arrays of {item} bytes, "
            f"a history of {epochs:,} epochs, a batch of {batch_size:,} rows), and the data's copies")


def architecture(net: Network) -> str:
    """'3 in → 6 tanh → 1 identity, 31 edges (crc32 …)': the levels' sizes and activations, and the edges."""
    S = net.structure
    parts = [f"{S.n_in} in"]
    for lev in S.levels[1:]:
        parts.append(" + ".join(f"{sl.stop - sl.start} {act.name}" for act, sl in lev.segments))
    # which neuron sits in which column of each level, and where each edge's weight lives: together they
    # pin every edge (i, j) without converting the edge list (0.1 s for 235,000 edges)
    ids = np.array([i for lev in S.levels for i in lev.ids], dtype=np.int64)
    return " → ".join(parts) + f", {len(S.edge_param)} edges (crc32 {_crc(ids, S.edge_param)})"


def _optimizer_options(opt: Optimizer) -> dict:
    """The optimizer's hyperparameters that its rule reads (Adam's β₁, β₂, ε; rprop's η⁺, η⁻, steps)."""
    used = {"adam": ("beta1", "beta2", "eps"), "rprop": ("eta_plus", "eta_minus", "step_max", "step_min")}
    return {f.name: getattr(opt, f.name) for f in fields(opt) if f.name in used.get(opt.name, ())}


def step_size_record(eta0: np.ndarray) -> float | str:
    """η₀ as the config shows it: one number, or the range and checksum of one per restart."""
    if np.all(eta0 == eta0[0]):
        return float(eta0[0])
    return f"per restart, {eta0.min():.17g}…{eta0.max():.17g} (crc32 {_crc(eta0)})"


def _crc(*arrays: np.ndarray) -> int:
    """CRC-32 of the arrays' bytes, read in place (``tobytes`` would copy: 0.36 s against 0.08 s for 125 MB)."""
    c = 0
    for a in arrays:
        c = zlib.crc32(np.ascontiguousarray(a).reshape(-1).view(np.uint8), c)
    return c
