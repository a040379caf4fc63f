"""The playground's server, without a browser: sessions, the WebSocket protocol, downloads, the command.

Starlette's TestClient drives the application in-process. Nothing here waits on a clock: a run is
either a fixed number of epochs (the server stops by itself) or paused (``pause`` returns once the
chunk in flight has landed), and polling loops end on a state, with a generous deadline only as a
guard against a hang.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import neuronet as nn

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import warnings  # noqa: E402

with warnings.catch_warnings():   # starlette ≥ 1.0 would rather have httpx2 than httpx for its TestClient
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient  # noqa: E402

from neuronet.playground.app import create_app, serve  # noqa: E402
from neuronet.playground.data import grid  # noqa: E402
from neuronet.playground.inside import neuron_lines  # noqa: E402
from neuronet.playground.session import Session, SettingError  # noqa: E402

# starlette ≥ 1.0 warns that its TestClient would rather have httpx2 than httpx
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

GUARD = 60.0   # seconds: only a hang ever gets near this
WS = "ws://127.0.0.1/ws"       # the Host the playground answers (TestClient would say "testserver")


@pytest.fixture
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1") as c:
        yield c


def _until(ws, pred, what):
    """Messages from the socket until one satisfies ``pred`` (errors fail the test, naming ``what``)."""
    end = time.monotonic() + GUARD
    while time.monotonic() < end:
        m = ws.receive_json()
        if pred(m):
            return m
    pytest.fail(f"no message for {what} within {GUARD} s")


def _open(ws):
    hello = ws.receive_json()
    state = ws.receive_json()
    assert hello["type"] == "hello" and state["type"] == "state"
    return hello["session"], state


def _wait_idle(s: Session):
    end = time.monotonic() + GUARD
    while time.monotonic() < end:
        with s.lock:
            if not s.running and not s.steps_wanted and not s.busy:
                return
        time.sleep(0.01)
    pytest.fail("the run did not end")


# -- the session ----------------------------------------------------------------------------------------
def test_seed_numbering_colours_and_a_non_layered_edge():
    s = Session("t")
    try:
        s.configure({"hidden": [2, 2], "activations": ["logistic", "relu"], "extra_edges": [[1, 8]]})
        st = s.state()
        kinds = {n["id"]: n["kind"] for n in st["network"]["neurons"]}
        # layer 1: inputs 1, 2 and bias 3; layer 2: 4, 5 and bias 6; layer 3: 7, 8 and bias 9; outputs 10, 11
        assert kinds == {1: "input", 2: "input", 3: "bias", 4: "hidden", 5: "hidden", 6: "bias", 7: "hidden",
                         8: "hidden", 9: "bias", 10: "output", 11: "output"}
        colours = {n["kind"]: n["color"] for n in st["network"]["neurons"]}
        assert colours == {"input": "#93d394", "bias": "#8dbbe8", "hidden": "#eeeeee", "output": "#f29a90"}
        assert [1, 8] in st["network"]["edges"] and not st["network"]["layered"]
        symbols = {n["id"]: n["symbol"] for n in st["network"]["neurons"]}
        assert symbols[1] == "x₁" and symbols[3] == "1" and symbols[4] == "σ" and symbols[7] == "relu"
        with pytest.raises(SettingError, match="skip at least one layer"):
            s.configure({"hidden": [2], "activations": ["tanh"], "extra_edges": [[1, 4]]})
        with pytest.raises(SettingError, match="no neuron 99"):
            s.configure({"extra_edges": [[1, 99]]})
    finally:
        s.close()


def test_one_step_is_one_epoch_and_the_run_stops_at_its_epochs():
    s = Session("t")
    try:
        s.configure({"epochs": 40, "restarts": 3})
        s.step()
        _wait_idle(s)
        assert s.epoch == 1 and len(s.curves) == 2
        s.start()
        _wait_idle(s)
        assert s.epoch == 40 and s.status == ["done"] * 3
        with pytest.raises(SettingError, match="done its 40 epochs"):
            s.start()
        s.configure({**s.settings, "step_size": 99.0, "loss": "squared", "output": "identity"})
        s.start()
        _wait_idle(s)                                 # every restart diverges: a message, and the run stops
        assert s.status == ["diverged"] * 3 and "Every restart diverged" in s.take_message()
        s.reset()
        assert s.epoch == 0 and s.status == ["training"] * 3
    finally:
        s.close()


def _snippet_result(code: str, folder: Path, monkeypatch):
    monkeypatch.chdir(folder)
    scope: dict = {}
    exec(compile(code, "playground_run.py", "exec"), scope)        # noqa: S102 - our own generated code
    return scope["result"]


@pytest.mark.parametrize("settings", [
    {"dataset": "moons", "samples": 40, "batch_size": 40, "optimizer": "adam", "step_size": 0.05},
    {"dataset": "circles", "samples": 60, "batch_size": 7, "optimizer": "sgd", "step_size": 0.3,
     "schedule": "inverse_time", "test_fraction": 0.25},
    {"dataset": "spirals", "samples": 50, "batch_size": 1, "optimizer": "adam", "step_size": 0.02,
     "schedule": "cosine", "loss": "cross_entropy", "output": "identity"},
], ids=["full-batch", "minibatches", "per-example-cosine"])
def test_a_run_is_reproduced_by_its_snippet_bit_for_bit(tmp_path, monkeypatch, settings):
    """The playground makes the snippet's own nn.train call, so every restart's weights agree to the bit:
    shuffled minibatches, a schedule that reads the run's length, held-out rows and a stop part-way."""
    s = Session("t")
    try:
        s.configure({**settings, "epochs": 30, "restarts": 3, "seed": 7})
        s.start()
        _wait_idle(s)
        assert s.epoch == 30 and s.status == ["done"] * 3
        ended = [net.theta for net in s.nets]
        model, code = s.model_file(), s.snippet()
        s.reset()
        fresh = s.snippet().splitlines()                # not trained yet: the whole run, said before the call
        compile("\n".join(fresh), "fresh.py", "exec")
        call = next(i for i, line in enumerate(fresh) if line.startswith("result = nn.train("))
        assert fresh[call - 1].startswith("# The playground has not trained yet; this runs the 30 epochs")
        for _ in range(4):                              # paused part-way: four single epochs
            s.step()
        _wait_idle(s)
        assert s.epoch == 4 and not s.finished
        paused, code_paused = [net.theta for net in s.nets], s.snippet()
    finally:
        s.close()
    result = _snippet_result(code, tmp_path, monkeypatch)
    for k in range(3):
        np.testing.assert_array_equal(result.theta[k], ended[k])
    np.testing.assert_array_equal(result.network.theta, model.theta)
    assert nn.load(tmp_path / "playground.json").weights == model.weights
    assert "callback" in code_paused and "callback" not in code
    result = _snippet_result(code_paused, tmp_path, monkeypatch)
    assert list(result.epochs_run) == [4, 4, 4]
    for k in range(3):
        np.testing.assert_array_equal(result.theta[k], paused[k])


