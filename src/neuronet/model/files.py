"""Model files: a Network saved as ``.json`` or ``.safetensors`` and loaded back, safely.

A model file holds one network in one versioned schema (format ``"neuronet"``,
version 1; ``docs/file-format.md`` describes it field by field)::

    dtype                 "float64" | "float32": the precision the network computes in
    neurons[k]            {id: k + 1, kind, activation, name}      (the seed's numbering)
    edges[e]              (i, j) with the weight w_ij              (the weight of i → j)
    info                  free-form JSON: preprocessing, class labels, training details

The extension decides the encoding:

* ``.json`` -- readable and diffable text, one neuron and one edge ``[i, j, w_ij]`` per
  line; each weight is written as the shortest decimal that reads back as exactly the
  same float64 (or float32), so a save/load round trip is bit-exact;
* ``.safetensors`` -- binary, for large networks: the edges and the weights are tensors
  ``edges`` (E, 2) and ``weights`` (E,); everything else is JSON text in the header's
  ``__metadata__``.

Loading never executes code from the file: no pickle anywhere, activation names resolve
only through :mod:`neuronet.activations`, every size and offset in a safetensors header
is checked against the file's real size before anything is allocated, and the network
is rebuilt through :func:`neuronet.graph.validate`, so every rule of a feed-forward
graph is checked again. Whatever is wrong with a file, :func:`load` raises exactly one
error type, :class:`~neuronet.errors.ModelFileError`, with a message naming the file.

Saving is atomic: the bytes go to a temporary file in the same folder, are flushed and
fsynced, and replace the target in one ``os.replace``; an interrupted save leaves the
previous file as it was.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import activations
from .._atomic import write_bytes
from .._inputs import NotARegularFile, open_regular
from .._memory import available, size_text
from ..errors import GraphError, ModelFileError
from .topology import KINDS, Neuron, Topology, validate
from .structure import Structure, compile_structure


FORMAT = "neuronet"
VERSION = 1
SUFFIXES = (".json", ".safetensors")
MAX_HEADER_BYTES = 100 * 2**20   # a safetensors header longer than this is refused unread
MAX_JSON_BYTES = 2**31           # a .json model file is read up to this many bytes (2 GiB), no more
JSON_BYTES_IN_MEMORY = 8         # parsing JSON takes about this many bytes of memory per byte of text
MAX_INFO_INT = 2**63             # integers in info: within ±2⁶³ (any JSON reader can read them back)
DTYPES = ("float64", "float32")

# The compiled engine stores dense blocks (structure.py): a file whose few edges would
# spread over huge, nearly empty blocks could make a small file allocate terabytes.
# Up to FREE_ENTRIES block entries are always allowed, beyond that ENTRIES_PER_EDGE per edge.
FREE_ENTRIES = 2**24
ENTRIES_PER_EDGE = 64

_NEURON_KEYS = ("id", "kind", "activation", "name")
_TOP_KEYS = ("format", "version", "dtype", "neurons", "edges", "info")
_META_KEYS = ("format", "version", "dtype", "neurons", "info")
# safetensors dtype -> (little-endian numpy dtype, bytes per element)
_ST_DTYPES = {"F64": ("<f8", 8), "F32": ("<f4", 4), "I64": ("<i8", 8), "I32": ("<i4", 4)}
_ST_WEIGHTS = {"float64": "F64", "float32": "F32"}


class _Invalid(Exception):
    """What is wrong inside a file; :func:`load` prefixes the file's name and re-raises it as ModelFileError."""


