"""Look inside a neuron: its output o_j over the plane, and for one example its z_j, o_j and δ_j with every
sum written out -- the lines of ``nn.explain``'s text about it (nothing re-derived here)."""

from __future__ import annotations

import numpy as np

import neuronet as nn
from neuronet.model.forward import forward

from .data import Data, finite, grid
from .settings import SettingError


def inspect(net: nn.Network, d: Data, s: dict, neuron, example, res: int) -> dict:
    """Neuron ``neuron`` of ``net`` over the plane (res × res points), and example ``example`` explained."""
    ids = {nu.id: nu for nu in net.neurons}
    if isinstance(neuron, bool) or not isinstance(neuron, int) or neuron not in ids:
        raise SettingError(f"There is no neuron {neuron!r} in this network.")
    if isinstance(example, bool) or not isinstance(example, int) or not 0 <= example < len(d.y):
        raise SettingError(f"Choose an example from 0 to {len(d.y) - 1}; received {example!r}.")
    S = net.structure
    G = grid(d.X, res if d.X.shape[1] == 2 else 4 * res)
    if ids[neuron].kind == "bias":
        plane = np.ones(len(G))                                                      # a bias neuron sends 1
    elif ids[neuron].kind == "input":
        plane = G[:, net.inputs.index(neuron)]                                       # an input passes x on
    else:
        t, col = S.position[neuron]
        with np.errstate(all="ignore"):
            cache = forward(S, np.asarray(net.theta)[None], G.astype(net.dtype))     # o[t]: (1, G, n_t)
        plane = cache.o[t][0, :, col]
    y = d.targets(s["loss"], [example])[0]
    e = nn.explain(net, d.X[example], y, loss=s["loss"], step_size=s["step_size"])
    return {"type": "explain", "neuron": neuron, "example": example, "kind": ids[neuron].kind,
            "x": e.x, "y": e.y, "z": e.z.get(neuron), "o": e.o.get(neuron), "delta": e.deltas.get(neuron),
            "lines": neuron_lines(e.text(width=72, max_neurons=None), neuron),
            "text": e.text(width=72), "plane": [finite(v) for v in plane]}


def neuron_lines(text: str, j: int) -> list[str]:
    """The lines of ``nn.explain``'s text about neuron j -- z_j, o_j, f_j'(z_j), δ_j, ∂L/∂ŷ at an output,
    and ∂L/∂w_i,j of the edges into j -- each with its continuation lines."""
    heads = (f"z_{j} =", f"o_{j} =", f"f_{j}'(z_{j}) =", f"δ_{j} =")
    groups: list[list[str]] = []
    indent = None
    for line in text.splitlines():
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if indent is not None and stripped and depth > indent:
            groups[-1].append("    " + stripped)             # a long sum continues on the next line
            continue
        indent = None
        lhs = stripped.split(" = ")[0]
        if (stripped.startswith(heads) or (stripped.startswith("∂L/∂w_") and lhs.endswith(f",{j}"))
                or (stripped.startswith("bias neurons send 1") and f"o_{j} " in stripped)
                or (stripped.startswith("∂L/∂ŷ") and f"ŷ = o_{j})" in stripped)):
            groups.append([stripped])
            indent = depth
    return [ln for g in groups for ln in g]
