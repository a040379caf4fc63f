"""Model files: bit-exact round trips, one error type for every bad file, atomic saves."""

from __future__ import annotations

import json
import os
import pickle
import re
import struct
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import load_file

import neuronet as nn
from neuronet import files
from neuronet.errors import ModelFileError

SUFFIXES = [".json", ".safetensors"]
X = np.random.default_rng(1).normal(size=(16, 3)) * 3     # (B, n_in)


def layered(dtype="float64") -> nn.Network:
    net = nn.mlp([3, 4, 2], hidden="tanh", output="logistic", seed=0, dtype=dtype)
    net.info = {"classes": ["cat", "no cat"], "preprocessing": {"mean": [0.5, -1.25, 3.0]}}
    return net


def skip_net(dtype="float64") -> nn.Network:
    """Non-layered: the skip edge a → c beside a → b → c; mixed activations; names."""
    g = nn.Graph()
    a, a2, a3 = g.input("a"), g.input("a2"), g.input("a3")
    bias = g.bias("one")
    hb = g.neuron("logistic", "b")
    hr = g.neuron("relu", "r")
    c = g.output("identity", "c")
    d = g.output("softplus")
    for h in (hb, hr):
        g.connect(a, h)
        g.connect(a2, h)
        g.connect(bias, h)
    g.connect(hb, c)
    g.connect(a, c)          # the skip edge a → c
    g.connect(bias, c)
    g.connect(hr, d)
    g.connect(a3, d)
    g.connect(bias, d)
    net = g.build(seed=7, dtype=dtype)
    net.info = {"note": "skip edge", "epochs": 12, "loss": 0.125}
    return net


def assert_same(a: nn.Network, b: nn.Network) -> None:
    assert b.dtype == a.dtype
    assert b.neurons == a.neurons
    assert b.edges == a.edges
    assert b.theta.tobytes() == a.theta.tobytes()         # bit-exact weights
    assert b.weights == a.weights
    assert b.info == a.info
    assert b.layers == a.layers
    with np.errstate(all="ignore"):
        assert a.forward(X).tobytes() == b.forward(X).tobytes()   # identical outputs


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("make", [layered, skip_net])
def test_round_trip_is_bit_exact(tmp_path, suffix, dtype, make):
    net = make(dtype)
    path = tmp_path / f"model{suffix}"
    net.save(path)
    back = nn.load(path)
    assert_same(net, back)
    assert back.layers == (None if make is skip_net else [[1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]])
    names = {nu.name for nu in back.neurons} - {None}
    assert names == ({"a", "a2", "a3", "one", "b", "r", "c"} if make is skip_net else set())
    # saving what was loaded writes the same bytes again
    again = tmp_path / f"again{suffix}"
    files.save(back, again)
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_float_survives(tmp_path, suffix, dtype):
    """Random bit patterns (subnormals, -0.0, extremes of the range) come back bit for bit."""
    net = nn.mlp([30, 20, 1], seed=0, dtype=dtype)
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**63 if dtype == "float64" else 2**31, size=len(net.edges), dtype=np.int64)
    vals = bits.astype(np.uint64 if dtype == "float64" else np.uint32).view(dtype)
    vals = np.where(np.isfinite(vals), vals, 1.5)
    vals[:6] = [0.0, -0.0, np.finfo(dtype).max, -np.finfo(dtype).max, np.finfo(dtype).smallest_subnormal, 0.1]
    vals[6:] *= np.where(rng.random(len(vals) - 6) < 0.5, -1, 1).astype(dtype)
    net.set_weights({ij: float(v) for ij, v in zip(net.edges, vals)})
    path = tmp_path / f"m{suffix}"
    net.save(path)
    back = nn.load(path)
    assert back.theta.tobytes() == net.theta.tobytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_float32_json_text_is_short_and_exact(tmp_path, w):
    net = nn.mlp([1, 1], seed=0, dtype="float32")
    net.set_weights({(1, 3): w})
    path = tmp_path / "w.json"
    net.save(path)
    text = path.read_text()
    assert f"[1, 3, {str(np.float32(w))}]" in text or f"[1, 3, {float(np.float32(w))!r}]" in text
    assert nn.load(path).theta.tobytes() == net.theta.tobytes()


