"""explain(): the seed's running example worked by hand, the printed numbers against the
library's, the 80-column layout, the structured form, and the update against train()."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import neuronet as nn
from neuronet.errors import DataError
from neuronet.model.examples import (RUNNING_EXAMPLE_WEIGHTS, running_example, running_example_data,
                                     running_example_input)
from neuronet.seeing.explain import Explanation, explain


def sig(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def by_hand(eta: float = 0.1):
    """The running example (x = 0.5, y = 1) in plain arithmetic, independent of the library."""
    w = RUNNING_EXAMPLE_WEIGHTS
    x, y = 0.5, 1.0
    o = {1: x, 2: 1.0, 5: 1.0, 8: 1.0}
    z = {1: x}
    z[3] = w[1, 3] * o[1] + w[2, 3]
    z[4] = w[1, 4] * o[1] + w[2, 4]
    o[3], o[4] = sig(z[3]), sig(z[4])
    z[6] = w[3, 6] * o[3] + w[4, 6] * o[4] + w[5, 6]
    z[7] = w[4, 7] * o[4] + w[5, 7]
    o[6], o[7] = sig(z[6]), sig(z[7])
    z[9] = w[6, 9] * o[6] + w[7, 9] * o[7] + w[8, 9]
    o[9] = z[9]                                               # identity output
    loss = (y - o[9]) ** 2
    d = {9: 2 * (o[9] - y) * 1.0}                             # step 1
    d[6] = o[6] * (1 - o[6]) * w[6, 9] * d[9]                 # step 2
    d[7] = o[7] * (1 - o[7]) * w[7, 9] * d[9]
    d[3] = o[3] * (1 - o[3]) * w[3, 6] * d[6]
    d[4] = o[4] * (1 - o[4]) * (w[4, 6] * d[6] + w[4, 7] * d[7])   # two outgoing edges
    g = {(i, j): d[j] * o[i] for (i, j) in w}                 # step 3
    new = {ij: w[ij] - eta * g[ij] for ij in w}
    return z, o, loss, d, g, new


def fmt(v: float) -> str:
    """The text's number format: 4 decimals, trailing zeros dropped, a real minus sign."""
    if v == 0:
        return "0"
    s = f"{v:.4f}".rstrip("0").rstrip(".") if 1e-3 <= abs(v) < 1e6 else f"{v:.4g}"
    return s.replace("-", "−")


def par(v: float) -> str:
    s = fmt(v)
    return f"({s})" if s.startswith("−") else s


