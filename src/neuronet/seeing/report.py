"""A training run as one self-contained HTML page: data, network, restarts, metrics, pictures.

:func:`write_report` writes a single ``.html`` file that needs nothing else: every picture
is a PNG embedded as base64, the style sheet is inline, nothing is fetched from the
network. It holds

* a summary of the data (given as text or a dict, and computed from X and y when given);
* the network: its shape and a drawing (:func:`neuronet.draw.draw`);
* training: the settings, every restart's loss per epoch (:func:`neuronet.draw.loss_curves`)
  and the leaderboard, every restart best first;
* metrics: given ones, or computed from X and y (accuracy for classification; mean squared
  error, mean absolute error and R² for regression);
* for two-input data: the decision boundary (:func:`neuronet.draw.decision_boundary`) and
  each neuron's output over the input plane (:func:`neuronet.draw.neuron_outputs`).

>>> import neuronet as nn, numpy as np
>>> from neuronet.report import write_report
>>> X = np.array([[0., 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0., 1, 1, 0])
>>> res = nn.train(nn.mlp([2, 3, 1], hidden="tanh", seed=0), X, y, epochs=5, restarts=2, seed=0)
>>> import tempfile, os; path = write_report(os.path.join(tempfile.mkdtemp(), "run.html"), res, X, y)
>>> path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..model import metrics as metric_fns
from ..model.files import write_atomic
from ..errors import DataError
from ..model.network import Network

MAX_LEADERBOARD = 500   # rows of the restart table; the rest are summarised
MAX_FEATURES = 40       # rows of the feature table
CLASSIFICATION, REGRESSION = "classification", "regression"

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da;
        --good: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       background: #fff; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 24px 60px; }
header { border-bottom: 1px solid var(--line); margin-bottom: 8px; padding-bottom: 12px; }
h1 { font-size: 26px; margin: 0 0 4px; font-weight: 600; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line);
     font-weight: 600; }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); font-weight: 600; }
p { margin: 6px 0 10px; }
.sub { color: var(--muted); margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--soft); }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; }
tr.best td { background: #dafbe1; font-weight: 600; }
tr.diverged td { color: var(--bad); }
.scroll { max-height: 380px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; display: inline-block;
          max-width: 100%; }
.scroll table { margin: 0; }
.scroll th { position: sticky; top: 0; }
figure { margin: 12px 0 18px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
figure.half { flex: 0 1 540px; }
figure.tall { flex: 0 1 auto; max-width: 440px; }
figure.tall img { max-height: 1100px; }
.row { display: flex; flex-wrap: wrap; gap: 12px 48px; align-items: flex-start; }
.row > dl.kv { margin-top: 14px; }
figure.net { flex: 1 1 420px; margin-top: 8px; }
figure.net img { max-height: 640px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; font-size: 14px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
      overflow: auto; font-size: 13px; }
.note { color: var(--muted); font-size: 13px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
"""


