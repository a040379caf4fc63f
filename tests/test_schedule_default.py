"""The seed's step size "usually decreases over the course of the algorithm": plain SGD's default schedule."""

from __future__ import annotations

import numpy as np
import pytest

import neuronet as nn
from neuronet import schedules
from neuronet.errors import DataError

X = np.linspace(-1, 1, 8)[:, None]
Y = 2 * X[:, 0] + 0.5


def fit(**kw):
    return nn.train(nn.mlp([1, 1], seed=0), X, Y, step_size=0.1, epochs=3, seed=0, engine="matrix", **kw)


def test_plain_sgd_decreases_by_default_and_says_so():
    r = fit(batch_size=1)
    assert r.config["schedule"] == "inverse_time(decay=1)"
    explicit = fit(batch_size=1, schedule={"name": "inverse_time", "decay": 1.0})
    assert r.network.weights == explicit.network.weights                         # the same run, bit for bit
    assert r.network.weights != fit(batch_size=1, schedule="constant").network.weights
    assert fit(batch_size=2).config["schedule"] == "inverse_time(decay=1)"       # minibatches are sampled too


@pytest.mark.parametrize("kw", [dict(optimizer="adam"), dict(momentum=0.9), dict(optimizer="nesterov"),
                                dict(batch_size=None), dict(batch_size=8)])
def test_adaptive_momentum_and_full_batch_keep_a_constant_step(kw):
    kw = {"batch_size": 1, **kw}
    assert fit(**kw).config["schedule"] == "constant"


def test_auto_by_name():
    assert schedules.get("auto") == schedules.get("inverse_time", decay=1.0)          # no optimizer: plain SGD
    assert schedules.get({"name": "AUTO"}).name == "inverse_time"
    assert schedules.get("auto", stochastic=False).name == "constant"
    with pytest.raises(DataError, match="'auto' takes no parameters"):
        schedules.get("auto", decay=0.5)
    with pytest.raises(DataError, match="Known schedules: auto, constant"):
        schedules.get("sometimes")
