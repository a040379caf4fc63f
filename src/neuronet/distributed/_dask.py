"""The one door to Dask: ``dask.distributed`` is the optional extra ``[distributed]``.

Everything in this package that needs Dask asks :func:`require` for it, so that a missing
install ends in one message naming the extra, never an ImportError from deep inside.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from ..errors import DataError

EXTRA_HINT = "Install it with: pip install 'neuronet[distributed]'"


def require():
    """The ``distributed`` module, or a DataError that names the extra to install."""
    try:
        import distributed  # noqa: PLC0415
    except ImportError:
        raise DataError("Running on a Dask cluster needs dask.distributed, which is not installed. "
                        + EXTRA_HINT) from None
    return distributed


def check_client(client):
    """``client`` must be a dask.distributed Client with at least one worker."""
    distributed = require()
    if not isinstance(client, distributed.Client):
        raise DataError(f"client must be a dask.distributed.Client; received {type(client).__name__}. "
                        "Make one with Client(LocalCluster(...)) or Client('tcp://scheduler:8786').")
    return client


def total_threads(client) -> int:
    """Threads on all the client's workers (at least 1, so a plan can be made before workers arrive)."""
    return max(1, sum(client.nthreads().values()))


@contextlib.contextmanager
def connected(workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """``with connected(workers, scheduler) as client``: a Client on ``scheduler`` (an address), or on a
    LocalCluster of ``workers`` processes of one thread each, started here and closed on the way out;
    None when neither is given (the work runs in this process)."""
    if scheduler is None and not workers:
        yield None
        return
    distributed = require()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise DataError(f"Cannot reach the Dask scheduler at {scheduler!r} ({e}). Start one with "
                            "'dask scheduler' and workers with 'dask worker ADDRESS', or use --workers N "
                            "for a cluster on this machine.") from None
        with client:
            yield client
        return
    with distributed.LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as client:
        yield client
