"""Backpropagation checked against central differences on random graphs.

Random feed-forward graphs (layered, and non-layered with skip edges; sparse; one
activation per neuron; several outputs; ids in random creation order) are evaluated by
a plain-Python reference that follows the seed's definition neuron by neuron, and their
gradients are compared with central differences of the loss for every loss, in float64.
R networks stacked along the restart axis must give each network's own gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import neuronet as nn
from neuronet import losses
from neuronet.model import backprop
from neuronet.model.network import Network

# Every differentiable activation; step is excluded (its derivative is 0 almost everywhere
# and not the derivative of the function seen by finite differences).
ACTS = ["identity", "logistic", "tanh", "softplus", "relu", "leaky_relu", "elu"]
# Activations whose derivative (relu, leaky_relu) or second derivative (elu) jumps at 0:
# examples with such a neuron's z near 0 are skipped, since a central difference across
# the kink does not measure the derivative.
KINKED = {"relu", "leaky_relu", "elu"}
KINK_MARGIN = 1e-3
H = 1e-6  # central-difference step

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                           HealthCheck.too_slow])


def _ref_f(name: str, z: float) -> float:
    """The activation functions written independently of neuronet.activations."""
    if name == "identity":
        return z
    if name == "logistic":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    if name == "softplus":
        return max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    if name == "relu":
        return max(z, 0.0)
    if name == "leaky_relu":
        return z if z > 0 else 0.01 * z
    if name == "elu":
        return z if z > 0 else math.expm1(z)
    raise AssertionError(name)


@dataclass
class Spec:
    """A random network and the plain description it was built from."""

    net: Network
    kind: dict[int, str]
    act: dict[int, str | None]
    order: list[int]                     # a topological order of all neurons
    w: dict[tuple[int, int], float]
    layered: bool

    def reference(self, x) -> tuple[dict[int, float], dict[int, float]]:
        """z_j and o_j of every neuron for one example, straight from the seed's definition."""
        z: dict[int, float] = {}
        o: dict[int, float] = {}
        inputs = self.net.inputs
        for j in self.order:
            if self.kind[j] == "bias":
                o[j] = 1.0
            elif self.kind[j] == "input":
                z[j] = o[j] = float(x[inputs.index(j)])
            else:
                z[j] = math.fsum(w * o[i] for (i, jj), w in self.w.items() if jj == j)
                o[j] = _ref_f(self.act[j], z[j])
        return z, o

    def near_kink(self, X) -> bool:
        for x in X:
            z, _ = self.reference(x)
            if any(self.act.get(j) in KINKED and abs(v) < KINK_MARGIN for j, v in z.items()):
                return True
        return False


