"""A model trained by ``neuronet train``, used from Python: the network with everything it learned about the table.

``nn.load`` returns the bare network, which computes on preprocessed inputs. A model file
written by the command line also holds the preprocessing (:class:`~neuronet.io.tabular.Preprocessing`):
which columns it reads, how each becomes inputs, the class names, the target's units.
:func:`load_model` returns both together. ``neuronet predict`` calls :meth:`Model.outputs` (which
:meth:`Model.predict` and :meth:`Model.predict_proba` also use) and ``neuronet evaluate`` calls
:meth:`Model.evaluate`, so Python and the command line give the same answers::

    rows (DataFrame, dict of columns, CSV path) -> Table -> X = transform(rows) -> net.forward(X)
         -> labels / probabilities (classification) or values in the target's units (regression)

>>> import neuronet as nn
>>> model = nn.load_model("model.json")                          # doctest: +SKIP
>>> model.predict({"sepal_length": [5.1], "sepal_width": [3.5],
...                "petal_length": [1.4], "petal_width": [0.2]})  # doctest: +SKIP
array(['setosa'], dtype=object)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import DataError
from ..model import metrics
from . import tabular


class Model:
    """A trained network and its preprocessing: predicts from raw rows, as ``neuronet predict`` does.

    Attributes
    ----------
    network : Network
        The trained network; ``network.forward`` takes the preprocessed inputs.
    preprocessing : Preprocessing
        How a table becomes the network's inputs, and its outputs become predictions.
    columns : list of str
        The columns the model reads, in the order it reads them (the target is not among them).
    target : str
        The column it predicts.
    task : {"classification", "regression"}
    classes : list of str or None
        Classification: the class names, in the order of ``predict_proba``'s columns.
    """

    def __init__(self, network, preprocessing: tabular.Preprocessing, name: str = "the model"):
        self.network = network
        self.preprocessing = preprocessing
        self.name = name

    @property
    def columns(self) -> list[str]:
        return self.preprocessing.columns

    @property
    def target(self) -> str:
        return self.preprocessing.target

    @property
    def task(self) -> str:
        return self.preprocessing.task

    @property
    def classes(self) -> list[str] | None:
        return None if self.preprocessing.classes is None else list(self.preprocessing.classes)

    def __repr__(self) -> str:
        what = (f"classification of {self.target!r} into {len(self.classes)} classes"
                if self.task == tabular.CLASSIFICATION else f"regression of {self.target!r}")
        return f"<neuronet Model {self.name}: {what} from {len(self.columns)} columns>"

    # -- predicting ---------------------------------------------------------------------------------
    def outputs(self, rows, counts: dict | None = None) -> tuple[Any, np.ndarray | None]:
        """(predicted labels or values, class probabilities (B, C) or None) for every row.

        This is what ``neuronet predict`` writes: labels as the class names, values in the
        target's own units, probabilities when the model's loss gives them. ``counts``, when
        given, receives what the preprocessing filled in (missing cells, unseen categories).
        """
        t = as_table(rows)
        return tabular.predict(self.network, self.preprocessing, t, counts)

    def predict(self, rows) -> np.ndarray:
        """The prediction for every row: class names (object array) or values in the target's units (float64).

        Parameters
        ----------
        rows : pandas DataFrame, dict of columns, CSV path, or Table
            Needs the columns in :attr:`columns`; other columns (the target, an id) are ignored.
        """
        pred, _ = self.outputs(rows)
        if self.task == tabular.CLASSIFICATION:
            return np.array(pred, dtype=object)
        return np.asarray(pred, dtype=np.float64)

    def predict_proba(self, rows) -> np.ndarray:
        """Class probabilities (B, C), one column per class of :attr:`classes`; each row sums to 1."""
        if self.task != tabular.CLASSIFICATION:
            raise DataError(f"predict_proba() needs a classification model; {self.name} predicts the number "
                            f"{self.target!r}. Use predict().")
        _, proba = self.outputs(rows)
        if proba is None:
            raise DataError(f"{self.name} was trained with the loss {self.preprocessing.loss}, whose outputs are "
                            "not probabilities; use predict(), or train with cross_entropy.")
        return proba

    # -- scoring ----------------------------------------------------------------------------------
    def evaluate(self, rows, counts: dict | None = None) -> dict:
        """Metrics on rows that hold the target column (:mod:`neuronet.model.metrics`), in the target's units.

        Classification: accuracy, balanced accuracy, per-class precision, recall and F1, the
        confusion matrix; regression: RMSE, MAE, R². ``training_rows`` says how many of the
        rows the model was trained on (``None`` when the model file does not know). ``counts`` as
        in :meth:`outputs`.
        """
        t = as_table(rows)
        prep = self.preprocessing
        t.column(prep.target, "target column")
        X = prep.transform(t, counts)                                            # (B, n_in), once for both
        pred, _ = prep.decode(self.network.forward(X))
        if prep.task == tabular.CLASSIFICATION:
            true = prep.true_labels(t)
            m = metrics.classification(true, pred, prep.classes)
            index = {c: k for k, c in enumerate(prep.classes)}
            y = np.array([index.get(lab, -1) for lab in true], dtype=np.float64)    # -1: a class it never saw
        else:
            m = metrics.regression(prep.true_values(t), pred)
            y = prep.encode_target(t)
        fp = self.network.info.get("training_rows")
        m["training_rows"] = metrics.overlap(fp, X, y) if isinstance(fp, dict) else None
        return m


def load_model(path: str | os.PathLike) -> Model:
    """The model saved by ``neuronet train`` at ``path``: network, preprocessing, columns, classes.

    Raises
    ------
    ModelFileError
        The file is missing or damaged, or holds a bare network without preprocessing
        (use :func:`neuronet.load` for those).
    """
    from ..model.network import load  # noqa: PLC0415

    net = load(path)
    return Model(net, tabular.Preprocessing.of(net, str(path)), str(path))


def as_table(rows, name: str | None = None) -> tabular.Table:
    """Rows as a :class:`~neuronet.io.table.Table`: a pandas DataFrame, a dict of columns, a CSV path or a Table.

    Cells are read as from a CSV file (:meth:`~neuronet.io.table.Table.from_mapping`): text that
    is a number is a number; empty cells, NA spellings, None and NaN are missing.
    """
    if isinstance(rows, tabular.Table):
        return rows
    if isinstance(rows, (str, os.PathLike)):
        return tabular.read_csv(Path(rows), name)
    if isinstance(rows, Mapping) or (hasattr(rows, "items") and hasattr(rows, "columns")):   # dict, DataFrame
        what = "the DataFrame" if hasattr(rows, "columns") else "the dict of columns"
        return tabular.Table.from_mapping(rows, name or what)
    raise DataError(f"rows must be a pandas DataFrame, a dict of columns or the path of a CSV file; received "
                    f"{type(rows).__name__}.")
