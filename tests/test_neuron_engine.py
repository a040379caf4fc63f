"""The compiled neuron engine against the matrix engine: same trajectories, to rounding error.

The reference is the matrix engine's math, batch by batch, exactly as training uses it:
``backprop.loss_and_gradient`` then ``Optimizer.step``. Both engines run several epochs from the
same weights and must agree to 1e-10 in float64 (weights, optimizer state, reported losses).

Numba compiles one kernel per dtype (float64 here, float32 in one test); the first run on a
machine pays that once, later runs load it from the disk cache.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronet as nn
from neuronet import activations, initializers, losses, optimizers
from neuronet.engines import kernels, neuron as neuron_engine
from neuronet.model import backprop
from neuronet.errors import DataError
from neuronet.engines.neuron import NeuronEngine, supports

TOL = 1e-10


# -- the reference: the matrix engine's math, one batch at a time ---------------------------------
def matrix_epoch(S, loss, opt, theta, state, X, Y, perm, batch_size, lr, factors, t0):
    """One epoch with backprop.loss_and_gradient + Optimizer.step (what training does per batch)."""
    N = X.shape[0]
    n_batches = math.ceil(N / batch_size)
    total = np.zeros(theta.shape[0])
    for b in range(n_batches):
        rows = perm[b * batch_size:(b + 1) * batch_size]
        value, grad, _ = backprop.loss_and_gradient(S, theta, X[rows], Y[rows], loss)
        total += value
        opt.step(theta, grad, state, (lr[:, None] * factors[b]).astype(theta.dtype), t0 + b)
    return total / n_batches


def run_both(net, X, Y, loss="squared", optimizer="sgd", batch_size=None, R=3, epochs=8, step=0.1, seed=0,
             dtype=np.float64, schedule=None, **opt_options):
    """Train R restarts with both engines from the same weights; return both (theta, state, history)."""
    S = net.structure
    lo = losses.get(loss)
    opt = optimizers.get(optimizer, **opt_options)
    X = np.ascontiguousarray(X, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    N = X.shape[0]
    bs = N if batch_size is None else batch_size
    n_batches = math.ceil(N / bs)
    rng = np.random.default_rng(seed)
    theta0 = initializers.draw(S, R, rng, "uniform", dtype=dtype)
    lr = rng.uniform(0.5, 1.5, size=R) * step                      # a different step size per restart
    runs = []
    for engine in ("matrix", "neuron"):
        theta = theta0.copy()
        state = opt.init_state(R, S.P, dtype, lr if opt.name == "rprop" else None)
        eng = NeuronEngine(S, lo, opt, dtype) if engine == "neuron" else None
        perm_rng = np.random.default_rng(seed + 1)
        history = []
        for epoch in range(epochs):
            perm = perm_rng.permutation(N) if bs < N else np.arange(N)
            t0 = epoch * n_batches
            factors = (np.ones(n_batches) if schedule is None
                       else schedule(np.arange(t0, t0 + n_batches) / n_batches))
            if engine == "neuron":
                history.append(eng.epoch(theta, state, X, Y, perm, bs, lr, factors, t0))
            else:
                history.append(matrix_epoch(S, lo, opt, theta, state, X, Y, perm, bs, lr, factors, t0))
        runs.append((theta, state, np.array(history)))
    return runs


def assert_same(runs, tol=TOL, rtol=0.0):
    (t_m, s_m, h_m), (t_n, s_n, h_n) = runs
    scale = lambda a: rtol * np.maximum(np.abs(a), 1.0)  # noqa: E731
    assert np.all(np.abs(t_m - t_n) <= tol + scale(t_m)), np.abs(t_m - t_n).max()
    assert set(s_m) == set(s_n)
    for k in s_m:
        assert np.all(np.abs(s_m[k] - s_n[k]) <= tol + scale(s_m[k])), (k, np.abs(s_m[k] - s_n[k]).max())
    assert np.all(np.abs(h_m - h_n) <= tol + scale(h_m)), np.abs(h_m - h_n).max()
    assert np.isfinite(t_n).all()


# -- networks ------------------------------------------------------------------------------------
def running_example(hidden="logistic", output="identity"):
    """The seed's nine neurons, built by hand: 1 input, 2 bias | 3, 4, bias 5 | 6, 7, bias 8 | 9.

    Neuron 3 feeds only 6 while 4 feeds 6 and 7: the block from level 1 to level 2 is masked.
    """
    g = nn.Graph()
    x1, b2 = g.input(), g.bias()
    h3, h4, b5 = g.neuron(hidden), g.neuron(hidden), g.bias()
    h6, h7, b8 = g.neuron(hidden), g.neuron(hidden), g.bias()
    y9 = g.output(output)
    for i, j in [(x1, h3), (b2, h3), (x1, h4), (b2, h4), (h3, h6), (h4, h6), (b5, h6), (h4, h7), (b5, h7),
                 (h6, y9), (h7, y9), (b8, y9)]:
        g.connect(i, j)
    return g.build(seed=0)


def skip_net():
    """Not layered: skip edges x1 → h3 (level 2) and x2 → y, and a masked block (h1 ↛ h3)."""
    g = nn.Graph()
    x1, x2, b = g.input(), g.input(), g.bias()
    h1, h2 = g.neuron("tanh"), g.neuron("logistic")          # level 1
    h3 = g.neuron("relu")                                    # level 2
    y1, y2 = g.output("identity"), g.output("logistic")     # level 3
    for i, j in [(x1, h1), (x2, h1), (b, h1), (x2, h2), (b, h2),
                 (h2, h3), (x1, h3), (b, h3),
                 (h3, y1), (h1, y1), (x2, y1), (b, y1), (h3, y2), (h2, y2)]:
        g.connect(i, j)
    net = g.build(seed=1)
    assert net.layers is None
    return net


def all_activations_net():
    """One hidden level with a neuron of every trainable activation, then a mixed second level."""
    g = nn.Graph()
    xs = [g.input() for _ in range(2)]
    b = g.bias()
    names = [a for a in activations.names() if a != "step"]
    hidden = [g.neuron(a) for a in names]
    second = [g.neuron(a) for a in ("softplus", "elu", "leaky_relu")]
    y = g.output("identity")
    for h in hidden:
        for x in xs:
            g.connect(x, h)
        g.connect(b, h)
    for h2 in second:
        for h in hidden:
            g.connect(h, h2)
        g.connect(b, h2)
    for h in second + hidden[:2]:
        g.connect(h, y)
    g.connect(b, y)
    return g.build(seed=2)


def data(N, n_in, n_out, seed=0, kind="regression"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, n_in))
    if kind == "onehot":
        Y = np.eye(n_out)[rng.integers(0, n_out, N)]
    elif kind == "binary":
        Y = rng.uniform(0, 1, size=(N, n_out)).round(1)
    else:
        Y = rng.normal(size=(N, n_out))
    return X, Y


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


# -- agreement with the matrix engine ------------------------------------------------------------
@pytest.mark.parametrize("optimizer, options, step", [
    ("sgd", {}, 0.5), ("momentum", {}, 0.2), ("nesterov", {}, 0.2), ("adam", {}, 0.02), ("rprop", {}, 0.05),
    ("sgd", {"momentum": 0.5}, 0.3), ("adam", {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, 0.05),
])
def test_every_optimizer_full_batch_matches_the_matrix_engine(optimizer, options, step):
    net = nn.mlp([2, 3, 1], hidden="logistic", output="logistic", seed=0)
    assert_same(run_both(net, XOR_X, XOR_Y, optimizer=optimizer, step=step, R=7, epochs=40, **options))


@pytest.mark.parametrize("batch_size", [1, 3, 10])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batch_sizes_including_a_ragged_last_batch(batch_size, optimizer):
    X, Y = data(10, 2, 2, seed=3)
    net = nn.mlp([2, 4, 2], hidden="tanh", seed=0)
    runs = run_both(net, X, Y, optimizer=optimizer, batch_size=batch_size, step=0.05 if optimizer == "sgd" else 0.01,
                    R=7, epochs=6, schedule=lambda e: 1.0 / (1.0 + 0.1 * e))
    assert_same(runs)


def test_every_activation_except_step():
    X, Y = data(12, 2, 1, seed=4)
    runs = run_both(all_activations_net(), X, Y, optimizer="momentum", step=0.002, batch_size=5, R=7, epochs=10)
    assert_same(runs)


@pytest.mark.parametrize("loss, n_out, kind", [
    ("squared", 2, "regression"), ("absolute", 2, "regression"), ("huber", 2, "regression"),
    ("cross_entropy", 3, "onehot"), ("binary_cross_entropy", 2, "binary"),
])
def test_every_loss(loss, n_out, kind):
    X, Y = data(9, 3, n_out, seed=5, kind=kind)
    Y[0] *= 3.0 if kind == "regression" else 1.0             # huber: some residuals beyond 1
    net = nn.mlp([3, 4, n_out], hidden="tanh", output="identity", seed=0)
    assert_same(run_both(net, X, Y, loss=loss, optimizer="sgd", step=0.1, batch_size=4, R=7, epochs=10))


def test_huber_beyond_and_within_one_and_cross_entropy_with_probabilities():
    X, Y = data(8, 2, 3, seed=6)
    Y = Y * 4.0
    assert_same(run_both(nn.mlp([2, 3, 3], hidden="relu", seed=1), X, Y, loss="huber", step=0.05, R=3, epochs=10))
    P = np.random.default_rng(7).dirichlet(np.ones(3), size=8)    # soft targets: rows sum to 1
    assert_same(run_both(nn.mlp([2, 3, 3], hidden="tanh", seed=1), X, P, loss="cross_entropy", step=0.2, R=3,
                         epochs=10))


@pytest.mark.parametrize("R", [1, 7])
@pytest.mark.parametrize("batch_size", [1, None])
def test_the_seeds_running_example_built_by_hand(R, batch_size):
    net = running_example()
    S = net.structure
    assert not S.param_mask.all()                               # 3 ↛ 7: a masked position
    x = np.linspace(-2, 2, 7)[:, None]
    y = np.tanh(1.5 * x)
    assert_same(run_both(net, x, y, optimizer="sgd", step=0.3, batch_size=batch_size, R=R, epochs=30))


@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam", "rprop"])
def test_a_non_layered_graph_with_skip_edges_and_a_masked_block(optimizer):
    net = skip_net()
    X, Y = data(11, 2, 2, seed=8, kind="binary")
    runs = run_both(net, X, Y, loss="binary_cross_entropy", optimizer=optimizer, batch_size=4, R=7, epochs=15,
                    step=0.05 if optimizer != "rprop" else 0.01)
    assert_same(runs)
    theta, state, _ = runs[1]
    masked = ~net.structure.param_mask
    assert masked.any()
    assert np.all(theta[:, masked] == 0)                         # positions without an edge stay zero
    for k, v in state.items():
        start = optimizers.get(optimizer).init_state(1, net.structure.P, np.float64, np.array([0.0]))[k][0]
        if k != "delta":
            assert np.all(v[:, masked] == start[masked]), k


def test_many_restarts_in_parallel_chunks_match_one_restart_at_a_time():
    """20 restarts: two chunks on two threads, groups of LANES with a partial last group."""
    net = nn.mlp([1, 2, 2, 1], hidden="logistic", output="identity", seed=0)
    X, Y = data(40, 1, 1, seed=9)
    R = 20
    eng = NeuronEngine(net.structure, losses.get("squared"), optimizers.get("sgd"), np.float64)
    runs = run_both(net, X, Y, optimizer="sgd", step=0.1, batch_size=8, R=R, epochs=5)
    assert_same(runs)
    if neuron_engine.numba.get_num_threads() > 1:
        assert neuron_engine._parallel_g.signatures                   # the threaded kernel did run
    theta0 = initializers.draw(net.structure, R, np.random.default_rng(0), "uniform")
    lr = np.full(R, 0.1)
    perm = np.random.default_rng(1).permutation(len(X))
    together = theta0.copy()
    eng.epoch(together, {}, X, Y, perm, 8, lr, np.ones(5), 0)
    # in other groups (four groups of five, each on one thread): the same bits, as lanes never mix
    grouped = theta0.copy()
    for r in range(0, R, 5):
        part = grouped[r:r + 5]
        eng.epoch(part, {}, X, Y, perm, 8, lr[r:r + 5], np.ones(5), 0)
    np.testing.assert_array_equal(together, grouped)
    # one at a time (one lane, the C library's exp instead of the vectorized one): the same to rounding
    alone = theta0.copy()
    for r in range(R):
        row = alone[r:r + 1]
        eng.epoch(row, {}, X, Y, perm, 8, lr[r:r + 1], np.ones(5), 0)
        alone[r] = row[0]
    np.testing.assert_allclose(together, alone, rtol=1e-13, atol=1e-15)


def test_wide_networks_run_in_narrower_groups_with_padded_lanes():
    """A network with 1,281 edges keeps groups of 8 lanes (their arrays within 256 KiB): 30 restarts are
    two chunks (16 and 14), the second run as 8 + 6 with two padded lanes, which must change nothing."""
    net = nn.mlp([10, 40, 20, 1], hidden="logistic", seed=0)
    S = net.structure
    E, H = len(S.edges), 61
    assert neuron_engine._group_width(14, E, 10 + 3 + H, H, 1) == neuron_engine.LANES
    X, Y = data(9, 10, 1, seed=12)
    assert_same(run_both(net, X, Y, optimizer="adam", step=0.01, batch_size=4, R=30, epochs=3))


def test_vectorized_exp_is_within_one_ulp_of_numpy():
    """The exp the lane loops use (plain arithmetic, so that it vectorizes) against NumPy's."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-745, 709, 1500), rng.uniform(-1, 1, 500), rng.uniform(-760, -700, 200),
                        [0.0, -0.0, 1e-300, -1e-300, 0.5 * math.log(2), -0.5 * math.log(2), -708.4, -745.1, 709.7]])
    got = np.array([kernels.exp64(v) for v in x])
    want = np.exp(x)
    ulps = np.where(got == want, 0.0, np.abs(got - want) / np.spacing(want))
    assert ulps.max() <= 1.0
    assert kernels.exp64(-746.0) == 0.0 and kernels.exp64(-np.inf) == 0.0
    assert kernels.exp64(710.0) == np.inf and kernels.exp64(np.inf) == np.inf
    assert np.isnan(kernels.exp64(np.nan))


