"""The Network: the seed's running example worked by hand, shapes and dtypes, the function
view (matrices, collapse), weights, mlp, and input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronet as nn
from neuronet import examples
from neuronet.errors import DataError, GraphError
from neuronet.model.examples import RUNNING_EXAMPLE_WEIGHTS, running_example, running_example_input


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# -- the running example, by hand -----------------------------------------------------
def hand_worked():
    """Forward and backward pass of the seed's running example in plain arithmetic."""
    x, y = 0.5, 1.0
    # Weights, as tabled in neuronet.examples (w_ij belongs to neuron j).
    w13, w23 = 0.5, 0.1
    w14, w24 = -0.5, 0.2
    w36, w46, w56 = 1.0, -1.0, 0.5
    w47, w57 = 2.0, -0.5
    w69, w79, w89 = 1.5, -1.0, 0.25
    o1, o2, o5, o8 = x, 1.0, 1.0, 1.0          # input passes x on; bias neurons output 1

    # Forward, layer by layer: z_j = Σ_i w_ij·o_i, o_j = f_j(z_j).
    z3 = w13 * o1 + w23 * o2                    # = 0.35
    o3 = sigma(z3)
    z4 = w14 * o1 + w24 * o2                    # = -0.05
    o4 = sigma(z4)
    z6 = w36 * o3 + w46 * o4 + w56 * o5
    o6 = sigma(z6)
    z7 = w47 * o4 + w57 * o5                    # neuron 3 does not feed neuron 7
    o7 = sigma(z7)
    z9 = w69 * o6 + w79 * o7 + w89 * o8
    o9 = z9                                     # the output neuron applies the identity
    loss = (y - o9) ** 2

    # Step 1: the derivative with respect to the output neuron's input.
    d9 = -2.0 * (y - o9) * 1.0                  # ∂L/∂ŷ · f_9'(z_9), f_9' = 1
    # Step 2: layer by layer backwards; σ'(z) = σ(z)(1 − σ(z)).
    d6 = o6 * (1 - o6) * (w69 * d9)
    d7 = o7 * (1 - o7) * (w79 * d9)
    d3 = o3 * (1 - o3) * (w36 * d6)             # neuron 3 has one outgoing edge
    d4 = o4 * (1 - o4) * (w46 * d6 + w47 * d7)  # neuron 4 sums over its two outgoing edges 4→6, 4→7
    # Step 3: ∂L/∂w_ij = δ_j · o_i.
    dw = {
        (1, 3): d3 * o1, (2, 3): d3 * o2,
        (1, 4): d4 * o1, (2, 4): d4 * o2,
        (3, 6): d6 * o3, (4, 6): d6 * o4, (5, 6): d6 * o5,
        (4, 7): d7 * o4, (5, 7): d7 * o5,
        (6, 9): d9 * o6, (7, 9): d9 * o7, (8, 9): d9 * o8,
    }
    z = {1: x, 3: z3, 4: z4, 6: z6, 7: z7, 9: z9}
    o = {1: o1, 2: o2, 3: o3, 4: o4, 5: o5, 6: o6, 7: o7, 8: o8, 9: o9}
    deltas = {3: d3, 4: d4, 6: d6, 7: d7, 9: d9}
    return z, o, loss, deltas, dw


