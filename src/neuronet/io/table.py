"""Tables of examples: CSV files, standard input, built-in data sets and Python columns as one kind of object.

Reading is strict about the file and lenient about the cells. A file that is not a
regular file (a folder, a FIFO, ``/dev/zero``), bytes that are not UTF-8, a row with the
wrong number of fields, a quote that is never closed, a field longer than
:data:`MAX_FIELD` characters or a line longer than :data:`MAX_LINE` are each one
:class:`~neuronet.errors.DataError` naming the file and the line. Cells are only sorted
into numbers, missing cells and texts (:mod:`neuronet.io.columns`); what a column means
is decided by the preprocessing, on the training rows.

Line numbers are those of the file (the header is line 1), also when a quoted field
spans several lines. Standard input (``-``) is read as bytes and decoded by the same rule
as a file given by path.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, TextIO

import numpy as np

from ..errors import DataError
from .columns import Column

MAX_FIELD = 131_072          # characters in one field (the csv module's own default limit)
MAX_LINE = 4 * 2 ** 20       # characters in one line of the file
CHUNK_ROWS = 65_536          # rows converted to columns at a time (bounds the memory of text cells)


@dataclass
class Table:
    """Columns of cells, with where each row came from.

    Attributes
    ----------
    source : str
        How to name the data in messages: the file path, ``<stdin>``, or ``iris (built-in)``.
    columns : dict
        Column name -> :class:`~neuronet.io.columns.Column`.
    lines : int array or None
        The file line on which each row starts (the header is line 1); None for data not from a file.
    tasks : dict
        Known task per column when used as the target (built-in data sets know theirs).
    default_target : str or None
        The target column to use when none is named (built-in data sets).
    size_bytes : int
        The data's own size (the file's bytes, else 8 bytes a cell): the allocation guard's yardstick.
    raw : dict
        Column name -> its cells exactly as written, for the columns asked for with ``keep_text``.
    """

    source: str
    columns: dict[str, Column]
    lines: np.ndarray | None = None
    tasks: dict[str, str] = field(default_factory=dict)
    default_target: str | None = None
    size_bytes: int = 0
    raw: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        self.columns = {k: (v if isinstance(v, Column) else Column.from_cells(v)) for k, v in self.columns.items()}
        lengths = {len(c) for c in self.columns.values()}
        if len(lengths) > 1:
            raise DataError(f"{self.source}: the columns have different lengths ({', '.join(map(str, sorted(lengths)))}"
                            "); every column needs one cell per row.")
        if not self.size_bytes:
            self.size_bytes = 8 * self.n_rows * max(len(self.columns), 1)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "the data") -> "Table":
        """A table from a dict of columns (lists or arrays), or anything with ``.items()`` such as a
        pandas DataFrame: text cells are read as from a file, None and NaN are missing."""
        cols = {}
        for name, cells in data.items():
            if hasattr(cells, "to_numpy"):                    # a pandas Series
                cells = cells.to_numpy()
            cells = np.asarray(cells) if not isinstance(cells, (list, tuple)) else cells
            if isinstance(cells, np.ndarray) and cells.ndim != 1:
                raise DataError(f"{source}: column {name!r} has shape {cells.shape}; a column is one value per row.")
            cols[str(name)] = Column.from_cells(cells)
        return cls(source, cols)

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def where(self, b: int, column: str | None = None) -> str:
        """'data.csv, line 7, column 'x'' for row b (0-based over the data rows)."""
        return f"{self.source}, {self.at(b)}" + (f", column {column!r}" if column is not None else "")

    def at(self, b: int) -> str:
        """'line 7' (a file) or 'row 6' (other data) for row b."""
        return f"line {int(self.lines[b])}" if self.lines is not None else f"row {b}"

    def column(self, name: str, what: str = "column") -> Column:
        """Column ``name``, or a DataError that lists the columns there are."""
        if name in self.columns:
            return self.columns[name]
        close = difflib.get_close_matches(name, self.names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataError(f"{self.source} has no {what} {name!r}.{hint} Its columns are: {', '.join(self.names)}.")

    def rows(self, index) -> "Table":
        """The table restricted to the rows ``index`` (ints in that order, or a boolean mask)."""
        index = np.asarray(index)
        index = np.flatnonzero(index) if index.dtype == bool else index.astype(np.intp)
        cols = {k: v.take(index) for k, v in self.columns.items()}
        lines = None if self.lines is None else self.lines[index]
        size = int(self.size_bytes * len(index) / max(self.n_rows, 1))
        raw = {k: [v[i] for i in index.tolist()] for k, v in self.raw.items()}
        return Table(self.source, cols, lines, dict(self.tasks), self.default_target, size, raw)

    def text(self, name: str) -> list[str]:
        """Column ``name``'s cells as text: as written when read with ``keep_text``, else as labels."""
        if name in self.raw:
            return self.raw[name]
        return ["" if v is None else v for v in self.column(name).labels()]


