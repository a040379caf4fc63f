"""The error types neuronet raises for mistakes a user can fix.

Every one is a ``ValueError`` (or ``RuntimeError`` for training failures), so code
that already catches the builtin keeps working; the command line catches
``NeuronetError`` and prints its message without a traceback.
"""

from __future__ import annotations


class NeuronetError(Exception):
    """Base class of every error neuronet raises on purpose.

    ``cli``, when given, is the same message in the command line's words (``--batch-size 0``
    where the library says ``batch_size=None``); the command line prints it instead.
    """

    def __init__(self, *args, cli: str | None = None):
        super().__init__(*args)
        self.cli = cli


class GraphError(NeuronetError, ValueError):
    """The graph of neurons and edges is not a valid feed-forward network."""


class DataError(NeuronetError, ValueError):
    """Input data (X, Y, a CSV file) has the wrong shape, type or values."""


class ModelFileError(NeuronetError, ValueError):
    """A model or checkpoint file is not a valid neuronet file."""


class TrainingError(NeuronetError, RuntimeError):
    """Training could not produce a usable network (for example every restart diverged)."""


class CheckpointWarning(UserWarning):
    """A checkpoint could not be written; training went on and its result is returned as usual."""