def build_random(rng: np.random.Generator, layered: bool, n_in: int, hidden: list[int], n_out: int,
                 density: float, n_bias: int) -> Spec:
    """A random valid graph; every hidden/output neuron has ≥ 1 non-bias source, so every
    output is reached from an input."""
    # Neurons as (kind, group); group is the layer (layered) or position in a topological order.
    items: list[tuple[str, int]] = [("input", 0)] * n_in
    if layered:
        sizes = hidden + [n_out]
        for k, n in enumerate(sizes, start=1):
            items += [("bias", k - 1)] if rng.random() < 0.9 else []
            items += [("hidden" if k < len(sizes) else "output", k)] * n
    else:
        rest = ["hidden"] * sum(hidden) + ["output"] * n_out
        rng.shuffle(rest)
        items += [(k, p + 1) for p, k in enumerate(rest)] + [("bias", -1)] * n_bias
    perm = rng.permutation(len(items))           # random creation order -> random ids
    g = nn.Graph()
    ids = [0] * len(items)
    act: dict[int, str | None] = {}
    kind: dict[int, str] = {}
    for idx in perm:
        k, _ = items[idx]
        a = None if k in ("input", "bias") else str(rng.choice(ACTS))
        nid = {"input": g.input, "bias": g.bias}[k]() if a is None else (g.neuron(a) if k == "hidden" else g.output(a))
        ids[idx] = nid
        kind[nid], act[nid] = k, a
    group = {ids[n]: items[n][1] for n in range(len(items))}
    w: dict[tuple[int, int], float] = {}

    def connect(i, j):
        w[(i, j)] = float(rng.normal(0.0, 1.0))

    units = [j for j in ids if kind[j] in ("hidden", "output")]
    if layered:
        for j in units:
            prev = [i for i in ids if kind[i] in ("input", "hidden") and group[i] == group[j] - 1]
            chosen = [i for i in prev if rng.random() < density] or [prev[rng.integers(len(prev))]]
            for i in chosen:
                connect(i, j)
            bias = [b for b in ids if kind[b] == "bias" and group[b] == group[j] - 1]
            if bias and rng.random() < 0.8:
                connect(bias[0], j)
    else:
        biases = [b for b in ids if kind[b] == "bias"]
        for j in sorted(units, key=group.get):
            prev = [i for i in ids if kind[i] == "input" or (kind[i] == "hidden" and group[i] < group[j])]
            chosen = [i for i in prev if rng.random() < density] or [prev[rng.integers(len(prev))]]
            for i in chosen:
                connect(i, j)
            if biases and rng.random() < 0.8:
                connect(biases[rng.integers(len(biases))], j)
    for (i, j), v in w.items():
        g.connect(i, j, v)
    net = g.build(seed=0)
    order = [j for j in ids if kind[j] in ("input", "bias")] + sorted(units, key=group.get)
    return Spec(net, kind, act, order, w, layered)