def test_look_inside_every_kind_of_neuron():
    s = Session("t")
    try:
        net = s.nets[int(np.argmin(s.losses))]
        x = s.data.X[2]
        for j, kind in ((1, "input"), (3, "bias"), (4, "hidden"), (9, "output")):
            e = s.inspect(j, 2)
            assert e["kind"] == kind and len(e["plane"]) == 48 * 48
            assert e["o"] == pytest.approx(net.trace(x).o[j])
        assert e["lines"][0].startswith("z_9 = w_4,9·o_4") and any(ln.startswith("δ_9 =") for ln in e["lines"])
        np.testing.assert_allclose(s.inspect(1, 2)["plane"], grid(s.data.X, 48)[:, 0])     # input 1 is x₁
        assert s.inspect(3, 2)["plane"] == [1.0] * 48 * 48 and s.inspect(3, 2)["delta"] is None
    finally:
        s.close()


def test_neuron_lines_pick_the_neurons_own_sums():
    e = nn.explain()                                  # the seed's running example
    lines = neuron_lines(e.text(width=80, max_neurons=None), 4)
    assert lines[0].startswith("z_4 = w_1,4·o_1 + w_2,4·o_2")
    assert any(ln.startswith("δ_4 = f_4'(z_4)·(w_4,6·δ_6 + w_4,7·δ_7)") for ln in lines)
    assert any("= 0.1625" in ln for ln in lines)      # δ_4's value, on the sum's continuation line
    assert any(ln.startswith("∂L/∂w_1,4 = δ_4·o_1") for ln in lines)
    assert not any(ln.startswith(("z_3", "δ_6", "∂L/∂w_3,6")) for ln in lines)


