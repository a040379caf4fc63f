"""Using a trained model: ``neuronet predict | evaluate | show | export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ..io import tabular
from ..errors import DataError
from ._app import (app, _fail, _handled, _out, safe)
from .train import _defined, _metric_text, _metrics, _num, _shape  # noqa: F401


def _load_model(model: Path):
    from ..model.network import load  # noqa: PLC0415

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
    else:   # a terminal shows control characters in labels visibly; a pipe or file gets the exact CSV
        sys.stdout.write(safe(text, newlines=True) if sys.stdout.isatty() else text)


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
        print(json.dumps({"task": prep.task, "target": prep.target, **_defined(m)}))   # undefined: null
        return
    con = _out()
    con.print(f"{safe(t.source)}, {m['rows']} rows, target {safe(repr(prep.target))}: {_metric_text(prep, m)}")
    if prep.task == tabular.CLASSIFICATION:
        from rich.table import Table  # noqa: PLC0415

        con.print("confusion matrix (rows: true class, columns: predicted class)")
        table = Table()
        table.add_column("true \\ predicted")
        for lab in m["labels"]:
            table.add_column(safe(lab), justify="right")
        for lab, row in zip(m["labels"], m["confusion"]):
            table.add_row(safe(lab), *[str(v) for v in row])
        con.print(table)


# -- show, export ------------------------------------------------------------------------------
@app.command()
@_handled
def show(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file."),
    draw: Optional[Path] = typer.Option(None, "--draw", help="Also draw the network to this .png or .svg file."),
    weights: bool = typer.Option(False, "--weights", help="Also print every weight w_i,j (edge i → j), grouped "
                                                          "by the neuron j it belongs to."),
    as_json: bool = typer.Option(False, "--json", help="Print the description as JSON."),
) -> None:
    """Describe a model: neurons, layers, preprocessing, how it was trained; every weight with --weights."""
    from ..model.network import load  # noqa: PLC0415

    if draw is not None:
        tabular.check_writable(draw, "drawing")
    net = load(model)
    kinds = [nu.kind for nu in net.neurons]
    counts = {k: kinds.count(k) for k in ("input", "bias", "hidden", "output")}
    desc = {"file": str(model), "neurons": len(kinds), **{f"{k}_neurons": v for k, v in counts.items()},
            "layers": net.layers, "edges": len(net.edges), "dtype": str(net.dtype), "info": net.info}
    if weights:
        desc["weights"] = [{"from": i, "to": j, "weight": w} for (i, j), w in net.weights.items()]
    prep = None
    if "preprocessing" in net.info:
        prep = tabular.Preprocessing.of(net, str(model))
    if as_json:
        print(json.dumps(desc, default=str))
    else:
        _print_model(model, net, counts, prep)
        if weights:
            _print_weights(net)
    if draw is not None:
        from ..seeing import draw as drawing  # noqa: PLC0415

        drawing.draw(net, draw)
        if not as_json:
            _out().print(f"drew {safe(draw)}")


def _print_model(model, net, counts, prep) -> None:
    from rich.table import Table  # noqa: PLC0415

    con = _out()
    con.print(f"{safe(model)}: {safe(_shape(net))}, {net.dtype}")
    con.print("neurons: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v) + f" ({sum(counts.values())} in "
              f"all); {len(net.edges)} edges = weights")
    L = net.layers
    if L is not None:
        kind = {nu.id: nu.kind for nu in net.neurons}
        for k, layer in enumerate(L, start=1):
            units = [j for j in layer if kind[j] != "bias"]
            bias = [j for j in layer if kind[j] == "bias"]
            acts = sorted({str(net.activation(j)) for j in units if kind[j] != "input"})
            what = " and ".join(w for w in ("input", "hidden", "output") if any(kind[j] == w for j in units))
            con.print(f"  layer {k}: {len(units)} {what} ({'id' if len(units) == 1 else 'ids'} {_ids(units)})"
                      + (f", {'/'.join(acts)}" if acts else "") + (f", bias neuron {bias[0]}" if bias else ""))
    info = net.info
    if prep is not None:
        if prep.task == tabular.CLASSIFICATION:
            con.print(f"task: classification of {safe(repr(prep.target))} into {len(prep.classes)} classes: "
                      f"{', '.join(map(safe, prep.classes))} (loss {prep.loss})")
        else:
            con.print(f"task: regression of {safe(repr(prep.target))} (mean {prep.target_mean:.4g}, std {prep.target_std:.4g}; "
                      f"loss {prep.loss})")
        table = Table(title=f"{len(prep.features)} input columns -> {prep.n_inputs} inputs", title_justify="left")
        table.add_column("column")
        table.add_column("kind")
        table.add_column("preprocessing")
        for f in prep.features:
            if f["kind"] == "numeric":
                table.add_row(safe(f["name"]), "numeric", f"(x − {f['mean']:.4g}) / {f['std']:.4g}")
            else:
                cats = f["categories"]
                shown = ", ".join(map(safe, cats[:8])) + (f", … ({len(cats)} in all)" if len(cats) > 8 else "")
                table.add_row(safe(f["name"]), "text", f"one-hot: {shown}")
        con.print(table)
    tr = info.get("training")
    if isinstance(tr, dict):
        keys = ("optimizer", "schedule", "epochs", "batch_size", "restarts", "best_restart", "seed", "engine")
        con.print("training: " + ", ".join(f"{k.replace('_', ' ')} {safe(tr[k])}" for k in keys if k in tr)
                  + (f"; data {safe(info['data'])}" if "data" in info else ""))
    metrics = info.get("metrics")
    if isinstance(metrics, dict) and prep is not None:
        for name, m in metrics.items():
            if isinstance(m, dict) and "rows" in m:
                con.print(f"{safe(name)} ({safe(m['rows'])} rows): {_metric_text(prep, m)}")


def _print_weights(net) -> None:
    """Every w_i,j, one line per neuron j: the weights belong to the neuron the edge points into (the seed)."""
    into: dict[int, list[tuple[int, float]]] = {}
    for (i, j), w in net.weights.items():
        into.setdefault(j, []).append((i, w))
    kind = {nu.id: nu.kind for nu in net.neurons}
    con = _out()
    con.print(f"weights: all {len(net.edges)}, w_i,j on the edge i → j (bias neurons send 1)")
    width = max(con.width, 60)
    for j in sorted(into):
        terms = [f"w_{i},{j} = {w:.6g}" + (" (bias)" if kind[i] == "bias" else "") for i, w in into[j]]
        line = f"  into {kind[j]} {j} ({net.activation(j)}):"
        for k, term in enumerate(terms):             # wrap between terms, never inside one
            piece = " " + term + ("," if k < len(terms) - 1 else "")
            if len(line) + len(piece) > width:
                con.print(line, markup=False)
                line = "     "
            line += piece
        con.print(line, markup=False)


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
    from ..model.network import load  # noqa: PLC0415

    tabular.check_writable(path, "ONNX file")
    net = load(model)
    try:
        from ..io import onnx as onnx_export  # noqa: PLC0415

        onnx_export.export_onnx(net, path)
    except ImportError as exc:
        _fail(f"exporting to ONNX needs the package onnx ({exc}). Install it with: pip install 'neuronet[onnx]'")
    _out().print(f"wrote {safe(path)}: {len(net.inputs)} inputs, {len(net.outputs)} outputs")


# -- explain, demo -------------------------------------------------------------------------------
