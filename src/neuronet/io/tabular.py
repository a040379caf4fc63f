"""Tables of examples, end to end: read a CSV file, fit the preprocessing, split, score, write predictions.

The pieces live in their own modules and are re-exported here (``nn.tabular`` is this module):

* :mod:`neuronet.io.reading`: :func:`read_csv`, :func:`open_data` (files by path through the fast
  reader :mod:`neuronet.io.fastcsv`, standard input, built-in data sets);
* :mod:`neuronet.io.table`: :class:`Table` (also from Python columns), strict about the file;
* :mod:`neuronet.io.columns`: what a cell is (a number, a missing cell, a text; numbers as people write them);
* :mod:`neuronet.io.preprocess`: :class:`Preprocessing`, fitted on the training rows only, stored in the
  model file, applied identically when predicting.

>>> t = read_csv(io.StringIO("x,colour,y\n1.5,red,a\n2.5,blue,b\n"), name="demo.csv")
>>> prep = Preprocessing.fit(t, "y")
>>> prep.input_names, prep.classes
(['x', 'colour=blue', 'colour=red'], ['a', 'b'])
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..model.metrics import classification as classification_metrics  # noqa: F401  (one metrics module)
from ..model.metrics import regression as regression_metrics  # noqa: F401
from .columns import Column, canonical, is_missing, plain_number, written_number  # noqa: F401
from .preprocess import (CLASSIFICATION, MAX_CATEGORIES, MAX_INFERRED_CLASSES, REGRESSION, TASKS,  # noqa: F401
                         Preprocessing, _label_key, infer_task, target_present, task_reason)
from .reading import open_data, read_csv  # noqa: F401
from .table import MAX_FIELD, MAX_LINE, Table, from_dataset  # noqa: F401


# -- splitting, predicting ---------------------------------------------------------------------
def split(n: int, fraction: float, seed: int | None = 0, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices; stratified by class when ``y`` (class indices) is given.

    Each class gives round(fraction · its count) rows to validation, but always keeps one
    for training.
    """
    if not 0 < fraction < 1:
        raise DataError(f"The validation fraction must be between 0 and 1 (0 for none); received {fraction!r}.")
    rng = np.random.default_rng(seed)
    groups = [np.arange(n)] if y is None else [np.flatnonzero(y == c) for c in np.unique(y)]
    val = []
    for g in groups:
        g = rng.permutation(g)
        k = min(int(round(len(g) * fraction)), len(g) - 1)
        val.append(g[:k])
    va = np.sort(np.concatenate(val)).astype(np.intp)
    tr = np.setdiff1d(np.arange(n), va).astype(np.intp)
    if len(va) == 0 or len(tr) == 0:
        raise DataError(f"A validation fraction of {fraction} leaves {len(tr)} training and {len(va)} validation "
                        f"rows out of {n}; both need at least one. Use a larger fraction, or 0 for no validation.")
    return tr, va


def predict(net, prep: Preprocessing, t: Table, counts: dict | None = None
            ) -> tuple[list[str] | np.ndarray, np.ndarray | None]:
    """Predicted labels (or values) for every row of ``t``, and class probabilities when the loss gives them.

    ``counts`` receives what the preprocessing filled in (see :meth:`Preprocessing.transform`).
    """
    X = prep.transform(t, counts)
    return prep.decode(net.forward(X))


# -- writing --------------------------------------------------------------------------------
def check_writable(path: str | os.PathLike, what: str = "output") -> Path:
    """Make sure a file can be written at ``path`` (before any long work), or a DataError saying why."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"Cannot write the {what} to {str(path)!r}: it is a folder. Give a file name.")
    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"Cannot write the {what} to {str(path)!r}: the folder {str(folder)!r} does not exist. "
                        "Create it first.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".check", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise DataError(f"Cannot write the {what} to {str(path)!r}: {exc.strerror or exc}.") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise DataError(f"Cannot write the {what} to {str(path)!r}: the file is read-only.")
    return path


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) atomically: a temporary file in the same folder, flushed, synced, renamed."""
    from ..model.files import write_atomic  # noqa: PLC0415

    write_atomic(path, text.encode("utf-8"))


def prediction_rows(prep: Preprocessing, pred, proba: np.ndarray | None = None,
                    keep: dict[str, list[str]] | None = None) -> tuple[list[str], list[list[str]]]:
    """The predictions as a header and rows of text: the ``keep`` columns as written, ``predicted_<target>``,
    then ``probability_<class>`` for each class when ``proba`` is given."""
    keep = keep or {}
    header = list(keep) + [f"predicted_{prep.target}"]
    if proba is not None:
        header += [f"probability_{c}" for c in prep.classes]
    kept = list(keep.values())
    rows = []
    for b in range(len(pred)):
        v = pred[b]
        row = [k[b] for k in kept] + [v if isinstance(v, str) else format(float(v), ".10g")]
        if proba is not None:
            row += [format(float(p), ".6g") for p in proba[b]]
        rows.append(row)
    return header, rows


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """Rows as CSV text (quoted where needed, "\\n" line ends)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def predictions_csv(prep: Preprocessing, pred, proba: np.ndarray | None = None) -> str:
    """Predictions as CSV text: ``predicted_<target>``, then ``probability_<class>`` columns."""
    return csv_text(*prediction_rows(prep, pred, proba))
