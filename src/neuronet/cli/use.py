"""Using a trained model: ``neuronet predict | evaluate | show | export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ..io import tabular
from ..errors import DataError
from ._app import (app, _fail, _handled, _names, _out, safe)
from ..model.metrics import number
from . import _metrics
from .train import _num, _shape, filled_in  # noqa: F401


def _model(model: Path):
    """The model file as a :class:`~neuronet.io.model.Model`: the one implementation behind predict and evaluate."""
    from ..io.model import load_model  # noqa: PLC0415

    return load_model(model)


def _load_model(model: Path):
    m = _model(model)
    return m.network, m.preprocessing


@app.command()
@_handled
def predict(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file written by neuronet train."),
    data: str = typer.Argument(..., metavar="DATA",
                               help="A CSV file, '-' for standard input, or a built-in data set name."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the CSV here instead of to stdout."),
    proba: bool = typer.Option(False, "--proba", help="Also give the probability of each class."),
    keep: Optional[str] = typer.Option(None, "--keep", metavar="COLS",
                                       help="Columns of DATA to copy into the output as they are written (an id, "
                                            "to join the predictions back), comma separated."),
) -> None:
    """Predict every row of DATA: a CSV with predicted_<target> (and probability_<class> with --proba).

    DATA needs the columns the model was trained on (others, such as the target, are ignored).
    Missing cells are imputed as in training; a line on stderr says what was written and where.
    """
    if out is not None:
        tabular.check_writable(out, "predictions")
    m = _model(model)
    prep = m.preprocessing
    if proba and prep.task != tabular.CLASSIFICATION:
        raise DataError(f"--proba needs a classification model; {model} predicts the number {prep.target!r}.")
    if proba and prep.loss not in ("cross_entropy", "binary_cross_entropy"):
        raise DataError(f"--proba needs a model trained with cross_entropy; {model} was trained with {prep.loss}, "
                        "whose outputs are not probabilities.")
    kept = _names(keep)
    t = tabular.open_data(data, keep_text=kept)
    for name in kept:
        t.column(name)
    counts: dict = {}
    pred, p = m.outputs(t, counts)
    header, rows = tabular.prediction_rows(prep, pred, p if proba else None, {k: t.text(k) for k in kept})
    text = tabular.csv_text(header, rows)
    for line in _filled_lines(prep, counts):
        print(line, file=sys.stderr)
    if out is not None:
        tabular.write_text(out, text)
    else:   # a terminal shows control characters in labels visibly; a pipe or file gets the exact CSV
        sys.stdout.write(safe(text, newlines=True) if sys.stdout.isatty() else text)
        sys.stdout.flush()
    where = str(out) if out is not None else "standard output"
    print(safe(f"wrote {len(rows):,} predictions of {prep.target!r} to {where}: columns {', '.join(header)}"),
          file=sys.stderr)


def _filled_lines(prep, counts: dict) -> list[str]:
    """What predict filled in: imputed cells and categories the training rows lacked, one line per column."""
    missing, unseen = filled_in(prep, counts)
    def with_(how: str) -> str:           # 'the training median 3.5', "the category '(missing)'", 'no category'
        return "the training " + how if how.startswith("median") else how if how == "no category" else "the " + how

    return ([safe(f"note: column {name!r}: {n:,} missing {'cell' if n == 1 else 'cells'} imputed with {with_(how)}")
             for name, n, how in missing]
            + [safe(f"note: column {name!r}: "
                    + (f"1 cell holds a category the model was not trained on ({first}); it gets" if n == 1 else
                       f"{n:,} cells hold a category the model was not trained on ({first}); they get")
                    + " no category") for name, n, first in unseen])


@app.command()
@_handled
def evaluate(
    model: Path = typer.Argument(..., metavar="MODEL", help="A model file written by neuronet train."),
    data: str = typer.Argument(..., metavar="DATA",
                               help="A CSV file (with the target column), '-', or a built-in data set name."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """Score the model on DATA: accuracy and confusion matrix, or RMSE, MAE and R²."""
    model_ = _model(model)
    prep = model_.preprocessing
    t = tabular.open_data(data)
    if not prep.has_target(t):
        raise DataError(f"{t.source} has no target column {prep.target!r}, so there is nothing to compare the "
                        f"predictions with. Its columns are: {', '.join(t.names)}. (Use neuronet predict for "
                        "rows without a target.)")
    counts: dict = {}
    m = model_.evaluate(t, counts)
    for line in _filled_lines(prep, counts):
        print(line, file=sys.stderr)
    if as_json:
        print(json.dumps({"task": prep.task, "target": prep.target, **m}))   # undefined metrics are None: null
        return
    con = _out()
    con.print(f"{safe(t.source)}, {m['rows']:,} rows, target {safe(repr(prep.target))}: {safe(_metrics.line(m))}")
    _metrics.print_details(con, m)
    note = _metrics.training_rows_note(m)
    if note:
        con.print(note)


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
            "layers": net.layers, "edges": len(net.edges), "dtype": str(net.dtype), "info": _shown_info(net.info)}
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

        names = {}
        if prep is not None:     # inputs and outputs labelled with the columns and classes they stand for
            names = {**dict(zip(net.inputs, prep.input_names)),
                     **dict(zip(net.outputs, prep.classes if prep.classes else [prep.target]))}
        drawing.draw(net, draw, names=names)
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
            con.print(f"task: regression of {safe(repr(prep.target))} (trained on (y − {number(prep.target_mean)}) / "
                      f"{number(prep.target_std)}; loss {prep.loss})")
        table = Table(title=f"{len(prep.columns)} input columns -> {prep.n_inputs} inputs", title_justify="left")
        table.add_column("column")
        table.add_column("kind")
        table.add_column("preprocessing")
        for f in prep.features:
            table.add_row(safe(f["name"]), {"numeric": "numeric", "categorical": "text"}.get(f["kind"], "left out"),
                          safe(_treatment(f)))
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
                rows = f"{m['rows']:,}" if isinstance(m["rows"], int) else safe(m["rows"])   # from the file
                con.print(f"{safe(name)} ({rows} rows): {safe(_stored_metrics(m))}")


def _stored_metrics(m: dict) -> str:
    """The metrics line of a record read from a model file's info, which may hold anything: a record that
    is not the shape neuronet writes is said to be so instead of ending in a traceback."""
    try:
        return _metrics.line(m)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError):
        return "(not a metrics record of neuronet's; see show --json)"


def _shown_info(info: dict) -> dict:
    """``info`` for people: the training rows' fingerprint as its counts, without its thousands of hashes."""
    fp = info.get("training_rows")
    if isinstance(fp, dict):
        info = {**info, "training_rows": {k: v for k, v in fp.items() if k != "hashes"}}
    return info


