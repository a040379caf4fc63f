"""Sweeps: a grid of settings, each trained with R restarts, here or on a Dask cluster.

A *setting* is one point of the grid: an architecture (hidden sizes, activation) and a way of
training it (optimizer, step size, schedule, batch size, loss). Each runs as one ordinary
``train`` call with R restarts and the sweep's seed, so a setting's row is the same whether it
ran here, on a worker, first or last, or in a sweep resumed after the driver was killed.

On a client the data goes to every worker once (scatter, broadcast) and every setting is a task;
rows arrive as settings finish (``as_completed``). With ``results=PATH`` the finished part of the
table is written (atomically) after every row, and a later call with the same file skips the
settings it already holds. A setting that fails -- every restart diverged, an optimizer that
does not take its batch size, a worker lost too often -- is a row with its reason.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import secrets
import time
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._atomic import target, write_bytes
from .._inputs import open_regular
from ..errors import DataError, NeuronetError, TrainingError
from ..model.graph import mlp
from ..training import train as _train
from ._dask import EXTRA_HINT, check_client

GRID_KEYS = ("hidden", "activation", "optimizer", "step_size", "schedule", "batch_size", "loss")
# The numbers that make a row comparable with another run's: a resumed sweep must have the same ones.
RUN_COLUMNS = ("restarts", "epochs", "seed", "data", "options")
SCORE_COLUMNS = ("best_val_loss", "median_val_loss", "best_train_loss", "median_train_loss", "diverged",
                 "best_restart", "seconds", "status", "reason")


def _pandas():
    try:
        import pandas  # noqa: PLC0415
    except ImportError:
        raise DataError("sweep returns a pandas DataFrame, and pandas is not installed. " + EXTRA_HINT) from None
    return pandas


# -- the grid ------------------------------------------------------------------------------------
def expand_grid(grid: dict) -> list[dict]:
    """{'hidden': [(8,), (16,)], 'step_size': [0.01, 0.1]} -> the settings, the last key varying fastest."""
    if not isinstance(grid, dict) or not grid:
        raise DataError("grid must be a dict of lists, such as {'hidden': [(8,), (16,)], 'step_size': [0.01, 0.1]}.")
    grid = {k.replace("-", "_"): v for k, v in grid.items()}
    unknown = sorted(set(grid) - set(GRID_KEYS))
    if unknown:
        raise DataError(f"grid keys must be among {', '.join(GRID_KEYS)}; received {', '.join(unknown)}.")
    values = {}
    for k, v in grid.items():
        v = [v] if isinstance(v, (str, dict)) or not hasattr(v, "__iter__") else list(v)
        if not v:
            raise DataError(f"grid[{k!r}] has no values; give at least one.")
        values[k] = [_sizes(x) if k == "hidden" else x for x in v]
    return [dict(zip(values, combo)) for combo in itertools.product(*values.values())]


def _sizes(x) -> tuple:
    """A 'hidden' value: 16 or (32, 16) or () for none."""
    if isinstance(x, (int, np.integer)):
        return (int(x),)
    try:
        sizes = tuple(int(s) for s in x)
    except (TypeError, ValueError):
        sizes = (0,)
    if any(s < 1 for s in sizes):
        raise DataError(f"grid['hidden'] values are layer sizes such as 16 or (32, 16); received {x!r}.")
    return sizes


def _text(k: str, v) -> str:
    """A setting's value as the table (and the key of a resumed sweep) shows it."""
    if k == "hidden":
        return "x".join(str(s) for s in v) or "none"
    if k == "batch_size":
        return "full" if v is None else str(int(v))
    if k == "step_size":
        return repr(float(v))
    if isinstance(v, dict):
        params = ",".join(f"{p}={v[p]:g}" for p in sorted(v) if p != "name")
        return f"{v.get('name')}({params})" if params else str(v.get("name"))
    return str(v)


def setting_key(setting: dict) -> str:
    return ";".join(f"{k}={_text(k, v)}" for k, v in setting.items())


