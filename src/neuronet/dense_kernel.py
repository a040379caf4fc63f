"""The matrix engine's epoch loop, compiled, for layered fully connected networks.

A layered network whose every level t takes all of level t−1 and one bias neuron is
f = σ_L∘A_L∘…∘σ_1∘A_1 with A_t(a) = a·W_t + b_t: the seed's matrices, nothing else. For such
a network one batch is a handful of matrix products and a few passes over their results::

    Z_t = A_{t−1} @ W_t + b_t ,  A_t = f_t(Z_t)                     forward, level by level
    D_L = f_L'(Z_L) ⊙ ∂L/∂ŷ ,  D_t = f_t'(Z_t) ⊙ (D_{t+1} @ W_{t+1}ᵀ)  the seed's backward steps
    ∂L/∂W_t = A_{t−1}ᵀ @ D_t ,  ∂L/∂b_t = Σ_rows D_t                  then one optimizer update

NumPy pays about a microsecond of Python and dispatch for each of the ~35 array operations
this takes, which is most of the time for small layers (a batch of 32 through 64-64-10 is a
few microseconds of arithmetic). Here the whole run of K epochs is one compiled call: the
products go to BLAS (numba's ``np.dot`` with ``out=``, no allocation), the element-wise work
is fused into one pass per level (bias + activation; derivative + bias gradient), and the
update rules are those of ``optimizers.py`` in the same order of operations, so the
trajectories are the NumPy engine's to rounding error (tested to 1e-10).

Other structures (skip connections, masked blocks, several bias neurons into one level,
outputs in hidden levels, mixed activations in a level) stay on the NumPy path.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .neuron_engine import (_B1, _B2, _EPS, _ETA_MINUS, _ETA_PLUS, _HALF, _JIT, _LEAKY, _MU,
                            _ONE, _ONE_MINUS_B1, _ONE_MINUS_B2, _STEP_MAX, _STEP_MIN, _TWO, _ZERO, ADAM, MOMENTUM,
                            NESTEROV, RPROP, SGD, _df, _f, _loss_grad)
from .structure import BIAS, Structure

# Columns of the layer table (one row per level t = 1…L).
_W_OFF, _B_OFF, _N_S, _N_T, _ACT = range(5)


def plain_layers(S: Structure) -> np.ndarray | None:
    """The layer table (L, 5) int64 — weight offset, bias offset, n_s, n_t, activation code — when S is a
    layered, fully connected network with one bias neuron per level and the outputs as its last level;
    None otherwise."""
    if not S.output_is_last_level or len(S.levels) < 2:
        return None
    rows = []
    for t in range(1, len(S.levels)):
        lev = S.levels[t]
        if len(lev.segments) != 1 or len(lev.blocks) != 2:
            return None
        dense, bias = lev.blocks
        if (dense.src != t - 1 or dense.mask is not None or bias.src != BIAS or bias.shape[0] != 1
                or bias.mask is not None):
            return None
        rows.append((dense.offset, bias.offset, dense.shape[0], dense.shape[1], lev.segments[0][0].code))
    return np.array(rows, dtype=np.int64)


@njit(**_JIT)
def run_epochs(theta, s1, s2, X, Y, perm, full, batch_size, lr, factors, t0, layers, loss_code, opt, K, hp64,
               out):
    """K = out.shape[1] epochs of every restart r of theta (R, P), in place; out[r, k] = the mean batch loss
    of epoch k. perm (K·N,): each epoch's order of the rows (ignored when ``full``: one batch of all rows
    in their order, as the NumPy engine does); factors (K·n_batches,): the schedule's factors."""
    R = theta.shape[0]
    N, n_in = X.shape
    n_out = Y.shape[1]
    L = layers.shape[0]
    n_epochs = out.shape[1]
    n_batches = (N + batch_size - 1) // batch_size
    dt = theta.dtype
    zero, one, half, two, leaky = K[_ZERO], K[_ONE], K[_HALF], K[_TWO], K[_LEAKY]
    mu, b1, b2, nb1, nb2, eps = K[_MU], K[_B1], K[_B2], K[_ONE_MINUS_B1], K[_ONE_MINUS_B2], K[_EPS]
    eta_plus, eta_minus, step_max, step_min = K[_ETA_PLUS], K[_ETA_MINUS], K[_STEP_MAX], K[_STEP_MIN]
    # Buffers for the largest batch: every level's Z and A (= f(Z)), its δ, and ∂L/∂A of the level below.
    width = 0
    for t in range(L):
        width += layers[t, _N_T]
    zbuf, abuf, dbuf = np.empty(batch_size * width, dt), np.empty(batch_size * width, dt), \
        np.empty(batch_size * width, dt)
    xb = np.empty(batch_size * n_in, dt)
    grad = np.zeros(theta.shape[1], dt)
    out_slot = np.arange(n_out)
    tmp = np.zeros(1, dt)                                                  # rounds a float64 into the dtype
    P = theta.shape[1]
    for r in range(R):
        w = theta[r]
        for ep in range(n_epochs):
            total = 0.0
            for b in range(n_batches):
                start = b * batch_size
                nb = min(batch_size, N - start)
                # -- the batch's rows (the whole data in order for one full batch)
                if full:
                    a_prev = X
                else:
                    a_prev = xb[:nb * n_in].reshape(nb, n_in)
                    for i in range(nb):
                        row = perm[ep * N + start + i]
                        for c in range(n_in):
                            a_prev[i, c] = X[row, c]
                # -- forward: Z_t = A_{t-1} @ W_t + b_t, A_t = f_t(Z_t)
                off = 0
                for t in range(L):
                    wo, bo, n_s, n_t, code = layers[t, 0], layers[t, 1], layers[t, 2], layers[t, 3], layers[t, 4]
                    W = w[wo:wo + n_s * n_t].reshape(n_s, n_t)
                    Z = zbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    A = abuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    np.dot(a_prev, W, Z)
                    for i in range(nb):
                        for c in range(n_t):
                            z = Z[i, c] + w[bo + c]
                            Z[i, c] = z
                            A[i, c] = _f(code, z, zero, one, leaky)
                    a_prev = A
                    off += n_t
                # -- the loss and ∂L/∂ŷ of the batch mean, into the output level's δ buffer
                n_t = layers[L - 1, _N_T]
                off -= n_t
                D = dbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                tmp[0] = 1.0 / nb
                scale = tmp[0]
                value = zero
                for i in range(nb):
                    row = i if full else perm[ep * N + start + i]
                    value += _loss_grad(loss_code, a_prev.T, out_slot, Y, row, scale, D.T, i, zero, one, half,
                                        two)
                total += value * (1.0 / nb)
                # -- backward, level by level: δ_t = f_t'(Z_t)·∂L/∂A_t, then ∂L/∂W_t, ∂L/∂b_t, ∂L/∂A_{t-1}
                for t in range(L - 1, -1, -1):
                    wo, bo, n_s, n_t, code = layers[t, 0], layers[t, 1], layers[t, 2], layers[t, 3], layers[t, 4]
                    W = w[wo:wo + n_s * n_t].reshape(n_s, n_t)
                    Z = zbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    A = abuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    D = dbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    gb = grad[bo:bo + n_t]
                    for c in range(n_t):
                        gb[c] = zero
                    for i in range(nb):
                        for c in range(n_t):
                            d = D[i, c] * _df(code, Z[i, c], A[i, c], zero, one, leaky)
                            D[i, c] = d
                            gb[c] += d
                    if t > 0:
                        off_prev = off - layers[t - 1, _N_T]
                        a_in = abuf[off_prev * batch_size:off_prev * batch_size + nb * n_s].reshape(nb, n_s)
                    elif full:
                        a_in = X
                    else:
                        a_in = xb[:nb * n_in].reshape(nb, n_in)
                    gW = grad[wo:wo + n_s * n_t].reshape(n_s, n_t)
                    np.dot(a_in.T, D, gW)                                  # ∂L/∂W_t = A_{t-1}ᵀ δ_t
                    if t > 0:                                              # ∂L/∂A_{t-1} = δ_t W_tᵀ
                        off_prev = off - layers[t - 1, _N_T]
                        Dp = dbuf[off_prev * batch_size:off_prev * batch_size + nb * n_s].reshape(nb, n_s)
                        if n_t == 1:                                       # an outer product (as backprop.py)
                            for i in range(nb):
                                for c in range(n_s):
                                    Dp[i, c] = D[i, 0] * W[c, 0]
                        else:
                            np.dot(D, W.T, Dp)
                        off = off_prev
                # -- one update of the restart's weights: the rules of optimizers.py, in their order
                tmp[0] = lr[r] * factors[ep * n_batches + b]
                eta = tmp[0]
                if opt == SGD:                                             # θ ← θ − η·g
                    for p in range(P):
                        w[p] -= eta * grad[p]
                elif opt == MOMENTUM or opt == NESTEROV:                   # v ← μ·v − η·g
                    v = s1[r]
                    for p in range(P):
                        g = eta * grad[p]
                        v[p] = v[p] * mu - g
                        if opt == NESTEROV:
                            w[p] += mu * v[p] - g                          # θ ← θ + μ·v − η·g
                        else:
                            w[p] += v[p]                                   # θ ← θ + v
                elif opt == ADAM:                                          # θ ← θ − (η/c₁)·m / (√(v/c₂) + ε)
                    m, v = s1[r], s2[r]
                    t_b = t0 + ep * n_batches + b
                    c1 = 1.0 - hp64[0] ** float(t_b + 1)
                    c2 = 1.0 - hp64[1] ** float(t_b + 1)
                    tmp[0] = 1.0 / c2
                    inv_c2 = tmp[0]
                    tmp[0] = eta / c1
                    a = tmp[0]
                    for p in range(P):
                        g = grad[p]
                        m[p] = m[p] * b1 + g * nb1
                        v[p] = v[p] * b2 + (g * g) * nb2
                        w[p] -= (m[p] / (math.sqrt(v[p] * inv_c2) + eps)) * a
                else:                                                      # rprop (iRprop−): Δ, previous g
                    delta, prev = s1[r], s2[r]
                    for p in range(P):
                        g = grad[p]
                        same = g * prev[p]
                        if same > zero:
                            delta[p] = min(delta[p] * eta_plus, step_max)
                        elif same < zero:
                            delta[p] = max(delta[p] * eta_minus, step_min)
                            g = zero
                        if g > zero:
                            w[p] -= delta[p]
                        elif g < zero:
                            w[p] += delta[p]
                        prev[p] = g
            out[r, ep] = total / n_batches
    return 0
