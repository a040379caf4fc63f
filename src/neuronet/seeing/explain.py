"""One example through a network, forward and backward, written out with its numbers.

The seed walks its nine-neuron network through one evaluation (chapter I) and one step of
backpropagation (chapter III); :func:`explain` does the same for any network and example,
in the seed's notation (δ_j = ∂L/∂z_j, w_i,j the weight of the edge i → j)::

    forward     z_j = Σ_{i∈In(j)} w_i,j·o_i      o_j = f_j(z_j)         level by level
    loss        L = loss(y, ŷ)                   ŷ = the outputs' o
    step 1      δ_k = f_k'(z_k)·∂L/∂ŷ_k          at the output neurons
    step 2      δ_i = f_i'(z_i)·Σ_j w_i,j·δ_j    level by level backwards, over every outgoing edge
    step 3      ∂L/∂w_i,j = δ_j·o_i              for every edge
    SGD         w_i,j ← w_i,j − η·∂L/∂w_i,j

Every number comes from the library itself: z and o from :meth:`Network.trace`, δ and
∂L/∂w from :meth:`Network.gradient`, ∂L/∂ŷ from the loss table and f'(z) from the
activation table. What is written out (the sums with their terms) is those same numbers,
so a reader can check each line by hand.

>>> from neuronet.explain import explain
>>> e = explain()                       # the seed's running example, x = 0.5, y = 1
>>> round(e.deltas[4], 4)
0.1625
>>> print(e.text().splitlines()[0])
One example through the network, in the seed's notation
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import activations, losses as losses_mod
from ..errors import DataError
from ..model.network import Network

MAX_NEURONS = 60      # text(): beyond this many neurons, show a few per level
FEW_PER_LEVEL = 4     # … that many
FEW_TERMS = 6         # … and sums cut to that many terms
FEW_EDGES = 24        # … and that many lines of the per-edge sections

# f'(z) of each activation in terms of the neuron's own z and o (the form the table computes).
_DERIVATIVE_TEXT = {
    "identity": "1",
    "logistic": "o_{j}·(1 − o_{j})",
    "tanh": "1 − o_{j}²",
    "relu": "1 if z_{j} > 0 else 0",
    "leaky_relu": "1 if z_{j} > 0 else 0.01",
    "softplus": "logistic(z_{j})",
    "elu": "1 if z_{j} > 0 else o_{j} + 1",
    "step": "0",
}

# ∂L/∂ŷ_k of each loss, symbolically (per output k).
_LOSS_GRAD_TEXT = {
    "squared": "2·(ŷ_{k} − y_{k})",
    "absolute": "sign(ŷ_{k} − y_{k})",
    "huber": "clip(ŷ_{k} − y_{k}, −1, 1)",
    "cross_entropy": "softmax(ŷ)_{k} − y_{k}",
    "binary_cross_entropy": "logistic(ŷ_{k}) − y_{k}",
}


# -- the record ------------------------------------------------------------------------------
@dataclass
class Explanation:
    """One forward and one backward pass, every number kept (see :func:`explain`).

    Attributes
    ----------
    x, y : list of float           the example (y is None when no target was given)
    z, o : dict id -> float        every neuron's input and output (from ``net.trace``)
    yhat : list of float           the network's output
    loss_name, loss_value          the loss and L on this example (None without y)
    deltas : dict id -> float      δ_j = ∂L/∂z_j (from ``net.gradient``; empty without y)
    gradients : dict (i, j) -> float   ∂L/∂w_i,j
    step_size : float              η of the SGD update
    new_weights : dict (i, j) -> float w_i,j − η·∂L/∂w_i,j
    new_loss : float               L on the same example after the update
    """

    net_summary: dict
    x: list
    y: list | None
    neurons: list                  # [{id, kind, activation, name}]
    levels: list                   # [[ids]] non-bias neurons by level, level 0 = the inputs
    level_labels: list             # a label per level ("layer 2 (hidden)" / "level 1")
    incoming: dict                 # j -> [(i, w_ij)] in edge order
    outgoing: dict                 # i -> [(j, w_ij)] in edge order
    z: dict
    o: dict
    yhat: list
    outputs: list
    loss_name: str | None = None
    loss_formula: str | None = None
    loss_value: float | None = None
    targets: list | None = None    # y as the loss uses it (one-hot for class indices)
    y_is_class: bool = False       # y was a class index (cross_entropy)
    dL_dyhat: list | None = None   # ∂L/∂ŷ_k per output
    softmax: list | None = None    # cross_entropy: softmax(ŷ), shown in ∂L/∂ŷ
    fprime: dict = field(default_factory=dict)     # j -> f_j'(z_j)
    deltas: dict = field(default_factory=dict)
    gradients: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    step_size: float = 0.1
    new_weights: dict = field(default_factory=dict)
    new_loss: float | None = None
    step_note: str | None = None   # where η came from, for one of several consecutive steps
    units: dict | None = None      # ŷ and y in the target's units (a model trained by the CLI)

    # -- structured ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The same content as :meth:`text`, structured; only JSON types (numbers are full precision)."""
        kind = {nu["id"]: nu for nu in self.neurons}
        fwd = []
        for t, ids in enumerate(self.levels):
            rows = []
            for j in ids:
                nu = kind[j]
                row: dict[str, Any] = {"id": j, "kind": nu["kind"], "activation": nu["activation"],
                                       "z": self.z[j], "o": self.o[j]}
                if nu["name"]:
                    row["name"] = nu["name"]
                if t > 0:
                    row["terms"] = [{"from": i, "weight": w, "input": self.o[i]} for i, w in self.incoming[j]]
                rows.append(row)
            fwd.append({"level": t, "label": self.level_labels[t], "neurons": rows})
        out: dict[str, Any] = {
            "network": self.net_summary,
            "x": self.x,
            "y": self.y,
            "y_is_class": self.y_is_class,
            "biases": [nu["id"] for nu in self.neurons if nu["kind"] == "bias"],
            "forward": fwd,
            "yhat": self.yhat,
            "outputs": self.outputs,
            "step_size": self.step_size,
            "units": self.units,
        }
        if self.step_note:
            out["step_note"] = self.step_note
        if self.y is None:
            out["loss"] = None
            out["backward"] = None
            out["update"] = None
            return out
        out["loss"] = {"name": self.loss_name, "formula": self.loss_formula, "value": self.loss_value,
                       "targets": self.targets, "dL_dyhat": self.dL_dyhat}
        step1 = []
        for k, j in enumerate(self.outputs):
            step1.append({"id": j, "yhat": self.yhat[k], "target": self.targets[k], "dL_dyhat": self.dL_dyhat[k],
                          "fprime": self.fprime[j], "delta": self.deltas[j]})
        step2 = []
        for t in range(len(self.levels) - 1, 0, -1):
            rows = []
            for i in self._step2_ids(t):
                rows.append({"id": i, "activation": kind[i]["activation"], "fprime": self.fprime[i],
                             "terms": [{"to": j, "weight": w, "delta": self.deltas[j]} for j, w in self.outgoing[i]],
                             "sum": self._back_sum(i), "delta": self.deltas[i]})
            if rows:
                step2.append({"level": t, "label": self.level_labels[t], "neurons": rows})
        step3 = [{"from": i, "to": j, "delta": self.deltas[j], "output": self.o[i], "gradient": g}
                 for (i, j), g in self.gradients.items()]
        out["backward"] = {"step1": step1, "step2": step2, "step3": step3}
        out["update"] = {"rule": "w_i,j <- w_i,j - step_size * dL/dw_i,j", "step_size": self.step_size,
                         "edges": [{"from": i, "to": j, "weight": self.weights[(i, j)], "gradient": g,
                                    "new_weight": self.new_weights[(i, j)]} for (i, j), g in self.gradients.items()],
                         "loss_before": self.loss_value, "loss_after": self.new_loss}
        return out

    # -- helpers shared by to_dict and text -------------------------------------------------------
    def _step2_ids(self, t: int) -> list:
        """The hidden neurons of level t (output neurons have no outgoing edges: their δ is step 1's)."""
        kind = {nu["id"]: nu["kind"] for nu in self.neurons}
        return [i for i in self.levels[t] if kind[i] == "hidden"]

    def _back_sum(self, i: int) -> float:
        """Σ_j w_ij·δ_j over the edges leaving neuron i."""
        return math.fsum(w * self.deltas[j] for j, w in self.outgoing[i])

    # -- text -----------------------------------------------------------------------------------
    def text(self, width: int = 80, digits: int = 4, max_neurons: int | None = MAX_NEURONS) -> str:
        """The explanation as plain text, lines at most ``width`` characters where possible.

        Parameters
        ----------
        width : int, default 80
            Long sums continue on further lines, indented under their first term.
        digits : int, default 4
            Decimals shown (``to_dict`` keeps full precision).
        max_neurons : int or None, default 60
            With more neurons than this, each level shows its first few neurons, long sums
            their first few terms, and the per-edge sections their first few edges; None
            shows everything.
        """
        if isinstance(width, bool) or not isinstance(width, int) or width < 40:
            raise DataError(f"text(): width must be an integer ≥ 40 (columns); received width={width!r}.")
        if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15:
            raise DataError(f"text(): digits must be an integer from 1 to 15; received digits={digits!r}.")
        if max_neurons is not None and (isinstance(max_neurons, bool) or not isinstance(max_neurons, int)
                                        or max_neurons < 1):
            raise DataError(f"text(): max_neurons must be a positive integer or None; received "
                            f"max_neurons={max_neurons!r}.")
        return "\n".join(_Writer(self, width, digits, max_neurons).lines()) + "\n"

    def __str__(self) -> str:
        return self.text()


