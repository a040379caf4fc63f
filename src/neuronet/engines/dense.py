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
products go to BLAS, called from the compiled code (``_blas``: SciPy's gemm and gemv, no
allocation), the element-wise work is fused into one pass per level (bias + activation, f(z)
written over z where f' needs only f(z); derivative + bias gradient, fused with the outer product
below a one-neuron level), each level is updated as soon as its gradient is made, and plain SGD's
update θ ← θ − η·Aᵀδ is gemm's own accumulation (β = 1) into the weights. The rows of a batch are
gathered inside the loop into one reused buffer. The activations, loss gradients and update rules
are ``kernels.py``'s (optimizers.py's order of operations), so the trajectories are the NumPy
engine's to rounding error (tested to 1e-10). ``run_forward`` is the same forward pass alone (the
loss before and after training, predictions), a fixed number of rows at a time.

Other structures (skip connections, masked blocks, several bias neurons into one level, outputs in
hidden levels, mixed activations in a level) stay on the NumPy path, and so do many restarts of a
tiny network, which NumPy's stacked arrays run faster than this loop's one restart at a time
(``choice_costs.matrix_costs``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _blas, kernels
from .kernels import HALF, IDENTITY, INLINE, JIT, LEAKY, LOGISTIC, ONE, RELU, SGD, TANH, TWO, ZERO, in_place
from .layers import ACT, B_OFF, N_S, N_T, W_OFF, plain_layers  # noqa: F401 (re-exported)


# Products: BLAS for all but the smallest, where the call itself costs more than the arithmetic (a
# 4×2 @ 2×2 product of XOR: ~0.3 µs in BLAS, a few ns in a loop). (One call site per product and a
# transposed view rather than flags: each loop nest the compiler instantiates adds seconds to the first run.)
_LOOP_WORK = 4096   # multiply-adds up to which a product runs as a plain loop


@njit(**INLINE)
def _mm(A, B, C):
    """C = A @ B in plain loops (A or B may be a transposed view: Aᵀ @ D, D @ Wᵀ)."""
    m, k = A.shape
    n = B.shape[1]
    for i in range(m):
        for j in range(n):
            C[i, j] = A[i, 0] * B[0, j]
        for q in range(1, k):
            a = A[i, q]
            for j in range(n):
                C[i, j] += a * B[q, j]


# (_layout and _gemm are ordinary compiled functions: a call costs nanoseconds next to a product over
# 4,096 multiply-adds, and each inlined copy costs the compiler seconds)
@njit(**JIT)
def _layout(M, it):
    """How a row-major reading sees M: (NO_TRANS, row stride) when its rows are contiguous, else
    (TRANS, column stride) — M is then a transposed view. In elements, at least 1 and at least the
    contiguous dimension, as BLAS checks (a one-row or one-column array fits either reading)."""
    rows, cols = M.shape
    s0, s1 = M.strides[0] // it, M.strides[1] // it
    if (s1 == 1 or cols == 1) and (s0 >= cols or rows == 1):
        return _blas.NO_TRANS, max(1, s0 if rows > 1 else cols)
    return _blas.TRANS, max(1, s1 if cols > 1 else rows)


_N, _T = 78, 84                                           # 'N' and 'T', Fortran BLAS's transpose flags


@njit(**JIT)
def _gemm(A, B, C, alpha, beta, scratch):
    """C = α·A·B + β·C in BLAS. A and B may be transposed views (Aᵀ, Wᵀ) of arrays with contiguous rows,
    as every array here is (C-ordered data, reshaped ranges of flat buffers); C has contiguous rows.

    Fortran BLAS is column-major: a row-major array is its transpose there, so the call computes
    Cᵀ = op(B)ᵀ·op(A)ᵀ. A product into one column or one row is a gemv. scratch: (int64[6], dtype[2],
    uint8[2]), where the arguments passed by address are written."""
    it = C.itemsize
    m, n = C.shape
    k = A.shape[1]
    a_t, lda = _layout(A, it)
    b_t, ldb = _layout(B, it)
    iw, fw, cw = scratch
    ci, ii, fi = cw.ctypes.data, iw.ctypes.data, fw.ctypes.data
    iz, fs = np.uintp(8), np.uintp(it)                     # int64 arguments (see _blas)
    ii += np.uintp(_blas.INT_OFFSET)
    fw[0], fw[1] = alpha, beta
    if n == 1 or m == 1:
        if n == 1:          # C[:, 0] = α·A·B[:, 0] + β·C[:, 0]; A is stored (m, k), or (k, m) when transposed
            M, x, incx, y, incy = A, B, B.strides[0], C, C.strides[0]
            t, rows, cols, ld = a_t, (m if a_t == _blas.NO_TRANS else k), (k if a_t == _blas.NO_TRANS else m), lda
        else:               # C[0, :] = α·Bᵀ·A[0, :] + β·C[0, :]: B read the other way round
            M, x, incx, y, incy = B, A, A.strides[1], C, C.strides[1]
            t = _blas.TRANS if b_t == _blas.NO_TRANS else _blas.NO_TRANS
            rows, cols, ld = (k, n, ldb) if b_t == _blas.NO_TRANS else (n, k, ldb)
        # row-major y = α·op(M)·x + β·y: M (rows × cols) is column-major Mᵀ (cols × rows)
        cw[0] = _T if t == _blas.NO_TRANS else _N
        iw[0], iw[1], iw[2], iw[3], iw[4] = cols, rows, ld, max(1, incx // it), max(1, incy // it)
        if it == 4:
            _blas.sgemv(ci, ii, ii + iz, fi, M.ctypes.data, ii + 2 * iz, x.ctypes.data, ii + 3 * iz, fi + fs,
                        y.ctypes.data, ii + 4 * iz)
        else:
            _blas.dgemv(ci, ii, ii + iz, fi, M.ctypes.data, ii + 2 * iz, x.ctypes.data, ii + 3 * iz, fi + fs,
                        y.ctypes.data, ii + 4 * iz)
        return
    cw[0] = _N if b_t == _blas.NO_TRANS else _T
    cw[1] = _N if a_t == _blas.NO_TRANS else _T
    iw[0], iw[1], iw[2], iw[3], iw[4], iw[5] = n, m, k, ldb, lda, max(1, C.strides[0] // it)
    if it == 4:
        _blas.sgemm(ci, ci + np.uintp(1), ii, ii + iz, ii + 2 * iz, fi, B.ctypes.data, ii + 3 * iz, A.ctypes.data,
                    ii + 4 * iz, fi + fs, C.ctypes.data, ii + 5 * iz)
    else:
        _blas.dgemm(ci, ci + np.uintp(1), ii, ii + iz, ii + 2 * iz, fi, B.ctypes.data, ii + 3 * iz, A.ctypes.data,
                    ii + 4 * iz, fi + fs, C.ctypes.data, ii + 5 * iz)


@njit(**INLINE)
def _product(A, B, C, scratch):
    """C = A @ B (A or B may be a transposed view): plain loops for the smallest, else BLAS."""
    if C.shape[0] * C.shape[1] * A.shape[1] <= _LOOP_WORK:
        _mm(A, B, C)
    else:
        _gemm(A, B, C, 1.0, 0.0, scratch)


# The element-wise passes, one per level and direction, with the activation chosen outside the
# loops: the common ones then run as branch-free loops that the compiler vectorizes.
@njit(**INLINE)
def _bias_and_activation(Z, A, b, code, K):
    """Z += b (each row), A = f(Z): one pass, for the activations whose f' needs z (not IN_PLACE:
    softplus, step; the others take _bias_activation_in_place)."""
    zero, one, leaky = K[ZERO], K[ONE], K[LEAKY]
    nb, n_t = Z.shape
    for i in range(nb):
        for c in range(n_t):
            z = Z[i, c] + b[c]
            Z[i, c] = z
            A[i, c] = kernels.f(code, z, zero, one, leaky)


@njit(**INLINE)
def _bias_activation_in_place(Z, b, code, K):
    """Z = f(Z + b) (each row): for activations whose derivative needs only f(z) (see IN_PLACE)."""
    zero, one, leaky = K[ZERO], K[ONE], K[LEAKY]
    nb, n_t = Z.shape
    if code == RELU:
        for i in range(nb):
            for c in range(n_t):
                Z[i, c] = kernels.relu(Z[i, c] + b[c], zero)
    elif code == LOGISTIC:
        for i in range(nb):
            for c in range(n_t):
                Z[i, c] = kernels.logistic_lanes(Z[i, c] + b[c], one)
    else:
        for i in range(nb):
            for c in range(n_t):
                Z[i, c] = kernels.f(code, Z[i, c] + b[c], zero, one, leaky)


@njit(**INLINE)
def _delta_and_bias_gradient(D, Z, A, gb, code, K):
    """D = f'(Z)·D (∂L/∂A into δ), and gb = the column sums of δ: one pass."""
    zero, one, leaky = K[ZERO], K[ONE], K[LEAKY]
    nb, n_t = D.shape
    for c in range(n_t):
        gb[c] = zero
    if code == RELU:
        for i in range(nb):
            for c in range(n_t):
                d = D[i, c] * kernels.relu_df(Z[i, c], zero, one)
                D[i, c] = d
                gb[c] += d
    elif code == IDENTITY:                                                 # (f' = 1, exact)
        for i in range(nb):
            for c in range(n_t):
                gb[c] += D[i, c]
    elif code == LOGISTIC:
        for i in range(nb):
            for c in range(n_t):
                d = D[i, c] * kernels.logistic_df(A[i, c], one)
                D[i, c] = d
                gb[c] += d
    elif code == TANH:
        for i in range(nb):
            for c in range(n_t):
                d = D[i, c] * kernels.tanh_df(A[i, c], one)
                D[i, c] = d
                gb[c] += d
    else:
        for i in range(nb):
            for c in range(n_t):
                d = D[i, c] * kernels.df(code, Z[i, c], A[i, c], zero, one, leaky)
                D[i, c] = d
                gb[c] += d


@njit(**INLINE)
def _outer_delta_and_bias_gradient(Dp, d, W, Z, A, gb, code, K):
    """Dp = d ⊗ W[:, 0] (∂L/∂A of the level below a one-neuron level, as backprop.py's broadcast product),
    then _delta_and_bias_gradient on it: the two passes in one, with the same two roundings."""
    zero, one, leaky = K[ZERO], K[ONE], K[LEAKY]
    nb, n_s = Dp.shape
    for c in range(n_s):
        gb[c] = zero
    for i in range(nb):
        di = d[i, 0]
        if code == RELU:
            for c in range(n_s):
                g = di * W[c, 0]
                g = g * kernels.relu_df(Z[i, c], zero, one)
                Dp[i, c] = g
                gb[c] += g
        else:                                                              # (identity: f' = 1, exact)
            for c in range(n_s):
                g = di * W[c, 0]
                g = g * kernels.df(code, Z[i, c], A[i, c], zero, one, leaky)
                Dp[i, c] = g
                gb[c] += g


@njit(**INLINE)
def _batch_loss(loss_code, Yhat, Y, perm, first, full, D, K, out_slot, tmp):
    """The batch's mean loss (float64), and scale·∂loss/∂ŷ into D (nb, n_out), scale = 1/nb. Row i of the
    batch is the data's row perm[first + i], or i itself when ``full``. out_slot: 0…n_out−1; tmp: one
    number of the dtype (rounds a float64 into it)."""
    nb = Yhat.shape[0]
    zero, one, half, two = K[ZERO], K[ONE], K[HALF], K[TWO]
    tmp[0] = 1.0 / nb
    scale = tmp[0]
    value = zero
    for i in range(nb):
        row = i if full else perm[first + i]
        value += kernels.loss_grad(loss_code, Yhat.T, out_slot, Y, row, scale, D.T, i, zero, one, half, two)
    return value * (1.0 / nb)


@njit(**INLINE)
def _state(s, r, lo, hi):
    """Restart r's state s[r, lo:hi], or an empty view of the (1, 1) stand-in a rule without state gets."""
    if s.shape[0] == 1 and s.shape[1] == 1:
        return s[0, 0:0]
    return s[r, lo:hi]


@njit(**INLINE)
def _forward_levels(a_prev, w, zbuf, abuf, nb, rows, layers, K, scratch):
    """The forward pass of nb ≤ rows examples a_prev (nb, n_in) through the levels of one restart's
    weights w: Z_t = A_{t−1} @ W_t + b_t, A_t = f_t(Z_t), level t's Z and A at offset rows·(n_1+…+n_{t−1}) of
    zbuf and abuf (A is Z itself for the IN_PLACE activations). Returns the output level's A."""
    off = 0
    for t in range(layers.shape[0]):
        wo, bo, n_s, n_t, code = layers[t, 0], layers[t, 1], layers[t, 2], layers[t, 3], layers[t, 4]
        W = w[wo:wo + n_s * n_t].reshape(n_s, n_t)
        Z = zbuf[off * rows:off * rows + nb * n_t].reshape(nb, n_t)
        _product(a_prev, W, Z, scratch)
        if in_place(code):
            _bias_activation_in_place(Z, w[bo:bo + n_t], code, K)
            a_prev = Z
        else:
            A = abuf[off * rows:off * rows + nb * n_t].reshape(nb, n_t)
            _bias_and_activation(Z, A, w[bo:bo + n_t], code, K)
            a_prev = A
        off += n_t
    return a_prev


@njit(**JIT)
def run_forward(theta, X, layers, K, rows, yhat):
    """ŷ of every restart r of theta (R, P) for every row of X (N, n_in), into yhat (R, N, n_out): the
    forward pass of run_epochs, ``rows`` rows at a time (its work arrays are rows × the levels' widths)."""
    R = theta.shape[0]
    N, n_in = X.shape
    width = 0
    for t in range(layers.shape[0]):
        width += layers[t, N_T]
    dt = theta.dtype
    zbuf, abuf = np.empty(rows * width, dt), np.empty(rows * width, dt)
    scratch = (np.zeros(6, np.int64), np.zeros(2, dt), np.zeros(2, np.uint8))   # BLAS's by-address arguments
    flat = X.reshape(-1)
    n_out = yhat.shape[2]
    for r in range(R):
        w = theta[r]
        for start in range(0, N, rows):
            nb = min(rows, N - start)
            a = _forward_levels(flat[start * n_in:(start + nb) * n_in].reshape(nb, n_in), w, zbuf, abuf, nb, rows,
                                layers, K, scratch)
            for i in range(nb):
                for k in range(n_out):
                    yhat[r, start + i, k] = a[i, k]


@njit(**JIT)
def run_epochs(theta, s1, s2, X, Y, perm, full, batch_size, lr, factors, t0, layers, loss_code, opt, K, hp64,
               out):
    """K = out.shape[1] epochs of every restart r of theta (R, P), in place; out[r, k] = the mean batch loss
    of epoch k. perm (K·N,): each epoch's order of the rows (ignored when ``full``: one batch of all rows
    in their order, as the NumPy engine does); factors (K·n_batches,): the schedule's factors."""
    R = theta.shape[0]
    N, n_in = X.shape
    L = layers.shape[0]
    n_epochs = out.shape[1]
    n_batches = (N + batch_size - 1) // batch_size
    dt = theta.dtype
    # Buffers for the largest batch: every level's Z and A (= f(Z); the same array for IN_PLACE
    # activations) and its δ (first ∂L/∂A_t, then δ_t in place).
    width = 0
    for t in range(L):
        width += layers[t, N_T]
    zbuf, abuf, dbuf = np.empty(batch_size * width, dt), np.empty(batch_size * width, dt), \
        np.empty(batch_size * width, dt)
    xb = np.empty(batch_size * n_in, dt)
    grad = np.zeros(theta.shape[1], dt)
    tmp = np.zeros(1, dt)                                                  # rounds a float64 into the dtype
    out_slot = np.arange(Y.shape[1])
    scratch = (np.zeros(6, np.int64), np.zeros(2, dt), np.zeros(2, np.uint8))   # BLAS's by-address arguments
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
                a_prev = _forward_levels(a_prev, w, zbuf, abuf, nb, batch_size, layers, K, scratch)
                # -- the loss and ∂L/∂ŷ of the batch mean, into the output level's δ buffer
                n_t = layers[L - 1, N_T]
                off = width - n_t
                D = dbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                total += _batch_loss(loss_code, a_prev, Y, perm, ep * N + start, full, D, K, out_slot, tmp)
                # the update's step size (and Adam's bias corrections)
                tmp[0] = lr[r] * factors[ep * n_batches + b]
                eta = tmp[0]
                t_b = t0 + ep * n_batches + b
                c1, inv_c2 = kernels.adam_corrections(hp64, t_b, tmp)
                tmp[0] = eta / c1
                a = tmp[0]
                # -- backward, level by level: δ_t = f_t'(Z_t)·∂L/∂A_t, then ∂L/∂A_{t-1} = δ_t W_tᵀ from the
                # old W_t, then ∂L/∂W_t, ∂L/∂b_t and level t's update (each rule is per parameter, so this
                # equals one update of all of theta after the backward pass)
                have_delta = False                  # δ_t already made by the level above (one output)
                for t in range(L - 1, -1, -1):
                    wo, bo, n_s, n_t, code = layers[t, 0], layers[t, 1], layers[t, 2], layers[t, 3], layers[t, 4]
                    W = w[wo:wo + n_s * n_t].reshape(n_s, n_t)
                    Z = zbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    A = Z if in_place(code) else abuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    D = dbuf[off * batch_size:off * batch_size + nb * n_t].reshape(nb, n_t)
                    if not have_delta:
                        _delta_and_bias_gradient(D, Z, A, grad[bo:bo + n_t], code, K)
                    have_delta = False
                    off_prev = off - layers[t - 1, N_T] if t > 0 else 0   # level t−1's place in the buffers
                    if t > 0:
                        code_p, bo_p = layers[t - 1, ACT], layers[t - 1, B_OFF]
                        lo, hi = off_prev * batch_size, off_prev * batch_size + nb * n_s
                        Zp = zbuf[lo:hi].reshape(nb, n_s)
                        a_in = Zp if in_place(code_p) else abuf[lo:hi].reshape(nb, n_s)
                        Dp = dbuf[lo:hi].reshape(nb, n_s)
                        if n_t == 1:        # an outer product (as backprop.py), fused with δ_{t−1}'s pass
                            _outer_delta_and_bias_gradient(Dp, D, W, Zp, a_in, grad[bo_p:bo_p + n_s], code_p, K)
                            have_delta = True
                        else:
                            _product(D, W.T, Dp, scratch)
                    elif full:
                        a_in = X
                    else:
                        a_in = xb[:nb * n_in].reshape(nb, n_in)
                    lo = wo                                # the range the update rule takes
                    if opt == SGD and nb * n_s * n_t > _LOOP_WORK:
                        # θ ← θ − η·g with the product accumulating into W_t (gemm, β = 1): no gradient
                        # array, no pass over it; then the rule updates the bias alone
                        _gemm(a_in.T, D, W, -eta, 1.0, scratch)
                        lo = bo
                    else:
                        _product(a_in.T, D, grad[wo:wo + n_s * n_t].reshape(n_s, n_t), scratch)
                    kernels.update(opt, w[lo:bo + n_t], grad[lo:bo + n_t], _state(s1, r, lo, bo + n_t),
                            _state(s2, r, lo, bo + n_t), eta, a, inv_c2, K)
                    off = off_prev
            out[r, ep] = total / n_batches
    return 0