def write_report(path: str | os.PathLike, result: Any, X=None, y=None, *, feature_names: Sequence[str] | None = None,
                 task: str | None = None, class_names: Sequence[str] | None = None,
                 metrics: Mapping[str, Any] | None = None, title: str | None = None,
                 data_summary: str | Mapping[str, Any] | None = None, columns: Mapping[str, Any] | None = None,
                 splits: Mapping[str, tuple[Any, Any]] | None = None, target_name: str | None = None) -> Path:
    """Write a training run to one self-contained HTML file (atomically) and return its path.

    Parameters
    ----------
    path : str or PathLike
        The ``.html`` file to write; its folder must exist.
    result : TrainResult
        What :func:`neuronet.train` returned (``.network``, ``.losses``, ``.history``, ``.best``,
        ``.status``, ``.ranking()``, ``.config``…).
    X : array (B, n_in), optional
        Data to summarise and to compute metrics on (usually the training or test data).
    y : array (B,) or (B, n_out), optional
        Its targets: class indices for classification, numbers for regression.
    feature_names : list of str, optional
        One name per column of X.
    task : {"classification", "regression"}, optional
        Inferred when not given: classification for the cross-entropy losses, or integer y.
    class_names : list of str, optional
        The name of class c is ``class_names[c]``.
    metrics : dict, optional
        Numbers (or short strings) to show; computed from X and y when not given.
    title : str, optional
    data_summary : str or dict, optional
        A description of the data (a sentence, or name -> value pairs).
    columns : dict of column name -> cells, optional
        The table's input columns in their own units (numbers, NaN or None where missing; or
        text): their statistics replace those of X, which are after preprocessing.
    splits : dict of name -> (true, predicted), optional
        True and predicted targets in the target's own units (class names, or numbers) for
        each part of the data ("training", "validation"): the metrics, the confusion matrix
        (classification) or predicted against actual (regression) come from them. Without
        it they come from X and y.
    target_name : str, optional
        The target column's name, for axes and the output neuron of a regression.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DataError
        When ``result`` is not a training result, X or y do not fit the network, or the
        folder does not exist.
    """
    net = getattr(result, "network", None)
    if not isinstance(net, Network) or getattr(result, "history", None) is None \
            or getattr(result, "losses", None) is None:
        raise DataError("write_report() needs the result of neuronet.train() (with .network, .losses and "
                        f".history); received {type(result).__name__}.")
    path = Path(path)
    if not path.parent.is_dir():
        raise DataError(f"Cannot write the report {str(path)!r}: the folder {str(path.parent)!r} does not exist.")
    if task is not None and task not in (CLASSIFICATION, REGRESSION):
        raise DataError(f"task must be 'classification' or 'regression'; received task={task!r}.")
    Xa = ya = None
    if X is not None:
        Xa, _ = net._check_X(X, "X")
        if np.ndim(X) == 1 and len(net.inputs) != 1:
            raise DataError("X must be a batch (B, n_in) for the report; received one example.")
    if y is not None:
        if Xa is None:
            raise DataError("write_report() received y without X; give both (or neither).")
        ya = np.asarray(y)
        if ya.ndim == 0 or ya.shape[0] != Xa.shape[0]:
            raise DataError(f"X has {Xa.shape[0]} rows but y has shape {ya.shape}; they must match.")
        if ya.dtype.kind not in "biuf":
            raise DataError(f"y must hold numbers (class indices or values); it holds {ya.dtype}.")
        if not np.all(np.isfinite(ya.astype(np.float64))):
            raise DataError("y holds values that are not finite; every target must be a number.")
    if feature_names is not None and Xa is not None and len(feature_names) != Xa.shape[1]:
        raise DataError(f"feature_names has {len(feature_names)} names but X has {Xa.shape[1]} columns.")
    config = dict(getattr(result, "config", {}) or {})
    if task is None:
        task = _infer_task(config.get("loss"), ya, class_names)
    if splits is None and ya is not None:
        splits = {"data": _true_and_predicted(net, Xa, ya, task, config.get("loss"), class_names)}
    splits = _check_splits(splits, task)
    evals = _evaluate(splits, task, class_names)
    if metrics is None and evals:
        metrics = _flat(evals)

    page = _Page(title or "neuronet training report")
    page.header(result, net, config, metrics)
    page.data(Xa, ya, feature_names, task, class_names, data_summary, columns, splits, target_name)
    page.network(net, _neuron_names(net, feature_names, class_names, target_name))
    page.training(result, config)
    page.metrics(metrics, evals, splits, task, target_name)
    if Xa is not None and Xa.shape[1] == 2 and len(net.inputs) == 2:
        page.plane(net, Xa, ya, task)
    write_atomic(path, page.html().encode("utf-8"))
    return path


# -- metrics ---------------------------------------------------------------------------------------
def _infer_task(loss: str | None, y, class_names) -> str:
    if loss in ("cross_entropy", "binary_cross_entropy") or class_names is not None:
        return CLASSIFICATION
    if y is not None and np.asarray(y).dtype.kind in "biu":
        return CLASSIFICATION
    return REGRESSION


def predict_classes(net: Network, X: np.ndarray, loss: str | None = None) -> np.ndarray:
    """Class indices (B,): argmax of several outputs; one output split at ½ (at 0 for logits of binary_cross_entropy)."""
    out = net.forward(X)                                               # (B, n_out)
    if out.shape[1] > 1:
        return out.argmax(axis=1)
    threshold = 0.0 if loss == "binary_cross_entropy" else 0.5
    return (out[:, 0] >= threshold).astype(np.int64)


