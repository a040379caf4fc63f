"""Reading a CSV file by path fast: numba kernels over the file's bytes, a block at a time.

Why not the csv module: on a 1,000,000-row file it spends ~10 s making Python strings of
every cell, and a list of 22 million strings needs gigabytes. Why not pandas: it is not a
dependency. The kernels here do what the csv module does (same quoting rules, same
results, checked by tests against :func:`neuronet.io.table.read_stream` on text streams) but
store each block straight into compact columns (:mod:`neuronet.io.columns`):

1. ``_records`` splits records into fields, following quotes across lines, and sorts each
   field in the same pass, while its bytes are in cache: a plain number (read where it
   stands, exactly when it has at most 15 significant digits and a decimal exponent within
   ±22, Clinger's fast path: one correctly rounded operation on exact operands), a number
   needing a full parse (NumPy's correctly rounded one, later), a missing cell, or text.
   Its cells go straight to the columns' arrays. A bad field count, an over-long field or
   a quote left open at the end of the file is an error code with its line.
2. ``_records_parallel`` reads a block in pieces on numba's threads, each piece from the
   start of a line as if a record began there. Piece c's guess is confirmed when piece
   c − 1 ended exactly where c began; otherwise a quoted field spans the bound, c and the
   pieces after it are dropped, and the rest of the block is read in one piece. The rows
   of the kept pieces close up (``_close_gaps``), and their lines are numbered in order.
3. ``_factorize`` gives equal texts one code by hashing their bytes, so Python decodes
   each distinct text once, not once a cell (``_factorize_columns``: a column a thread).

Memory: the file is read in blocks of BLOCK bytes, into working arrays reused block by block; the
columns' final arrays (9 bytes per cell: float64 values, int8 codes) are sized from the first
block and filled in place. On the machines this was measured on, touching fresh memory costs
about as much as parsing, so the reader allocates as little of it as it can.

``fill_inputs`` (the preprocessing's input matrix for a big table) lives here too: it is the
other compiled kernel over tables, and numba is imported only when one of them is needed.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numba
import numpy as np

from ..errors import DataError
from .columns import MISSING, NA_SPELLINGS, NUMBER, TEXT, Column, fresh_array, sort_text
from .table import MAX_FIELD, MAX_LINE, Table, column_names, decode, too_long, unclosed_quote

BLOCK = 8 * 2 ** 20
SCAN_ROWS = 65_536          # rows read per call (a block may take several)
MIN_PIECE = 2 ** 20         # bytes a piece read in parallel holds at least
PIECES = 0                  # pieces read in parallel (0: numba's threads)
_QUOTE, _COMMA, _LF, _CR = 34, 44, 10, 13
# _records' result codes
_OK, _MORE, _FIELDS, _LONG, _UNCLOSED = 0, 1, 2, 3, 4
# a cell's code while its block is read, besides NUMBER and MISSING: a text, a number for NumPy's exact parse
_TEXT, _SLOW = -3, -4

_NA = sorted(s for s in NA_SPELLINGS if s and s.isascii())
_NA_BYTES = np.zeros((len(_NA), max(map(len, _NA))), dtype=np.uint8)
_NA_LEN = np.array([len(s) for s in _NA], dtype=np.int64)
for _k, _s in enumerate(_NA):
    _NA_BYTES[_k, :len(_s)] = np.frombuffer(_s.encode("ascii"), dtype=np.uint8)
_POW10 = np.array([10.0 ** k for k in range(23)])


def _powers_of_five(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """5**q (so 10**q) for q in lo … hi as 128-bit mantissas, top bit set: (high words, low words). The table of
    Eisel–Lemire's algorithm, computed as fast_float's generator does (exact integers: truncated for q ≥ 0,
    rounded up for q < 0), at import: a millisecond."""
    high, low = [], []
    for q in range(lo, hi + 1):
        if q >= 0:
            c = 5 ** q
            while c < 1 << 127:
                c <<= 1
            while c >= 1 << 128:
                c >>= 1
        else:
            power5 = 5 ** -q
            z = power5.bit_length() - (power5 & (power5 - 1) == 0)  # the smallest z with 2**z >= power5
            c = (1 << (z + 127 if q >= -27 else 2 * z + 128)) // power5 + 1
            while c >= 1 << 128:
                c >>= 1
        high.append(c >> 64)
        low.append(c & (2 ** 64 - 1))
    return np.array(high, dtype=np.uint64), np.array(low, dtype=np.uint64)


_EL_MIN, _EL_MAX = -342, 308                  # decimal exponents of the table (beyond: 0 or inf, NumPy's parse)
_POW5_HI, _POW5_LO = _powers_of_five(_EL_MIN, _EL_MAX)
_U32, _U63 = np.uint64(0xFFFFFFFF), np.uint64(1 << 63)
_S1, _S9, _S32, _S53, _S63 = np.uint64(1), np.uint64(9), np.uint64(32), np.uint64(53), np.uint64(63)
_LOW9, _ONE, _ZERO = np.uint64(0x1FF), np.uint64(1), np.uint64(0)


@numba.njit(cache=True, nogil=True, inline="always")
def _mul128(a, b):
    """The 128-bit product of two uint64: (high word, low word)."""
    a0, a1, b0, b1 = a & _U32, a >> _S32, b & _U32, b >> _S32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _S32) + (p01 & _U32) + (p10 & _U32)
    return p11 + (p01 >> _S32) + (p10 >> _S32) + (mid >> _S32), (mid << _S32) | (p00 & _U32)


@numba.njit(cache=True, nogil=True)
def _eisel_lemire(man, exp10, neg):
    """man · 10**exp10 (man: a nonzero uint64, exact) correctly rounded to float64, by Eisel and Lemire's
    algorithm as Go's strconv writes it (eiselLemire64): returns (ok, value); not ok where it cannot decide
    (halfway cases it cannot see, subnormal or overflowing results, exponents beyond the table): the caller
    then parses the text with NumPy's exact cast."""
    if exp10 < _EL_MIN or exp10 > _EL_MAX:
        return False, 0.0
    clz = 0
    while (man & _U63) == _ZERO:                            # normalization
        man = man << _S1
        clz += 1
    ret_exp2 = ((217706 * exp10) >> 16) + 64 + 1023 - clz
    i = exp10 - _EL_MIN
    x_hi, x_lo = _mul128(man, _POW5_HI[i])                  # multiplication
    if (x_hi & _LOW9) == _LOW9 and x_lo + man < man:        # wider approximation
        y_hi, y_lo = _mul128(man, _POW5_LO[i])
        merged_hi, merged_lo = x_hi, x_lo + y_hi
        if merged_lo < x_lo:
            merged_hi += _ONE
        if (merged_hi & _LOW9) == _LOW9 and merged_lo + _ONE == _ZERO and y_lo + man < man:
            return False, 0.0
        x_hi, x_lo = merged_hi, merged_lo
    msb = x_hi >> _S63                                      # shifting to 54 bits
    mant = x_hi >> (msb + _S9)
    ret_exp2 -= 1 - np.int64(msb)
    if x_lo == _ZERO and (x_hi & _LOW9) == _ZERO and (mant & np.uint64(3)) == _ONE:
        return False, 0.0                                   # halfway ambiguity
    mant += mant & _ONE                                     # from 54 to 53 bits
    mant = mant >> _S1
    if (mant >> _S53) > _ZERO:
        mant = mant >> _S1
        ret_exp2 += 1
    if ret_exp2 <= 0 or ret_exp2 >= 0x7FF:                  # subnormal, or beyond float64
        return False, 0.0
    v = math.ldexp(float(mant), ret_exp2 - 1075)            # mant < 2**53 and a normal result: both exact
    return True, -v if neg else v


