"""``neuronet data list | show``: the built-in data sets."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Optional

import typer

from ..io import tabular
from ._app import (data_app, _handled, _out, safe)


@data_app.command("list")
@_handled
def data_list() -> None:
    """List the built-in data sets: name, task, rows, features."""
    from rich.table import Table  # noqa: PLC0415

    from ..io import datasets  # noqa: PLC0415

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
    from ..io import datasets  # noqa: PLC0415

    if out is not None:
        tabular.check_writable(out, "CSV file")
    ds = datasets.load(name, seed=0)
    if out is not None:
        datasets.write_csv(ds, out, target="name")
        print(f"wrote {safe(out)}: {ds.n_rows} rows, {ds.n_features} features and the target {ds.target_name!r}",
              file=sys.stderr)
        return
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(ds.feature_names) + [ds.target_name])
    t = tabular.from_dataset(ds)
    target = t.columns[ds.target_name]
    labels = target.labels() if ds.task == tabular.CLASSIFICATION else [repr(float(v)) for v in target.values]
    for b in range(ds.n_rows):
        w.writerow([repr(float(x)) for x in ds.X[b]] + [labels[b]])
    sys.stdout.write(buf.getvalue())
