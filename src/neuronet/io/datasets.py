"""Built-in data sets, by name: the seed's toy problems, scikit-learn's small real sets, generated ones.

>>> from neuronet import datasets
>>> ds = datasets.load("xor")
>>> ds.X.shape, ds.y.tolist(), ds.task
((4, 2), [0, 1, 1, 0], 'classification')

Every data set is a :class:`Dataset`: ``X`` is float64 of shape (B, n); ``y`` holds int
class indices (B,) for classification (``class_names[y[b]]`` names the class) or float
targets (B,) for regression. Nothing is downloaded: the real data sets are scikit-learn's
bundled copies, shipped as small NumPy files in this package (``data/``, read without
scikit-learn); the others are written out or generated here from ``seed``.

=============  ==============  =====  ==  ==========================================================
name           task            B      n   what
=============  ==============  =====  ==  ==========================================================
xor            classification  4      2   the four XOR patterns (the classic net that needs a hidden layer)
parity         classification  16     4   4-bit parity: 1 when an odd number of bits is set
symmetry       classification  64     6   Rumelhart, Hinton & Williams (1986): 1 when the 6 bits are a mirror image
moons          classification  200    2   two interleaving half circles (make_moons, noise 0.1)
circles        classification  200    2   a circle inside a circle (make_circles, noise 0.05, factor 0.5)
spirals        classification  200    2   two interleaved spirals of 1.5 turns (noise 0.03)
sine           regression      100    1   y = sin(x), x uniform on [−π, π], plus N(0, 0.05²) noise
iris           classification  150    4   Fisher's iris flowers, 3 species
wine           classification  178    13  chemical analysis of wines from 3 cultivars
breast_cancer  classification  569    30  Wisconsin diagnostic breast cancer, malignant / benign
digits         classification  1797   64  8×8 images of handwritten digits, pixel values 0–16
diabetes       regression      442    10  disease progression after one year (scaled features)
=============  ==============  =====  ==  ==========================================================

The generated sets (moons, circles, spirals, sine) depend on ``seed`` and take
``n_samples``; the same seed gives the same data, bit for bit.
"""

from __future__ import annotations

import csv
import io
import difflib
import functools
import os
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Callable

import numpy as np

from .._atomic import write_bytes
from ..errors import DataError

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: inputs ``X`` (B, n) float64 and targets ``y``.

    Attributes
    ----------
    name : str
        The name ``load`` knows it by.
    X : ndarray of float64, shape (B, n)
        One example per row.
    y : ndarray, shape (B,) or (B, k)
        Classification: int64 class indices 0 … C−1. Regression: float64 targets.
    feature_names : list of str
        One name per column of X (snake_case, usable as CSV headers).
    target_name : str
        The name of the target column.
    task : {"classification", "regression"}
    class_names : list of str or None
        Classification: the name of class c is ``class_names[c]``. Regression: None.
    description : str
        One line.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    task: str
    class_names: list[str] | None
    description: str

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def target_names(self) -> list[str]:
        """The target column name(s): one per column of y."""
        if self.y.ndim == 1:
            return [self.target_name]
        return [f"{self.target_name}_{k}" for k in range(self.y.shape[1])]

    def __repr__(self) -> str:
        extra = f", {len(self.class_names)} classes" if self.class_names is not None else ""
        return (f"<Dataset {self.name!r}: {self.n_rows} rows × {self.n_features} features, "
                f"{self.task}{extra}>")


# -- the data sets ---------------------------------------------------------------------
def _binary_patterns(n: int) -> np.ndarray:
    """All 2ⁿ vectors of n bits, in counting order (first bit most significant)."""
    return np.array(list(product((0.0, 1.0), repeat=n)), dtype=np.float64)      # (2ⁿ, n)


def _xor(rng, n_samples):
    X = _binary_patterns(2)                                                      # (4, 2)
    y = (X[:, 0] != X[:, 1]).astype(np.int64)
    return X, y, ["x1", "x2"], "xor", ["0", "1"]


def _parity(rng, n_samples):
    X = _binary_patterns(4)                                                      # (16, 4)
    y = (X.sum(axis=1) % 2).astype(np.int64)
    return X, y, [f"x{k}" for k in range(1, 5)], "parity", ["even", "odd"]


