"""numba's disk cache, keyed by every source file of the engine package.

numba caches a compiled function on disk under a stamp of its own file only. The engines' kernels
are built from helpers in other files (``kernels.py``: every activation, loss and update rule),
and numba compiles those helpers *into* the caller's machine code; so a change to a helper left
the callers' cached code as it was, and the old arithmetic ran on, unnoticed, until the cache was
emptied (a flipped sign in the squared loss's gradient passed the tests with a warm cache).

This module registers a cache locator (numba's documented extension point,
``numba.core.caching``'s locator classes) that claims the functions defined in this package and
stamps them with one hash of all the package's ``.py`` files. The cache files stay where numba
would put them (``NUMBA_CACHE_DIR``, else ``__pycache__`` beside the file, else the user's cache
folder): only the stamp changes, so any edit of any engine source makes every engine function
recompile on its next use. Hashing the package's sources (~100 KB) costs well under a
millisecond, once per process.
"""

from __future__ import annotations

import functools
import hashlib
import os

from numba.core import caching

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def _stamp(package: str, listing: tuple) -> bytes:
    """SHA-256 over the package's source files (names and contents), for one listing of (name, mtime, size)."""
    h = hashlib.sha256()
    for name, _, _ in listing:
        h.update(name.encode() + b"\0")
        with open(os.path.join(package, name), "rb") as fh:
            h.update(fh.read())
        h.update(b"\0")
    return h.digest()


def source_stamp(package: str = _PACKAGE) -> bytes:
    """The stamp of the package's sources now (re-hashed when a file's time or size changed)."""
    listing = []
    for name in sorted(os.listdir(package)):
        if name.endswith(".py"):
            st = os.stat(os.path.join(package, name))
            listing.append((name, st.st_mtime_ns, st.st_size))
    return _stamp(package, tuple(listing))


class PackageSourceLocator(caching._CacheLocator):
    """numba's own choice of cache folder for a function of this package, with the package's stamp."""

    def __init__(self, inner):
        self._inner = inner                                   # the locator numba would have used

    def ensure_cache_path(self):
        self._inner.ensure_cache_path()

    def get_cache_path(self):
        return self._inner.get_cache_path()

    def get_disambiguator(self):
        return self._inner.get_disambiguator()

    def get_source_stamp(self):
        return source_stamp(), self._inner.get_source_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if os.path.dirname(os.path.abspath(py_file)) != _PACKAGE:
            return None                                       # not ours: numba's locators decide
        for other in _impl_class()._locator_classes:
            if other is not cls:
                inner = other.from_function(py_func, py_file)
                if inner is not None:
                    return cls(inner)
        return None


def _impl_class():
    return getattr(caching, "CacheImpl", None) or caching._CacheImpl     # (the name before numba 0.61)


def register() -> None:
    """Put the locator first in numba's list (once); an explicit NUMBA_CACHE_LOCATOR_CLASSES still wins."""
    classes = _impl_class()._locator_classes
    if PackageSourceLocator not in classes:
        classes.insert(0, PackageSourceLocator)


register()
