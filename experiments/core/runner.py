"""Executing runs: one run as a pure function, and three ways to execute many.

``run_task`` builds a model, steps it and returns its collected rows (never raises: a failure
comes back as a record with the traceback). The executors only differ in where that function
runs: ``SerialExecutor`` in this process, ``ProcessExecutor`` in local worker processes (a run
whose worker dies is retried, then recorded as failed), ``DaskExecutor`` on a Dask distributed
cluster. Each keeps a bounded number of runs in flight and yields results as they finish, so
memory stays flat. A task carries the model's factory itself (a registered model, pickled by
reference between our own processes), never a name to import.
"""

import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np


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
    factory: object  # the registered model's factory: factory(rng=seed, **params)
    select_reporters: bool = False  # the factory takes reporters= and records only the outputs


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
              "host": socket.gethostname(), "pid": os.getpid(), "worker_deaths": 0}
    data = events = None
    try:
        chosen = {"reporters": task.outputs} if task.select_reporters else {}
        model = task.factory(rng=task.seed, **chosen, **task.params)
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
    except (Exception, SystemExit) as e:  # noqa: BLE001 - every failure is recorded, the sweep goes on
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        data = events = None
    record["wall_time"] = time.perf_counter() - t0
    record["finished"] = _now()
    return {"record": record, "data": data, "events": events}


def _lost(task: Task, error: str) -> dict:
    """A run whose worker died under it (recorded as failed; a resume redoes it)."""
    return {"record": {"run_id": task.run_id, "point_id": task.point_id, "replicate": task.replicate,
                       "seed": task.seed, "status": "failed", "error": error, "traceback": error,
                       "started": None, "host": None, "pid": None, "worker_deaths": 0, "wall_time": float("nan"),
                       "finished": _now()},
            "data": None, "events": None}


class SerialExecutor:
    """Runs in this process, one after another."""

    workers = 1
    name = "serial"

    def map(self, tasks, fn=run_task, lookahead: int | None = None):  # noqa: ARG002 - reads one task at a time
        for task in tasks:
            yield fn(task)

    def close(self):
        pass