# -- building it --------------------------------------------------------------------------------
def explain(net: Network | None = None, x=None, y=None, loss: str | None = None, step_size: float = 0.1, *,
            steps: int = 1, schedule="auto"):
    """Explain forward and backward passes of ``net`` on examples, with numbers.

    Parameters
    ----------
    net : Network, optional
        None: the seed's running example (:func:`neuronet.examples.running_example`), and
        with x None also its documented example x = 0.5, y = 1 (with ``steps`` > 1, the
        training points of :func:`neuronet.examples.running_example_data`).
    x : array (n_in,), or (K, n_in) for K examples
        One example, or the examples that ``steps`` walks through in order.
    y : array (n_out,), a number for one output, or a class index for ``cross_entropy``, optional
        The target (one per example). Without it only the forward pass is explained.
    loss : str, optional
        The loss the network was trained with (``net.info``), else the seed's (y − ŷ)²;
        or any loss of :mod:`neuronet.losses`.
    step_size : float, default 0.1
        η₀ of the SGD update shown at the end, w_i,j ← w_i,j − η·∂L/∂w_i,j.
    steps : int, default 1
        k > 1: k consecutive per-example SGD updates (the seed's "do all of this again for
        the next training point"), each on the network the update before left, on examples
        1, 2, … (starting over after the last), each with its own step size η_t = η₀·factor(t)
        from ``schedule``, measured in epochs over the K examples, as ``train()`` does.
    schedule : str or dict, default "auto"
        The step-size schedule of :mod:`neuronet.schedules` ("auto": plain SGD's decreasing one).

    Returns
    -------
    Explanation, or Steps when steps > 1
        ``.text()`` for a terminal, ``.to_dict()`` for JSON.

    Raises
    ------
    DataError
        When x or y do not fit the network, or step_size or steps are not positive numbers.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise DataError(f"explain(): steps must be a positive integer (updates to show); received steps={steps!r}.")
    if net is None:
        from ..model.examples import running_example, running_example_data, running_example_input  # noqa: PLC0415

        net = running_example()
        if x is None:
            X, Y = running_example_data() if steps > 1 else running_example_input()
            x, y = (X, Y if y is None else np.full(len(X), y)) if steps > 1 else (X, Y if y is None else y)
    if not isinstance(net, Network):
        raise DataError(f"explain() needs a neuronet Network (or None for the seed's running example); "
                        f"received {type(net).__name__}.")
    if x is None:
        raise DataError(f"explain() needs one example x with {len(net.inputs)} value"
                        f"{'s' if len(net.inputs) != 1 else ''} (one per input neuron); received x=None.")
    if isinstance(step_size, bool) or not isinstance(step_size, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(step_size)) or step_size <= 0:
        raise DataError(f"explain(): step_size must be a positive number (η, such as 0.1); "
                        f"received step_size={step_size!r}.")
    lo = losses_mod.get(_model_loss(net) if loss is None else loss)
    if steps == 1 and np.ndim(x) < 2:
        return _explain_one(net, x, y, lo, float(step_size))[0]
    return _steps(net, x, y, lo, float(step_size), int(steps), schedule)


def _model_loss(net: Network) -> str:
    """The loss ``net`` was trained with, as ``train()`` or ``neuronet train`` recorded it; else squared."""
    info = net.info if isinstance(getattr(net, "info", None), dict) else {}
    for record in (info.get("training"), info.get("preprocessing")):
        name = record.get("loss") if isinstance(record, dict) else None
        if isinstance(name, str):
            try:
                return losses_mod.get(name).name
            except DataError:       # a name this version does not know: fall back to the seed's loss
                pass
    return "squared"


def _steps(net: Network, x, y, lo, eta0: float, k: int, schedule) -> "Steps":
    """k consecutive per-example SGD updates, each explained; see :func:`explain`."""
    from ..model import optimizers, schedules  # noqa: PLC0415

    X = np.asarray(x, dtype=np.float64)
    X = X.reshape(1, -1) if X.ndim < 2 else X                                # (K, n_in)
    if y is None:
        raise DataError("explain(steps=…) shows SGD updates, which need targets; give y (one per example).")
    Y = np.asarray(y, dtype=np.float64)
    if Y.ndim == 0 or (X.shape[0] == 1 and Y.ndim == 1 and len(net.outputs) == Y.shape[0]):
        Y = Y.reshape(1, -1)
    if Y.shape[0] != X.shape[0]:
        raise DataError(f"explain(): x holds {X.shape[0]} example{'s' if X.shape[0] != 1 else ''} but y holds "
                        f"{Y.shape[0]} target{'s' if Y.shape[0] != 1 else ''}; give one target per example.")
    K = X.shape[0]
    sched = schedules.get(schedule, optimizer=optimizers.get("sgd"), stochastic=K > 1)   # as train() picks it
    epochs = math.ceil(k / K)
    factors = sched.factors(0, k, K, epochs)                                 # (k,): η_t = η₀·factor_t
    out = []
    for t in range(k):
        eta = eta0 * float(factors[t])
        e, net = _explain_one(net, X[t % K], Y[t % K], lo, eta)
        e.step_note = (f"update {t + 1} of {k}, on example {t % K + 1} of {K}; η_{t + 1} = η₀·factor = "
                       f"{eta0:g}·{float(factors[t]):.6g} by the schedule {sched.describe()} "
                       f"(epochs elapsed e = {t}/{K})")
        out.append(e)
    return Steps(out, sched.describe(), eta0, K, net)


def _explain_one(net: Network, x, y, lo, eta: float) -> tuple[Explanation, Network]:
    """One example forward and backward, and the network after one SGD step on it.

    NumPy's overflow warnings are silenced here because :func:`_check_finite` turns any inf or nan
    the pass produced into one clear error, which the warnings would only precede.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _explain_pass(net, x, y, lo, eta)


