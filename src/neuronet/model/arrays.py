"""Arrays the model accepts: the two dtypes and the checks every public entry point applies."""

from __future__ import annotations

import numpy as np

from ..errors import DataError

DTYPES = {"float64": np.float64, "float32": np.float32}


def resolve_dtype(dtype) -> type:
    """'float64' | 'float32' (or the numpy types) -> the numpy scalar type."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in DTYPES:
        raise DataError(f"dtype must be 'float64' or 'float32'; received dtype={dtype!r}.")
    return DTYPES[name]


def as_float_array(A, dtype, where: str = "X") -> np.ndarray:
    """A finite float array of ``dtype``; ints and bools are converted, objects refused."""
    if hasattr(A, "to_numpy") and not isinstance(A, np.ndarray):  # pandas
        A = A.to_numpy()
    try:
        arr = np.asarray(A)
    except Exception as exc:  # ragged lists and the like
        raise DataError(f"{where} could not be read as a numeric array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        what = {"O": "Python objects", "U": "text", "S": "bytes", "c": "complex numbers",
                "M": "dates", "m": "time deltas"}.get(arr.dtype.kind, str(arr.dtype))
        raise DataError(f"{where} must hold numbers; it holds {what} (dtype {arr.dtype}). "
                        "Convert it to floats first (text columns: one-hot encode them).")
    with np.errstate(over="ignore"):  # a value too large for float32 becomes inf: reported below
        out = arr.astype(dtype, copy=False)
    if out.size and not np.isfinite(out).all():
        bad = np.argwhere(~np.isfinite(out))[0]
        at = f"row {bad[0]}, column {bad[1]}" if arr.ndim == 2 else f"position {tuple(int(b) for b in bad)}"
        value = arr[tuple(bad)]
        if np.isfinite(value):
            raise DataError(f"{where} holds {value} at {at}, too large for {np.dtype(dtype).name} (at most "
                            f"±{np.finfo(dtype).max:.4g}). Rescale the data or use dtype='float64'.")
        raise DataError(f"{where} holds {value} at {at}; every value must be finite. "
                        "Remove or impute missing and infinite values.")
    return out
