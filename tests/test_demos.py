"""The demonstrations: each runs, prints its claim in at most 80 columns, and saves its pictures."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from neuronet import demos
from neuronet.errors import DataError

PNG = b"\x89PNG\r\n\x1a\n"


def check_text(text: str) -> list[str]:
    lines = text.split("\nPictures:\n")[0].splitlines()       # (picture paths may be long)
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert not any("nan" in line.split() for line in lines)
    return lines


def check_pictures(text: str, out, names: list[str]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        data = (out / name).read_bytes()
        assert data[:8] == PNG and len(data) > 5000
        assert str(out / name) in text


def test_names_and_descriptions():
    assert demos.NAMES == ("xor", "sine", "boolean", "multiply", "symmetry", "digits", "matmul", "narrow",
                           "one-weight", "median")
    assert set(demos.DESCRIPTIONS) == set(demos.NAMES)
    assert all(len(d) <= 66 for d in demos.DESCRIPTIONS.values())        # `neuronet demo --help` fits 80 columns


def test_xor_restarts_rescue_stuck_runs(tmp_path):
    text = demos.run("xor", out_dir=tmp_path, seed=0)
    lines = check_text(text)
    solved = int(re.search(r"restarts that solved XOR\s+(\d+) of 100", text).group(1))
    stuck = int(re.search(r"restarts stuck\s+(\d+) of 100", text).group(1))
    assert solved + stuck == 100
    assert 3 <= stuck <= 40                     # some get stuck (the literature: about 15%) …
    assert "solves XOR:" in text                # … and the best restart is not one of them
    table = [line.split() for line in lines if re.fullmatch(r"\s+[01]\s+[01]\s+[01]\s+[0-9.]+", line)]
    assert len(table) == 4
    for a, b, t, out in table:
        assert int(a) ^ int(b) == int(t) and (float(out) > 0.5) == bool(int(t))
    assert "The practical solution is simply to run the entire" in text     # the seed, quoted
    check_pictures(text, tmp_path, ["xor_network.png", "xor_loss.png", "xor_boundary.png"])


def cover(m: int, d: int) -> int:
    """Cover's count of the dichotomies of m points a threshold unit with d weights can realise, at most."""
    return 2 * sum(math.comb(m - 1, k) for k in range(min(d, m)))


def test_boolean_one_architecture_parity_and_the_counting_argument(tmp_path):
    text = demos.run("boolean", out_dir=tmp_path)
    lines = check_text(text)
    flat = " ".join(text.split())
    assert "functions computed exactly on all 8 inputs 256 of 256" in flat
    assert "same neurons, edges and hidden weights 256 of 256 (3-8-1, 41 edges)" in flat
    assert "different output-weight vectors 256" in flat
    parity = [line.split() for line in lines if re.fullmatch(r"\s+\d+\s+\d+\s+(yes|NO)\s+\d+", line)]
    assert [int(r[0]) for r in parity] == [3, 6, 8, 12]
    for n, hidden, ok, per_pattern in parity:
        assert int(hidden) == int(n) and ok == "yes" and int(per_pattern) == 2 ** (int(n) - 1)
    counting = [line.split() for line in lines
                if re.fullmatch(r"\s+\d+\s+\d+\s+[0-9.]+\s+[0-9.]+(\s+\d+){3}", line)]
    assert [int(r[0]) for r in counting] == [2, 4, 6, 8, 10, 12, 14, 16]
    for n, log_functions, log_t, reach, h, closed, universal in counting:
        n, h = int(n), int(h)
        m = 2 ** n
        assert int(log_functions) == m and int(universal) == m
        assert float(log_t) == pytest.approx(math.log2(cover(m, n + 1)), abs=0.05)
        assert float(reach) == pytest.approx(math.log2(cover(m, n + 1) ** h * cover(m, h + 1)), abs=0.05)
        assert float(reach) >= m - 0.05
        # h units reach at least 2^(2ⁿ) functions by the count, h − 1 do not (exact integers)
        assert cover(m, n + 1) ** h * cover(m, h + 1) >= 2 ** m
        assert h == 1 or cover(m, n + 1) ** (h - 1) * cover(m, h) < 2 ** m
        assert int(closed) == -(-(m - 1) // (n * n + n + 1)) <= h
    hs = [int(r[4]) for r in counting]
    assert hs[-1] > 250 and hs[-1] / hs[-2] > 2.5                 # exponential growth
    assert "is exact on every input" in flat and "Cover" in flat
    assert "there is an architecture for a neural network" in flat    # the seed, quoted
    check_pictures(text, tmp_path, ["boolean_universal.png", "boolean_parity.png"])


def test_multiply_error_falls_as_lambda_squared_and_depth_saves_neurons(tmp_path):
    text = demos.run("multiply", out_dir=tmp_path)
    lines = check_text(text)
    rows = [line.split() for line in lines if re.fullmatch(r"\s+\de-\d\d(\s+[0-9.e+-]+){3}", line)]
    lam = np.array([float(r[0]) for r in rows])
    err = np.array([float(r[1]) for r in rows])
    assert len(rows) == 7
    ratio = err[lam >= 1e-3] / lam[lam >= 1e-3] ** 2          # error / λ² is constant while truncation rules
    assert ratio.max() / ratio.min() < 1.1
    assert err[lam == 1e-5][0] > err[lam == 1e-3][0]          # then rounding takes over
    prod = [line.split() for line in lines if re.fullmatch(r"\s*\d+\s+\d+\s+\d+\s+[0-9.e+-]+\s+[0-9.e+-]+", line)]
    assert [int(r[0]) for r in prod] == [2, 3, 4, 6, 8, 10]
    for n, deep, shallow, *_ in prod:
        assert int(deep) == 4 * (int(n) - 1) and int(shallow) == 2 ** int(n)
    assert "36 neurons deep against 1024 shallow" in text
    check_pictures(text, tmp_path, ["multiply_gate.png", "multiply_error.png"])


def test_symmetry_learns_mirror_antisymmetric_weights_in_ratio_1_2_4(tmp_path):
    text = demos.run("symmetry", out_dir=tmp_path)
    check_text(text)
    learned, total = map(int, re.search(r"restarts that learned the task\s+(\d+) of (\d+)", text).groups())
    assert 1 <= learned <= total
    sweeps = [int(s) for s in re.search(r"sweeps they needed\s+([\d, ]+)", text).group(1).split(",")]
    assert len(sweeps) == learned and all(100 < s <= 5000 for s in sweeps)
    a, b = map(float, re.search(r"ratio 1 : ([\d.]+) : ([\d.]+)", text).groups())
    assert a == pytest.approx(2, rel=0.15) and b == pytest.approx(4, rel=0.15)
    weights = [line.split()[2:8] for line in text.splitlines() if line.strip().startswith("neuron ")]
    assert len(weights) == 2
    for row in weights:
        w = np.array([float(v) for v in row])
        assert np.allclose(w, -w[::-1], atol=0.05 * np.abs(w).max())     # mirror antisymmetry
    check_pictures(text, tmp_path, ["symmetry_network.png", "symmetry_loss.png"])


def test_sine_quick_one_hidden_layer_approximates(tmp_path):
    text = demos.run("sine", out_dir=tmp_path, quick=True)
    lines = check_text(text)
    rows = [line.split() for line in lines if re.fullmatch(r"\s+\d+\s+[0-9.]+\s+[0-9.]+", line)]
    hidden = [int(r[0]) for r in rows]
    err = [float(r[1]) for r in rows]
    assert hidden == [1, 2, 4, 8]
    assert err[0] > 0.5 and err[-1] < 0.05 and err[-1] < err[0] / 10
    assert "single hidden layer" in text
    check_pictures(text, tmp_path, ["sine_fits.png", "sine_network.png"])


def test_digits_quick_classifies_unseen_images(tmp_path):
    text = demos.run("digits", out_dir=tmp_path, quick=True)
    check_text(text)
    acc = float(re.search(r"test accuracy\s+([\d.]+)%", text).group(1))
    assert acc > 85.0
    assert "cat" in text
    check_pictures(text, tmp_path, ["digits_examples.png", "digits_loss.png"])


def test_mistakes_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="Unknown demo 'mnist'. Known demos: xor, sine"):
        demos.run("mnist")
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        demos.run("boolean", out_dir=afile)
    with pytest.raises(DataError, match="seed"):
        demos.run("boolean", seed=-1)
    made = tmp_path / "new" / "pictures"
    demos.run("boolean", out_dir=made)                       # a missing folder is created
    assert (made / "boolean_universal.png").exists()


# -- issue 13: the new demos, each claim checked ---------------------------------------------------
def number(pattern: str, text: str) -> float:
    return float(re.search(pattern, " ".join(text.split())).group(1).replace("−", "-").rstrip("."))


def test_matmul_is_a_network_without_hidden_layers(tmp_path):
    from neuronet.seeing.demos._depth import _matrix_network

    text = demos.run("matmul", out_dir=tmp_path)
    check_text(text)
    flat = " ".join(text.split())
    assert "net.matrices() gives W = M exactly yes" in flat and "net.collapse() gives (M, c = 0) yes" in flat
    assert number(r"max \|network\(x\) − M·x\| on 1000 random x ([0-9.e+-]+)", text) < 1e-12
    assert number(r"max \|network\(A\) − A·B\| over 500 random A ([0-9.e+-]+)", text) < 1e-12
    assert "edges (multiplications) 12 = 2·3·2" in flat
    assert number(r"max \|w − M\| = ([0-9.]+e[+-]\d+)", text) < 1e-6             # learned: the weights are M
    B = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])                     # independently: A·B, any shapes
    net = _matrix_network(B, 3)
    A = np.random.default_rng(0).normal(size=(10, 3, 2))
    np.testing.assert_allclose(net.forward(A.reshape(10, 6)).reshape(10, 3, 3), A @ B, rtol=1e-14, atol=1e-14)
    assert net.layers == [net.inputs, net.outputs] and not net.biases
    assert "input and an output layer (no hidden layers)" in flat
    check_pictures(text, tmp_path, ["matmul_network.png"])


