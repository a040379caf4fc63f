"""Drawings: the layout as data (columns, colours, skip arcs, capped columns), then every picture
for layered, non-layered and big networks, written as PNG and SVG without a single warning."""

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure

import neuronet as nn
from neuronet import DataError, GraphError, datasets, draw
from neuronet.seeing._layout import COLORS, LABEL_HALF
from neuronet.model.activations import ACTIVATIONS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- networks ------------------------------------------------------------------------
def running_example() -> nn.Network:
    """The seed's nine neurons in four layers; ids as in SEED.md."""
    g = nn.Graph()
    g.input(), g.bias()                                               # 1, 2
    g.neuron("logistic"), g.neuron("logistic"), g.bias()              # 3, 4, 5
    g.neuron("logistic"), g.neuron("logistic"), g.bias()              # 6, 7, 8
    g.output("identity")                                              # 9
    weights = {(1, 3): 0.5, (2, 3): -0.3, (1, 4): -1.2, (2, 4): 0.8, (3, 6): 1.5, (4, 6): -0.7, (5, 6): 0.1,
               (4, 7): 2.0, (5, 7): -0.4, (6, 9): 1.1, (7, 9): -0.9, (8, 9): 0.25}
    for (i, j), w in weights.items():
        g.connect(i, j, w)
    return g.build()


def skip_network(n_inputs: int = 1) -> nn.Network:
    """a → b, b → c and the skip edge a → c; one bias feeding b and c."""
    g = nn.Graph()
    xs = [g.input() for _ in range(n_inputs)]
    bias = g.bias()
    b = g.neuron("tanh")
    c = g.output("logistic")
    for a in xs:
        g.connect(a, b, 0.7)
        g.connect(a, c, 0.4)
    g.connect(b, c, -1.3)
    g.connect(bias, b, 0.2)
    g.connect(bias, c, -0.5)
    return g.build()


def xor_network() -> nn.Network:
    """A hand-made 2-2-1 logistic network computing XOR = OR and NAND."""
    g = nn.Graph()
    x1, x2, b1 = g.input(), g.input(), g.bias()
    h_or, h_nand, b2 = g.neuron("logistic"), g.neuron("logistic"), g.bias()
    y = g.output("logistic")
    for i, j, w in [(x1, h_or, 20), (x2, h_or, 20), (b1, h_or, -10), (x1, h_nand, -20), (x2, h_nand, -20),
                    (b1, h_nand, 30), (h_or, y, 20), (h_nand, y, 20), (b2, y, -30)]:
        g.connect(i, j, w)
    return g.build()


@pytest.fixture(scope="module")
def big():
    return nn.mlp([64, 64, 10], seed=0)


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 2000
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def assert_svg(path):
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")


# -- layout ---------------------------------------------------------------------------------
def test_layout_of_the_running_example():
    net = running_example()
    lay = draw.layout(net)
    assert lay.layered
    assert lay.columns == ((1, 2), (3, 4, 5), (6, 7, 8), (9,))   # bias neurons with their layer
    assert tuple(map(tuple, net.layers)) == lay.columns
    n = lay.nodes
    assert n[1].column == 0 and n[9].column == 3                  # input first, output last
    assert n[1].x < n[3].x < n[6].x < n[9].x and n[3].x == n[4].x == n[5].x
    assert n[3].y > n[4].y > n[5].y                               # ids top to bottom, bias at the bottom
    assert n[2].y == n[5].y == n[8].y < min(n[j].y for j in (1, 3, 4, 6, 7, 9))  # bias neurons share a row
    assert [n[j].symbol for j in (1, 2, 3, 9)] == ["x₁", "1", "σ", "id"]
    assert [n[j].color for j in (1, 2, 3, 9)] == [COLORS["input"], COLORS["bias"], COLORS["hidden"],
                                                  COLORS["output"]]
    assert COLORS["input"] != COLORS["bias"] != COLORS["output"] != COLORS["hidden"]
    assert len(lay.edges) == 12 and lay.hidden_edges == 0 and not lay.gaps
    assert not any(e.skip for e in lay.edges) and all(len(e.points) == 2 for e in lay.edges)
    assert {(e.src, e.dst): e.weight for e in lay.edges} == net.weights
    assert {e.src for e in lay.edges if e.from_bias} == {2, 5, 8}
    # Edges start and end on the circles, not at the centres.
    e = next(e for e in lay.edges if (e.src, e.dst) == (3, 6))
    assert e.points[0][0] == pytest.approx(n[3].x + lay.radius) and e.points[1][0] == pytest.approx(n[6].x - lay.radius)


