"""How good predictions are, in the units people read: one module for the CLI, the report and load_model.

Plain NumPy on predicted and true values, so that every front end computes the same numbers
the same way (scikit-learn's definitions, without its warnings)::

    classification   accuracy           = Σ_c n_cc / N
                     recall_c           = n_cc / Σ_k n_ck        (row c of the confusion matrix n)
                     precision_c        = n_cc / Σ_k n_kc        (column c)
                     F1_c               = 2 · precision_c · recall_c / (precision_c + recall_c)
                     balanced accuracy  = mean of recall_c over the classes that occur in the true labels
    regression       RMSE = √(mean (y − ŷ)²),  MAE = mean |y − ŷ|,  R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²

A metric that is undefined (R² of a constant target, the precision of a class never
predicted, the recall of a class that never occurs) is ``None``, never NaN, so that it
survives JSON and reads as "–".

The module also keeps a fingerprint of the training rows (:func:`fingerprint`), so that an
evaluation can say how many of its rows the model was trained on (:func:`overlap`).

>>> m = classification(["a", "b", "b"], ["a", "b", "a"], ["a", "b"])
>>> m["accuracy"], m["balanced_accuracy"], m["per_class"]["b"]["recall"]
(0.6666666666666666, 0.75, 0.5)
>>> number(25266.4), number(0.012345), number(3.14159)
('25,266', '0.01235', '3.142')
"""

from __future__ import annotations

import base64
import math
from typing import Any, Sequence

import numpy as np

FINGERPRINT_EXACT = 16_384     # up to this many training rows, every row's hash is kept; beyond, a hash-chosen sample


