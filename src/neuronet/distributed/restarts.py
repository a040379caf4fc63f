"""Restarts spread over a Dask cluster, with the answer one call in one process gives.

Restart k's starting weights depend only on (seed, k) (``initializers.draw_restarts``), every
restart sees the same epoch order (drawn from the run's seed), and every decision -- divergence,
early stopping, a target loss -- is taken per restart. So the restart axis can be cut anywhere:
chunk c trains restarts first_c … first_c + R_c − 1 as an ordinary ``train(…, first_restart=first_c)``
on a worker, and the chunks' records, laid end to end, are the record one call would have made:

    losses, history, status, epochs_run, theta, …   concatenated along the restart axis (R)
    best = argmin(validation loss, else training loss), the lowest restart number on a tie

The data goes to every worker once (``client.scatter(…, broadcast=True)``); a task carries only
the futures. A worker that dies takes its running chunks with it, and Dask runs them again on
another worker: the same chunk, so the same bits.

What the cut must not change, and so is settled here, once, for the whole run:

* the seed: ``seed=None`` draws one here and hands it to every chunk;
* the engine: ``engine='auto'`` picks by the whole run's restart count, as one call would;
* per-restart arrays (a step size per restart, ``optimizer_state``) are cut with the restarts.

The engines choose their paths (compiled loop or NumPy's stacked arrays; one lane or lanes side by
side) for the run's R once, and a chunk takes the whole run's choice (``engines.run_of``), so no
restart's arithmetic depends on the cut.
"""

from __future__ import annotations

import inspect
import math
import secrets
import time

import numpy as np

from ..errors import DataError, TrainingError
from ..training import TrainResult
from ..training import train as _train
from ..training.loop import all_diverged_error
from ..training.options import step_size_record
from ._dask import check_client, total_threads

MIN_CHUNK = 4           # restarts per chunk at least: the engines run many side by side faster than few
TASKS_PER_THREAD = 4    # chunks per worker thread: enough to balance uneven chunks and to lose little to a dead worker

_NOT_ON_A_CLUSTER = ("checkpoint", "resume", "callback")


