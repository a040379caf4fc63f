"""The compiled epoch loop of the matrix engine (layered, fully connected networks) against its NumPy path.

Both run the same epochs from the same weights; the trajectories must agree to 1e-10 in float64
(weights, optimizer state, reported losses), for every activation, loss and optimizer, minibatches
with a short last batch, the full batch, and several restarts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronet as nn
from neuronet import initializers, losses, optimizers
from neuronet.engines import dense as dense_kernel
from neuronet.engines import MatrixEngine

TOL = 1e-10
# The NumPy path, then the compiled loop (its products in SciPy's BLAS)
VARIANTS = ("numpy", "compiled")


def data(N, n_in, n_out, seed, kind="real"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, n_in))
    if kind == "classes":
        Y = np.eye(n_out)[rng.integers(0, n_out, N)]
    elif kind == "binary":
        Y = (rng.random((N, n_out)) < 0.5).astype(float)
    else:
        Y = rng.normal(size=(N, n_out))
    return X, Y


def run_both(net, X, Y, loss="squared", optimizer="sgd", batch_size=4, R=3, epochs=4, step=0.05, seed=0,
             dtype=np.float64, **opt_options):
    S = net.structure
    lo = losses.get(loss)
    opt = optimizers.get(optimizer, **opt_options)
    X = np.ascontiguousarray(X, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    N = X.shape[0]
    bs = min(batch_size or N, N)
    n_batches = math.ceil(N / bs)
    rng = np.random.default_rng(seed)
    theta0 = initializers.draw(S, R, rng, "uniform", dtype=dtype)
    lr = rng.uniform(0.5, 1.5, size=R) * step
    perms = np.stack([np.random.default_rng(seed + k).permutation(N) for k in range(epochs)])
    factors = 1.0 / (1.0 + 0.1 * np.arange(epochs * n_batches).reshape(epochs, n_batches))
    runs = []
    for variant in VARIANTS:
        eng = MatrixEngine(S, lo, opt, dtype, compiled=variant != "numpy")
        assert eng.compiled == (variant != "numpy")
        theta = theta0.copy()
        state = opt.init_state(R, S.P, dtype, lr if opt.name == "rprop" else None)
        hist = eng.epochs(theta, state, X, Y, perms, bs, lr, factors, 3)
        runs.append((theta, state, hist))
    return runs


def assert_same(runs, tol=TOL, rtol=0.0):
    """The NumPy path's run against each compiled variant's."""
    assert len(runs) == len(VARIANTS)
    for other in runs[1:]:
        assert_pair(runs[0], other, tol, rtol)


def assert_pair(a, b, tol, rtol):
    (t_a, s_a, h_a), (t_b, s_b, h_b) = a, b
    assert np.all(np.abs(t_a - t_b) <= tol + rtol * np.maximum(np.abs(t_a), 1)), np.abs(t_a - t_b).max()
    for k in s_a:
        assert np.all(np.abs(s_a[k] - s_b[k]) <= tol + rtol * np.maximum(np.abs(s_a[k]), 1)), k
    assert np.all(np.abs(h_a - h_b) <= tol + rtol * np.maximum(np.abs(h_a), 1))


@pytest.mark.parametrize("optimizer, options, step", [("sgd", {}, 0.05), ("sgd", {"momentum": 0.9}, 0.05),
                                                       ("nesterov", {}, 0.05), ("adam", {}, 0.01)])
@pytest.mark.parametrize("batch_size", [1, 4, None])
def test_optimizers_and_batches_match_numpy(optimizer, options, step, batch_size):
    X, Y = data(11, 3, 2, seed=1)                       # 11 rows: batches of 4 leave a short last one
    net = nn.mlp([3, 5, 4, 2], hidden="tanh", seed=0)
    assert_same(run_both(net, X, Y, optimizer=optimizer, batch_size=batch_size, step=step, **options))


def test_rprop_full_batch_matches_numpy():
    X, Y = data(12, 2, 1, seed=2)
    net = nn.mlp([2, 4, 1], hidden="logistic", seed=0)
    assert_same(run_both(net, X, Y, optimizer="rprop", batch_size=None, step=0.01, epochs=6))


@pytest.mark.parametrize("hidden", ["identity", "logistic", "tanh", "relu", "leaky_relu", "softplus", "elu"])
def test_every_activation_matches_numpy(hidden):
    X, Y = data(10, 2, 1, seed=3)
    net = nn.mlp([2, 6, 3, 1], hidden=hidden, seed=1)
    assert_same(run_both(net, X, Y, batch_size=3, R=2))


@pytest.mark.parametrize("loss, kind, output", [("squared", "real", "identity"), ("absolute", "real", "identity"),
                                                ("huber", "real", "identity"), ("cross_entropy", "classes", "identity"),
                                                ("binary_cross_entropy", "binary", "identity")])
def test_every_loss_matches_numpy(loss, kind, output):
    X, Y = data(9, 3, 3, seed=4, kind=kind)
    net = nn.mlp([3, 4, 3], hidden="relu", output=output, seed=2)
    assert_same(run_both(net, X, Y, loss=loss, batch_size=4, optimizer="adam", step=0.01))


def test_float32_matches_to_float32_precision():
    X, Y = data(16, 4, 3, seed=5, kind="classes")
    net = nn.mlp([4, 8, 3], hidden="relu", seed=0, dtype="float32")
    runs = run_both(net, X, Y, loss="cross_entropy", optimizer="adam", step=0.01, batch_size=5, dtype=np.float32)
    assert runs[1][0].dtype == np.float32
    assert_same(runs, tol=1e-5, rtol=1e-4)


def test_only_plain_layered_networks_are_compiled():
    assert dense_kernel.plain_layers(nn.mlp([2, 3, 1]).structure) is not None
    g = nn.Graph()
    x, b = g.input(), g.bias()
    h, y = g.neuron("tanh"), g.output("identity")
    for i, j in [(x, h), (b, h), (h, y), (x, y), (b, y)]:            # a skip connection x → y
        g.connect(i, j)
    skip = g.build(seed=0)
    assert dense_kernel.plain_layers(skip.structure) is None
    eng = MatrixEngine(skip.structure, losses.get("squared"), optimizers.get("sgd"), np.float64)
    assert not eng.compiled                                            # … and trains on the NumPy path
    r = nn.train(skip, [[0.0], [1.0]], [0.0, 1.0], epochs=3, engine="matrix")
    assert np.isfinite(r.losses).all()


def test_train_uses_it_and_gives_the_numpy_result(monkeypatch):
    X, Y = data(40, 2, 1, seed=6)
    net = nn.mlp([2, 8, 1], hidden="tanh", seed=0)
    kw = dict(epochs=15, batch_size=8, restarts=3, seed=0, engine="matrix", optimizer="adam", step_size=0.01)
    fast = nn.train(net, X, Y, **kw)
    original = MatrixEngine.__init__
    monkeypatch.setattr(MatrixEngine, "__init__",
                        lambda self, *a, **k: original(self, *a, **{**k, "compiled": False}))
    slow = nn.train(net, X, Y, **kw)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast.history, slow.history, rtol=1e-10)


def test_read_only_data_trains_as_writeable_data_does_and_is_left_alone():
    X, Y = data(20, 2, 1, seed=7)
    X.flags.writeable = False
    Y.flags.writeable = False
    net = nn.mlp([2, 4, 1], hidden="tanh", seed=0)
    r = nn.train(net, X, Y, epochs=5, batch_size=4, engine="matrix", seed=0)
    w = X.copy()
    writeable = nn.train(net, w, Y.copy(), epochs=5, batch_size=4, engine="matrix", seed=0)
    np.testing.assert_array_equal(r.theta, writeable.theta)
    assert not X.flags.writeable


# Products of more than _LOOP_WORK multiply-adds go to BLAS: networks and batches wide enough for that,
# with SGD's update accumulated into the weights by gemm (β = 1), a one-neuron output level (its
# outer product fused with the δ pass below it), f(z) over z (relu) and a separate f(z) (softplus).
@pytest.mark.parametrize("optimizer, options, step", [("sgd", {}, 0.02), ("sgd", {"momentum": 0.9}, 0.01),
                                                       ("adam", {}, 0.005)])
@pytest.mark.parametrize("batch_size", [16, None])
@pytest.mark.parametrize("sizes, hidden, scale", [([12, 24, 20, 1], "relu", 1.0), ([10, 30, 17, 3], "softplus", 1.0),
                                                  ([8, 300, 1], "relu", 0.05),     # one-column products (gemv)
                                                  ([30, 1, 200, 2], "tanh", 0.2)])  # one-row ones, and k = 1
def test_blas_sized_layers_match_numpy(optimizer, options, step, batch_size, sizes, hidden, scale):
    assert dense_kernel._LOOP_WORK < 16 * max(a * b for a, b in zip(sizes, sizes[1:]))
    X, Y = data(40, sizes[0], sizes[-1], seed=8)          # 40 rows: batches of 16 leave a short last one
    net = nn.mlp(sizes, hidden=hidden, seed=3)
    runs = run_both(net, X, Y, optimizer=optimizer, batch_size=batch_size, R=2, step=step * scale, **options)
    assert np.all(np.abs(runs[0][0]) < 1e3) and np.isfinite(runs[0][2]).all()   # (a trajectory, not a blow-up)
    assert_same(runs)


@pytest.mark.parametrize("sizes", [[16, 40, 4], [8, 300, 1]])
def test_blas_sized_layers_in_float32(sizes):
    X, Y = data(48, sizes[0], sizes[-1], seed=9, kind="classes")
    net = nn.mlp(sizes, hidden="relu", seed=0, dtype="float32")
    runs = run_both(net, X, Y, loss="cross_entropy", optimizer="sgd", step=0.05, batch_size=16, dtype=np.float32)
    assert_same(runs, tol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("hidden, loss, kind", [("relu", "squared", "real"), ("logistic", "cross_entropy", "classes"),
                                                ("softplus", "huber", "real"), ("tanh", "binary_cross_entropy", "binary")])
def test_compiled_forward_and_loss_match_numpy(hidden, loss, kind, monkeypatch):
    """Large forward passes (loss before and after training, prediction) run the compiled loop's forward,
    in chunks of EVAL_ROWS rows; ŷ and the loss are NumPy's to rounding, for every restart."""
    from neuronet.engines import matrix

    monkeypatch.setattr(matrix, "EVAL_ROWS", 7)                 # 30 rows: chunks of 7 and a short last one
    X, Y = data(30, 9, 3, seed=10, kind=kind)
    net = nn.mlp([9, 40, 20, 3], hidden=hidden, seed=0)
    S = net.structure
    theta = initializers.draw(S, 3, np.random.default_rng(0), "uniform")
    fast = MatrixEngine(S, losses.get(loss), optimizers.get("sgd"), np.float64)
    slow = MatrixEngine(S, losses.get(loss), optimizers.get("sgd"), np.float64, compiled=False)
    monkeypatch.setattr(matrix, "EVAL_WORK", 1 << 62)
    assert fast.forward(theta, X) is not None and fast._layers is not None
    reference = slow.forward(theta, X)
    monkeypatch.setattr(matrix, "EVAL_WORK", 0)                 # every size compiled
    called = []
    monkeypatch.setattr(dense_kernel, "run_forward",
                        lambda *a, original=dense_kernel.run_forward: called.append(1) or original(*a))
    yhat = fast.forward(theta, X)
    assert called and yhat.shape == (3, 30, 3) and yhat.dtype == np.float64
    np.testing.assert_allclose(yhat, reference, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fast.loss(theta, X, Y), slow.loss(theta, X, Y), rtol=1e-12, atol=0)
    view = np.asfortranarray(X)                                  # not C-ordered: a C copy runs
    np.testing.assert_allclose(fast.forward(theta, view), reference, rtol=1e-12, atol=1e-13)


