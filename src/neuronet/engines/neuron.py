"""The seed's own algorithm, one neuron and one example at a time, compiled with numba.

For one example x, with the neurons in topological (level) order (the seed, chapters I and III)::

    forward    z_j = Σ_{i∈In(j)} w_ij · o_i ,   o_j = f_j(z_j)        (inputs: o = x, bias: o = 1)
    loss       L = loss(ŷ, y),  ŷ = the outputs' o
    backward   in reverse order, δ_j = f_j'(z_j) · ∂L/∂o_j ,  and for every edge i → j
               ∂L/∂o_i += w_ij · δ_j ,   ∂L/∂w_ij += δ_j · o_i / B

A batch's gradient is the mean over its B examples; after each batch comes one optimizer
update (sgd, momentum, nesterov, adam, rprop: the rules of ``optimizers.py``). Forward,
backward and update are fused in one compiled loop. Each f, f′, loss gradient and update rule is
the one definition in ``kernels.py``, which the layered loop (``dense.py``) calls too.

Restarts: within one thread, a group of G restarts runs side by side, every per-neuron value
stored as G numbers, one per restart (the "lanes": arrays of shape (rows, G), lane last). Lanes
never mix, so each restart's arithmetic is exactly the one-restart arithmetic, whatever group it
runs in. G is chosen at run time (``_group_width``): all restarts of a thread's chunk, up to 512
and up to what keeps the group's arrays within 256 KiB, at least ``LANES``. Every loop over the
lanes is then long and walks consecutive memory, which the compiler turns into vector code; the
logistic lanes use ``kernels.exp64``, an exp written as plain arithmetic so that it vectorizes too (the
C library's exp is a call per number). Fewer than ``_FEW`` restarts run with one lane and the C
library's exp, which has the shorter latency for one chain of dependent steps; the two exps agree
to 1 ulp, so one restart alone matches the same restart in a group to rounding (1e-13), and any
grouping of four or more gives the same bits. Large work is split into chunks of restarts run on
all cores (``numba.prange``); small work stays on the calling thread.

The structure is data, not code: the network is a handful of integer arrays (each neuron's
incoming edges in CSR form: source slots and theta positions), so one compiled kernel per
dtype (float64, float32) serves every network, loss and optimizer. Compiled code is cached
on disk (``cache=True``, stamped with the whole engine package's sources: ``_cache.py``): only the first run on a machine pays for compiling, per dtype about
7 s for one restart and 13 s more for the groups and the threads (on first use of each); later
runs load it from the cache in about 0.5 s.

The engine uses the matrix engine's ``theta`` (R, P) layout and reproduces its trajectories to
rounding error. It reads and writes only the positions of theta (and of the optimizer state)
that hold an edge. The matrix engine gives every other position a zero gradient, under which
every rule keeps the zero weight and the state that ``Optimizer.init_state`` put there (zero;
rprop's Δ unchanged), so the two engines agree there too.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from . import kernels
from .kernels import (ADAM, B1, B2, EPS, ETA_MINUS, ETA_PLUS, HALF, INLINE, JIT, LEAKY, LOGISTIC, MOMENTUM, MU,
                      NESTEROV, ONE, ONE_MINUS_B1, ONE_MINUS_B2, RELU, RPROP, SGD, SQUARED, STEP_MAX, STEP_MIN,
                      TWO, ZERO, IDENTITY, kernel_constants, supports)
from ..errors import DataError
from ..model.arrays import resolve_dtype
from ..model.losses import Loss
from ..model.optimizers import Optimizer
from ..model.structure import Structure

__all__ = ["NeuronEngine", "supports", "kernel_constants", "LANES"]

# What the kernel does, and its status codes.
_TRAIN, _LOSS, _FORWARD = 0, 1, 2
_OK, _BAD_PERM = 0, 1
# Restarts run side by side by one thread; fewer than _FEW restarts run one at a time, as
# padding a group of LANES would cost more than it saves.
LANES = 8
_FEW = 4
# A group of restarts side by side keeps its lanes' arrays within this many bytes (in cache).
_GROUP_BYTES = 256 * 1024
_GROUP_MAX = 512
# Below this many restart-example-edge visits in one call, starting threads costs more than it saves.
_SERIAL_WORK = 4096


@njit(**INLINE)
def _squared_lanes(o, out_slot, Y, row, scale, dy, lv, value, n_lanes, two):
    """kernels.loss_grad's squared loss for lanes 0…n_lanes−1 at once (a loop over the lanes, which vectorizes)."""
    for j in range(n_lanes):
        lv[j] = 0
    for k in range(out_slot.shape[0]):
        s, y = out_slot[k], Y[row, k]
        for j in range(n_lanes):
            v, g = kernels.squared(o[s, j], y, two)
            lv[j] += v
            dy[k, j] = g * scale
    for j in range(n_lanes):
        value[j] += lv[j]