# -- classification --------------------------------------------------------------------------
def _label_key(s: str):
    """Numbers numerically and before text, text alphabetically."""
    try:
        return (0, float(s), "")
    except ValueError:
        return (1, 0.0, s)


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def classification(true: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> dict:
    """Accuracy, balanced accuracy, per-class precision, recall, F1 and the confusion matrix.

    Parameters
    ----------
    true, pred : sequences of str
        The true and the predicted label of each row.
    classes : sequence of str
        The model's classes, in output order. True labels the model never saw get rows of
        their own after them (all their predictions are wrong).

    Returns
    -------
    dict
        ``rows``, ``accuracy``, ``balanced_accuracy``, ``labels`` (rows and columns of the
        matrix), ``confusion`` (list of lists; rows: true label, columns: predicted label) and
        ``per_class``: label -> ``{"precision", "recall", "f1", "support"}``.
    """
    labels = list(classes) + sorted({t for t in true if t not in set(classes)}, key=_label_key)
    index = {c: k for k, c in enumerate(labels)}
    t = np.fromiter((index[a] for a in true), dtype=np.intp, count=len(true))
    p = np.fromiter((index[b] for b in pred), dtype=np.intp, count=len(pred))
    K = len(labels)
    cm = np.bincount(t * K + p, minlength=K * K).reshape(K, K)                   # (K, K) rows true, cols pred
    support, predicted, hits = cm.sum(axis=1), cm.sum(axis=0), np.diag(cm)
    per_class = {}
    for k, c in enumerate(labels):
        prec, rec = _ratio(hits[k], predicted[k]), _ratio(hits[k], support[k])
        if prec is None or rec is None:
            f1 = None
        else:
            f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        per_class[c] = {"precision": prec, "recall": rec, "f1": f1, "support": int(support[k])}
    recalls = [v["recall"] for v in per_class.values() if v["recall"] is not None]
    n = len(t)
    return {"rows": n, "accuracy": _ratio(hits.sum(), n), "balanced_accuracy": float(np.mean(recalls)) if recalls
            else None, "labels": labels, "confusion": cm.tolist(), "per_class": per_class}


# -- regression -------------------------------------------------------------------------------
def regression(true, pred) -> dict:
    """RMSE, MAE and R² of predictions ``pred`` of ``true`` (both (B,), in the target's own units)."""
    y = np.asarray(true, dtype=np.float64).reshape(-1)
    r = y - np.asarray(pred, dtype=np.float64).reshape(-1)                       # (B,) residuals
    n = len(y)
    if n == 0:
        return {"rows": 0, "rmse": None, "mae": None, "r2": None}
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return {"rows": n, "rmse": float(np.sqrt(np.mean(r ** 2))), "mae": float(np.mean(np.abs(r))),
            "r2": float(1.0 - (r ** 2).sum() / ss_tot) if ss_tot > 0 else None}


# -- printing ---------------------------------------------------------------------------------
def number(v: Any, digits: int = 4) -> str:
    """A value as people read it: '25,266', '3.142', '0.01235', '–' for None or NaN, never '2.527e+04'.

    Large numbers are rounded to whole units with thousands separators; smaller ones keep
    ``digits`` significant digits; only values below 10⁻⁶ (or above 10¹⁵) use a power of ten.
    Between 10^(digits−1) and 10^digits a number keeps one decimal, as the hundreds before
    it do (999.9, 1,770.5: a median halfway between two whole values reads as it is).
    """
    if v is None:
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    v = float(v)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e15 or a < 1e-6:
        return f"{v:.{digits - 1}e}"
    if a >= 10 ** digits:
        return f"{v:,.0f}"
    if a >= 10 ** (digits - 1):
        s = f"{v:,.1f}"
        return s[:-2] if s.endswith(".0") else s
    decimals = digits - 1 - math.floor(math.log10(a))
    s = f"{v:.{decimals}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def share(v: float | None) -> str:
    """An accuracy-like share as a percentage with one decimal: '96.7%' ('–' for None)."""
    return "–" if v is None else f"{100 * v:.1f}%"


def summary(m: dict) -> str:
    """One line: 'accuracy 96.7%, balanced accuracy 95.2%' or 'RMSE 25,266, MAE 18,004, R² 0.8731'."""
    if "accuracy" in m:
        text = f"accuracy {share(m['accuracy'])}"
        if m.get("balanced_accuracy") is not None:
            text += f", balanced accuracy {share(m['balanced_accuracy'])}"
        return text
    r2 = m.get("r2")
    r2 = "–" if r2 is None or not math.isfinite(r2) else f"{r2:.4f}"        # NaN: a model file of version 1
    return f"RMSE {number(m['rmse'])}, MAE {number(m['mae'])}, R² {r2}"


def per_class_rows(m: dict) -> list[list[str]]:
    """Rows (class, precision, recall, F1, support) as text, for a table."""
    return [[c, _pct(v["precision"]), _pct(v["recall"]), _pct(v["f1"]), f"{v['support']:,}"]
            for c, v in m["per_class"].items()]


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


# -- the training rows' fingerprint ----------------------------------------------------------------
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on an array of uint64 (wrapping arithmetic)."""
    h = (h ^ (h >> np.uint64(30))) * _M1
    h = (h ^ (h >> np.uint64(27))) * _M2
    return h ^ (h >> np.uint64(31))


def row_hashes(X: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """A 64-bit hash (B,) of each row of the network inputs X (B, n) and its encoded target y (B,).

    The inputs are those the stored preprocessing makes, so a row hashes the same whatever the
    order of the file's columns and whatever other columns it has.
    """
    X = np.asarray(X, dtype=np.float64)
    cols = [X[:, c] for c in range(X.shape[1])]
    if y is not None:
        Y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        cols += [Y[:, c] for c in range(Y.shape[1])]
    h = np.full(len(X), 0x9E3779B97F4A7C15, dtype=np.uint64)
    for col in cols:                                     # one column at a time: memory O(B), not a copy of X
        h = _mix(h ^ (col + 0.0).view(np.uint64))        # + 0.0: a contiguous copy, and -0.0 becomes 0.0
    return h


def fingerprint(X: np.ndarray, y: np.ndarray | None = None) -> dict:
    """A compact record of the training rows, stored in the model file, for :func:`overlap`.

    Up to 16,384 rows every row's hash is kept (32 bits each); for more, the rows whose hash
    falls in a fixed 1/k of the hash space (k the smallest power of two with rows / k ≤ 16,384,
    so about that many hashes), and any file's rows can be tested against the same sample.
    """
    h = np.unique(row_hashes(X, y))
    k = 1
    while len(h) // k > FINGERPRINT_EXACT:
        k *= 2
    kept = h[(h >> np.uint64(32)) % np.uint64(k) == 0]
    low = np.sort((kept & np.uint64(0xFFFFFFFF)).astype("<u4"))
    return {"rows": int(len(X)), "distinct": int(len(h)), "sample_1_in": k,
            "hashes": base64.b64encode(low.tobytes()).decode("ascii")}


def overlap(fp: dict, X: np.ndarray, y: np.ndarray | None = None) -> dict | None:
    """How many rows of (X, y) are among the training rows ``fp`` describes: ``{"rows", "exact"}``.

    ``exact`` is False when the fingerprint holds a sample (then ``rows`` is an estimate).
    None when ``fp`` is missing or malformed (a model from an older version knows nothing).
    """
    try:
        k = int(fp["sample_1_in"])
        stored = np.frombuffer(base64.b64decode(fp["hashes"]), dtype="<u4")
    except (KeyError, TypeError, ValueError):
        return None
    if not 1 <= k < 2**63:    # a sampling rate uint64 arithmetic can hold; else the record is malformed
        return None
    h = row_hashes(X, y)
    mine = h[(h >> np.uint64(32)) % np.uint64(k) == 0]
    found = int(np.isin((mine & np.uint64(0xFFFFFFFF)).astype("<u4"), stored).sum())
    return {"rows": min(found * k, len(h)), "exact": k == 1}
