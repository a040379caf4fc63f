"""Restart bookkeeping (training/bookkeeping.py): divergence, target, patience and status, exactly."""

from __future__ import annotations

import numpy as np
import pytest

import neuronet as nn
from neuronet.training.bookkeeping import DIVERGENCE_FACTOR, Rules
from neuronet.training.state import RunState


def _run(R=1, P=2, epochs=50) -> RunState:
    return RunState(theta=np.zeros((R, P)), initial=np.zeros((R, P)), best_theta=np.zeros((R, P)), opt_state={},
                    history=np.full((R, epochs), np.nan), val_history=None, best_mon=np.full(R, np.inf),
                    since=np.zeros(R, dtype=np.int64), epochs_run=np.zeros(R, dtype=np.int64),
                    start_loss=np.ones(R), eta0=np.full(R, 0.1), status=["ran_out"] * R, t=0, epoch=0,
                    rng=np.random.default_rng(0), config={})


def _feed(rules, run, losses, w=None):
    """Judge one epoch at a time; return the epoch (1-based) at which the restart stopped, or None."""
    idx = np.arange(len(run.status))
    for e, loss in enumerate(losses, start=1):
        run.epoch += 1
        theta = np.full((len(idx), run.theta.shape[1]), float(e) if w is None else w[e - 1])
        done = rules.judge(run, idx, np.array([[loss]] * len(idx)), theta)
        if done.all():
            return e
    return None


@pytest.mark.parametrize("patience", [1, 3, 7])
def test_patience_stops_after_exactly_patience_epochs_without_improvement(patience):
    # improves at epochs 1, 2, 3, then never again: since = 1, 2, … after epoch 3
    losses = [3.0, 2.0, 1.0] + [1.0] * 20
    run = _run()
    stopped = _feed(Rules(early_stopping=True, patience=patience, tol=0.0), run, losses)
    assert stopped == 3 + patience
    assert run.status == ["converged"]            # monitoring the training loss
    assert run.epochs_run[0] == 3 + patience
    np.testing.assert_array_equal(run.best_theta[0], [3.0, 3.0])   # the weights of epoch 3, the best


def test_an_improvement_smaller_than_tol_does_not_reset_patience():
    run = _run()
    stopped = _feed(Rules(early_stopping=True, patience=2, tol=0.5), run, [3.0, 2.9, 2.8, 2.7])
    assert stopped == 3       # epoch 1 sets the best; 2.9 and 2.8 are within tol of 3.0


def test_without_early_stopping_patience_never_stops():
    run = _run()
    assert _feed(Rules(early_stopping=False, patience=1), run, [1.0] * 10) is None
    assert run.status == ["ran_out"] and run.since[0] == 9


def test_divergence_stops_at_the_first_bad_epoch_and_records_nothing_after():
    run = _run(epochs=5)
    rules = Rules()
    run.epoch = 4
    chunk = np.array([[0.5, DIVERGENCE_FACTOR * 1.01, 0.1, 0.1]])   # epoch 2 is above the limit
    done = rules.judge(run, np.array([0]), chunk, np.zeros((1, 2)))
    assert done.tolist() == [True] and run.status == ["diverged"] and run.epochs_run[0] == 2
    np.testing.assert_array_equal(run.history[0, :4], [0.5, DIVERGENCE_FACTOR * 1.01, np.nan, np.nan])


def test_target_loss_converges_at_the_first_epoch_at_or_below_it():
    run = _run()
    assert _feed(Rules(target_loss=0.25), run, [1.0, 0.5, 0.25, 0.1]) == 3
    assert run.status == ["converged"]


def test_validation_stop_is_stopped_early_and_monitors_the_validation_loss():
    run = _run()
    run.val_history = np.full_like(run.history, np.nan)
    rules = Rules(early_stopping=True, patience=2, tol=0.0, validation=True)
    idx = np.array([0])
    for e, (tr, va) in enumerate([(1.0, 1.0), (0.5, 1.0), (0.2, 1.0)], start=1):   # training improves, val not
        run.epoch = e
        done = rules.judge(run, idx, np.array([[tr]]), np.zeros((1, 2)), np.array([va]))
    assert done.tolist() == [True] and run.status == ["stopped_early"] and run.epochs_run[0] == 3
    np.testing.assert_array_equal(run.val_history[0, :3], [1.0, 1.0, 1.0])


@pytest.mark.parametrize("patience", [2, 5])
def test_train_stops_a_restart_after_patience_epochs_exactly(patience):
    # tol larger than any possible improvement: the first epoch sets the best, then nothing improves
    X = np.random.default_rng(0).standard_normal((12, 2))
    Y = X[:, 0] * 0.5
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=0)
    r = nn.train(net, X, Y, epochs=40, restarts=2, seed=1, early_stopping=True, patience=patience, tol=1e9,
                 step_size=0.01, batch_size=4)
    assert r.epochs_run.tolist() == [1 + patience] * 2
    assert r.status == ["converged"] * 2