@numba.njit(cache=True, nogil=True, inline="always")
def _digits(buf, p, e, m, lz):
    """The digits at buf[p:] (before e) appended to the integer m: returns (where they stop, m, lz), lz counting
    the leading zeros (digits read while m is 0). m wraps past 19 digits; the caller counts them."""
    while p < e:
        d = np.int64(buf[p]) - 48
        if d < 0 or d > 9:
            break
        m = m * 10 + d
        lz += m == 0
        p += 1
    return p, m, lz


@numba.njit(cache=True, nogil=True, inline="always")
def _number(buf, p, e, pow10):
    """The number written at buf[p:] (before e): returns (code, value, end), code NUMBER, _SLOW (a number the exact
    fast path cannot take: NumPy parses it) or _TEXT (no number there); ``end`` is where the number's syntax
    stops. Fast path: at most 15 significant digits and a decimal exponent within ±22 make one correctly
    rounded operation on exact operands (Clinger's), hence exactly Python's float()."""
    # [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
    neg = False
    if p < e and (buf[p] == 43 or buf[p] == 45):
        neg = buf[p] == 45
        p += 1
    q, m, lz = _digits(buf, p, e, 0, 0)   # the digits as one integer (exact as uint64 while at most 19)
    nd = q - p
    frac = 0
    p = q
    if p < e and buf[p] == 46:
        q, m, lz = _digits(buf, p + 1, e, m, lz)
        frac = q - p - 1
        nd += frac
        p = q
    if nd == 0:
        return _TEXT, np.nan, p
    exp10 = -frac
    if p < e and (buf[p] == 101 or buf[p] == 69):
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
        if ne == 0:
            return _TEXT, np.nan, p
        exp10 += -ev if eneg else ev
    sig = nd - lz                                      # significant digits
    if sig == 0:
        return NUMBER, -0.0 if neg else 0.0, p
    if sig <= 15 and -22 <= exp10 <= 22:               # Clinger's fast path
        v = float(m)
        v = v * pow10[exp10] if exp10 >= 0 else v / pow10[-exp10]
        return NUMBER, -v if neg else v, p
    if sig <= 19:
        ok, v = _eisel_lemire(np.uint64(m), exp10, neg)
        if ok:
            return NUMBER, v, p
    return _SLOW, np.nan, p


