"""Networks built from the theory: boolean functions, the multiplication gate, products."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronet as nn
from neuronet import activations
from neuronet.seeing.construct import (
    ProductRow, boolean, counting_bound, parity, default_scale, derivative, format_report, linear_collapse, multiplication_gate,
    operating_point, patterns, product, product_report,
)
from neuronet.errors import DataError, GraphError


def hidden(net: nn.Network) -> list[int]:
    return [nu.id for nu in net.neurons if nu.kind == "hidden"]


def by_name(net: nn.Network) -> dict[str, int]:
    return {nu.name: nu.id for nu in net.neurons if nu.name}


def signed_sample(rng, rows: int, cols: int, low: float = 0.25) -> np.ndarray:
    """|x_i| uniform in [low, 1] with random signs: products never close to 0."""
    return rng.uniform(low, 1.0, (rows, cols)) * rng.choice([-1.0, 1.0], (rows, cols))


# -- boolean functions -------------------------------------------------------------------------
def test_patterns_are_binary_numbers_with_input_1_most_significant():
    P = patterns(3)
    assert P.shape == (8, 3)
    assert P[5].tolist() == [1, 0, 1]
    assert (P @ [4, 2, 1]).tolist() == list(range(8))


def check_boolean(truth: np.ndarray) -> nn.Network:
    n = truth.size.bit_length() - 1
    net = boolean(truth)
    y = net.forward(patterns(n))[:, 0]                                # all 2ⁿ inputs in one batch
    np.testing.assert_array_equal(y, truth.astype(float))
    k = int(truth.sum())
    assert len(hidden(net)) == max(1, min(k, 2 ** n - k)) <= 2 ** (n - 1)
    info = net.info["construction"]
    assert info["complement"] == (2 ** n - k < k)
    assert info["hidden_neurons"] == len(hidden(net))
    assert len(net.layers) == 3
    return net


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 10])
def test_boolean_is_exact_on_every_input_for_random_functions(n):
    rng = np.random.default_rng(100 + n)
    for density in (0.1, 0.5, 0.9):
        check_boolean(rng.random(2 ** n) < density)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.integers(0, 1), min_size=2 ** n, max_size=2 ** n)))
def test_boolean_is_exact_for_any_truth_table(table):
    check_boolean(np.array(table, dtype=bool))


@pytest.mark.parametrize("n", [1, 2, 4, 7, 10])
def test_parity_needs_and_gets_2_to_the_n_minus_1_units(n):
    net = boolean(lambda bits: sum(bits) % 2, n=n)
    X = patterns(n)
    np.testing.assert_array_equal(net.forward(X)[:, 0], X.sum(axis=1) % 2)
    assert len(hidden(net)) == 2 ** (n - 1)
    assert net.info["construction"]["complement"] is False  # a tie keeps the true patterns


@pytest.mark.parametrize("n", [1, 3, 6])
@pytest.mark.parametrize("value", [0, 1])
def test_constant_functions_still_have_one_hidden_layer(n, value):
    net = boolean([value] * 2 ** n)
    np.testing.assert_array_equal(net.forward(patterns(n))[:, 0], np.full(2 ** n, float(value)))
    assert len(hidden(net)) == 1
    assert len(net.layers) == 3
    assert set(net.inputs) <= {i for i, j in net.edges}  # the output is reached from every input


def test_complement_is_used_when_fewer_patterns_are_false():
    n = 5
    net = boolean(lambda bits: int(any(bits)), n=n)       # OR: 31 true patterns, 1 false
    assert len(hidden(net)) == 1
    assert net.info["construction"]["complement"] is True
    names = by_name(net)
    w = net.weights
    h, y = names["p=00000"], names["f"]
    assert w[(h, y)] == -1.0                              # NOT OR: weight −1, bias +½
    assert [w[(b, y)] for b in net.biases if (b, y) in w] == [0.5]
    np.testing.assert_array_equal(net.forward(patterns(n))[:, 0], patterns(n).max(axis=1))

    forced = boolean(lambda bits: int(any(bits)), n=n, complement=False)
    assert len(hidden(forced)) == 31
    np.testing.assert_array_equal(forced.forward(patterns(n))[:, 0], patterns(n).max(axis=1))


def test_boolean_weights_are_the_textbook_ones():
    net = boolean({(1, 0, 1): 1, **{tuple(int(c) for c in format(r, "03b")): 0 for r in range(8) if r != 5}})
    names, w = by_name(net), net.weights
    h = names["p=101"]
    assert [w[(names[f"x{i}"], h)] for i in (1, 2, 3)] == [1.0, -1.0, 1.0]
    (bias_in,) = [b for b in net.biases if (b, h) in w]
    assert w[(bias_in, h)] == 0.5 - 2
    assert w[(h, names["f"])] == 1.0
    assert net.activation(h) == "step" and net.activation(names["f"]) == "step"
    tr = net.trace([1, 0, 1])
    assert tr.z[h] == 0.5 and tr.o[h] == 1.0
    assert net.trace([1, 1, 1]).z[h] == -0.5


def test_every_form_of_truth_table_gives_the_same_network():
    table = [0, 1, 1, 1, 0, 0, 1, 0]
    forms = [
        table,
        np.array(table, dtype=bool),
        np.array(table, dtype=np.float32),
        "0111 0010",
        {tuple(int(c) for c in format(r, "03b")): v for r, v in enumerate(table)},
        lambda bits: table[4 * bits[0] + 2 * bits[1] + bits[2]],
    ]
    nets = [boolean(f, n=3) for f in forms]
    for net in nets[1:]:
        assert net.weights == nets[0].weights
    np.testing.assert_array_equal(nets[0].forward(patterns(3))[:, 0], table)


def test_boolean_is_exact_in_float32_too():
    truth = np.random.default_rng(5).random(256) < 0.5
    net = boolean(truth).astype("float32")
    np.testing.assert_array_equal(net.forward(patterns(8))[:, 0], truth.astype(np.float32))


def test_the_universal_architecture_is_one_graph_for_every_table():
    n = 3
    P = patterns(n)
    nets = []
    for f in range(256):
        truth = [(f >> k) & 1 for k in range(8)]
        net = boolean(truth, architecture="universal")
        np.testing.assert_array_equal(net.forward(P)[:, 0], truth)
        nets.append(net)
    first = nets[0]
    hidden = [nu.id for nu in first.neurons if nu.kind == "hidden"]
    assert len(hidden) == 2 ** n and first.layers is not None
    for net in nets[1:]:
        assert net.edges == first.edges and [nu.kind for nu in net.neurons] == [nu.kind for nu in first.neurons]
        assert {ij: w for ij, w in net.weights.items() if ij[1] in hidden} == \
            {ij: w for ij, w in first.weights.items() if ij[1] in hidden}
    assert len({tuple(net.forward(P)[:, 0]) for net in nets}) == 256
    assert nets[5].info["construction"]["architecture"] == "universal"
    big = boolean(lambda bits: int(sum(bits) > 3), n=6, architecture="universal")
    np.testing.assert_array_equal(big.forward(patterns(6))[:, 0], patterns(6).sum(axis=1) > 3)
    with pytest.raises(GraphError, match="architecture must be"):
        boolean([0, 1], architecture="tiny")
    with pytest.raises(GraphError, match="complement=True only applies"):
        boolean([0, 1], architecture="universal", complement=True)


@pytest.mark.parametrize("n", [1, 2, 3, 6, 8, 12])
def test_parity_needs_only_n_threshold_units(n):
    net = parity(n)
    P = patterns(n)
    np.testing.assert_array_equal(net.forward(P)[:, 0], P.sum(axis=1) % 2)
    assert sum(nu.kind == "hidden" for nu in net.neurons) == n
    assert net.info["construction"]["hidden_neurons"] == n


def test_counting_bound():
    rows = [counting_bound(n) for n in range(1, 13)]
    assert [r.universal for r in rows] == [2 ** n for n in range(1, 13)]
    assert rows[2].threshold_log2 == pytest.approx(7.0)            # C(8, 4) = 2·(1 + 7 + 21 + 35) = 128 ≥ 104
    for r in rows:
        assert r.h_closed <= r.h_min and r.h_closed * (r.n ** 2 + r.n + 1) >= 2 ** r.n - 1
    assert [r.h_min for r in rows][-3:] == sorted([r.h_min for r in rows][-3:]) and rows[-1].h_min >= 30


def test_boolean_info_is_json():
    json.dumps(boolean([0, 1, 1, 0]).info)


@pytest.mark.parametrize("table, n, error, words", [
    ([0, 1, 1], None, DataError, "2ⁿ entries"),
    ([1], None, DataError, "received 1 entry"),
    ([], None, DataError, "received 0 entries"),
    ([0, 2, 1, 0], None, DataError, "entry 1 (pattern 01) is 2"),
    ([0, 0.5], None, DataError, "0 or 1"),
    ([0, float("nan")], None, DataError, "0 or 1"),
    ([[0, 1], [1, 0]], None, DataError, "flat list"),
    (["a", "b"], None, DataError, "0 or 1"),
    ("01x1", None, DataError, "'x'"),
    ([0, 1, 1, 0], 3, DataError, "n=3 needs a truth table of 2^3 = 8 entries"),
    ({(0,): 1}, None, DataError, "(1,) and 0 more are missing"),
    ({(0,): 1, (0, 1): 0}, None, DataError, "same length"),
    ({(0, 2): 1}, None, DataError, "0 or 1"),
    ({(0,): 1, (1,): 7}, None, DataError, "the value of pattern (1,)"),
    ({}, None, DataError, "empty"),
    (lambda bits: 1, None, DataError, "pass n"),
    (lambda bits: 3, 2, DataError, "f(0, 0) must be 0 or 1; received 3"),
    ([0, 1], 0, GraphError, "between 1 and 16"),
    ([0, 1], 2.0, GraphError, "must be an integer"),
    (np.zeros(2 ** 17), None, GraphError, "at most 16 inputs"),
])
def test_boolean_refuses_bad_truth_tables_clearly(table, n, error, words):
    with pytest.raises(error, match="boolean()") as exc:
        boolean(table, n=n)
    assert words in str(exc.value)


def test_boolean_refuses_a_bad_complement_flag():
    with pytest.raises(GraphError, match="complement must be True, False or None; received complement='yes'"):
        boolean([0, 1], complement="yes")


# -- derivatives and operating points -----------------------------------------------------------
def test_derivatives_match_closed_forms_and_finite_differences():
    assert derivative("softplus", 2, 0.0) == 0.25                     # σ'' of softplus = logistic'
    assert derivative("softplus", 4, 0.0) == pytest.approx(-1 / 8)
    # σ'' = σ(1 − σ)(1 − 2σ) and tanh'' = −2t(1 − t²): both negative at their extremum b > 0
    assert derivative("logistic", 2, math.log(2 + math.sqrt(3))) == pytest.approx(-math.sqrt(3) / 18)
    assert derivative("tanh", 2, math.atanh(1 / math.sqrt(3))) == pytest.approx(-4 / (3 * math.sqrt(3)))
    assert derivative("tanh", 3, 0.0) == pytest.approx(-2.0)
    assert derivative("softplus", 0, 0.3) == pytest.approx(math.log1p(math.exp(0.3)))
    h = 1e-3
    for name in ("softplus", "logistic", "tanh"):
        f = activations.get(name).f
        for z in (-0.7, 0.2, 1.3):
            zs = np.array([z - 2 * h, z - h, z, z + h, z + 2 * h])
            fz = f(zs)
            second = (fz[3] - 2 * fz[2] + fz[1]) / h ** 2
            third = (fz[4] - 2 * fz[3] + 2 * fz[1] - fz[0]) / (2 * h ** 3)
            assert derivative(name, 1, z) == pytest.approx(activations.get(name).df(np.array(z), f(np.array(z))))
            assert derivative(name, 2, z) == pytest.approx(second, abs=1e-6)
            assert derivative(name, 3, z) == pytest.approx(third, abs=1e-4)


def test_derivative_is_stable_and_checks_its_arguments():
    assert derivative("logistic", 2, -1000.0) == 0.0 and derivative("softplus", 0, 800.0) == 800.0
    with pytest.raises(GraphError, match="order must be an integer ≥ 0; received order=-1"):
        derivative("tanh", -1, 0.0)
    with pytest.raises(GraphError, match="z must be a number; received z='a'"):
        derivative("tanh", 2, "a")
    with pytest.raises(GraphError, match="σ'' = 0"):
        operating_point("relu")


@pytest.mark.parametrize("name, order, b", [
    ("softplus", 2, 0.0), ("logistic", 2, math.log(2 + math.sqrt(3))), ("tanh", 2, math.atanh(1 / math.sqrt(3))),
    ("softplus", 3, math.log(2 + math.sqrt(3))), ("logistic", 3, 0.0), ("tanh", 3, 0.0),
])
def test_operating_points(name, order, b):
    assert operating_point(name, order) == pytest.approx(b, abs=1e-12)
    assert derivative(name, order + 1, b) == pytest.approx(0.0, abs=1e-12)  # an extremum of σ⁽ᵏ⁾


@pytest.mark.parametrize("name", ["softplus", "logistic", "tanh"])
def test_operating_point_never_makes_the_derivative_vanish(name):
    for order in range(2, 12):  # (softplus' = logistic has no extremum; order 1 is never used)
        b = operating_point(name, order)
        grid = np.linspace(-4, 4, 161)
        best = max(abs(derivative(name, order, z)) for z in grid)
        assert abs(derivative(name, order, b)) >= best * (1 - 1e-6)  # the largest |σ⁽ᵏ⁾| anywhere


# -- the multiplication gate ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softplus", "logistic", "tanh"])
def test_gate_is_the_four_neuron_formula(name):
    lam = 0.05
    net = multiplication_gate(name, scale=lam)
    info = net.info["construction"]
    b, d2 = info["shift"], info["second_derivative"]
    assert b == operating_point(name, 2) and d2 == pytest.approx(derivative(name, 2, b))
    names, w = by_name(net), net.weights
    u, v, y = names["u"], names["v"], names["uv"]
    assert len(hidden(net)) == 4 and net.layers is not None
    expect = {"h++": (lam, lam, 1), "h--": (-lam, -lam, 1), "h+-": (lam, -lam, -1), "h-+": (-lam, lam, -1)}
    for label, (wu, wv, sign) in expect.items():
        h = names[label]
        assert w[(u, h)] == pytest.approx(wu) and w[(v, h)] == pytest.approx(wv)
        assert [w[(bb, h)] for bb in net.biases if (bb, h) in w] == [b]
        assert w[(h, y)] == pytest.approx(sign / (4 * lam ** 2 * d2))
        assert net.activation(h) == name
    # the formula, evaluated by hand
    f = activations.get(name).f
    u0, v0 = 0.6, -0.3
    hs = f(np.array([lam * (u0 + v0), -lam * (u0 + v0), lam * (u0 - v0), -lam * (u0 - v0)]) + b)
    assert net.forward([u0, v0])[0] == pytest.approx((hs[0] + hs[1] - hs[2] - hs[3]) / (4 * lam ** 2 * d2), rel=1e-12)
    json.dumps(net.info)


@pytest.mark.parametrize("name", ["softplus", "logistic", "tanh"])
def test_gate_relative_error_shrinks_as_scale_squared(name):
    X = signed_sample(np.random.default_rng(0), 400, 2)
    y = X.prod(axis=1)
    scales = np.logspace(-3, -1, 5)
    errors = [np.max(np.abs(multiplication_gate(name, s).forward(X)[:, 0] - y) / np.abs(y)) for s in scales]
    slope = np.polyfit(np.log(scales), np.log(errors), 1)[0]
    assert abs(slope - 2) < 0.3, (slope, errors)
    assert errors[-1] < 0.02 and errors[0] < 1e-5


@pytest.mark.parametrize("name", ["softplus", "logistic", "tanh"])
def test_gate_leading_error_term_and_no_odd_powers(name):
    # relative error = λ²·c·(u² + v²) + O(λ⁴), with c = σ''''(b) / (6σ''(b)); a λ¹ term would make
    # (error / λ²) ten times larger at the ten times smaller λ. (Below λ ≈ 1e-3 rounding, about
    # ε/λ⁴ on this ratio, starts to show.)
    X = signed_sample(np.random.default_rng(1), 200, 2, low=0.5)
    y = X.prod(axis=1)
    for lam in (3e-2, 3e-3):
        net = multiplication_gate(name, lam)
        c = net.info["construction"]["error_coefficient"]
        assert c == pytest.approx(derivative(name, 4, net.info["construction"]["shift"])
                                  / (6 * derivative(name, 2, net.info["construction"]["shift"])))
        measured = (net.forward(X)[:, 0] / y - 1) / lam ** 2
        np.testing.assert_allclose(measured, c * (X ** 2).sum(axis=1), rtol=0.01)
    assert multiplication_gate("softplus").info["construction"]["error_coefficient"] == pytest.approx(-1 / 12)


def test_gate_with_a_chosen_shift():
    net = multiplication_gate("softplus", scale=0.01, shift=1.0)
    assert net.info["construction"]["shift"] == 1.0
    X = signed_sample(np.random.default_rng(2), 50, 2)
    np.testing.assert_allclose(net.forward(X)[:, 0], X.prod(axis=1), rtol=1e-3)


@pytest.mark.parametrize("act", ["relu", "identity", "step", "leaky_relu", "linear"])
def test_gate_refuses_piecewise_linear_activations(act):
    with pytest.raises(GraphError, match=r"multiplication_gate\(\): activation=.* σ'' = 0.*softplus, logistic, tanh"):
        multiplication_gate(act)


@pytest.mark.parametrize("kwargs, words", [
    ({"activation": "elu"}, "not smooth at 0"),
    ({"activation": "cosine"}, "Unknown activation 'cosine'"),
    ({"scale": 0}, "scale must be a finite number > 0"),
    ({"scale": -0.1}, "received scale=-0.1"),
    ({"scale": float("inf")}, "received scale=inf"),
    ({"scale": "small"}, "received scale='small'"),
    ({"scale": True}, "received scale=True"),
    ({"activation": "logistic", "shift": 0.0}, "σ⁽2⁾(0.0) = 0 for logistic"),
    ({"shift": "x"}, "shift must be a finite number"),
])
def test_gate_refuses_bad_arguments_clearly(kwargs, words):
    with pytest.raises(GraphError) as exc:
        multiplication_gate(**kwargs)
    assert words in str(exc.value)


# -- products of n numbers ---------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 4, 5, 7, 8])
def test_deep_product_has_4_n_minus_1_hidden_neurons(n):
    net = product(n, deep=True)
    assert len(hidden(net)) == 4 * (n - 1) == net.info["construction"]["hidden_neurons"]
    assert len(net.outputs) == 1 and net.activation(net.outputs[0]) == "identity"
    assert len(net.levels) == math.ceil(math.log2(n)) + 2  # inputs, ⌈log₂ n⌉ hidden levels, output
    assert (net.layers is not None) == (n & (n - 1) == 0)   # trees of 2^k inputs are layered
    X = signed_sample(np.random.default_rng(n), 300, n, low=0.5)
    np.testing.assert_allclose(net.forward(X)[:, 0], X.prod(axis=1), rtol=1e-5)
    json.dumps(net.info)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 8])
def test_shallow_product_has_2_to_the_n_hidden_neurons(n):
    net = product(n, deep=False)
    assert len(hidden(net)) == 2 ** n == net.info["construction"]["hidden_neurons"]
    assert net.layers is not None and len(net.layers) == 3
    info = net.info["construction"]
    assert derivative("softplus", n, info["shift"]) != 0
    X = np.random.default_rng(n).uniform(-1, 1, (300, n))
    err = np.max(np.abs(net.forward(X)[:, 0] - X.prod(axis=1)))
    assert err < (1e-4 if n <= 4 else 1e-2)


def test_shallow_product_is_the_signed_sum_formula():
    n, lam = 3, 0.02
    net = product(n, deep=False, activation="tanh", scale=lam)
    b = net.info["construction"]["shift"]
    x = np.array([0.4, -0.9, 0.7])
    total = 0.0
    for r in range(2 ** n):
        s = 1 - 2 * patterns(n)[r]
        total += np.prod(s) * np.tanh(lam * s @ x + b)
    expected = total / (2 ** n * lam ** n * derivative("tanh", n, b))
    assert net.forward(x)[0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(x.prod(), rel=1e-3)


def test_shallow_product_of_odd_n_needs_a_shift_for_softplus():
    assert operating_point("softplus", 3) != 0
    with pytest.raises(GraphError, match=r"σ⁽3⁾\(0\.0\) = 0 for softplus"):
        product(3, deep=False, shift=0.0)


def test_deep_product_of_two_is_the_gate():
    assert product(2, scale=0.01).weights == multiplication_gate(scale=0.01).weights


def test_default_scales_balance_truncation_and_rounding():
    assert default_scale(2, deep=True) == pytest.approx(np.finfo(float).eps ** 0.25)
    assert default_scale(10, deep=False) == pytest.approx(np.finfo(float).eps ** (1 / 12))
    assert product(6).info["construction"]["scale"] == default_scale(6, True)
    assert product(6, deep=False).info["construction"]["scale"] == default_scale(6, False)


@pytest.mark.parametrize("kwargs, words", [
    ({"n": 1}, "n must be between 2 and 4096"),
    ({"n": 17, "deep": False}, "n must be between 2 and 16"),
    ({"n": 2.5}, "n must be an integer"),
    ({"n": 3, "deep": "yes"}, "deep must be True or False"),
    ({"n": 3, "activation": "relu"}, "σ'' = 0"),
    ({"n": 3, "scale": 0}, "scale must be a finite number > 0"),
])
def test_product_refuses_bad_arguments_clearly(kwargs, words):
    with pytest.raises(GraphError, match=r"product\(\)") as exc:
        product(**kwargs)
    assert words in str(exc.value)


def test_product_report_compares_deep_and_shallow():
    rows = product_report([2, 4, 6, 13], samples=200, shallow_limit=8)
    assert [r.n for r in rows] == [2, 4, 6, 13]
    assert [r.deep_hidden for r in rows] == [4, 12, 20, 48]
    assert [r.shallow_hidden for r in rows] == [4, 16, 64, None]
    assert rows[-1].shallow_abs_error is None and rows[-1].shallow_rel_error is None
    for r in rows:
        assert isinstance(r, ProductRow)
        assert 0 <= r.deep_abs_error < 1e-6 and 0 <= r.deep_rel_error < 1e-4
    assert rows[0].shallow_rel_error < 1e-6 and rows[2].shallow_abs_error < 1e-2
    json.dumps([r.as_dict() for r in rows])
    text = format_report(rows)
    assert "deep hidden" in text and len(text.splitlines()) == 2 + len(rows)
    assert text.splitlines()[-1].split()[:3] == ["13", "48", "-"]


@pytest.mark.parametrize("bad", [[1.5], ["x"], [], [True], None])
def test_product_report_refuses_bad_n_values(bad):
    with pytest.raises(GraphError, match="n_values must be a list of integers"):
        product_report(bad)


# -- linear networks collapse -------------------------------------------------------------------
def test_identity_network_collapses_to_one_matrix():
    net, M, c = linear_collapse((3, 5, 4, 2), seed=3)
    assert M.shape == (2, 3) and c.shape == (2,)
    mats = net.matrices()
    assert len(mats) == 3
    product_matrix = mats[2][0] @ mats[1][0] @ mats[0][0]
    np.testing.assert_allclose(M, product_matrix, rtol=1e-12)
    X = np.random.default_rng(0).normal(size=(20, 3))
    np.testing.assert_allclose(net.forward(X), X @ M.T + c, rtol=1e-12, atol=1e-12)
    assert net.info["construction"]["kind"] == "linear_collapse"
    assert np.abs(c).max() > 0.01                              # bias neurons: an affine map, not a matrix
    Ws, bs = zip(*mats)
    np.testing.assert_allclose(c, Ws[2] @ (Ws[1] @ bs[0] + bs[1]) + bs[2], rtol=1e-12)


def test_the_seeds_case_without_bias_neurons_is_one_matrix():
    net, M, c = linear_collapse((3, 5, 4, 2), seed=3, bias=False)
    assert net.biases == [] and net.layers is not None
    assert c.tolist() == [0.0, 0.0]                             # exactly: the single matrix A_L·…·A_2
    mats = net.matrices()
    assert all(not b.any() for _, b in mats)
    np.testing.assert_allclose(M, mats[2][0] @ mats[1][0] @ mats[0][0], rtol=1e-12)
    X = np.random.default_rng(1).normal(size=(20, 3))
    np.testing.assert_allclose(net.forward(X), X @ M.T, rtol=1e-12, atol=1e-12)


# -- constructions are ordinary networks --------------------------------------------------------
@pytest.mark.parametrize("ext", ["json", "safetensors"])
def test_constructions_survive_a_model_file(tmp_path, ext):
    from neuronet import load

    for net in (boolean([0, 1, 1, 0]), multiplication_gate("tanh"), product(5), product(3, deep=False)):
        path = tmp_path / f"net.{ext}"
        net.save(path)
        back = load(path)
        X = np.random.default_rng(0).uniform(-1, 1, (10, len(net.inputs)))
        np.testing.assert_array_equal(back.forward(X), net.forward(X))
        assert back.info["construction"] == net.info["construction"]
