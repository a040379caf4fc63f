"""Built-in data sets: shapes, tasks, names, determinism, the toy problems' truth tables, CSV export."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuronet import DataError, datasets

EXPECTED = {  # name: (task, rows, features, classes)
    "xor": ("classification", 4, 2, 2),
    "parity": ("classification", 16, 4, 2),
    "symmetry": ("classification", 64, 6, 2),
    "moons": ("classification", 200, 2, 2),
    "circles": ("classification", 200, 2, 2),
    "spirals": ("classification", 200, 2, 2),
    "sine": ("regression", 100, 1, None),
    "iris": ("classification", 150, 4, 3),
    "wine": ("classification", 178, 13, 3),
    "breast_cancer": ("classification", 569, 30, 2),
    "digits": ("classification", 1797, 64, 10),
    "diabetes": ("regression", 442, 10, None),
}
SRC = str(Path(__file__).resolve().parents[1] / "src")
GENERATED = ["moons", "circles", "spirals", "sine"]


def test_names_and_describe_agree_with_load():
    assert datasets.names() == list(EXPECTED)
    rows = datasets.describe()
    assert [r[0] for r in rows] == list(EXPECTED)
    for name, task, n_rows, n_features, description in rows:
        assert (task, n_rows, n_features) == EXPECTED[name][:3]
        assert description and "\n" not in description


@pytest.mark.parametrize("name", list(EXPECTED))
def test_shapes_types_and_names(name):
    task, rows, features, classes = EXPECTED[name]
    ds = datasets.load(name)
    assert ds.name == name and ds.task == task
    assert ds.X.dtype == np.float64 and ds.X.shape == (rows, features)
    assert ds.n_rows == rows and ds.n_features == features
    assert np.isfinite(ds.X).all()
    assert len(ds.feature_names) == features == len(set(ds.feature_names))
    assert all(f.replace("_", "").isalnum() and f == f.lower() for f in ds.feature_names)  # CSV-friendly
    assert ds.target_name and ds.target_name not in ds.feature_names
    assert ds.y.shape == (rows,)
    if task == "classification":
        assert ds.y.dtype == np.int64
        assert len(ds.class_names) == classes
        assert set(np.unique(ds.y)) == set(range(classes))  # every class occurs
    else:
        assert ds.y.dtype == np.float64 and ds.class_names is None
        assert np.isfinite(ds.y).all()
    assert name in repr(ds)


REAL = {"iris": "load_iris", "wine": "load_wine", "breast_cancer": "load_breast_cancer", "digits": "load_digits",
        "diabetes": "load_diabetes"}


@pytest.mark.parametrize("name", list(REAL))
def test_real_data_sets_are_scikit_learns_bit_for_bit(name):
    """The files shipped in the package hold exactly what scikit-learn's loaders return."""
    import sklearn.datasets

    ds, ref = datasets.load(name), getattr(sklearn.datasets, REAL[name])()
    np.testing.assert_array_equal(ds.X, ref.data)
    np.testing.assert_array_equal(ds.y, ref.target)
    assert len(ds.feature_names) == len(ref.feature_names)
    if ds.class_names is not None:
        assert ds.class_names == [str(c) for c in ref.target_names]


def test_real_data_sets_keep_readable_names():
    ds = datasets.load("iris")
    assert ds.feature_names == ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert "od280_od315_of_diluted_wines" in datasets.load("wine").feature_names


@pytest.mark.parametrize("seed, n_samples", [(0, None), (3, 51), (None, 7), (11, 2)])
def test_moons_and_circles_are_scikit_learns_generators_bit_for_bit(seed, n_samples):
    from sklearn.datasets import make_circles, make_moons

    moons = datasets.load("moons", seed=seed, n_samples=n_samples)
    circles = datasets.load("circles", seed=seed, n_samples=n_samples)
    if seed is None:            # fresh randomness: the same shapes and labels' counts, other points
        assert moons.X.shape == (7, 2) and np.bincount(moons.y).tolist() == [3, 4]
        return
    # the seed scikit-learn would be handed: the first draw of the data set's own generator
    sk_seed = int(np.random.default_rng(seed).integers(2**31 - 1))
    n = n_samples or 200
    X, y = make_moons(n_samples=n, noise=0.1, random_state=sk_seed)
    np.testing.assert_array_equal(moons.X, X)
    np.testing.assert_array_equal(moons.y, y)
    X, y = make_circles(n_samples=n, noise=0.05, factor=0.5, random_state=sk_seed)
    np.testing.assert_array_equal(circles.X, X)
    np.testing.assert_array_equal(circles.y, y)


