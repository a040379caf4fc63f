"""Backpropagation over the compiled structure, in the seed's three steps (chapter III.II).

With δ_j = ∂L/∂z_j:

1. at the output neurons, δ_k = f_k'(z_k) · ∂L/∂ŷ_k;
2. level by level backwards, summing over every outgoing edge,
   δ_i = f_i'(z_i) · Σ_j w_ij · δ_j;
3. for every weight, ∂L/∂w_ij = δ_j · o_i.

Vectorized over a level, R restarts and a batch of B examples::

    delta_t = g_t * f_t'(z_t, o_t)           # (R, B, n_t)
    dW[t,s] = o_s^T @ delta_t                 # (R, n_s, B) @ (R, B, n_t) -> (R, n_s, n_t)
    g_s    += delta_t @ W[t,s]^T              # (R, B, n_t) @ (R, n_t, n_s) -> (R, B, n_s)

where g_t = ∂L/∂o_t. L is the batch mean, so ∂L/∂ŷ carries a factor 1/B.
"""

from __future__ import annotations

import numpy as np

from .losses import Loss
from .forward import Cache, forward
from .structure import BIAS, Structure


def backward(S: Structure, theta: np.ndarray, cache: Cache, dyhat: np.ndarray, grad: np.ndarray,
             keep_deltas: bool = False, views: list | None = None, gviews: list | None = None) -> list | None:
    """Write ∂L/∂theta (R, P) into ``grad`` given ∂L/∂ŷ (R, B, n_out); optionally return every δ_t.

    ``views``/``gviews``: S.views(theta) and S.views(grad), when the caller keeps them.
    """
    views = S.views(theta) if views is None else views
    gviews = S.views(grad) if gviews is None else gviews
    R = theta.shape[0]
    L = len(S.levels)
    g: list = [None] * L                          # ∂L/∂o_t, (R, B, n_t)
    deltas: list = [None] * L
    for t in range(L - 1, 0, -1):
        lev = S.levels[t]
        # Step 1 (outputs) and the sum of step 2 meet here: a level may hold both kinds.
        if len(lev.out_cols):
            if S.output_is_last_level:
                gt = dyhat if g[t] is None else g[t] + dyhat
            else:
                gt = g[t] if g[t] is not None else np.zeros_like(cache.z[t])
                gt[..., lev.out_cols] += dyhat[..., lev.out_pos]
        else:
            gt = g[t] if g[t] is not None else np.zeros_like(cache.z[t])  # a dead-end neuron
        zt, ot = cache.z[t], cache.o[t]
        # δ_t = g_t · f_t'(z_t), in place (the backward pass owns g_t), per activation segment
        if len(lev.segments) == 1:
            lev.segments[0][0].scale(gt, zt, ot)
        else:
            for act, sl in lev.segments:
                act.scale(gt[..., sl], zt[..., sl], ot[..., sl])
        delta = gt                                                         # (R, B, n_t)
        if keep_deltas:
            deltas[t] = delta
        for blk, W, gW in zip(lev.blocks, views[t], gviews[t]):           # W, gW: (R, n_s, n_t)
            if blk.src == BIAS:
                if blk.shape[0] == 1:                                      # o_bias = 1
                    np.sum(delta, axis=1, keepdims=True, out=gW)
                else:
                    gW[...] = delta.sum(axis=1, keepdims=True)
            else:
                a = cache.o[blk.src]
                # (matmul with out= skips BLAS in NumPy 2.x: compute, then copy into the view)
                if R == 1:                                                 # one network: plain 2-D products
                    # (n_s, B) @ (B, n_t) straight into the flat gradient (np.dot takes a C-contiguous out)
                    np.dot(a.reshape(a.shape[-2:]).T, delta[0], out=gW[0])
                elif a.ndim == 2:
                    gW[...] = np.matmul(a.T, delta)                        # (n_s, B) @ (R, B, n_t)
                else:
                    gW[...] = np.matmul(a.transpose(0, 2, 1), delta)      # (R, n_s, B) @ (R, B, n_t)
                if blk.src > 0:                                            # step 2: pass δ back along edges
                    if blk.shape[1] == 1:                                  # one target: an outer product,
                        back = delta * W.transpose(0, 2, 1)                # which BLAS does ~10× slower
                    elif R == 1:
                        back = (delta[0] @ W[0].T)[None]                   # (B, n_t) @ (n_t, n_s)
                    else:
                        back = np.matmul(delta, W.transpose(0, 2, 1))      # (R, B, n_t) @ (R, n_t, n_s)
                    if g[blk.src] is None:
                        g[blk.src] = back
                    else:
                        g[blk.src] += back
            if blk.mask is not None:
                gW *= blk.mask
    return deltas if keep_deltas else None


def loss_and_gradient(S: Structure, theta: np.ndarray, X: np.ndarray, Y: np.ndarray, loss: Loss,
                      grad: np.ndarray | None = None, keep_deltas: bool = False,
                      views: list | None = None, gviews: list | None = None):
    """Mean loss (R,), its gradient (R, P), and (optionally) every level's δ, for one batch.

    theta (R, P); X (B, n_in) or (R, B, n_in); Y (B, n_out) or (R, B, n_out).
    ``views``/``gviews``: S.views(theta) and S.views(grad), to skip remaking them per batch.
    """
    if grad is None:
        grad = np.zeros_like(theta)
        gviews = None
    cache = forward(S, theta, X, views, keep_z=keep_deltas)  # deltas are for people: they see z too
    B = X.shape[-2]
    per_example, dyhat = loss.value_and_grad(cache.yhat, Y)               # (R, B), (R, B, n_out)
    value = per_example.sum(axis=-1) * (1.0 / B)                           # (R,)
    dyhat *= 1.0 / B
    deltas = backward(S, theta, cache, dyhat, grad, keep_deltas, views, gviews)
    return value, grad, deltas