@numba.njit(cache=True, nogil=True)
def _sort_cell(buf, s, e, na_bytes, na_len, pow10):
    """Sort the field buf[s:e] (unquoted, or a quoted field's content): returns (code, value, s, e) with s, e
    stripped of spaces and tabs; code NUMBER with its value, MISSING (empty, or an NA spelling), _SLOW or _TEXT."""
    while s < e and (buf[s] == 32 or buf[s] == 9):
        s += 1
    while e > s and (buf[e - 1] == 32 or buf[e - 1] == 9):
        e -= 1
    if s == e:
        return MISSING, np.nan, s, e
    code, v, p = _number(buf, s, e, pow10)
    if code != _TEXT and p == e:
        return code, v, s, e
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
            return MISSING, np.nan, s, e
    return _TEXT, np.nan, s, e


@numba.njit(cache=True, nogil=True, inline="always")
def _records(buf, pos, end, n, final, rcap, row0, w0, values, codes, rowline, starts, ends, flags, texts,
             max_field, na_bytes, na_len, pow10):
    """Read the records of buf that start in buf[pos:end] (at most ``rcap``), splitting and sorting their cells in
    one pass while the bytes are in cache. Returns (rows, pos, lines, code, err_line, err_value, bytes_or).

    Row i's cells go to values[:, row0 + i], codes[:, row0 + i] (the column arrays) and to row row0 + i − w0 of
    the working arrays starts, ends, flags (each field's content: for flag 2, a field the csv module must unquote
    (doubled quotes, text after the closing quote), the raw field); ``texts[k]`` counts column k's cells that
    are _TEXT or _SLOW. Lines are counted from 0 at ``pos`` (rowline too); ``bytes_or`` ≥ 128 when a byte was
    not ASCII. A record that buf[:n] does not finish stops the reading (code _MORE) unless ``final``.
    """
    ncols = values.shape[0]
    rows = 0
    line = 0
    acc = 0
    while rows < rcap and pos < end:
        rec_pos, rec_line = pos, line
        c = buf[pos]
        if c == _LF:                                       # a blank line
            pos += 1
            line += 1
            continue
        if c == _CR:
            if pos + 1 >= n and not final:
                return rows, rec_pos, rec_line, _MORE, 0, 0, acc
            pos += 2 if pos + 1 < n and buf[pos + 1] == _LF else 1
            line += 1
            continue
        r = row0 + rows
        w = r - w0
        f = 0
        more = False
        while True:
            flag = 0
            code, v, s, e = -9, np.nan, pos, pos           # -9: sort the field once its bounds are known
            if pos < n and buf[pos] == _QUOTE:
                flag = 1
                open_line = line
                pos += 1
                cstart = pos
                closed = False
                while pos < n:
                    b = buf[pos]
                    acc |= b
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
                        return rows, rec_pos, rec_line, _LONG, open_line, 1, acc
                if not closed:
                    if final:
                        return rows, rec_pos, rec_line, _UNCLOSED, open_line, 0, acc
                    more = True
                    break
                cend = pos
                pos += 1
                while pos < n and buf[pos] != _COMMA and buf[pos] != _LF and buf[pos] != _CR:
                    acc |= buf[pos]
                    flag = 2
                    pos += 1
                if flag == 2:
                    cstart = cstart - 1
                    cend = pos
            else:
                # a number read where it stands (one pass over its bytes); anything else: found, then sorted
                cstart = pos
                s = pos
                while s < n and (buf[s] == 32 or buf[s] == 9):
                    s += 1
                code, v, e = _number(buf, s, n, pow10)
                pos = e
                while pos < n and (buf[pos] == 32 or buf[pos] == 9):
                    pos += 1
                ended = pos >= n or buf[pos] == _COMMA or buf[pos] == _LF or buf[pos] == _CR
                if ended and code == _TEXT and e == s:
                    code, v, e = MISSING, np.nan, s            # empty, or spaces only
                elif not ended or code == _TEXT:
                    while pos < n:
                        b = buf[pos]
                        if b == _COMMA or b == _LF or b == _CR:
                            break
                        acc |= b
                        pos += 1
                    code = -9
                cend = pos
                if cend - cstart > max_field:
                    return rows, rec_pos, rec_line, _LONG, line, 0, acc
            if f < ncols:
                if flag == 2:
                    code, v = _TEXT, np.nan
                elif code == -9:
                    code, v, cstart, cend = _sort_cell(buf, cstart, cend, na_bytes, na_len, pow10)
                else:
                    cstart, cend = s, e
                starts[w, f] = cstart
                ends[w, f] = cend
                flags[w, f] = flag
                values[f, r] = v
                codes[f, r] = code
                if code < MISSING:
                    texts[f] += 1
            f += 1
            if pos >= n:
                if not final:
                    more = True
                break
            c = buf[pos]
            if c == _COMMA:
                pos += 1
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
            return rows, rec_pos, rec_line, _MORE, 0, 0, acc
        if f == 1 and ncols > 1 and flags[w, 0] == 0 and starts[w, 0] == ends[w, 0]:
            continue                                       # a line of spaces only
        if f != ncols:
            return rows, rec_pos, rec_line, _FIELDS, rec_line, f, acc
        rowline[r] = rec_line
        rows += 1
    return rows, pos, line, _OK, 0, 0, acc


