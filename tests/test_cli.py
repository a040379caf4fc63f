"""End-to-end tests of the command line: ``python -m neuronet …`` in subprocesses, on CSV files written here.

The expensive paths (train -> predict -> evaluate on CSV files, stdin, Ctrl-C and resume)
run in real subprocesses; the many cheap error cases run the same typer app in-process
with CliRunner, which checks the same exit codes and messages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app

ENV = {**os.environ, "COLUMNS": "160", "PYTHONWARNINGS": "error"}
FAST = ["--engine", "matrix"]


def neuronet(*args: str, cwd: Path, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m neuronet ARGS`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "neuronet", *args], cwd=cwd, input=input, capture_output=True,
                          text=True, env=ENV, timeout=timeout)


runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# -- data: an easy classification (numeric + text columns) and a smooth regression -----------
COLOURS = {"red": 1.0, "green": 0.0, "blue": -1.0}


def classification_rows(n: int, seed: int) -> tuple[list[list], list[str]]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    colours = rng.choice(list(COLOURS), size=n)
    score = X[:, 0] + X[:, 1] + 1.5 * np.array([COLOURS[c] for c in colours])
    keep = np.abs(score) > 0.3                                  # a margin: the classes are separable
    labels = np.where(score > 0, "yes", "no")
    rows = [[f"{a:.6f}", c, f"{b:.6f}", lab] for (a, b), c, lab, k in zip(X, colours, labels, keep) if k]
    return rows, [r[3] for r in rows]


def regression_rows(n: int, seed: int) -> tuple[list[list], np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = rng.uniform(-3, 3, n)
    x2 = rng.normal(size=n)
    kind = rng.choice(["a", "b"], size=n)
    y = 2 * np.sin(x1) + x2 + 1.5 * (kind == "b") + rng.normal(scale=0.05, size=n)
    return [[f"{a:.6f}", f"{b:.6f}", k, f"{t:.6f}"] for a, b, k, t in zip(x1, x2, kind, y)], y


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    rows, _ = classification_rows(240, 0)
    write_csv(d / "clf.csv", ["x1", "colour", "x2", "label"], rows)
    test_rows, truth = classification_rows(100, 1)
    write_csv(d / "clf_new.csv", ["x1", "colour", "x2"], [r[:3] for r in test_rows])
    (d / "clf_truth.json").write_text(json.dumps(truth))
    rows, _ = regression_rows(300, 2)
    write_csv(d / "reg.csv", ["x1", "x2", "kind", "y"], rows)
    rows, _ = regression_rows(100, 3)
    write_csv(d / "reg_test.csv", ["x1", "x2", "kind", "y"], rows)
    return d


@pytest.fixture(scope="module")
def clf_model(work) -> Path:
    """Trained once, in a subprocess, and used by the tests that need a classification model."""
    r = neuronet("train", "clf.csv", "--target", "label", "--hidden", "8", "--epochs", "60", "--batch-size", "16",
                 "--step-size", "0.02", "--restarts", "3", "--out", "clf.json", *FAST, cwd=work)
    assert r.returncode == 0, r.stderr
    work.joinpath("train_stdout.txt").write_text(r.stdout)
    return work / "clf.json"


# -- train -> predict -> evaluate ---------------------------------------------------------------
def test_classification_train_predict_evaluate(work, clf_model):
    out = work.joinpath("train_stdout.txt").read_text()
    # the table of restarts, best first, and the validation metrics
    for word in ("rank", "restart", "train loss", "val loss", "epochs", "status", "ran_out", "validation",
                 "accuracy", "classification into 2 classes", "saved clf.json"):
        assert word in out, (word, out)
    restarts, details = out.split("per class", 1)                      # then precision/recall/F1, confusion
    table = [[c.strip() for c in line.split("│")[1:-1]] for line in restarts.splitlines() if line.startswith("│")]
    assert [row[0] for row in table] == ["1", "2", "3"]                   # rank
    assert "balanced accuracy" in out and "confusion matrix" in details and "precision" in details
    assert sorted(row[1] for row in table) == ["0", "1", "2"]             # every restart once
    val = [float(row[3]) for row in table]
    assert val == sorted(val)                                           # best (lowest val loss) first

    # the preprocessing is inside the model file
    net = nn.load(clf_model)
    prep = net.info["preprocessing"]
    assert prep["target"] == "label" and prep["task"] == "classification" and prep["classes"] == ["no", "yes"]
    kinds = {f["name"]: f["kind"] for f in prep["features"]}
    assert kinds == {"x1": "numeric", "colour": "categorical", "x2": "numeric"}
    colour = next(f for f in prep["features"] if f["name"] == "colour")
    assert colour["categories"] == ["blue", "green", "red"]
    x1 = next(f for f in prep["features"] if f["name"] == "x1")
    assert abs(x1["mean"]) < 0.3 and 0.7 < x1["std"] < 1.3
    assert len(net.inputs) == 5 and len(net.outputs) == 2
    assert net.info["metrics"]["validation"]["accuracy"] >= 0.85

    # predict new rows (no target column, columns in another order is fine): good accuracy
    r = neuronet("predict", "clf.json", "clf_new.csv", cwd=work)
    assert r.returncode == 0, r.stderr
    pred = [row["predicted_label"] for row in read_csv(r.stdout)]
    truth = json.loads(work.joinpath("clf_truth.json").read_text())
    assert len(pred) == len(truth)
    accuracy = np.mean([p == t for p, t in zip(pred, truth)])
    assert accuracy >= 0.9, accuracy

    # --proba from stdin, to a file: one probability per class, summing to 1, argmax = label
    r = neuronet("predict", "clf.json", "-", "--proba", "--out", "proba.csv", cwd=work,
                 input=work.joinpath("clf_new.csv").read_text())
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert r.stderr == (f"wrote {len(truth)} predictions of 'label' to proba.csv: columns predicted_label, "
                        "probability_no, probability_yes\n")
    rows = read_csv(work.joinpath("proba.csv").read_text())
    assert list(rows[0]) == ["predicted_label", "probability_no", "probability_yes"]
    p = np.array([[float(row["probability_no"]), float(row["probability_yes"])] for row in rows])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert [["no", "yes"][k] for k in p.argmax(axis=1)] == pred

    # evaluate: accuracy and a confusion matrix, as text and as JSON
    r = invoke("evaluate", str(clf_model), str(work / "clf.csv"), "--json")
    assert r.exit_code == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["accuracy"] >= 0.9 and m["labels"] == ["no", "yes"]
    cm = np.array(m["confusion"])
    assert cm.sum() == m["rows"] == len(read_csv(work.joinpath("clf.csv").read_text()))
    assert np.trace(cm) / cm.sum() == pytest.approx(m["accuracy"])
    r = invoke("evaluate", str(clf_model), str(work / "clf.csv"))
    assert r.exit_code == 0 and "confusion matrix" in r.stdout and "accuracy" in r.stdout


def test_regression_train_evaluate_predict(work):
    r = neuronet("train", "reg.csv", "--target", "y", "--hidden", "16", "--epochs", "150", "--batch-size", "16",
                 "--restarts", "2", "--out", "reg.safetensors", *FAST, cwd=work)
    assert r.returncode == 0, r.stderr
    assert "regression" in r.stdout and "RMSE" in r.stdout and "R²" in r.stdout
    net = nn.load(work / "reg.safetensors")
    prep = net.info["preprocessing"]
    assert prep["task"] == "regression" and prep["loss"] == "squared"
    assert prep["target_std"] > 1 and len(net.outputs) == 1

    # evaluate on new rows, in the target's own units
    r = neuronet("evaluate", "reg.safetensors", "reg_test.csv", "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["r2"] >= 0.9 and m["rmse"] < 0.6 and m["mae"] <= m["rmse"]

    # predictions are in the target's units (the scaling is undone): close to the truth
    r = invoke("predict", str(work / "reg.safetensors"), str(work / "reg_test.csv"))
    assert r.exit_code == 0, r.stderr
    pred = np.array([float(row["predicted_y"]) for row in read_csv(r.stdout)])
    truth = np.array([float(row["y"]) for row in read_csv(work.joinpath("reg_test.csv").read_text())])
    assert np.sqrt(np.mean((pred - truth) ** 2)) == pytest.approx(m["rmse"], rel=1e-6)


def test_builtin_data_sets_and_show(work, tmp_path):
    assert invoke("--version").stdout == f"neuronet {nn.__version__}\n"
    r = invoke("data", "list")
    assert r.exit_code == 0, r.stderr
    for name in ("xor", "iris", "wine", "breast_cancer", "digits", "diabetes", "moons", "circles", "spirals",
                 "sine", "symmetry"):
        assert name in r.stdout
    assert "150" in r.stdout and "classification" in r.stdout and "regression" in r.stdout

    r = invoke("data", "show", "xor")
    assert r.exit_code == 0
    assert read_csv(r.stdout) == [{"x1": "0.0", "x2": "0.0", "xor": "0"}, {"x1": "0.0", "x2": "1.0", "xor": "1"},
                                  {"x1": "1.0", "x2": "0.0", "xor": "1"}, {"x1": "1.0", "x2": "1.0", "xor": "0"}]
    r = invoke("data", "show", "iris", "--out", str(tmp_path / "iris.csv"))
    assert r.exit_code == 0 and len(read_csv((tmp_path / "iris.csv").read_text())) == 150

    # a built-in data set needs no --target; the model predicts class names
    model = str(tmp_path / "iris.json")
    r = invoke("train", "iris", "--out", model, "--epochs", "100", *FAST)
    assert r.exit_code == 0, r.stderr
    assert "species" in r.stdout and "as the data set defines it" in r.stdout
    r = invoke("evaluate", model, "iris", "--json")
    assert json.loads(r.stdout)["accuracy"] >= 0.9
    # the same rows from a CSV file give the same predictions as the built-in name
    a, b = invoke("predict", model, "iris"), invoke("predict", model, str(tmp_path / "iris.csv"))
    assert a.stdout == b.stdout and set(row["predicted_species"] for row in read_csv(a.stdout)) == {
        "setosa", "versicolor", "virginica"}

    r = invoke("show", model)
    assert r.exit_code == 0, r.stderr
    for word in ("4-16-3", "tanh", "4 input", "16 hidden", "3 output", "2 bias", "131 edges", "layer 2",
                 "species", "setosa", "petal_length_cm", "numeric", "adam", "validation"):
        assert word in r.stdout, (word, r.stdout)
    r = invoke("show", model, "--json")
    d = json.loads(r.stdout)
    assert d["edges"] == 131 and d["hidden_neurons"] == 16 and d["info"]["preprocessing"]["target"] == "species"


def test_show_draw_and_export(work, clf_model, tmp_path):
    r = invoke("show", str(clf_model), "--draw", str(tmp_path / "net.png"))
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG"
    assert "one-hot: blue, green, red" in r.stdout

    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    r = invoke("export", str(clf_model), str(tmp_path / "clf.onnx"), "--network-only")
    assert r.exit_code == 0, r.stderr
    net = nn.load(clf_model)
    sess = ort.InferenceSession(str(tmp_path / "clf.onnx"))
    X = np.random.default_rng(0).normal(size=(5, 5))
    got = sess.run(None, {sess.get_inputs()[0].name: X.astype(np.float64)})[0]
    np.testing.assert_allclose(got, net.forward(X), rtol=1e-9, atol=1e-12)


def test_explain_running_example_and_a_model_row(clf_model):
    r = invoke("explain")
    assert r.exit_code == 0, r.stderr
    assert "0.1587" in r.stdout and "0.1625" in r.stdout      # L and δ_4 of the seed's running example
    r = invoke("explain", str(clf_model), "--data", str(clf_model.parent / "clf.csv"), "--row", "2", "--json")
    assert r.exit_code == 0, r.stderr
    e = json.loads(r.stdout)
    x = tabular_row(clf_model, 2)
    np.testing.assert_allclose(e["x"], x)
    r = invoke("explain", str(clf_model), "--data", str(clf_model.parent / "clf.csv"), "--row", "9999")
    assert r.exit_code == 1 and "--row 9999 is past the end" in r.stderr


def tabular_row(model: Path, b: int) -> np.ndarray:
    from neuronet import tabular

    net = nn.load(model)
    prep = tabular.Preprocessing.of(net)
    return prep.transform(tabular.read_csv(model.parent / "clf.csv"))[b]


# -- errors: one message naming file, line and column; exit code 1 (2 for usage) -----------------
def error(r, code: int = 1) -> str:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr, r.exception)
    assert "Traceback" not in r.stderr
    if code == 1:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return r.stderr


def test_errors_in_csv_files(tmp_path):
    d = tmp_path
    rows = [[i, i % 3, i * 2, i % 2, "a" if i % 2 else "b"] for i in range(6)]
    write_csv(d / "ok.csv", ["a", "b", "c", "d", "y"], rows)
    (d / "fields.csv").write_text("a,b,c,d,y\n1,2,3,4,a\n1,2,3,4,b\n\"x,\ny\",2,3,4,a\n1,2,3,4,b\n1,2,3,4,a\n"
                                  "1,2,3,b\n")
    assert "fields.csv, line 8: expected 5 fields (as in the header), found 4" in error(
        invoke("train", str(d / "fields.csv"), "--target", "y"))
    (d / "inf.csv").write_text("a,b,y\n1,2,a\n-inf,1,b\n")
    assert "inf.csv, column 'a': 1 cell is not a finite number: line 3 '-inf'" in error(
        invoke("train", str(d / "inf.csv"), "-t", "y"))
    (d / "empty.csv").write_text("")
    assert "empty.csv is empty" in error(invoke("train", str(d / "empty.csv"), "-t", "y"))
    (d / "header.csv").write_text("a,b,y\n\n")
    assert "header.csv has a header (line 1) but no data rows" in error(invoke("train", str(d / "header.csv"),
                                                                               "-t", "y"))
    msg = error(invoke("train", str(d / "ok.csv"), "--target", "z"))
    assert "has no target column 'z'" in msg and "Its columns are: a, b, c, d, y" in msg
    (d / "one.csv").write_text("a,y\n1,same\n2,same\n")
    assert "has only one class ('same')" in error(invoke("train", str(d / "one.csv"), "-t", "y"))
    (d / "typo.csv").write_text("a,b,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(9)) + "1.2.3,1,0\n")
    msg = error(invoke("train", str(d / "typo.csv"), "-t", "y"))
    assert "typo.csv, column 'a': 1 cell is not a number: line 11 '1.2.3'" in msg and "--categorical a" in msg
    assert "neither a file nor a built-in data set" in error(invoke("train", str(d / "nope.csv")))
    assert "Did you mean the data set 'iris'?" in error(invoke("train", "irsi"))
    assert "classification loss" in error(invoke("train", str(d / "ok.csv"), "-t", "c", "--task", "regression",
                                                 "--loss", "cross_entropy"))


def test_errors_at_predict_time(work, clf_model, tmp_path):
    d = tmp_path
    model = str(clf_model)
    (d / "text.csv").write_text("x1,colour,x2\n0.5,red,1\n0.1,blue,oops\n")
    assert "text.csv, column 'x2': 1 cell is not a number: line 3 'oops'" in error(
        invoke("predict", model, str(d / "text.csv")))
    (d / "missing.csv").write_text("x1,shade\n0.5,red\n")
    msg = error(invoke("predict", model, str(d / "missing.csv")))
    assert "lacks the columns 'colour', 'x2'" in msg and "needs: x1, colour, x2" in msg
    assert "has no target column 'label'" in error(invoke("evaluate", model, str(work / "clf_new.csv")))
    (d / "bad.json").write_text("this is not a model")
    assert "Cannot load model file" in error(invoke("predict", str(d / "bad.json"), str(work / "clf_new.csv")))
    assert "no such file" in error(invoke("show", str(d / "absent.json")))
    # a network saved from Python has no preprocessing: the command line says so
    nn.mlp([2, 2, 1], seed=0).save(d / "plain.json")
    assert "no preprocessing record" in error(invoke("predict", str(d / "plain.json"), "xor"))
    assert "cannot write" in error(invoke("predict", model, str(work / "clf_new.csv"), "--out",
                                          str(d / "no" / "p.csv"))).lower()
    # the seed's squared loss on one-hot targets: labels yes, probabilities no
    sq = str(d / "sq.json")
    r = invoke("train", "xor", "--loss", "squared", "--hidden", "4", "--epochs", "5", "--out", sq, *FAST)
    assert r.exit_code == 0 and "no validation rows" in r.stdout, r.stderr
    assert nn.load(sq).info["preprocessing"]["loss"] == "squared"
    assert len(read_csv(invoke("predict", sq, "xor").stdout)) == 4
    assert "whose outputs are not probabilities" in error(invoke("predict", sq, "xor", "--proba"))
    sine = str(d / "sine.json")
    assert invoke("train", "sine", "--epochs", "2", "--out", sine, *FAST).exit_code == 0
    assert "--proba needs a classification model" in error(invoke("predict", sine, "sine", "--proba"))


def test_output_paths_are_checked_before_training(work, tmp_path):
    ck = tmp_path / "ck.npz"
    msg = error(invoke("train", str(work / "clf.csv"), "-t", "label", "--out", str(tmp_path / "missing" / "m.json"),
                       "--checkpoint", str(ck)))
    assert "Cannot write the model" in msg and "does not exist" in msg
    assert not ck.exists()
    (tmp_path / "dir.json").mkdir()
    assert "it is a folder" in error(invoke("train", "xor", "--out", str(tmp_path / "dir.json")))
    assert "must end in .json or .safetensors" in error(invoke("train", "xor", "--out", str(tmp_path / "m.txt")))
    assert "Cannot write the report" in error(invoke("train", "xor", "--out", str(tmp_path / "m.json"),
                                                     "--report", str(tmp_path / "no" / "r.html")))
    assert not (tmp_path / "m.json").exists()


def test_usage_errors_exit_2(work):
    for args in (["train", "xor", "--hidden", "8,x"], ["train", "xor", "--task", "clustering"],
                 ["train", "xor", "--activation", "sine"], ["train", "xor", "--optimizer", "lbfgs"],
                 ["train", "xor", "--schedule", "sometimes"], ["train", "xor", "--epochs", "0"],
                 ["train", "xor", "--step-size", "-1"], ["train", "xor", "--no-such-option"], ["predict"]):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr


def test_errors_in_a_real_process_have_no_traceback(tmp_path):
    (tmp_path / "cell.csv").write_text("a,b,y\n1,2,a\n1,,b\n")
    r = neuronet("train", "cell.csv", "--target", "y", "--missing", "error", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == ("error: cell.csv, column 'b': 1 cell is empty or missing: line 3. Fill them in, or leave out "
                        "--missing error to impute them.\n")
    r = neuronet("train", "xor", "--hidden", "x", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--hidden" in r.stderr


# -- Ctrl-C: the checkpoint stays valid and the message says how to resume ----------------------
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_keeps_the_checkpoint_and_resume_completes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    write_csv(tmp_path / "small.csv", ["a", "b", "y"], [[f"{a:.5f}", f"{b:.5f}", int(a + b > 0)] for a, b in X])
    args = ["train", "small.csv", "-t", "y", "--hidden", "4", "--batch-size", "0", "--epochs", "3000",
            "--checkpoint", "ck.npz", "--checkpoint-every", "200", "--restarts", "2", "--out", "small.json",
            "--no-early-stopping", *FAST]
    # Ctrl-C arrives at a known point, not after a race with the clock: the process sends SIGINT to itself
    # right after the checkpoint of epoch 400 is written, and Python raises KeyboardInterrupt there.
    (tmp_path / "ctrl_c.py").write_text(
        "import os, signal, sys\n"
        "from neuronet.training import loop\n"
        "save = loop._Checkpoints.save\n"
        "def save_then_ctrl_c(self, run):\n"
        "    save(self, run)\n"
        "    if run.epoch == 400:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "loop._Checkpoints.save = save_then_ctrl_c\n"
        "from neuronet.cli import main\n"
        "main(sys.argv[1:])\n")
    p = subprocess.run([sys.executable, "ctrl_c.py", *args], cwd=tmp_path, capture_output=True, text=True, env=ENV,
                       timeout=300)
    out, err = p.stdout, p.stderr
    ck = tmp_path / "ck.npz"
    assert p.returncode == 130, (out, err)
    assert "Traceback" not in err and "interrupted" in err and "--resume" in err
    assert not (tmp_path / "small.json").exists()                     # nothing half-done was written

    # the checkpoint is a valid, loadable file at a checkpoint epoch
    with np.load(ck, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        assert z["theta"].shape[0] == 2
    assert meta["epoch"] == 400

    # the printed command resumes and finishes
    hint = err.strip().splitlines()[-1].strip()
    words = shlex.split(hint)
    assert words[:2] == ["neuronet", "train"] and words[words.index("--resume") + 1] == "ck.npz"
    r = neuronet(*words[1:], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    net = nn.load(tmp_path / "small.json")
    assert net.info["training"]["epochs"] == 3000
    assert "3000" in r.stdout and "ran_out" in r.stdout


def test_report_and_demo(tmp_path):
    r = invoke("train", "sine", "--epochs", "20", "--out", str(tmp_path / "sine.json"), "--report",
               str(tmp_path / "run.html"), *FAST)
    assert r.exit_code == 0, r.stderr
    page = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "sine" in page and "data:image/png;base64," in page
    r = invoke("demo", "boolean")
    assert r.exit_code == 0, r.stderr
    assert "boolean function" in r.stdout.lower()
    assert invoke("demo", "nope").exit_code == 2
    assert "is not a folder" in error(invoke("demo", "boolean", "--out", str(tmp_path / "missing")))


def test_explain_row_without_a_model_is_a_usage_error():
    result = invoke("explain", "--row", "3")
    assert result.exit_code == 2
    assert "give MODEL too" in result.output
