"""Metrics on the command line: computed by :mod:`neuronet.model.metrics`, printed as people read them."""

from __future__ import annotations

import numpy as np

from ..io import tabular
from ..model import metrics
from ._app import safe


def true_and_predicted(net, prep: tabular.Preprocessing, X: np.ndarray, y: np.ndarray) -> tuple:
    """(true, predicted) for encoded rows (X, y as the network is trained on them): class names, or values
    in the target's own units."""
    pred, _ = prep.decode(net.forward(X))
    if prep.task == tabular.CLASSIFICATION:
        return [prep.classes[k] for k in y], pred
    true, _ = prep.decode(np.asarray(y, dtype=np.float64).reshape(-1, 1))
    return true, pred


def of_encoded(net, prep: tabular.Preprocessing, X: np.ndarray, y: np.ndarray) -> dict:
    """Metrics of ``net`` on encoded rows (X, y as the network is trained on them), in the target's own units."""
    true, pred = true_and_predicted(net, prep, X, y)
    if prep.task == tabular.CLASSIFICATION:
        return metrics.classification(true, pred, prep.classes)
    return metrics.regression(true, pred)


def columns_in_units(prep: tabular.Preprocessing, t: tabular.Table) -> dict:
    """The columns the model reads, as the report summarises them: numbers (NaN where missing, read as
    training read them: '71,287', '35.4%') or labels (None where missing)."""
    from ..io.preprocess import read_numbers  # noqa: PLC0415

    out = {}
    for f in prep.features:
        if f["kind"] == "numeric":
            out[f["name"]] = read_numbers(t, f["name"], f.get("parse") or {})[0]
        elif f["kind"] == "categorical":
            out[f["name"]] = t.columns[f["name"]].labels()
    return out


def line(m: dict) -> str:
    """'accuracy 96.7%, balanced accuracy 95.2%' or 'RMSE 25,266, MAE 18,004, R² 0.8731'."""
    return metrics.summary(m)


def print_details(con, m: dict) -> None:
    """Classification: the per-class precision, recall and F1, then the confusion matrix (nothing for regression)."""
    if "per_class" not in m or "confusion" not in m:
        return
    from rich.table import Table  # noqa: PLC0415

    table = Table(title="per class", title_justify="left")
    for col in ("class", "precision", "recall", "F1", "rows"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for row in metrics.per_class_rows(m):
        table.add_row(safe(row[0]), *row[1:])
    con.print(table)
    table = Table(title="confusion matrix", title_justify="left")    # its corner says: true \ predicted
    table.add_column("true \\ predicted")
    for lab in m["labels"]:
        table.add_column(safe(lab), justify="right")
    for lab, row in zip(m["labels"], m["confusion"]):
        table.add_row(safe(lab), *[f"{v:,}" for v in row])
    con.print(table)


def training_rows_note(m: dict) -> str | None:
    """A warning line when the evaluated rows include the model's own training rows."""
    tr = m.get("training_rows")
    if not tr or not tr.get("rows"):
        return None
    n, total = tr["rows"], m["rows"]
    about = "" if tr.get("exact", True) else "about "
    which = f"all {total:,} rows are" if n >= total else f"{about}{n:,} of the {total:,} rows " + \
        ("is" if n == 1 else "are")
    return (f"note: {which} the model's own training rows, so the metrics are optimistic; evaluate on rows it "
            "was not trained on (for example a held-out file).")
