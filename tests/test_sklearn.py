"""The scikit-learn estimators: sklearn's own checks, accuracy on small problems, and the adapter's contract."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

import neuronet as nn
from neuronet.sklearn import NeuralNetClassifier, NeuralNetRegressor

# Small networks keep sklearn's check suite fast; the matrix engine keeps it independent of numba.
SMALL = dict(hidden_layer_sizes=(8,), epochs=20, step_size=0.01, random_state=0, engine="matrix")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def blobs(n=120, k=3, seed=0):
    X, y = make_classification(n_samples=n, n_features=4, n_informative=3, n_redundant=0, n_classes=k,
                               n_clusters_per_class=1, class_sep=2.0, random_state=seed)
    return X, y


# -- scikit-learn's own checks ------------------------------------------------------------
@parametrize_with_checks([NeuralNetClassifier(**SMALL), NeuralNetRegressor(**SMALL)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("Est", [NeuralNetClassifier, NeuralNetRegressor])
def test_sklearn_param_validation(Est):
    check_param_validation(Est.__name__, Est(**SMALL))


# -- learning -------------------------------------------------------------------------------
def test_iris_accuracy(iris):
    X, y = iris
    clf = NeuralNetClassifier(hidden_layer_sizes=(10,), epochs=60, step_size=0.01, random_state=0).fit(X, y)
    assert clf.score(X, y) >= 0.9
    assert clf.result_.engine == "numpy"                    # engine='auto': a small job, nothing to compile
    assert list(clf.classes_) == [0, 1, 2]
    assert clf.network_.structure.n_out == 3
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_regression_r2():
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    reg = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), NeuralNetRegressor(hidden_layer_sizes=(16,), epochs=100, step_size=0.01,
                                                           random_state=0, engine="matrix")),
        transformer=StandardScaler())
    assert reg.fit(Xtr, ytr).score(Xte, yte) >= 0.9


def test_regressor_scales_a_raw_price_target_by_default():
    """A target in the hundreds of thousands: scaled by default (as the CLI does), hopeless unscaled."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 3))
    price = 250_000 + 60_000 * np.tanh(X @ [1.0, -0.5, 0.3]) + rng.normal(0, 5_000, 300)
    kw = dict(hidden_layer_sizes=(16,), epochs=60, step_size=0.01, random_state=0, engine="matrix")
    reg = NeuralNetRegressor(**kw).fit(X, price)
    assert reg.score(X, price) >= 0.9
    assert reg.target_mean_ == pytest.approx([price.mean()]) and reg.target_scale_ == pytest.approx([price.std()])
    np.testing.assert_allclose(reg.predict(X), price.mean() + price.std() * reg.network_.forward(X)[:, 0])
    raw = NeuralNetRegressor(**kw, scale_target=False).fit(X, price)
    assert raw.score(X, price) < 0.5 and raw.target_scale_.tolist() == [1.0]
    # partial_fit keeps the scaling of its first call
    inc = NeuralNetRegressor(**kw).partial_fit(X[:100], price[:100])
    first = inc.target_mean_.copy()
    inc.partial_fit(X[100:], price[100:])
    np.testing.assert_array_equal(inc.target_mean_, first)


def test_restarts_keep_the_lowest_loss():
    X, y = blobs()
    clf = NeuralNetClassifier(hidden_layer_sizes=(3,), epochs=5, restarts=5, random_state=1,
                              engine="matrix").fit(X, y)
    losses = clf.restart_losses_
    assert losses.shape == (5,)
    assert len(np.unique(losses)) == 5                      # different starting points, different ends
    assert clf.best_restart_ == int(np.argmin(losses))
    assert clf.loss_ == losses.min()
    kept = clf.result_.network_at(clf.best_restart_)
    np.testing.assert_array_equal(clf.network_.forward(X), kept.forward(X))
    np.testing.assert_array_equal(clf.loss_curve_, clf.result_.history[clf.best_restart_])


