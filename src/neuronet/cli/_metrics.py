"""Metrics on the command line: computed by :mod:`neuronet.model.metrics`, printed as people read them."""

from __future__ import annotations

import numpy as np

from ..io import tabular
from ..model import metrics


def of_encoded(net, prep: tabular.Preprocessing, X: np.ndarray, y: np.ndarray) -> dict:
    """Metrics of ``net`` on encoded rows (X, y as the network is trained on them), in the target's own units."""
    pred, _ = prep.decode(net.forward(X))
    if prep.task == tabular.CLASSIFICATION:
        return metrics.classification([prep.classes[k] for k in y], pred, prep.classes)
    true, _ = prep.decode(np.asarray(y, dtype=np.float64).reshape(-1, 1))
    return metrics.regression(true, pred)


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
        table.add_row(*row)
    con.print(table)
    table = Table(title="confusion matrix (rows: true class, columns: predicted class)", title_justify="left")
    table.add_column("true \\ predicted")
    for lab in m["labels"]:
        table.add_column(lab, justify="right")
    for lab, row in zip(m["labels"], m["confusion"]):
        table.add_row(lab, *[f"{v:,}" for v in row])
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
