"""neuronet: feed-forward neural networks as graphs of neurons and weighted edges.

The package, bottom to top (imports flow one way, upwards never):

* ``model``    -- the seed's mathematics, in NumPy: graph, structure, network, activations,
                  losses, backpropagation, optimizers, schedules, model files (the reference);
* ``engines``  -- the same arithmetic compiled (numba) and on BLAS, behind one interface;
* ``training`` -- the training loop, its run state, checkpoints and result;
* ``io``       -- tables (CSV, preprocessing), built-in data sets, ONNX;
* ``seeing``   -- explain, draw, report, construct, demos;
* ``cli``, ``sklearn`` -- the front ends.

Shape letters used in comments throughout the package:

* ``R`` -- restarts: independent copies of a network trained at once (an array axis);
* ``B`` -- examples in a batch;
* ``n`` -- neurons in a level (``n_in``, ``n_out``, ``n_s``/``n_t`` for a source/target level);
* ``P`` -- parameters of one network (one per weight, plus zeros where a block lacks an edge);
* ``E`` -- edges.

>>> import neuronet as nn
>>> net = nn.mlp([2, 2, 1], hidden="logistic", seed=0)
>>> net.forward([[0.0, 1.0]]).shape
(1, 1)
"""

from ._version import __version__  # noqa: F401
from .errors import DataError, GraphError, ModelFileError, NeuronetError, TrainingError
from .model.graph import Graph, mlp
from .model.network import Gradient, Network, Trace, load
from .model.topology import Neuron
from .training import Ensemble, TrainResult, train

__all__ = [
    "Graph", "Neuron", "Network", "Trace", "Gradient", "mlp", "train", "TrainResult", "Ensemble",
    "NeuronetError", "GraphError", "DataError", "ModelFileError", "TrainingError",
    "load", "load_model", "draw", "explain", "datasets", "construct", "examples",
]

# Modules that pull in matplotlib, scikit-learn or numba load on first use, so that
# ``import neuronet`` stays fast. ``nn.draw(net)`` and ``nn.explain(net, x, y)`` are callable.
_LAZY = {
    "draw": "seeing.draw", "explain": "seeing.explain", "construct": "seeing.construct",
    "demos": "seeing.demos", "report": "seeing.report",
    "datasets": "io.datasets", "tabular": "io.tabular",
    "examples": "model.examples", "files": "model.files", "activations": "model.activations",
    "losses": "model.losses", "optimizers": "model.optimizers", "schedules": "model.schedules",
    "initializers": "model.initializers", "metrics": "model.metrics",
}
# Functions that load on first use, as (module, name).
_LAZY_FUNCTIONS = {"save": ("model.files", "save"), "load_model": ("io.model", "load_model")}


def __getattr__(name):
    import importlib

    if name in _LAZY:
        return importlib.import_module(f".{_LAZY[name]}", __name__)
    if name in _LAZY_FUNCTIONS:
        module, attr = _LAZY_FUNCTIONS[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_FUNCTIONS))
