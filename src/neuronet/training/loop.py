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

The parts around the loop live beside it: ``options`` checks the arguments and records the
run's identity, ``state`` holds the run state (what a checkpoint holds) with its save and load,
``bookkeeping`` decides per restart when to stop (divergence, target, patience), and
``checkpoint`` is the file format.
"""

from __future__ import annotations

import os
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._atomic import NotRegularFileError, target
from ..engines import make_engine
from ..errors import CheckpointWarning, DataError, TrainingError
from ..model.network import Network
from . import checkpoint as checkpoint_file
from . import options
from .bookkeeping import DIVERGENCE_FACTOR, Rules
from .options import Plan
from .progress import _Progress
from .result import TrainResult
from .state import RunState

MAX_CHUNK_EPOCHS = 256    # epochs per engine call when nothing needs a decision after each epoch
MAX_CHUNK_ROWS = 1 << 20  # … and at most this many rows of shuffled order held at once


def train(net: Network, X, Y, loss: str = "squared", optimizer: str = "sgd", step_size=0.1,
          epochs: int = 100, batch_size: int | None = 1, restarts: int = 1, seed: int | None = None, *,
          schedule="auto", momentum: float = 0.0, nesterov: bool = False,
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
    schedule : str|dict    step-size schedule (see ``neuronet.schedules``): 'auto' (decreasing for plain
                           SGD on batches smaller than the data, else constant), 'inverse_time',
                           {'name': 'inverse_time', 'decay': 0.01}…
    validation_data / validation_fraction : select the best restart (and stop early) on held-out data
    early_stopping : bool  stop a restart when the monitored loss (validation if any, else training)
                           has not improved by ``tol`` for ``patience`` epochs, and restore its best weights
    target_loss : float    stop a restart ('converged') once its epoch loss is ≤ this
    engine : 'auto' | 'numpy' | 'matrix' | 'neuron'  (auto: the fastest predicted, compiling counted)
    checkpoint, checkpoint_every, resume : save the whole state every N epochs (atomic); continue from it.
                           A resume must be the same run: every option, the network and the data are
                           compared with the checkpoint's. A checkpoint write that fails (a full disk)
                           is a CheckpointWarning and training goes on.
    optimizer_state : dict continue from ``result.optimizer_state`` of an earlier run (momentum, Adam's
                           moments, rprop's steps, and the update counter t that the schedule reads)
    progress : bool        show a progress bar (rich)
    callback : f(info)     called after every epoch with a dict: epoch, epochs, loss (R,) this epoch's
                           mean batch loss per restart, alive, best_loss, status (per restart, as in the
                           result), weights (a function: every restart's current weights (R, P), a copy;
                           call it inside the callback). Returning True stops training; the callback may
                           also block (the playground pauses a run so), and the run goes on when it returns

    Returns
    -------
    TrainResult
    """
    t_start = time.perf_counter()
    plan = options.prepare(net, X, Y, loss=loss, optimizer=optimizer, step_size=step_size, epochs=epochs,
                           batch_size=batch_size, restarts=restarts, seed=seed, schedule=schedule,
                           momentum=momentum, nesterov=nesterov, optimizer_options=optimizer_options, init=init,
                           init_scale=init_scale, validation_data=validation_data,
                           validation_fraction=validation_fraction, early_stopping=early_stopping, tol=tol,
                           patience=patience, target_loss=target_loss, shuffle=shuffle, first_restart=first_restart)
    if resume is not None and optimizer_state is not None:
        raise DataError("Give either resume (a checkpoint holds the optimizer state) or optimizer_state, not both.")
    saver = _Checkpoints(checkpoint, options.positive_int("checkpoint_every", checkpoint_every))
    eng = make_engine(engine, net.structure, plan.loss, plan.opt, net.dtype.type, plan.batch_size, plan.N,
                      plan.restarts, plan.epochs)
    plan.config["engine"] = eng.name
    if resume is not None:
        run = RunState.load(resume, plan)
    else:
        run = RunState.fresh(plan, lambda theta: eng.loss(theta, plan.X, plan.Y), plan.config["first_restart"],
                             init, plan.config["init_scale"])
        if optimizer_state is not None:
            run.opt_state, run.t = options.given_state(optimizer_state, run.opt_state, plan.restarts, net.structure.P,
                                                       net.dtype.type)
    rules = Rules(bool(early_stopping), plan.config["patience"], plan.config["tol"], plan.config["target_loss"],
                  plan.Xv is not None)
    bar = _Progress(plan.epochs, plan.restarts) if progress else None
    try:   # on Ctrl-C the last checkpoint on disk stays valid; the CLI says how to resume
        _epochs(plan, eng, run, rules, shuffle, saver, bar, callback)
    finally:
        if bar is not None:
            bar.close()
    return _best_of(plan, eng, run, bool(early_stopping), time.perf_counter() - t_start)


