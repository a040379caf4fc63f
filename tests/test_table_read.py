"""Reading tables (issue 12, groups 7 and 8): inputs that never end or never arrive, bounded fields and lines,
an unclosed quote named by the line where it opened, standard input decoded like a file, and the fast
reader (files by path) giving exactly what the csv module gives (streams)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from neuronet import DataError
from neuronet.io import fastcsv, reading
from neuronet.io.reading import read_csv
from neuronet.io.table import MAX_FIELD, MAX_LINE, read_stream


@pytest.fixture(autouse=True)
def fast_reader_for_every_size(monkeypatch):
    """These tests hold the fast reader to the csv module's tables and messages, on files of any size:
    read_csv sends files under reading.SMALL_FILE to the csv module, so that threshold is 0 here."""
    monkeypatch.setattr(reading, "SMALL_FILE", 0)


def test_a_small_file_is_read_by_the_csv_module_without_numba_and_to_the_same_table(tmp_path, monkeypatch):
    text = 'a,b,c\n1,"x, y",3.5\n2,,NA\n"q""r",z,71%\n'
    (tmp_path / "s.csv").write_text(text)
    fast = read_csv(tmp_path / "s.csv", keep_text=["a"])
    monkeypatch.setattr(reading, "SMALL_FILE", 2 << 20)
    code = ("import sys; from neuronet.io.reading import read_csv; t = read_csv(sys.argv[1]); "
            "print(t.n_rows, 'numba' in sys.modules, 'neuronet.io.fastcsv' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.csv")], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(Path(reading.__file__).parents[2])})
    assert out.stdout.split() == ["3", "False", "False"]
    assert_same(fast, read_csv(tmp_path / "s.csv", keep_text=["a"]))
    fast_calls = []
    monkeypatch.setattr(fastcsv, "read_path", lambda *a, read=fastcsv.read_path: fast_calls.append(a) or read(*a))
    read_csv(tmp_path / "s.csv")
    (tmp_path / "big.csv").write_text("a\n" + "1\n" * (1 << 20))          # 2 MiB and 2 bytes: the fast reader
    assert read_csv(tmp_path / "big.csv").n_rows == 1 << 20
    assert [a[0].name for a in fast_calls] == ["big.csv"]


def both(tmp_path, text: str | bytes, name: str = "t.csv"):
    """The table read by path (the fast reader) and from a text stream (the csv module), or their errors."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    path = tmp_path / name
    path.write_bytes(data)
    out = []
    for read in (lambda: read_csv(path, name, keep_text=["a"]),
                 lambda: read_stream(io.StringIO(data.decode("utf-8-sig"), newline=""), name, len(data), ["a"])):
        try:
            out.append(read())
        except DataError as exc:
            out.append(str(exc))
    return out


def assert_same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a.names == b.names and a.lines.tolist() == b.lines.tolist() and a.raw == b.raw
    for k in a.names:
        ca, cb = a.columns[k], b.columns[k]
        assert ca.labels() == cb.labels(), k
        np.testing.assert_array_equal(ca.values, cb.values)
        np.testing.assert_array_equal(ca.codes, cb.codes)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero")
def test_what_is_not_a_regular_file_is_refused_before_reading(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)                        # opening it would block forever: it must not be opened
    with pytest.raises(DataError, match=r"pipe.csv is a FIFO \(named pipe\), not a regular file.*'-'"):
        read_csv(fifo)
    with pytest.raises(DataError, match=r"/dev/zero is a character device, not a regular file"):
        read_csv("/dev/zero")
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        read_csv(tmp_path)
    with pytest.raises(DataError, match="no such file"):
        read_csv(tmp_path / "absent.csv")


def test_an_unclosed_quote_is_named_by_the_line_where_it_opened(tmp_path):
    rows = "".join(f"{i},row {i}\n" for i in range(50))
    text = "a,b\n1,fine\n2,\"opened here\n" + rows
    fast, slow = both(tmp_path, text)
    assert fast == slow
    assert fast.startswith("t.csv, line 3: a quote opens here and is never closed") and len(fast) < 250
    assert "row 7" not in fast                                  # not the swallowed text
    # a quote inside an unquoted field is an ordinary character, as for the csv module
    fast, slow = both(tmp_path, 'a,b\n1,5" tall\n2,x\n')
    assert_same(fast, slow)
    assert fast.columns["b"].labels() == ['5" tall', "x"]


