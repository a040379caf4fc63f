"""nn.load_model: a CLI-trained model used from Python gives exactly `neuronet predict`'s answers."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.errors import DataError, ModelFileError

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    work = tmp_path_factory.mktemp("iris")
    ds = nn.datasets.load("iris")
    frame = pd.DataFrame(ds.X, columns=ds.feature_names)
    frame["species"] = [ds.class_names[int(c)] for c in ds.y]
    frame.to_csv(work / "iris.csv", index=False)
    r = invoke("train", str(work / "iris.csv"), "--target", "species", "--epochs", "40", "--restarts", "2",
               "--engine", "matrix", "--out", str(work / "iris.json"), "-q")
    assert r.exit_code == 0, r.output
    return work, frame


def test_predict_matches_the_command_line_on_every_kind_of_rows(iris_model):
    work, frame = iris_model
    model = nn.load_model(work / "iris.json")
    assert model.columns == list(frame.columns[:4]) and model.classes == ["setosa", "versicolor", "virginica"]
    assert model.task == "classification" and isinstance(model.network, nn.Network)
    assert isinstance(nn.load(work / "iris.json"), nn.Network)                     # nn.load keeps the network

    r = invoke("predict", str(work / "iris.json"), str(work / "iris.csv"), "--proba")
    assert r.exit_code == 0, r.output
    cli = rows_of(r.stdout)
    label_col = next(iter(cli[0]))
    cli_labels = [row[label_col] for row in cli]
    cli_proba = np.array([[float(v) for k, v in row.items() if k != label_col] for row in cli])

    shuffled = frame[list(reversed(frame.columns))]                                 # column order is free
    as_dict = {c: frame[c].tolist() for c in frame.columns[:4]}                    # no target: fine
    for rows in (frame, shuffled, as_dict, work / "iris.csv", str(work / "iris.csv")):
        assert model.predict(rows).tolist() == cli_labels
    p = model.predict_proba(frame)
    assert p.shape == (150, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p, cli_proba, rtol=1e-5, atol=1e-6)                 # the CLI prints 6 digits


def test_evaluate_knows_its_training_rows(iris_model):
    work, frame = iris_model
    model = nn.load_model(work / "iris.json")
    m = model.evaluate(frame)
    assert m["rows"] == 150 and m["training_rows"] == {"rows": 120, "exact": True}   # 20 % held out
    assert set(m["per_class"]) == {"setosa", "versicolor", "virginica"} and m["balanced_accuracy"] > 0.5
    r = invoke("evaluate", str(work / "iris.json"), str(work / "iris.csv"))
    assert r.exit_code == 0, r.output
    assert "120 of the 150 rows are the model's own training rows" in r.output
    assert "precision" in r.output and "balanced accuracy" in r.output
    fresh = frame.copy()
    fresh.iloc[:, :4] += 0.01                                                        # rows it never saw
    assert model.evaluate(fresh)["training_rows"]["rows"] == 0
    fresh.to_csv(work / "fresh.csv", index=False)
    r = invoke("evaluate", str(work / "iris.json"), str(work / "fresh.csv"), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["training_rows"]["rows"] == 0


def test_mistakes_are_clear(iris_model, tmp_path):
    work, frame = iris_model
    model = nn.load_model(work / "iris.json")
    with pytest.raises(DataError, match="petal_width_cm"):
        model.predict(frame.drop(columns=["petal_width_cm"]))
    with pytest.raises(DataError, match="different lengths"):
        model.predict({"sepal_length_cm": [1.0], "sepal_width_cm": [1.0, 2.0]})
    with pytest.raises(DataError, match="DataFrame, a dict of columns"):
        model.predict(np.zeros((2, 4)))
    bare = tmp_path / "bare.json"
    nn.mlp([2, 1], seed=0).save(bare)
    with pytest.raises(ModelFileError, match="no preprocessing record"):
        nn.load_model(bare)


def test_regression_in_the_targets_units_exactly_as_predict_writes_them(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"area": rng.uniform(40, 200, n).round(1), "hood": rng.choice(["n", "s", ""], n)})
    frame["price"] = (2_000 * frame["area"] + (frame["hood"] == "n") * 50_000 + rng.normal(0, 5e3, n)).round()
    frame.loc[::7, "area"] = np.nan                                                # missing cells: imputed
    frame.to_csv(tmp_path / "h.csv", index=False)
    r = invoke("train", str(tmp_path / "h.csv"), "--target", "price", "--epochs", "30", "--restarts", "2",
               "--engine", "matrix", "--out", str(tmp_path / "h.json"), "-q")
    assert r.exit_code == 0, r.output
    model = nn.load_model(tmp_path / "h.json")
    r = invoke("predict", str(tmp_path / "h.json"), str(tmp_path / "h.csv"))
    assert r.exit_code == 0, r.output
    cli = [row["predicted_price"] for row in rows_of(r.stdout)]
    for rows in (frame, tmp_path / "h.csv", {c: frame[c].tolist() for c in ("area", "hood")}):
        got = model.predict(rows)
        assert got.dtype == np.float64 and [format(v, ".10g") for v in got] == cli
    assert model.predict(frame).mean() > 10_000                                    # the target's own units
    with pytest.raises(DataError, match="predict_proba\\(\\) needs a classification model"):
        model.predict_proba(frame)
