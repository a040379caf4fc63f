"""One browser tab's playground: its data, its network, its R restarts training in a thread of their own.

Nothing here knows about HTTP: the web layer (``app.py``) turns messages from the page into calls
on a :class:`Session` and sends back what :meth:`Session.snapshot` and friends return. So the
training logic is tested without a browser, and two tabs are two ``Session`` objects that share
nothing.

How training runs. The page wants to see every restart's weights while they move (the decision
boundaries), to pause, to take one step, and to reset. The training thread makes one call,
``nn.train(net, …, epochs=E, restarts=R, seed=seed, callback=watch)``: the same call the exported
snippet makes, so the snippet reproduces the run bit for bit (shuffled minibatches included). After
every epoch ``watch`` hands the page every restart's weights (every few epochs while running), and
while the run is paused it simply waits inside the callback; a reset, new settings or a closed tab
make it return True, which ends the call.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

import neuronet as nn
from neuronet.errors import NeuronetError
from neuronet.io import tabular
from neuronet.seeing._layout import COLORS, symbol

from . import export, inside
from .data import Data, bounds, builtin_data, csv_data, csv_table, finite, grid, numeric_columns, scores
from .network import build_network
from .settings import DEFAULTS, REGRESSION_LOSSES, SettingError, check_settings

GRID = 48                        # the best restart's boundary: GRID × GRID points
SMALL_GRID = 20                  # … the small multiples of the others
CURVE_POINTS = 400               # loss curves sent to the page: at most this many points each
REDRAW_ROWS = 1_000              # the page is redrawn after about this many example-updates per restart,
REDRAW_EPOCHS = 20               # … or at most this many epochs,
PACE_SECONDS = 0.03              # … and training goes on this long after: a learner can follow (and the CPU breathe)


class Session:
    """One tab's state. The page's messages call its methods (from the web layer's threads); the
    training thread runs :meth:`_train`. One lock guards everything both touch."""

    def __init__(self, sid: str):
        self.sid = sid
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)       # the training thread waits here for work …
        self.idle = threading.Condition(self.lock)       # … and pause() here for the epoch in flight
        self.busy = False
        self.closed = False
        self.version = 0            # bumped on every change the page should redraw
        self.message = None         # the last error for the page, or None
        self.table = None           # an uploaded CSV (a tabular.Table), until another replaces it
        self.extra_points: list = []
        self.settings = dict(DEFAULTS)
        with self.lock:
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
            except nn.DataError:
                raise SettingError(f"A test fraction of {s['test_fraction']:g} of these {len(data.y)} examples holds "
                                   "none out for testing, or leaves none for training; choose another fraction, or "
                                   "more examples (xor: noise above 0 makes it a cloud of points).") from None
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
        # The starting points depend on (seed, restart) only; a step this small cannot diverge.
        start = nn.train(self.net, d.X[tr], d.targets(s["loss"], tr), loss=s["loss"], epochs=1, restarts=R,
                         seed=s["seed"], step_size=1e-12, engine="matrix")
        self.nets = [start.initial_network(k) for k in range(R)]
        self.status = ["training"] * R
        self.epoch = 0
        self.finished = False                  # the run's nn.train call has returned: reset to train again
        self.curves: list = []                 # [(epoch, [loss of each restart])]
        self.losses = self._losses(tr)
        self.test_losses = self._losses(d.test) if d.test.any() else None
        self.curves.append((0, list(self.losses)))
        self.running = False
        self.steps_wanted = 0
        self.generation = getattr(self, "generation", 0) + 1
        self.version += 1
        self.wake.notify_all()                 # a run paused in its callback sees the new generation and ends

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

    def _check_not_finished(self) -> None:
        if self.epoch >= self.settings["epochs"]:
            raise SettingError(f"This run has done its {self.settings['epochs']} epochs; reset it, or raise the "
                               "number of epochs.")
        if self.finished:
            raise SettingError("This run has ended (no restart is training any more); reset it to train again.")

    def start(self) -> None:
        with self.lock:
            self._check_not_finished()
            self.running = True
            self.version += 1
            self.wake.notify_all()

    def pause(self) -> None:
        """Stop training; returns once the epoch in flight (if any) has landed, so nothing moves after."""
        with self.lock:
            self.running = False
            self.steps_wanted = 0
            while self.busy and not self.closed:
                self.idle.wait()
            self.version += 1

    def step(self) -> None:
        """One epoch for every restart, then pause."""
        with self.lock:
            self._check_not_finished()
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
        """Wait for start (or a step), make the run's one nn.train call, and say how it ended."""
        while True:
            with self.lock:
                while not self.closed and not (self.running or self.steps_wanted):
                    self.wake.wait()
                if self.closed:
                    return
                self.busy = True
                job = (self.generation, self.settings, self.data, self.net)
            error = None
            try:
                self._train(*job)
            except NeuronetError as exc:
                error = str(exc)
            except Exception as exc:  # a bug must not kill the tab's thread silently: say it in the page
                error = f"Training stopped: {type(exc).__name__}: {exc}"
            with self.lock:
                self.busy = False
                self.idle.notify_all()
                if self.generation != job[0] or self.closed:
                    continue                  # reset (or new settings) ended the call: nothing to say
                self.running, self.steps_wanted, self.finished = False, 0, True
                self.status = ["done" if st == "training" else st for st in self.status]
                if all(st == "diverged" for st in self.status):     # train's TrainingError, in the page's words
                    self.message = (f"Every restart diverged with step size {self.settings['step_size']:g}; "
                                    "reset and try a smaller step size.")
                elif error is not None:
                    self.message = error
                self.version += 1

    def _train(self, generation: int, s: dict, d: Data, net: nn.Network) -> nn.TrainResult:
        """The run: one nn.train call, watched after every epoch (see the module's docstring)."""
        tr = ~d.test
        X, Y = d.X[tr], d.targets(s["loss"], tr)
        n = len(X)
        every = max(1, min(REDRAW_ROWS // max(n, 1), REDRAW_EPOCHS))   # epochs between two redraws
        since = 0

        def watch(info: dict) -> bool | None:
            nonlocal since
            since += 1
            with self.lock:
                if self.closed or self.generation != generation:
                    return True
                last = info["epoch"] >= info["epochs"] or info["alive"] == 0
                if not self.running and self.steps_wanted:
                    self.steps_wanted -= 1                      # that epoch was a step
                show = since >= every or last or not (self.running or self.steps_wanted)
                if show:
                    since = 0
                    self._publish(info["weights"](), info["status"], info["epoch"])
                while not (last or self.closed or self.generation != generation or self.running
                           or self.steps_wanted):
                    self.busy = False                           # paused: parked here, nothing moves
                    self.idle.notify_all()
                    self.wake.wait()
                if self.closed or self.generation != generation:
                    return True
                self.busy = True
                pace = show and self.running and not last
            if pace:
                time.sleep(PACE_SECONDS)
            return None

        return nn.train(net, X, Y, **export.run_options(s, n), callback=watch)

    def _publish(self, weights: np.ndarray, status: list, epoch: int) -> None:
        """The restarts' weights (R, P) after ``epoch`` epochs become what the page sees (under the lock)."""
        self.nets = [self.net._with_theta(w) for w in weights]
        self.status = ["diverged" if st == "diverged" else "training" for st in status]
        self.epoch = epoch
        self.losses = self._losses(~self.data.test)
        if self.test_losses is not None:
            self.test_losses = self._losses(self.data.test)
        self.curves.append((epoch, list(self.losses)))
        self.version += 1

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
        board = [{"restart": k, "loss": finite(losses[k]),
                  "test_loss": None if test_losses is None else finite(test_losses[k]),
                  "status": status[k]} for k in order]
        stride = max(1, math.ceil(len(curves) / CURVE_POINTS))
        picked = curves[::stride] + ([curves[-1]] if (len(curves) - 1) % stride else [])
        return {
            "type": "progress", "version": version, "epoch": epoch, "epochs": s["epochs"], "running": bool(running),
            "best": best, "loss": finite(losses[best]),
            "test_loss": None if test_losses is None else finite(test_losses[best]),
            "leaderboard": board,
            "curves": {"epochs": [c[0] for c in picked],
                       "losses": [[finite(c[1][k]) for c in picked] for k in range(len(nets))]},
            "boundary": self._surface(d, s, nets[best], GRID),
            "others": [self._surface(d, s, nets[k], SMALL_GRID) for k in range(len(nets))],
            "weights": [[i, j, float(w)] for (i, j), w in nets[best].weights.items()],
        }

    @staticmethod
    def _surface(d: Data, s: dict, net: nn.Network, res: int) -> list:
        """What the page colours over the plane (or draws along the line) for one restart."""
        G = grid(d.X, res if d.X.shape[1] == 2 else 4 * res)
        with np.errstate(all="ignore"):
            out = net.forward(G)                                                     # (G, n_out)
        return [finite(v) for v in scores(out, d, s["loss"])]

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
                         "source": d.source, "bounds": bounds(d.X), "grid": GRID, "small_grid": SMALL_GRID,
                         "uploaded": None if self.table is None else {
                             "name": self.table.source, "columns": self.table.names,
                             "numeric": numeric_columns(self.table)}},
                "network": {"neurons": neurons, "edges": [list(e) for e in net.weights],
                            "layered": net.layers is not None},
            }

    # -- look inside, take it home -------------------------------------------------------------------
    def inspect(self, neuron: int, example: int) -> dict:
        """Neuron j of the best restart over the plane, and example b's z_j, o_j, δ_j written out."""
        with self.lock:
            s, d, net = self.settings, self.data, self.nets[int(np.argmin(self.losses))]
        return inside.inspect(net, d, s, neuron, example, GRID)

    def model_file(self) -> nn.Network:
        """The best restart as a model file for ``neuronet predict`` and ``nn.load``."""
        with self.lock:
            best = int(np.argmin(self.losses))
            return export.model_file(self.nets[best], self.data, self.settings, self.epoch, self.losses[best])

    def snippet(self) -> str:
        """Python that reproduces the run with ``nn.train``."""
        with self.lock:
            return export.snippet(self.net, self.data, self.settings, self.epoch)
