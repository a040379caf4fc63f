"""Atomic file writes: nothing that matters is ever half-written, and nothing that is not ours is replaced.

The bytes go to a temporary file beside the target, are flushed and fsynced, ``os.replace``
puts the file in place, and the folder is fsynced where the platform allows. On any failure,
Ctrl-C included, the temporary file is removed and whatever was at the path before is untouched.

The rules for the target, which make a whole class of accidents impossible:

* **Regular files only.** A path that exists and is not a regular file (a device such as
  ``/dev/null``, a FIFO, a socket, a folder) is refused: replacing it by rename would destroy
  the node (as root, ``/dev/null`` itself).
* **Symlinks are followed.** The write goes where the link points (the link stays a link) and
  the new file keeps that file's mode.
* **Only what the caller recognises is replaced**: ``atomic_open(p, may_replace=test)`` refuses
  when ``p`` exists and ``test(p)`` is false (a checkpoint never replaces a model file).
* **Orphans are cleaned up.** A process killed mid-write (SIGKILL, power loss) leaves its
  temporary file behind. Ours are named ``.NAME.<pid>-<random>.tmp`` (pid and 12 random digits,
  in hex); each write to ``NAME`` first removes the files of that exact pattern whose process is
  gone: no process with that pid runs, or the one that does started after the file was last
  written (the pid was reused). Files of the pattern earlier versions used, ``.NAME.<random>.tmp``
  (12 hex digits, no pid), are removed once they are older than the machine's last boot or a
  day (``LEGACY_AGE``); no write takes that long. A file being written by a live process is never
  touched, nor is any file whose name matches neither pattern.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import IO, Callable, Iterator

LEGACY_AGE = 24 * 3600    # seconds after which a temporary file of the old pattern is an orphan


class NotRegularFileError(OSError):
    """The target exists and is not a regular file, or is a file the caller does not own."""


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, *, may_replace: Callable[[Path], bool] | None = None,
                what: str = "file") -> Iterator[IO[bytes]]:
    """``with atomic_open(p) as fh: fh.write(…)`` replaces ``p`` only when the block succeeds.

    OSError propagates (the caller turns it into its own error type); a target that breaks the
    rules above raises :class:`NotRegularFileError`, an OSError whose ``strerror`` says why.
    """
    path = target(path, may_replace, what)
    parent = path.parent
    remove_orphans(path)
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


def target(path: str | os.PathLike, may_replace: Callable[[Path], bool] | None = None,
           what: str = "file") -> Path:
    """Where a write to ``path`` goes (a symlink's target), checked against the rules; raises if refused."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        if exc.errno == errno.ELOOP:      # a loop of symlinks: replacing one would break the loop's owner's links
            raise NotRegularFileError(errno.ELOOP, "it is a loop of symbolic links, not a file", str(path)) from None
        return path                       # unreadable: let the write itself say why
    if not stat.S_ISREG(st.st_mode):
        kind = "folder" if stat.S_ISDIR(st.st_mode) else "device, FIFO or socket"
        raise NotRegularFileError(errno.EINVAL, f"it exists and is a {kind}, not a regular file; neuronet writes "
                                                f"only to regular files (give the path of a {what})", str(path))
    if may_replace is not None and not may_replace(path):
        raise NotRegularFileError(errno.EEXIST, f"it exists and is not a {what}; it was left as it is (choose "
                                                "another path, or remove that file yourself)", str(path))
    return path


def _create_temp(parent: Path, name: str) -> tuple[int, Path]:
    """A new file ``.name.<pid>-<random>.tmp`` beside the target, opened for writing (mode 0o666 less umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = parent / f".{name}.{os.getpid():x}-{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in '{parent}'")  # pragma: no cover


def remove_orphans(path: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``path`` whose process is gone; return them."""
    pattern = re.compile(r"\." + re.escape(path.name) + r"\.(?:([0-9a-f]{1,16})-)?[0-9a-f]{12}\.tmp")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        tmp = path.parent / name
        try:
            st = os.lstat(tmp)
            if not stat.S_ISREG(st.st_mode):
                continue
            if m.group(1) is None:     # the old pattern: no pid to ask
                if st.st_mtime > time.time() - LEGACY_AGE and st.st_mtime > (_boot_time() or 0.0):
                    continue
            elif _process_alive_since(int(m.group(1), 16), st.st_mtime):
                continue
            os.unlink(tmp)
            removed.append(tmp)
        except OSError:   # gone already, or not ours to remove
            continue
    return removed


def _process_alive_since(pid: int, mtime: float) -> bool:
    """Whether the process that wrote a file last modified at ``mtime`` may still be running as ``pid``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True    # it exists (another user's): leave its files alone
    started = _start_time(pid)
    return started is None or started <= mtime + 2.0   # 2 s: the clock-tick and boot-time rounding


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), from Linux's /proc; None where unknown."""
    boot = _boot_time()
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])     # field 22, starttime
        return None if boot is None else boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _boot_time() -> float | None:
    """When the machine booted (seconds since the epoch), from Linux's /proc/stat; None where unknown."""
    try:
        with open("/proc/stat", "rb") as f:
            return float(next(int(line.split()[1]) for line in f if line.startswith(b"btime ")))
    except (OSError, ValueError, IndexError, StopIteration):
        return None


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
