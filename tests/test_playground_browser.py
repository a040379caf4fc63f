"""The playground in a real headless Chromium (Playwright driving the system's browser).

A server runs in-process on a free port; each test opens its own tab (its own session). Waits are
on the page's state (the loss shown, the panel's text), never on a clock; the timeouts are only
generous guards for a loaded machine. Seeds are fixed, so every run trains the same restarts.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import neuronet as nn

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (`chromium` on PATH) to drive")

from neuronet.playground.app import create_app, free_port  # noqa: E402

GUARD_MS = 60_000
SCREENSHOT = os.environ.get("NEURONET_PLAYGROUND_SCREENSHOT")   # set to regenerate docs/playground.png


@pytest.fixture(scope="module")
def url():
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < end:
        time.sleep(0.02)
    assert server.started, "the playground server did not start"
    yield f"http://127.0.0.1:{server.config.port}/"
    server.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        with sync_api.sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM)
            yield b
            b.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(GUARD_MS)
    errors: list = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector('[data-testid="neuron-1"]')
    yield page
    context.close()
    assert not errors, errors


def _settle(page, **attrs):
    """Wait until the server's state for these settings has reached the page."""
    page.wait_for_selector("body" + "".join(f'[data-{k}="{v}"]' for k, v in attrs.items()))


def _loss(page) -> float:
    return float(page.get_by_test_id("loss").text_content())


def test_xor_with_four_restarts_trains_explains_and_exports(page, tmp_path):
    page.get_by_test_id("dataset").select_option("moons")
    _settle(page, dataset="moons")
    page.get_by_test_id("dataset").select_option("xor")
    _settle(page, dataset="xor")
    page.get_by_test_id("restarts").fill("4")
    page.get_by_test_id("restarts").press("Tab")
    _settle(page, dataset="xor", restarts=4)
    page.get_by_test_id("train").click()
    page.wait_for_function("parseFloat(document.querySelector('[data-testid=loss]').textContent) < 0.05",
                           timeout=GUARD_MS)
    page.get_by_test_id("pause").click()
    _settle(page, running="false")                   # the frame after the last chunk landed: nothing moves now
    assert page.locator("#leaderboard tbody tr").count() == 4
    assert page.locator("#multiples canvas").count() == 4

    # look inside hidden neuron 4 for example 0: its δ, written out as nn.explain writes it
    page.get_by_test_id("neuron-4").click()
    panel = page.get_by_test_id("explain")
    sync_api.expect(panel).to_contain_text("δ_4 = f_4'(z_4)·")
    title = page.locator("#explain-title").text_content()
    shown = float(re.search(r"δ_4 = (\S+)", title).group(1))

    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    path = tmp_path / "playground-model.json"
    download.value.save_as(path)
    net = nn.load(path)
    assert len(net.inputs) == 2 and len(net.outputs) == 2
    with page.expect_download() as download:
        page.get_by_test_id("export-code").click()
    script = Path(download.value.path()).read_text()
    assert "nn.train(net, X[train], Y[train]" in script and "restarts=4" in script
    X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    Y = np.eye(2)[[0, 1, 1, 0]]
    assert net.loss(X, Y) == pytest.approx(_loss(page), rel=1e-3)          # the model is the best restart
    delta = nn.explain(net, X[0], Y[0]).deltas[4]
    assert shown == pytest.approx(delta, rel=1e-3, abs=1e-12)

    # a click near the corner (1, 1) of the neuron's plane explains that example, the fourth
    page.get_by_test_id("neuron-plane").click(position={"x": 195, "y": 5})
    sync_api.expect(page.locator("#explain-title")).to_contain_text("example 3:")
    shown = float(re.search(r"δ_4 = (\S+)", page.locator("#explain-title").text_content()).group(1))
    assert shown == pytest.approx(nn.explain(net, X[3], Y[3]).deltas[4], rel=1e-3, abs=1e-12)
    page.screenshot(path=SCREENSHOT or tmp_path / "playground.png", full_page=True)

    page.get_by_test_id("reset").click()             # back to the starting weights
    sync_api.expect(page.get_by_test_id("epoch")).to_have_text("0")
    assert _loss(page) > 0.05