def joined(text: str) -> str:
    """The text with wrapped equations put back on one line (continuations start with spaces then = + − or a term)."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if out and line.startswith("  ") and stripped[:1] in "=+−" and not stripped.startswith("− η"):
            out[-1] += " " + stripped
        else:
            out.append(line)
    return "\n".join(out)


# -- the running example -------------------------------------------------------------------------
def test_running_example_by_hand():
    z, o, loss, d, g, new = by_hand()
    e = explain()                                    # net=None: the running example and its example
    assert e.x == [0.5] and e.y == [1.0]
    for j in (3, 4, 6, 7, 9):
        assert e.z[j] == pytest.approx(z[j], abs=1e-14)
        assert e.o[j] == pytest.approx(o[j], abs=1e-14)
        assert e.deltas[j] == pytest.approx(d[j], abs=1e-14)
    assert e.loss_value == pytest.approx(loss, abs=1e-14)
    assert set(e.gradients) == set(RUNNING_EXAMPLE_WEIGHTS)
    for ij in RUNNING_EXAMPLE_WEIGHTS:
        assert e.gradients[ij] == pytest.approx(g[ij], abs=1e-14)
        assert e.new_weights[ij] == pytest.approx(new[ij], abs=1e-14)
    # the documented values of examples.py
    assert round(e.z[6], 4) == 0.5991 and round(e.yhat[0], 4) == 0.6016
    assert round(e.deltas[4], 4) == 0.1625 and round(e.gradients[4, 7], 4) == 0.0918
    assert e.new_loss < e.loss_value


def test_running_example_text_shows_every_step_with_its_numbers():
    z, o, loss, d, g, new = by_hand()
    text = explain().text()
    assert max(len(line) for line in text.splitlines()) <= 80
    flat = joined(text)
    # forward: every sum written out with its terms
    assert (f"z_6 = w_3,6·o_3 + w_4,6·o_4 + w_5,6·o_5 = 1·{fmt(o[3])} − 1·{fmt(o[4])} + 0.5·1 "
            f"= {fmt(z[6])}") in flat
    assert f"z_3 = w_1,3·o_1 + w_2,3·o_2 = 0.5·0.5 + 0.1·1 = {fmt(z[3])}" in flat
    assert f"o_6 = logistic(z_6) = logistic({fmt(z[6])}) = {fmt(o[6])}" in flat
    assert f"o_9 = identity(z_9) = identity({fmt(z[9])}) = {fmt(o[9])}" in flat
    # loss and step 1
    assert f"L = (y − ŷ)² = (1 − {fmt(o[9])})² = {fmt(loss)}" in flat
    assert f"∂L/∂ŷ = 2·(ŷ − y) = 2·({fmt(o[9])} − 1) = {fmt(d[9])}" in flat
    # step 2: neuron 4 sums over both of its outgoing edges
    assert (f"δ_4 = f_4'(z_4)·(w_4,6·δ_6 + w_4,7·δ_7) = {fmt(o[4] * (1 - o[4]))}·(−1·{par(d[6])} "
            f"+ 2·{fmt(d[7])}) = {fmt(d[4])}") in flat
    assert f"δ_3 = f_3'(z_3)·w_3,6·δ_6 = {fmt(o[3] * (1 - o[3]))}·1·{par(d[6])} = {fmt(d[3])}" in flat
    assert f"f_6'(z_6) = o_6·(1 − o_6) = {fmt(o[6])}·(1 − {fmt(o[6])}) = {fmt(o[6] * (1 - o[6]))}" in flat
    # step 3 and the update: one line per edge
    for (i, j), gij in g.items():
        assert f"∂L/∂w_{i},{j} = δ_{j}·o_{i} = {fmt(d[j])}·{par(o[i])} = {fmt(gij)}" in flat
        w = RUNNING_EXAMPLE_WEIGHTS[i, j]
        assert f"w_{i},{j} ← {fmt(w)} − 0.1·{par(gij)} = {fmt(new[i, j])}" in flat
    # the order: forward, loss, the three steps, the update
    marks = ["Forward pass", "Loss on this example", "Step 1", "Step 2", "Step 3", "Stochastic gradient descent"]
    assert [text.index(m) for m in marks] == sorted(text.index(m) for m in marks)


def test_update_is_what_one_step_of_train_does():
    e = explain(step_size=0.25)
    x, y = running_example_input()
    for engine in ("matrix", "neuron"):
        r = nn.train(running_example(), x[None], y[None], step_size=0.25, epochs=1, batch_size=1, restarts=1,
                     seed=0, shuffle=False, engine=engine)
        trained = r.network.weights
        for ij, w in e.new_weights.items():
            assert trained[ij] == pytest.approx(w, rel=1e-12, abs=1e-14), (engine, ij)


def test_to_dict_is_json_and_complete():
    e = explain()
    d = e.to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back == d
    ids = [nu["id"] for level in d["forward"] for nu in level["neurons"]] + d["biases"]
    assert sorted(ids) == list(range(1, 10))
    edges = {(r["from"], r["to"]) for r in d["backward"]["step3"]}
    assert edges == set(RUNNING_EXAMPLE_WEIGHTS)
    assert {(r["from"], r["to"]) for r in d["update"]["edges"]} == edges
    step2 = {nu["id"]: nu for level in d["backward"]["step2"] for nu in level["neurons"]}
    assert sorted(step2) == [3, 4, 6, 7]
    assert [t["to"] for t in step2[4]["terms"]] == [6, 7]           # both outgoing edges of neuron 4
    assert [s["id"] for s in d["backward"]["step1"]] == [9]
    assert d["loss"]["name"] == "squared" and d["step_size"] == 0.1
    consistent(d)


def consistent(d: dict, tol: float = 1e-12) -> None:
    """Every structured number agrees with the others: Σ w·o = z, f'·Σ w·δ = δ, δ·o = ∂L/∂w, w − η·g."""
    o = {nu["id"]: nu["o"] for level in d["forward"] for nu in level["neurons"]}
    o.update({b: 1.0 for b in d["biases"]})
    for level in d["forward"][1:]:
        for nu in level["neurons"]:
            s = math.fsum(t["weight"] * t["input"] for t in nu["terms"])
            assert all(t["input"] == o[t["from"]] for t in nu["terms"])
            assert s == pytest.approx(nu["z"], rel=tol, abs=tol)
    if d["backward"] is None:
        return
    delta = {r["id"]: r["delta"] for r in d["backward"]["step1"]}
    for r in d["backward"]["step1"]:
        assert r["fprime"] * r["dL_dyhat"] == pytest.approx(r["delta"], rel=tol, abs=tol)
    for level in d["backward"]["step2"]:
        for nu in level["neurons"]:
            assert all(t["delta"] == delta[t["to"]] for t in nu["terms"])   # later levels came first
            s = math.fsum(t["weight"] * t["delta"] for t in nu["terms"])
            assert s == pytest.approx(nu["sum"], rel=tol, abs=tol)
            assert nu["fprime"] * s == pytest.approx(nu["delta"], rel=tol, abs=tol)
            delta[nu["id"]] = nu["delta"]
    for r in d["backward"]["step3"]:
        assert r["delta"] == delta[r["to"]] and r["output"] == o[r["from"]]
        assert r["delta"] * r["output"] == pytest.approx(r["gradient"], rel=tol, abs=tol)
    eta = d["update"]["step_size"]
    for r in d["update"]["edges"]:
        assert r["weight"] - eta * r["gradient"] == pytest.approx(r["new_weight"], rel=tol, abs=tol)


