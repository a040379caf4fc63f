"""``neuronet train``: a CSV file or a built-in data set in, a model file (and a report) out."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from .._atomic import NotRegularFileError, target as write_target
from ..io import tabular
from ..errors import DataError, ModelFileError
from ..model import metrics as metric_fns
from ..training import checkpoint as checkpoint_file
from . import _metrics
from ._app import (app, INTERRUPTED, Task, Engine, Missing, _handled, _out, safe, _activation, _loss, _optimizer, parse_schedule, _schedule, _hidden, parse_hidden, _names, _positive, _command_line)


@app.command()
@_handled
def train(
    ctx: typer.Context,
    data: str = typer.Argument(..., metavar="DATA", help="A CSV file with a header row, '-' for standard input, "
                                                         "or a built-in data set name."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="The column to predict (built-in data "
                                                                      "sets know theirs)."),
    task: Optional[Task] = typer.Option(None, help="Default: classification for a text target or one with at "
                                                   "most 10 distinct integers, else regression."),
    hidden: str = typer.Option("16", callback=_hidden, metavar="SIZES",
                               help="Hidden layer sizes, comma separated: 16 or 32,16; '' for none."),
    activation: str = typer.Option("tanh", callback=_activation, help="The hidden neurons' function: logistic, "
                                                                      "tanh, relu, leaky_relu, softplus, elu…"),
    loss: Optional[str] = typer.Option(None, callback=_loss, help="Default: cross_entropy for classification, "
                                                                  "squared for regression."),
    optimizer: str = typer.Option("adam", callback=_optimizer, help="sgd, momentum, nesterov, adam, rprop."),
    step_size: float = typer.Option(0.01, "--step-size", callback=_positive, help="The step size η₀."),
    schedule: str = typer.Option("auto", callback=_schedule,
                                 help="Step-size schedule: auto (decreasing for plain sgd on batches, as in the "
                                      "seed; constant otherwise), constant, inverse_time, power, exponential, "
                                      "step, cosine; parameters as in 'inverse_time(decay=0.01)'."),
    momentum: float = typer.Option(0.0, min=0.0, max=0.999, help="Momentum μ for sgd."),
    epochs: int = typer.Option(200, min=1, help="Passes over the training rows."),
    batch_size: int = typer.Option(32, "--batch-size", min=0, help="Examples per step; 1 is the seed's "
                                                                   "per-example SGD, 0 the full batch."),
    restarts: int = typer.Option(4, min=1, help="Random restarts trained at once; the best is kept."),
    validation_fraction: Optional[float] = typer.Option(
        None, "--validation-fraction", min=0.0, max=0.95,
        help="Rows held out to pick the best restart and report metrics (stratified by class); default 0.2 "
             "when there are at least 20 rows, 0 = none."),
    early_stopping: bool = typer.Option(True, "--early-stopping/--no-early-stopping",
                                        help="Stop a restart when its validation loss (training loss without "
                                             "validation rows) has not improved for --patience epochs, and keep "
                                             "its best weights."),
    patience: int = typer.Option(20, min=1, help="Epochs without improvement before early stopping."),
    seed: int = typer.Option(0, min=0, help="Seed of the weights, the split and the shuffling."),
    out: Path = typer.Option(Path("model.json"), "--out", "-o", help="The model file: .json or .safetensors."),
    checkpoint: Optional[Path] = typer.Option(None, help="Save the whole training state here every "
                                                         "--checkpoint-every epochs."),
    checkpoint_every: int = typer.Option(10, "--checkpoint-every", min=1),
    resume: Optional[Path] = typer.Option(None, help="Continue from this checkpoint (same command otherwise)."),
    report: Optional[Path] = typer.Option(None, help="Also write an HTML report of the training run."),
    engine: Engine = typer.Option(Engine.auto, help="auto picks the fastest for this run, compiling counted: "
                                                    "numpy (starts at once), matrix or neuron (compiled)."),
    categorical: Optional[str] = typer.Option(None, help="Columns to one-hot encode even though they hold "
                                                         "numbers (comma separated)."),
    drop: Optional[str] = typer.Option(None, help="Columns to leave out of the inputs (comma separated)."),
    use: Optional[str] = typer.Option(None, help="Columns to use as inputs even though they look like identifiers "
                                                 "(comma separated)."),
    max_categories: int = typer.Option(tabular.MAX_CATEGORIES, "--max-categories", min=1,
                                       help="Inputs one text column becomes at most: its most frequent values; "
                                            "the rest count as '(other)'."),
    missing: Missing = typer.Option(Missing.impute, help="impute: a numeric column's missing cells get the "
                                                         "training median plus a was-missing input, a text "
                                                         "column's a '(missing)' category; error: refuse them."),
    validation_data: Optional[str] = typer.Option(None, "--validation-data", metavar="FILE",
                                                  help="Validation rows from this CSV file instead of a share of "
                                                       "DATA."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
) -> None:
    """Train a network on DATA and save it with its preprocessing.

    Numeric columns are standardized, text columns one-hot encoded; classification trains
    one output per class with cross_entropy, regression one output with squared loss on the
    standardized target. All of it is stored in the model file, so predict needs only the
    model and the new rows.
    """
    import neuronet as nn  # noqa: PLC0415
    from ..model import files  # noqa: PLC0415

    sizes = parse_hidden(hidden)
    # -- every output path is checked before the long part starts --------------------------
    if out.suffix.lower() not in (".json", ".safetensors"):
        raise DataError(f"The model file name must end in .json or .safetensors; received --out {str(out)!r}.")
    _check_output(out, "model", "--out")
    if report is not None:
        _check_output(report, "report", "--report")
    if checkpoint is not None:
        _check_output(checkpoint, "checkpoint", "--checkpoint", checkpoint_file.is_checkpoint)
    _check_distinct({"--out": out, "--report": report, "--checkpoint": checkpoint})
    if resume is not None and not resume.exists():
        raise ModelFileError(f"Cannot resume: the checkpoint {str(resume)!r} does not exist.")

    t, t_tr, t_va, prep = _fit_data(data, target, task, validation_data, validation_fraction, seed, _names(categorical),
                                    _names(drop), _names(use), max_categories, missing.value, loss, quiet)
    counts: dict = {}
    X_tr, y_tr = prep.transform(t_tr, counts), prep.encode_target(t_tr)         # (B_tr, n_in), (B_tr,)
    val = None
    if t_va is not None:
        X_va, y_va = prep.transform(t_va, counts_va := {}), prep.encode_target(t_va)
        val = (X_va, prep.targets(y_va))
    if not quiet:
        _print_filled(prep, counts, "training")
        if t_va is not None:
            _print_filled(prep, counts_va, "validation")
    net = nn.mlp([prep.n_inputs, *sizes, prep.n_outputs], hidden=activation, output="identity", seed=seed)
    bar = _Progress(epochs, restarts) if (not quiet and sys.stderr.isatty()) else None
    last = {"epoch": (checkpoint_file.epoch_of(resume) or 0) if resume is not None else 0}

    def on_epoch(info: dict) -> None:
        last["epoch"] = info["epoch"]
        if bar is not None:
            bar.update(info)

    try:
        result = nn.train(net, X_tr, prep.targets(y_tr), loss=prep.loss, optimizer=optimizer,
                          step_size=step_size, epochs=epochs, batch_size=batch_size or None, restarts=restarts,
                          seed=seed, schedule=parse_schedule(schedule), momentum=momentum, validation_data=val,
                          early_stopping=early_stopping, patience=patience, engine=engine.value,
                          checkpoint=checkpoint, checkpoint_every=checkpoint_every, resume=resume,
                          callback=on_epoch)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        _interrupted(ctx, last["epoch"], epochs, checkpoint, checkpoint_every)
    finally:
        if bar is not None:
            bar.close()

    best = result.network
    parts = {"training": (X_tr, y_tr), **({"validation": (X_va, y_va)} if val is not None else {})}  # encoded
    metrics = {name: _metrics.of_encoded(best, prep, Xp, yp) for name, (Xp, yp) in parts.items()}
    best.info["training_rows"] = metric_fns.fingerprint(X_tr, y_tr)
    best.info.update({"preprocessing": prep.to_dict(), "metrics": metrics, "source": t.source,
                      "data": data if data != "-" else None, "validation_data": validation_data,
                      "task_reason": tabular.task_reason(t, prep.target, prep.task, task.value if task else None),
                      "architecture": {"hidden": sizes, "activation": activation, "output": "identity"}})
    files.save(best, out)
    n_tr, n_va = len(y_tr), (len(y_va) if val is not None else 0)
    if report is not None:
        _write_report(report, result, prep, parts, t)
    if not quiet:
        _print_training(result, best, prep, metrics, out, report, t, n_tr, n_va)


def _fit_data(data: str, target, task, validation_data, fraction, seed: int, categorical, drop, use,
              max_categories: int, missing: str, loss, quiet: bool):
    """Read DATA, split off the validation rows FIRST, then fit the preprocessing on the training rows only.

    Returns (the whole table, training rows, validation rows or None, the fitted Preprocessing).
    Rows without a target value are left out (with a note); so are validation rows of a class
    the training rows lack (they could not be scored).
    """
    if data == "-" and validation_data == "-":     # standard input can be read once: the second read is empty
        raise DataError("The training data and --validation-data cannot both be '-' (standard input is read "
                        "once). Give one of them as a file.")
    t = tabular.open_data(data)
    target = target or t.default_target
    if target is None:
        raise DataError(f"Name the target column with --target; {t.source} has the columns: {', '.join(t.names)}.")
    t = _rows_with_target(t, target, quiet)
    task_value = task.value if task else None
    if validation_data is not None:
        if fraction:
            raise DataError("Give either --validation-data or --validation-fraction, not both.")
        t_tr, t_va = t, _rows_with_target(tabular.open_data(validation_data), target, quiet)
    else:
        frac = fraction if fraction is not None else (0.2 if t.n_rows >= 20 else 0.0)
        t_tr, t_va = t, None
        if frac > 0:
            kind = task_value or t.tasks.get(target) or tabular.infer_task(t, target)
            strata = None
            if kind == tabular.CLASSIFICATION:
                strata = np.unique(np.array(t.columns[target].labels(), dtype=object), return_inverse=True)[1]
            tr, va = tabular.split(t.n_rows, frac, seed, strata)
            t_tr, t_va = t.rows(tr), t.rows(va)
    prep = tabular.Preprocessing.fit(t_tr, target, task_value, categorical=categorical, drop=drop, use=use,
                                     loss=loss, missing=missing, max_categories=max_categories)
    _check_loss(prep)
    if not quiet:
        for note in prep.notes():
            _out().print(f"note: {safe(note)}")
    return t, t_tr, t_va, prep


def _rows_with_target(t: tabular.Table, target: str, quiet: bool) -> tabular.Table:
    keep = tabular.target_present(t, target)
    if keep.all():
        return t
    if not keep.any():
        raise DataError(f"{t.source}: the target column {target!r} is empty in every row.")
    if not quiet:
        _out().print(f"note: left out {int((~keep).sum()):,} rows of {safe(t.source)} whose target {safe(target)!r} "
                     "is missing")
    return t.rows(keep)


def filled_in(prep: tabular.Preprocessing, counts: dict) -> tuple[list, list]:
    """What transforming rows filled in, from the counts ``prep.transform`` kept: (missing, unseen) with
    missing = [(column, cells, how: 'median 3.5' | "category '(missing)'" | 'no category')] and
    unseen = [(column, cells, 'line 4 'x', …': the first of them)]."""
    feats = {f["name"]: f for f in prep.features}
    missing, unseen = [], []
    for name, c in counts.items():
        if c.get("missing"):
            f = feats[name]
            how = (f"median {metric_fns.number(f['median'])}" if f["kind"] == "numeric" else
                   "category '(missing)'" if f["missing"] else "no category")
            missing.append((name, c["missing"], how))
        if c.get("unseen"):
            unseen.append((name, c["unseen"], ", ".join(f"{at} {text!r}" for at, text in c["first"])))
    return missing, unseen


def _print_filled(prep: tabular.Preprocessing, counts: dict, rows: str) -> None:
    """'training rows: imputed missing cells: 12 in 'x' (median 3.5), 3 in 'c' (category '(missing)')', and the
    cells whose category the training rows lack."""
    missing, unseen = filled_in(prep, counts)
    con = _out()
    if missing:
        con.print(safe(f"{rows} rows: imputed missing cells: "
                       + ", ".join(f"{n:,} in {name!r} ({how})" for name, n, how in missing)))
    for name, n, first in unseen:
        con.print(safe(f"{rows} rows: {n:,} cells of {name!r} hold a category the training rows lack ({first}); "
                       "they get no category"))


def _check_output(path: Path, what: str, option: str, may_replace=None) -> None:
    """Refuse, before any long work, an output path that cannot be written or must not be replaced."""
    tabular.check_writable(path, what)
    try:
        write_target(path, may_replace, "neuronet checkpoint" if may_replace else f"{what} file")
    except NotRegularFileError as exc:
        raise DataError(f"Cannot write the {what} to {option} {str(path)!r}: {exc.strerror}.") from None


def _check_distinct(paths: dict) -> None:
    """Two outputs naming one file would overwrite each other (a report over the model just saved)."""
    seen: dict = {}
    for option, path in paths.items():
        if path is None:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise DataError(f"{seen[key]} and {option} name the same file, {str(path)!r}; the second write would "
                            "replace the first. Give each its own path.")
        seen[key] = option


def _check_loss(prep: tabular.Preprocessing) -> None:
    from ..model import losses  # noqa: PLC0415

    prep.loss = losses.get(prep.loss).name
    if prep.task == tabular.REGRESSION and losses.get(prep.loss).classification:
        raise DataError(f"--loss {prep.loss} is a classification loss, but the task is regression (target "
                        f"{prep.target!r}). Use squared, absolute or huber, or --task classification.")


def _interrupted(ctx, epoch: int, epochs: int, checkpoint: Optional[Path], every: int) -> None:
    saved = checkpoint_file.epoch_of(checkpoint) if checkpoint is not None else None
    where = f"training interrupted after epoch {max(epoch, saved or 0)} of {epochs}."
    if checkpoint is None:
        print(f"{where} Nothing was saved; run again with --checkpoint PATH to be able to resume.",
              file=sys.stderr)
    elif saved is None:
        print(f"{where} No checkpoint was written yet (one is saved every {every} epochs); start again.",
              file=sys.stderr)
    else:
        print(f"{where} The last checkpoint, {safe(checkpoint)} (after epoch {saved}; one is saved every {every} "
              "epochs), is intact. Resume with:\n"
              f"  {_command_line(ctx, resume=checkpoint)}", file=sys.stderr)
    raise typer.Exit(INTERRUPTED)


def _write_report(path: Path, result, prep: tabular.Preprocessing, parts: dict, t: tabular.Table) -> None:
    """The HTML report of the run: the columns in their own units, and each part of the data (encoded rows
    ``parts``: name -> (X, y)) as true and predicted targets in the target's units."""
    from ..seeing import report  # noqa: PLC0415  (matplotlib is imported only when a report is asked for)

    net = result.network
    splits = {name: _metrics.true_and_predicted(net, prep, Xp, yp) for name, (Xp, yp) in parts.items()}
    summary = {"data": t.source, "rows": t.n_rows, **{f"{name} rows": len(Xp) for name, (Xp, _) in parts.items()},
               "target": prep.target, "task": prep.task}
    if prep.task == tabular.REGRESSION:
        summary["target scaling"] = f"(y − {metric_fns.number(prep.target_mean)}) / {metric_fns.number(prep.target_std)}"
    for k, note in enumerate(prep.notes(), start=1):                            # left-out columns, top-k, …
        summary[f"note {k}"] = note
    X = np.vstack([Xp for Xp, _ in parts.values()])                             # every row, as the network sees it
    y = np.concatenate([yp for _, yp in parts.values()])
    report.write_report(path, result, X, y, feature_names=prep.input_names, task=prep.task,
                        class_names=prep.classes, title=f"neuronet train {t.source}", data_summary=summary,
                        columns=_metrics.columns_in_units(prep, t), splits=splits, target_name=prep.target)


