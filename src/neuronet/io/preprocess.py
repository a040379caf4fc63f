"""How a table becomes the network's inputs, and its outputs become predictions: one fitted object.

:class:`Preprocessing` is fitted on the training rows only (``fit``), transforms any rows
(``transform``), undoes the target's scaling (``decode``), and is stored in the model file
as plain JSON (``to_dict`` / ``from_dict``, no pickle) so that prediction applies exactly
the transformation training used. Per input column::

    numeric      x = (value − mean) / std            missing cells: the training median, plus an
                                                     input "c (missing)" = 1 when the training rows had any
    categorical  one input per category k: [value = k];  "(missing)" when the training rows had
                 missing cells; "(other)" for the categories beyond the most frequent ``max_categories``
                 (and, at prediction, for ones never seen)
    dropped      no input (an identifier-like column, or empty in every training row), with the reason

and for the target::

    classification   label -> class index 0 … C−1;      prediction = argmax of the outputs
    regression       t = (y − mean_y) / std_y;          prediction = mean_y + std_y · output

A column is numeric when at least half of its filled cells are numbers: plain ones, or
numbers written with thousands separators, a trailing % or a leading currency sign
(:func:`~neuronet.io.columns.written_number`; the choice is stored and applied again at
prediction). Other cells in such a column are an error listing how many and where.

Means and standard deviations are computed on the values divided by their largest
magnitude, so a column holding ±1e308 standardizes without overflowing (or is refused in
one line when its spread is beyond float64).

>>> from neuronet.io.table import Table
>>> t = Table.from_mapping({"x": ["1.5", "2.5", ""], "colour": ["red", "blue", "red"], "y": ["a", "b", "a"]})
>>> prep = Preprocessing.fit(t, "y")
>>> prep.input_names, prep.classes
(['x', 'x (missing)', 'colour=blue', 'colour=red'], ['a', 'b'])
"""

from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ..errors import DataError, ModelFileError
from .columns import MISSING, Column, canonical, fresh_array, plain_number, style_text, written_number
from .table import Table

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
MAX_INFERRED_CLASSES = 10   # a numeric target with integer values and at most this many distinct ones is classes
MAX_CATEGORIES = 20         # categories one text column becomes at most (the rest: "(other)")
PREPROCESSING_VERSION = 2   # 2: missing values, written numbers, dropped columns, top-k categories
MISSING_POLICIES = ("impute", "error")
ID_SHARE = 0.9              # a text column with distinct values in this share of its filled rows is an identifier
ID_MIN_ROWS = 20
GUARD_FACTOR = 16           # the input matrix may be at most this many times the data's own size…
GUARD_FLOOR = 256 * 2 ** 20  # …or this many bytes, whichever is larger
SHOWN = 5                   # bad cells quoted in one message
FILL_ROWS = 16_384          # rows of the input matrix written at a time
PARALLEL_ROWS = 100_000     # a table this long is fitted and checked two columns at a time
FAST_FILL = 2 ** 22         # an input matrix of this many cells or more is written by numba's threads
_ID_NAME = re.compile(r"(?:^|[\W_])(?:id|key|index|idx|uuid|guid|row|no|number)$|^(?:column_1|unnamed: ?0)$",
                      re.IGNORECASE)


