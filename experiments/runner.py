"""Executing runs: one run as a pure function, and three ways to execute many.

``run_task`` builds a model, steps it and returns its collected rows (never raises: a failure
comes back as a record with the traceback). The executors only differ in where that function
runs: ``SerialExecutor`` in this process, ``ProcessExecutor`` in a local pool (rebuilt if a
worker is killed), ``DaskExecutor`` on a Dask distributed cluster. Each keeps a bounded number
of runs in flight and yields results as they finish, so memory stays flat.
"""

import os
import socket
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .spec import resolve_factory

POOL_STARTUP_SECONDS = 1.0  # what starting a worker pool costs here (forkserver + imports)


@dataclass(frozen=True)
class Task:
    run_id: str
    point_id: int
    replicate: int
    seed: int
    params: dict
    steps: int
    collect_every: int
    outputs: tuple
    event_log: bool
    factory: str


def run_seed(root: int, point_id: int, replicate: int) -> int:
    """The run's seed: child (point_id, replicate) of the root SeedSequence.

    Same as ``SeedSequence(root).spawn(...)[point_id].spawn(...)[replicate]``; it depends on
    nothing else (not the order runs execute in, the worker count or the executor).
    """
    ss = np.random.SeedSequence(root, spawn_key=(point_id, replicate))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits an int64 column


def run_id(point_id: int, replicate: int) -> str:
    return f"p{point_id:06d}-r{replicate:04d}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def run_task(task: Task) -> dict:
    """Run one model; return ``{"record": {...}, "data": DataFrame | None, "events": DataFrame | None}``."""
    started, t0 = _now(), time.perf_counter()
    record = {"run_id": task.run_id, "point_id": task.point_id, "replicate": task.replicate, "seed": task.seed,
              "status": "ok", "error": None, "traceback": None, "started": started,
              "host": socket.gethostname(), "pid": os.getpid()}
    data = events = None
    try:
        factory = resolve_factory(task.factory)
        model = factory(rng=task.seed, **task.params)
        for _ in range(task.steps):
            model.step()
        frame = model.datacollector.get_model_vars_dataframe()
        steps = np.arange(len(frame))
        keep = (steps % task.collect_every == 0) | (steps == len(frame) - 1)
        data = frame.loc[keep, list(task.outputs)].reset_index(drop=True)
        data.insert(0, "step", steps[keep].astype(np.int64))
        data.insert(0, "run_id", task.run_id)
        if task.event_log:
            events = model.event_log()
            events.insert(0, "run_id", task.run_id)
        del model
    except Exception as e:  # noqa: BLE001 - every failure is recorded, the sweep goes on
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        data = events = None
    record["wall_time"] = time.perf_counter() - t0
    record["finished"] = _now()
    return {"record": record, "data": data, "events": events}


def _lost(task: Task, error: str) -> dict:
    """A run whose worker died under it (recorded as failed; a resume redoes it)."""
    return {"record": {"run_id": task.run_id, "point_id": task.point_id, "replicate": task.replicate,
                       "seed": task.seed, "status": "failed", "error": error, "traceback": error,
                       "started": None, "host": None, "pid": None, "wall_time": float("nan"), "finished": _now()},
            "data": None, "events": None}


class SerialExecutor:
    """Runs in this process, one after another."""

    workers = 1
    name = "serial"

    def map(self, tasks, fn=run_task):
        for task in tasks:
            yield fn(task)

    def close(self):
        pass


class ProcessExecutor:
    """A local process pool (forkserver), at most ``2 * workers`` runs in flight.

    If a worker process dies (SIGKILL, out of memory), the pool is rebuilt and the runs that
    were in flight are run again, up to ``max_restarts`` times.
    """

    name = "processes"

    def __init__(self, workers: int, max_restarts: int = 3):
        import multiprocessing as mp

        self.workers = workers
        self.max_restarts = max_restarts
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["experiments.runner", "model"])
        self.pool = self._pool()

    def _pool(self):
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self.ctx)

    def map(self, tasks, fn=run_task):
        tasks = iter(tasks)
        pending = {}  # future -> task
        retry = []  # tasks to submit again after the pool broke under them
        restarts = 0
        window = 2 * self.workers
        while True:
            broken = False
            while len(pending) < window:
                task = retry.pop() if retry else next(tasks, None)
                if task is None:
                    break
                try:
                    pending[self.pool.submit(fn, task)] = task
                except BrokenProcessPool:
                    retry.append(task)
                    broken = True
                    break
            if not broken:
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        retry.append(task)
                        broken = True
                        continue
                    yield result
            if broken:  # a worker died: rebuild the pool, run its runs (and the rest in flight) again
                retry += list(pending.values())
                pending.clear()
                self.pool.shutdown(wait=False, cancel_futures=True)
                restarts += 1
                if restarts > self.max_restarts:
                    for task in retry:
                        yield _lost(task, "BrokenProcessPool: a worker process died (too many restarts)")
                    retry = []
                self.pool = self._pool()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Runs on a Dask distributed cluster at ``address`` (``tcp://HOST:PORT``).

    Workers must be able to import ``experiments`` and ``model`` (start them in the repository,
    or with it on PYTHONPATH). Dask itself reruns the tasks of a worker that dies.
    """

    name = "dask"

    def __init__(self, address: str, timeout: float = 30):
        from distributed import Client

        self.client = Client(address, timeout=timeout, set_as_default=False)
        n = sum(w.get("nthreads", 1) for w in self.client.scheduler_info(n_workers=-1)["workers"].values())
        self.workers = max(1, n)

    def map(self, tasks, fn=run_task):
        from distributed import as_completed

        tasks = iter(tasks)
        window = 2 * self.workers
        futures = {}
        for task in tasks:
            futures[self.client.submit(fn, task, pure=False, key=f"run-{task.run_id}-{os.urandom(4).hex()}")] = task
            if len(futures) >= window:
                break
        ac = as_completed(list(futures), loop=self.client.loop)
        for fut in ac:
            task = futures.pop(fut)
            try:
                yield fut.result()
            except Exception as e:  # noqa: BLE001 - e.g. KilledWorker: record it and go on
                yield _lost(task, f"{type(e).__name__}: {e}")
            fut.release()
            nxt = next(tasks, None)
            if nxt is not None:
                new = self.client.submit(fn, nxt, pure=False, key=f"run-{nxt.run_id}-{os.urandom(4).hex()}")
                futures[new] = nxt
                ac.add(new)

    def close(self):
        self.client.close()


def worth_a_pool(pilot_seconds: float, remaining: int, workers: int) -> bool:
    """Whether a pool of ``workers`` saves more time than it costs to start."""
    if workers < 2 or remaining < 2:
        return False
    serial = pilot_seconds * remaining
    return serial * (1 - 1 / min(workers, remaining)) > POOL_STARTUP_SECONDS
