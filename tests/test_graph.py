"""Graph building and validation: every rule of a feed-forward network, with messages that
name the neurons and edges involved; layers and levels."""

from __future__ import annotations

import re

import numpy as np
import pytest

import neuronet as nn
from neuronet import activations
from neuronet.errors import GraphError
from neuronet.model.examples import running_example
from neuronet.model.topology import validate


def chain(*acts_out):
    """input 1, bias 2, then hidden neurons 3…, then one output: a builder to add edges to."""
    g = nn.Graph()
    g.input()
    g.bias()
    for a in acts_out:
        g.neuron(a)
    g.output("identity")
    return g


def build_error(g: nn.Graph) -> str:
    with pytest.raises(GraphError) as info:
        g.build(seed=0)
    return str(info.value)


# -- the builder ----------------------------------------------------------------------------
def test_ids_are_given_in_creation_order():
    g = nn.Graph()
    assert [g.input(), g.bias(), g.neuron("tanh"), g.bias(), g.output("logistic")] == [1, 2, 3, 4, 5]
    assert [nu.kind for nu in g.neurons] == ["input", "bias", "hidden", "bias", "output"]
    assert [nu.activation for nu in g.neurons] == [None, None, "tanh", None, "logistic"]
    g.connect(1, 3, 0.5)
    g.connect(3, 5)
    assert g.edges == ((1, 3), (3, 5))
    assert g.weight(1, 3) == 0.5 and g.weight(3, 5) is None


def test_names_and_aliases():
    g = nn.Graph()
    g.input(name="x")
    g.neuron("sigmoid", name="h")
    g.output("linear", name="y")
    g.connect("x", "h", 1.0)
    g.connect("h", "y", np.float32(2.0))
    assert g.edges == ((1, 2), (2, 3))
    net = g.build()
    assert net.activation(2) == "logistic" and net.activation(3) == "identity"
    assert [nu.label for nu in net.neurons] == ["neuron 1 ('x')", "neuron 2 ('h')", "neuron 3 ('y')"]
    with pytest.raises(GraphError, match="The name 'x' is already used by neuron 1"):
        g.input(name="x")
    with pytest.raises(GraphError, match="unknown source neuron name 'nope'"):
        g.connect("nope", "y")
    with pytest.raises(GraphError, match="non-empty string; received name=''"):
        g.bias(name="")


def test_connect_refuses_wrong_argument_types():
    g = chain("tanh")
    with pytest.raises(GraphError, match="the source must be a neuron id or name; received 1.5"):
        g.connect(1.5, 3)
    with pytest.raises(GraphError, match="the target must be a neuron id or name; received True"):
        g.connect(1, True)
    with pytest.raises(GraphError, match=r"connect\(1, 3\): the weight must be a number; received 'heavy'"):
        g.connect(1, 3, "heavy")
    g.connect(np.int64(1), np.int64(3))                          # numpy integers are ids too
    assert g.edges == ((1, 3),)


def test_unknown_activation_lists_the_known_ones():
    g = nn.Graph()
    with pytest.raises(GraphError) as info:
        g.neuron("swish")
    msg = str(info.value)
    assert "Unknown activation 'swish'" in msg
    for name in activations.names():
        assert name in msg
    with pytest.raises(GraphError, match="Unknown activation 'softmax'. Known activations: identity, logistic"):
        g.output("softmax")
    with pytest.raises(GraphError, match="given by name; received 3"):
        g.neuron(3)
    with pytest.raises(GraphError, match="given by name; received None"):
        g.output(None)
    assert g.neurons == ()                                      # nothing was added


# -- every rejection by build() -------------------------------------------------------------
def test_a_cycle_is_printed():
    g = chain("tanh", "tanh")                                   # 1 input, 2 bias, 3 and 4 hidden, 5 output
    g.connect(1, 3)
    g.connect(3, 4)
    g.connect(4, 3)
    g.connect(4, 5)
    msg = build_error(g)
    assert "The graph has a cycle: 3 → 4 → 3." in msg
    assert "remove one of these edges" in msg