def test_loss_curve_has_no_nan_tail_with_early_stopping():
    X, y = blobs(n=200)
    clf = NeuralNetClassifier(hidden_layer_sizes=(8,), epochs=300, step_size=0.05, early_stopping=True,
                              patience=3, tol=1e-3, random_state=0, engine="matrix").fit(X, y)
    assert clf.n_iter_ < 300                                # it stopped
    assert clf.loss_curve_.shape == (clf.n_iter_,)
    assert np.isfinite(clf.loss_curve_).all()
    assert clf.validation_loss_curve_.shape == (clf.n_iter_,)
    assert clf.best_validation_loss_ == pytest.approx(clf.result_.val_losses[clf.best_restart_])
    assert clf.result_.config["N"] == 180                   # 10% held out
    plain = NeuralNetClassifier(**SMALL).fit(X, y)
    assert plain.best_validation_loss_ is None and plain.validation_loss_curve_ is None
    assert plain.n_iter_ == 20 and plain.result_.config["N"] == 200


# -- data ----------------------------------------------------------------------------------
def test_string_labels_binary_and_multiclass():
    X, y = blobs(k=3)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = NeuralNetClassifier(**SMALL).fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert clf.score(X, names) > 0.8

    X2, y2 = blobs(k=2)
    words = np.where(y2 == 1, "yes", "no")
    clf2 = NeuralNetClassifier(**SMALL).fit(X2, words)
    assert list(clf2.classes_) == ["no", "yes"]
    assert clf2.network_.structure.n_out == 1              # one logit for two classes
    assert clf2.result_.config["loss"] == "binary_cross_entropy"
    assert clf2.score(X2, words) > 0.8


@pytest.mark.parametrize("k", [2, 3])
def test_predict_proba_rows_sum_to_one(k):
    X, y = blobs(k=k)
    clf = NeuralNetClassifier(**SMALL).fit(X, y + 10)      # labels 10, 11, …
    P = clf.predict_proba(X)
    assert P.shape == (len(X), k)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert (P >= 0).all()
    np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-12)
    z = clf.network_.forward(X)
    if k == 2:                                              # [1 − σ(f), σ(f)]
        np.testing.assert_allclose(P[:, 1], 1 / (1 + np.exp(-z[:, 0])), rtol=1e-12)
    else:                                                   # softmax(f)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(P, e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def test_predict_log_proba_is_finite_for_huge_logits():
    X, y = blobs(k=2)
    clf = NeuralNetClassifier(**SMALL).fit(X, y)
    logp = clf.predict_log_proba(X * 1e4)
    assert np.isfinite(logp).all()


def test_dataframe_feature_names():
    X, y = blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = NeuralNetClassifier(**SMALL).fit(df, pd.Series(y))
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    assert clf.n_features_in_ == 4
    np.testing.assert_array_equal(clf.predict(df), NeuralNetClassifier(**SMALL).fit(X, y).predict(X))
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df.rename(columns={"a": "z"}))


