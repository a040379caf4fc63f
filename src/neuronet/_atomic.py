"""Atomic file writes: nothing that matters is ever half-written.

The bytes go to a temporary file beside the target (mode 0o666 less the umask, or the
old file's mode), are flushed and fsynced, ``os.replace`` puts the file in place, and the
folder is fsynced where the platform allows. On any failure, Ctrl-C included, the
temporary file is removed and whatever was at the path before is untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """``with atomic_open(p) as fh: fh.write(…)`` replaces ``p`` only when the block succeeds.

    OSError propagates (the caller turns it into its own error type).
    """
    path = Path(path)
    parent = path.parent
    fd, tmp = _create_temp(parent, path.name)
    done = False
    try:
        with contextlib.suppress(OSError):  # keep a mode the user chose for the old file
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    fsync_dir(parent)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path) as fh:
        fh.write(data)


def _create_temp(parent: Path, name: str) -> tuple[int, Path]:
    """A new file ``.name.<random>.tmp`` beside the target, opened for writing (mode 0o666 less umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = parent / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in '{parent}'")  # pragma: no cover


def fsync_dir(parent: Path) -> None:
    """Make the rename durable: fsync the folder (POSIX only; a no-op where folders can't be opened)."""
    if os.name == "nt":  # pragma: no cover
        return
    try:
        fd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
