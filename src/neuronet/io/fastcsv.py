"""Reading a CSV file by path fast: numba kernels over the file's bytes, a block at a time.

Why not the csv module: on a 1,000,000-row file it spends ~10 s making Python strings of
every cell, and a list of 22 million strings needs gigabytes. Why not pandas: it is not a
dependency. The kernels here do what the csv module does (same quoting rules, same
results, checked by tests against :func:`neuronet.io.table.read_stream` on text streams) but
store each block straight into compact columns (:mod:`neuronet.io.columns`):

1. ``_scan`` splits a block into records and fields (start, end offsets), following quotes
   across lines, and stops at the last complete record; a bad record count, an over-long
   field or a quote left open at the end of the file is an error code with its line.
2. ``_classify`` sorts each field: a plain number (parsed exactly when it has at most 15
   significant digits and a decimal exponent within ±22, Clinger's fast path: one
   correctly rounded operation), a number needing a full parse (Python's ``float``),
   a missing cell, or text.
3. ``_factorize`` gives equal texts one code by hashing their bytes, so Python decodes
   each distinct text once, not once a cell.

Memory: the file is read in blocks of BLOCK bytes, into working arrays reused block by block; the
columns' final arrays (12 bytes per cell) are sized from the first block and filled in place.
On the machines this was measured on, touching fresh memory costs more than parsing, so the
reader allocates as little of it as it can.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numba
import numpy as np

from ..errors import DataError
from .columns import MISSING, NA_SPELLINGS, NUMBER, TEXT, Column, fresh_array, sort_text
from .table import MAX_FIELD, MAX_LINE, Table, column_names, decode, too_long, unclosed_quote

BLOCK = 8 * 2 ** 20
SCAN_ROWS = 65_536
_QUOTE, _COMMA, _LF, _CR = 34, 44, 10, 13
# _scan's result codes
_OK, _MORE, _FIELDS, _LONG, _UNCLOSED = 0, 1, 2, 3, 4
# _classify's kinds of cell
_NUM, _MISS, _TEXT, _SLOW = 0, 1, 2, 3

_NA = sorted(s for s in NA_SPELLINGS if s and s.isascii())
_NA_BYTES = np.zeros((len(_NA), max(map(len, _NA))), dtype=np.uint8)
_NA_LEN = np.array([len(s) for s in _NA], dtype=np.int64)
for _k, _s in enumerate(_NA):
    _NA_BYTES[_k, :len(_s)] = np.frombuffer(_s.encode("ascii"), dtype=np.uint8)
_POW10 = np.array([10.0 ** k for k in range(23)])


@numba.njit(cache=True, nogil=True)
def _scan(buf, pos, n, ncols, final, starts, ends, flags, rowline, line, max_field):
    """Split buf[pos:n] into records of ``ncols`` fields; returns (rows, pos, line, code, err_line, err_value).

    A field's (start, end) is its content (inside the quotes); flag 1 = it was quoted, flag 2 =
    it needs the csv module's unquoting (doubled quotes, text after the closing quote), and
    then (start, end) is the raw field.
    """
    cap = starts.shape[1]
    rows = 0
    while rows < cap and pos < n:
        rec_pos, rec_line = pos, line
        c = buf[pos]
        if c == _LF:                                       # a blank line
            pos += 1
            line += 1
            continue
        if c == _CR:
            if pos + 1 >= n and not final:
                return rows, rec_pos, rec_line, _MORE, 0, 0
            pos += 2 if pos + 1 < n and buf[pos + 1] == _LF else 1
            line += 1
            continue
        f = 0
        more = False
        blank = True
        while True:
            flag = 0
            if pos < n and buf[pos] == _QUOTE:
                flag = 1
                open_line = line
                pos += 1
                cstart = pos
                closed = False
                while pos < n:
                    b = buf[pos]
                    if b == _QUOTE:
                        if pos + 1 < n and buf[pos + 1] == _QUOTE:
                            flag = 2
                            pos += 2
                            continue
                        if pos + 1 >= n and not final:
                            break
                        closed = True
                        break
                    if b == _LF:
                        line += 1
                    pos += 1
                    if pos - cstart > max_field:
                        return rows, rec_pos, rec_line, _LONG, open_line, 1
                if not closed:
                    if final:
                        return rows, rec_pos, rec_line, _UNCLOSED, open_line, 0
                    more = True
                    break
                cend = pos
                pos += 1
                while pos < n and buf[pos] != _COMMA and buf[pos] != _LF and buf[pos] != _CR:
                    flag = 2
                    pos += 1
                if flag == 2:
                    cstart = cstart - 1
                    cend = pos
                blank = False
            else:
                cstart = pos
                while pos < n and buf[pos] != _COMMA and buf[pos] != _LF and buf[pos] != _CR:
                    b = buf[pos]
                    if b != 32 and b != 9:
                        blank = False
                    pos += 1
                cend = pos
                if cend - cstart > max_field:
                    return rows, rec_pos, rec_line, _LONG, line, 0
            if f < ncols:
                starts[f, rows] = cstart
                ends[f, rows] = cend
                flags[f, rows] = flag
            f += 1
            if pos >= n:
                if not final:
                    more = True
                break
            c = buf[pos]
            if c == _COMMA:
                pos += 1
                blank = False
                continue
            if c == _CR:
                if pos + 1 >= n and not final:
                    more = True
                    break
                pos += 2 if pos + 1 < n and buf[pos + 1] == _LF else 1
            else:
                pos += 1
            line += 1
            break
        if more:
            return rows, rec_pos, rec_line, _MORE, 0, 0
        if f == 1 and blank and ncols > 1:                 # a line of spaces only
            continue
        if f != ncols:
            return rows, rec_pos, rec_line, _FIELDS, rec_line, f
        rowline[rows] = rec_line
        rows += 1
    return rows, pos, line, _OK, 0, 0


@numba.njit(cache=True, nogil=True, inline="always")
def _classify_cell(buf, starts, ends, flags, r, col, values, kinds, na_bytes, na_len, pow10):
    """Sort the cell of row r, column ``col`` (see the module docstring); a plain number's value goes to
    ``values[col, r]``, and the cell's bounds are stripped of spaces in place (``_written`` undoes it)."""
    s = starts[col, r]
    e = ends[col, r]
    if flags[col, r] == 2:
        kinds[col, r] = _TEXT
        return
    while s < e and (buf[s] == 32 or buf[s] == 9):
        s += 1
    while e > s and (buf[e - 1] == 32 or buf[e - 1] == 9):
        e -= 1
    starts[col, r] = s
    ends[col, r] = e
    if s == e:
        kinds[col, r] = _MISS
        return
    # [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
    p = s
    neg = False
    if buf[p] == 43 or buf[p] == 45:
        neg = buf[p] == 45
        p += 1
    m = 0
    sig = 0
    exp10 = 0
    nd = 0
    while p < e and 48 <= buf[p] <= 57:
        d = buf[p] - 48
        if sig > 0 or d != 0:
            if sig < 18:
                m = m * 10 + d
            else:
                exp10 += 1
            sig += 1
        nd += 1
        p += 1
    if p < e and buf[p] == 46:
        p += 1
        while p < e and 48 <= buf[p] <= 57:
            d = buf[p] - 48
            if sig > 0 or d != 0:
                if sig < 18:
                    m = m * 10 + d
                    exp10 -= 1
                sig += 1
            else:
                exp10 -= 1
            nd += 1
            p += 1
    ok = nd > 0
    if ok and p < e and (buf[p] == 101 or buf[p] == 69):
        p += 1
        eneg = False
        if p < e and (buf[p] == 43 or buf[p] == 45):
            eneg = buf[p] == 45
            p += 1
        ne = 0
        ev = 0
        while p < e and 48 <= buf[p] <= 57:
            if ev < 100000:
                ev = ev * 10 + (buf[p] - 48)
            ne += 1
            p += 1
        ok = ne > 0
        exp10 += -ev if eneg else ev
    if ok and p == e:
        if sig <= 15 and -22 <= exp10 <= 22:
            v = float(m)
            v = v * pow10[exp10] if exp10 >= 0 else v / pow10[-exp10]
            values[col, r] = -v if neg else v
            kinds[col, r] = _NUM
        elif sig == 0:
            values[col, r] = -0.0 if neg else 0.0
            kinds[col, r] = _NUM
        else:
            kinds[col, r] = _SLOW
        return
    kinds[col, r] = _TEXT
    n = e - s
    for k in range(na_len.shape[0]):                    # NA spellings (ASCII, any case)
        if na_len[k] != n:
            continue
        same = True
        for q in range(n):
            b = buf[s + q]
            if 65 <= b <= 90:
                b += 32
            if b != na_bytes[k, q]:
                same = False
                break
        if same:
            kinds[col, r] = _MISS
            break