def test_regressor_multi_output_and_shapes():
    X, y = make_regression(n_samples=80, n_features=3, n_targets=2, random_state=0)
    y = y / y.std(axis=0)
    reg = NeuralNetRegressor(**SMALL).fit(X, y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (80, 2)
    one = NeuralNetRegressor(**SMALL).fit(X, y[:, 0])
    assert one.n_outputs_ == 1 and one.predict(X).shape == (80,)
    col = NeuralNetRegressor(**SMALL).fit(X, y[:, :1])
    assert col.predict(X).shape == (80, 1)
    np.testing.assert_array_equal(col.predict(X)[:, 0], one.predict(X))


def test_regressor_losses_reach_train():
    X, y = make_regression(n_samples=40, n_features=2, random_state=0)
    for loss in ("squared", "absolute", "huber"):
        reg = NeuralNetRegressor(**{**SMALL, "loss": loss}).fit(X, y / 100)
        assert reg.result_.config["loss"] == loss


# -- determinism, parameters ----------------------------------------------------------------
def test_random_state_reproducible():
    X, y = blobs()
    a = NeuralNetClassifier(**SMALL).fit(X, y).predict_proba(X)
    b = NeuralNetClassifier(**SMALL).fit(X, y).predict_proba(X)
    c = NeuralNetClassifier(**{**SMALL, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    rs = np.random.RandomState(0)                             # an instance is consumed, like sklearn
    est = NeuralNetClassifier(**{**SMALL, "random_state": rs})
    p1 = est.fit(X, y).predict_proba(X)
    p2 = est.fit(X, y).predict_proba(X)
    assert not np.array_equal(p1, p2)


def test_optimizer_parameters_reach_train():
    X, y = blobs()
    sgd = NeuralNetClassifier(**{**SMALL, "optimizer": "sgd", "momentum": 0.5, "nesterov": True}).fit(X, y)
    assert sgd.result_.config["optimizer"] == "sgd"
    assert sgd.result_.config["momentum"] == 0.5 and sgd.result_.config["nesterov"] is True
    adam = NeuralNetClassifier(**{**SMALL, "nesterov": True}).fit(X, y)  # momentum applies to sgd only
    assert adam.result_.config["momentum"] == 0.0 and adam.result_.config["nesterov"] is False
    full = NeuralNetClassifier(**{**SMALL, "optimizer": "rprop", "batch_size": None}).fit(X, y)
    assert full.result_.config["batch_size"] == len(X)
    sched = NeuralNetClassifier(**{**SMALL, "schedule": {"name": "step", "every": 5}}).fit(X, y)
    assert sched.result_.config["schedule"].startswith("step(")
    big = NeuralNetClassifier(**{**SMALL, "batch_size": 10_000}).fit(X, y)
    assert big.result_.config["batch_size"] == len(X)


def test_architecture_parameters():
    X, y = blobs()
    clf = NeuralNetClassifier(**{**SMALL, "hidden_layer_sizes": (5, 4), "activation": "tanh"}).fit(X, y)
    assert [len([j for j in layer if j not in clf.network_.biases]) for layer in clf.network_.layers] == [4, 5, 4, 3]
    assert {clf.network_.activation(j) for j in clf.network_.layers[1] if j not in clf.network_.biases} == {"tanh"}
    assert {clf.network_.activation(j) for j in clf.network_.outputs} == {"identity"}
    linear = NeuralNetClassifier(**{**SMALL, "hidden_layer_sizes": ()}).fit(X, y)   # logistic regression
    assert len(linear.network_.layers) == 2
    single = NeuralNetClassifier(**{**SMALL, "hidden_layer_sizes": 6}).fit(X, y)
    assert len(single.network_.layers) == 3
    f32 = NeuralNetRegressor(**{**SMALL, "dtype": "float32"}).fit(X, y.astype(float))
    assert f32.network_.dtype == np.float32 and f32.predict(X).dtype == np.float32


@pytest.mark.parametrize("params, match", [
    ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (4, "a")}, "hidden_layer_sizes"),
    ({"activation": "step"}, "activation"),
    ({"epochs": 0}, "epochs"),
    ({"step_size": -1.0}, "step_size"),
    ({"momentum": 1.0}, "momentum"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"loss": "squared"}, "loss"),
    ({"engine": "gpu"}, "engine"),
])
def test_invalid_parameters_are_reported_in_fit(params, match):
    X, y = blobs()
    est = NeuralNetClassifier(**{**SMALL, **params})                     # __init__ accepts anything
    with pytest.raises(InvalidParameterError, match=match):
        est.fit(X, y)


def test_mistakes_found_by_train_are_clear():
    X, y = blobs()
    with pytest.raises(nn.DataError, match="batch_size=None"):
        NeuralNetClassifier(**{**SMALL, "optimizer": "rprop"}).fit(X, y)
    with pytest.raises(nn.DataError, match="Schedule .step. takes"):
        NeuralNetClassifier(**{**SMALL, "schedule": {"name": "step", "speed": 2}}).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        NeuralNetClassifier(**SMALL).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        NeuralNetClassifier(**SMALL).fit(X, np.linspace(0, 1, len(X)))


