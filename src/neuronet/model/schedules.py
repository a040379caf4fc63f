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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError

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


def get(spec="constant", **params) -> Schedule:
    """A schedule from a name, ``{"name": …, **params}``, or ``(name, params)``."""
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
    if name not in DEFAULTS:
        raise DataError(f"Unknown schedule {spec!r}. Known schedules: {', '.join(DEFAULTS)}.")
    unknown = set(params) - set(DEFAULTS[name])
    if unknown:
        raise DataError(f"Schedule {name!r} takes {sorted(DEFAULTS[name]) or 'no parameters'}; "
                        f"received {sorted(unknown)}.")
    full = {**DEFAULTS[name], **{k: float(v) for k, v in params.items()}}
    for k, v in full.items():
        if not np.isfinite(v) or v < 0 or (k in ("gamma", "every") and v <= 0):
            raise DataError(f"Schedule {name!r}: {k} must be a positive number; received {k}={v!r}.")
    return Schedule(name, full)
