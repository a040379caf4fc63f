"""What training asks of the engine around the epochs: as few passes over the whole data as the result needs.

The starting loss (a forward pass over all rows) is only the scale for divergence, and a loss under
DIVERGENCE_FACTOR·1e-2 cannot have diverged whatever it is; so it is computed only when an epoch's
loss is that high, or when a checkpoint stores it — with the same bits as before.
"""

from __future__ import annotations

import numpy as np

import neuronet as nn
from neuronet.engines import MatrixEngine
from neuronet.training import checkpoint as checkpoint_file


def _counting(monkeypatch):
    calls = []
    original = MatrixEngine.loss
    monkeypatch.setattr(MatrixEngine, "loss", lambda self, theta, X, Y: calls.append(theta.copy())
                        or original(self, theta, X, Y))
    return calls


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    return X, X[:, :1] - 0.5 * X[:, 1:2]


def test_a_run_that_stays_low_evaluates_the_data_once(monkeypatch):
    calls = _counting(monkeypatch)
    X, Y = _data()
    r = nn.train(nn.mlp([3, 5, 1], seed=0), X, Y, epochs=4, batch_size=8, restarts=2, seed=0, engine="matrix")
    assert r.status == ["ran_out", "ran_out"]
    assert len(calls) == 1                                          # the final loss only
    np.testing.assert_array_equal(calls[0], r.theta)


def test_a_diverging_run_still_judges_by_its_starting_loss(monkeypatch):
    calls = _counting(monkeypatch)
    X, Y = _data()
    r = nn.train(nn.mlp([3, 5, 1], seed=0), X * 30, Y * 30, epochs=30, batch_size=8, step_size=[5.0, 1e-5],
                 restarts=2, seed=0, engine="matrix", schedule="constant")
    assert r.status == ["diverged", "ran_out"]
    assert any(c.shape == r.initial_theta.shape and np.array_equal(c, r.initial_theta) for c in calls)


def test_a_checkpoint_holds_the_starting_loss(tmp_path, monkeypatch):
    X, Y = _data()
    net = nn.mlp([3, 5, 1], seed=0)
    path = tmp_path / "run.ckpt.npz"
    r = nn.train(net, X, Y, epochs=2, batch_size=8, restarts=2, seed=0, engine="matrix", checkpoint=path,
                 checkpoint_every=1)
    eng = MatrixEngine(net.structure, nn.losses.get("squared"), nn.optimizers.get("sgd"), np.float64)
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved["start_loss"], eng.loss(r.initial_theta, X, Y))
    assert checkpoint_file.is_checkpoint(path)