def _scale_safe_moments(v: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation of finite values; computed on v / max|v| when the squares
    could overflow or underflow (magnitudes beyond 1e150 or below 1e-150), so that ±1e308 and 1e-303
    standardize too."""
    if not len(v):
        return 0.0, 0.0
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:                                  # constant: exactly (value, 0), not a rounding error's spread
        return lo, 0.0
    s = max(hi, -lo)
    if 1e-150 < s < 1e150:                       # squares neither overflow nor underflow
        return float(v.mean()), float(v.std())
    u = v / s
    return s * float(u.mean()), s * float(u.std())


def _cells_text(t: Table, name: str, rows: np.ndarray, what: tuple[str, str]) -> str:
    """'3 cells are not numbers: line 5 'abc', line 9 'x', …' for the rows ``rows`` of column ``name``;
    ``what`` is the phrase for one cell and for several: ("not a number", "not numbers")."""
    col = t.columns[name]
    shown = ", ".join(t.at(int(b)) + (f" {col.cell(int(b))!r}" if col.codes[b] != MISSING else "")
                      for b in rows[:SHOWN])
    more = f", and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    n = len(rows)
    return f"{n} cell{'s are' if n > 1 else ' is'} {what[n > 1]}: {shown}{more}"


def read_numbers(t: Table, name: str, allowed: dict | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Column ``name`` as numbers: (values (B,) with NaN where missing or not a number, failed (B,) bool, style).

    Plain numbers always count. Texts count when they are written numbers whose style is
    in ``allowed`` (a stored choice, ``{"thousands": [","], "percent": [True], …}``), or any
    style when ``allowed`` is None (fitting); ``style`` is then the choice that was needed.
    """
    col = t.column(name)
    values = col.values.copy()
    is_text = col.codes >= 0
    style: dict[str, list] = {}
    if not is_text.any():
        return values, is_text, style
    used = np.unique(col.codes[is_text])
    text_value = np.full(len(col.texts), np.nan)
    for k in used.tolist():
        v = plain_number(col.texts[k])                       # inf, or a number beyond float64 (1e999)
        if v is not None:
            text_value[k] = v
            continue
        r = written_number(col.texts[k])
        if r is None:
            continue
        v, s = r
        if allowed is not None and not all(val in allowed.get(key, ()) for key, val in s.items()):
            continue
        text_value[k] = v
        for key, val in s.items():
            if val not in style.setdefault(key, []):
                style[key].append(val)
    values[is_text] = text_value[col.codes[is_text]]
    failed = is_text & np.isnan(values)
    return values, failed, style


@dataclass
class Preprocessing:
    """The fitted record: one dict per table column (in order), the target, the task.

    Attributes
    ----------
    features : list of dict
        ``{"name", "kind": "numeric", "mean", "std", "median", "indicator", "parse", "n_missing"}``,
        ``{"name", "kind": "categorical", "categories", "missing", "other", "n_missing", "n_distinct"}``
        or ``{"name", "kind": "dropped", "reason"}``.
    target : str
    task : {"classification", "regression"}
    classes : list of str or None
        Classification: output k is the score of class ``classes[k]``.
    target_mean, target_std : float or None
        Regression: the network predicts (y − mean) / std.
    loss : str
        The loss the network was trained with (decides how outputs become probabilities).
    missing : {"impute", "error"}
        What a missing cell does: imputed (and counted), or an error.
    target_parse : dict
        Regression: how the target's numbers are written (as ``parse`` for a feature).
    """

    features: list[dict]
    target: str
    task: str
    classes: list[str] | None = None
    target_mean: float | None = None
    target_std: float | None = None
    loss: str = "cross_entropy"
    missing: str = "impute"
    target_parse: dict = field(default_factory=dict)

    # -- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, t: Table, target: str | None = None, task: str | None = None, *,
            categorical: Iterable[str] = (), drop: Iterable[str] = (), use: Iterable[str] = (),
            loss: str | None = None, missing: str = "impute", max_categories: int = MAX_CATEGORIES
            ) -> "Preprocessing":
        """Learn the preprocessing from the training rows ``t`` (only those: validation rows are not seen).

        Every column but the target and those in ``drop`` is considered. ``categorical``
        forces categories; ``use`` keeps a column that looks like an identifier. The task is
        ``task`` when given, else the one the data set knows, else inferred: a text target,
        or one with integer values and at most 10 distinct ones, is classification.
        """
        target = target or t.default_target
        if target is None:
            raise DataError(f"Name the target column with --target; {t.source} has the columns: "
                            f"{', '.join(t.names)}.")
        t.column(target, "target column")
        categorical, drop, use = list(categorical), list(drop), list(use)
        for c in categorical + drop + use:
            t.column(c)
        if task is not None and task not in TASKS:
            raise DataError(f"task must be 'classification' or 'regression'; received task={task!r}.")
        if missing not in MISSING_POLICIES:
            raise DataError(f"missing must be 'impute' or 'error'; received missing={missing!r}.")
        if not (isinstance(max_categories, int) and max_categories >= 1):
            raise DataError(f"max_categories must be a positive integer; received {max_categories!r}.")
        _no_missing_target(t, target)
        task = task or t.tasks.get(target) or infer_task(t, target)
        inputs = [c for c in t.names if c != target and c not in drop]
        if not inputs:
            raise DataError(f"{t.source} has no input columns besides the target {target!r}.")
        prep = cls([], target, task, missing=missing)

        def fit_one(c: str) -> dict:
            if missing == "error":
                prep._refuse_missing(t, c)
            return _fit_column(t, c, c in categorical, c in use, max_categories)

        prep.features = _each_column(fit_one, inputs, t.n_rows)
        if not prep.input_names:
            raise DataError(f"{t.source} has no usable input columns: "
                            + "; ".join(f"{f['name']!r} {f['reason']}" for f in prep.features) + ".")
        _guard_allocation(t, prep)
        if task == CLASSIFICATION:
            classes = sorted(t.columns[target].counts(), key=_label_key)
            if len(classes) < 2:
                raise DataError(f"The target column {target!r} of {t.source} has only one class ({classes[0]!r}); "
                                "classification needs at least two. Check the target column, or use --task "
                                "regression.")
            prep.classes = classes
            prep.loss = loss or "cross_entropy"
        else:
            y, failed, style = read_numbers(t, target)
            _refuse_failed(t, target, failed)
            _refuse_infinite(t, target, y)
            mean, std = _scale_safe_moments(y)
            prep.target_mean, prep.target_std, prep.target_parse = mean, (std if std > 0 else 1.0), style
            if not (math.isfinite(mean) and math.isfinite(prep.target_std)):
                raise DataError(f"{t.source}, target {target!r}: its values spread beyond what float64 can "
                                "standardize. Rescale the target (for example, in thousands).")
            prep.loss = loss or "squared"
        return prep

    def _refuse_missing(self, t: Table, name: str) -> None:
        gone = np.flatnonzero(t.columns[name].missing)
        if len(gone):
            cells = _cells_text(t, name, gone, ("empty or missing",) * 2)
            raise DataError(f"{t.source}, column {name!r}: {cells}. "
                            "Fill them in, or leave out --missing error to impute them.")

    # -- shapes ------------------------------------------------------------------------------
    @property
    def input_names(self) -> list[str]:
        """The name of each network input: ``col``, ``col (missing)``, ``col=category``, ``col=(missing)``…"""
        out: list[str] = []
        for f in self.features:
            if f["kind"] == "numeric":
                out += [f["name"]] + ([f"{f['name']} (missing)"] if f["indicator"] else [])
            elif f["kind"] == "categorical":
                out += [f"{f['name']}={k}" for k in f["categories"]]
                out += [f"{f['name']}=(missing)"] * f["missing"] + [f"{f['name']}=(other)"] * f["other"]
        return out

    @property
    def n_inputs(self) -> int:
        return len(self.input_names)

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.task == CLASSIFICATION else 1

    @property
    def columns(self) -> list[str]:
        """The table columns the model reads (dropped ones excluded)."""
        return [f["name"] for f in self.features if f["kind"] != "dropped"]

    # -- applying it ------------------------------------------------------------------------
    def transform(self, t: Table, counts: dict | None = None) -> np.ndarray:
        """The network inputs X (B, n_in) for a table holding (at least) the columns the model reads.

        ``counts``, when given, receives per column what was filled in: ``{"missing": n}`` cells
        imputed, ``{"unseen": n, "first": [(where, text), …]}`` categories not seen in training
        (they count as "(other)" when the column has it, else as no category: all zeros).
        """
        lacking = [c for c in self.columns if c not in t.columns]
        if lacking:
            raise DataError(f"{t.source} lacks the column{'s' if len(lacking) > 1 else ''} "
                            f"{', '.join(repr(m) for m in lacking)} that the model was trained on. The model "
                            f"needs: {', '.join(self.columns)}.")
        used, j = [], 0
        for f in self.features:                  # where each column's inputs start
            if f["kind"] != "dropped":
                used.append((j, f))
                j += (1 + f["indicator"] if f["kind"] == "numeric" else
                      len(f["categories"]) + f["missing"] + f["other"])

        def plan(item: tuple[int, dict]) -> tuple[tuple, int, np.ndarray | None]:
            """Check a column whole, and plan its inputs: (part, missing cells, category index or None)."""
            j, f = item
            col = t.columns[f["name"]]
            if self.missing == "error":
                self._refuse_missing(t, f["name"])
            if f["kind"] == "numeric":
                return self._numeric_part(t, f, j), col.n_missing, None
            index = _category_index(col, f)                                               # (B,)
            k = len(f["categories"]) + f["missing"] + f["other"]
            return ("categorical", j, k, index.astype(np.int32)), col.n_missing, index

        parts = []
        for (_, f), (part, n_gone, index) in zip(used, _each_column(plan, used, t.n_rows)):
            if counts is not None and n_gone:
                counts.setdefault(f["name"], {})["missing"] = n_gone
            if counts is not None and index is not None:
                _count_unseen(t, f["name"], f, index, counts)
            parts.append(part)
        X = fresh_array((t.n_rows, self.n_inputs))                                       # (B, n_in)
        if X.size >= FAST_FILL:
            _fill_compiled(X, parts)
            return X
        for a in range(0, t.n_rows, FILL_ROWS):   # row blocks: each block of X is written while it is in cache
            b = min(a + FILL_ROWS, t.n_rows)
            for part in parts:
                _fill(X, a, b, part)
        return X

    def _numeric_part(self, t: Table, f: dict, j: int) -> tuple:
        """Check a numeric column whole (numbers, finite, standardizable) and return what fills its inputs:
        the column's plain values, the rows and values of its written numbers, its missing cells."""
        col = t.columns[f["name"]]
        v, failed, _ = read_numbers(t, f["name"], f.get("parse") or {})
        _refuse_failed(t, f["name"], failed, f.get("parse") or {})
        _refuse_infinite(t, f["name"], v)
        v[col.codes == MISSING] = f["median"]
        with np.errstate(over="ignore"):                     # a value far outside the training range: refused below
            z = _standardized(v, f)
        bad = np.flatnonzero(~np.isfinite(z))
        if len(bad):
            far = _cells_text(t, f["name"], bad, ("too far from the training values to standardize",) * 2)
            raise DataError(f"{t.source}, column {f['name']!r}: {far}. Check the values' units.")
        written = np.flatnonzero(col.codes >= 0)
        return ("numeric", j, f, col.values, col.codes, written, v[written])

    def has_target(self, t: Table) -> bool:
        return self.target in t.columns

    def true_labels(self, t: Table) -> list[str]:
        """Classification: the target column as class labels (any label, also ones not in ``classes``)."""
        _no_missing_target(t, self.target)
        return t.columns[self.target].labels()

    def true_values(self, t: Table) -> np.ndarray:
        """Regression: the target column as numbers (B,), read as the training target was."""
        _no_missing_target(t, self.target)
        y, failed, _ = read_numbers(t, self.target, self.target_parse)
        _refuse_failed(t, self.target, failed, self.target_parse or {}, target=True)
        _refuse_infinite(t, self.target, y)
        return y

    def encode_target(self, t: Table) -> np.ndarray:
        """What the network is trained on: class indices (B,) int64, or the standardized target (B,)."""
        if self.task == CLASSIFICATION:
            _no_missing_target(t, self.target)
            col = t.columns[self.target]
            y = col.lookup({c: k for k, c in enumerate(self.classes)})                     # (B,)
            if (y < 0).any():
                b = int(np.flatnonzero(y < 0)[0])
                raise DataError(f"{t.where(b, self.target)}: unknown class {canonical(col.cell(b))!r}; the model "
                                f"knows {', '.join(repr(c) for c in self.classes)}.")
            return y
        return _standardized(self.true_values(t), {"mean": self.target_mean, "std": self.target_std})

    def targets(self, y_encoded: np.ndarray) -> np.ndarray:
        """The training targets in the form the loss takes: class indices, one-hot rows, or (B, 1)."""
        if self.task == CLASSIFICATION and self.loss != "cross_entropy":
            return np.eye(len(self.classes))[y_encoded]                                  # (B, C)
        return y_encoded

    def unscale_target(self, z: np.ndarray) -> np.ndarray:
        """Regression: network outputs in the target's own units, mean_y + std_y · z."""
        return self.target_mean + self.target_std * np.asarray(z, dtype=np.float64)

    def decode(self, outputs: np.ndarray) -> tuple[list[str] | np.ndarray, np.ndarray | None]:
        """Network outputs (B, n_out) -> (predicted labels or values, class probabilities (B, C) or None).

        Probabilities are softmax(outputs) for cross_entropy, the normalised σ(outputs) for
        binary_cross_entropy; a network trained with another loss has none.
        """
        outputs = np.asarray(outputs, dtype=np.float64)
        if self.task == REGRESSION:
            return self.unscale_target(outputs[:, 0]), None
        labels = [self.classes[k] for k in outputs.argmax(axis=1)]
        proba = None
        if self.loss == "cross_entropy":
            e = np.exp(outputs - outputs.max(axis=1, keepdims=True))
            proba = e / e.sum(axis=1, keepdims=True)
        elif self.loss == "binary_cross_entropy":
            s = 1.0 / (1.0 + np.exp(-outputs))
            proba = s / s.sum(axis=1, keepdims=True)
        return labels, proba

    # -- telling people -----------------------------------------------------------------------
    def notes(self) -> list[str]:
        """One line per column whose treatment a user should know of: left out, top-k, written numbers."""
        out = []
        for f in self.features:
            name = f["name"]
            if f["kind"] == "dropped":
                out.append(f"left out {name!r}: {f['reason']}")
            elif f["kind"] == "categorical" and f["other"] and f.get("n_distinct", 0) > len(f["categories"]):
                kept = len(f["categories"])
                out.append(f"{name!r} has {f['n_distinct']:,} distinct values; its {kept} most frequent "
                           "are inputs, the others count as '(other)' (--max-categories changes it)")
            elif f["kind"] == "numeric" and f.get("parse"):
                out.append(f"read {name!r} as numbers written with {style_text(f['parse'])}")
        if self.target_parse:
            out.append(f"read the target {self.target!r} as numbers written with {style_text(self.target_parse)}")
        return out

    # -- storage --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {"version": PREPROCESSING_VERSION, "target": self.target, "task": self.task, "loss": self.loss,
             "missing": self.missing, "features": [dict(f) for f in self.features], "inputs": self.input_names}
        if self.task == CLASSIFICATION:
            d["classes"] = list(self.classes)
        else:
            d["target_mean"], d["target_std"] = self.target_mean, self.target_std
            d["target_parse"] = dict(self.target_parse)
        return d

    @classmethod
    def from_dict(cls, d, where: str = "the model file") -> "Preprocessing":
        """Read back :meth:`to_dict` (version 2, or version 1 of earlier files); anything malformed is a
        ModelFileError naming ``where``."""
        try:
            version = d.get("version")
            if version not in (1, PREPROCESSING_VERSION) or isinstance(version, bool):
                raise ValueError(f"unknown preprocessing version {version!r}")
            task = d["task"]
            if task not in TASKS:
                raise ValueError(f"unknown task {task!r}")
            missing = d.get("missing", "impute")
            if missing not in MISSING_POLICIES:
                raise ValueError(f"unknown missing-value policy {missing!r}")
            features = [_feature_from_dict(f) for f in _list(d["features"], "features")]
            prep = cls(features, _text(d["target"], "target"), task, loss=_text(d.get("loss", "cross_entropy"), "loss"),
                       missing=missing)
            if task == CLASSIFICATION:
                prep.classes = [_text(c, "class") for c in _list(d["classes"], "classes")]
                if len(prep.classes) < 2:
                    raise ValueError("fewer than two classes")
            else:
                prep.target_mean, prep.target_std = _finite(d["target_mean"]), _finite(d["target_std"])
                if prep.target_std <= 0:
                    raise ValueError(f"target_std is {prep.target_std}")
                prep.target_parse = _parse_dict(d.get("target_parse", {}))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:   # 10**400 as a mean
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


