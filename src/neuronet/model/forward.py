"""The forward pass over R restarts, level by level (the seed, chapter I).

For a whole level t at once, over R restarts and a batch of B examples::

    z_t = Σ_s o_s @ W[t,s] + Σ_rows W[t,bias]   # (R, B, n_s) @ (R, n_s, n_t) -> (R, B, n_t)
    o_t = f_t(z_t)                               # per activation segment of the level

This is the NumPy reference that every engine is tested against; ``backprop.py`` runs it
backwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .structure import BIAS, Structure


@dataclass
class Cache:
    """z and o of every level from one forward pass: lists of (R, B, n_t) arrays."""

    z: list
    o: list
    yhat: np.ndarray  # (R, B, n_out)


def forward(S: Structure, theta: np.ndarray, X: np.ndarray, views: list | None = None,
            keep_z: bool = True) -> Cache:
    """Evaluate R networks on one batch, level by level.

    theta (R, P); X (B, n_in) shared by all restarts, or (R, B, n_in); ``views``: S.views(theta),
    when the caller keeps them. ``keep_z=False`` (backpropagation only) lets a level whose
    derivative needs only o = f(z) be computed in place, so that ``z[t] is o[t]`` there.
    Returns the Cache.
    """
    if views is None:
        views = S.views(theta)
    R = theta.shape[0]
    z: list = [None] * len(S.levels)
    o: list = [None] * len(S.levels)
    o[0] = X                                                           # (B, n_0) or (R, B, n_0)
    for t in range(1, len(S.levels)):
        lev = S.levels[t]
        zt = None
        for blk, W in zip(lev.blocks, views[t]):                       # W: (R, n_s, n_t)
            if blk.src == BIAS:                                        # o = 1: add the weights themselves
                b = W if blk.shape[0] == 1 else W.sum(axis=1, keepdims=True)  # (R, 1, n_t)
                if zt is None:
                    zt = np.broadcast_to(b, (R, X.shape[-2], blk.shape[1])).copy()
                else:
                    zt += b                                            # (R, B, n_t) += (R, 1, n_t)
                continue
            a = o[blk.src]
            if R == 1:                                                 # one network: plain 2-D products
                term = (a.reshape(a.shape[-2:]) @ W[0])[None]          # (B, n_s) @ (n_s, n_t) -> (1, B, n_t)
            else:
                term = np.matmul(a, W)                                 # (R, B, n_s) @ (R, n_s, n_t) -> (R, B, n_t)
            if zt is None:
                zt = term
            else:
                zt += term
        z[t] = zt
        if len(lev.segments) == 1:
            act = lev.segments[0][0]
            ot = None if keep_z else act.apply_in_place(zt)
            o[t] = act.f(zt) if ot is None else ot
        else:
            ot = np.empty_like(zt)
            for act, sl in lev.segments:
                ot[..., sl] = act.f(zt[..., sl])
            o[t] = ot
    return Cache(z, o, gather_outputs(S, o))


def gather_outputs(S: Structure, o: list) -> np.ndarray:
    if S.output_is_last_level:
        return o[-1]
    ref = o[-1]
    yhat = np.empty(ref.shape[:-1] + (S.n_out,), dtype=ref.dtype)
    for t in range(1, len(S.levels)):
        lev = S.levels[t]
        if len(lev.out_cols):
            yhat[..., lev.out_pos] = o[t][..., lev.out_cols]
    return yhat
