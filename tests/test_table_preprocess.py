"""The preprocessing record: missing values, numbers as people write them, columns that are not inputs,
the allocation guard, huge values, and the round trip through plain JSON (also of version-1 records)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from neuronet import DataError, ModelFileError
from neuronet.io.columns import Column, MISSING, NUMBER, plain_number, written_number
from neuronet.io.preprocess import Preprocessing
from neuronet.io.tabular import Table, read_csv


def table(text: str, name: str = "t.csv") -> Table:
    return read_csv(io.StringIO(text), name)


def round_trip(p: Preprocessing) -> Preprocessing:
    return Preprocessing.from_dict(json.loads(json.dumps(p.to_dict())))


def test_missing_spellings_are_missing_and_numbers_are_strict():
    col = Column.from_cells(["", " NA ", "NaN", "null", "None", "?", "n/a", "1.5", "-2e3", "red"])
    assert col.codes.tolist()[:7] == [MISSING] * 7
    assert col.codes.tolist()[7:9] == [NUMBER, NUMBER] and col.values[8] == -2000.0
    assert col.texts == ["red"]
    # float() accepts these; a CSV number does not
    for s in ["1_000", "１２", "١٢", "0x10", "1e", ".", "1.2.3", "--1"]:
        assert plain_number(s) is None, s
    assert plain_number("inf") == np.inf and plain_number(" 7 ") == 7.0


def test_numeric_missing_cells_get_the_training_median_and_an_indicator():
    t = table("x,c,y\n1,a,p\n,b,q\n3,,p\n10,a,q\nNA,b,p\n")
    p = Preprocessing.fit(t, "y")
    assert p.input_names == ["x", "x (missing)", "c=a", "c=b", "c=(missing)"]
    f = p.features[0]
    assert f["median"] == 3.0 and f["n_missing"] == 2 and f["indicator"] is True
    counts = {}
    X = p.transform(t, counts)                                                        # (5, 5)
    assert counts == {"x": {"missing": 2}, "c": {"missing": 1}}
    z3 = (3 - f["mean"]) / f["std"]
    np.testing.assert_allclose(X[[1, 4], 0], [z3, z3])
    np.testing.assert_array_equal(X[:, 1], [0, 1, 0, 0, 1])
    np.testing.assert_array_equal(X[:, 2:], [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])
    # a column with no missing cell in training has no indicator; a missing cell later gets the median
    q = Preprocessing.fit(table("x,y\n1,p\n2,q\n4,p\n"), "y")
    assert q.input_names == ["x"]
    f = q.features[0]
    np.testing.assert_allclose(q.transform(table("x,y\n,p\n"))[:, 0], (2 - f["mean"]) / f["std"])
    np.testing.assert_array_equal(round_trip(p).transform(t), X)


def test_missing_error_policy_lists_the_cells():
    t = table("x,y\n1,p\n,q\n3,p\nNA,q\n")
    with pytest.raises(DataError, match=r"column 'x': 2 cells are empty or missing: line 3, line 5\. .*--missing"):
        Preprocessing.fit(t, "y", missing="error")
    p = Preprocessing.fit(table("x,y\n1,p\n2,q\n"), "y", missing="error")
    with pytest.raises(DataError, match="1 cell is empty or missing: line 2[.]"):
        round_trip(p).transform(table("x,y\n,p\n"))
    with pytest.raises(DataError, match=r"target column 'y': 1 cell is empty or missing: line 3"):
        Preprocessing.fit(table("x,y\n1,p\n2,\n3,q\n"), "y")


def test_numbers_as_people_write_them():
    assert written_number("71,287") == (71287.0, {"thousands": ","})
    assert written_number("1 234,5") is None                        # a decimal comma is not read
    assert written_number("35.4%") == (35.4, {"percent": True})
    assert written_number("$1,200.50") == (1200.5, {"thousands": ",", "currency": "$"})
    assert written_number("-€ 3") == (-3.0, {"currency": "€"})
    assert written_number("1,23") is None and written_number("12,3456") is None
    t = table('income,rate,y\n"71,287",35.4%,a\n52000,12%,b\n"1 234",7.5,a\n,1%,b\n')
    p = Preprocessing.fit(t, "y")
    assert p.features[0]["kind"] == "numeric" and p.features[0]["parse"] == {"thousands": [",", " "]}
    assert p.features[1]["parse"] == {"percent": [True]}
    assert any("'income' as numbers written with" in n for n in p.notes())
    X = p.transform(t)
    raw = np.array([71287, 52000, 1234, 52000])                    # the last is the median of the three
    np.testing.assert_allclose(X[:, 0] * p.features[0]["std"] + p.features[0]["mean"], raw)
    # the stored choice is applied again; a style the training rows did not have is refused, with its line
    q = round_trip(p)
    with pytest.raises(DataError, match=r"'income' \(the model reads it as numbers written with.*: 1 cell is not "
                                        r"a number: line 3 '\$5'"):
        q.transform(table("income,rate\n5,1%\n$5,2%\n"))


def test_failed_cells_are_listed_in_one_message():
    rows = "".join(f"{i},{i % 2}\n" for i in range(20))
    t = table("x,y\n" + rows + "oops,0\n1_000,1\n１２,0\nabc,1\n5x,0\n?x,1\n")
    with pytest.raises(DataError) as e:
        Preprocessing.fit(t, "y")
    msg = str(e.value)
    assert "t.csv, column 'x': 6 cells are not numbers: line 22 'oops', line 23 '1_000', line 24 '１２', line 25 " \
           "'abc', line 26 '5x', and 1 more" in msg and "--categorical x" in msg
    assert "\n" not in msg
    p = Preprocessing.fit(t, "y", categorical=["x"], use=["x"])
    assert p.features[0]["kind"] == "categorical"


def test_identifier_columns_are_left_out_with_a_note_and_can_be_forced():
    n = 40
    rows = "".join(f"c{i:04d},{1000 + i},{i % 7},{['red', 'blue'][i % 2]},{i % 2}\n" for i in range(n))
    t = table("address,customer_id,x,colour,y\n" + rows)
    p = Preprocessing.fit(t, "y")
    kinds = {f["name"]: f["kind"] for f in p.features}
    assert kinds == {"address": "dropped", "customer_id": "dropped", "x": "numeric", "colour": "categorical"}
    notes = p.notes()
    assert any(n.startswith("left out 'address': identifier-like (40 distinct values in 40 rows)") and
               "--use address" in n for n in notes)
    assert any("left out 'customer_id'" in n and "--use customer_id" in n for n in notes)
    assert p.columns == ["x", "colour"] and p.n_inputs == 3
    # a table without the dropped columns is fine at prediction time
    assert p.transform(table("x,colour\n3,red\n")).shape == (1, 3)
    forced = Preprocessing.fit(t, "y", use=["address", "customer_id"], max_categories=5)
    f = {g["name"]: g for g in forced.features}
    assert f["customer_id"]["kind"] == "numeric"
    assert len(f["address"]["categories"]) == 5 and f["address"]["other"] and f["address"]["n_distinct"] == 40
    X = forced.transform(t)
    assert X.shape == (n, 6 + 1 + 1 + 2)                    # address: 5 + other; customer_id, x, colour
    assert X[:, :6].sum() == n                               # every row in one category block


def test_high_cardinality_text_keeps_the_most_frequent_plus_other():
    cities = [f"city{k}" for k in range(30)]
    rng = np.random.default_rng(0)
    picks = [cities[min(int(k), 29)] for k in rng.geometric(0.15, 600) - 1]
    t = Table.from_mapping({"city": picks, "y": [str(i % 2) for i in range(600)]})
    p = Preprocessing.fit(t, "y", max_categories=4)
    f = p.features[0]
    counts = {c: picks.count(c) for c in set(picks)}
    assert set(f["categories"]) == set(sorted(counts, key=lambda c: -counts[c])[:4])
    assert f["other"] and p.input_names[-1] == "city=(other)"
    assert any("'city' has" in n and "--max-categories" in n for n in p.notes())
    X = p.transform(Table.from_mapping({"city": ["never-seen", f["categories"][0]]}))
    np.testing.assert_array_equal(X, [[0, 0, 0, 0, 1], [1, 0, 0, 0, 0]])


def test_no_column_can_allocate_far_more_than_the_data():
    n = 300_000
    t = Table("big.csv", {"code": Column(np.full(n, np.nan), np.arange(n, dtype=np.int32) % 60_000,
                                         [f"k{i}" for i in range(60_000)]),
                          "y": Column(np.arange(n) % 2.0, np.full(n, NUMBER, dtype=np.int32), [])},
              size_bytes=3_000_000)
    with pytest.raises(DataError, match=r"big.csv, column 'code': it would become 60,000 inputs, an input matrix of "
                                        r"134.1 GiB for 2.9 MiB of data.*--max-categories.*--drop code"):
        Preprocessing.fit(t, "y", use=["code"], max_categories=100_000)


def test_huge_values_standardize_without_overflow_or_are_refused():
    t = table("x,y\n1e308,a\n-1e308,b\n0,a\n1.5e308,b\n")
    with np.errstate(all="raise"):
        p = Preprocessing.fit(t, "y")
        X = p.transform(t)
    assert np.all(np.isfinite(X)) and abs(X[:, 0].mean()) < 1e-12 and X[:, 0].std() == pytest.approx(1)
    with pytest.raises(DataError, match=r"column 'x': 1 cell is not a finite number: line 3 '1e999'"):
        Preprocessing.fit(table("x,y\n1,a\n1e999,b\n"), "y")
    with np.errstate(all="raise"):     # the largest spread floats allow: std = 1.7e308, still finite
        X = Preprocessing.fit(t := table("x,y\n1.7e308,a\n-1.7e308,b\n1.7e308,a\n-1.7e308,b\n"), "y").transform(t)
    np.testing.assert_array_equal(X[:, 0], [1, -1, 1, -1])
    p = Preprocessing.fit(table("x,y\n1,a\n2,b\n"), "y")
    with pytest.raises(DataError, match="too far from the training values"):
        p.transform(table("x\n-1.7e308\n"))
    r = Preprocessing.fit(table("x,y\n1,1e308\n2,-1e308\n3,5e307\n"), "y", "regression")
    np.testing.assert_allclose(r.decode(r.encode_target(table("x,y\n1,1e308\n"))[:, None])[0], [1e308])


def test_round_trip_and_records_of_the_first_version_still_load():
    t = table('a,b,c,y\n1,red,"1,000",3.5\n,blue,"2,000",4.5\n3,,3000,5.5\n5,red,,6.5\n')
    p = Preprocessing.fit(t, "y")
    q = round_trip(p)
    assert q.to_dict() == p.to_dict() and q.to_dict()["version"] == 2
    np.testing.assert_array_equal(q.transform(t), p.transform(t))
    v1 = {"version": 1, "target": "y", "task": "regression", "loss": "squared", "target_mean": 2.0, "target_std": 1.0,
          "features": [{"name": "a", "kind": "numeric", "mean": 1.0, "std": 2.0},
                       {"name": "b", "kind": "categorical", "categories": ["blue", "red"]}]}
    old = Preprocessing.from_dict(v1)
    assert old.input_names == ["a", "b=blue", "b=red"]
    np.testing.assert_array_equal(old.transform(table("a,b\n3,red\n")), [[1.0, 0.0, 1.0]])
    for damage in ({"indicator": "yes"}, {"parse": {"thousands": "x"}}, {"median": float("nan")}):
        d = p.to_dict()
        d["features"][0].update(damage)
        with pytest.raises(ModelFileError, match="damaged preprocessing"):
            Preprocessing.from_dict(d, "m.json")
    d = p.to_dict()
    d["features"][1]["categories"] = "abc"
    with pytest.raises(ModelFileError, match="damaged preprocessing"):
        Preprocessing.from_dict(d, "m.json")


def test_transform_is_the_same_whatever_the_row_blocks(monkeypatch):
    from neuronet.io import preprocess

    rng = np.random.default_rng(1)
    cells = ["", "1,234", "5", "-2.5", "NA", "7%"]
    text = "x,c,y\n" + "".join(f'"{rng.choice(cells)}",{rng.choice(["a", "b", ""])},{i % 2}\n' for i in range(50))
    t = table(text)
    p = Preprocessing.fit(t, "y")
    whole = p.transform(t)
    monkeypatch.setattr(preprocess, "FILL_ROWS", 3)
    np.testing.assert_array_equal(p.transform(t), whole)
    written = [line.split('"')[1] for line in text.splitlines()[1:]]
    v = np.array([float(c.replace(",", "").rstrip("%")) if c not in ("", "NA") else np.nan for c in written])
    f = p.features[0]
    v[np.isnan(v)] = f["median"]
    np.testing.assert_allclose(whole[:, 0], (v - f["mean"]) / f["std"])


def test_the_compiled_fill_of_a_big_matrix_writes_what_numpy_writes(monkeypatch):
    """Big tables' input matrices are written by a numba kernel, 8 columns a call: the same bits as NumPy's path,
    with missing cells, written numbers, indicators, unseen and "(other)" categories, a dropped column."""
    from neuronet.io import preprocess

    rng = np.random.default_rng(2)
    n = 300
    cols = {f"x{k}": [rng.choice(["", "NA", "1,234", "7%", f"{v:.4g}"], p=[.05, .05, .05, .05, .8])
                      for v in rng.normal(size=n) * 10 ** k] for k in range(11)}
    cols["x3"] = [c.replace("%", "") for c in cols["x3"]]          # no missing cells: no indicator
    cols["x3"] = [c if c not in ("", "NA") else "1" for c in cols["x3"]]
    cols |= {f"c{k}": list(rng.choice(["a", "b", "", f"z{k}"] + [f"w{i}" for i in range(k * 5)], n)) for k in range(10)}
    cols["id"] = [f"row{i}" for i in range(n)]
    cols["y"] = list(rng.choice(["p", "q"], n))
    t = Table.from_mapping(cols)
    p = Preprocessing.fit(t.rows(np.arange(200)), "y", max_categories=6)
    assert p.features[-1]["kind"] == "dropped" and not p.features[3]["indicator"]
    monkeypatch.setattr(preprocess, "FAST_FILL", 10 ** 12)
    slow = p.transform(t)
    monkeypatch.setattr(preprocess, "FAST_FILL", 0)
    fast = p.transform(t)
    np.testing.assert_array_equal(fast, slow)
    assert fast.shape[1] > 2 * 8 and np.isnan(fast).sum() == 0


def test_long_tables_fitted_two_columns_at_a_time_give_the_loops_results_and_first_error(monkeypatch):
    from neuronet.io import preprocess

    rng = np.random.default_rng(3)
    cols = {f"x{k}": [f"{v:.3g}" if v > -1.5 else "" for v in rng.normal(size=60)] for k in range(6)}
    cols |= {"c": list(rng.choice(["a", "b", ""], 60)), "y": list(rng.choice(["p", "q"], 60))}
    t = Table.from_mapping(cols)
    serial = Preprocessing.fit(t, "y")
    counts_serial: dict = {}
    X = serial.transform(t, counts_serial)
    monkeypatch.setattr(preprocess, "PARALLEL_ROWS", 0)
    threaded = Preprocessing.fit(t, "y")
    assert threaded.to_dict() == serial.to_dict()
    counts: dict = {}
    np.testing.assert_array_equal(threaded.transform(t, counts), X)
    assert counts == counts_serial and list(counts) == list(counts_serial)
    bad = dict(cols, x2=["oops"] * 5 + cols["x2"][5:], x4=["bad"] * 5 + cols["x4"][5:])
    with pytest.raises(DataError, match="column 'x2': 5 cells are not numbers"):   # the first bad column, as
        Preprocessing.fit(Table.from_mapping(bad), "y")                            # the loop says
    with pytest.raises(DataError, match="column 'x2'"):
        serial.transform(Table.from_mapping(dict(bad, x2=["1e999"] * 60)))


def test_tiny_values_standardize():
    t = table("x,y\n0,p\n2.75e-303,q\n")
    X = Preprocessing.fit(t, "y").transform(t)
    np.testing.assert_allclose(X[:, 0], [-1, 1])


def test_a_constant_column_standardizes_to_zero():
    p = Preprocessing.fit(table("x,y\n5.4,p\n5.4,p\n5.4,q\n"), "y")
    assert p.features[0]["mean"] == 5.4 and p.features[0]["std"] == 1.0
    np.testing.assert_array_equal(p.transform(table("x,y\n5.4,p\n"))[:, 0], [0.0])