def test_upload_a_csv_choose_columns_and_train(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n")
    page.get_by_test_id("upload").set_input_files(bad)
    sync_api.expect(page.get_by_test_id("message")).to_contain_text("bad.csv, line 3")

    rng = np.random.default_rng(0)
    rows = ["note,height,weight,species"]
    for k in range(60):
        c = k % 2
        h, w = rng.normal([150 + 30 * c, 50 + 25 * c], 4)
        rows.append(f"n{k},{h:.2f},{w:.2f},{'cat' if c else 'dog'}")
    good = tmp_path / "animals.csv"
    good.write_text("\n".join(rows) + "\n")
    page.get_by_test_id("upload").set_input_files(good)
    sync_api.expect(page.get_by_test_id("column-x1")).to_have_value("height")
    sync_api.expect(page.get_by_test_id("column-target")).to_have_value("species")
    page.get_by_test_id("use-columns").click()
    _settle(page, dataset="csv")
    page.get_by_test_id("train").click()
    page.wait_for_function("parseFloat(document.querySelector('[data-testid=loss]').textContent) < 0.05",
                           timeout=GUARD_MS)
    page.get_by_test_id("pause").click()
    _settle(page, running="false")
    assert int(page.get_by_test_id("epoch").text_content()) > 0
    assert page.get_by_test_id("message").is_hidden()


def test_click_a_point_onto_the_plane_and_connect_two_neurons_across_layers(page):
    _settle(page, dataset="xor", points=4)
    page.get_by_test_id("click-class").select_option("1")
    page.get_by_test_id("boundary").click(position={"x": 180, "y": 180})      # the middle of the plane
    _settle(page, dataset="xor", points=5)
    page.get_by_test_id("add-layer").click()
    _settle(page, neurons=13)                        # x₁ x₂ 1 | 4 hidden, 1 | 2 hidden, 1 | 2 outputs
    page.get_by_test_id("connect").click()
    page.get_by_test_id("neuron-1").click()
    page.get_by_test_id("neuron-12").click()         # input 1 straight to output 12: a non-layered network
    sync_api.expect(page.locator("#extra-edges")).to_contain_text("1 → 12")
    sync_api.expect(page.locator("#network path")).to_have_count(1)
    page.get_by_test_id("step").click()
    sync_api.expect(page.get_by_test_id("epoch")).to_have_text("1")

    page.get_by_test_id("restarts").fill("0")        # refused: a message, and the control shows what holds
    page.get_by_test_id("restarts").press("Tab")
    sync_api.expect(page.get_by_test_id("message")).to_contain_text("restarts must be a whole number from 1 to 16")
    sync_api.expect(page.get_by_test_id("restarts")).to_have_value("3")


def test_a_number_to_fit_over_the_plane(page, tmp_path):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-2, 2, (2, 80))
    rows = ["a,<b>b</b>,value"] + [f"{u:.3f},{v:.3f},{u * v + 0.01 * k:.4f}" for k, (u, v) in enumerate(zip(a, b))]
    (tmp_path / "surface.csv").write_text("\n".join(rows) + "\n")
    page.get_by_test_id("upload").set_input_files(tmp_path / "surface.csv")
    sync_api.expect(page.get_by_test_id("column-target")).to_have_value("value")
    sync_api.expect(page.get_by_test_id("column-x2")).to_have_value("<b>b</b>")   # a name is text, never markup
    page.get_by_test_id("use-columns").click()
    _settle(page, dataset="csv")
    assert page.get_by_test_id("output").input_value() == "identity"       # a number: the output follows
    page.get_by_test_id("step-size").fill("0.05")
    page.get_by_test_id("step-size").press("Tab")
    page.get_by_test_id("step").click()              # the tab's messages are handled in order: after η = 0.05
    sync_api.expect(page.get_by_test_id("epoch")).to_have_text("1")
    assert 0 < _loss(page) < 10 and page.get_by_test_id("message").is_hidden()
    page.get_by_test_id("neuron-4").click()
    sync_api.expect(page.get_by_test_id("explain")).to_contain_text("δ_4 =")
