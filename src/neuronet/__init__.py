"""neuronet: feed-forward neural networks as graphs of neurons and weighted edges.

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

from .errors import DataError, GraphError, ModelFileError, NeuronetError, TrainingError
from .graph import Graph, Neuron
from .network import Gradient, Network, Trace, mlp
from .train import Ensemble, TrainResult, train

__all__ = [
    "Graph", "Neuron", "Network", "Trace", "Gradient", "mlp", "train", "TrainResult", "Ensemble",
    "NeuronetError", "GraphError", "DataError", "ModelFileError", "TrainingError",
    "load", "draw", "explain", "datasets", "construct", "examples",
]
__version__ = "0.1.0"

# Modules that pull in matplotlib, scikit-learn or numba load on first use, so that
# ``import neuronet`` stays fast. ``nn.draw(net)`` and ``nn.explain(net, x, y)`` are callable.
_LAZY = {"draw", "explain", "datasets", "construct", "examples", "files", "demos", "report",
         "activations", "losses", "optimizers", "schedules", "initializers"}


def __getattr__(name):
    import importlib

    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name in ("load", "save"):
        return getattr(importlib.import_module(".files", __name__), name)
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _LAZY | {"load", "save"})
