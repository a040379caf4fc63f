"""A first run in seconds: what `neuronet train iris` imports and compiles, and that a cold numba cache
changes no result.

No timing here (benchmarks/bench_cold_start.py measures it): these tests pin the mechanisms. A small
job goes to the numpy engine by a rule that reads only the job's sizes, so the same command gives the
same model file with an empty numba cache and with a warm one; large jobs keep their compiled engines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronet as nn
from neuronet import DataError
from neuronet.engines import ENGINES, MatrixEngine, NumpyEngine, choice_costs, make_engine
from neuronet.model import losses, optimizers

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _env(cache: Path) -> dict:
    return {**os.environ, "NUMBA_CACHE_DIR": str(cache), "COLUMNS": "160", "PYTHONWARNINGS": "error",
            "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


def _neuronet(commands: list[list[str]], cache: Path) -> str:
    """Run the CLI's ``commands`` one after the other in one fresh process whose numba cache is ``cache``;
    returns the modules it loaded that would have cost a compile or a slow import."""
    code = ("import sys\n"
            "from neuronet.cli import main\n"
            f"for argv in {commands!r}:\n"
            "    try:\n"
            "        main(argv)\n"
            "    except SystemExit as e:\n"
            "        assert not e.code, (argv, e.code)\n"
            "heavy = sorted(m for m in ('numba', 'sklearn', 'scipy', 'matplotlib') if m in sys.modules)\n"
            "print('loaded:' + ','.join(heavy))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(cache),
                         timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def test_train_iris_gives_the_same_model_file_with_an_empty_and_a_warm_numba_cache(tmp_path):
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    cold, warm = tmp_path / "cold.json", tmp_path / "warm.json"
    # first run on this "machine": nothing cached
    loaded_cold = _neuronet([["train", "iris", "-o", str(cold), "--quiet"]], cache)
    # later runs: whatever the first one cached; and the everyday commands after training
    loaded_warm = _neuronet([["train", "iris", "-o", str(warm), "--quiet"], ["show", str(warm)],
                             ["predict", str(warm), "iris"], ["evaluate", str(warm), "iris"], ["data", "list"]],
                            cache)
    assert cold.read_bytes() == warm.read_bytes()
    # the mechanism: the small default run compiles nothing, and no command here imports a heavy module
    assert loaded_cold == loaded_warm == "loaded:"
    assert not any(cache.iterdir())
    assert nn.load(cold).info["training"]["engine"] == "numpy"


def _job(sizes, N, batch_size, R, epochs, hidden="tanh"):
    S = nn.mlp(sizes, hidden=hidden, seed=0).structure
    return S, min(batch_size or N, N), N, R, epochs


@pytest.mark.parametrize("job, small", [
    (_job([4, 16, 3], 120, 32, 4, 200), True),            # neuronet train iris (its defaults)
    (_job([13, 16, 3], 142, 32, 4, 200), True),           # neuronet train wine
    (_job([2, 2, 1], 4, None, 1, 500), True),             # the seed's XOR, one network, 500 epochs
    (_job([2, 2, 1], 4, None, 1, 5000), False),           # ... 5,000 epochs: ~0.4 s on NumPy, compile
    (_job([64, 64, 10], 1347, 32, 1, 50, "relu"), False),  # benchmarks: digits, Adam, batch 32
    (_job([2, 2, 1], 4, None, 1000, 2000, "logistic"), False),  # benchmarks: XOR, 1,000 restarts
    (_job([1, 2, 2, 1], 1000, 1, 1, 100, "logistic"), False),   # benchmarks: per-example SGD
    (_job([256, 512, 512, 1], 12800, 256, 1, 2, "relu"), False),  # benchmarks: throughput
])
def test_small_jobs_and_only_small_jobs_go_to_the_numpy_engine(job, small):
    assert choice_costs.small_job(*job) is small
    seconds = choice_costs.numpy_run_seconds(*job)
    assert (seconds <= choice_costs.SMALL_JOB_SECONDS) is small


def test_the_choice_reads_the_job_and_nothing_else():
    S, bs, N, R, epochs = _job([4, 16, 3], 120, 32, 4, 200)
    lo, opt = losses.get("cross_entropy"), optimizers.get("adam")
    assert type(make_engine("auto", S, lo, opt, np.float64, bs, N, R, epochs)) is NumpyEngine
    # ten times the epochs: the compiled path pays for itself
    assert not isinstance(make_engine("auto", S, lo, opt, np.float64, bs, N, R, 10 * epochs), NumpyEngine)
    # without the number of epochs, auto chooses among the compiled engines as before
    assert not isinstance(make_engine("auto", S, lo, opt, np.float64, bs, N, R), NumpyEngine)
    # asked for by name, each engine is what it says
    assert make_engine("numpy", S, lo, opt, np.float64, bs, N, R, 10**6).name == "numpy"
    eng = make_engine("matrix", S, lo, opt, np.float64, bs, N, R, 1)
    assert type(eng) is MatrixEngine and eng.compiled
    assert ENGINES == ("auto", "numpy", "matrix", "neuron")
    with pytest.raises(DataError, match="auto, numpy, matrix, neuron"):
        make_engine("fast", S, lo, opt, np.float64, bs, N, R, epochs)


def test_the_numpy_engine_is_the_matrix_engines_numpy_path_bit_for_bit():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((60, 3)), rng.integers(0, 2, 60)
    net = nn.mlp([3, 5, 2], hidden="tanh", seed=0)
    kw = dict(loss="cross_entropy", optimizer="adam", step_size=0.05, epochs=30, batch_size=16, restarts=3, seed=4)
    auto = nn.train(net, X, y, **kw)
    numpy = nn.train(net, X, y, engine="numpy", **kw)
    assert auto.engine == numpy.engine == auto.config["engine"] == "numpy"
    np.testing.assert_array_equal(auto.theta, numpy.theta)
    # and the compiled matrix engine reproduces it to rounding
    compiled = nn.train(net, X, y, engine="matrix", **kw)
    assert compiled.engine == "matrix"
    np.testing.assert_allclose(compiled.theta, numpy.theta, rtol=1e-7, atol=1e-9)
