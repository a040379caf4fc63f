"""Files neuronet reads are regular files, and are read with a bound.

A path where a file is expected may name something that never ends (``/dev/zero``), never
arrives (a FIFO nobody writes to: ``open`` alone would block forever) or is not a file at all
(a folder, a socket). :func:`open_regular` opens without blocking, checks what it opened and
refuses anything but a regular file; :func:`read_bounded` reads at most a given number of
bytes. Standard input (``-``) is the front ends' business and never passes through here.
"""

from __future__ import annotations

import os
import stat
from typing import IO


class NotARegularFile(OSError):
    """The path names a device, FIFO, socket or folder where a file is expected."""


def open_regular(path: str | os.PathLike) -> IO[bytes]:
    """Open ``path`` for reading in binary; raise :class:`NotARegularFile` if it is not a regular file.

    ``O_NONBLOCK`` makes opening a FIFO return at once instead of waiting for a writer; for a
    regular file the flag changes nothing. Other OSErrors (missing, permission) propagate.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(os.fspath(path), flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
            raise NotARegularFile(f"it is {kind}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of regular file ``path``; raise :class:`NotARegularFile` for non-files and ValueError past ``limit``."""
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(f"it holds {size:,} bytes, more than a {what} may ({limit:,})")
        data = f.read(limit + 1)
    if len(data) > limit:   # grew while we read
        raise ValueError(f"it holds more than {limit:,} bytes, more than a {what} may")
    return data

