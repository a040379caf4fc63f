"""write_report(): one self-contained HTML file, checked as text and rendered in headless Chromium."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

import neuronet as nn
from neuronet import datasets
from neuronet.errors import DataError
from neuronet.seeing.report import compute_metrics, write_report


class Collect(HTMLParser):
    """Every tag with its attributes, and the text of table cells."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self._cell = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._cell = tag in ("td", "th")
        if self._cell:
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = False

    def handle_data(self, data):
        if self._cell:
            self.cells[-1] += data


def parse(text: str) -> Collect:
    p = Collect()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def moons_run():
    ds = datasets.load("moons", seed=0, n_samples=120)
    net = nn.mlp([2, 4, 2], hidden="tanh", seed=0)
    res = nn.train(net, ds.X, ds.y, loss="cross_entropy", optimizer="adam", step_size=0.05, epochs=40,
                   batch_size=32, restarts=6, seed=0)
    return ds, res


@pytest.fixture(scope="module")
def moons_report(moons_run, tmp_path_factory):
    ds, res = moons_run
    path = tmp_path_factory.mktemp("report") / "moons.html"
    out = write_report(path, res, ds.X, ds.y, feature_names=ds.feature_names, class_names=ds.class_names,
                       title="Two moons <test>", data_summary=ds.description)
    return out, ds, res


def test_one_self_contained_file(moons_report):
    path, ds, res = moons_report
    assert path.exists() and [p.name for p in path.parent.iterdir()] == ["moons.html"]   # no temp file left
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    doc = parse(text)
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) == 5       # network, loss curves, confusion matrix, decision boundary, neuron outputs
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,") and a.get("alt")
        png = base64.b64decode(a["src"].split(",", 1)[1], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    for t, a in doc.tags:                    # nothing to fetch: no external scripts, styles, images, links
        assert t not in ("script", "link", "iframe")
        for key in ("src", "href"):
            assert not re.match(r"\s*(https?:|//|file:)", a.get(key, "") or ""), (t, a)
    assert "Two moons &lt;test&gt;" in text          # text is escaped
    assert ds.description in text


def test_contents_leaderboard_and_metrics(moons_report):
    path, ds, res = moons_report
    doc = parse(path.read_text(encoding="utf-8"))
    cells = [c.strip() for c in doc.cells]
    for heading in ("rank", "restart", "loss", "epochs run", "status", "feature", "class", "metric"):
        assert heading in cells
    # the leaderboard lists every restart, best first, the best one marked
    start = cells.index("status") + 1
    table = [cells[start + 5 * k: start + 5 * (k + 1)] for k in range(res.restarts)]
    assert [int(r[0]) for r in table] == list(range(1, res.restarts + 1))
    assert [int(r[1]) for r in table] == [int(k) for k in res.ranking()]
    assert int(table[0][1]) == res.best
    assert any(t == "tr" and a.get("class") == "best" for t, a in doc.tags)
    # metrics computed from X and y
    acc = float(np.mean(res.network.forward(ds.X).argmax(axis=1) == ds.y))
    assert f"{acc:.2%}" in cells
    assert "upper" in cells and "lower" in cells and "x1" in cells
    # balanced accuracy and the per-class table, from the one metrics module
    m = compute_metrics(res.network, ds.X, ds.y, "classification", "cross_entropy", ds.class_names)
    assert m["accuracy"] == pytest.approx(acc) and f"{m['balanced_accuracy']:.2%}" in cells
    assert "precision" in cells and "recall" in cells and "F1" in cells


def test_regression_one_input_and_given_metrics(tmp_path):
    X = np.linspace(-3, 3, 40)[:, None]
    y = np.sin(X[:, 0])
    res = nn.train(nn.mlp([1, 5, 1], hidden="tanh", seed=1), X, y, optimizer="adam", step_size=0.05, epochs=30,
                   batch_size=None, restarts=3, seed=1)
    m = compute_metrics(res.network, X, y, "regression")
    err = res.network.forward(X)[:, 0] - y
    assert m["rmse"] == pytest.approx(np.sqrt(np.mean(err ** 2)))
    assert m["r2"] == pytest.approx(1 - np.sum(err ** 2) / np.sum((y - y.mean()) ** 2))
    path = write_report(tmp_path / "sine.html", res, X, y)
    text = path.read_text(encoding="utf-8")
    doc = parse(text)
    assert len([1 for t, _ in doc.tags if t == "img"]) == 3    # network, losses, predicted vs actual; no plane
    assert "regression" in text and "RMSE" in text and "input plane" not in text
    assert "predicted against actual" in text
    # given metrics and no data; writing again replaces the file atomically
    path = write_report(tmp_path / "sine.html", res, metrics={"test accuracy": 0.5, "note": "held out"})
    text = path.read_text(encoding="utf-8")
    assert "test accuracy" in text and "held out" in text and "No data was given" in text
    assert '<div class="k">test accuracy</div><div class="v">50.0%</div>' in text     # the headline card
    assert "<td class=\"n\">50.00%</td>" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sine.html"]


def test_a_report_in_the_datas_own_terms(tmp_path):
    """Columns in their own units, training and validation loss to the epochs run, names in the drawing."""
    from neuronet.seeing import draw
    from neuronet.seeing.report import loss_figure

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 2))
    price = 250_000 + 60_000 * X[:, 0] - 20_000 * X[:, 1]
    y = (price - price.mean()) / price.std()
    res = nn.train(nn.mlp([2, 4, 1], hidden="tanh", seed=0), X[:90], y[:90], optimizer="adam", step_size=0.05,
                   epochs=300, batch_size=None, restarts=3, seed=0, validation_data=(X[90:], y[90:]),
                   early_stopping=True, patience=5, tol=1e-3)
    ran = int(res.epochs_run.max())
    assert ran < 300                                               # early stopping ended every restart
    fig, caption = loss_figure(res)
    curves = [ax for ax in fig.axes if ax.get_xlabel() == "epoch"]
    assert [ax.get_title() for ax in curves] == ["training loss per epoch", "validation loss per epoch"]
    assert all(ax.get_xlim() == (1, max(ran, 2)) for ax in curves)
    assert f"stopped by epoch {ran} of 300" in caption

    area = np.array([1200.0, np.nan, 800.0] * 40)
    columns = {"area_sqft": area, "neighbourhood": ["Downtown", None, "Riverside"] * 40}
    pred = price.mean() + price.std() * res.network.forward(X)[:, 0]
    path = write_report(tmp_path / "house.html", res, X, y, feature_names=["area_sqft", "neighbourhood=Downtown"],
                        task="regression", columns=columns, target_name="price",
                        splits={"training": (price[:90], pred[:90]), "validation": (price[90:], pred[90:])})
    text = path.read_text(encoding="utf-8")
    cells = [c.strip() for c in parse(text).cells]
    assert "Columns (in their own units)" in text and "Target (in its own units)" in text
    row = cells[cells.index("area_sqft"):cells.index("area_sqft") + 8]
    assert row[:7] == ["area_sqft", "number", "40", "800", "1,000", "200", "1,200"]
    assert "neighbourhood" in cells and any("Downtown (50%)" in c for c in cells)
    assert f"{price.mean():,.0f}" in cells                          # the target's mean, in its own units
    m = nn.metrics.regression(price[90:], pred[90:])
    assert nn.metrics.number(m["rmse"]) in cells and "validation RMSE" in cells
    assert "predicted against actual" in text and "validation loss" in text

    net = res.network
    fig = draw.draw(net, names={net.inputs[0]: "area_sqft", net.inputs[1]: "neighbourhood=Downtown East Side",
                                net.outputs[0]: "price"})
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"area_sqft", "price", "neighbou…East Side"} <= texts
    assert draw.abbreviate("neighbourhood=Downtown East Side") == "neighbou…East Side"


