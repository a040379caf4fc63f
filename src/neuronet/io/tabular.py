"""Tables of examples: reading CSV files, turning columns into network inputs, and back.

A network computes on numbers; a CSV file holds text. This module is the bridge, and
it keeps everything it learned from the training data in one JSON-serialisable record
(:class:`Preprocessing`, stored in the model file as ``net.info["preprocessing"]``) so that
prediction applies exactly the same transformation::

    numeric column c      x_c = (value − mean_c) / std_c            (std_c = 1 for a constant column)
    text column c         x_{c=k} = [value = k] for each category k  (one-hot, categories sorted)
    classification        target label -> class index 0 … C−1;   prediction = argmax of the outputs
    regression            t = (y − mean_y) / std_y;               prediction = mean_y + std_y · output

Reading is strict, because a silently misread file gives silently wrong predictions: a
row with the wrong number of fields, an empty cell, text in a numeric column, NaN or inf,
an empty file are each one :class:`~neuronet.errors.DataError` that names the file, the
line and the column. Line numbers are those of the file (the header is line 1), also when
a quoted field spans several lines.

>>> t = read_csv(io.StringIO("x,colour,y\\n1.5,red,a\\n2.5,blue,b\\n"), name="demo.csv")
>>> prep = Preprocessing.fit(t, "y")
>>> prep.input_names, prep.classes
(['x', 'colour=blue', 'colour=red'], ['a', 'b'])
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, TextIO

import numpy as np

from ..errors import DataError, ModelFileError

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
MAX_INFERRED_CLASSES = 10   # a numeric target with integer values and at most this many distinct ones is classes
PREPROCESSING_VERSION = 1


# -- tables ---------------------------------------------------------------------------------
@dataclass
class Table:
    """Columns of cells, with where each row came from.

    Attributes
    ----------
    source : str
        How to name the data in messages: the file path, ``<stdin>``, or ``iris (built-in)``.
    columns : dict
        Column name -> the column's cells: a list of str (from a file) or a float array.
    lines : list of int or None
        The file line on which each row starts (the header is line 1); None for built-in data.
    tasks : dict
        Known task per column when used as the target (built-in data sets know theirs).
    default_target : str or None
        The target column to use when none is named (built-in data sets).
    """

    source: str
    columns: dict[str, Any]
    lines: list[int] | None = None
    tasks: dict[str, str] = field(default_factory=dict)
    default_target: str | None = None

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def where(self, b: int, column: str | None = None) -> str:
        """'data.csv, line 7, column 'x'' for row b (0-based over the data rows)."""
        at = f"line {self.lines[b]}" if self.lines is not None else f"row {b}"
        return f"{self.source}, {at}" + (f", column {column!r}" if column is not None else "")

    def column(self, name: str, what: str = "column") -> Any:
        """The cells of column ``name``, or a DataError that lists the columns there are."""
        if name in self.columns:
            return self.columns[name]
        close = difflib.get_close_matches(name, self.names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataError(f"{self.source} has no {what} {name!r}.{hint} Its columns are: {', '.join(self.names)}.")

    def rows(self, index) -> "Table":
        """The table restricted to the rows ``index`` (ints, in that order)."""
        index = np.asarray(index, dtype=np.intp)
        cols = {k: (v[index] if isinstance(v, np.ndarray) else [v[i] for i in index]) for k, v in self.columns.items()}
        lines = None if self.lines is None else [self.lines[i] for i in index]
        return Table(self.source, cols, lines, dict(self.tasks), self.default_target)


def read_csv(source: str | os.PathLike | TextIO, name: str | None = None) -> Table:
    """Read a CSV file with a header row into a :class:`Table` of text cells.

    Parameters
    ----------
    source : path or text file object
        The file; ``-`` reads standard input. Text is UTF-8 (a byte-order mark is skipped).
    name : str, optional
        How to call the file in messages (default: the path, or ``<stdin>``).

    Raises
    ------
    DataError
        For an empty file, a header without data rows, a row with the wrong number of
        fields, a duplicated column name, or bytes that are not UTF-8 text.
    """
    if isinstance(source, (str, os.PathLike)) and str(source) == "-":
        return read_csv(sys.stdin, name or "<stdin>")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or str(path)
        if path.is_dir():
            raise DataError(f"{name} is a folder, not a CSV file.")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DataError(f"{name}: no such file.") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise DataError(f"{name}, line {line}: not UTF-8 text (the byte {data[exc.start]:#04x} at offset "
                            f"{exc.start}). Save the file as UTF-8.") from None
        return _read(io.StringIO(text, newline=""), name)
    name = name or getattr(source, "name", "<data>")
    try:
        text = source.read()
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}). Send UTF-8 text.") from None
    return _read(io.StringIO(text, newline=""), name)


def _read(fh: TextIO, name: str) -> Table:
    reader = csv.reader(fh)
    header: list[str] | None = None
    header_line = 0
    cells: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    try:
        for row in reader:
            start, prev = prev + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip() and (header is None or len(header) > 1)):
                continue  # a blank line
            if header is None:
                header, header_line = row, start
                continue
            if len(row) != len(header):
                raise DataError(f"{name}, line {start}: expected {len(header)} fields (as in the header), "
                                f"found {len(row)}. Check for a missing or extra comma, or quote fields that "
                                "contain commas.")
            cells.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise DataError(f"{name}, line {reader.line_num}: not valid CSV ({exc}).") from None
    if header is None:
        raise DataError(f"{name} is empty: expected a header row naming the columns, then one row per example.")
    if not cells:
        raise DataError(f"{name} has a header (line {header_line}) but no data rows.")
    header[0] = header[0].lstrip("\ufeff")  # a byte-order mark, when the stream was not opened as utf-8-sig
    names = [h.strip() or f"column_{k + 1}" for k, h in enumerate(header)]
    seen: dict[str, int] = {}
    for k, h in enumerate(names):
        if h in seen:
            raise DataError(f"{name}, line {header_line}: the column name {h!r} appears twice (columns "
                            f"{seen[h] + 1} and {k + 1}). Give every column its own name.")
        seen[h] = k
    columns = {h: [row[k] for row in cells] for k, h in enumerate(names)}
    return Table(name, columns, lines)


def from_dataset(ds) -> Table:
    """A built-in :class:`~neuronet.datasets.Dataset` as a Table: features, then the target (class names)."""
    cols: dict[str, Any] = {f: ds.X[:, k].copy() for k, f in enumerate(ds.feature_names)}
    if ds.y.ndim != 1:
        raise DataError(f"The data set {ds.name!r} has {ds.y.shape[1]} target columns; the command line "
                        "handles one target.")
    if ds.task == CLASSIFICATION:
        names = ds.class_names or [str(c) for c in range(int(ds.y.max()) + 1)]
        cols[ds.target_name] = [str(names[int(c)]) for c in ds.y]
    else:
        cols[ds.target_name] = ds.y.astype(np.float64).copy()
    return Table(f"{ds.name} (built-in)", cols, None, {ds.target_name: ds.task}, ds.target_name)


def open_data(spec: str, stdin: TextIO | None = None) -> Table:
    """DATA as the command line takes it: a CSV path, ``-`` for standard input, or a built-in data set name.

    A file that exists wins over a data set of the same name. Generated data sets are
    loaded with seed 0, so that a name always means the same rows.
    """
    from . import datasets  # noqa: PLC0415 (datasets imports scikit-learn lazily)

    if spec == "-":
        return read_csv(stdin if stdin is not None else sys.stdin, "<stdin>")
    path = Path(spec)
    if path.exists():
        return read_csv(path)
    key = spec.strip().lower().replace("-", "_")
    if key in datasets.names():
        return from_dataset(datasets.load(key, seed=0))
    close = difflib.get_close_matches(key, datasets.names(), n=1)
    hint = f" Did you mean the data set {close[0]!r}?" if close else ""
    raise DataError(f"{spec!r} is neither a file nor a built-in data set.{hint} Give the path of a CSV file, "
                    f"'-' for standard input, or one of: {', '.join(datasets.names())}.")


# -- cells -> numbers -------------------------------------------------------------------------
def canonical(cell) -> str:
    """A label as text, so that '1', ' 1' and '1.0' are the same class: integers lose their '.0'."""
    if isinstance(cell, (float, np.floating)):
        v = float(cell)
    else:
        s = str(cell).strip()
        try:
            v = float(s)
        except ValueError:
            return s
    if math.isfinite(v) and v == int(v) and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v) if not isinstance(cell, str) else str(cell).strip()


def _check_filled(t: Table, name: str) -> None:
    col = t.columns[name]
    if isinstance(col, np.ndarray):
        return
    for b, c in enumerate(col):
        if not c.strip():
            raise DataError(f"{t.where(b, name)}: the cell is empty. Fill in a value, or remove the row.")


def _parse(col) -> tuple[np.ndarray, list[int]]:
    """Cells -> float64 values (B,), and the rows whose cell is not a number."""
    if isinstance(col, np.ndarray):
        return col.astype(np.float64), []
    out = np.empty(len(col))
    text: list[int] = []
    for b, c in enumerate(col):
        try:
            out[b] = float(c)
        except ValueError:
            out[b] = np.nan
            text.append(b)
    return out, text


def _check_finite(t: Table, name: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        b = int(bad[0])
        col = t.columns[name]
        cell = col[b] if not isinstance(col, np.ndarray) else repr(float(col[b]))
        raise DataError(f"{t.where(b, name)}: {cell.strip()!r} is not a finite number; every value must be "
                        "finite. Remove the row or replace the value.")


def numbers(t: Table, name: str) -> np.ndarray:
    """Column ``name`` as finite float64 values (B,); any empty, text, NaN or inf cell is a DataError."""
    t.column(name)
    _check_filled(t, name)
    values, text = _parse(t.columns[name])
    if text:
        b = text[0]
        raise DataError(f"{t.where(b, name)}: expected a number, found {t.columns[name][b].strip()!r}.")
    _check_finite(t, name, values)
    return values


def column_kind(t: Table, name: str, categorical: bool = False) -> str:
    """'numeric' when every cell is a number (then each must be finite), else 'categorical'.

    A column whose cells are mostly numbers but not all is an error: a typo in a numeric
    column must not turn it into categories. ``categorical=True`` forces categories.
    """
    _check_filled(t, name)
    if categorical:
        return "categorical"
    values, text = _parse(t.columns[name])
    if not text:
        _check_finite(t, name, values)
        return "numeric"
    if len(text) * 2 < len(values):
        b = text[0]
        raise DataError(f"{t.where(b, name)}: expected a number, found {t.columns[name][b].strip()!r} (the column "
                        f"holds numbers in {len(values) - len(text)} of {len(values)} rows). Fix the cell, or treat "
                        f"the column as categories with --categorical {name}.")
    return "categorical"


# -- preprocessing ------------------------------------------------------------------------------
@dataclass
class Preprocessing:
    """How a table becomes the network's inputs X (B, n_in), and its outputs become predictions.

    Attributes
    ----------
    features : list of dict
        One per input column, in order: ``{"name", "kind": "numeric", "mean", "std"}`` or
        ``{"name", "kind": "categorical", "categories": [...]}``.
    target : str
        The target column's name.
    task : {"classification", "regression"}
    classes : list of str or None
        Classification: output k is the score of class ``classes[k]``.
    target_mean, target_std : float or None
        Regression: the network predicts (y − mean) / std.
    loss : str
        The loss the network was trained with (decides how outputs become probabilities).
    """

    features: list[dict]
    target: str
    task: str
    classes: list[str] | None = None
    target_mean: float | None = None
    target_std: float | None = None
    loss: str = "cross_entropy"

    # -- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, t: Table, target: str | None = None, task: str | None = None, *,
            categorical: Iterable[str] = (), drop: Iterable[str] = (), loss: str | None = None) -> "Preprocessing":
        """Learn the preprocessing from a training table.

        Every column but the target (and those in ``drop``) is an input. Numeric columns
        are standardized with their mean and (population) standard deviation; text columns,
        and those named in ``categorical``, are one-hot encoded. The task is ``task`` when
        given, else the one the data set knows, else inferred: a text target, or one with
        integer values and at most 10 distinct ones, is classification.
        """
        target = target or t.default_target
        if target is None:
            raise DataError(f"Name the target column with --target; {t.source} has the columns: "
                            f"{', '.join(t.names)}.")
        t.column(target, "target column")
        categorical, drop = list(categorical), list(drop)
        for c in categorical + drop:
            t.column(c)
        if task is not None and task not in TASKS:
            raise DataError(f"task must be 'classification' or 'regression'; received task={task!r}.")
        task = task or t.tasks.get(target) or infer_task(t, target)
        inputs = [c for c in t.names if c != target and c not in drop]
        if not inputs:
            raise DataError(f"{t.source} has no input columns besides the target {target!r}.")
        features = []
        for c in inputs:
            kind = column_kind(t, c, c in categorical)
            if kind == "numeric":
                v = numbers(t, c)
                std = float(v.std())
                features.append({"name": c, "kind": "numeric", "mean": float(v.mean()),
                                 "std": std if std > 0 and math.isfinite(std) else 1.0})
            else:
                cats = sorted({canonical(x) for x in t.columns[c]}, key=_label_key)
                if len(cats) == t.n_rows and t.n_rows > 10:
                    raise DataError(f"{t.source}, column {c!r} holds a different text in every row ({len(cats)} "
                                    "values): it looks like an identifier, not a category. Leave it out with "
                                    f"--drop {c}.")
                features.append({"name": c, "kind": "categorical", "categories": cats})
        prep = cls(features, target, task)
        if task == CLASSIFICATION:
            _check_filled(t, target)
            classes = sorted({canonical(x) for x in t.columns[target]}, key=_label_key)
            if len(classes) < 2:
                raise DataError(f"The target column {target!r} of {t.source} has only one class ({classes[0]!r}); "
                                "classification needs at least two. Check the target column, or use --task "
                                "regression.")
            prep.classes = classes
            prep.loss = loss or "cross_entropy"
        else:
            y = numbers(t, target)
            std = float(y.std())
            prep.target_mean, prep.target_std = float(y.mean()), (std if std > 0 else 1.0)
            prep.loss = loss or "squared"
        return prep

    # -- shapes ------------------------------------------------------------------------------
    @property
    def input_names(self) -> list[str]:
        """The name of each network input: ``col`` for numeric columns, ``col=category`` for one-hot ones."""
        out = []
        for f in self.features:
            out += [f["name"]] if f["kind"] == "numeric" else [f"{f['name']}={k}" for k in f["categories"]]
        return out

    @property
    def n_inputs(self) -> int:
        return len(self.input_names)

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.task == CLASSIFICATION else 1

    # -- applying it ------------------------------------------------------------------------
    def transform(self, t: Table) -> np.ndarray:
        """The network inputs X (B, n_in) for a table holding (at least) the feature columns."""
        missing = [f["name"] for f in self.features if f["name"] not in t.columns]
        if missing:
            raise DataError(f"{t.source} lacks the column{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(repr(m) for m in missing)} that the model was trained on. The model "
                            f"needs: {', '.join(f['name'] for f in self.features)}.")
        parts = []
        for f in self.features:
            name = f["name"]
            if f["kind"] == "numeric":
                parts.append(((numbers(t, name) - f["mean"]) / f["std"])[:, None])       # (B, 1)
            else:
                _check_filled(t, name)
                index = {k: i for i, k in enumerate(f["categories"])}
                onehot = np.zeros((t.n_rows, len(index)))                                # (B, k)
                for b, cell in enumerate(t.columns[name]):
                    k = index.get(canonical(cell))
                    if k is None:
                        raise DataError(f"{t.where(b, name)}: unknown category {canonical(cell)!r}; the model "
                                        f"knows {', '.join(repr(c) for c in f['categories'])}.")
                    onehot[b, k] = 1.0
                parts.append(onehot)
        return np.hstack(parts) if parts else np.zeros((t.n_rows, 0))

    def has_target(self, t: Table) -> bool:
        return self.target in t.columns

    def true_labels(self, t: Table) -> list[str]:
        """Classification: the target column as class labels (any label, also ones not in ``classes``)."""
        t.column(self.target, "target column")
        _check_filled(t, self.target)
        return [canonical(x) for x in t.columns[self.target]]

    def encode_target(self, t: Table) -> np.ndarray:
        """What the network is trained on: class indices (B,) int64, or the standardized target (B,)."""
        if self.task == CLASSIFICATION:
            index = {c: k for k, c in enumerate(self.classes)}
            labels = self.true_labels(t)
            y = np.empty(len(labels), dtype=np.int64)
            for b, lab in enumerate(labels):
                if lab not in index:
                    raise DataError(f"{t.where(b, self.target)}: unknown class {lab!r}; the model knows "
                                    f"{', '.join(repr(c) for c in self.classes)}.")
                y[b] = index[lab]
            return y
        t.column(self.target, "target column")
        return (numbers(t, self.target) - self.target_mean) / self.target_std

    def targets(self, y_encoded: np.ndarray) -> np.ndarray:
        """The training targets in the form the loss takes: class indices, one-hot rows, or (B, 1)."""
        if self.task == CLASSIFICATION and self.loss != "cross_entropy":
            return np.eye(len(self.classes))[y_encoded]                                  # (B, C)
        return y_encoded

    def decode(self, outputs: np.ndarray) -> tuple[list[str] | np.ndarray, np.ndarray | None]:
        """Network outputs (B, n_out) -> (predicted labels or values, class probabilities (B, C) or None).

        Probabilities are softmax(outputs) for cross_entropy, the normalised σ(outputs) for
        binary_cross_entropy; a network trained with another loss has none.
        """
        outputs = np.asarray(outputs, dtype=np.float64)
        if self.task == REGRESSION:
            return self.target_mean + self.target_std * outputs[:, 0], None
        labels = [self.classes[k] for k in outputs.argmax(axis=1)]
        proba = None
        if self.loss == "cross_entropy":
            e = np.exp(outputs - outputs.max(axis=1, keepdims=True))
            proba = e / e.sum(axis=1, keepdims=True)
        elif self.loss == "binary_cross_entropy":
            s = 1.0 / (1.0 + np.exp(-outputs))
            proba = s / s.sum(axis=1, keepdims=True)
        return labels, proba

    # -- storage --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {"version": PREPROCESSING_VERSION, "target": self.target, "task": self.task, "loss": self.loss,
             "features": [dict(f) for f in self.features], "inputs": self.input_names}
        if self.task == CLASSIFICATION:
            d["classes"] = list(self.classes)
        else:
            d["target_mean"], d["target_std"] = self.target_mean, self.target_std
        return d

    @classmethod
    def from_dict(cls, d, where: str = "the model file") -> "Preprocessing":
        """Read back :meth:`to_dict`; anything malformed is a ModelFileError naming ``where``."""
        try:
            if d.get("version") != PREPROCESSING_VERSION:
                raise ValueError(f"unknown preprocessing version {d.get('version')!r}")
            task = d["task"]
            if task not in TASKS:
                raise ValueError(f"unknown task {task!r}")
            features = []
            for f in d["features"]:
                if f["kind"] == "numeric":
                    mean, std = float(f["mean"]), float(f["std"])
                    if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
                        raise ValueError(f"column {f['name']!r} has mean={mean}, std={std}")
                    features.append({"name": _text(f["name"], "a column name"), "kind": "numeric", "mean": mean,
                                     "std": std})
                elif f["kind"] == "categorical":
                    features.append({"name": _text(f["name"], "a column name"), "kind": "categorical",
                                     "categories": _texts(f["categories"], f"column {f['name']!r}'s categories")})
                else:
                    raise ValueError(f"unknown column kind {f['kind']!r}")
            prep = cls(features, _text(d["target"], "the target's name"), task,
                       loss=_text(d.get("loss", "cross_entropy"), "the loss"))
            if task == CLASSIFICATION:
                prep.classes = _texts(d["classes"], "'classes'")
                if len(prep.classes) < 2:
                    raise ValueError("fewer than two classes")
            else:
                prep.target_mean, prep.target_std = float(d["target_mean"]), float(d["target_std"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelFileError(f"{where} holds a damaged preprocessing record ({exc}).") from None
        return prep

    @classmethod
    def of(cls, net, where: str = "the model file") -> "Preprocessing":
        """The preprocessing stored in a network trained by ``neuronet train``; checks it fits the network."""
        d = getattr(net, "info", {}).get("preprocessing")
        if not isinstance(d, dict):
            raise ModelFileError(f"{where} holds a network but no preprocessing record (it was not made by "
                                 "`neuronet train`), so the command line does not know which columns it reads. "
                                 "Use it from Python with net.forward(X).")
        prep = cls.from_dict(d, where)
        n_in, n_out = len(net.inputs), len(net.outputs)
        if prep.n_inputs != n_in or prep.n_outputs != n_out:
            raise ModelFileError(f"{where}: its preprocessing makes {prep.n_inputs} inputs and {prep.n_outputs} "
                                 f"outputs, but the network has {n_in} and {n_out}.")
        return prep


def _text(value, what: str) -> str:
    """A string read from a model file, or ValueError: a number or list is not silently made into text."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string; it is {type(value).__name__} {str(value)[:40]!r}")
    return value


