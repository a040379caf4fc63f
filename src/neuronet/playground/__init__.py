"""The playground: ``neuronet playground`` opens the seed's networks training live in the browser.

A front end, on top of everything else: ``session.py`` holds one tab's data, network and restarts
(training in a thread of its own, with neuronet's engine); ``app.py`` is the web layer (Starlette,
a WebSocket per tab) and the server; ``static/`` is the page (HTML, CSS and JavaScript that only
draws). Starlette and uvicorn come with the extra ``neuronet[playground]``.
"""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def create_app():
    """The Starlette application (imports the web stack; a clear message names the extra when it is missing)."""
    from .app import create_app as make  # noqa: PLC0415

    return make()


def serve(host: str = "127.0.0.1", port: int | None = None, open_browser: bool = True, quiet: bool = False):
    """Serve the playground on localhost until Ctrl-C; see :func:`neuronet.playground.app.serve`."""
    from .app import serve as run  # noqa: PLC0415

    return run(host=host, port=port, open_browser=open_browser, quiet=quiet)
