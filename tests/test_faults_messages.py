"""Group 9: messages say what happened, in the words of the interface the user typed."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from neuronet.cli import app
from neuronet.training import bookkeeping


def test_an_interrupted_resumed_run_names_the_checkpoints_epoch(tmp_path, monkeypatch):
    args = ["train", "iris", "--epochs", "30", "--checkpoint-every", "10", "--checkpoint", str(tmp_path / "ck"),
            "--out", str(tmp_path / "m.json"), "--no-early-stopping", "--validation-fraction", "0", "-q",
            "--engine", "matrix"]
    real, stop = bookkeeping.Rules.judge, {}

    def judge(self, run, *a, **kw):       # Ctrl-C at a known point: once epoch `stop` has run
        if run.epoch == stop["at"]:
            raise KeyboardInterrupt
        return real(self, run, *a, **kw)

    monkeypatch.setattr(bookkeeping.Rules, "judge", judge)
    stop["at"] = 22                                       # epochs 1…21 done, the checkpoint of epoch 20 written
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 130, r.output
    assert "interrupted after epoch 21 of 30" in r.output and "(after epoch 20;" in r.output
    stop["at"] = 21                                       # resumed, then interrupted before any epoch ended
    r = CliRunner().invoke(app, args + ["--resume", str(tmp_path / "ck")])
    assert r.exit_code == 130, r.output
    assert "interrupted after epoch 20 of 30" in r.output and "(after epoch 20;" in r.output   # not "epoch 0"
    assert "--resume" in r.output


def test_rprop_with_minibatches_speaks_of_batch_size_zero(tmp_path):
    r = CliRunner().invoke(app, ["train", "iris", "--optimizer", "rprop", "--batch-size", "8", "--out",
                                 str(tmp_path / "m.json")])
    assert r.exit_code == 1 and "--batch-size 0" in r.output and "batch_size=None" not in r.output


def test_all_diverged_under_the_cli_does_not_say_standardize(tmp_path):
    r = CliRunner().invoke(app, ["train", "sine", "--optimizer", "sgd", "--step-size", "1e9", "--batch-size", "0",
                                 "--epochs", "5", "--out", str(tmp_path / "m.json"), "--engine", "matrix"])
    assert r.exit_code == 1, r.output
    assert "Every restart diverged" in r.output and "--step-size" in r.output
    assert "standardize the inputs" not in r.output and "already" in r.output


def test_the_library_keeps_its_own_words():
    import neuronet as nn
    from neuronet.errors import DataError, TrainingError
    import pytest

    X = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(DataError, match="Use batch_size=None"):
        nn.train(nn.mlp([2, 2, 1], seed=0), X, X[:, 0], optimizer="rprop", batch_size=4)
    with pytest.raises(TrainingError, match="standardize the inputs"):
        nn.train(nn.mlp([2, 2, 1], seed=0), X * 1e3, X[:, 0] * 1e3, optimizer="sgd", step_size=1e9, epochs=3,
                 batch_size=None)