def _class_indices(y: np.ndarray) -> np.ndarray:
    return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.rint(y.reshape(-1)).astype(np.int64)


def _true_and_predicted(net: Network, X: np.ndarray, y: np.ndarray, task: str, loss: str | None,
                        class_names: Sequence[str] | None) -> tuple[Any, Any]:
    """(true, predicted) on (X, y): class names (or indices as text), or numbers (B,) / (B, n_out)."""
    if task == CLASSIFICATION:
        name = (lambda c: str(class_names[c]) if class_names is not None and 0 <= c < len(class_names) else str(c))
        return [name(int(c)) for c in _class_indices(y)], [name(int(c)) for c in predict_classes(net, X, loss)]
    out = net.forward(X)                                               # (B, n_out)
    Y = y.reshape(len(y), -1).astype(np.float64)
    if Y.shape[1] != out.shape[1]:
        raise DataError(f"y has {Y.shape[1]} columns per row but the network has {out.shape[1]} outputs.")
    return (Y[:, 0], out[:, 0]) if Y.shape[1] == 1 else (Y, out)


def compute_metrics(net: Network, X: np.ndarray, y: np.ndarray, task: str, loss: str | None = None,
                    class_names: Sequence[str] | None = None) -> dict:
    """The metrics of :mod:`neuronet.model.metrics` on (X, y): accuracy, balanced accuracy, per class and the
    confusion matrix (classification), or RMSE, MAE and R² (regression; R² averaged over several outputs)."""
    true, pred = _true_and_predicted(net, X, np.asarray(y), task, loss, class_names)
    return _evaluate({"data": (true, pred)}, task, class_names)["data"]


def _check_splits(splits, task: str) -> dict | None:
    if splits is None:
        return None
    out = {}
    for name, pair in splits.items():
        try:
            true, pred = pair
        except (TypeError, ValueError):
            raise DataError(f"splits[{name!r}] must be a pair (true, predicted).") from None
        if len(true) != len(pred):
            raise DataError(f"splits[{name!r}] has {len(true)} true and {len(pred)} predicted values; they must "
                            "match.")
        if task == REGRESSION:
            true, pred = np.asarray(true, dtype=np.float64), np.asarray(pred, dtype=np.float64)
        else:
            true, pred = [str(v) for v in true], [str(v) for v in pred]
        out[str(name)] = (true, pred)
    return out


def _evaluate(splits: dict | None, task: str, class_names) -> dict:
    """Split name -> the metrics of model.metrics (the one module for every front end)."""
    if not splits:
        return {}
    out = {}
    for name, (true, pred) in splits.items():
        if not len(true):
            continue
        if task == CLASSIFICATION:
            classes = [str(c) for c in class_names] if class_names is not None else \
                sorted(set(true) | set(pred), key=metric_fns._label_key)
            out[name] = metric_fns.classification(true, pred, classes)
        elif np.ndim(true) == 2:                                      # several outputs: R² averaged over them
            cols = [metric_fns.regression(true[:, k], pred[:, k]) for k in range(true.shape[1])]
            r2 = [c["r2"] for c in cols if c["r2"] is not None]
            out[name] = {**metric_fns.regression(true.ravel(), pred.ravel()), "rows": int(len(true)),
                         "r2": float(np.mean(r2)) if r2 else None}
        else:
            out[name] = metric_fns.regression(true, pred)
    return out


def _flat(evals: dict) -> dict:
    """'validation accuracy' -> 0.97 … for the header card and the metrics table."""
    flat = {}
    for split, m in evals.items():
        prefix = "" if split == "data" else f"{split} "
        keys = (("accuracy", "accuracy"), ("balanced accuracy", "balanced_accuracy")) if "accuracy" in m else \
            (("RMSE", "rmse"), ("MAE", "mae"), ("R²", "r2"))
        for label, key in keys:
            flat[prefix + label] = m[key] if m[key] is not None else "–"
    return flat


