"""Restarts on a Dask cluster give the answer one call in one process gives, bit for bit.

One LocalCluster of two worker processes (one thread each) serves the whole module. A worker is
killed by the test itself, deterministically: a worker plugin ends its own process (``os._exit``)
when the task of chunk 0 starts executing, once (a marker file says it happened); Dask runs the
chunk again on a worker that lives.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import DataError, TrainingError

distributed = pytest.importorskip("distributed")

FIELDS = ("losses", "history", "epochs_run", "theta", "initial_theta", "val_losses", "val_history")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as c:
        yield c


def _data(n=48, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.sin(X @ np.array([1.0, -0.5, 0.3]))[:, None]


def assert_same(a, b):
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert (x is None) == (y is None), f
        if x is not None:
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f
    assert a.status == b.status and a.best == b.best and a.engine == b.engine
    assert np.array_equal(a.network.theta, b.network.theta)
    assert a.config == b.config and a.network.info == b.network.info
    assert a.optimizer_state["t"] == b.optimizer_state["t"]


@pytest.mark.parametrize("case", ["neuron-float64", "matrix-float32-validation-early-stopping",
                                  "adam-minibatch-relu-some-diverge"])
def test_restarts_on_two_workers_are_bit_identical_to_one_call(client, case):
    X, Y = _data()
    if case == "neuron-float64":
        net, kw = nn.mlp([3, 6, 1], hidden="tanh", seed=2), dict(engine="neuron", epochs=15)
    elif case.startswith("matrix"):
        net = nn.mlp([3, 6, 1], hidden="logistic", seed=2, dtype="float32")
        kw = dict(engine="matrix", epochs=40, validation_fraction=0.25, early_stopping=True, patience=3, step_size=0.2)
    else:
        net = nn.mlp([3, 5, 1], hidden="relu", seed=2)
        kw = dict(optimizer="adam", batch_size=8, epochs=20, step_size=np.geomspace(0.01, 20.0, 13),
                  validation_data=_data(16, seed=9))
    R = 13 if "diverge" in case else 11
    one = nn.train(net, X, Y, restarts=R, seed=5, **kw)
    for chunk_size in (None, 4, 5):
        assert_same(one, nn.train(net, X, Y, restarts=R, seed=5, client=client, chunk_size=chunk_size, **kw))
    if "diverge" in case:
        assert 0 < one.status.count("diverged") < R      # chunks mixing diverged and healthy restarts


@pytest.mark.parametrize("case", ["matrix-numpy-path-for-the-whole-run", "neuron-logistic-chunks-of-one"])
def test_a_chunk_takes_the_engine_paths_of_the_whole_run(client, case):
    """The matrix engine picks NumPy's stacked arrays for 100 restarts of a tiny network and its compiled
    loop for 25; the neuron engine runs one restart alone with the C library's exp. A chunk takes the
    whole run's choice, so the bits do not depend on the cut (they did, in the last place, before)."""
    X, Y = _data()
    if case.startswith("matrix"):
        net, R = nn.mlp([3, 8, 1], hidden="tanh", seed=5), 100
        kw = dict(engine="matrix", epochs=3, seed=7, validation_fraction=0.25, early_stopping=True, patience=1)
        sizes = (25, 33)
    else:
        net, R = nn.mlp([3, 6, 1], hidden="logistic", output="logistic", seed=5), 8
        kw = dict(engine="neuron", epochs=12, seed=3, validation_fraction=0.25, early_stopping=True, patience=2)
        Y = (Y > 0).astype(float)
        sizes = (1, 3)
    one = nn.train(net, X, Y, restarts=R, **kw)
    for chunk_size in sizes:
        assert_same(one, nn.train(net, X, Y, restarts=R, client=client, chunk_size=chunk_size, **kw))