def test_a_longer_cycle_is_printed_in_order():
    g = chain("tanh", "tanh", "tanh")                           # hidden 3, 4, 5; output 6
    g.connect(1, 3)
    g.connect(3, 4)
    g.connect(4, 5)
    g.connect(5, 3)
    g.connect(5, 6)
    msg = build_error(g)
    cycle = re.search(r"cycle: ([\d →]+)\.", msg).group(1).split(" → ")
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["3", "4", "5"]
    # consecutive entries are edges of the graph
    assert all((int(a), int(b)) in g.edges for a, b in zip(cycle, cycle[1:]))


def test_a_self_loop():
    g = chain("tanh")
    g.connect(1, 3)
    g.connect(3, 3)
    g.connect(3, 4)
    assert build_error(g) == "The edge 3 → 3 is a self-loop; a feed-forward network has no cycles."


def test_an_edge_into_an_input():
    g = chain("tanh")
    g.connect(1, 3)
    g.connect(3, 4)
    g.connect(3, 1)
    assert build_error(g) == "The edge 3 → 1 points into input neuron 1; inputs receive no edges."


def test_an_edge_into_a_bias():
    g = chain("tanh")
    g.connect(1, 3)
    g.connect(3, 4)
    g.connect(1, 2)
    msg = build_error(g)
    assert msg.startswith("The edge 1 → 2 points into bias neuron 2;")
    assert "always output 1" in msg


def test_an_edge_out_of_an_output():
    g = chain("tanh")
    g.connect(1, 3)
    g.connect(3, 4)
    g.connect(4, 3)
    msg = build_error(g)
    assert msg.startswith("The edge 4 → 3 leaves output neuron 4;")


def test_a_duplicate_edge():
    g = chain()
    g.connect(1, 3, 1.0)
    g.connect(1, 3, 2.0)
    assert build_error(g) == "The edge 1 → 3 was added twice; each pair of neurons has at most one edge."
    assert g.weight(1, 3) == 1.0                                 # the first one is kept


def test_an_unknown_id():
    g = chain()
    g.connect(1, 3)
    g.connect(1, 99)
    assert build_error(g) == "The edge 1 → 99 names unknown neuron id 99; ids run from 1 to 3."
    g = chain()
    g.connect(0, 3)
    assert "unknown neuron id 0" in build_error(g)


def test_a_hidden_neuron_without_incoming_edges():
    g = chain("relu")
    g.connect(1, 4)
    g.connect(3, 4)
    assert build_error(g) == "Hidden neuron 3 has no incoming edge; connect something into it."


def test_an_output_without_incoming_edges_is_named_with_its_name():
    g = nn.Graph()
    g.input()
    g.output(name="price")
    g.output(name="score")
    g.connect(1, 2)
    assert build_error(g) == "Output neuron 3 ('score') has no incoming edge; connect something into it."


def test_an_output_no_input_reaches():
    g = chain("tanh")                                           # the output 4 is fed from a bias only
    g.connect(1, 3)
    g.connect(2, 4)
    msg = build_error(g)
    assert msg.startswith("Output neuron 4 is not reached from any input")
    g = chain("tanh")                                           # through a hidden neuron fed by a bias
    g.connect(2, 3)
    g.connect(3, 4)
    assert "Output neuron 4 is not reached from any input" in build_error(g)


def test_no_input_and_no_output():
    g = nn.Graph()
    g.bias()
    g.neuron("tanh")
    g.connect(1, 2)
    msg = build_error(g)
    assert "no input neuron; add one with g.input()" in msg
    assert "no output neuron; add one with g.output(activation)" in msg
    assert msg.startswith("The graph has 2 problems:")
    g = nn.Graph()
    g.input()
    g.output()
    assert build_error(g) == "Output neuron 2 has no incoming edge; connect something into it."


def test_a_non_finite_weight():
    g = chain("tanh")
    g.connect(1, 3, 0.5)
    g.connect(3, 4, float("nan"))
    assert build_error(g) == "The edge 3 → 4 has the non-finite weight nan; weights must be finite numbers."
    g = chain()
    g.connect(1, 3, -np.inf)
    assert "The edge 1 → 3 has the non-finite weight -inf" in build_error(g)