@numba.njit(cache=True, nogil=True, parallel=True)
def _classify_all(buf, starts, ends, flags, rows, values, kinds, na_bytes, na_len, pow10):
    """``_classify_cell`` for every cell, tile of rows by tile (the buffer is read about in order), the tiles
    shared among numba's threads: (ncols, rows) results."""
    ncols = values.shape[0]
    step = 256                                   # a tile of rows: its bytes stay in the core's cache while
    for k in numba.prange((rows + step - 1) // step):          # every column of it is classified
        a = k * step
        b = min(a + step, rows)
        for col in range(ncols):
            for r in range(a, b):
                _classify_cell(buf, starts, ends, flags, r, col, values, kinds, na_bytes, na_len, pow10)


@numba.njit(cache=True, nogil=True)
def _factorize(buf, lo, hi, which, codes):
    """Equal byte strings buf[lo:hi] (for the rows ``which``) get equal codes 0, 1, …; returns the first row
    of each code. The hash table starts small (a column of a few categories stays in the L1 cache) and
    doubles when half full."""
    size = 64
    slots = np.full(size, -1, dtype=np.int64)
    firsts = np.empty(len(which), dtype=np.int64)
    hashes = np.empty(len(which), dtype=np.uint64)
    n_codes = 0
    for r in which:
        s, e = lo[r], hi[r]
        h = np.uint64(14695981039346656037)
        for q in range(s, e):
            h = (h ^ np.uint64(buf[q])) * np.uint64(1099511628211)
        k = np.int64(h & np.uint64(size - 1))
        while True:
            u = slots[k]
            if u < 0:
                slots[k] = n_codes
                firsts[n_codes] = r
                hashes[n_codes] = h
                codes[r] = n_codes
                n_codes += 1
                if 2 * n_codes > size:                       # rehash into a table twice the size
                    size *= 2
                    slots = np.full(size, -1, dtype=np.int64)
                    for v in range(n_codes):
                        j = np.int64(hashes[v] & np.uint64(size - 1))
                        while slots[j] >= 0:
                            j = (j + 1) & (size - 1)
                        slots[j] = v
                break
            if hashes[u] == h:
                f = firsts[u]
                fs, fe = lo[f], hi[f]
                if fe - fs == e - s:
                    same = True
                    for q in range(e - s):
                        if buf[fs + q] != buf[s + q]:
                            same = False
                            break
                    if same:
                        codes[r] = u
                        break
            k = (k + 1) & (size - 1)
    return firsts[:n_codes]


def _field_text(buf: np.ndarray, s: int, e: int, flag: int) -> str:
    raw = buf[s:e].tobytes().decode("utf-8")
    if flag == 2:                                      # the csv module's own unquoting
        return next(csv.reader(io.StringIO(raw, newline="")))[0]
    return raw


class _Builder:
    """One column's final arrays, filled block by block in place (fresh memory is the costly part of reading
    a big file: no per-block arrays, no concatenation). Sized by an estimate of the row count; grown if short."""

    def __init__(self, n: int, keep: bool):
        self.values = fresh_array(n)
        self.codes = fresh_array(n, np.int8)             # int32 once the column has more than 127 texts
        self.index: dict[str, int] = {}
        self.raw: list[str] | None = [] if keep else None

    def grow(self, n: int) -> None:
        self.values = np.concatenate([self.values, np.empty(n - len(self.values))])
        self.codes = np.concatenate([self.codes, np.empty(n - len(self.codes), dtype=self.codes.dtype)])

    def column(self, n: int) -> Column:
        return Column(self.values[:n], self.codes[:n], list(self.index))

    def add(self, buf, flags, values, kinds, lo, hi, rows: int, col: int, at: int) -> None:
        """Rows at … at + rows: one block's cells of column ``col`` from ``_classify_all``'s results for it
        (values, kinds and the bounds lo, hi stripped of spaces, each (rows,))."""
        out_v, out_c = self.values[at:at + rows], self.codes[at:at + rows]
        out_v[:] = values
        out_v[kinds != _NUM] = np.nan                    # the working array holds old values there
        out_c[:] = NUMBER
        out_c[kinds == _MISS] = MISSING
        slow = np.flatnonzero(kinds == _SLOW)
        if len(slow):                                   # more than 15 digits: NumPy's correctly rounded parse
            out_v[slow] = _parse_slow(buf, lo, hi, slow)
            kinds[slow[~np.isfinite(out_v[slow])]] = _TEXT  # 1e999: kept as written, refused where it is used
        which = np.flatnonzero(kinds == _TEXT)
        if len(which):
            local = np.empty(rows, dtype=np.int64)
            firsts = _factorize(buf, lo, hi, which, local)
            final = np.empty(len(firsts), dtype=np.int64)
            number = np.full(len(firsts), np.nan)
            for u, r in enumerate(firsts.tolist()):
                text = _field_text(buf, int(lo[r]), int(hi[r]), int(flags[col, r])).strip()
                kind, number[u] = sort_text(text)
                final[u] = kind if kind != TEXT else self.index.setdefault(text, len(self.index))
            if len(self.index) > 127 and self.codes.dtype == np.int8:
                self.codes = self.codes.astype(np.int32)
                out_c = self.codes[at:at + rows]
            out_c[which] = final[local[which]]
            out_v[which] = number[local[which]]
        if self.raw is not None:
            self.raw += [_written(buf, int(lo[r]), int(hi[r]), int(flags[col, r])) for r in range(rows)]


@numba.njit(cache=True, nogil=True)
def _gather(buf, lo, hi, which, width):
    """The fields buf[lo[r]:hi[r]] for the rows ``which``, as rows of a (n, width) byte matrix padded with zeros."""
    out = np.zeros((len(which), width), dtype=np.uint8)
    for i in range(len(which)):
        r = which[i]
        for q in range(hi[r] - lo[r]):
            out[i, q] = buf[lo[r] + q]
    return out


def _parse_slow(buf: np.ndarray, lo: np.ndarray, hi: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Numbers the fast path leaves (over 15 significant digits, exponents beyond ±22), all at once: NumPy's
    bytes-to-float cast, correctly rounded like Python's float(); the syntax was checked by ``_classify_cell``."""
    width = int((hi[which] - lo[which]).max())
    if width > 64:
        return np.array([float(buf[lo[r]:hi[r]].tobytes()) for r in which.tolist()])
    return _gather(buf, lo, hi, which, width).view(f"S{width}").ravel().astype(np.float64)


def _written(buf: np.ndarray, s: int, e: int, flag: int) -> str:
    """A field as the csv module gives it, from its bounds stripped of spaces: the spaces back, unquoted."""
    if flag == 2:
        return _field_text(buf, s, e, 2)
    while s > 0 and buf[s - 1] in (32, 9):
        s -= 1
    while e < len(buf) and buf[e] in (32, 9):
        e += 1
    if flag == 1:                                        # with its quotes: the csv module removes them
        return _field_text(buf, s - 1, e + 1, 2)
    return _field_text(buf, s, e, 0)


def _header(data: bytes, name: str) -> tuple[list[str], int, int]:
    """The header record: (its fields, its line, the byte offset after it); blank lines before it are skipped."""
    pos, line = 0, 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            end = len(data)
        piece = data[pos:end + 1]
        if len(piece) > MAX_LINE:
            raise DataError(f"{name}, line {line + 1}: longer than {MAX_LINE:,} characters. A CSV line holds one "
                            "example; check that this is a CSV file with line breaks.")
        line += 1
        if not piece:
            raise DataError(f"{name} is empty: expected a header row naming the columns, then one row per example.")
        text = decode(piece, name) if pos == 0 else piece.decode("utf-8", "replace")
        if text.strip() and '"' not in text:
            try:
                return next(csv.reader([text])), line, end + 1
            except csv.Error as exc:                   # worded as the stream reader words it
                if "field larger than field limit" in str(exc):
                    raise DataError(too_long(name, line)) from None
                raise DataError(f"{name}, line {line}: not valid CSV ({exc}).") from None
        if text.strip():
            break
        pos = end + 1
    # a quoted header (perhaps over several lines): let the csv module find its end
    rest = decode(data[pos:pos + MAX_LINE], name) if pos == 0 else data[pos:pos + MAX_LINE].decode("utf-8", "replace")
    lines = rest.splitlines(keepends=True)
    opened = unclosed_quote(lines)
    if opened is not None:
        raise DataError(f"{name}, line {line + opened}: a quote opens here and is never closed. Close the quote.")
    reader = csv.reader(io.StringIO(rest, newline=""))
    fields = next(reader)
    used = sum(len(s.encode("utf-8")) for s in lines[:reader.line_num])
    bom = 3 if pos == 0 and data.startswith(b"\xef\xbb\xbf") else 0
    return fields, line, pos + used + bom


def read_path(path: Path, name: str, size: int, keep_text=()) -> Table:
    """Read the regular file at ``path`` (``size`` bytes) into a Table; the same result as the csv module's."""
    keep_text = set(keep_text)
    with open(path, "rb") as fh:
        data = fh.read(BLOCK)
        store = bytearray(2 * BLOCK)                      # the blocks after the first, reused (fresh memory is slow)
        header, header_line, offset = _header(data, name)
        names = column_names(header, name, header_line)
        ncols = len(names)
        buf = np.frombuffer(data, dtype=np.uint8)
        pos, line, final = offset, data[:offset].count(b"\n") + 1, len(data) < BLOCK
        cap = min(max(1024, BLOCK // max(8, 2 * ncols)), SCAN_ROWS)  # rows per scan (a block may take several)
        starts = fresh_array((ncols, cap), np.int64)             # field k of row r: buf[starts[k, r]:ends[k, r]]
        ends = fresh_array((ncols, cap), np.int64)
        flags = fresh_array((ncols, cap), np.uint8)
        values = fresh_array((ncols, cap))                        # _classify_all's results, reused block by block
        kinds = fresh_array((ncols, cap), np.int8)
        rowline = np.empty(cap, dtype=np.int64)
        builders: list[_Builder] = []
        lines = np.empty(0, dtype=np.int64)
        n = 0
        while True:
            rows, new_pos, line, code, err_line, err_value = _scan(buf, pos, len(buf), ncols, final, starts, ends,
                                                                   flags, rowline, line, MAX_FIELD)
            _check(code, err_line, err_value, name, ncols)
            if rows:
                _check_text(buf, pos, new_pos, name, line)
                if not builders:                          # size the columns by the first block's bytes per row
                    guess = int(size / max(new_pos - pos, 1) * rows * 1.02) + 1024
                    builders = [_Builder(guess, k in keep_text) for k in names]
                    lines = np.empty(guess, dtype=np.int64)
                if n + rows > len(lines):
                    more_rows = max(n + rows, int(len(lines) * 1.25))
                    for b in builders:
                        b.grow(more_rows)
                    lines = np.concatenate([lines, np.empty(more_rows - len(lines), dtype=np.int64)])
                _classify_all(buf, starts, ends, flags, rows, values, kinds, _NA_BYTES, _NA_LEN, _POW10)
                for k, b in enumerate(builders):
                    b.add(buf, flags, values[k, :rows], kinds[k, :rows], starts[k, :rows], ends[k, :rows], rows, k, n)
                lines[n:n + rows] = rowline[:rows]
                n += rows
            pos = new_pos
            if code == _OK and rows == cap:
                continue                                   # the row arrays are full: scan on
            if final:
                break
            rest = buf[pos:].tobytes()
            if len(rest) > max(MAX_LINE, ncols * (MAX_FIELD + 3)):
                raise DataError(f"{name}, line {line}: a record longer than {len(rest):,} bytes. A CSV line holds "
                                "one example; check for an unclosed quote.")
            if len(rest) + BLOCK > len(store):
                store = bytearray(len(rest) + BLOCK)
            store[:len(rest)] = rest                       # the unfinished record, then the next block after it
            got = fh.readinto(memoryview(store)[len(rest):len(rest) + BLOCK])
            final = got < BLOCK
            buf = np.frombuffer(store, dtype=np.uint8, count=len(rest) + got)
            pos = 0
    if not n:
        raise DataError(f"{name} has a header (line {header_line}) but no data rows.")
    columns = {h: b.column(n) for h, b in zip(names, builders)}
    raw = {h: b.raw for h, b in zip(names, builders) if b.raw is not None}
    return Table(name, columns, lines[:n], size_bytes=max(size, 1), raw=raw)


def _check(code: int, err_line: int, err_value: int, name: str, ncols: int) -> None:
    if code == _FIELDS:
        raise DataError(f"{name}, line {err_line}: expected {ncols} fields (as in the header), found {err_value}. "
                        "Check for a missing or extra comma, or quote fields that contain commas.")
    if code == _LONG:
        raise DataError(too_long(name, err_line))
    if code == _UNCLOSED:
        raise DataError(f"{name}, line {err_line}: a quote opens here and is never closed (the rest of the file "
                        "would be one cell). Close the quote, or double a quote character inside a quoted field "
                        "(\"\").")


@numba.njit(cache=True, nogil=True)
def _ascii(buf, start, end):
    """Whether buf[start:end] is all ASCII (no byte of 128 or more)."""
    acc = np.uint8(0)
    for q in range(start, end):
        acc |= buf[q]
    return acc < 128


def _check_text(buf: np.ndarray, start: int, end: int, name: str, line_after: int) -> None:
    """The bytes of complete records must be UTF-8 text (ASCII, the common case, is checked in one pass)."""
    if _ascii(buf, start, end):
        return
    piece = buf[start:end].tobytes()
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_after - piece[exc.start:].count(b"\n")
        raise DataError(f"{name}, line {line}: not UTF-8 text (the byte {piece[exc.start]:#04x}). Save the file as "
                        "UTF-8.") from None