@numba.njit(cache=True, nogil=True, parallel=True)
def _records_parallel(buf, bounds, caps, row0s, n, final, w0, values, codes, rowline, starts, ends, flags, texts,
                      out, max_field, na_bytes, na_len, pow10):
    """``_records`` on the pieces buf[bounds[c]:bounds[c + 1]] at once, each from the start of a line as if a
    record began there (``read_path`` keeps the pieces whose guess the piece before confirms); piece c's rows go
    to row0s[c] …, at most caps[c] of them; its results to out[c]."""
    for c in numba.prange(len(bounds) - 1):
        rows, pos, lines, code, err_line, err_value, acc = _records(
            buf, bounds[c], bounds[c + 1], n, final, caps[c], row0s[c], w0, values, codes, rowline, starts, ends,
            flags, texts[c], max_field, na_bytes, na_len, pow10)
        out[c, 0], out[c, 1], out[c, 2], out[c, 3] = rows, pos, lines, code
        out[c, 4], out[c, 5], out[c, 6] = err_line, err_value, acc


@numba.njit(cache=True, nogil=True, parallel=True)
def _count_lines(buf, bounds, out):
    """out[c] = the line feeds in buf[bounds[c]:bounds[c + 1]]: at most that many records end in piece c."""
    for c in numba.prange(len(bounds) - 1):
        k = 0
        for q in range(bounds[c], bounds[c + 1]):
            k += np.int64(buf[q] == _LF)
        out[c] = k


@numba.njit(cache=True, nogil=True)
def _close_gaps(values, codes, rowline, starts, ends, flags, row0s, rows, lines0, dest, w0):
    """Move piece c's rows (row0s[c] …, rows[c] of them) to follow the rows before (from ``dest``), and make
    their line numbers the file's (lines0[c] is the line where piece c starts). Rows only move down."""
    ncols = values.shape[0]
    for c in range(len(rows)):
        for i in range(rows[c]):
            src = row0s[c] + i
            if src != dest:
                for k in range(ncols):
                    values[k, dest] = values[k, src]
                    codes[k, dest] = codes[k, src]
                    starts[dest - w0, k] = starts[src - w0, k]
                    ends[dest - w0, k] = ends[src - w0, k]
                    flags[dest - w0, k] = flags[src - w0, k]
            rowline[dest] = rowline[src] + lines0[c]
            dest += 1


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


GROUP = 8   # columns one call of _fill_inputs writes (a fixed number: one compiled signature, cached)


