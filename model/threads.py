"""One thread for BLAS while the model steps, whatever the environment.

A county's week is numpy element-wise work and scipy.sparse products, with one dense product (the fear
channels' sums over Hispanic residents, a matrix-vector product that BLAS does 30 times faster than any
numpy reduction). Left alone, that one call starts OpenBLAS's pool, a thread per core, whose threads spin
after each call. Two such processes on two cores, as two sweep workers run, then fight their own pools:
a county of 100,000 residents stepped at about 40 ms a week against 17 ms on one thread each
(``python -m experiments.bench --workers 2``). So each week, and the spin-up, run inside
:func:`single_threaded`: every BLAS call of the step, today's and any added later, runs on the calling
thread. The limit is set on entry and restored on exit (about 6 microseconds), so a user's own numpy
work between steps keeps its threads.
"""

from contextlib import AbstractContextManager, nullcontext
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    """The process's thread pools, found once (about 0.6 ms: it walks the loaded libraries)."""
    return ThreadpoolController()


@cache
def _blas() -> tuple:
    return tuple(_controller().select(user_api="blas").lib_controllers)


class _OneThread(AbstractContextManager):
    """Each BLAS library on one thread inside, its own count restored on exit: two calls into each library
    (with reading the counts, about 6 microseconds a week; threadpoolctl's ``limit`` takes about 14, a few
    per cent of a small county's week)."""

    __slots__ = ("libs", "before")

    def __init__(self, libs, before):
        self.libs, self.before = libs, before

    def __enter__(self):
        for lib in self.libs:
            lib.set_num_threads(1)
        return self

    def __exit__(self, *exc):
        for lib, n in zip(self.libs, self.before, strict=True):
            lib.set_num_threads(n)
        return False


def single_threaded() -> AbstractContextManager:
    """A context in which every BLAS library this process loaded runs on one thread (nothing to do, about
    1 microsecond, where they already do: ``OPENBLAS_NUM_THREADS=1``, or a worker that called ``pin_process``)."""
    libs = _blas()
    before = [lib.num_threads for lib in libs]
    if all(n == 1 for n in before):
        return nullcontext()
    return _OneThread(libs, before)


def pin_process() -> None:
    """One BLAS thread for the rest of this process: for processes that run only models (a sweep's or a
    panel's worker), where setting and restoring the limit every week buys nothing."""
    _controller().limit(limits=1, user_api="blas")