def plan(R: int, threads: int, chunk_size: int | None = None) -> list[tuple[int, int]]:
    """The chunks (first restart, count) that cover restarts 0 … R−1.

    By default about TASKS_PER_THREAD chunks per worker thread, of at least MIN_CHUNK restarts
    (a task costs a few milliseconds of scheduling; the engines run many restarts side by side
    faster than few), and as even as the division allows.
    """
    if chunk_size is None:
        n_chunks = max(1, min(R // MIN_CHUNK, TASKS_PER_THREAD * max(threads, 1)))
    else:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise DataError(f"chunk_size must be an integer ≥ 1; received chunk_size={chunk_size!r}.")
        n_chunks = math.ceil(R / int(chunk_size))
    bounds = [round(c * R / n_chunks) for c in range(n_chunks + 1)]
    return [(a, b - a) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def train_on_client(client, net, X, Y, *args, chunk_size: int | None = None, **kwargs) -> TrainResult:
    """``train(net, X, Y, …)`` with its restarts cut into chunks that run on ``client``'s workers.

    Takes ``train``'s arguments (the same names and defaults) and returns what it returns,
    bit-identical to ``client=None`` for the same seed. Not on a cluster: ``checkpoint``,
    ``resume`` and ``callback`` (each chunk runs elsewhere; a worker lost mid-chunk is rerun
    instead). ``progress=True`` shows chunks done.
    """
    t_start = time.perf_counter()
    check_client(client)
    try:
        bound = inspect.signature(_train).bind(net, X, Y, *args, **kwargs)
    except TypeError as e:
        raise DataError(f"train(): {e}.") from None
    bound.apply_defaults()
    kw = dict(bound.arguments)
    for name in _NOT_ON_A_CLUSTER:
        if kw[name] is not None:
            raise DataError(f"train(client=…) does not take {name}= (its restarts run as chunks on the cluster's "
                            f"workers, and a chunk lost with its worker is run again). Train without client= to "
                            f"use {name}.")
    net, X, Y = kw.pop("net"), np.asarray(kw.pop("X")), np.asarray(kw.pop("Y"))
    R = kw.pop("restarts")
    if isinstance(R, bool) or not isinstance(R, (int, np.integer)) or R < 1:
        raise DataError(f"restarts must be an integer ≥ 1; received restarts={R!r}.")
    R, first = int(R), int(kw.pop("first_restart"))
    progress = kw.pop("progress")
    if kw["seed"] is None:
        kw["seed"] = int(np.random.SeedSequence().entropy)      # one seed for every chunk
    kw["engine"] = _engine_for(net, X, Y, R, kw)
    step = np.asarray(kw["step_size"], dtype=object if isinstance(kw["step_size"], str) else None)
    per_restart_step = step.ndim == 1
    state = kw["optimizer_state"]
    val = kw.pop("validation_data")

    # -- the data once to every worker; the chunks as tasks -------------------------------------
    data = client.scatter([X, Y] + ([] if val is None else [np.asarray(val[0]), np.asarray(val[1])]),
                          broadcast=True, hash=False)
    Xf, Yf, valf = data[0], data[1], (tuple(data[2:]) if val is not None else None)
    token = secrets.token_hex(4)
    futures = []
    chunks = plan(R, total_threads(client), chunk_size)
    for c, (a, n) in enumerate(chunks):
        ckw = dict(kw)
        if per_restart_step:
            ckw["step_size"] = step[a:a + n]
        if isinstance(state, dict):
            ckw["optimizer_state"] = {k: (v if k == "t" else np.asarray(v)[a:a + n]) for k, v in state.items()}
        futures.append(client.submit(train_chunk, net, Xf, Yf, valf, first + a, n, R, ckw,
                                     key=f"neuronet-restarts-{c}-{token}", pure=False))
    parts = _gather(client, futures, progress)
    return merge(parts, net, first, kw, time.perf_counter() - t_start)


def _gather(client, futures, progress: bool) -> list[TrainResult]:
    if not progress:
        return client.gather(futures)
    from distributed import as_completed  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(transient=True) as bar:
        task = bar.add_task("restart chunks", total=len(futures))
        for _ in as_completed(futures):
            bar.advance(task)
    return client.gather(futures)


def _engine_for(net, X, Y, R: int, kw: dict) -> str:
    """The engine one call with all R restarts would use ('auto' decides by the restart count)."""
    from ..engines import make_engine  # noqa: PLC0415
    from ..model import losses, optimizers  # noqa: PLC0415

    if kw["engine"] != "auto":
        return kw["engine"]
    lo = losses.get(kw["loss"])
    opt = optimizers.get(kw["optimizer"], momentum=kw["momentum"], nesterov=kw["nesterov"],
                         **(kw["optimizer_options"] or {}))
    N = X.shape[0]
    if kw["validation_fraction"] is not None:
        N -= int(round(N * float(kw["validation_fraction"])))
    bs = N if kw["batch_size"] is None else max(1, min(int(kw["batch_size"]), N))
    eng = make_engine("auto", net.structure, lo, opt, net.dtype.type, bs, max(N, 1), R, int(kw["epochs"]))
    return eng.name


def train_chunk(net, X, Y, val, first: int, count: int, total: int, kw: dict) -> TrainResult:
    """One chunk on a worker: ``train`` for restarts first … first+count−1 of a run of ``total``, whose
    engine paths it takes (``engines.run_of``). A chunk whose restarts all diverged still returns its
    record (the other chunks may hold the best restart)."""
    from ..engines import run_of  # noqa: PLC0415

    _threads_of_this_worker()
    try:
        with run_of(total):
            return _train(net, X, Y, restarts=count, first_restart=first, validation_data=val, **kw)
    except TrainingError as e:
        if getattr(e, "result", None) is None:
            raise
        return e.result


def _threads_of_this_worker() -> None:
    """Compiled code uses as many threads as the worker has, not every core of the machine (two
    one-thread workers on two cores would otherwise run four threads)."""
    try:
        from distributed import get_worker  # noqa: PLC0415

        n = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return
    import numba  # noqa: PLC0415

    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


def merge(parts: list[TrainResult], net, first: int, kw: dict, seconds: float) -> TrainResult:
    """The chunks' records end to end: one TrainResult, as one call over all their restarts returns it."""
    cat = np.concatenate
    losses = cat([p.losses for p in parts])
    val_losses = cat([p.val_losses for p in parts]) if parts[0].val_losses is not None else None
    key = val_losses if val_losses is not None else losses
    theta = cat([p.theta for p in parts])
    R = theta.shape[0]
    eta = np.broadcast_to(np.asarray(kw["step_size"], dtype=np.float64), (R,))
    config = {**parts[0].config, "restarts": R, "first_restart": first, "step_size": step_size_record(eta)}
    best = int(np.argmin(key))                             # the first of equals: the lowest restart number
    best_net = net._with_theta(theta[best])
    best_net.info = {**net.info, "training": {
        **config, "best_restart": best, "final_loss": float(losses[best]),
        **({"final_val_loss": float(val_losses[best])} if val_losses is not None else {})}}
    state = {"t": max(int(p.optimizer_state["t"]) for p in parts),
             **{k: cat([p.optimizer_state[k] for p in parts]) for k in parts[0].optimizer_state if k != "t"}}
    result = TrainResult(best_net, losses, cat([p.history for p in parts]), best,
                         [s for p in parts for s in p.status], cat([p.epochs_run for p in parts]), theta,
                         cat([p.initial_theta for p in parts]), val_losses,
                         cat([p.val_history for p in parts]) if val_losses is not None else None,
                         parts[0].engine, seconds, config, state, net)
    if not np.isfinite(key).any():
        error = all_diverged_error(eta, parts[0].config["optimizer"])
        error.result = result
        raise error
    return result


def warm(client, net=None, dtype: str = "float64") -> dict:
    """Compile (or load from numba's disk cache) the engines on every worker once, before the first
    real task: a tiny training of each engine. Returns {worker address: seconds it took}."""
    check_client(client)
    return client.run(_warm_here, dtype)


def _warm_here(dtype: str) -> float:
    from ..model.graph import mlp  # noqa: PLC0415

    t0 = time.perf_counter()
    _threads_of_this_worker()
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(16, 2)), rng.normal(size=(16, 1))
    for engine, R in (("neuron", 1), ("neuron", 8), ("matrix", 1)):
        _train(mlp([2, 3, 1], hidden="tanh", dtype=dtype, seed=0), X, Y, epochs=1, restarts=R, seed=0, engine=engine)
    return time.perf_counter() - t0