# -- any network ---------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       hidden=st.sampled_from(["logistic", "tanh", "relu", "softplus", "leaky_relu", "elu", "identity"]),
       loss=st.sampled_from(["squared", "absolute", "huber", "binary_cross_entropy"]),
       seed=st.integers(0, 1000), eta=st.floats(0.001, 2.0))
def test_any_small_network_is_consistent_and_fits_80_columns(sizes, hidden, loss, seed, eta):
    net = nn.mlp(sizes, hidden=hidden, seed=seed)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=sizes[0]), rng.normal(size=sizes[-1])
    if loss == "binary_cross_entropy":
        y = rng.uniform(0, 1, size=sizes[-1])
    e = explain(net, x, y, loss=loss, step_size=eta)
    d = e.to_dict()
    json.dumps(d, allow_nan=False)
    consistent(d, tol=1e-9)
    g = net.gradient(x, y, loss=loss)
    assert e.deltas == g.deltas and e.gradients == g.weights
    text = e.text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for j in e.z:
        if j not in net.inputs:
            assert re.search(rf"z_{j} = ", text) and f"o_{j} = {net.activation(j)}(z_{j})" in text


def test_cross_entropy_with_a_class_index():
    net = nn.mlp([3, 4, 3], hidden="tanh", seed=1)
    x = np.array([0.1, -0.2, 0.3])
    e = explain(net, x, 2, loss="cross_entropy")
    assert e.y_is_class and e.targets == [0.0, 0.0, 1.0]
    p = np.exp(e.yhat) / np.exp(e.yhat).sum()
    assert e.dL_dyhat == pytest.approx(list(p - np.array([0, 0, 1.0])), abs=1e-12)
    assert e.loss_value == pytest.approx(-math.log(p[2]), abs=1e-12)
    text = e.text()
    assert "y = class 2" in text and "softmax(ŷ)_3 − y_3" in text
    consistent(e.to_dict())


def test_a_non_layered_network_and_a_neuron_that_feeds_nothing():
    g = nn.Graph()
    a, b = g.input(), g.bias()
    h, dead, h2 = g.neuron("relu"), g.neuron("logistic"), g.neuron("softplus")
    out = g.output("identity")
    for i, j, w in [(a, h, 0.5), (b, h, 0.1), (a, dead, 1.0), (b, dead, 0.0), (h, h2, 1.5), (a, h2, -1.0),
                    (b, h2, 0.2), (h2, out, 1.0), (h, out, 2.0), (b, out, 0.3)]:
        g.connect(i, j, w)
    net = g.build()
    e = explain(net, [1.0], [0.5])
    assert e.deltas[dead] == 0.0
    text = e.text()
    assert f"δ_{dead} = f_{dead}'(z_{dead})·0 = 0" in text and "it feeds no neuron" in text
    assert "level 1 (hidden)" in text                        # not layered: levels, not layers
    consistent(e.to_dict())