def _each_column(fn, items: list, n_rows: int) -> list:
    """[fn(item) for item in items], on two threads when the table is long (each column is NumPy's work on whole
    arrays, which releases the GIL: medians, copies, comparisons). The results, and the first error, come in
    the items' order, as from the loop; the columns are independent, so they are the loop's results too."""
    if n_rows < PARALLEL_ROWS or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(fn, items))


# -- fitting one column --------------------------------------------------------------------------
def _fit_column(t: Table, name: str, categorical: bool, use: bool, max_categories: int) -> dict:
    col = t.columns[name]
    n_missing = col.n_missing
    filled = len(col) - n_missing
    if filled == 0:
        return {"name": name, "kind": "dropped", "reason": "it is empty in every training row"}
    if not categorical:
        values, failed, style = read_numbers(t, name)
        n_failed = int(np.count_nonzero(failed))
        if n_failed * 2 < filled:                            # mostly numbers: a numeric column
            _refuse_failed(t, name, failed)
            _refuse_infinite(t, name, values)
            v = values[~np.isnan(values)]
            if not use and _integer_identifier(name, v, len(col)):
                return {"name": name, "kind": "dropped",
                        "reason": f"an identifier (a different integer in each of its {len(v):,} rows); to use it as "
                                  f"an input anyway, give --use {name}"}
            median = _median_in_place(v)                   # v is our copy: partitioned, not copied again
            mean, std = _scale_safe_moments(v)
            if not (math.isfinite(mean) and math.isfinite(std)):
                raise DataError(f"{t.source}, column {name!r}: its values spread beyond what float64 can "
                                f"standardize. Rescale the column, or leave it out with --drop {name}.")
            return {"name": name, "kind": "numeric", "mean": mean, "std": std if std > 0 else 1.0,
                    "median": median, "indicator": n_missing > 0, "parse": style, "n_missing": n_missing}
    counts = col.counts()
    distinct = len(counts)
    if not use and filled >= min(ID_MIN_ROWS, 11) and (distinct == filled or (
            filled >= ID_MIN_ROWS and distinct >= ID_SHARE * filled)):
        return {"name": name, "kind": "dropped",
                "reason": f"identifier-like ({distinct:,} distinct values in {filled:,} rows); to use it anyway, "
                          f"give --use {name} (its {max_categories} most frequent values become inputs)"}
    ranked = sorted(counts, key=lambda k: (-counts[k], _label_key(k)))
    kept = sorted(ranked[:max_categories], key=_label_key)
    return {"name": name, "kind": "categorical", "categories": kept, "missing": n_missing > 0,
            "other": distinct > len(kept), "n_missing": n_missing, "n_distinct": distinct}