# -- one example, G restarts side by side ---------------------------------------------------------
# Loops over all G lanes compute padded lanes too (zero weights keep them at zero); the
# activations run on the real lanes only (n_lanes).
@njit(**INLINE)
def _forward(G, w, o, z, acc, act, in_ptr, in_src, base, n_lanes, zero, one, leaky):
    """z_j = Σ w_ij·o_i and o_j = f_j(z_j) for every computed neuron, in topological order."""
    for k in range(act.shape[0]):
        if G == 1:                                  # one lane: the same, with the sum in a register
            s = zero
            for e in range(in_ptr[k], in_ptr[k + 1]):
                s += w[e, 0] * o[in_src[e], 0]
            z[k, 0] = s
            o[base + k, 0] = kernels.f(act[k], s, zero, one, leaky)
            continue
        for j in range(G):
            acc[j] = zero
        for e in range(in_ptr[k], in_ptr[k + 1]):
            i = in_src[e]
            for j in range(G):
                acc[j] += w[e, j] * o[i, j]
        q, code = base + k, act[k]
        for j in range(G):
            z[k, j] = acc[j]
        # The common activations in one branch-free loop over the lanes, which vectorizes.
        if code == LOGISTIC:
            for j in range(n_lanes):
                o[q, j] = kernels.logistic_lanes(acc[j], one)
        elif code == IDENTITY:
            for j in range(n_lanes):
                o[q, j] = acc[j]
        elif code == RELU:
            for j in range(n_lanes):
                o[q, j] = kernels.relu(acc[j], zero)
        else:
            for j in range(n_lanes):
                o[q, j] = kernels.f(code, acc[j], zero, one, leaky)


@njit(**INLINE)
def _backward(G, w, o, z, g, gw, d, dy, act, in_ptr, in_src, out_slot, base, n_lanes, zero, one, leaky):
    """The seed's three steps: add ∂L/∂w (edge order) into gw, given ∂L/∂ŷ in dy. g: ∂L/∂o per slot."""
    for s in range(base, g.shape[0]):
        for j in range(G):
            g[s, j] = zero
    for k in range(out_slot.shape[0]):              # step 1: the outputs, from the loss
        s = out_slot[k]
        for j in range(G):
            g[s, j] = dy[k, j]
    for k in range(act.shape[0] - 1, -1, -1):       # step 2: backwards, over every incoming edge
        q = base + k
        if G == 1:                                  # one lane: the same, with δ in a register
            dk = g[q, 0] * kernels.df(act[k], z[k, 0], o[q, 0], zero, one, leaky)
            for e in range(in_ptr[k], in_ptr[k + 1]):
                i = in_src[e]
                gw[e, 0] += dk * o[i, 0]
                if i >= base:
                    g[i, 0] += w[e, 0] * dk
            continue
        code = act[k]
        if code == LOGISTIC:                        # δ_j = f_j'(z_j)·∂L/∂o_j, the common ones as in _forward
            for j in range(n_lanes):
                d[j] = g[q, j] * kernels.logistic_df(o[q, j], one)
        elif code == IDENTITY:
            for j in range(n_lanes):
                d[j] = g[q, j] * one
        elif code == RELU:
            for j in range(n_lanes):
                d[j] = g[q, j] * kernels.relu_df(z[k, j], zero, one)
        else:
            for j in range(n_lanes):
                d[j] = g[q, j] * kernels.df(code, z[k, j], o[q, j], zero, one, leaky)
        for e in range(in_ptr[k], in_ptr[k + 1]):
            i = in_src[e]
            for j in range(G):
                gw[e, j] += d[j] * o[i, j]          # step 3: ∂L/∂w_ij = δ_j·o_i
            if i >= base:                           # ∂L/∂o_i = Σ_j w_ij·δ_j (inputs and biases need none)
                for j in range(G):
                    g[i, j] += w[e, j] * d[j]


