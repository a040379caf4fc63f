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
from .errors import CheckpointWarning, DataError, GraphError, ModelFileError, NeuronetError, TrainingError
from .model.graph import Graph, mlp
from .model.network import Gradient, Network, Trace, load
from .model.topology import Neuron
from .training import Ensemble, TrainResult
from .training import train as _train_here

__all__ = [
    "Graph", "Neuron", "Network", "Trace", "Gradient", "mlp", "train", "TrainResult", "Ensemble",
    "NeuronetError", "GraphError", "DataError", "ModelFileError", "TrainingError", "CheckpointWarning",
    "load", "load_model", "draw", "explain", "datasets", "construct", "examples", "sweep",
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
    "distributed": "distributed",
}
# Functions that load on first use, as (module, name).
_LAZY_FUNCTIONS = {"save": ("model.files", "save"), "load_model": ("io.model", "load_model")}


def train(net, X, Y, *args, client=None, chunk_size=None, **kwargs):
    # One front door for training in this process and on a Dask cluster. The cluster's side lives in
    # ``neuronet.distributed`` (a front end: it calls ``training.train`` on the workers, so the training
    # package cannot call it; this public function, above both, does).
    if client is None:
        if chunk_size is not None:
            raise DataError("chunk_size= cuts the restarts into tasks for client=; give a client, or leave it out.")
        return _train_here(net, X, Y, *args, **kwargs)
    from .distributed.restarts import train_on_client  # noqa: PLC0415 (Dask is imported only when used)

    return train_on_client(client, net, X, Y, *args, chunk_size=chunk_size, **kwargs)


def _train_signature():
    import inspect

    sig = inspect.signature(_train_here)
    extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in ("client", "chunk_size")]
    return sig.replace(parameters=[*sig.parameters.values(), *extra])


train.__signature__ = _train_signature()
train.__doc__ = (_train_here.__doc__ or "") + """
    On a Dask cluster
    -----------------
    client : dask.distributed.Client | None   run the restarts as chunks on its workers (the extra
                           ``[distributed]``); the result is bit-identical to ``client=None`` for the same seed
    chunk_size : int|None  restarts per task (default: about four tasks per worker thread)
    """


def sweep(*args, **kwargs):
    """A grid of settings, each trained with R restarts, here or on a Dask client: see
    :func:`neuronet.distributed.sweep`. Returns (table, best network)."""
    from .distributed.sweeps import sweep as _sweep  # noqa: PLC0415

    return _sweep(*args, **kwargs)


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
