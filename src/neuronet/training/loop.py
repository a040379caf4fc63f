"""Training: backpropagation with (stochastic) gradient descent, and random restarts trained at once.

The seed (chapter III): for one example at a time, compute the loss, its derivative for
every weight, move each weight a step against it, go on to the next example; the step
size usually decreases over the run. Because the loss has local minima, run the whole
algorithm many times from different initial weights and keep the best (III.III).

Here the R runs are one array axis: ``theta`` has shape (R, P) and every epoch updates all
restarts that are still running with whole-array operations (the *matrix engine*; for a
layered, fully connected network its epochs run as one compiled loop, ``dense_kernel``), or
with the compiled per-neuron loop of ``neuron_engine`` (the *neuron engine*). They give the
same trajectories (to rounding).

One epoch, for batch b with examples ``perm[b·B:(b+1)·B]`` (the same order for every
restart, drawn from the run's seed)::

    L_b, g = mean loss over the batch, ∂L_b/∂θ          # (R,), (R, P)
    θ ← update(θ, g, η₀ · factor(t))                      # the optimizer's rule, per restart
    t ← t + 1

``history[r, epoch]`` is the mean of the batch losses L_b seen in that epoch;
``losses[r]`` is the loss of the returned weights on the whole training set.
"""

from __future__ import annotations

import json
import math
import os
import time
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..engines import MatrixEngine, make_engine
from ..errors import DataError, TrainingError
from ..model import initializers, losses as losses_mod, optimizers, schedules
from ..model.network import Network
from .checkpoint import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, _atomic_savez, _load_checkpoint
from .progress import _Progress
from .result import TrainResult

MAX_CHUNK_EPOCHS = 256    # epochs per engine call when nothing needs a decision after each epoch
MAX_CHUNK_ROWS = 1 << 20  # … and at most this many rows of shuffled order held at once
DIVERGENCE_FACTOR = 1e4  # a loss this many times its starting value (or non-finite) means diverged


# -- argument checks ------------------------------------------------------------------------
def _positive_int(name, v, minimum=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise DataError(f"{name} must be an integer ≥ {minimum}; received {name}={v!r}.")
    return int(v)


def _number(name, v, minimum=None):
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number; received {name}={v!r}.") from None
    if not np.isfinite(v) or (minimum is not None and v < minimum):
        raise DataError(f"{name} must be a finite number" + (f" ≥ {minimum}" if minimum is not None else "")
                        + f"; received {name}={v!r}.")
    return v


def _step_sizes(step_size, R) -> np.ndarray:
    arr = np.asarray(step_size, dtype=np.float64) if not isinstance(step_size, str) else None
    if arr is None or arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != R):
        raise DataError(f"step_size must be a positive number or one per restart (shape ({R},)); "
                        f"received step_size={step_size!r}.")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise DataError(f"step_size must be positive and finite; received step_size={step_size!r}.")
    return np.broadcast_to(arr, (R,)).astype(np.float64)


def _split(X, Y, fraction, rng):
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


def _given_state(given: dict, fresh: dict, R: int, P: int, dtype) -> tuple[dict, int]:
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
    return state, _positive_int("optimizer_state['t']", given["t"], minimum=0)


