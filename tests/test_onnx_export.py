"""ONNX export: onnxruntime computes what neuronet's forward computes."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import ModelFileError
from neuronet.io.onnx import SUPPORTED, export_onnx, to_onnx

X = np.random.default_rng(0).normal(size=(64, 3)) * 4      # (B, n_in): both sides of every kink and plateau


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("onnx")
    return pytest.importorskip("onnxruntime")


def run(ort, model_or_path, X):
    import onnx

    src = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    if not isinstance(model_or_path, str):
        onnx.checker.check_model(model_or_path, full_check=True)
    session = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": X})[0]


def tolerance(dtype):
    # float64: to 1e-6 (in practice ~1e-9); float32: the same up to float32 rounding of the outputs' size.
    return dict(rtol=1e-6, atol=1e-6) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)


def mixed(dtype="float64") -> nn.Network:
    """Non-layered: every supported activation, several per level, skip edges, outputs on two levels."""
    g = nn.Graph()
    a, b_in, c_in = g.input("a"), g.input("b"), g.input("c")
    one = g.bias()
    hidden = [g.neuron(act, name=f"h_{act}") for act in SUPPORTED]
    for h in hidden:
        for i in (a, b_in, c_in, one):
            g.connect(i, h)
    early = g.output("tanh", "early")            # output on level 1, beside the hidden neurons
    g.connect(a, early)
    g.connect(one, early)
    deep = g.neuron("softplus", "deep")          # level 2
    for h in hidden:
        g.connect(h, deep)
    g.connect(one, deep)
    y1 = g.output("identity", "y1")              # level 3, with a skip edge from an input
    g.connect(deep, y1)
    g.connect(hidden[0], y1)
    g.connect(c_in, y1)
    g.connect(one, y1)
    y2 = g.output("elu", "y2")
    g.connect(hidden[3], y2)
    g.connect(one, y2)
    return g.build(seed=3, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("act", SUPPORTED)
def test_each_activation_matches_forward(ort, act, dtype):
    net = nn.mlp([3, 5, 4, 2], hidden=act, output=act, seed=1, dtype=dtype)
    got = run(ort, to_onnx(net), X.astype(dtype))
    assert got.dtype == np.dtype(dtype) and got.shape == (64, 2)
    np.testing.assert_allclose(got, net.forward(X), **tolerance(dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_non_layered_network_matches_forward(ort, dtype):
    net = mixed(dtype)
    assert net.layers is None and not net.structure.output_is_last_level
    got = run(ort, to_onnx(net), X.astype(dtype))
    np.testing.assert_allclose(got, net.forward(X), **tolerance(dtype))
    assert net.outputs == [12, 14, 15] and len(net.structure.levels[1].segments) == len(SUPPORTED)


def test_masked_blocks_and_the_seed_example(ort):
    """The seed's nine-neuron network: neuron 3 feeds only 6, so a block has a hole (a zero)."""
    g = nn.Graph()
    x1, b2 = g.input(), g.bias()
    h3, h4 = g.neuron("logistic"), g.neuron("logistic")
    b5 = g.bias()
    h6, h7 = g.neuron("logistic"), g.neuron("logistic")
    b8 = g.bias()
    y9 = g.output("identity")
    for i, j in [(x1, h3), (b2, h3), (x1, h4), (b2, h4), (h3, h6), (h4, h6), (b5, h6), (h4, h7), (b5, h7),
                 (h6, y9), (h7, y9), (b8, y9)]:
        g.connect(i, j)
    net = g.build(seed=0)
    assert net.structure.levels[2].blocks[0].mask is not None
    x = np.linspace(-3, 3, 13)[:, None]
    np.testing.assert_allclose(run(ort, to_onnx(net), x), net.forward(x), rtol=1e-6, atol=1e-6)


def test_export_writes_a_file(ort, tmp_path):
    net = mixed()
    path = tmp_path / "m.onnx"
    export_onnx(net, path)
    np.testing.assert_allclose(run(ort, str(path), X), net.forward(X), rtol=1e-6, atol=1e-6)
    import json

    import onnx

    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert [d["name"] for d in json.loads(props["neuronet.inputs"])] == ["a", "b", "c"]
    assert [d["name"] for d in json.loads(props["neuronet.outputs"])] == ["early", "y1", "y2"]
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_step_is_refused():
    g = nn.Graph()
    x, b = g.input(), g.bias()
    h = g.neuron("step", name="gate")
    y = g.output("identity")
    g.connect(x, h)
    g.connect(b, h)
    g.connect(h, y)
    with pytest.raises(ModelFileError, match=r"neuron 3 \('gate'\) applies 'step'.*Supported activations"):
        to_onnx(g.build(seed=0))


def test_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        export_onnx(nn.mlp([1, 1]), tmp_path / "no" / "m.onnx")


def test_missing_onnx_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)      # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[onnx\]'"):
        to_onnx(nn.mlp([2, 1], seed=0))