def _median_in_place(v: np.ndarray) -> float:
    """np.median(v), reordering v instead of copying it (the mean of the two middle values for even n)."""
    k = len(v) // 2
    if len(v) % 2:
        v.partition(k)
        return float(v[k])
    v.partition([k - 1, k])
    return float((v[k - 1] + v[k]) / 2)


def _integer_identifier(name: str, v: np.ndarray, n_rows: int) -> bool:
    """A numeric column of distinct integers that is a run (1, 2, 3, … in any order) or named like an id."""
    if len(v) < ID_MIN_ROWS or not np.all(v[:64] == np.round(v[:64])) or not np.all(v == np.round(v)):
        return False                                         # (the first rows settle most columns cheaply)
    u = np.unique(v)
    if len(u) < ID_SHARE * len(v):
        return False
    run = (u[-1] - u[0] + 1) <= 1.1 * len(u)
    return bool(run or _ID_NAME.search(name.strip()))


def _category_index(col: Column, f: dict) -> np.ndarray:
    """Each row's input index within the column's one-hot block (B,): -1 where none applies (all zeros)."""
    cats = f["categories"]
    unknown = len(cats) + f["missing"] if f["other"] else -1
    return col.lookup({c: k for k, c in enumerate(cats)}, unknown, len(cats) if f["missing"] else -1)


