"""Training: the seed's SGD, optimizers, schedules, restarts as an axis, early stopping,
divergence, checkpoints and determinism."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import neuronet as nn
from neuronet import schedules
from neuronet.errors import DataError, ModelFileError, TrainingError

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0], dtype=float)


def xor_net(seed=0):
    return nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=seed, init="uniform")


def one_weight_net(w=1.0):
    """x → y with a single weight and no bias: L = (y − w·x)², so every rule is checkable by hand."""
    g = nn.Graph()
    x = g.input()
    y = g.output("identity")
    g.connect(x, y, w)
    return g.build()


# -- the seed's claims ---------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(20))
def test_xor_with_five_restarts_always_solves(seed):
    r = nn.train(xor_net(seed), XOR_X, XOR_Y, step_size=2.0, epochs=2000, batch_size=None, restarts=5,
                 seed=seed, init="uniform")
    pred = (r.network.forward(XOR_X)[:, 0] > 0.5).astype(float)
    np.testing.assert_array_equal(pred, XOR_Y)


def test_running_example_per_example_sgd_with_decreasing_step_fits_a_smooth_function():
    from neuronet.model.examples import running_example

    x = np.linspace(-2, 2, 40)[:, None]
    y = np.tanh(1.5 * x[:, 0]) * 0.8 + 0.1 * x[:, 0]
    net = running_example()
    r = nn.train(net, x, y, step_size=0.5, epochs=400, batch_size=1, restarts=8, seed=3,
                 schedule={"name": "inverse_time", "decay": 0.01})
    assert r.config["batch_size"] == 1
    rmse = np.sqrt(np.mean((r.network.forward(x)[:, 0] - y) ** 2))
    assert rmse < 0.05, rmse
    # the step size decreased: the later epochs move the loss much less than the early ones
    h = r.history[r.best]
    assert h[-1] < h[0] / 5


def test_restarts_rescue_stuck_xor_runs():
    """Plain backpropagation from ±1 gets stuck in a noticeable fraction of starts; the best of many does not."""
    r = nn.train(xor_net(1), XOR_X, XOR_Y, step_size=2.0, epochs=2000, batch_size=None, restarts=200, seed=7,
                 init="uniform")
    solved = np.array([((r.network_at(k).forward(XOR_X)[:, 0] > 0.5) == XOR_Y.astype(bool)).all()
                       for k in range(200)])
    assert 0.03 < 1 - solved.mean() < 0.4       # some restarts fail…
    assert solved[r.best]                       # …and the chosen one never does
    assert r.losses[r.best] == r.losses.min()


# -- restarts as an axis -------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["matrix", "auto"])
def test_restarts_together_equal_restarts_alone(engine):
    X = np.random.default_rng(0).standard_normal((30, 3))
    Y = np.sin(X @ [1.0, -2.0, 0.5])
    net = nn.mlp([3, 4, 1], hidden="tanh", seed=1)
    kw = dict(step_size=0.05, epochs=15, batch_size=7, seed=11, optimizer="sgd", momentum=0.9, engine=engine)
    together = nn.train(net, X, Y, restarts=4, **kw)
    for k in range(4):
        alone = nn.train(together.initial_network(k), X, Y, restarts=1, **kw)
        np.testing.assert_allclose(alone.theta[0], together.theta[k], rtol=0, atol=1e-12)
        np.testing.assert_allclose(alone.history[0], together.history[k], rtol=1e-12)


def test_restart_zero_is_the_network_passed_in_and_more_restarts_extend_fewer():
    net = xor_net(5)
    r3 = nn.train(net, XOR_X, XOR_Y, epochs=1, restarts=3, seed=2, engine="matrix")
    r5 = nn.train(net, XOR_X, XOR_Y, epochs=1, restarts=5, seed=2, engine="matrix")
    np.testing.assert_array_equal(r3.initial_theta[0], net.theta)
    np.testing.assert_array_equal(r5.initial_theta[:3], r3.initial_theta)
    assert not np.allclose(r5.initial_theta[1], r5.initial_theta[2])


def test_same_seed_same_result_bit_identical():
    X = np.random.default_rng(1).standard_normal((50, 2))
    Y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = nn.mlp([2, 5, 2], hidden="relu", seed=0)
    a = nn.train(net, X, Y, loss="cross_entropy", optimizer="adam", step_size=0.01, epochs=20, batch_size=8,
                 restarts=3, seed=42)
    b = nn.train(net, X, Y, loss="cross_entropy", optimizer="adam", step_size=0.01, epochs=20, batch_size=8,
                 restarts=3, seed=42)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.history, b.history)
    c = nn.train(net, X, Y, loss="cross_entropy", optimizer="adam", step_size=0.01, epochs=20, batch_size=8,
                 restarts=3, seed=43)
    assert not np.array_equal(a.theta, c.theta)


def test_step_size_per_restart_sweeps_in_one_call():
    X = np.linspace(-1, 1, 20)[:, None]
    Y = 2 * X[:, 0]
    net = one_weight_net(0.0)
    sizes = np.array([0.001, 0.01, 0.1])
    # init_scale=0: every restart starts at w = 0, so only the step size differs
    r = nn.train(net, X, Y, step_size=sizes, epochs=5, batch_size=None, restarts=3, seed=0, engine="matrix",
                 init="uniform", init_scale=0.0)
    # each restart alone, with its own step size, gives the same trajectory
    for k, eta in enumerate(sizes):
        alone = nn.train(r.initial_network(k), X, Y, step_size=eta, epochs=5, batch_size=None, seed=0,
                         engine="matrix")
        np.testing.assert_allclose(alone.theta[0], r.theta[k], rtol=1e-14)
    assert r.losses[2] < r.losses[1] < r.losses[0]


def test_history_is_mean_batch_loss_and_losses_are_full_training_loss():
    X = np.linspace(-1, 1, 10)[:, None]
    Y = 3 * X[:, 0]
    net = one_weight_net(0.0)
    r = nn.train(net, X, Y, step_size=0.01, epochs=1, batch_size=5, shuffle=False, schedule="constant",
                 engine="matrix")
    # by hand: batch 1 = first 5 rows at w=0, then one SGD step, batch 2 at the new w
    w = 0.0
    batch_losses = []
    for rows in (slice(0, 5), slice(5, 10)):
        xb, yb = X[rows, 0], Y[rows]
        batch_losses.append(np.mean((yb - w * xb) ** 2))
        w -= 0.01 * np.mean(2 * (w * xb - yb) * xb)
    assert r.history[0, 0] == pytest.approx(np.mean(batch_losses), rel=1e-12)
    assert r.network.weights[(1, 2)] == pytest.approx(w, rel=1e-12)
    assert r.losses[0] == pytest.approx(np.mean((Y - w * X[:, 0]) ** 2), rel=1e-12)


# -- optimizers: golden trajectories on L = (0 − w·1)² = w², g = 2w --------------------------
def run_one_weight(optimizer, steps, w0=1.0, **kw):
    r = nn.train(one_weight_net(w0), [[1.0]], [0.0], optimizer=optimizer, epochs=steps, batch_size=None,
                 engine="matrix", **kw)
    return r.network.weights[(1, 2)]


def test_sgd_golden():
    assert run_one_weight("sgd", 3, step_size=0.1) == pytest.approx(0.8 ** 3, rel=1e-14)


def test_momentum_and_nesterov_golden():
    eta, mu = 0.1, 0.9
    w, v = 1.0, 0.0
    wn, vn = 1.0, 0.0
    for _ in range(4):
        v = mu * v - eta * 2 * w
        w += v
        g = 2 * wn
        vn = mu * vn - eta * g
        wn += mu * vn - eta * g
    assert run_one_weight("sgd", 4, step_size=eta, momentum=mu) == pytest.approx(w, rel=1e-13)
    assert run_one_weight("nesterov", 4, step_size=eta, momentum=mu) == pytest.approx(wn, rel=1e-13)


def test_adam_golden():
    eta, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w, m, v = 1.0, 0.0, 0.0
    for t in range(1, 6):
        g = 2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= eta * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    assert run_one_weight("adam", 5, step_size=eta) == pytest.approx(w, rel=1e-12)
    # the first Adam step moves by almost exactly η whatever the gradient's size
    assert run_one_weight("adam", 1, step_size=0.1, w0=50.0) == pytest.approx(49.9, rel=1e-9)


def test_rprop_golden():
    # Δ starts at the step size, grows ×1.2 while the sign holds (capped), shrinks ×0.5 on a flip
    w, d, prev = 1.0, 0.3, 0.0
    for _ in range(6):
        g = 2 * w
        if g * prev > 0:
            d = min(d * 1.2, 50)
        elif g * prev < 0:
            d, g = max(d * 0.5, 1e-6), 0.0
        w -= np.sign(g) * d
        prev = g
    assert run_one_weight("rprop", 6, step_size=0.3) == pytest.approx(w, rel=1e-13)


def test_rprop_needs_the_full_batch():
    with pytest.raises(DataError, match="full batch"):
        nn.train(xor_net(), XOR_X, XOR_Y, optimizer="rprop", batch_size=2)


# -- schedules ------------------------------------------------------------------------------
def test_schedule_factors():
    f = lambda name, **p: schedules.get(name, **p).factors(0, 5, 1, 4)  # noqa: E731
    e = np.arange(5.0)
    np.testing.assert_allclose(f("constant"), 1)
    np.testing.assert_allclose(f("inverse_time", decay=0.5), 1 / (1 + 0.5 * e))
    np.testing.assert_allclose(f("power", power=0.5), (1 + e) ** -0.5)
    np.testing.assert_allclose(f("exponential", gamma=0.9), 0.9 ** e)
    np.testing.assert_allclose(f("step", gamma=0.5, every=2), [1, 1, 0.5, 0.5, 0.25])
    np.testing.assert_allclose(f("cosine"), 0.5 * (1 + np.cos(np.pi * e / 4)))
    # time is counted in (fractional) epochs: 4 updates per epoch
    np.testing.assert_allclose(schedules.get("inverse_time").factors(4, 2, 4, 10), [1 / 2, 1 / 2.25])
    with pytest.raises(DataError, match="Known schedules"):
        schedules.get("warmup")
    with pytest.raises(DataError, match="decay"):
        schedules.get("exponential", decay=0.1)


def test_schedule_applies_to_every_update():
    eta = 0.1
    w = 1.0
    for t in range(3):
        w -= eta / (1 + 0.5 * t) * 2 * w
    got = run_one_weight("sgd", 3, step_size=eta, schedule={"name": "inverse_time", "decay": 0.5})
    assert got == pytest.approx(w, rel=1e-14)


# -- selection, early stopping, divergence ---------------------------------------------------
def test_validation_selects_the_best_and_early_stopping_restores_best_weights():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 1))
    Y = np.sin(3 * X[:, 0]) + 0.3 * rng.standard_normal(60)
    Xv = rng.uniform(-1, 1, (40, 1))
    Yv = np.sin(3 * Xv[:, 0])
    net = nn.mlp([1, 30, 1], hidden="tanh", seed=0)
    r = nn.train(net, X, Y, optimizer="adam", step_size=0.05, epochs=300, batch_size=10, restarts=4, seed=1,
                 validation_data=(Xv, Yv), early_stopping=True, patience=15, tol=0.0)
    assert r.best == int(np.argmin(r.val_losses))
    for k in range(4):
        # the returned weights are the best seen on validation data, not the last ones
        assert r.val_losses[k] == pytest.approx(np.nanmin(r.val_history[k]), rel=1e-10)
        assert r.status[k] in ("stopped_early", "ran_out")
    stopped = [k for k in range(4) if r.status[k] == "stopped_early"]
    assert stopped, r.status
    k = stopped[0]
    assert r.epochs_run[k] < 300 and np.isnan(r.history[k, r.epochs_run[k]:]).all()


def test_validation_fraction_holds_out_rows():
    X = np.random.default_rng(0).standard_normal((50, 2))
    Y = X.sum(axis=1)
    r = nn.train(nn.mlp([2, 1], seed=0), X, Y, epochs=3, validation_fraction=0.2, seed=0)
    assert r.config["N"] == 40 and r.val_losses is not None and r.val_history.shape == (1, 3)
    with pytest.raises(DataError, match="validation_fraction"):
        nn.train(nn.mlp([2, 1], seed=0), X, Y, validation_fraction=1.5)


def test_target_loss_marks_converged():
    r = nn.train(one_weight_net(1.0), [[1.0]], [0.0], step_size=0.1, epochs=100, batch_size=None,
                 target_loss=1e-6, engine="matrix")
    assert r.status == ["converged"] and r.epochs_run[0] < 100


def test_divergence_is_caught_and_never_chosen():
    X = np.linspace(-3, 3, 30)[:, None]
    Y = 5 * X[:, 0]
    net = nn.mlp([1, 8, 1], hidden="relu", seed=0)
    r = nn.train(net, X, Y, step_size=np.array([0.01, 50.0]), epochs=50, batch_size=None, restarts=2, seed=0)
    assert r.status[1] == "diverged" and r.status[0] != "diverged"
    assert r.best == 0 and np.isinf(r.losses[1])
    with pytest.raises(TrainingError, match="diverged"):
        r.network_at(1)
    with pytest.raises(TrainingError, match=r"step_size=50.*smaller"):
        nn.train(net, X, Y, step_size=50.0, epochs=50, batch_size=None, restarts=3, seed=0)


def test_ensemble_averages_the_best_restarts():
    r = nn.train(xor_net(), XOR_X, XOR_Y, step_size=2.0, epochs=300, batch_size=None, restarts=6, seed=0)
    ens = r.ensemble(3)
    assert len(ens.members) == 3 and ens.members[0] == r.best
    expected = np.mean([r.network_at(k).forward(XOR_X) for k in ens.members], axis=0)
    np.testing.assert_allclose(ens.forward(XOR_X), expected, rtol=1e-12)


# -- bad arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize("kw, message", [
    ({"epochs": 0}, "epochs must be an integer"),
    ({"restarts": 2.5}, "restarts must be an integer"),
    ({"batch_size": 0}, "batch_size must be an integer"),
    ({"step_size": -1.0}, "step_size must be positive"),
    ({"step_size": [0.1, 0.2], "restarts": 3}, r"one per restart \(shape \(3,\)\)"),
    ({"optimizer": "lbfgs"}, "Known optimizers"),
    ({"loss": "hinge"}, "Known losses"),
    ({"engine": "gpu"}, "engine must be one of"),
    ({"target_loss": "low"}, "target_loss must be a number"),
    ({"tol": -1.0, "early_stopping": True}, "tol must be a finite number ≥ 0"),
])
def test_bad_arguments_have_clear_messages(kw, message):
    with pytest.raises(DataError, match=message):
        nn.train(xor_net(), XOR_X, XOR_Y, **kw)


def test_training_through_a_step_neuron_is_refused():
    g = nn.Graph()
    x, b = g.input(), g.bias()
    h = g.neuron("step")
    y = g.output("identity")
    for e in [(x, h), (b, h), (h, y), (b, y)]:
        g.connect(*e)
    with pytest.raises(DataError, match="step function.*derivative is 0"):
        nn.train(g.build(seed=0), [[0.0], [1.0]], [0.0, 1.0])


def test_bad_targets_are_named():
    with pytest.raises(DataError, match="X has 4 rows but Y has 3"):
        nn.train(xor_net(), XOR_X, XOR_Y[:3])
    with pytest.raises(DataError, match=r"Y holds nan at"):
        nn.train(xor_net(), XOR_X, [0, np.nan, 1, 0])


# -- checkpoints ----------------------------------------------------------------------------
def _ckpt_args():
    X = np.random.default_rng(0).standard_normal((40, 3))
    Y = np.tanh(X @ [1.0, -1.0, 0.5])
    net = nn.mlp([3, 6, 1], hidden="tanh", seed=0)
    kw = dict(optimizer="adam", step_size=0.01, epochs=200, batch_size=8, restarts=3, seed=5, schedule="cosine",
              checkpoint_every=7, engine="matrix")
    return net, X, Y, kw


# (kills at known points, and resuming after them: tests/test_faults_resume.py)


def test_resume_refuses_a_different_run_and_bad_files(tmp_path):
    net, X, Y, kw = _ckpt_args()
    ck = tmp_path / "a.ckpt"
    nn.train(net, X, Y, checkpoint=ck, **{**kw, "epochs": 7})
    with pytest.raises(DataError, match="restarts"):
        nn.train(net, X, Y, resume=ck, **{**kw, "epochs": 7, "restarts": 2})
    with pytest.raises(DataError, match="other training data"):
        nn.train(net, X, Y + 1.0, resume=ck, **{**kw, "epochs": 7})
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError, match="not a neuronet checkpoint"):
        nn.train(net, X, Y, resume=bad, **kw)
    with pytest.raises(DataError, match="does not exist"):
        nn.train(net, X, Y, checkpoint=tmp_path / "no" / "dir.ckpt", **kw)


# -- memory ---------------------------------------------------------------------------------
def test_thousand_restarts_stay_within_a_few_mb_of_data_plus_parameters():
    X = np.random.default_rng(0).standard_normal((200, 2))
    Y = (X[:, 0] > 0).astype(float)
    net = nn.mlp([2, 2, 1], hidden="logistic", seed=0)
    nn.train(net, X, Y, epochs=1, batch_size=None, restarts=2, seed=0, engine="neuron")  # warm compiled code
    tracemalloc.start()
    r = nn.train(net, X, Y, epochs=3, batch_size=None, restarts=1000, seed=0, engine="neuron")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert r.engine == "neuron"
    data_and_params = X.nbytes + Y.nbytes + r.theta.nbytes
    # the data is never copied per restart (1,000 copies of X alone would be 3.2 MB on top)
    assert peak < data_and_params * 8 + 2_000_000, (peak, data_and_params)


@pytest.mark.parametrize("engine", ["matrix", "neuron"])
def test_many_epochs_per_engine_call_give_the_same_bits_as_one_at_a_time(engine):
    """Without per-epoch decisions the engine runs chunks of epochs; a callback forces one at a time."""
    X = np.random.default_rng(3).standard_normal((12, 2))
    Y = np.tanh(X[:, 0] - X[:, 1])
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=0)
    kw = dict(step_size=np.array([0.05, 0.2, 80.0]), epochs=40, batch_size=5, restarts=3, seed=9,
              schedule="cosine", engine=engine)
    chunked = nn.train(net, X, Y, **kw)
    stepwise = nn.train(net, X, Y, callback=lambda info: None, **kw)
    np.testing.assert_array_equal(chunked.theta[:2], stepwise.theta[:2])
    np.testing.assert_array_equal(chunked.history, stepwise.history)
    np.testing.assert_array_equal(chunked.epochs_run, stepwise.epochs_run)
    assert chunked.status == stepwise.status and chunked.status[2] == "diverged"


def test_the_callback_sees_every_restarts_weights_and_status_as_they_stand():
    """What the playground draws: after epoch e, info['weights']() is every restart's weights (R, P), a copy,
    equal to those a run stopped at e returns; a diverged restart is named in info['status']."""
    X = np.random.default_rng(3).standard_normal((12, 2))
    Y = np.tanh(X[:, 0] - X[:, 1])
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=0)
    kw = dict(step_size=np.array([0.05, 0.2, 80.0]), epochs=40, batch_size=5, restarts=3, seed=9)
    seen = {}

    def watch(info):
        seen[info["epoch"]] = (info["weights"](), list(info["status"]))
        info["weights"]()[:] = 0.0                    # a copy: scribbling on it changes nothing

    full = nn.train(net, X, Y, callback=watch, **kw)
    assert sorted(seen) == list(range(1, 41))
    np.testing.assert_array_equal(seen[40][0][:2], full.theta[:2])
    assert seen[40][1] == full.status and full.status[2] == "diverged"
    assert all(seen[e][1][:2] == ["ran_out"] * 2 for e in seen)
    at_7 = nn.train(net, X, Y, callback=lambda info: info["epoch"] >= 7, **kw)
    np.testing.assert_array_equal(seen[7][0], at_7.theta)
    assert list(at_7.epochs_run) == [7, 7, 1]


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rprop"])
def test_optimizer_state_continues_a_run_exactly(optimizer):
    X = np.random.default_rng(4).standard_normal((16, 2))
    Y = np.sin(X[:, 0]) * X[:, 1]
    net = nn.mlp([2, 4, 1], hidden="tanh", seed=0)
    kw = dict(optimizer=optimizer, step_size=0.05, batch_size=None, restarts=3, seed=2,
              schedule={"name": "inverse_time", "decay": 0.3}, engine="matrix")
    straight = nn.train(net, X, Y, epochs=10, **kw)
    first = nn.train(net, X, Y, epochs=4, **kw)
    second = nn.train(first.network_at(0), X, Y, epochs=6, **{**kw, "restarts": 1},
                      optimizer_state={"t": first.optimizer_state["t"],
                                       **{k: v[:1] for k, v in first.optimizer_state.items() if k != "t"}})
    np.testing.assert_allclose(second.theta[0], straight.theta[0], rtol=1e-13, atol=1e-15)
    assert second.optimizer_state["t"] == 10


def test_optimizer_state_of_another_optimizer_is_refused():
    r = nn.train(xor_net(), XOR_X, XOR_Y, optimizer="adam", epochs=2, batch_size=None)
    with pytest.raises(DataError, match="continue with the optimizer that made it"):
        nn.train(xor_net(), XOR_X, XOR_Y, optimizer="sgd", momentum=0.9, epochs=2,
                 optimizer_state=r.optimizer_state)


def test_absolute_error_fits_the_median_and_squared_error_the_mean():
    """The seed's comments: minimizing |y − ŷ| gives the median, (y − ŷ)² the mean."""
    y = np.array([0.0, 1.0, 2.0, 3.0, 50.0])          # one outlier: mean 11.2, median 2
    X = np.zeros((5, 1))                              # ŷ is the bias weight alone
    fits = {}
    for loss in ("squared", "absolute"):
        r = nn.train(nn.mlp([1, 1], seed=0), X, y, loss=loss, step_size=0.5, epochs=3000, batch_size=None,
                     schedule={"name": "inverse_time", "decay": 0.01}, engine="matrix")
        fits[loss] = float(r.network.forward([0.0])[0])
    assert fits["squared"] == pytest.approx(np.mean(y), abs=1e-6)
    assert fits["absolute"] == pytest.approx(np.median(y), abs=0.05)


def test_each_restart_starts_from_its_own_stream_whatever_the_cut():
    """Restart k's starting weights depend on (seed, k) only: two chunks of a run (first_restart) start
    exactly where the whole run's restarts start."""
    net = nn.mlp([3, 5, 1], hidden="tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(20, 3))
    Y = X.sum(axis=1)
    whole = nn.train(net, X, Y, epochs=2, restarts=7, seed=11)
    a = nn.train(net, X, Y, epochs=2, restarts=3, seed=11)
    b = nn.train(net, X, Y, epochs=2, restarts=4, seed=11, first_restart=3)
    assert np.array_equal(np.vstack([a.initial_theta, b.initial_theta]), whole.initial_theta)
    assert np.array_equal(whole.initial_theta[0], net.theta)
    assert not np.array_equal(b.initial_theta[0], net.theta)          # restart 3 is drawn, not the net
    other = nn.train(net, X, Y, epochs=2, restarts=3, seed=12)
    assert not np.array_equal(other.initial_theta[1:], a.initial_theta[1:])
