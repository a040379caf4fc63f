"""numba's disk cache notices a change in any source file of the engine package.

numba stamps a cached function with its own file only, and compiles the helpers it calls into its
machine code; without the package-wide stamp of ``engines/_cache.py`` a change to a helper in
``kernels.py`` left ``neuron.py``'s cached kernel running the old arithmetic. Here, in fresh
processes with a cache folder of their own and a copy of the package: train once (compiles and
caches), once more (loads the cache), flip the sign of the squared loss's gradient in the copy's
``kernels.py``, train again: the new arithmetic runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

import neuronet
from neuronet.engines import _cache

SCRIPT = """
import json, numpy as np, neuronet as nn
from neuronet.engines import neuron
from neuronet.model import losses, optimizers
net = nn.mlp([2, 2, 1], seed=0)
eng = neuron.NeuronEngine(net.structure, losses.get("squared"), optimizers.get("sgd"), "float64")
theta = net.theta[None].copy()
X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
eng.epoch(theta, {}, X, Y, np.arange(2), 2, np.array([0.1]), np.ones(1), 0)
stats = neuron._serial_1.stats
print(json.dumps({"start": net.theta.tolist(), "theta": theta[0].tolist(), "file": neuron.__file__,
                  "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
"""


def _run(src: Path, cache: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": str(cache)}
    env.pop("NUMBA_DISABLE_JIT", None)
    res = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_a_changed_helper_in_another_file_is_recompiled(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(Path(neuronet.__file__).parent, src / "neuronet", ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "numba_cache"
    first = _run(src, cache)
    assert first["file"].startswith(str(src))                     # the copy ran, not the installed package
    assert first["misses"] >= 1 and first["hits"] == 0             # compiled, and written to the cache
    again = _run(src, cache)
    assert again["hits"] >= 1 and again["misses"] == 0             # the same sources: loaded from the cache
    assert again["theta"] == first["theta"]

    kernels = src / "neuronet" / "engines" / "kernels.py"
    text = kernels.read_text(encoding="utf-8")
    assert text.count("return r * r, two * (p - y)") == 1
    kernels.write_text(text.replace("return r * r, two * (p - y)", "return r * r, two * (y - p)"), encoding="utf-8")
    flipped = _run(src, cache)
    assert flipped["misses"] >= 1 and flipped["hits"] == 0         # neuron.py did not change, yet it recompiled
    start, before, after = (np.array(flipped["start"]), np.array(first["theta"]), np.array(flipped["theta"]))
    np.testing.assert_allclose(after - start, -(before - start), rtol=1e-12, atol=1e-15)   # the step went uphill
    assert np.abs(before - start).max() > 1e-3


def test_the_stamp_covers_every_source_file_of_the_package(tmp_path):
    pkg = tmp_path / "engines"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "b.py").write_text("y = 2\n")
    (pkg / "notes.txt").write_text("not source\n")
    first = _cache.source_stamp(str(pkg))
    (pkg / "notes.txt").write_text("changed, but not source\n")
    assert _cache.source_stamp(str(pkg)) == first
    (pkg / "b.py").write_text("y = 3\n")
    second = _cache.source_stamp(str(pkg))
    assert second != first
    (pkg / "c.py").write_text("")
    assert _cache.source_stamp(str(pkg)) != second


def test_the_locator_claims_the_engine_functions_only():
    from numba.core import caching

    from neuronet.engines import kernels

    impl = _cache._impl_class()
    assert impl._locator_classes[0] is _cache.PackageSourceLocator
    ours = _cache.PackageSourceLocator.from_function(kernels.exp64.py_func, kernels.__file__)
    assert ours is not None and ours.get_source_stamp()[0] == _cache.source_stamp()
    assert _cache.PackageSourceLocator.from_function(_run, __file__) is None
    assert issubclass(_cache.PackageSourceLocator, caching._CacheLocator)
