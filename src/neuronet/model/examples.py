"""The seed's running example: nine neurons in four layers, with fixed weights.

The network of the seed's chapters I and III, numbered in layer order::

    layer 1 (input)    1 input        2 bias
    layer 2 (hidden)   3, 4 hidden    5 bias
    layer 3 (hidden)   6, 7 hidden    8 bias
    layer 4 (output)   9 output

Neuron 3 feeds only neuron 6; neuron 4 feeds both 6 and 7, which is why the seed uses
neuron 4 to show the chain rule summed over several outgoing edges. The hidden neurons
3, 4, 6, 7 apply the logistic function σ(z) = 1 / (1 + e^−z); the output neuron 9
applies the identity, so the network's output is ŷ = z_9 (a regression output, the
natural partner of the seed's loss (y − ŷ)²). Bias neurons output 1; the input neuron
passes x on unchanged.

The weights are simple decimals, so that every step can be followed by hand
(w_ij belongs to the neuron j the edge points into):

=====  =====  ========  ======================
edge   w_ij   value     role
=====  =====  ========  ======================
1 → 3  w_13    0.5      input into neuron 3
2 → 3  w_23    0.1      bias of neuron 3
1 → 4  w_14   −0.5      input into neuron 4
2 → 4  w_24    0.2      bias of neuron 4
3 → 6  w_36    1.0
4 → 6  w_46   −1.0      neuron 4's first outgoing edge
5 → 6  w_56    0.5      bias of neuron 6
4 → 7  w_47    2.0      neuron 4's second outgoing edge
5 → 7  w_57   −0.5      bias of neuron 7
6 → 9  w_69    1.5
7 → 9  w_79   −1.0
8 → 9  w_89    0.25     bias of neuron 9
=====  =====  ========  ======================

The documented example is x = 0.5 with target y = 1.0
(:func:`running_example_input`). Evaluated layer by layer
(z_j = Σ_i w_ij·o_i, o_j = f_j(z_j); values rounded to 4 decimals, the tests check
them exactly)::

    z_3 = 0.5·0.5 + 0.1            =  0.35     o_3 = σ(0.35)   = 0.5866
    z_4 = −0.5·0.5 + 0.2           = −0.05     o_4 = σ(−0.05)  = 0.4875
    z_6 = 1.0·o_3 − 1.0·o_4 + 0.5  =  0.5991   o_6 = σ(z_6)    = 0.6455
    z_7 = 2.0·o_4 − 0.5            =  0.4750   o_7 = σ(z_7)    = 0.6166
    z_9 = 1.5·o_6 − 1.0·o_7 + 0.25 =  0.6016   ŷ = o_9 = z_9   = 0.6016
    L = (y − ŷ)² = (1 − 0.6016)²   =  0.1587

Backpropagation (the seed's three steps, δ_j = ∂L/∂z_j)::

    step 1  δ_9 = −2(y − ŷ)·1                         = −0.7968
    step 2  δ_6 = σ'(z_6)·w_69·δ_9                     = −0.2735
            δ_7 = σ'(z_7)·w_79·δ_9                     =  0.1884
            δ_3 = σ'(z_3)·w_36·δ_6                     = −0.0663
            δ_4 = σ'(z_4)·(w_46·δ_6 + w_47·δ_7)        =  0.1625   (two outgoing edges)
    step 3  ∂L/∂w_ij = δ_j·o_i, e.g. ∂L/∂w_47 = δ_7·o_4 = 0.0918

>>> from neuronet.examples import running_example, running_example_input
>>> net = running_example()
>>> x, y = running_example_input()
>>> round(float(net.forward(x)[0]), 4)
0.6016
"""

from __future__ import annotations

import numpy as np

from .graph import Graph
from .network import Network

#: The seed itself, named wherever neuronet says "the seed": title, author, year.
AUTHOR = "sil ver"                 # the seed's author, as they sign (two words, one name)
SEED = f"“A Simple Introduction to Neural Networks” ({AUTHOR}, LessWrong, 2020)"

#: The twelve edges of the running example with their documented weights.
RUNNING_EXAMPLE_WEIGHTS: dict[tuple[int, int], float] = {
    (1, 3): 0.5, (2, 3): 0.1,
    (1, 4): -0.5, (2, 4): 0.2,
    (3, 6): 1.0, (4, 6): -1.0, (5, 6): 0.5,
    (4, 7): 2.0, (5, 7): -0.5,
    (6, 9): 1.5, (7, 9): -1.0, (8, 9): 0.25,
}

#: Three training points for consecutive updates (``neuronet explain --steps 3``): the documented
#: example first, then two more points of the same line y = 2x.
RUNNING_EXAMPLE_DATA = ((0.5, 1.0), (-0.5, -1.0), (0.25, 0.5))

#: The documented example (x, y) for the running example.
RUNNING_EXAMPLE_X = (0.5,)
RUNNING_EXAMPLE_Y = (1.0,)


def running_example(dtype: str = "float64") -> Network:
    """The seed's nine-neuron network with the weights tabled in this module's docstring.

    Neurons 1 (input), 2 (bias), 3, 4 (logistic), 5 (bias), 6, 7 (logistic), 8 (bias),
    9 (output, identity); edges in the seed's order 1→3, 2→3, 1→4, 2→4, 3→6, 4→6, 5→6,
    4→7, 5→7, 6→9, 7→9, 8→9.

    Parameters
    ----------
    dtype : {"float64", "float32"}
        The precision the network computes in.

    Returns
    -------
    Network
        A layered network with ``layers == [[1, 2], [3, 4, 5], [6, 7, 8], [9]]``.
    """
    g = Graph()
    g.input()                   # 1
    g.bias()                    # 2
    g.neuron("logistic")        # 3
    g.neuron("logistic")        # 4
    g.bias()                    # 5
    g.neuron("logistic")        # 6
    g.neuron("logistic")        # 7
    g.bias()                    # 8
    g.output("identity")        # 9
    for (i, j), w in RUNNING_EXAMPLE_WEIGHTS.items():
        g.connect(i, j, w)
    return g.build(dtype=dtype)


def running_example_input() -> tuple[np.ndarray, np.ndarray]:
    """The documented example for :func:`running_example`: ``x = [0.5]``, ``y = [1.0]``.

    Returns
    -------
    x : ndarray of shape (1,)
    y : ndarray of shape (1,)
    """
    return np.array(RUNNING_EXAMPLE_X), np.array(RUNNING_EXAMPLE_Y)


def running_example_data() -> tuple[np.ndarray, np.ndarray]:
    """Three training points for the running example, the documented one first (x = 0.5, y = 1).

    The seed's SGD updates on one point, then "do[es] all of this again for the next training
    point"; these are the points ``explain(steps=3)`` walks through: three points of y = 2x.

    Returns
    -------
    X : ndarray of shape (3, 1)
    Y : ndarray of shape (3, 1)
    """
    data = np.array(RUNNING_EXAMPLE_DATA)                                # (3, 2)
    return data[:, :1].copy(), data[:, 1:].copy()