def test_without_a_target_only_the_forward_pass():
    net = running_example()
    e = explain(net, [0.5])
    assert e.y is None and e.deltas == {} and e.loss_value is None
    text = e.text()
    assert "z_9 = " in text and "No target y" in text and "Step 1" not in text
    d = e.to_dict()
    assert d["backward"] is None and d["loss"] is None
    json.dumps(d)
    consistent(d)
    # the running example with another x and y
    e2 = explain(None, [1.0], [0.0])
    assert e2.x == [1.0] and e2.y == [0.0]


def test_a_big_network_is_shortened_with_a_note():
    net = nn.mlp([70, 5, 2], hidden="relu", seed=0)
    e = explain(net, np.linspace(-1, 1, 70), [1.0, 0.0])
    text = e.text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "This network has 79 neurons" in text and "max_neurons=None" in text
    assert "… 66 more input neurons" in text and "more terms" in text and "more edges" in text
    assert len(lines) < 200
    full = e.text(max_neurons=None)
    assert "more terms" not in full and len(full.splitlines()) > len(lines)
    assert len(e.to_dict()["update"]["edges"]) == len(net.edges)     # to_dict keeps everything


def test_float32_and_narrow_text():
    e = explain(running_example("float32"), [0.5], [1.0])
    assert e.deltas[4] == pytest.approx(by_hand()[3][4], rel=1e-5)
    narrow = e.text(width=50)
    assert max(len(line) for line in narrow.splitlines()) <= 50
    assert joined(narrow).count("δ_4 = ") == 1


