"""Group 4: a finished training is never thrown away.

Undefined metrics (R² of a constant target) are stored as null and shown as –, never a reason not
to save; a checkpoint that cannot be written (a full disk) is one warning, training goes on, and the
result — and with the command line, the model file — is exactly what it would have been.
"""

from __future__ import annotations

import errno
import json
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.errors import CheckpointWarning
from neuronet.training import checkpoint


def constant_csv(path):
    rng = np.random.default_rng(0)
    path.write_text("a,b,y\n" + "".join(f"{a:.4f},{b:.4f},3.5\n" for a, b in rng.standard_normal((30, 2))))
    return path


def test_a_constant_regression_target_trains_saves_and_shows_undefined_r2_as_null(tmp_path):
    data = constant_csv(tmp_path / "c.csv")
    out = tmp_path / "c.json"
    r = CliRunner().invoke(app, ["train", str(data), "-t", "y", "--task", "regression", "--epochs", "5", "--out",
                                 str(out), "--engine", "matrix"])
    assert r.exit_code == 0, r.output
    assert "R² –" in r.output
    doc = json.loads(out.read_text())
    assert doc["info"]["metrics"]["training"]["r2"] is None
    assert np.isfinite(doc["info"]["metrics"]["training"]["rmse"])
    r = CliRunner().invoke(app, ["show", str(out)])
    assert r.exit_code == 0 and "R² –" in r.output
    r = CliRunner().invoke(app, ["evaluate", str(out), str(data), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["r2"] is None     # valid JSON: null, not NaN


def _full_disk(monkeypatch):
    calls = []

    def write(path, meta, arrays):
        calls.append(meta["epoch"])
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(checkpoint, "write", write)
    return calls


def test_a_failing_checkpoint_write_warns_once_and_the_result_is_unchanged(tmp_path, monkeypatch):
    X = np.random.default_rng(1).standard_normal((20, 2))
    Y = np.tanh(X[:, 0])
    kw = dict(epochs=12, batch_size=5, restarts=2, seed=4, engine="matrix")
    straight = nn.train(nn.mlp([2, 3, 1], hidden="tanh", seed=0), X, Y, **kw)
    calls = _full_disk(monkeypatch)
    with pytest.warns(CheckpointWarning, match="No space left on device. Training goes on") as seen:
        r = nn.train(nn.mlp([2, 3, 1], hidden="tanh", seed=0), X, Y, checkpoint=tmp_path / "ck", checkpoint_every=3,
                     **kw)
    assert calls == [3, 6, 9, 12] and len(seen) == 1                  # kept trying, warned once
    np.testing.assert_array_equal(r.theta, straight.theta)


def test_cli_with_a_full_disk_for_checkpoints_still_saves_the_model(tmp_path, monkeypatch):
    _full_disk(monkeypatch)
    out = tmp_path / "m.json"
    with warnings.catch_warnings():
        warnings.simplefilter("error")    # the CLI must show it as a line, not let it escape as an error
        r = CliRunner().invoke(app, ["train", "iris", "--epochs", "4", "--checkpoint", str(tmp_path / "ck"),
                                     "--checkpoint-every", "2", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert r.output.count("warning: Cannot write checkpoint") == 1 and "Traceback" not in r.output
    assert nn.load(out).info["training"]["epochs"] == 4