def test_mistakes_are_clear_errors(tmp_path, moons_run):
    ds, res = moons_run
    with pytest.raises(DataError, match="result of neuronet.train"):
        write_report(tmp_path / "r.html", res.network)
    with pytest.raises(DataError, match="does not exist"):
        write_report(tmp_path / "missing" / "r.html", res)
    with pytest.raises(DataError, match="input neurons"):
        write_report(tmp_path / "r.html", res, ds.X[:, :1], ds.y)
    with pytest.raises(DataError, match="rows"):
        write_report(tmp_path / "r.html", res, ds.X, ds.y[:-1])
    with pytest.raises(DataError, match="without X"):
        write_report(tmp_path / "r.html", res, None, ds.y)
    with pytest.raises(DataError, match="task"):
        write_report(tmp_path / "r.html", res, task="clustering")
    assert not list(tmp_path.iterdir())


# -- rendered in a browser ------------------------------------------------------------------------------
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message || e.type)); }, true);
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  document.title = 'PROBE' + JSON.stringify({widths: imgs.map(function (i) { return i.naturalWidth; }),
    heights: imgs.map(function (i) { return i.naturalHeight; }), errors: window.__errors,
    height: document.body.scrollHeight, tables: document.querySelectorAll('table').length});
});
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def headless(browser: str, profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--hide-scrollbars", f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_renders_in_headless_chromium(moons_report, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("no chromium binary (apt-get install -y chromium)")
    path, ds, res = moons_report
    probe = tmp_path / "probe.html"                      # a copy with a script that reports what loaded
    probe.write_text(path.read_text(encoding="utf-8").replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    run = headless(browser, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    found = re.search(r"<title>PROBE(.*?)</title>", run.stdout)
    assert found, f"the page did not finish loading: {run.stderr[-2000:]}"
    info = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert info["errors"] == []
    assert len(info["widths"]) == 5 and all(w > 100 for w in info["widths"]) and all(h > 100 for h in info["heights"])
    assert info["tables"] >= 4 and info["height"] > 2000
    shot = tmp_path / "shot.png"
    headless(browser, tmp_path / "profile2", "--window-size=1200,1600", f"--screenshot={shot}", path.as_uri())
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_command_lines_report_speaks_in_the_tables_terms(tmp_path):
    """`neuronet train --report`: column statistics and the target in their own units, class names drawn."""
    import csv

    from typer.testing import CliRunner

    from neuronet.cli import app

    rng = np.random.default_rng(3)
    rows = [[f"{1000 + 500 * k:,}" if k % 10 else "", ["red", "blue"][k % 2], ["cheap", "dear"][(k // 2) % 2]]
            for k in range(60)]
    with open(tmp_path / "shop.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["price", "colour", "class"], *rows])
    rng.shuffle(rows)
    r = CliRunner().invoke(app, ["train", str(tmp_path / "shop.csv"), "--target", "class", "--epochs", "15",
                                 "--restarts", "2", "--engine", "matrix", "--out", str(tmp_path / "m.json"),
                                 "--report", str(tmp_path / "r.html"), "-q"])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    cells = [c.strip() for c in parse(text).cells]
    row = cells[cells.index("price"):cells.index("price") + 7]
    prices = [1000 + 500 * k for k in range(60) if k % 10]
    assert row == ["price", "number", "6", "1,500", nn.metrics.number(float(np.mean(prices))),
                   nn.metrics.number(float(np.std(prices))), "30,500"]       # '1,500' cells read as numbers
    assert "Classes of class" in text and "Confusion matrix (validation rows)" in text
    assert "validation balanced accuracy" in cells
