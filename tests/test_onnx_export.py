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


# -- the whole model: raw columns in, the CLI's answers out ----------------------------------------------
def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from neuronet.cli import app

    r = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    return r.stdout


def _write(path, header, rows):
    import csv

    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _feeds(session, path) -> dict:
    """The CSV file's columns as the ONNX inputs: float32 (NaN where empty or NA) or stripped strings."""
    import csv

    from neuronet.io.columns import is_missing

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    feeds = {}
    for i in session.get_inputs():
        cells = [row[i.name] for row in rows]
        if i.type == "tensor(string)":
            feeds[i.name] = np.array([c.strip() for c in cells], dtype=object)[:, None]
        else:
            feeds[i.name] = np.array([np.nan if is_missing(c) else float(c) for c in cells], np.float32)[:, None]
    return feeds


def _cli_predictions(model, data) -> list[str]:
    import csv
    import io

    return [row[0] for row in list(csv.reader(io.StringIO(_cli("predict", str(model), str(data)))))[1:]]


def _agrees_with_predict(session, model, data) -> None:
    """onnxruntime on the raw columns: the labels `neuronet predict` writes, its probabilities to 1e-4."""
    label, proba = session.run(None, _feeds(session, data))
    assert label.tolist() == _cli_predictions(model, data)
    np.testing.assert_allclose(proba, nn.load_model(model).predict_proba(data), rtol=1e-4, atol=1e-6)


def _train_and_export(tmp_path, data, target, *extra):
    model, out = tmp_path / "model.json", tmp_path / "model.onnx"
    _cli("train", str(data), "--target", target, "--engine", "matrix", "--restarts", "2", "--out", str(model),
         "-q", *extra)
    text = _cli("export", str(model), str(out))
    assert "the whole model" in text
    return model, out


def test_whole_model_iris_agrees_with_predict(ort, tmp_path):
    ds = nn.datasets.load("iris")
    data = _write(tmp_path / "iris.csv", [*ds.feature_names, "species"],
                  [[*map(str, x), ds.class_names[int(c)]] for x, c in zip(ds.X, ds.y)])
    model, out = _train_and_export(tmp_path, data, "species", "--epochs", "30")
    s = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [i.name for i in s.get_inputs()] == ds.feature_names
    assert all(i.shape[1] == 1 and i.type == "tensor(float)" for i in s.get_inputs())
    assert [o.name for o in s.get_outputs()] == ["label", "probabilities"]
    _agrees_with_predict(s, model, data)


def test_whole_model_text_columns_and_missing_cells(ort, tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    size = rng.normal(100, 30, n)
    colour = rng.choice(["red", "green", "blue"], n)
    shape = rng.choice([f"s{k}" for k in range(30)], n)              # more categories than kept: "(other)"
    score = size / 30 + (colour == "red") * 2.0 + rng.normal(0, 0.3, n)
    label = np.where(score > np.median(score), "high", "low")
    rows = [[f"{s:.2f}", c, h, lab] for s, c, h, lab in zip(size, colour, shape, label)]
    for b in range(0, n, 9):
        rows[b][0] = ["", "NA", "?"][b % 3]                            # missing numbers, spelt three ways
    for b in range(4, n, 11):
        rows[b][1] = ["", "null", "None"][b % 3]                       # missing categories
    data = _write(tmp_path / "shop.csv", ["size", "colour", "shape", "label"], rows)
    model, out = _train_and_export(tmp_path, data, "label", "--epochs", "40")
    prep = nn.load_model(model).preprocessing
    kinds = {f["name"]: f for f in prep.features}
    assert kinds["size"]["indicator"] and kinds["colour"]["missing"] and kinds["shape"]["other"]
    s = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert {i.name: i.type for i in s.get_inputs()} == {"size": "tensor(float)", "colour": "tensor(string)",
                                                       "shape": "tensor(string)"}
    new = [[r[0], r[1], r[2]] for r in rows[:60]] + [["95.5", "purple", "s99"], ["", "", ""]]   # unseen, empty
    new_data = _write(tmp_path / "new.csv", ["size", "colour", "shape"], new)
    _agrees_with_predict(s, model, new_data)


def test_whole_model_regression_in_the_targets_units(ort, tmp_path):
    rng = np.random.default_rng(1)
    n = 200
    area = rng.uniform(40, 200, n)
    hood = rng.choice(["north", "south", "east"], n)
    price = 2_000 * area + np.select([hood == "north", hood == "south"], [80_000, 20_000], 0) + rng.normal(0, 9e3, n)
    data = _write(tmp_path / "houses.csv", ["area", "hood", "price"],
                  [[f"{a:.1f}", h, f"{p:.0f}"] for a, h, p in zip(area, hood, price)])
    model, out = _train_and_export(tmp_path, data, "price", "--epochs", "40")
    assert nn.load_model(model).preprocessing.target_std > 1_000          # the target was scaled
    s = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [o.name for o in s.get_outputs()] == ["prediction"]
    (pred,) = s.run(None, _feeds(s, data))
    assert pred.shape == (n, 1)
    cli = np.array([float(v) for v in _cli_predictions(model, data)])
    np.testing.assert_allclose(pred[:, 0], cli, rtol=1e-4)
    assert np.corrcoef(pred[:, 0], price)[0, 1] > 0.9                     # in the target's own units

    text = _cli("export", str(model), str(tmp_path / "net.onnx"), "--network-only")
    assert "the network alone" in text
    s = ort.InferenceSession(str(tmp_path / "net.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in s.get_inputs()] == ["x"] and [o.name for o in s.get_outputs()] == ["y"]


def test_whole_model_refuses_a_column_named_like_an_output(ort, tmp_path):
    from neuronet.io.onnx import model_to_onnx
    from neuronet.io.table import Table
    from neuronet.io.tabular import Preprocessing

    t = Table.from_mapping({"label": [1.0, 2.0, 3.0, 4.0], "y": ["a", "b", "a", "b"]})
    prep = Preprocessing.fit(t, "y")
    net = nn.mlp([prep.n_inputs, 2], seed=0)
    with pytest.raises(ModelFileError, match="input column 'label' has the name of an output"):
        model_to_onnx(net, prep)
