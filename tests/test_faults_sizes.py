"""Group 6: sizes are checked before allocation.

What a call needs is estimated before anything is allocated and compared with the memory
available (MemAvailable); what does not fit is refused in one line saying how much it needs and
what to reduce. The available memory is pinned here (monkeypatched) so the tests do not depend on
the machine, except for sizes no machine has.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet import _memory
from neuronet.cli import app
from neuronet.errors import DataError, GraphError

GB = 10**9


@pytest.fixture
def one_gb(monkeypatch):
    monkeypatch.setattr(_memory, "available", lambda: GB)


def test_a_layer_of_a_million_by_a_million_is_refused_before_building_anything():
    with pytest.raises(GraphError, match=r"mlp\(\[1000000, 1000000, 1\]\) would need about .* TB of memory .* "
                                         r"Reduce the layer sizes"):
        nn.mlp([10**6, 10**6, 1])


def test_mlp_under_a_memory_limit(one_gb):
    with pytest.raises(GraphError, match="1e\\+02 GB|100 GB"):            # 2.5e8 weights × 400 bytes
        nn.mlp([5000, 50000, 1])
    assert nn.mlp([20, 30, 2]).structure.P == 21 * 30 + 31 * 2               # small ones are untouched


def test_a_million_restarts_are_refused_naming_what_to_reduce():
    X = np.zeros((8, 64))
    net = nn.mlp([64, 256, 256, 10], hidden="relu", seed=0)
    with pytest.raises(DataError, match=r"Training would need about .* TB of memory \(1,000,000 restarts × "
                                        r"\(85,002 parameters.*Reduce the restarts, the epochs"):
        nn.train(net, X, np.zeros(8, dtype=int), loss="cross_entropy", restarts=10**6)


def test_a_history_of_a_billion_epochs_is_refused(one_gb):
    net = nn.mlp([2, 2, 1], seed=0)
    with pytest.raises(DataError, match="history of 1,000,000,000 epochs"):
        nn.train(net, np.zeros((4, 2)), np.zeros(4), epochs=10**9)


def test_what_fits_trains(one_gb):
    r = nn.train(nn.mlp([2, 2, 1], seed=0), np.zeros((4, 2)), np.zeros(4), epochs=3, restarts=4)
    assert r.history.shape == (4, 3)


@pytest.mark.parametrize("args, reduce", [
    (["--restarts", "1000000", "--hidden", "256,256"], "restarts"),
    (["--epochs", "1000000000"], "epochs"),
    (["--hidden", "100000,100000"], "layer sizes"),
])
def test_cli_refuses_in_one_line(tmp_path, one_gb, args, reduce):
    r = CliRunner().invoke(app, ["train", "iris", "--out", str(tmp_path / "m.json"), *args])
    assert r.exit_code == 1 and "Traceback" not in r.output and "MemoryError" not in r.output, r.output
    assert "of memory" in r.output and reduce in r.output and len(r.output.strip().splitlines()) == 1


def test_available_memory_is_read_from_the_system():
    free = _memory.available()
    assert free is None or free > 0


def test_a_memory_error_the_estimate_missed_is_still_one_line(tmp_path, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(nn, "train", no_memory)
    r = CliRunner().invoke(app, ["train", "iris", "--out", str(tmp_path / "m.json")])
    assert r.exit_code == 1 and r.output.startswith("error: out of memory") and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
