"""Regenerate the pictures and text samples the README shows.

    python docs/make_figures.py

The report screenshot (docs/report.png) needs headless Chromium; it is skipped without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import neuronet as nn
from neuronet import datasets, draw
from neuronet.model.examples import running_example
from neuronet.report import write_report

DOCS = Path(__file__).resolve().parent


def main() -> None:
    net = running_example()
    draw.draw(net, DOCS / "running_example.png", title="The seed's running example (neuronet.examples)")
    # what `neuronet explain` prints on an 80-column terminal, its header lines included (tests/test_readme.py)
    explained = subprocess.run([sys.executable, "-m", "neuronet", "explain"], env={**os.environ, "COLUMNS": "80"},
                               capture_output=True, text=True, encoding="utf-8", check=True).stdout
    (DOCS / "explain.txt").write_text(explained, encoding="utf-8")

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([0, 1, 1, 0], dtype=float)
    xor = nn.mlp([2, 2, 1], hidden="logistic", output="logistic", seed=0, init="uniform")
    r = nn.train(xor, X, Y, step_size=2.0, epochs=2000, batch_size=None, restarts=100, seed=1, init="uniform")
    draw.loss_curves(r, DOCS / "xor_restarts.png")

    ds = datasets.load("moons")
    net = nn.mlp([2, 8, 2], hidden="tanh", seed=0)
    res = nn.train(net, ds.X, ds.y, loss="cross_entropy", optimizer="adam", step_size=0.02, epochs=150,
                   batch_size=32, restarts=20, seed=0)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser:
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "report.html"
            write_report(page, res, ds.X, ds.y, feature_names=ds.feature_names, task="classification",
                         class_names=ds.class_names, title="moons: 2-8-2 tanh, 20 restarts")
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", f"--user-data-dir={tmp}/profile", "--window-size=1200,1780",
                            f"--screenshot={DOCS / 'report.png'}", page.as_uri()],
                           check=True, capture_output=True, timeout=120)


if __name__ == "__main__":
    main()