def _texts(value, what: str) -> list[str]:
    """A list of strings read from a model file: ``"abc"`` is not the three classes a, b, c."""
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list of strings; it is {type(value).__name__} {str(value)[:40]!r}")
    return [_text(v, f"each of {what}") for v in value]


def _label_key(s: str):
    """Sort numbers numerically and before text, text alphabetically."""
    try:
        return (0, float(s), "")
    except ValueError:
        return (1, 0.0, s)


def infer_task(t: Table, target: str) -> str:
    """'classification' for a text target or one with few distinct integer values; else 'regression'."""
    _check_filled(t, target)
    values, text = _parse(t.columns[target])
    if text:
        return CLASSIFICATION
    _check_finite(t, target, values)
    if np.all(values == np.round(values)) and len(np.unique(values)) <= MAX_INFERRED_CLASSES:
        return CLASSIFICATION
    return REGRESSION


def task_reason(t: Table, target: str, task: str, given: str | None) -> str:
    """Why the task is what it is, in words, for the training summary."""
    if given:
        return "as given by --task"
    if target in t.tasks:
        return "as the data set defines it"
    values, text = _parse(t.columns[target])
    if task == CLASSIFICATION:
        if text:
            return f"the target {target!r} holds text; use --task regression to override"
        return (f"the target {target!r} holds {len(np.unique(values))} distinct integers; "
                "use --task regression to override")
    return f"the target {target!r} holds numbers; use --task classification to override"


