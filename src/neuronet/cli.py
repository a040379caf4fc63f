"""The command line: ``neuronet train | predict | evaluate | show | export | explain | demo | data``.

A thin layer over the library: each command parses its arguments, calls
:mod:`neuronet.tabular` (CSV files and preprocessing), :func:`neuronet.train` and
:mod:`neuronet.files`, and prints. DATA is a CSV file with a header row, ``-`` for
standard input, or the name of a built-in data set (``neuronet data list``).

Every mistake a user can make ends in one line on stderr, ``error: <what, where, what to
do>``, and exit code 1 (2 for a malformed command line); Ctrl-C during training exits
with 130 and prints the command that resumes from the last checkpoint.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import re
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import typer

from .io import tabular
from .errors import DataError, ModelFileError, NeuronetError

HELP = """Feed-forward neural networks: train on a CSV file or a built-in data set, predict, inspect.

\b
  neuronet train iris                      # a built-in data set: its target is known
  neuronet train data.csv --target price   # any CSV file with a header row
  neuronet predict model.json data.csv     # one prediction per row, as CSV
  neuronet evaluate model.json data.csv    # accuracy and confusion matrix, or RMSE, MAE, R²
  neuronet show model.json                 # the network, its preprocessing, how it was trained
"""

app = typer.Typer(name="neuronet", help=HELP, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})
data_app = typer.Typer(help="The built-in data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


def _version(value: bool) -> None:
    if value:
        from ._version import __version__  # noqa: PLC0415

        print(f"neuronet {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


class Task(str, Enum):
    classification = "classification"
    regression = "regression"


class Engine(str, Enum):
    auto = "auto"
    matrix = "matrix"
    neuron = "neuron"


# -- errors: one line, no traceback ---------------------------------------------------------
def _fail(message: str, code: int = 1) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def _handled(fn: Callable) -> Callable:
    """Run a command; a NeuronetError or OSError becomes ``error: message`` and exit code 1."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NeuronetError as exc:
            _fail(str(exc))
        except BrokenPipeError:  # the reader went away (`neuronet predict … | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}.")
        except KeyboardInterrupt:
            print("interrupted.", file=sys.stderr)
            raise typer.Exit(INTERRUPTED) from None

    return run


def _out():
    from rich.console import Console  # noqa: PLC0415

    return Console(highlight=False, soft_wrap=False)


