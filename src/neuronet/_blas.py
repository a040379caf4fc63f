"""NumPy's own BLAS, callable from compiled code: gemm with α and β, in NumPy's thread pool.

numba's ``np.dot`` calls SciPy's OpenBLAS, NumPy its own: two thread pools, whose threads spin for a
while after each call and then share two cores with the other pool's (a 3.9 ms training step took
16 ms right after a NumPy matmul). And ``np.dot`` has no β: C = A·B only, so an update
θ ← θ − η·Aᵀδ is a product into a gradient array and then a pass over it. NumPy's wheels ship
OpenBLAS with its CBLAS interface exported (64-bit integers, names ``scipy_cblas_?gemm64_``); this
module finds that library, checks it on one small product, and makes its ``sgemm``/``dgemm`` known to
LLVM under fixed names, so the compiled loops call it directly — the symbol is resolved when the code
is loaded, so numba's on-disk cache stays valid across processes.

Where NumPy's BLAS is something else (MKL, Accelerate, a system library with other names), the names
are bound to a stub that is never called and ``AVAILABLE`` is False: the compiled loops then keep
numba's ``np.dot``.
"""

from __future__ import annotations

import ctypes
import glob
import os

import llvmlite.binding as llvm
import numpy as np
from numba import cfunc, types

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112          # CBLAS enum values
_I, _I64, _U = types.intc, types.int64, types.uintp
# cblas_?gemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); the arrays' addresses
# are passed as integers (pointers and integers travel in the same registers on every 64-bit ABI).
_SIG = {dt: types.void(_I, _I, _I, _I64, _I64, _I64, dt, _U, _I64, _U, _I64, dt, _U, _I64)
        for dt in (types.float32, types.float64)}
sgemm = types.ExternalFunction("neuronet_sgemm", _SIG[types.float32])
dgemm = types.ExternalFunction("neuronet_dgemm", _SIG[types.float64])

_NAMES = ("scipy_cblas_{}gemm64_", "cblas_{}gemm64_")   # ILP64 CBLAS, as NumPy's OpenBLAS wheels name it


def _numpy_blas_files() -> list[str]:
    """The OpenBLAS library files NumPy's wheel ships (Linux/Windows: numpy.libs, macOS: numpy/.dylibs)."""
    pkg = os.path.dirname(np.__file__)
    found = []
    for folder in (os.path.join(os.path.dirname(pkg), "numpy.libs"), os.path.join(pkg, ".dylibs")):
        found += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return found


def _checked(fn, ctype, dtype) -> bool:
    """One 2×3 · (2×3)ᵀ product with α, β and padded rows, against NumPy: the interface is what we think."""
    A = np.arange(1, 9, dtype=dtype).reshape(2, 4)[:, :3]           # lda = 4
    B = np.arange(2, 8, dtype=dtype).reshape(2, 3)
    C = np.ones((2, 2), dtype)
    fn.restype = None
    fn.argtypes = [ctypes.c_int] * 3 + [ctypes.c_int64] * 3 + [ctype, ctypes.c_void_p, ctypes.c_int64,
                                                                 ctypes.c_void_p, ctypes.c_int64, ctype,
                                                                 ctypes.c_void_p, ctypes.c_int64]
    fn(ROW_MAJOR, NO_TRANS, TRANS, 2, 2, 3, 2.0, A.ctypes.data, 4, B.ctypes.data, 3, 0.5, C.ctypes.data, 2)
    return bool(np.array_equal(C, 2.0 * A @ B.T + 0.5))


def _find() -> tuple[int, int] | None:
    """Addresses of NumPy's sgemm and dgemm (CBLAS, 64-bit integers), or None."""
    if os.environ.get("NEURONET_NUMPY_BLAS", "1") == "0":           # (to run the np.dot fallback)
        return None
    for path in _numpy_blas_files():
        try:
            lib = ctypes.CDLL(path)                                 # (already loaded by NumPy: the same one)
        except OSError:
            continue
        for name in _NAMES:
            try:
                fs, fd = getattr(lib, name.format("s")), getattr(lib, name.format("d"))
            except AttributeError:
                continue
            if _checked(fs, ctypes.c_float, np.float32) and _checked(fd, ctypes.c_double, np.float64):
                return (ctypes.cast(fs, ctypes.c_void_p).value, ctypes.cast(fd, ctypes.c_void_p).value)
    return None


def _stub(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    return


def _stub_addresses() -> tuple[int, int]:
    """Functions of gemm's signature that do nothing: what the names resolve to when AVAILABLE is False
    (compiled code that mentions them must still link; it never calls them then)."""
    return tuple(cfunc(_SIG[dt], cache=True)(_stub).address for dt in (types.float32, types.float64))


_found = _find()
AVAILABLE = _found is not None
for _name, _address in zip(("neuronet_sgemm", "neuronet_dgemm"), _found or _stub_addresses()):
    llvm.add_symbol(_name, _address)
