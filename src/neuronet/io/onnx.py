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
    onnx, helper, numpy_helper = _import_onnx()
    b = _Builder(helper, numpy_helper, net.dtype)
    f64 = net.dtype == np.float64
    theta = np.asarray(net.theta)[None]                                  # (1, P)

    o: list[str] = ["x"] + [""] * (len(S.levels) - 1)
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
        b.node("Identity", [o[-1]], "y", exact=True)
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
        b.node("Gather", [joined, b.const("out_order", inverse)], "y", axis=1, exact=True)

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
    write_atomic(p, to_onnx(net).SerializeToString())


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
