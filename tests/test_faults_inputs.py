"""Group 7 (model files and checkpoints): inputs that never end or never arrive.

Where a model file or checkpoint is expected, only a regular file is read: a FIFO is refused
without blocking, a device (/dev/zero) or folder in one line, and a model file is read up to a bound
(its size, capped, and what memory allows). Standard input ('-') and CSV parsing are io/tabular's.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.errors import ModelFileError
from neuronet.model import files

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@needs_fifo
@pytest.mark.parametrize("command", ["show", "predict", "evaluate", "export", "explain"])
def test_a_fifo_as_the_model_is_refused_at_once(tmp_path, command):
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)      # nobody writes to it: opening it for reading the usual way would block forever
    args = {"show": [str(fifo)], "predict": [str(fifo), "iris"], "evaluate": [str(fifo), "iris"],
            "export": [str(fifo), str(tmp_path / "m.onnx")], "explain": [str(fifo), "--data", "iris"]}[command]
    r = CliRunner().invoke(app, [command, *args])
    assert r.exit_code == 1 and "not a regular file" in r.output and "Traceback" not in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_behind_a_model_file_name_is_refused(tmp_path):
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "zero.safetensors").symlink_to("/dev/zero")
    for name in ("zero.json", "zero.safetensors"):
        with pytest.raises(ModelFileError, match="device, FIFO or socket, not a regular file"):
            nn.load(tmp_path / name)


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "d.json").mkdir()
    with pytest.raises(ModelFileError, match="folder"):
        nn.load(tmp_path / "d.json")


def test_a_model_file_is_read_up_to_a_bound(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.save(nn.mlp([3, 4, 1], seed=0), path)
    monkeypatch.setattr(files, "MAX_JSON_BYTES", 100)
    with pytest.raises(ModelFileError, match="more than a .json model file may"):
        nn.load(path)
    monkeypatch.undo()
    monkeypatch.setattr(files, "available", lambda: 1000)          # bytes of memory left
    with pytest.raises(ModelFileError, match="would need about .* of memory"):
        nn.load(path)
    for p in (path, tmp_path / "m.safetensors"):
        nn.save(nn.mlp([3, 4, 1], seed=0), p)
        with pytest.raises(ModelFileError, match="of memory"):
            nn.load(p)
    monkeypatch.undo()
    np.testing.assert_array_equal(nn.load(path).theta, nn.mlp([3, 4, 1], seed=0).theta)


@needs_fifo
def test_a_fifo_as_checkpoint_to_write_is_refused(tmp_path):
    os.mkfifo(tmp_path / "ck")
    r = CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--checkpoint", str(tmp_path / "ck"), "--out",
                                 str(tmp_path / "m.json"), "-q"])
    assert r.exit_code == 1 and "not a regular file" in r.output
