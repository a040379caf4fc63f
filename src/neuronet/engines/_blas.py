"""BLAS for the compiled loops: SciPy's, through ``scipy.linalg.cython_blas``, gemm with α and β and gemv.

numba's documented route to BLAS: SciPy exports the addresses of its BLAS functions (Fortran
interface: column-major, 32-bit integers, every argument passed by address) to Cython, and
``numba.extending.get_cython_function_address`` reads them. That works wherever SciPy installs,
whatever BLAS it was built with (OpenBLAS, MKL, Accelerate). Unlike numba's ``np.dot`` the loops get
gemm's β (an SGD update θ ← θ − η·Aᵀδ accumulates straight into the weights) and gemv (for
products into one row or column, where gemm packs a whole operand for little arithmetic), without
numba's checks and temporaries per call.

The addresses are made known to LLVM under fixed names (``neuronet_f_?gemm``, ``neuronet_f_?gemv``),
which the compiled code calls as external functions: the names are resolved when the code is
loaded, so numba's disk cache stays valid across processes (a function pointer baked into the
code would not be).

The choice among three routes (this one, NumPy's bundled OpenBLAS bound by symbol, numba's
``np.dot``) was measured by ``benchmarks/bench_blas.py``; see benchmarks/README.md.
"""

from __future__ import annotations

import llvmlite.binding as llvm
from numba import types
from numba.extending import get_cython_function_address

NO_TRANS, TRANS = 111, 112                      # how a row-major operand is read (CBLAS's enum values)
_U = types.uintp                                # every argument is an address
_GEMM = types.void(*([_U] * 13))                # ?gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
_GEMV = types.void(*([_U] * 11))                # ?gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy)
sgemm = types.ExternalFunction("neuronet_f_sgemm", _GEMM)
dgemm = types.ExternalFunction("neuronet_f_dgemm", _GEMM)
sgemv = types.ExternalFunction("neuronet_f_sgemv", _GEMV)
dgemv = types.ExternalFunction("neuronet_f_dgemv", _GEMV)

for _name in ("sgemm", "dgemm", "sgemv", "dgemv"):
    llvm.add_symbol(f"neuronet_f_{_name}", get_cython_function_address("scipy.linalg.cython_blas", _name))
