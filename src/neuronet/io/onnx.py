"""Export a Network to ONNX, to run it in onnxruntime or any other ONNX runtime.

The ONNX graph follows the compiled levels of ``structure.py`` one to one. For each
level t, over a batch of B examples::

    z_t = Σ_s MatMul(o_s, W[t,s]) + b_t      # (B, n_s) @ (n_s, n_t) -> (B, n_t)
    o_t = f_t(z_t)                           # per activation segment: Split, op, Concat

where the blocks W[t,s] are dense (zeros where there is no edge, as in neuronet) and
b_t sums the level's bias rows. The activations map to ONNX operators:

==========  =========================  =========================================
neuronet    ONNX (float32)             float64 (onnxruntime has no double kernel)
==========  =========================  =========================================
identity    Identity                   Identity
logistic    Sigmoid                    Sigmoid
tanh        Tanh                       Tanh
relu        Relu                       Relu
leaky_relu  LeakyRelu(alpha=0.01)      LeakyRelu(alpha=0.01)
softplus    Softplus                   Relu(z) + Log(1 + Exp(−|z|))
elu         Elu(alpha=1)               Where(z > 0, z, Exp(Min(z, 0)) − 1)
==========  =========================  =========================================

``step`` has no derivative and no place in a deployed model; it is refused. The model
has one input ``x`` (B, n_in) and one output ``y`` (B, n_out), in the network's dtype,
with the batch size left free.

onnx is an optional dependency: ``pip install 'neuronet[onnx]'``.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.activations import LEAKY_SLOPE
from ..errors import ModelFileError
from ..model.structure import BIAS

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network

OPSET = 17        # supported by onnxruntime ≥ 1.14
ML_OPSET = 3      # ai.onnx.ml: LabelEncoder with string keys and int64 values
IR_VERSION = 8    # the IR version that goes with opset 17; older runtimes refuse newer ones
MAX_BYTES = 2**31 - 2**26  # protobuf's 2 GB limit, less room for the graph itself

SUPPORTED = ("identity", "logistic", "tanh", "relu", "leaky_relu", "softplus", "elu")


def _import_onnx():
    try:
        import onnx  # noqa: PLC0415
        from onnx import helper, numpy_helper  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError("ONNX export needs the optional package 'onnx', which is not installed. Install it with "
                          "pip install 'neuronet[onnx]' (this also installs onnxruntime to run the model).") from exc
    return onnx, helper, numpy_helper


def to_onnx(net: "Network") -> Any:
    """The ONNX model (an ``onnx.ModelProto``) computing ``net.forward``.

    Parameters
    ----------
    net : Network
        A network whose neurons use only activations ONNX can express (not ``step``).

    Returns
    -------
    onnx.ModelProto
        Input ``x`` of shape (B, n_in), output ``y`` of shape (B, n_out), dtype of ``net``.

    Raises
    ------
    ModelFileError
        A neuron applies ``step``, or the weights exceed protobuf's 2 GB limit.
    ImportError
        The optional package onnx is not installed.
    """
    _check_exportable(net)
    S = net.structure
    onnx, helper, numpy_helper = _import_onnx()
    b = _Builder(helper, numpy_helper, net.dtype)
    f64 = net.dtype == np.float64
    _network_nodes(b, net, "x", "y")

    elem = onnx.TensorProto.DOUBLE if f64 else onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        b.nodes, "neuronet",
        [helper.make_tensor_value_info("x", elem, ["batch", S.n_in])],
        [helper.make_tensor_value_info("y", elem, ["batch", S.n_out])],
        initializer=b.inits,
        doc_string=f"A neuronet network: {net!r}",
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="neuronet")
    model.ir_version = IR_VERSION
    names = {nu.id: nu.name for nu in net.neurons}
    helper.set_model_props(model, {
        "neuronet.inputs": json.dumps([{"id": i, "name": names[i]} for i in S.inputs]),
        "neuronet.outputs": json.dumps([{"id": j, "name": names[j]} for j in S.outputs]),
    })
    return model


def _check_exportable(net) -> None:
    """A ModelFileError unless ``net`` is a Network that ONNX can express in one file."""
    from ..model.network import Network  # noqa: PLC0415

    if not isinstance(net, Network):
        raise ModelFileError(f"export_onnx() takes a neuronet Network; received {type(net).__name__}.")
    bad = [nu for nu in net.neurons if nu.activation is not None and nu.activation not in SUPPORTED]
    if bad:
        nu = bad[0]
        raise ModelFileError(f"Cannot export to ONNX: {nu.label} applies {nu.activation!r}, which the ONNX export "
                             f"does not support" + (f" (nor {len(bad) - 1} other neurons)" if len(bad) > 1 else "")
                             + f". Supported activations: {', '.join(SUPPORTED)}. The step function is meant for "
                               "hand-built constructions; replace it with logistic or relu to deploy the network.")
    S = net.structure
    if np.asarray(net.theta).nbytes > MAX_BYTES:
        raise ModelFileError(f"Cannot export to ONNX: the network's {S.P:,} weights take more than 2 GB, the size "
                             "limit of one ONNX file. Save it as .safetensors instead.")


def _network_nodes(b: "_Builder", net: "Network", x: str, y: str) -> str:
    """Add the nodes computing ``net.forward`` from the tensor ``x`` (B, n_in) to the tensor ``y`` (B, n_out)."""
    S = net.structure
    f64 = net.dtype == np.float64
    theta = np.asarray(net.theta)[None]                                  # (1, P)

    o: list[str] = [x] + [""] * (len(S.levels) - 1)

    for t in range(1, len(S.levels)):
        lev = S.levels[t]
        z = None
        bias = None
        for blk in lev.blocks:
            W = blk.view(theta)[0]                                       # (n_s, n_t)
            if blk.src == BIAS:
                bias = b.const(f"b{t}", W[0] if blk.shape[0] == 1 else W.sum(axis=0))   # (n_t,)
                continue
            term = b.node("MatMul", [o[blk.src], b.const(f"W{t}_{blk.src}", W)], f"mm{t}_{blk.src}")  # (B, n_t)
            z = term if z is None else b.node("Add", [z, term], f"z{t}_")
        if z is None:  # a level fed only by bias neurons is impossible (validate), kept for safety
            raise AssertionError(f"level {t} has no incoming weight block")  # pragma: no cover
        if bias is not None:
            z = b.node("Add", [z, bias], f"z{t}")                        # (B, n_t) + (n_t,)
        if len(lev.segments) == 1:
            o[t] = _activation(b, lev.segments[0][0].name, z, f"o{t}", f64)
        else:
            sizes = b.const(f"split{t}", np.array([sl.stop - sl.start for _, sl in lev.segments], np.int64))
            parts = b.node("Split", [z, sizes], f"z{t}_part", n_out=len(lev.segments), axis=1)
            acts = [_activation(b, act.name, part, f"o{t}_{k}", f64)
                    for k, ((act, _), part) in enumerate(zip(lev.segments, parts))]
            o[t] = b.node("Concat", acts, f"o{t}", axis=1)

    if S.output_is_last_level:
        b.node("Identity", [o[-1]], y, exact=True)
    else:  # outputs spread over several levels: gather them, then put them in output order
        pieces, order = [], []
        for t in range(1, len(S.levels)):
            lev = S.levels[t]
            if len(lev.out_cols):
                pieces.append(b.node("Gather", [o[t], b.const(f"cols{t}", lev.out_cols.astype(np.int64))],
                                     f"out{t}", axis=1))
                order.extend(lev.out_pos.tolist())
        joined = b.node("Concat", pieces, "out", axis=1) if len(pieces) > 1 else pieces[0]
        inverse = np.argsort(np.asarray(order, np.int64)).astype(np.int64)
        b.node("Gather", [joined, b.const("out_order", inverse)], y, axis=1, exact=True)
    return y


# -- the whole model: columns in, labels / probabilities / values out ---------------------------------
def model_to_onnx(net: "Network", prep) -> Any:
    """The ONNX model of a trained model: raw columns in, predictions in the target's terms out.

    Parameters
    ----------
    net : Network
    prep : Preprocessing
        The preprocessing stored with ``net`` by ``neuronet train`` (:mod:`neuronet.io.preprocess`).

    Returns
    -------
    onnx.ModelProto
        One input per column the model reads, named as the column, shape (N, 1): float32 for
        numeric columns (NaN where a cell is missing), string for text columns (the cell's
        text, stripped; missing: empty or an NA spelling such as "NA", "null", "?"). Outputs:
        ``label`` (N,) class names and ``probabilities`` (N, C) for classification (the latter
        when the loss gives probabilities), ``prediction`` (N, 1) in the target's own units
        for regression. Numbers written with thousands separators, % or a currency sign must
        be parsed by the caller; a numeric category is written as ``neuronet`` writes it ("3",
        not "3.0"; both are accepted).
    """
    _check_exportable(net)
    onnx, helper, numpy_helper = _import_onnx()
    TP = onnx.TensorProto
    b = _Builder(helper, numpy_helper, net.dtype)
    dt = TP.DOUBLE if net.dtype == np.float64 else TP.FLOAT
    cols = [f for f in prep.features if f["kind"] != "dropped"]
    classify = prep.task == "classification"
    outputs = ["label", "probabilities"] if classify else ["prediction"]
    clash = [f["name"] for f in cols if f["name"] in outputs]
    if clash:
        raise ModelFileError(f"Cannot export the whole model to ONNX: the input column {clash[0]!r} has the name of "
                             "an output of the exported model. Rename the column and train again, or export the "
                             "bare network with --network-only.")
    b.used |= {f["name"] for f in cols} | set(outputs)

    inputs, parts = [], []
    for f in cols:
        if f["kind"] == "numeric":
            inputs.append(helper.make_tensor_value_info(f["name"], TP.FLOAT, ["N", 1]))
            parts += _numeric_nodes(b, f, dt)
        else:
            inputs.append(helper.make_tensor_value_info(f["name"], TP.STRING, ["N", 1]))
            parts.append(_categorical_nodes(b, f, dt))
    if len(parts) == 0:
        raise ModelFileError("Cannot export the model to ONNX: it reads no columns.")
    X = b.node("Concat", parts, "inputs", axis=1) if len(parts) > 1 else parts[0]        # (N, n_in)
    logits = _network_nodes(b, net, X, b._name("outputs"))                             # (N, n_out)

    out_info = []
    if classify:
        index = b.node("ArgMax", [logits], "class_index", axis=1, keepdims=0)           # (N,) int64
        b.node("Gather", [b.const("classes", np.array(prep.classes, dtype=object)), index], "label", axis=0,
               exact=True)
        out_info.append(helper.make_tensor_value_info("label", TP.STRING, ["N"]))
        if prep.loss == "cross_entropy":
            b.node("Softmax", [logits], "probabilities", axis=1, exact=True)
        elif prep.loss == "binary_cross_entropy":
            sig = b.node("Sigmoid", [logits], "sigma")
            total = b.node("ReduceSum", [sig, b.const("axis1", np.array([1], np.int64))], "sigma_sum", keepdims=1)
            b.node("Div", [sig, total], "probabilities", exact=True)
        if prep.loss in ("cross_entropy", "binary_cross_entropy"):
            out_info.append(helper.make_tensor_value_info("probabilities", dt, ["N", len(prep.classes)]))
    else:
        scaled = b.node("Mul", [logits, b.const("target_std", np.array([prep.target_std]))], "target_scaled")
        b.node("Add", [scaled, b.const("target_mean", np.array([prep.target_mean]))], "prediction", exact=True)
        out_info.append(helper.make_tensor_value_info("prediction", dt, ["N", 1]))

    graph = helper.make_graph(b.nodes, "neuronet_model", inputs, out_info, initializer=b.inits,
                              doc_string=f"A neuronet model: {prep.task} of {prep.target!r} from "
                                         f"{len(cols)} columns, with its preprocessing.")
    model = helper.make_model(graph, producer_name="neuronet", opset_imports=[
        helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)])
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {
        "neuronet.columns": json.dumps([{"name": f["name"], "kind": f["kind"]} for f in cols]),
        "neuronet.target": prep.target, "neuronet.task": prep.task,
        **({"neuronet.classes": json.dumps(list(prep.classes))} if classify else {}),
    })
    onnx.checker.check_model(model)
    return model


def _numeric_nodes(b: "_Builder", f: dict, dt: int) -> list[str]:
    """(x − mean) / std with the training median where x is NaN, and the was-missing indicator: (N, 1) each."""
    name = f["name"]
    gone = b.node("IsNaN", [name], f"{name}_isnan")                                     # (N, 1) bool
    x = b.node("Cast", [name], f"{name}_cast", to=dt)
    median = f.get("median", f["mean"])
    filled = b.node("Where", [gone, b.const(f"{name}_median", np.array([median])), x], f"{name}_filled")
    centred = b.node("Sub", [filled, b.const(f"{name}_mean", np.array([f["mean"]]))], f"{name}_centred")
    out = [b.node("Div", [centred, b.const(f"{name}_std", np.array([f["std"]]))], f"{name}_z")]
    if f.get("indicator"):
        out.append(b.node("Cast", [gone], f"{name}_missing", to=dt))
    return out


def _categorical_nodes(b: "_Builder", f: dict, dt: int) -> str:
    """The one-hot block (N, k) of a text column: its categories, then "(missing)" and "(other)" when it has them."""
    name, cats = f["name"], list(f["categories"])
    has_missing, has_other = bool(f.get("missing")), bool(f.get("other"))
    width = len(cats) + has_missing + has_other
    missing_at = len(cats) if has_missing else -1                 # -1: no input applies (all zeros)
    other_at = len(cats) + has_missing if has_other else -1
    keys, values = [], []
    for k, c in enumerate(cats):
        for spelling in dict.fromkeys([c, *_number_spellings(c)]):
            keys.append(spelling)
            values.append(k)
    na = _na_spellings()
    keys += na
    values += [missing_at] * len(na)
    flat = b.node("Reshape", [name, b.const("flat", np.array([-1], np.int64))], f"{name}_flat")   # (N,)
    index = b.node("LabelEncoder", [flat], f"{name}_index", domain="ai.onnx.ml", keys_strings=keys,
                   values_int64s=values, default_int64=other_at)                                # (N,)
    column = b.node("Unsqueeze", [index, b.const("axis1", np.array([1], np.int64))], f"{name}_index_col")
    hit = b.node("Equal", [column, b.const(f"{name}_slots", np.arange(width, dtype=np.int64))], f"{name}_hit")
    return b.node("Cast", [hit], f"{name}_onehot", to=dt)                                # (N, width)


def _na_spellings() -> list[str]:
    """Every spelling of a missing cell in every mix of upper and lower case ('NA', 'na', 'Null', 'NaN'…).

    neuronet compares them case-insensitively (:func:`~neuronet.io.columns.is_missing`); one
    LabelEncoder lookup of all ~200 spellings does the same without ONNX's StringNormalizer,
    whose lower-casing needs a locale that runtimes often lack.
    """
    from .columns import NA_SPELLINGS  # noqa: PLC0415

    out = []
    for s in sorted(NA_SPELLINGS):
        out += ["".join(p) for p in itertools.product(*[(ch.lower(), ch.upper()) if ch.isalpha() else (ch,)
                                                         for ch in s])]
    return list(dict.fromkeys(out))


def _number_spellings(category: str) -> list[str]:
    """Other ways a numeric category may be written ('3' also as '3.0')."""
    try:
        v = float(category)
    except ValueError:
        return []
    return [repr(v)] if np.isfinite(v) else []


def export_model_onnx(net: "Network", prep, path: str | os.PathLike) -> None:
    """Write the whole model (preprocessing, network, decoding) as an ONNX file, atomically; see :func:`model_to_onnx`."""
    from ..model.files import write_atomic  # noqa: PLC0415

    write_atomic(_check_path(path), model_to_onnx(net, prep).SerializeToString())


def export_onnx(net: "Network", path: str | os.PathLike) -> None:
    """Write ``net`` as an ONNX model file (atomically); see :func:`to_onnx` for the graph.

    Raises
    ------
    ModelFileError
        The folder of ``path`` does not exist, a neuron applies ``step``, or the write failed.
    ImportError
        The optional package onnx is not installed (``pip install 'neuronet[onnx]'``).
    """
    from ..model.files import write_atomic  # noqa: PLC0415

    write_atomic(_check_path(path), to_onnx(net).SerializeToString())


def _check_path(path) -> Path:
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise ModelFileError(f"export_onnx() takes a file path (str or pathlib.Path); received {path!r}.") from None
    if not p.parent.is_dir():
        raise ModelFileError(f"Cannot export to ONNX file '{p}': the folder '{p.parent}' does not exist. "
                             "Create it first or choose another path.")
    if p.is_dir():
        raise ModelFileError(f"Cannot export to ONNX file '{p}': that path is a folder; give a file name "
                             "ending in .onnx.")
    return p


def _activation(b: "_Builder", name: str, z: str, out: str, f64: bool) -> str:
    if name == "identity":
        return b.node("Identity", [z], out)
    if name == "logistic":
        return b.node("Sigmoid", [z], out)
    if name == "tanh":
        return b.node("Tanh", [z], out)
    if name == "relu":
        return b.node("Relu", [z], out)
    if name == "leaky_relu":
        return b.node("LeakyRelu", [z], out, alpha=LEAKY_SLOPE)
    if name == "softplus":
        if not f64:
            return b.node("Softplus", [z], out)
        # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no overflow for large |z|
        e = b.node("Exp", [b.node("Neg", [b.node("Abs", [z], out + "_abs")], out + "_neg")], out + "_exp")
        tail = b.node("Log", [b.node("Add", [e, b.scalar(1.0)], out + "_1p")], out + "_log")
        return b.node("Add", [b.node("Relu", [z], out + "_relu"), tail], out)
    if name == "elu":
        if not f64:
            return b.node("Elu", [z], out, alpha=1.0)
        neg = b.node("Sub", [b.node("Exp", [b.node("Min", [z, b.scalar(0.0)], out + "_min")], out + "_exp"),
                             b.scalar(1.0)], out + "_em1")
        return b.node("Where", [b.node("Greater", [z, b.scalar(0.0)], out + "_pos"), z, neg], out)
    raise AssertionError(f"no ONNX form for activation {name!r}")  # pragma: no cover (checked in to_onnx)


class _Builder:
    """Collects nodes and initializers with unique tensor names."""

    def __init__(self, helper, numpy_helper, dtype) -> None:
        self.helper, self.numpy_helper, self.dtype = helper, numpy_helper, np.dtype(dtype)
        self.nodes: list = []
        self.inits: list = []
        self.used: set[str] = {"x", "y"}
        self.scalars: dict[float, str] = {}

    def _name(self, base: str, exact: bool = False) -> str:
        if exact:
            return base
        name, k = base, 1
        while name in self.used:
            name, k = f"{base}{k}", k + 1
        self.used.add(name)
        return name

    def const(self, base: str, value: np.ndarray) -> str:
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = value.astype(self.dtype)
        name = self._name(base)
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def scalar(self, v: float) -> str:
        if v not in self.scalars:
            self.scalars[v] = self.const("one" if v == 1.0 else "zero" if v == 0.0 else "c", np.asarray(v))
        return self.scalars[v]

    def node(self, op: str, inputs: list[str], out: str, n_out: int = 1, exact: bool = False, **attrs):
        outs = [self._name(f"{out}{k}" if n_out > 1 else out, exact) for k in range(n_out)]
        self.nodes.append(self.helper.make_node(op, inputs, outs, name=outs[0], **attrs))
        return outs if n_out > 1 else outs[0]