def test_weight_labels_do_not_overlap_each_other_or_neurons():
    lay = draw.layout(running_example())
    hw, hh = LABEL_HALF
    xy = np.array([e.label_xy for e in lay.edges])                                 # (E, 2)
    for a in range(len(xy)):
        for b in range(a + 1, len(xy)):
            dx, dy = np.abs(xy[a] - xy[b])
            assert dx >= 2 * hw or dy >= 2 * hh, (lay.edges[a], lay.edges[b])
    centres = np.array([(n.x, n.y) for n in lay.nodes.values()])
    assert np.hypot(*(xy[:, None, :] - centres[None]).transpose(2, 0, 1)).min() > lay.radius + hw
    x0, x1 = lay.xlim
    y0, y1 = lay.ylim
    assert all(x0 < x < x1 and y0 < y < y1 for x, y in xy)


def test_layout_of_a_non_layered_network_arcs_the_skip_edges():
    net = skip_network()
    assert net.layers is None
    lay = draw.layout(net)
    assert not lay.layered
    assert lay.columns == ((1, 2), (3,), (4,))            # the bias one column before the lowest level it feeds
    skips = {(e.src, e.dst) for e in lay.edges if e.skip}
    assert skips == {(1, 4), (2, 4)}
    for e in lay.edges:
        assert len(e.points) == (3 if e.skip else 2)
    arc = next(e for e in lay.edges if (e.src, e.dst) == (1, 4))
    assert arc.points[1][1] > lay.nodes[3].y + lay.radius        # bowed over neuron 3, not through it
    bias_arc = next(e for e in lay.edges if (e.src, e.dst) == (2, 4))
    assert bias_arc.points[1][1] < lay.nodes[2].y                 # bias arcs bow downwards
    assert lay.ylim[1] > arc.points[1][1] / 2                      # the arc fits in the picture


def test_non_layered_outputs_go_to_the_last_column_and_biases_before_their_lowest_target():
    g = nn.Graph()
    x = g.input()                                # 1
    h1, h2 = g.neuron("relu"), g.neuron("relu")  # 2, 3
    early = g.output()                           # 4: level 1
    late = g.output()                            # 5: level 3
    b = g.bias()                                 # 6: feeds only level 2
    g.connect(x, h1), g.connect(h1, h2), g.connect(h2, late), g.connect(x, early), g.connect(b, h2)
    assert g.build(seed=0).layers == [[x], [h1, early, b], [h2], [late]]   # layered, as the seed defines it
    g.connect(x, h2)                             # an edge that skips a layer: not layered any more
    net = g.build(seed=0)
    assert net.layers is None
    lay = draw.layout(net)
    assert lay.column_of(early) == lay.column_of(late) == len(lay.columns) - 1
    assert lay.column_of(b) == lay.column_of(h2) - 1 == 1
    assert next(e for e in lay.edges if (e.src, e.dst) == (x, early)).skip


def test_layout_caps_big_columns(big):
    lay = draw.layout(big, max_per_level=10)
    assert len(lay.columns[0]) == 65 and len(lay.columns[1]) == 65   # every id is still listed
    for c in (0, 1):
        drawn = [j for j in lay.columns[c] if j in lay.nodes and lay.nodes[j].kind != "bias"]
        assert len(drawn) == 9                                          # 9 neurons + the ellipsis
        assert drawn[0] == lay.columns[c][0] and drawn[-1] == lay.columns[c][63]
    assert [len(g.ids) for g in lay.gaps] == [55, 55]
    assert all(j in lay.nodes for j in lay.columns[2])                # 10 outputs: all drawn
    assert len(lay.edges) + lay.hidden_edges == len(big.edges)
    assert len(lay.edges) == 9 * 9 + 9 + 9 * 10 + 10
    with pytest.raises(DataError, match="max_per_level must be an integer ≥ 3; received max_per_level=2"):
        draw.layout(big, max_per_level=2)


# -- draw ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [running_example, skip_network, lambda: nn.mlp([2, 3, 1], hidden="tanh", seed=1)])
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_draw_writes_pictures(tmp_path, make, ext):
    path = tmp_path / f"net.{ext}"
    fig = draw.draw(make(), path, dpi=40, title="a network")
    assert isinstance(fig, Figure)
    (assert_png if ext == "png" else assert_svg)(path)


