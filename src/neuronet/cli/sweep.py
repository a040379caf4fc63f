"""``neuronet sweep``: a grid of settings, each trained with R restarts, here or on a Dask cluster.

The data is read and preprocessed once, exactly as ``neuronet train`` does it (the same
``tabular`` calls, the same validation split), and the grid runs through :func:`neuronet.sweep`.
The finished part of the table is written to ``--results`` after every setting, so a sweep
stopped midway (Ctrl-C, a killed driver) continues where it stopped when run again.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import DataError, TrainingError
from ..io import tabular
from . import _metrics
from ._app import (INTERRUPTED, Engine, Missing, Task, _activation, _command_line, _handled, _hidden, _loss, _names,
                   _optimizer, _out, _positive, _schedule, app, parse_hidden, parse_schedule, safe)

GRID_HELP = ("The grid: name=value,value;… with names hidden (sizes as 16 or 32x16), activation, optimizer, "
             "step-size, schedule, batch-size (0 = full batch), loss.")


def parse_grid(text: str) -> dict:
    """'hidden=8,32x16;activation=tanh,relu;step-size=0.01,0.1' -> {'hidden': [(8,), (32, 16)], …}.

    Every value is checked as the same option of ``neuronet train`` checks it (a bad one is a usage
    error, exit code 2); a schedule's parameters may hold commas: 'schedule=constant,step(every=10,gamma=0.5)'.
    """
    from ..distributed.sweeps import GRID_KEYS  # noqa: PLC0415

    grid: dict = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, eq, values = part.partition("=")
        key = name.strip().replace("-", "_")
        if not eq or key not in GRID_KEYS:
            raise typer.BadParameter(f"each part of --grid is name=value,value,… with a name among "
                                     f"{', '.join(k.replace('_', '-') for k in GRID_KEYS)}; received {part!r}.")
        if key in grid:
            raise typer.BadParameter(f"--grid names {name.strip()!r} twice; give its values once, comma separated.")
        items = [v.strip() for v in re.split(r",(?![^()]*\))", values)]
        if not all(items):
            raise typer.BadParameter(f"--grid {name.strip()}= has an empty value; received {part!r}.")
        grid[key] = [_grid_value(key, v) for v in items]
    if not grid:
        raise typer.BadParameter("--grid names no setting; give e.g. 'hidden=8,16;step-size=0.01,0.1'.")
    return grid


def _grid_value(key: str, v: str):
    if key == "hidden":
        return tuple(parse_hidden(v.replace("x", ",")))
    if key == "step_size":
        try:
            return _positive(float(v))
        except ValueError:
            raise typer.BadParameter(f"step-size in --grid must be a positive number; received {v!r}.") from None
    if key == "batch_size":
        if not v.isdigit():
            raise typer.BadParameter(f"batch-size in --grid must be an integer ≥ 0 (0 = full batch); received {v!r}.")
        return int(v) or None
    if key == "schedule":
        _schedule(v)
        return parse_schedule(v)
    {"activation": _activation, "optimizer": _optimizer, "loss": _loss}[key](v)
    return v


def _grid(text: str) -> str:
    parse_grid(text)
    return text


@app.command()
@_handled
def sweep(
    ctx: typer.Context,
    data: str = typer.Argument(..., metavar="DATA", help="A CSV file with a header row, '-' for standard input, "
                                                         "or a built-in data set name."),
    grid: str = typer.Option(..., "--grid", "-g", callback=_grid, metavar="GRID", help=GRID_HELP),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="The column to predict (built-in data "
                                                                      "sets know theirs)."),
    task: Optional[Task] = typer.Option(None, help="Default: classification for a text target or one with at "
                                                   "most 10 distinct integers, else regression."),
    restarts: int = typer.Option(8, min=1, help="Random restarts of every setting; its best is kept."),
    epochs: int = typer.Option(200, min=1, help="Passes over the training rows."),
    hidden: str = typer.Option("16", callback=_hidden, metavar="SIZES",
                               help="Hidden layer sizes where the grid does not set them."),
    activation: str = typer.Option("tanh", callback=_activation, help="The hidden neurons' function where the "
                                                                      "grid does not set it."),
    loss: Optional[str] = typer.Option(None, callback=_loss, help="Default: cross_entropy for classification, "
                                                                  "squared for regression."),
    optimizer: str = typer.Option("adam", callback=_optimizer, help="Where the grid does not set it."),
    step_size: float = typer.Option(0.01, "--step-size", callback=_positive, help="Where the grid does not set it."),
    schedule: str = typer.Option("auto", callback=_schedule, help="Where the grid does not set it (auto: as train)."),
    batch_size: int = typer.Option(32, "--batch-size", min=0, help="Where the grid does not set it (0: full batch)."),
    validation_fraction: Optional[float] = typer.Option(
        None, "--validation-fraction", min=0.0, max=0.95,
        help="Rows held out to rank restarts and settings (stratified by class); default 0.2 when there are at "
             "least 20 rows, 0 = none (the training loss ranks them)."),
    early_stopping: bool = typer.Option(True, "--early-stopping/--no-early-stopping"),
    patience: int = typer.Option(20, min=1, help="Epochs without improvement before early stopping."),
    seed: int = typer.Option(0, min=0, help="Seed of the weights, the split and the shuffling (every setting)."),
    workers: int = typer.Option(0, min=0, help="Run the settings on a Dask cluster of this many worker processes "
                                               "on this machine (needs neuronet[distributed])."),
    scheduler: Optional[str] = typer.Option(None, metavar="ADDRESS", help="Run on an existing Dask cluster: its "
                                                                         "scheduler's address, tcp://host:8786."),
    out: Path = typer.Option(Path("best.json"), "--out", "-o", help="The best model: .json or .safetensors."),
    results: Path = typer.Option(Path("sweep.csv"), "--results", "-r", help="The table, written as settings finish."),
    resume: bool = typer.Option(True, "--resume/--fresh", help="Skip the settings --results already holds (the "
                                                               "default), or start the table afresh."),
    engine: Engine = typer.Option(Engine.auto),
    categorical: Optional[str] = typer.Option(None, help="Columns to one-hot encode even though they hold "
                                                         "numbers (comma separated)."),
    drop: Optional[str] = typer.Option(None, help="Columns to leave out of the inputs (comma separated)."),
    use: Optional[str] = typer.Option(None, help="Columns to use as inputs even though they look like identifiers "
                                                 "(comma separated)."),
    max_categories: int = typer.Option(tabular.MAX_CATEGORIES, "--max-categories", min=1,
                                       help="Inputs one text column becomes at most, as for train."),
    missing: Missing = typer.Option(Missing.impute, help="impute or error, as for train."),
    validation_data: Optional[str] = typer.Option(None, "--validation-data", metavar="FILE",
                                                  help="Validation rows from this CSV file instead of a share of "
                                                       "DATA."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
) -> None:
    """Train every setting of a grid, each with --restarts restarts; save the best model and the table.

    \b
      neuronet sweep data.csv --target y --grid "hidden=8,16,32;activation=tanh,relu;step-size=0.01,0.1"
      neuronet sweep data.csv --target y --grid "…" --workers 2        # a Dask cluster on this machine
      neuronet sweep data.csv --target y --grid "…" --scheduler tcp://host:8786

    Rerunning the same command continues a stopped sweep: settings already in --results are skipped.
    """
    import neuronet as nn  # noqa: PLC0415
    from ..distributed._dask import connected  # noqa: PLC0415
    from ..distributed.restarts import warm  # noqa: PLC0415
    from ..model import files, metrics as metric_fns  # noqa: PLC0415
    from .train import _fit_data  # noqa: PLC0415  (train's own reading, split and preprocessing)

    settings = parse_grid(grid)
    if out.suffix.lower() not in (".json", ".safetensors"):
        raise DataError(f"The model file name must end in .json or .safetensors; received --out {str(out)!r}.")
    if workers and scheduler:
        raise DataError("Give --workers N (a cluster on this machine) or --scheduler ADDRESS (an existing one), "
                        "not both.")
    tabular.check_writable(out, "model")
    tabular.check_writable(results, "results")

    # -- the data, once: the same split and preprocessing as `neuronet train` (its own function) ---------
    t, t_tr, t_va, prep = _fit_data(data, target, task, validation_data, validation_fraction, seed,
                                    _names(categorical), _names(drop), _names(use), max_categories, missing.value,
                                    loss, quiet)
    for lo in settings.get("loss", []):
        _check_grid_loss(prep, lo)
    X_tr, y_tr = prep.transform(t_tr), prep.encode_target(t_tr)                   # (B_tr, n_in), (B_tr,)
    parts = {"training": (X_tr, y_tr)}
    val = None
    if t_va is not None:
        X_va, y_va = prep.transform(t_va), prep.encode_target(t_va)
        parts["validation"] = (X_va, y_va)
        val = (X_va, prep.targets(y_va))
    sizes = parse_hidden(hidden)
    show = not quiet and sys.stderr.isatty()

    try:
        with connected(workers or None, scheduler) as client:
            if client is not None:
                warm(client)                     # compile (or load) the engines on every worker once
            table, best = nn.sweep(
                X_tr, prep.targets(y_tr), settings, restarts=restarts, epochs=epochs, seed=seed, hidden=sizes,
                activation=activation, validation_data=val, client=client, results=results, resume=resume,
                progress=show, n_outputs=prep.n_outputs, loss=prep.loss, optimizer=optimizer, step_size=step_size,
                schedule=parse_schedule(schedule), batch_size=batch_size or None, early_stopping=early_stopping,
                patience=patience, engine=engine.value)
    except KeyboardInterrupt:
        print(f"sweep interrupted; the finished settings are in {safe(results)}. Continue with the same command:\n"
              f"  {_command_line(ctx)}", file=sys.stderr)
        raise typer.Exit(INTERRUPTED) from None
    except TrainingError as e:
        raise DataError(f"{e} (the table is in {results})") from None

    setting = best.info["sweep"]["setting"]
    metrics = {name: _metrics.of_encoded(best, prep, Xp, yp) for name, (Xp, yp) in parts.items()}
    best.info["training_rows"] = metric_fns.fingerprint(X_tr, y_tr)      # as train records it (evaluate reads it)
    arch_hidden = ([int(v) for v in setting["hidden"].split("x")] if setting["hidden"] != "none" else []) \
        if "hidden" in setting else sizes
    best.info.update({"preprocessing": prep.to_dict(), "metrics": metrics, "source": t.source,
                      "data": data if data != "-" else None, "validation_data": validation_data,
                      "task_reason": tabular.task_reason(t, prep.target, prep.task, task.value if task else None),
                      "architecture": {"hidden": arch_hidden, "activation": setting.get("activation", activation),
                                       "output": "identity"}})
    files.save(best, out)
    if not quiet:
        _print_sweep(table, metrics, out, results, has_val=val is not None)


def _check_grid_loss(prep, loss: str) -> None:
    from ..model import losses  # noqa: PLC0415

    if (prep.task == tabular.REGRESSION) == losses.get(loss).classification:
        kind = "a classification" if prep.task == tabular.REGRESSION else "a regression"
        raise DataError(f"--grid loss={loss} is {kind} loss, but the task is {prep.task} (target {prep.target!r}).")


def _print_sweep(table, metrics, out, results, has_val: bool) -> None:
    from rich.table import Table  # noqa: PLC0415

    con = _out()
    score = "best_val_loss" if has_val else "best_train_loss"
    ranked = table.assign(_s=table[score].where(table["status"] == "ok", math.inf)).sort_values(["_s", "setting"])
    grid_cols = [c for c in ("hidden", "activation", "optimizer", "step_size", "schedule", "batch_size", "loss")
                 if c in table.columns]
    view = Table(title=f"{len(table)} settings, best first", title_justify="left")
    for col in ["rank", *grid_cols, score, score.replace("best", "median"), "diverged", "seconds", "status"]:
        view.add_column(col.replace("_", " "), justify="left" if col in ("status", *grid_cols) else "right")
    for rank, (_, r) in enumerate(ranked.head(10).iterrows(), start=1):
        status = r["status"] if r["status"] == "ok" else safe(f"failed: {str(r['reason'])[:60]}")
        view.add_row(str(rank), *(safe(str(r[c])) for c in grid_cols), _num(r[score]),
                     _num(r[score.replace("best", "median")]), str(int(r["diverged"])), f"{r['seconds']:.2f}", status)
    if len(table) > 10:
        view.caption = f"… and {len(table) - 10} more settings in {safe(results)}"
    con.print(view)
    for name, m in metrics.items():
        con.print(f"best setting, {name} ({m['rows']:,} rows): {safe(_metrics.line(m))}")
    con.print(safe(f"saved {out} (the best setting's best restart) and {results}; next: neuronet predict {out} DATA"))


def _num(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) and math.isfinite(v) else "–"