def _explain_pass(net: Network, x, y, lo, eta: float) -> tuple[Explanation, Network]:
    tr = net.trace(x)                                                   # z_j, o_j of every neuron
    weights = net.weights
    incoming: dict[int, list] = {nu.id: [] for nu in net.neurons}
    outgoing: dict[int, list] = {nu.id: [] for nu in net.neurons}
    for (i, j), w in weights.items():
        incoming[j].append((i, w))
        outgoing[i].append((j, w))
    neurons = [{"id": nu.id, "kind": nu.kind, "activation": nu.activation, "name": nu.name} for nu in net.neurons]
    levels = net.levels
    n_kind = {nu.id: nu.kind for nu in net.neurons}
    summary = {"neurons": len(neurons), "edges": len(weights),
               "counts": {k: sum(1 for nu in neurons if nu["kind"] == k) for k in ("input", "bias", "hidden", "output")},
               "inputs": net.inputs, "outputs": net.outputs, "layered": net.layers is not None,
               "dtype": str(net.dtype)}
    e = Explanation(
        net_summary=summary, x=[float(v) for v in tr.x], y=None, neurons=neurons, levels=levels,
        level_labels=_level_labels(net, levels, n_kind), incoming=incoming, outgoing=outgoing,
        z={j: float(v) for j, v in tr.z.items()}, o={j: float(v) for j, v in tr.o.items()},
        yhat=[float(v) for v in tr.y], outputs=net.outputs, weights=weights, step_size=eta)
    if y is None:
        _check_finite(e)
        e.units = _target_units(net, e)
        return e, net

    x1 = tr.x                                                           # (n_in,), as trace() read it
    g = net.gradient(x1, y, loss=lo.name)                               # δ_j and ∂L/∂w_ij, from backprop
    Y = losses_mod.prepare_targets(lo, np.atleast_1d(y) if np.ndim(y) == 0 else np.asarray(y)[None],
                                   len(net.outputs), net.dtype, 1, "y")  # (1, n_out), as gradient() used it
    yhat = tr.y[None, None, :].astype(net.dtype)                          # (R=1, B=1, n_out)
    e.y = [float(v) for v in np.ravel(y)]
    e.y_is_class = lo.name == "cross_entropy" and len(e.y) != len(net.outputs)
    e.targets = [float(v) for v in Y[0]]
    e.loss_name, e.loss_formula, e.loss_value = lo.name, lo.formula, float(g.loss)
    e.dL_dyhat = [float(v) for v in lo.grad(yhat, Y)[0, 0]]
    if lo.name == "cross_entropy":
        e.softmax = [float(v) for v in losses_mod.softmax(yhat)[0, 0]]
    for nu in net.neurons:
        if nu.kind in ("hidden", "output"):
            act = activations.get(nu.activation)
            zj = np.array([e.z[nu.id]], dtype=net.dtype)
            oj = np.array([e.o[nu.id]], dtype=net.dtype)
            e.fprime[nu.id] = float(act.df(zj, oj)[0])
    e.deltas = {j: float(d) for j, d in g.deltas.items()}
    e.gradients = dict(g.weights)
    e.new_weights = {ij: weights[ij] - eta * gij for ij, gij in g.weights.items()}
    after = net._with_theta(net.theta - eta * g.flat)      # the same update on the engine's layout (P,)
    e.new_loss = float(after.gradient(x1, y, loss=lo.name).loss)
    _check_finite(e)
    e.units = _target_units(net, e)
    return e, after