# -- partial_fit ---------------------------------------------------------------------------
def test_partial_fit_classifier():
    X, y = blobs()
    clf = NeuralNetClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and clf.loss_curve_.shape == (1,)
    for i in range(2, 15):
        before = clf.network_
        clf.partial_fit(X, y)
        assert clf.n_iter_ == i and clf.loss_curve_.shape == (i,)
        # each call starts from the weights the last one ended with
        np.testing.assert_array_equal(clf.result_.initial_network(0).theta, before.theta)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > 0.8
    with pytest.raises(ValueError, match="not one of the classes"):
        clf.partial_fit(X[:3], [0, 1, 7])
    with pytest.raises(ValueError, match="differs"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)


def test_partial_fit_continues_from_fit_and_is_reproducible():
    X, y = blobs()
    a = NeuralNetClassifier(**SMALL).fit(X, y)
    fitted = a.network_.theta.copy()
    a.partial_fit(X, y).partial_fit(X, y)
    assert a.n_iter_ == 22 and a.loss_curve_.shape == (22,)
    b = NeuralNetClassifier(**SMALL).fit(X, y)
    np.testing.assert_array_equal(b.network_.theta, fitted)
    b.partial_fit(X, y)
    np.testing.assert_array_equal(b.result_.initial_network(0).theta, fitted)
    b.partial_fit(X, y)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)


def test_partial_fit_regressor():
    X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    y = y / y.std()
    reg = NeuralNetRegressor(**SMALL)
    for _ in range(20):
        reg.partial_fit(X, y)
    assert reg.n_iter_ == 20 and reg.loss_curve_[-1] < reg.loss_curve_[0]
    with pytest.raises(ValueError, match="output column"):
        reg.partial_fit(X, np.column_stack([y, y]))


# -- composition -----------------------------------------------------------------------------
def test_pipeline_and_cross_val_score():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(hidden_layer_sizes=(8,), epochs=40, step_size=0.01,
                                                               random_state=0, engine="matrix"))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85


def test_grid_search(iris):
    X, y = iris
    gs = GridSearchCV(NeuralNetClassifier(**SMALL), {"hidden_layer_sizes": [(2,), (8,)], "step_size": [1e-4, 0.03]},
                      cv=3)
    gs.fit(X, y)
    assert gs.best_params_["step_size"] == 0.03            # 20 epochs at 1e-4 barely move
    assert gs.best_score_ > 0.8
    assert isinstance(gs.best_estimator_.network_, nn.Network)


def test_pickle_and_clone():
    X, y = blobs()
    clf = NeuralNetClassifier(**{**SMALL, "restarts": 2}).fit(X, y)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.result_.restarts == 2
    fresh = clone(clf)
    assert not hasattr(fresh, "network_") and fresh.get_params() == clf.get_params()


def test_verbose_shows_progress(capsys):
    X, y = blobs()
    NeuralNetClassifier(**{**SMALL, "epochs": 3, "verbose": True}).fit(X, y)
    out = capsys.readouterr()
    assert "3/3 epochs" in out.out + out.err


@pytest.mark.parametrize("engine", ["numpy", "matrix", "neuron"])
def test_engine_reaches_train(engine):
    X, y = blobs()
    clf = NeuralNetClassifier(**{**SMALL, "engine": engine}).fit(X, y)
    assert clf.result_.engine == engine


def test_partial_fit_continues_the_optimizer_state():
    """Ten partial_fit epochs with Adam on the full batch equal one fit of ten epochs, bit for bit."""
    from neuronet.sklearn import NeuralNetRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = X @ [1.0, -2.0, 0.5]
    kw = dict(hidden_layer_sizes=(5,), batch_size=None, step_size=0.01, random_state=0, engine="matrix")
    whole = NeuralNetRegressor(epochs=10, **kw).fit(X, y)
    steps = NeuralNetRegressor(epochs=1, **kw).fit(X, y)
    for _ in range(9):
        steps.partial_fit(X, y)
    np.testing.assert_allclose(steps.network_.theta, whole.network_.theta, rtol=1e-13, atol=1e-15)
    # changing the optimizer starts its state afresh instead of failing
    steps.set_params(optimizer="sgd", momentum=0.0).partial_fit(X, y)
