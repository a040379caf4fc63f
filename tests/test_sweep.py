"""Sweeps in this process: the table, the best model, failing settings, resuming a stopped sweep, the CLI.

(The same sweep on a Dask cluster is tested in test_distributed.py, beside its cluster.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.errors import DataError, TrainingError

pd = pytest.importorskip("pandas")

GRID = {"hidden": [(3,), (4, 2)], "activation": ["tanh", "relu"], "step_size": [0.02, 0.1]}
KW = dict(restarts=3, epochs=8, seed=4, engine="matrix", batch_size=8)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def test_sweep_table_has_a_row_per_setting_and_the_best_model_is_that_setting_trained_alone():
    X, Y = _data()
    val = _data(12, seed=1)
    table, best = nn.sweep(X, Y, GRID, validation_data=val, **KW)
    assert len(table) == 8 and list(table["setting"]) == list(range(8))
    for col in ("hidden", "activation", "step_size", "best_val_loss", "median_val_loss", "best_train_loss",
                "median_train_loss", "diverged", "seconds", "status", "reason"):
        assert col in table.columns
    assert (table["status"] == "ok").all() and (table["best_val_loss"] <= table["median_val_loss"]).all()
    i = int(table["best_val_loss"].idxmin())
    row = table.iloc[i]
    assert best.info["sweep"]["key"] == row["key"]
    hidden = tuple(int(s) for s in row["hidden"].split("x"))
    alone = nn.train(nn.mlp([2, *hidden, 1], hidden=row["activation"], seed=4), X, Y, restarts=3, epochs=8, seed=4,
                     engine="matrix", batch_size=8, step_size=float(row["step_size"]), validation_data=val)
    assert np.array_equal(alone.network.theta, best.theta)
    assert alone.val_losses.min() == row["best_val_loss"]


def test_a_failing_setting_is_a_row_with_its_reason_and_the_sweep_goes_on():
    X, Y = _data()
    table, best = nn.sweep(X, Y, {"step_size": [1e4, 0.05], "optimizer": ["sgd", "rprop"]}, **KW)
    by = {(r.step_size, r.optimizer): r for r in table.itertuples()}
    diverged = by[("10000.0", "sgd")]
    assert diverged.status == "failed" and "Every restart diverged" in diverged.reason and diverged.diverged == 3
    assert by[("0.05", "rprop")].status == "failed" and "rprop works on the full batch" in by[("0.05", "rprop")].reason
    assert by[("0.05", "sgd")].status == "ok"
    assert best.info["sweep"]["setting"] == {"step_size": "0.05", "optimizer": "sgd"}
    with pytest.raises(TrainingError, match="Every setting of the sweep failed"):
        nn.sweep(X, Y, {"step_size": [1e4]}, **KW)


def test_a_stopped_sweep_resumes_from_its_results_file_and_ends_as_one_run(tmp_path):
    X, Y = _data()
    whole, best_whole = nn.sweep(X, Y, GRID, **KW)
    path = tmp_path / "sweep.csv"
    seen = []

    def stop_after_three(row):
        seen.append(row["setting"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        nn.sweep(X, Y, GRID, results=path, on_row=stop_after_three, **KW)
    assert len(pd.read_csv(path)) == 3                          # the finished part, written as it grew
    ran = []
    table, best = nn.sweep(X, Y, GRID, results=path, on_row=lambda r: ran.append(r["setting"]), **KW)
    assert sorted(ran) == [s for s in range(8) if s not in seen]
    cols = ["key", "best_train_loss", "median_train_loss", "diverged", "best_restart", "status"]
    assert table[cols].equals(whole[cols]) and pd.read_csv(path)[cols].equals(whole[cols])
    assert np.array_equal(best.theta, best_whole.theta)
    with pytest.raises(DataError, match="restarts=3, this sweep has restarts=4"):
        nn.sweep(X, Y, GRID, results=path, **{**KW, "restarts": 4})
    with pytest.raises(DataError, match="other data"):
        nn.sweep(X + 1, Y, GRID, results=path, **KW)


def test_grid_and_arguments_are_checked():
    X, Y = _data()
    with pytest.raises(DataError, match="grid keys must be among"):
        nn.sweep(X, Y, {"width": [3]})
    with pytest.raises(DataError, match="takes restarts as its own argument|restarts must be"):
        nn.sweep(X, Y, GRID, restarts=0)
    from neuronet.distributed import expand_grid

    assert expand_grid({"step-size": [0.1, 0.2], "activation": "tanh"}) == [
        {"step_size": 0.1, "activation": "tanh"}, {"step_size": 0.2, "activation": "tanh"}]


# -- the command line --------------------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2))
    rows = ["a,b,y"] + [f"{a:.4f},{b:.4f},{a - 2 * b:.4f}" for a, b in X]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_cli_sweep_writes_the_table_and_a_model_that_predicts(csv_file, tmp_path):
    out, res = tmp_path / "best.json", tmp_path / "sweep.csv"
    r = runner.invoke(app, ["sweep", str(csv_file), "--target", "y", "--grid", "hidden=3,4x2;step-size=0.01,0.05",
                            "--restarts", "2", "--epochs", "10", "--engine", "matrix", "--out", str(out),
                            "--results", str(res)], env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    assert "4 settings, best first" in r.output and f"saved {out}" in r.output
    table = pd.read_csv(res)
    assert len(table) == 4 and set(table["hidden"].astype(str)) == {"3", "4x2"}
    pred = runner.invoke(app, ["predict", str(out), str(csv_file)])
    assert pred.exit_code == 0 and len(pred.stdout.strip().splitlines()) == 41     # a header and 40 rows
    assert nn.load(out).info["sweep"]["key"] in set(table["key"])


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_cli_sweep_refuses_a_results_path_that_is_not_a_regular_file(csv_file, tmp_path, kind):
    """A FIFO would block the resume read forever and /dev/zero would be read without end: refused at once."""
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        res = tmp_path / "fifo.csv"
        os.mkfifo(res)
    else:
        res = Path(os.devnull)
    for resume in ("--resume", "--fresh"):
        r = runner.invoke(app, ["sweep", str(csv_file), "--target", "y", "--grid", "hidden=3", "--restarts", "1",
                                "--epochs", "2", "--engine", "matrix", "--out", str(tmp_path / "b.json"),
                                "--results", str(res), resume])
        assert r.exit_code != 0 and "not a regular file" in r.output and "Traceback" not in r.output, r.output
        assert not (tmp_path / "b.json").exists()


@pytest.mark.parametrize("grid, message", [("width=3", "each part of --grid is name=value"),
                                           ("step-size=0.1,x", "step-size in --grid must be a positive number"),
                                           ("activation=tanh,nope", "nope"), ("hidden=3;hidden=4", "twice")])
def test_cli_sweep_bad_grid_is_a_usage_error(csv_file, grid, message):
    r = runner.invoke(app, ["sweep", str(csv_file), "--target", "y", "--grid", grid])
    assert r.exit_code == 2 and message in r.output


def test_cli_sweep_on_workers_without_dask_names_the_extra(csv_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    r = runner.invoke(app, ["sweep", str(csv_file), "--target", "y", "--grid", "hidden=3", "--workers", "2",
                            "--out", str(tmp_path / "b.json"), "--results", str(tmp_path / "s.csv")])
    assert r.exit_code == 1 and "pip install 'neuronet[distributed]'" in r.output


KILL_AFTER_TWO = """
import os, sys
import neuronet.distributed.sweeps as s
real = s.sweep
def sweep(*args, **kwargs):
    done = []
    def on_row(row):
        done.append(row)
        if len(done) == 2:
            os._exit(9)                      # the driver dies on the spot: no cleanup, no exception
    return real(*args, on_row=on_row, **kwargs)
s.sweep = sweep
from neuronet.cli import main
main(sys.argv[1:])
"""


def test_cli_sweep_killed_driver_then_rerun_skips_the_finished_settings(csv_file, tmp_path):
    args = ["sweep", str(csv_file), "--target", "y", "--grid", "hidden=2,3;step-size=0.01,0.05", "--restarts", "2",
            "--epochs", "5", "--engine", "matrix", "--out", str(tmp_path / "best.json"), "--results",
            str(tmp_path / "sweep.csv"), "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(nn.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_TWO, *args], env=env, capture_output=True, text=True,
                            timeout=300)
    assert killed.returncode == 9, killed.stderr
    first = pd.read_csv(tmp_path / "sweep.csv")
    assert len(first) == 2 and not (tmp_path / "best.json").exists()
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert len(table) == 4
    kept = table.set_index("key").loc[first["key"], "seconds"].to_numpy()
    assert np.array_equal(kept, first["seconds"].to_numpy())        # not run again: their rows are as written
    assert (tmp_path / "best.json").exists()