# -- splitting and metrics ---------------------------------------------------------------------
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


def classification_metrics(true: list[str], pred: list[str], classes: list[str]) -> dict:
    """Accuracy and the confusion matrix (rows: true label, columns: predicted label).

    Labels that the model never saw in training get their own rows (their predictions are all wrong).
    """
    labels = list(classes) + sorted({t for t in true if t not in classes}, key=_label_key)
    index = {c: k for k, c in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for a, b in zip(true, pred):
        cm[index[a], index[b]] += 1
    return {"rows": len(true), "accuracy": float(np.trace(cm) / max(len(true), 1)), "labels": labels,
            "confusion": cm.tolist()}


def regression_metrics(true: np.ndarray, pred: np.ndarray) -> dict:
    """RMSE, MAE and R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (NaN when the target is constant)."""
    r = np.asarray(true, dtype=np.float64) - np.asarray(pred, dtype=np.float64)
    ss = float(((true - np.mean(true)) ** 2).sum())
    return {"rows": int(len(r)), "rmse": float(np.sqrt(np.mean(r ** 2))), "mae": float(np.mean(np.abs(r))),
            "r2": float(1.0 - (r ** 2).sum() / ss) if ss > 0 else float("nan")}


def predict(net, prep: Preprocessing, t: Table) -> tuple[list[str] | np.ndarray, np.ndarray | None]:
    """Predicted labels (or values) for every row of ``t``, and class probabilities when the loss gives them."""
    X = prep.transform(t)
    return prep.decode(net.forward(X))


def evaluate(net, prep: Preprocessing, t: Table) -> dict:
    """The metrics of ``net`` on a table that holds the target column."""
    t.column(prep.target, "target column")
    pred, _ = predict(net, prep, t)
    if prep.task == CLASSIFICATION:
        return classification_metrics(prep.true_labels(t), pred, prep.classes)
    return regression_metrics(numbers(t, prep.target), pred)


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


def predictions_csv(prep: Preprocessing, pred, proba: np.ndarray | None = None) -> str:
    """Predictions as CSV text: a column named after the target, then ``proba_<class>`` columns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = [prep.target] + ([f"proba_{c}" for c in prep.classes] if proba is not None else [])
    w.writerow(header)
    for b in range(len(pred)):
        v = pred[b]
        row = [v if isinstance(v, str) else format(float(v), ".10g")]
        if proba is not None:
            row += [format(float(p), ".6g") for p in proba[b]]
        w.writerow(row)
    return buf.getvalue()
