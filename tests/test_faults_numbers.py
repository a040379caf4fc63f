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


@pytest.mark.parametrize("field, value", [("rows", "abc"), ("accuracy", "x"), ("accuracy", [1]), ("accuracy", 1e300),
                                          ("rows", None), ("balanced_accuracy", {"a": 1})],
                         ids=["rows-text", "accuracy-text", "accuracy-list", "accuracy-huge", "rows-null", "bacc-dict"])
def test_show_prints_a_model_files_odd_metrics_record_without_a_traceback(tmp_path, field, value):
    path = tmp_path / "m.json"
    assert CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(path), "-q"]).exit_code == 0
    doc = json.loads(path.read_text())
    doc["info"]["metrics"]["training"][field] = value
    path.write_text(json.dumps(doc))
    r = CliRunner().invoke(app, ["show", str(path)])
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert "training (" in r.output and "validation (30 rows): accuracy" in r.output


def test_evaluate_ignores_a_training_rows_record_with_a_huge_sampling_rate(tmp_path):
    path = tmp_path / "m.json"
    assert CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(path), "-q"]).exit_code == 0
    doc = json.loads(path.read_text())
    doc["info"]["training_rows"]["sample_1_in"] = 2**62
    path.write_text(json.dumps(doc))
    r = CliRunner().invoke(app, ["evaluate", str(path), "iris"])
    assert r.exit_code == 0 and "Traceback" not in r.output and "accuracy" in r.output


@pytest.mark.parametrize("value, words", [(10**400, "is an integer outside ±2⁶³"), (2**70, "is an integer outside ±2⁶³"),
                                          ("1e999", "is a number too large for a float")])
def test_a_number_no_model_file_can_hold_is_refused_when_the_file_is_read(tmp_path, value, words):
    """Anywhere in info (here a preprocessing mean): what save refuses to write, load refuses to read, in one
    line naming the place, so a network that loads can always be saved again."""
    path = tmp_path / "m.json"
    assert CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(path), "-q"]).exit_code == 0
    doc = json.loads(path.read_text())
    doc["info"]["preprocessing"]["features"][0]["mean"] = 0.5
    text = json.dumps(doc).replace('"mean": 0.5', f'"mean": {value}')
    path.write_text(text)
    for cmd in (["show", str(path)], ["predict", str(path), "iris"]):
        r = CliRunner().invoke(app, cmd)
        assert r.exit_code == 1 and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
        assert "info['preprocessing']['features'][0]['mean']" in r.output and words in r.output


ODD = [None, True, -1, 0, 2**70, 1e308, -1e308, "x", "", [], {}, [1, "a"], {"a": None}, -0.5, "[red]", "\x1b[2J",
       10**400, [[1]], "1e999"]


def _paths(o, pre=()):
    if isinstance(o, dict):
        for k, v in o.items():
            yield pre + (k,)
            yield from _paths(v, pre + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o[:3]):
            yield pre + (i,)
            yield from _paths(v, pre + (i,))


def test_fuzzed_info_of_a_model_file_never_ends_in_a_traceback(tmp_path):
    """Odd values anywhere in a model's info (preprocessing, metrics, training record): show and predict
    either work or refuse in one line."""
    import random

    base_path = tmp_path / "base.json"
    assert CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(base_path), "-q"]).exit_code == 0
    base = json.loads(base_path.read_text())
    places = list(_paths(base["info"]))
    rng = random.Random(20261202)
    path = tmp_path / "m.json"
    for _ in range(40):
        doc = json.loads(json.dumps(base))
        where = rng.choice(places)
        node = doc["info"]
        for k in where[:-1]:
            node = node[k]
        node[where[-1]] = rng.choice(ODD)
        path.write_text(json.dumps(doc))
        for cmd in (["show", str(path)], ["predict", str(path), "iris"]):
            r = CliRunner().invoke(app, cmd)
            assert r.exception is None or isinstance(r.exception, SystemExit), (where, cmd, repr(r.exception))
            if r.exit_code:
                assert r.output.startswith("error: ") and len(r.output.strip().splitlines()) == 1, r.output