def test_a_chunk_whose_restarts_all_diverge_is_merged_and_every_restart_diverging_raises_as_one_call(client):
    X, Y = _data()
    net = nn.mlp([3, 4, 1], hidden="tanh", seed=0)
    steps = np.array([0.05] * 4 + [500.0] * 4)            # chunk 1 (restarts 4-7) diverges entirely
    one = nn.train(net, X, Y, restarts=8, seed=1, step_size=steps, epochs=5, engine="matrix")
    assert_same(one, nn.train(net, X, Y, restarts=8, seed=1, step_size=steps, epochs=5, engine="matrix",
                              client=client, chunk_size=4))
    with pytest.raises(TrainingError) as local:
        nn.train(net, X, Y, restarts=6, seed=1, step_size=500.0, epochs=5, engine="matrix")
    with pytest.raises(TrainingError) as remote:
        nn.train(net, X, Y, restarts=6, seed=1, step_size=500.0, epochs=5, engine="matrix", client=client,
                 chunk_size=2)
    assert str(local.value) == str(remote.value)
    assert remote.value.result.status == ["diverged"] * 6


def test_seed_none_draws_one_seed_for_every_chunk(client):
    """(With a progress bar over the chunks, which changes nothing.)"""
    X, Y = _data()
    net = nn.mlp([3, 4, 1], hidden="tanh", seed=0)
    r = nn.train(net, X, Y, restarts=8, epochs=3, engine="matrix", client=client, chunk_size=2, progress=True)
    again = nn.train(net, X, Y, restarts=8, epochs=3, engine="matrix", seed=r.config["seed"])
    assert np.array_equal(r.theta, again.theta)


class _KillChunkZeroOnce(distributed.WorkerPlugin):
    """Ends its worker's process when the task of chunk 0 starts, the first time only."""

    name = "neuronet-kill-chunk-0"

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and str(key).startswith("neuronet-restarts-0-") and not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)


def test_a_worker_killed_mid_run_has_its_chunk_run_elsewhere_with_the_same_bits(client, tmp_path):
    X, Y = _data()
    net = nn.mlp([3, 6, 1], hidden="tanh", seed=3)
    kw = dict(restarts=8, seed=11, epochs=10, engine="matrix", validation_fraction=0.25)
    one = nn.train(net, X, Y, **kw)
    marker = tmp_path / "killed"
    before = set(client.scheduler_info()["workers"])
    client.register_plugin(_KillChunkZeroOnce(str(marker)))
    try:
        remote = nn.train(net, X, Y, client=client, chunk_size=2, **kw)
    finally:
        client.unregister_worker_plugin(_KillChunkZeroOnce.name)
    assert marker.exists(), "the plugin did not kill a worker"
    killed_pid = int(marker.read_text())
    assert killed_pid not in client.run(os.getpid).values()      # that process is gone
    assert_same(one, remote)
    client.wait_for_workers(2, timeout=60)                          # the nanny started a new one
    assert set(client.scheduler_info()["workers"]) != before


def test_what_a_cluster_cannot_do_is_said_plainly(client):
    X, Y = _data()
    net = nn.mlp([3, 2, 1], seed=0)
    with pytest.raises(DataError, match="does not take checkpoint="):
        nn.train(net, X, Y, restarts=2, client=client, checkpoint="ck.npz")
    with pytest.raises(DataError, match="must be a dask.distributed.Client"):
        nn.train(net, X, Y, restarts=2, client="tcp://127.0.0.1:1")
    with pytest.raises(DataError, match="chunk_size must be an integer"):
        nn.train(net, X, Y, restarts=2, client=client, chunk_size=0)
    with pytest.raises(DataError, match="chunk_size= cuts the restarts"):
        nn.train(net, X, Y, restarts=2, chunk_size=2)


def test_without_dask_installed_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)      # import distributed -> ImportError
    X, Y = _data()
    with pytest.raises(DataError, match=r"pip install 'neuronet\[distributed\]'"):
        nn.train(nn.mlp([3, 2, 1], seed=0), X, Y, restarts=2, client=object())