def test_draw_writes_the_weights_on_small_networks():
    fig = draw.draw(running_example(), dpi=40)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for label in ("0.50", "−1.20", "2.00", "0.25"):
        assert label in texts
    assert {"σ", "id", "x₁", "1", "9"} <= set(texts)


def test_draw_big_network_uses_widths_and_ellipses(tmp_path, big):
    path = tmp_path / "big.png"
    fig = draw.draw(big, path, dpi=30)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert not [t for t in texts if re.fullmatch(r"−?\d+\.\d+", t)]          # no weight labels
    assert "⋮" in texts and "55 more" in texts
    assert f"{len(big.edges) - 190} of {len(big.edges)} edges not drawn" in texts
    widths = np.asarray(fig.axes[0].collections[0].get_linewidths())
    assert widths.max() > 2 * widths.min()                       # |w| shown by width
    assert_png(path)


def test_draw_modes_and_into_an_existing_axes():
    fig = Figure(figsize=(4, 3), dpi=40)
    ax = fig.add_subplot()
    assert draw.draw(running_example(), ax=ax, weights="width", legend=False) is fig
    assert not any(t.get_text() == "0.50" for t in ax.texts)
    draw.draw(running_example(), weights="none", dpi=40)
    labelled = draw.draw(skip_network(), weights="labels", dpi=40)
    assert "0.40" in [t.get_text() for t in labelled.axes[0].texts]


def test_draw_errors(tmp_path):
    net = running_example()
    with pytest.raises(DataError, match="weights must be 'auto', 'labels', 'width' or 'none'; received weights='x'"):
        draw.draw(net, weights="x")
    with pytest.raises(DataError, match=r"use a \.png, \.svg or \.pdf"):
        draw.draw(net, tmp_path / "net.jpg")
    with pytest.raises(DataError, match="does not exist"):
        draw.draw(net, tmp_path / "no" / "net.png")
    with pytest.raises(GraphError, match="takes a neuronet Network; received Graph"):
        draw.draw(nn.Graph())
    assert os.listdir(tmp_path) == []