def test_json_is_readable_and_documented(tmp_path):
    net = nn.mlp([2, 2, 1], hidden="logistic", seed=0, dtype="float32")
    net.set_weights({(1, 4): 0.1, (2, 4): -2.5})
    net.save(tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text()
    doc = json.loads(text)
    assert list(doc) == ["format", "version", "dtype", "neurons", "edges", "info"]
    assert (doc["format"], doc["version"], doc["dtype"]) == ("neuronet", 1, "float32")
    assert doc["neurons"][3] == {"id": 4, "kind": "hidden", "activation": "logistic", "name": None}
    assert "    [1, 4, 0.1],\n" in text and "    [2, 4, -2.5],\n" in text   # one edge per line, short text
    assert [tuple(e[:2]) for e in doc["edges"]] == list(net.edges)
    assert text.count("\n") == 5 + len(net.neurons) + 2 + len(net.edges) + 3


def test_safetensors_holds_plain_tensors(tmp_path):
    net = skip_net()
    net.save(tmp_path / "m.safetensors")
    t = load_file(tmp_path / "m.safetensors")                  # the reference reader agrees
    assert t["edges"].tolist() == [list(e) for e in net.edges]
    assert t["weights"].tobytes() == np.asarray([net.weights[e] for e in net.edges]).tobytes()
    n = struct.unpack("<Q", (tmp_path / "m.safetensors").read_bytes()[:8])[0]
    meta = json.loads((tmp_path / "m.safetensors").read_bytes()[8:8 + n])["__metadata__"]
    assert (meta["format"], meta["version"], meta["dtype"]) == ("neuronet", "1", "float64")
    assert json.loads(meta["info"]) == net.info


def test_info_with_numpy_values_is_converted(tmp_path):
    net = nn.mlp([2, 1], seed=0)
    net.info = {"mean": np.array([[1.5, 2.0]]), "n": np.int64(3), "ok": np.bool_(True), "x": np.float32(0.5),
                "labels": ("a", "b"), "nested": [{"deep": None}]}
    for s in SUFFIXES:
        net.save(tmp_path / f"m{s}")
        assert nn.load(tmp_path / f"m{s}").info == {"mean": [[1.5, 2.0]], "n": 3, "ok": True, "x": 0.5,
                                                       "labels": ["a", "b"], "nested": [{"deep": None}]}


@pytest.mark.parametrize("info, words", [
    ({"scaler": object()}, "net.info['scaler'] is <object"),
    ({"s": {1, 2}}, "net.info['s'] is {1, 2} (set)"),
    ({"c": 1 + 2j}, "complex"),
    ({"v": [1.0, float("nan")]}, "net.info['v'][1] is nan"),
    ({3: "x"}, "has the key 3 (int)"),
    ({"a": np.array([object()])}, "dtype object"),
])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_unserialisable_info_is_refused_on_save(tmp_path, info, words, suffix):
    net = nn.mlp([2, 1], seed=0)
    net.info = info
    with pytest.raises(ModelFileError, match="Cannot save model file") as e:
        net.save(tmp_path / f"m{suffix}")
    assert words in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_self_referencing_info_is_refused(tmp_path):
    net = nn.mlp([2, 1], seed=0)
    loop: list = []
    loop.append(loop)
    net.info = {"loop": loop}
    with pytest.raises(ModelFileError, match="contains itself"):
        net.save(tmp_path / "m.json")


def test_info_must_be_a_dict(tmp_path):
    net = nn.mlp([2, 1], seed=0)
    net.info = [1, 2]
    with pytest.raises(ModelFileError, match="net.info must be a dict; it is list"):
        net.save(tmp_path / "m.json")


@pytest.mark.parametrize("text, words", [
    ('9223372036854775808', "info['classes'][0] is an integer outside ±2⁶³"),
    ('-9223372036854775809', "info['classes'][0] is an integer outside ±2⁶³"),
    ('1e999', "info['classes'][0] is a number too large for a float"),
])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_file_holding_what_save_refuses_is_refused_on_load(tmp_path, text, words, suffix):
    """Found by the fuzzer: a file edited to hold 2⁶³ loaded, and the network could not be saved again."""
    net = nn.mlp([2, 1], seed=0)
    net.info = {"classes": [12345]}
    net.save(tmp_path / f"m{suffix}")
    data = (tmp_path / f"m{suffix}").read_bytes()
    if suffix == ".json":
        edited = data.replace(b"12345", text.encode())
    else:                                            # same header length: the edit stays inside a JSON string
        n = struct.unpack("<Q", data[:8])[0]
        header = data[8:8 + n].replace(b"12345", text.encode())
        edited = struct.pack("<Q", len(header)) + header + data[8 + n:]
    (tmp_path / f"m{suffix}").write_bytes(edited)
    with pytest.raises(ModelFileError) as e:
        nn.load(tmp_path / f"m{suffix}")
    assert words in str(e.value)
    net.info = {"classes": [2**63 - 1, -2**63]}      # the edges of the range travel both ways
    net.save(tmp_path / f"ok{suffix}")
    assert nn.load(tmp_path / f"ok{suffix}").info == net.info


def test_non_finite_weights_are_refused_on_save(tmp_path):
    net = nn.mlp([2, 1], seed=0)
    theta = np.array(net.theta)
    theta[net.structure.edge_param[1]] = np.inf
    bad = net._with_theta(theta)
    with pytest.raises(ModelFileError, match="edge 2 → 4 is inf"):
        bad.save(tmp_path / "m.safetensors")


# -- paths, extensions, atomic writes ------------------------------------------------------
@pytest.mark.parametrize("name", ["m.pkl", "m", "m.npz", "m.json.bak"])
def test_unknown_extension(tmp_path, name):
    for call in (lambda p: nn.mlp([1, 1]).save(p), nn.load):
        with pytest.raises(ModelFileError, match=r"\.json.*\.safetensors") as e:
            call(tmp_path / name)
        assert name in str(e.value)


def test_extension_is_case_insensitive(tmp_path):
    net = layered()
    net.save(tmp_path / "M.JSON")
    assert_same(net, nn.load(tmp_path / "M.JSON"))


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="folder .*nope.* does not exist"):
        layered().save(tmp_path / "nope" / "m.json")


