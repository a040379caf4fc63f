"""Cells as people write them -> a column the preprocessing can read.

A CSV cell is text; what it means depends on the column. This module decides it once,
cell by cell, and stores a column compactly (8 + 4 bytes a row, whatever the text)::

    values[b]   float64   the cell's number when it is a plain finite number, else NaN
    codes[b]    int8/32   NUMBER (-1), MISSING (-2), or k: the cell is the text texts[k] (int8 while
                          a column read from a file has at most 127 distinct texts)
    texts       list      the distinct other texts, each stored once (stripped; also "inf" and
                          "1e999": kept as written, so that a message can quote them)

A plain number is ASCII only and strict: ``[+-]digits[.digits][e[+-]digits]`` (also
``inf``); Python's ``float()`` is not used to decide, because it also accepts ``1_000`` and
full-width digits ``１２``, which are not numbers a CSV file means. A missing cell is an
empty one or one of the usual spellings (:data:`NA_SPELLINGS`, case-insensitive).

Numbers as people write them (``71,287``, ``1 234``, ``35.4%``, ``$1,200.50``) stay texts
here; :func:`written_number` reads them, and the preprocessing decides per column whether
to (a column that is otherwise numeric), and stores that choice.
"""

from __future__ import annotations

import math
import mmap
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

NUMBER = -1   # codes[b]: the cell is the plain number values[b]
MISSING = -2  # codes[b]: the cell is empty or an NA spelling
TEXT = 0      # sort_text: the cell is a text (its code is then its index among the column's texts)

NA_SPELLINGS = frozenset({"", "na", "n/a", "nan", "null", "none", "nil", "?", "-", "--", "#n/a", "missing", "<na>",
                          "na/na", ".", "#na"})

# ASCII digits only: Python's \d and float() also take other scripts' digits and "1_000".
_PLAIN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?inf(?:inity)?", re.IGNORECASE)
CURRENCY = "$€£¥₹"
# The thousands separators: comma, space, no-break space, narrow no-break space, thin space, apostrophe.
THOUSANDS = (",", " ", "\u00a0", "\u202f", "\u2009", "'")
_WRITTEN = re.compile(
    r"(?P<sign>[+-]?)\s?(?P<cur>[" + re.escape(CURRENCY) + r"]?)\s?"
    r"(?P<int>[0-9]{1,3}(?:(?P<sep>[, \u00a0\u202f\u2009'])[0-9]{3})(?:(?P=sep)[0-9]{3})*|[0-9]+)"
    r"(?P<frac>\.[0-9]+)?\s?(?P<pct>%?)")


def fresh_array(shape, dtype=np.float64) -> np.ndarray:
    """An uninitialised array, its pages mapped in one system call when it is large (Linux MAP_POPULATE).

    Why: filling a large new array page by page costs more than the parsing that fills it on some
    machines (on the shared, virtualized one the benchmarks ran on, 504 MiB took 4.8 s faulted in page
    by page, 0.8–1.9 s mapped at once; filling it afterwards 0.07 s). Idle, mapping it takes 0.18 s
    every run; ``np.empty`` (which asks for transparent huge pages) took 0.03 s when the process before
    had just freed such pages and 0.2–1.3 s when it had not, so the cost is kept predictable. Elsewhere:
    ``np.empty``.
    """
    dtype = np.dtype(dtype)
    n = int(np.prod(shape)) * dtype.itemsize
    flags = getattr(mmap, "MAP_POPULATE", 0)
    if n < 2 ** 20 or not flags:
        return np.empty(shape, dtype)
    try:
        buf = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | flags)
    except (OSError, ValueError):
        return np.empty(shape, dtype)
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


def sort_text(s: str) -> tuple[int, float]:
    """A stripped text cell: (NUMBER, its value) for a plain finite number, (MISSING, nan) for an NA
    spelling, (TEXT, nan) for anything else. The one rule for every reader."""
    v = plain_number(s)
    if v is not None and math.isfinite(v):
        return NUMBER, v
    return (MISSING if s.lower() in NA_SPELLINGS else TEXT), math.nan