def test_running_example_is_the_seeds_network():
    net = running_example()
    assert net.layers == [[1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert net.inputs == [1] and net.biases == [2, 5, 8] and net.outputs == [9]
    assert list(net.edges) == [(1, 3), (2, 3), (1, 4), (2, 4), (3, 6), (4, 6), (5, 6), (4, 7), (5, 7),
                               (6, 9), (7, 9), (8, 9)]
    assert net.weights == RUNNING_EXAMPLE_WEIGHTS
    assert [net.activation(j) for j in range(1, 10)] == [None, None, "logistic", "logistic", None,
                                                         "logistic", "logistic", None, "identity"]
    x, y = running_example_input()
    assert x.tolist() == [0.5] and y.tolist() == [1.0]


def test_running_example_forward_by_hand():
    z, o, loss, _, _ = hand_worked()
    net = running_example()
    x, y = running_example_input()
    t = net.trace(x)
    assert set(t.z) == set(z) and set(t.o) == set(o)
    for j in z:
        assert t.z[j] == pytest.approx(z[j], rel=1e-12, abs=1e-12), f"z_{j}"
    for j in o:
        assert t.o[j] == pytest.approx(o[j], rel=1e-12, abs=1e-12), f"o_{j}"
    assert t.y.tolist() == pytest.approx([o[9]], rel=1e-12)
    assert net.forward(x).tolist() == pytest.approx([o[9]], rel=1e-12)
    assert net.loss(x, y) == pytest.approx(loss, rel=1e-12)


def test_running_example_backpropagation_by_hand():
    _, _, loss, deltas, dw = hand_worked()
    net = running_example()
    x, y = running_example_input()
    g = net.gradient(x, y)
    assert g.loss == pytest.approx(loss, rel=1e-12)
    assert set(g.deltas) == set(deltas)
    for j in deltas:
        assert g.deltas[j] == pytest.approx(deltas[j], rel=1e-12, abs=1e-12), f"δ_{j}"
    assert set(g.weights) == set(dw)
    for ij in dw:
        assert g.weights[ij] == pytest.approx(dw[ij], rel=1e-12, abs=1e-12), f"∂L/∂w_{ij}"


def test_running_example_docstring_shows_the_computed_values():
    z, o, loss, deltas, dw = hand_worked()
    doc = examples.__doc__

    def shown(v):
        return f"{v:.4f}".replace("-", "−")

    for v in (o[3], o[4], z[6], o[6], z[7], o[7], z[9], loss, *deltas.values(), dw[(4, 7)]):
        assert shown(v) in doc, f"{v} is not in the examples docstring"


def test_running_example_in_float32():
    net = running_example(dtype="float32")
    x, y = running_example_input()
    assert net.dtype == np.float32
    _, o, _, _, dw = hand_worked()
    assert float(net.forward(x)[0]) == pytest.approx(o[9], rel=1e-6)
    g = net.gradient(x, y)
    for ij in dw:
        assert g.weights[ij] == pytest.approx(dw[ij], rel=1e-4, abs=1e-6)


# -- shapes and dtypes ------------------------------------------------------------------
def test_forward_shapes():
    net = nn.mlp([3, 4, 2], hidden="tanh", seed=0)
    assert net.forward([0.1, 0.2, 0.3]).shape == (2,)
    assert net.forward([[0.1, 0.2, 0.3]]).shape == (1, 2)
    X = np.random.default_rng(0).normal(size=(7, 3))
    Y = net.forward(X)
    assert Y.shape == (7, 2)
    np.testing.assert_allclose(net.forward(X[2]), Y[2], rtol=1e-14, atol=1e-15)  # BLAS may sum in another order
    assert net(X).shape == (7, 2)
    one = nn.mlp([1, 1], seed=0)
    assert one.forward([2.0]).shape == (1,)
    assert one.forward(np.ones((5, 1))).shape == (5, 1)


def test_float32_networks_compute_in_float32():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))                                           # float64 input
    for hidden in ("logistic", "tanh", "relu", "leaky_relu", "softplus", "elu", "identity", "step"):
        net32 = nn.mlp([3, 5, 4, 2], hidden=hidden, output="logistic", seed=2, dtype="float32")
        assert net32.dtype == np.float32 and net32.theta.dtype == np.float32
        assert net32.forward(X).dtype == np.float32, hidden
        assert net32.forward(X[0]).dtype == np.float32
        t = net32.trace(X[0])
        assert t.y.dtype == np.float32
        net64 = net32.astype("float64")
        assert net64.forward(X).dtype == np.float64
        if hidden != "step":
            np.testing.assert_allclose(net32.forward(X), net64.forward(X), rtol=1e-5, atol=1e-6)


def test_float64_is_the_default():
    net = nn.mlp([2, 2, 1], seed=0)
    assert net.dtype == np.float64
    assert net.forward(np.ones((3, 2), dtype=np.float32)).dtype == np.float64
    g = nn.Graph()
    a, b = g.input(), g.output()
    g.connect(a, b, 1.0)
    assert g.build().dtype == np.float64
    with pytest.raises(DataError, match="dtype must be 'float64' or 'float32'.*float16"):
        nn.mlp([1, 1], dtype="float16")


