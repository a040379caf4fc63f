"""One browser tab's playground: its data, its network, its R restarts training in a thread of their own.

Nothing here knows about HTTP: the web layer (``app.py``) turns messages from the page into calls
on a :class:`Session` and sends back what :meth:`Session.snapshot` and friends return. So the
training logic is tested without a browser, and two tabs are two ``Session`` objects that share
nothing.

How training runs. The page wants to see every restart's weights while they move (the decision
boundaries), to pause, to take one step, and to reset. ``nn.train`` trains R restarts as one array
axis, but only restart 0 can be handed in from outside; so the playground keeps each restart's
network and optimizer state itself and continues restart k with ``nn.train(net_k, …, restarts=1,
optimizer_state=state_k)``, one short chunk of epochs at a time. The starting points are exactly
those of ``nn.train(net, …, restarts=R, seed=seed)`` (restart k's weights depend only on the seed
and k), so the exported snippet starts where the playground started. The order in which examples
are shuffled differs (each chunk draws its own), so a snippet run with minibatches ends near, not
bit-for-bit at, the playground's weights; with the full batch (no shuffling) it is the same run.
"""

from __future__ import annotations

import io
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

import neuronet as nn
from neuronet.errors import NeuronetError
from neuronet.io import datasets, tabular
from neuronet.model.forward import forward
from neuronet.seeing._layout import COLORS, symbol

DATASETS = ("xor", "circles", "moons", "spirals", "sine")
OPTIMIZERS = ("sgd", "momentum", "adam", "rprop")
SCHEDULES = ("constant", "inverse_time", "power", "exponential", "step")   # cosine needs the run's length
REGRESSION_LOSSES = ("squared", "absolute", "huber")
CLASSIFICATION_LOSSES = ("squared", "absolute", "huber", "cross_entropy", "binary_cross_entropy")
ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "softplus", "elu", "identity")
MAX_LAYERS, MAX_WIDTH, MAX_RESTARTS = 6, 8, 16
MAX_EPOCHS = 100_000
MAX_ROWS = 5_000                 # of an uploaded CSV: the page draws every point
MAX_UPLOAD_BYTES = 2_000_000
GRID = 48                        # the best restart's boundary: GRID × GRID points
SMALL_GRID = 20                  # … the small multiples of the others
CURVE_POINTS = 400               # loss curves sent to the page: at most this many points each
ROWS_PER_CHUNK = 1_000           # a chunk trains about this many example-updates per restart,
CHUNK_EPOCHS = 20                # … in at most this many epochs,
PACE_SECONDS = 0.03              # … and the next starts this long after: a learner can follow (and the CPU breathe)

DEFAULTS = {
    "dataset": "xor", "noise": 0.0, "samples": 200, "test_fraction": 0.0, "data_seed": 0,
    "hidden": [4], "activations": ["tanh"], "output": "logistic", "extra_edges": [],
    "optimizer": "sgd", "step_size": 0.5, "schedule": "constant", "batch_size": 1, "loss": "squared",
    "restarts": 3, "seed": 0, "epochs": 5_000, "columns": None,
}


class SettingError(NeuronetError):
    """A setting or upload the page sent cannot be used; the message says which and why."""


# -- the data ------------------------------------------------------------------------------------------
@dataclass
class Data:
    """The examples on the plane (or the line): inputs X (N, n) with n = 1 or 2, targets y (N,)."""

    X: np.ndarray
    y: np.ndarray                      # class indices (int) or numbers
    task: str                          # "classification" | "regression"
    feature_names: list
    target_name: str
    classes: list | None
    source: str                        # "xor", or the uploaded file's name
    test: np.ndarray = field(default=None)  # (N,) bool: held out
    prep: tabular.Preprocessing | None = None   # how the raw columns became X (CSV), for the model file

    @property
    def classification(self) -> bool:
        return self.task == tabular.CLASSIFICATION

    def targets(self, loss: str, rows=slice(None)) -> np.ndarray:
        """What the loss trains on: class indices for cross_entropy, one-hot rows otherwise; numbers (B,)."""
        y = self.y[rows]
        if self.classification and loss != "cross_entropy":
            return np.eye(len(self.classes))[y]                                        # (B, C)
        return y


