"""Activation functions: values, derivatives against central differences, stability for
large |z| in float64 and float32, dtypes, and the lookup by name."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronet import activations
from neuronet.model.activations import ACTIVATIONS, LEAKY_SLOPE
from neuronet.errors import GraphError

ALL = list(ACTIVATIONS)
KINK_AT_ZERO = {"relu", "leaky_relu", "elu", "step"}

# Reference definitions, written independently of the module.
REFERENCE = {
    "identity": lambda z: z,
    "logistic": lambda z: 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z)),
    "tanh": math.tanh,
    "relu": lambda z: max(0.0, z),
    "leaky_relu": lambda z: z if z > 0 else LEAKY_SLOPE * z,
    "softplus": lambda z: max(z, 0.0) + math.log1p(math.exp(-abs(z))),
    "elu": lambda z: z if z > 0 else math.expm1(z),
    "step": lambda z: 1.0 if z >= 0 else 0.0,
}


def test_the_table_covers_the_design():
    assert set(ALL) >= {"identity", "logistic", "tanh", "relu", "leaky_relu", "softplus", "elu", "step"}
    assert set(REFERENCE) == set(ALL), "a new activation needs a reference definition here"
    codes = [a.code for a in ACTIVATIONS.values()]
    assert len(set(codes)) == len(codes)
    assert not ACTIVATIONS["step"].trainable
    assert all(a.trainable for n, a in ACTIVATIONS.items() if n != "step")
    for a in ACTIVATIONS.values():
        assert a.formula.startswith("f(z) =") and a.derivative.startswith("f'(z) =")


@pytest.mark.parametrize("name", ALL)
def test_values_match_the_reference(name):
    z = np.array([-30.0, -3.0, -1.0, -0.25, 0.0, 0.25, 1.0, 3.0, 30.0])
    got = ACTIVATIONS[name].f(z)
    expect = [REFERENCE[name](float(v)) for v in z]
    np.testing.assert_allclose(got, expect, rtol=1e-15, atol=1e-300)


def test_known_values():
    f = {n: ACTIVATIONS[n].f for n in ALL}
    assert f["logistic"](np.array([0.0]))[0] == 0.5
    assert f["tanh"](np.array([0.0]))[0] == 0.0
    assert f["softplus"](np.array([0.0]))[0] == pytest.approx(math.log(2.0), rel=1e-15)
    assert f["relu"](np.array([-2.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 2.0]
    assert f["leaky_relu"](np.array([-2.0, 2.0])).tolist() == [-0.02, 2.0]
    assert f["step"](np.array([-1e-300, 0.0, 5.0])).tolist() == [0.0, 1.0, 1.0]
    assert f["elu"](np.array([-np.log(2.0)]))[0] == pytest.approx(-0.5, rel=1e-15)


@settings(max_examples=50, deadline=None)
@given(name=st.sampled_from([n for n in ALL if n != "step"]),
       z=st.floats(-20.0, 20.0, allow_nan=False))
def test_derivative_matches_central_differences(name, z):
    act = ACTIVATIONS[name]
    if name in KINK_AT_ZERO and abs(z) < 1e-3:
        z = 0.5 if z >= 0 else -0.5                              # away from the kink
    h = 1e-6
    zz = np.array([z - h, z, z + h])
    fz = act.f(zz)
    numeric = (fz[2] - fz[0]) / (2 * h)
    analytic = act.df(zz[1:2], fz[1:2])[0]
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", [n for n in ALL if n != "step"])
def test_derivative_on_a_grid(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-6.0, 6.0, 241) + 0.013                      # no grid point at 0
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(z, act.f(z)), numeric, rtol=1e-6, atol=1e-9)


def test_kinks_use_the_documented_one_sided_values():
    z = np.array([0.0])
    assert ACTIVATIONS["relu"].df(z, ACTIVATIONS["relu"].f(z))[0] == 0.0
    assert ACTIVATIONS["leaky_relu"].df(z, ACTIVATIONS["leaky_relu"].f(z))[0] == LEAKY_SLOPE
    assert ACTIVATIONS["elu"].df(z, ACTIVATIONS["elu"].f(z))[0] == 1.0
    assert ACTIVATIONS["step"].df(np.array([-1.0, 0.0, 1.0]), np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL)
def test_large_inputs_are_stable_and_keep_the_dtype(name, dtype):
    act = ACTIVATIONS[name]
    z = np.array([-1e4, -1e3, -100.0, -50.0, 50.0, 100.0, 1e3, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        o = act.f(z)
        d = act.df(z, o)
    assert o.dtype == dtype and d.dtype == dtype
    assert np.isfinite(o).all() and np.isfinite(d).all()
    assert o.shape == z.shape == d.shape
    if name == "logistic":
        assert o[0] == 0.0 and o[-1] == 1.0
        assert d[0] == 0.0 and d[-1] == 0.0
    if name == "softplus":
        assert o[-1] == z[-1] and o[0] == 0.0
    if name == "tanh":
        assert o[0] == -1.0 and o[-1] == 1.0
    if name == "elu":
        assert o[0] == -1.0


@pytest.mark.parametrize("name", ALL)
def test_batched_shapes_are_kept(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(0).normal(size=(3, 4, 5))          # (R, B, n)
    o = act.f(z)
    assert o.shape == z.shape and act.df(z, o).shape == z.shape


def test_logistic_is_accurate_in_both_tails():
    f = ACTIVATIONS["logistic"].f
    z = np.array([-40.0, -20.0, 20.0, 40.0])
    o = f(z)
    assert o[0] == pytest.approx(math.exp(-40.0), rel=1e-14)     # no cancellation in the left tail
    assert o[1] == pytest.approx(math.exp(-20.0) / (1 + math.exp(-20.0)), rel=1e-14)
    np.testing.assert_allclose(f(-z), [1 / (1 + math.exp(-v)) for v in -z], rtol=1e-15)
    np.testing.assert_allclose(f(-z) + o, 1.0, rtol=1e-15)      # σ(−z) = 1 − σ(z)


def test_lookup_by_name_and_alias():
    assert activations.get("sigmoid") is ACTIVATIONS["logistic"]
    assert activations.get("Linear") is ACTIVATIONS["identity"]
    assert activations.get("LeakyReLU") is ACTIVATIONS["leaky_relu"]
    assert activations.get("heaviside") is ACTIVATIONS["step"]
    assert activations.get(ACTIVATIONS["tanh"]) is ACTIVATIONS["tanh"]
    assert activations.names() == ALL
    with pytest.raises(GraphError, match="Unknown activation 'gelu'. Known activations: identity, logistic, tanh"):
        activations.get("gelu")
    with pytest.raises(GraphError, match="An activation is given by name; received None"):
        activations.get(None)
