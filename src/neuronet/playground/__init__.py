"""The playground: ``neuronet playground`` opens the seed's networks training live in the browser.

A front end, on top of everything else, in the order a request goes through it:

* ``app.py``      -- the web layer (Starlette, a WebSocket per tab, downloads) and the server;
* ``session.py``  -- one tab: its settings, data, network and R restarts, training in a thread of its own;
* ``settings.py`` -- what the page may set, checked; ``data.py`` -- the examples and the plane they lie on;
  ``network.py`` -- the network the page describes, built with ``nn.Graph``;
* ``inside.py``   -- a neuron looked inside (``nn.explain``'s lines about it); ``export.py`` -- the model
  file and the script that reproduces the run;
* ``static/``     -- the page: HTML, CSS and JavaScript that only draw (no CDN, no build step).

Starlette and uvicorn come with the extra ``neuronet[playground]``; nothing here imports them
until the server starts.
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