# -- train ----------------------------------------------------------------------------------
def train(net: Network, X, Y, loss: str = "squared", optimizer: str = "sgd", step_size=0.1,
          epochs: int = 100, batch_size: int | None = 1, restarts: int = 1, seed: int | None = None, *,
          schedule="constant", momentum: float = 0.0, nesterov: bool = False,
          optimizer_options: dict | None = None, init: str = "auto", init_scale: float = 1.0,
          validation_data: tuple | None = None, validation_fraction: float | None = None,
          early_stopping: bool = False, tol: float = 1e-4, patience: int = 10,
          target_loss: float | None = None, shuffle: bool = True, engine: str = "auto",
          checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 10,
          resume: str | os.PathLike | None = None, progress: bool = False,
          callback: Callable[[dict], Any] | None = None, optimizer_state: dict | None = None,
          first_restart: int = 0) -> TrainResult:
    """Train R restarts of ``net`` on (X, Y) by backpropagation and gradient descent; keep the best.

    Parameters
    ----------
    net : Network          the architecture and the first starting point (restart 0)
    X : (N, n_in) ; Y : (N, n_out), (N,) for one output, or class indices (N,) for cross_entropy
    loss : str             'squared' (the seed's), 'absolute', 'huber', 'cross_entropy', 'binary_cross_entropy'
    optimizer : str        'sgd' (with ``momentum``/``nesterov``), 'momentum', 'nesterov', 'adam', 'rprop'
    step_size : float or (R,) array   η₀, or one per restart to sweep step sizes in one call
    epochs : int           passes over the training data
    batch_size : int|None  1 = the seed's per-example SGD; None = the full batch
    restarts : int         R; restarts 1…R−1 start from weights drawn with ``init`` from a stream of their
                           own, which depends on (``seed``, restart number) only
    seed : int|None        same seed, data and platform -> bit-identical result
    first_restart : int    number the restarts first_restart … first_restart+R−1 (a chunk of a larger run,
                           as ``neuronet.distributed`` cuts it): restart 0 is ``net`` itself, every other one
                           starts from its own stream, so any cut of a run gives the same restarts
    schedule : str|dict    step-size schedule (see ``neuronet.schedules``), e.g. 'inverse_time' or
                           {'name': 'inverse_time', 'decay': 0.01}
    validation_data / validation_fraction : select the best restart (and stop early) on held-out data
    early_stopping : bool  stop a restart when the monitored loss (validation if any, else training)
                           has not improved by ``tol`` for ``patience`` epochs, and restore its best weights
    target_loss : float    stop a restart ('converged') once its epoch loss is ≤ this
    engine : 'auto' | 'matrix' | 'neuron'
    checkpoint, checkpoint_every, resume : save the whole state every N epochs (atomic); continue from it
    optimizer_state : dict continue from ``result.optimizer_state`` of an earlier run (momentum, Adam's
                           moments, rprop's steps, and the update counter t that the schedule reads)
    progress : bool        show a progress bar (rich)
    callback : f(info)     called after every epoch with a dict (epoch, history row, alive, best_loss);
                           returning True stops training

    Returns
    -------
    TrainResult
    """
    t_start = time.perf_counter()
    if not isinstance(net, Network):
        raise DataError(f"train() needs a neuronet Network as its first argument; received {type(net).__name__}.")
    S, dtype = net.structure, net.dtype.type
    lo = losses_mod.get(loss)
    opt = optimizers.get(optimizer, momentum=momentum, nesterov=nesterov, **(optimizer_options or {}))
    sched = schedules.get(schedule)
    epochs = _positive_int("epochs", epochs)
    R = _positive_int("restarts", restarts)
    first_restart = _positive_int("first_restart", first_restart, minimum=0)
    patience = _positive_int("patience", patience)
    checkpoint_every = _positive_int("checkpoint_every", checkpoint_every)
    tol = _number("tol", tol, 0.0)
    init_scale = _number("init_scale", init_scale, 0.0)
    if target_loss is not None:
        target_loss = _number("target_loss", target_loss)
    eta0 = _step_sizes(step_size, R)
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
    _, shuffle_ss, split_ss = ss.spawn(3)    # the first child's children are the restarts' streams
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
        Xa, Ya, Xv, Yv = _split(Xa, Ya, float(validation_fraction), np.random.default_rng(split_ss))
    # C order, and writeable: the compiled engines take writeable arrays (a read-only one would need a
    # kernel of its own); training never writes into them.
    Xa, Ya = np.require(Xa, requirements=['C', 'W']), np.require(Ya, requirements=['C', 'W'])
    N = Xa.shape[0]
    bs = N if batch_size is None else _positive_int("batch_size", batch_size)
    bs = min(bs, N)
    if opt.name == "rprop" and bs < N:
        raise DataError(f"rprop works on the full batch only; received batch_size={batch_size} for {N} "
                        "examples. Use batch_size=None.")
    n_batches = math.ceil(N / bs)
    eng = make_engine(engine, S, lo, opt, dtype, bs, N, R)

    config = {"loss": lo.name, "optimizer": opt.name, "momentum": opt.momentum, "nesterov": opt.nesterov,
              "schedule": sched.describe(), "epochs": epochs, "batch_size": bs, "restarts": R,
              "seed": None if seed is None else int(seed), "entropy": str(ss.entropy), "first_restart": first_restart, "N": N,
              "P": S.P, "dtype": np.dtype(dtype).name, "init": init,
              "engine": "matrix" if isinstance(eng, MatrixEngine) else "neuron",
              "validation_rows": 0 if Xv is None else int(Xv.shape[0]),
              "data_crc32": zlib.crc32(Ya.tobytes(), zlib.crc32(Xa.tobytes()))}

    # -- state: every array has a leading restart axis ---------------------------------------
    shuffle_rng = np.random.default_rng(shuffle_ss)
    if resume is not None and optimizer_state is not None:
        raise DataError("Give either resume (a checkpoint holds the optimizer state) or optimizer_state, not both.")
    if resume is not None:
        ck = _load_checkpoint(resume)
        meta = ck["meta"]
        for k in ("loss", "optimizer", "epochs", "batch_size", "restarts", "N", "P", "dtype", "validation_rows"):
            if meta["config"].get(k) != config[k]:
                raise DataError(f"Cannot resume from {str(resume)!r}: it was made with {k}="
                                f"{meta['config'].get(k)!r}, this call has {k}={config[k]!r}.")
        if meta["config"].get("data_crc32") != config["data_crc32"]:
            raise DataError(f"Cannot resume from {str(resume)!r}: it was made on other training data (same "
                            "shape, different values). Resume with the data it was started on.")
        theta = ck["theta"].astype(dtype)
        initial = ck["initial"].astype(dtype)
        state = {k[6:]: v.astype(dtype) for k, v in ck.items() if k.startswith("state_")}
        history, val_history = ck["history"], ck["val_history"] if "val_history" in ck else None
        best_theta, best_mon = ck["best_theta"].astype(dtype), ck["best_mon"]
        since = ck["since"]
        status = [str(s) for s in meta["status"]]
        epochs_run = ck["epochs_run"]
        start_loss = ck["start_loss"]
        t = int(meta["t"])
        start_epoch = int(meta["epoch"])
        shuffle_rng.bit_generator.state = meta["rng"]
        eta0 = ck["eta0"]
    else:
        theta = np.empty((R, S.P), dtype=dtype)
        ks = np.arange(first_restart, first_restart + R)                  # the restarts' numbers
        drawn = ks != 0
        theta[~drawn] = net.theta                                          # restart 0: the network given
        if drawn.any():
            theta[drawn] = initializers.draw_restarts(S, ks[drawn], ss.entropy, init, init_scale, dtype)
        initial = theta.copy()
        state = opt.init_state(R, S.P, dtype, eta0 if opt.name == "rprop" else None)
        history = np.full((R, epochs), np.nan)
        val_history = np.full((R, epochs), np.nan) if Xv is not None else None
        best_theta = theta.copy()
        best_mon = np.full(R, np.inf)
        since = np.zeros(R, dtype=np.int64)
        status = ["ran_out"] * R
        epochs_run = np.zeros(R, dtype=np.int64)
        start_loss = eng.loss(theta, Xa, Ya)
        t = 0
        start_epoch = 0
        if optimizer_state is not None:
            state, t = _given_state(optimizer_state, state, R, S.P, dtype)
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        if not checkpoint.parent.is_dir():
            raise DataError(f"Cannot write checkpoint {str(checkpoint)!r}: the folder {str(checkpoint.parent)!r} "
                            "does not exist.")

    def save_checkpoint(epoch_done: int) -> None:
        arrays = {"theta": theta, "initial": initial, "history": history, "best_theta": best_theta,
                  "best_mon": best_mon, "since": since, "epochs_run": epochs_run, "start_loss": start_loss,
                  "eta0": eta0, **{"state_" + k: v for k, v in state.items()}}
        if val_history is not None:
            arrays["val_history"] = val_history
        meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "config": config,
                "status": status, "t": t, "epoch": epoch_done, "rng": shuffle_rng.bit_generator.state}
        arrays["meta"] = np.array(json.dumps(meta))
        _atomic_savez(checkpoint, arrays)

    bar = _Progress(epochs, R) if progress else None
    active = np.array([s == "ran_out" for s in status]) & (epochs_run < epochs)
    idx = np.flatnonzero(active)
    # Work on the rows still running only; stopped restarts cost nothing.
    w_theta = np.ascontiguousarray(theta[idx])
    w_state = {k: np.ascontiguousarray(v[idx]) for k, v in state.items()}
    stop_all = False
    # Without per-epoch decisions (early stopping, validation, a target, a callback, a progress
    # bar) the engine runs many epochs per call; the results are the same bits either way.
    per_epoch = early_stopping or target_loss is not None or Xv is not None or callback is not None or bar is not None
    epoch = start_epoch
    try:
        while epoch < epochs and len(idx) and not stop_all:
            K = 1 if per_epoch else max(1, min(epochs - epoch, MAX_CHUNK_EPOCHS, MAX_CHUNK_ROWS // N))
            if checkpoint is not None:
                K = min(K, checkpoint_every - epoch % checkpoint_every)
            perms = np.empty((K, N), dtype=np.int64)                                       # (K, N)
            perms[:] = np.arange(N)
            if shuffle and bs < N:          # rows shuffled in place: rng.permutation(N)'s numbers without an
                for row in perms:           # array per epoch and a stack (100 epochs of 1,000 rows: 1.4 ms
                    shuffle_rng.shuffle(row)    # against 3.6)
            factors = sched.factors(t, K * n_batches, n_batches, epochs).reshape(K, n_batches)
            if opt.name == "rprop":
                factors = np.ones_like(factors)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below, not warned
                chunk = eng.epochs(w_theta, w_state, Xa, Ya, perms, bs, eta0[idx], factors, t)   # (R', K)
            t += K * n_batches
            # divergence: non-finite, or far above where it started; a restart stops at its first bad epoch
            limit = DIVERGENCE_FACTOR * np.maximum(start_loss[idx], 1e-2)
            bad_k = ~np.isfinite(chunk) | (chunk > limit[:, None])
            first_bad = np.where(bad_k.any(axis=1), bad_k.argmax(axis=1), K)
            history[idx, epoch:epoch + K] = np.where(np.arange(K) <= first_bad[:, None], chunk, np.nan)
            epochs_run[idx] += np.minimum(first_bad + 1, K)
            epoch += K
            ep_loss = chunk[:, -1]
            bad = first_bad < K
            monitor = ep_loss
            if Xv is not None:
                with np.errstate(over="ignore", invalid="ignore"):
                    vl = eng.loss(w_theta, Xv, Yv)
                val_history[idx, epoch - 1] = vl
                monitor = vl
            bad |= ~np.isfinite(monitor)
            improved = (monitor < best_mon[idx] - tol) & ~bad
            if early_stopping:
                rows = idx[improved]
                best_theta[rows] = w_theta[improved]
            best_mon[idx] = np.where(improved, monitor, best_mon[idx])
            since[idx] = np.where(improved, 0, since[idx] + K)
            reached = ~bad & (ep_loss <= target_loss) if target_loss is not None else np.zeros_like(bad)
            patient = ~bad & ~reached & (since[idx] >= patience) if early_stopping else np.zeros_like(bad)
            for r in idx[bad]:
                status[r] = "diverged"
            for r in idx[reached]:
                status[r] = "converged"
            for r in idx[patient]:
                status[r] = "stopped_early" if Xv is not None else "converged"
            done = bad | reached | patient
            if done.any():
                theta[idx] = w_theta
                for k, v in w_state.items():
                    state[k][idx] = v
                idx = idx[~done]
                w_theta = np.ascontiguousarray(theta[idx])
                w_state = {k: np.ascontiguousarray(v[idx]) for k, v in state.items()}
            row = history[:, epoch - 1]
            finite = np.isfinite(row)
            info = {"epoch": epoch, "epochs": epochs, "loss": row, "alive": len(idx),
                    "best_loss": float(row[finite].min()) if finite.any() else float("nan")}
            if bar is not None:
                bar.update(info)
            if callback is not None and callback(info) is True:
                stop_all = True
            if checkpoint is not None and (epoch % checkpoint_every == 0 or epoch == epochs):
                theta[idx] = w_theta
                for k, v in w_state.items():
                    state[k][idx] = v
                save_checkpoint(epoch)
    finally:  # on Ctrl-C the last checkpoint on disk stays valid; the CLI says how to resume
        if bar is not None:
            bar.close()
    theta[idx] = w_theta
    for k, v in w_state.items():
        state[k][idx] = v

    # -- choose the best ------------------------------------------------------------------
    diverged = np.array([s == "diverged" for s in status])
    if early_stopping:
        has_best = np.isfinite(best_mon)
        theta[has_best] = best_theta[has_best]
    final = np.full(R, np.inf)
    ok = ~diverged
    if ok.any():
        final[ok] = eng.loss(np.ascontiguousarray(theta[ok]), Xa, Ya)
    final[~np.isfinite(final)] = np.inf
    val_final = None
    if Xv is not None:
        val_final = np.full(R, np.inf)
        if ok.any():
            val_final[ok] = eng.loss(np.ascontiguousarray(theta[ok]), Xv, Yv)
        val_final[~np.isfinite(val_final)] = np.inf
    key = val_final if val_final is not None else final
    best = int(np.argmin(key))
    best_net = net._with_theta(theta[best])
    result = TrainResult(best_net, final, history, best, status, epochs_run, theta, initial,
                         val_final, val_history, config["engine"], time.perf_counter() - t_start, config,
                         {"t": t, **state}, net)
    best_net.info = {**net.info, "training": {**config, "best_restart": best, "final_loss": float(final[best]),
                                              **({"final_val_loss": float(val_final[best])} if val_final is not None
                                                 else {})}}
    if not np.isfinite(key).any():
        error = TrainingError(all_diverged_message(eta0, opt.name))
        error.result = result      # the record of every restart, for whoever wants to see how each diverged
        raise error
    return result


def all_diverged_message(eta0: np.ndarray, optimizer: str) -> str:
    """What to say when every restart diverged with the step sizes ``eta0`` (also said for a run cut into chunks)."""
    sizes = np.unique(eta0)
    return (f"Every restart diverged (the loss became non-finite or grew over {DIVERGENCE_FACTOR:g}× its "
            f"starting value) with step_size={sizes[0]:g}" + (f"…{sizes[-1]:g}" if len(sizes) > 1 else "")
            + f" and optimizer {optimizer!r}. Try a smaller step size (e.g. {sizes[0] / 10:g}), or "
              "standardize the inputs.")


