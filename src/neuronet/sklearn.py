"""scikit-learn estimators: a fully connected network trained by ``neuronet.train``.

Both estimators build ``mlp([n_features, *hidden_layer_sizes, n_outputs], hidden=activation,
output="identity")`` and train it with :func:`neuronet.train`; ``restarts=R`` trains R
copies at once from different initial weights and keeps the best (the seed, III.III).
The output neurons apply the identity, so the network returns logits ``f(x)``:

=====================  =====================================  ==============================
estimator              loss on one example                    prediction
=====================  =====================================  ==============================
classifier, K > 2      −log softmax(f(x))_y   (K outputs)     argmax_k f(x)_k
classifier, K = 2      −y log σ(f) − (1−y) log(1 − σ(f))      classes_[f(x) > 0]
                       (one output; σ = logistic)
regressor              Σ_k (y_k − f(x)_k)²  ('squared')       f(x)
=====================  =====================================  ==============================

``predict_proba`` is softmax(f(x)) (K > 2) or [1 − σ(f(x)), σ(f(x))] (K = 2), which is the
softmax of the logits (0, f(x)); rows sum to 1.

>>> from neuronet.sklearn import NeuralNetClassifier
>>> clf = NeuralNetClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=0, engine="matrix")
>>> clf.fit([[0.0, 0.0], [1.0, 1.0]], ["no", "yes"]).predict_proba([[0.0, 0.0]]).shape
(1, 2)
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .model import activations, schedules
from .model.losses import log_softmax, softmax
from .model.network import Network
from .model.graph import mlp
from .engines import ENGINES
from .training import TrainResult, train

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]

_TRAINABLE = sorted(a for a in activations.names() if activations.get(a).trainable)
_SEED_MAX = 2**31 - 1


def _epoch_seed(seed: int, n_iter: int) -> int:
    """An independent seed for the n-th call of ``partial_fit``, fixed by the first seed."""
    return int(np.random.SeedSequence([seed, n_iter]).generate_state(1)[0] % _SEED_MAX)


class _NeuralNetBase(BaseEstimator):
    """What the classifier and the regressor share: parameters, training and fitted attributes."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(_TRAINABLE))],
        "optimizer": [StrOptions({"sgd", "adam", "rprop"})],
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "schedule": [StrOptions(set(schedules.DEFAULTS)), dict],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "restarts": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "dtype": [StrOptions({"float64", "float32"})],
        "engine": [StrOptions(set(ENGINES))],
        "verbose": ["verbose"],
    }

    # -- subclass hooks -------------------------------------------------------------------
    def _targets(self, y, first: bool, classes=None):
        """(Y for train, number of outputs, loss name)."""
        raise NotImplementedError

    # -- shared machinery -----------------------------------------------------------------
    def _hidden_sizes(self) -> list[int]:
        h = self.hidden_layer_sizes
        sizes = [h] if isinstance(h, Integral) else list(h)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
                raise InvalidParameterError(
                    f"The 'hidden_layer_sizes' parameter of {type(self).__name__} must hold positive integers "
                    f"(neurons per hidden layer), such as (100,) or (64, 32); received "
                    f"hidden_layer_sizes={h!r}.")
        return [int(s) for s in sizes]

    def _optimizer_key(self) -> tuple:
        """What the kept optimizer state belongs to: a changed optimizer starts from zero."""
        sgd = self.optimizer == "sgd"
        return (self.optimizer, self.momentum if sgd else 0.0, bool(self.nesterov) if sgd else False, self.dtype)

    def _np_dtype(self):
        return np.float32 if self.dtype == "float32" else np.float64

    def _train(self, net: Network, X, Y, loss: str, *, epochs: int, restarts: int, early_stopping: bool,
               seed: int, optimizer_state: dict | None = None) -> TrainResult:
        sgd = self.optimizer == "sgd"
        return train(
            net, X, Y, loss=loss, optimizer=self.optimizer, step_size=self.step_size, epochs=epochs,
            batch_size=self.batch_size, restarts=restarts, seed=seed, schedule=self.schedule,
            momentum=self.momentum if sgd else 0.0, nesterov=self.nesterov if sgd else False,
            validation_fraction=self.validation_fraction if early_stopping else None,
            early_stopping=early_stopping, tol=self.tol, patience=self.patience,
            engine=self.engine, progress=bool(self.verbose), optimizer_state=optimizer_state)

    def _fit(self, X, y, *, incremental: bool, classes=None):
        self._validate_params()
        hidden = self._hidden_sizes()
        first = not (incremental and hasattr(self, "network_"))
        X, y = validate_data(self, X, y, reset=first, dtype=self._np_dtype(),
                             **self._y_check_params())
        Y, n_out, loss = self._targets(y, first, classes)
        if first:
            rs = check_random_state(self.random_state)
            init_seed, self._seed = (int(s) for s in rs.randint(0, _SEED_MAX, size=2))
            net = mlp([X.shape[1], *hidden, n_out], hidden=self.activation, output="identity",
                      seed=init_seed, dtype=self.dtype)
        else:
            net = self.network_
        if incremental:
            # Continue the optimizer (momentum, Adam's moments, the schedule's clock) where the last
            # call left it, as long as the optimizer is the same one.
            kept = getattr(self, "_optimizer_state", None)
            same = not first and kept is not None and kept[0] == self._optimizer_key()
            r = self._train(net, X, Y, loss, epochs=1, restarts=1, early_stopping=False,
                            seed=_epoch_seed(self._seed, getattr(self, "n_iter_", 0)),
                            optimizer_state=kept[1] if same else None)
        else:
            r = self._train(net, X, Y, loss, epochs=self.epochs, restarts=self.restarts,
                            early_stopping=self.early_stopping, seed=self._seed)
        best = r.best
        kept_state = {k: (v if k == "t" else v[best:best + 1].copy()) for k, v in r.optimizer_state.items()}
        self._optimizer_state = (self._optimizer_key(), kept_state)
        curve = r.history[best, :r.epochs_run[best]].copy()                 # no NaN tail
        self.result_ = r
        self.network_ = r.network
        self.best_restart_ = best
        self.restart_losses_ = r.losses.copy()
        self.loss_ = float(r.losses[best])
        if first:
            self.n_iter_ = int(r.epochs_run[best])
            self.loss_curve_ = curve
        else:
            self.n_iter_ += int(r.epochs_run[best])
            self.loss_curve_ = np.concatenate([self.loss_curve_, curve])
        if r.val_losses is not None:
            self.best_validation_loss_ = float(r.val_losses[best])
            self.validation_loss_curve_ = r.val_history[best, :r.epochs_run[best]].copy()
        else:
            self.best_validation_loss_ = None
            self.validation_loss_curve_ = None
        return self

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self._np_dtype())
        return self.network_.forward(X)                                     # (n, n_out)


