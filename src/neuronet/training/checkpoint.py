"""Checkpoints: the whole state of a run, saved atomically every N epochs and loaded to resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._atomic import atomic_open
from ..errors import DataError, ModelFileError

CHECKPOINT_FORMAT = "neuronet-checkpoint"
CHECKPOINT_VERSION = 1


def _atomic_savez(path: Path, arrays: dict) -> None:
    try:
        with atomic_open(path) as fh:
            np.savez(fh, **arrays)
    except OSError as exc:
        raise DataError(f"Cannot write checkpoint {str(path)!r}: {exc.strerror or exc}.") from exc


def _load_checkpoint(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"Checkpoint {str(path)!r} does not exist (or is not a file).")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        meta = json.loads(str(data.pop("meta")))
    except Exception as exc:  # any unreadable file is one clear error
        raise ModelFileError(f"{str(path)!r} is not a neuronet checkpoint: {exc}") from None
    if meta.get("format") != CHECKPOINT_FORMAT or meta.get("version") != CHECKPOINT_VERSION:
        raise ModelFileError(f"{str(path)!r} is not a neuronet checkpoint of version {CHECKPOINT_VERSION}.")
    data["meta"] = meta
    return data
