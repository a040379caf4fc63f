"""Take the run home: the best restart as a model file that ``neuronet predict`` and ``nn.load`` read, and a
Python script that reproduces the run with ``nn.train``."""

from __future__ import annotations

import numpy as np

import neuronet as nn
from neuronet.io import tabular

from .data import Data


def model_file(net: nn.Network, d: Data, s: dict, epoch: int, loss: float) -> nn.Network:
    """``net`` with what ``neuronet predict`` needs: how the data's columns become its inputs."""
    if d.prep is not None:                          # an uploaded CSV: standardized as `neuronet train` does
        prep = tabular.Preprocessing.from_dict(d.prep.to_dict())
        prep.loss = s["loss"]
    else:                                           # a built-in set: its own columns, as the plane shows them
        centre, scale = (0.5, 0.5) if d.source == "xor" else (0.0, 1.0)   # xor's corners 0/1 drawn at ±1
        prep = tabular.Preprocessing([{"name": n, "kind": "numeric", "mean": centre, "std": scale, "median": centre,
                                       "indicator": False, "parse": {}, "n_missing": 0}
                                      for n in d.feature_names], d.target_name, d.task, loss=s["loss"])
        if d.classification:
            prep.classes = list(d.classes)
        else:
            prep.target_mean, prep.target_std = 0.0, 1.0
    out = net.copy()
    out.info = {**net.info, "preprocessing": prep.to_dict(), "source": f"neuronet playground: {d.source}",
                "playground": {"settings": s, "epochs": epoch, "loss": loss}}
    return out


def snippet(net: nn.Network, d: Data, s: dict, epoch: int) -> str:
    """Python that reproduces the run with ``nn.train``: the same data, network (``net``, before training),
    settings and starting weights."""
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
    o = run_options(s, int((~d.test).sum()))
    indent = " " * len("result = nn.train(")
    lines += [""]
    if epoch == 0:
        lines += [f"# The playground has not trained yet; this runs the {o['epochs']} epochs it is set to."]
    lines += [f"result = nn.train(net, X[train], Y[train], loss={o['loss']!r}, optimizer={o['optimizer']!r},",
              f"{indent}step_size={o['step_size']!r}, schedule={o['schedule']!r}, batch_size={o['batch_size']!r},",
              f"{indent}epochs={o['epochs']}, restarts={o['restarts']}, seed={o['seed']}"
              + ("," if 0 < epoch < o["epochs"] else ")")]
    if 0 < epoch < o["epochs"]:      # paused part-way: the same call, stopped where the playground stopped
        lines += [f"{indent}callback=lambda info: info['epoch'] >= {epoch})   # the playground paused here"]
    lines += ["print(result.summary())",
              "result.network.save('playground.json')"]
    return "\n".join(lines) + "\n"


def run_options(s: dict, n: int) -> dict:
    """The settings as ``nn.train``'s arguments: what the playground trains with and the snippet writes."""
    return {"loss": s["loss"], "optimizer": s["optimizer"], "step_size": s["step_size"], "schedule": s["schedule"],
            "batch_size": None if s["optimizer"] == "rprop" else min(s["batch_size"], n),
            "epochs": s["epochs"], "restarts": s["restarts"], "seed": s["seed"]}


def _rows(X: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in X) + "]"