# -- one setting -----------------------------------------------------------------------------------
def run_setting(setting: dict, X, Y, val, n_in: int, n_out: int, common: dict) -> dict:
    """Train one setting (on a worker or here): its row of the table, and its best network (or None)."""
    from .restarts import _threads_of_this_worker  # noqa: PLC0415

    _threads_of_this_worker()
    t0 = time.perf_counter()
    kw = dict(common["train"])
    arch = {"hidden": common["hidden"], "activation": common["activation"]}
    for k, v in setting.items():
        (arch if k in arch else kw)[k] = v
    row = {"status": "ok", "reason": ""}
    net = result = None
    try:
        template = mlp([n_in, *arch["hidden"], n_out], hidden=arch["activation"], output=common["output"],
                       seed=common["seed"], dtype=common["dtype"])
        result = _train(template, X, Y, restarts=common["restarts"], seed=common["seed"], validation_data=val,
                        epochs=common["epochs"], **kw)
        net = result.network
    except TrainingError as e:            # every restart diverged: a row with its reason, not the end
        result = getattr(e, "result", None)
        row.update(status="failed", reason=str(e))
    except NeuronetError as e:            # this setting cannot train (e.g. rprop with minibatches)
        row.update(status="failed", reason=str(e))
    row.update(_scores(result), seconds=time.perf_counter() - t0)
    if net is None:
        row["best_restart"] = -1
    return {"row": row, "network": net}


def _scores(result) -> dict:
    nan = float("nan")
    out = {"best_val_loss": nan, "median_val_loss": nan, "best_train_loss": nan, "median_train_loss": nan,
           "diverged": 0, "best_restart": -1}
    if result is None:
        return out
    ok = np.array([s != "diverged" for s in result.status])
    out["diverged"] = int((~ok).sum())
    for name, v in (("train", result.losses), ("val", result.val_losses)):
        if v is not None and ok.any() and np.isfinite(v[ok]).any():
            finite = v[ok][np.isfinite(v[ok])]
            out[f"best_{name}_loss"], out[f"median_{name}_loss"] = float(finite.min()), float(np.median(finite))
    out["best_restart"] = int(result.best)
    return out