@st.composite
def specs(draw, min_out: int = 1):
    layered = draw(st.booleans())
    n_in = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    n_out = draw(st.integers(min_out, 3))
    density = draw(st.floats(0.3, 1.0))
    n_bias = draw(st.integers(0, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return build_random(rng, layered, n_in, hidden, n_out, density, n_bias), rng


def targets(rng, loss: str, B: int, n_out: int):
    """Targets for ``loss`` in the form a user passes them (class indices for 'cross_entropy_idx')."""
    if loss == "cross_entropy_idx":
        return rng.integers(0, n_out, size=B)
    if loss == "cross_entropy":
        return np.eye(n_out)[rng.integers(0, n_out, size=B)]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(B, n_out)).astype(float)
    return rng.normal(0.0, 1.5, size=(B, n_out))


def loss_name(loss: str) -> str:
    return "cross_entropy" if loss == "cross_entropy_idx" else loss


def away_from_loss_kinks(spec: Spec, X, Y, loss: str) -> bool:
    if loss not in ("absolute", "huber"):
        return True
    r = np.abs(spec.net.forward(X) - Y)
    return bool(np.all(np.abs(r - (0.0 if loss == "absolute" else 1.0)) > KINK_MARGIN))


def central_differences(net: Network, X, Y, loss: str) -> dict[tuple[int, int], float]:
    """∂L/∂w_ij ≈ (L(w_ij + h) − L(w_ij − h)) / 2h for every edge, on fresh Networks."""
    S, theta = net.structure, np.array(net.theta)
    out = {}
    for e, ij in enumerate(S.edges):
        p = S.edge_param[e]
        up, down = theta.copy(), theta.copy()
        up[p] += H
        down[p] -= H
        out[ij] = (Network(S, up).loss(X, Y, loss) - Network(S, down).loss(X, Y, loss)) / (2 * H)
    return out


def assert_close_gradients(ana: dict, num: dict, scale: float) -> None:
    keys = list(ana)
    a = np.array([ana[k] for k in keys])
    n = np.array([num[k] for k in keys])
    err = np.linalg.norm(a - n)
    # relative error ≤ 1e-6, plus the rounding floor of a central difference (ε·|L|/h).
    bound = 1e-6 * (np.linalg.norm(a) + np.linalg.norm(n)) + 1e-9 * max(1.0, scale)
    worst = keys[int(np.argmax(np.abs(a - n)))]
    assert err <= bound, (f"gradient mismatch: |ana - num| = {err:.3g} > {bound:.3g}; worst edge {worst}: "
                          f"analytic {ana[worst]!r}, numeric {num[worst]!r}")


# -- the reference evaluator agrees with the compiled network ---------------------------
@SETTINGS
@given(specs())
def test_forward_and_trace_match_the_neuron_by_neuron_definition(spec_rng):
    spec, rng = spec_rng
    net = spec.net
    X = rng.normal(0.0, 1.0, size=(3, len(net.inputs)))
    Yhat = net.forward(X)
    assert Yhat.shape == (3, len(net.outputs))
    for b, x in enumerate(X):
        z, o = spec.reference(x)
        ref = np.array([o[k] for k in net.outputs])
        np.testing.assert_allclose(Yhat[b], ref, rtol=1e-12, atol=1e-12)
        t = net.trace(x)
        assert set(t.o) == set(spec.kind)
        assert set(t.z) == {j for j in spec.kind if spec.kind[j] != "bias"}
        for j in t.z:
            assert t.z[j] == pytest.approx(z[j], rel=1e-12, abs=1e-12), f"z of neuron {j}"
            assert t.o[j] == pytest.approx(o[j], rel=1e-12, abs=1e-12), f"o of neuron {j}"
    if spec.layered:
        assert net.layers is not None
        kinds = [[spec.kind[j] for j in layer] for layer in net.layers]
        assert all(k in ("input", "bias") for k in kinds[0])
        assert all(k == "output" for k in kinds[-1])


# -- finite differences, every loss ---------------------------------------------------
LOSS_CASES = ["squared", "absolute", "huber", "cross_entropy_idx", "cross_entropy", "binary_cross_entropy"]


@SETTINGS
@given(specs(), st.sampled_from(LOSS_CASES), st.integers(1, 4))
def test_gradient_matches_central_differences(spec_rng, loss, B):
    spec, rng = spec_rng
    net = spec.net
    n_out = len(net.outputs)
    assume(not (loss.startswith("cross_entropy") and n_out < 2))
    X = rng.normal(0.0, 1.0, size=(B, len(net.inputs)))
    Y = targets(rng, loss, B, n_out)
    assume(not spec.near_kink(X))
    assume(away_from_loss_kinks(spec, X, Y, loss))
    grad = net.gradient(X, Y, loss=loss_name(loss))
    num = central_differences(net, X, Y, loss_name(loss))
    assert_close_gradients(grad.weights, num, grad.loss)
    assert grad.loss == pytest.approx(net.loss(X, Y, loss_name(loss)), rel=1e-14)


@SETTINGS
@given(specs(), st.integers(1, 3))
def test_step_three_each_weight_gradient_is_delta_times_source_output(spec_rng, B):
    """∂L/∂w_ij = Σ_b δ_j[b]·o_i[b] (the seed's step 3), with δ from Gradient.deltas."""
    spec, rng = spec_rng
    net = spec.net
    X = rng.normal(0.0, 1.0, size=(B, len(net.inputs)))
    Y = rng.normal(0.0, 1.0, size=(B, len(net.outputs)))
    g = net.gradient(X, Y)
    assert set(g.deltas) == {j for j in spec.kind if spec.kind[j] in ("hidden", "output")}
    outs = [spec.reference(x)[1] for x in X]
    for (i, j), v in g.weights.items():
        expect = math.fsum(g.deltas[j][b] * outs[b][i] for b in range(B))
        assert v == pytest.approx(expect, rel=1e-12, abs=1e-15), (i, j)


def test_gradient_of_one_example_has_float_deltas():
    net = nn.mlp([2, 3, 2], hidden="tanh", seed=1)
    g = net.gradient([0.3, -0.2], [1.0, 0.0])
    assert all(isinstance(d, float) for d in g.deltas.values())
    gb = net.gradient([[0.3, -0.2]], [[1.0, 0.0]])
    assert all(d.shape == (1,) for d in gb.deltas.values())
    for j in g.deltas:
        assert gb.deltas[j][0] == g.deltas[j]
    assert gb.weights == g.weights


def test_batch_gradient_is_the_mean_of_the_examples_gradients():
    net = nn.mlp([3, 4, 2], hidden="logistic", seed=2)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    batch = net.gradient(X, Y)
    single = [net.gradient(x, y) for x, y in zip(X, Y)]
    for ij in batch.weights:
        assert batch.weights[ij] == pytest.approx(np.mean([s.weights[ij] for s in single]), rel=1e-12, abs=1e-15)
    assert batch.loss == pytest.approx(np.mean([s.loss for s in single]), rel=1e-12)
    # deltas of a batch are ∂(mean L)/∂z_j per example: 1/B times the example's own.
    for j in batch.deltas:
        np.testing.assert_allclose(batch.deltas[j], [s.deltas[j] / 5 for s in single], rtol=1e-12, atol=1e-15)


# -- restarts are an axis ---------------------------------------------------------------
@SETTINGS
@given(specs(), st.sampled_from(LOSS_CASES), st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_stacked_networks_give_each_networks_own_gradient(spec_rng, loss, R, B, shared_data):
    spec, rng = spec_rng
    S = spec.net.structure
    n_out = len(spec.net.outputs)
    assume(not (loss.startswith("cross_entropy") and n_out < 2))
    lo = losses.get(loss_name(loss))
    theta = np.zeros((R, S.P))
    theta[:, S.edge_param] = rng.normal(size=(R, len(S.edges)))
    if shared_data:
        X = rng.normal(size=(B, S.n_in))
        Yu = targets(rng, loss, B, n_out)
        Xs, Ys = [X] * R, [Yu] * R
        Y = losses.prepare_targets(lo, Yu, n_out, np.float64)
    else:
        Xs = [rng.normal(size=(B, S.n_in)) for _ in range(R)]
        Ys = [targets(rng, loss, B, n_out) for _ in range(R)]
        X = np.stack(Xs)                                                     # (R, B, n_in)
        Y = np.stack([losses.prepare_targets(lo, y, n_out, np.float64) for y in Ys])
    value, grad, _ = backprop.loss_and_gradient(S, theta, X, Y, lo)
    assert value.shape == (R,) and grad.shape == (R, S.P)
    assert not grad[:, ~S.param_mask].any(), "positions without an edge must have zero gradient"
    for r in range(R):
        alone = Network(S, theta[r].copy()).gradient(Xs[r], Ys[r], loss=lo.name)
        np.testing.assert_allclose(grad[r], alone.flat, rtol=1e-12, atol=1e-14)
        assert value[r] == pytest.approx(alone.loss, rel=1e-12, abs=1e-15)


def test_loss_and_gradient_accumulates_into_a_given_array_layout():
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=3)
    S = net.structure
    theta = np.stack([net.theta, net.theta * 0.5])
    X, Y = np.array([[0.1, 0.2], [0.3, -0.4]]), np.array([[1.0], [0.0]])
    out = np.full_like(theta, np.nan)
    value, grad, deltas = backprop.loss_and_gradient(S, theta, X, Y, losses.get("squared"), grad=out,
                                                     keep_deltas=True)
    assert grad is out and np.isfinite(out).all()
    assert len(deltas) == len(S.levels) and deltas[0] is None
    np.testing.assert_allclose(out[0], net.gradient(X, Y).flat, rtol=1e-12)


def test_float32_gradient_is_float32_and_close_to_float64():
    net64 = nn.mlp([3, 5, 2], hidden="tanh", seed=4)
    net32 = net64.astype("float32")
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    g32, g64 = net32.gradient(X, Y), net64.gradient(X, Y)
    assert g32.flat.dtype == np.float32
    for ij in g64.weights:
        assert g32.weights[ij] == pytest.approx(g64.weights[ij], rel=1e-4, abs=1e-5)