def _check_finite(e: Explanation) -> None:
    """Refuse an explanation that would print inf or nan: one DataError naming the first such number.

    A finite example can still overflow float64 on the way (y = 1e308 gives L = (y − ŷ)² = inf, and
    then δ = ∞ − ∞ = nan); a page of inf and nan explains nothing, so the user learns which quantity
    left the range and what to change instead. The checks go in the order the text shows them.
    """
    def first_bad(values) -> float | None:
        return next((v for v in values if not math.isfinite(v)), None)

    for name, values in (("the example x", e.x), ("the target y", e.y or [])):
        v = first_bad(values)
        if v is not None:
            raise DataError(f"explain(): {name} holds {v}; give finite numbers only.")
    step = ("the SGD update", lambda: [*e.new_weights.values(), *([] if e.new_loss is None else [e.new_loss])])
    quantities = [
        ("the forward pass (z_j, o_j)", lambda: [*e.z.values(), *e.o.values()]),
        ("the loss L", lambda: [] if e.loss_value is None else [e.loss_value]),
        ("the backward pass (∂L/∂ŷ, δ_j, ∂L/∂w_i,j)",
         lambda: [*(e.dL_dyhat or []), *e.fprime.values(), *e.deltas.values(), *e.gradients.values()]),
        step,
    ]
    for what, values in quantities:
        v = first_bad(values())
        if v is None:
            continue
        example = ", ".join(f"{n} = ({', '.join(f'{u:g}' for u in vals)})"
                            for n, vals in (("x", e.x), ("y", e.y)) if vals)
        advice = ("give a smaller step size η (step_size, --step-size)" if (what, values) == step
                  else "give an example of ordinary size")
        raise DataError(f"explain(): on the example {example}, {what} reaches {v} (beyond the range of "
                        f"{e.net_summary['dtype']} numbers), so the explanation would show inf or nan instead of "
                        f"numbers; {advice}.")


