"""Write the real built-in data sets into the package, from scikit-learn's bundled copies.

    python tools/bundle_datasets.py        # rewrites src/neuronet/io/data/*.npz

neuronet reads these files with NumPy alone (``np.load(..., allow_pickle=False)``), so that
``neuronet train iris`` does not spend 1.3 s importing scikit-learn to read 150 rows. The arrays
are the ones scikit-learn's loaders return, bit for bit (tests/test_datasets.py compares them),
so a file written by this script with another scikit-learn version must pass those tests too.
Origins and licences: src/neuronet/io/data/README.md.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import numpy as np
import sklearn
import sklearn.datasets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from neuronet._atomic import write_bytes  # noqa: E402

LOADERS = {"iris": "load_iris", "wine": "load_wine", "breast_cancer": "load_breast_cancer",
           "digits": "load_digits", "diabetes": "load_diabetes"}


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()


def _smallest_exact(a: np.ndarray) -> np.ndarray:
    """uint8 when every value is an integer in 0…255 (digits' pixels, class labels), else the array as is."""
    if a.size and np.all(a == np.round(a)) and a.min() >= 0 and a.max() <= 255:
        return a.astype(np.uint8)
    return a


def main() -> None:
    folder = ROOT / "src" / "neuronet" / "io" / "data"
    for name, loader in LOADERS.items():
        bunch = getattr(sklearn.datasets, loader)()
        arrays = {"X": _smallest_exact(np.asarray(bunch.data, dtype=np.float64)),
                  "y": _smallest_exact(np.asarray(bunch.target)),
                  "feature_names": np.array([_snake(str(f)) for f in bunch.feature_names])}
        if hasattr(bunch, "target_names"):
            arrays["class_names"] = np.array([str(c) for c in bunch.target_names])
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        write_bytes(folder / f"{name}.npz", buf.getvalue())
        print(f"{name}: {bunch.data.shape}, {len(buf.getvalue()):,} bytes (scikit-learn {sklearn.__version__})")


if __name__ == "__main__":
    main()
