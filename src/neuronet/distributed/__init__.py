"""Beyond one machine: restarts and sweeps on a Dask cluster, with the answer one core gives.

* :func:`train_on_client` (``nn.train(…, client=client)``) cuts the restart axis into chunks,
  each an ordinary ``train(…, first_restart=k)`` on a worker, and merges their records into one
  ``TrainResult``, bit-identical to the same call without a client;
* :func:`sweep` (``nn.sweep``) trains a grid of settings, each with R restarts, here or on a
  client, and returns the table (a pandas DataFrame) and the best network;
* :func:`warm` compiles the engines on every worker once.

Dask (``dask.distributed``) and pandas are the optional extra ``[distributed]``; they are imported
only when these functions run.
"""

from .restarts import merge, plan, train_on_client, warm
from .sweeps import expand_grid, setting_key, sweep

__all__ = ["train_on_client", "sweep", "warm", "plan", "merge", "expand_grid", "setting_key"]