def test_save_onto_a_folder(tmp_path):
    (tmp_path / "d.json").mkdir()
    with pytest.raises(ModelFileError, match="is a folder"):
        layered().save(tmp_path / "d.json")


def test_path_of_wrong_type():
    with pytest.raises(ModelFileError, match="file path"):
        nn.load(3)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("victim", ["fsync", "replace", "write"])
def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch, suffix, victim):
    path = tmp_path / f"m{suffix}"
    old = skip_net()
    old.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if victim == "write":  # fail half-way through writing the bytes
        real_fdopen = os.fdopen

        def fdopen(fd, *a, **k):
            f = real_fdopen(fd, *a, **k)

            class Half:
                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    f.close()

                def write(self, data):
                    f.write(data[: len(data) // 2])
                    boom()

            return Half()

        monkeypatch.setattr(files.os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(files.os, victim, boom)
    with pytest.raises(ModelFileError, match="No space left on device.*previous file there is unchanged"):
        layered().save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]      # no temporary file left behind
    assert_same(old, nn.load(path))


def test_keyboard_interrupt_during_save_is_not_swallowed(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    layered().save(path)
    before = path.read_bytes()

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        skip_net().save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "m.json"
    layered().save(path)
    os.chmod(path, 0o600)
    skip_net().save(path)
    assert path.stat().st_mode & 0o777 == 0o600


# -- bad files: one error type, a message naming the file ------------------------------------
def encoded(net: nn.Network, suffix: str) -> bytes:
    """The bytes ``net.save`` writes."""
    with tempfile.TemporaryDirectory() as d:
        net.save(Path(d) / f"m{suffix}")
        return (Path(d) / f"m{suffix}").read_bytes()


GOOD_JSON = encoded(skip_net(), ".json")


def good_doc() -> dict:
    return json.loads(GOOD_JSON)


def edited(**changes) -> str:
    doc = good_doc()
    for k, v in changes.items():
        if v is ...:
            del doc[k]
        else:
            doc[k] = v
    return json.dumps(doc)


def with_neuron(k, **fields) -> str:
    doc = good_doc()
    doc["neurons"][k].update(fields)
    return json.dumps(doc)


def with_edges(edges) -> str:
    doc = good_doc()
    doc["edges"] = edges
    return json.dumps(doc)


BAD_JSON = [
    (b"", "the file is empty"),
    (b"\n  \n", "not valid JSON"),
    (b'{"format": "neuronet", "version": 1,', "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    (b"[1, 2, 3]", "not a neuronet model file"),
    (b'"neuronet"', "not a neuronet model file"),
    (b'{"format": "keras"}', "has format 'keras'"),
    (edited(format=...).encode(), "has no 'format' field"),
    (edited(version=...).encode(), "no 'version' field"),
    (edited(version=7).encode(),
     r"written by a newer neuronet \(format version 7\); this one reads version 1 — upgrade neuronet"),
    (edited(version=0).encode(), "unknown format version 0"),
    (edited(version="1").encode(), "version '1'; the format version is an integer"),
    (edited(version=True).encode(), "the format version is an integer"),
    (edited(dtype="float16").encode(), "'dtype' is 'float16'"),
    (edited(neurons=...).encode(), "has no 'neurons' field"),
    (edited(neurons=[]).encode(), "'neurons' must be a non-empty list"),
    (edited(neurons={"1": "input"}).encode(), "'neurons' must be a non-empty list"),
    (edited(edges={"1": 2}).encode(), "'edges' must be a list"),
    (edited(info=[1, 2]).encode(), "'info' must be a JSON object"),
    (edited(layers=[[1]]).encode(), "unknown field 'layers'"),
    (with_neuron(2, id=2).encode(), r"neuron id 2 appears twice \(neurons\[1\] and neurons\[2\]\)"),
    (with_neuron(2, id=9).encode(), r"neurons\[2\] has id 9; .* must be 3"),
    (with_neuron(0, id="1").encode(), "neuron ids are integers"),
    (with_neuron(0, id=1.0).encode(), "neuron ids are integers"),
    (with_neuron(5, kind="wizard").encode(), "kind \"wizard\""),
    (with_neuron(5, activation="os.system").encode(), "unknown activation 'os.system'; neuronet knows only"),
    (with_neuron(5, activation="__import__").encode(), "unknown activation '__import__'"),
    (with_neuron(5, activation="builtins.eval").encode(), "unknown activation 'builtins.eval'"),
    (with_neuron(5, activation=None).encode(), "it must be the name of one of neuronet's activations"),
    (with_neuron(5, activation=["relu"]).encode(), "it must be the name of one of neuronet's activations"),
    (with_neuron(0, activation="relu").encode(), "input neuron 1 has the activation \"relu\""),
    (with_neuron(5, name="b").encode(), "the name 'b' is used by neurons 5 and 6"),
    (with_neuron(5, name="").encode(), "a name is a non-empty string"),
    (with_neuron(5, code="print(1)").encode(), "unknown field 'code'"),
    (with_edges([[1, 5]]).encode(), r"edges\[0\] must be a triple"),
    (with_edges([[1, 5, "0.5"]]).encode(), "the weight must be a number"),
    (with_edges([[1, 5, True]]).encode(), "the weight must be a number"),
    (with_edges([[1.0, 5, 0.5]]).encode(), "the neuron ids must be integers"),
    (with_edges([[1, 5, 0.5], [1, 5, 0.25]]).encode(), r"the edge 1 → 5 appears twice \(edges\[0\] and edges\[1\]\)"),
    (with_edges([[1, 5, 10**400]]).encode(), "too large for a float"),
    (with_edges([[1, 5, 1]] + [[1, 99, 1]]).encode(), "unknown neuron id 99"),
    (with_edges([[1, 5, 1.0], [5, 6, 1.0], [6, 5, 1.0], [5, 7, 1.0], [6, 8, 1.0]]).encode(),
     "The graph has a cycle: 5 → 6 → 5"),
    (with_edges([[1, 5, 1.0], [5, 1, 1.0]]).encode(), "points into input"),
    (json.dumps(good_doc()).replace('"edges": [[1, 5, ', '"edges": [[1, 5, NaN, '), "NaN"),
    (json.dumps(good_doc()).replace('"edges": [[1, 5, ', '"edges": [[1, 5, -Infinity, '), "-Infinity"),
    (with_edges([[1, 5, 1.5]]).replace("1.5", "1e999"), "weight of edge 1 → 5 is inf"),
    (json.dumps(good_doc()).replace('"version": 1', '"version": 1, "version": 1'), "key 'version' twice"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (b"\x93NUMPY\x01\x00v\x00{'descr': '|O'", "numpy .npy file"),
    (b"PK\x03\x04\x14\x00\x00\x00", "zip archive"),
]


@pytest.mark.parametrize("content, words", BAD_JSON, ids=[str(i) for i in range(len(BAD_JSON))])
def test_bad_json_files(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ModelFileError) as e:
        nn.load(path)
    assert type(e.value) is ModelFileError
    assert f"Cannot load model file '{path}': " in str(e.value)
    assert e.value.args[0].count("\n") < 12
    assert re.search(words, str(e.value)), str(e.value)


def test_float32_overflow_in_json(tmp_path):
    doc = good_doc()
    doc["dtype"] = "float32"
    doc["edges"][0][2] = 1e39
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=r"edge 1 → 5 is 1e\+39 \(float32 overflows\)"):
        nn.load(tmp_path / "m.json")


def test_hand_written_file_with_defaults(tmp_path):
    """dtype, info and the null fields may be left out; activation aliases are accepted."""
    (tmp_path / "m.json").write_text(json.dumps({
        "format": "neuronet", "version": 1,
        "neurons": [{"id": 1, "kind": "input"}, {"id": 2, "kind": "bias"},
                    {"id": 3, "kind": "output", "activation": "Sigmoid", "name": "y"}],
        "edges": [[1, 3, 2], [2, 3, -1]],
    }))
    net = nn.load(tmp_path / "m.json")
    assert net.dtype == np.float64 and net.info == {} and net.activation(3) == "logistic"
    assert net.forward([0.5]) == pytest.approx([0.5])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_not_read_forever(tmp_path):
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    with pytest.raises(ModelFileError, match="not a regular file"):
        nn.load(tmp_path / "zero.json")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_missing_file_and_folder(tmp_path, suffix):
    with pytest.raises(ModelFileError, match="no such file"):
        nn.load(tmp_path / f"absent{suffix}")
    (tmp_path / f"dir{suffix}").mkdir()
    with pytest.raises(ModelFileError, match="is a folder"):
        nn.load(tmp_path / f"dir{suffix}")


# -- safetensors: every size checked before anything is allocated --------------------------
def st_bytes(header: dict, buffer: bytes, claimed: int | None = None) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h) if claimed is None else claimed) + h + buffer


GOOD_ST = encoded(skip_net(), ".safetensors")


def st_parts() -> tuple[dict, bytes]:
    """The header and the data buffer of a good file."""
    data = GOOD_ST
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def load_bytes(tmp_path, data: bytes, suffix=".safetensors"):
    path = tmp_path / f"m{suffix}"
    path.write_bytes(data)
    return nn.load(path)


def bad_st(tmp_path, data, words):
    """The file is refused with ``words`` in the message, before allocating anything it claims."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as e:
            load_bytes(tmp_path, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"loading allocated {peak:,} bytes"   # nothing was allocated from a claim
    assert type(e.value) is ModelFileError
    assert f"Cannot load model file '{tmp_path / 'm.safetensors'}': " in str(e.value)
    assert re.search(words, str(e.value)), str(e.value)


def test_safetensors_truncated_anywhere(tmp_path):
    net = skip_net()
    net.save(tmp_path / "good.safetensors")
    data = (tmp_path / "good.safetensors").read_bytes()
    cuts = set(range(16)) | set(range(16, len(data), 7)) | set(range(len(data) - 16, len(data)))
    for k in sorted(cuts):                     # proper prefixes are refused (densely sampled: file I/O is slow)
        with pytest.raises(ModelFileError):
            load_bytes(tmp_path, data[:k])
    assert_same(net, load_bytes(tmp_path, data))


def test_safetensors_header_claims(tmp_path):
    header, buf = st_parts()
    bad_st(tmp_path, st_bytes(header, buf, claimed=2**60), "claim a header of 1,152,921,504,606,846,976 bytes")
    bad_st(tmp_path, st_bytes(header, buf, claimed=2**64 - 1), "more than the 104,857,600 bytes")
    bad_st(tmp_path, st_bytes(header, buf, claimed=50_000_000), "only .* bytes follow")
    bad_st(tmp_path, b"\x05\x00\x00", "too short for a safetensors file")
    bad_st(tmp_path, b"", "empty")


def tensor_edit(name, **entry):
    header, buf = st_parts()
    header[name].update(entry)
    return st_bytes(header, buf)


def test_safetensors_tensor_claims(tmp_path):
    header, buf = st_parts()
    w = header["weights"]
    bad_st(tmp_path, tensor_edit("weights", shape=[2**60]), "needs 9,223,372,036,854,775,808 bytes")
    bad_st(tmp_path, tensor_edit("weights", shape=[2**40, 2**40]), "needs")
    bad_st(tmp_path, tensor_edit("weights", data_offsets=[0, 2**62]), "claims bytes 0 to 4,611,686,018,427,387,904")
    bad_st(tmp_path, tensor_edit("weights", data_offsets=[-8, 0]), "claims bytes -8 to 0")
    bad_st(tmp_path, tensor_edit("weights", data_offsets=[0]), "must be two integers")
    bad_st(tmp_path, tensor_edit("weights", shape=[-1]), "non-negative integers")
    bad_st(tmp_path, tensor_edit("weights", shape="big"), "non-negative integers")
    bad_st(tmp_path, tensor_edit("weights", dtype="F16"), "has dtype 'F16'")
    bad_st(tmp_path, tensor_edit("weights", dtype="F32",
                                 data_offsets=[w["data_offsets"][0], w["data_offsets"][0] + 4 * w["shape"][0]]),
           "do not exactly cover|dtype F32, but __metadata__ says dtype 'float64'")
    bad_st(tmp_path, tensor_edit("edges", dtype="F32"), "has dtype F32; neuron ids are stored as I32 or I64")
    bad_st(tmp_path, tensor_edit("weights", shape=[w["shape"][0] - 1],
                                 data_offsets=[w["data_offsets"][0], w["data_offsets"][1] - 8]), "must be \\[")
    bad_st(tmp_path, tensor_edit("weights", extra=1), "exactly dtype, shape and data_offsets")
    # overlapping tensors, a hole, trailing bytes
    e = header["edges"]["data_offsets"]
    bad_st(tmp_path, tensor_edit("edges", data_offsets=[e[0] - 8, e[1] - 8]), "do not exactly cover")
    bad_st(tmp_path, st_bytes(header, buf + b"\0" * 8), "do not exactly cover")
    h2 = dict(header, extra={"dtype": "F64", "shape": [0], "data_offsets": [0, 0]})
    bad_st(tmp_path, st_bytes(h2, buf), "holds the tensor 'extra'")
    h3 = {k: v for k, v in header.items() if k != "edges"}
    bad_st(tmp_path, st_bytes(h3, buf), "has no tensor 'edges'")


def test_safetensors_weights_checked(tmp_path):
    header, buf = st_parts()
    b0 = header["weights"]["data_offsets"][0]
    nan = buf[:b0] + struct.pack("<d", float("nan")) + buf[b0 + 8:]
    bad_st(tmp_path, st_bytes(header, nan), "weight of edge 1 → 5 is nan")
    e0 = header["edges"]["data_offsets"][0]
    unknown = buf[:e0] + struct.pack("<i", 1000) + buf[e0 + 4:]
    bad_st(tmp_path, st_bytes(header, unknown), "unknown neuron id 1000")


def meta_edit(**meta):
    header, buf = st_parts()
    for k, v in meta.items():
        if v is ...:
            del header["__metadata__"][k]
        else:
            header["__metadata__"][k] = v
    return st_bytes(header, buf)


def test_safetensors_metadata(tmp_path):
    bad_st(tmp_path, meta_edit(version="7"), r"newer neuronet \(format version 7\); this one reads version 1 — "
                                             "upgrade neuronet")
    bad_st(tmp_path, meta_edit(version="one"), "version 'one'")
    bad_st(tmp_path, meta_edit(format="torch"), "not a neuronet model file")
    bad_st(tmp_path, meta_edit(neurons="[{"), "__metadata__\\['neurons'\\] is not valid JSON")
    bad_st(tmp_path, meta_edit(neurons=...), "has no 'neurons' field")
    bad_st(tmp_path, meta_edit(info="[1]"), "'info' must be a JSON object")
    bad_st(tmp_path, meta_edit(pickle="yes"), "unknown field 'pickle'")
    bad_st(tmp_path, meta_edit(dtype="float32"), "dtype F64, but __metadata__ says dtype 'float32'")
    bad_st(tmp_path, meta_edit(neurons=json.dumps([{"id": 1, "kind": "output", "activation": "os.system"}])),
           "unknown activation 'os.system'")
    header, buf = st_parts()
    header["__metadata__"] = {"format": 1}
    bad_st(tmp_path, st_bytes(header, buf), "must map names to strings")
    del header["__metadata__"]
    bad_st(tmp_path, st_bytes(header, buf), "has no __metadata__")
    bad_st(tmp_path, st_bytes([1, 2], b""), "header must be a JSON object")  # type: ignore[arg-type]
    bad_st(tmp_path, struct.pack("<Q", 2) + b"\xff\xfe", "header is not UTF-8")


def test_files_with_the_wrong_extension(tmp_path):
    net = skip_net()
    net.save(tmp_path / "m.json")
    net.save(tmp_path / "m2.safetensors")
    os.replace(tmp_path / "m.json", tmp_path / "x.safetensors")
    os.replace(tmp_path / "m2.safetensors", tmp_path / "x.json")
    with pytest.raises(ModelFileError, match="looks like JSON text; rename it to end in .json"):
        nn.load(tmp_path / "x.safetensors")
    with pytest.raises(ModelFileError, match="looks like a safetensors file"):
        nn.load(tmp_path / "x.json")


# -- malicious files -----------------------------------------------------------------------
class Evil:
    """Unpickling this creates a file: proof that the loader never unpickles."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_pickle_is_never_loaded(tmp_path, suffix, protocol):
    proof = tmp_path / "proof"
    pickle.loads(pickle.dumps(Evil(str(proof)), protocol=protocol))   # the pickle does run code…
    assert proof.exists()
    sentinel = tmp_path / "sentinel"
    path = tmp_path / f"model{suffix}"
    path.write_bytes(pickle.dumps(Evil(str(sentinel)), protocol=protocol))
    with pytest.raises(ModelFileError, match="(pickle|claim a header|not valid JSON)"):
        nn.load(path)                                               # …but not through load()
    assert not sentinel.exists()


def test_numpy_object_array_is_never_loaded(tmp_path):
    import io
    sentinel = tmp_path / "sentinel"
    buf = io.BytesIO()
    np.save(buf, np.array([Evil(str(sentinel))], dtype=object), allow_pickle=True)
    for suffix in SUFFIXES:
        (tmp_path / f"m{suffix}").write_bytes(buf.getvalue())
        with pytest.raises(ModelFileError):
            nn.load(tmp_path / f"m{suffix}")
    assert not sentinel.exists()


def test_sparse_file_cannot_demand_huge_blocks(tmp_path, monkeypatch):
    """1,000 inputs each feeding its own output: 2,000 edges, but a million dense block entries.

    (The real threshold is 2**24 entries; lowered here to keep the test small.)
    """
    monkeypatch.setattr(files, "FREE_ENTRIES", 2**16)
    n = 1000
    neurons = ([{"id": k, "kind": "input"} for k in range(1, n + 1)] + [{"id": n + 1, "kind": "bias"}]
               + [{"id": n + 1 + k, "kind": "output", "activation": "identity"} for k in range(1, n + 1)])
    edges = [[k, n + 1 + k, 1.0] for k in range(1, n + 1)] + [[n + 1, n + 1 + k, 0.0] for k in range(1, n + 1)]
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"format": "neuronet", "version": 1, "neurons": neurons, "edges": edges}))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="1,001,000 entries"):
            nn.load(path)
        assert tracemalloc.get_traced_memory()[1] < 20 * 2**20
    finally:
        tracemalloc.stop()


