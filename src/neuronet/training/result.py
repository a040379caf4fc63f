"""What ``train`` returns: the best network and the record of every restart."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import TrainingError
from ..model.forward import forward
from ..model.network import Network


@dataclass
class TrainResult:
    """What ``train`` returns: the best network and the record of every restart.

    Attributes
    ----------
    network : Network             the best restart (lowest validation loss if any, else training loss)
    losses : (R,) array           loss of each restart's returned weights on the whole training set
                                  (inf for a diverged restart)
    history : (R, epochs) array   mean of the batch losses in each epoch (NaN after a restart stopped)
    val_losses, val_history       the same on the validation data, or None
    best : int                    index of the best restart
    status : list[str]            per restart: 'ran_out' (of epochs), 'converged', 'stopped_early', 'diverged'
    epochs_run : (R,) int array   epochs each restart ran
    theta : (R, P) array          every restart's returned weights
    optimizer_state : dict        the optimizer's arrays (R, P) and update counter ``t`` at the end, to
                                  continue with ``train(…, optimizer_state=…)``
    """

    network: Network
    losses: np.ndarray
    history: np.ndarray
    best: int
    status: list
    epochs_run: np.ndarray
    theta: np.ndarray = field(repr=False)
    initial_theta: np.ndarray = field(repr=False)
    val_losses: np.ndarray | None = None
    val_history: np.ndarray | None = None
    engine: str = "matrix"
    seconds: float = 0.0
    config: dict = field(default_factory=dict)
    optimizer_state: dict = field(default_factory=dict, repr=False)  # {"t": updates done, name: (R, P)}
    _template: Network | None = field(default=None, repr=False)

    @property
    def restarts(self) -> int:
        return self.theta.shape[0]

    def network_at(self, k: int) -> Network:
        """Restart k's returned network (its best weights when early stopping)."""
        k = self._index(k)
        if self.status[k] == "diverged":
            raise TrainingError(f"Restart {k} diverged (its loss became non-finite or exploded); it has no "
                                "usable weights.")
        return self._template._with_theta(self.theta[k])

    def initial_network(self, k: int) -> Network:
        """Restart k's starting point (restart 0 is the network passed to train)."""
        return self._template._with_theta(self.initial_theta[self._index(k)])

    def ranking(self) -> np.ndarray:
        """Restart indices, best first (diverged restarts last)."""
        key = self.val_losses if self.val_losses is not None else self.losses
        return np.argsort(np.where(np.isfinite(key), key, np.inf), kind="stable")

    def ensemble(self, k: int = 5) -> "Ensemble":
        """The k best restarts as an ensemble whose prediction is their average output."""
        ranked = [int(r) for r in self.ranking() if self.status[r] != "diverged"][:max(int(k), 1)]
        return Ensemble(self._template, self.theta[ranked], ranked)

    def _index(self, k: int) -> int:
        if not -self.restarts <= int(k) < self.restarts:
            raise IndexError(f"restart index {k} out of range for {self.restarts} restarts")
        return int(k) % self.restarts

    def summary(self) -> str:
        rows = [f"{'rank':>4} {'restart':>7} {'loss':>12} {'val loss':>12} {'epochs':>6}  status"]
        for rank, r in enumerate(self.ranking()[:10], start=1):
            v = "" if self.val_losses is None else f"{self.val_losses[r]:.6g}"
            rows.append(f"{rank:>4} {r:>7} {self.losses[r]:>12.6g} {v:>12} {self.epochs_run[r]:>6}  {self.status[r]}")
        return "\n".join(rows)


class Ensemble:
    """Several restarts of one network; ``forward`` averages their outputs."""

    def __init__(self, template: Network, theta: np.ndarray, members: list[int]):
        self._template, self.theta, self.members = template, theta, members

    def forward(self, X) -> np.ndarray:
        Xa, single = self._template._check_X(X)
        y = forward(self._template.structure, self.theta, Xa).yhat.mean(axis=0)   # (R, B, m) -> (B, m)
        return y[0] if single else y

    __call__ = forward

    def networks(self) -> list[Network]:
        return [self._template._with_theta(t) for t in self.theta]
