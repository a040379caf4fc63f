"""A validated graph of neurons and weighted edges (the seed, chapter I): kinds, levels, layers.

A neuron is one of four kinds:

* ``input``  -- receives one coordinate of x and passes it on; applies no function;
* ``bias``   -- has no incoming edges and always outputs 1;
* ``hidden`` -- computes ``o_j = f_j(z_j)`` with ``z_j = Σ_{i∈In(j)} w_ij·o_i``;
* ``output`` -- like a hidden neuron; its ``o_j`` is a coordinate of the network's output.

An edge ``i → j`` carries the weight ``w_ij``, which belongs to the neuron it points
into. The graph must be feed-forward (no cycle). It is *layered* when its neurons split
into an ordered list of layers with edges only from one layer to the next; non-layered
graphs (a→b, b→c, a→c) are just as valid.

This module knows nothing of arrays: :func:`validate` checks a graph and computes its levels;
``structure.py`` compiles the result into weight blocks, and ``graph.py`` is the builder a user
writes (``nn.Graph``).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Iterable

from ..errors import GraphError

KINDS = ("input", "bias", "hidden", "output")


@dataclass(frozen=True)
class Neuron:
    """One neuron: its id (1, 2, 3… in creation order), kind, activation name and name."""

    id: int
    kind: str
    activation: str | None = None  # None for input and bias neurons
    name: str | None = None

    @property
    def label(self) -> str:
        """``"neuron 3"`` or ``"neuron 3 ('h1')"`` for messages."""
        return f"neuron {self.id}" + (f" ({self.name!r})" if self.name else "")


@dataclass(frozen=True)
class Topology:
    """A validated graph: neurons, edges, and each non-bias neuron's level.

    ``level[j]`` is the length of the longest path from an input to j that does not
    start at a bias neuron (inputs are level 0); it is the order of evaluation.
    ``layers`` is the division into layers when the graph is layered, else None.
    """

    neurons: tuple[Neuron, ...]
    edges: tuple[tuple[int, int], ...]
    level: dict[int, int]
    layers: tuple[tuple[int, ...], ...] | None

    def neuron(self, nid: int) -> Neuron:
        return self.neurons[nid - 1]


def _find_cycle(ids: Iterable[int], succ: dict[int, list[int]]) -> list[int] | None:
    """A cycle as a list of ids (first repeated at the end), or None."""
    color: dict[int, int] = {}
    for start in ids:
        if color.get(start):
            continue
        stack = [(start, iter(succ[start]))]
        path = [start]
        color[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = 2
                stack.pop()
                path.pop()
            elif color.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not color.get(nxt):
                color[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
                path.append(nxt)
    return None


def validate(neurons: list[Neuron] | tuple[Neuron, ...], edges: list[tuple[int, int]] | tuple,
             weights: dict | None = None, problems: list[str] | None = None) -> Topology:
    """Check every rule of a feed-forward network; return its Topology or raise GraphError."""
    neurons = tuple(neurons)
    n = len(neurons)
    errs: list[str] = list(problems or [])
    by_id = {nu.id: nu for nu in neurons}
    label = lambda i: by_id[i].label if i in by_id else f"neuron {i}"  # noqa: E731
    if not any(nu.kind == "input" for nu in neurons):
        errs.append("The graph has no input neuron; add one with g.input().")
    if not any(nu.kind == "output" for nu in neurons):
        errs.append("The graph has no output neuron; add one with g.output(activation).")
    good: list[tuple[int, int]] = []
    for i, j in edges:
        bad = [r for r in (i, j) if not 1 <= r <= n]
        if bad:
            errs.append(f"The edge {i} → {j} names unknown neuron id {bad[0]}; ids run from 1 to {n}.")
            continue
        if i == j:
            errs.append(f"The edge {i} → {j} is a self-loop; a feed-forward network has no cycles.")
            continue
        if by_id[j].kind == "input":
            errs.append(f"The edge {i} → {j} points into input {label(j)}; inputs receive no edges.")
            continue
        if by_id[j].kind == "bias":
            errs.append(f"The edge {i} → {j} points into bias {label(j)}; bias neurons receive no edges "
                        "(they always output 1).")
            continue
        if by_id[i].kind == "output":
            errs.append(f"The edge {i} → {j} leaves output {label(i)}; output neurons have no outgoing "
                        "edges (use a hidden neuron).")
            continue
        if weights is not None:
            w = weights.get((i, j))
            if w is not None and not math.isfinite(w):
                errs.append(f"The edge {i} → {j} has the non-finite weight {w}; weights must be finite numbers.")
                continue
        good.append((i, j))
    if errs:
        raise GraphError(_join(errs))

    succ: dict[int, list[int]] = {nu.id: [] for nu in neurons}
    pred: dict[int, list[int]] = {nu.id: [] for nu in neurons}
    for i, j in good:
        succ[i].append(j)
        pred[j].append(i)
    cycle = _find_cycle([nu.id for nu in neurons], succ)
    if cycle:
        raise GraphError("The graph has a cycle: " + " → ".join(map(str, cycle))
                         + ". A feed-forward network must have none; remove one of these edges.")
    for nu in neurons:
        if nu.kind in ("hidden", "output") and not pred[nu.id]:
            errs.append(f"{nu.kind.capitalize()} {nu.label} has no incoming edge; connect something into it.")
    if errs:
        raise GraphError(_join(errs))

    # Levels: longest path from an input, not counting edges out of bias neurons.
    level: dict[int, int] = {}
    order = _topological(neurons, succ, pred)
    for j in order:
        nu = by_id[j]
        if nu.kind == "bias":
            continue
        srcs = [level[i] for i in pred[j] if by_id[i].kind != "bias"]
        level[j] = 0 if nu.kind == "input" else 1 + max(srcs, default=0)

    reach = set(nu.id for nu in neurons if nu.kind == "input")
    for j in order:
        if any(i in reach for i in pred[j] if by_id[i].kind != "bias"):
            reach.add(j)
    unreached = [nu for nu in neurons if nu.kind == "output" and nu.id not in reach]
    if unreached:
        raise GraphError(_join([f"Output {nu.label} is not reached from any input; its value would not "
                                "depend on x. Connect a path from an input to it." for nu in unreached]))

    return Topology(neurons, tuple(good), level, _layers(neurons, good, level, succ))


def _topological(neurons, succ, pred) -> list[int]:
    indeg = {nu.id: len(pred[nu.id]) for nu in neurons}
    ready = [nu.id for nu in neurons if indeg[nu.id] == 0]
    heapq.heapify(ready)  # smallest id first: deterministic, close to creation order
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(ready, j)
    return order


def _layers(neurons, edges, level, succ) -> tuple[tuple[int, ...], ...] | None:
    """The layers by the seed's definition, or None when there are none.

    The seed (chapter I): "If it is possible to divide the entire set of neurons into an
    ordered list of subsets, such that each neuron only points towards neurons in the subset
    next in line, the network is called layered", and layer 1 is the input layer. So every edge
    i → j, bias edges included, must satisfy layer(j) = layer(i) + 1, with every input in
    layer 1. Such a numbering is unique up to a shift on each connected piece of the graph:
    a walk along the edges (forwards +1, backwards −1) fixes it, and the walk finds a
    contradiction exactly when the network is not layered (an edge a → c beside a → b → c).
    Consequences the seed's definition has and a stricter rule would miss: outputs may sit
    in different layers (x → h → o₁ beside x → o₂, which is read out of layer 2), a hidden
    neuron fed only by a bias neuron sits just before the neurons it feeds, and a bias
    neuron sits in the layer before the neurons it serves (the seed's neuron 5 in layer 2
    feeds layer 3); a bias neuron serving two layers breaks the layering, as the seed's
    "each hidden layer has exactly one bias neuron" expects.

    Returned as ``(layer 1, layer 2, …)`` with ids in creation order (indices 0, 1, … here).
    """
    del level  # the levels (longest paths) order evaluation; layers are a property of the graph alone
    adj: dict[int, list[tuple[int, int]]] = {nu.id: [] for nu in neurons}
    for i, j in edges:
        adj[i].append((j, 1))
        adj[j].append((i, -1))
    layer: dict[int, int] = {}
    for start in [nu.id for nu in neurons if nu.kind == "input"] + [nu.id for nu in neurons]:
        if start in layer:
            continue
        piece = _walk(start, adj)
        if piece is None:
            return None                                       # an edge skips or goes back a layer
        inputs = {piece[nu.id] for nu in neurons if nu.kind == "input" and nu.id in piece}
        if len(inputs) > 1:
            return None                                       # inputs in two layers: no input layer
        base = inputs.pop() if inputs else min(piece.values())
        for j, p in piece.items():
            layer[j] = p - base
    if min(layer.values()) < 0:
        return None                                           # something would sit before the input layer
    groups: list[list[int]] = [[] for _ in range(max(layer.values()) + 1)]
    for nu in neurons:
        groups[layer[nu.id]].append(nu.id)
    return tuple(tuple(g) for g in groups)


def _walk(start: int, adj: dict[int, list[tuple[int, int]]]) -> dict[int, int] | None:
    """Number the connected piece of ``start`` so that every edge climbs by one; None on a contradiction."""
    pos = {start: 0}
    stack = [start]
    while stack:
        i = stack.pop()
        for j, step in adj[i]:
            want = pos[i] + step
            if j not in pos:
                pos[j] = want
                stack.append(j)
            elif pos[j] != want:
                return None
    return pos


def _join(errs: list[str]) -> str:
    if len(errs) == 1:
        return errs[0]
    shown = errs[:10]
    more = f"\n  … and {len(errs) - 10} more" if len(errs) > 10 else ""
    return f"The graph has {len(errs)} problems:\n  " + "\n  ".join(shown) + more
