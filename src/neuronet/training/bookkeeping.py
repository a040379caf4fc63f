"""Restart bookkeeping: after each chunk of epochs, which restarts diverged, converged or stopped early.

The rules, per restart r (the seed's loop runs each restart until one of them fires or the
epochs run out):

* **diverged** — an epoch's loss is non-finite or above ``DIVERGENCE_FACTOR`` × max(start
  loss, 0.01). The restart stops at its first bad epoch; later epochs of the chunk are not
  recorded.
* **converged** — ``target_loss`` is set and the epoch's training loss is ≤ it.
* **early stopping** — the monitored loss (validation if any, else training) improves when it
  falls below the best so far by more than ``tol``; ``since`` counts epochs without an
  improvement, and with ``early_stopping`` the restart stops once ``since ≥ patience``:
  exactly ``patience`` epochs without improvement ('stopped_early' when monitoring validation
  data, 'converged' when monitoring the training loss). Its best weights are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .state import RunState

DIVERGENCE_FACTOR = 1e4  # a loss this many times its starting value (or non-finite) means diverged


@dataclass(frozen=True)
class Rules:
    early_stopping: bool = False
    patience: int = 10
    tol: float = 1e-4
    target_loss: float | None = None
    validation: bool = False

    @property
    def per_epoch(self) -> bool:
        """Whether a decision may fall after any single epoch (else epochs can run in long chunks)."""
        return self.early_stopping or self.target_loss is not None or self.validation

    def judge(self, run: RunState, idx: np.ndarray, chunk: np.ndarray, w_theta: np.ndarray,
              val_loss: np.ndarray | None = None) -> np.ndarray:
        """Record K epochs of restarts ``idx`` (ending at ``run.epoch``) and return which of them stop.

        chunk : (R', K) mean batch losses per epoch; w_theta : (R', P) the weights after the chunk;
        val_loss : (R',) their validation loss (with ``validation``). Updates the run's history,
        epochs_run, best_mon, since, best_theta and status.
        """
        K = chunk.shape[1]
        epoch = run.epoch - K                       # the chunk covers epochs epoch … run.epoch − 1
        high = chunk > DIVERGENCE_FACTOR * 1e-2     # under this no starting loss makes a loss diverged, so
        if high.any():                              # the starting loss (a forward pass) is computed only here
            high = chunk > (DIVERGENCE_FACTOR * np.maximum(run.starting_loss()[idx], 1e-2))[:, None]
        bad_k = ~np.isfinite(chunk) | high
        first_bad = np.where(bad_k.any(axis=1), bad_k.argmax(axis=1), K)
        run.history[idx, epoch:run.epoch] = np.where(np.arange(K) <= first_bad[:, None], chunk, np.nan)
        run.epochs_run[idx] += np.minimum(first_bad + 1, K)
        ep_loss = chunk[:, -1]
        bad = first_bad < K
        monitor = ep_loss
        if val_loss is not None:
            run.val_history[idx, run.epoch - 1] = val_loss
            monitor = val_loss
        bad |= ~np.isfinite(monitor)
        improved = (monitor < run.best_mon[idx] - self.tol) & ~bad
        if self.early_stopping:
            run.best_theta[idx[improved]] = w_theta[improved]
        run.best_mon[idx] = np.where(improved, monitor, run.best_mon[idx])
        run.since[idx] = np.where(improved, 0, run.since[idx] + K)
        none = np.zeros_like(bad)
        reached = ~bad & (ep_loss <= self.target_loss) if self.target_loss is not None else none
        patient = ~bad & ~reached & (run.since[idx] >= self.patience) if self.early_stopping else none
        for r in idx[bad]:
            run.status[r] = "diverged"
        for r in idx[reached]:
            run.status[r] = "converged"
        for r in idx[patient]:
            run.status[r] = "stopped_early" if self.validation else "converged"
        return bad | reached | patient