class NeuralNetClassifier(ClassifierMixin, _NeuralNetBase):
    """A neural network classifier: logits f(x) from a fully connected network, trained on log-loss.

    With K > 2 classes the network has K outputs and the loss of an example of class y is
    ``−log softmax(f(x))_y``; with K = 2 it has one output and the loss is the binary
    cross-entropy ``−y log σ(f(x)) − (1 − y) log(1 − σ(f(x)))``. Labels may be of any type
    (strings, integers); ``classes_`` holds them sorted.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Neurons in each hidden layer; ``()`` gives a network without hidden layers
        (multinomial logistic regression).
    activation : str, default='relu'
        The hidden neurons' activation: 'relu', 'logistic', 'tanh', 'identity',
        'leaky_relu', 'softplus' or 'elu'. The output neurons apply the identity.
    loss : {'cross_entropy'}, default='cross_entropy'
        Log-loss: softmax cross-entropy over K outputs, or binary cross-entropy on one
        output when there are two classes.
    optimizer : {'adam', 'sgd', 'rprop'}, default='adam'
        The update rule (see ``neuronet.optimizers``). 'rprop' needs ``batch_size=None``.
    step_size : float, default=0.001
        The base step size η₀ (the learning rate).
    schedule : str or dict, default='constant'
        Step-size schedule η_t = η₀·factor(t): 'constant', 'inverse_time', 'power',
        'exponential', 'step', 'cosine', or a dict such as ``{'name': 'step', 'every': 20}``.
    momentum : float in [0, 1), default=0.9
        Momentum μ of 'sgd' (v ← μv − ηg; θ ← θ + v); 0 gives the seed's plain gradient
        step. Ignored by 'adam' and 'rprop'.
    nesterov : bool, default=False
        Nesterov momentum for 'sgd' (needs momentum > 0). Ignored by other optimizers.
    epochs : int, default=200
        Passes over the training data.
    batch_size : int or None, default=32
        Examples per update (capped at the number of samples); None = the full batch,
        1 = the seed's per-example stochastic gradient descent.
    restarts : int, default=1
        R networks trained at once from different initial weights; the one with the
        lowest training loss (validation loss with early stopping) is kept.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop a restart once its
        validation loss has not improved by ``tol`` for ``patience`` epochs, restoring its
        best weights. Without early stopping every restart runs all ``epochs``.
    validation_fraction : float in (0, 1), default=0.1
        The share of the data held out; used only with early stopping.
    tol : float, default=1e-4
        The improvement that counts for early stopping.
    patience : int, default=10
        Epochs without improvement before early stopping ends a restart.
    random_state : int, RandomState instance or None, default=None
        Initial weights and the order of the examples. An int gives identical results
        on every fit (same data, same platform).
    dtype : {'float64', 'float32'}, default='float64'
        The precision the network computes in.
    engine : {'auto', 'numpy', 'matrix', 'neuron'}, default='auto'
        The training engine of ``neuronet.train``; 'auto' picks the fastest, compiling counted.
    verbose : bool or int, default=False
        Show a progress bar while training.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    network_ : neuronet.Network
        The trained network (the best restart).
    result_ : neuronet.TrainResult
        Everything ``neuronet.train`` returned: every restart's weights, losses and history.
    restart_losses_ : ndarray of shape (restarts,)
        Each restart's final loss on the training data (inf for a diverged restart).
    best_restart_ : int
        Index of the kept restart.
    loss_ : float
        The kept network's mean loss on the training data.
    loss_curve_ : ndarray of shape (n_iter_,)
        The kept restart's mean batch loss in each epoch.
    best_validation_loss_, validation_loss_curve_ : float, ndarray or None
        The same on the held-out data, with early stopping; None without.
    n_iter_ : int
        Epochs the kept restart ran (summed over ``partial_fit`` calls).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when fitted on a DataFrame whose column names are all strings.

    Notes
    -----
    ``partial_fit`` runs one epoch from the current weights with a single network
    (``restarts`` and ``early_stopping`` apply to ``fit`` only). The optimizer's state
    (Adam's moment estimates and step count, SGD's velocity) and the schedule start over
    at each call, because ``neuronet.train`` begins every run from zero state.
    """

    _parameter_constraints: dict = {
        **_NeuralNetBase._parameter_constraints,
        "loss": [StrOptions({"cross_entropy"})],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="cross_entropy", optimizer="adam",
                 step_size=0.001, schedule="constant", momentum=0.9, nesterov=False, epochs=200, batch_size=32,
                 restarts=1, early_stopping=False, validation_fraction=0.1, tol=1e-4, patience=10,
                 random_state=None, dtype="float64", engine="auto", verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.step_size = step_size
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.epochs = epochs
        self.batch_size = batch_size
        self.restarts = restarts
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.patience = patience
        self.random_state = random_state
        self.dtype = dtype
        self.engine = engine
        self.verbose = verbose

    def _y_check_params(self) -> dict:
        return {"y_numeric": False}

    def _targets(self, y, first, classes=None):
        check_classification_targets(y)
        if first:
            labels = unique_labels(y if classes is None else classes)
            if len(labels) < 2:
                raise ValueError(f"{type(self).__name__} needs at least two classes to learn from; received one "
                                 f"class: {labels[0]!r}.")
            self.classes_ = labels
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"classes={classes!r} differs from the classes of the first partial_fit "
                             f"call, {self.classes_!r}; pass the same classes (or none) on later calls.")
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(f"y holds the label {y[unseen][0]!r}, which is not one of the classes "
                             f"{list(self.classes_)!r} given to the first partial_fit call.")
        idx = np.searchsorted(self.classes_, y)                             # (n,) class indices
        if len(self.classes_) == 2:
            return idx.astype(self._np_dtype()), 1, "binary_cross_entropy"
        return idx, len(self.classes_), "cross_entropy"

    def fit(self, X, y):
        """Train from fresh initial weights.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), class labels of any type

        Returns
        -------
        self
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """Train one more epoch from the current weights and optimizer state (the first call starts fresh).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call (unless the
            estimator was already fitted), and must not change afterwards.

        Returns
        -------
        self
        """
        self._validate_params()                                             # parameter errors come first
        if not hasattr(self, "network_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit: every label that "
                             "will ever appear, e.g. partial_fit(X, y, classes=np.unique(y_all)).")
        return self._fit(X, y, incremental=True, classes=classes)

    def _binary_aware_logits(self, X) -> np.ndarray:
        z = self._logits(X)                                                 # (n, K) or (n, 1)
        if z.shape[1] == 1:                                                 # σ(f) = softmax(0, f)_1
            z = np.concatenate([np.zeros_like(z), z], axis=1)               # (n, 2)
        return z

    def predict(self, X) -> np.ndarray:
        """The class with the largest logit (for two classes: ``classes_[1]`` where f(x) > 0)."""
        z = self._binary_aware_logits(X)                                    # (n, n_classes)
        return self.classes_[np.argmax(z, axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities softmax(f(x)), one column per class of ``classes_``: (n_samples, n_classes)."""
        return softmax(self._binary_aware_logits(X))

    def predict_log_proba(self, X) -> np.ndarray:
        """log softmax(f(x)), computed stably (no log of 0): (n_samples, n_classes)."""
        return log_softmax(self._binary_aware_logits(X))