def _standardized(v: np.ndarray, f: dict) -> np.ndarray:
    """(v − mean) / std, computed on halves: no overflow for |v| up to the float maximum (and exact)."""
    return (v * 0.5 - f["mean"] * 0.5) / (f["std"] * 0.5)


def _fill(X: np.ndarray, a: int, b: int, part: tuple) -> None:
    """Write one column's inputs for the rows a:b of X (B, n_in)."""
    if part[0] == "numeric":
        _, j, f, values, codes, written, written_values = part
        v = values[a:b].copy()                                                            # (b − a,)
        lo, hi = np.searchsorted(written, (a, b))
        v[written[lo:hi] - a] = written_values[lo:hi]
        gone = codes[a:b] == MISSING
        v[gone] = f["median"]
        X[a:b, j] = _standardized(v, f)
        if f["indicator"]:
            X[a:b, j + 1] = gone
    else:
        _, j, k, index = part
        X[a:b, j:j + k] = 0.0
        i = index[a:b]
        hit = np.flatnonzero(i >= 0)
        X[a + hit, j + i[hit]] = 1.0


def _fill_compiled(X: np.ndarray, parts: list) -> None:
    """``_fill`` for every part, by a compiled kernel on numba's threads (a big matrix: 0.03 s instead of 0.15 s for
    1,000,000 × 66). numba is imported only here: a small table (the command line's usual one) never loads it."""
    from . import fastcsv  # noqa: PLC0415

    numeric = [(p[1], p[3], p[2]["median"], p[2]["mean"], p[2]["std"], p[2]["indicator"]) for p in parts
               if p[0] == "numeric"]
    fastcsv.fill_inputs(X, numeric, [p[1:] for p in parts if p[0] == "categorical"])
    for _, j, f, _values, _codes, written, written_values in (p for p in parts if p[0] == "numeric"):
        if len(written):                          # written numbers (NaN in values): their own values
            X[written, j] = _standardized(written_values, f)
            if f["indicator"]:
                X[written, j + 1] = 0.0


