"""Losses: values on hand-worked examples, gradients against central differences,
stability for large logits, class-index targets, and target validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronet as nn
from neuronet import losses
from neuronet.errors import DataError
from neuronet.model.losses import LOSSES, prepare_targets

LN = math.log


def value(name, p, y):
    return losses.get(name).value(np.asarray(p, float), np.asarray(y, float))


def grad(name, p, y):
    return losses.get(name).grad(np.asarray(p, float), np.asarray(y, float))


def test_the_table():
    assert list(LOSSES) == ["squared", "absolute", "huber", "cross_entropy", "binary_cross_entropy"]
    assert [l.name for l in LOSSES.values() if l.classification] == ["cross_entropy", "binary_cross_entropy"]
    assert len({l.code for l in LOSSES.values()}) == len(LOSSES)
    for alias, name in [("mse", "squared"), ("MAE", "absolute"), ("log_loss", "cross_entropy"),
                        ("bce", "binary_cross_entropy"), ("l2", "squared")]:
        assert losses.get(alias) is LOSSES[name]
    assert losses.get(LOSSES["huber"]) is LOSSES["huber"]
    with pytest.raises(DataError, match="Unknown loss 'hinge'. Known losses: squared, absolute, huber, "
                                        "cross_entropy, binary_cross_entropy"):
        losses.get("hinge")


# -- values by hand --------------------------------------------------------------------------
def test_squared_is_the_seeds_loss_without_a_half():
    # (1 − 0.5)² + (2 − 4)² = 0.25 + 4
    assert value("squared", [[0.5, 4.0]], [[1.0, 2.0]]).tolist() == [4.25]
    assert grad("squared", [[0.5, 4.0]], [[1.0, 2.0]]).tolist() == [[-1.0, 4.0]]   # 2(ŷ − y)


def test_absolute():
    assert value("absolute", [[0.5, 4.0]], [[1.0, 2.0]]).tolist() == [2.5]
    assert grad("absolute", [[0.5, 4.0]], [[1.0, 2.0]]).tolist() == [[-1.0, 1.0]]


def test_huber():
    # r = ŷ − y = −0.5 (quadratic: ½r² = 0.125) and 2 (linear: |r| − ½ = 1.5)
    assert value("huber", [[0.5, 4.0]], [[1.0, 2.0]]).tolist() == [1.625]
    assert grad("huber", [[0.5, 4.0]], [[1.0, 2.0]]).tolist() == [[-0.5, 1.0]]
    # continuous at |r| = 1
    assert value("huber", [[1.0]], [[0.0]])[0] == 0.5
    assert value("huber", [[1.0 + 1e-12]], [[0.0]])[0] == pytest.approx(0.5, abs=1e-11)


def test_cross_entropy():
    p = [[0.0, LN(3.0)]]                                         # softmax = [1/4, 3/4]
    assert value("cross_entropy", p, [[0.0, 1.0]])[0] == pytest.approx(LN(4.0 / 3.0), rel=1e-15)
    assert value("cross_entropy", p, [[1.0, 0.0]])[0] == pytest.approx(LN(4.0), rel=1e-15)
    np.testing.assert_allclose(grad("cross_entropy", p, [[0.0, 1.0]]), [[0.25, -0.25]], rtol=1e-15)
    # three classes with equal logits: −log(1/3)
    assert value("cross_entropy", [[7.0, 7.0, 7.0]], [[0.0, 0.0, 1.0]])[0] == pytest.approx(LN(3.0), rel=1e-15)


def test_binary_cross_entropy():
    assert value("binary_cross_entropy", [[0.0]], [[1.0]])[0] == pytest.approx(LN(2.0), rel=1e-15)
    assert value("binary_cross_entropy", [[LN(3.0)]], [[0.0]])[0] == pytest.approx(LN(4.0), rel=1e-15)
    assert value("binary_cross_entropy", [[LN(3.0)]], [[1.0]])[0] == pytest.approx(LN(4.0 / 3.0), rel=1e-15)
    # two outputs add up; soft targets are allowed
    assert value("binary_cross_entropy", [[0.0, 0.0]], [[0.5, 1.0]])[0] == pytest.approx(2 * LN(2.0), rel=1e-15)
    np.testing.assert_allclose(grad("binary_cross_entropy", [[LN(3.0)]], [[1.0]]), [[-0.25]], rtol=1e-14)


def test_batch_and_restart_axes_broadcast():
    rng = np.random.default_rng(0)
    p, y = rng.normal(size=(3, 5, 2)), rng.normal(size=(5, 2))   # (R, B, m) and (B, m)
    for name in ("squared", "absolute", "huber"):
        v, g = value(name, p, y), grad(name, p, y)
        assert v.shape == (3, 5) and g.shape == (3, 5, 2)
        for r in range(3):
            np.testing.assert_array_equal(v[r], value(name, p[r], y))


# -- gradients against central differences ----------------------------------------------------
@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_central_differences(name):
    rng = np.random.default_rng(1)
    m, B = 3, 40
    p = rng.normal(0.0, 2.0, size=(B, m))
    if name == "cross_entropy":
        y = np.eye(m)[rng.integers(0, m, B)]
    elif name == "binary_cross_entropy":
        y = rng.uniform(0.0, 1.0, size=(B, m))
    else:
        y = rng.normal(0.0, 2.0, size=(B, m))
    r = np.abs(p - y)
    keep = np.all((np.abs(r) > 1e-3) & (np.abs(r - 1.0) > 1e-3), axis=1)   # away from |r| = 0 and 1
    p, y = p[keep], y[keep]
    lo = losses.get(name)
    h = 1e-6
    numeric = np.empty_like(p)
    for k in range(m):
        e = np.zeros(m)
        e[k] = h
        numeric[:, k] = (lo.value(p + e, y) - lo.value(p - e, y)) / (2 * h)
    np.testing.assert_allclose(lo.grad(p, y), numeric, rtol=1e-6, atol=1e-8)


# -- stability --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(LOSSES))
def test_large_logits_are_stable(name, dtype):
    p = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]], dtype=dtype)
    y = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    lo = losses.get(name)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        v = lo.value(p, y)
        g = lo.grad(p, y)
    assert np.isfinite(v).all() and np.isfinite(g).all()
    assert v.dtype == dtype and g.dtype == dtype
    if name == "cross_entropy":
        assert v.tolist() == pytest.approx([2e4, 0.0, LN(2.0)], rel=1e-6)
        np.testing.assert_allclose(g, [[1.0, -1.0], [0.0, 0.0], [-0.5, 0.5]], atol=1e-7)
    if name == "binary_cross_entropy":
        # row 0: −log(1 − σ(1e4)) − log σ(−1e4) = 2e4; row 1: 0; row 2: 0 + 1e4
        assert v.tolist() == pytest.approx([2e4, 0.0, 1e4], rel=1e-6)
        np.testing.assert_allclose(g, [[1.0, -1.0], [0.0, 0.0], [0.0, 1.0]], atol=1e-7)


def test_large_logits_through_a_network_warn_nothing():
    g = nn.Graph()
    x, b = g.input(), g.bias()
    y1, y2 = g.output(), g.output()
    g.connect(x, y1, 1e4)
    g.connect(x, y2, -1e4)
    g.connect(b, y1, 0.0)
    net = g.build()
    for loss, Y in [("cross_entropy", [1]), ("binary_cross_entropy", [[0.0, 1.0]]), ("squared", [[0.0, 0.0]])]:
        grad_ = net.gradient([[1.0]], Y, loss=loss)
        assert math.isfinite(grad_.loss) and all(math.isfinite(v) for v in grad_.weights.values())


# -- targets -----------------------------------------------------------------------------------
def test_cross_entropy_class_indices_equal_one_hot():
    net = nn.mlp([3, 4, 3], hidden="tanh", seed=0)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(6, 3))
    idx = np.array([0, 2, 1, 1, 0, 2])
    onehot = np.eye(3)[idx]
    a = net.gradient(X, idx, loss="cross_entropy")
    b = net.gradient(X, onehot, loss="cross_entropy")
    assert a.loss == b.loss and a.weights == b.weights
    assert net.loss(X, idx.tolist(), "cross_entropy") == pytest.approx(b.loss, rel=1e-14)
    np.testing.assert_array_equal(prepare_targets(losses.get("cross_entropy"), idx, 3, np.float64), onehot)
    # one example: a scalar class index
    assert net.gradient(X[1], 2, loss="cross_entropy").weights == net.gradient(X[1], onehot[1], "cross_entropy").weights
    # and the value is −log softmax(ŷ)_y
    yhat = net.forward(X)
    expect = np.mean([-(yhat[k, idx[k]] - np.log(np.exp(yhat[k]).sum())) for k in range(6)])
    assert a.loss == pytest.approx(expect, rel=1e-13)


def test_mean_over_the_batch():
    net = nn.mlp([2, 3, 2], hidden="logistic", seed=1)
    X = np.array([[0.1, 0.2], [1.0, -1.0], [0.0, 3.0]])
    Y = np.array([[1.0, 0.0], [0.5, 0.5], [-1.0, 2.0]])
    yhat = net.forward(X)
    assert net.loss(X, Y) == pytest.approx(np.mean(((Y - yhat) ** 2).sum(axis=1)), rel=1e-14)
    assert net.loss(X, Y, "absolute") == pytest.approx(np.mean(np.abs(Y - yhat).sum(axis=1)), rel=1e-14)


def test_prepare_targets_errors():
    ce, bce, sq = (losses.get(n) for n in ("cross_entropy", "binary_cross_entropy", "squared"))
    with pytest.raises(DataError, match="Y holds the class index 3, but the network has 3 outputs \\(classes 0…2\\)"):
        prepare_targets(ce, np.array([0, 3, 1]), 3, np.float64)
    with pytest.raises(DataError, match="class index -1"):
        prepare_targets(ce, np.array([0, -1]), 3, np.float64)
    with pytest.raises(DataError, match="cross_entropy needs at least 2 output neurons.*binary_cross_entropy"):
        prepare_targets(ce, np.array([0, 1]), 1, np.float64)
    with pytest.raises(DataError, match="binary_cross_entropy needs targets in \\[0, 1\\]; Y holds 2.0"):
        prepare_targets(bce, np.array([[0.0], [2.0]]), 1, np.float64)
    with pytest.raises(DataError, match="expected \\(2, 3\\) or class indices \\(B,\\)"):
        prepare_targets(ce, np.zeros((2, 2)), 3, np.float64)
    with pytest.raises(DataError, match="X has 4 rows but Y has 2"):
        prepare_targets(sq, np.zeros((2, 1)), 1, np.float64, n_rows=4)
    with pytest.raises(DataError, match="labels holds nan"):
        prepare_targets(sq, [np.nan], 1, np.float64, where="labels")
    Y = prepare_targets(sq, [1, 2, 3], 1, np.float32)
    assert Y.shape == (3, 1) and Y.dtype == np.float32


def test_cross_entropy_targets_must_be_distributions():
    """softmax(ŷ) − y is the gradient of −Σ y_k log softmax(ŷ)_k only when Σ y_k = 1."""
    ce = losses.get("cross_entropy")
    with pytest.raises(DataError, match="row 1 is \\[0.0, 0.0, 0.0\\] \\(sum 0\\)"):
        prepare_targets(ce, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), 3, np.float64)
    with pytest.raises(DataError, match="row 0 is \\[0.0, 2.0\\] \\(sum 2\\)"):
        prepare_targets(ce, np.array([[0.0, 2.0]]), 2, np.float64)
    with pytest.raises(DataError, match="values ≥ 0 summing to 1"):
        prepare_targets(ce, np.array([[-0.5, 1.5]]), 2, np.float64)
    soft = np.array([[0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_array_equal(prepare_targets(ce, soft, 3, np.float64), soft)
    assert prepare_targets(ce, soft, 3, np.float32).dtype == np.float32


def test_cross_entropy_gradient_with_soft_labels():
    rng = np.random.default_rng(3)
    p = rng.normal(size=(10, 4))
    y = rng.dirichlet(np.ones(4), size=10)
    lo, h = losses.get("cross_entropy"), 1e-6
    numeric = np.stack([(lo.value(p + h * e, y) - lo.value(p - h * e, y)) / (2 * h) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(lo.grad(p, y), numeric, rtol=1e-6, atol=1e-9)
