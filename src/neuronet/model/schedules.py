"""Step-size schedules: η_t = η₀ · factor(e), with e = t / (updates per epoch) the epochs elapsed.

The seed: the step size "usually decreases over the course of the algorithm". Measuring
time in epochs (fractional, so each update gets its own step size) makes a schedule mean
the same thing whatever the batch size.

============  ==========================  ==============================
name          factor(e)                   parameters (default)
============  ==========================  ==============================
constant      1
inverse_time  1 / (1 + k·e)               decay k (1.0)
power         1 / (1 + e)^p               power p (0.5)
exponential   γ^e                         gamma γ (0.95)
step          γ^⌊e / s⌋                   gamma γ (0.5), every s (10)
cosine        ½·(1 + cos(π·e / E))        E = the run's epochs
============  ==========================  ==============================

``auto`` (``train()``'s default) picks by optimizer, as :func:`default_for` says: plain SGD
(no momentum) on batches smaller than the data gets the seed's decreasing step, ``inverse_time`` with decay 1, so
η_t = η₀ / (1 + e): the classic 1/t schedule of stochastic approximation (Robbins & Monro
1951; Bottou, "Stochastic Gradient Descent Tricks", 2012, recommends η₀ / (1 + λη₀t)), under
which per-example SGD settles on the minimiser of the mean loss instead of wandering
around it at a distance set by η₀ (``neuronet demo median`` shows the difference). Full-batch
gradient descent has no sampling noise to average out; adam and rprop adapt their steps
themselves, and momentum SGD is usually tuned with a constant step: they get ``constant``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError

AUTO = "auto"                       # the default for the optimizer, see default_for()
DECREASING = {"name": "inverse_time", "decay": 1.0}   # plain SGD's default: η₀ / (1 + e)

DEFAULTS = {
    "constant": {},
    "inverse_time": {"decay": 1.0},
    "power": {"power": 0.5},
    "exponential": {"gamma": 0.95},
    "step": {"gamma": 0.5, "every": 10},
    "cosine": {},
}


@dataclass(frozen=True)
class Schedule:
    name: str = "constant"
    params: dict = field(default_factory=dict)

    def factors(self, t0: int, n: int, steps_per_epoch: int, epochs: int) -> np.ndarray:
        """factor for updates t0 … t0+n−1: shape (n,), float64."""
        if self.name == "constant":
            return np.ones(n)
        e = np.arange(t0, t0 + n, dtype=np.float64) / steps_per_epoch
        p = self.params
        if self.name == "inverse_time":
            return 1.0 / (1.0 + p["decay"] * e)
        if self.name == "power":
            return (1.0 + e) ** (-p["power"])
        if self.name == "exponential":
            return p["gamma"] ** e
        if self.name == "step":
            return p["gamma"] ** np.floor(e / p["every"])
        return 0.5 * (1.0 + np.cos(np.pi * e / max(epochs, 1)))

    def describe(self) -> str:
        if not self.params:
            return self.name
        return self.name + "(" + ", ".join(f"{k}={v:g}" for k, v in self.params.items()) + ")"


def default_for(optimizer=None, stochastic: bool = True) -> Schedule:
    """The schedule ``auto`` stands for: decreasing for plain stochastic gradient descent, else constant.

    ``optimizer`` is an :class:`neuronet.optimizers.Optimizer` (or anything with ``name`` and
    ``momentum``), or None for plain SGD; ``stochastic`` says whether each update sees only part
    of the data (batches smaller than the data set). The decreasing step exists to average out
    the noise of sampled gradients (Robbins & Monro): full-batch gradient descent has none and
    converges with a constant step, which ``1/(1 + t)`` would only slow down. SGD with momentum,
    adam and rprop keep the constant step their users tune them with.
    """
    plain = optimizer is None or (getattr(optimizer, "name", None) == "sgd"
                                  and not getattr(optimizer, "momentum", 0.0))
    return get(DECREASING) if plain and stochastic else get("constant")


def get(spec="constant", *, optimizer=None, stochastic: bool = True, **params) -> Schedule:
    """A schedule from a name, ``{"name": …, **params}``, or ``(name, params)``.

    ``"auto"`` is :func:`default_for` ``(optimizer, stochastic)``.
    """
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        params = {**spec, **params}
        spec = params.pop("name", None)
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        spec, extra = spec
        params = {**dict(extra), **params}
    name = str(spec).lower()
    if name == AUTO:
        if params:
            raise DataError(f"Schedule 'auto' takes no parameters (it picks one for the optimizer); "
                            f"received {sorted(params)}.")
        return default_for(optimizer, stochastic)
    if name not in DEFAULTS:
        raise DataError(f"Unknown schedule {spec!r}. Known schedules: {', '.join((AUTO, *DEFAULTS))}.")
    unknown = set(params) - set(DEFAULTS[name])
    if unknown:
        raise DataError(f"Schedule {name!r} takes {sorted(DEFAULTS[name]) or 'no parameters'}; "
                        f"received {sorted(unknown)}.")
    full = {**DEFAULTS[name], **{k: float(v) for k, v in params.items()}}
    for k, v in full.items():
        if not np.isfinite(v) or v < 0 or (k in ("gamma", "every") and v <= 0):
            raise DataError(f"Schedule {name!r}: {k} must be a positive number; received {k}={v!r}.")
    return Schedule(name, full)