def _count_unseen(t: Table, name: str, f: dict, index: np.ndarray, counts: dict) -> None:
    """Record the filled cells whose category the training rows did not have (a column without "(other)",
    where they become all zeros; with "(other)" they are simply "(other)", as rare training values are)."""
    if f["other"]:
        return
    col = t.columns[name]
    rows = np.flatnonzero((index == -1) & ~col.missing)
    if len(rows):
        c = counts.setdefault(name, {})
        c["unseen"] = len(rows)
        c["first"] = [(t.at(int(b)), col.cell(int(b))) for b in rows[:SHOWN]]


def _guard_allocation(t: Table, prep: Preprocessing) -> None:
    """Refuse, before allocating, an input matrix far larger than the data: B · n_in · 8 bytes."""
    limit = max(GUARD_FACTOR * t.size_bytes, GUARD_FLOOR)
    B = t.n_rows
    for f in prep.features:
        n = 0 if f["kind"] == "dropped" else (1 + f["indicator"] if f["kind"] == "numeric" else
                                               len(f["categories"]) + f["missing"] + f["other"])
        if 8 * B * n > limit:
            raise DataError(f"{t.source}, column {f['name']!r}: it would become {n:,} inputs, an input matrix of "
                            f"{_bytes(8 * B * n)} for {_bytes(t.size_bytes)} of data. Lower --max-categories, or "
                            f"leave the column out with --drop {f['name']}.")
    total = 8 * B * prep.n_inputs
    if total > limit:
        raise DataError(f"{t.source}: {prep.n_inputs:,} inputs make an input matrix of {_bytes(total)} for "
                        f"{_bytes(t.size_bytes)} of data. Lower --max-categories, or leave columns out with --drop.")


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def _refuse_failed(t: Table, name: str, failed: np.ndarray, allowed: dict | None = None,
                   target: bool = False) -> None:
    """Cells of a numeric column that are not numbers: one DataError listing them.

    ``allowed`` is None while training (the advice names train's --categorical) and the trained
    column's number style with a trained model (predict and evaluate have no such option: the
    advice is to fix the cells, or to train again). A target's cells cannot be left empty.
    """
    bad = np.flatnonzero(failed)
    if len(bad):
        how = f" (the model reads it as numbers written with {style_text(allowed)})" if allowed else ""
        cells = _cells_text(t, name, bad, ("not a number", "not numbers"))
        if allowed is None:
            advice = (f"Fix them, leave them empty to mark them missing, or treat the column as categories with "
                      f"--categorical {name}.")
        elif target:
            advice = "Fix them: the model was trained on this target as numbers."
        else:
            advice = (f"Fix them, or leave them empty to mark them missing: the model was trained on this column as "
                      f"numbers (to read it as categories, train again with --categorical {name}).")
        raise DataError(f"{t.source}, column {name!r}{how}: {cells}. {advice}")