def _neuron_names(net: Network, feature_names, class_names, target_name) -> dict[int, str]:
    """Input and output neuron id -> the column or class it stands for (for the drawing)."""
    names = {}
    if feature_names is not None and len(feature_names) == len(net.inputs):
        names.update(zip(net.inputs, map(str, feature_names)))
    outs = list(net.outputs)
    if class_names is not None and len(class_names) == len(outs):
        names.update(zip(outs, map(str, class_names)))
    elif class_names is not None and len(class_names) == 2 and len(outs) == 1:
        names[outs[0]] = f"{class_names[1]} (vs {class_names[0]})"
    elif target_name is not None and len(outs) == 1:
        names[outs[0]] = str(target_name)
    return names


# -- the page ---------------------------------------------------------------------------------------
def _e(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _num(v: Any, digits: int = 4) -> str:
    """A number for a table, as :func:`neuronet.model.metrics.number` writes it, with a true minus sign."""
    if isinstance(v, (int, float, np.number, bool, np.bool_)) or v is None:
        return metric_fns.number(v, digits).replace("-", "−")
    return str(v)


def _png(fig, dpi: int = 110) -> str:
    """A matplotlib Figure as a base64 PNG data URL."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


class _Page:
    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def figure(self, fig, caption: str, alt: str, dpi: int = 110, cls: str = "") -> str:
        c = f' class="{cls}"' if cls else ""
        return (f'<figure{c}><img src="{_png(fig, dpi)}" alt="{_e(alt)}">'
                f"<figcaption>{_e(caption)}</figcaption></figure>")

    def kv(self, pairs: Sequence[tuple[str, Any]]) -> str:
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_num(v) if not isinstance(v, str) else v)}</dd>" for k, v in pairs)
        return f'<dl class="kv">{rows}</dl>'

    def table(self, head: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None,
              classes: Sequence[str] | None = None, scroll: bool = False) -> str:
        numeric = numeric or [False] * len(head)
        th = "".join(f'<th class="{"n" if n else ""}">{_e(h)}</th>' for h, n in zip(head, numeric))
        body = []
        for k, row in enumerate(rows):
            cls = f' class="{classes[k]}"' if classes and classes[k] else ""
            tds = "".join(f'<td class="{"n" if n else ""}">{_e(_num(v) if not isinstance(v, str) else v)}</td>'
                          for v, n in zip(row, numeric))
            body.append(f"<tr{cls}>{tds}</tr>")
        t = f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        return f'<div class="scroll">{t}</div>' if scroll else t

    # -- sections ----------------------------------------------------------------------------------
    def header(self, result, net: Network, config: dict, metrics: Mapping | None) -> None:
        from .._version import __version__  # noqa: PLC0415

        R = int(np.shape(result.losses)[0])
        best = int(getattr(result, "best", int(np.argmin(result.losses))))
        E = int(np.shape(result.history)[1])
        run = getattr(result, "epochs_run", None)
        ran = int(np.max(run)) if run is not None and len(run) else E
        cards = [("best loss", _num(float(result.losses[best]))), ("restarts", f"{R:,}"),
                 ("epochs", f"{ran:,} of {E:,}" if ran < E else f"{E:,}"), ("weights", f"{net.n_params:,}")]
        vl = getattr(result, "val_losses", None)
        if vl is not None:
            cards.insert(1, ("best validation loss", _num(float(vl[best]))))
        headline = _headline(metrics or {})
        if headline is not None:
            k, v = headline
            cards.insert(0, (k, f"{v:.1%}" if _is_accuracy(k) else _num(v)))
        secs = getattr(result, "seconds", None)
        if secs:
            cards.append(("training time", f"{secs:.3g} s"))
        self.add(f"<header><h1>{_e(self.title)}</h1><p class=\"sub\">{_e(_shape(net))}"
                 f" · {_e(config.get('loss', 'loss'))} loss · {_e(config.get('optimizer', ''))} · "
                 f"neuronet {_e(__version__)}</p></header>")
        self.add('<div class="cards">' + "".join(f'<div class="card"><div class="k">{_e(k)}</div>'
                                                 f'<div class="v">{_e(v)}</div></div>' for k, v in cards) + "</div>")

    def data(self, X, y, feature_names, task, class_names, data_summary, columns=None, splits=None,
             target_name=None) -> None:
        self.add("<h2>Data</h2>")
        if isinstance(data_summary, str):
            self.add(f"<p>{_e(data_summary)}</p>")
        elif isinstance(data_summary, Mapping):
            self.add(self.kv([(str(k), v) for k, v in data_summary.items()]))
        if X is None and columns is None and not splits:
            if data_summary is None:
                self.add('<p class="note">No data was given to the report.</p>')
            return
        blocks = []
        if X is not None:
            pairs = [("examples", X.shape[0]), ("network inputs", X.shape[1]), ("task", task)]
            blocks.append(self.kv(pairs))
        if columns is not None:
            blocks.append(self._columns(columns))
        elif X is not None:
            blocks.append(self._features(X, feature_names))
        true = _all_true(splits)
        if true is None and y is not None:
            true = _class_indices(y) if task == CLASSIFICATION else y.reshape(len(y), -1).astype(np.float64)
            if task == CLASSIFICATION and class_names is not None:
                true = [str(class_names[c]) if 0 <= c < len(class_names) else str(c) for c in true]
        if true is not None:
            blocks.append(self._target(true, task, target_name))
        self.add('<div class="row">' + "".join(blocks) + "</div>")

    def _features(self, X, feature_names) -> str:
        """Statistics of the network's inputs (after preprocessing), when the columns are not given."""
        n = X.shape[1]
        names = list(feature_names) if feature_names is not None else [f"x{k + 1}" for k in range(n)]
        show = min(n, MAX_FEATURES)
        rows = [(names[k], float(X[:, k].min()), float(X[:, k].mean()), float(X[:, k].std()), float(X[:, k].max()))
                for k in range(show)]
        return ("<div><h3>Features (as the network receives them)</h3>"
                + self.table(["feature", "min", "mean", "std", "max"], rows, [False, True, True, True, True],
                             scroll=n > 12)
                + (f'<p class="note">… and {n - show} more features.</p>' if n > show else "") + "</div>")

    def _columns(self, columns: Mapping[str, Any]) -> str:
        """Statistics of each input column in its own units: numbers, or the commonest texts."""
        rows = [column_summary(name, cells) for name, cells in list(columns.items())[:MAX_FEATURES]]
        more = len(columns) - len(rows)
        head = ["column", "kind", "missing", "min", "mean", "std", "max", "distinct / commonest"]
        return ("<div><h3>Columns (in their own units)</h3>"
                + self.table(head, rows, [False, False, True, True, True, True, True, False], scroll=len(rows) > 12)
                + (f'<p class="note">… and {more} more columns.</p>' if more > 0 else "") + "</div>")

    def _target(self, true, task: str, target_name) -> str:
        name = str(target_name) if target_name else "target"
        if task == CLASSIFICATION:
            labels, counts = np.unique(np.asarray(true, dtype=object).astype(str), return_counts=True)
            B = int(counts.sum())
            rows = [(str(lab), int(m), f"{m / B:.1%}") for lab, m in zip(labels, counts)]
            return (f"<div><h3>Classes of {_e(name)}</h3>"
                    + self.table(["class", "examples", "share"], rows, [False, True, True], scroll=len(rows) > 12)
                    + "</div>")
        Y = np.asarray(true, dtype=np.float64).reshape(len(true), -1)
        rows = [(f"{name} {k + 1}" if Y.shape[1] > 1 else name, float(Y[:, k].min()), float(Y[:, k].mean()),
                 float(Y[:, k].std()), float(Y[:, k].max())) for k in range(Y.shape[1])]
        return ("<div><h3>Target (in its own units)</h3>"
                + self.table(["target", "min", "mean", "std", "max"], rows, [False, True, True, True, True])
                + "</div>")

    def network(self, net: Network, names: Mapping[int, str] | None = None) -> None:
        from . import draw  # noqa: PLC0415

        self.add("<h2>Network</h2>")
        kinds = [nu.kind for nu in net.neurons]
        acts = sorted({nu.activation for nu in net.neurons if nu.activation})
        facts = self.kv([("shape", _shape(net)), ("neurons", len(kinds)),
                          ("input / hidden / output", f"{kinds.count('input')} / {kinds.count('hidden')} / "
                                                      f"{kinds.count('output')}"),
                          ("bias neurons", kinds.count("bias")), ("edges (weights)", net.n_params),
                          ("functions", ", ".join(acts)), ("dtype", str(net.dtype))])
        fig = draw.draw(net, names=names or None)
        self.add('<div class="row">' + facts
                 + self.figure(fig, "The best restart's network: inputs green (labelled with the columns they read), "
                                    "bias neurons blue, outputs red (labelled with what they predict); each "
                                    "neuron's function inside it, weights on the edges (blue > 0, red < 0).",
                               "drawing of the network", dpi=100, cls="net") + "</div>")

    def training(self, result, config: dict) -> None:
        from . import draw  # noqa: PLC0415

        self.add("<h2>Training</h2>")
        keys = [("loss", "loss"), ("optimizer", "optimizer"), ("momentum", "momentum"), ("schedule", "schedule"),
                ("epochs", "epochs"), ("batch size", "batch_size"), ("restarts", "restarts"), ("seed", "seed"),
                ("initial weights", "init"), ("engine", "engine"), ("training examples", "N")]
        pairs = [(k, config[c] if not isinstance(config[c], (dict, list)) else str(config[c]))
                 for k, c in keys if c in config and config[c] is not None and not (c == "momentum" and not config[c])]
        settings = self.kv(pairs) if pairs else ""
        fig, caption = loss_figure(result)
        self.add(self.figure(fig, caption, "loss curves of every restart"))
        losses = np.asarray(result.losses, dtype=np.float64)
        R = len(losses)
        order = [int(k) for k in result.ranking()] if hasattr(result, "ranking") else \
            [int(k) for k in np.argsort(np.where(np.isfinite(losses), losses, np.inf), kind="stable")]
        status = list(getattr(result, "status", ["–"] * R))
        epochs_run = getattr(result, "epochs_run", None)
        vl = getattr(result, "val_losses", None)
        best = int(getattr(result, "best", order[0]))
        head = ["rank", "restart", "loss"] + (["validation loss"] if vl is not None else []) + ["epochs run", "status"]
        rows, classes = [], []
        for rank, k in enumerate(order[:MAX_LEADERBOARD], start=1):
            row = [rank, k, float(losses[k])] + ([float(vl[k])] if vl is not None else [])
            row += [int(epochs_run[k]) if epochs_run is not None else "–", status[k]]
            rows.append(row)
            classes.append("best" if k == best else "diverged" if status[k] == "diverged" else "")
        numeric = [True, True, True] + ([True] if vl is not None else []) + [True, False]
        n_div = sum(1 for s in status if s == "diverged")
        board = (f"<h3>Leaderboard: {R:,} restart{'s' if R != 1 else ''}, best first"
                 + (f" ({n_div} diverged)" if n_div else "") + "</h3>"
                 + self.table(head, rows, numeric, classes, scroll=R > 12)
                 + (f'<p class="note">… and {R - MAX_LEADERBOARD:,} more restarts, not listed.</p>'
                    if R > MAX_LEADERBOARD else ""))
        self.add(f'<div class="row"><div><h3>Settings</h3>{settings}</div><div>{board}</div></div>')

    def metrics(self, metrics: Mapping[str, Any] | None, evals: dict | None = None, splits: dict | None = None,
                task: str | None = None, target_name: str | None = None) -> None:
        self.add("<h2>Metrics</h2>")
        if not metrics:
            self.add('<p class="note">No metrics: give X and y (or metrics=…) to the report.</p>')
            return
        rows = []
        for k, v in metrics.items():
            if _is_accuracy(k) and isinstance(v, (int, float)) and not isinstance(v, bool):
                rows.append((k, f"{v:.2%}"))
            else:
                rows.append((str(k), v if isinstance(v, str) else metric_fns.number(v)
                             if isinstance(v, (int, float, np.number)) else str(v)))
        blocks = ["<div>" + self.table(["metric", "value"], rows, [False, True]) + "</div>"]
        if evals:
            main = "validation" if "validation" in evals else next(iter(evals))
            m = evals[main]
            where = "" if main == "data" else f" ({main} rows)"
            if task == CLASSIFICATION:
                blocks.append(f"<div><h3>Per class{_e(where)}</h3>" + self.table(
                    ["class", "precision", "recall", "F1", "rows"], metric_fns.per_class_rows(m),
                    [False, True, True, True, True], scroll=len(m["labels"]) > 12) + "</div>")
                self.add('<div class="row">' + "".join(blocks) + "</div>")
                self.add(self.figure(confusion_figure(m), f"Confusion matrix{where}: rows are the true classes, "
                                     "columns the predicted ones; the shade is the share of the row.",
                                     "confusion matrix"))
                return
            self.add('<div class="row">' + "".join(blocks) + "</div>")
            self.add(self.figure(predicted_vs_actual_figure(splits, target_name),
                                 "Predicted against actual values, in the target's own units; on the diagonal "
                                 "the prediction is exact.", "predicted against actual values"))
            return
        self.add('<div class="row">' + "".join(blocks) + "</div>")

    def plane(self, net: Network, X, y, task) -> None:
        from . import draw  # noqa: PLC0415

        self.add("<h2>What the network computes over the input plane</h2>")
        yl = None
        if y is not None:
            yl = (y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.rint(y.reshape(-1)).astype(np.int64)) \
                if task == CLASSIFICATION else y
        kind = task if task in (CLASSIFICATION, REGRESSION) else "auto"
        fig1 = draw.decision_boundary(net, X, yl, kind=kind)
        fig2 = draw.neuron_outputs(net, X, yl if task == CLASSIFICATION else None)
        self.add('<div class="row">'
                 + self.figure(fig1, "The network's prediction over the plane of its two inputs, with the data.",
                               "decision boundary", cls="half")
                 + self.figure(fig2, "Each hidden and output neuron's output o_j over the same plane, one "
                                     "column per level (red < 0 < blue).", "each neuron's output over the input plane",
                               dpi=100, cls="tall")
                 + "</div>")

    def html(self) -> str:
        from .._version import __version__  # noqa: PLC0415

        body = "\n".join(self.parts)
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                f"<title>{_e(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
                f"<footer>Written by neuronet {_e(__version__)}. Self-contained: the pictures are embedded "
                "and nothing is loaded from the network.</footer>\n</main>\n</body>\n</html>\n")


