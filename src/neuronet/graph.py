"""Networks as graphs of neurons and weighted edges (the seed, chapter I).

A neuron is one of four kinds:

* ``input``  -- receives one coordinate of x and passes it on; applies no function;
* ``bias``   -- has no incoming edges and always outputs 1;
* ``hidden`` -- computes ``o_j = f_j(z_j)`` with ``z_j = Σ_{i∈In(j)} w_ij·o_i``;
* ``output`` -- like a hidden neuron; its ``o_j`` is a coordinate of the network's output.

An edge ``i → j`` carries the weight ``w_ij``, which belongs to the neuron it points
into. The graph must be feed-forward (no cycle). It is *layered* when its neurons split
into an ordered list of layers with edges only from one layer to the next; non-layered
graphs (a→b, b→c, a→c) are just as valid.

This module knows nothing of arrays: it checks the graph and computes its levels.
``network.py`` compiles the result.

>>> import neuronet as nn
>>> g = nn.Graph()
>>> x, b = g.input(), g.bias()
>>> y = g.output("identity")
>>> g.connect(x, y, 2.0); g.connect(b, y, 1.0)
>>> g.build().forward([3.0])
array([7.])
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from . import activations
from .errors import GraphError

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

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


class Graph:
    """A mutable builder of a feed-forward network; ``build()`` freezes it into a Network.

    Ids are 1, 2, 3… in creation order, as in the seed's numbering. Mistakes that can
    only be seen in the whole graph (cycles, unreachable outputs…) are reported by
    ``build()``; mistakes in a single call (a wrong kind of argument) are reported at once.
    """

    def __init__(self) -> None:
        self._neurons: list[Neuron] = []
        self._edges: list[tuple[int, int]] = []
        self._weights: dict[tuple[int, int], float | None] = {}
        self._names: dict[str, int] = {}
        self._problems: list[str] = []  # per-call mistakes found lazily (duplicates, unknown ids)

    # -- neurons ---------------------------------------------------------------------
    def _add(self, kind: str, activation: str | None, name: str | None) -> int:
        if name is not None:
            if not isinstance(name, str) or not name:
                raise GraphError(f"A neuron name must be a non-empty string; received name={name!r}.")
            if name in self._names:
                raise GraphError(f"The name {name!r} is already used by neuron {self._names[name]}; "
                                 "names must be unique.")
        if kind in ("hidden", "output"):  # None is refused here, not later at build()
            activation = activations.get(activation).name
        nid = len(self._neurons) + 1
        self._neurons.append(Neuron(nid, kind, activation, name))
        if name is not None:
            self._names[name] = nid
        return nid

    def input(self, name: str | None = None) -> int:
        """Add an input neuron (passes its coordinate of x on unchanged). Returns its id."""
        return self._add("input", None, name)

    def bias(self, name: str | None = None) -> int:
        """Add a bias neuron (no incoming edges, always outputs 1). Returns its id."""
        return self._add("bias", None, name)

    def neuron(self, activation: str = "logistic", name: str | None = None) -> int:
        """Add a hidden neuron that applies ``activation``. Returns its id."""
        return self._add("hidden", activation, name)

    def output(self, activation: str = "identity", name: str | None = None) -> int:
        """Add an output neuron that applies ``activation``. Returns its id."""
        return self._add("output", activation, name)

    # -- edges -----------------------------------------------------------------------
    def _resolve(self, ref: int | str, role: str) -> int:
        if isinstance(ref, str):
            if ref not in self._names:
                raise GraphError(f"connect(): unknown {role} neuron name {ref!r}.")
            return self._names[ref]
        if isinstance(ref, bool) or not isinstance(ref, (int,)) and not hasattr(ref, "__index__"):
            raise GraphError(f"connect(): the {role} must be a neuron id or name; received {ref!r}.")
        return int(ref)

    def connect(self, src: int | str, dst: int | str, weight: float | None = None) -> None:
        """Add the edge ``src → dst`` with weight ``w_src,dst`` (None: drawn at build)."""
        i, j = self._resolve(src, "source"), self._resolve(dst, "target")
        if weight is not None:
            try:
                weight = float(weight)
            except (TypeError, ValueError):
                raise GraphError(f"connect({i}, {j}): the weight must be a number; received {weight!r}.") from None
        if (i, j) in self._weights:
            self._problems.append(f"The edge {i} → {j} was added twice; each pair of neurons has at most one edge.")
            return
        self._edges.append((i, j))
        self._weights[(i, j)] = weight

    # -- reading ---------------------------------------------------------------------
    @property
    def neurons(self) -> tuple[Neuron, ...]:
        return tuple(self._neurons)

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return tuple(self._edges)

    def weight(self, src: int, dst: int) -> float | None:
        return self._weights[(src, dst)]

    def build(self, seed: int | None = None, dtype: str = "float64", init: str = "auto") -> "Network":
        """Validate the graph and compile it into a :class:`~neuronet.Network`.

        Weights given to ``connect`` are kept; the others are drawn by the initial-weight
        scheme ``init`` (see ``neuronet.initializers``) from ``seed``.
        """
        from .network import Network  # graph is below network in the data flow

        topo = validate(self._neurons, self._edges, self._weights, self._problems)
        return Network._from_graph(topo, self._weights, seed=seed, dtype=dtype, init=init)


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
    """The layers when every edge goes from one layer to the next, else None.

    A bias neuron belongs to the layer just before the neurons it feeds (the seed's
    neuron 5 sits in layer 2 and feeds layer 3); all outputs must be in the last layer.
    """
    by_id = {nu.id: nu for nu in neurons}
    depth = max(level.values())
    layer = dict(level)
    for nu in neurons:
        if nu.kind == "bias":
            targets = {level[j] for j in succ[nu.id]}
            if len(targets) > 1:
                return None
            layer[nu.id] = (targets.pop() - 1) if targets else 0
    for i, j in edges:
        if by_id[i].kind != "bias" and level[j] != level[i] + 1:
            return None
    for nu in neurons:
        if nu.kind == "output" and level[nu.id] != depth:
            return None
        if nu.kind == "hidden" and level[nu.id] == depth:
            return None
    groups: list[list[int]] = [[] for _ in range(depth + 1)]
    for nu in neurons:
        groups[layer[nu.id]].append(nu.id)
    return tuple(tuple(g) for g in groups)


def _join(errs: list[str]) -> str:
    if len(errs) == 1:
        return errs[0]
    shown = errs[:10]
    more = f"\n  … and {len(errs) - 10} more" if len(errs) > 10 else ""
    return f"The graph has {len(errs)} problems:\n  " + "\n  ".join(shown) + more
