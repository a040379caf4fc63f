"""The run state: everything a checkpoint holds, as one object with its own save and load.

Every array has a leading restart axis (R). Saving it after epoch e and loading it gives back
the same object, bit for bit, so a resumed run continues exactly where the checkpoint was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..model import initializers
from . import checkpoint
from .options import Plan


@dataclass
class RunState:
    """Where a run stands after ``epoch`` epochs.

    theta, initial, best_theta : (R, P)  current, starting and best-so-far weights
    opt_state : {name: (R, P)}           the optimizer's arrays (velocity, Adam's moments, rprop's steps)
    history, val_history : (R, epochs)   mean batch loss per epoch (NaN where a restart did not run)
    best_mon : (R,)                      best monitored loss so far (validation if any, else training)
    since : (R,) int                     epochs since the monitored loss last improved by ``tol``
    epochs_run : (R,) int                epochs each restart ran
    start_loss : (R,) or None            loss of the starting weights, the scale for divergence; None until
                                         first needed (``starting_loss``: a forward pass over all the data)
    eta0 : (R,)                          η₀ per restart
    status : list[str]                   'ran_out' while running, then 'converged', 'stopped_early', 'diverged'
    t, epoch : int                       updates done (the schedule's clock), epochs done
    rng : Generator                      the epochs' shuffling stream
    config : dict                        the run's identity (``options.Plan.config``)
    """

    theta: np.ndarray
    initial: np.ndarray
    best_theta: np.ndarray
    opt_state: dict
    history: np.ndarray
    val_history: np.ndarray | None
    best_mon: np.ndarray
    since: np.ndarray
    epochs_run: np.ndarray
    start_loss: np.ndarray
    eta0: np.ndarray
    status: list
    t: int
    epoch: int
    rng: np.random.Generator
    config: dict
    loss_of: Callable[[np.ndarray], np.ndarray] | None = None    # (R, P) weights -> (R,) loss on the data

    def starting_loss(self) -> np.ndarray:
        """start_loss, computed from ``initial`` when first asked for (most runs never need it: only a loss
        over DIVERGENCE_FACTOR·1e-2 can have diverged, and only a checkpoint stores it)."""
        if self.start_loss is None:
            self.start_loss = self.loss_of(self.initial)
        return self.start_loss

    @classmethod
    def fresh(cls, plan: Plan, start_loss, first_restart: int, init: str, init_scale: float) -> "RunState":
        """Epoch 0: restart 0 is the network given, restart k ≠ 0 starts from stream (seed, k)."""
        net, R, S, dtype = plan.net, plan.restarts, plan.net.structure, plan.net.dtype.type
        theta = np.empty((R, S.P), dtype=dtype)
        ks = np.arange(first_restart, first_restart + R)                  # the restarts' numbers
        drawn = ks != 0
        theta[~drawn] = net.theta
        if drawn.any():
            theta[drawn] = initializers.draw_restarts(S, ks[drawn], int(plan.config["entropy"]), init, init_scale,
                                                      dtype)
        opt_state = plan.opt.init_state(R, S.P, dtype, plan.eta0 if plan.opt.name == "rprop" else None)
        E = plan.epochs
        return cls(theta=theta, initial=theta.copy(), best_theta=theta.copy(), opt_state=opt_state,
                   history=np.full((R, E), np.nan), val_history=np.full((R, E), np.nan) if plan.Xv is not None else None,
                   best_mon=np.full(R, np.inf), since=np.zeros(R, dtype=np.int64),
                   epochs_run=np.zeros(R, dtype=np.int64), start_loss=None, eta0=plan.eta0,
                   status=["ran_out"] * R, t=0, epoch=0, rng=np.random.default_rng(plan.shuffle_seq),
                   config=plan.config, loss_of=start_loss)

    @classmethod
    def load(cls, path, plan: Plan) -> "RunState":
        """The state saved at ``path``, checked strictly and against this call's plan (see ``checkpoint``)."""
        dtype = plan.net.dtype.type
        names = sorted(plan.opt.init_state(1, 1, dtype))
        meta, a = checkpoint.read(path, plan.config, names)
        rng = np.random.default_rng(plan.shuffle_seq)
        rng.bit_generator.state = meta["rng"]
        f = {k: a[k].astype(dtype) for k in ("theta", "initial", "best_theta")}
        return cls(**f, opt_state={k: a["state_" + k].astype(dtype) for k in names},
                   history=a["history"].astype(np.float64),
                   val_history=a["val_history"].astype(np.float64) if "val_history" in a else None,
                   best_mon=a["best_mon"].astype(np.float64), since=a["since"].astype(np.int64),
                   epochs_run=a["epochs_run"].astype(np.int64), start_loss=a["start_loss"].astype(np.float64),
                   eta0=a["eta0"].astype(np.float64), status=[str(s) for s in meta["status"]], t=int(meta["t"]),
                   epoch=int(meta["epoch"]), rng=rng, config=plan.config)

    def save(self, path: Path) -> None:
        """Write the whole state atomically (OSError propagates; the caller decides what a failure means)."""
        arrays = {"theta": self.theta, "initial": self.initial, "history": self.history,
                  "best_theta": self.best_theta, "best_mon": self.best_mon, "since": self.since,
                  "epochs_run": self.epochs_run, "start_loss": self.starting_loss(), "eta0": self.eta0,
                  **{"state_" + k: v for k, v in self.opt_state.items()}}
        if self.val_history is not None:
            arrays["val_history"] = self.val_history
        meta = {"config": self.config, "status": self.status, "t": self.t, "epoch": self.epoch,
                "rng": self.rng.bit_generator.state}
        checkpoint.write(path, meta, arrays)

    # -- the restarts still running, as contiguous working copies -----------------------------
    def running(self) -> np.ndarray:
        """Indices of the restarts that still run."""
        return np.flatnonzero(np.array([s == "ran_out" for s in self.status])
                              & (self.epochs_run < self.history.shape[1]))

    def rows(self, idx: np.ndarray) -> tuple[np.ndarray, dict]:
        """Contiguous copies of the weights and optimizer state of restarts ``idx``, for the engine."""
        return (np.ascontiguousarray(self.theta[idx]),
                {k: np.ascontiguousarray(v[idx]) for k, v in self.opt_state.items()})

    def put_rows(self, idx: np.ndarray, theta: np.ndarray, opt_state: dict) -> None:
        """Write working copies back."""
        self.theta[idx] = theta
        for k, v in opt_state.items():
            self.opt_state[k][idx] = v
