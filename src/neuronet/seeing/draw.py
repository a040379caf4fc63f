"""Pictures of networks, training runs, activation functions and what a network computes.

Every function builds a :class:`matplotlib.figure.Figure` directly (never pyplot's global
state), so nothing pops up, nothing leaks between calls, and drawing is safe from any
thread. Each returns the Figure; with ``path`` it also saves it, as PNG, SVG or PDF by
the extension, atomically (a temporary file in the same folder, then a rename). With
``ax`` it draws into an Axes you made instead.

* :func:`draw` -- the network as the seed draws it: neurons in columns by layer (or
  level), inputs green, bias neurons blue, outputs red, each neuron's function written
  inside it, the weights on the edges (as numbers when there are few, as line width and
  colour when there are many: blue positive, red negative);
* :func:`loss_curves` -- the loss of every restart per epoch, the best one highlighted,
  and the spread of the restarts' final losses;
* :func:`activation_plot` -- each activation function f and its derivative f';
* :func:`decision_boundary` -- for two inputs: the predicted class or value over the plane;
* :func:`neuron_outputs` -- for two inputs: each neuron's output o_j over the plane.

The geometry of :func:`draw` comes from :func:`layout`, plain data that can be tested
(and drawn by other means) without matplotlib.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import ListedColormap, Normalize, TwoSlopeNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch
from matplotlib.path import Path as MplPath

from ..model import activations
from ._layout import COLORS, Layout, layout, symbol
from .._atomic import atomic_open
from ..errors import DataError, GraphError
from ..model.network import Network
from ..model.arrays import as_float_array
from ..model.forward import forward

__all__ = ["draw", "layout", "Layout", "loss_curves", "activation_plot", "decision_boundary", "neuron_outputs"]

POSITIVE = "#2166ac"   # blue: w > 0
NEGATIVE = "#b2182b"   # red:  w < 0
NEUTRAL = "#8c8c8c"    # w = 0
LABELS_UP_TO = 30      # weights="auto" writes the numbers when at most this many edges are drawn
CLASS_COLORS = ["#d6604d", "#4393c3", "#5aae61", "#9970ab", "#f1a340", "#35978f", "#e7298a", "#8c510a",
                "#7f7f7f", "#bcbd22"]
POINT_COLORS = ["#ffffff", "#222222", "#ffd92f", "#66c2a5", "#e78ac3", "#a6d854", "#fc8d62", "#8da0cb",
                "#e5c494", "#b3b3b3"]   # data points over red/blue pictures: class 0 white, class 1 black …
FORMATS = (".png", ".svg", ".pdf")
LEGEND_STEP = 1.05     # layout units between legend entries
LABEL_WIDTH = 18       # characters of an input's or output's name drawn beside it
LABEL_CHAR = 0.075     # layout units one character of such a name takes (7.5 pt at the default scale)


# -- the network -------------------------------------------------------------------------
def draw(net: Network, path: str | os.PathLike | None = None, ax=None, weights: str = "auto", *,
         max_per_level: int = 10, title: str | None = None, legend: bool = True, scale: float = 0.75,
         dpi: int = 150, names: Mapping[int, str] | None = None) -> Figure:
    """Draw a network as a graph: neurons in columns, weighted edges between them.

    Parameters
    ----------
    net : Network
    path : str or PathLike, optional
        Save the picture there too; ``.png``, ``.svg`` or ``.pdf``.
    ax : matplotlib Axes, optional
        Draw into this Axes instead of a new Figure.
    weights : {"auto", "labels", "width", "none"}
        ``labels``: each weight written on its edge; ``width``: edge width and colour
        show sign and size; ``auto``: labels when at most 30 edges are drawn, else width;
        ``none``: plain grey edges.
    max_per_level : int, default 10
        Longer columns show their first and last few neurons with an ellipsis between.
    title : str, optional
    legend : bool, default True
        A key to the colours under the drawing.
    scale : float, default 0.75
        Inches per unit of the layout (neighbouring neurons are 1 unit apart).
    dpi : int, default 150
    names : dict of neuron id -> str, optional
        Labels written beside input neurons (on their left) and output neurons (on their
        right), such as column and class names; longer than 18 characters they are
        shortened in the middle ("neighbo…=Downtown").

    Returns
    -------
    Figure
    """
    if not isinstance(net, Network):
        raise GraphError(f"draw() takes a neuronet Network; received {type(net).__name__}.")
    if weights not in ("auto", "labels", "width", "none"):
        raise DataError(f"weights must be 'auto', 'labels', 'width' or 'none'; received weights={weights!r}.")
    _check_int(max_per_level, "max_per_level", 3)
    lay = layout(net, max_per_level=max_per_level)
    if weights == "auto":
        weights = "labels" if len(lay.edges) <= LABELS_UP_TO else "width"

    x0, x1 = lay.xlim
    y0, y1 = lay.ylim
    side = _side_labels(lay, names or {})
    x0 -= _label_room(side, left=True)
    x1 += _label_room(side, left=False)
    legend_rows = _legend_rows(lay, weights, x1 - x0) if legend else []
    y0 -= 0.55 * len(legend_rows) + (0.4 if lay.hidden_edges else 0.0)
    if title:
        y1 += 0.6
    fig, ax = _figure_and_axes(ax, (max((x1 - x0) * scale, 2.5), (y1 - y0) * scale), dpi, full=True)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()

    _draw_edges(ax, lay, weights)
    for n in lay.nodes.values():
        ax.add_patch(Circle((n.x, n.y), lay.radius, facecolor=n.color, edgecolor="#333333", lw=1.0, zorder=4))
        size = 12 if len(n.symbol) <= 2 else 9 if len(n.symbol) <= 4 else 7
        ax.text(n.x, n.y, n.symbol, ha="center", va="center", fontsize=size, zorder=5)
        ax.text(n.x, n.y + lay.radius + 0.04, n.caption, ha="center", va="bottom", fontsize=7,
                color="#555555", zorder=5)
    for j, (text, left) in side.items():
        n = lay.nodes[j]
        ax.text(n.x + (-1 if left else 1) * (lay.radius + 0.08), n.y, text, ha="right" if left else "left",
                va="center", fontsize=7.5, color="#1f2328", zorder=5)
    for g in lay.gaps:
        ax.text(g.x, g.y, "⋮", ha="center", va="center", fontsize=14, color="#555555", zorder=5)
        ax.text(g.x + 0.22, g.y, f"{len(g.ids)} more", ha="left", va="center", fontsize=6.5,
                color="#555555", zorder=5, bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none"))
    for k, row in enumerate(legend_rows):
        _draw_legend_row(ax, row, (x0 + x1) / 2, lay.ylim[0] - 0.55 * k - 0.2)
    if title:
        ax.text((x0 + x1) / 2, y1 - 0.3, title, ha="center", va="center", fontsize=11)
    if lay.hidden_edges:
        ax.text((x0 + x1) / 2, y0 + 0.2, f"{lay.hidden_edges} of {len(net.edges)} edges not drawn",
                ha="center", va="center", fontsize=6.5, color="#555555")
    _maybe_save(fig, path, dpi)
    return fig


def abbreviate(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` in at most ``width`` characters, shortened in the middle so both ends stay readable."""
    text = str(text)
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def _side_labels(lay: Layout, names: Mapping[int, str]) -> dict[int, tuple[str, bool]]:
    """Drawn input and output neurons that have a name: id -> (abbreviated text, on the left?)."""
    out = {}
    for j, name in names.items():
        n = lay.nodes.get(j)
        if n is not None and n.kind in ("input", "output") and str(name):
            out[j] = (abbreviate(name), n.kind == "input")
    return out