# -- saving --------------------------------------------------------------------------------
def save(net: Any, path: str | os.PathLike) -> None:
    """Write ``net`` to ``path``: ``.json`` (readable, weights inline) or ``.safetensors`` (binary).

    The file holds the neurons (id, kind, activation, name), the edges with their weights,
    the dtype and ``net.info``; ``load(path)`` returns a network with bit-identical weights
    and outputs. The write is atomic: the previous file at ``path`` survives any failure.

    Parameters
    ----------
    net : Network
        The network to save. Its weights must be finite.
    path : str or os.PathLike
        Target file; its extension (``.json`` or ``.safetensors``) picks the encoding. Its
        folder must exist.

    Raises
    ------
    ModelFileError
        Unknown extension, missing folder, non-finite weights, ``info`` holding something
        JSON cannot represent, or the write itself failed (permissions, full disk).
    """
    if not (hasattr(net, "structure") and hasattr(net, "theta") and hasattr(net, "info")):  # a Network
        raise ModelFileError(f"save() takes a neuronet Network; received {_short(repr(net))} "
                             f"({type(net).__name__}).")
    p = _as_path(path, "save")
    if not p.parent.is_dir():
        raise ModelFileError(f"Cannot save model file '{p}': the folder '{p.parent}' does not exist. "
                             "Create it first (os.makedirs) or choose another path.")
    if p.is_dir():
        raise ModelFileError(f"Cannot save model file '{p}': that path is a folder. Give a file name ending "
                             "in .json or .safetensors.")
    weights = _finite_weights(net, p)
    if not isinstance(net.info, Mapping):
        raise ModelFileError(f"Cannot save model file '{p}': net.info must be a dict; it is "
                             f"{type(net.info).__name__}.")
    try:
        info = _plain(net.info, "net.info", p, set())
        if p.suffix.lower() == ".json":
            data = _json_bytes(net, weights, info)
        else:
            data = _safetensors_bytes(net, weights, info, p)
    except RecursionError:
        raise ModelFileError(f"Cannot save model file '{p}': net.info is nested too deeply to be saved.") from None
    write_atomic(p, data)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` in one step (see ``neuronet._atomic``).

    On any failure (or KeyboardInterrupt) whatever was at ``path`` before is untouched.
    OS errors become :class:`ModelFileError`.
    """
    path = Path(path)
    try:
        write_bytes(path, data)
    except OSError as exc:
        raise ModelFileError(f"Cannot write '{path}': {exc.strerror or exc}. Check that the folder is writable "
                             "and the disk is not full; any previous file there is unchanged.") from exc


def _finite_weights(net: Any, p: Path) -> np.ndarray:
    """The weights in edge order (E,), in the network's dtype; non-finite ones are refused."""
    S = net.structure
    w = np.asarray(net.theta)[S.edge_param]                      # (E,)
    bad = np.flatnonzero(~np.isfinite(w))
    if len(bad):
        i, j = S.edges[bad[0]]
        raise ModelFileError(f"Cannot save model file '{p}': the weight of edge {i} → {j} is {w[bad[0]]}"
                             + (f" (and {len(bad) - 1} more weights are not finite)" if len(bad) > 1 else "")
                             + ". A model file holds finite weights only; this network probably diverged "
                               "in training. Retrain with a smaller step size.")
    return w


def _plain(value: Any, where: str, p: Path, stack: set[int]) -> tuple:
    """``value`` as plain JSON data: numpy arrays and scalars become lists and numbers."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        if not -MAX_INFO_INT <= int(value) < MAX_INFO_INT:
            digits = len(str(abs(int(value)))) if abs(int(value)) < 10**4000 else int(int(value).bit_length()
                                                                                    * 0.30103) + 1
            raise ModelFileError(f"Cannot save model file '{p}': {where} is an integer of about {digits} digits; "
                                 "a model file holds integers within ±2⁶³ (9.2e18). Store it as a string or a "
                                 "float instead.")
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise ModelFileError(f"Cannot save model file '{p}': {where} is {v}; JSON holds finite numbers only. "
                                 "Store None (or a string) instead.")
        return v
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufU":
            raise ModelFileError(f"Cannot save model file '{p}': {where} is a numpy array of dtype {value.dtype}; "
                                 "only arrays of numbers, booleans or text can be saved in info.")
        return _plain(value.tolist(), where, p, stack)
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in stack:
            raise ModelFileError(f"Cannot save model file '{p}': {where} contains itself; info must be a tree "
                                 "of plain values.")
        stack.add(id(value))
        try:
            if isinstance(value, Mapping):
                out = {}
                for k, v in value.items():
                    if not isinstance(k, str):
                        raise ModelFileError(f"Cannot save model file '{p}': {where} has the key {_short(repr(k))} "
                                             f"({type(k).__name__}); keys in info must be strings (JSON objects "
                                             "have text keys). Convert it, e.g. str(key).")
                    out[str(k)] = _plain(v, f"{where}[{k!r}]", p, stack)
                return out
            return [_plain(v, f"{where}[{n}]", p, stack) for n, v in enumerate(value)]
        finally:
            stack.discard(id(value))
    raise ModelFileError(f"Cannot save model file '{p}': {where} is {_short(repr(value))} ({type(value).__name__}), "
                         "which a model file cannot hold. info may contain numbers, strings, booleans, None, lists, "
                         "dicts with string keys and numpy arrays (saved as lists); store the plain numbers "
                         "instead (for a scaler: its mean_ and scale_ arrays).")


def _neuron_dicts(net: Any) -> list[dict]:
    return [{"id": nu.id, "kind": nu.kind, "activation": nu.activation, "name": nu.name} for nu in net.neurons]


def _float_texts(w: np.ndarray) -> list[str]:
    """The shortest decimal text of each weight that reads back (via float64) as exactly that weight.

    float64: Python's ``repr``. float32: numpy's shortest float32 text, checked to survive the
    float64 → float32 rounding a reader does (else the exact float64 text of the value).
    """
    if w.dtype == np.float64:
        return [repr(v) for v in w.tolist()]
    out = []
    for v in w:                                                     # v: np.float32
        s = str(v)
        if np.float32(float(s)).tobytes() != v.tobytes():          # double rounding: keep the exact value
            s = repr(float(v))
        out.append(s)
    return out


def _json_bytes(net: Any, w: np.ndarray, info: dict) -> bytes:
    """The .json encoding: fixed key order, one neuron and one edge per line (diffable)."""
    texts = _float_texts(w)
    for ascii_only in (False, True):  # names with lone surrogates can only be written escaped
        dump = lambda v, **kw: json.dumps(v, ensure_ascii=ascii_only, allow_nan=False, **kw)  # noqa: E731
        neurons = ",\n".join("    " + dump(d) for d in _neuron_dicts(net))
        edges = ",\n".join(f"    [{i}, {j}, {t}]" for (i, j), t in zip(net.edges, texts))
        info_text = _pretty(info, "  ", dump)
        text = ("{\n"
                f'  "format": "{FORMAT}",\n'
                f'  "version": {VERSION},\n'
                f'  "dtype": "{net.dtype.name}",\n'
                f'  "neurons": [\n{neurons}\n  ],\n'
                f'  "edges": [\n{edges}\n  ],\n'
                f'  "info": {info_text}\n'
                "}\n")
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            continue
    raise AssertionError("ASCII JSON always encodes")  # pragma: no cover


def _pretty(value: Any, indent: str, dump) -> str:
    """JSON with one key per line, lists of plain values kept on one line (readable and diffable)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = ",\n".join(f"{inner}{dump(k)}: {_pretty(v, inner, dump)}" for k, v in value.items())
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = ",\n".join(inner + _pretty(v, inner, dump) for v in value)
        return "[\n" + items + "\n" + indent + "]"
    return dump(value)


def _safetensors_bytes(net: Any, w: np.ndarray, info: dict, p: Path) -> bytes:
    """The .safetensors encoding: tensors ``weights`` (E,) and ``edges`` (E, 2) int32; the rest in metadata.

    Written here rather than by the safetensors package so that the same network always
    gives the same bytes (the package orders the metadata at random).
    """
    metadata = {
        "format": FORMAT,
        "version": str(VERSION),
        "dtype": net.dtype.name,
        "neurons": json.dumps(_neuron_dicts(net), separators=(",", ":")),
        "info": json.dumps(info, separators=(",", ":"), allow_nan=False),
    }
    weights = np.ascontiguousarray(w, dtype=w.dtype.newbyteorder("<"))           # (E,)
    edges = np.asarray(net.edges, dtype="<i4").reshape(-1, 2)                    # (E, 2); ids < 2**31
    header = {
        "__metadata__": metadata,
        "weights": {"dtype": _ST_WEIGHTS[net.dtype.name], "shape": [len(weights)],
                    "data_offsets": [0, weights.nbytes]},
        "edges": {"dtype": "I32", "shape": list(edges.shape),
                  "data_offsets": [weights.nbytes, weights.nbytes + edges.nbytes]},
    }
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)               # pad with spaces so the data buffer starts 8-byte aligned
    if len(text) > MAX_HEADER_BYTES:
        raise ModelFileError(f"Cannot save model file '{p}': its neurons and info take {len(text):,} bytes of "
                             f"header, more than the {MAX_HEADER_BYTES:,} bytes a neuronet safetensors header may "
                             "hold. Make net.info smaller, or save as .json.")
    return len(text).to_bytes(8, "little") + text + weights.tobytes() + edges.tobytes()


# -- loading -------------------------------------------------------------------------------
def read(path: str | os.PathLike) -> tuple[Structure, np.ndarray, dict]:
    """Read a network saved by :func:`save` (``.json`` or ``.safetensors``, by extension)
    as its parts; ``network.load`` makes the Network.

    Nothing in the file is ever executed: activations are looked up by name in neuronet's
    own table, and the graph is validated again as if built by hand.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.json`` or ``.safetensors`` model file.

    Returns
    -------
    (Structure, theta (P,), info)
        The compiled structure, the weights in the file's dtype, and ``info``.

    Raises
    ------
    ModelFileError
        For every problem with the file (missing, empty, damaged, not a neuronet file, written
        by a newer neuronet, describing an invalid graph…), with a message naming the file.
    """
    p = _as_path(path, "load")
    try:
        with open_regular(p) as f:
            size = os.fstat(f.fileno()).st_size
            _check_readable_size(size, p.suffix.lower() == ".json")
            if p.suffix.lower() == ".json":
                return _read_json(f, size)
            return _read_safetensors(f, size)
    except NotARegularFile as exc:
        raise ModelFileError(f"Cannot load model file '{p}': {exc}; give the path of a .json or .safetensors "
                             "file.") from None
    except _Invalid as exc:
        raise ModelFileError(f"Cannot load model file '{p}': {exc}") from None
    except GraphError as exc:
        raise ModelFileError(f"Cannot load model file '{p}': the network it describes is not valid. {exc}") from None
    except FileNotFoundError:
        raise ModelFileError(f"Cannot load model file '{p}': no such file. Check the path "
                             f"(current folder: '{os.getcwd()}').") from None
    except IsADirectoryError:
        raise ModelFileError(f"Cannot load model file '{p}': that path is a folder, not a file.") from None
    except PermissionError:
        raise ModelFileError(f"Cannot load model file '{p}': permission denied; check the file's "
                             "permissions.") from None
    except OSError as exc:
        raise ModelFileError(f"Cannot load model file '{p}': it could not be read ({exc.strerror or exc}).") from exc
    except RecursionError:
        raise ModelFileError(f"Cannot load model file '{p}': its JSON is nested too deeply; the file is damaged "
                             "or not a neuronet model file.") from None
    except MemoryError:
        raise ModelFileError(f"Cannot load model file '{p}': it is too large to load into memory.") from None
    except Exception as exc:  # the boundary: nothing but ModelFileError leaves load()
        raise ModelFileError(f"Cannot load model file '{p}': it is damaged or not a neuronet model file "
                             f"({type(exc).__name__}: {_short(str(exc))}).") from exc


def _check_readable_size(size: int, is_json: bool) -> None:
    """Refuse, before reading, a file too large for a model file or for the memory available."""
    if is_json and size > MAX_JSON_BYTES:
        raise _Invalid(f"it holds {size_text(size)}, more than a .json model file may ({size_text(MAX_JSON_BYTES)}); "
                       "save large networks as .safetensors.")
    need = size * (JSON_BYTES_IN_MEMORY if is_json else 2)
    free = available()
    if free is not None and need > free:
        raise _Invalid(f"loading it would need about {size_text(need)} of memory, but {size_text(free)} is "
                       "available.")


def _read_json(f, size: int) -> tuple:
    limit = min(MAX_JSON_BYTES, size + 2**20)     # the file's size, with room for a little growth
    data = f.read(limit + 1)
    if len(data) > limit:    # it grew while being read
        raise _Invalid("it grew while being read; load it again once it is complete.")
    if not data:
        raise _Invalid("the file is empty (0 bytes); it was probably not written completely. Save the network again.")
    _sniff(data, "json")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Invalid(f"it is not UTF-8 text (byte {exc.start} cannot be decoded); a .json model file is text. "
                       "Is it a binary file with the wrong extension?") from None
    doc = _parse_json(text, "the file")
    if not isinstance(doc, dict):
        raise _Invalid(f"it is not a neuronet model file: it holds {_kind(doc)}, not a JSON object with "
                       f"\"format\": \"{FORMAT}\".")
    _check_object(doc, "the file", _TOP_KEYS)
    _check_format(doc.get("format"), doc.get("version"), "the file")
    dtype = _dtype(doc.get("dtype", "float64"))
    neurons = _neurons(_require(doc, "neurons", "the file"))
    raw = _require(doc, "edges", "the file")
    if not isinstance(raw, list):
        raise _Invalid(f"'edges' must be a list of [i, j, w_ij] triples; it is {_kind(raw)}.")
    pairs: list[tuple[int, int]] = []
    values: list[float] = []
    for e, item in enumerate(raw):
        if not (isinstance(item, list) and len(item) == 3):
            raise _Invalid(f"edges[{e}] must be a triple [i, j, w_ij] (source id, target id, weight); "
                           f"it is {_short(json.dumps(item))}.")
        i, j, wij = item
        if not (_is_int(i) and _is_int(j)):
            raise _Invalid(f"edges[{e}] = {_short(json.dumps(item))}: the neuron ids must be integers.")
        if not isinstance(wij, (int, float)) or isinstance(wij, bool):
            raise _Invalid(f"edges[{e}] = {_short(json.dumps(item))}: the weight must be a number.")
        try:
            values.append(float(wij))
        except OverflowError:
            raise _Invalid(f"edges[{e}]: the weight of edge {i} → {j} is too large for a float.") from None
        pairs.append((i, j))
    weights = np.asarray(values, dtype=np.float64)
    info = doc.get("info", {})
    return _rebuild(dtype, neurons, pairs, weights, info)


def _read_safetensors(f, size: int) -> tuple:
    if size == 0:
        raise _Invalid("the file is empty (0 bytes); it was probably not written completely. Save the network again.")
    if size < 8:
        raise _Invalid(f"it is only {size} bytes long, too short for a safetensors file (whose first 8 bytes give "
                       "the header length); it was probably cut off.")
    head = f.read(8)
    n = int.from_bytes(head, "little")
    if n > MAX_HEADER_BYTES:
        _sniff(head, "safetensors")
        raise _Invalid(f"its first 8 bytes claim a header of {n:,} bytes, more than the {MAX_HEADER_BYTES:,} bytes "
                       "neuronet accepts; the file is damaged or not a safetensors file.")
    if n > size - 8:
        _sniff(head, "safetensors")
        raise _Invalid(f"its first 8 bytes claim a header of {n:,} bytes, but only {size - 8:,} bytes follow; "
                       "the file is cut off or not a safetensors file.")
    raw = f.read(n)
    if len(raw) != n:  # pragma: no cover (the file shrank while being read)
        raise _Invalid("the file changed size while being read.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _sniff(head + raw, "safetensors")
        raise _Invalid(f"its header is not UTF-8 text (byte {8 + exc.start} cannot be decoded); the file is "
                       "damaged or not a safetensors file.") from None
    header = _parse_json(text, "its header")
    if not isinstance(header, dict):
        raise _Invalid(f"its header must be a JSON object; it is {_kind(header)}.")
    meta = header.get("__metadata__")
    if meta is None:
        raise _Invalid("its header has no __metadata__: it is a safetensors file, but not a neuronet model "
                       "(neuronet keeps the neurons there).")
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _Invalid("its __metadata__ must map names to strings.")
    _check_object(meta, "its __metadata__", _META_KEYS)
    _check_format(meta.get("format"), _version_text(meta.get("version")), "its __metadata__")
    dtype = _dtype(meta.get("dtype", "float64"))
    neurons = _neurons(_parse_json(_require(meta, "neurons", "its __metadata__"), "__metadata__['neurons']"))
    info = _parse_json(meta["info"], "__metadata__['info']") if "info" in meta else {}

    # Tensors: check every name, dtype, shape and offset against the file's real size first.
    buffer_len = size - 8 - n
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    unknown = sorted(set(tensors) - {"edges", "weights"})
    if unknown:
        raise _Invalid(f"it holds the tensor {_short(repr(unknown[0]))}; a neuronet file holds exactly two, "
                       "'edges' and 'weights'.")
    spec = {name: _tensor_entry(tensors, name, buffer_len) for name in ("edges", "weights")}
    (edt, eshape, (eb, ee)), (wdt, wshape, (wb, we)) = spec["edges"], spec["weights"]
    if wdt != _ST_WEIGHTS[dtype]:
        raise _Invalid(f"the tensor 'weights' has dtype {wdt}, but __metadata__ says dtype {dtype!r} "
                       f"(which is stored as {_ST_WEIGHTS[dtype]}).")
    if edt not in ("I32", "I64"):
        raise _Invalid(f"the tensor 'edges' has dtype {edt}; neuron ids are stored as I32 or I64.")
    if len(wshape) != 1:
        raise _Invalid(f"the tensor 'weights' has shape {wshape}; it must be (E,), one weight per edge.")
    E = wshape[0]
    if eshape != [E, 2]:
        raise _Invalid(f"the tensor 'edges' has shape {eshape}; with {E} weights it must be [{E}, 2], one (i, j) "
                       "pair per weight.")
    spans = sorted([(eb, ee), (wb, we)])
    if spans[0][0] != 0 or spans[0][1] != spans[1][0] or spans[1][1] != buffer_len:
        raise _Invalid(f"its tensors do not exactly cover its {buffer_len:,}-byte data buffer (bytes {spans[0]} and "
                       f"{spans[1]}); the file is damaged.")
    data = f.read(buffer_len)
    if len(data) != buffer_len:  # pragma: no cover (the file shrank while being read)
        raise _Invalid("the file changed size while being read.")
    ij = np.frombuffer(data, dtype=_ST_DTYPES[edt][0], count=2 * E, offset=eb).reshape(E, 2)   # (E, 2)
    w = np.frombuffer(data, dtype=_ST_DTYPES[wdt][0], count=E, offset=wb)                      # (E,)
    pairs = [(int(i), int(j)) for i, j in ij.tolist()]
    return _rebuild(dtype, neurons, pairs, w, info)


def _tensor_entry(tensors: dict, name: str, buffer_len: int) -> tuple[str, list[int], tuple[int, int]]:
    """(dtype, shape, (begin, end)) of one tensor, every number checked against the data buffer."""
    t = tensors.get(name)
    if t is None:
        raise _Invalid(f"it has no tensor {name!r}; a neuronet file holds the tensors 'edges' and 'weights'.")
    if not isinstance(t, dict) or set(t) != {"dtype", "shape", "data_offsets"}:
        raise _Invalid(f"the header entry of tensor {name!r} must be an object with exactly dtype, shape and "
                       "data_offsets.")
    dt, shape, offsets = t["dtype"], t["shape"], t["data_offsets"]
    if dt not in _ST_DTYPES:
        raise _Invalid(f"the tensor {name!r} has dtype {_short(repr(dt))}; neuronet files hold F64 or F32 weights "
                       "and I32 or I64 ids.")
    if not (isinstance(shape, list) and all(_is_int(s) and s >= 0 for s in shape)):
        raise _Invalid(f"the tensor {name!r} has shape {_short(json.dumps(shape))}; a shape is a list of "
                       "non-negative integers.")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(o) for o in offsets)):
        raise _Invalid(f"the tensor {name!r} has data_offsets {_short(json.dumps(offsets))}; they must be two "
                       "integers [begin, end].")
    begin, end = offsets
    if not 0 <= begin <= end <= buffer_len:
        raise _Invalid(f"the tensor {name!r} claims bytes {begin:,} to {end:,} of a data buffer that holds "
                       f"{buffer_len:,} bytes; the file is cut off or damaged.")
    nbytes = math.prod(shape) * _ST_DTYPES[dt][1]  # Python ints: no overflow
    if end - begin != nbytes:
        raise _Invalid(f"the tensor {name!r} of dtype {dt} and shape {shape} needs {nbytes:,} bytes, but its "
                       f"data_offsets give it {end - begin:,}; the file is damaged.")
    return dt, shape, (begin, end)


def _rebuild(dtype: str, neurons: tuple[Neuron, ...], pairs: list[tuple[int, int]], w: np.ndarray,
             info: Any) -> tuple[Structure, np.ndarray, dict]:
    """The network's parts, through the same validation as a graph built by hand."""
    if not isinstance(info, dict):
        raise _Invalid(f"'info' must be a JSON object; it is {_kind(info)}.")
    _check_info_numbers(info)
    seen: dict[tuple[int, int], int] = {}
    for e, ij in enumerate(pairs):
        if ij in seen:
            raise _Invalid(f"the edge {ij[0]} → {ij[1]} appears twice (edges[{seen[ij]}] and edges[{e}]); each "
                           "pair of neurons has at most one edge.")
        seen[ij] = e
    with np.errstate(over="ignore", invalid="ignore"):
        wt = w.astype(dtype)                                          # (E,)
    bad = np.flatnonzero(~np.isfinite(wt))
    if len(bad):
        i, j = pairs[bad[0]]
        raise _Invalid(f"the weight of edge {i} → {j} is {w[bad[0]]}"
                       + (f" ({dtype} overflows)" if np.isfinite(w[bad[0]]) else "")
                       + "; weights must be finite numbers.")
    topo = validate(neurons, pairs)
    _check_dense_size(topo)
    S = compile_structure(topo)
    theta = np.zeros(S.P, dtype=dtype)                                # (P,)
    theta[S.edge_param] = wt
    return S, theta, info


def _check_info_numbers(info: dict) -> None:
    """Refuse in a file what ``save`` refuses to write: integers beyond ±2⁶³, floats that overflowed to ±inf.

    (A JSON reader turns ``1e999`` into inf and keeps any integer; a network loaded with one could
    not be saved again.) Walks the tree with a stack, so depth costs no recursion.
    """
    todo: list[tuple[Any, str]] = [(info, "info")]
    while todo:
        value, where = todo.pop()
        if isinstance(value, dict):
            todo.extend((v, f"{where}[{k!r}]") for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((v, f"{where}[{n}]") for n, v in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and not -MAX_INFO_INT <= value < MAX_INFO_INT:
            raise _Invalid(f"{_short(where)} is an integer outside ±2⁶³ (9.2e18), which a model file cannot hold; "
                           "the file was edited or written by another program.")
        elif isinstance(value, float) and not math.isfinite(value):
            raise _Invalid(f"{_short(where)} is a number too large for a float; the file was edited or written "
                           "by another program.")


def _check_dense_size(topo: Topology) -> None:
    """Refuse a graph whose dense blocks would be far larger than its edge count (before allocating them)."""
    kind = {nu.id: nu.kind for nu in topo.neurons}
    width = Counter(topo.level[nu.id] for nu in topo.neurons if nu.kind != "bias")
    pairs: set[tuple[int, int]] = set()
    bias_rows: dict[int, set[int]] = {}
    for i, j in topo.edges:
        if kind[i] == "bias":
            bias_rows.setdefault(topo.level[j], set()).add(i)
        else:
            pairs.add((topo.level[i], topo.level[j]))
    P = sum(width[s] * width[t] for s, t in pairs) + sum(len(r) * width[t] for t, r in bias_rows.items())
    E = len(topo.edges)
    if P > max(FREE_ENTRIES, ENTRIES_PER_EDGE * E):
        raise _Invalid(f"its {E:,} edges join levels so wide that the compiled weight blocks would hold {P:,} "
                       f"entries (more than {ENTRIES_PER_EDGE} per edge); neuronet refuses to allocate that much "
                       "for a sparse graph. The file is damaged or was not written by neuronet.")


# -- pieces of the schema ------------------------------------------------------------------
def _check_format(fmt: Any, version: Any, where: str) -> None:
    if fmt != FORMAT:
        found = "has no 'format' field" if fmt is None else f"has format {_short(repr(fmt))}"
        raise _Invalid(f"it is not a neuronet model file: {where} {found}, not \"format\": \"{FORMAT}\".")
    if version is None:
        raise _Invalid(f"{where} has no 'version' field; a neuronet model file states its format version.")
    if not _is_int(version):
        raise _Invalid(f"{where} has version {_short(repr(version))}; the format version is an integer.")
    if version > VERSION:
        raise _Invalid(f"it was written by a newer neuronet (format version {version}); this one reads version "
                       f"{VERSION} — upgrade neuronet (pip install --upgrade neuronet).")
    if version != VERSION:
        raise _Invalid(f"it has the unknown format version {version}; this neuronet reads version {VERSION}.")


def _version_text(v: Any) -> tuple:
    """safetensors metadata holds strings: '1' -> 1; anything else is passed on to be reported."""
    if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 10:
        return int(v)
    return v


def _dtype(d: Any) -> str:
    if d not in DTYPES:
        raise _Invalid(f"'dtype' is {_short(repr(d))}; it must be \"float64\" or \"float32\".")
    return d


def _neurons(raw: Any) -> tuple[Neuron, ...]:
    """Neuron records, ids 1, 2, 3… in order; activations resolved only through neuronet's table."""
    if not isinstance(raw, list) or not raw:
        raise _Invalid(f"'neurons' must be a non-empty list of neuron objects; it is {_kind(raw)}.")
    out: list[Neuron] = []
    names: dict[str, int] = {}
    for k, item in enumerate(raw):
        where = f"neurons[{k}]"
        _check_object(item, where, _NEURON_KEYS)
        nid = _require(item, "id", where)
        if not _is_int(nid):
            raise _Invalid(f"{where} has id {_short(json.dumps(nid))}; neuron ids are integers.")
        if nid != k + 1:
            if 1 <= nid <= k:
                raise _Invalid(f"the neuron id {nid} appears twice (neurons[{nid - 1}] and {where}); ids are "
                               "1, 2, 3… in order.")
            raise _Invalid(f"{where} has id {nid}; neuron ids are 1, 2, 3… in order, so it must be {k + 1}.")
        kind = _require(item, "kind", where)
        if kind not in KINDS:
            raise _Invalid(f"neuron {nid} has kind {_short(json.dumps(kind))}; kinds are {', '.join(KINDS)}.")
        act = item.get("activation")
        if kind in ("input", "bias"):
            if act is not None:
                raise _Invalid(f"{kind} neuron {nid} has the activation {_short(json.dumps(act))}; input and "
                               "bias neurons apply no function (use null).")
        else:
            if not isinstance(act, str):
                raise _Invalid(f"{kind} neuron {nid} has activation {_short(json.dumps(act))}; it must be the "
                               f"name of one of neuronet's activations ({', '.join(activations.names())}).")
            try:
                act = activations.get(act).name
            except GraphError:
                raise _Invalid(f"{kind} neuron {nid} has the unknown activation {_short(repr(act))}; neuronet "
                               f"knows only {', '.join(activations.names())}.") from None
        name = item.get("name")
        if name is not None:
            if not isinstance(name, str) or not name:
                raise _Invalid(f"neuron {nid} has name {_short(json.dumps(name))}; a name is a non-empty string "
                               "or null.")
            if name in names:
                raise _Invalid(f"the name {_short(repr(name))} is used by neurons {names[name]} and {nid}; names "
                               "must be unique.")
            names[name] = nid
        out.append(Neuron(nid, kind, act, name))
    return tuple(out)


def _check_object(obj: Any, where: str, keys: tuple[str, ...]) -> None:
    if not isinstance(obj, dict):
        raise _Invalid(f"{where} must be a JSON object; it is {_kind(obj)}.")
    extra = [k for k in obj if k not in keys]
    if extra:
        raise _Invalid(f"{where} has the unknown field {_short(repr(extra[0]))}; the fields are "
                       f"{', '.join(keys)}.")


def _require(obj: dict, key: str, where: str) -> tuple:
    if key not in obj:
        raise _Invalid(f"{where} has no {key!r} field.")
    return obj[key]


def _parse_json(text: str, where: str) -> tuple:
    """Strict JSON: no NaN/Infinity, no repeated keys."""
    def pairs(items):
        d = {}
        for k, v in items:
            if k in d:
                raise _Invalid(f"{where} has the key {_short(repr(k))} twice in one object.")
            d[k] = v
        return d

    def constant(name):
        raise _Invalid(f"{where} holds {name}, which is not a number in JSON; weights must be finite.")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise _Invalid(f"{where} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python will convert
        raise _Invalid(f"{where} holds a value that cannot be read: {_short(str(exc))}.") from None


def _sniff(data: bytes, expected: str) -> None:
    """Name common impostors: a pickle, a zip archive, the other neuronet encoding."""
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise _Invalid("it is a Python pickle, not a neuronet model file; neuronet never loads pickles because "
                       "loading one can run arbitrary code.")
    if data[:4] == b"PK\x03\x04":
        raise _Invalid("it is a zip archive (such as a .npz or PyTorch file), not a neuronet model file.")
    if data[:6] == b"\x93NUMPY":
        raise _Invalid("it is a numpy .npy file, not a neuronet model file.")
    if expected == "json" and len(data) > 8 and data[8:9] == b"{" and b"__metadata__" in data[:4096]:
        raise _Invalid("it looks like a safetensors file; rename it to end in .safetensors.")
    if expected == "safetensors" and data.lstrip()[:1] in (b"{", b"["):
        raise _Invalid("it looks like JSON text; rename it to end in .json.")


def _as_path(path: Any, action: str) -> Path:
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise ModelFileError(f"{action}() takes a file path (str or pathlib.Path); received {_short(repr(path))}.") \
            from None
    if p.suffix.lower() not in SUFFIXES:
        got = f"the extension {p.suffix!r}" if p.suffix else "no extension"
        raise ModelFileError(f"Cannot {action} model file '{p}': it has {got}. A model file ends in .json "
                             "(readable text) or .safetensors (binary, for large networks).")
    return p


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _kind(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean", type(None): "null"}.get(type(v), type(v).__name__)


def _short(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"
