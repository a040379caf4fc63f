"""The table front door on the command line: missing cells, written numbers, left-out columns, no leak
from validation rows, --validation-data, and predictions people can join (--keep, predicted_<target>)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.io import tabular

QUICK = ["--epochs", "3", "--restarts", "1", "--hidden", "2", "--engine", "matrix"]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def customers(tmp_path_factory) -> Path:
    """A customer table: an id, a quoted address, yes/no, empty cells, incomes written '71,287', rates '35.4%'."""
    d = tmp_path_factory.mktemp("table_cli")
    rng = np.random.default_rng(5)
    lines = ["customer_id,address,plan,income,rate,churn"]
    for i in range(60):
        income = int(rng.integers(20_000, 200_000))
        cells = [str(1000 + i), f'"{i} Long Road, Town"', ["yes", "no"][i % 2],
                 f'"{income:,}"' if i % 3 else str(income), f"{rng.uniform(0, 60):.1f}%", ["stay", "leave"][i % 3 == 0]]
        if i % 7 == 3:
            cells[3] = ""                                 # a missing income
        if i % 11 == 5:
            cells[2] = "NA"                               # a missing plan
        lines.append(",".join(cells))
    (d / "customers.csv").write_text("\n".join(lines) + "\n")
    return d


def test_train_imputes_parses_and_leaves_out_identifiers_with_notes(customers):
    d = customers
    r = invoke("train", d / "customers.csv", "-t", "churn", "--out", d / "m.json", *QUICK)
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())                          # rich wraps long lines
    assert "note: left out 'customer_id': an identifier" in out and "--use customer_id" in out
    assert "note: left out 'address': identifier-like (" in out and "--use address" in out
    assert "note: read 'income' as numbers written with thousands separator ','" in out
    assert "note: read 'rate' as numbers written with a % sign" in out
    assert "training rows: imputed missing cells:" in out and "in 'income' (median" in out
    assert "in 'plan' (category '(missing)')" in out
    prep = tabular.Preprocessing.of(nn.load(d / "m.json"))
    assert prep.columns == ["plan", "income", "rate"]
    assert prep.input_names == ["plan=no", "plan=yes", "plan=(missing)", "income", "income (missing)", "rate"]

    r = invoke("show", d / "m.json")
    assert r.exit_code == 0, r.output
    shown = " ".join(r.stdout.split())
    assert "left out" in shown and "thousands separator ','" in shown and "(missing)" in shown, shown

    # predicting rows with empty cells works, says what it filled in, and carries the id through as written
    (d / "new.csv").write_text('customer_id,plan,income,rate\n0042,,"55,000",3%\n0043,yes,,12.5%\n')
    r = invoke("predict", d / "m.json", d / "new.csv", "--keep", "customer_id", "--proba", "--out", d / "p.csv")
    assert r.exit_code == 0, r.output
    assert "column 'income': 1 missing cell imputed with the training median" in r.stderr
    assert "wrote 2 predictions of 'churn' to " in r.stderr and "columns customer_id, predicted_churn, " \
                                                              "probability_leave, probability_stay" in r.stderr
    rows = rows_of((d / "p.csv").read_text())
    assert [row["customer_id"] for row in rows] == ["0042", "0043"]
    assert all(row["predicted_churn"] in ("leave", "stay") for row in rows)
    assert "--keep needs" not in r.stderr
    r = invoke("predict", d / "m.json", d / "new.csv", "--keep", "customer")
    assert r.exit_code == 1 and "has no column 'customer'. Did you mean 'customer_id'?" in r.stderr

    # --missing error restores the strict reading, with every empty cell's line in one message
    r = invoke("train", d / "customers.csv", "-t", "churn", "--missing", "error", "--out", d / "s.json", *QUICK)
    assert r.exit_code == 1
    assert "column 'plan': 5 cells are empty or missing: line 7, line 18, line 29, line 40, line 51." in r.stderr


def test_written_numbers_that_fail_are_listed_in_one_message(tmp_path):
    text = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(30)) + "12abc,0\n1_000,1\n"
    (tmp_path / "bad.csv").write_text(text)
    r = invoke("train", tmp_path / "bad.csv", "-t", "y", "--use", "x", *QUICK)
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "column 'x': 2 cells are not numbers: line 32 '12abc', line 33 '1_000'" \
        in r.stderr


def shifted_table(path: Path, n: int, shift: float) -> np.ndarray:
    """A regression table y = 2x + noise with x drawn around ``shift``; returns x."""
    rng = np.random.default_rng(int(shift) + n)
    x = rng.normal(shift, 1.0, n)
    y = 2 * x + rng.normal(0, 0.1, n)
    path.write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist())))
    return x


def test_no_statistic_is_fitted_on_validation_rows(tmp_path):
    x_tr = shifted_table(tmp_path / "train.csv", 80, 0.0)
    x_va = shifted_table(tmp_path / "val.csv", 40, 50.0)        # a validation half with a very different mean
    r = invoke("train", tmp_path / "train.csv", "-t", "y", "--validation-data", tmp_path / "val.csv",
               "--out", tmp_path / "m.json", *QUICK)
    assert r.exit_code == 0, r.output
    net = nn.load(tmp_path / "m.json")
    prep = tabular.Preprocessing.of(net)
    x = prep.features[0]
    assert x["mean"] == pytest.approx(x_tr.mean(), rel=1e-12) and x["std"] == pytest.approx(x_tr.std(), rel=1e-12)
    assert x["median"] == pytest.approx(np.median(x_tr))
    assert net.info["metrics"]["training"]["rows"] == 80 and net.info["metrics"]["validation"]["rows"] == 40
    y_tr = 2 * x_tr                                                           # roughly: the target's mean
    assert abs(prep.target_mean - y_tr.mean()) < 0.1
    both = np.concatenate([x_tr, x_va])
    assert abs(x["mean"] - both.mean()) > 10                                  # not the all-rows mean

    # a validation share of one file: the statistics are those of the training rows the split picks
    (tmp_path / "all.csv").write_text("x,y\n" + "".join(
        f"{a!r},{2 * a!r}\n" for a in np.concatenate([x_tr, x_va]).tolist()))
    r = invoke("train", tmp_path / "all.csv", "-t", "y", "--validation-fraction", "0.25", "--seed", "3",
               "--out", tmp_path / "f.json", *QUICK)
    assert r.exit_code == 0, r.output
    tr, va = tabular.split(len(both), 0.25, 3)
    x = tabular.Preprocessing.of(nn.load(tmp_path / "f.json")).features[0]
    assert x["mean"] == pytest.approx(both[tr].mean(), rel=1e-12) and x["mean"] != pytest.approx(both.mean())
    r = invoke("train", tmp_path / "all.csv", "-t", "y", "--validation-fraction", "0.25", "--validation-data",
               tmp_path / "val.csv", *QUICK)
    assert r.exit_code == 1 and "either --validation-data or --validation-fraction" in r.stderr


def test_rows_without_a_target_are_left_out_with_a_note(tmp_path):
    (tmp_path / "t.csv").write_text("x,y\n" + "".join(f"{i},{'' if i % 10 == 0 else i % 2}\n" for i in range(30)))
    r = invoke("train", tmp_path / "t.csv", "-t", "y", "--out", tmp_path / "m.json", *QUICK)
    assert r.exit_code == 0, r.output
    assert "note: left out 3 rows of" in " ".join(r.stdout.split())
    net = nn.load(tmp_path / "m.json")
    m = net.info["metrics"]
    assert m["training"]["rows"] + m["validation"]["rows"] == 27


def test_training_and_validation_data_cannot_both_be_standard_input(tmp_path):
    text = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(30))
    r = runner.invoke(app, ["train", "-", "-t", "y", "--validation-data", "-", *QUICK], input=text)
    assert r.exit_code == 1
    assert "The training data and --validation-data cannot both be '-'" in r.stderr and "empty" not in r.stderr


def test_predict_advises_what_predict_can_do_with_a_cell_that_is_not_a_number(tmp_path):
    (tmp_path / "t.csv").write_text("sqft,y\n" + "".join(f"{800 + 10 * i},{i % 2}\n" for i in range(30)))
    assert invoke("train", tmp_path / "t.csv", "-t", "y", "--out", tmp_path / "m.json", *QUICK).exit_code == 0
    (tmp_path / "new.csv").write_text('sqft\n900\n"1,800"\n')
    r = invoke("predict", tmp_path / "m.json", tmp_path / "new.csv")
    assert r.exit_code == 1 and "column 'sqft'" in r.stderr and "line 3 '1,800'" in r.stderr
    assert "train again with --categorical sqft" in r.stderr and "or treat the column as categories" not in r.stderr


def test_what_predict_filled_in_is_worded_in_the_singular_and_in_shows_number_format(tmp_path):
    # a median halfway between two whole values: show and predict's note write it the same way
    (tmp_path / "t.csv").write_text("sqft,c,y\n" + "".join(f"{1770 + i % 2},{'ab'[i % 2]},{i % 2}\n"
                                                           for i in range(30)) + ",a,0\n")
    assert invoke("train", tmp_path / "t.csv", "-t", "y", "--categorical", "c", "--validation-fraction", "0",
                  "--out", tmp_path / "m.json", *QUICK).exit_code == 0
    (tmp_path / "new.csv").write_text("sqft,c\n,a\n1770,z\n")
    r = invoke("predict", tmp_path / "m.json", tmp_path / "new.csv")
    assert r.exit_code == 0, r.output
    assert "column 'sqft': 1 missing cell imputed with the training median 1,770.5" in r.stderr
    assert "column 'c': 1 cell holds a category the model was not trained on (line 3 'z'); it gets no category" \
        in r.stderr
    assert "1,770.5 (the median)" in " ".join(invoke("show", tmp_path / "m.json").stdout.split())
