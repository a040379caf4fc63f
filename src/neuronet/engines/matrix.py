"""The matrix engine: one epoch over all active restarts, level by level with NumPy and BLAS.

Best for wide layers and large batches. For a layered, fully connected network the epochs run as
one compiled call (``dense.run_epochs``); every other structure runs the NumPy reference
(``model.backprop``) batch by batch, with the optimizer's NumPy rule.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from ..model.backprop import loss_and_gradient
from ..model.forward import forward
from ..model.structure import Structure
from .choice_costs import matrix_costs


# The compiled forward pass (loss, prediction) takes over from NumPy's from this many restart·row·multiply-adds
# (below, NumPy's few array calls cost less than loading the compiled code), EVAL_ROWS rows at a time.
EVAL_WORK = 1 << 22
EVAL_ROWS = 1024


class MatrixEngine:
    """Levels × blocks with NumPy/BLAS; best for wide layers and large batches.

    For a layered, fully connected network (``dense.plain_layers``) the epochs run as one
    compiled call (``dense.run_epochs``: the same products through BLAS, the element-wise
    work fused, no per-batch Python); ``compiled=False`` keeps every epoch on the NumPy path.
    """

    name = "matrix"

    def __init__(self, S: Structure, loss, optimizer, dtype, compiled: bool = True):
        self.S, self.lossf, self.opt, self.dtype = S, loss, optimizer, dtype
        self.path_restarts = None     # the run's R, for choosing a path (make_engine); None: the restarts given
        self._layers = None
        if compiled:
            from . import dense as dense_kernel, kernels  # noqa: PLC0415 (numba is imported only when needed)

            self._layers = dense_kernel.plain_layers(S)
            if self._layers is not None and kernels.supports(S, loss, optimizer)[0]:
                self._code, self._K, self._hp64, self._keys = kernels.kernel_constants(
                    optimizer, np.dtype(dtype))
                self._run = dense_kernel.run_epochs
                self._macs = int((self._layers[:, 2] * self._layers[:, 3]).sum())   # multiply-adds per row
            else:
                self._layers = None

    @property
    def compiled(self) -> bool:
        """Whether epochs run as one compiled call (a layered, fully connected network)."""
        return self._layers is not None

    def _compiled_epochs(self, theta, state, X, Y, perms, batch_size, lr, factors, t0):
        """The compiled path, or None when the arrays are not what it takes (then NumPy runs)."""
        dt = np.dtype(self.dtype)
        arrays = [theta, X, Y] + [state.get(k) for k in self._keys]
        if not all(isinstance(a, np.ndarray) and a.dtype == dt and a.flags.c_contiguous and a.flags.writeable
                   for a in arrays) or theta.ndim != 2 or any(state[k].shape != theta.shape for k in self._keys):
            return None
        dummy = np.zeros((1, 1), dt)
        s1 = state[self._keys[0]] if self._keys else dummy
        s2 = state[self._keys[1]] if len(self._keys) > 1 else dummy
        N = X.shape[0]
        bs = min(int(batch_size), N)
        compiled, numpy_path = matrix_costs(self.S, bs, N, self.path_restarts or theta.shape[0])
        if numpy_path < compiled:
            return None                         # many restarts of a tiny network: NumPy's stacked arrays
        full = bs == N
        K = perms.shape[0]
        out = np.zeros((theta.shape[0], K))
        perm = np.ascontiguousarray(perms, dtype=np.int64).reshape(-1)
        if not full and (perm.min(initial=0) < 0 or perm.max(initial=0) >= N):
            raise DataError(f"perm must hold row indices in 0…{N - 1}; received values from {perm.min()} to "
                            f"{perm.max()}.")
        args = (theta, s1, s2, X, Y, perm, full, bs, np.ascontiguousarray(lr, dtype=np.float64),
                np.ascontiguousarray(factors, np.float64).reshape(-1), int(t0), self._layers, int(self.lossf.code),
                self._code, self._K, self._hp64, out)
        self._run(*args)
        return out

    def epoch(self, theta, state, X, Y, perm, batch_size, lr, factors, t0, active=None):
        if self._layers is not None:
            out = self._compiled_epochs(theta, state, X, Y, np.asarray(perm)[None], batch_size, lr,
                                        np.asarray(factors)[None], t0)
            if out is not None:
                return out[:, 0]
        return self._numpy_epoch(theta, state, X, Y, perm, batch_size, lr, factors, t0)

    def _numpy_epoch(self, theta, state, X, Y, perm, batch_size, lr, factors, t0):
        N = X.shape[0]
        n_batches = len(factors)
        total = np.zeros(theta.shape[0])
        grad = np.empty_like(theta)
        views, gviews = self.S.views(theta), self.S.views(grad)
        steps = (lr[:, None] * np.asarray(factors)[None, :]).astype(theta.dtype)  # (R, n_batches): η per update
        full = batch_size >= N
        for b in range(n_batches):
            if full:
                Xb, Yb = X, Y                                                # no copy of the data
            else:
                idx = perm[b * batch_size:(b + 1) * batch_size]
                Xb, Yb = X[idx], Y[idx]                                      # (B, n_in), (B, n_out)
            value, grad, _ = loss_and_gradient(self.S, theta, Xb, Yb, self.lossf, grad, False, views, gviews)
            total += value
            self.opt.step(theta, grad, state, steps[:, b:b + 1], t0 + b)
        return total / n_batches

    def epochs(self, theta, state, X, Y, perms, batch_size, lr, factors, t0, active=None):
        """K epochs: perms (K, N), factors (K, n_batches) -> (R, K) mean batch losses."""
        if self._layers is not None:
            out = self._compiled_epochs(theta, state, X, Y, perms, batch_size, lr, factors, t0)
            if out is not None:
                return out
        n_batches = factors.shape[1]
        return np.stack([self._numpy_epoch(theta, state, X, Y, perms[k], batch_size, lr, factors[k],
                                           t0 + k * n_batches) for k in range(perms.shape[0])], axis=1)

    def loss(self, theta, X, Y):
        """The mean loss over all rows of X and Y, for each restart: (R,) float64 (losses.py's formula on ŷ)."""
        return self.lossf.value(self.forward(theta, X), Y).mean(axis=-1).astype(np.float64)

    def forward(self, theta, X):
        """ŷ of every restart for every row of X: (R, N, n_out). A layered network's large work runs the
        compiled loop's forward pass (``dense.run_forward``: BLAS, bias and activation in one pass per level,
        EVAL_ROWS rows at a time in reused work arrays); the rest runs the NumPy reference."""
        if self._layers is not None:
            dt = np.dtype(self.dtype)
            if (isinstance(theta, np.ndarray) and isinstance(X, np.ndarray) and theta.ndim == 2 and X.ndim == 2
                    and theta.dtype == dt and X.dtype == dt and theta.shape[1] == self.S.P
                    and X.shape[1] == self.S.n_in and theta.shape[0] * X.shape[0] * self._macs >= EVAL_WORK):
                from . import dense as dense_kernel  # noqa: PLC0415 (numba is imported only when needed)

                yhat = np.empty((theta.shape[0], X.shape[0], self.S.n_out), dt)
                X = X if X.flags.c_contiguous and X.flags.writeable else np.array(X, order="C")
                dense_kernel.run_forward(np.require(theta, requirements=["C", "W"]), X, self._layers, self._K,
                                         min(EVAL_ROWS, X.shape[0]), yhat)
                return yhat
        return forward(self.S, theta, X).yhat