# -- reading (the csv module over a text stream; files by path: neuronet.io.fastcsv) --------------
def regular_file(path: Path, name: str) -> int:
    """The size of the regular file at ``path``; anything else (missing, folder, FIFO, device) is a DataError."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{name}: no such file.") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read it ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"{name} is a folder, not a CSV file.")
    if not stat.S_ISREG(st.st_mode):
        what = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a character device"
                if stat.S_ISCHR(st.st_mode) else "a block device" if stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        # a FIFO can be read as standard input; a device (/dev/zero) would never end: no such advice for it
        how = f", or '-' to read it as standard input (`... - < {name}`)" if stat.S_ISFIFO(st.st_mode) else ""
        raise DataError(f"{name} is {what}, not a regular file. Give a CSV file{how}.")
    return int(st.st_size)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is skipped); other bytes are one DataError naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(not_utf8(name, data[:exc.start].count(b"\n") + 1, data[exc.start], exc.start)) from None


def not_utf8(name: str, line: int, byte: int, offset: int) -> str:
    return (f"{name}, line {line}: not UTF-8 text (the byte {byte:#04x} at offset {offset}). "
            "Save the file as UTF-8.")


class _Counted(io.BufferedIOBase):
    """A binary stream that counts the bytes and line breaks read through it, so that a decoding error
    in the chunk read last can be placed by line and offset in the whole stream."""

    def __init__(self, raw):
        super().__init__()
        self.raw, self.before, self.newlines_before, self.last = raw, 0, 0, b""

    def readable(self) -> bool:
        return True

    def _take(self, data: bytes) -> bytes:
        self.before += len(self.last)
        self.newlines_before += self.last.count(b"\n")
        self.last = data
        return data

    def read(self, n: int | None = -1) -> bytes:
        return self._take(self.raw.read(n))

    def read1(self, n: int = -1) -> bytes:
        read1 = getattr(self.raw, "read1", self.raw.read)
        return self._take(read1(n if n is not None and n >= 0 else io.DEFAULT_BUFFER_SIZE))


def read_bytes_stream(raw, name: str, keep_text=()) -> "Table":
    """A table from a binary stream (standard input), decoded as UTF-8 while it is read.

    The stream is read a chunk and a line at a time, so that memory stays bounded by MAX_LINE
    whatever arrives: ``- < /dev/zero`` ends at its first line, not when memory runs out. Line
    breaks are those of the csv module's text streams (``\\n``, ``\\r\\n`` or ``\\r``).
    """
    counted = _Counted(raw)
    text = io.TextIOWrapper(counted, encoding="utf-8-sig", newline="")
    try:
        table = read_stream(text, name, 0, keep_text)
    except UnicodeDecodeError as exc:                 # in the chunk read last (after a partial character)
        data = exc.object
        lead = len(data) - len(counted.last)           # bytes of a character the previous chunk began
        line = counted.newlines_before + data[:exc.start].count(b"\n") + 1
        raise DataError(not_utf8(name, line, data[exc.start], counted.before - lead + exc.start)) from None
    table.size_bytes = max(counted.before + len(counted.last), 1)
    return table


class _Lines:
    """The lines of a text stream, each at most MAX_LINE characters; remembers the current record's lines."""

    def __init__(self, fh: TextIO, name: str):
        self.fh, self.name, self.line, self.record, self.chars = fh, name, 0, [], 0

    def __iter__(self) -> Iterator[str]:
        while True:
            s = self.fh.readline(MAX_LINE + 1)
            if not s:
                return
            self.line += 1
            self.chars += len(s)
            if len(s) > MAX_LINE and not s.endswith("\n"):
                raise DataError(f"{self.name}, line {self.line}: longer than {MAX_LINE:,} characters. A CSV line holds "
                                "one example; check that this is a CSV file with line breaks.")
            self.record.append(s)
            yield s


def unclosed_quote(lines: list[str]) -> int | None:
    """The index of the line (in ``lines``) where a quoted field opens that is never closed, or None.

    As the csv module reads: a quote opens a quoted field only at the start of a field; inside
    one, a doubled quote is a quote character; elsewhere a quote is an ordinary character.
    """
    text = "".join(lines)
    inside, at_start, opened, k, n = False, True, None, 0, len(text)
    line_of = np.cumsum([len(s) for s in lines])
    while k < n:
        ch = text[k]
        if inside:
            if ch == '"':
                if k + 1 < n and text[k + 1] == '"':
                    k += 1
                else:
                    inside = False
        elif ch == '"' and at_start:
            inside, opened = True, k
        at_start = not inside and ch in ",\r\n"
        k += 1
    return int(np.searchsorted(line_of, opened, side="right")) if inside else None