# -- the web layer ------------------------------------------------------------------------------------------
def test_bad_upload_and_bad_settings_are_messages_and_the_server_goes_on(client):
    with client.websocket_connect(WS) as ws:
        _open(ws)
        ws.send_json({"op": "upload", "name": "broken.csv", "text": "a,b,c\n1,2,3\n4,5\n"})
        m = ws.receive_json()
        assert m["type"] == "error" and "broken.csv, line 3" in m["message"]
        ws.send_json({"op": "upload", "name": "words.csv", "text": "a,b,c\nx,y,1\nz,w,0\n"})
        m = ws.receive_json()
        assert m["type"] == "error" and "two numeric columns" in m["message"]
        ws.send_json({"op": "settings", "settings": {"dataset": "csv"}})
        assert "Upload a CSV file first" in ws.receive_json()["message"]
        ws.send_json({"op": "settings", "settings": {"restarts": 0}})
        assert "restarts must be a whole number from 1 to 16; received 0" in ws.receive_json()["message"]
        ws.send_json({"op": "settings", "settings": {"dataset": "sine", "loss": "cross_entropy"}})
        st = _until(ws, lambda m: m["type"] == "state", "sine")     # to a regression: output and loss follow
        assert st["settings"]["output"] == "identity" and st["settings"]["loss"] == "squared"
        ws.send_json({"op": "settings", "settings": {**st["settings"], "loss": "cross_entropy"}})
        assert "is a regression" in _until(ws, lambda m: m["type"] == "error", "the loss refused")["message"]
        ws.send_text("not json")
        assert "not JSON" in ws.receive_json()["message"]
        ws.send_json({"op": "inspect", "neuron": 42, "example": 0})
        assert "no neuron 42" in ws.receive_json()["message"]
        for bad in ({"op": "settings", "settings": {"hidden": "abc"}}, {"op": "settings", "settings": [1]},
                    {"op": "settings", "settings": {"extra_edges": [[1, True]]}}, {"op": "add_point", "x": 5},
                    {"op": "inspect", "neuron": "x"}, {"op": "upload", "name": None}, {"op": "fly"}, [1, 2]):
            ws.send_json(bad)
            m = ws.receive_json()
            assert m["type"] == "error" and "bug" not in m["message"], (bad, m)
        # … and the same connection still works
        ws.send_json({"op": "upload", "name": "good.csv", "text": "u,v,label\n0,0,a\n1,1,a\n0,1,b\n1,0,b\n"})
        m = _until(ws, lambda m: m["type"] == "columns", "the columns")
        assert m["numeric"] == ["u", "v"] and m["suggest"] == {"x": ["u", "v"], "target": "label"}
        ws.send_json({"op": "settings", "settings": {"dataset": "csv", "columns": {"x": ["u", "v"], "target": "label"}}})
        st = _until(ws, lambda m: m["type"] == "state", "the CSV's state")
        assert st["data"]["classes"] == ["a", "b"] and st["data"]["source"] == "good.csv"