def _treatment(f: dict) -> str:
    """What the preprocessing does to one column, in a line."""
    if f["kind"] == "numeric":
        text = f"(x − {number(f['mean'])}) / {number(f['std'])}"
        if f.get("parse"):
            from ..io.columns import style_text  # noqa: PLC0415

            text = f"read with {style_text(f['parse'])}; " + text
        if f.get("indicator"):
            text += f"; missing: {number(f['median'])} (the median) and an input '{f['name']} (missing)'"
        return text
    if f["kind"] == "categorical":
        cats = list(f["categories"])
        shown = ", ".join(cats[:8]) + (f", … ({len(cats)} in all)" if len(cats) > 8 else "")
        extra = ["(missing)"] * bool(f.get("missing")) + ["(other)"] * bool(f.get("other"))
        return f"one-hot: {shown}" + (f"; {', '.join(extra)}" if extra else "")
    return f.get("reason", "not an input")


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
    network_only: bool = typer.Option(False, "--network-only",
                                      help="Export the bare network: preprocessed inputs in, raw outputs out."),
) -> None:
    """Export a model to ONNX (needs the optional package onnx).

    A model written by neuronet train is exported whole: one input per column, named as the
    column, shape (N, 1), float32 for numeric columns (NaN where missing) and string for
    text columns; the graph imputes, encodes and standardizes as training did, runs the
    network, and returns `label` and `probabilities` (classification) or `prediction` in
    the target's own units (regression). With --network-only (and for networks built in
    Python) it computes the network alone: input `x` (the preprocessed inputs, see neuronet
    show), output `y` (class scores, or the standardized target).
    """
    from ..model.network import load  # noqa: PLC0415

    tabular.check_writable(path, "ONNX file")
    net = load(model)
    whole = not network_only and "preprocessing" in net.info
    try:
        from ..io import onnx as onnx_export  # noqa: PLC0415

        if whole:
            prep = tabular.Preprocessing.of(net, str(model))
            onnx_export.export_model_onnx(net, prep, path)
        else:
            onnx_export.export_onnx(net, path)
    except ImportError as exc:
        _fail(f"exporting to ONNX needs the package onnx ({exc}). Install it with: pip install 'neuronet[onnx]'")
    con = _out()
    if not whole:
        con.print(f"wrote {safe(path)}: the network alone, input x ({len(net.inputs)} preprocessed inputs), output y "
                  f"({len(net.outputs)} raw outputs)")
        return
    cols = [f for f in prep.features if f["kind"] != "dropped"]
    kinds = ", ".join(f"{f['name']} ({'float32' if f['kind'] == 'numeric' else 'string'})" for f in cols[:8])
    more = f", … ({len(cols)} in all)" if len(cols) > 8 else ""
    outs = ("label (class names)" + (", probabilities" if prep.loss in ("cross_entropy", "binary_cross_entropy")
                                     else "") if prep.task == tabular.CLASSIFICATION
            else f"prediction ({prep.target!r} in its own units)")
    con.print(safe(f"wrote {path}: the whole model; inputs, one per column, shape (N, 1): {kinds}{more}; outputs: {outs}"))


# -- explain, demo -------------------------------------------------------------------------------