@settings(max_examples=12, deadline=None)
@given(optimizer=st.sampled_from(["sgd", "momentum", "nesterov", "adam", "rprop"]),
       loss=st.sampled_from(["squared", "absolute", "huber", "binary_cross_entropy"]),
       batch_size=st.integers(1, 9), R=st.integers(1, 10), seed=st.integers(0, 1000))
def test_random_configurations_match(optimizer, loss, batch_size, R, seed):
    X, Y = data(9, 2, 1, seed=seed, kind="binary")
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=seed)
    step = {"adam": 0.01, "rprop": 0.01}.get(optimizer, 0.1)
    # relative as well as absolute: some configurations (momentum, one example per step) grow weights to
    # 1e3, where the two engines' different order of additions differs by ~1e-12 relative (found by fuzzing)
    assert_same(run_both(net, X, Y, loss=loss, optimizer=optimizer, batch_size=batch_size, R=R, epochs=4,
                         step=step, seed=seed), rtol=1e-9)


def test_float32_matches_to_float32_precision():
    X, Y = data(16, 2, 1, seed=10)
    net = nn.mlp([2, 4, 1], hidden="tanh", seed=0)
    logistic = nn.mlp([2, 4, 1], hidden="logistic", output="logistic", seed=0)   # the vectorized exp, in float32
    for net, optimizer, step in ((net, "sgd", 0.05), (net, "adam", 0.01), (logistic, "sgd", 0.5)):
        runs = run_both(net, X, Y, optimizer=optimizer, step=step, batch_size=4, R=7, epochs=10, dtype=np.float32)
        assert runs[1][0].dtype == np.float32
        assert_same(runs, tol=1e-5, rtol=1e-4)