def test_fields_and_lines_are_bounded(tmp_path):
    long_quoted = "a,b\n1,\"" + "x" * (MAX_FIELD + 10) + "\"\n"
    fast, slow = both(tmp_path, long_quoted)
    assert fast == slow == (f"t.csv, line 2: a field longer than {MAX_FIELD:,} characters starts here. Check for a "
                            "quote that is never closed, or shorten the field.")
    fast, slow = both(tmp_path, "a,b\n1,2\n3," + "y" * (MAX_FIELD + 10) + "\n")
    assert fast == slow and fast.startswith(f"t.csv, line 3: a field longer than {MAX_FIELD:,} characters starts")
    with pytest.raises(DataError, match=rf"line 2: longer than {MAX_LINE:,} characters"):
        read_stream(io.StringIO("a\n" + "z" * (MAX_LINE + 5)), "t.csv", 0)


def test_an_over_long_field_in_the_header_is_one_message_by_path_as_by_stream(tmp_path):
    fast, slow = both(tmp_path, "a" * (MAX_FIELD + 10) + ",y\n1,2\n")
    assert fast == slow == (f"t.csv, line 1: a field longer than {MAX_FIELD:,} characters starts here. Check for a "
                            "quote that is never closed, or shorten the field.")


def test_standard_input_is_decoded_like_a_file_by_path(tmp_path):
    latin = "a,b\n1,caf\xe9\n".encode("latin-1")
    (tmp_path / "latin.csv").write_bytes(latin)
    with pytest.raises(DataError, match=r"latin.csv, line 2: not UTF-8 text"):
        read_csv(tmp_path / "latin.csv")
    stdin = io.TextIOWrapper(io.BytesIO(latin), encoding="latin-1")      # a terminal that would accept it
    with pytest.raises(DataError, match=r"<stdin>, line 2: not UTF-8 text"):
        read_csv(stdin, "<stdin>")
    good = io.TextIOWrapper(io.BytesIO("\ufeffa,b\n1,café\n".encode("utf-8")), encoding="latin-1")
    t = read_csv(good, "<stdin>")
    assert t.names == ["a", "b"] and t.columns["b"].labels() == ["café"]


def test_the_fast_reader_agrees_with_the_csv_module_on_awkward_files(tmp_path):
    text = ('\ufeffa,b,"c\nd"\r\n\r\n 1 ,"x, y",NA\n\n-0,"q""uote",\n1e999,"two\nlines",1_000\n'
            '+.5,12345678901234567890,"z"w\n   \n0.1,3.141592653589793,\u00a0null\nnan,inf,１２\n')
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)
    assert fast.names == ["a", "b", "c\nd"] and fast.lines.tolist() == [4, 6, 7, 9, 11, 12]
    assert fast.raw["a"] == [" 1 ", "-0", "1e999", "+.5", "0.1", "nan"]
    assert fast.columns["c\nd"].labels() == [None, None, "1_000", "zw", None, "１２"]
    fast, slow = both(tmp_path, "a,b\n1,2\n3\n")
    assert fast == slow == ("t.csv, line 3: expected 2 fields (as in the header), found 1. Check for a missing or "
                            "extra comma, or quote fields that contain commas.")


def test_blocks_split_records_anywhere(tmp_path, monkeypatch):
    """Records cut by the block boundary (inside quotes, between \\r and \\n) read as in one piece."""
    rng = np.random.default_rng(0)
    cells = ["1.5", '"a,b"', '"multi\nline"', "", "x", '"q""q"', "-2e-3"]
    text = "a,b,c\r\n" + "".join(",".join(rng.choice(cells, 3)) + "\r\n" for _ in range(300))
    monkeypatch.setattr(fastcsv, "BLOCK", 37)
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)
    assert fast.n_rows == 300
    monkeypatch.setattr(fastcsv, "BLOCK", 4096)           # and blocks scanned in several calls of 5 rows
    monkeypatch.setattr(fastcsv, "SCAN_ROWS", 5)
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)


@pytest.fixture
def pieces(monkeypatch):
    """Blocks read in parallel pieces of a few bytes each: every record boundary is a guess to confirm."""
    monkeypatch.setattr(fastcsv, "MIN_PIECE", 1)
    monkeypatch.setattr(fastcsv, "PIECES", 5)