def test_blas_products_of_every_shape_and_reading_match_numpy():
    """_gemm through the column-major BLAS (_blas.LIBRARY's): transposed views, one-row and one-column
    products (gemv), padded rows, α and β, in both dtypes."""
    rng = np.random.default_rng(11)
    for dt in (np.float64, np.float32):
        scratch = (np.zeros(6, np.int64), np.zeros(2, dt), np.zeros(2, np.uint8))
        for m, k, n in [(7, 5, 3), (1, 6, 4), (6, 5, 1), (1, 3, 1), (9, 1, 4)]:
            for ta in (False, True):
                for tb in (False, True):
                    A = rng.normal(size=(k, m)).astype(dt).T if ta else rng.normal(size=(m, k)).astype(dt)
                    B = rng.normal(size=(n, k)).astype(dt).T if tb else rng.normal(size=(k, n)).astype(dt)
                    C0 = rng.normal(size=(m, n + 2)).astype(dt)     # rows padded: C is a view with a longer stride
                    C = C0.copy()
                    dense_kernel._gemm(A, B, C[:, :n], 0.5, -2.0, scratch)
                    want = 0.5 * (A.astype(np.float64) @ B.astype(np.float64)) - 2.0 * C0[:, :n]
                    tol = 1e-12 if dt == np.float64 else 1e-5
                    np.testing.assert_allclose(C[:, :n], want, rtol=tol, atol=tol, err_msg=f"{m, k, n, ta, tb, dt}")
                    np.testing.assert_array_equal(C[:, n:], C0[:, n:])     # the padding is left alone