# -- no update: loss and forward -------------------------------------------------------------------
@pytest.mark.parametrize("R, optimizer", [(1, "sgd"), (7, "adam")])
def test_loss_and_forward_match_the_network(R, optimizer):
    net = skip_net()
    X, Y = data(13, 2, 2, seed=11, kind="binary")
    S = net.structure
    theta = initializers.draw(S, R, np.random.default_rng(3), "uniform")
    eng = NeuronEngine(S, losses.get("binary_cross_entropy"), optimizers.get(optimizer), np.float64)
    yhat = eng.forward(theta, X)
    assert yhat.shape == (R, 13, 2)
    for r in range(R):
        np.testing.assert_allclose(yhat[r], net._with_theta(theta[r]).forward(X), rtol=0, atol=1e-13)
        assert abs(eng.loss(theta, X, Y)[r] - net._with_theta(theta[r]).loss(X, Y, "binary_cross_entropy")) < 1e-13
    before = theta.copy()
    eng.loss(theta, X, Y)
    np.testing.assert_array_equal(theta, before)


def test_step_neurons_forward_like_the_network():
    g = nn.Graph()
    x, b = g.input(), g.bias()
    h = g.neuron("step")
    y = g.output("identity")
    g.connect(x, h, 1.0)
    g.connect(b, h, -0.5)
    g.connect(h, y, 2.0)
    g.connect(b, y, 0.25)
    net = g.build()
    eng = NeuronEngine(net.structure, losses.get("squared"), optimizers.get("sgd"), np.float64)
    X = np.array([[0.0], [0.5], [1.0]])
    np.testing.assert_array_equal(eng.forward(net.theta[None].copy(), X)[0], net.forward(X))