AWKWARD = [
    ('\ufeffa,b,"c\nd"\r\n\r\n 1 ,"x, y",NA\n\n-0,"q""uote",\n1e999,"two\nlines",1_000\n'
     '+.5,12345678901234567890,"z"w\n   \n0.1,3.141592653589793,\u00a0null\nnan,inf,１２\n'),
    "a,b\n1,2\r3,4\r\r5,6",                                     # lone carriage returns, no final line break
    'a,b\n"1\n2\n3",4\n5,"6\n\n7"\n' * 3,                       # quoted fields across the pieces' bounds
    "a,b\n" + "1,2\n" * 40 + '"x\n' * 3,                           # an unclosed quote after good records
    "a,b\n" + "1,2\n" * 40 + "3\n" + "1,2\n" * 5,                # too few fields, in a later piece
    "a,b\n" + "1,2\n" * 30 + "3,caf\xe9\n",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_pieces_read_in_parallel_give_what_the_csv_module_gives(tmp_path, pieces, monkeypatch, text):
    for block in (37, 4096):
        monkeypatch.setattr(fastcsv, "BLOCK", block)
        fast, slow = both(tmp_path, text)
        assert_same(fast, slow)


def test_pieces_read_in_parallel_line_numbers_and_texts(tmp_path, pieces):
    rng = np.random.default_rng(1)
    cells = ["1.5", '"a,b"', '"multi\nline"', "", "x", '"q""q"', "-2e-3", "   ", "12345678901234567", "NA"]
    text = "a,b,c\n" + "".join(",".join(rng.choice(cells, 3)) + rng.choice(["\n", "\r\n", "\n\n"])
                               for _ in range(500))
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)
    assert fast.n_rows == 500
    many = "a,b\n" + "".join(f"t{i % 300},{i}\n" for i in range(900))   # codes become int32 mid-read
    fast, slow = both(tmp_path, many)
    assert_same(fast, slow)
    assert fast.columns["a"].codes.dtype == np.int32


CELLS = st.one_of(
    st.sampled_from(["", "NA", "n/a", "?", "null", "1", "-0.5", "1e5", "1E-300", "12345678901234567", "0.1",
                     "007", "1,234", "35%", "$5", "inf", "1_0", "abc", "Ab c", "  7  ", "x\ty"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(alphabet="ab ,\"\n1.é", max_size=6),
)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(st.just(k), st.lists(st.lists(CELLS, min_size=k, max_size=k),
                                                                          min_size=1, max_size=8))))
def test_fast_reader_equals_the_csv_module(tmp_path_factory, case):
    k, rows = case
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["a", "b", "c", "d"][:k])
    w.writerows(rows)
    fast, slow = both(tmp_path_factory.mktemp("eq"), buf.getvalue())
    assert_same(fast, slow)
    with pytest.MonkeyPatch.context() as mp:               # and read in parallel pieces of a few bytes
        mp.setattr(fastcsv, "MIN_PIECE", 1)
        mp.setattr(fastcsv, "PIECES", 3)
        assert_same(both(tmp_path_factory.mktemp("eq"), buf.getvalue())[0], slow)


def test_columns_grow_when_the_first_block_misjudges_the_row_count(tmp_path, monkeypatch):
    text = "a,b\n" + "".join(f"{'x' * 60},{i}\n" for i in range(5)) + "".join(f"s,{i}\n" for i in range(400))
    monkeypatch.setattr(fastcsv, "BLOCK", 200)
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)
    assert fast.n_rows == 405 and fast.columns["b"].values[-1] == 399


def test_columns_grow_while_pieces_are_read_in_parallel(tmp_path, monkeypatch, pieces):
    """The first block (long rows) makes the columns far too short for the rows after it (3,000 short ones)."""
    text = "a,b\n" + "".join(f"{'x' * 60},{i}\n" for i in range(5)) + "".join(f"s,{i}\n" for i in range(3000))
    monkeypatch.setattr(fastcsv, "BLOCK", 200)
    grown = []
    monkeypatch.setattr(fastcsv._Columns, "grow", lambda self, n, need, grow=fastcsv._Columns.grow:
                        grown.append(n) or grow(self, n, need))
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)
    assert grown and fast.n_rows == 3005
    assert fast.columns["b"].values.tolist() == list(range(5)) + list(range(3000))


def test_a_column_with_many_texts_read_in_blocks(tmp_path, monkeypatch):
    text = "a,b\n" + "".join(f"t{i % 300},{i}\n" for i in range(900))
    monkeypatch.setattr(fastcsv, "BLOCK", 500)
    fast, slow = both(tmp_path, text)
    assert_same(fast, slow)
    assert len(fast.columns["a"].texts) == 300 and fast.columns["a"].codes.max() == 299


def test_numbers_read_back_exactly(tmp_path):
    """Every float written as Python writes it (17 digits, any exponent) or with few digits reads back to the
    same float64 as Python's float(): the fast path (≤ 15 digits) and NumPy's parse for the others."""
    rng = np.random.default_rng(0)
    v = rng.normal(size=3000) * 10.0 ** rng.integers(-300, 300, 3000)
    short = [f"{x:.6g}" for x in v[:1000]]
    cells = [repr(float(x)) for x in v] + short + ["0.1", "-0", "5e-324", "1.7976931348623157e308", "123456789012345"]
    (tmp_path / "n.csv").write_text("x\n" + "\n".join(cells) + "\n")
    col = read_csv(tmp_path / "n.csv").columns["x"]
    np.testing.assert_array_equal(col.values, [float(c) for c in cells])
    assert np.signbit(col.values[cells.index("-0")])                  # -0 keeps its sign