def _symmetry(rng, n_samples):
    # Rumelhart, Hinton & Williams (1986): is the input vector symmetric about its centre?
    X = _binary_patterns(6)                                                      # (64, 6)
    y = (X == X[:, ::-1]).all(axis=1).astype(np.int64)                           # 2³ = 8 palindromes
    return X, y, [f"x{k}" for k in range(1, 7)], "symmetric", ["not symmetric", "symmetric"]


def _moons(rng, n_samples):
    # scikit-learn's make_moons(n_samples, noise=0.1, random_state=seed), step for step and bit for bit
    # (tests/test_datasets.py compares), without importing scikit-learn (1.3 s) for twenty lines of NumPy.
    out, inner = n_samples // 2, n_samples - n_samples // 2
    X = np.column_stack([np.append(np.cos(np.linspace(0, np.pi, out)), 1 - np.cos(np.linspace(0, np.pi, inner))),
                         np.append(np.sin(np.linspace(0, np.pi, out)),
                                   1 - np.sin(np.linspace(0, np.pi, inner)) - 0.5)])        # (B, 2)
    X, y = _shuffled_with_noise(X, out, inner, 0.1, _seed_of(rng))
    return X, y, ["x1", "x2"], "moon", ["upper", "lower"]


def _circles(rng, n_samples):
    # scikit-learn's make_circles(n_samples, noise=0.05, factor=0.5, random_state=seed), bit for bit.
    out, inner = n_samples // 2, n_samples - n_samples // 2
    t_out = np.linspace(0, 2 * np.pi, out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    X = np.column_stack([np.append(np.cos(t_out), np.cos(t_in) * 0.5),
                         np.append(np.sin(t_out), np.sin(t_in) * 0.5)])                   # (B, 2)
    X, y = _shuffled_with_noise(X, out, inner, 0.05, _seed_of(rng))
    return X, y, ["x1", "x2"], "circle", ["outer", "inner"]


def _shuffled_with_noise(X, out: int, inner: int, noise: float, seed: int):
    """scikit-learn's generators' last steps: labels 0 (first ``out`` rows) and 1, the rows shuffled by a
    legacy ``RandomState(seed)`` (``sklearn.utils.shuffle``), then N(0, noise²) added from the same stream."""
    generator = np.random.RandomState(seed)
    y = np.hstack([np.zeros(out, dtype=np.intp), np.ones(inner, dtype=np.intp)])
    order = np.arange(out + inner)
    generator.shuffle(order)
    X, y = X[order], y[order]
    X += generator.normal(scale=noise, size=X.shape)
    return X, y


def _spirals(rng, n_samples):
    # Two arms r = t, angle t (+π for the second arm), t up to 1.5 turns, scaled so r ≤ 1.
    turns = 1.5
    counts = (n_samples - n_samples // 2, n_samples // 2)
    Xs, ys = [], []
    for k, m in enumerate(counts):
        t = np.sqrt(rng.uniform(0.02, 1.0, m))                                   # (m,) even density along the arm
        angle = 2 * np.pi * turns * t + k * np.pi
        arm = np.column_stack([t * np.cos(angle), t * np.sin(angle)])             # (m, 2)
        Xs.append(arm + rng.normal(0.0, 0.03, size=arm.shape))
        ys.append(np.full(m, k, dtype=np.int64))
    X, y = np.concatenate(Xs), np.concatenate(ys)
    order = rng.permutation(n_samples)
    return X[order], y[order], ["x1", "x2"], "arm", ["arm 0", "arm 1"]


def _sine(rng, n_samples):
    x = rng.uniform(-np.pi, np.pi, n_samples)                                     # (B,)
    y = np.sin(x) + rng.normal(0.0, 0.05, n_samples)
    return x[:, None], y, ["x"], "y", None


# The real data sets: copies of the copies scikit-learn ships in sklearn/datasets/data/ (scikit-learn is
# BSD-3-Clause, © the scikit-learn developers), the arrays its loaders return, written by
# tools/bundle_datasets.py. Origins (details and licences in data/README.md):
#   iris.npz           R. A. Fisher (1936); UCI Machine Learning Repository (CC BY 4.0)
#   wine.npz           M. Forina et al., PARVUS; UCI Machine Learning Repository (CC BY 4.0)
#   breast_cancer.npz  W. H. Wolberg, W. N. Street, O. L. Mangasarian (1995); UCI (CC BY 4.0)
#   digits.npz         E. Alpaydin, C. Kaynak (1998), optdigits test set; UCI (CC BY 4.0)
#   diabetes.npz       B. Efron, T. Hastie, I. Johnstone, R. Tibshirani (2004), "Least Angle Regression"
_DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=None)
def _bundled(name: str):
    """The arrays of a real data set, read once per process from the package's ``data/<name>.npz``.

    These are scikit-learn's bundled copies (origins and licences in ``data/README.md``), stored by
    ``tools/bundle_datasets.py``: reading 150 rows with NumPy takes a millisecond, importing
    scikit-learn to read them took 1.3 s of every ``neuronet train iris``. No pickle is read.
    """
    with np.load(_DATA / f"{name}.npz", allow_pickle=False) as f:
        classes = [str(c) for c in f["class_names"]] if "class_names" in f.files else None
        return f["X"].astype(np.float64), f["y"], [str(n) for n in f["feature_names"]], classes


def _real(name: str, target: str):
    def load(rng, n_samples):
        data, labels, names, classes = _bundled(name)
        return data.copy(), labels.copy(), names, target, classes  # copies: the cache must stay intact
    return load


def _seed_of(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


@dataclass(frozen=True)
class _Entry:
    make: Callable
    task: str
    description: str
    n_samples: int | None = None  # default size of a generated set; None: fixed size


_REGISTRY: dict[str, _Entry] = {
    "xor": _Entry(_xor, CLASSIFICATION, "The four XOR patterns: 1 when exactly one of the two bits is set."),
    "parity": _Entry(_parity, CLASSIFICATION, "4-bit parity: 1 when an odd number of the four bits is set."),
    "symmetry": _Entry(_symmetry, CLASSIFICATION,
                       "Mirror symmetry (Rumelhart, Hinton & Williams 1986): all 64 vectors of 6 bits, "
                       "1 for the 8 that read the same backwards."),
    "moons": _Entry(_moons, CLASSIFICATION, "Two interleaving half circles in the plane (noise 0.1).", 200),
    "circles": _Entry(_circles, CLASSIFICATION, "A circle inside a circle in the plane (noise 0.05, factor 0.5).",
                      200),
    "spirals": _Entry(_spirals, CLASSIFICATION, "Two interleaved spirals of 1.5 turns in the plane (noise 0.03).",
                      200),
    "sine": _Entry(_sine, REGRESSION, "y = sin(x) for x uniform on [−π, π], plus Gaussian noise of sd 0.05.", 100),
    "iris": _Entry(_real("iris", "species"), CLASSIFICATION,
                   "Fisher's iris flowers: 4 measurements in cm, 3 species."),
    "wine": _Entry(_real("wine", "cultivar"), CLASSIFICATION,
                   "Chemical analysis of Italian wines from 3 cultivars, 13 measurements."),
    "breast_cancer": _Entry(_real("breast_cancer", "diagnosis"), CLASSIFICATION,
                            "Wisconsin diagnostic breast cancer: 30 cell-nucleus features, malignant or benign."),
    "digits": _Entry(_real("digits", "digit"), CLASSIFICATION,
                     "8×8 images of handwritten digits 0–9, pixel values 0–16."),
    "diabetes": _Entry(_real("diabetes", "progression"), REGRESSION,
                       "Diabetes progression one year after baseline, 10 scaled features."),
}


def names() -> list[str]:
    """The names of every built-in data set."""
    return list(_REGISTRY)


def _entry(name) -> tuple[str, _Entry]:
    if not isinstance(name, str):
        raise DataError(f"A data set is given by name; received name={name!r}. Known data sets: {', '.join(names())}.")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, names(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataError(f"Unknown data set {name!r}.{hint} Known data sets: {', '.join(names())}.")
    return key, _REGISTRY[key]


def load(name: str, seed: int | None = 0, n_samples: int | None = None) -> Dataset:
    """The built-in data set called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`names` (case does not matter; ``breast-cancer`` works too).
    seed : int or None, default 0
        Seed of the generated sets (moons, circles, spirals, sine): the same seed gives
        the same data. None draws fresh randomness. The fixed sets ignore it.
    n_samples : int, optional
        Number of rows of a generated set (default 200 for the planar ones, 100 for sine).
        The fixed sets have a fixed size and refuse it.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        For an unknown name (the message lists the known ones) or a bad ``n_samples``/``seed``.
    """
    key, entry = _entry(name)
    if n_samples is not None:
        if entry.n_samples is None:
            raise DataError(f"The data set {key!r} has a fixed size; n_samples applies only to the generated sets "
                            f"({', '.join(k for k, e in _REGISTRY.items() if e.n_samples)}). "
                            f"Received n_samples={n_samples!r}.")
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
            raise DataError(f"n_samples must be an integer ≥ 2; received n_samples={n_samples!r}.")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise DataError(f"seed must be a non-negative integer or None; received seed={seed!r}.")
    rng = np.random.default_rng(seed)
    X, y, feature_names, target_name, class_names = entry.make(rng, int(n_samples or entry.n_samples or 0))
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.int64 if entry.task == CLASSIFICATION else np.float64)
    assert X.ndim == 2 and X.shape[0] == y.shape[0] and X.shape[1] == len(feature_names), (X.shape, y.shape)
    return Dataset(key, X, y, list(feature_names), target_name, entry.task,
                   None if class_names is None else list(class_names), entry.description)


def describe() -> list[tuple[str, str, int, int, str]]:
    """``(name, task, n_rows, n_features, description)`` of every data set, in :func:`names` order."""
    rows = []
    for key in names():
        ds = load(key)
        rows.append((key, ds.task, ds.n_rows, ds.n_features, ds.description))
    return rows


# -- export ------------------------------------------------------------------------------
def _check(ds) -> Dataset:
    if not isinstance(ds, Dataset):
        raise DataError(f"Expected a Dataset from neuronet.datasets.load(); received {type(ds).__name__}.")
    return ds


def _target_columns(ds: Dataset, target: str) -> list[list]:
    """The target as columns of Python values: class indices, class names, or floats."""
    if target not in ("index", "name"):
        raise DataError(f"target must be 'index' (class numbers) or 'name' (class names); received target={target!r}.")
    if ds.y.ndim == 1:
        cols = [ds.y]
    else:
        cols = [ds.y[:, k] for k in range(ds.y.shape[1])]
    if ds.task == CLASSIFICATION:
        if target == "name" and ds.class_names is not None:
            return [[ds.class_names[int(v)] for v in c] for c in cols]
        return [[int(v) for v in c] for c in cols]
    return [[float(v) for v in c] for c in cols]


def to_frame(ds: Dataset, target: str = "index"):
    """A pandas DataFrame: one column per feature, then the target column(s) last.

    ``target="name"`` puts class names instead of class indices in the target column.
    pandas is an optional dependency, imported only here.
    """
    _check(ds)
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_frame() needs pandas, which is not installed. Install it with "
                          "`pip install pandas`, or write a CSV file with datasets.write_csv(), "
                          "which needs nothing extra.") from None
    frame = pd.DataFrame(ds.X, columns=list(ds.feature_names))
    for col, values in zip(ds.target_names, _target_columns(ds, target)):
        frame[col] = values
    return frame


def write_csv(ds: Dataset, path: str | os.PathLike, target: str = "index") -> Path:
    """Write ``ds`` as CSV with a header row: the features, then the target column(s) last.

    Floats are written with ``repr`` so that reading the file back gives the same numbers
    bit for bit. The write is atomic: a temporary file in the same directory, flushed,
    synced, then renamed over ``path``. Returns the path written.
    """
    _check(ds)
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"Cannot write {str(path)!r}: the folder {str(folder)!r} does not exist. Create it first.")
    targets = _target_columns(ds, target)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(list(ds.feature_names) + ds.target_names)
    for b in range(ds.n_rows):
        writer.writerow([repr(float(v)) for v in ds.X[b]] + [t[b] for t in targets])
    try:
        write_bytes(path, text.getvalue().encode("utf-8"))
    except OSError as exc:
        raise DataError(f"Cannot write {str(path)!r}: {exc.strerror or exc}.") from exc
    return path