# -- restarts, the active mask, and the untouched rest --------------------------------------------
def test_inactive_restarts_are_skipped_and_left_untouched():
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=0)
    S = net.structure
    X, Y = data(10, 2, 1, seed=12)
    opt = optimizers.get("adam")
    eng = NeuronEngine(S, losses.get("squared"), opt, np.float64)
    R = 9
    theta = initializers.draw(S, R, np.random.default_rng(0), "uniform")
    state = opt.init_state(R, S.P, np.float64)
    for k in state:
        state[k][...] = np.random.default_rng(1).uniform(0, 0.01, (R, S.P))
    active = np.array([True, False, True, True, False, False, True, True, True])
    lr = np.full(R, 0.01)
    perm = np.arange(10)
    full_theta, full_state = theta.copy(), {k: v.copy() for k, v in state.items()}
    out = eng.epoch(theta, state, X, Y, perm, 3, lr, np.ones(4), 5, active=active)
    assert np.all(out[~active] == 0) and np.all(out[active] > 0)
    np.testing.assert_array_equal(theta[~active], full_theta[~active])
    for k in state:
        np.testing.assert_array_equal(state[k][~active], full_state[k][~active])
    # the active ones moved exactly as when every restart runs
    eng.epoch(full_theta, full_state, X, Y, perm, 3, lr, np.ones(4), 5)
    np.testing.assert_array_equal(theta[active], full_theta[active])
    # nothing active: nothing happens
    out = eng.epoch(theta, state, X, Y, perm, 3, lr, np.ones(4), 5, active=np.zeros(R, bool))
    assert np.all(out == 0)