def is_missing(text: str) -> bool:
    """True for an empty cell and the usual spellings of 'no value': NA, NaN, null, None, ?, …"""
    return text.strip().lower() in NA_SPELLINGS


def plain_number(text: str) -> float | None:
    """The number a cell holds when it is written plainly (ASCII, strict), else None."""
    s = text.strip()
    return float(s) if _PLAIN.fullmatch(s) else None


def written_number(text: str) -> tuple[float, dict] | None:
    """``(value, style)`` for a number written with thousands separators, a % or a currency sign, else None.

    ``style`` says what was there: ``{"thousands": ",", "percent": True, "currency": "$"}``
    (only the keys that apply). ``35.4%`` is 35.4: the column keeps its own units.
    """
    m = _WRITTEN.fullmatch(text.strip())
    if not m:
        return None
    style: dict[str, Any] = {}
    if m["sep"]:
        style["thousands"] = m["sep"]
    if m["pct"]:
        style["percent"] = True
    if m["cur"]:
        style["currency"] = m["cur"]
    if not style:
        return None
    digits = m["int"].replace(m["sep"] or ",", "") + (m["frac"] or "")
    return float(m["sign"] + digits), style


def style_allows(style: dict, allowed: dict) -> bool:
    """Whether a cell written in ``style`` fits a column's stored parsing choice ``allowed``."""
    return all(allowed.get(k) == v for k, v in style.items())


def style_text(style: dict) -> str:
    """'thousands separator ",", % sign, currency sign "$"' for a column's stored choice (lists of what was seen)."""
    parts = []
    seps = style.get("thousands", [])
    if seps:
        names = ["spaces" if not s.strip() else repr(s) for s in seps]
        parts.append(f"thousands separator{'s' if len(seps) > 1 else ''} {' and '.join(dict.fromkeys(names))}")
    if style.get("percent"):
        parts.append("a % sign")
    if style.get("currency"):
        parts.append(f"currency sign {' '.join(style['currency'])}")
    return ", ".join(parts)


