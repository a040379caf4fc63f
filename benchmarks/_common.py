"""Shared helpers for the benchmark scripts: timing medians and a machine description."""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np


def median_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def matmul_gflops(dtype, m: int = 256, k: int = 512, n: int = 512, repeats: int = 50) -> float:
    """NumPy's own matrix-multiply speed on this machine, in GFLOP/s (median of many runs)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    t = median_time(lambda: a @ b, repeats=repeats, warmup=3)
    return 2.0 * m * k * n / t / 1e9


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = f", {info[0].get('internal_api')} {info[0].get('version')} ({info[0].get('architecture')}, " \
                   f"{info[0].get('num_threads')} threads)"
    except Exception:  # threadpoolctl is optional here
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}{blas}"