def _is_accuracy(key: str) -> bool:
    return str(key).lower().endswith("accuracy")


def _headline(metrics: Mapping[str, Any]) -> tuple[str, float] | None:
    """The metric for the first card: an accuracy or R², preferring test, then validation, then any."""
    found = [(str(k), float(v)) for k, v in metrics.items()
             if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and math.isfinite(float(v))
             and (_is_accuracy(k) or str(k).lower().endswith(("r²", "r2")))]
    for prefer in ("test", "validation", ""):
        for k, v in found:
            if k.lower().startswith(prefer):
                return k, v
    return None


def _shape(net: Network) -> str:
    """'layered 2-3-1, logistic' style one-liner."""
    L = net.layers
    kind = {nu.id: nu.kind for nu in net.neurons}
    if L is not None:
        return "layered " + "-".join(str(sum(1 for j in layer if kind[j] != "bias")) for layer in L)
    return f"{len(net.levels)} levels, not layered"




def _all_true(splits: dict | None):
    """Every split's true values together (the whole data), or None."""
    if not splits:
        return None
    parts = [t for t, _ in splits.values()]
    if isinstance(parts[0], np.ndarray):
        return np.concatenate([np.asarray(p, dtype=np.float64).reshape(len(p), -1) for p in parts])
    return [v for p in parts for v in p]


