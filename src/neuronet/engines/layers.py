"""Which structures the compiled matrix loop takes: layered, fully connected networks (no numba here)."""

from __future__ import annotations

import numpy as np

from ..model.structure import BIAS, Structure

# Columns of the layer table (one row per level t = 1…L).
W_OFF, B_OFF, N_S, N_T, ACT = range(5)


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
                or bias.mask is not None or bias.offset != dense.offset + dense.size):
            return None                                  # (each level's W then b: one range of theta)
        rows.append((dense.offset, bias.offset, dense.shape[0], dense.shape[1], lev.segments[0][0].code))
    table = np.array(rows, dtype=np.int64)
    ends = table[:, B_OFF] + table[:, N_T]
    if table[0, W_OFF] != 0 or ends[-1] != S.P or np.any(table[1:, W_OFF] != ends[:-1]):
        return None                                      # the levels' ranges must tile theta
    return table