# -- argument parsing -------------------------------------------------------------------------
def _choice(table: Callable[[str], Any], what: str) -> Callable[[Optional[str]], Optional[str]]:
    """A callback that checks a name against a library table (activations, losses…): exit code 2 if unknown."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        try:
            table(value)
        except NeuronetError as exc:
            raise typer.BadParameter(str(exc)) from None
        return value

    return check


def _activation(v):
    from .model import activations  # noqa: PLC0415

    _choice(activations.get, "activation")(v)
    if v is not None and activations.get(v).name == "step":
        raise typer.BadParameter("step cannot be trained by backpropagation (its derivative is 0); use logistic, "
                                 "tanh or relu.")
    return v


def _loss(v):
    from .model import losses  # noqa: PLC0415

    return _choice(losses.get, "loss")(v)


def _optimizer(v):
    from .model import optimizers  # noqa: PLC0415

    return _choice(optimizers.get, "optimizer")(v)


def parse_schedule(text: str):
    """'inverse_time' or 'inverse_time(decay=0.01)' -> the spec schedules.get takes."""
    m = re.fullmatch(r"\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*", text)
    if not m:
        raise DataError(f"A schedule is a name, optionally with parameters: 'inverse_time' or "
                        f"'inverse_time(decay=0.01)'; received {text!r}.")
    params = {}
    for part in filter(None, (p.strip() for p in (m.group(2) or "").split(","))):
        key, eq, value = part.partition("=")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            raise DataError(f"Schedule parameter {part!r} must be name=number; received schedule={text!r}.") from None
        if not eq:
            raise DataError(f"Schedule parameter {part!r} must be name=number; received schedule={text!r}.")
    return {"name": m.group(1), **params}


def _schedule(v):
    from .model import schedules  # noqa: PLC0415

    return _choice(lambda s: schedules.get(parse_schedule(s)), "schedule")(v)


def _hidden(text: str) -> str:
    parse_hidden(text)
    return text


def parse_hidden(text: str) -> list[int]:
    """'16,16' -> [16, 16]; '' or 'none' -> [] (no hidden layer)."""
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise typer.BadParameter(f"give hidden layer sizes as positive integers separated by commas, such as "
                                 f"16 or 32,16 ('' for none); received {text!r}.")
    return sizes


def _names(text: Optional[str]) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def _positive(v: float) -> float:
    if not (math.isfinite(v) and v > 0):
        raise typer.BadParameter(f"must be a positive number; received {v}.")
    return v


def _command_line(ctx: typer.Context, **replace) -> str:
    """The command as a user would type it, with the parameters in ``replace`` changed (None: left out)."""
    words = ["neuronet", ctx.info_name or "train"]
    params = {**ctx.params, **replace}
    for p in ctx.command.params:
        value = params.get(p.name)
        if isinstance(value, Enum):
            value = value.value
        if p.param_type_name == "argument":
            words.append(str(value))
        elif p.param_type_name == "option" and value is not None and (p.name in replace or value != p.default):
            if p.is_flag:
                if value:
                    words.append(p.opts[0])
                elif p.secondary_opts:
                    words.append(p.secondary_opts[0])
            else:
                words += [max(p.opts, key=len), str(value)]
    return shlex.join(words)


# -- train -----------------------------------------------------------------------------------
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
    schedule: str = typer.Option("constant", callback=_schedule,
                                 help="Step-size schedule: constant, inverse_time, power, exponential, step, "
                                      "cosine; parameters as in 'inverse_time(decay=0.01)'."),
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
    engine: Engine = typer.Option(Engine.auto, help="auto picks the faster one for this network."),
    categorical: Optional[str] = typer.Option(None, help="Columns to one-hot encode even though they hold "
                                                         "numbers (comma separated)."),
    drop: Optional[str] = typer.Option(None, help="Columns to leave out of the inputs (comma separated)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
) -> None:
    """Train a network on DATA and save it with its preprocessing.

    Numeric columns are standardized, text columns one-hot encoded; classification trains
    one output per class with cross_entropy, regression one output with squared loss on the
    standardized target. All of it is stored in the model file, so predict needs only the
    model and the new rows.
    """
    import neuronet as nn  # noqa: PLC0415
    from .model import files  # noqa: PLC0415

    sizes = parse_hidden(hidden)
    # -- every output path is checked before the long part starts --------------------------
    if out.suffix.lower() not in (".json", ".safetensors"):
        raise DataError(f"The model file name must end in .json or .safetensors; received --out {str(out)!r}.")
    tabular.check_writable(out, "model")
    if report is not None:
        tabular.check_writable(report, "report")
    if checkpoint is not None:
        tabular.check_writable(checkpoint, "checkpoint")
    if resume is not None and not resume.is_file():
        raise ModelFileError(f"Cannot resume: the checkpoint {str(resume)!r} does not exist.")

    t = tabular.open_data(data)
    prep = tabular.Preprocessing.fit(t, target, task.value if task else None, categorical=_names(categorical),
                                     drop=_names(drop), loss=loss)
    _check_loss(prep)
    X = prep.transform(t)                                                       # (B, n_in)
    y = prep.encode_target(t)                                                   # (B,)
    frac = validation_fraction if validation_fraction is not None else (0.2 if t.n_rows >= 20 else 0.0)
    if frac > 0:
        tr, va = tabular.split(t.n_rows, frac, seed, y if prep.task == tabular.CLASSIFICATION else None)
    else:
        tr, va = np.arange(t.n_rows), np.arange(0)
    val = (X[va], prep.targets(y[va])) if len(va) else None

    net = nn.mlp([prep.n_inputs, *sizes, prep.n_outputs], hidden=activation, output="identity", seed=seed)
    bar = _Progress(epochs, restarts) if (not quiet and sys.stderr.isatty()) else None
    last = {"epoch": 0}

    def on_epoch(info: dict) -> None:
        last["epoch"] = info["epoch"]
        if bar is not None:
            bar.update(info)

    try:
        result = nn.train(net, X[tr], prep.targets(y[tr]), loss=prep.loss, optimizer=optimizer,
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
    metrics = {"training": _metrics(best, prep, X[tr], y[tr])}
    if len(va):
        metrics["validation"] = _metrics(best, prep, X[va], y[va])
    best.info.update({"preprocessing": prep.to_dict(), "metrics": metrics, "source": t.source,
                      "data": data if data != "-" else None,
                      "task_reason": tabular.task_reason(t, prep.target, prep.task, task.value if task else None),
                      "architecture": {"hidden": sizes, "activation": activation, "output": "identity"}})
    files.save(best, out)
    if report is not None:
        _write_report(report, result, prep, metrics, X, y, t, len(tr), len(va))
    if not quiet:
        _print_training(result, best, prep, metrics, out, report, t, len(tr), len(va))


def _check_loss(prep: tabular.Preprocessing) -> None:
    from .model import losses  # noqa: PLC0415

    prep.loss = losses.get(prep.loss).name
    if prep.task == tabular.REGRESSION and losses.get(prep.loss).classification:
        raise DataError(f"--loss {prep.loss} is a classification loss, but the task is regression (target "
                        f"{prep.target!r}). Use squared, absolute or huber, or --task classification.")


def _metrics(net, prep: tabular.Preprocessing, X: np.ndarray, y: np.ndarray) -> dict:
    """Metrics of ``net`` on encoded rows (X, y), in the target's own units."""
    pred, _ = prep.decode(net.forward(X))
    if prep.task == tabular.CLASSIFICATION:
        m = tabular.classification_metrics([prep.classes[k] for k in y], pred, prep.classes)
        return {"rows": m["rows"], "accuracy": m["accuracy"]}
    return tabular.regression_metrics(prep.target_mean + prep.target_std * y, pred)


