"""The playground's network: the layered network the page describes, plus edges across layers, built with
``nn.Graph`` in the seed's numbering."""

from __future__ import annotations

import neuronet as nn

from .settings import SettingError


def build_network(n_in: int, n_out: int, s: dict, input_names: list) -> tuple[nn.Network, list]:
    """The layered network of the settings, plus any extra edges across layers, built with ``nn.Graph``.

    Neurons are created layer by layer, each layer's bias last, so ids follow the seed's numbering
    (1 input, 2 bias, 3 and 4 hidden, 5 bias, …). Returns the network and its layers (lists of ids).
    """
    g = nn.Graph()
    layers = [[g.input(name) for name in input_names]]
    sources = list(layers[0])
    for width, act in zip(s["hidden"], s["activations"]):
        b = g.bias()
        layers[-1].append(b)
        hidden = [g.neuron(act) for _ in range(width)]
        for j in hidden:
            for i in sources + [b]:
                g.connect(i, j)
        layers.append(hidden)
        sources = list(hidden)
    b = g.bias()
    layers[-1].append(b)
    outputs = [g.output(s["output"]) for _ in range(n_out)]
    for j in outputs:
        for i in sources + [b]:
            g.connect(i, j)
    layers.append(outputs)
    layer_of = {j: k for k, ids in enumerate(layers) for j in ids}
    for i, j in s["extra_edges"]:
        if i not in layer_of or j not in layer_of:
            raise SettingError(f"There is no neuron {i if i not in layer_of else j} in this network; connect two "
                               "of the neurons drawn.")
        if layer_of[j] <= layer_of[i] + 1:
            raise SettingError(f"Neurons {i} → {j}: an extra edge must skip at least one layer forwards (from "
                               f"layer {layer_of[i] + 1} to layer {layer_of[i] + 3} or later); consecutive layers "
                               "are already fully connected.")
        try:
            g.connect(i, j)
        except nn.GraphError as exc:
            raise SettingError(str(exc)) from None
    return g.build(seed=s["seed"]), layers