# -- the function view ------------------------------------------------------------------
ACT = {
    "identity": lambda z: z, "logistic": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0), "softplus": lambda z: np.log1p(np.exp(z)),
}


def apply_matrices(net, x):
    """f = σ_L∘A_L∘…∘σ_2∘A_2 with A_k(v) = W_k v + b_k; σ_k per neuron in id order."""
    v = np.asarray(x, dtype=float)
    layers = net.layers
    kinds = {nu.id: nu.kind for nu in net.neurons}
    for k, (W, b) in enumerate(net.matrices(), start=1):
        units = [j for j in layers[k] if kinds[j] != "bias"]
        assert W.shape == (len(units), len(v)) and b.shape == (len(units),)
        z = W @ v + b
        v = np.array([ACT[net.activation(j)](z[r]) for r, j in enumerate(units)])
    return v


def test_matrices_of_the_running_example():
    mats = running_example().matrices()
    assert len(mats) == 3
    (W2, b2), (W3, b3), (W4, b4) = mats
    np.testing.assert_array_equal(W2, [[0.5], [-0.5]])
    np.testing.assert_array_equal(b2, [0.1, 0.2])
    np.testing.assert_array_equal(W3, [[1.0, -1.0], [0.0, 2.0]])          # no edge 3 → 7: a zero
    np.testing.assert_array_equal(b3, [0.5, -0.5])
    np.testing.assert_array_equal(W4, [[1.5, -1.0]])
    np.testing.assert_array_equal(b4, [0.25])


@pytest.mark.parametrize("sizes, hidden, output", [
    ([1, 2, 2, 1], "logistic", "identity"),
    ([3, 5, 4, 2], "tanh", "logistic"),
    ([2, 6, 3], "relu", "softplus"),
    ([4, 3], "relu", "identity"),
])
def test_matrices_reproduce_forward(sizes, hidden, output):
    net = nn.mlp(sizes, hidden=hidden, output=output, seed=5)
    X = np.random.default_rng(3).normal(size=(5, sizes[0]))
    for x in X:
        np.testing.assert_allclose(apply_matrices(net, x), net.forward(x), rtol=1e-12, atol=1e-12)
    for x in X[:2]:
        np.testing.assert_allclose(apply_matrices(running_example(), x[:1]), running_example().forward(x[:1]),
                                   rtol=1e-12)


def test_matrices_with_mixed_activations_in_a_layer():
    g = nn.Graph()
    x1, x2, b1 = g.input(), g.input(), g.bias()
    h1, h2, h3 = g.neuron("tanh"), g.neuron("identity"), g.neuron("logistic")
    b2 = g.bias()
    y1, y2 = g.output("identity"), g.output("logistic")
    for j in (h1, h2, h3):
        g.connect(x1, j)
        g.connect(b1, j)
    g.connect(x2, h3)
    for j in (y1, y2):
        g.connect(h1, j)
        g.connect(h3, j)
        g.connect(b2, j)
    g.connect(h2, y1)
    net = g.build(seed=7)
    assert net.layers == [[x1, x2, b1], [h1, h2, h3, b2], [y1, y2]]
    for x in np.random.default_rng(0).normal(size=(4, 2)):
        np.testing.assert_allclose(apply_matrices(net, x), net.forward(x), rtol=1e-12, atol=1e-14)


def test_matrices_of_a_non_layered_network_is_an_error():
    net = skip_network("logistic")
    assert net.layers is None
    with pytest.raises(GraphError, match="matrices\\(\\) needs a layered network"):
        net.matrices()


def test_collapse_of_an_identity_network_is_the_product_of_its_matrices():
    net = nn.mlp([3, 4, 5, 2], hidden="identity", output="identity", seed=11)
    (W2, b2), (W3, b3), (W4, b4) = net.matrices()
    M, c = net.collapse()
    np.testing.assert_allclose(M, W4 @ W3 @ W2, rtol=1e-12)              # A_L · … · A_2
    np.testing.assert_allclose(c, W4 @ (W3 @ b2 + b3) + b4, rtol=1e-12)
    X = np.random.default_rng(4).normal(size=(6, 3))
    np.testing.assert_allclose(X @ M.T + c, net.forward(X), rtol=1e-12, atol=1e-12)
    assert M.shape == (2, 3) and c.shape == (2,)


