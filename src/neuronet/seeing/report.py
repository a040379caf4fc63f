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
                 data_summary: str | Mapping[str, Any] | None = None) -> Path:
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
    if metrics is None and ya is not None:
        metrics = compute_metrics(net, Xa, ya, task, config.get("loss"))

    page = _Page(title or "neuronet training report")
    page.header(result, net, config, metrics)
    page.data(Xa, ya, feature_names, task, class_names, data_summary)
    page.network(net)
    page.training(result, config)
    page.metrics(metrics)
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


def compute_metrics(net: Network, X: np.ndarray, y: np.ndarray, task: str, loss: str | None = None) -> dict:
    """Accuracy (classification) or mean squared error, mean absolute error and R² (regression) on (X, y)."""
    if task == CLASSIFICATION:
        yc = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.rint(y.reshape(-1)).astype(np.int64)
        pred = predict_classes(net, X, loss)
        return {"accuracy": float(np.mean(pred == yc)), "examples": int(len(yc)),
                "correct": int(np.sum(pred == yc))}
    out = net.forward(X)                                               # (B, n_out)
    Y = y.reshape(len(y), -1).astype(np.float64)
    if Y.shape[1] != out.shape[1]:
        raise DataError(f"y has {Y.shape[1]} columns per row but the network has {out.shape[1]} outputs.")
    err = out - Y
    ss_tot = float(np.sum((Y - Y.mean(axis=0)) ** 2))
    r2 = 1.0 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return {"mean squared error": float(np.mean(err ** 2)), "mean absolute error": float(np.mean(np.abs(err))),
            "R²": r2, "examples": int(len(Y))}


# -- the page ---------------------------------------------------------------------------------------
def _e(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _num(v: Any, digits: int = 4) -> str:
    """A number for a table: ints with thousands separators, floats to ``digits`` significant digits."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v != 0 and abs(v) < 1e-3:
            s = f"{v:.{digits - 1}e}"
        elif abs(v) >= 10 ** digits:
            s = f"{v:,.0f}"
        else:
            s = f"{v:.{digits}g}"
        return s.replace("-", "−")
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
        cards = [("best loss", _num(float(result.losses[best]))), ("restarts", f"{R:,}"),
                 ("epochs", _num(int(np.shape(result.history)[1]))), ("weights", f"{net.n_params:,}")]
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

    def data(self, X, y, feature_names, task, class_names, data_summary) -> None:
        self.add("<h2>Data</h2>")
        if isinstance(data_summary, str):
            self.add(f"<p>{_e(data_summary)}</p>")
        elif isinstance(data_summary, Mapping):
            self.add(self.kv([(str(k), v) for k, v in data_summary.items()]))
        if X is None:
            if data_summary is None:
                self.add('<p class="note">No data was given to the report.</p>')
            return
        B, n = X.shape
        pairs = [("examples", B), ("features", n), ("task", task)]
        if y is not None and task == CLASSIFICATION:
            yc = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.rint(y.reshape(-1)).astype(np.int64)
            classes, counts = np.unique(yc, return_counts=True)
            pairs.append(("classes", len(classes)))
        blocks = [self.kv(pairs)]
        names = list(feature_names) if feature_names is not None else [f"x{k + 1}" for k in range(n)]
        show = min(n, MAX_FEATURES)
        rows = [(names[k], float(X[:, k].min()), float(X[:, k].mean()), float(X[:, k].std()), float(X[:, k].max()))
                for k in range(show)]
        blocks.append("<div><h3>Features</h3>" + self.table(["feature", "min", "mean", "std", "max"], rows,
                                                            [False, True, True, True, True], scroll=n > 12)
                      + (f'<p class="note">… and {n - show} more features.</p>' if n > show else "") + "</div>")
        if y is None:
            self.add('<div class="row">' + "".join(blocks) + "</div>")
            return
        if task == CLASSIFICATION:
            label = (lambda c: class_names[c] if class_names is not None and 0 <= c < len(class_names) else str(c))
            rows = [(int(c), label(int(c)), int(m), m / B) for c, m in zip(classes, counts)]
            blocks.append("<div><h3>Classes</h3>" + self.table(["class", "name", "examples", "share"],
                                                               [(r[0], r[1], r[2], f"{r[3]:.1%}") for r in rows],
                                                               [True, False, True, True], scroll=len(rows) > 12)
                          + "</div>")
        else:
            Y = y.reshape(B, -1).astype(np.float64)
            rows = [(f"y{k + 1}" if Y.shape[1] > 1 else "y", float(Y[:, k].min()), float(Y[:, k].mean()),
                     float(Y[:, k].std()), float(Y[:, k].max())) for k in range(Y.shape[1])]
            blocks.append("<div><h3>Target</h3>" + self.table(["target", "min", "mean", "std", "max"], rows,
                                                              [False, True, True, True, True]) + "</div>")
        self.add('<div class="row">' + "".join(blocks) + "</div>")

    def network(self, net: Network) -> None:
        from . import draw  # noqa: PLC0415

        self.add("<h2>Network</h2>")
        kinds = [nu.kind for nu in net.neurons]
        acts = sorted({nu.activation for nu in net.neurons if nu.activation})
        facts = self.kv([("shape", _shape(net)), ("neurons", len(kinds)),
                          ("input / hidden / output", f"{kinds.count('input')} / {kinds.count('hidden')} / "
                                                      f"{kinds.count('output')}"),
                          ("bias neurons", kinds.count("bias")), ("edges (weights)", net.n_params),
                          ("functions", ", ".join(acts)), ("dtype", str(net.dtype))])
        fig = draw.draw(net)
        self.add('<div class="row">' + facts
                 + self.figure(fig, "The best restart's network: inputs green, bias neurons blue, outputs red; "
                                    "each neuron's function inside it, weights on the edges (blue > 0, red < 0).",
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
        fig = draw.loss_curves(result)
        self.add(self.figure(fig, "Loss per epoch of every restart (the best in red), and the spread of the "
                                  "restarts' final losses.", "loss curves of every restart"))
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

    def metrics(self, metrics: Mapping[str, Any] | None) -> None:
        self.add("<h2>Metrics</h2>")
        if not metrics:
            self.add('<p class="note">No metrics: give X and y (or metrics=…) to the report.</p>')
            return
        rows = []
        for k, v in metrics.items():
            if _is_accuracy(k) and isinstance(v, (int, float)) and not isinstance(v, bool):
                rows.append((k, f"{v:.2%}"))
            else:
                rows.append((str(k), v if isinstance(v, str) else _num(v) if isinstance(v, (int, float, np.number))
                             else str(v)))
        self.add(self.table(["metric", "value"], rows, [False, True]))

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