def builtin_data(s: dict) -> Data:
    """A built-in set with Gaussian noise N(0, noise²) on the inputs (on y for the 1-D regression)."""
    name = s["dataset"]
    rng = np.random.default_rng(s["data_seed"] + 1)
    if name == "xor":
        ds = datasets.load("xor")
        n = 4 if s["noise"] == 0 else s["samples"]
        pick = np.arange(n) % 4
        X, y = ds.X[pick] * 2 - 1, ds.y[pick]           # the corners (±1, ±1), centred on the origin
    else:
        ds = datasets.load(name, seed=s["data_seed"], n_samples=s["samples"])
        X, y = ds.X.copy(), ds.y.copy()
    if s["noise"] > 0:
        if ds.task == tabular.REGRESSION:
            y = y + rng.normal(0.0, s["noise"], y.shape)
        else:
            X = X + rng.normal(0.0, s["noise"], X.shape)
    return Data(X, y, ds.task, list(ds.feature_names), ds.target_name, ds.class_names, name)


def csv_table(name: str, text: str) -> tabular.Table:
    """An uploaded CSV as a table; any problem is a SettingError naming the file, line and what to do."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_UPLOAD_BYTES:
        raise SettingError(f"{name} is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB; the playground draws every "
                           "point, so use a sample of it (or `neuronet train` for the whole file).")
    try:
        t = tabular.read_csv(io.StringIO(text, newline=""), name=name)
    except nn.DataError as exc:
        raise SettingError(str(exc)) from None
    if t.n_rows > MAX_ROWS:
        raise SettingError(f"{name} has {t.n_rows} rows; the playground draws every point and takes at most "
                           f"{MAX_ROWS}. Use a sample, or `neuronet train` for the whole file.")
    numeric = numeric_columns(t)
    if len(numeric) < 2 or len(t.names) < 3:
        raise SettingError(f"{name} needs at least two numeric columns for the plane and a third column for the "
                           f"target; it has {len(t.names)} column(s), numeric: {', '.join(numeric) or 'none'}.")
    return t


def numeric_columns(t: tabular.Table) -> list[str]:
    out = []
    for c in t.names:
        try:
            if tabular.column_kind(t, c) == "numeric":
                out.append(c)
        except nn.DataError:
            pass
    return out


def csv_data(t: tabular.Table, columns: dict) -> Data:
    """Two numeric columns of an uploaded table as the plane, a third as the target (standardized, as
    ``neuronet train`` does, so the exported model file reads the same CSV)."""
    try:
        x1, x2, target = columns["x"][0], columns["x"][1], columns["target"]
    except (KeyError, IndexError, TypeError):
        raise SettingError("Choose two numeric columns for the plane and one column for the target.") from None
    names = [x1, x2, target]
    for c in names:
        if c not in t.names:
            raise SettingError(f"{t.source} has no column {c!r}; its columns are: {', '.join(t.names)}.")
    if len(set(names)) < 3:
        raise SettingError(f"Choose three different columns (two for the plane, one target); received {names}.")
    numeric = numeric_columns(t)
    for c in (x1, x2):
        if c not in numeric:
            raise SettingError(f"Column {c!r} of {t.source} is not numeric, so it cannot be an axis of the plane; "
                               f"numeric columns: {', '.join(numeric)}.")
    try:
        prep = tabular.Preprocessing.fit(t, target, drop=[c for c in t.names if c not in names], loss="squared")
        X = prep.transform(t)                                                        # (N, 2)
        y = prep.encode_target(t)
    except nn.DataError as exc:
        raise SettingError(str(exc)) from None
    return Data(X, y, prep.task, [x1, x2], target, prep.classes, t.source, prep=prep)


# -- the network -------------------------------------------------------------------------------------
def build_network(n_in: int, n_out: int, s: dict, input_names: list) -> tuple[nn.Network, list]:
    """The layered network of the settings, plus any extra edges across layers, built with ``nn.Graph``.

    Neurons are created layer by layer, each layer's bias last, so ids follow the seed's numbering
    (1 input, 2 bias, 3 and 4 hidden, 5 bias, …). Returns the network and its layers (lists of ids).
    """
    g = nn.Graph()
    layers = [[g.input(name) for name in input_names]]
    sources = list(layers[0])
    for width, act in zip(s["hidden"], s["activations"]):
        b = g.bias()
        layers[-1].append(b)
        hidden = [g.neuron(act) for _ in range(width)]
        for j in hidden:
            for i in sources + [b]:
                g.connect(i, j)
        layers.append(hidden)
        sources = list(hidden)
    b = g.bias()
    layers[-1].append(b)
    outputs = [g.output(s["output"]) for _ in range(n_out)]
    for j in outputs:
        for i in sources + [b]:
            g.connect(i, j)
    layers.append(outputs)
    layer_of = {j: k for k, ids in enumerate(layers) for j in ids}
    for i, j in s["extra_edges"]:
        if i not in layer_of or j not in layer_of:
            raise SettingError(f"There is no neuron {i if i not in layer_of else j} in this network; connect two "
                               "of the neurons drawn.")
        if layer_of[j] <= layer_of[i] + 1:
            raise SettingError(f"Neurons {i} → {j}: an extra edge must skip at least one layer forwards (from "
                               f"layer {layer_of[i] + 1} to layer {layer_of[i] + 3} or later); consecutive layers "
                               "are already fully connected.")
        try:
            g.connect(i, j)
        except nn.GraphError as exc:
            raise SettingError(str(exc)) from None
    return g.build(seed=s["seed"]), layers


# -- settings ------------------------------------------------------------------------------------------
def _int(s: dict, key: str, lo: int, hi: int) -> int:
    v = s[key]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SettingError(f"{key.replace('_', ' ')} must be a whole number from {lo} to {hi}; received {v!r}.")
    return v


def _float(s: dict, key: str, lo: float, hi: float, open_lo: bool = False) -> float:
    try:
        v = float(s[key])
    except (TypeError, ValueError):
        raise SettingError(f"{key.replace('_', ' ')} must be a number; received {s[key]!r}.") from None
    if not math.isfinite(v) or v < lo or v > hi or (open_lo and v == lo):
        raise SettingError(f"{key.replace('_', ' ')} must be a number {'above' if open_lo else 'from'} {lo:g} "
                           f"{'and at most' if open_lo else 'to'} {hi:g}; received {s[key]!r}.")
    return v


def _choice(s: dict, key: str, options) -> str:
    if s[key] not in options:
        raise SettingError(f"{key.replace('_', ' ')} must be one of {', '.join(options)}; received {s[key]!r}.")
    return s[key]


def check_settings(given: dict) -> dict:
    """The settings the page sent, completed with the defaults and checked; SettingError names what is wrong."""
    if not isinstance(given, dict):
        raise SettingError("settings must be an object of named values.")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise SettingError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}.")
    s = {**DEFAULTS, **given}
    if s["dataset"] != "csv":
        _choice(s, "dataset", DATASETS)
    s["noise"] = _float(s, "noise", 0.0, 2.0)
    s["samples"] = _int(s, "samples", 4, 2_000)
    s["test_fraction"] = _float(s, "test_fraction", 0.0, 0.9)
    s["data_seed"] = _int(s, "data_seed", 0, 2**31 - 1)
    hidden, acts = s["hidden"], s["activations"]
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS:
        raise SettingError(f"hidden must be a list of at most {MAX_LAYERS} layer widths; received {hidden!r}.")
    if not isinstance(acts, list) or len(acts) != len(hidden):
        raise SettingError(f"Give one activation per hidden layer ({len(hidden)}); received {acts!r}.")
    for k, w in enumerate(hidden):
        _int({f"layer {k + 2} width": w}, f"layer {k + 2} width", 1, MAX_WIDTH)
        _choice({f"layer {k + 2} activation": acts[k]}, f"layer {k + 2} activation", ACTIVATIONS)
    _choice(s, "output", ACTIVATIONS)
    edges = s["extra_edges"]
    if not isinstance(edges, list) or not all(isinstance(e, list) and len(e) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in e) for e in edges):
        raise SettingError(f"extra edges must be pairs of neuron ids [[i, j], …]; received {edges!r}.")
    _choice(s, "optimizer", OPTIMIZERS)
    s["step_size"] = _float(s, "step_size", 0.0, 100.0, open_lo=True)
    _choice(s, "schedule", SCHEDULES)
    s["batch_size"] = _int(s, "batch_size", 1, 10_000)
    _choice(s, "loss", CLASSIFICATION_LOSSES)
    s["restarts"] = _int(s, "restarts", 1, MAX_RESTARTS)
    s["seed"] = _int(s, "seed", 0, 2**31 - 1)
    s["epochs"] = _int(s, "epochs", 1, MAX_EPOCHS)
    return s


# -- a session ---------------------------------------------------------------------------------------
class Session:
    """One tab's state. The page's messages call its methods (from the web layer's threads); the
    training thread calls :meth:`_train_chunk`. One lock guards everything both touch."""

    def __init__(self, sid: str):
        self.sid = sid
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)       # the training thread waits here for work …
        self.idle = threading.Condition(self.lock)       # … and pause() here for its chunk in flight
        self.busy = False
        self.closed = False
        self.version = 0            # bumped on every change the page should redraw
        self.message = None         # the last error for the page, or None
        self.table = None           # an uploaded CSV (a tabular.Table), until another replaces it
        self.extra_points: list = []
        self.settings = dict(DEFAULTS)
        self._configure(self.settings)
        self.thread = threading.Thread(target=self._run, name=f"playground-{sid[:8]}", daemon=True)
        self.thread.start()

    # -- what the page sends -------------------------------------------------------------------------
    def configure(self, given: dict) -> None:
        """New settings: rebuild data and network, and reset the run (as the TensorFlow playground does)."""
        s = check_settings(given)
        with self.lock:
            self._configure(s)

    def _configure(self, s: dict) -> None:
        if s["dataset"] == "csv":
            if self.table is None:
                raise SettingError("Upload a CSV file first, then choose its columns.")
            data = csv_data(self.table, s["columns"] or {})
        else:
            data = builtin_data(s)
        points = self.extra_points if s["dataset"] == self.settings.get("dataset") else []
        if points and len(points[0][0]) == data.X.shape[1]:          # clicked points stay with their data set
            data.X = np.vstack([data.X, np.array([p[0] for p in points], dtype=np.float64)])
            data.y = np.concatenate([data.y, np.array([p[1] for p in points], dtype=data.y.dtype)])
        before = getattr(self, "data", None)
        if before is not None and before.task != data.task:
            # From classes to a number (or back) the output function follows: logistic for scores in
            # [0, 1], identity for a number; a loss for classes becomes the seed's squared loss.
            s = {**s, "output": "logistic" if data.classification else "identity"}
            if not data.classification and s["loss"] not in REGRESSION_LOSSES:
                s["loss"] = "squared"
        if not data.classification and s["loss"] not in REGRESSION_LOSSES:
            raise SettingError(f"The loss {s['loss']} is for classes, but {data.source} is a regression (a number to "
                               f"fit); use {', '.join(REGRESSION_LOSSES)}.")
        data.test = np.zeros(len(data.y), dtype=bool)
        if s["test_fraction"] > 0:
            try:
                _, te = tabular.split(len(data.y), s["test_fraction"], s["data_seed"],
                                      data.y if data.classification else None)
            except nn.DataError as exc:
                raise SettingError(str(exc)) from None
            data.test[te] = True
        n_out = len(data.classes) if data.classification else 1
        net, layers = build_network(data.X.shape[1], n_out, s, data.feature_names)
        self.settings, self.data, self.net, self.layers, self.extra_points = s, data, net, layers, points
        self._reset()

    def _reset(self) -> None:
        """Back to the starting points: restart 0 is the network built from the seed, restart k the
        weights ``nn.train(…, restarts=R, seed=seed)`` draws for it."""
        s, d = self.settings, self.data
        R = s["restarts"]
        tr = ~d.test
        start = nn.train(self.net, d.X[tr], d.targets(s["loss"], tr), loss=s["loss"], epochs=1, restarts=R,
                         seed=s["seed"], engine="matrix")
        self.nets = [start.initial_network(k) for k in range(R)]
        self.states = [None] * R
        self.status = ["training"] * R
        self.epoch = 0
        self.chunk = 0
        self.curves: list = []                 # [(epoch, [loss of each restart])]
        self.losses = self._losses(tr)
        self.test_losses = self._losses(d.test) if d.test.any() else None
        self.curves.append((0, list(self.losses)))
        self.running = False
        self.steps_wanted = 0
        self.generation = getattr(self, "generation", 0) + 1
        self.version += 1

    def _losses(self, rows) -> list:
        s, d = self.settings, self.data
        Y = d.targets(s["loss"], rows)
        out = []
        for k, net in enumerate(self.nets):
            if self.status[k] == "diverged":
                out.append(math.inf)
                continue
            with np.errstate(all="ignore"):
                L = net.loss(d.X[rows], Y, loss=s["loss"])
            out.append(float(L) if np.isfinite(L) else math.inf)
        return out

    def start(self) -> None:
        with self.lock:
            if self.epoch >= self.settings["epochs"]:
                raise SettingError(f"This run has done its {self.settings['epochs']} epochs; reset it, or raise the "
                                   "number of epochs.")
            self.running = True
            self.version += 1
            self.wake.notify_all()

    def pause(self) -> None:
        """Stop training; returns once the chunk in flight (if any) has landed, so nothing moves after."""
        with self.lock:
            self.running = False
            self.steps_wanted = 0
            while self.busy and not self.closed:
                self.idle.wait()
            self.version += 1

    def step(self) -> None:
        """One epoch for every restart, then pause."""
        with self.lock:
            self.running = False
            self.steps_wanted += 1
            self.wake.notify_all()

    def reset(self) -> None:
        with self.lock:
            self._reset()

    def add_point(self, x, label) -> None:
        """A point clicked on the plane joins the training data (the run starts again)."""
        with self.lock:
            d = self.data
            try:
                x = [float(v) for v in x]
                label = int(label) if d.classification else float(label)
            except (TypeError, ValueError):
                raise SettingError(f"A point needs numeric coordinates and a label; received x={x!r}, "
                                   f"label={label!r}.") from None
            if len(x) != d.X.shape[1] or not all(map(math.isfinite, x + [float(label)])):
                raise SettingError(f"A point needs {d.X.shape[1]} finite coordinate(s); received {x!r}.")
            if d.classification and not 0 <= label < len(d.classes):
                raise SettingError(f"Class {label} does not exist; this data set has {len(d.classes)} classes.")
            self.extra_points.append((x, label))
            try:
                self._configure(self.settings)
            except NeuronetError:
                self.extra_points.pop()
                raise

    def upload(self, name: str, text: str) -> dict:
        """Read an uploaded CSV; returns its columns (and which are numeric) for the page to choose from."""
        if not isinstance(name, str) or not isinstance(text, str):
            raise SettingError("An upload needs a file name and the file's text.")
        t = csv_table(name or "upload.csv", text)
        with self.lock:
            self.table = t
        numeric = numeric_columns(t)
        return {"name": t.source, "columns": t.names, "numeric": numeric, "rows": t.n_rows,
                "suggest": {"x": numeric[:2], "target": next(c for c in reversed(t.names) if c not in numeric[:2])}}

    def close(self) -> None:
        """Stop the training thread (it ends at its next check) and forget everything."""
        with self.lock:
            self.closed = True
            self.running = False
            self.wake.notify_all()

    # -- the training thread -------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self.lock:
                while not self.closed and not (self.running or self.steps_wanted):
                    self.wake.wait()
                if self.closed:
                    return
                one = not self.running
                self.busy = True
                job = (self.generation, self.settings, self.data, list(self.nets), list(self.states),
                       list(self.status), self.epoch, self.chunk)
            try:
                outcome = self._train_chunk(job, one)
                error = None
            except NeuronetError as exc:
                outcome, error = None, str(exc)
            except Exception as exc:  # a bug must not kill the tab's thread silently: say it in the page
                outcome, error = None, f"Training stopped: {type(exc).__name__}: {exc}"
            with self.lock:
                self.busy = False
                self.idle.notify_all()
                if self.generation != job[0]:
                    continue                  # reset (or new settings) while the chunk ran: drop it
                if error is not None:
                    self.running, self.steps_wanted, self.message = False, 0, error
                    self.version += 1
                    continue
                self.nets, self.states, self.status, done = outcome
                self.epoch += done
                self.chunk += 1
                tr = ~self.data.test
                self.losses = self._losses(tr)
                if self.test_losses is not None:
                    self.test_losses = self._losses(self.data.test)
                self.curves.append((self.epoch, list(self.losses)))
                if one:
                    self.steps_wanted = max(0, self.steps_wanted - 1)
                if self.epoch >= self.settings["epochs"] or all(st == "diverged" for st in self.status):
                    self.running = False
                    self.status = ["done" if st == "training" else st for st in self.status]
                    if all(st == "diverged" for st in self.status):
                        self.message = (f"Every restart diverged with step size {self.settings['step_size']:g}; "
                                        "reset and try a smaller step size.")
                self.version += 1
                pace = self.running
            if pace:
                time.sleep(PACE_SECONDS)

    def _train_chunk(self, job, one: bool):
        """Train every live restart for one chunk of epochs (one epoch for a single step)."""
        _, s, d, nets, states, status, epoch, chunk = job
        tr = ~d.test
        X, Y = d.X[tr], d.targets(s["loss"], tr)
        n = len(X)
        epochs = 1 if one else max(1, min(ROWS_PER_CHUNK // max(n, 1), CHUNK_EPOCHS, s["epochs"] - epoch))
        batch = None if s["optimizer"] == "rprop" else min(s["batch_size"], n)
        for k in range(len(nets)):
            if status[k] == "diverged":
                continue
            seed = int(np.random.SeedSequence([s["seed"], k, chunk]).generate_state(1)[0])
            try:
                r = nn.train(nets[k], X, Y, loss=s["loss"], optimizer=s["optimizer"],
                             step_size=s["step_size"], schedule=s["schedule"], epochs=epochs, batch_size=batch,
                             restarts=1, seed=seed, optimizer_state=states[k])
            except nn.TrainingError:
                status[k] = "diverged"
                continue
            nets[k], states[k] = r.network, r.optimizer_state
        return nets, states, status, epochs

    # -- what the page draws ---------------------------------------------------------------------------
    def take_message(self) -> str | None:
        with self.lock:
            m, self.message = self.message, None
            return m

    def snapshot(self) -> dict:
        """Everything the page redraws while training: curves, leaderboard, boundaries, the best weights."""
        with self.lock:
            s, d, nets = self.settings, self.data, list(self.nets)
            losses, test_losses, status = list(self.losses), self.test_losses, list(self.status)
            curves, epoch, running = list(self.curves), self.epoch, self.running or self.steps_wanted > 0
            version = self.version
        best = int(np.argmin(losses))
        order = sorted(range(len(nets)), key=lambda k: (losses[k], k))
        board = [{"restart": k, "loss": _finite(losses[k]),
                  "test_loss": None if test_losses is None else _finite(test_losses[k]),
                  "status": status[k]} for k in order]
        stride = max(1, math.ceil(len(curves) / CURVE_POINTS))
        picked = curves[::stride] + ([curves[-1]] if (len(curves) - 1) % stride else [])
        return {
            "type": "progress", "version": version, "epoch": epoch, "epochs": s["epochs"], "running": bool(running),
            "best": best, "loss": _finite(losses[best]),
            "test_loss": None if test_losses is None else _finite(test_losses[best]),
            "leaderboard": board,
            "curves": {"epochs": [c[0] for c in picked],
                       "losses": [[_finite(c[1][k]) for c in picked] for k in range(len(nets))]},
            "boundary": self._surface(nets[best], GRID),
            "others": [self._surface(nets[k], SMALL_GRID) for k in range(len(nets))],
            "weights": [[i, j, float(w)] for (i, j), w in nets[best].weights.items()],
        }

    def bounds(self) -> list:
        """The plane's extent: the data's range with a margin, the same for every picture."""
        X = self.data.X
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.maximum((hi - lo) * 0.1, 0.2)
        return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad)]

    def _grid(self, res: int) -> np.ndarray:
        b = self.bounds()
        axes = [np.linspace(lo, hi, res) for lo, hi in b]
        if len(axes) == 1:
            return axes[0][:, None]                                                  # (res, 1)
        gx, gy = np.meshgrid(axes[0], axes[1])
        return np.column_stack([gx.ravel(), gy.ravel()])                             # (res², 2), rows bottom-up

    def _surface(self, net: nn.Network, res: int) -> list:
        """Class 2-D: the score of the last class in [0, 1] (or the predicted class for more than two);
        regression: the fitted curve. Row-major from the bottom-left corner."""
        G = self._grid(res if self.data.X.shape[1] == 2 else 4 * res)
        with np.errstate(all="ignore"):
            out = net.forward(G)                                                     # (G, n_out)
        return [_finite(v) for v in self.scores(out)]

    def scores(self, out: np.ndarray) -> np.ndarray:
        """Outputs -> what the page colours: P(last class) for two classes, the class index (with a
        fraction for confidence) for more, the value for a regression."""
        d, loss = self.data, self.settings["loss"]
        if not d.classification:
            return out[:, 0]
        if loss == "cross_entropy":
            e = np.exp(out - out.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
        elif loss == "binary_cross_entropy":
            p = 1.0 / (1.0 + np.exp(-out))
        else:
            p = np.clip(out, 0.0, 1.0)
        if out.shape[1] == 2:
            return np.clip((p[:, 1] - p[:, 0] + 1.0) / 2.0, 0.0, 1.0)
        return p.argmax(axis=1) + p.max(axis=1) / (p.sum(axis=1) + 1e-12) * 0.999

    def state(self) -> dict:
        """The picture's fixed parts: data points, network layout, settings."""
        with self.lock:
            s, d, net, layers = self.settings, self.data, self.net, self.layers
            kinds = {nu.id: nu for nu in net.neurons}
            inputs = {j: k + 1 for k, j in enumerate(net.inputs)}
            neurons = [{"id": j, "layer": li, "kind": kinds[j].kind, "activation": kinds[j].activation,
                        "symbol": symbol(kinds[j].kind, kinds[j].activation, inputs.get(j)),
                        "color": COLORS[kinds[j].kind]}
                       for li, ids in enumerate(layers) for j in ids]
            return {
                "type": "state", "settings": s,
                "data": {"X": d.X.tolist(), "y": d.y.tolist(), "test": d.test.tolist(), "task": d.task,
                         "classes": d.classes, "features": d.feature_names, "target": d.target_name,
                         "source": d.source, "bounds": self.bounds(), "grid": GRID, "small_grid": SMALL_GRID,
                         "uploaded": None if self.table is None else {
                             "name": self.table.source, "columns": self.table.names,
                             "numeric": numeric_columns(self.table)}},
                "network": {"neurons": neurons, "edges": [list(e) for e in net.weights],
                            "layered": net.layers is not None},
            }

    # -- look inside -------------------------------------------------------------------------------------
    def inspect(self, neuron: int, example: int) -> dict:
        """Neuron j of the best restart: its output o_j over the plane, and for example b its z_j, o_j and
        δ_j with the sums written out: the lines ``nn.explain`` prints about j."""
        with self.lock:
            s, d = self.settings, self.data
            net = self.nets[int(np.argmin(self.losses))]
        ids = {nu.id: nu for nu in net.neurons}
        if not isinstance(neuron, int) or neuron not in ids:
            raise SettingError(f"There is no neuron {neuron!r} in this network.")
        if not isinstance(example, int) or not 0 <= example < len(d.y):
            raise SettingError(f"Choose an example from 0 to {len(d.y) - 1}; received {example!r}.")
        S = net.structure
        t, col = S.position[neuron]
        G = self._grid(GRID if d.X.shape[1] == 2 else 4 * GRID)
        with np.errstate(all="ignore"):
            cache = forward(S, np.asarray(net.theta)[None], G.astype(net.dtype))     # o[t]: (1, G, n_t)
        if ids[neuron].kind == "bias":
            plane = np.ones(len(G))
        else:
            plane = cache.o[t][0, :, col]
        y = d.targets(s["loss"], [example])[0]
        e = nn.explain(net, d.X[example], y, loss=s["loss"], step_size=s["step_size"])
        return {"type": "explain", "neuron": neuron, "example": example, "kind": ids[neuron].kind,
                "x": e.x, "y": e.y, "z": e.z.get(neuron), "o": e.o.get(neuron), "delta": e.deltas.get(neuron),
                "lines": neuron_lines(e.text(width=72, max_neurons=None), neuron),
                "text": e.text(width=72), "plane": [_finite(v) for v in plane]}

    # -- take it home ----------------------------------------------------------------------------------
    def model_file(self) -> nn.Network:
        """The best restart with what ``neuronet predict`` needs: how the columns become its inputs."""
        with self.lock:
            s, d = self.settings, self.data
            net = self.nets[int(np.argmin(self.losses))]
            epoch, losses = self.epoch, list(self.losses)
        if d.prep is not None:                          # an uploaded CSV: standardized as `neuronet train` does
            prep = tabular.Preprocessing.from_dict(d.prep.to_dict())
            prep.loss = s["loss"]
        else:                                           # a built-in set: its own columns, as the plane shows them
            centre, scale = (0.5, 0.5) if d.source == "xor" else (0.0, 1.0)   # xor's corners 0/1 drawn at ±1
            prep = tabular.Preprocessing([{"name": n, "kind": "numeric", "mean": centre, "std": scale}
                                          for n in d.feature_names], d.target_name, d.task, loss=s["loss"])
            if d.classification:
                prep.classes = list(d.classes)
            else:
                prep.target_mean, prep.target_std = 0.0, 1.0
        out = net.copy()
        out.info = {**net.info, "preprocessing": prep.to_dict(), "source": f"neuronet playground: {d.source}",
                    "playground": {"settings": s, "epochs": epoch, "loss": min(losses)}}
        return out

    def snippet(self) -> str:
        """Python that reproduces the run with ``nn.train``: same data, network, settings and starting weights."""
        with self.lock:
            s, d, net, epoch = self.settings, self.data, self.net, self.epoch
        lines = ['"""The neuronet playground run, as a script (same data, network, settings and seed)."""',
                 "import numpy as np", "import neuronet as nn", ""]
        if d.prep is None and s["dataset"] != "csv":
            lines += [f"# {d.source}: {len(d.y)} examples ({int(d.test.sum())} held out for testing)"]
        lines += [f"X = np.array({_rows(d.X)})", f"y = np.array({d.y.tolist()!r})"]
        lines += [f"test = np.array({np.flatnonzero(d.test).tolist()!r}, dtype=int)",
                  "train = np.setdiff1d(np.arange(len(y)), test)"]
        if d.classification and s["loss"] != "cross_entropy":
            lines += [f"Y = np.eye({len(d.classes)})[y]   # one output per class, one-hot targets"]
        else:
            lines += ["Y = y"]
        lines += ["", "g = nn.Graph()"]
        kinds = {nu.id: nu for nu in net.neurons}
        for j in sorted(kinds):
            nu = kinds[j]
            call = {"input": f"g.input({nu.name!r})" if nu.name else "g.input()", "bias": "g.bias()",
                    "hidden": f"g.neuron({nu.activation!r})", "output": f"g.output({nu.activation!r})"}[nu.kind]
            lines.append(f"n{j} = {call}")
        lines.append(f"for i, j in {[list(e) for e in net.weights]!r}:")
        lines.append("    g.connect(i, j)")
        lines.append(f"net = g.build(seed={s['seed']})")
        opt = repr(s["optimizer"])
        batch = "None" if s["optimizer"] == "rprop" else str(s["batch_size"])
        if s["optimizer"] != "rprop" and s["batch_size"] < int((~d.test).sum()):
            lines += ["", "# The playground trained in chunks of epochs, each shuffling the examples with a seed of its own;",
                      "# this run shuffles them with one stream, so its numbers end near the playground's, not equal."]
        lines += ["", f"result = nn.train(net, X[train], Y[train], loss={s['loss']!r}, optimizer={opt},",
                  f"                  step_size={s['step_size']!r}, schedule={s['schedule']!r}, "
                  f"batch_size={batch},", f"                  epochs={max(epoch, 1)}, restarts={s['restarts']}, "
                  f"seed={s['seed']})", "print(result.summary())", "result.network.save('playground.json')"]
        return "\n".join(lines) + "\n"


def neuron_lines(text: str, j: int) -> list[str]:
    """The lines of ``nn.explain``'s text about neuron j -- z_j, o_j, f_j'(z_j), δ_j, ∂L/∂ŷ at an output,
    and ∂L/∂w_i,j of the edges into j -- each with its continuation lines."""
    heads = (f"z_{j} =", f"o_{j} =", f"f_{j}'(z_{j}) =", f"δ_{j} =")
    groups: list[list[str]] = []
    indent = None
    for line in text.splitlines():
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if indent is not None and stripped and depth > indent:
            groups[-1].append("    " + stripped)             # a long sum continues on the next line
            continue
        indent = None
        lhs = stripped.split(" = ")[0]
        if (stripped.startswith(heads) or (stripped.startswith("∂L/∂w_") and lhs.endswith(f",{j}"))
                or (stripped.startswith("bias neurons send 1") and f"o_{j} " in stripped)
                or (stripped.startswith("∂L/∂ŷ") and f"ŷ = o_{j})" in stripped)):
            groups.append([stripped])
            indent = depth
    return [ln for g in groups for ln in g]


def _rows(X: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in X) + "]"


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None