def _interrupted(ctx, epoch: int, epochs: int, checkpoint: Optional[Path], every: int) -> None:
    where = f"training interrupted after epoch {epoch} of {epochs}."
    if checkpoint is None:
        print(f"{where} Nothing was saved; run again with --checkpoint PATH to be able to resume.",
              file=sys.stderr)
    elif not checkpoint.is_file():
        print(f"{where} No checkpoint was written yet (one is saved every {every} epochs); start again.",
              file=sys.stderr)
    else:
        print(f"{where} The last checkpoint, {checkpoint} (saved every {every} epochs), is intact. Resume with:\n"
              f"  {_command_line(ctx, resume=checkpoint)}", file=sys.stderr)
    raise typer.Exit(INTERRUPTED)


def _write_report(path: Path, result, prep: tabular.Preprocessing, metrics: dict, X: np.ndarray, y: np.ndarray,
                  t: tabular.Table, n_tr: int, n_va: int) -> None:
    """The HTML report of the run, on all rows (X, y as the network sees them) with the metrics computed here."""
    from .seeing import report  # noqa: PLC0415  (matplotlib is imported only when a report is asked for)

    flat = {f"{split} {k}": v for split, m in metrics.items() for k, v in m.items()
            if k in ("accuracy", "rmse", "mae", "r2")}
    summary = {"data": t.source, "rows": t.n_rows, "training rows": n_tr, "validation rows": n_va,
               "target": prep.target, "task": prep.task}
    if prep.task == tabular.REGRESSION:
        summary["target scaling"] = f"(y − {prep.target_mean:.4g}) / {prep.target_std:.4g}"
    report.write_report(path, result, X, y, feature_names=prep.input_names, task=prep.task,
                        class_names=prep.classes, metrics=flat, title=f"neuronet train {t.source}",
                        data_summary=summary)


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
    con.print(f"data: {t.source}, {t.n_rows} rows; target {prep.target!r}: {task} "
              f"({net.info['task_reason']})")
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
        con.print(f"{name} ({m['rows']} rows): {_metric_text(prep, m)}")
    if not has_val:
        con.print("(no validation rows: the metrics are on the training data)")
    con.print(f"saved {out}" + (f" and {report}" if report else "") + f"; next: neuronet predict {out} DATA")


