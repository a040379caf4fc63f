"""``neuronet playground``: the seed's networks training live in the browser (a local server)."""

from __future__ import annotations

from typing import Optional

import typer

from ._app import app, _handled


@app.command()
@_handled
def playground(
    port: Optional[int] = typer.Option(None, "--port", min=0, max=65535,
                                       help="Listen on this port (default, or 0: a free one)."),
    browser: bool = typer.Option(True, "--browser/--no-browser", help="Open the page in the web browser."),
) -> None:
    """Open the playground: data, network, R restarts training live, every neuron explained (127.0.0.1 only).

    Needs the extra: pip install 'neuronet[playground]'. Ctrl-C stops the server.
    """
    from ..playground import serve  # noqa: PLC0415  (Starlette and uvicorn load only here)

    serve(port=port, open_browser=browser)