def _refuse_infinite(t: Table, name: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        cells = _cells_text(t, name, bad, ("not a finite number", "not finite numbers"))
        raise DataError(f"{t.source}, column {name!r}: {cells}; every "
                        "value must be finite. Replace them, or leave them empty to mark them missing.")


def _no_missing_target(t: Table, target: str) -> None:
    gone = np.flatnonzero(t.column(target, "target column").missing)
    if len(gone):
        cells = _cells_text(t, target, gone, ("empty or missing",) * 2)
        raise DataError(f"{t.source}, target column {target!r}: {cells}. "
                        "Rows without a target cannot be trained on or scored; remove them.")


def target_present(t: Table, target: str) -> np.ndarray:
    """(B,) bool: the rows whose target cell is filled in."""
    return ~t.column(target, "target column").missing


def _label_key(s: str):
    """Sort numbers numerically and before text, text alphabetically."""
    try:
        return (0, float(s), "")
    except ValueError:
        return (1, 0.0, s)


def infer_task(t: Table, target: str) -> str:
    """'classification' for a text target or one with few distinct integer values; else 'regression'."""
    values, failed, _ = read_numbers(t, target)
    if failed.any():
        return CLASSIFICATION
    v = values[~np.isnan(values)]
    if np.all(np.isfinite(v)) and np.all(v == np.round(v)) and len(np.unique(v)) <= MAX_INFERRED_CLASSES:
        return CLASSIFICATION
    return REGRESSION


def task_reason(t: Table, target: str, task: str, given: str | None) -> str:
    """Why the task is what it is, in words, for the training summary."""
    if given:
        return "as given by --task"
    if target in t.tasks:
        return "as the data set defines it"
    values, failed, _ = read_numbers(t, target)
    if task == CLASSIFICATION:
        if failed.any():
            return f"the target {target!r} holds text; use --task regression to override"
        return (f"the target {target!r} holds {len(np.unique(values[~np.isnan(values)]))} distinct integers; "
                "use --task regression to override")
    return f"the target {target!r} holds numbers; use --task classification to override"


# -- reading a stored record ---------------------------------------------------------------------
def _text(v, what: str) -> str:
    if not isinstance(v, str):
        raise ValueError(f"{what} {v!r} is not text")
    return v


def _list(v, what: str) -> list:
    if not isinstance(v, list):
        raise ValueError(f"{what} is {type(v).__name__}, not a list")
    return v


def _finite(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{v!r} is not a finite number")
    return float(v)


def _parse_dict(p) -> dict:
    if not isinstance(p, dict):
        raise ValueError(f"parse {p!r} is not an object")
    out = {}
    for key, values in p.items():
        if key not in ("thousands", "percent", "currency") or not isinstance(values, list):
            raise ValueError(f"unknown number style {key!r}: {values!r}")
        out[key] = list(values)
    return out


def _feature_from_dict(f) -> dict:
    name, kind = _text(f["name"], "column name"), f["kind"]
    if kind == "numeric":
        mean, std = _finite(f["mean"]), _finite(f["std"])
        if std <= 0:
            raise ValueError(f"column {name!r} has mean={mean}, std={std}")
        median = _finite(f.get("median", mean))
        indicator = f.get("indicator", False)
        if not isinstance(indicator, bool):
            raise ValueError(f"column {name!r}: indicator {indicator!r} is not true or false")
        return {"name": name, "kind": kind, "mean": mean, "std": std, "median": median, "indicator": indicator,
                "parse": _parse_dict(f.get("parse", {})), "n_missing": int(f.get("n_missing", 0))}
    if kind == "categorical":
        cats = [_text(c, "category") for c in _list(f["categories"], "categories")]
        flags = {k: f.get(k, False) for k in ("missing", "other")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ValueError(f"column {name!r}: missing/other flags are not true or false")
        if not cats and not any(flags.values()):
            raise ValueError(f"column {name!r} has no categories")
        return {"name": name, "kind": kind, "categories": cats, **flags, "n_missing": int(f.get("n_missing", 0)),
                "n_distinct": int(f.get("n_distinct", len(cats)))}
    if kind == "dropped":
        return {"name": name, "kind": kind, "reason": _text(f.get("reason", ""), "reason")}
    raise ValueError(f"unknown column kind {kind!r}")