def _target_units(net: Network, e: Explanation) -> dict | None:
    """ŷ and y in the target's own units, for a network that carries ``neuronet train``'s preprocessing record.

    Read through io's own reader, and tolerantly: a network without a record (built by hand),
    or with one this version cannot read, is explained in the network's numbers alone.
    """
    info = net.info if isinstance(getattr(net, "info", None), dict) else {}
    if "preprocessing" not in info:
        return None
    from ..io import tabular  # noqa: PLC0415

    try:
        prep = tabular.Preprocessing.of(net)
        if prep.task == tabular.REGRESSION:
            (value,), _ = prep.decode(np.array([e.yhat]))
            out = {"target": prep.target, "task": "regression", "yhat": float(value), "y": None}
            if e.targets is not None:
                (truth,), _ = prep.decode(np.array([e.targets]))
                out["y"] = float(truth)
            return out
        labels, proba = prep.decode(np.array([e.yhat]))
        out = {"target": prep.target, "task": "classification", "yhat": labels[0], "y": None,
               "probability": None if proba is None else float(proba[0].max())}
        if e.targets is not None:
            out["y"] = prep.classes[int(np.argmax(e.targets))]
        return out
    except Exception:  # noqa: BLE001 (the record's format is io's business; without it, no units)
        return None


@dataclass
class Steps:
    """Several consecutive per-example SGD updates, each an :class:`Explanation` (see :func:`explain`).

    Attributes
    ----------
    explanations : list of Explanation   one per update, in order
    schedule : str                       the step-size schedule, as ``schedules`` describes it
    step_size : float                    η₀
    n_examples : int                     K, the examples the updates cycle through (one epoch)
    network : Network                    the network after the last update
    """

    explanations: list
    schedule: str
    step_size: float
    n_examples: int
    network: Network

    def __len__(self) -> int:
        return len(self.explanations)

    def __getitem__(self, k: int) -> Explanation:
        return self.explanations[k]

    def to_dict(self) -> dict:
        return {"steps": [e.to_dict() for e in self.explanations], "schedule": self.schedule,
                "step_size": self.step_size, "examples": self.n_examples,
                "step_sizes": [e.step_size for e in self.explanations]}

    def text(self, width: int = 80, digits: int = 4, max_neurons: int | None = MAX_NEURONS) -> str:
        """Each update's explanation in turn, under a header naming its example and its η."""
        k = len(self.explanations)
        head = textwrap.wrap(f"{k} consecutive SGD updates, one example at a time (the seed: \u201cdo all of "
                             f"this again for the next training point\u201d); step sizes "
                             + ", ".join(f"η_{t + 1} = {e.step_size:.4g}" for t, e in enumerate(self.explanations))
                             + f" from η₀ = {self.step_size:g} and the schedule {self.schedule}.", width)
        parts = ["\n".join(head) + "\n"]
        for t, e in enumerate(self.explanations):
            title = f"Update {t + 1} of {k}"
            parts.append(f"{title}\n{'=' * len(title)}\n" + e.text(width, digits, max_neurons))
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.text()


def _level_labels(net: Network, levels: list, kind: dict) -> list:
    """"layer k (hidden)" when a level is exactly one of the seed's layers, else "level t"."""
    layer_of = {}
    if net.layers is not None:
        for k, layer in enumerate(net.layers, start=1):
            for j in layer:
                layer_of[j] = k
    labels = []
    for t, ids in enumerate(levels):
        kinds = sorted({kind[j] for j in ids}, key=("input", "hidden", "output").index)
        what = " and ".join(kinds)
        layers = {layer_of.get(j) for j in ids}
        if len(layers) == 1 and None not in layers:
            labels.append(f"layer {layers.pop()} ({what})")
        else:
            labels.append(f"level {t} ({what})")
    return labels


