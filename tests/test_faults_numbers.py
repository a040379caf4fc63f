"""Group 8 (seeds, info values, model files): each odd number gets the same kind of clear error as its neighbours."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.errors import DataError, ModelFileError


@pytest.mark.parametrize("seed", [-1, -2**70, 1.5, "7", True])
def test_a_seed_that_is_not_a_non_negative_integer_is_named(seed):
    with pytest.raises(DataError, match=r"seed must be .*integer ≥ 0; received seed="):
        nn.train(nn.mlp([2, 2, 1], seed=0), np.zeros((4, 2)), np.zeros(4), seed=seed, epochs=1)
    with pytest.raises(DataError, match=r"seed must be None or an integer ≥ 0"):
        nn.mlp([2, 2, 1], seed=seed)


def test_big_seeds_and_generators_still_work():
    assert nn.mlp([2, 2, 1], seed=2**100).theta.shape == (9,)
    assert nn.mlp([2, 2, 1], seed=np.random.default_rng(0)).theta.shape == (9,)
    nn.train(nn.mlp([2, 2, 1], seed=0), np.zeros((4, 2)), np.zeros(4), seed=2**80, epochs=1)


def test_cli_negative_seed_is_a_usage_error():
    r = CliRunner().invoke(app, ["train", "iris", "--seed", "-1"])
    assert r.exit_code == 2 and "Traceback" not in r.output


@pytest.mark.parametrize("value", [10**5000, -(10**30), 2**63], ids=["10**5000", "-10**30", "2**63"])
def test_an_integer_a_model_file_cannot_hold_is_refused_on_save(tmp_path, value):
    net = nn.mlp([2, 2, 1], seed=0)
    net.info["big"] = value
    with pytest.raises(ModelFileError, match=r"net.info\['big'\] is an integer of about \d+ digits; a model file "
                                             "holds integers within ±2⁶³"):
        nn.save(net, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
    net.info["big"] = 2**63 - 1
    nn.save(net, tmp_path / "m.json")
    assert nn.load(tmp_path / "m.json").info["big"] == 2**63 - 1


@pytest.mark.parametrize("field, value", [("classes", "abc"), ("classes", ["a", 2]), ("target", 5),
                                          ("features", "ab")])
def test_strings_where_lists_belong_are_refused_not_split(tmp_path, field, value):
    path = tmp_path / "m.json"
    r = CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(path), "-q"])
    assert r.exit_code == 0, r.output
    doc = json.loads(path.read_text())
    doc["info"]["preprocessing"][field] = value
    path.write_text(json.dumps(doc))
    r = CliRunner().invoke(app, ["show", str(path)])
    assert r.exit_code == 1 and "damaged preprocessing record" in r.output and "Traceback" not in r.output