def skip_network(act: str) -> nn.Network:
    """A non-layered network: a→b, b→c and a→c, plus a second output fed straight from the input."""
    g = nn.Graph()
    a1, a2, bias = g.input(), g.input(), g.bias()
    b = g.neuron(act)
    c = g.output("identity")
    d = g.output("identity")
    g.connect(a1, b, 0.7)
    g.connect(a2, b, -1.3)
    g.connect(bias, b, 0.4)
    g.connect(b, c, 2.0)
    g.connect(a1, c, -0.5)                                                 # skips a level
    g.connect(bias, c, 0.1)
    g.connect(a2, d, 3.0)
    return g.build()


def test_collapse_of_a_non_layered_identity_network_equals_forward():
    net = skip_network("identity")
    assert net.layers is None
    M, c = net.collapse()
    # By hand: b = 0.7 a1 − 1.3 a2 + 0.4; c = 2b − 0.5 a1 + 0.1; d = 3 a2.
    np.testing.assert_allclose(M, [[2 * 0.7 - 0.5, 2 * -1.3], [0.0, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(c, [2 * 0.4 + 0.1, 0.0], rtol=1e-15)
    X = np.random.default_rng(5).normal(size=(5, 2))
    np.testing.assert_allclose(X @ M.T + c, net.forward(X), rtol=1e-12, atol=1e-12)


def test_collapse_of_a_nonlinear_network_is_an_error():
    with pytest.raises(GraphError, match="neuron 3 applies 'logistic' \\(and 3 more\\)"):
        running_example().collapse()
    with pytest.raises(GraphError, match="identity"):
        skip_network("tanh").collapse()


# -- weights ---------------------------------------------------------------------------
def test_weights_round_trip():
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(4, 2))
    before = net.forward(X)
    w = net.weights
    w[(1, 4)] = 100.0                                   # a copy: the network does not change
    np.testing.assert_array_equal(net.forward(X), before)
    net.set_weights(net.weights)
    np.testing.assert_array_equal(net.forward(X), before)
    new = {ij: 0.1 * k for k, ij in enumerate(net.edges)}
    net.set_weights(new)
    assert net.weights == pytest.approx(new)
    net.set_weights({(1, 4): -2.5})                     # a partial update keeps the others
    assert net.weights[(1, 4)] == -2.5
    assert net.weights[(2, 4)] == pytest.approx(new[(2, 4)])
    net.set_weights({(np.int64(2), np.int64(4)): 0.5})   # numpy ids are fine
    assert net.weights[(2, 4)] == 0.5
    other = nn.mlp([2, 3, 1], hidden="tanh", seed=1)
    other.set_weights(net.weights)
    np.testing.assert_array_equal(other.forward(X), net.forward(X))


def test_set_weights_refuses_unknown_edges_and_bad_values():
    net = running_example()
    before = net.weights
    with pytest.raises(GraphError, match=r"no edge \(3, 7\)"):
        net.set_weights({(1, 3): 9.0, (3, 7): 1.0})
    with pytest.raises(GraphError, match=r"edge 4 → 6 must be finite; received nan"):
        net.set_weights({(4, 6): float("nan")})
    with pytest.raises(GraphError, match=r"edge 4 → 6 must be finite; received inf"):
        net.set_weights({(4, 6): np.inf})
    with pytest.raises(GraphError, match=r"edge 4 → 6 must be a number; received 'x'"):
        net.set_weights({(4, 6): "x"})
    with pytest.raises(GraphError, match="too large for float32"):
        running_example("float32").set_weights({(4, 6): 1e300})
    assert net.weights == before                        # a refused update changes nothing


def test_layers_is_none_for_non_layered_graphs():
    g = nn.Graph()
    a, b, c = g.input(), g.neuron("tanh"), g.output()
    g.connect(a, b)
    g.connect(b, c)
    g.connect(a, c)
    net = g.build(seed=0)
    assert net.layers is None
    assert net.levels == [[a], [b], [c]]
    assert "not layered" in repr(net)


def test_mlp_numbering_matches_the_seed():
    net = nn.mlp([1, 2, 2, 1], hidden="logistic", seed=0)
    assert net.layers == running_example().layers == [[1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert net.inputs == [1] and net.biases == [2, 5, 8] and net.outputs == [9]
    # fully connected: the running example's twelve edges plus 3 → 7
    assert set(net.edges) == set(RUNNING_EXAMPLE_WEIGHTS) | {(3, 7)}
    assert [net.activation(j) for j in (3, 4, 6, 7, 9)] == ["logistic"] * 4 + ["identity"]
    assert net.n_params == 13


def test_mlp_refuses_bad_sizes():
    with pytest.raises(GraphError, match="at least an input and an output layer"):
        nn.mlp([3])
    with pytest.raises(GraphError, match="sizes=\\[2, 0, 1\\]"):
        nn.mlp([2, 0, 1])
    with pytest.raises(GraphError, match="list of layer sizes"):
        nn.mlp(["a", 2])


def test_same_seed_same_weights():
    a = nn.mlp([3, 4, 2], seed=42).weights
    assert nn.mlp([3, 4, 2], seed=42).weights == a
    assert nn.mlp([3, 4, 2], seed=43).weights != a
    assert len(set(a.values())) == len(a)
    w32 = nn.mlp([3, 4, 2], seed=42, dtype="float32").weights
    assert w32 == pytest.approx(a, rel=1e-6)


def test_initial_weights_are_within_the_scheme_bounds():
    net = nn.mlp([4, 6, 3], hidden="tanh", seed=0, init="uniform")
    assert all(-1.0 <= v <= 1.0 for v in net.weights.values())
    relu = nn.mlp([4, 6, 3], hidden="relu", seed=0)            # auto: he for relu, glorot for identity
    for (i, j), v in relu.weights.items():
        bound = math.sqrt(6 / 4) if j <= 11 else math.sqrt(6 / (6 + 1))
        assert abs(v) <= bound
    with pytest.raises(DataError, match="init='bogus'.*glorot"):
        nn.mlp([2, 1], init="bogus")


def test_given_weights_are_kept_and_the_rest_drawn():
    g = nn.Graph()
    a, b, y = g.input(), g.bias(), g.output()
    g.connect(a, y, 0.25)
    g.connect(b, y)
    w1, w2 = g.build(seed=1).weights, g.build(seed=2).weights
    assert w1[(a, y)] == w2[(a, y)] == 0.25
    assert w1[(b, y)] != w2[(b, y)]


# -- input validation ------------------------------------------------------------------
@pytest.fixture
def net2():
    return nn.mlp([2, 3, 1], hidden="tanh", seed=0)


def test_wrong_input_width(net2):
    with pytest.raises(DataError, match="X has 3 columns per example, but the network has 2 input neurons"):
        net2.forward([[1.0, 2.0, 3.0]])
    with pytest.raises(DataError, match="X has 1 column per example, but the network has 2 input neurons"):
        net2.forward([1.0])
    with pytest.raises(DataError, match="x has 3 columns"):
        net2.trace([1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="pass X.reshape\\(-1, 1\\)"):
        nn.mlp([1, 1], seed=0).forward([1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="one example \\(n_in,\\) or a batch \\(B, n_in\\); received shape \\(2, 2, 2\\)"):
        net2.forward(np.zeros((2, 2, 2)))
    with pytest.raises(DataError, match="received shape \\(\\)"):
        net2.forward(1.0)


@pytest.mark.parametrize("bad, where", [(np.nan, "row 1, column 0"), (np.inf, "row 1, column 0"),
                                        (-np.inf, "row 1, column 0")])
def test_non_finite_X_is_refused_with_its_position(net2, bad, where):
    X = np.zeros((3, 2))
    X[1, 0] = bad
    with pytest.raises(DataError, match=f"X holds {bad} at {where}; every value must be finite"):
        net2.forward(X)
    with pytest.raises(DataError, match=f"X holds {bad} at {where}"):
        net2.gradient(X, np.zeros(3))
    with pytest.raises(DataError, match="x holds nan at position \\(1,\\)"):
        net2.trace([0.0, np.nan])


def test_values_too_large_for_float32_are_refused(net2):
    net32 = net2.astype("float32")
    with pytest.raises(DataError, match="X holds 1e\\+300 at row 0, column 1, too large for float32"):
        net32.forward([[0.0, 1e300]])
    g = nn.Graph()
    a, y = g.input(), g.output()
    g.connect(a, y, 1e300)
    with pytest.raises(GraphError, match="edge 1 → 2 has the weight 1e\\+300, too large for float32"):
        g.build(dtype="float32")
    assert g.build().weights[(1, 2)] == 1e300


def test_non_finite_Y_is_refused_with_its_position(net2):
    X = np.zeros((3, 2))
    with pytest.raises(DataError, match="Y holds nan at position \\(2,\\)"):
        net2.gradient(X, [0.0, 1.0, np.nan])
    with pytest.raises(DataError, match="Y holds inf at row 0, column 0"):
        net2.loss(X, [[np.inf], [0.0], [0.0]])


def test_Y_of_the_wrong_shape(net2):
    X = np.zeros((3, 2))
    with pytest.raises(DataError, match="Y has shape \\(3, 2\\), but the network has 1 output: expected \\(3, 1\\)"):
        net2.gradient(X, np.zeros((3, 2)))
    with pytest.raises(DataError, match="X has 3 rows but Y has 4"):
        net2.gradient(X, np.zeros(4))
    with pytest.raises(DataError, match="Y has 4 rows|X has 3 rows but Y has 4"):
        net2.loss(X, np.zeros((4, 1)))


def test_empty_batch(net2):
    with pytest.raises(DataError, match="empty batch \\(0 examples\\)"):
        net2.forward(np.zeros((0, 2)))
    with pytest.raises(DataError, match="empty batch"):
        net2.gradient(np.zeros((0, 2)), np.zeros(0))


def test_ints_and_bools_become_floats(net2):
    Xi = np.array([[1, 0], [0, 2]])
    np.testing.assert_array_equal(net2.forward(Xi), net2.forward(Xi.astype(float)))
    np.testing.assert_array_equal(net2.forward([[True, False]]), net2.forward([[1.0, 0.0]]))
    g = net2.gradient(Xi, np.array([1, 0]))
    assert g.loss == net2.gradient(Xi.astype(float), [1.0, 0.0]).loss


def test_objects_and_text_are_refused(net2):
    with pytest.raises(DataError, match="X must hold numbers; it holds Python objects \\(dtype object\\)"):
        net2.forward(np.array([[1.0, None]], dtype=object))
    with pytest.raises(DataError, match="X must hold numbers; it holds Python objects"):
        net2.forward(np.array([[1.0, 2.0]], dtype=object))
    with pytest.raises(DataError, match="it holds text"):
        net2.forward([["1.0", "2.0"]])
    with pytest.raises(DataError, match="it holds text"):
        net2.forward([[1.0, "a"]])
    with pytest.raises(DataError, match="it holds complex numbers"):
        net2.forward([[1.0, 1j]])
    with pytest.raises(DataError, match="could not be read as a numeric array"):
        net2.forward([[1.0, 2.0], [1.0]])
    with pytest.raises(DataError, match="Y must hold numbers; it holds text"):
        net2.gradient([[1.0, 2.0]], ["a"])


def test_pandas_frames_are_accepted(net2):
    pd = pytest.importorskip("pandas")
    X = np.array([[0.1, 0.2], [0.3, 0.4]])
    frame = pd.DataFrame(X, columns=["a", "b"])
    np.testing.assert_array_equal(net2.forward(frame), net2.forward(X))


def test_trace_takes_one_example(net2):
    with pytest.raises(DataError, match="trace\\(\\) takes one example .* received 2 rows"):
        net2.trace(np.zeros((2, 2)))
    assert net2.trace(np.zeros((1, 2))).y.shape == (1,)


def test_unknown_loss(net2):
    with pytest.raises(DataError, match="Unknown loss 'hinge'. Known losses: squared, absolute, huber"):
        net2.gradient([[0.0, 0.0]], [0.0], loss="hinge")


def test_one_example_takes_its_target_in_any_natural_shape():
    net = nn.mlp([1, 2, 1], seed=0)
    expected = net.gradient([0.5], [1.0]).loss
    assert net.gradient([0.5], 1.0).loss == expected
    assert net.gradient([0.5], [[1.0]]).loss == expected
    assert net.loss([0.5], [[1.0]]) == expected
    three = nn.mlp([1, 2, 3], seed=0)
    assert (three.gradient([0.5], 2, loss="cross_entropy").loss
            == three.gradient([0.5], [0.0, 0.0, 1.0], loss="cross_entropy").loss)
