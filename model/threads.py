"""One thread for BLAS while the model steps, whatever the environment.

A county's week is numpy element-wise work and scipy.sparse products, none of which gains from a BLAS
thread pool; but a process that calls BLAS at all (one dense ``matrix @ vector`` is enough) starts
OpenBLAS's pool, a thread per core, whose threads spin after each call. Two such processes on two cores,
as two sweep workers run, then fight their own pools: a county of 100,000 residents stepped at about
40 ms a week against 17 ms pinned (``python -m experiments.bench --workers 2``). The model therefore (a) calls no
BLAS in its step (``metrics.weekly_state`` sums channels with ``np.add.reduce(..., where=)``), and
(b) runs each week inside :func:`single_threaded`, so a BLAS call added later cannot bring the pool
back. The limit is set on entry and restored on exit (about 5 microseconds), so a user's own numpy
work between steps keeps its threads.
"""

from contextlib import AbstractContextManager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    """The process's thread pools, found once (about 0.6 ms: it walks the loaded libraries)."""
    return ThreadpoolController()


def single_threaded() -> AbstractContextManager:
    """A context in which every BLAS library this process loaded runs on one thread."""
    return _controller().limit(limits=1, user_api="blas")
