"""NumPy's own BLAS, callable from compiled code: gemm with α and β, in NumPy's thread pool.

numba's ``np.dot`` calls SciPy's OpenBLAS, NumPy its own: two thread pools, whose threads spin for a
while after each call and then share two cores with the other pool's (a 3.9 ms training step took
16 ms right after a NumPy matmul). And ``np.dot`` has no β: C = A·B only, so an update
θ ← θ − η·Aᵀδ is a product into a gradient array and then a pass over it. NumPy's wheels ship
OpenBLAS with its CBLAS interface exported (64-bit integers, names ``scipy_cblas_?gemm64_``); this
module finds that library, checks it on one small gemm and gemv, and makes its ``?gemm`` and ``?gemv``
(for products with one row or column, where OpenBLAS's gemm packs a whole operand for a few
microseconds of arithmetic) known to LLVM under fixed names, so the compiled loops call them
directly — the symbols are resolved when the code is loaded, so numba's on-disk cache stays valid
across processes.

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
# cblas_?gemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) and
# cblas_?gemv(order, trans, M, N, alpha, A, lda, x, incx, beta, y, incy); the arrays' addresses are
# passed as integers (pointers and integers travel in the same registers on every 64-bit ABI).
_GEMM = {dt: types.void(_I, _I, _I, _I64, _I64, _I64, dt, _U, _I64, _U, _I64, dt, _U, _I64)
         for dt in (types.float32, types.float64)}
_GEMV = {dt: types.void(_I, _I, _I64, _I64, dt, _U, _I64, _U, _I64, dt, _U, _I64)
         for dt in (types.float32, types.float64)}
sgemm = types.ExternalFunction("neuronet_sgemm", _GEMM[types.float32])
dgemm = types.ExternalFunction("neuronet_dgemm", _GEMM[types.float64])
sgemv = types.ExternalFunction("neuronet_sgemv", _GEMV[types.float32])
dgemv = types.ExternalFunction("neuronet_dgemv", _GEMV[types.float64])
_OURS = ("neuronet_sgemm", "neuronet_dgemm", "neuronet_sgemv", "neuronet_dgemv")

_NAMES = ("scipy_cblas_{}64_", "cblas_{}64_")       # ILP64 CBLAS, as NumPy's OpenBLAS wheels name it


def _numpy_blas_files() -> list[str]:
    """The OpenBLAS library files NumPy's wheel ships (Linux/Windows: numpy.libs, macOS: numpy/.dylibs)."""
    pkg = os.path.dirname(np.__file__)
    found = []
    for folder in (os.path.join(os.path.dirname(pkg), "numpy.libs"), os.path.join(pkg, ".dylibs")):
        found += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return found


def _argtypes(ctype, layout: str) -> list:
    """ctypes argument types from a letter each: i = enum (int), n = 64-bit integer, s = scalar, p = pointer."""
    kinds = {"i": ctypes.c_int, "n": ctypes.c_int64, "s": ctype, "p": ctypes.c_void_p}
    return [kinds[k] for k in layout]


def _checked(gemm, gemv, ctype, dtype) -> bool:
    """One small gemm (2×3 · (2×3)ᵀ with α, β and padded rows) and gemv (transposed, strided x) against
    NumPy: the interface is what we think."""
    A = np.arange(1, 9, dtype=dtype).reshape(2, 4)[:, :3]           # lda = 4
    B = np.arange(2, 8, dtype=dtype).reshape(2, 3)
    C = np.ones((2, 2), dtype)
    for fn, layout in ((gemm, "iiinnnspnpnspn"), (gemv, "iinnspnpnspn")):
        fn.restype = None
        fn.argtypes = _argtypes(ctype, layout)
    gemm(ROW_MAJOR, NO_TRANS, TRANS, 2, 2, 3, 2.0, A.ctypes.data, 4, B.ctypes.data, 3, 0.5, C.ctypes.data, 2)
    x = np.array([3.0, -1.0, 2.0, 5.0], dtype)                        # x = x[0::2]
    y = np.ones(3, dtype)
    gemv(ROW_MAJOR, TRANS, 2, 3, 2.0, A.ctypes.data, 4, x.ctypes.data, 2, 0.5, y.ctypes.data, 1)
    return bool(np.array_equal(C, 2.0 * A @ B.T + 0.5) and np.array_equal(y, 2.0 * A.T @ x[0::2] + 0.5))


def _find() -> tuple[int, ...] | None:
    """Addresses of NumPy's sgemm, dgemm, sgemv and dgemv (CBLAS, 64-bit integers), or None."""
    if os.environ.get("NEURONET_NUMPY_BLAS", "1") == "0":           # (to run the np.dot fallback)
        return None
    for path in _numpy_blas_files():
        try:
            lib = ctypes.CDLL(path)                                 # (already loaded by NumPy: the same one)
        except OSError:
            continue
        for name in _NAMES:
            try:
                fns = [getattr(lib, name.format(f)) for f in ("sgemm", "dgemm", "sgemv", "dgemv")]
            except AttributeError:
                continue
            if (_checked(fns[0], fns[2], ctypes.c_float, np.float32)
                    and _checked(fns[1], fns[3], ctypes.c_double, np.float64)):
                return tuple(ctypes.cast(f, ctypes.c_void_p).value for f in fns)
    return None


def _gemm_stub(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    return


def _gemv_stub(order, ta, m, n, alpha, a, lda, x, incx, beta, y, incy):
    return


def _stub_addresses() -> tuple[int, ...]:
    """Functions of gemm's and gemv's signatures that do nothing: what the names resolve to when
    AVAILABLE is False (compiled code that mentions them must still link; it never calls them then)."""
    return tuple(cfunc(sig[dt], cache=True)(stub).address for stub, sig in ((_gemm_stub, _GEMM), (_gemv_stub, _GEMV))
                 for dt in (types.float32, types.float64))


_found = _find()
AVAILABLE = _found is not None
for _name, _address in zip(_OURS, _found or _stub_addresses()):
    llvm.add_symbol(_name, _address)


# -- SciPy's BLAS (Fortran interface, 32-bit integers, every argument by address) ------------------
# numba's documented route to BLAS: scipy.linalg.cython_blas exports its functions' addresses
# (numba.extending.get_cython_function_address), wherever SciPy is installed — OpenBLAS, MKL,
# Accelerate. The addresses are bound to fixed names, as above, so the disk cache stays valid.
_F_GEMM = types.void(*([_U] * 13))       # ?gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
_F_GEMV = types.void(*([_U] * 11))       # ?gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy)
f_sgemm = types.ExternalFunction("neuronet_f_sgemm", _F_GEMM)
f_dgemm = types.ExternalFunction("neuronet_f_dgemm", _F_GEMM)
f_sgemv = types.ExternalFunction("neuronet_f_sgemv", _F_GEMV)
f_dgemv = types.ExternalFunction("neuronet_f_dgemv", _F_GEMV)


def _scipy_addresses() -> tuple[int, ...]:
    from numba.extending import get_cython_function_address

    return tuple(get_cython_function_address("scipy.linalg.cython_blas", name)
                 for name in ("sgemm", "dgemm", "sgemv", "dgemv"))


for _name, _address in zip(("neuronet_f_sgemm", "neuronet_f_dgemm", "neuronet_f_sgemv", "neuronet_f_dgemv"),
                           _scipy_addresses()):
    llvm.add_symbol(_name, _address)