def describe_exit(exitcode) -> str:
    """``signal 9 (SIGKILL)`` or ``exit code 3`` for a process's exit status."""
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        try:
            return f"signal {-exitcode} ({signal.Signals(-exitcode).name})"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def _die_with_the_driver(lifeline) -> None:
    """Make this worker exit when the driver does, however the driver ends.

    ``lifeline`` is the read end of a pipe whose only write end the driver holds: when the driver
    dies the kernel closes it and a watcher thread here sees end-of-file. On Linux the worker also
    asks for SIGKILL when its parent (the forkserver, which itself exits with the driver) dies,
    which works even while a run holds the GIL.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch():
        try:
            lifeline.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(70)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def _worker_main(conn, lifeline) -> None:
    """A pool worker: one task at a time from the driver, until it says stop or goes away."""
    _die_with_the_driver(lifeline)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from model.threads import pin_process

    pin_process()  # this process runs only models: one BLAS thread, set once (model/threads.py)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, task = message
        conn.send(fn(task))


def _take(ahead: deque, seeds) -> "Task":
    """The first task read ahead whose seed the worker has had (runs of one seed that differ only in the
    program's levers share a spin-up, which the worker keeps: model/spin_up.py), else the oldest. Which worker
    runs a task changes no number."""
    for i, task in enumerate(ahead):
        if getattr(task, "seed", None) in seeds:
            del ahead[i]
            return task
    return ahead.popleft()


@dataclass
class _Worker:
    process: object
    conn: object
    lifeline: object
    task: "Task | None" = None
    seeds: set = field(default_factory=set)  # the seeds of the runs it has had (their spin-ups are in its cache)


PRELOAD = ("experiments.core.runner", "model")  # the forkserver imports once, then forks


def start_forkserver() -> None:
    """Start the local pool's forkserver now, if it is not running: it imports ``PRELOAD`` (the model and
    Mesa, about a second) while the driver goes on preparing the job, instead of after it, before the first
    worker can start. Returns at once."""
    import multiprocessing as mp
    from multiprocessing import forkserver

    mp.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
    forkserver.ensure_running()


class ProcessExecutor:
    """A local pool of worker processes (forkserver), one run per worker at a time.

    Because each worker holds one run, a worker that dies (SIGKILL, out of memory, a crash in C
    code) is blamed on that run only: the worker is replaced and the run is tried again, up to
    ``max_retries`` times, then recorded as failed ("worker died: signal 9 (SIGKILL)"). The other
    runs go on. No model code runs in the driver. The workers are in the driver's process group and
    exit when the driver does (see ``_die_with_the_driver``).
    """

    name = "processes"
    LOOKAHEAD = 256  # tasks read ahead of the workers (a sweep's tasks are small; a panel's are few)

    def __init__(self, workers: int, max_retries: int = 2):
        import multiprocessing as mp

        self.workers = workers
        self.max_retries = max_retries
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(list(PRELOAD))
        self._pool: list[_Worker] = []

    def _start(self) -> _Worker:
        conn, child_conn = self.ctx.Pipe(duplex=True)
        life_r, life_w = self.ctx.Pipe(duplex=False)
        process = self.ctx.Process(target=_worker_main, args=(child_conn, life_r), daemon=True,
                                   name="sweep-worker")
        try:
            process.start()
        except BaseException:
            for c in (conn, child_conn, life_r, life_w):
                c.close()
            raise
        child_conn.close()
        life_r.close()
        worker = _Worker(process, conn, life_w)
        self._pool.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        self._pool.remove(worker)
        for c in (worker.conn, worker.lifeline):
            c.close()
        worker.process.join(timeout=5)

    def map(self, tasks, fn=run_task, lookahead: int | None = None):
        """Run ``fn`` on each task; yield the results as they finish. Up to ``lookahead`` tasks (default
        ``LOOKAHEAD``) are read from ``tasks`` ahead of the workers, so that an idle worker can take one whose
        seed it has had. A source that decides as results come in when to stop (a calibration's generation)
        passes ``lookahead=0``: a task is then read only when a worker is free for it, and at most one
        task per worker runs past the stop. Otherwise a worker that finishes gets its next task before its
        result is handed on, so it does not wait while the caller stores the result."""
        from multiprocessing.connection import wait as wait_for

        limit = self.LOOKAHEAD if lookahead is None else lookahead
        tasks = iter(tasks)
        ahead = deque()  # tasks read ahead, so that an idle worker can take one whose seed it has had
        retry = []  # tasks whose worker died under them
        deaths = {}  # run_id -> how many workers died running it
        exhausted = False
        received = []  # results not yet handed on
        while True:
            if limit == 0:  # the source sees every result before a worker takes its next task
                done, received = received, []
                yield from done
            idle = [w for w in self._pool if w.task is None]
            while True:
                free = bool(idle) or len(self._pool) < self.workers
                while not exhausted and (len(ahead) < limit or (free and not ahead and not retry)):
                    nxt = next(tasks, None)
                    if nxt is None:
                        exhausted = True
                    else:
                        ahead.append(nxt)
                if not (ahead or retry) or not free:
                    break
                worker = idle.pop() if idle else None
                task = retry.pop(0) if retry else _take(ahead, worker.seeds if worker else ())
                try:
                    worker = worker or self._start()
                except (EOFError, OSError) as e:  # the forkserver died as a worker started: a worker death
                    n = deaths[task.run_id] = deaths.get(task.run_id, 0) + 1
                    if n <= self.max_retries:
                        retry.append(task)  # the next start brings up a new forkserver
                    else:
                        lost = _lost(task, f"worker could not start: {type(e).__name__}: {e} (tried {n} times)")
                        lost["record"]["worker_deaths"] = n
                        yield lost
                    continue
                try:
                    worker.conn.send((fn, task))
                except OSError:  # it died while idle (out of memory, say): replace it
                    self._retire(worker)
                    worker = self._start()
                    worker.conn.send((fn, task))
                worker.task = task
                worker.seeds.add(getattr(task, "seed", None))
            done, received = received, []
            yield from done  # the workers that finished have their next task by now
            busy = [w for w in self._pool if w.task is not None]
            if not busy:
                return
            by_handle = {}
            for w in busy:
                by_handle[w.conn] = w
                by_handle[w.process.sentinel] = w
            ready = wait_for(list(by_handle))
            for worker in {id(by_handle[h]): by_handle[h] for h in ready}.values():
                task = worker.task
                result, died = None, False
                try:
                    if worker.conn.poll():
                        result = worker.conn.recv()
                except (EOFError, OSError):
                    died = True
                if result is not None:
                    worker.task = None
                    result["record"]["worker_deaths"] = deaths.get(task.run_id, 0)
                    received.append(result)
                    continue
                if not died and worker.process.is_alive():
                    continue
                worker.process.join(timeout=5)
                cause = describe_exit(worker.process.exitcode)
                self._retire(worker)
                n = deaths[task.run_id] = deaths.get(task.run_id, 0) + 1
                if n <= self.max_retries:
                    retry.append(task)
                else:
                    lost = _lost(task, f"worker died: {cause} (tried {n} times)")
                    lost["record"]["worker_deaths"] = n
                    received.append(lost)

    def close(self):
        for w in list(self._pool):
            try:
                if w.task is None:
                    w.conn.send(None)
                else:
                    w.process.terminate()
            except (OSError, ValueError):
                pass
        for w in list(self._pool):
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
            self._retire(w)


class SchedulerError(RuntimeError):
    """The Dask scheduler cannot be used; the message says why."""


def check_scheduler(address: str, timeout: float = 5) -> None:
    """Refuse a malformed or unreachable scheduler address at once (before anything is created)."""
    m = re.fullmatch(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})", address or "")
    if not m or not 0 < int(m.group(3)) < 65536:
        raise SchedulerError(f"--scheduler {address!r}: give the scheduler's address as tcp://HOST:PORT")
    try:
        socket.create_connection((m.group(2).strip("[]"), int(m.group(3))), timeout=timeout).close()
    except OSError as e:
        raise SchedulerError(f"--scheduler {address}: cannot connect ({e.strerror or e})") from None


class DaskExecutor:
    """Runs on a Dask distributed cluster at ``address`` (``tcp://HOST:PORT``).

    Workers must be able to import ``experiments`` and ``model`` (start them in the repository,
    or with it on PYTHONPATH). Dask itself reruns the tasks of a worker that dies.
    """

    name = "dask"

    def __init__(self, address: str, timeout: float = 30):
        from distributed import Client

        check_scheduler(address)
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise SchedulerError(f"--scheduler {address}: no Dask scheduler answered ({e})") from None
        n = sum(w.get("nthreads", 1) for w in self.client.scheduler_info(n_workers=-1)["workers"].values())
        self.workers = max(1, n)

    def map(self, tasks, fn=run_task, lookahead: int | None = None):  # noqa: ARG002 - its window is 2 per worker
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
                died = "worker died: " if type(e).__name__ == "KilledWorker" else ""
                yield _lost(task, f"{died}{type(e).__name__}: {e}")
            fut.release()
            nxt = next(tasks, None)
            if nxt is not None:
                new = self.client.submit(fn, nxt, pure=False, key=f"run-{nxt.run_id}-{os.urandom(4).hex()}")
                futures[new] = nxt
                ac.add(new)

    def close(self):
        self.client.close()
