"""The command line: ``neuronet train | predict | evaluate | show | export | explain | demo | data | playground``.

A thin layer over the library: each command parses its arguments, calls
:mod:`neuronet.io.tabular` (CSV files and preprocessing), :func:`neuronet.train` and the model
files, and prints. DATA is a CSV file with a header row, ``-`` for standard input, or the name of
a built-in data set (``neuronet data list``).

One module per group of commands: ``train.py``; ``use.py`` (predict, evaluate, show, export);
``teach.py`` (explain, demo); ``data.py``; ``sweep.py``; ``playground.py``. ``_app.py`` holds the application object, the error
handling every command shares and the argument parsers.

Every mistake a user can make ends in one line on stderr, ``error: <what, where, what to
do>``, and exit code 1 (2 for a malformed command line); Ctrl-C during training exits
with 130 and prints the command that resumes from the last checkpoint.
"""

from __future__ import annotations

import os
from typing import Optional

# Each module registers its commands when imported; ``neuronet --help`` lists them in this order.
from . import train  # noqa: F401  isort: skip
from . import use  # noqa: F401  isort: skip
from . import teach  # noqa: F401  isort: skip
from . import data  # noqa: F401  isort: skip
from . import sweep  # noqa: F401  isort: skip
from . import playground  # noqa: F401  isort: skip
from ._app import app, parse_hidden, parse_schedule  # noqa: F401

__all__ = ["app", "main"]


def main(argv: Optional[list[str]] = None) -> None:
    """The ``neuronet`` console script."""
    # numba formats its internal typing messages with colorama when that is installed, and colorama then
    # writes a colour reset (ESC[0m) to the terminal at exit: the command line prints nothing raw.
    os.environ.setdefault("NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING", "1")
    app(args=argv, prog_name="neuronet")
