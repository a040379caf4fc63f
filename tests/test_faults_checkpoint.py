"""Group 2: checkpoints are files like model files — validated as strictly, one clear error for each damage.

Besides the hand-made damages the audit found, a seeded fuzz test mutates a real checkpoint (its
bytes, its meta's values, its arrays' names, dtypes and shapes) and requires every mutant either to
be refused with a ModelFileError/DataError of one line or to resume like a valid checkpoint.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import DataError, ModelFileError, NeuronetError

X = np.random.default_rng(0).standard_normal((24, 2))
Y = np.tanh(X @ [1.0, -0.5])
KW = dict(optimizer="adam", step_size=0.05, epochs=4, batch_size=8, restarts=2, seed=3, checkpoint_every=2,
          engine="matrix", validation_data=(X[:6], Y[:6]))


def net():
    return nn.mlp([2, 3, 1], hidden="tanh", seed=0)


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> bytes:
    """The bytes of a valid checkpoint taken after epoch 2 of 4."""
    path = tmp_path_factory.mktemp("c") / "ok.ckpt"
    nn.train(net(), X, Y, checkpoint=path, callback=lambda info: info["epoch"] == 2, **KW)
    return path.read_bytes()


def unpack(data: bytes) -> tuple[dict, dict]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(str(arrays.pop("meta"))), arrays


def pack(meta, arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)), **arrays)
    return buf.getvalue()


def resume(path):
    return nn.train(net(), X, Y, resume=path, **KW)


def refused(path, match=None):
    with pytest.raises((ModelFileError, DataError), match=match) as e:
        resume(path)
    assert "\n" not in str(e.value) and str(path) in str(e.value)
    return str(e.value)


def test_a_valid_checkpoint_resumes(ckpt, tmp_path):
    (tmp_path / "c").write_bytes(ckpt)
    assert resume(tmp_path / "c").epochs_run.max() == 4


@pytest.mark.parametrize("damage, match", [
    (lambda m, a: m.update(config=[1, 2]), "no 'config' object"),
    (lambda m, a: a.pop("best_theta"), "'best_theta' is missing"),
    (lambda m, a: a.pop("state_m"), "'state_m' is missing"),
    (lambda m, a: m.update(rng={"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}), "generator"),
    (lambda m, a: m.update(rng=None), "generator"),
    (lambda m, a: m.update(status=["ran_out"]), "one of ran_out"),
    (lambda m, a: m.update(status=["ran_out", "bored"]), "one of ran_out"),
    (lambda m, a: a.update(theta=a["theta"][:, :-1]), "'theta' is <f8 of shape"),
    (lambda m, a: a.update(history=np.zeros(a["history"].shape, np.int64)), "'history'"),
    (lambda m, a: a.update(since=a["since"].astype(np.float64)), "'since'"),
    (lambda m, a: m.update(epoch=-5), "epoch is -5"),
    (lambda m, a: m.update(epoch=10**12), "epoch is 1000000000000"),
    (lambda m, a: m.update(epoch=2.5), "epoch is 2.5"),
    (lambda m, a: m.update(t=-1), "update counter"),
    (lambda m, a: a.update(epochs_run=a["epochs_run"] + 10), "counters are out of range"),
    (lambda m, a: a.update(eta0=-a["eta0"]), "step sizes"),
    (lambda m, a: a.update(extra=np.zeros(3)), "'extra'"),
    (lambda m, a: m.update(version=1), "version 1"),
    (lambda m, a: m.update(format="other"), "not a neuronet checkpoint"),
])
def test_each_damage_is_one_clear_error(ckpt, tmp_path, damage, match):
    meta, arrays = unpack(ckpt)
    damage(meta, arrays)
    (tmp_path / "c").write_bytes(pack(meta, arrays))
    refused(tmp_path / "c", match)


def test_meta_of_the_wrong_type_and_pickles_are_refused(ckpt, tmp_path):
    _, arrays = unpack(ckpt)
    buf = io.BytesIO()
    np.savez(buf, meta=np.zeros(3), **arrays)
    (tmp_path / "c").write_bytes(buf.getvalue())
    refused(tmp_path / "c", "'meta' is not the JSON text")
    buf = io.BytesIO()
    np.savez(buf, meta=np.array([{"a": 1}], dtype=object), **arrays)
    (tmp_path / "c").write_bytes(buf.getvalue())
    refused(tmp_path / "c", "pickle")


def test_a_model_file_given_as_resume_is_named_for_what_it_is(tmp_path):
    n = net()
    for name in ("m.json", "m.safetensors"):
        nn.save(n, tmp_path / name)
        msg = refused(tmp_path / name, "is a model file")
        assert "allow_pickle" not in msg


@pytest.mark.parametrize("content, match", [(b"", "empty"), (b"not a checkpoint", "not a neuronet checkpoint"),
                                            (b"PK\x03\x04garbage", "damaged or not a neuronet checkpoint")])
def test_other_files_are_refused(tmp_path, content, match):
    (tmp_path / "c").write_bytes(content)
    refused(tmp_path / "c", match)


def test_a_zip_with_a_huge_array_header_is_refused_before_allocating(ckpt, tmp_path):
    meta, arrays = unpack(ckpt)
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)), **arrays)
    # rewrite theta's header to claim 10¹² × 10¹² floats
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        raw = z.read("theta.npy")
    fake = raw.replace(str(arrays["theta"].shape).encode(), b"(1000000000000, 1000000000000)", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, fake if item.filename == "theta.npy" else zin.read(item.filename))
    (tmp_path / "c").write_bytes(out.getvalue())
    refused(tmp_path / "c", "'theta'")


# -- fuzz -------------------------------------------------------------------------------------------
ODD = [None, True, -1, 0, 2**70, 1e308, float("nan"), "x", "", [], {}, [1, "a"], {"a": None}, -0.5, 10**12]


def mutate(ckpt: bytes, rng: np.random.Generator) -> bytes:
    kind = rng.integers(5)
    if kind == 0:                                   # flip a few bytes anywhere
        data = bytearray(ckpt)
        for pos in rng.integers(0, len(data), size=rng.integers(1, 6)):
            data[pos] ^= int(rng.integers(1, 256))
        return bytes(data)
    if kind == 1:                                   # cut it short
        return ckpt[:int(rng.integers(0, len(ckpt)))]
    meta, arrays = unpack(ckpt)
    if kind == 2:                                   # an odd value somewhere in meta
        keys = list(meta) + [f"config.{k}" for k in meta["config"]]
        key = keys[rng.integers(len(keys))]
        value = ODD[rng.integers(len(ODD))]
        if key.startswith("config."):
            meta["config"][key[7:]] = value
        else:
            meta[key] = value
    elif kind == 3:                                 # an array dropped, reshaped or retyped
        name = sorted(arrays)[rng.integers(len(arrays))]
        how = rng.integers(3)
        if how == 0:
            arrays.pop(name)
        elif how == 1:
            arrays[name] = arrays[name].reshape(-1)[:max(arrays[name].size - 1, 0)]
        else:
            arrays[name] = arrays[name].astype([np.int8, np.float16, np.bool_, np.complex64][rng.integers(4)])
    else:                                           # odd values inside an array
        name = sorted(arrays)[rng.integers(len(arrays))]
        a = arrays[name].copy()
        if a.size:
            a.flat[rng.integers(a.size)] = [-1, 10**9, np.nan, np.inf][rng.integers(4)] if a.dtype.kind == "f" \
                else [-1, 10**9][rng.integers(2)]
        arrays[name] = a
    return pack(meta, arrays)


def test_fuzzed_checkpoints_are_refused_in_one_line_or_resume(ckpt, tmp_path):
    rng = np.random.default_rng(20261202)
    outcomes = {"refused": 0, "resumed": 0}
    path = tmp_path / "c"
    for _ in range(120):
        path.write_bytes(mutate(ckpt, rng))
        try:
            with np.errstate(all="ignore"):
                r = resume(path)
        except NeuronetError as exc:
            assert isinstance(exc, (ModelFileError, DataError)), exc
            assert "\n" not in str(exc) and str(path) in str(exc), str(exc)
            outcomes["refused"] += 1
        else:
            assert r.theta.shape == (2, net().structure.P)
            outcomes["resumed"] += 1
    assert outcomes["refused"] > 60, outcomes       # most mutants are damage; a few are harmless values


def test_a_fifo_or_folder_as_resume_is_refused_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "fifo")
    refused(tmp_path / "fifo", "not a regular file")
    (tmp_path / "dir").mkdir()
    refused(tmp_path / "dir", "folder")


def test_the_cli_names_a_model_file_given_to_resume(tmp_path):
    from typer.testing import CliRunner

    from neuronet.cli import app

    nn.save(net(), tmp_path / "m.json")
    r = CliRunner().invoke(app, ["train", "iris", "--resume", str(tmp_path / "m.json"), "--out",
                                 str(tmp_path / "o.json"), "--epochs", "2", "-q"])
    assert r.exit_code == 1 and "is a model file" in r.output and "Traceback" not in r.output
    assert not Path(tmp_path / "o.json").exists()