def _epochs(plan: Plan, eng, run: RunState, rules: Rules, shuffle: bool, saver: "_Checkpoints", bar,
            callback) -> None:
    """The seed's loop: epoch after epoch of (shuffled) batches, θ ← θ − η·∂L/∂θ for each running restart.

    The engine runs K epochs per call: one when something may decide after any epoch (early stopping,
    a target, validation, a callback, a progress bar), else many; the results are the same bits.
    """
    idx = run.running()
    theta, opt_state = run.rows(idx)                 # working copies of the running restarts
    per_epoch = rules.per_epoch or callback is not None or bar is not None
    shuffled = shuffle and plan.batch_size < plan.N
    while run.epoch < plan.epochs and len(idx):
        K = 1 if per_epoch else max(1, min(plan.epochs - run.epoch, MAX_CHUNK_EPOCHS, MAX_CHUNK_ROWS // plan.N))
        K = saver.limit(run.epoch, K)
        perms = _orders(K, plan.N, run.rng if shuffled else None)                         # (K, N)
        factors = _factors(plan, run.t, K)                                                 # (K, batches)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is judged below, not warned
            chunk = eng.epochs(theta, opt_state, plan.X, plan.Y, perms, plan.batch_size, run.eta0[idx], factors,
                               run.t)                                                      # (R', K)
            val = eng.loss(theta, plan.Xv, plan.Yv) if plan.Xv is not None else None      # (R',)
        run.t += K * plan.n_batches
        run.epoch += K
        done = rules.judge(run, idx, chunk, theta, val)
        if done.any():
            run.put_rows(idx, theta, opt_state)
            idx = idx[~done]
            theta, opt_state = run.rows(idx)
        info = _info(run, plan.epochs, len(idx))
        if callback is not None:         # what a watcher of every restart needs (the playground draws them all)
            info["status"] = list(run.status)
            info["weights"] = partial(_weights_now, run, idx, theta)
        if bar is not None:
            bar.update(info)
        stop = callback is not None and callback(info) is True
        if saver.due(run.epoch, plan.epochs):
            run.put_rows(idx, theta, opt_state)
            saver.save(run)
        if stop:
            break
    run.put_rows(idx, theta, opt_state)


def _weights_now(run: RunState, idx: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Every restart's weights as they stand (R, P), a copy: the running ones from the working copies."""
    out = run.theta.copy()
    out[idx] = theta
    return out


def _orders(K: int, N: int, rng: np.random.Generator | None) -> np.ndarray:
    """The rows' order in each of K epochs, shuffled in place: rng.permutation(N)'s numbers without an array
    per epoch and a stack (100 epochs of 1,000 rows: 1.4 ms against 3.6)."""
    perms = np.empty((K, N), dtype=np.int64)
    perms[:] = np.arange(N)
    if rng is not None:
        for row in perms:
            rng.shuffle(row)
    return perms


def _factors(plan: Plan, t: int, K: int) -> np.ndarray:
    """The schedule's factor of η₀ for each of the K × batches updates from t on (rprop adapts its own steps)."""
    if plan.opt.name == "rprop":
        return np.ones((K, plan.n_batches))
    return plan.sched.factors(t, K * plan.n_batches, plan.n_batches, plan.epochs).reshape(K, plan.n_batches)


def _info(run: RunState, epochs: int, alive: int) -> dict:
    """What the callback and the progress bar see after an epoch."""
    row = run.history[:, run.epoch - 1]
    finite = np.isfinite(row)
    return {"epoch": run.epoch, "epochs": epochs, "loss": row, "alive": alive,
            "best_loss": float(row[finite].min()) if finite.any() else float("nan")}


def _best_of(plan: Plan, eng, run: RunState, early_stopping: bool, seconds: float) -> TrainResult:
    """Every restart's returned weights (its best ones with early stopping), their losses, and the best."""
    theta = run.theta
    diverged = np.array([s == "diverged" for s in run.status])
    if early_stopping:
        has_best = np.isfinite(run.best_mon)
        theta[has_best] = run.best_theta[has_best]
    ok = ~diverged
    final = _losses(eng, theta, ok, plan.X, plan.Y)
    val_final = None if plan.Xv is None else _losses(eng, theta, ok, plan.Xv, plan.Yv)
    key = val_final if val_final is not None else final
    best = int(np.argmin(key))
    net = plan.net
    best_net = net._with_theta(theta[best])
    result = TrainResult(best_net, final, run.history, best, run.status, run.epochs_run, theta, run.initial,
                         val_final, run.val_history, plan.config["engine"], seconds, plan.config,
                         {"t": run.t, **run.opt_state}, net)
    best_net.info = {**net.info, "training": {**plan.config, "best_restart": best,
                                              "final_loss": _finite_or_none(final[best]),
                                              **({"final_val_loss": _finite_or_none(val_final[best])}
                                                 if val_final is not None else {})}}
    if not np.isfinite(key).any():
        error = all_diverged_error(run.eta0, plan.opt.name)
        error.result = result      # the record of every restart, for whoever wants to see how each diverged
        raise error
    return result


def all_diverged_error(eta0: np.ndarray, optimizer: str) -> TrainingError:
    """What to say when every restart diverged with the step sizes ``eta0`` (also said for a run cut into
    chunks, by ``neuronet.distributed``), in the library's words and the command line's."""
    sizes = np.unique(eta0)
    told = (f"with step_size={sizes[0]:g}" + (f"…{sizes[-1]:g}" if len(sizes) > 1 else "")
            + f" and optimizer {optimizer!r}")
    why = (f"Every restart diverged (the loss became non-finite or grew over {DIVERGENCE_FACTOR:g}× its "
           "starting value) ")
    return TrainingError(why + told + f". Try a smaller step size (e.g. {sizes[0] / 10:g}), or standardize "
                         "the inputs.",
                         cli=why + told.replace("step_size=", "--step-size ") + ". Try a smaller --step-size "
                             f"(e.g. {sizes[0] / 10:g}) or another --optimizer (the inputs are standardized "
                             "already).")




def _losses(eng, theta: np.ndarray, ok: np.ndarray, X, Y) -> np.ndarray:
    """(R,) loss of each restart on (X, Y); inf for the diverged ones (``~ok``) and any non-finite loss."""
    out = np.full(theta.shape[0], np.inf)
    if ok.any():
        out[ok] = eng.loss(np.ascontiguousarray(theta[ok]), X, Y)
    out[~np.isfinite(out)] = np.inf
    return out


def _finite_or_none(v: float) -> float | None:
    """A metric that is undefined (inf, NaN) is recorded as absent (null), never as a number it is not."""
    v = float(v)
    return v if np.isfinite(v) else None


class _Checkpoints:
    """When to write the run state, and writing it: a failed write warns and training goes on."""

    def __init__(self, path, every: int):
        self.path, self.every, self.warned = None, every, False
        if path is None:
            return
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise DataError(f"Cannot write checkpoint {str(self.path)!r}: the folder {str(self.path.parent)!r} "
                            "does not exist.")
        try:
            target(self.path, checkpoint_file.is_checkpoint, "neuronet checkpoint")
        except NotRegularFileError as exc:
            raise DataError(f"Cannot write checkpoint {str(self.path)!r}: {exc.strerror}.") from None

    def limit(self, epoch: int, K: int) -> int:
        """K, shortened so that a chunk of epochs ends where a checkpoint is due."""
        return K if self.path is None else min(K, self.every - epoch % self.every)

    def due(self, epoch: int, epochs: int) -> bool:
        return self.path is not None and (epoch % self.every == 0 or epoch == epochs)

    def save(self, run: RunState) -> None:
        try:
            run.save(self.path)
        except OSError as exc:
            if not self.warned:
                warnings.warn(f"Cannot write checkpoint {str(self.path)!r} after epoch {run.epoch}: "
                              f"{exc.strerror or exc}. Training goes on and its result is returned (or saved) "
                              "as usual; the last checkpoint written, if any, is intact. Later failures of "
                              "this run are not reported.", CheckpointWarning, stacklevel=4)
                self.warned = True