def test_two_sessions_are_isolated_and_a_run_stops(client):
    with client.websocket_connect(WS) as a, client.websocket_connect(WS) as b:
        sid_a, _ = _open(a)
        sid_b, _ = _open(b)
        assert sid_a != sid_b
        a.send_json({"op": "settings", "settings": {"dataset": "circles", "restarts": 2, "epochs": 100_000}})
        _until(a, lambda m: m["type"] == "state", "a's new state")
        a.send_json({"op": "start"})
        _until(a, lambda m: m["type"] == "progress" and m["epoch"] > 0, "a training")
        a.send_json({"op": "pause"})
        paused = _until(a, lambda m: m["type"] == "progress" and not m["running"], "a paused")
        sessions = client.app.state.sessions
        sa, sb = sessions.get(sid_a), sessions.get(sid_b)
        assert sa.epoch == paused["epoch"] > 0 and not sa.busy          # stopped, and nothing in flight
        assert sb.epoch == 0 and sb.settings["dataset"] == "xor" and len(sb.nets) == 3
        b.send_json({"op": "step"})
        frame = _until(b, lambda m: m["type"] == "progress" and m["epoch"] == 1, "b's one step")
        assert len(frame["leaderboard"]) == 3 and sa.epoch == paused["epoch"]
    end = time.monotonic() + GUARD                       # closing a tab ends its session and its thread
    while sessions.get(sid_a) is not None and time.monotonic() < end:
        time.sleep(0.01)
    sa.thread.join(GUARD)
    assert sessions.get(sid_a) is None and sa.closed and not sa.thread.is_alive()


def test_export_is_a_model_file_for_nn_load_and_neuronet_predict(client, tmp_path):
    from typer.testing import CliRunner

    from neuronet.cli import app

    with client.websocket_connect(WS) as ws:
        sid, _ = _open(ws)
        ws.send_json({"op": "settings", "settings": {"epochs": 300}})
        _until(ws, lambda m: m["type"] == "state", "the state")
        ws.send_json({"op": "start"})
        _until(ws, lambda m: m["type"] == "progress" and m["epoch"] == 300 and not m["running"], "300 epochs")
        r = client.get(f"/session/{sid}/model.json")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        path = tmp_path / "model.json"
        path.write_bytes(r.content)
        code = client.get(f"/session/{sid}/run.py").text
        assert "nn.train(net, X[train], Y[train]" in code and "restarts=3" in code and "epochs=300" in code
    net = nn.load(path)
    assert net.forward([-1.0, 1.0]).shape == (2,)
    out = CliRunner().invoke(app, ["predict", str(path), "xor"])      # the built-in xor's 0/1 corners
    assert out.exit_code == 0, out.output
    assert out.stdout.split() == ["predicted_xor", "0", "1", "1", "0"]
    assert client.get("/session/nope/model.json").status_code == 404


