"""Where to draw each neuron and edge of a network: plain data, no matplotlib.

Walking the network is kept apart from rendering it (as micrograd keeps ``trace`` apart
from ``draw_dot``), so the layout can be tested on numbers and drawn by any backend.

Neurons go into columns, left to right:

* a layered network: column k is layer k (``net.layers``), bias neurons with the layer
  they belong to (the seed's neuron 5 sits in layer 2 and feeds layer 3);
* a non-layered one: column = level (longest path from an input), outputs in the last
  column, and each bias neuron one column before the lowest level it feeds.

Within a column the neurons are in id order and centred on y = 0; all bias neurons sit
on one row below the others. A column with more than ``max_per_level`` neurons shows its
first and last few with a gap (an ellipsis) between them. Edges between adjacent columns
are straight; edges that skip columns are quadratic Bézier arcs bowed away from the
middle, so they do not run through the neurons they pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network

COLORS = {"input": "#93d394", "bias": "#8dbbe8", "hidden": "#eeeeee", "output": "#f29a90"}
"""Fill colour of each kind of neuron: inputs green, bias blue, outputs red (as in the seed's figures)."""

SYMBOLS = {"identity": "id", "logistic": "σ", "tanh": "tanh", "relu": "relu", "leaky_relu": "lrelu",
           "softplus": "sp", "elu": "elu", "step": "step"}
"""What is written inside a neuron that applies each activation."""

DX = 2.4        # distance between columns
DY = 1.0        # distance between neurons of a column
RADIUS = 0.3    # of a neuron's circle
LABEL_HALF = (0.27, 0.115)  # half width and height of a weight label's box, in the same units
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Node:
    """One neuron as drawn: its place, what is written inside it, and its colour."""

    id: int
    kind: str                 # "input" | "bias" | "hidden" | "output"
    activation: str | None
    column: int
    x: float
    y: float
    symbol: str               # inside the circle: "x₁", "1", "σ", "relu" …
    caption: str              # beside it: the id (and name, if any)
    color: str


@dataclass(frozen=True)
class Edge:
    """One edge i → j as drawn.

    ``points`` has 2 points (a straight segment) or 3 (start, control point, end of a
    quadratic Bézier arc); both are cut short at the two circles. ``label_xy`` is where
    the weight goes.
    """

    src: int
    dst: int
    weight: float
    skip: bool                # spans more than one column, drawn as an arc
    from_bias: bool
    points: tuple[tuple[float, float], ...]
    label_xy: tuple[float, float]
    head: tuple[tuple[float, float], ...] = ()   # the arrowhead at j: tip, left and right corners



@dataclass(frozen=True)
class Gap:
    """Neurons of a capped column that are not drawn, shown as an ellipsis at (x, y)."""

    column: int
    x: float
    y: float
    ids: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Layout:
    """A whole drawing as data: nodes by id, edges, gaps, and the extent of the picture."""

    nodes: dict[int, Node]
    edges: tuple[Edge, ...]
    gaps: tuple[Gap, ...]
    columns: tuple[tuple[int, ...], ...]   # every neuron's id by column (drawn or not), bias neurons last
    layered: bool
    hidden_edges: int                      # edges not drawn because an end is in a gap
    radius: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def column_of(self, nid: int) -> int:
        for c, ids in enumerate(self.columns):
            if nid in ids:
                return c
        raise KeyError(nid)


def columns(net: "Network") -> tuple[tuple[tuple[int, ...], ...], bool]:
    """Every neuron's id by column (non-bias in id order, then bias), and whether the net is layered."""
    kind = {nu.id: nu.kind for nu in net.neurons}
    layers = net.layers
    if layers is not None:
        col = {j: k for k, layer in enumerate(layers) for j in layer}
    else:
        level = net.structure.topology.level
        last = max(level.values())
        col = {j: (last if kind[j] == "output" else lev) for j, lev in level.items()}
        feeds: dict[int, list[int]] = {}
        for i, j in net.edges:
            if kind[i] == "bias":
                feeds.setdefault(i, []).append(col[j])
        for b in net.biases:
            col[b] = max(min(feeds.get(b, [1])) - 1, 0)
    n_cols = max(col.values()) + 1
    out = []
    for c in range(n_cols):
        ids = sorted(j for j in col if col[j] == c)
        out.append(tuple([j for j in ids if kind[j] != "bias"] + [j for j in ids if kind[j] == "bias"]))
    return tuple(out), layers is not None


def layout(net: "Network", max_per_level: int = 10) -> Layout:
    """Positions, symbols, colours and edge shapes for drawing ``net``.

    Parameters
    ----------
    net : Network
    max_per_level : int, default 10
        The most non-bias neurons drawn in one column; a longer column shows its first
        ``⌈(max_per_level − 1)/2⌉`` and last ``⌊(max_per_level − 1)/2⌋`` neurons with a gap between.
    """
    if isinstance(max_per_level, bool) or not isinstance(max_per_level, (int, np.integer)) or max_per_level < 3:
        raise DataError(f"max_per_level must be an integer ≥ 3; received max_per_level={max_per_level!r}.")
    neurons = {nu.id: nu for nu in net.neurons}
    cols, layered = columns(net)
    input_index = {j: k for k, j in enumerate(net.inputs, start=1)}

    nodes: dict[int, Node] = {}
    gaps: list[Gap] = []
    slots: list[list[int | None]] = []   # per column: shown non-bias ids, None for the gap
    for c, ids in enumerate(cols):
        units = [j for j in ids if neurons[j].kind != "bias"]
        if len(units) > max_per_level:
            head = max_per_level // 2
            tail = max_per_level - 1 - head
            slots.append(units[:head] + [None] + units[len(units) - tail:])
        else:
            slots.append(list(units))
    bias_row = min([(len(s) - 1) / 2 - (len(s) - 1) for s in slots if s] + [0.0]) - DY * 1.0
    for c, ids in enumerate(cols):
        x = c * DX
        m = len(slots[c])
        for k, j in enumerate(slots[c]):
            y = ((m - 1) / 2 - k) * DY
            if j is None:
                units = [u for u in ids if neurons[u].kind != "bias"]
                shown = {u for u in slots[c] if u is not None}
                gaps.append(Gap(c, x, y, tuple(u for u in units if u not in shown)))
                continue
            nodes[j] = _node(neurons[j], c, x, y, input_index)
        for k, b in enumerate(j for j in ids if neurons[j].kind == "bias"):
            nodes[b] = _node(neurons[b], c, x, bias_row - k * DY, input_index)

    weights = net.weights
    col_of = {j: c for c, ids in enumerate(cols) for j in ids}
    drawn = [(i, j) for (i, j) in net.edges if i in nodes and j in nodes]
    shapes = [(_arc if col_of[j] - col_of[i] > 1 else _segment)(nodes[i], nodes[j]) for i, j in drawn]
    # Every drawn edge as line segments (arcs as 16 chords), for keeping labels off other edges.
    pieces = [np.array([_bezier(pts, t) for t in np.linspace(0, 1, 2 if len(pts) == 2 else 17)]) for pts in shapes]
    seg_a = np.concatenate([p[:-1] for p in pieces]) if pieces else np.zeros((0, 2))     # (S, 2)
    seg_b = np.concatenate([p[1:] for p in pieces]) if pieces else np.zeros((0, 2))      # (S, 2)
    seg_edge = np.concatenate([np.full(len(p) - 1, k) for k, p in enumerate(pieces)]) if pieces else np.zeros(0)
    centres = np.array([(n.x, n.y) for n in nodes.values()])                       # (N, 2)
    edges: list[Edge] = []
    placed: list[tuple[float, float]] = []
    for k, ((i, j), pts) in enumerate(zip(drawn, shapes)):
        other = seg_edge != k
        label = _place_label(pts, placed, centres, seg_a[other], seg_b[other])
        placed.append(label)
        edges.append(Edge(i, j, float(weights[(i, j)]), len(pts) == 3, neurons[i].kind == "bias", pts, label,
                          _arrowhead(pts)))
    hidden = len(net.edges) - len(drawn)

    xs = [n.x for n in nodes.values()] + [g.x for g in gaps]
    ys = [n.y for n in nodes.values()] + [g.y for g in gaps]
    for e in edges:
        if len(e.points) == 3:
            apex = _bezier(e.points, 0.5)
            xs.append(apex[0])
            ys.append(apex[1])
    pad = RADIUS + 0.45
    xlim = (min(xs) - pad, max(xs) + pad)
    ylim = (min(ys) - pad, max(ys) + pad + 0.15)  # room for the id captions above the top row
    return Layout(nodes, tuple(edges), tuple(gaps), cols, layered, hidden, RADIUS, xlim, ylim)


def symbol(kind: str, activation: str | None, input_number: int | None = None) -> str:
    """The text inside a neuron: ``x₁`` for input 1, ``1`` for a bias, else its function's symbol."""
    if kind == "input":
        return "x" + str(input_number or "").translate(_SUB)
    if kind == "bias":
        return "1"
    return SYMBOLS.get(activation or "", (activation or "?")[:5])


def _node(nu, column: int, x: float, y: float, input_index: dict[int, int]) -> Node:
    caption = str(nu.id) + (f" {nu.name}" if nu.name else "")
    return Node(nu.id, nu.kind, nu.activation, column, float(x), float(y),
                symbol(nu.kind, nu.activation, input_index.get(nu.id)), caption, COLORS[nu.kind])


def _segment(s: Node, t: Node) -> tuple[tuple[float, float], ...]:
    p, q = np.array([s.x, s.y]), np.array([t.x, t.y])
    u = (q - p) / np.linalg.norm(q - p)
    a, b = p + RADIUS * u, q - RADIUS * u
    return ((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))


def _arc(s: Node, t: Node) -> tuple[tuple[float, float], ...]:
    """A quadratic Bézier from s to t bowed away from y = 0 (bias edges: downwards)."""
    p, q = np.array([s.x, s.y]), np.array([t.x, t.y])
    d = q - p
    length = float(np.linalg.norm(d))
    normal = np.array([-d[1], d[0]]) / length            # points up-ish: d goes to the right
    mid = (p + q) / 2
    side = -1.0 if (s.kind == "bias" or mid[1] < 0) else 1.0
    ctrl = mid + side * normal * max(0.3 * length, 2 * (RADIUS + 0.3))
    a = p + RADIUS * (ctrl - p) / np.linalg.norm(ctrl - p)
    b = q - RADIUS * (q - ctrl) / np.linalg.norm(q - ctrl)
    return tuple((float(v[0]), float(v[1])) for v in (a, ctrl, b))


def _bezier(pts, t: float) -> tuple[float, float]:
    if len(pts) == 2:
        (x0, y0), (x1, y1) = pts
        return (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
    (x0, y0), (xc, yc), (x1, y1) = pts
    a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t ** 2
    return (a * x0 + b * xc + c * x1, a * y0 + b * yc + c * y1)


_CANDIDATES = {2: (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.45, 0.55, 0.35, 0.65), 3: (0.5, 0.42, 0.58, 0.34, 0.66)}


HEAD_LENGTH, HEAD_HALF_WIDTH = 0.13, 0.055   # the arrowhead, in the layout's units (a circle's radius is 0.3)


def _arrowhead(pts) -> tuple[tuple[float, float], ...]:
    """A small triangle whose tip is the edge's end (on the target's circle), pointing along the edge.

    The direction is the last segment's, which for a quadratic Bézier arc is the tangent at its end
    (end − control point): the seed's edges are arrows, "a graph is simply a bunch of nodes with
    arrows between them".
    """
    tip = np.asarray(pts[-1], dtype=float)
    d = tip - np.asarray(pts[-2], dtype=float)
    norm = float(np.hypot(*d))
    if norm == 0.0:
        return ()
    d /= norm
    back = tip - HEAD_LENGTH * d
    side = HEAD_HALF_WIDTH * np.array([-d[1], d[0]])
    return tuple((float(a), float(b)) for a, b in (tip, back + side, back - side))


def _place_label(pts, placed: list[tuple[float, float]], centres: np.ndarray,
                 seg_a: np.ndarray, seg_b: np.ndarray) -> tuple[float, float]:
    """The first point along the edge where its label overlaps no earlier label, no neuron, no other edge.

    Each obstacle gives a clearance in units of what it needs (≥ 1: free); a point's score
    is its smallest clearance. When no candidate is free, the best score wins. The other
    edges are the segments ``seg_a[s] → seg_b[s]``.
    """
    hw, hh = LABEL_HALF
    # In units where the label box is a 2×2 square, so that one number covers every slope.
    a, ab = seg_a / (hw, hh), (seg_b - seg_a) / (hw, hh)                             # (S, 2) each
    ab2 = np.maximum((ab * ab).sum(axis=1), 1e-12)                                   # (S,)
    P = np.asarray(placed).reshape(-1, 2)                                            # (k, 2)
    best, best_score = None, -np.inf
    for t in _CANDIDATES[len(pts)]:
        x, y = _bezier(pts, t)
        score = np.inf
        if len(P):
            # Two boxes of the same size overlap when |dx| < 2·hw and |dy| < 2·hh.
            score = float(np.max(np.abs(P - (x, y)) / (2 * hw, 2 * hh), axis=1).min())
        if len(centres):
            d = float(np.hypot(centres[:, 0] - x, centres[:, 1] - y).min())
            score = min(score, d / (RADIUS + hw + 0.02))
        if len(a):
            q = np.array([x / hw, y / hh])
            u = np.clip(((q - a) * ab).sum(axis=1) / ab2, 0.0, 1.0)                  # (S,)
            d = float(np.hypot(*(a + u[:, None] * ab - q).T).min())
            score = min(score, d / 1.15)
        if score >= 1.0:
            return (float(x), float(y))
        if score > best_score:
            best, best_score = (float(x), float(y)), score
    return best