class _Progress:
    """A progress bar on stderr: epochs, best loss of the epoch, restarts still running."""

    def __init__(self, epochs: int, restarts: int):
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

        self._p = Progress(TextColumn("training"), BarColumn(), TextColumn("{task.completed}/{task.total} epochs"),
                           TextColumn("best loss {task.fields[best]}"), TextColumn("{task.fields[alive]} running"),
                           TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._task = self._p.add_task("train", total=epochs, best="–", alive=restarts)
        self._p.start()
        self._open = True

    def update(self, info: dict) -> None:
        best = info["best_loss"]
        self._p.update(self._task, completed=info["epoch"], alive=info["alive"],
                       best=f"{best:.4g}" if math.isfinite(best) else "–")

    def close(self) -> None:
        if self._open:
            self._p.stop()
            self._open = False


def _print_training(result, net, prep, metrics, out, report, t, n_tr, n_va) -> None:
    from rich.table import Table  # noqa: PLC0415

    con = _out()
    cfg = result.config
    task = (f"classification into {len(prep.classes)} classes" if prep.task == tabular.CLASSIFICATION
            else "regression")
    con.print(f"data: {safe(t.source)}, {t.n_rows} rows; target {safe(repr(prep.target))}: {task} "
              f"({safe(net.info['task_reason'])})")
    con.print(f"network: {_shape(net)}, {len(net.edges)} weights; loss {cfg['loss']}, optimizer {cfg['optimizer']}, "
              f"{cfg['epochs']} epochs, batch {cfg['batch_size']}, engine {result.engine}, {result.seconds:.2f} s")
    has_val = result.val_losses is not None
    table = Table(title=f"{result.restarts} restart{'s' if result.restarts > 1 else ''}, best first",
                  title_justify="left")
    for col in ("rank", "restart", "train loss") + (("val loss",) if has_val else ()) + ("epochs", "status"):
        table.add_column(col, justify="right" if col != "status" else "left")
    order = [int(r) for r in result.ranking()]
    for rank, r in enumerate(order[:10], start=1):
        row = [str(rank), str(r), _num(result.losses[r])]
        if has_val:
            row.append(_num(result.val_losses[r]))
        table.add_row(*row, str(int(result.epochs_run[r])), result.status[r])
    if len(order) > 10:
        table.caption = f"… and {len(order) - 10} more restarts"
    con.print(table)
    for name, m in metrics.items():
        con.print(f"{name} ({m['rows']:,} rows): {safe(_metrics.line(m))}")
    _metrics.print_details(con, metrics.get("validation", metrics["training"]))
    if not has_val:
        con.print("(no validation rows: the metrics are on the training data)")
    con.print(f"saved {safe(out)}" + (f" and {safe(report)}" if report else "")
              + f"; next: neuronet predict {safe(out)} DATA")


def _num(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else "–"


def _shape(net) -> str:
    """'4-16-3 (tanh → identity)' for a layered network, else a count of levels."""
    L = net.layers
    kind = {nu.id: nu.kind for nu in net.neurons}
    if L is None:
        return f"{len(net.levels)} levels, not layered"
    sizes = "-".join(str(sum(1 for j in layer if kind[j] != "bias")) for layer in L)
    acts = []
    for layer in L[1:]:
        a = sorted({net.activation(j) for j in layer if kind[j] != "bias"})
        acts.append("/".join(a))
    return f"{sizes} ({' → '.join(acts)})"


# -- predict, evaluate ---------------------------------------------------------------------------