class NeuralNetRegressor(RegressorMixin, _NeuralNetBase):
    """A neural network regressor: f(x) from a fully connected network with identity outputs.

    Targets of shape (n_samples,) give one output; (n_samples, k) give k outputs
    (multi-output regression) and ``predict`` returns the same shape as ``y`` had in fit.
    The loss of an example is ``Σ_k (y_k − f(x)_k)²`` ('squared', the seed's, without
    ½), ``Σ_k |y_k − f(x)_k|`` ('absolute') or the Huber loss ('huber').

    Parameters
    ----------
    hidden_layer_sizes, activation, optimizer, step_size, schedule, momentum, nesterov, epochs,
    batch_size, restarts, early_stopping, validation_fraction, tol, patience, random_state,
    dtype, engine, verbose
        As for :class:`NeuralNetClassifier`.
    loss : {'squared', 'absolute', 'huber'}, default='squared'
        The loss per example (on the scaled target when ``scale_target``).
    scale_target : bool, default=True
        Train on the standardized target t = (y − mean) / std (per output column, fitted on
        the data of ``fit``, or of the first ``partial_fit`` call) and predict mean + std · f(x),
        as ``neuronet train`` does. A target in the hundreds of thousands (a price) is far
        from the unit scale the initial weights and step sizes assume; unscaled, such a fit
        ends far from the data. False uses the targets as given.

    Attributes
    ----------
    network_, result_, restart_losses_, best_restart_, loss_, loss_curve_, best_validation_loss_,
    validation_loss_curve_, n_iter_, n_features_in_, feature_names_in_
        As for :class:`NeuralNetClassifier`; the losses are those of the scaled target.
    n_outputs_ : int
        Number of outputs (columns of y).
    target_mean_, target_scale_ : ndarray of shape (n_outputs_,)
        The target's scaling: predictions are ``target_mean_ + target_scale_ · f(x)`` (0 and 1
        without ``scale_target``; a constant column has scale 1).

    Notes
    -----
    The features are used as given (the command line standardizes them; here put a
    ``sklearn.preprocessing.StandardScaler`` before the estimator in a Pipeline).
    ``partial_fit`` runs one epoch from the current weights and continues the optimizer's
    state (momentum, Adam's moments, the schedule's clock) from the call before, unless the
    optimizer was changed.
    """

    _parameter_constraints: dict = {
        **_NeuralNetBase._parameter_constraints,
        "loss": [StrOptions({"squared", "absolute", "huber"})],
        "scale_target": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="squared", scale_target=True,
                 optimizer="adam", step_size=0.001, schedule="constant", momentum=0.9, nesterov=False, epochs=200,
                 batch_size=32, restarts=1, early_stopping=False, validation_fraction=0.1, tol=1e-4, patience=10,
                 random_state=None, dtype="float64", engine="auto", verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.scale_target = scale_target
        self.optimizer = optimizer
        self.step_size = step_size
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.epochs = epochs
        self.batch_size = batch_size
        self.restarts = restarts
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.patience = patience
        self.random_state = random_state
        self.dtype = dtype
        self.engine = engine
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _y_check_params(self) -> dict:
        return {"multi_output": True, "y_numeric": True}

    def _targets(self, y, first, classes=None):
        y = np.asarray(y, dtype=np.float64)
        n_out = 1 if y.ndim == 1 else y.shape[1]
        if first:
            self.n_outputs_ = n_out
            self._y_ndim = y.ndim
            Y = y.reshape(len(y), n_out)                                    # (n, n_outputs)
            if self.scale_target:
                std = Y.std(axis=0)
                self.target_mean_, self.target_scale_ = Y.mean(axis=0), np.where(std > 0, std, 1.0)
            else:
                self.target_mean_, self.target_scale_ = np.zeros(n_out), np.ones(n_out)
        elif n_out != self.n_outputs_:
            raise ValueError(f"y has {n_out} output column(s), but {type(self).__name__} was fitted with "
                             f"{self.n_outputs_}; pass targets of the same width to partial_fit.")
        t = (y.reshape(len(y), n_out) - self.target_mean_) / self.target_scale_  # (n, n_outputs), scaled
        return t.reshape(y.shape).astype(self._np_dtype()), n_out, self.loss

    def fit(self, X, y):
        """Train from fresh initial weights.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """Train one more epoch from the current weights and optimizer state (the first call starts fresh).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        return self._fit(X, y, incremental=True)

    def predict(self, X) -> np.ndarray:
        """f(x): (n_samples,) when fitted on 1-D targets, else (n_samples, n_outputs)."""
        f = self._logits(X)                                                 # (n, n_outputs)
        y = (self.target_mean_ + self.target_scale_ * f).astype(f.dtype)   # the target's own units
        return y[:, 0] if self._y_ndim == 1 else y