def test_only_this_machine_and_the_playgrounds_own_page_are_answered(client):
    from starlette.websockets import WebSocketDisconnect

    assert client.get("/", headers={"host": "evil.example"}).status_code == 400        # DNS rebinding
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(WS, headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()
    assert closed.value.code == 1008
    with client.websocket_connect(WS, headers={"origin": "http://localhost:8000"}) as ws:
        assert ws.receive_json()["type"] == "hello"


def test_serve_refuses_other_hosts_and_a_busy_port():
    with pytest.raises(SettingError, match="this machine only"):
        serve(host="0.0.0.0", open_browser=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(SettingError, match="Cannot listen on 127.0.0.1"):
            serve(port=busy.getsockname()[1], open_browser=False)


@pytest.mark.parametrize("given, port", [([], None), (["--port", "0"], 0), (["--port", "8765"], 8765)])
def test_command_port_zero_means_a_free_port_as_the_default_does(monkeypatch, given, port):
    """``--port 0`` is the usual spelling of "any free port": serve binds port 0 and reports the one it got."""
    from typer.testing import CliRunner

    import neuronet.playground
    from neuronet.cli import app

    calls = []
    monkeypatch.setattr(neuronet.playground, "serve", lambda **kw: calls.append(kw))
    r = CliRunner().invoke(app, ["playground", "--no-browser", *given])
    assert r.exit_code == 0, r.output
    assert calls == [{"port": port, "open_browser": False}]
    refused = CliRunner().invoke(app, ["playground", "--no-browser", "--port", "-1"])
    assert refused.exit_code == 2 and not calls[1:]


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_command_prints_the_url_serves_and_stops_cleanly_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(Path(nn.__file__).parents[1])}
    with subprocess.Popen([sys.executable, "-m", "neuronet", "playground", "--no-browser"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as p:
        try:
            line = p.stdout.readline()              # the URL is printed once the socket listens
            assert line.startswith("neuronet playground: http://127.0.0.1:"), line
            import httpx
            from websockets.sync.client import connect

            url = line.split()[2]
            assert 'data-testid="network"' in httpx.get(url, timeout=GUARD).text
            with connect(url.replace("http", "ws") + "ws", open_timeout=GUARD) as tab:   # a tab, training
                assert json.loads(tab.recv(timeout=GUARD))["type"] == "hello"
                tab.send(json.dumps({"op": "start"}))
                while json.loads(tab.recv(timeout=GUARD)).get("epoch", 0) == 0:
                    pass
                p.send_signal(signal.SIGINT)
                assert p.wait(timeout=GUARD) == 0
            assert "stopped" in p.stderr.read()
        finally:
            if p.poll() is None:
                p.kill()


def test_clicked_points_join_the_training_data():
    s = Session("t")
    try:
        s.step()
        _wait_idle(s)
        s.add_point([0.5, 0.5], 1)
        assert len(s.data.y) == 5 and s.data.y[-1] == 1 and s.epoch == 0       # the run starts again
        s.configure({**s.settings, "restarts": 2})
        assert len(s.data.y) == 5                                               # kept while the data set stays
        with pytest.raises(SettingError, match="Class 7 does not exist"):
            s.add_point([0.0, 0.0], 7)
        with pytest.raises(SettingError, match="2 finite coordinate"):
            s.add_point([0.0], 0)
        s.configure({**s.settings, "dataset": "moons"})
        assert len(s.data.y) == 200                                             # another data set: gone
    finally:
        s.close()


def test_csv_model_file_predicts_the_csv_with_neuronet_predict(tmp_path):
    from typer.testing import CliRunner

    from neuronet.cli import app

    rows = ["id,length,width,kind"] + [f"r{k},{10 + 5 * (k % 2) + 0.1 * k},{3 + 2 * (k % 2)},{'big' if k % 2 else 'small'}"
                                       for k in range(20)]
    (tmp_path / "shapes.csv").write_text("\n".join(rows) + "\n")
    s = Session("t")
    try:
        cols = s.upload("shapes.csv", "\n".join(rows) + "\n")
        assert cols["numeric"] == ["length", "width"] and cols["suggest"]["target"] == "kind"
        s.configure({"dataset": "csv", "columns": {"x": ["length", "width"], "target": "kind"}, "epochs": 200,
                     "optimizer": "adam", "step_size": 0.05})
        s.start()
        _wait_idle(s)
        s.model_file().save(tmp_path / "model.json")
    finally:
        s.close()
    out = CliRunner().invoke(app, ["predict", str(tmp_path / "model.json"), str(tmp_path / "shapes.csv")])
    assert out.exit_code == 0, out.output
    assert out.stdout.split()[1:] == ["big" if k % 2 else "small" for k in range(20)]
    model = nn.load_model(tmp_path / "model.json")                  # and from Python, the same predictions
    assert list(model.predict(tmp_path / "shapes.csv")) == ["big" if k % 2 else "small" for k in range(20)]


def test_the_page_stack_stays_optional():
    """``import neuronet.playground`` and the command line load no web stack; without it the command says
    which extra to install."""
    code = ("import sys; import neuronet.playground, neuronet.cli; "
            "print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules)); "
            "sys.modules['starlette'] = None; from neuronet.cli import main; main(['playground', '--no-browser'])")
    env = {**os.environ, "PYTHONPATH": str(Path(nn.__file__).parents[1])}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=GUARD)
    assert p.stdout.splitlines()[0] == "[]"
    assert p.returncode == 1 and "pip install 'neuronet[playground]'" in p.stderr, p.stderr


def test_the_browser_opens_on_a_desktop_and_a_hint_is_printed_without_one(monkeypatch, capsys):
    import webbrowser

    from neuronet.playground import app as web

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    monkeypatch.setattr(web.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    web._open_browser("http://127.0.0.1:1/")
    assert opened == ["http://127.0.0.1:1/"]
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    web._open_browser("http://127.0.0.1:1/")                  # a text browser would take over the terminal
    assert opened == ["http://127.0.0.1:1/"] and "open the URL above" in capsys.readouterr().out
