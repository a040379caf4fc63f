"""The playground's web layer: the page, a WebSocket per tab, downloads, and the server.

Protocol (JSON over the WebSocket ``/ws``). The server speaks first, ``{"type": "hello",
"session": id}``, then ``state`` (data, network, settings). The page sends ``{"op": …}``:

=============  =============================================  ========================================
op             fields                                         answer
=============  =============================================  ========================================
settings       settings (any of ``session.DEFAULTS``)         state (the run is reset)
start / pause  --                                             progress, streamed while training
step / reset   --                                             progress
add_point      x (list), label                                state
upload         name, text (the CSV file's text)               columns (to choose from), or error
inspect        neuron (id), example (row)                     explain
=============  =============================================  ========================================

``progress`` (loss of every restart, curves, leaderboard, boundaries, the best weights) is sent
whenever the training thread changed something, at most ``FRAME_SECONDS`` apart. Any mistake is
``{"type": "error", "message": …}`` in the page; the server never dies of one.

Each connection is its own :class:`~neuronet.playground.session.Session` (two tabs never share
state); closing the tab stops its training thread. Downloads: ``/session/{id}/model.json`` (a
model file for ``neuronet predict`` and ``nn.load``) and ``/session/{id}/run.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import sys
import threading
import traceback
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

from neuronet.errors import NeuronetError

from .session import Session, SettingError

try:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket, WebSocketDisconnect
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise NeuronetError("The playground needs Starlette and uvicorn: pip install 'neuronet[playground]'.") from exc

STATIC = Path(__file__).parent / "static"
FRAME_SECONDS = 0.1          # progress frames to the page: at most ten a second
MAX_MESSAGE = 4_000_000      # bytes of one message from the page (an upload is one)


class Sessions:
    """The open tabs' sessions by id. Downloads look a session up; a closed tab's session is gone."""

    def __init__(self):
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self) -> Session:
        s = Session(secrets.token_urlsafe(12))
        with self._lock:
            self._by_id[s.sid] = s
        return s

    def get(self, sid: str) -> Session | None:
        with self._lock:
            return self._by_id.get(sid)

    def close(self, s: Session) -> None:
        s.close()
        with self._lock:
            self._by_id.pop(s.sid, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_id)

    def close_all(self) -> None:
        with self._lock:
            sessions, self._by_id = list(self._by_id.values()), {}
        for s in sessions:
            s.close()


def _handle(s: Session, msg: dict) -> list[dict]:
    """Carry out one message from the page (in a worker thread); the messages to send back."""
    op = msg.get("op")
    if op == "settings":
        s.configure(msg.get("settings"))
        return [s.state(), s.snapshot()]
    if op in ("start", "pause", "step", "reset"):
        getattr(s, op)()
        return [s.snapshot()]
    if op == "add_point":
        s.add_point(msg.get("x"), msg.get("label"))
        return [s.state(), s.snapshot()]
    if op == "upload":
        return [{"type": "columns", **s.upload(msg.get("name"), msg.get("text"))}]
    if op == "inspect":
        return [s.inspect(msg.get("neuron"), msg.get("example"))]
    raise SettingError(f"Unknown message {op!r}; the page sends settings, start, pause, step, reset, add_point, "
                       "upload or inspect.")


LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _local(origin: str | None) -> bool:
    """A WebSocket opened by the playground's own page (or by no page at all), not by another web site:
    browsers let any page open a socket to localhost, so the Origin header is checked."""
    return origin is None or urlsplit(origin).hostname in LOCAL_HOSTS


async def _session_socket(ws: WebSocket) -> None:
    if not _local(ws.headers.get("origin")):
        await ws.close(code=1008, reason="The playground answers its own page only.")
        return
    await ws.accept()
    sessions: Sessions = ws.app.state.sessions
    s = await asyncio.to_thread(sessions.open)
    send_lock = asyncio.Lock()

    async def send(obj: dict) -> None:
        async with send_lock:
            await ws.send_text(json.dumps(obj, allow_nan=False))

    async def stream() -> None:
        """Progress frames while anything changes; errors from the training thread as messages."""
        sent = -1
        while True:
            await asyncio.sleep(FRAME_SECONDS)
            message = s.take_message()
            if message:
                await send({"type": "error", "message": message})
            if s.version != sent:
                sent = s.version
                await send(await asyncio.to_thread(s.snapshot))

    streamer = None
    try:
        await send({"type": "hello", "session": s.sid})
        await send(await asyncio.to_thread(s.state))
        streamer = asyncio.create_task(stream())
        while True:
            text = await ws.receive_text()
            try:
                if len(text) > MAX_MESSAGE:
                    raise SettingError(f"That message is {len(text) // 1_000_000} MB; the playground takes files "
                                       f"up to {MAX_MESSAGE // 2_000_000} MB.")
                try:
                    msg = json.loads(text)
                except json.JSONDecodeError:
                    raise SettingError("The page sent a message that is not JSON.") from None
                if not isinstance(msg, dict):
                    raise SettingError("The page sent a message that is not an object.")
                for reply in await asyncio.to_thread(_handle, s, msg):
                    await send(reply)
            except NeuronetError as exc:
                await send({"type": "error", "message": str(exc)})
            except Exception as exc:  # a bug: say so in the page and keep the tab's session alive
                traceback.print_exc()
                await send({"type": "error", "message": f"The playground hit a bug ({type(exc).__name__}: {exc}); "
                                                        "the details are in the terminal that runs it."})
    except WebSocketDisconnect:
        pass
    finally:
        if streamer is not None:
            streamer.cancel()
        sessions.close(s)


def _download(kind: str):
    async def endpoint(request):
        s = request.app.state.sessions.get(request.path_params["sid"])
        if s is None:
            return PlainTextResponse("No such session: the tab was closed or the server restarted. Reload the page.",
                                     status_code=404)
        try:
            if kind == "model":
                net = await asyncio.to_thread(s.model_file)
                body = await asyncio.to_thread(_model_bytes, net)
                return Response(body, media_type="application/json",
                                headers={"Content-Disposition": 'attachment; filename="playground-model.json"'})
            return PlainTextResponse(s.snippet(), headers={"Content-Disposition": 'attachment; filename="playground_run.py"'})
        except NeuronetError as exc:
            return PlainTextResponse(str(exc), status_code=400)
    return endpoint


def _model_bytes(net) -> bytes:
    """The model file's bytes, exactly as ``net.save(path)`` writes a .json file."""
    import tempfile  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        net.save(path)
        return path.read_bytes()