def _label_room(side: dict[int, tuple[str, bool]], left: bool) -> float:
    """Layout units to add on one side for the longest name drawn there."""
    longest = max((len(t) for t, on_left in side.values() if on_left == left), default=0)
    return longest * LABEL_CHAR + 0.3 if longest else 0.0


def _draw_edges(ax, lay: Layout, mode: str) -> None:
    if not lay.edges:
        return
    w = np.array([e.weight for e in lay.edges])                                    # (E,)
    top = float(np.abs(w).max()) or 1.0
    mag = np.abs(w) / top                                                          # (E,) in [0, 1]
    if mode == "none":
        colors = [NEUTRAL] * len(w)
        widths = np.full(len(w), 1.0)
        alphas = np.full(len(w), 0.8)
    else:
        colors = [POSITIVE if v > 0 else NEGATIVE if v < 0 else NEUTRAL for v in w]
        if mode == "labels":
            widths, alphas = 0.8 + 1.6 * mag, np.full(len(w), 0.85)
        else:
            crowd = min(1.0, math.sqrt(40 / len(w)))  # thinner lines when there are many
            widths, alphas = 0.3 + 2.7 * crowd * mag, 0.2 + 0.7 * mag
    # each line stops where its arrowhead begins, so that a thick line does not blunt the tip
    lines = [e.points[:-1] + ((tuple(np.mean(e.head[1:], axis=0)),) if e.head else e.points[-1:])
             for e in lay.edges]
    straight = [k for k, e in enumerate(lay.edges) if len(e.points) == 2]
    if straight:
        rgba = [_rgba(colors[k], alphas[k]) for k in straight]
        ax.add_collection(LineCollection([lines[k] for k in straight], colors=rgba,
                                         linewidths=widths[straight], zorder=2, capstyle="butt"))
    for k, e in enumerate(lay.edges):
        if len(e.points) == 3:
            curve = MplPath(lines[k], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
            ax.add_patch(PathPatch(curve, facecolor="none", edgecolor=_rgba(colors[k], alphas[k]),
                                   lw=widths[k], zorder=2, capstyle="round"))
    heads = [k for k, e in enumerate(lay.edges) if e.head]      # arrowheads: the edges' direction, i → j
    if heads:
        ax.add_collection(PolyCollection([lay.edges[k].head for k in heads], closed=True, zorder=2,
                                         facecolors=[_rgba(colors[k], min(1.0, alphas[k] + 0.15)) for k in heads],
                                         edgecolors="none"))
    if mode == "labels":
        for k, e in enumerate(lay.edges):
            ax.text(*e.label_xy, _fmt(e.weight), ha="center", va="center", fontsize=7, color=colors[k], zorder=3,
                    bbox=dict(boxstyle="round,pad=0.12", facecolor="white", edgecolor="none", alpha=0.9))


def _legend_rows(lay: Layout, mode: str, width: float) -> list[list[tuple[str, str, str]]]:
    """Legend items (kind of mark, colour, text), split into rows that fit the drawing's width."""
    kinds = [k for k in ("input", "bias", "hidden", "output") if any(n.kind == k for n in lay.nodes.values())]
    items = [("node", COLORS[k], k) for k in kinds]
    if mode in ("labels", "width") and lay.edges:
        items += [("line", POSITIVE, "w > 0"), ("line", NEGATIVE, "w < 0")]
    per_row = max(1, int((width + 0.2) // LEGEND_STEP))
    return [items[i:i + per_row] for i in range(0, len(items), per_row)]


def _draw_legend_row(ax, row, xc: float, y: float) -> None:
    step = LEGEND_STEP
    x = xc - step * (len(row) - 1) / 2 - 0.3
    for mark, color, text in row:
        if mark == "node":
            ax.add_patch(Circle((x, y), 0.1, facecolor=color, edgecolor="#333333", lw=0.7, zorder=4))
        else:
            ax.plot([x - 0.14, x + 0.14], [y, y], color=color, lw=1.8, solid_capstyle="round")
        ax.text(x + (0.18 if mark == "node" else 0.24), y, text, ha="left", va="center", fontsize=7, color="#333333")
        x += step


def _fmt(w: float) -> str:
    """A weight as a short label, with a true minus sign."""
    a = abs(w)
    text = f"{w:.0f}" if a >= 100 else f"{w:.0e}" if 0 < a < 0.005 else f"{w:.2f}"
    return text.replace("-", "−")


# -- training curves ----------------------------------------------------------------------
def loss_curves(result: Any = None, path: str | os.PathLike | None = None, ax=None, *, history=None,
                losses=None, best: int | None = None, title: str | None = None, dpi: int = 120) -> Figure:
    """Every restart's loss per epoch, the best one highlighted, and the spread of final losses.

    Parameters
    ----------
    result : object with ``.history``, ``.losses`` and ``.best``, optional
        A training result; the keywords below override its attributes.
    history : array (R, epochs) or (epochs,)
        Mean loss per epoch of each restart; NaN after a restart stopped, ±inf where it diverged.
    losses : array (R,), optional
        Final loss of each restart; inf or NaN for restarts that diverged.
    best : int, optional
        Index of the restart to highlight; default the smallest final loss.
    path, ax, title, dpi :
        As in :func:`draw`. ``ax`` may be one Axes (the curves only) or a pair (curves, spread).

    The loss axis is logarithmic when every finite loss is positive, linear otherwise.
    """
    H, L, b = _curves_data(result, history, losses, best)
    R, E = H.shape
    if ax is None:
        fig = _new_figure((9.0, 3.4), dpi, layout="constrained")
        ax_c, ax_s = fig.subplots(1, 2, width_ratios=[2.2, 1.0])
    elif isinstance(ax, (list, tuple)) and len(ax) == 2:
        ax_c, ax_s = ax
        fig = ax_c.figure
    else:
        ax_c, ax_s = ax, None
        fig = ax.figure

    Hf = np.where(np.isfinite(H), H, np.nan)                                         # (R, E) NaN gaps
    finite = Hf[np.isfinite(Hf)]
    log = finite.size > 0 and _use_log(float(finite.min()), float(finite.max()))
    epochs = np.arange(1, E + 1, dtype=np.float64)                                   # (E,)
    others = [np.column_stack([epochs, Hf[r]]) for r in range(R) if r != b]
    if others:
        grey = (0.35, 0.35, 0.35)
        ax_c.add_collection(LineCollection(others, colors=[(*grey, max(0.08, min(0.6, 8 / R)))], linewidths=0.8))
        ax_c.plot([], [], color=grey, alpha=0.6, lw=0.8, label=f"other restarts ({len(others)})")  # legend entry
    if b is not None:
        final = L[b] if L is not None else _last_finite(Hf[b])
        ax_c.plot(epochs, Hf[b], color="#d62728", lw=2.0, label=f"best: restart {b} ({final:.3g})")
    if log:
        ax_c.set_yscale("log")
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if log:
            lo, hi = lo / 1.3, hi * 1.3
        else:
            pad = 0.05 * (hi - lo) or 0.5 * (abs(hi) or 1.0)
            lo, hi = lo - pad, hi + pad
        ax_c.set_ylim(lo, hi)
    else:
        ax_c.text(0.5, 0.5, "no finite losses", transform=ax_c.transAxes, ha="center", va="center")
    ax_c.set_xlim(1, max(E, 2))
    ax_c.set_xlabel("epoch")
    ax_c.set_ylabel("loss")
    ax_c.grid(True, which="major", alpha=0.3)
    ax_c.set_title(title or f"loss per epoch, {R} restart{'s' if R != 1 else ''}", fontsize=10)
    if b is not None or others:
        ax_c.legend(loc="upper right", fontsize=8, frameon=False)

    if ax_s is not None:
        _spread(ax_s, L if L is not None else np.array([_last_finite(h) for h in Hf]), b)
    _maybe_save(fig, path, dpi)
    return fig


def _curves_data(result, history, losses, best):
    if history is None and result is not None:
        history = getattr(result, "history", None)
    if losses is None and result is not None:
        losses = getattr(result, "losses", None)
    if best is None and result is not None:
        best = getattr(result, "best", None)
    if history is None:
        raise DataError("loss_curves() needs the losses per epoch: pass a training result (with .history) "
                        "or history=array of shape (restarts, epochs).")
    H = _numeric(history, "history")
    if H.ndim == 1:
        H = H[None, :]
    if H.ndim != 2 or H.shape[1] == 0 or H.shape[0] == 0:
        raise DataError(f"history must have shape (restarts, epochs) with at least one epoch; "
                        f"received shape {H.shape}.")
    R = H.shape[0]
    L = None
    if losses is not None:
        L = _numeric(losses, "losses").reshape(-1)
        if L.shape != (R,):
            raise DataError(f"losses must hold one final loss per restart: history has {R} restarts, "
                            f"losses has shape {np.shape(losses)}.")
    if best is None:
        scores = L if L is not None else np.array([_last_finite(h) for h in H])
        scores = np.where(np.isfinite(scores), scores, np.inf)
        best = int(np.argmin(scores)) if np.isfinite(scores).any() else None
    else:
        if isinstance(best, bool) or not isinstance(best, (int, np.integer)) or not 0 <= best < R:
            raise DataError(f"best must be the index of a restart, 0 to {R - 1}; received best={best!r}.")
        best = int(best)
    return H, L, best


def _spread(ax, L: np.ndarray, b: int | None) -> None:
    """Final losses of the restarts: a strip plot (few restarts) or a histogram (many)."""
    ok = np.isfinite(L)
    n_bad = int((~ok).sum())
    vals = L[ok]
    ax.set_title(f"final loss, {len(L)} restarts" + (f" ({n_bad} diverged)" if n_bad else ""), fontsize=10)
    ax.set_xlabel("final loss")
    if vals.size == 0:
        ax.text(0.5, 0.5, "every restart diverged", transform=ax.transAxes, ha="center", va="center")
        ax.set_yticks([])
        return
    lo, hi = float(vals.min()), float(vals.max())
    log = _use_log(lo, hi)
    if lo == hi:
        lo, hi = (lo / 2, hi * 2) if log else (lo - 0.5, hi + 0.5)
    if log:
        ax.set_xscale("log")
    if len(L) <= 60:
        rng = np.random.default_rng(0)
        jitter = rng.uniform(-0.3, 0.3, vals.size)                                  # (R_finite,)
        ax.scatter(vals, jitter, s=18, color="#555555", alpha=0.7, zorder=2)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
    else:
        bins = np.geomspace(lo, hi, 30) if log else np.linspace(lo, hi, 30)
        ax.hist(vals, bins=bins, color="#888888")
        ax.set_ylabel("restarts")
    if b is not None and np.isfinite(L[b]):
        ax.axvline(L[b], color="#d62728", lw=1.5, label="best")
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    if log:
        ax.set_xlim(lo / 1.5, hi * 1.5)
    else:
        pad = 0.05 * (hi - lo)
        ax.set_xlim(lo - pad, hi + pad)
    ax.grid(True, axis="x", alpha=0.3)


def _use_log(lo: float, hi: float) -> bool:
    """A log axis for positive values that span at least a decade (else its labels crowd)."""
    return lo > 0 and hi / lo >= 10


def _last_finite(h: np.ndarray) -> float:
    f = h[np.isfinite(h)]
    return float(f[-1]) if f.size else float("inf")


# -- activation functions ---------------------------------------------------------------
def activation_plot(names: Sequence[str] | None = None, path: str | os.PathLike | None = None, *,
                    z_range: tuple[float, float] = (-4.0, 4.0), dpi: int = 100) -> Figure:
    """Each activation function f(z) and its derivative f'(z), one small panel each.

    ``names`` defaults to every activation in ``neuronet.activations.ACTIVATIONS``; unknown
    names raise GraphError listing the known ones.
    """
    if names is None:
        names = list(activations.ACTIVATIONS)
    elif isinstance(names, str):
        names = [names]
    acts = [activations.get(n) for n in names]
    if not acts:
        raise DataError("activation_plot() needs at least one activation name; received an empty list.")
    lo, hi = float(z_range[0]), float(z_range[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise DataError(f"z_range must be two finite numbers, low < high; received z_range={z_range!r}.")
    ncols = min(4, len(acts))
    nrows = math.ceil(len(acts) / ncols)
    fig = _new_figure((2.6 * ncols, 2.2 * nrows), dpi, layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    z = np.linspace(lo, hi, 401)                                                      # (401,)
    for ax, act in zip(axes, acts):
        o = act.f(z)
        ax.axhline(0, color="#bbbbbb", lw=0.6)
        ax.axvline(0, color="#bbbbbb", lw=0.6)
        ax.plot(z, o, color="#1f77b4", lw=1.8, label="f(z)")
        ax.plot(z, act.df(z, o), color="#ff7f0e", lw=1.4, ls="--", label="f′(z)")
        ax.set_title(act.name, fontsize=10)
        ax.set_xlim(lo, hi)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.25)
    axes[0].legend(loc="upper left", fontsize=7, frameon=False)
    for ax in axes[len(acts):]:
        ax.set_axis_off()
    _maybe_save(fig, path, dpi)
    return fig


# -- what a two-input network computes ----------------------------------------------------
def decision_boundary(model: Network | Callable, X, y=None, path: str | os.PathLike | None = None, ax=None, *,
                      kind: str = "auto", threshold: float = 0.5, output: int = 0, resolution: int = 150,
                      title: str | None = None, dpi: int = 120) -> Figure:
    """What a model predicts over the plane of its two inputs, with the data on top.

    Parameters
    ----------
    model : Network, callable ``predict(X) -> array``, or an object with ``.predict``
        Must take (G, 2) and return (G,), (G, 1) or (G, k).
    X : array (B, 2)
        The data; the picture covers its range plus a margin.
    y : array (B,) or (B, k), optional
        Class indices (or one-hot rows), or regression targets; the points are coloured by it.
    kind : {"auto", "classification", "regression"}
        ``classification``: k ≥ 2 outputs give the class argmax_k; one output is a score
        split at ``threshold`` (drawn as a line); integer outputs are class labels.
        ``regression``: the surface of output column ``output``. ``auto`` picks
        classification when y holds class labels (integers, or only 0 and 1), or the model
        returns several columns or integers.
    threshold : float, default 0.5
        Where a single-output classifier's score splits the classes.
    resolution : int, default 150
        Grid points per axis.

    Raises
    ------
    DataError
        When X does not have exactly two columns (or the network two inputs), when y does not
        match X, or when the model returns the wrong shape.
    """
    if kind not in ("auto", "classification", "regression"):
        raise DataError(f"kind must be 'auto', 'classification' or 'regression'; received kind={kind!r}.")
    _check_int(resolution, "resolution", 2)
    predict = _predictor(model)
    Xa = _two_columns(X, "decision_boundary")
    ya = _labels(y, Xa.shape[0])
    gx, gy, grid = _grid(Xa, resolution)                                              # grid (G, 2)
    Z = _predict(predict, grid)                                                       # (G, k)
    k = Z.shape[1]
    if isinstance(output, bool) or not isinstance(output, (int, np.integer)) or not 0 <= output < k:
        raise DataError(f"output must be a column of the model's output, 0 to {k - 1}; received output={output!r}.")
    is_int = Z.dtype.kind in "biu"
    if kind == "auto":
        kind = "classification" if (k >= 2 or is_int or (ya is not None and _class_like(ya))) else "regression"

    fig, ax = _figure_and_axes(ax, (5.4, 4.4), dpi, full=False)
    extent = (gx[0], gx[-1], gy[0], gy[-1])
    shape = (len(gy), len(gx))
    note = ""
    if kind == "classification":
        yc = _as_classes(ya) if ya is not None else None
        if k >= 2 or is_int:
            cls = (Z.argmax(axis=1) if k >= 2 else Z[:, 0]).astype(np.int64)           # (G,)
            n_cls = int(max(cls.max(), -1 if yc is None else yc.max())) + 1
            if cls.min() < 0 or n_cls > len(CLASS_COLORS):
                raise DataError(f"decision_boundary draws up to {len(CLASS_COLORS)} classes numbered from 0; "
                                f"the model predicted classes {int(cls.min())} to {int(cls.max())}.")
            cmap = ListedColormap(CLASS_COLORS[:n_cls])
            ax.imshow(cls.reshape(shape), origin="lower", extent=extent, aspect="auto", cmap=cmap, alpha=0.35,
                      vmin=-0.5, vmax=n_cls - 0.5, interpolation="nearest")

            def pred(A):
                P = _predict(predict, A)
                return P.argmax(axis=1) if P.shape[1] >= 2 else P[:, 0]
        else:
            score = Z[:, 0]
            lo, hi = float(score.min()), float(score.max())
            norm = TwoSlopeNorm(vcenter=threshold, vmin=min(lo, threshold - 1e-9), vmax=max(hi, threshold + 1e-9))
            im = ax.imshow(score.reshape(shape), origin="lower", extent=extent, aspect="auto", cmap="RdBu",
                           norm=norm, alpha=0.8)
            fig.colorbar(im, ax=ax, label="output", shrink=0.85)
            if lo < threshold < hi:
                ax.contour(gx, gy, score.reshape(shape), levels=[threshold], colors="k", linewidths=1.2)
            n_cls = 2 if yc is None else int(max(yc.max() + 1, 2))

            def pred(A):
                return (_predict(predict, A)[:, 0] >= threshold).astype(np.int64)
            cmap = ListedColormap([NEGATIVE, POSITIVE]) if n_cls == 2 else ListedColormap(CLASS_COLORS[:n_cls])
        if yc is not None:
            ax.scatter(Xa[:, 0], Xa[:, 1], c=yc, cmap=cmap, vmin=-0.5, vmax=cmap.N - 0.5, s=_marker(len(yc)),
                       edgecolors="k", linewidths=0.6, zorder=3)
            acc = float(np.mean(pred(Xa) == yc))
            note = f" — {acc:.1%} correct on these {len(yc)} points"
    else:
        surface = Z[:, output]                                                         # (G,)
        yv = None
        if ya is not None:
            if ya.ndim == 2 and ya.shape[1] != k:
                raise DataError(f"y has {ya.shape[1]} columns but the model returns {k}; pass the targets of "
                                "the drawn output only, as a vector.")
            yv = ya if ya.ndim == 1 else ya[:, output]                                  # (B,)
        vals = surface if yv is None else np.concatenate([surface, yv])
        lo, hi = float(vals.min()), float(vals.max())
        norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)
        im = ax.imshow(surface.reshape(shape), origin="lower", extent=extent, aspect="auto", cmap="viridis",
                       norm=norm)
        fig.colorbar(im, ax=ax, label=f"output {output}" if k > 1 else "output", shrink=0.85)
        if yv is not None:
            ax.scatter(Xa[:, 0], Xa[:, 1], c=yv, cmap="viridis", norm=norm, s=_marker(len(yv)), edgecolors="w",
                       linewidths=0.6, zorder=3)
            mse = float(np.mean((_predict(predict, Xa)[:, output] - yv) ** 2))
            note = f" — mean squared error {mse:.3g}"
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title or (("decision boundary" if kind == "classification" else "regression surface") + note),
                 fontsize=9)
    _maybe_save(fig, path, dpi)
    return fig


def neuron_outputs(net: Network, X, y=None, path: str | os.PathLike | None = None, *, resolution: int = 60,
                   max_per_level: int = 8, dpi: int = 100) -> Figure:
    """Each neuron's output o_j over the plane of a two-input network's inputs.

    One column of small panels per level (as the TensorFlow playground shows a network),
    one panel per hidden or output neuron, titled with its id and function. Colours: red
    where o_j < 0, white at 0, blue where o_j > 0, each panel scaled to its own largest |o_j|.
    The data points are drawn on top when ``y`` (class labels) is given.
    """
    if not isinstance(net, Network):
        raise GraphError(f"neuron_outputs() takes a neuronet Network; received {type(net).__name__}.")
    if len(net.inputs) != 2:
        raise DataError(f"neuron_outputs() draws networks with two inputs; this one has {len(net.inputs)}. "
                        "For other networks use draw().")
    _check_int(resolution, "resolution", 2)
    _check_int(max_per_level, "max_per_level", 1)
    Xa = _two_columns(X, "neuron_outputs")
    ya = _labels(y, Xa.shape[0])
    gx, gy, grid = _grid(Xa, resolution)                                              # (G, 2)
    S = net.structure
    cache = forward(S, np.asarray(net.theta)[None], grid.astype(net.dtype))          # o[t]: (1, G, n_t)
    levels = [sorted(S.levels[t].ids) for t in range(1, len(S.levels))]
    shown = [ids[:max_per_level] for ids in levels]
    nrows, ncols = max(len(s) for s in shown), len(shown)
    fig = _new_figure((1.9 * ncols + 0.3, 1.9 * nrows + 0.5), dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    extent = (gx[0], gx[-1], gy[0], gy[-1])
    symbols = {nu.id: symbol(nu.kind, nu.activation) for nu in net.neurons}
    yc = _as_classes(ya) if ya is not None and _class_like(ya) else None
    for c, ids in enumerate(shown):
        for r in range(nrows):
            ax = axes[r, c]
            if r >= len(ids):
                ax.set_axis_off()
                continue
            j = ids[r]
            t, col = S.position[j]
            o = cache.o[t][0, :, col].reshape(len(gy), len(gx))                       # (res, res)
            top = float(np.abs(o).max()) or 1.0
            ax.imshow(o, origin="lower", extent=extent, aspect="auto", cmap="RdBu", vmin=-top, vmax=top)
            if yc is not None:
                ax.scatter(Xa[:, 0], Xa[:, 1], c=[POINT_COLORS[v % len(POINT_COLORS)] for v in yc], s=6,
                           edgecolors="k", linewidths=0.4)
            kind = "output" if j in S.outputs else f"level {t}"
            ax.set_title(f"{j}: {symbols[j]}  ({kind})", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        if len(levels[c]) > len(ids):
            axes[len(ids) - 1, c].set_xlabel(f"+ {len(levels[c]) - len(ids)} more in level {c + 1}", fontsize=7)
    fig.suptitle("output o_j of each neuron over the input plane (red < 0 < blue)", fontsize=9)
    _maybe_save(fig, path, dpi)
    return fig


# -- helpers -----------------------------------------------------------------------------
def _marker(n_points: int) -> float:
    """Marker area: large for a handful of points (XOR's four), smaller for clouds."""
    return 70.0 if n_points <= 20 else 22.0 if n_points <= 500 else 8.0


def _predictor(model) -> Callable:
    if isinstance(model, Network):
        if len(model.inputs) != 2:
            raise DataError(f"decision_boundary() draws models with two inputs; this network has "
                            f"{len(model.inputs)}. For other networks use draw().")
        return model.forward
    if callable(model):
        return model
    if callable(getattr(model, "predict", None)):
        return model.predict
    raise DataError(f"decision_boundary() takes a Network, a function predict(X), or an object with .predict(); "
                    f"received {type(model).__name__}.")


def _predict(predict: Callable, A: np.ndarray) -> np.ndarray:
    Z = np.asarray(predict(A))
    shape = Z.shape
    if Z.ndim == 1:
        Z = Z[:, None]
    if Z.ndim != 2 or Z.shape[0] != A.shape[0] or Z.shape[1] == 0:
        raise DataError(f"The model returned shape {shape} for {A.shape[0]} points; expected "
                        f"({A.shape[0]},) or ({A.shape[0]}, k).")
    if Z.dtype.kind not in "biuf":
        raise DataError(f"The model returned {Z.dtype} values; decision_boundary() needs numbers "
                        "(class indices or scores).")
    if Z.dtype.kind == "f" and not np.isfinite(Z).all():
        raise DataError("The model returned non-finite values (inf or NaN) over the plane; its weights may have "
                        "diverged.")
    return Z


def _two_columns(X, where: str) -> np.ndarray:
    Xa = as_float_array(X, np.float64, "X")
    if Xa.ndim != 2 or Xa.shape[1] != 2:
        cols = Xa.shape[1] if Xa.ndim == 2 else f"shape {Xa.shape}"
        raise DataError(f"{where}() draws two-input problems: X must have shape (B, 2); received X with "
                        f"{cols}{' columns' if Xa.ndim == 2 else ''}. Pick two features, or use draw().")
    if Xa.shape[0] == 0:
        raise DataError(f"{where}(): X is empty; pass at least one point.")
    return Xa


def _labels(y, B: int) -> np.ndarray | None:
    if y is None:
        return None
    ya = as_float_array(y, np.float64, "y") if np.asarray(y).dtype.kind not in "biu" else np.asarray(y)
    if ya.ndim == 2 and ya.shape[1] == 1:
        ya = ya[:, 0]
    if ya.ndim not in (1, 2) or ya.shape[0] != B:
        raise DataError(f"y must have one row per row of X ({B}); received y with shape {ya.shape}.")
    return ya


def _class_like(ya: np.ndarray) -> bool:
    """Integers, or one-hot rows, or floats that are only 0 and 1."""
    if ya.dtype.kind in "biu":
        return True
    if ya.ndim == 2:
        return bool(np.isin(ya, (0.0, 1.0)).all() and (ya.sum(axis=1) == 1).all())
    return bool(np.isin(ya, (0.0, 1.0)).all())


def _as_classes(ya: np.ndarray) -> np.ndarray:
    """Class indices (B,) from indices or one-hot rows."""
    if ya.ndim == 2:
        return ya.argmax(axis=1).astype(np.int64)
    yc = ya.astype(np.int64)
    bad = np.flatnonzero((yc != ya) | (yc < 0))
    if bad.size:
        raise DataError(f"y must hold class indices 0, 1, 2 … for a classification picture; row {bad[0]} holds "
                        f"{ya[bad[0]]!r}. Pass kind='regression' for numeric targets.")
    return yc


def _grid(Xa: np.ndarray, resolution: int):
    """Grid points covering the data plus 10% on each side: (res,), (res,), (res², 2)."""
    lo, hi = Xa.min(axis=0), Xa.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - 0.1 * span, hi + 0.1 * span
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)                                                      # (res, res) each
    return gx, gy, np.column_stack([xx.ravel(), yy.ravel()])


def _numeric(A, where: str) -> np.ndarray:
    try:
        arr = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{where} must be an array of numbers; received {type(A).__name__}.") from None
    return arr


def _check_int(v, where: str, least: int) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < least:
        raise DataError(f"{where} must be an integer ≥ {least}; received {where}={v!r}.")


def _rgba(color: str, alpha: float):
    return to_rgba(color, float(alpha))


def _new_figure(size, dpi: int, layout: str | None = None) -> Figure:
    return Figure(figsize=size, dpi=dpi, layout=layout)


def _figure_and_axes(ax, size, dpi: int, full: bool):
    """A new Figure with one Axes (filling it when ``full``), or the given Axes and its Figure."""
    if ax is not None:
        return ax.figure, ax
    if full:
        fig = _new_figure(size, dpi)
        return fig, fig.add_axes((0.0, 0.0, 1.0, 1.0))
    fig = _new_figure(size, dpi, layout="constrained")
    return fig, fig.add_subplot()


def _maybe_save(fig: Figure, path, dpi: int) -> None:
    if path is not None:
        save(fig, path, dpi=dpi)


def save(fig: Figure, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Save a Figure as PNG, SVG or PDF (by extension), atomically. Returns the path."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise DataError(f"Cannot save a picture as {str(path)!r}: use a .png, .svg or .pdf file name.")
    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"Cannot save {str(path)!r}: the folder {str(folder)!r} does not exist. Create it first.")
    # No creation date in the metadata: PNG and PDF files of the same picture are identical.
    meta = {"Date": None} if ext == ".svg" else ({"CreationDate": None} if ext == ".pdf" else None)
    try:
        with atomic_open(path) as fh:
            fig.savefig(fh, format=ext[1:], dpi=dpi, metadata=meta)
    except OSError as exc:
        raise DataError(f"Cannot save {str(path)!r}: {exc.strerror or exc}.") from exc
    return path


from .._callable import make_callable  # noqa: E402

make_callable(__name__, "draw")  # nn.draw(net, …) draws a network; nn.draw.loss_curves(…) and friends