def test_loading_a_data_set_imports_no_scikit_learn():
    """`neuronet train iris` must not pay 1.3 s importing scikit-learn to read 150 rows."""
    code = ("import sys, neuronet; from neuronet import datasets\n"
            "for name in datasets.names(): datasets.load(name)\n"
            "heavy = sorted(m for m in ('sklearn', 'scipy', 'matplotlib', 'numba') if m in sys.modules)\n"
            "print(','.join(heavy))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == ""


def test_loaded_arrays_are_copies():
    first = datasets.load("iris")
    first.X[:] = 0.0
    first.y[:] = 0
    again = datasets.load("iris")
    assert again.X.max() > 7 and set(again.y) == {0, 1, 2}


def test_xor_and_parity_truth_tables():
    xor = datasets.load("xor")
    assert xor.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert xor.y.tolist() == [0, 1, 1, 0]
    par = datasets.load("parity")
    assert len({tuple(r) for r in par.X}) == 16
    np.testing.assert_array_equal(par.y, par.X.sum(axis=1).astype(int) % 2)


def test_symmetry_is_the_rumelhart_hinton_williams_problem():
    ds = datasets.load("symmetry")
    assert ds.X.shape == (64, 6)
    assert len({tuple(r) for r in ds.X}) == 64 and set(np.unique(ds.X)) == {0.0, 1.0}
    assert ds.y.sum() == 8
    for x, t in zip(ds.X, ds.y):
        assert t == int(list(x) == list(x[::-1]))
    assert ds.class_names[1] == "symmetric"


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_are_determined_by_the_seed(name):
    a, b, c = datasets.load(name, seed=3), datasets.load(name, seed=3), datasets.load(name, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    small = datasets.load(name, seed=3, n_samples=31)
    assert small.X.shape[0] == small.y.shape[0] == 31


def test_fixed_sets_ignore_the_seed_and_refuse_a_size():
    np.testing.assert_array_equal(datasets.load("symmetry", seed=1).X, datasets.load("symmetry", seed=2).X)
    with pytest.raises(DataError, match="fixed size.*n_samples=10"):
        datasets.load("iris", n_samples=10)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_samples": 1}, "n_samples must be an integer ≥ 2; received n_samples=1"),
    ({"n_samples": 2.5}, "received n_samples=2.5"),
    ({"seed": -1}, "seed must be a non-negative integer or None; received seed=-1"),
    ({"seed": "a"}, "received seed='a'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(DataError, match=match):
        datasets.load("moons", **kwargs)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DataError) as err:
        datasets.load("irsi")
    msg = str(err.value)
    assert "Unknown data set 'irsi'" in msg and "Did you mean 'iris'?" in msg
    for name in EXPECTED:
        assert name in msg
    with pytest.raises(DataError, match="given by name"):
        datasets.load(3)
    assert datasets.load("Breast-Cancer").name == "breast_cancer"


def test_generated_shapes_follow_their_definitions():
    sine = datasets.load("sine")
    x = sine.X[:, 0]
    assert x.min() >= -np.pi and x.max() <= np.pi
    assert np.abs(sine.y - np.sin(x)).max() < 0.3           # noise sd 0.05
    assert 0.01 < np.std(sine.y - np.sin(x)) < 0.1
    spi = datasets.load("spirals")
    assert np.bincount(spi.y).tolist() == [100, 100]
    assert np.hypot(*spi.X.T).max() < 1.2
    # The arms are point reflections of each other: mirrored points of arm 1 lie near arm 0.
    arm0, arm1 = spi.X[spi.y == 0], -spi.X[spi.y == 1]
    d = np.hypot(*(arm1[:, None, :] - arm0[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert np.median(d) < 0.1
    circ = datasets.load("circles")
    r = np.hypot(*circ.X.T)
    assert r[circ.y == 1].mean() < 0.6 < r[circ.y == 0].mean()


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.mark.parametrize("name", ["iris", "sine", "moons"])
def test_csv_round_trip_is_exact(tmp_path, name):
    ds = datasets.load(name)
    out = datasets.write_csv(ds, tmp_path / f"{name}.csv")
    header, rows = read_csv(out)
    assert header == ds.feature_names + [ds.target_name]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    np.testing.assert_array_equal(X, ds.X)  # bit for bit
    if ds.task == "classification":
        assert [int(r[-1]) for r in rows] == ds.y.tolist()
    else:
        np.testing.assert_array_equal(np.array([float(r[-1]) for r in rows]), ds.y)
    assert sorted(os.listdir(tmp_path)) == [f"{name}.csv"]  # no temporary file left behind


def test_csv_with_class_names_and_overwrite(tmp_path):
    path = tmp_path / "xor.csv"
    path.write_text("old")
    datasets.write_csv(datasets.load("xor"), path, target="name")
    header, rows = read_csv(path)
    assert header == ["x1", "x2", "xor"]
    assert [r[-1] for r in rows] == ["0", "1", "1", "0"]
    datasets.write_csv(datasets.load("iris"), path, target="name")
    assert read_csv(path)[1][0][-1] == "setosa"


def test_csv_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        datasets.write_csv(datasets.load("xor"), tmp_path / "missing" / "x.csv")
    with pytest.raises(DataError, match="target must be 'index'"):
        datasets.write_csv(datasets.load("xor"), tmp_path / "x.csv", target="label")
    with pytest.raises(DataError, match="Expected a Dataset"):
        datasets.write_csv({"X": 1}, tmp_path / "x.csv")
    assert os.listdir(tmp_path) == []


def test_to_frame_puts_the_target_last():
    pd = pytest.importorskip("pandas")
    ds = datasets.load("wine")
    frame = datasets.to_frame(ds)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ds.feature_names + ["cultivar"]
    np.testing.assert_array_equal(frame[ds.feature_names].to_numpy(), ds.X)
    assert frame["cultivar"].tolist() == ds.y.tolist()
    assert datasets.to_frame(ds, target="name")["cultivar"].iloc[0] == "class_0"


def test_to_frame_without_pandas_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ImportError, match="needs pandas.*pip install pandas.*write_csv"):
        datasets.to_frame(datasets.load("xor"))
