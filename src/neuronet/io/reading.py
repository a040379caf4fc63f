"""DATA as the command line and the library take it: a CSV file by path (the fast reader from 2 MiB on),
a smaller file, standard input or a text stream (the csv module), or the name of a built-in data set."""

from __future__ import annotations

import difflib
import io
import os
import sys
from pathlib import Path
from typing import TextIO

from ..errors import DataError
from .table import Table, from_dataset, read_bytes_stream, read_stream, regular_file


# Files smaller than this are read by the csv module, like standard input: the same table and the same
# messages (tests/test_table_read.py holds both readers to that), without numba. Measured on the 2-core
# machine (import + read + fit + transform, numba's cache warm), 23 columns: at 2.1 MiB (10,700 rows)
# 0.60–0.67 s fast reader, 0.45–0.52 s csv module; at 4.3 MiB (22,000 rows) 0.61 s and 0.73 s. With an
# empty numba cache (a new install, a first `neuronet train data.csv`) the fast reader first compiles
# for 11 s, which a small file should never pay.
SMALL_FILE = 2 << 20


def read_csv(source: str | os.PathLike | TextIO, name: str | None = None, keep_text=()) -> Table:
    """Read a CSV file with a header row into a :class:`Table`.

    Parameters
    ----------
    source : path or file object
        The file; ``-`` reads standard input. Text is UTF-8 (a byte-order mark is skipped).
    name : str, optional
        How to call the file in messages (default: the path, or ``<stdin>``).
    keep_text : names
        Columns whose cells are also kept exactly as written (``Table.raw``), e.g. ids to copy out.

    Raises
    ------
    DataError
        For a path that is not a regular file, bytes that are not UTF-8, an empty file, a
        header without data rows, a row with the wrong number of fields, an unclosed quote,
        an over-long field or line, or a duplicated column name.
    """
    if isinstance(source, (str, os.PathLike)) and str(source) == "-":
        return read_csv(sys.stdin, name or "<stdin>", keep_text)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or str(path)
        size = regular_file(path, name)
        if size < SMALL_FILE:                     # no compiling for a small file (see SMALL_FILE)
            with open(path, "rb") as fh:
                return read_bytes_stream(fh, name, keep_text)
        from . import fastcsv  # noqa: PLC0415  (numba is imported only to read a file)

        return fastcsv.read_path(path, name, size, keep_text)
    name = name or getattr(source, "name", None) or "<data>"
    if not isinstance(name, str):
        name = "<data>"
    raw = getattr(source, "buffer", None)
    if raw is None and isinstance(source, (io.RawIOBase, io.BufferedIOBase)):
        raw = source                               # a binary stream
    if raw is not None:                            # bytes (stdin's): decoded like a file, read a line at a time
        return read_bytes_stream(raw, name, keep_text)
    try:                                           # a text stream: read_stream reads it a bounded line at a time
        return read_stream(source, name, 0, keep_text)
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}). Send UTF-8 text.") from None


def open_data(spec: str, stdin: TextIO | None = None, keep_text=()) -> Table:
    """DATA as the command line takes it: a CSV path, ``-`` for standard input, or a built-in data set name.

    A file that exists wins over a data set of the same name. Generated data sets are
    loaded with seed 0, so that a name always means the same rows.
    """
    from . import datasets  # noqa: PLC0415 (datasets imports scikit-learn lazily)

    if spec == "-":
        return read_csv(stdin if stdin is not None else sys.stdin, "<stdin>", keep_text)
    path = Path(spec)
    if os.path.lexists(path):
        return read_csv(path, keep_text=keep_text)
    key = spec.strip().lower().replace("-", "_")
    if key in datasets.names():
        return from_dataset(datasets.load(key, seed=0))
    close = difflib.get_close_matches(key, datasets.names(), n=1)
    hint = f" Did you mean the data set {close[0]!r}?" if close else ""
    raise DataError(f"{spec!r} is neither a file nor a built-in data set.{hint} Give the path of a CSV file, "
                    f"'-' for standard input, or one of: {', '.join(datasets.names())}.")