def test_drawing_never_touches_pyplot():
    code = ("import sys, neuronet as nn; from neuronet import draw; "
            "draw.draw(nn.mlp([2, 2, 1], seed=0), dpi=20); draw.activation_plot(['relu']); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True, timeout=120)


# -- loss curves --------------------------------------------------------------------------
def fake_result(R=6, E=40):
    rng = np.random.default_rng(0)
    H = np.exp(-np.linspace(0, 4, E))[None] * rng.uniform(0.5, 2, (R, 1)) + rng.uniform(0.01, 0.2, (R, 1))
    H[1, 25:] = np.nan                           # stopped early
    H[2, 10] = 1e4
    H[2, 11:] = np.inf                           # diverged
    losses = H[:, -1].copy()
    losses[1] = H[1, 24]
    losses[2] = np.inf
    return SimpleNamespace(history=H, losses=losses, best=int(np.argmin(losses)))


def test_loss_curves_from_a_result(tmp_path):
    r = fake_result()
    fig = draw.loss_curves(r, tmp_path / "loss.png", dpi=40)
    curves, spread = fig.axes
    assert curves.get_yscale() == "log"
    assert "6 restarts (1 diverged)" in spread.get_title()
    best_line = next(line for line in curves.lines if line.get_label().startswith("best"))
    np.testing.assert_array_equal(best_line.get_ydata(), r.history[r.best])
    assert f"restart {r.best}" in best_line.get_label()
    assert_png(tmp_path / "loss.png")


def test_loss_curves_from_arrays_and_many_restarts(tmp_path):
    rng = np.random.default_rng(1)
    H = np.exp(-np.linspace(0, 5, 30))[None] * rng.uniform(0.5, 2, (300, 1)) + rng.uniform(0.01, 0.3, (300, 1))
    fig = draw.loss_curves(history=H, losses=H[:, -1], path=tmp_path / "loss.svg", dpi=40)
    assert fig.axes[1].patches                                       # a histogram for many restarts
    assert "restart " + str(int(np.argmin(H[:, -1]))) in fig.axes[0].get_legend_handles_labels()[1][-1]
    assert_svg(tmp_path / "loss.svg")
    one = draw.loss_curves(history=H[0], dpi=40)                      # one restart, 1-D
    assert "1 restart" in one.axes[0].get_title()


def test_loss_curves_linear_when_a_loss_is_zero_and_when_all_diverged():
    H = np.array([[1.0, 0.5, 0.0], [2.0, np.inf, np.nan]])
    fig = draw.loss_curves(history=H, losses=[0.0, np.inf], dpi=40)
    assert fig.axes[0].get_yscale() == "linear"
    fig = draw.loss_curves(history=np.full((2, 3), np.inf), losses=[np.inf, np.inf], dpi=40)
    assert "2 diverged" in fig.axes[1].get_title()


def test_loss_curves_into_given_axes():
    fig = Figure(dpi=40)
    a, b = fig.subplots(1, 2)
    r = fake_result()
    assert draw.loss_curves(r, ax=(a, b)) is fig and b.get_title()
    fig2 = Figure(dpi=40)
    only = fig2.add_subplot()
    draw.loss_curves(r, ax=only)
    assert len(fig2.axes) == 1


@pytest.mark.parametrize("kwargs, match", [
    ({}, "needs the losses per epoch"),
    ({"history": np.zeros((2, 3, 4))}, r"shape \(restarts, epochs\)"),
    ({"history": np.ones((2, 3)), "losses": [1.0]}, "one final loss per restart"),
    ({"history": np.ones((2, 3)), "best": 2}, "best must be the index of a restart, 0 to 1; received best=2"),
    ({"history": [["a"]]}, "history must be an array of numbers"),
])
def test_loss_curves_errors(kwargs, match):
    with pytest.raises(DataError, match=match):
        draw.loss_curves(**kwargs)


# -- activations ---------------------------------------------------------------------------
def test_activation_plot(tmp_path):
    fig = draw.activation_plot(path=tmp_path / "act.png", dpi=30)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == list(ACTIVATIONS)
    logistic = next(ax for ax in fig.axes if ax.get_title() == "logistic")
    f, df = logistic.lines[-2], logistic.lines[-1]
    np.testing.assert_allclose(df.get_ydata(), f.get_ydata() * (1 - f.get_ydata()))   # σ' = σ(1 − σ)
    assert_png(tmp_path / "act.png")
    assert len(draw.activation_plot(["relu", "sigmoid"], dpi=30).axes) == 2
    with pytest.raises(GraphError, match="Unknown activation 'swish'"):
        draw.activation_plot(["swish"])


# -- decision boundaries ------------------------------------------------------------------
def test_decision_boundary_of_a_hand_made_xor_network(tmp_path):
    xor = datasets.load("xor")
    fig = draw.decision_boundary(xor_network(), xor.X, xor.y, tmp_path / "xor.png", resolution=30, dpi=40)
    ax = fig.axes[0]
    assert "100.0% correct on these 4 points" in ax.get_title()
    assert ax.images and ax.collections                      # the score surface and the points
    assert_png(tmp_path / "xor.png")


def test_decision_boundary_on_moons_with_an_mlp_and_a_callable():
    moons = datasets.load("moons", n_samples=60)
    fig = draw.decision_boundary(nn.mlp([2, 4, 1], hidden="tanh", seed=0), moons.X, moons.y, resolution=20, dpi=30)
    assert "correct on these 60 points" in fig.axes[0].get_title()
    # Three classes from a function returning scores (B, 3): the class is the argmax.
    three = lambda A: np.stack([A[:, 0], A[:, 1], -A[:, 0] - A[:, 1]], axis=1)   # noqa: E731
    y3 = three(moons.X).argmax(axis=1)
    fig = draw.decision_boundary(three, moons.X, y3, resolution=20, dpi=30)
    assert "100.0% correct" in fig.axes[0].get_title()
    # An object with .predict returning class labels (like a scikit-learn classifier).
    clf = SimpleNamespace(predict=lambda A: (A[:, 0] > 0.5).astype(int))
    fig = draw.decision_boundary(clf, moons.X, (moons.X[:, 0] > 0.5).astype(int), resolution=20, dpi=30)
    assert "100.0% correct" in fig.axes[0].get_title()


def test_decision_boundary_regression_surface():
    X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
    f = lambda A: A[:, 0] * A[:, 1]                       # noqa: E731
    fig = draw.decision_boundary(f, X, f(X), resolution=20, dpi=30)
    title = fig.axes[0].get_title()
    assert title.startswith("regression surface") and "mean squared error 0" in title
    assert len(fig.axes) == 2                               # with a colour bar
    fig = draw.decision_boundary(f, X, resolution=20, dpi=30)  # no y: the surface alone
    assert fig.axes[0].get_title() == "regression surface"


def test_decision_boundary_errors():
    X2 = np.zeros((4, 2))
    with pytest.raises(DataError, match=r"two-input problems: X must have shape \(B, 2\); received X with 3 columns"):
        draw.decision_boundary(lambda A: A[:, 0], np.zeros((4, 3)))
    with pytest.raises(DataError, match="this network has 1"):
        draw.decision_boundary(running_example(), X2)
    with pytest.raises(DataError, match=r"one row per row of X \(4\)"):
        draw.decision_boundary(xor_network(), X2, [0, 1])
    with pytest.raises(DataError, match=r"returned shape \(7,\)"):
        draw.decision_boundary(lambda A: np.zeros(7), X2)
    with pytest.raises(DataError, match="kind must be"):
        draw.decision_boundary(xor_network(), X2, kind="cluster")
    with pytest.raises(DataError, match="class indices"):
        draw.decision_boundary(xor_network(), X2, [0.5, 1, 0, 1], kind="classification")
    with pytest.raises(DataError, match="a function predict"):
        draw.decision_boundary(42, X2)


# -- neuron outputs --------------------------------------------------------------------------
def test_neuron_outputs_panels(tmp_path):
    net = nn.mlp([2, 3, 2, 1], hidden="tanh", seed=0)
    moons = datasets.load("moons", n_samples=40)
    fig = draw.neuron_outputs(net, moons.X, moons.y, tmp_path / "outputs.png", resolution=12, dpi=30)
    panels = [ax for ax in fig.axes if ax.images]
    hidden_and_output = [nu.id for nu in net.neurons if nu.kind in ("hidden", "output")]
    assert len(panels) == len(hidden_and_output) == 6
    assert sorted(int(ax.get_title().split(":")[0]) for ax in panels) == hidden_and_output
    # Each panel is o_j over the grid: the output panel equals the network's output there.
    out = next(ax for ax in panels if "output" in ax.get_title())
    img = out.images[0].get_array()
    x0, x1, y0, y1 = out.images[0].get_extent()
    corner = net.forward(np.array([[x0, y0]]))[0, 0]
    assert img[0, 0] == pytest.approx(corner)
    assert_png(tmp_path / "outputs.png")


def test_neuron_outputs_non_layered_and_errors():
    fig = draw.neuron_outputs(skip_network(n_inputs=2), np.eye(2), resolution=8, dpi=30)
    assert len([ax for ax in fig.axes if ax.images]) == 2
    with pytest.raises(DataError, match="two inputs; this one has 1"):
        draw.neuron_outputs(running_example(), np.zeros((3, 2)))
    with pytest.raises(GraphError, match="takes a neuronet Network"):
        draw.neuron_outputs(lambda A: A, np.zeros((3, 2)))


def test_every_edge_ends_in_an_arrowhead_pointing_into_its_target():
    g = nn.Graph()                                   # straight edges and an arc (a → c skips b)
    a, bias = g.input(), g.bias()
    b = g.neuron("tanh")
    c = g.output()
    for e in [(a, b), (bias, b), (b, c), (a, c)]:
        g.connect(*e)
    for net in (nn.examples.running_example(), g.build(seed=0)):
        lay = draw.layout(net)
        assert lay.edges
        for e in lay.edges:
            tip, left, right = (np.array(p) for p in e.head)
            end, before = np.array(e.points[-1]), np.array(e.points[-2])
            np.testing.assert_allclose(tip, end)                                 # the tip touches j's circle
            target = lay.nodes[e.dst]
            assert np.hypot(*(tip - (target.x, target.y))) == pytest.approx(lay.radius, rel=1e-6)
            base = (left + right) / 2
            along = (end - before) / np.hypot(*(end - before))
            np.testing.assert_allclose((tip - base) / np.hypot(*(tip - base)), along, atol=1e-9)   # points i → j
            assert abs(np.dot(left - right, along)) < 1e-9                       # a symmetric head
        fig = draw.draw(net)
        heads = [c for c in fig.axes[0].collections if type(c).__name__ == "PolyCollection"]
        assert len(heads) == 1 and len(heads[0].get_paths()) == len(lay.edges)