def test_plan_covers_every_restart_once_in_even_chunks():
    from neuronet.distributed import plan

    for R, threads, size in ((1, 2, None), (13, 2, None), (2000, 2, None), (10, 4, 3), (7, 100, None)):
        chunks = plan(R, threads, size)
        starts = [a for a, _ in chunks]
        assert starts == sorted(starts) and sum(n for _, n in chunks) == R
        assert all(a + n == b for (a, n), (b, _) in zip(chunks, chunks[1:]))
        if size is None:
            assert len(chunks) <= 4 * threads and (R < 4 or min(n for _, n in chunks) >= 4)
    assert len(plan(2000, 2)) == 8


def test_workers_start_warm(client):
    from neuronet.distributed import warm

    seconds = warm(client)
    assert set(seconds) == set(client.scheduler_info()["workers"]) and all(s >= 0 for s in seconds.values())


def test_scikit_learn_searches_on_the_cluster_through_joblib_match_the_local_ones(client):
    joblib = pytest.importorskip("joblib")
    from sklearn.model_selection import GridSearchCV, cross_val_score

    from neuronet.sklearn import NeuralNetClassifier, NeuralNetRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    clf = NeuralNetClassifier(hidden_layer_sizes=(4,), activation="tanh", epochs=5, restarts=2, random_state=0,
                              engine="matrix")
    grid = {"step_size": [0.01, 0.05]}
    local = GridSearchCV(clf, grid, cv=2).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(clf, grid, cv=2, n_jobs=-1).fit(X, y)
    assert np.array_equal(local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"])
    assert local.best_params_ == remote.best_params_
    reg = NeuralNetRegressor(hidden_layer_sizes=(4,), activation="tanh", epochs=5, restarts=2, random_state=0,
                             engine="matrix")
    yr = X[:, 0] - X[:, 1]
    here = cross_val_score(reg, X, yr, cv=2)
    with joblib.parallel_backend("dask"):
        there = cross_val_score(reg, X, yr, cv=2, n_jobs=-1)
    assert np.array_equal(here, there)


def test_a_sweep_on_the_cluster_gives_the_table_and_best_model_of_a_sweep_here(client, tmp_path):
    X, Y = _data()
    grid = {"hidden": [(3,), (5,)], "step_size": [0.02, 1e4]}          # two settings diverge: failed rows
    kw = dict(restarts=3, epochs=6, seed=2, engine="matrix", batch_size=8, validation_data=_data(12, seed=3))
    here, best_here = nn.sweep(X, Y, grid, **kw)
    rows = []
    there, best_there = nn.sweep(X, Y, grid, client=client, results=tmp_path / "s.csv", on_row=rows.append, **kw)
    cols = ["key", "best_val_loss", "median_val_loss", "best_train_loss", "diverged", "best_restart", "status",
            "reason"]
    assert here[cols].equals(there[cols]) and len(rows) == 4
    assert list(there["status"]) == ["ok", "failed", "ok", "failed"]
    assert np.array_equal(best_here.theta, best_there.theta)


def test_cli_sweep_on_an_existing_scheduler(client, tmp_path):
    from typer.testing import CliRunner

    from neuronet.cli import app

    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{a:.3f},{b:.3f},{'yes' if a * b > 0 else 'no'}" for a, b in rng.normal(size=(30, 2))]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    address = client.scheduler.address
    r = CliRunner().invoke(app, ["sweep", str(tmp_path / "d.csv"), "--target", "label", "--grid",
                                 "activation=tanh,relu", "--restarts", "2", "--epochs", "5", "--engine", "matrix",
                                 "--scheduler", address, "--out", str(tmp_path / "b.json"), "--results",
                                 str(tmp_path / "s.csv"), "-q"])
    assert r.exit_code == 0, r.output
    assert len(__import__("pandas").read_csv(tmp_path / "s.csv")) == 2 and (tmp_path / "b.json").exists()
