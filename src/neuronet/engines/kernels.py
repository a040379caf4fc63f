"""The compiled math, written once: activations, loss gradients and update rules for both engines.

The NumPy reference (``neuronet.model``: activations.py, losses.py, optimizers.py) is what a reader
checks; this module is the same math as numba scalar functions, which the per-neuron engine
(``neuron.py``) and the layered loop (``dense.py``) both call in their own loops. Each function
works on one number (or one example's outputs) in the engine's dtype; LLVM inlines the small
ones into the loops that call them, so a loop over many lanes or rows still vectorizes. The
tests hold both engines to the NumPy reference (``tests/test_neuron_engine.py``,
``tests/test_dense_kernel.py``), so one definition here is checked against the reference twice.

Constants arrive as scalars of the engine's dtype (zero, one, …, read once from the array K that
:func:`kernel_constants` builds), so float32 arithmetic stays in float32 and each operation rounds
where NumPy's does. The update rules follow optimizers.py's order of operations exactly.

Compiled code is cached on disk; ``_cache`` makes that cache notice a change in any file of the
engine package (this one included), not only in the file of the function itself.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from . import _cache  # noqa: F401 (registers the cache locator before anything here is compiled)
from ..model import activations, losses, optimizers
from ..model.losses import Loss
from ..model.optimizers import Optimizer
from ..model.structure import Structure

# x/0 -> inf, as in NumPy; no reassociation, so the arithmetic is the reference's to the bit where
# the order of operations is the same.
JIT = dict(cache=True, fastmath=False, nogil=True, error_model="numpy")
# Helpers that take arrays are inlined in numba's IR: a call would count references to every
# array on every example. Helpers of scalars are ordinary functions, which LLVM inlines.
INLINE = dict(JIT, inline="always")

# Optimizer codes of the kernels.
SGD, MOMENTUM, NESTEROV, ADAM, RPROP = 0, 1, 2, 3, 4
# Positions in the constants array K (kept in the engine's dtype).
ZERO, ONE, HALF, TWO, LEAKY, MU, B1, B2, EPS, ETA_PLUS, ETA_MINUS, STEP_MAX, STEP_MIN, \
    ONE_MINUS_B1, ONE_MINUS_B2 = range(15)
# Activation codes (activations.py's) the kernels special-case in loops that vectorize.
IDENTITY, LOGISTIC, TANH, RELU, LEAKY_RELU, SOFTPLUS, ELU, STEP = range(8)
# Loss codes (losses.py's).
SQUARED, ABSOLUTE, HUBER, CROSS_ENTROPY, BINARY_CROSS_ENTROPY = range(5)


def supports(S: Structure, loss: Loss, optimizer: Optimizer) -> tuple[bool, str]:
    """Whether the compiled engines can run ``S`` with ``loss`` and ``optimizer``: (True, "") or (False, why).

    They know every activation, loss and optimizer of the tables; they refuse only records that
    are not the tables' own (a name or code they were not compiled for).
    """
    for nu in S.neurons:
        if nu.activation is not None and nu.activation not in activations.ACTIVATIONS:
            return False, f"neuron {nu.id} applies {nu.activation!r}, which the compiled engine does not know"
    known = losses.LOSSES.get(getattr(loss, "name", None))
    if known is None or known.code != getattr(loss, "code", None):
        return False, f"the loss {getattr(loss, 'name', loss)!r} is not one the compiled engine knows"
    if getattr(optimizer, "name", None) not in optimizers.NAMES:
        return False, f"the optimizer {getattr(optimizer, 'name', optimizer)!r} is not one the compiled engine knows"
    return True, ""


def kernel_constants(o: Optimizer, dtype) -> tuple[int, np.ndarray, np.ndarray, tuple[str, ...]]:
    """What a compiled kernel needs to know of an optimizer: its code, the constants K (in the engine's
    dtype, so float32 arithmetic stays float32), β₁ and β₂ in float64, and the names of its state arrays."""
    if o.name == "sgd":
        code = (NESTEROV if o.nesterov else MOMENTUM) if o.momentum else SGD
    else:
        code = ADAM if o.name == "adam" else RPROP
    consts = [0.0, 1.0, 0.5, 2.0, activations.LEAKY_SLOPE, o.momentum, o.beta1, o.beta2, o.eps, o.eta_plus,
              o.eta_minus, o.step_max, o.step_min, 1 - o.beta1, 1 - o.beta2]
    keys = {SGD: (), MOMENTUM: ("velocity",), NESTEROV: ("velocity",), ADAM: ("m", "v"),
            RPROP: ("delta", "prev")}[code]
    return code, np.array(consts, dtype=np.float64).astype(dtype), np.array([o.beta1, o.beta2]), keys


# -- e^x that the compiler can vectorize ---------------------------------------------------------
# math.exp is a call into the C library, one number at a time, and it dominated the logistic
# kernel (~6 ns a call). The same function written as plain arithmetic runs on all lanes at
# once (~1 ns a value): the classic reduction x = k·ln2 + r, |r| ≤ ln2/2 (ln2 split in two parts so
# k·ln2 is exact), e^r from a rational form with a degree-5 polynomial in r² (the minimax
# coefficients published with fdlibm's e_exp.c), and 2^k built from its exponent bits, as two
# factors 2^⌊k/2⌋·2^⌈k/2⌉ so that results far into the subnormal range round once, correctly.
# Within 1 ulp of the C library's and of NumPy's exp everywhere (tested), 0 below −746, ∞
# above 709.8, NaN for NaN.
_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08


@njit(**JIT)
def exp64(x):
    """e^x in float64, branch-free (selects only), so that loops over lanes vectorize."""
    t = x * _LOG2E
    t = -1080.0 if t < -1080.0 else (1080.0 if t > 1080.0 else t)   # NaN passes through to y below
    kf = math.floor(t + 0.5)
    hi = x - kf * _LN2_HI
    lo = kf * _LN2_LO
    r = hi - lo
    rr = r * r
    c = r - rr * (_P1 + rr * (_P2 + rr * (_P3 + rr * (_P4 + rr * _P5))))
    y = 1.0 + ((r * c) / (2.0 - c) - lo + hi)
    k = np.int64(kf)
    k1 = k >> 1
    y = y * np.int64((k1 + 1023) << 52).view(np.float64) * np.int64((k - k1 + 1023) << 52).view(np.float64)
    y = 0.0 if x < -746.0 else y
    return math.inf if x > 709.8 else y


def vexp(x):  # pragma: no cover - replaced by the overload below inside compiled code
    """e^x in x's own precision (a float32 is computed in float64 and rounded once), vectorizable."""
    return math.exp(x)