def test_long_numbers_read_exactly_by_eisel_lemire(tmp_path):
    """16–19 significant digits (what repr and pandas.to_csv write) are read by Eisel–Lemire's algorithm, which
    must give Python's float() bit for bit, or hand the cell to NumPy's exact parse: random bit patterns,
    subnormals, the ends of float64, exact halfway points between two floats, and 19-digit mantissas."""
    import struct
    from decimal import Decimal, getcontext

    getcontext().prec = 100
    rng = np.random.default_rng(4)
    bits = rng.integers(0, 2 ** 63, 6000, dtype=np.uint64) | (rng.integers(0, 2, 6000, dtype=np.uint64) << 63)
    floats = [x for x in bits.view(np.float64).tolist() if np.isfinite(x)]
    cells = [repr(x) for x in floats]
    cells += [repr(float(x * f)) for x in (5e-324, 2.2250738585072014e-308, 1.7976931348623157e308)
              for f in rng.uniform(0.5, 1.0, 300)]
    for m, e in zip(rng.integers(2 ** 52, 2 ** 53, 2000).tolist(), rng.integers(-40, 12, 2000).tolist()):
        cells.append(format(Decimal(2 * m + 1) * Decimal(2) ** (e - 1), "f"))      # halfway: ties to even
    cells += [f"{m}e{e}" for m, e in zip(rng.integers(10 ** 15, 10 ** 18, 2000).tolist(),
                                         rng.integers(-345, 310, 2000).tolist())]
    cells += ["9007199254740993", "1e23", "8.98846567431158e307", "0.000123456789012345678", "-0.0000"]
    (tmp_path / "long.csv").write_text("x\n" + "\n".join(cells) + "\n")
    col = read_csv(tmp_path / "long.csv").columns["x"]
    want = np.array([float(c) for c in cells])
    finite = np.isfinite(want)
    assert struct.pack(f"<{finite.sum()}d", *col.values[finite]) == struct.pack(f"<{finite.sum()}d", *want[finite])
    assert (col.codes[~finite] >= 0).all()                 # beyond float64: kept as text, refused where used


def test_a_header_the_csv_module_refuses_by_path_is_one_data_error(tmp_path):
    (tmp_path / "cr.csv").write_bytes(b"a,b\rc\n1,2\n")              # a lone carriage return inside the header
    with pytest.raises(DataError, match=r"cr.csv, line 1: not valid CSV \(new-line character seen"):
        read_csv(tmp_path / "cr.csv")


class _Endless(io.RawIOBase):
    """A stream of zero bytes that never ends (``- < /dev/zero``); reading more than ``allowed`` bytes fails."""

    def __init__(self, allowed: int):
        self.served, self.allowed = 0, allowed

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        assert self.served <= self.allowed, f"read {self.served:,} bytes of a stream that never ends"
        b[:] = bytes(len(b))
        self.served += len(b)
        return len(b)


def test_standard_input_stops_at_its_first_over_long_line():
    endless = _Endless(allowed=2 * MAX_LINE)
    stdin = io.TextIOWrapper(io.BufferedReader(endless), encoding="utf-8")
    with pytest.raises(DataError, match=rf"<stdin>, line 1: longer than {MAX_LINE:,} characters"):
        read_csv(stdin, "<stdin>")
    assert endless.served < 2 * MAX_LINE
    # bytes are decoded as they are read: an error still names its line and offset in the whole stream
    data = b"a,b\n" + b"1,2\n" * 5000 + b"3,caf\xe9\n"
    with pytest.raises(DataError, match=rf"<stdin>, line 5002: not UTF-8 text \(the byte 0xe9 at offset "
                                        rf"{len(data) - 2}\)"):
        read_csv(io.TextIOWrapper(io.BytesIO(data)), "<stdin>")
    t = read_csv(io.BytesIO("\ufeffx,y\r1,é\r\n2,b\n".encode()), "<stdin>")
    assert t.names == ["x", "y"] and t.lines.tolist() == [2, 3] and t.columns["y"].labels() == ["é", "b"]


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/zero")
def test_a_device_is_not_advised_as_standard_input():
    with pytest.raises(DataError) as exc:
        read_csv("/dev/zero")
    assert str(exc.value) == "/dev/zero is a character device, not a regular file. Give a CSV file."