# -- the sweep ---------------------------------------------------------------------------------------
def sweep(X, Y, grid: dict, *, restarts: int = 8, epochs: int = 100, seed: int = 0, hidden=(16,),
          activation: str = "tanh", output: str = "identity", dtype: str = "float64", validation_data=None,
          client=None, results: str | Path | None = None, resume: bool = True, progress: bool = False,
          on_row: Callable[[dict], Any] | None = None, n_outputs: int | None = None, **train_kwargs):
    """Train every setting of ``grid`` with ``restarts`` restarts; return (table, best network).

    Parameters
    ----------
    X, Y : the training data, as ``train`` takes it
    grid : dict            values to try, by name: 'hidden' (tuples of sizes), 'activation', 'optimizer',
                           'step_size', 'schedule', 'batch_size' (None = full batch), 'loss'. What the grid
                           does not vary comes from ``hidden``, ``activation`` and ``train_kwargs``.
    restarts, epochs, seed : every setting's R, epochs and seed (its weights and order: the same for any
                           setting, so settings differ only in what the grid changes)
    validation_data : (X_val, Y_val) to pick each setting's best restart and the best setting;
                           without it, the training loss decides
    client : a dask.distributed Client: the settings run as tasks on its workers
    results : a CSV path: the finished rows are written there (atomically) as they arrive; with
                           ``resume`` (the default), settings already in it are not run again
    on_row : f(row) called with each finished row (a dict), in the order they finish
    n_outputs : int        the networks' outputs (default: Y's columns, or its classes for cross_entropy)
    **train_kwargs : anything else ``train`` takes (early_stopping, patience, momentum, …)

    Returns
    -------
    table : pandas.DataFrame   one row per setting, in grid order: the setting, best and median validation
                               and training loss over the restarts that did not diverge, diverged count,
                               best restart, seconds, status ('ok' / 'failed') and reason
    best : Network             the best setting's best restart (lowest best_val_loss, else best_train_loss;
                               the first setting on a tie), with ``info['sweep']`` naming its setting
    """
    pd = _pandas()
    settings = expand_grid(grid)
    if "validation_fraction" in train_kwargs:
        raise DataError("sweep() ranks restarts and settings on validation_data=(X_val, Y_val), the same rows for "
                        "every setting; split them off first (e.g. with sklearn's train_test_split).")
    bad = sorted({"restarts", "seed", "epochs", "client", "first_restart"} & set(train_kwargs))
    if bad:
        raise DataError(f"sweep() takes {bad[0]} as its own argument, not among train's options.")
    for name, v in (("restarts", restarts), ("epochs", epochs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise DataError(f"{name} must be an integer ≥ 1; received {name}={v!r}.")
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or len(X) != len(Y):
        raise DataError(f"sweep() needs X of shape (N, n_in) and Y with N rows; received X of shape {X.shape} "
                        f"and Y of shape {Y.shape}.")
    n_in = X.shape[1]
    n_out = int(n_outputs) if n_outputs is not None else _n_outputs(Y, train_kwargs.get("loss", "squared"), settings)
    common = {"train": train_kwargs, "hidden": tuple(hidden), "activation": activation, "output": output,
              "dtype": dtype, "seed": int(seed), "restarts": int(restarts), "epochs": int(epochs)}
    run_values = {"restarts": int(restarts), "epochs": int(epochs), "seed": int(seed),
                  "data": _fingerprint(X, Y, *(validation_data or ())),
                  "options": _fingerprint(json.dumps({k: v for k, v in common.items() if k not in RUN_COLUMNS},
                                                     sort_keys=True, default=str).encode())}
    keys = [setting_key(s) for s in settings]
    if results is not None:
        _check_results_path(results)
    done = _finished_rows(results, resume, run_values, keys) if results is not None else {}
    rows: dict[int, dict] = {}
    for i, k in enumerate(keys):
        if k in done:
            rows[i] = done[k]
    networks: dict[int, Any] = {}

    def record(i: int, out: dict) -> None:
        row = {"setting": i, "key": keys[i], **{k: _text(k, v) for k, v in settings[i].items()}, **run_values,
               **out["row"]}
        rows[i] = row
        if out["network"] is not None:
            networks[i] = out["network"]
        if results is not None:
            _write_table(pd, results, rows)
        if on_row is not None:
            on_row(row)

    todo = [i for i in range(len(settings)) if i not in rows]
    bar = _SweepProgress(len(settings), len(settings) - len(todo)) if progress else None
    try:
        _run(todo, settings, X, Y, validation_data, n_in, n_out, common, client,
             lambda i, out: (record(i, out), bar and bar.update(rows)))
    finally:
        if bar is not None:
            bar.close()
    table = _table(pd, rows)
    best = _best(table, validation_data is not None)
    if best is None:
        error = TrainingError(f"Every setting of the sweep failed; the first one's reason: {table['reason'].iloc[0]}")
        error.table = table
        raise error
    if best not in networks:         # it finished in an earlier run: train it again (same seed, same bits)
        _run([best], settings, X, Y, validation_data, n_in, n_out, common, client,
             lambda i, out: networks.__setitem__(i, out["network"]))
    net = networks[best]
    net.info = {**net.info, "sweep": {"setting": {k: _text(k, v) for k, v in settings[best].items()},
                                      "key": keys[best], "settings": len(settings), **run_values}}
    return table, net


def _fingerprint(*parts) -> str:
    """A CRC-32 of arrays' (or bytes') contents: a resumed sweep must train on the same data and options."""
    crc = 0
    for p in parts:
        crc = zlib.crc32(p if isinstance(p, bytes) else np.ascontiguousarray(p).tobytes(), crc)
    return f"{crc:08x}"


def _n_outputs(Y: np.ndarray, loss, settings: list[dict]) -> int:
    """Outputs of the networks: Y's columns, or the number of classes when Y holds class indices for
    cross_entropy (in any setting)."""
    losses_used = {s.get("loss", loss) for s in settings}
    if Y.ndim == 1 and "cross_entropy" in losses_used:
        return int(Y.max()) + 1
    return 1 if Y.ndim == 1 else Y.shape[1]


def _run(todo, settings, X, Y, val, n_in, n_out, common, client, done: Callable) -> None:
    if client is None:
        for i in todo:
            done(i, run_setting(settings[i], X, Y, val, n_in, n_out, common))
        return
    check_client(client)
    from distributed import as_completed  # noqa: PLC0415

    if not todo:
        return
    data = client.scatter([X, Y] + ([] if val is None else [np.asarray(val[0]), np.asarray(val[1])]),
                          broadcast=True, hash=False)
    valf = tuple(data[2:]) if val is not None else None
    token = secrets.token_hex(4)
    index, futures = {}, []
    for i in todo:
        f = client.submit(run_setting, settings[i], data[0], data[1], valf, n_in, n_out, common,
                          key=f"neuronet-sweep-{i}-{token}", pure=False)
        index[f.key] = i
        futures.append(f)
    for f in as_completed(futures):
        i = index[f.key]
        try:
            out = f.result()
        except Exception as e:  # noqa: BLE001 -- a task that failed on the cluster (a worker lost too often, …)
            out = {"row": {**_scores(None), "seconds": float("nan"), "status": "failed",
                           "reason": f"{type(e).__name__}: {e}"}, "network": None}
        done(i, out)


def _table(pd, rows: dict):
    cols = None
    table = pd.DataFrame([rows[i] for i in sorted(rows)])
    if len(table):
        first = ["setting", "key"] + [c for c in table.columns if c in GRID_KEYS] + list(SCORE_COLUMNS)
        cols = first + [c for c in table.columns if c not in first]
        table = table[cols]
    return table


def _write_table(pd, path, rows: dict) -> None:
    buf = io.StringIO()
    _table(pd, rows).to_csv(buf, index=False)
    try:
        write_bytes(path, buf.getvalue().encode("utf-8"))
    except OSError as e:
        raise DataError(f"Cannot write the sweep's results to {str(path)!r}: {e.strerror or e}.") from None


def _check_results_path(path) -> None:
    """Refuse a results path that is not a regular file (a device, FIFO, folder) before any setting runs.

    The table is read (to resume) and rewritten after every setting: ``/dev/zero`` would be read
    without end and a FIFO would block the read forever, so both are refused up front, in the words
    the other outputs (--out, --checkpoint, --report) use (``_atomic.target``).
    """
    try:
        target(path, what="CSV file")
    except OSError as e:
        raise DataError(f"Cannot write the sweep's results to {str(path)!r}: {e.strerror or e}.") from None


def _finished_rows(path, resume: bool, run_values: dict, keys: list[str]) -> dict:
    """{setting key: row} of the settings a results file already holds (none without ``resume``)."""
    path = Path(path)
    if not resume or not path.exists():
        return {}
    pd = _pandas()
    try:
        # open_regular: a regular file only, opened without blocking (the path may have changed since the check)
        with open_regular(path) as fh:
            old = pd.read_csv(fh, keep_default_na=False, na_values=[""],
                              dtype={"key": str, "reason": str, "data": str, "options": str})
    except (OSError, ValueError) as e:
        raise DataError(f"Cannot resume from {str(path)!r}: it is not a sweep's results table ({e}). Give "
                        "another results file, or resume=False to start again.") from None
    missing = sorted({"key", "status", *RUN_COLUMNS} - set(old.columns))
    if missing:
        raise DataError(f"Cannot resume from {str(path)!r}: it lacks the column(s) {', '.join(missing)} of a "
                        "sweep's results table. Give another results file, or resume=False to start again.")
    out = {}
    for rec in old.to_dict("records"):
        for k, v in run_values.items():
            if str(rec[k]) != str(v):
                what = {"data": "other data", "options": "other fixed options (those outside the grid)"}.get(
                    k, f"{k}={rec[k]}, this sweep has {k}={v}")
                raise DataError(f"Cannot resume from {str(path)!r}: its settings ran with {what}. Run the same "
                                "sweep to resume it, or give another results file (or resume=False) to start afresh.")
        if rec["key"] in keys:
            rec["reason"] = "" if not isinstance(rec.get("reason"), str) else rec["reason"]
            out[rec["key"]] = rec
    return out


def _best(table, has_val: bool) -> int | None:
    if not len(table):
        return None
    score = table["best_val_loss" if has_val else "best_train_loss"].to_numpy(dtype=float)
    ok = (table["status"] == "ok").to_numpy() & np.isfinite(score)
    if not ok.any():
        return None
    return int(table["setting"].to_numpy()[np.flatnonzero(ok)[np.argmin(score[ok])]])


class _SweepProgress:
    """Settings done of all, and the best loss so far, on stderr (rich)."""

    def __init__(self, total: int, done: int):
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

        self._p = Progress(TextColumn("sweep"), BarColumn(), TextColumn("{task.completed}/{task.total} settings"),
                           TextColumn("best {task.fields[best]}"), TextColumn("{task.fields[failed]} failed"),
                           TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._task = self._p.add_task("sweep", total=total, completed=done, best="–", failed=0)
        self._p.start()

    def update(self, rows: dict) -> None:
        scores = [r.get("best_val_loss") if math.isfinite(r.get("best_val_loss", math.nan))
                  else r.get("best_train_loss", math.nan) for r in rows.values()]
        finite = [s for s in scores if isinstance(s, float) and math.isfinite(s)]
        self._p.update(self._task, completed=len(rows), best=f"{min(finite):.4g}" if finite else "–",
                       failed=sum(r["status"] != "ok" for r in rows.values()))

    def close(self) -> None:
        self._p.stop()
