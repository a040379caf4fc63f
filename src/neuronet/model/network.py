"""A network: a frozen structure plus its weights, evaluated level by level.

For every non-input, non-bias neuron j (the seed, chapter I)::

    z_j = Σ_{i∈In(j)} w_ij · o_i        o_j = f_j(z_j)

and, for a whole level t at once, over R restarts and a batch of B examples::

    z_t = Σ_s o_s @ W[t,s] + Σ_rows W[t,bias]   # (R, B, n_s) @ (R, n_s, n_t) -> (R, B, n_t)
    o_t = f_t(z_t)                               # per activation segment of the level

so the network implements f = σ_L∘A_L∘…∘σ_2∘A_2 (the seed, chapter II.III).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import backprop, files, initializers, losses
from ..errors import DataError, GraphError
from .arrays import as_float_array, resolve_dtype
from .forward import forward
from .structure import BIAS, Structure, compile_structure
from .topology import Topology


def _fits(w: float, dtype) -> bool:
    """Whether the finite float ``w`` stays finite in ``dtype`` (1e300 does not fit float32)."""
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.dtype(dtype).type(w)))


def _one_row(Y) -> np.ndarray:
    """The target of one example as a batch of one: a value or class index -> (1,), a vector -> (1, m)."""
    Y = np.asarray(Y)
    return Y[None] if Y.ndim <= 1 else Y


# -- results of trace and gradient ------------------------------------------------------
@dataclass
class Trace:
    """One example through the network, in the seed's notation.

    ``z[j]`` is the input of neuron j (for an input neuron, its coordinate of x) and
    ``o[j]`` its output (1 for bias neurons); ``y`` is the network's output vector.
    """

    x: np.ndarray
    z: dict[int, float]
    o: dict[int, float]
    y: np.ndarray


@dataclass
class Gradient:
    """∂L/∂w_ij for every edge (``weights[(i, j)]``), ∂L/∂z_j for every neuron (``deltas[j]``).

    L is the mean loss over the batch (``loss``). For a single example (1-D x), each delta
    is a float; for a batch, ``deltas[j]`` has shape (B,): the derivative of the batch's
    mean loss with respect to each example's z_j.
    """

    weights: dict[tuple[int, int], float]
    deltas: dict[int, Any]
    loss: float
    flat: np.ndarray = field(repr=False)  # (P,) in the layout of theta


class Network:
    """A feed-forward network: a compiled structure and one weight vector ``theta`` (P,).

    Build one with :class:`neuronet.Graph` or :func:`neuronet.mlp`; load one with
    :func:`neuronet.load`.
    """

    def __init__(self, structure: Structure, theta: np.ndarray, info: Mapping | None = None):
        theta = np.asarray(theta)
        if theta.shape != (structure.P,):
            raise ValueError(f"theta must have shape ({structure.P},); received {theta.shape}")
        self._S = structure
        self._theta = theta
        self.info: dict = dict(info or {})  # free-form metadata kept in model files (preprocessing, classes…)

    @classmethod
    def _from_graph(cls, topo: Topology, weights: Mapping, seed=None, dtype="float64", init="auto") -> "Network":
        dt = resolve_dtype(dtype)
        S = compile_structure(topo)
        if seed is not None and not isinstance(seed, (np.random.Generator, np.random.SeedSequence)) and (
                isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise DataError(f"seed must be None or an integer ≥ 0; received seed={seed!r}.")
        theta = initializers.draw(S, 1, np.random.default_rng(seed), init, dtype=dt)[0]
        for e, ij in enumerate(S.edges):
            w = weights.get(ij)
            if w is not None:
                if not _fits(w, dt):
                    raise GraphError(f"The edge {ij[0]} → {ij[1]} has the weight {w}, too large for "
                                     f"{np.dtype(dt).name}; use smaller weights or dtype='float64'.")
                theta[S.edge_param[e]] = w
        return cls(S, theta)

    # -- description ---------------------------------------------------------------------
    @property
    def structure(self) -> Structure:
        return self._S

    @property
    def theta(self) -> np.ndarray:
        """All weights in the engine's layout (P,), a read-only view."""
        v = self._theta.view()
        v.flags.writeable = False
        return v

    @property
    def dtype(self) -> np.dtype:
        return self._theta.dtype

    @property
    def neurons(self):
        return self._S.neurons

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return self._S.edges

    @property
    def inputs(self) -> list[int]:
        return list(self._S.inputs)

    @property
    def outputs(self) -> list[int]:
        return list(self._S.outputs)

    @property
    def biases(self) -> list[int]:
        return list(self._S.biases)

    @property
    def layers(self) -> list[list[int]] | None:
        """``[[ids of layer 1], [layer 2], …]`` with bias neurons in their layer, or None if not layered."""
        L = self._S.topology.layers
        return None if L is None else [list(layer) for layer in L]

    @property
    def levels(self) -> list[list[int]]:
        """Non-bias neuron ids by level (longest path from an input), in evaluation order."""
        return [sorted(lev.ids) for lev in self._S.levels]

    @property
    def n_params(self) -> int:
        """The number of weights (edges)."""
        return len(self._S.edges)

    def activation(self, nid: int) -> str | None:
        return self._S.topology.neuron(nid).activation

    def __repr__(self) -> str:
        kinds = [nu.kind for nu in self.neurons]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("input", "bias", "hidden", "output") if k in kinds)
        L = self.layers
        shape = ("layered " + "-".join(str(sum(1 for j in layer if self._S.topology.neuron(j).kind != "bias"))
                                        for layer in L)) if L else f"{len(self._S.levels)} levels, not layered"
        return f"<Network: {len(kinds)} neurons ({counts}), {len(self.edges)} edges, {shape}, {self.dtype}>"

    # -- weights ----------------------------------------------------------------------
    @property
    def weights(self) -> dict[tuple[int, int], float]:
        """``{(i, j): w_ij}`` for every edge, a copy."""
        return {ij: float(self._theta[p]) for ij, p in zip(self._S.edges, self._S.edge_param)}

    def set_weights(self, weights: Mapping[tuple[int, int], float]) -> None:
        """Set some or all weights ``{(i, j): w_ij}``; unknown edges and non-finite values are refused."""
        index = {ij: p for ij, p in zip(self._S.edges, self._S.edge_param)}
        new = self._theta.copy()
        for ij, w in dict(weights).items():
            key = tuple(ij) if isinstance(ij, (tuple, list)) else ij
            if key not in index:
                raise GraphError(f"set_weights: the network has no edge {ij!r}. Edges are (i, j) pairs of ids "
                                 f"such as {self._S.edges[0]}.")
            try:
                w = float(w)
            except (TypeError, ValueError):
                raise GraphError(f"set_weights: the weight of edge {key[0]} → {key[1]} must be a number; "
                                 f"received {w!r}.") from None
            if not np.isfinite(w):
                raise GraphError(f"set_weights: the weight of edge {key[0]} → {key[1]} must be finite; received {w}.")
            if not _fits(w, self.dtype):
                raise GraphError(f"set_weights: the weight of edge {key[0]} → {key[1]} is {w}, too large for "
                                 f"{self.dtype}; use smaller weights or a float64 network.")
            new[index[key]] = w
        self._theta = new

    def copy(self) -> "Network":
        return Network(self._S, self._theta.copy(), self.info)

    def astype(self, dtype) -> "Network":
        """The same network computing in another dtype ('float32' or 'float64')."""
        return Network(self._S, self._theta.astype(resolve_dtype(dtype)), self.info)

    def _with_theta(self, theta: np.ndarray) -> "Network":
        return Network(self._S, np.array(theta, dtype=self.dtype), self.info)

    # -- evaluation -------------------------------------------------------------------
    def _check_X(self, X, where: str = "X") -> tuple[np.ndarray, bool]:
        Xa = as_float_array(X, self.dtype, where)
        single = Xa.ndim == 1
        if single:
            Xa = Xa[None, :]
        n_in = self._S.n_in
        if Xa.ndim != 2:
            raise DataError(f"{where} must be one example (n_in,) or a batch (B, n_in); received shape {Xa.shape}.")
        if Xa.shape[1] != n_in:
            ids = ", ".join(map(str, self._S.inputs[:8])) + (" …" if n_in > 8 else "")
            hint = " For one input and many examples, pass X.reshape(-1, 1)." if single and n_in == 1 else ""
            raise DataError(f"{where} has {Xa.shape[1]} column{'s' if Xa.shape[1] != 1 else ''} per example, but the "
                            f"network has {n_in} input neuron{'s' if n_in != 1 else ''} (ids {ids}).{hint}")
        if Xa.shape[0] == 0:
            raise DataError(f"{where} is an empty batch (0 examples); pass at least one row.")
        return Xa, single

    def forward(self, X) -> np.ndarray:
        """f(X): a batch (B, n_in) -> (B, n_out); one example (n_in,) -> (n_out,)."""
        Xa, single = self._check_X(X)
        yhat = forward(self._S, self._theta[None], Xa).yhat[0]       # (B, n_out)
        return yhat[0] if single else yhat

    __call__ = forward

    def trace(self, x) -> Trace:
        """z_j and o_j of every neuron for one example x (n_in,)."""
        Xa, single = self._check_X(x, "x")
        if not single and Xa.shape[0] != 1:
            raise DataError(f"trace() takes one example (n_in,); received {Xa.shape[0]} rows. "
                            "Use forward() for a batch.")
        c = forward(self._S, self._theta[None], Xa)
        z: dict[int, float] = {}
        o: dict[int, float] = {}
        for nu in self.neurons:
            if nu.kind == "bias":
                o[nu.id] = 1.0
                continue
            t, col = self._S.position[nu.id]
            if t == 0:
                z[nu.id] = o[nu.id] = float(Xa[0, col])
            else:
                z[nu.id] = float(c.z[t][0, 0, col])
                o[nu.id] = float(c.o[t][0, 0, col])
        return Trace(Xa[0].copy(), dict(sorted(z.items())), dict(sorted(o.items())), c.yhat[0, 0].copy())

    def gradient(self, X, Y, loss: str = "squared") -> Gradient:
        """Backpropagation: ∂L/∂w_ij for every edge and ∂L/∂z_j for every neuron; L = batch mean."""
        Xa, single = self._check_X(X)
        lo = losses.get(loss)
        Ya = losses.prepare_targets(lo, _one_row(Y) if single else Y, self._S.n_out, self.dtype, Xa.shape[0], "Y")
        value, grad, deltas = backprop.loss_and_gradient(self._S, self._theta[None], Xa, Ya, lo, keep_deltas=True)
        g = grad[0]
        dz: dict[int, Any] = {}
        for nu in self.neurons:
            if nu.kind in ("hidden", "output"):
                t, col = self._S.position[nu.id]
                d = deltas[t][0, :, col]
                dz[nu.id] = float(d[0]) if single else d.copy()
        wg = {ij: float(g[p]) for ij, p in zip(self._S.edges, self._S.edge_param)}
        return Gradient(wg, dict(sorted(dz.items())), float(value[0]), g)

    def loss(self, X, Y, loss: str = "squared") -> float:
        """The mean loss over the examples."""
        Xa, single = self._check_X(X)
        lo = losses.get(loss)
        Ya = losses.prepare_targets(lo, _one_row(Y) if single else Y, self._S.n_out, self.dtype, Xa.shape[0], "Y")
        yhat = forward(self._S, self._theta[None], Xa).yhat
        return float(lo.value(yhat, Ya).mean())

    # -- the function view --------------------------------------------------------------
    def matrices(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Layered networks: ``[(W_2, b_2), …, (W_L, b_L)]`` with f = σ_L∘A_L∘…∘σ_2∘A_2, A_k(v) = W_k v + b_k.

        W_k has shape (n_k, n_{k−1}) over the non-bias neurons of layers k and k−1 in id order;
        a missing edge is a zero.
        """
        L = self.layers
        if L is None:
            raise GraphError("matrices() needs a layered network; this one has edges that skip layers. "
                             "Use forward() or collapse() instead.")
        kind = {nu.id: nu.kind for nu in self.neurons}
        units = [[j for j in layer if kind[j] != "bias"] for layer in L]
        w = self.weights
        out = []
        for k in range(1, len(units)):
            rows, cols = units[k], units[k - 1]
            W = np.zeros((len(rows), len(cols)), dtype=self.dtype)
            b = np.zeros(len(rows), dtype=self.dtype)
            col = {i: c for c, i in enumerate(cols)}
            row = {j: r for r, j in enumerate(rows)}
            for (i, j), v in w.items():
                if j in row:
                    if kind[i] == "bias":
                        b[row[j]] += v
                    else:
                        W[row[j], col[i]] = v
            out.append((W, b))
        return out

    def collapse(self) -> tuple[np.ndarray, np.ndarray]:
        """For a network whose neurons all apply the identity: (M, c) with f(x) = M x + c.

        The seed (II.III) lets the neurons "implement the identity function" and concludes
        that "this neural network does nothing except apply a single matrix to the input
        vector, namely the matrix A_L·…·A_2". That holds for the seed's linear maps A_k, i.e.
        without bias neurons: then c = 0 exactly and M = A_L·…·A_2 is that single matrix.
        With bias neurons (which the seed's own networks have), each layer adds a constant,
        A_k(v) = W_k v + b_k, and the network is one *affine* map: M = W_L·…·W_2 and
        c = Σ_k W_L·…·W_(k+1)·b_k, not one matrix. (Lift x to (x, 1) and it is one matrix
        again, [[M, c], [0, 1]].) Works for non-layered networks too (edges that skip levels
        add their products).

        Returns
        -------
        M : ndarray (n_out, n_in)
        c : ndarray (n_out,), all zeros when the network has no bias neurons
        """
        bad = [nu.id for nu in self.neurons if nu.activation not in (None, "identity")]
        if bad:
            raise GraphError(f"collapse() needs every neuron to apply the identity; neuron {bad[0]} applies "
                             f"{self.activation(bad[0])!r}" + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
                             + ". Only a network of identity neurons is one affine map (one matrix without bias neurons).")
        S, th = self._S, self._theta[None]
        n_in = S.n_in
        # Each level's outputs as an affine function of x: o_t = x @ M_t + c_t.
        M: list = [np.eye(n_in, dtype=self.dtype)] + [None] * (len(S.levels) - 1)
        c: list = [np.zeros(n_in, dtype=self.dtype)] + [None] * (len(S.levels) - 1)
        for t in range(1, len(S.levels)):
            n_t = len(S.levels[t].ids)
            Mt = np.zeros((n_in, n_t), dtype=self.dtype)
            ct = np.zeros(n_t, dtype=self.dtype)
            for blk in S.levels[t].blocks:
                W = blk.view(th)[0]                                   # (n_s, n_t)
                if blk.src == BIAS:
                    ct += W.sum(axis=0)
                else:
                    Mt += M[blk.src] @ W
                    ct += c[blk.src] @ W
            M[t], c[t] = Mt, ct
        Mout = np.zeros((n_in, S.n_out), dtype=self.dtype)
        cout = np.zeros(S.n_out, dtype=self.dtype)
        for t in range(1, len(S.levels)):
            lev = S.levels[t]
            Mout[:, lev.out_pos] = M[t][:, lev.out_cols]
            cout[lev.out_pos] = c[t][lev.out_cols]
        return Mout.T.copy(), cout

    # -- files ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Save to ``.json`` (readable, weights inline) or ``.safetensors`` (binary), by extension."""
        files.save(self, path)


def load(path) -> Network:
    """Read a network saved by :meth:`Network.save` (``.json`` or ``.safetensors``, by extension).

    Nothing in the file is ever executed: activations are looked up by name in neuronet's own
    table, and the graph is validated again as if built by hand (``files.read``).

    Raises
    ------
    ModelFileError
        For every problem with the file, with a message naming the file.
    """
    structure, theta, info = files.read(path)
    return Network(structure, theta, info)