@overload(vexp, jit_options=dict(fastmath=False, error_model="numpy"))
def _vexp_overload(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: np.float32(exp64(np.float64(x)))
    return lambda x: exp64(x)


# -- activations: f and f' (activations.py's table, codes 0…7) ---------------------------------
# Each f and each f' is written once here. ``f`` and ``df`` choose by code; the loops that
# vectorize call the common ones (identity, logistic, relu, tanh) directly, with the code chosen
# outside the loop.
@njit(**JIT)
def _sigma(z, e, one):
    # σ(z) = 1/(1 + e^-z) = e^z/(1 + e^z) with e = e^-|z|: exp never sees a large positive number.
    return (one if z >= 0 else e) / (one + e)


@njit(**JIT)
def logistic(z, one):
    """σ(z), with the C library's exp (lower latency for one chain of dependent steps)."""
    return _sigma(z, math.exp(-abs(z)), one)


@njit(**JIT)
def logistic_lanes(z, one):
    """σ(z), with the exp that vectorizes (for loops over many lanes or rows; within 1 ulp of logistic)."""
    return _sigma(z, vexp(-abs(z)), one)


@njit(**JIT)
def relu(z, zero):
    return z if z > zero else zero


@njit(**JIT)
def f(code, z, zero, one, leaky):
    """o = f(z) for the activation ``code``."""
    if code == LOGISTIC:
        return logistic(z, one)
    if code == IDENTITY:
        return z
    if code == TANH:
        return math.tanh(z)
    if code == RELU:
        return relu(z, zero)
    if code == LEAKY_RELU:
        return z if z > zero else leaky * z
    if code == SOFTPLUS:                              # max(z, 0) + log1p(e^-|z|)
        return relu(z, zero) + math.log1p(math.exp(-abs(z)))
    if code == ELU:
        return z if z > zero else math.expm1(z if z < zero else zero)
    return one if z >= zero else zero               # step


@njit(**JIT)
def logistic_df(o, one):
    """σ'(z) = o·(1 − o)."""
    return o * (one - o)


@njit(**JIT)
def tanh_df(o, one):
    """tanh'(z) = 1 − o²."""
    return one - o * o


@njit(**JIT)
def relu_df(z, zero, one):
    """relu'(z) = 1 if z > 0 else 0 (z > 0 ⟺ relu(z) > 0, so f(z) may stand in for z)."""
    return one if z > zero else zero


@njit(**JIT)
def df(code, z, o, zero, one, leaky):
    """f'(z), from z or o = f(z) exactly as activations.py writes it."""
    if code == LOGISTIC:
        return logistic_df(o, one)
    if code == IDENTITY:
        return one
    if code == TANH:
        return tanh_df(o, one)
    if code == RELU:
        return relu_df(z, zero, one)
    if code == LEAKY_RELU:
        return one if z > zero else leaky
    if code == SOFTPLUS:
        return logistic(z, one)
    if code == ELU:
        return one if z > zero else o + one
    return zero                                     # step: 0 almost everywhere


# Activations whose f' the passes read from f(z) alone (relu, leaky_relu and elu test z > 0, which is
# f(z) > 0): a level can keep one array, f(z) written over z. (softplus needs z itself.)
IN_PLACE = frozenset({IDENTITY, LOGISTIC, TANH, RELU, LEAKY_RELU, ELU})


@njit(**JIT)
def in_place(code):
    """Whether f(z) may be written over z (IN_PLACE)."""
    return code <= LEAKY_RELU or code == ELU


# -- losses: one example's value and ∂L/∂ŷ (losses.py's table) -----------------------------------
# Per-lane arrays are 2-D, (rows, G), lane last: o[s, j] is slot s's output in lane j. (Indexing
# them as o[s, j] lets the compiler see that j walks consecutive numbers; a flat o[s·G + j]
# hides that behind NumPy's negative-index rule, and the lane loops stop vectorizing.)
@njit(**JIT)
def squared(p, y, two):
    """(y − ŷ)², and its derivative 2(ŷ − y)."""
    r = y - p
    return r * r, two * (p - y)


@njit(**JIT)
def elementwise_loss(code, p, y, zero, one, half, two):
    """(loss, ∂loss/∂ŷ) of one output ŷ = p with target y, for the losses that sum over the outputs."""
    if code == SQUARED:
        return squared(p, y, two)
    if code == ABSOLUTE:                            # |y − ŷ| ;  sign(ŷ − y)
        return abs(y - p), (one if p > y else (-one if p < y else zero))
    if code == HUBER:                               # ½r² or |r| − ½ ;  clip(r, −1, 1), r = ŷ − y
        r = p - y
        a = abs(r)
        return (half * r * r if a <= one else a - half), (r if a <= one else (one if r > zero else -one))
    # binary_cross_entropy on a logit ;  σ(ŷ) − y
    return (relu(p, zero) - p * y + math.log1p(math.exp(-abs(p)))), logistic(p, one) - y


@njit(**INLINE)
def loss_grad(code, o, out_slot, Y, row, scale, dy, j, zero, one, half, two):
    """Loss of example ``row`` in lane j; writes scale·∂loss/∂ŷ_k into dy[k, j]. ŷ_k = o[out_slot[k], j]."""
    m = out_slot.shape[0]
    value = zero
    if code == CROSS_ENTROPY:                       # softmax over the outputs
        top = o[out_slot[0], j]
        for k in range(1, m):
            if o[out_slot[k], j] > top:
                top = o[out_slot[k], j]
        total = zero
        for k in range(m):
            e = math.exp(o[out_slot[k], j] - top)
            dy[k, j] = e
            total += e
        lse = math.log(total)
        for k in range(m):                          # −Σ y_k log softmax_k ;  softmax_k − y_k
            value -= Y[row, k] * ((o[out_slot[k], j] - top) - lse)
            dy[k, j] = (dy[k, j] / total - Y[row, k]) * scale
        return value
    for k in range(m):
        v, g = elementwise_loss(code, o[out_slot[k], j], Y[row, k], zero, one, half, two)
        value += v
        dy[k, j] = g * scale
    return value


# -- update rules (optimizers.py's, in its order of operations) ------------------------------------
# One parameter w with gradient g and the rule's state; each returns the new (w, state…). eta is the
# step size in the engine's dtype; Adam's a = η/c₁ and inv_c2 = 1/c₂ come from adam_corrections.
@njit(**JIT)
def sgd(w, g, eta):
    """θ ← θ − η·g."""
    return w - eta * g


@njit(**JIT)
def momentum(w, v, g, eta, mu):
    """v ← μ·v − η·g ;  θ ← θ + v."""
    v = v * mu - eta * g
    return w + v, v


@njit(**JIT)
def nesterov(w, v, g, eta, mu):
    """v ← μ·v − η·g ;  θ ← θ + μ·v − η·g."""
    step = eta * g
    v = v * mu - step
    return w + (mu * v - step), v


@njit(**JIT)
def adam(w, m, v, g, a, inv_c2, b1, b2, nb1, nb2, eps):
    """m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g² ;  θ ← θ − (m / (√(v/c₂) + ε))·(η/c₁)."""
    m = m * b1 + g * nb1
    v = v * b2 + (g * g) * nb2
    return w - (m / (math.sqrt(v * inv_c2) + eps)) * a, m, v


@njit(**JIT)
def rprop(w, delta, prev, g, zero, eta_plus, eta_minus, step_max, step_min):
    """iRprop−: Δ grows while g keeps its sign and shrinks when it flips (then g counts as 0); θ ← θ − sign(g)·Δ.
    Returns (w, Δ, the g to remember)."""
    same = g * prev
    if same > zero:
        delta = min(delta * eta_plus, step_max)
    elif same < zero:
        delta = max(delta * eta_minus, step_min)
        g = zero
    if g > zero:
        w -= delta
    elif g < zero:
        w += delta
    return w, delta, g


@njit(**JIT)
def adam_corrections(hp64, t, tmp):
    """Adam's bias corrections before update t (0, 1, …): c₁ = 1 − β₁ᵗ⁺¹ in float64 (η/c₁ is rounded
    once, by the caller, as NumPy's ``lr / c1``) and 1/c₂ rounded into the dtype of tmp (one number),
    as optimizers.py computes them."""
    c1 = 1.0 - hp64[0] ** float(t + 1)
    tmp[0] = 1.0 / (1.0 - hp64[1] ** float(t + 1))
    return c1, tmp[0]


@njit(**INLINE)
def update(opt, w, grad, s1, s2, eta, a, inv_c2, K):
    """One update of the parameters w (1-D) by the rule ``opt``, with one step size for all of them.
    grad, s1, s2: their gradient and the rule's state, the same range (s1, s2 unused by plain sgd);
    a = η/c₁ and inv_c2 = 1/c₂ (Adam's). Loops count from 0 over views, so that the compiler sees
    consecutive indices and vectorizes them."""
    n = w.shape[0]
    if opt == SGD:
        for p in range(n):
            w[p] = sgd(w[p], grad[p], eta)
    elif opt == MOMENTUM:
        mu = K[MU]
        for p in range(n):
            w[p], s1[p] = momentum(w[p], s1[p], grad[p], eta, mu)
    elif opt == NESTEROV:
        mu = K[MU]
        for p in range(n):
            w[p], s1[p] = nesterov(w[p], s1[p], grad[p], eta, mu)
    elif opt == ADAM:
        b1, b2, nb1, nb2, eps = K[B1], K[B2], K[ONE_MINUS_B1], K[ONE_MINUS_B2], K[EPS]
        for p in range(n):
            w[p], s1[p], s2[p] = adam(w[p], s1[p], s2[p], grad[p], a, inv_c2, b1, b2, nb1, nb2, eps)
    else:
        zero, eta_plus, eta_minus, step_max, step_min = K[ZERO], K[ETA_PLUS], K[ETA_MINUS], K[STEP_MAX], \
            K[STEP_MIN]
        for p in range(n):
            w[p], s1[p], s2[p] = rprop(w[p], s1[p], s2[p], grad[p], zero, eta_plus, eta_minus, step_max,
                                       step_min)
