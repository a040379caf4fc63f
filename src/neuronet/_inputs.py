"""Files neuronet reads are regular files, and are read with a bound.

A path where a file is expected may name something that never ends (``/dev/zero``), never
arrives (a FIFO nobody writes to: ``open`` alone would block forever) or is not a file at all
(a folder, a socket). :func:`open_regular` opens without blocking, checks what it opened and
refuses anything but a regular file; the readers bound how much they read by the file's size.
Standard input (``-``) is the front ends' business and never passes through here.
"""

from __future__ import annotations

import os
import stat
from typing import IO


class NotARegularFile(OSError):
    """The path names a device, FIFO, socket or folder where a file is expected."""


def open_regular(path: str | os.PathLike) -> IO[bytes]:
    """Open ``path`` for reading in binary; raise :class:`NotARegularFile` if it is not a regular file.

    The path is checked before it is opened (opening a device can act on it: a terminal, a tape),
    and what was opened is checked again (the path may have changed in between); ``O_NONBLOCK``
    makes opening a FIFO return at once instead of waiting for a writer, and changes nothing for a
    regular file. Other OSErrors (missing, permission) propagate.
    """
    _check(os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(os.fspath(path), flags)
    try:
        _check(os.fstat(fd).st_mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise NotARegularFile(f"it is {kind}, not a regular file")

