"""The checkpoint file: a run's whole state, written atomically and read as strictly as a model file.

A checkpoint is an uncompressed ``.npz`` archive (a zip of ``.npy`` arrays, never pickles):
``meta`` (a JSON text: format, version, the run's config, epoch, update counter t, the
restarts' status and the shuffling generator's state) and one array per piece of the run
state (``state.RunState``). Reading it trusts nothing in the file:

* the path must be a regular file (a FIFO, device or folder is refused without blocking);
* a model file, or anything else that is not a zip of arrays, is named for what it is;
* ``meta`` is checked key by key (types, ranges: 0 ≤ epoch ≤ epochs, one known status per
  restart, a valid generator state), and its config is compared with the call's, naming the
  first option that differs and both values;
* every array's name, dtype and shape are checked from its header before its data is read, so
  a crafted header cannot make neuronet allocate what the file does not hold; values are
  checked where they have a range (counters ≥ 0, epochs run ≤ epoch, the step sizes η₀).

Every problem is one :class:`ModelFileError` (or a DataError for a different run) naming the file.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np

from .._atomic import atomic_open
from .._inputs import NotARegularFile, open_regular
from ..errors import DataError, ModelFileError
from .options import NOT_COMPARED

CHECKPOINT_FORMAT = "neuronet-checkpoint"
CHECKPOINT_VERSION = 2
STATUSES = ("ran_out", "converged", "stopped_early", "diverged")
MAX_META_CHARS = 1 << 26          # the JSON meta (its status list grows with R): 64 M characters
MAX_INT = 2**63 - 1
CLI_OPTIONS = {  # which option of `neuronet train` sets each part of a run's config
    "architecture": "--hidden and --activation", "P": "--hidden and the data's columns",
    "N": "the data and --validation-fraction", "validation_rows": "--validation-fraction",
    "step_size": "--step-size", "schedule": "--schedule", "momentum": "--momentum", "optimizer": "--optimizer",
    "loss": "--loss", "epochs": "--epochs", "batch_size": "--batch-size", "restarts": "--restarts",
    "seed": "--seed", "early_stopping": "--early-stopping/--no-early-stopping", "patience": "--patience",
    "engine": "--engine"}


# -- writing ----------------------------------------------------------------------------------
def write(path: Path, meta: dict, arrays: dict) -> None:
    """Write the checkpoint atomically; never replace a file that is not a neuronet checkpoint.

    OSError propagates: the training loop turns a failed write into a warning and goes on.
    """
    meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, **meta}
    with atomic_open(path, may_replace=is_checkpoint, what="neuronet checkpoint") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)), **arrays)


def is_checkpoint(path: Path) -> bool:
    """Whether ``path`` holds a neuronet checkpoint (a zip whose ``meta`` names the format); reads little."""
    try:
        with open_regular(path) as f, zipfile.ZipFile(f) as z, z.open("meta.npy") as m:
            head = m.read(4096)
        return CHECKPOINT_FORMAT.encode("utf-32-le") in head
    except Exception:  # noqa: BLE001 (anything unreadable is not ours)
        return False


def epoch_of(path: Path) -> int | None:
    """The epoch a checkpoint on disk was saved after, or None if there is no readable one."""
    try:
        with open_regular(path) as f, zipfile.ZipFile(f) as z:
            meta = _meta(z)
        epoch = meta.get("epoch")
        return epoch if _is_int(epoch) else None
    except Exception:  # noqa: BLE001 (only used to word a message)
        return None


# -- reading ----------------------------------------------------------------------------------
def read(path, config: dict, state_names: list[str]) -> tuple[dict, dict]:
    """The checked (meta, arrays) of the checkpoint at ``path`` for a call whose config is ``config``."""
    name = str(path)
    try:
        with open_regular(path) as f:
            head = f.read(8)
            f.seek(0)
            if head[:4] != b"PK\x03\x04":
                raise _Invalid(_impostor(head))
            with zipfile.ZipFile(f) as z:
                meta = _meta(z)
                _check_meta(meta, config)
                _compare(meta["config"], config, name)
                arrays = _arrays(z, _expected(meta["config"], state_names))
        _check_values(meta, arrays)
    except _Invalid as exc:
        raise ModelFileError(f"Cannot resume from {name!r}: {exc}") from None
    except NotARegularFile as exc:
        raise ModelFileError(f"Cannot resume from {name!r}: {exc}; give the file that --checkpoint wrote.") from None
    except FileNotFoundError:
        raise ModelFileError(f"Cannot resume from {name!r}: the checkpoint does not exist.") from None
    except (DataError, ModelFileError):
        raise
    except OSError as exc:
        raise ModelFileError(f"Cannot resume from {name!r}: it could not be read ({exc.strerror or exc}).") from None
    except MemoryError:
        raise ModelFileError(f"Cannot resume from {name!r}: it is too large to load into memory.") from None
    except Exception as exc:  # noqa: BLE001 (the boundary: a damaged zip or array is one clear error)
        raise ModelFileError(f"Cannot resume from {name!r}: it is damaged or not a neuronet checkpoint "
                             f"({type(exc).__name__}: {str(exc)[:80]}).") from None
    return meta, arrays


class _Invalid(Exception):
    """What is wrong inside a checkpoint; ``read`` names the file."""


def _impostor(head: bytes) -> str:
    if head.lstrip()[:1] in (b"{", b"[") or (len(head) == 8 and 0 < int.from_bytes(head, "little") < 1 << 27):
        return ("it is a model file (or other JSON/safetensors), not a checkpoint; --resume takes the file "
                "that --checkpoint wrote.")
    if not head:
        return "the file is empty (0 bytes); it was not written by neuronet."
    return "it is not a neuronet checkpoint (not a zip archive of arrays)."


def _meta(z: zipfile.ZipFile) -> dict:
    if "meta.npy" not in z.namelist():
        raise _Invalid("it is a zip archive but not a neuronet checkpoint (it holds no 'meta').")
    with z.open("meta.npy") as fh:
        dtype, shape = _header(fh)
        if shape != () or dtype.kind != "U" or dtype.itemsize // 4 > MAX_META_CHARS:
            raise _Invalid("its 'meta' is not the JSON text neuronet writes.")
        fh.seek(0)
        text = str(np.lib.format.read_array(fh, allow_pickle=False))
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError):
        raise _Invalid("its 'meta' is not valid JSON; the file is damaged.") from None
    if not isinstance(meta, dict):
        raise _Invalid("its 'meta' is not a JSON object.")
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise _Invalid("it is a zip archive but not a neuronet checkpoint.")
    if meta.get("version") != CHECKPOINT_VERSION:
        raise _Invalid(f"it is a neuronet checkpoint of version {meta.get('version')!r}; this neuronet reads "
                       f"version {CHECKPOINT_VERSION}. Start the run again.")
    return meta


def _header(fh) -> tuple[np.dtype, tuple]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    if dtype.hasobject:
        raise _Invalid("it holds Python objects (a pickle); neuronet never loads those.")
    return dtype, shape


def _check_meta(meta: dict, config: dict) -> None:
    cfg = meta.get("config")
    if not isinstance(cfg, dict):
        raise _Invalid("its meta has no 'config' object.")
    for key in ("epochs", "restarts", "P", "N", "validation_rows"):
        if not _is_int(cfg.get(key)) or not 0 <= cfg[key] <= MAX_INT:
            raise _Invalid(f"its config's {key!r} is {_show(cfg.get(key))}, not a count.")
    epoch, t, status = meta.get("epoch"), meta.get("t"), meta.get("status")
    if not _is_int(epoch) or not 0 <= epoch <= cfg["epochs"]:
        raise _Invalid(f"its epoch is {_show(epoch)}; a checkpoint of a {cfg['epochs']}-epoch run holds an "
                       f"epoch from 0 to {cfg['epochs']}.")
    if not _is_int(t) or not 0 <= t <= MAX_INT:
        raise _Invalid(f"its update counter t is {_show(t)}, not a count.")
    if not isinstance(status, list) or len(status) != cfg["restarts"] or any(s not in STATUSES for s in status):
        raise _Invalid(f"its status must list one of {', '.join(STATUSES)} per restart ({cfg['restarts']}).")
    try:
        np.random.default_rng().bit_generator.state = meta.get("rng")
    except Exception:  # noqa: BLE001 (NumPy raises TypeError, ValueError, KeyError… for a bad state)
        raise _Invalid("its shuffling generator's state ('rng') is not a valid PCG64 state.") from None


def _compare(made: dict, config: dict, name: str) -> None:
    """A resumed run must be the run that was checkpointed: every option, the network and the data."""
    for key, value in config.items():
        if key in NOT_COMPARED or made.get(key) == value:
            continue
        if key in ("data_crc32", "validation_crc32"):
            which = "training" if key == "data_crc32" else "validation"
            unseeded = config.get("seed") is None and config.get("validation_rows")
            raise DataError(f"Cannot resume from {name!r}: it was made on other {which} data (same shape, "
                            f"different values). Resume with the data it was started on"
                            + (" (with seed=None, validation_fraction draws a new split on every call: give the "
                               "run a seed to resume it)." if unseeded else "."))
        differs = (f"Cannot resume from {name!r}: it was made with {key}={_show(made.get(key))}, this call has "
                   f"{key}={_show(value)}")
        option = CLI_OPTIONS.get(key)
        raise DataError(differs + ". Resume with the options the run was started with, or start a new run "
                        "without resume.",
                        cli=differs + (f" (set by {option})" if option else "") + ". Resume with the command the run "
                        "was started with, or start a new run without --resume.")


def _expected(cfg: dict, state_names: list[str]) -> dict[str, tuple[str, tuple]]:
    """Each array the checkpoint must hold: name -> (dtype kind 'f' or 'i', shape)."""
    R, P, E = cfg["restarts"], cfg["P"], cfg["epochs"]
    want = {"theta": ("f", (R, P)), "initial": ("f", (R, P)), "best_theta": ("f", (R, P)),
            "history": ("f", (R, E)), "best_mon": ("f", (R,)), "start_loss": ("f", (R,)),
            "eta0": ("f", (R,)), "since": ("i", (R,)), "epochs_run": ("i", (R,))}
    if cfg["validation_rows"]:
        want["val_history"] = ("f", (R, E))
    want.update({"state_" + k: ("f", (R, P)) for k in state_names})
    return want


def _arrays(z: zipfile.ZipFile, want: dict) -> dict:
    names = {n[:-4] for n in z.namelist() if n.endswith(".npy")} - {"meta"}
    extra = sorted(names - set(want)) + sorted(n for n in z.namelist() if not n.endswith(".npy"))
    if extra:
        raise _Invalid(f"it holds {extra[0]!r}, which is not part of this run's state.")
    missing = sorted(set(want) - names)
    if missing:
        raise _Invalid(f"the array {missing[0]!r} is missing; the file is damaged.")
    arrays = {}
    for key, (kind, shape) in want.items():
        with z.open(key + ".npy") as fh:
            dtype, got = _header(fh)
            ok_kind = dtype.kind == "f" if kind == "f" else dtype.kind in "iu"
            if not ok_kind or got != shape:
                raise _Invalid(f"its array {key!r} is {dtype.str} of shape {got}; this run needs "
                               f"{'floats' if kind == 'f' else 'integers'} of shape {shape}.")
            fh.seek(0)
            arrays[key] = np.lib.format.read_array(fh, allow_pickle=False)
    return arrays


def _check_values(meta: dict, a: dict) -> None:
    if np.any(a["since"] < 0) or np.any(a["epochs_run"] < 0) or np.any(a["epochs_run"] > meta["epoch"]):
        raise _Invalid(f"its counters are out of range (epochs run must lie in 0…{meta['epoch']}); the file is "
                       "damaged.")
    if not np.all(np.isfinite(a["eta0"]) & (a["eta0"] > 0)):
        raise _Invalid("its step sizes η₀ are not positive finite numbers; the file is damaged.")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _show(v) -> str:
    text = repr(v) if not isinstance(v, float) or math.isfinite(v) else str(v)
    return text if len(text) <= 80 else text[:79] + "…"
