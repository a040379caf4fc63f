"""Building a network by hand, neuron by neuron and edge by edge (the seed, chapter I).

``nn.Graph`` collects neurons (input, bias, hidden, output; see ``topology.py``) and edges
``i → j`` with optional weights; :meth:`Graph.build` validates the graph and compiles it into
a :class:`~neuronet.Network`. :func:`mlp` builds the layered, fully connected kind.

>>> import neuronet as nn
>>> g = nn.Graph()
>>> x, b = g.input(), g.bias()
>>> y = g.output("identity")
>>> g.connect(x, y, 2.0); g.connect(b, y, 1.0)
>>> g.build().forward([3.0])
array([7.])
"""

from __future__ import annotations

from . import activations
from .._memory import require
from ..errors import GraphError
from .network import Network
from .topology import Neuron, validate

BYTES_PER_EDGE = 400   # measured peak while mlp builds and compiles a graph: ~320 bytes per edge

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
        topo = validate(self._neurons, self._edges, self._weights, self._problems)
        return Network._from_graph(topo, self._weights, seed=seed, dtype=dtype, init=init)


def mlp(sizes, hidden: str = "relu", output: str = "identity", seed=None, dtype="float64",
        init: str = "auto") -> Network:
    """The layered, fully connected network with layer sizes ``[n_in, h1, …, n_out]``.

    One bias neuron per non-output layer; ids in layer order as in the seed (each layer's
    units first, then its bias neuron).
    """
    try:
        if any(isinstance(s, bool) or int(s) != s for s in sizes):
            raise ValueError
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise GraphError(f"mlp() takes a list of layer sizes such as [2, 3, 1]; received {sizes!r}.") from None
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise GraphError(f"mlp() needs at least an input and an output layer, each with ≥ 1 neuron; "
                         f"received sizes={sizes}.")
    edges = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))          # weights and biases
    require(edges * BYTES_PER_EDGE, f"mlp({sizes})", "the layer sizes",
            f"{edges:,} weights × about {BYTES_PER_EDGE} bytes each while the graph is built", error=GraphError)
    g = Graph()
    prev = [g.input() for _ in range(sizes[0])]
    for k, n in enumerate(sizes[1:], start=1):
        b = g.bias()
        last = k == len(sizes) - 1
        units = [g.output(output) if last else g.neuron(hidden) for _ in range(n)]
        for j in units:
            for i in prev:
                g.connect(i, j)
            g.connect(b, j)
        prev = units
    return g.build(seed=seed, dtype=dtype, init=init)
