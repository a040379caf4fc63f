"""Loss functions by name: the value for each example and its gradient.

For one example with prediction ŷ (the output neurons' o) and target y:

==================  =========================================  ==========================
name                per-example loss                           ∂loss/∂ŷ_k
==================  =========================================  ==========================
squared             Σ_k (y_k − ŷ_k)²   (the seed's; no ½)      2·(ŷ_k − y_k)
absolute            Σ_k |y_k − ŷ_k|    (fits the median)        sign(ŷ_k − y_k)
huber               Σ_k h(ŷ_k − y_k), h(r)=½r² for |r|≤1,      clip(ŷ_k − y_k, −1, 1)
                    |r|−½ beyond
cross_entropy       −log softmax(ŷ)_y  (ŷ are logits)          softmax(ŷ)_k − [k = y]
binary_cross_ent.   −y log σ(ŷ) − (1−y) log(1−σ(ŷ)) per output σ(ŷ_k) − y_k
==================  =========================================  ==========================

A batch's loss is the mean over its examples. ``value`` and ``grad`` broadcast over a
leading restart axis: ŷ has shape (R, B, m) and y (B, m).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import DataError
from .arrays import as_float_array

Array = np.ndarray


def log_softmax(a: Array) -> Array:
    """log softmax over the last axis, stable for large logits."""
    m = a.max(axis=-1, keepdims=True)
    s = a - m
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def softmax(a: Array) -> Array:
    """softmax over the last axis, stable for large logits."""
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(a: Array) -> Array:
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


def _huber(r: Array) -> Array:
    a = np.abs(r)
    return np.where(a <= 1.0, 0.5 * r * r, a - 0.5)


@dataclass(frozen=True)
class Loss:
    """A loss: ``value(yhat, y) -> (…, B)`` per example and ``grad(yhat, y) -> (…, B, m)``."""

    name: str
    value: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], Array]
    formula: str
    code: int  # used by the compiled neuron engine
    classification: bool = False  # targets are classes (cross-entropies)
    both: Callable[[Array, Array], tuple] | None = None  # (value, grad) sharing their work, where cheaper

    def value_and_grad(self, p: Array, y: Array) -> tuple[Array, Array]:
        """(per-example loss (…, B), ∂loss/∂ŷ (…, B, m)) in one call."""
        return self.both(p, y) if self.both is not None else (self.value(p, y), self.grad(p, y))


def _cross_entropy_both(p: Array, y: Array) -> tuple[Array, Array]:
    logp = log_softmax(p)                                     # computed once for the value and the gradient
    return -(y * logp).sum(-1), np.exp(logp) - y


_TABLE = [
    Loss("squared", lambda p, y: ((y - p) ** 2).sum(-1), lambda p, y: 2 * (p - y),
         "L = Σ_k (y_k − ŷ_k)²", 0),
    Loss("absolute", lambda p, y: np.abs(y - p).sum(-1), lambda p, y: np.sign(p - y),
         "L = Σ_k |y_k − ŷ_k|", 1),
    Loss("huber", lambda p, y: _huber(p - y).sum(-1), lambda p, y: np.clip(p - y, -1.0, 1.0),
         "L = Σ_k h(ŷ_k − y_k), h(r) = ½r² if |r| ≤ 1 else |r| − ½", 2),
    Loss("cross_entropy", lambda p, y: -(y * log_softmax(p)).sum(-1), lambda p, y: softmax(p) - y,
         "L = −Σ_k y_k · log softmax(ŷ)_k", 3, classification=True, both=_cross_entropy_both),
    Loss("binary_cross_entropy",
         lambda p, y: (np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))).sum(-1),
         lambda p, y: sigmoid(p) - y,
         "L = Σ_k −y_k·log σ(ŷ_k) − (1 − y_k)·log(1 − σ(ŷ_k))", 4, classification=True),
]

LOSSES: dict[str, Loss] = {l.name: l for l in _TABLE}
ALIASES = {"mse": "squared", "squared_error": "squared", "l2": "squared", "mae": "absolute", "l1": "absolute",
           "log_loss": "cross_entropy", "softmax_cross_entropy": "cross_entropy", "crossentropy": "cross_entropy",
           "bce": "binary_cross_entropy", "binary_crossentropy": "binary_cross_entropy"}


def get(name: str | Loss) -> Loss:
    """The loss called ``name``."""
    if isinstance(name, Loss):
        return name
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in LOSSES:
        raise DataError(f"Unknown loss {name!r}. Known losses: {', '.join(LOSSES)}.")
    return LOSSES[key]


def prepare_targets(loss: Loss, Y, n_out: int, dtype, n_rows: int | None = None, where: str = "Y") -> Array:
    """Y as a float array of shape (B, n_out) that ``loss`` can use, or a clear DataError.

    cross_entropy takes class indices (B,) or one-hot rows (B, n_out); every other loss
    takes (B, n_out), or (B,) when there is one output.
    """

    Y = np.asarray(Y) if not isinstance(Y, np.ndarray) else Y
    if (loss.name == "cross_entropy" and Y.ndim == 1 and Y.dtype.kind == "f" and Y.size
            and np.isfinite(Y).all() and (Y == np.round(Y)).all()):
        Y = Y.astype(np.int64)  # class indices read as floats (e.g. from a CSV file)
    if loss.name == "cross_entropy" and Y.ndim == 1 and Y.dtype.kind in "iub":
        if n_out < 2:
            raise DataError("cross_entropy needs at least 2 output neurons (one logit per class); "
                            f"the network has {n_out}. Use binary_cross_entropy for one output.")
        if Y.size and (Y.min() < 0 or Y.max() >= n_out):
            bad = int(Y[(Y < 0) | (Y >= n_out)][0])
            raise DataError(f"{where} holds the class index {bad}, but the network has {n_out} outputs "
                            f"(classes 0…{n_out - 1}).")
        onehot = np.zeros((Y.shape[0], n_out), dtype=dtype)
        onehot[np.arange(Y.shape[0]), Y.astype(np.intp)] = 1
        Y = onehot
    Y = as_float_array(Y, dtype, where)
    if Y.ndim == 1 and n_out == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[1] != n_out:
        raise DataError(f"{where} has shape {Y.shape}, but the network has {n_out} output"
                        f"{'s' if n_out != 1 else ''}: expected ({Y.shape[0] if Y.ndim else 'B'}, {n_out})"
                        + (" or class indices (B,)" if loss.name == "cross_entropy" else "") + ".")
    if n_rows is not None and Y.shape[0] != n_rows:
        raise DataError(f"X has {n_rows} rows but {where} has {Y.shape[0]}; they must match.")
    if loss.name == "binary_cross_entropy" and ((Y < 0) | (Y > 1)).any():
        raise DataError(f"binary_cross_entropy needs targets in [0, 1]; {where} holds {Y[(Y < 0) | (Y > 1)][0]}.")
    if loss.name == "cross_entropy" and Y.size:
        # The gradient softmax(ŷ) − y is the derivative of −Σ_k y_k log softmax(ŷ)_k only when Σ_k y_k = 1.
        tol = 1e-6 if Y.dtype == np.float64 else 1e-4
        sums = Y.sum(axis=1)
        bad = np.flatnonzero((Y < 0).any(axis=1) | (np.abs(sums - 1) > tol))
        if bad.size:
            r = int(bad[0])
            row = Y[r].tolist() if Y.shape[1] <= 10 else f"{Y.shape[1]} values with minimum {Y[r].min():.6g}"
            raise DataError(f"cross_entropy needs each row of {where} to be one-hot or a probability distribution "
                            f"(values ≥ 0 summing to 1); row {r} is {row} (sum {sums[r]:.6g}). "
                            "Pass class indices (B,) or one-hot rows.")
    return Y
