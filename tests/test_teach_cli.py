"""The seed's material on the command line (issue 13): ``explain --x --y --steps``, hand-built model
files, ŷ and y in the target's units, the demo list, ``show --weights``."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.seeing.explain import explain

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})


def ok(r) -> str:
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    return r.stdout


def fails(r, code: int = 1) -> str:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stderr


def test_explain_an_example_given_on_the_command_line():
    text = " ".join(ok(invoke("explain", "--x", "0.3", "--y", "-1")).split())
    e = explain(None, [0.3], [-1.0])
    yhat = f"{e.yhat[0]:.4f}".rstrip("0")
    assert f"2·(ŷ − y) = 2·({yhat} − (−1))" in text and "x = (0.3) y = (−1)" in text
    d = json.loads(ok(invoke("explain", "--x", "0.3", "--y", "-1", "--json")))
    assert d["loss"]["value"] == e.loss_value and d["update"]["edges"] == e.to_dict()["update"]["edges"]
    d = json.loads(ok(invoke("explain", "--x", "0.3", "--json")))            # no target: forward only
    assert d["backward"] is None and d["yhat"] == e.yhat


def test_explain_steps():
    text = ok(invoke("explain", "--steps", "3"))
    assert "A Simple Introduction to Neural Networks" in text and text.count("Update ") >= 3
    d = json.loads(ok(invoke("explain", "--steps", "3", "--json")))
    assert d["step_sizes"] == pytest.approx([0.1, 0.075, 0.06], rel=1e-15)
    assert [s["x"] for s in d["steps"]] == [[0.5], [-0.5], [0.25]]
    d = json.loads(ok(invoke("explain", "--x", "0.3", "--y", "-1", "--x", "0.1", "--y", "0.2", "--steps", "2",
                             "--step-size", "0.2", "--json")))
    want = explain(None, [[0.3], [0.1]], [[-1.0], [0.2]], step_size=0.2, steps=2)
    assert d["step_sizes"] == [e.step_size for e in want] == pytest.approx([0.2, 0.2 / 1.5], rel=1e-15)
    assert d["steps"][1]["update"]["edges"] == want.to_dict()["steps"][1]["update"]["edges"]


def test_explain_a_hand_built_model_file(tmp_path):
    g = nn.Graph()
    x1, x2, b = g.input(), g.input(), g.bias()
    h = g.neuron("tanh")
    y = g.output("identity")
    for i, j, w in [(x1, h, 0.5), (x2, h, -1.0), (b, h, 0.1), (h, y, 2.0), (b, y, -0.3)]:
        g.connect(i, j, w)
    path = tmp_path / "hand.json"
    g.build().save(path)
    d = json.loads(ok(invoke("explain", path, "--x", "0.3,0.5", "--y", "1", "--json")))
    want = explain(nn.load(path), [0.3, 0.5], [1.0]).to_dict()
    assert d["loss"] == want["loss"] and d["backward"] == want["backward"] and d["units"] is None
    assert "x = (0.3, 0.5)" in ok(invoke("explain", path, "--x", "0.3,0.5"))
    assert "--x" in fails(invoke("explain", path))                             # no data: say how to give x
    assert "2 input neurons" in fails(invoke("explain", path, "--x", "0.3"))
    assert "one --y per --x" in fails(invoke("explain", path, "--x", "1,2", "--x", "3,4", "--y", "1"))
    assert "numbers separated by commas" in fails(invoke("explain", path, "--x", "a,b"))
    fails(invoke("explain", "--y", "1"), 2)
    fails(invoke("explain", path, "--x", "1,2", "--row", "3"), 2)


def test_explain_shows_yhat_and_y_in_the_targets_units(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(a, 100 + 20 * a + rng.normal()) for a in rng.uniform(-1, 1, 40)]
    with open(tmp_path / "r.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([("a", "price")] + [(f"{a:.4f}", f"{p:.3f}") for a, p in rows])
    ok(invoke("train", tmp_path / "r.csv", "--target", "price", "--hidden", "2", "--epochs", "3", "--restarts", "1",
              "--engine", "matrix", "--out", tmp_path / "r.json"))
    d = json.loads(ok(invoke("explain", tmp_path / "r.json", "--data", tmp_path / "r.csv", "--row", "1", "--json")))
    prep = nn.load(tmp_path / "r.json").info["preprocessing"]
    mean, std = prep["target_mean"], prep["target_std"]
    assert d["units"]["target"] == "price"
    assert d["units"]["yhat"] == pytest.approx(mean + std * d["yhat"][0], rel=1e-12)
    assert d["units"]["y"] == pytest.approx(float(f"{rows[1][1]:.3f}"), rel=1e-9)        # the CSV's own value
    text = " ".join(ok(invoke("explain", tmp_path / "r.json", "--data", tmp_path / "r.csv", "--row", "1")).split())
    assert re.search(rf"in the units of 'price': ŷ = [0-9.]+, y = {float(f'{rows[1][1]:.3f}'):.3f}".rstrip("0"), text)


def test_demo_help_lists_every_demo_and_no_other():
    from neuronet.seeing import demos

    text = ok(invoke("demo", "--help"))
    listed = re.findall(r"^\s{4}(\S+)\s{2,}", text.split("The demos:")[1].split("Arguments:")[0], re.M)
    assert listed == list(demos.NAMES)
    assert "backpropagation" not in text.split("The demos:")[0]            # no demo that does not exist
    assert "A Simple Introduction to Neural Networks" in " ".join(text.split())


def test_show_weights_prints_every_weight(tmp_path):
    net = nn.examples.running_example()
    net.save(tmp_path / "m.json")
    text = ok(invoke("show", tmp_path / "m.json", "--weights"))
    found = {(int(i), int(j)): float(w) for i, j, w in re.findall(r"w_(\d+),(\d+) = (−?-?[0-9.e+-]+)", text)}
    assert found == pytest.approx(net.weights)
    assert "w_1,3" not in ok(invoke("show", tmp_path / "m.json"))
    d = json.loads(ok(invoke("show", tmp_path / "m.json", "--weights", "--json")))
    assert {(r["from"], r["to"]): r["weight"] for r in d["weights"]} == net.weights


def test_explain_a_classifier_names_its_classes(tmp_path):
    ok(invoke("train", "xor", "--hidden", "2", "--epochs", "2", "--restarts", "1", "--engine", "matrix",
              "--out", tmp_path / "c.json"))
    d = json.loads(ok(invoke("explain", tmp_path / "c.json", "--row", "1", "--json")))
    assert d["loss"]["name"] == "cross_entropy"                              # the model's own loss
    p = np.exp(d["yhat"]) / np.exp(d["yhat"]).sum()
    classes = nn.load(tmp_path / "c.json").info["preprocessing"]["classes"]
    assert d["units"] == {"target": d["units"]["target"], "task": "classification",
                          "yhat": classes[int(np.argmax(d["yhat"]))], "y": classes[int(d["y"][0])],
                          "probability": pytest.approx(float(p.max()), rel=1e-12)}
    text = " ".join(ok(invoke("explain", tmp_path / "c.json", "--row", "1")).split())
    assert f"ŷ predicts '{d['units']['yhat']}'" in text and f"y = class '{d['units']['y']}'" in text


def test_explain_refuses_examples_it_would_not_use():
    assert "--steps 2" in fails(invoke("explain", "--x", "0.1", "--x", "0.2"))


def test_explain_refuses_an_example_whose_loss_overflows():
    err = fails(invoke("explain", "--x", "0.3", "--y", "1e308"))
    assert "the loss L reaches inf" in err and len(err.strip().splitlines()) == 1      # one line, no warnings


@pytest.mark.parametrize("columns", ["60", "72", "80"])
def test_the_header_never_cuts_the_seeds_author_in_two(columns):
    out = runner.invoke(app, ["explain"], env={"COLUMNS": columns})
    assert out.exit_code == 0
    head = out.stdout.split("\n\n")[0]
    assert "sil ver" in head and all(len(line) <= int(columns) for line in head.splitlines())