def test_mistakes_are_clear_errors():
    net = nn.mlp([2, 1], seed=0)
    with pytest.raises(DataError, match="input neurons"):
        explain(net, [1.0, 2.0, 3.0], [1.0])
    with pytest.raises(DataError, match="output"):
        explain(net, [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(DataError, match="step_size"):
        explain(net, [1.0, 2.0], [1.0], step_size=0)
    with pytest.raises(DataError, match="Unknown loss"):
        explain(net, [1.0, 2.0], [1.0], loss="hinge")
    with pytest.raises(DataError, match="received x=None"):
        explain(net)
    with pytest.raises(DataError, match="Network"):
        explain("model.json", [1.0], [1.0])
    with pytest.raises(DataError, match="width"):
        explain().text(width=10)
    assert isinstance(explain(), Explanation) and str(explain()) == explain().text()


def test_numbers_beyond_float64_are_one_clear_error_not_inf_and_nan():
    """A finite example can overflow on the way (L = (1e308 − ŷ)² = inf, then δ = nan): refused, not printed."""
    with pytest.raises(DataError, match=r"y = \(1e\+308\), the loss L reaches inf .*ordinary size"):
        explain(None, [0.3], [1e308])
    with pytest.raises(DataError, match="the SGD update reaches -?inf .*smaller step size"):
        explain(None, [0.3], [1.0], step_size=1e307)
    with pytest.raises(DataError, match="holds nan"):
        explain(None, [0.3], [float("nan")])
    with pytest.raises(DataError, match="loss L reaches inf"):          # the same in one of several steps
        explain(None, [[0.3], [0.4]], [1.0, 1e308], steps=2)
    assert math.isfinite(explain(None, [0.3], [1e100]).loss_value)      # large but finite is explained


# -- issue 13: parentheses, the model's own loss, consecutive updates, target units ---------------
def test_every_negative_factor_is_in_parentheses():
    e = explain(None, [0.3], [-1.0])                 # the running example, a negative target
    text = joined(e.text())
    yhat = e.yhat[0]
    assert f"L = (y − ŷ)² = (−1 − {fmt(yhat)})² = {fmt(e.loss_value)}" in text
    assert f"∂L/∂ŷ = 2·(ŷ − y) = 2·({fmt(yhat)} − (−1)) = {fmt(e.dL_dyhat[0])}" in text
    for net, x, y, loss in [(None, [0.3], [-1.0], "squared"), (nn.mlp([2, 3, 2], hidden="tanh", seed=4),
                                                                [-0.5, 0.2], [-0.7, -0.2], "absolute"),
                            (nn.mlp([2, 3, 2], seed=5), [0.5, -0.2], [-0.7, -2.0], "huber")]:
        text = explain(net, x, y, loss=loss).text()
        assert not re.search(r"[−+·] −\d", text), text        # no "a − −b", "+ −b" or "·−b"


def test_a_model_is_explained_with_its_own_loss():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    r = nn.train(nn.mlp([2, 3, 2], hidden="tanh", seed=0), X, np.array([0, 1, 1, 0]), loss="cross_entropy",
                 optimizer="adam", step_size=0.05, epochs=5, batch_size=None, seed=0)
    e = explain(r.network, X[1], 1)
    assert e.loss_name == "cross_entropy" and e.y_is_class
    assert e.loss_value == pytest.approx(r.network.loss(X[1:2], [1], loss="cross_entropy"), rel=1e-12)
    assert explain(nn.mlp([2, 1], seed=0), [0.1, 0.2], [1.0]).loss_name == "squared"   # no record: the seed's


def test_steps_are_consecutive_sgd_updates_with_the_schedules_step_sizes():
    s = explain(steps=3)                             # the running example on its three training points
    X, Y = running_example_data()
    assert len(s) == 3 and s.n_examples == 3
    assert [e.step_size for e in s] == pytest.approx([0.1, 0.1 / (1 + 1 / 3), 0.1 / (1 + 2 / 3)], rel=1e-15)
    assert [e.x for e in s] == [[0.5], [-0.5], [0.25]] and [e.y for e in s] == [[1.0], [-1.0], [0.5]]
    for before, after in zip(s.explanations, s.explanations[1:]):
        assert after.weights == pytest.approx(before.new_weights, rel=1e-15)      # each on the last one's network
    assert s[0].deltas[4] == pytest.approx(by_hand()[3][4], abs=1e-14)        # the first is the documented one
    # what train() does with its default schedule: per-example SGD, one epoch, in order
    r = nn.train(running_example(), X, Y, step_size=0.1, epochs=1, batch_size=1, shuffle=False, engine="matrix")
    assert r.config["schedule"] == "inverse_time(decay=1)"
    for ij, w in s.network.weights.items():
        assert r.network.weights[ij] == pytest.approx(w, rel=1e-12, abs=1e-15)
    assert s[2].new_weights == pytest.approx(s.network.weights, rel=1e-15)
    text = s.text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert [text.index(f"Update {k} of 3") for k in (1, 2, 3)] == sorted(text.index(f"Update {k} of 3")
                                                                         for k in (1, 2, 3))
    words = " ".join(text.split())
    assert "η_2 = 0.075" in words and "do all of this again for the next training point" in words
    d = json.loads(json.dumps(s.to_dict(), allow_nan=False))
    assert d["step_sizes"] == [e.step_size for e in s]
    for step in d["steps"]:
        consistent(step)
    constant = explain(steps=2, schedule="constant")
    assert [e.step_size for e in constant] == [0.1, 0.1]
    with pytest.raises(DataError, match="steps must be a positive integer"):
        explain(steps=0)
    with pytest.raises(DataError, match="one target per example"):
        explain(nn.mlp([1, 1], seed=0), [[0.1], [0.2]], [[1.0]], steps=2)


def test_values_in_the_targets_units_are_written_as_people_read_them():
    e = explain(None, [0.3], [-1.0])
    e.units = {"task": "regression", "target": "price", "yhat": 413666.9848, "y": -1250.5}
    assert "in the units of 'price': ŷ = 413,666.98, y = −1,250.5 (the network" in joined(e.text())
    e.units = {"task": "regression", "target": "price", "yhat": 117.1234, "y": None}
    assert "ŷ = 117.1234 (the network" in joined(e.text())