def read_stream(fh: TextIO, name: str, size: int, keep_text=()) -> Table:
    """A table from a text stream: the csv module's reader over bounded lines, converted to columns
    CHUNK_ROWS rows at a time."""
    src = _Lines(fh, name)
    reader = csv.reader(src)
    header: list[str] | None = None
    header_line = 0
    pending: list[list[str]] = []
    chunks: list[list[Column]] = []
    raw: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            start, record = src.line - len(src.record) + 1, src.record
            src.record = []
            if not row or (len(row) == 1 and not row[0].strip() and (header is None or len(header) > 1)):
                continue  # a blank line
            if len(record) > 1 or any('"' in r for r in record):
                opened = unclosed_quote(record)
                if opened is not None:
                    raise DataError(f"{name}, line {start + opened}: a quote opens here and is never closed (the "
                                    "rest of the file would be one cell). Close the quote, or double a quote "
                                    "character inside a quoted field (\"\").")
            if header is None:
                header, header_line = row, start
                continue
            if len(row) != len(header):
                raise DataError(f"{name}, line {start}: expected {len(header)} fields (as in the header), "
                                f"found {len(row)}. Check for a missing or extra comma, or quote fields that "
                                "contain commas.")
            pending.append(row)
            lines.append(start)
            raw.append(row) if keep_text else None
            if len(pending) == CHUNK_ROWS:
                chunks.append(_to_columns(pending, len(header)))
                pending = []
    except csv.Error as exc:
        start = src.line - len(src.record) + 1
        if "field larger than field limit" in str(exc):
            raise DataError(too_long(name, start)) from None
        raise DataError(f"{name}, line {src.line}: not valid CSV ({exc}).") from None
    if header is None:
        raise DataError(f"{name} is empty: expected a header row naming the columns, then one row per example.")
    if pending:
        chunks.append(_to_columns(pending, len(header)))
    if not lines:
        raise DataError(f"{name} has a header (line {header_line}) but no data rows.")
    names = column_names(header, name, header_line)
    columns = {h: Column.concat([c[k] for c in chunks]) for k, h in enumerate(names)}
    kept = {h: [r[k] for r in raw] for k, h in enumerate(names) if h in set(keep_text)}
    return Table(name, columns, np.asarray(lines, dtype=np.int64), size_bytes=max(size or src.chars, 1), raw=kept)


def too_long(name: str, line: int) -> str:
    return (f"{name}, line {line}: a field longer than {MAX_FIELD:,} characters starts here. Check for a quote that "
            "is never closed, or shorten the field.")


def _to_columns(rows: list[list[str]], n: int) -> list[Column]:
    return [Column.from_cells([r[k] for r in rows]) for k in range(n)]


def column_names(header: list[str], name: str, header_line: int) -> list[str]:
    """The header's names, stripped, unnamed ones numbered; a name used twice is a DataError."""
    header = list(header)
    header[0] = header[0].lstrip("\ufeff")  # a byte-order mark, when the stream was not opened as utf-8-sig
    names = [h.strip() or f"column_{k + 1}" for k, h in enumerate(header)]
    seen: dict[str, int] = {}
    for k, h in enumerate(names):
        if h in seen:
            raise DataError(f"{name}, line {header_line}: the column name {h!r} appears twice (columns "
                            f"{seen[h] + 1} and {k + 1}). Give every column its own name.")
        seen[h] = k
    return names


def from_dataset(ds) -> Table:
    """A built-in :class:`~neuronet.datasets.Dataset` as a Table: features, then the target (class names)."""
    cols: dict[str, Any] = {f: Column.from_cells(ds.X[:, k].copy()) for k, f in enumerate(ds.feature_names)}
    if ds.y.ndim != 1:
        raise DataError(f"The data set {ds.name!r} has {ds.y.shape[1]} target columns; the command line "
                        "handles one target.")
    if ds.task == "classification":
        names = ds.class_names or [str(c) for c in range(int(ds.y.max()) + 1)]
        cols[ds.target_name] = Column.from_cells([str(names[int(c)]) for c in ds.y])
    else:
        cols[ds.target_name] = Column.from_cells(ds.y.astype(np.float64).copy())
    return Table(f"{ds.name} (built-in)", cols, None, {ds.target_name: ds.task}, ds.target_name)