@njit(**JIT)
def _group_width(n, E, n_slots, H, n_out):
    """How many restarts one thread runs side by side: all n of its chunk, as long as the per-lane
    arrays (4 per edge, 2 per neuron slot, …) stay within _GROUP_BYTES, and at least LANES.
    Wide groups make every loop over the lanes long enough to vectorize."""
    per_lane = 8 * (4 * E + 2 * n_slots + H + n_out + 8)
    g = min(_GROUP_BYTES // per_lane, _GROUP_MAX)
    g = max(LANES, (g // LANES) * LANES)
    # At least two lanes (one padded when a single restart is left): G = 1 is the one-lane code, with the
    # C library's exp, and a restart's bits must not depend on how many others share its group.
    return max(2, min(g, n))


# -- one thread's share: a chunk of restarts ------------------------------------------------------
def _make_chunk_function(lanes):
    """The loop over a chunk of restarts: one lane (lanes=1, a compile-time constant), or groups of a
    width chosen at run time (lanes=0; see _group_width)."""

    @njit(**JIT)
    def chunk(mode, lo, hi, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64, out,
              yhat):
        """n_epochs epochs for the restarts idx[lo:hi], G at a time; out[r, k] = mean over epoch k's batches
        of the batch loss. perm (n_epochs·N,) holds each epoch's order of the N rows, one after the other;
        factors (n_epochs·n_batches,) the schedule's factors; the weights stay in the group's arrays in between.

        mode _TRAIN: forward, backward, update. _LOSS: forward and loss only. _FORWARD: forward
        only, the outputs into yhat[r, row]. The last two leave theta and the state untouched.
        """
        act, in_ptr, in_src, in_par, out_slot = net
        n_in, n_bias, loss_code, opt = sizes
        E, H, n_out = in_src.shape[0], act.shape[0], out_slot.shape[0]
        base = n_in + n_bias
        n_slots = base + H
        dt = theta.dtype
        G = lanes if lanes > 0 else _group_width(hi - lo, E, n_slots, H, n_out)
        w, sa, sb, gw = np.zeros((E, G), dt), np.zeros((E, G), dt), np.zeros((E, G), dt), np.zeros((E, G), dt)
        o, g = np.zeros((n_slots, G), dt), np.zeros((n_slots, G), dt)  # o_j and ∂L/∂o_j
        z, dy = np.zeros((H, G), dt), np.zeros((n_out, G), dt)
        acc, d, eta, a, lv = np.zeros(G, dt), np.zeros(G, dt), np.zeros(G, dt), np.zeros(G, dt), np.zeros(G, dt)
        value, total = np.zeros(G), np.zeros(G)                        # sums of losses, in float64
        tmp = np.zeros(1, dt)                                          # rounds a float64 into the dtype
        zero, one, half, two, leaky = K[ZERO], K[ONE], K[HALF], K[TWO], K[LEAKY]
        mu, b1, b2, nb1, nb2, eps = K[MU], K[B1], K[B2], K[ONE_MINUS_B1], K[ONE_MINUS_B2], K[EPS]
        eta_plus, eta_minus, step_max, step_min = K[ETA_PLUS], K[ETA_MINUS], K[STEP_MAX], K[STEP_MIN]
        has_a = mode == _TRAIN and opt != SGD                          # which state arrays the rule keeps
        has_b = mode == _TRAIN and (opt == ADAM or opt == RPROP)       # (none when not training)
        n_epochs = out.shape[1]
        N = perm.shape[0] // n_epochs
        n_batches = (N + batch_size - 1) // batch_size
        for s in range(n_in, base):
            for j in range(G):
                o[s, j] = one                                          # bias neurons send 1

        for q0 in range(lo, hi, G):
            n_lanes = min(G, hi - q0)
            # Gather the group's weights and state into (edge, lane) order; padded lanes get zeros.
            for e in range(E):
                p = in_par[e]
                for j in range(G):
                    r = idx[q0 + j] if j < n_lanes else 0
                    w[e, j] = theta[r, p] if j < n_lanes else zero
                    sa[e, j] = s1[r, p] if has_a and j < n_lanes else zero
                    sb[e, j] = s2[r, p] if has_b and j < n_lanes else zero
            for s in range(base, n_slots):
                for j in range(G):
                    o[s, j] = zero
            for j in range(G):                                         # padded lanes keep zeros here,
                d[j] = eta[j] = a[j] = zero                            # so their weights stay zero
                for k in range(n_out):
                    dy[k, j] = zero
            for ep in range(n_epochs):
                for j in range(G):
                    total[j] = 0.0
                for b in range(n_batches):
                    start = ep * N + b * batch_size
                    stop = min(start + batch_size, ep * N + N)
                    tmp[0] = 1.0 / (stop - start)
                    scale = tmp[0]                                         # ∂(batch mean)/∂(one example's loss)
                    for e in range(E):
                        for j in range(G):
                            gw[e, j] = zero
                    for j in range(G):
                        value[j] = 0.0
                    for i in range(start, stop):
                        row = perm[i]
                        for k in range(n_in):
                            x = X[row, k]
                            for j in range(G):
                                o[k, j] = x
                        _forward(G, w, o, z, acc, act, in_ptr, in_src, base, n_lanes, zero, one, leaky)
                        if mode == _FORWARD:
                            for j in range(n_lanes):
                                for k in range(n_out):
                                    yhat[idx[q0 + j], row, k] = o[out_slot[k], j]
                            continue
                        if loss_code == SQUARED:                       # on all lanes at once
                            _squared_lanes(o, out_slot, Y, row, scale, dy, lv, value, n_lanes, two)
                        else:
                            for j in range(n_lanes):
                                value[j] += kernels.loss_grad(loss_code, o, out_slot, Y, row, scale, dy, j, zero, one,
                                                       half, two)
                        if mode == _TRAIN:
                            _backward(G, w, o, z, g, gw, d, dy, act, in_ptr, in_src, out_slot, base, n_lanes, zero,
                                      one, leaky)
                    for j in range(n_lanes):
                        total[j] += value[j] / (stop - start)
                        tmp[0] = lr[idx[q0 + j]] * factors[ep * n_batches + b]
                        eta[j] = tmp[0]
                    if mode != _TRAIN:
                        continue
                    # One update over the edges, by the rules of kernels.py (optimizers.py's, in its order).
                    if opt == SGD:
                        for e in range(E):
                            for j in range(G):
                                w[e, j] = kernels.sgd(w[e, j], gw[e, j], eta[j])
                    elif opt == MOMENTUM:
                        for e in range(E):
                            for j in range(G):
                                w[e, j], sa[e, j] = kernels.momentum(w[e, j], sa[e, j], gw[e, j], eta[j], mu)
                    elif opt == NESTEROV:
                        for e in range(E):
                            for j in range(G):
                                w[e, j], sa[e, j] = kernels.nesterov(w[e, j], sa[e, j], gw[e, j], eta[j], mu)
                    elif opt == ADAM:                                      # sa = m, sb = v
                        c1, inv_c2 = kernels.adam_corrections(hp64, t0 + ep * n_batches + b, tmp)
                        for j in range(G):
                            tmp[0] = eta[j] / c1
                            a[j] = tmp[0]
                        for e in range(E):
                            for j in range(G):
                                w[e, j], sa[e, j], sb[e, j] = kernels.adam(w[e, j], sa[e, j], sb[e, j], gw[e, j], a[j],
                                                                           inv_c2, b1, b2, nb1, nb2, eps)
                    else:                                                  # rprop: sa = Δ, sb = previous g
                        for e in range(E):                                 # (η unused, as in optimizers.py)
                            for j in range(G):
                                w[e, j], sa[e, j], sb[e, j] = kernels.rprop(w[e, j], sa[e, j], sb[e, j], gw[e, j], zero,
                                                                            eta_plus, eta_minus, step_max, step_min)
                for j in range(n_lanes):
                    out[idx[q0 + j], ep] = total[j] / n_batches
            for j in range(n_lanes):                                   # scatter back: edges only
                r = idx[q0 + j]
                if mode != _TRAIN:
                    continue
                for e in range(E):
                    p = in_par[e]
                    theta[r, p] = w[e, j]
                    if has_a:
                        s1[r, p] = sa[e, j]
                    if has_b:
                        s2[r, p] = sb[e, j]

    return chunk


_chunk_1 = _make_chunk_function(1)
_chunk_g = _make_chunk_function(0)


@njit(**INLINE)
def _perm_ok(perm, N):
    for q in range(perm.shape[0]):                   # an index outside X would read garbage: refuse it
        if perm[q] < 0 or perm[q] >= N:
            return False
    return True


# Three entry points, each compiled only when first used: numba compiles everything a function
# calls, so a program that trains one network never pays for the lanes or the threads.
# (They pass lo = n - n rather than 0: a literal 0 would make numba compile another version.)
@njit(**JIT)
def _serial_1(mode, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64, out, yhat):
    """All the restarts ``idx`` one after the other, on this thread. Returns a status code."""
    if not _perm_ok(perm, X.shape[0]):
        return _BAD_PERM
    n = idx.shape[0]
    _chunk_1(mode, n - n, n, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64, out,
             yhat)
    return _OK


@njit(**JIT)
def _serial_g(mode, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64, out, yhat):
    """All the restarts ``idx``, G at a time, on this thread. Returns a status code."""
    if not _perm_ok(perm, X.shape[0]):
        return _BAD_PERM
    n = idx.shape[0]
    _chunk_g(mode, n - n, n, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64, out,
             yhat)
    return _OK


@njit(parallel=True, **JIT)
def _parallel_g(n_chunks, mode, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64, out,
                yhat):
    """The restarts ``idx`` in n_chunks chunks run in parallel, G at a time within each. Returns a status code."""
    if not _perm_ok(perm, X.shape[0]):
        return _BAD_PERM
    n = idx.shape[0]
    for c in prange(n_chunks):
        lo = min(n, LANES * ((c * n // n_chunks + LANES - 1) // LANES))      # chunks cut on whole groups
        hi = min(n, LANES * (((c + 1) * n // n_chunks + LANES - 1) // LANES))
        _chunk_g(mode, lo, hi, idx, theta, s1, s2, X, Y, perm, batch_size, lr, factors, t0, net, sizes, K, hp64,
                 out, yhat)
    return _OK


# -- the Python face ---------------------------------------------------------------------------
class NeuronEngine:
    """Forward, backward and update fused per neuron and per example, for R restarts in parallel.

    Parameters
    ----------
    S : Structure
        The compiled network (``network.structure``).
    loss : Loss
        The loss record (``losses.get(name)``).
    optimizer : Optimizer
        The optimizer record (``optimizers.get(name, …)``).
    dtype : 'float64' or 'float32'
        Every array passed in must have this dtype; the arithmetic is done in it.

    Notes
    -----
    Neurons live in *slots*: the inputs (in X's column order), the bias neurons, then the
    computed (hidden and output) neurons in level order, which is a topological order.
    Each computed neuron k has the incoming edges ``in_ptr[k]:in_ptr[k+1]``, with source slots
    ``in_src`` and theta positions ``in_par``, sorted as the matrix engine sums them (source
    levels ascending, bias neurons last).
    """

    name = "neuron"

    def __init__(self, S: Structure, loss: Loss, optimizer: Optimizer, dtype):
        ok, why = supports(S, loss, optimizer)
        if not ok:
            raise DataError(f"The neuron engine cannot run this network: {why}. Use the matrix engine.")
        self.S, self.loss_record, self.optimizer = S, loss, optimizer
        self.path_restarts = None     # the run's R, for choosing one lane or groups (make_engine)
        self.dtype = np.dtype(resolve_dtype(dtype))
        kind = {nu.id: nu.kind for nu in S.neurons}
        computed = [j for lev in S.levels[1:] for j in lev.ids]
        slot = {j: k for k, j in enumerate(S.inputs)}
        slot.update({j: len(S.inputs) + k for k, j in enumerate(S.biases)})
        base = len(S.inputs) + len(S.biases)
        slot.update({j: base + k for k, j in enumerate(computed)})
        incoming: dict[int, list] = {j: [] for j in computed}
        for e, (i, j) in enumerate(S.edges):
            key = (1, slot[i]) if kind[i] == "bias" else (0, S.position[i][0], S.position[i][1])
            incoming[j].append((key, slot[i], int(S.edge_param[e])))
        ptr, src, par = [0], [], []
        for j in computed:
            for _, s, p in sorted(incoming[j]):
                src.append(s)
                par.append(p)
            ptr.append(len(src))
        self.act = np.array([S.activation(j).code for j in computed], dtype=np.int64)   # (H,)
        self.in_ptr = np.array(ptr, dtype=np.int64)                                      # (H+1,)
        self.in_src = np.array(src, dtype=np.int64)                                      # (E,)
        self.in_par = np.array(par, dtype=np.int64)                                      # (E,)
        self.out_slot = np.array([slot[j] for j in S.outputs], dtype=np.int64)           # (n_out,)
        self.n_in, self.n_bias = len(S.inputs), len(S.biases)
        self.opt, self.K, self.hp64, self._state_keys = kernel_constants(optimizer, self.dtype)
        self._net = (self.act, self.in_ptr, self.in_src, self.in_par, self.out_slot)
        self._sizes = (self.n_in, self.n_bias, int(loss.code), self.opt)
        self._dummy = np.zeros((1, 1), dtype=self.dtype)          # an unused state or target array
        self._dummy3 = np.zeros((1, 1, 1), dtype=self.dtype)      # an unused yhat
        self._aranges: dict[int, np.ndarray] = {}

    # -- checks at the boundary (cheap: they run once per epoch) ---------------------------------
    def _check(self, name: str, A, shape: tuple, written: bool = False) -> None:
        if not isinstance(A, np.ndarray) or A.dtype != self.dtype or not A.flags.c_contiguous:
            got = (type(A).__name__ if not isinstance(A, np.ndarray)
                   else f"{A.dtype}{'' if A.flags.c_contiguous else ', not C-contiguous'}")
            raise DataError(f"NeuronEngine: {name} must be a C-contiguous {self.dtype} array; received {got}.")
        if A.shape != shape:
            raise DataError(f"NeuronEngine: {name} must have shape {shape}; received {A.shape}.")
        if written and not A.flags.writeable:
            raise DataError(f"NeuronEngine: {name} is updated in place, but the array received is read-only.")

    def _data(self, theta, X, Y=None, train: bool = True) -> tuple[int, int]:
        if not isinstance(theta, np.ndarray) or theta.ndim != 2:
            raise DataError(f"NeuronEngine: theta must be an (R, {self.S.P}) array; "
                            f"received shape {getattr(theta, 'shape', type(theta).__name__)}.")
        R = theta.shape[0]
        self._check("theta", theta, (R, self.S.P), written=train)
        if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[0] == 0:
            raise DataError(f"NeuronEngine: X must be a non-empty (N, {self.n_in}) array; "
                            f"received shape {getattr(X, 'shape', type(X).__name__)}.")
        N = X.shape[0]
        self._check("X", X, (N, self.n_in))
        if Y is not None:
            self._check("Y", Y, (N, len(self.out_slot)))
        return R, N

    @staticmethod
    def _writeable(A: np.ndarray) -> np.ndarray:
        """A itself, or a copy when it is read-only (numba would compile a whole new kernel for it)."""
        return A if A.flags.writeable else A.copy()

    def _arange(self, n: int) -> np.ndarray:
        a = self._aranges.get(n)
        if a is None:
            a = self._aranges[n] = np.arange(n, dtype=np.int64)
        return a

    def _restarts(self, R: int, active) -> np.ndarray:
        if active is None:
            return self._arange(R)
        active = np.asarray(active)
        if active.shape != (R,) or active.dtype != bool:
            raise DataError(f"NeuronEngine: active must be a ({R},) bool array; "
                            f"received {active.dtype} of shape {active.shape}.")
        return np.flatnonzero(active).astype(np.int64, copy=False)

    def _run(self, mode: int, idx: np.ndarray, N: int, *args) -> int:
        """Run the kernel that suits n = len(idx) restarts over N examples; returns its status.

        Fewer than _FEW restarts: one lane, on this thread. Otherwise LANES lanes, on this
        thread for small work, else in chunks on every core.
        """
        n = len(idx)
        if (self.path_restarts or n) < _FEW:      # a run of ≥ _FEW restarts keeps its lanes to the end
            return _serial_1(mode, idx, *args)
        chunks = min(-(-n // LANES), numba.get_num_threads())
        if chunks < 2 or n * N * max(len(self.in_src), 1) < _SERIAL_WORK:
            return _serial_g(mode, idx, *args)
        return _parallel_g(chunks, mode, idx, *args)

    # -- the three entry points ----------------------------------------------------------------
    def epoch(self, theta: np.ndarray, state: dict, X: np.ndarray, Y: np.ndarray, perm: np.ndarray,
              batch_size: int, lr: np.ndarray, factors: np.ndarray, t0: int, active=None) -> np.ndarray:
        """One epoch of minibatch training of every (active) restart, in place.

        Batch b holds the rows ``perm[b·batch_size:(b+1)·batch_size]`` (the last may be
        smaller). For each batch: the gradient of the batch's mean loss at the current
        weights, then one update with step size ``lr[r]·factors[b]`` and update counter
        ``t = t0 + b``.

        Parameters
        ----------
        theta : (R, P) array, updated in place.
        state : dict of (R, P) arrays from ``optimizer.init_state``, updated in place.
        X, Y : (N, n_in) and (N, n_out) arrays in the engine's dtype.
        perm : (N,) int64, the order of the examples.
        batch_size : int ≥ 1.
        lr : (R,) float64, each restart's step size.
        factors : (n_batches,) float64, the schedule's factor for each batch.
        t0 : int, updates done before this epoch.
        active : (R,) bool or None; inactive restarts are skipped and left untouched.

        Returns
        -------
        (R,) float64: the mean over the batches of each batch's mean loss (0 for inactive restarts).
        """
        perm = np.asarray(perm)
        return self.epochs(theta, state, X, Y, perm[None] if perm.ndim == 1 else perm, batch_size, lr,
                           np.asarray(factors)[None], t0, active)[:, 0]

    def epochs(self, theta: np.ndarray, state: dict, X: np.ndarray, Y: np.ndarray, perms: np.ndarray,
               batch_size: int, lr: np.ndarray, factors: np.ndarray, t0: int, active=None) -> np.ndarray:
        """K epochs in one compiled call, the weights kept in registers in between.

        perms (K, N) int64: each epoch's order of the rows; factors (K, n_batches); epoch k's
        batch b uses the update counter ``t0 + k·n_batches + b``. Returns (R, K) float64: each
        epoch's mean batch loss, as ``epoch`` returns for one. Otherwise as ``epoch``.
        """
        R, N = self._data(theta, X, Y)
        batch_size = int(batch_size)
        if batch_size < 1:
            raise DataError(f"NeuronEngine: batch_size must be ≥ 1; received batch_size={batch_size}.")
        n_batches = -(-N // batch_size)
        if (not isinstance(perms, np.ndarray) or perms.dtype != np.int64 or perms.ndim != 2
                or perms.shape[1] != N):
            raise DataError(f"NeuronEngine: perm must be an int64 array of shape ({N},) (or (K, {N}) for K "
                            f"epochs); received {getattr(perms, 'dtype', type(perms).__name__)} of shape "
                            f"{getattr(perms, 'shape', '?')}.")
        K = perms.shape[0]
        lr = self._writeable(np.ascontiguousarray(lr, dtype=np.float64))
        factors = self._writeable(np.ascontiguousarray(factors, dtype=np.float64))
        if lr.shape != (R,):
            raise DataError(f"NeuronEngine: lr must have shape ({R},); received {lr.shape}.")
        if factors.shape != (K, n_batches):
            raise DataError(f"NeuronEngine: factors must have shape ({n_batches},), one per batch "
                            f"(or ({K}, {n_batches}) for {K} epochs); received {factors.shape}.")
        arrays = []
        for key in self._state_keys:
            if key not in state:
                raise DataError(f"NeuronEngine: the optimizer state lacks {key!r}; build it with "
                                "optimizer.init_state(R, P, dtype).")
            self._check(f"state[{key!r}]", state[key], (R, self.S.P), written=True)
            arrays.append(state[key])
        s1 = arrays[0] if arrays else self._dummy
        s2 = arrays[1] if len(arrays) > 1 else self._dummy
        idx = self._restarts(R, active)
        out = np.zeros((R, K), dtype=np.float64)
        if len(idx) == 0:
            return out
        flat = self._writeable(np.ascontiguousarray(perms).reshape(-1))
        X, Y = self._writeable(X), self._writeable(Y)
        status = self._run(_TRAIN, idx, N * K, theta, s1, s2, X, Y, flat, batch_size, lr, factors.reshape(-1),
                           int(t0), self._net, self._sizes, self.K, self.hp64, out, self._dummy3)
        if status == _BAD_PERM:
            raise DataError(f"NeuronEngine: perm must hold row indices in 0…{N - 1}; "
                            f"received values from {perms.min()} to {perms.max()}.")
        return out

    def _evaluate(self, theta, X, Y, mode: int):
        """One pass over all rows without updates: a batch of all N rows, for every restart."""
        R, N = self._data(theta, X, Y, train=False)
        theta = self._writeable(theta)
        yhat = np.empty((R, N, len(self.out_slot)), dtype=self.dtype) if mode == _FORWARD else self._dummy3
        out = np.zeros((R, 1), dtype=np.float64)
        Y = self._dummy if Y is None else self._writeable(Y)
        self._run(mode, self._arange(R), N, theta, self._dummy, self._dummy, self._writeable(X), Y, self._arange(N), N,
                  np.zeros(R), np.ones(1), 0, self._net, self._sizes, self.K, self.hp64, out, yhat)
        return yhat, out

    def loss(self, theta: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """The mean loss over all rows of X (N, n_in) and Y (N, n_out), for each restart: (R,) float64."""
        return self._evaluate(theta, X, Y, _LOSS)[1][:, 0]

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """ŷ of every restart for every row of X (N, n_in): (R, N, n_out) in the engine's dtype."""
        return self._evaluate(theta, X, None, _FORWARD)[0]