@numba.njit(cache=True, nogil=True, parallel=True)
def _fill_inputs(X, values, num, index, cat):
    """Write GROUP columns' inputs into X (B, n_in), a block of rows at a time (it stays in cache while each of
    the columns is written), the blocks shared among numba's threads. Numeric column c (num[c] = j, median,
    mean, std, indicator; j < 0: none): values[c] standardized into X[:, j], a missing cell (NaN) as the median,
    and its indicator after it; categorical column c (cat[c] = j, k; j < 0: none): X[:, j:j + k] one-hot of
    index[c] (-1: all zeros)."""
    B = X.shape[0]
    step = 512
    for blk in numba.prange((B + step - 1) // step):
        a = blk * step
        b = min(a + step, B)
        for c in range(len(values)):
            j = np.int64(num[c, 0])
            if j < 0:
                continue
            v = values[c]
            median, mean, std, indicator = num[c, 1], num[c, 2] * 0.5, num[c, 3] * 0.5, num[c, 4] != 0
            for r in range(a, b):
                x = v[r]
                gone = np.isnan(x)
                if gone:
                    x = median
                X[r, j] = (x * 0.5 - mean) / std          # as preprocess._standardized: on halves
                if indicator:
                    X[r, j + 1] = 1.0 if gone else 0.0
        for c in range(len(index)):
            j, k = cat[c, 0], cat[c, 1]
            if j < 0:
                continue
            i = index[c]
            for r in range(a, b):
                for q in range(k):
                    X[r, j + q] = 0.0
                if i[r] >= 0:
                    X[r, j + i[r]] = 1.0


def fill_inputs(X: np.ndarray, numeric: list, categorical: list) -> None:
    """X (B, n_in) from its columns' parts, with numba's threads (the preprocessing's path for big tables), GROUP
    columns a call: ``numeric`` holds (j, values, median, mean, std, indicator) with values NaN exactly where the
    cell is not a plain number (written numbers are the caller's to write afterwards), ``categorical`` (j, k,
    index)."""
    none_v, none_i = np.zeros(0), np.zeros(0, dtype=np.int32)
    for g in range(0, max(len(numeric), len(categorical)), GROUP):
        num, cat = numeric[g:g + GROUP], categorical[g:g + GROUP]
        values = tuple(np.ascontiguousarray(p[1], dtype=np.float64) for p in num) + (none_v,) * (GROUP - len(num))
        index = tuple(np.ascontiguousarray(p[2], dtype=np.int32) for p in cat) + (none_i,) * (GROUP - len(cat))
        num_table = np.full((GROUP, 5), -1.0)
        num_table[:len(num)] = [[p[0], p[2], p[3], p[4], p[5]] for p in num] or np.empty((0, 5))
        cat_table = np.full((GROUP, 2), -1, dtype=np.int64)
        cat_table[:len(cat)] = [[p[0], p[1]] for p in cat] or np.empty((0, 2))
        _fill_inputs(X, values, num_table, index, cat_table)


@numba.njit(cache=True, nogil=True, parallel=True)
def _factorize_columns(buf, starts, ends, codes, at, rows, ks, local, firsts, n_firsts):
    """``_factorize`` for the cells coded _TEXT of the columns ``ks`` (rows at … at + rows), a column a thread:
    column ks[i]'s codes go to local[i], its first rows to firsts[i, :n_firsts[i]]."""
    for i in numba.prange(len(ks)):
        k = ks[i]
        which = np.flatnonzero(codes[k, at:at + rows] == _TEXT)
        f = _factorize(buf, starts[:rows, k], ends[:rows, k], which, local[i])
        firsts[i, :len(f)] = f
        n_firsts[i] = len(f)


def _field_text(buf: np.ndarray, s: int, e: int, flag: int) -> str:
    raw = buf[s:e].tobytes().decode("utf-8")
    if flag == 2:                                      # the csv module's own unquoting
        return next(csv.reader(io.StringIO(raw, newline="")))[0]
    return raw


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
    """Numbers the fast paths leave (over 19 significant digits, results Eisel–Lemire cannot decide or that are
    subnormal or beyond float64), all at once: NumPy's bytes-to-float cast, correctly rounded like Python's
    float(); the syntax was checked by ``_number``."""
    width = int((hi[which] - lo[which]).max())
    if width > 64:
        return np.array([float(buf[lo[r]:hi[r]].tobytes()) for r in which.tolist()])
    with np.errstate(over="ignore"):                     # beyond float64: inf, kept as text by the caller
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


class _Columns:
    """The columns' final arrays, filled block by block in place (fresh memory is the costly part of reading a
    big file: no per-block arrays, no concatenation): values (ncols, N) float64, codes (ncols, N) int8 and the
    line of each row (N,), sized by an estimate of the row count N and grown if short; a column's codes become
    int32 (``wide``) once it has more than 127 texts."""

    def __init__(self, names: list[str], size: int, keep_text: set):
        self.values = fresh_array((len(names), size))
        self.codes = fresh_array((len(names), size), np.int8)
        self.lines = np.empty(size, dtype=np.int64)
        self.wide: dict[int, np.ndarray] = {}
        self.index: list[dict[str, int]] = [{} for _ in names]
        self.raw: list[list[str] | None] = [[] if h in keep_text else None for h in names]

    @property
    def size(self) -> int:
        return len(self.lines)

    def grow(self, n: int, need: int) -> None:
        """Room for at least ``need`` rows, keeping the first n."""
        size = max(need, int(self.size * 1.25))
        values, codes = fresh_array((len(self.values), size)), fresh_array((len(self.values), size), np.int8)
        values[:, :n], codes[:, :n] = self.values[:, :n], self.codes[:, :n]
        lines = np.empty(size, dtype=np.int64)
        lines[:n] = self.lines[:n]
        self.values, self.codes, self.lines = values, codes, lines
        for k, wide in self.wide.items():
            self.wide[k] = np.concatenate([wide[:n], np.empty(size - n, dtype=np.int32)])

    def columns(self, names: list[str], n: int) -> dict[str, Column]:
        return {h: Column(self.values[k, :n], self.wide[k][:n] if k in self.wide else self.codes[k, :n],
                          list(self.index[k])) for k, h in enumerate(names)}

    def parse_slow(self, buf, k: int, at: int, rows: int, lo, hi) -> None:
        """Rows at … at + rows of column k: its _SLOW cells (over 15 digits) by NumPy's correctly rounded parse."""
        out_v, out_c = self.values[k, at:at + rows], self.codes[k, at:at + rows]
        slow = np.flatnonzero(out_c == _SLOW)
        if len(slow):
            out_v[slow] = _parse_slow(buf, lo, hi, slow)
            finite = np.isfinite(out_v[slow])
            out_c[slow] = np.where(finite, NUMBER, _TEXT)  # 1e999: kept as written, refused where it is used

    def finish(self, buf, k: int, at: int, rows: int, lo, hi, flags, local, firsts) -> None:
        """Rows at … at + rows of column k: its _TEXT cells given their codes (each distinct text decoded once;
        ``local``, ``firsts``: ``_factorize``'s codes and first rows, or None when the column has no texts
        there), its cells kept as written if asked for. ``lo``, ``hi``, ``flags``: the cells' bounds, quoting."""
        out_v, out_c = self.values[k, at:at + rows], self.codes[k, at:at + rows]
        which = np.flatnonzero(out_c == _TEXT) if firsts is not None else np.empty(0, dtype=np.int64)
        final = None
        if len(which):
            final = np.empty(len(firsts), dtype=np.int64)
            number = np.full(len(firsts), np.nan)
            index = self.index[k]
            for u, r in enumerate(firsts.tolist()):
                text = _field_text(buf, int(lo[r]), int(hi[r]), int(flags[r])).strip()
                kind, number[u] = sort_text(text)
                final[u] = kind if kind != TEXT else index.setdefault(text, len(index))
            if len(index) > 127 and k not in self.wide:
                self.wide[k] = self.codes[k].astype(np.int32)
            out_v[which] = number[local[which]]
        if k in self.wide:
            out_c = self.wide[k][at:at + rows]
            out_c[:] = self.codes[k, at:at + rows]
        if final is not None:
            out_c[which] = final[local[which]]
        if self.raw[k] is not None:
            self.raw[k] += [_written(buf, int(lo[r]), int(hi[r]), int(flags[r])) for r in range(rows)]


class _Work:
    """The working arrays of one read: each cell's bounds and quoting (rows, ncols), reused call after call."""

    def __init__(self, ncols: int, cap: int):
        self.cap = cap
        self.starts = fresh_array((cap, ncols), np.int64)
        self.ends = fresh_array((cap, ncols), np.int64)
        self.flags = fresh_array((cap, ncols), np.uint8)


def _pieces(raw, pos: int, n: int, m: int, rows: int, per_row: float) -> list[int]:
    """Bounds of up to m pieces of raw[pos:n] of about equal size, each but the last ending just after a line feed,
    together about ``rows`` records of ``per_row`` bytes (the last bound is n when all of it fits)."""
    end = n
    if n - pos > rows * per_row:
        lf = raw.find(b"\n", pos + int(rows * per_row), n)
        end = lf + 1 if lf >= 0 else n
    step = (end - pos) / m
    bounds = [pos]
    for i in range(1, m):
        lf = raw.find(b"\n", max(int(pos + i * step), bounds[-1]), end)
        if lf < 0 or lf + 1 >= end:
            break
        bounds.append(lf + 1)
    bounds.append(end)
    return bounds


class _Reader:
    """One read of a file: the block in memory (``raw``, ``buf``), where reading stands, and the arrays."""

    def __init__(self, name: str, ncols: int, cols: _Columns, cap: int):
        self.name, self.ncols, self.cols = name, ncols, cols
        self.work = _Work(ncols, cap)
        self.n = 0                 # rows read
        self.per_row = 64.0        # bytes per record, as measured so far
        self.serial_before = -1    # read serially up to this offset of the block (a piece guessed wrong there)

    def read(self, raw, buf, pos: int, line: int, final: bool) -> tuple[int, int, int]:
        """Read records of buf from pos (as many as the working arrays take): returns (pos, line, code), the
        code _OK or _MORE (an unfinished record at the end of a block that is not the last)."""
        n = len(buf)
        m = PIECES or min(numba.get_num_threads(), (n - pos) // MIN_PIECE)
        cap = self.work.cap
        if self.cols.size - self.n < min(cap, 1024):
            self.cols.grow(self.n, self.n + cap)
        if m > 1 and pos >= self.serial_before:
            bounds = _pieces(raw, pos, n, m, int(0.9 * min(cap, self.cols.size - self.n)), self.per_row)
            if len(bounds) > 2:
                got = self._parallel(buf, np.array(bounds, dtype=np.int64), final, line)
                if got is not None:
                    return got
        return self._serial(buf, pos, line, final)

    def _serial(self, buf, pos: int, line: int, final: bool) -> tuple[int, int, int]:
        """Records from pos to the end of the block, as many as the arrays take (one piece, one thread)."""
        n = len(buf)
        rcap = min(self.work.cap, self.cols.size - self.n)
        return self._pieces_read(buf, np.array([pos, n], dtype=np.int64), np.array([rcap], dtype=np.int64),
                                 final, line)

    def _parallel(self, buf, bounds: np.ndarray, final: bool, line: int):
        """The pieces read at once (None when not even the first fits in the arrays)."""
        m = len(bounds) - 1
        caps = np.empty(m, dtype=np.int64)
        _count_lines(buf, bounds, caps)
        if bounds[-1] == len(buf):
            caps[-1] += 1                              # the last record may end without a line feed
        fit = np.cumsum(caps) <= min(self.work.cap, self.cols.size - self.n)
        m = int(np.argmin(fit)) if not fit.all() else m
        if m == 0:
            return None
        return self._pieces_read(buf, bounds[:m + 1], caps[:m], final, line)

    def _pieces_read(self, buf, bounds: np.ndarray, caps: np.ndarray, final: bool, line: int):
        """Read piece c of buf[bounds[c]:bounds[c + 1]] into at most caps[c] rows, all at once; a piece is kept
        when the one before ended where it began (else a quoted field spans their bound: the pieces from there
        are dropped, and the rest of the block is read serially). Returns (pos, line, code) as ``read``."""
        n, w = self.n, self.work
        m = len(caps)
        row0s = n + np.concatenate([[0], np.cumsum(caps)[:-1]]).astype(np.int64)
        texts = np.zeros((m, self.ncols), dtype=np.int64)
        out = np.empty((m, 7), dtype=np.int64)
        _records_parallel(buf, bounds, caps, row0s, len(buf), final, n, self.cols.values, self.cols.codes,
                          self.cols.lines, w.starts, w.ends, w.flags, texts, out, MAX_FIELD, _NA_BYTES, _NA_LEN,
                          _POW10)
        kept, lines0 = 0, []
        for c in range(m):
            _, end, lines, code, err_line, err_value, _ = out[c].tolist()
            if c and bounds[c] != out[c - 1, 1]:       # piece c did not start at a record: the rest is serial
                self.serial_before = len(buf)
                break
            _check(code, line + err_line, err_value, self.name, self.ncols)
            lines0.append(line)
            line += lines
            kept += 1
            if code == _MORE:
                break
        r = out[:kept]
        start, end = int(bounds[0]), int(r[-1, 1])
        if r[:, 6].max() >= 128:                     # a byte that is not ASCII: the records must be UTF-8
            _check_text(buf, start, end, self.name, line)
        _close_gaps(self.cols.values, self.cols.codes, self.cols.lines, w.starts, w.ends, w.flags, row0s[:kept],
                    r[:, 0].copy(), np.array(lines0, dtype=np.int64), n, n)
        total = int(r[:, 0].sum())
        self.n += total
        if total:
            self.per_row = (end - start) / total
            self._texts(buf, n, total, texts[:kept].sum(axis=0))
        return end, line, int(r[-1, 3])

    def _texts(self, buf, n: int, total: int, marks: np.ndarray) -> None:
        """The rows n … n + total just read: their long numbers parsed, their texts coded, their cells kept as
        written where asked; ``marks`` (ncols,) counts each column's cells coded _TEXT or _SLOW."""
        w, cols = self.work, self.cols
        marked = np.flatnonzero(marks).tolist()
        for k in marked:
            cols.parse_slow(buf, k, n, total, w.starts[:total, k], w.ends[:total, k])
        found = {}
        for g in range(0, len(marked), GROUP):           # their texts hashed, GROUP columns at once
            ks = np.array(marked[g:g + GROUP], dtype=np.int64)
            local, firsts = np.empty((len(ks), total), dtype=np.int64), np.empty((len(ks), total), dtype=np.int64)
            n_firsts = np.empty(len(ks), dtype=np.int64)
            _factorize_columns(buf, w.starts, w.ends, cols.codes, n, total, ks, local, firsts, n_firsts)
            found |= {k: (local[i], firsts[i, :n_firsts[i]]) for i, k in enumerate(ks.tolist())}
        for k in sorted(set(marked) | set(cols.wide) | {k for k, r in enumerate(cols.raw) if r is not None}):
            cols.finish(buf, k, n, total, w.starts[:total, k], w.ends[:total, k], w.flags[:total, k],
                        *found.get(k, (None, None)))

def read_path(path: Path, name: str, size: int, keep_text=()) -> Table:
    """Read the regular file at ``path`` (``size`` bytes) into a Table; the same result as the csv module's."""
    with open(path, "rb") as fh:
        data = fh.read(BLOCK)
        store = bytearray(2 * BLOCK)                      # the blocks after the first, reused (fresh memory is slow)
        header, header_line, offset = _header(data, name)
        names = column_names(header, name, header_line)
        ncols = len(names)
        raw, buf = data, np.frombuffer(data, dtype=np.uint8)
        pos, line, final = offset, data[:offset].count(b"\n") + 1, len(data) < BLOCK
        # size the columns by the first block's bytes per line
        per_row = max(len(data) - pos, 1) / max(data.count(b"\n", pos), 1)
        guess = int(size / per_row * 1.02) + 1024
        cap = min(max(1024, BLOCK // max(8, 2 * ncols)), SCAN_ROWS)  # rows per call (a block may take several)
        reader = _Reader(name, ncols, _Columns(names, guess, set(keep_text)), cap)
        reader.per_row = per_row
        while True:
            pos, line, code = reader.read(raw, buf, pos, line, final)
            if code == _OK and pos < len(buf):
                continue                                   # the working arrays are full: read on
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
            raw, buf = store, np.frombuffer(store, dtype=np.uint8, count=len(rest) + got)
            pos = 0
            reader.serial_before = -1
    n = reader.n
    if not n:
        raise DataError(f"{name} has a header (line {header_line}) but no data rows.")
    columns = reader.cols.columns(names, n)
    raw_text = {h: r for h, r in zip(names, reader.cols.raw) if r is not None}
    return Table(name, columns, reader.cols.lines[:n], size_bytes=max(size, 1), raw=raw_text)


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


def _check_text(buf: np.ndarray, start: int, end: int, name: str, line_after: int) -> None:
    """The bytes of complete records must be UTF-8 text (called when one of them is not ASCII)."""
    piece = buf[start:end].tobytes()
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_after - piece[exc.start:].count(b"\n")
        raise DataError(f"{name}, line {line}: not UTF-8 text (the byte {piece[exc.start]:#04x}). Save the file as "
                        "UTF-8.") from None