def column_summary(name: str, cells) -> list:
    """One row of the columns table: kind, missing cells, min/mean/std/max of numbers or the commonest texts."""
    values = np.asarray(cells, dtype=object).reshape(-1) if not isinstance(cells, np.ndarray) else cells.reshape(-1)
    if values.dtype.kind in "iuf":
        x = values.astype(np.float64)
        missing = ~np.isfinite(x)
    else:
        missing = np.array([v is None or v == "" or (isinstance(v, float) and math.isnan(v)) for v in values],
                           dtype=bool)
        try:
            x = np.array([np.nan if m else float(v) for v, m in zip(values, missing)], dtype=np.float64)
        except (TypeError, ValueError):
            x = None
    n_missing = int(missing.sum())
    if x is not None and (~missing).any():
        v = x[~missing]
        return [str(name), "number", n_missing, float(v.min()), float(v.mean()), float(v.std()), float(v.max()),
                f"{len(np.unique(v)):,} distinct"]
    texts = [str(v) for v, m in zip(values, missing) if not m]
    labels, counts = np.unique(np.array(texts, dtype=object).astype(str), return_counts=True) if texts else ([], [])
    order = np.argsort(-np.asarray(counts), kind="stable")[:3]
    common = ", ".join(f"{labels[k]} ({counts[k] / len(texts):.0%})" for k in order)
    return [str(name), "text", n_missing, "", "", "", "", f"{len(labels):,} distinct; {common}"]


