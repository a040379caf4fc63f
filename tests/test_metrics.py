"""neuronet.model.metrics: scikit-learn's numbers, None where undefined, printed as people read them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm

from neuronet.model import metrics


def test_classification_matches_scikit_learn():
    rng = np.random.default_rng(0)
    classes = ["a", "b", "c"]
    true = list(rng.choice(classes, size=200, p=[0.8, 0.15, 0.05]))
    pred = list(rng.choice(classes, size=200, p=[0.6, 0.3, 0.1]))
    m = metrics.classification(true, pred, classes)
    assert m["rows"] == 200
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(true, pred))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(true, pred))
    assert m["confusion"] == skm.confusion_matrix(true, pred, labels=classes).tolist()
    p, r, f, s = skm.precision_recall_fscore_support(true, pred, labels=classes, zero_division=np.nan)
    for k, c in enumerate(classes):
        got = m["per_class"][c]
        assert (got["precision"], got["recall"], got["f1"], got["support"]) == pytest.approx((p[k], r[k], f[k], s[k]))


def test_undefined_metrics_are_none_and_json_safe():
    # class "c" is never predicted (precision undefined); "d" never occurs (recall undefined)
    m = metrics.classification(["a", "c", "a"], ["a", "a", "d"], ["a", "c", "d"])
    assert m["per_class"]["c"]["precision"] is None and m["per_class"]["c"]["f1"] is None
    assert m["per_class"]["d"]["recall"] is None
    assert m["balanced_accuracy"] == pytest.approx((1 / 2 + 0) / 2)        # mean recall over a and c
    # an unseen true label gets its own row
    m2 = metrics.classification(["a", "zz"], ["a", "a"], ["a", "b"])
    assert m2["labels"] == ["a", "b", "zz"] and m2["confusion"][2] == [1, 0, 0]
    r = metrics.regression([3.0, 3.0, 3.0], [2.0, 3.0, 4.0])
    assert r["r2"] is None and r["rmse"] == pytest.approx(np.sqrt(2 / 3))
    text = json.dumps({"c": m, "r": r}, allow_nan=False)                  # would raise on a NaN
    assert "null" in text


def test_regression_matches_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.normal(250_000, 60_000, 300)
    p = y + rng.normal(0, 25_000, 300)
    m = metrics.regression(y, p)
    assert m["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(y, p))
    assert m["r2"] == pytest.approx(skm.r2_score(y, p))


@pytest.mark.parametrize("value, text", [
    (25266.4, "25,266"), (2.527e4, "25,270"), (1234.5, "1,234.5"), (1770.5, "1,770.5"), (9999.96, "10,000"),
    (1770.0, "1,770"), (413666.9848, "413,667"), (999.94, "999.9"), (3.14159, "3.142"),
    (0.5, "0.5"), (0.012345, "0.01235"), (-42.0, "-42"), (0.0, "0"), (None, "–"), (float("nan"), "–"),
    (7, "7"), (1_000_000, "1,000,000"), (2.5e-9, "2.500e-09"),
])
def test_numbers_as_people_read_them(value, text):
    assert metrics.number(value) == text


def test_summary_lines():
    c = metrics.classification(["a", "b"], ["a", "a"], ["a", "b"])
    assert metrics.summary(c) == "accuracy 50.0%, balanced accuracy 50.0%"
    r = {"rows": 3, "rmse": 25266.4, "mae": 18004.2, "r2": None}
    assert metrics.summary(r) == "RMSE 25,266, MAE 18,004, R² –"


def test_fingerprint_counts_training_rows_exactly_and_by_sample():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(300, 4)), rng.integers(0, 3, 300).astype(float)
    fp = json.loads(json.dumps(metrics.fingerprint(X[:200], y[:200])))      # survives the model file
    assert fp["sample_1_in"] == 1 and fp["rows"] == 200
    assert metrics.overlap(fp, X[150:], y[150:]) == {"rows": 50, "exact": True}
    assert metrics.overlap(fp, X[200:], y[200:]) == {"rows": 0, "exact": True}
    y2 = y.copy()
    y2[:200] = (y2[:200] + 1) % 3                                          # same inputs, other targets
    assert metrics.overlap(fp, X[:200], y2[:200])["rows"] == 0
    assert metrics.overlap(fp, X[:200][:, [1, 0, 2, 3]], y[:200])["rows"] == 0
    assert metrics.overlap({"nothing": 1}, X, y) is None

    big = rng.normal(size=(40_000, 3))
    fp = metrics.fingerprint(big)
    assert fp["sample_1_in"] == 4 and len(fp["hashes"]) < 4 * 16_384 * 4 / 3 + 4
    est = metrics.overlap(fp, big[:20_000])
    assert not est["exact"] and 16_000 <= est["rows"] <= 20_000          # a sample of about 1 in 4
    assert metrics.overlap(fp, rng.normal(size=(5_000, 3)))["rows"] == 0
