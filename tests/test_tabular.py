"""CSV reading and preprocessing (neuronet.tabular): strict reading, the stored record, its inverse."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from neuronet import DataError, ModelFileError, datasets, tabular
from neuronet.io.tabular import Preprocessing, read_csv


def table(text: str, name: str = "t.csv") -> tabular.Table:
    return read_csv(io.StringIO(text), name)


def test_reading_tracks_file_lines_through_blank_lines_and_quoted_newlines():
    t = table('\ufeffa,b,"c d"\n\n1,"two\nlines",x\n\n3,"4",y\n')
    assert t.names == ["a", "b", "c d"] and t.n_rows == 2
    assert t.lines.tolist() == [3, 6]
    assert t.columns["b"].labels() == ["two\nlines", "4"]
    assert t.where(1, "b") == "t.csv, line 6, column 'b'"


def test_reading_refuses_malformed_files(tmp_path):
    with pytest.raises(DataError, match=r"t.csv, line 3: expected 2 fields \(as in the header\), found 3"):
        table("a,b\n1,2\n1,2,3\n")
    with pytest.raises(DataError, match="the column name 'a' appears twice"):
        table("a,b,a\n1,2,3\n")
    with pytest.raises(DataError, match="is empty"):
        table("\n\n")
    with pytest.raises(DataError, match="has a header"):
        table("a,b\n")
    (tmp_path / "latin.csv").write_bytes("a,b\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin.csv, line 2: not UTF-8"):
        read_csv(tmp_path / "latin.csv")
    with pytest.raises(DataError, match="no such file"):
        read_csv(tmp_path / "absent.csv")
    # an unnamed column (pandas writes its index so) gets a name
    assert table(",a,y\n0,1,p\n1,2,q\n").names == ["column_1", "a", "y"]


def test_labels_and_task_inference():
    assert tabular.canonical(" 1.0") == tabular.canonical("1") == tabular.canonical(1.0) == "1"
    assert tabular.canonical("1.5") == "1.5" and tabular.canonical("yes ") == "yes"
    t = table("x,int3,intmany,real,text\n" + "".join(f"{i},{i % 3},{i},{i / 7},{'ab'[i % 2]}\n" for i in range(30)))
    assert tabular.infer_task(t, "int3") == "classification"
    assert tabular.infer_task(t, "intmany") == "regression"      # more than 10 distinct integers
    assert tabular.infer_task(t, "real") == "regression"
    assert tabular.infer_task(t, "text") == "classification"
    p = Preprocessing.fit(t, "int3")
    assert p.classes == ["0", "1", "2"] and p.loss == "cross_entropy"
    assert "3 distinct integers" in tabular.task_reason(t, "int3", "classification", None)
    # classes sort numerically, not as text
    t = table("x,y\n" + "".join(f"{i},{[2, 10, 1][i % 3]}\n" for i in range(9)))
    assert Preprocessing.fit(t, "y").classes == ["1", "2", "10"]


def test_preprocessing_fit_transform_and_round_trip():
    t = table("x,colour,id,y\n1,red,0,3.5\n2,blue,1,4.5\n3,red,2,5.5\n5,green,3,6.5\n")
    p = Preprocessing.fit(t, "y", categorical=["id"], drop=[])
    assert p.task == "regression" and p.loss == "squared"
    assert p.input_names == ["x", "colour=blue", "colour=green", "colour=red", "id=0", "id=1", "id=2", "id=3"]
    X = p.transform(t)                                                   # (4, 8)
    np.testing.assert_allclose(X[:, 0], (np.array([1, 2, 3, 5]) - 2.75) / np.std([1, 2, 3, 5]))
    np.testing.assert_array_equal(X[:, 1:4], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    y = p.encode_target(t)
    np.testing.assert_allclose(p.decode(y[:, None])[0], [3.5, 4.5, 5.5, 6.5])   # the scaling is undone
    q = Preprocessing.from_dict(p.to_dict())
    np.testing.assert_array_equal(q.transform(t), X)
    assert q.to_dict() == p.to_dict()
    d = p.to_dict()
    d["features"][0]["std"] = 0
    with pytest.raises(ModelFileError, match="damaged preprocessing"):
        Preprocessing.from_dict(d, "m.json")
    with pytest.raises(ModelFileError, match="damaged preprocessing"):
        Preprocessing.from_dict({"version": 1, "task": "classification"}, "m.json")


def test_preprocessing_refuses_what_would_be_silently_wrong():
    p = Preprocessing.fit(table("x,c,y\n1,a,p\n2,b,q\n"), "y")
    counts = {}
    np.testing.assert_array_equal(p.transform(table("x,c\n1,z\n"), counts)[:, 1:], [[0, 0]])
    assert counts == {"c": {"unseen": 1, "first": [("line 2", "z")]}}
    with pytest.raises(DataError, match="unknown class 'r'"):
        p.encode_target(table("x,c,y\n1,a,r\n"))
    with pytest.raises(DataError, match="Name the target column with --target"):
        Preprocessing.fit(table("x,y\n1,2\n"))
    with pytest.raises(DataError, match="no input columns"):
        Preprocessing.fit(table("y\n1\n2\n"), "y")


def test_built_in_data_sets_are_tables():
    t = tabular.from_dataset(datasets.load("iris"))
    assert t.default_target == "species" and t.n_rows == 150 and t.lines is None
    p = Preprocessing.fit(t)
    assert p.task == "classification" and p.classes == ["setosa", "versicolor", "virginica"]
    assert t.where(4) == "iris (built-in), row 4"
    X = p.transform(t)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1)
    assert tabular.open_data("Iris").n_rows == 150
    with pytest.raises(DataError, match="Did you mean the data set 'wine'"):
        tabular.open_data("wien")


def test_split_is_stratified_and_reproducible():
    y = np.array([0] * 50 + [1] * 10 + [2] * 2)
    tr, va = tabular.split(len(y), 0.2, seed=3, y=y)
    assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == len(y)
    assert [int((y[va] == c).sum()) for c in (0, 1, 2)] == [10, 2, 0]        # class 2 keeps its rows to train
    tr2, va2 = tabular.split(len(y), 0.2, seed=3, y=y)
    np.testing.assert_array_equal(va, va2)
    with pytest.raises(DataError, match="leaves"):
        tabular.split(2, 0.1)


def test_metrics():
    m = tabular.classification_metrics(["a", "b", "b", "c"], ["a", "b", "a", "a"], ["a", "b"])
    assert m["labels"] == ["a", "b", "c"] and m["confusion"] == [[1, 0, 0], [1, 1, 0], [1, 0, 0]]
    assert m["accuracy"] == 0.5
    r = tabular.regression_metrics(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    assert r["rmse"] == pytest.approx(np.sqrt(1 / 3)) and r["mae"] == pytest.approx(1 / 3)
    assert r["r2"] == pytest.approx(1 - 1 / 2)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.sampled_from(["u", "v", "w"]), st.sampled_from(["p", "q"])),
                min_size=2, max_size=30))
def test_transform_standardizes_and_one_hot_encodes(rows):
    text = "x,c,y\n" + "".join(f"{x!r},{c},{y}\n" for x, c, y in rows)
    t = table(text)
    if len({y for *_, y in rows}) < 2:
        with pytest.raises(DataError, match="only one class"):
            Preprocessing.fit(t, "y")
        return
    p = Preprocessing.fit(t, "y")
    X = p.transform(t)
    assert X.shape == (len(rows), 1 + len({c for _, c, _ in rows}))
    np.testing.assert_allclose(X[:, 1:].sum(axis=1), 1)
    x = np.array([r[0] for r in rows])
    if x.max() > x.min():                      # (np.std of a constant column can be a rounding error > 0)
        assert abs(X[:, 0].mean()) < 1e-6 and X[:, 0].std() == pytest.approx(1, rel=1e-6)
    # and the record read back from JSON gives the same inputs, bit for bit
    np.testing.assert_array_equal(Preprocessing.from_dict(p.to_dict()).transform(t), X)