async def _index(request):
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def _health(request):
    return JSONResponse({"sessions": len(request.app.state.sessions)})


def create_app() -> Starlette:
    """The playground as an ASGI application (what the tests drive, and ``serve`` runs).

    Requests must name this machine as their Host (127.0.0.1 or localhost): a web site that points
    a name of its own at 127.0.0.1 ("DNS rebinding") gets an error, not the playground.
    """
    app = Starlette(middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(LOCAL_HOSTS))], routes=[
        Route("/", _index),
        Route("/health", _health),
        Route("/session/{sid}/model.json", _download("model")),
        Route("/session/{sid}/run.py", _download("snippet")),
        WebSocketRoute("/ws", _session_socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    app.state.sessions = Sessions()
    return app


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _open_browser(url: str) -> None:
    """Open the page in the desktop's browser. Without a display (a server, a container) Python would
    start a text browser inside this terminal, so then the URL printed above is the way in."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("neuronet playground: no display here; open the URL above in a browser on this machine.", flush=True)
        return
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        print("neuronet playground: could not start a browser; open the URL above.", flush=True)


def serve(host: str = "127.0.0.1", port: int | None = None, open_browser: bool = True, quiet: bool = False):
    """Serve the playground until Ctrl-C, on localhost only; print the URL and open the browser.

    The socket is bound here, before uvicorn starts, so a port in use is one clear message and a
    free port (``port=None``) cannot be taken by someone else between choosing and binding.
    """
    import uvicorn  # noqa: PLC0415

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SettingError(f"The playground serves this machine only (127.0.0.1); received host={host!r}.")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port or 0))
    except OSError as exc:
        sock.close()
        raise SettingError(f"Cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}. Choose another --port, or "
                           "leave it out for a free one.") from None
    sock.listen(128)                        # from here on a browser's request waits in the queue, not refused
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    app = create_app()
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_MESSAGE + 1000, timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    print(f"neuronet playground: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Thread(target=_open_browser, args=(url,), daemon=True).start()
    try:
        server.run(sockets=[sock])          # uvicorn handles Ctrl-C: it stops accepting, closes the sockets …
    except KeyboardInterrupt:               # … and raises it again once it has: stopping is the normal end
        pass
    finally:
        app.state.sessions.close_all()      # every training thread ends
        sock.close()
    if not quiet:
        print("neuronet playground: stopped.", file=sys.stderr)
    return url