BOTH_LIBRARIES = """
import sys, numpy as np, neuronet as nn
from neuronet.engines import _blas
rng = np.random.default_rng(3)
X = rng.normal(size=(64, 12)); Y = np.tanh(X[:, :2] @ rng.normal(size=(2, 1)))
net = nn.mlp([12, 24, 20, 1], hidden="tanh", seed=1)
r = nn.train(net, X, Y, optimizer="adam", step_size=0.01, epochs=5, batch_size=16, restarts=3, seed=2, engine="matrix")
np.save(sys.argv[1], r.theta)
print(_blas.LIBRARY)
"""


def test_numpy_and_scipy_blas_train_the_same(tmp_path):
    """The compiled loops call NumPy's bundled OpenBLAS where NumPy's wheel ships one (measured faster),
    else SciPy's: both train the same weights to rounding, and NEURONET_BLAS=scipy selects SciPy's."""
    import glob
    import os
    import subprocess
    import sys
    from pathlib import Path

    import neuronet

    script = tmp_path / "both.py"
    script.write_text(BOTH_LIBRARIES)
    env = {**os.environ, "PYTHONPATH": str(Path(neuronet.__file__).resolve().parents[1])}
    runs = {}
    for choice in ("", "scipy"):
        out = tmp_path / f"theta{choice}.npy"
        p = subprocess.run([sys.executable, str(script), str(out)], env={**env, "NEURONET_BLAS": choice},
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        runs[choice] = (p.stdout.split()[-1], np.load(out))
    ships = bool(glob.glob(os.path.dirname(np.__file__) + ".libs/libscipy_openblas64_*")
                 + glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "libscipy_openblas64_*")))
    assert runs[""][0] == ("numpy" if ships else "scipy") and runs["scipy"][0] == "scipy"
    np.testing.assert_allclose(runs[""][1], runs["scipy"][1], rtol=1e-10, atol=1e-12)
