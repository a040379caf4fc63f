"""Activation functions by name, each with its derivative beside it.

Every record holds ``f(z)`` and ``df(z, o)``, the derivative written in terms of the
pre-activation ``z`` and/or the output ``o = f(z)``, whichever is cheaper (as in
scikit-learn: the logistic derivative is ``o * (1 - o)``). All functions are
numerically stable: no overflow warnings for ``|z|`` up to 1e4 and beyond.

The table is the only way a name becomes code, so a model file naming an activation
can never run anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import GraphError

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """A neuron's function ``f`` with its derivative ``df(z, o) = f'(z)``."""

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array]
    formula: str
    derivative: str
    code: int  # stable small integer used by the compiled neuron engine
    trainable: bool = True

    def apply_in_place(self, z: Array) -> Array | None:
        """f(z) written over z, for functions whose derivative needs only o = f(z) (z > 0 ⟺ o > 0 for relu);
        None when this function cannot. The training step uses it to skip one array per level."""
        if self.name == "identity":
            return z
        if self.name == "relu":
            return np.maximum(z, 0, out=z)
        if self.name == "tanh":
            return np.tanh(z, out=z)
        return None

    def scale(self, g: Array, z: Array, o: Array) -> Array:
        """``g · f'(z)``, written into ``g`` (the backward pass owns it): one pass, no temporary for relu."""
        if self.name == "identity":
            return g
        if self.name == "relu":
            return np.multiply(g, z > 0, out=g)
        g *= self.df(z, o)
        return g

    def __reduce__(self):
        # Pickle by name (f and df are lambdas): networks, and estimators holding them, can then be
        # pickled, copied across processes (joblib) and restored to the same table entry.
        return (get, (self.name,))


def _logistic(z: Array) -> Array:
    # σ(z) = 1 / (1 + e^-z), written so that exp never sees a large positive number.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def _softplus(z: Array) -> Array:
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _elu(z: Array) -> Array:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


LEAKY_SLOPE = 0.01

_TABLE = [
    Activation("identity", lambda z: z, lambda z, o: np.ones_like(z), "f(z) = z", "f'(z) = 1", 0),
    Activation("logistic", _logistic, lambda z, o: o * (1 - o),
               "f(z) = 1 / (1 + e^-z)", "f'(z) = f(z)·(1 − f(z))", 1),
    Activation("tanh", np.tanh, lambda z, o: 1 - o * o, "f(z) = tanh z", "f'(z) = 1 − f(z)²", 2),
    Activation("relu", lambda z: np.maximum(z, 0), lambda z, o: (z > 0).astype(z.dtype),
               "f(z) = max(0, z)", "f'(z) = 1 if z > 0 else 0", 3),
    Activation("leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
               lambda z, o: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
               "f(z) = z if z > 0 else 0.01·z", "f'(z) = 1 if z > 0 else 0.01", 4),
    Activation("softplus", _softplus, lambda z, o: _logistic(z),
               "f(z) = log(1 + e^z)", "f'(z) = 1 / (1 + e^-z)", 5),
    Activation("elu", _elu, lambda z, o: np.where(z > 0, 1.0, o + 1).astype(z.dtype),
               "f(z) = z if z > 0 else e^z − 1", "f'(z) = 1 if z > 0 else f(z) + 1", 6),
    Activation("step", lambda z: (z >= 0).astype(z.dtype), lambda z, o: np.zeros_like(z),
               "f(z) = 1 if z ≥ 0 else 0", "f'(z) = 0 (almost everywhere)", 7, trainable=False),
]

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _TABLE}
# Common spellings people type, resolved to the canonical names.
ALIASES = {"sigmoid": "logistic", "linear": "identity", "heaviside": "step", "leakyrelu": "leaky_relu",
           "rectifier": "relu"}   # the seed's own word for max(0, x) (III.III)


def get(name: str) -> Activation:
    """The activation called ``name`` (or a common alias such as ``sigmoid``)."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise GraphError(f"An activation is given by name; received {name!r}. "
                         f"Known activations: {', '.join(ACTIVATIONS)}.")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        raise GraphError(f"Unknown activation {name!r}. Known activations: {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[key]


def names() -> list[str]:
    """Names of all known activations."""
    return list(ACTIVATIONS)
