"""The playground's examples: a built-in set with noise, or two numeric columns and a target of an uploaded
CSV; and the plane they lie on (its extent, its grid, what the page colours at each point)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np

import neuronet as nn
from neuronet.io import datasets, tabular

from .settings import SettingError

MAX_ROWS = 5_000                 # of an uploaded CSV: the page draws every point
MAX_UPLOAD_BYTES = 2_000_000


@dataclass
class Data:
    """The examples on the plane (or the line): inputs X (N, n) with n = 1 or 2, targets y (N,)."""

    X: np.ndarray
    y: np.ndarray                      # class indices (int) or numbers
    task: str                          # "classification" | "regression"
    feature_names: list
    target_name: str
    classes: list | None
    source: str                        # "xor", or the uploaded file's name
    test: np.ndarray = field(default=None)  # (N,) bool: held out
    prep: tabular.Preprocessing | None = None   # how the raw columns became X (CSV), for the model file

    @property
    def classification(self) -> bool:
        return self.task == tabular.CLASSIFICATION

    def targets(self, loss: str, rows=slice(None)) -> np.ndarray:
        """What the loss trains on: class indices for cross_entropy, one-hot rows otherwise; numbers (B,)."""
        y = self.y[rows]
        if self.classification and loss != "cross_entropy":
            return np.eye(len(self.classes))[y]                                        # (B, C)
        return y


def builtin_data(s: dict) -> Data:
    """A built-in set with Gaussian noise N(0, noise²) on the inputs (on y for the 1-D regression)."""
    name = s["dataset"]
    rng = np.random.default_rng(s["data_seed"] + 1)
    if name == "xor":
        ds = datasets.load("xor")
        n = 4 if s["noise"] == 0 else s["samples"]
        pick = np.arange(n) % 4
        X, y = ds.X[pick] * 2 - 1, ds.y[pick]           # the corners (±1, ±1), centred on the origin
    else:
        ds = datasets.load(name, seed=s["data_seed"], n_samples=s["samples"])
        X, y = ds.X.copy(), ds.y.copy()
    if s["noise"] > 0:
        if ds.task == tabular.REGRESSION:
            y = y + rng.normal(0.0, s["noise"], y.shape)
        else:
            X = X + rng.normal(0.0, s["noise"], X.shape)
    return Data(X, y, ds.task, list(ds.feature_names), ds.target_name, ds.class_names, name)


def csv_table(name: str, text: str) -> tabular.Table:
    """An uploaded CSV as a table; any problem is a SettingError naming the file, line and what to do."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_UPLOAD_BYTES:
        raise SettingError(f"{name} is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB; the playground draws every "
                           "point, so use a sample of it (or `neuronet train` for the whole file).")
    try:
        t = tabular.read_csv(io.StringIO(text, newline=""), name=name)
    except nn.DataError as exc:
        raise SettingError(str(exc)) from None
    if t.n_rows > MAX_ROWS:
        raise SettingError(f"{name} has {t.n_rows} rows; the playground draws every point and takes at most "
                           f"{MAX_ROWS}. Use a sample, or `neuronet train` for the whole file.")
    numeric = numeric_columns(t)
    if len(numeric) < 2 or len(t.names) < 3:
        raise SettingError(f"{name} needs at least two numeric columns for the plane and a third column for the "
                           f"target; it has {len(t.names)} column(s), numeric: {', '.join(numeric) or 'none'}.")
    return t


def numeric_columns(t: tabular.Table) -> list[str]:
    """The columns whose every filled cell reads as a number (as ``neuronet train`` reads them: "1,234" and
    "5%" included), so that they can be axes of the plane."""
    from neuronet.io.preprocess import read_numbers  # noqa: PLC0415

    out = []
    for c in t.names:
        values, failed, _ = read_numbers(t, c)
        if not failed.any() and np.isfinite(values).any():
            out.append(c)
    return out


def csv_data(t: tabular.Table, columns: dict) -> Data:
    """Two numeric columns of an uploaded table as the plane, a third as the target (standardized, as
    ``neuronet train`` does, so the exported model file reads the same CSV)."""
    try:
        x1, x2, target = columns["x"][0], columns["x"][1], columns["target"]
    except (KeyError, IndexError, TypeError):
        raise SettingError("Choose two numeric columns for the plane and one column for the target.") from None
    names = [x1, x2, target]
    for c in names:
        if c not in t.names:
            raise SettingError(f"{t.source} has no column {c!r}; its columns are: {', '.join(t.names)}.")
    if len(set(names)) < 3:
        raise SettingError(f"Choose three different columns (two for the plane, one target); received {names}.")
    numeric = numeric_columns(t)
    for c in (x1, x2):
        if c not in numeric:
            raise SettingError(f"Column {c!r} of {t.source} is not numeric, so it cannot be an axis of the plane; "
                               f"numeric columns: {', '.join(numeric)}.")
    try:
        prep = tabular.Preprocessing.fit(t, target, drop=[c for c in t.names if c not in names], loss="squared")
        X = prep.transform(t)                                                        # (N, 2)
        y = prep.encode_target(t)
    except nn.DataError as exc:
        raise SettingError(str(exc)) from None
    return Data(X, y, prep.task, [x1, x2], target, prep.classes, t.source, prep=prep)


# -- the plane ------------------------------------------------------------------------------------------
def bounds(X: np.ndarray) -> list:
    """The plane's extent: the data's range with a margin, the same for every picture."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum((hi - lo) * 0.1, 0.2)
    return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad)]


def grid(X: np.ndarray, res: int) -> np.ndarray:
    """res × res points over the plane, row-major from the bottom-left corner (res points on a line)."""
    axes = [np.linspace(lo, hi, res) for lo, hi in bounds(X)]
    if len(axes) == 1:
        return axes[0][:, None]                                                      # (res, 1)
    gx, gy = np.meshgrid(axes[0], axes[1])
    return np.column_stack([gx.ravel(), gy.ravel()])                                 # (res², 2)


def scores(out: np.ndarray, d: Data, loss: str) -> np.ndarray:
    """Network outputs (G, n_out) -> what the page colours: for two classes the score of the second in
    [0, 1], for more the class index plus a fraction for confidence, for a regression the value."""
    if not d.classification:
        return out[:, 0]
    if loss == "cross_entropy":
        e = np.exp(out - out.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
    elif loss == "binary_cross_entropy":
        p = 1.0 / (1.0 + np.exp(-out))
    else:
        p = np.clip(out, 0.0, 1.0)
    if out.shape[1] == 2:
        return np.clip((p[:, 1] - p[:, 0] + 1.0) / 2.0, 0.0, 1.0)
    return p.argmax(axis=1) + p.max(axis=1) / (p.sum(axis=1) + 1e-12) * 0.999


def finite(v) -> float | None:
    """A number for JSON: None for NaN and ±inf (JSON has neither)."""
    v = float(v)
    return v if math.isfinite(v) else None