@dataclass
class Column:
    """One column of a table, stored by kind of cell (see the module docstring)."""

    values: np.ndarray       # (B,) float64
    codes: np.ndarray        # (B,) int8 or int32
    texts: list[str]

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, b: int) -> str:
        """Row b's cell as text ('' when missing)."""
        return self.cell(int(b))

    @classmethod
    def from_cells(cls, cells: Iterable[Any]) -> "Column":
        """A column from Python values: str cells are read as from a file; numbers are numbers;
        None and NaN are missing."""
        cells = cells if isinstance(cells, (list, tuple, np.ndarray)) else list(cells)
        if isinstance(cells, np.ndarray) and cells.dtype.kind in "fiub":
            values = cells.astype(np.float64).ravel()
            codes = np.where(np.isnan(values), MISSING, NUMBER).astype(np.int32)
            return cls(values, codes, [])
        n = len(cells)
        values = np.full(n, np.nan)
        codes = np.empty(n, dtype=np.int32)
        index: dict[str, int] = {}
        for b, c in enumerate(cells):
            if c is None or (isinstance(c, (float, np.floating)) and math.isnan(c)):
                codes[b] = MISSING
            elif isinstance(c, (bool, np.bool_)):
                codes[b] = index.setdefault(str(bool(c)).lower(), len(index))
            elif isinstance(c, (int, float, np.integer, np.floating)):
                values[b], codes[b] = float(c), NUMBER
            else:
                s = str(c).strip()
                kind, values[b] = sort_text(s)
                codes[b] = kind if kind != TEXT else index.setdefault(s, len(index))
        return cls(values, codes, list(index))

    @classmethod
    def concat(cls, parts: Sequence["Column"]) -> "Column":
        """One column from consecutive pieces (the reader's chunks): texts merged, codes renumbered."""
        if len(parts) == 1:
            return parts[0]
        index: dict[str, int] = {}
        codes = []
        for p in parts:
            remap = np.array([index.setdefault(s, len(index)) for s in p.texts] or [0], dtype=np.int32)
            c = p.codes.copy()
            is_text = c >= 0
            c[is_text] = remap[c[is_text]]
            codes.append(c)
        return cls(np.concatenate([p.values for p in parts]), np.concatenate(codes), list(index))

    def take(self, index: np.ndarray) -> "Column":
        """The rows ``index``, in that order (texts are kept whole: codes stay valid)."""
        return Column(self.values[index], self.codes[index], self.texts)

    # -- what the cells are -------------------------------------------------------------
    @property
    def missing(self) -> np.ndarray:
        return self.codes == MISSING

    @property
    def n_missing(self) -> int:
        return int(np.count_nonzero(self.codes == MISSING))

    def cell(self, b: int) -> str:
        """Row b's cell as text, for messages."""
        k = int(self.codes[b])
        if k == MISSING:
            return ""
        return self.texts[k] if k >= 0 else _number_text(float(self.values[b]))

    def counts(self) -> dict[str, int]:
        """How many filled cells hold each label (numbers as in :meth:`labels`)."""
        out: dict[str, int] = {}
        is_text = self.codes >= 0
        if is_text.any():
            c = np.bincount(self.codes[is_text], minlength=len(self.texts))
            for k in np.flatnonzero(c).tolist():
                out[self.texts[k]] = int(c[k])
        is_num = self.codes == NUMBER
        if is_num.any():
            u, c = np.unique(self.values[is_num], return_counts=True)
            for v, n in zip(u.tolist(), c.tolist()):
                label = _number_text(v)
                out[label] = out.get(label, 0) + n
        return out

    def lookup(self, index: dict[str, int], unknown: int = -1, missing: int = -1) -> np.ndarray:
        """Each cell's ``index[label]`` (B,) int64: ``unknown`` for labels not in it, ``missing`` for missing cells.

        Vectorized: each distinct text and each distinct number is looked up once.
        """
        out = np.full(len(self), missing, dtype=np.int64)
        is_text = self.codes >= 0
        if is_text.any():
            of_text = np.array([index.get(s, unknown) for s in self.texts] or [unknown], dtype=np.int64)
            out[is_text] = of_text[self.codes[is_text]]
        is_num = self.codes == NUMBER
        if is_num.any():
            u, inv = np.unique(self.values[is_num], return_inverse=True)
            of_num = np.array([index.get(_number_text(v), unknown) for v in u.tolist()], dtype=np.int64)
            out[is_num] = of_num[inv.ravel()]
        return out

    def labels(self) -> list[str | None]:
        """Every cell as a category label (numbers canonical: '1.0' and '1' are '1'); None when missing."""
        number_text = {}
        out: list[str | None] = []
        texts = self.texts
        for v, k in zip(self.values.tolist(), self.codes.tolist()):
            if k >= 0:
                out.append(texts[k])
            elif k == MISSING:
                out.append(None)
            else:
                t = number_text.get(v)
                if t is None:
                    t = number_text[v] = _number_text(v)
                out.append(t)
        return out


def _number_text(v: float) -> str:
    """A number as a label: integers without '.0', others as Python writes them."""
    if math.isfinite(v) and v == int(v) and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v)


def canonical(cell: Any) -> str:
    """A label as text, so that '1', ' 1' and '1.0' are the same class: integers lose their '.0'."""
    if isinstance(cell, (float, np.floating, int, np.integer)) and not isinstance(cell, bool):
        return _number_text(float(cell))
    s = str(cell).strip()
    v = plain_number(s)
    return _number_text(v) if v is not None and math.isfinite(v) else s