# -- fuzzing: a damaged file loads as a valid network or raises ModelFileError -------------
BASES = {(make.__name__ + "-" + dt, s): (make(dt), encoded(make(dt), s))
         for make in (layered, skip_net) for dt in ("float64", "float32") for s in SUFFIXES}
NAMES = sorted({name for name, _ in BASES})


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def outcome(folder: Path, suffix: str, data: bytes) -> nn.Network | None:
    """Load ``data``: a Network (checked to be usable) or None after a ModelFileError; nothing else."""
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        net = nn.load(path)
    except ModelFileError as e:
        assert type(e) is ModelFileError and str(path) in str(e)
        return None
    assert isinstance(net, nn.Network)
    for s in SUFFIXES:                     # whatever loads is a valid network that saves and loads again
        net.save(folder / f"again{s}")
        assert_same(net, nn.load(folder / f"again{s}"))
    return net


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 7)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 8)),
)


@settings(max_examples=100, deadline=None)
@given(base=st.sampled_from(sorted(BASES)), m=mutation)
def test_fuzz_damaged_bytes(fuzz_dir, base, m):
    net, data = BASES[base]
    at = int(m[1] * len(data))
    if m[0] == "truncate":
        bad = data[:at]
    elif m[0] == "flip":
        bad = data[:at] + bytes([data[at] ^ (1 << m[2])]) + data[at + 1:]
    elif m[0] == "insert":
        bad = data[:at] + m[2] + data[at:]
    else:
        bad = data[:at] + data[at + m[2]:]
    got = outcome(fuzz_dir, base[1], bad)
    if m[0] == "truncate" and got is not None:     # only a lost trailing newline can survive a cut
        assert_same(net, got)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["os.system", "__import__", "float32", "neuronet", "relu", "input", "bias", "F32", "I64",
                       "{}", "[]", '{"id": 1}']),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=6,
)