def loss_figure(result) -> tuple[Any, str]:
    """Training (and validation) loss per epoch of every restart, to the last epoch any restart ran."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    from . import draw  # noqa: PLC0415

    H = np.asarray(result.history, dtype=np.float64)
    run = getattr(result, "epochs_run", None)
    E = max(int(np.max(run)), 1) if run is not None and len(run) else H.shape[1]
    best = int(getattr(result, "best", int(np.argmin(result.losses))))
    VH, VL = getattr(result, "val_history", None), getattr(result, "val_losses", None)
    stopped = f" All restarts had stopped by epoch {E} of {H.shape[1]}." if E < H.shape[1] else ""
    if VH is None or VL is None:
        fig = draw.loss_curves(history=H[:, :E], losses=result.losses, best=best)
        return fig, ("Training loss per epoch of every restart (the kept one in red), and the spread of the "
                     "restarts' final losses." + stopped)
    fig = Figure(figsize=(12.0, 3.4), dpi=120, layout="constrained")
    ax_t, ax_v, ax_s = fig.subplots(1, 3, width_ratios=[2.0, 2.0, 1.0])
    draw.loss_curves(history=H[:, :E], losses=result.losses, best=best, ax=ax_t, title="training loss per epoch")
    draw.loss_curves(history=np.asarray(VH, dtype=np.float64)[:, :E], losses=VL, best=best, ax=(ax_v, ax_s),
                     title="validation loss per epoch")
    ax_s.set_xlabel("final validation loss")
    return fig, ("Training and validation loss per epoch of every restart; the kept restart (red) is the one with "
                 "the lowest validation loss, whatever its training loss. Right: the spread of the restarts' "
                 "validation losses." + stopped)


def confusion_figure(m: Mapping[str, Any]):
    """The confusion matrix as a picture: counts in the cells, shaded by the share of the true class."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    from .draw import abbreviate  # noqa: PLC0415

    cm = np.asarray(m["confusion"], dtype=np.float64)                          # (K, K)
    K = len(cm)
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    side = min(1.2 + 0.55 * K, 11.0)
    fig = Figure(figsize=(side + 1.6, side), dpi=110, layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    labels = [abbreviate(c, 14) for c in m["labels"]]
    ax.set_xticks(range(K), labels, rotation=45 if K > 3 else 0, ha="right" if K > 3 else "center", fontsize=8)
    ax.set_yticks(range(K), labels, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if K <= 20:
        for i in range(K):
            for j in range(K):
                ax.text(j, i, f"{int(cm[i, j]):,}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "#1f2328")
    fig.colorbar(im, ax=ax, label="share of the true class", shrink=0.8)
    return fig


def predicted_vs_actual_figure(splits: Mapping[str, tuple[Any, Any]], target_name: str | None = None):
    """Predicted against actual values of each split, with the diagonal where they are equal."""
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    fig = Figure(figsize=(5.2, 4.6), dpi=110, layout="constrained")
    ax = fig.subplots()
    colours = {"training": "#8c959f", "validation": "#0969da"}
    lo, hi = np.inf, -np.inf
    for name, (true, pred) in splits.items():
        t, p = np.asarray(true, dtype=np.float64).ravel(), np.asarray(pred, dtype=np.float64).ravel()
        if not len(t):
            continue
        ax.scatter(t, p, s=10 if len(t) < 2000 else 3, alpha=0.6, color=colours.get(name, "#0969da"),
                   label=f"{name} ({len(t):,} rows)", linewidths=0)
        finite = np.concatenate([t, p])
        finite = finite[np.isfinite(finite)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], color="#cf222e", lw=1.2, label="predicted = actual")
    fmt = FuncFormatter(lambda v, _pos: metric_fns.number(v, 3))
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)
    name = str(target_name) if target_name else "target"
    ax.set_xlabel(f"actual {name}")
    ax.set_ylabel(f"predicted {name}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig
