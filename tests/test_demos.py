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
    assert demos.NAMES == ("xor", "sine", "boolean", "multiply", "symmetry", "digits")
    assert set(demos.DESCRIPTIONS) == set(demos.NAMES)
    assert all(len(d) < 80 for d in demos.DESCRIPTIONS.values())


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
    counting = [line.split() for line in lines if re.fullmatch(r"\s+\d+\s+\d+\s+[0-9.]+(\s+\d+){3}", line)]
    assert [int(r[0]) for r in counting] == [2, 4, 6, 8, 10, 12, 14, 16]
    for n, log_functions, log_t, h, closed, universal in counting:
        n, h = int(n), int(h)
        m = 2 ** n
        assert int(log_functions) == m and int(universal) == m
        assert float(log_t) == pytest.approx(math.log2(cover(m, n + 1)), abs=0.05)
        # h units reach at least 2^(2ⁿ) functions by the count, h − 1 do not (exact integers)
        assert cover(m, n + 1) ** h * cover(m, h + 1) >= 2 ** m
        assert h == 1 or cover(m, n + 1) ** (h - 1) * cover(m, h) < 2 ** m
        assert int(closed) == -(-(m - 1) // (n * n + n + 1)) <= h
    hs = [int(r[3]) for r in counting]
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
    assert (made / "boolean_network.png").exists()
