"""BLAS for the compiled loops: gemm with α and β and gemv, from NumPy's own OpenBLAS where NumPy's wheels
ship one, else from SciPy's BLAS through ``scipy.linalg.cython_blas``.

Both are the Fortran interface (column-major, every argument passed by address). SciPy exports the
addresses of its BLAS functions to Cython, and ``numba.extending.get_cython_function_address`` reads
them (numba's documented route): that works wherever SciPy installs, whatever BLAS it was built with
(OpenBLAS, MKL, Accelerate). NumPy's wheels bundle an OpenBLAS of their own and export its Fortran
interface with 64-bit integers (``scipy_dgemm_64_``…); where that library is there and passes a check
it is used instead, chosen by measurement: on the small products of the digits benchmark (32×64·64×10)
it was 6–22 % faster than SciPy's bundled OpenBLAS (an older build) in 5 of 6 runs, and 5–20 % of a
whole epoch through ``nn.train`` (benchmarks/README.md, "One BLAS route"); one library also means one
thread pool for NumPy's own products and the loops'. ``NEURONET_BLAS=scipy`` forces SciPy's.

The integer arguments live in an int64 array; a 32-bit interface (SciPy's) reads the low half of
each, which on a little-endian machine is the same number (all are far below 2³¹). On a big-endian
machine only SciPy's route is used, at the low half's address (``INT_OFFSET``).

The addresses are made known to LLVM under fixed names (``neuronet_f_?gemm``, ``neuronet_f_?gemv``),
which the compiled code calls as external functions: the names are resolved when the code is
loaded, so numba's disk cache stays valid across processes and whichever library is found.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys

import llvmlite.binding as llvm
import numpy as np
from numba import types
from numba.extending import get_cython_function_address

NO_TRANS, TRANS = 111, 112                      # how a row-major operand is read (CBLAS's enum values)
INT_OFFSET = 0 if sys.byteorder == "little" else 4   # where a 32-bit BLAS finds an int64 argument's value
_U = types.uintp                                # every argument is an address
_GEMM = types.void(*([_U] * 13))                # ?gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
_GEMV = types.void(*([_U] * 11))                # ?gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy)
sgemm = types.ExternalFunction("neuronet_f_sgemm", _GEMM)
dgemm = types.ExternalFunction("neuronet_f_dgemm", _GEMM)
sgemv = types.ExternalFunction("neuronet_f_sgemv", _GEMV)
dgemv = types.ExternalFunction("neuronet_f_dgemv", _GEMV)
_NAMES = ("sgemm", "dgemm", "sgemv", "dgemv")


def _numpy_openblas() -> dict | None:
    """The addresses of NumPy's bundled OpenBLAS's ?gemm/?gemv (ILP64 Fortran interface), if its wheel has
    one and a small product through it agrees with NumPy's; else None."""
    if sys.byteorder != "little" or os.environ.get("NEURONET_BLAS", "").lower() == "scipy":
        return None
    base = os.path.dirname(np.__file__)
    for path in sorted(glob.glob(base + ".libs/libscipy_openblas64_*")
                       + glob.glob(os.path.join(base, ".dylibs", "libscipy_openblas64_*"))):
        try:
            lib = ctypes.CDLL(path)
            found = {n: ctypes.cast(getattr(lib, f"scipy_{n}_64_"), ctypes.c_void_p).value for n in _NAMES}
        except (OSError, AttributeError):
            continue
        if _agrees(found["dgemm"]):
            return found
    return None


def _agrees(dgemm_address: int) -> bool:
    """One 3×4 · 4×2 product (column-major, α = 2, β = 0.5) through the ILP64 dgemm against NumPy."""
    rng = np.random.default_rng(0)
    A, B = np.asfortranarray(rng.standard_normal((3, 4))), np.asfortranarray(rng.standard_normal((4, 2)))
    C = np.asfortranarray(rng.standard_normal((3, 2)))
    want = 2.0 * A @ B + 0.5 * C
    i64, f64, ch = ctypes.c_int64, ctypes.c_double, ctypes.c_char
    fn = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * 13))(dgemm_address)
    n_, m_, k_ = i64(3), i64(2), i64(4)
    args = [ch(b"N"), ch(b"N"), n_, m_, k_, f64(2.0)]
    refs = [ctypes.byref(a) for a in args]
    fn(*refs, A.ctypes.data, ctypes.byref(i64(3)), B.ctypes.data, ctypes.byref(i64(4)), ctypes.byref(f64(0.5)),
       C.ctypes.data, ctypes.byref(i64(3)))
    return bool(np.allclose(C, want, rtol=1e-12, atol=1e-12))


_numpy = _numpy_openblas()
LIBRARY = "numpy" if _numpy is not None else "scipy"          # which BLAS the compiled loops call
for _name in _NAMES:
    llvm.add_symbol(f"neuronet_f_{_name}", _numpy[_name] if _numpy is not None
                    else get_cython_function_address("scipy.linalg.cython_blas", _name))