def test_narrow_deep_networks_beat_a_shallow_one_of_the_same_width(tmp_path):
    from neuronet.seeing.construct import sawtooth

    text = demos.run("narrow", out_dir=tmp_path)
    lines = check_text(text)
    saw = [line.split() for line in lines if re.fullmatch(r"\s+\d+\s+\d+\s+\d+\s+[0-9.e+-]+\s+(exact|error).*", line)]
    assert [int(r[0]) for r in saw] == [1, 2, 3, 4, 6, 8]
    grid = np.linspace(0, 1, 2 ** 12 + 1)[:, None]
    for row in saw:
        k, pieces, err = int(row[0]), int(row[2]), float(row[3])
        assert err < 1e-12 and pieces == 2 ** k
        net = sawtooth(k)
        widths = [len([j for j in layer if j not in net.biases]) for layer in net.layers[1:-1]]
        assert widths == [2] * k                                            # width n + 1 = 2, k hidden layers
        slopes = np.round(np.diff(net.forward(grid)[:, 0]) * 2 ** 12, 6)
        assert 1 + np.count_nonzero(np.diff(slopes)) == 2 ** k              # the pieces, counted
    sq = [line.split() for line in lines if re.fullmatch(r"\s+\d+\s+\d+\s+3\s+[0-9.e+-]+\s+[0-9.e+-]+", line)]
    assert [int(r[0]) for r in sq] == [1, 2, 3, 4, 6, 8]
    for m, _, _, err, bound in sq:
        assert float(bound) == pytest.approx(2.0 ** (-2 * int(m) - 2), rel=5e-3)         # printed to 3 digits
        assert float(bound) / 1.01 <= float(err) <= float(bound) * 1.01
    shallow = number(r"one hidden layer of 3, trained: max \|f − x²\| = ([0-9.]+)", text)
    assert shallow >= 1 / 256 and shallow / float(sq[-1][3]) > 100
    assert "Hanin & Sellke" in text and "width n + 1" in " ".join(text.split())
    check_pictures(text, tmp_path, ["narrow.png", "narrow_network.png"])


def test_one_weight_tangent_and_step_sizes(tmp_path):
    from neuronet.model.examples import running_example

    text = demos.run("one-weight", out_dir=tmp_path)
    lines = check_text(text)
    net = running_example()
    t = net.trace([0.5])
    slope = 2 * (t.o[9] - 1.0) * t.o[6]                                  # ∂L/∂w₆,₉ = δ₉·o₆ by hand
    assert number(r"by backpropagation \(δ₉·o₆\) (−?[0-9.]+)", text) == pytest.approx(slope, abs=1e-6)
    assert number(r"h = 1e-6 (−?[0-9.]+)", text) == pytest.approx(slope, abs=1e-6)
    best = 1.5 - slope / (2 * t.o[6] ** 2)
    assert number(r"lowest point at w₆,₉ = ([0-9.]+)", text) == pytest.approx(best, abs=1e-4)
    rows = {" ".join(r[:-7]): [float(v) for v in r[-7:]] for r in (line.split() for line in lines)
            if len(r) >= 8 and r[0] in ("too", "right", "large")}
    assert set(rows) == {"too small", "right", "large", "too large"}
    small, right, large, huge = (np.array(rows[k][1:6]) for k in ("too small", "right", "large", "too large"))
    assert np.all(np.diff(small) > 0) and small[-1] < best                          # creeping, never there
    np.testing.assert_allclose(right, best, atol=1e-3)                              # there in one step
    side = np.sign(large - best)
    assert np.all(side[1:] == -side[:-1]) and abs(large[-1] - best) < abs(1.5 - best)   # jumps over, closes in
    assert np.all(np.diff(np.abs(huge - best)) > 0) and abs(huge[-1] - best) > abs(1.5 - best)   # moves off
    assert "keep jumping over the target" in " ".join(text.split())
    check_pictures(text, tmp_path, ["one_weight.png"])


def test_median_and_mean(tmp_path):
    text = demos.run("median", out_dir=tmp_path)
    lines = check_text(text)
    y = np.random.default_rng(0).lognormal(mean=0.5, sigma=0.8, size=200)
    mean, median = y.mean(), np.median(y)
    rows = {(r[0], r[1]): float(r[2]) for r in (line.split() for line in lines)
            if len(r) == 6 and r[0] in ("squared", "absolute")}
    assert set(rows) == {("squared", "inverse_time(decay=1)"), ("squared", "constant"),
                         ("absolute", "inverse_time(decay=1)"), ("absolute", "constant")}
    assert abs(rows["squared", "inverse_time(decay=1)"] - mean) < 0.02
    assert abs(rows["absolute", "inverse_time(decay=1)"] - median) < 0.02
    assert mean - median > 0.4                                                # skewed: the two differ
    constant = abs(rows["squared", "constant"] - mean)
    assert constant > 10 * abs(rows["squared", "inverse_time(decay=1)"] - mean) and constant > 0.1
    assert number(r"mean ([0-9.]+), median", text) == pytest.approx(mean, abs=1e-4)
    assert "the optimal estimator of the MAE will be the median" in " ".join(text.split())
    check_pictures(text, tmp_path, ["median.png"])