# -- the interface: supports() and clear errors ------------------------------------------------------
def test_supports_everything_in_the_tables():
    S = all_activations_net().structure
    for lo in losses.LOSSES.values():
        for name in ("sgd", "momentum", "nesterov", "adam", "rprop"):
            assert supports(S, lo, optimizers.get(name)) == (True, "")
    fake = losses.Loss("my_loss", lambda p, y: p, lambda p, y: p, "L = ŷ", 0)
    ok, why = supports(S, fake, optimizers.get("sgd"))
    assert not ok and "my_loss" in why
    with pytest.raises(DataError, match="my_loss"):
        NeuronEngine(S, fake, optimizers.get("sgd"), "float64")


def test_wrong_arguments_raise_clear_errors():
    net = nn.mlp([2, 2, 1], seed=0)
    S = net.structure
    eng = NeuronEngine(S, losses.get("squared"), optimizers.get("momentum"), "float64")
    theta = np.zeros((2, S.P))
    state = optimizers.get("momentum").init_state(2, S.P, np.float64)
    X, Y = XOR_X.copy(), XOR_Y.copy()
    perm, lr, f = np.arange(4), np.ones(2), np.ones(1)
    with pytest.raises(DataError, match="float64"):
        eng.epoch(theta.astype(np.float32), state, X, Y, perm, 4, lr, f, 0)
    with pytest.raises(DataError, match="C-contiguous"):
        eng.epoch(theta, state, np.asfortranarray(np.ones((4, 2)))[:, :2], Y, perm, 4, lr, f, 0)
    with pytest.raises(DataError, match="perm must hold row indices"):
        eng.epoch(theta, state, X, Y, np.array([0, 1, 2, 4]), 4, lr, f, 0)
    with pytest.raises(DataError, match="factors"):
        eng.epoch(theta, state, X, Y, perm, 1, lr, f, 0)
    with pytest.raises(DataError, match="velocity"):
        eng.epoch(theta, {}, X, Y, perm, 4, lr, f, 0)
    with pytest.raises(DataError, match="batch_size"):
        eng.epoch(theta, state, X, Y, perm, 0, lr, f, 0)
    with pytest.raises(DataError, match=r"Y must have shape \(4, 1\)"):
        eng.epoch(theta, state, X, np.ones((4, 2)), perm, 4, lr, f, 0)
    with pytest.raises(DataError, match="active"):
        eng.epoch(theta, state, X, Y, perm, 4, lr, f, 0, active=np.ones(3, bool))
    frozen = theta.copy()
    frozen.flags.writeable = False
    with pytest.raises(DataError, match="read-only"):
        eng.epoch(frozen, state, X, Y, perm, 4, lr, f, 0)
    np.testing.assert_array_equal(theta, 0)                          # nothing ran


def test_read_only_data_is_accepted_without_compiling_another_kernel():
    net = nn.mlp([2, 2, 1], hidden="tanh", seed=0)
    eng = NeuronEngine(net.structure, losses.get("squared"), optimizers.get("sgd"), "float64")
    X, Y = XOR_X.copy(), XOR_Y.copy()
    theta = net.theta[None].copy()
    a = eng.epoch(theta.copy(), {}, X, Y, np.arange(4), 2, np.ones(1), np.ones(2), 0)
    before = set(neuron_engine._serial_1.signatures)
    for A in (X, Y):
        A.flags.writeable = False
    b = eng.epoch(theta.copy(), {}, X, Y, np.arange(4), 2, np.ones(1), np.ones(2), 0)
    np.testing.assert_array_equal(a, b)
    assert net.theta.flags.writeable is False                      # a Network's theta is a read-only view
    np.testing.assert_allclose(eng.forward(net.theta[None], X)[0], net.forward(X), rtol=0, atol=1e-14)
    assert set(neuron_engine._serial_1.signatures) == before
