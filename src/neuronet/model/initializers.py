"""Initial weights for R networks at once: ``theta`` of shape (R, P), from a numpy Generator.

Every scheme draws each edge's weight uniformly from ``[−a_j, a_j]``, where the bound
belongs to the neuron j the edge points into (the weight belongs to j, as in the seed);
bias edges use the same bound as j's other incoming edges.

========  ===============================================  =================================
name      a_j                                              for
========  ===============================================  =================================
uniform   ``scale`` (default 1; the seed's "random         anything; Rumelhart et al. used 0.3
          initial weights")
glorot    √(6 / (fan_in_j + fan_out_j))                     logistic, tanh, identity, softplus
he        √(6 / fan_in_j)                                    relu, leaky_relu, elu
auto      glorot or he by j's activation                    the default
========  ===============================================  =================================
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from .structure import Structure

SCHEMES = ("auto", "uniform", "glorot", "he")
_RELU_LIKE = {"relu", "leaky_relu", "elu"}


def bounds(S: Structure, scheme: str = "auto", scale: float = 1.0) -> np.ndarray:
    """The bound a_j of each edge's target neuron: shape (E,)."""
    if scheme not in SCHEMES:
        raise DataError(f"Unknown initial-weight scheme init={scheme!r}. Known schemes: {', '.join(SCHEMES)}.")
    kind = {nu.id: nu.kind for nu in S.neurons}
    fan_in = {nu.id: 0 for nu in S.neurons}
    fan_out = {nu.id: 0 for nu in S.neurons}
    for i, j in S.edges:
        fan_out[i] += 1
        if kind[i] != "bias":
            fan_in[j] += 1
    out = np.empty(len(S.edges))
    for e, (_, j) in enumerate(S.edges):
        act = S.topology.neuron(j).activation
        s = scheme if scheme != "auto" else ("he" if act in _RELU_LIKE else "glorot")
        fi, fo = max(fan_in[j], 1), max(fan_out[j], 1)
        if s == "uniform":
            out[e] = scale
        elif s == "glorot":
            out[e] = np.sqrt(6.0 / (fi + fo))
        else:
            out[e] = np.sqrt(6.0 / fi)
    return out


def draw(S: Structure, R: int, rng: np.random.Generator, scheme: str = "auto", scale: float = 1.0,
         dtype=np.float64) -> np.ndarray:
    """Fresh weights for R networks: ``(R, P)``, zero where a block has no edge."""
    a = bounds(S, scheme, scale)                                  # (E,)
    theta = np.zeros((R, S.P), dtype=dtype)
    theta[:, S.edge_param] = rng.uniform(-1.0, 1.0, size=(R, len(a))) * a
    return theta