def _num(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else "–"


def _metric_text(prep: tabular.Preprocessing, m: dict) -> str:
    if prep.task == tabular.CLASSIFICATION:
        return f"accuracy {m['accuracy']:.4f}"
    r2 = "–" if not math.isfinite(m["r2"]) else f"{m['r2']:.4f}"
    return f"RMSE {m['rmse']:.4g}, MAE {m['mae']:.4g}, R² {r2}"


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
def _load_model(model: Path):
    from .model.network import load  # noqa: PLC0415

    net = load(model)
    return net, tabular.Preprocessing.of(net, str(model))


@app.command()
@_handled
def predict(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file written by neuronet train."),
    data: str = typer.Argument(..., metavar="DATA",
                               help="A CSV file, '-' for standard input, or a built-in data set name."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the CSV here instead of to stdout."),
    proba: bool = typer.Option(False, "--proba", help="Also give the probability of each class."),
) -> None:
    """Predict every row of DATA: a CSV with the predicted label (or value), and class probabilities with --proba.

    DATA needs the columns the model was trained on (others, such as the target, are ignored).
    """
    if out is not None:
        tabular.check_writable(out, "predictions")
    net, prep = _load_model(model)
    if proba and prep.task != tabular.CLASSIFICATION:
        raise DataError(f"--proba needs a classification model; {model} predicts the number {prep.target!r}.")
    if proba and prep.loss not in ("cross_entropy", "binary_cross_entropy"):
        raise DataError(f"--proba needs a model trained with cross_entropy; {model} was trained with {prep.loss}, "
                        "whose outputs are not probabilities.")
    t = tabular.open_data(data)
    pred, p = tabular.predict(net, prep, t)
    text = tabular.predictions_csv(prep, pred, p if proba else None)
    if out is not None:
        tabular.write_text(out, text)
    else:
        sys.stdout.write(text)


@app.command()
@_handled
def evaluate(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file written by neuronet train."),
    data: str = typer.Argument(..., metavar="DATA",
                               help="A CSV file (with the target column), '-', or a built-in data set name."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """Score the model on DATA: accuracy and confusion matrix, or RMSE, MAE and R²."""
    net, prep = _load_model(model)
    t = tabular.open_data(data)
    if not prep.has_target(t):
        raise DataError(f"{t.source} has no target column {prep.target!r}, so there is nothing to compare the "
                        f"predictions with. Its columns are: {', '.join(t.names)}. (Use neuronet predict for "
                        "rows without a target.)")
    m = tabular.evaluate(net, prep, t)
    if as_json:
        print(json.dumps({"task": prep.task, "target": prep.target, **m}))
        return
    con = _out()
    con.print(f"{t.source}, {m['rows']} rows, target {prep.target!r}: {_metric_text(prep, m)}")
    if prep.task == tabular.CLASSIFICATION:
        from rich.table import Table  # noqa: PLC0415

        con.print("confusion matrix (rows: true class, columns: predicted class)")
        table = Table()
        table.add_column("true \\ predicted")
        for lab in m["labels"]:
            table.add_column(lab, justify="right")
        for lab, row in zip(m["labels"], m["confusion"]):
            table.add_row(lab, *[str(v) for v in row])
        con.print(table)


# -- show, export ------------------------------------------------------------------------------
@app.command()
@_handled
def show(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file."),
    draw: Optional[Path] = typer.Option(None, "--draw", help="Also draw the network to this .png or .svg file."),
    as_json: bool = typer.Option(False, "--json", help="Print the description as JSON."),
) -> None:
    """Describe a model: neurons, layers, weights, preprocessing, how it was trained."""
    from .model.network import load  # noqa: PLC0415

    if draw is not None:
        tabular.check_writable(draw, "drawing")
    net = load(model)
    kinds = [nu.kind for nu in net.neurons]
    counts = {k: kinds.count(k) for k in ("input", "bias", "hidden", "output")}
    desc = {"file": str(model), "neurons": len(kinds), **{f"{k}_neurons": v for k, v in counts.items()},
            "layers": net.layers, "edges": len(net.edges), "dtype": str(net.dtype), "info": net.info}
    prep = None
    if "preprocessing" in net.info:
        prep = tabular.Preprocessing.of(net, str(model))
    if as_json:
        print(json.dumps(desc, default=str))
    else:
        _print_model(model, net, counts, prep)
    if draw is not None:
        from .seeing import draw as drawing  # noqa: PLC0415

        drawing.draw(net, draw)
        if not as_json:
            _out().print(f"drew {draw}")


def _print_model(model, net, counts, prep) -> None:
    from rich.table import Table  # noqa: PLC0415

    con = _out()
    con.print(f"{model}: {_shape(net)}, {net.dtype}")
    con.print("neurons: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v) + f" ({sum(counts.values())} in "
              f"all); {len(net.edges)} edges = weights")
    L = net.layers
    if L is not None:
        kind = {nu.id: nu.kind for nu in net.neurons}
        for k, layer in enumerate(L, start=1):
            units = [j for j in layer if kind[j] != "bias"]
            bias = [j for j in layer if kind[j] == "bias"]
            acts = sorted({str(net.activation(j)) for j in units if kind[j] != "input"})
            what = "input" if k == 1 else ("output" if k == len(L) else "hidden")
            con.print(f"  layer {k}: {len(units)} {what} ({'id' if len(units) == 1 else 'ids'} {_ids(units)})"
                      + (f", {'/'.join(acts)}" if acts else "") + (f", bias neuron {bias[0]}" if bias else ""))
    info = net.info
    if prep is not None:
        if prep.task == tabular.CLASSIFICATION:
            con.print(f"task: classification of {prep.target!r} into {len(prep.classes)} classes: "
                      f"{', '.join(prep.classes)} (loss {prep.loss})")
        else:
            con.print(f"task: regression of {prep.target!r} (mean {prep.target_mean:.4g}, std {prep.target_std:.4g}; "
                      f"loss {prep.loss})")
        table = Table(title=f"{len(prep.features)} input columns -> {prep.n_inputs} inputs", title_justify="left")
        table.add_column("column")
        table.add_column("kind")
        table.add_column("preprocessing")
        for f in prep.features:
            if f["kind"] == "numeric":
                table.add_row(f["name"], "numeric", f"(x − {f['mean']:.4g}) / {f['std']:.4g}")
            else:
                cats = f["categories"]
                shown = ", ".join(cats[:8]) + (f", … ({len(cats)} in all)" if len(cats) > 8 else "")
                table.add_row(f["name"], "text", f"one-hot: {shown}")
        con.print(table)
    tr = info.get("training")
    if isinstance(tr, dict):
        keys = ("optimizer", "schedule", "epochs", "batch_size", "restarts", "best_restart", "seed", "engine")
        con.print("training: " + ", ".join(f"{k.replace('_', ' ')} {tr[k]}" for k in keys if k in tr)
                  + (f"; data {info['data']}" if "data" in info else ""))
    metrics = info.get("metrics")
    if isinstance(metrics, dict) and prep is not None:
        for name, m in metrics.items():
            if isinstance(m, dict) and "rows" in m:
                con.print(f"{name} ({m['rows']} rows): {_metric_text(prep, m)}")


def _ids(ids: list[int]) -> str:
    if len(ids) > 2 and ids == list(range(ids[0], ids[-1] + 1)):
        return f"{ids[0]}–{ids[-1]}"
    return ", ".join(map(str, ids))


@app.command()
@_handled
def export(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file."),
    path: Path = typer.Argument(..., metavar="OUT", help="The ONNX file to write (.onnx)."),
) -> None:
    """Export a model to ONNX (needs the optional package onnx).

    The ONNX graph computes the network itself: it takes the preprocessed inputs (see
    neuronet show) and returns the raw outputs (class scores, or the standardized target).
    """
    from .model.network import load  # noqa: PLC0415

    tabular.check_writable(path, "ONNX file")
    net = load(model)
    try:
        from .io import onnx as onnx_export  # noqa: PLC0415

        onnx_export.export_onnx(net, path)
    except ImportError as exc:
        _fail(f"exporting to ONNX needs the package onnx ({exc}). Install it with: pip install 'neuronet[onnx]'")
    _out().print(f"wrote {path}: {len(net.inputs)} inputs, {len(net.outputs)} outputs")


# -- explain, demo -------------------------------------------------------------------------------
@app.command()
@_handled
def explain(
    model: Optional[Path] = typer.Argument(None, metavar="MODEL",
                                           help="A model file; without one, the seed's running example "
                                                "(9 neurons, x = 0.5, y = 1)."),
    row: int = typer.Option(0, "--row", min=0, help="Which data row to explain (0 = the first)."),
    data: Optional[str] = typer.Option(None, "--data", help="Where the row comes from (default: the data the "
                                                            "model was trained on, when that was a built-in set)."),
    step_size: float = typer.Option(0.1, "--step-size", callback=_positive, help="The step of the weight update "
                                                                                 "shown at the end."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON."),
) -> None:
    """Walk one example through a network: forward pass, loss, backpropagation, one SGD step."""
    from .seeing import explain as explaining  # noqa: PLC0415

    if model is None:
        from .model import examples  # noqa: PLC0415

        if row or data is not None:
            raise typer.BadParameter("--row and --data choose a row of a model's data; give MODEL too "
                                     "(without MODEL, explain shows the seed's running example).")
        net = examples.running_example()
        x, y = examples.running_example_input()
        loss = "squared"
    else:
        net, prep = _load_model(model)
        spec = data or net.info.get("data")
        if spec is None:
            raise DataError(f"Give the data to take the row from with --data (a CSV file with the columns {model} "
                            "was trained on, or a built-in data set).")
        try:
            t = tabular.open_data(spec)
        except DataError:
            if data is not None:
                raise
            raise DataError(f"Give the data to take the row from with --data: {model} was trained on {spec!r}, "
                            "which is neither a file here nor a built-in data set.") from None
        if row >= t.n_rows:
            raise DataError(f"--row {row} is past the end of {t.source}, which has {t.n_rows} rows "
                            f"(0…{t.n_rows - 1}).")
        one = t.rows([row])
        x = prep.transform(one)[0]                                              # (n_in,)
        # without the target column only the forward pass is explained
        y = prep.targets(prep.encode_target(one))[0] if prep.has_target(one) else None
        loss = prep.loss
    e = explaining.explain(net, x, y, loss=loss, step_size=step_size)
    if as_json:
        print(json.dumps(e.to_dict(), default=_jsonable))
        return
    if model is not None:
        label = f"; target {prep.target} = {one.columns[prep.target][0]}" if y is not None else ""
        print(f"{t.where(row)}, preprocessed as {model} stores it{label}; inputs x = "
              f"({', '.join(prep.input_names)})\n")
    print(e.text(width=max(_out().width, 60)))


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _demo_name(v: str) -> str:
    from .seeing import demos  # noqa: PLC0415

    if v not in demos.NAMES:
        raise typer.BadParameter(f"unknown demo {v!r}; the demos are: {', '.join(demos.NAMES)}.")
    return v


@app.command()
@_handled
def demo(
    name: str = typer.Argument(..., callback=_demo_name, metavar="NAME",
                               help="Which demo (neuronet demo --help lists them)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="A folder for the pictures the demo draws."),
    seed: int = typer.Option(0, min=0),
) -> None:
    """Run one of the seed's demonstrations (XOR and restarts, boolean functions, backpropagation…)."""
    from .seeing import demos  # noqa: PLC0415

    if out is not None and not out.is_dir():
        raise DataError(f"--out {str(out)!r} is not a folder; create it first.")
    print(demos.run(name, out_dir=out, seed=seed))


# -- data --------------------------------------------------------------------------------------
@data_app.command("list")
@_handled
def data_list() -> None:
    """List the built-in data sets: name, task, rows, features."""
    from rich.table import Table  # noqa: PLC0415

    from .io import datasets  # noqa: PLC0415

    table = Table(title="built-in data sets (use the name as DATA)", title_justify="left")
    for col, just in (("name", "left"), ("task", "left"), ("rows", "right"), ("features", "right"),
                      ("description", "left")):
        table.add_column(col, justify=just)
    for name, task, rows, n, text in datasets.describe():
        table.add_row(name, task, str(rows), str(n), text)
    _out().print(table)


@data_app.command("show")
@_handled
def data_show(
    name: str = typer.Argument(..., metavar="NAME", help="A built-in data set."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write it to this CSV file instead of stdout."),
) -> None:
    """Write a built-in data set as CSV (features, then the target with class names)."""
    from .io import datasets  # noqa: PLC0415

    if out is not None:
        tabular.check_writable(out, "CSV file")
    ds = datasets.load(name, seed=0)
    if out is not None:
        datasets.write_csv(ds, out, target="name")
        print(f"wrote {out}: {ds.n_rows} rows, {ds.n_features} features and the target {ds.target_name!r}",
              file=sys.stderr)
        return
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(ds.feature_names) + [ds.target_name])
    t = tabular.from_dataset(ds)
    target = t.columns[ds.target_name]
    for b in range(ds.n_rows):
        v = target[b]
        w.writerow([repr(float(x)) for x in ds.X[b]] + [v if isinstance(v, str) else repr(float(v))])
    sys.stdout.write(buf.getvalue())


def main(argv: Optional[list[str]] = None) -> None:
    """The ``neuronet`` console script."""
    app(args=argv, prog_name="neuronet")


if __name__ == "__main__":  # pragma: no cover
    main()
