"""Optimizers on the flat parameters of R networks at once, sorted by increasing complexity.

Every optimizer updates ``theta`` (R, P) in place from the gradient ``g`` (R, P), with a
step size per restart ``lr`` (R, 1) (the base step size times the schedule's factor).
The update rule is one visible line each:

=========  =====================================================================
sgd        θ ← θ − η·g                                (the seed's step)
momentum   v ← μ·v − η·g ;  θ ← θ + v
nesterov   v ← μ·v − η·g ;  θ ← θ + μ·v − η·g
adam       m ← β₁m + (1−β₁)g ; v ← β₂v + (1−β₂)g² ; θ ← θ − η·m̂/(√v̂ + ε),
           m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
rprop      iRprop−: per-weight steps Δ grow ×1.2 while g keeps its sign and shrink ×0.5
           when it flips (then g is taken as 0); θ ← θ − sign(g)·Δ.  Full batch only;
           the step size is Δ's starting value and no schedule applies.
=========  =====================================================================

Positions of theta that hold no edge always have g = 0, so they stay 0 under every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError

NAMES = ("sgd", "adam", "rprop")


@dataclass(frozen=True)
class Optimizer:
    """An update rule and its hyperparameters; state lives in plain arrays (see ``init_state``)."""

    name: str = "sgd"
    momentum: float = 0.0
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    eta_plus: float = 1.2
    eta_minus: float = 0.5
    step_max: float = 50.0
    step_min: float = 1e-6
    options: dict = field(default_factory=dict, compare=False)

    def init_state(self, R: int, P: int, dtype, step_size: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Zeroed state arrays, each (R, P)."""
        if self.name == "sgd":
            return {"velocity": np.zeros((R, P), dtype)} if self.momentum else {}
        if self.name == "adam":
            return {"m": np.zeros((R, P), dtype), "v": np.zeros((R, P), dtype)}
        steps = np.empty((R, P), dtype)
        steps[...] = (np.full((R, 1), 0.1) if step_size is None else np.asarray(step_size).reshape(R, 1))
        return {"delta": steps, "prev": np.zeros((R, P), dtype)}

    def step(self, theta: np.ndarray, g: np.ndarray, state: dict, lr: np.ndarray, t: int) -> None:
        """One update of every restart. ``t`` counts updates before this one (0, 1, 2, …).

        ``g`` is scratch: sgd overwrites it with η·g (no temporary the size of theta).
        """
        if self.name == "sgd":
            g *= lr                                                       # η·g: (R, P) *= (R, 1)
            if not self.momentum:
                theta -= g                                                # θ ← θ − η·g
                return
            v = state["velocity"]
            v *= self.momentum
            v -= g                                                        # v ← μ·v − η·g
            if self.nesterov:
                theta += self.momentum * v - g                            # θ ← θ + μ·v − η·g
            else:
                theta += v                                                # θ ← θ + v
        elif self.name == "adam":
            m, v = state["m"], state["v"]
            c1 = 1 - self.beta1 ** (t + 1)
            c2 = 1 - self.beta2 ** (t + 1)
            # in place, one temporary: the same arithmetic as the formula above, in that order
            m *= self.beta1
            tmp = g * (1 - self.beta1)
            m += tmp
            v *= self.beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - self.beta2
            v += tmp
            np.multiply(v, 1 / c2, out=tmp)                                  # v̂
            np.sqrt(tmp, out=tmp)
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= lr / c1
            theta -= tmp
        else:  # rprop (iRprop−)
            delta, prev = state["delta"], state["prev"]
            same = g * prev
            grow, shrink = same > 0, same < 0
            delta[grow] = np.minimum(delta[grow] * self.eta_plus, self.step_max)
            delta[shrink] = np.maximum(delta[shrink] * self.eta_minus, self.step_min)
            g = np.where(shrink, 0, g)
            theta -= np.sign(g) * delta
            prev[...] = g


def get(name: str = "sgd", momentum: float = 0.0, nesterov: bool = False, **options) -> Optimizer:
    """The optimizer called ``name`` ('sgd', 'adam', 'rprop'; 'momentum' and 'nesterov' are sgd with μ=0.9)."""
    if isinstance(name, Optimizer):
        return name
    key = str(name).lower()
    if key in ("momentum", "nesterov"):
        nesterov = nesterov or key == "nesterov"
        momentum = momentum or 0.9
        key = "sgd"
    if key not in NAMES:
        raise DataError(f"Unknown optimizer {name!r}. Known optimizers: sgd, momentum, nesterov, adam, rprop.")
    if not 0.0 <= float(momentum) < 1.0:
        raise DataError(f"momentum must be in [0, 1); received momentum={momentum!r}.")
    if nesterov and not momentum:
        raise DataError("nesterov=True needs a momentum > 0; received momentum=0.")
    known = {"beta1", "beta2", "eps", "eta_plus", "eta_minus", "step_max", "step_min"}
    unknown = set(options) - known
    if unknown:
        raise DataError(f"Unknown optimizer option(s) {sorted(unknown)}; known: {sorted(known)}.")
    return Optimizer(key, float(momentum), bool(nesterov), **{k: float(v) for k, v in options.items()})