def edit_at(doc, path_choices: list[int], value, delete: bool):
    """Replace (or delete) the value at a path chosen by ``path_choices`` inside a JSON document."""
    parent, key = None, None
    node = doc
    for c in path_choices:
        if isinstance(node, dict) and node:
            parent, key = node, sorted(node)[c % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, c % len(node)
        else:
            break
        node = parent[key]
    if parent is None:
        return value
    if delete:
        del parent[key]
    else:
        parent[key] = value
    return doc


@settings(max_examples=60, deadline=None)
@given(base=st.sampled_from(NAMES), where=st.lists(st.integers(0, 50), max_size=5),
       value=json_values, delete=st.booleans())
def test_fuzz_edited_json_values(fuzz_dir, base, where, value, delete):
    net, data = BASES[(base, ".json")]
    doc = edit_at(json.loads(data), where, value, delete)
    outcome(fuzz_dir, ".json", json.dumps(doc).encode())


@settings(max_examples=60, deadline=None)
@given(base=st.sampled_from(NAMES), where=st.lists(st.integers(0, 50), max_size=4),
       value=json_values, delete=st.booleans(), as_text=st.booleans(), keep_length=st.booleans())
def test_fuzz_edited_safetensors_headers(fuzz_dir, base, where, value, delete, as_text, keep_length):
    net, data = BASES[(base, ".safetensors")]
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    if where and where[0] % 2 == 0:      # often edit inside the JSON held by a metadata string
        key = sorted(header["__metadata__"])[where[-1] % len(header["__metadata__"])]
        try:
            inner = json.loads(header["__metadata__"][key])
        except ValueError:
            inner = header["__metadata__"][key]
        header["__metadata__"][key] = json.dumps(edit_at(inner, where[1:], value, delete))
    else:
        header = edit_at(header, where, json.dumps(value) if as_text else value, delete)
    h = json.dumps(header).encode()
    out = struct.pack("<Q", n if keep_length else len(h)) + h + data[8 + n:]
    outcome(fuzz_dir, ".safetensors", out)