# -- the text ------------------------------------------------------------------------------------
class _Writer:
    """Lays an Explanation out as lines of at most ``width`` columns."""

    def __init__(self, e: Explanation, width: int, digits: int, max_neurons: int | None):
        self.e, self.width, self.digits = e, width, digits
        n = len(e.neurons)
        self.compact = max_neurons is not None and n > max_neurons
        self.kind = {nu["id"]: nu for nu in e.neurons}

    # numbers: fixed decimals, trailing zeros dropped, a real minus sign
    def num(self, v: float) -> str:
        if v == 0 or not math.isfinite(v):
            s = "0" if v == 0 else str(v)
        elif 10.0 ** -(self.digits - 1) <= abs(v) < 1e6:
            s = f"{v:.{self.digits}f}".rstrip("0").rstrip(".")
        else:
            s = f"{v:.{self.digits}g}"
        return s.replace("-", "−")

    def vector(self, values: list) -> str:
        shown, more = self.few(values, FEW_TERMS)
        return "(" + ", ".join(self.num(v) for v in shown) + (f", … {more} more" if more else "") + ")"

    def par(self, v: float) -> str:
        """A number as a factor: negative ones in parentheses."""
        s = self.num(v)
        return f"({s})" if s.startswith("−") else s

    def few(self, items: list, k: int) -> tuple[list, int]:
        if self.compact and len(items) > k:
            return items[:k], len(items) - k
        return items, 0

    def sum_tokens(self, pairs: list[tuple[str, str]], more: int = 0) -> list[str]:
        """['a', '+ b', '− c', …] from (coefficient, factor) strings; a negative coefficient folds its sign."""
        toks = []
        for k, (c, f) in enumerate(pairs):
            neg = c.startswith("−")
            body = (c[1:] if neg and k else c) + "·" + f
            toks.append(body if k == 0 else ("− " if neg else "+ ") + body)
        if more:
            toks.append(f"+ … ({more} more term{'s' if more != 1 else ''})")
        return toks or ["0"]

    def chain(self, indent: int, lhs: str, sides: list[list[str]], note: str = "", op: str = "=") -> list[str]:
        """``lhs = side1 = side2 …`` (the first sign ``op``), each side a list of tokens; wraps at ``width``."""
        pad = " " * indent
        one = (pad + lhs + f" {op} " + " = ".join(" ".join(s) for s in sides)
               + (f"   {note}" if note else ""))
        if len(one) <= self.width:
            return [one]
        lines: list[str] = []
        cur = pad + lhs + f" {op}"
        eq_col = len(pad + lhs) + 1              # continuation lines put "=" under the first sign
        first = True
        for side in sides:
            flat = " ".join(side)
            if len(cur) + 1 + len(flat) + (0 if first else 2) <= self.width:
                cur += " " + flat if first else " = " + flat
            else:
                if not first:
                    lines.append(cur)
                    cur = " " * eq_col + "="
                if len(cur) + 1 + len(flat) <= self.width:
                    cur += " " + flat
                else:                            # break the side itself between its terms
                    cont = " " * (len(cur) + 1)
                    cur += " " + side[0]
                    for tok in side[1:]:
                        if len(cur) + 1 + len(tok) <= self.width:
                            cur += " " + tok
                        else:
                            lines.append(cur)
                            cur = cont + tok
            first = False
        if note and len(cur) + 3 + len(note) <= self.width:
            cur += "   " + note
        elif note:
            lines.append(cur)
            cur = " " * (indent + 2) + note
        lines.append(cur)
        return lines

    def wrap(self, text: str, indent: int = 0) -> list[str]:
        """Prose filled to the width; continuation lines indented two more."""
        return textwrap.wrap(text, self.width, initial_indent=" " * indent, subsequent_indent=" " * (indent + 2),
                             break_on_hyphens=False, break_long_words=False) or [""]

    def fname(self, j: int) -> str:
        return self.kind[j]["activation"]

    # -- sections --------------------------------------------------------------------------------
    def lines(self) -> list[str]:
        e, num = self.e, self.num
        s = e.net_summary
        c = s["counts"]
        L = self.wrap("One example through the network, in the seed's notation")
        L += self.wrap(f"network: {s['neurons']} neurons ({c['input']} input, {c['bias']} bias, {c['hidden']} "
                       f"hidden, {c['output']} output), {s['edges']} edges; w_i,j is the weight of the edge "
                       f"i → j (it belongs to neuron j)", 2)
        ys = "" if e.y is None else (f"   y = class {int(e.y[0])}" if e.y_is_class else
                                     f"   y = {self.vector(e.y)}")
        L += self.wrap(f"x = {self.vector(e.x)}" + ys, 2)
        if e.y is not None:
            L += self.wrap(f"loss: {e.loss_name}, {e.loss_formula}   step size η = {num(e.step_size)}", 2)
        if e.step_note:
            L += self.wrap(e.step_note, 2)
        L += self.wrap(f"numbers rounded to {self.digits} decimals (to_dict() keeps them exact)", 2)
        if self.compact:
            L += self.wrap(f"This network has {s['neurons']} neurons: each level shows its first "
                           f"{FEW_PER_LEVEL}, sums their first {FEW_TERMS} terms and the edge lists their "
                           f"first {FEW_EDGES} edges. text(max_neurons=None) shows everything; "
                           "to_dict() holds every number.", 2)
        L += [""] + self.forward()
        if e.y is None:
            L += ([""] + self.units() if e.units else [])
            L += ["", "No target y given: the loss and backpropagation need one."]
            return L
        L += [""] + self.loss()
        L += [""] + self.backward()
        L += [""] + self.update()
        return L

    def forward(self) -> list[str]:
        e, num = self.e, self.num
        L = self.wrap("Forward pass: z_j = Σ_i w_i,j·o_i and o_j = f_j(z_j), level by level")
        ids, more = self.few(e.levels[0], FEW_PER_LEVEL)
        L += self.wrap(f"{e.level_labels[0]}: input neurons pass x on and apply no function", 2)
        for k, j in enumerate(ids):
            L.append(f"    o_{j} = x_{k + 1} = {num(e.o[j])}")
        if more:
            L.append(f"    … {more} more input neurons")
        biases = [nu["id"] for nu in e.neurons if nu["kind"] == "bias"]
        if biases:
            shown, bmore = self.few(biases, FEW_PER_LEVEL)
            L += self.wrap("bias neurons send 1: " + " = ".join(f"o_{b}" for b in shown)
                           + (f" = … ({bmore} more)" if bmore else "") + " = 1", 4)
        for t in range(1, len(e.levels)):
            ids, more = self.few(e.levels[t], FEW_PER_LEVEL)
            L.append(f"  {e.level_labels[t]}")
            for j in ids:
                inc, tmore = self.few(e.incoming[j], FEW_TERMS)
                sym = self.sum_tokens([(f"w_{i},{j}", f"o_{i}") for i, _ in inc], tmore)
                val = self.sum_tokens([(num(w), self.par(e.o[i])) for i, w in inc], tmore)
                L += self.chain(4, f"z_{j}", [sym, val, [num(e.z[j])]])
                f = self.fname(j)
                L += self.chain(4, f"o_{j}", [[f"{f}(z_{j})"], [f"{f}({num(e.z[j])})"], [num(e.o[j])]])
            if more:
                L.append(f"    … {more} more neurons in this level")
        return L

    def loss(self) -> list[str]:
        e, num = self.e, self.num
        outs, more = self.few(e.outputs, FEW_PER_LEVEL)
        L = ["Loss on this example"]
        L += self.wrap("ŷ = (" + ", ".join(f"o_{j}" for j in outs) + (", …" if more else "") + ") = ("
                       + ", ".join(num(e.yhat[k]) for k in range(len(outs))) + (", …" if more else "") + ")", 2)
        L += self.units()
        m = len(e.outputs)
        sub = (lambda k: "") if m == 1 else (lambda k: f"_{k + 1}")
        if e.loss_name in ("squared", "absolute"):
            shape = "({a} − {b})²" if e.loss_name == "squared" else "|{a} − {b}|"
            ks, kmore = self.few(list(range(m)), FEW_TERMS)
            sym = [("+ " if n else "") + shape.format(a=f"y{sub(k)}", b=f"ŷ{sub(k)}") for n, k in enumerate(ks)]
            val = [("+ " if n else "") + shape.format(a=num(e.targets[k]), b=self.par(e.yhat[k]))
                   for n, k in enumerate(ks)]
            if kmore:
                sym.append(f"+ … ({kmore} more)")
                val.append(f"+ … ({kmore} more)")
            L += self.chain(2, "L", [sym, val, [num(e.loss_value)]])
        else:
            L += self.wrap(f"{e.loss_formula} with y = (" + ", ".join(num(v) for v in e.targets[:FEW_TERMS])
                           + (", …" if m > FEW_TERMS else "") + ")", 2)
            L.append(f"  L = {num(e.loss_value)}")
        return L

    def in_units(self, v: float) -> str:
        """A value in the target's units as people read it: thousands separated, at most two decimals
        from a thousand on (413,666.98, not 413666.9848); smaller values as :meth:`num` writes them."""
        if math.isfinite(v) and 1e3 <= abs(v) < 1e15:
            return f"{v:,.2f}".rstrip("0").rstrip(".").replace("-", "−")
        return self.num(v)

    def units(self) -> list[str]:
        """ŷ and y in the target's own units (a model trained by ``neuronet train``), else nothing."""
        u = self.e.units
        if not u:
            return []
        if u["task"] == "regression":
            y = "" if u["y"] is None else f", y = {self.in_units(u['y'])}"
            return self.wrap(f"in the units of {u['target']!r}: ŷ = {self.in_units(u['yhat'])}{y} (the network "
                             "works on the standardized target, (value − mean) / std)", 2)
        p = "" if u.get("probability") is None else f" (probability {self.num(u['probability'])})"
        y = "" if u["y"] is None else f", y = class {u['y']!r}"
        return self.wrap(f"as a class of {u['target']!r}: ŷ predicts {u['yhat']!r}{p}{y}", 2)

    def backward(self) -> list[str]:
        e, num = self.e, self.num
        m = len(e.outputs)
        L = self.wrap("Backpropagation in the seed's three steps, with δ_j = ∂L/∂z_j", 0)
        L += [""] + self.wrap("Step 1: the output neurons, δ_k = f_k'(z_k)·∂L/∂ŷ_k", 0)
        outs, more = self.few(list(range(m)), FEW_PER_LEVEL)
        for k in outs:
            j = e.outputs[k]
            s = "" if m == 1 else f"_{k + 1}"
            L += self.chain(2, f"∂L/∂ŷ{s}", self.loss_gradient_sides(k, s), note=f"(ŷ{s} = o_{j})")
            L += self.fprime_line(j, 2)
            L += self.chain(2, f"δ_{j}", [[f"f_{j}'(z_{j})·∂L/∂ŷ{s}"],
                                          [f"{num(e.fprime[j])}·{self.par(e.dL_dyhat[k])}"], [num(e.deltas[j])]])
        if more:
            L.append(f"  … {more} more output neurons")

        L += [""] + self.wrap("Step 2: level by level backwards, δ_i = f_i'(z_i)·Σ_j w_i,j·δ_j, the sum "
                              "running over every edge leaving neuron i", 0)
        for t in range(len(e.levels) - 1, 0, -1):
            ids = e._step2_ids(t)
            if not ids:
                continue
            ids, more = self.few(ids, FEW_PER_LEVEL)
            L.append(f"  {e.level_labels[t]}")
            for i in ids:
                L += self.fprime_line(i, 4)
                outs_i, tmore = self.few(e.outgoing[i], FEW_TERMS)
                sym = self.sum_tokens([(f"w_{i},{j}", f"δ_{j}") for j, _ in outs_i], tmore)
                val = self.sum_tokens([(num(w), self.par(e.deltas[j])) for j, w in outs_i], tmore)
                n_edges = len(e.outgoing[i])
                if n_edges == 0:              # a hidden neuron whose output nothing uses
                    L += self.chain(4, f"δ_{i}", [[f"f_{i}'(z_{i})·0"], ["0"]], note="(it feeds no neuron)")
                    continue
                if n_edges == 1:
                    (j, w), = e.outgoing[i]
                    sym = [f"f_{i}'(z_{i})·w_{i},{j}·δ_{j}"]
                    val = [f"{num(e.fprime[i])}·{self.par(w)}·{self.par(e.deltas[j])}"]
                else:                         # the seed's neuron 4: one term per outgoing edge
                    sym = [f"f_{i}'(z_{i})·(" + sym[0]] + sym[1:-1] + [sym[-1] + ")"]
                    val = [f"{num(e.fprime[i])}·(" + val[0]] + val[1:-1] + [val[-1] + ")"]
                note = f"({n_edges} outgoing edges)" if n_edges > 1 else ""
                L += self.chain(4, f"δ_{i}", [sym, val, [num(e.deltas[i])]], note=note)
            if more:
                L.append(f"    … {more} more neurons in this level")

        L += [""] + self.wrap("Step 3: every weight, ∂L/∂w_i,j = δ_j·o_i (o_i = 1 for a bias neuron)", 0)
        edges, more = self.few(list(e.gradients.items()), FEW_EDGES)
        for (i, j), gij in edges:
            L += self.chain(2, f"∂L/∂w_{i},{j}", [[f"δ_{j}·o_{i}"], [f"{num(e.deltas[j])}·{self.par(e.o[i])}"],
                                                   [num(gij)]])
        if more:
            L.append(f"  … {more} more edges")
        return L

    def loss_gradient_sides(self, k: int, s: str) -> list[list[str]]:
        """∂L/∂ŷ_k: the loss's formula, with its numbers, then the value (from the loss table)."""
        e, num = self.e, self.num
        form = _LOSS_GRAD_TEXT.get(e.loss_name)
        value = [num(e.dL_dyhat[k])]
        if form is None:                      # a loss without a formula here: the value alone
            return [value]
        yk, tk = num(e.yhat[k]), self.par(e.targets[k])     # the subtracted factor in parentheses if negative
        nums = {"squared": f"2·({yk} − {tk})", "absolute": f"sign({yk} − {tk})",
                "huber": f"clip({yk} − {tk}, −1, 1)",
                "cross_entropy": f"{self.par(e.softmax[k])} − {tk}" if e.softmax else "",
                "binary_cross_entropy": f"logistic({yk}) − {tk}"}[e.loss_name]
        return [[form.replace("_{k}", s)], [nums], value]

    def fprime_line(self, j: int, indent: int) -> list[str]:
        e, num = self.e, self.num
        f = self.fname(j)
        form = _DERIVATIVE_TEXT.get(f)
        sides = []
        if form is not None and form not in ("1", "0"):
            sides.append([form.format(j=j)])
            if f == "logistic":
                sides.append([f"{num(e.o[j])}·(1 − {num(e.o[j])})"])
            elif f == "tanh":
                sides.append([f"1 − {self.par(e.o[j])}²"])
        sides.append([num(e.fprime[j])])
        return self.chain(indent, f"f_{j}'(z_{j})", sides, note=f"({f})")

    def update(self) -> list[str]:
        e, num = self.e, self.num
        eta = num(e.step_size)
        L = self.wrap(f"Stochastic gradient descent: one step of size η = {eta} against the derivative, "
                      "w_i,j ← w_i,j − η·∂L/∂w_i,j", 0)
        edges, more = self.few(list(e.gradients.items()), FEW_EDGES)
        for (i, j), gij in edges:
            L += self.chain(2, f"w_{i},{j}", [[f"{num(e.weights[(i, j)])} − {eta}·{self.par(gij)}"],
                                               [num(e.new_weights[(i, j)])]], op="←")
        if more:
            L.append(f"  … {more} more edges")
        better = "lower" if e.new_loss < e.loss_value else "not lower (try a smaller step size)"
        L += self.wrap(f"With the new weights the loss on this example is {num(e.new_loss)} "
                       f"(it was {num(e.loss_value)}): {better}.", 0)
        return L


from .._callable import make_callable  # noqa: E402

make_callable(__name__, "explain")  # nn.explain(net, x, y) explains; nn.explain.Explanation stays reachable