def test_several_problems_are_listed_together():
    g = chain("tanh")
    g.connect(1, 3)
    g.connect(3, 4)
    g.connect(3, 1)
    g.connect(4, 2)
    g.connect(1, 50)
    msg = build_error(g)
    assert msg.startswith("The graph has 3 problems:")
    for part in ("3 → 1 points into input", "4 → 2 points into bias", "unknown neuron id 50"):
        assert part in msg
    g = chain()
    for k in range(12):
        g.connect(1, 100 + k)
    assert "… and 2 more" in build_error(g)


# -- layers and levels ------------------------------------------------------------------------
def test_the_running_example_is_layered():
    net = running_example()
    assert net.layers == [[1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert net.levels == [[1], [3, 4], [6, 7], [9]]
    assert "layered 1-2-2-1" in repr(net)


def test_a_to_b_to_c_with_a_to_c_is_not_layered():
    g = nn.Graph()
    a, b, c = g.input(name="a"), g.neuron("identity", name="b"), g.output(name="c")
    g.connect(a, b, 2.0)
    g.connect(b, c, 3.0)
    g.connect(a, c, 1.0)
    net = g.build()
    assert net.layers is None
    assert net.levels == [[a], [b], [c]]                         # c is two steps from a (longest path)
    assert net.forward([1.0]).tolist() == [2.0 * 3.0 + 1.0]


def test_levels_are_longest_paths_from_an_input():
    g = nn.Graph()
    x1, x2, bias = g.input(), g.input(), g.bias()
    h = g.neuron("tanh")                                         # 4: level 1
    k = g.neuron("tanh")                                         # 5: level 2 (after h)
    c = g.neuron("tanh")                                         # 6: fed only by the bias -> level 1
    y = g.output()                                               # 7: level 3
    edges = [(x1, h), (h, k), (x2, k), (k, y), (x1, y), (bias, c), (c, y), (bias, h)]
    for e in edges:
        g.connect(*e)
    topo = validate(g.neurons, g.edges, None)
    assert topo.level == {x1: 0, x2: 0, h: 1, k: 2, c: 1, y: 3}
    assert topo.layers is None
    assert g.build(seed=0).levels == [[x1, x2], [h, c], [k], [y]]


def test_a_bias_feeding_two_layers_makes_the_graph_non_layered():
    g = nn.Graph()
    x, bias = g.input(), g.bias()
    h = g.neuron("tanh")
    y = g.output()
    for e in [(x, h), (h, y), (bias, h), (bias, y)]:
        g.connect(*e)
    assert g.build(seed=0).layers is None
    g = nn.Graph()                                               # one bias per layer, as in the seed
    x, b1 = g.input(), g.bias()
    h = g.neuron("tanh")
    b2 = g.bias()
    y = g.output()
    for e in [(x, h), (h, y), (b1, h), (b2, y)]:
        g.connect(*e)
    assert g.build(seed=0).layers == [[x, b1], [h, b2], [y]]


def test_outputs_in_two_layers_are_layered_as_the_seed_defines_it():
    # the seed: "divide the entire set of neurons into an ordered list of subsets, such that each
    # neuron only points towards neuron in the subset next in line" -- nothing asks outputs to share one
    g = nn.Graph()
    x = g.input()
    h = g.neuron("tanh")
    y1, y2 = g.output(), g.output()
    for e in [(x, h), (h, y1), (x, y2)]:                         # y2 is read out of layer 2
        g.connect(*e)
    net = g.build(seed=0)
    assert net.layers == [[x], [h, y2], [y1]] and net.levels == [[x], [h, y2], [y1]]
    X = np.array([[0.3], [-1.2]])
    w = net.weights
    expect = np.stack([w[(h, y1)] * np.tanh(w[(x, h)] * X[:, 0]), w[(x, y2)] * X[:, 0]], axis=1)
    np.testing.assert_allclose(net.forward(X), expect, rtol=1e-13)
    (W2, b2), (W3, b3) = net.matrices()                          # y2's column in A_3 is zero: it feeds nothing
    assert W2.tolist() == [[w[(x, h)]], [w[(x, y2)]]] and W3.tolist() == [[w[(h, y1)], 0.0]]


def test_a_hidden_neuron_fed_only_by_a_bias_sits_before_the_neurons_it_feeds():
    g = nn.Graph()
    x, b1 = g.input(), g.bias()
    h1 = g.neuron("tanh")
    b2 = g.bias()
    h3 = g.neuron("tanh")
    c = g.neuron("logistic")                                     # fed only by the bias b2: a constant
    y = g.output()
    for e in [(x, h1), (b1, h1), (h1, h3), (b2, h3), (b2, c), (h3, y), (c, y)]:
        g.connect(*e)
    net = g.build(seed=0)
    assert net.layers == [[x, b1], [h1, b2], [h3, c], [y]]
    assert net.levels == [[x], [h1, c], [h3], [y]]               # evaluation order is unchanged
    assert len(net.matrices()) == 3


def test_what_the_seed_would_not_call_layered():
    def layers(neurons, edges):
        g = nn.Graph()
        ids = {name: getattr(g, kind)(*([] if kind in ("input", "bias") else ["tanh"]))
               for name, kind in neurons}
        for a, b in edges:
            g.connect(ids[a], ids[b])
        return g.build(seed=0).layers

    # an input one layer after another input: layer 1 is the input layer
    assert layers([("x1", "input"), ("x2", "input"), ("h", "neuron"), ("y", "output")],
                  [("x1", "h"), ("h", "y"), ("x2", "y")]) is None
    # a bias-fed neuron that would sit in the input layer, its bias before it
    assert layers([("x", "input"), ("b", "bias"), ("c", "neuron"), ("y", "output")],
                  [("x", "y"), ("b", "c"), ("c", "y")]) is None
    # a hidden neuron that feeds nothing is in its layer like any other
    assert layers([("x", "input"), ("h", "neuron"), ("y", "output")], [("x", "h"), ("x", "y")]) == [[1], [2, 3]]


def test_a_dead_end_hidden_neuron_is_allowed():
    g = nn.Graph()
    x = g.input()
    h = g.neuron("tanh")                                         # feeds nothing
    y = g.output()
    g.connect(x, h)
    g.connect(x, y, 2.0)
    net = g.build(seed=0)
    assert net.forward([1.5]).tolist() == [3.0]
    grad = net.gradient([1.5], [0.0])
    assert grad.deltas[h] == 0.0 and grad.weights[(x, h)] == 0.0


def test_an_unused_input_and_an_unused_bias_are_allowed():
    g = nn.Graph()
    a, a2, b, b2 = g.input(), g.input(), g.bias(), g.bias()
    y = g.output()
    g.connect(a, y, 2.0)
    g.connect(b, y, 1.0)
    net = g.build()
    assert net.inputs == [a, a2] and net.biases == [b, b2]
    assert net.forward([1.0, 5.0]).tolist() == [3.0]              # x_2 is ignored
    assert net.layers == [[a, a2, b, b2], [y]]
    assert net.gradient([1.0, 5.0], [0.0]).weights == {(a, y): 6.0, (b, y): 6.0}


def test_the_seeds_word_rectifier_names_relu(tmp_path):
    g = nn.Graph()
    x = g.input()
    h = g.neuron("rectifier")                                    # the seed, III.III: "the rectifier function"
    y = g.output("Rectifier")
    g.connect(x, h, 1.0)
    g.connect(h, y, 2.0)
    net = g.build()
    assert net.activation(h) == net.activation(y) == "relu"      # stored by its canonical name
    assert net.forward([[-1.0], [1.5]]).tolist() == [[0.0], [3.0]]
    net.save(tmp_path / "r.json")
    assert '"rectifier"' not in (tmp_path / "r.json").read_text() and nn.load(tmp_path / "r.json").activation(h) == "relu"
    assert nn.mlp([1, 2, 1], hidden="rectifier").activation(3) == "relu"
