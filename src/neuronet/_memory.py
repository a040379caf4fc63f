"""Sizes are checked before allocation: refuse in one line what would not fit in memory.

A call that would allocate more than the machine has (a 10⁶ × 10⁶ layer, a million restarts, a
history of 10⁹ epochs) otherwise runs for a minute and ends in a MemoryError traceback, or
makes the machine swap. The callers estimate what they need — parameters × restarts × the
arrays kept per restart, the history, the data's copies — and :func:`require` compares it
with the memory available now: Linux's ``MemAvailable`` (what can be allocated without
swapping), else the physical memory from ``os.sysconf``.
"""

from __future__ import annotations

import os

from .errors import DataError


def available() -> int | None:
    """Bytes of memory available to allocate now, or None where the platform does not say."""
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def size_text(n: float) -> str:
    """1.5e9 -> '1.5 GB'."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


def require(needed: float, what: str, reduce: str, parts: str = "", error=DataError) -> None:
    """Raise ``error`` when ``needed`` bytes exceed the memory available.

    ``what`` is the call ("training"), ``parts`` how the estimate is made up, ``reduce`` what
    the user can make smaller ("restarts or epochs").
    """
    free = available()
    if free is None or needed <= free:
        return
    detail = f" ({parts})" if parts else ""
    raise error(f"{what} would need about {size_text(needed)} of memory{detail}, but {size_text(free)} is "
                f"available. Reduce {reduce}.")
