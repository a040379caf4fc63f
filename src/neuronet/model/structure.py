"""A validated graph compiled once into levels and dense weight blocks (DESIGN §2).

Non-bias neurons are grouped into *levels* (level = longest path from an input; the
inputs are level 0). For each pair (target level t, source level s) that has edges
there is one dense block ``W[t,s]`` of shape ``(n_s, n_t)``, and the bias neurons that
feed level t form a bias block of shape ``(k_t, n_t)`` (usually k_t = 1). A block has
a mask when not every pair is connected; masked entries are kept at zero.

All weights of R networks (restarts) live in one array ``theta`` of shape ``(R, P)``;
each block is a reshaped view ``theta[:, off:off+n_s*n_t].reshape(R, n_s, n_t)``.
``edge_param[e]`` is the position in theta of the weight of edge ``e``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations
from .activations import Activation
from .topology import Topology

BIAS = -1  # the source "level" of a bias block


@dataclass(frozen=True, eq=False)
class Block:
    """Weights from source level ``src`` (or the bias neurons ``rows`` when src = BIAS) into a level."""

    src: int
    rows: tuple[int, ...]       # source neuron ids, in the source level's column order
    offset: int
    shape: tuple[int, int]      # (n_s, n_t)
    mask: np.ndarray | None     # (n_s, n_t) bool, None when fully connected

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def view(self, theta: np.ndarray) -> np.ndarray:
        """This block of every restart: ``(R, P) -> (R, n_s, n_t)``, a view."""
        return theta[:, self.offset:self.offset + self.size].reshape(theta.shape[0], *self.shape)


@dataclass(frozen=True, eq=False)
class Level:
    ids: tuple[int, ...]                               # column order
    blocks: tuple[Block, ...]                          # source levels ascending, bias block last
    segments: tuple[tuple[Activation, slice], ...]     # contiguous columns sharing an activation
    out_cols: np.ndarray                               # columns of this level that are outputs
    out_pos: np.ndarray                                # their positions in the network output


@dataclass(frozen=True, eq=False)
class Structure:
    """The frozen, array-free description shared by every engine."""

    topology: Topology
    levels: tuple[Level, ...]
    P: int
    edge_param: np.ndarray      # (E,) position in theta of each edge's weight
    param_mask: np.ndarray      # (P,) True where a real edge lives
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    biases: tuple[int, ...]
    position: dict[int, tuple[int, int]]  # neuron id -> (level, column)
    output_is_last_level: bool  # the last level is exactly the outputs, in order

    @property
    def n_in(self) -> int:
        return len(self.inputs)

    @property
    def n_out(self) -> int:
        return len(self.outputs)

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return self.topology.edges

    @property
    def neurons(self):
        return self.topology.neurons

    def activation(self, nid: int) -> Activation | None:
        a = self.topology.neuron(nid).activation
        return None if a is None else activations.get(a)

    def views(self, theta: np.ndarray) -> list[list[np.ndarray]]:
        """Every block of every level as a view into ``theta`` (R, P): ``views[t][k]`` is (R, n_s, n_t).

        Making a view costs about a microsecond; an engine makes them once per array, not per batch.
        """
        return [[blk.view(theta) for blk in lev.blocks] for lev in self.levels]



def compile_structure(topo: Topology) -> Structure:
    neurons = topo.neurons
    kind = {nu.id: nu.kind for nu in neurons}
    inputs = tuple(nu.id for nu in neurons if nu.kind == "input")
    outputs = tuple(nu.id for nu in neurons if nu.kind == "output")
    biases = tuple(nu.id for nu in neurons if nu.kind == "bias")
    depth = max(topo.level.values())

    # Columns of each level: grouped by activation (first appearance), then id order,
    # so that each activation applies to one contiguous slice.
    by_level: dict[int, list[int]] = {}
    for nu in neurons:
        if nu.kind in ("hidden", "output"):
            by_level.setdefault(topo.level[nu.id], []).append(nu.id)
    out_index = {j: k for k, j in enumerate(outputs)}
    columns: list[list[int]] = [list(inputs)]
    for t in range(1, depth + 1):
        ids = by_level.get(t, [])
        order = {}
        for j in ids:
            order.setdefault(topo.neuron(j).activation, len(order))
        ids.sort(key=lambda j: (order[topo.neuron(j).activation], j))
        columns.append(ids)
    position = {j: (t, c) for t, ids in enumerate(columns) for c, j in enumerate(ids)}

    incoming: dict[int, dict[int, list[tuple[int, int]]]] = {t: {} for t in range(1, depth + 1)}
    for e, (i, j) in enumerate(topo.edges):
        s = BIAS if kind[i] == "bias" else topo.level[i]
        incoming[topo.level[j]].setdefault(s, []).append((e, i))

    edge_param = np.full(len(topo.edges), -1, dtype=np.int64)
    offset = 0
    levels: list[Level] = [Level(tuple(inputs), (), (), np.zeros(0, np.intp), np.zeros(0, np.intp))]
    for t in range(1, depth + 1):
        cols = columns[t]
        blocks = []
        for s in sorted(incoming[t], key=lambda s: (s == BIAS, s)):
            if s == BIAS:
                rows = tuple(sorted({i for _, i in incoming[t][s]}))
            else:
                rows = tuple(columns[s])
            row_of = {i: r for r, i in enumerate(rows)}
            n_s, n_t = len(rows), len(cols)
            mask = np.zeros((n_s, n_t), dtype=bool)
            for e, i in incoming[t][s]:
                r, c = row_of[i], position[topo.edges[e][1]][1]
                mask[r, c] = True
                edge_param[e] = offset + r * n_t + c
            blocks.append(Block(s, rows, offset, (n_s, n_t), None if mask.all() else mask))
            offset += n_s * n_t
        segments = []
        start = 0
        for c in range(1, len(cols) + 1):
            if c == len(cols) or topo.neuron(cols[c]).activation != topo.neuron(cols[start]).activation:
                segments.append((activations.get(topo.neuron(cols[start]).activation), slice(start, c)))
                start = c
        out_cols = [c for c, j in enumerate(cols) if kind[j] == "output"]
        out_pos = [out_index[cols[c]] for c in out_cols]
        levels.append(Level(tuple(cols), tuple(blocks), tuple(segments),
                            np.asarray(out_cols, np.intp), np.asarray(out_pos, np.intp)))
    param_mask = np.zeros(offset, dtype=bool)
    param_mask[edge_param] = True
    last = levels[-1]
    return Structure(topo, tuple(levels), offset, edge_param, param_mask, inputs, outputs, biases, position,
                     output_is_last_level=tuple(last.ids) == outputs)
