"""Running tasks into a store: the one loop that sweeps and panels share.

A sweep's runs and a panel's county batches are both tasks that an executor (serial, local processes
or Dask; ``experiments.core.runner``) maps over, and whose results go into the same resumable store
(``experiments.core.store``). ``run_tasks`` does what both need, in one place: check the folder, open and
lock it, say what it repaired or took over, set damaged results aside, skip what is finished, run the
rest with a progress bar, stop cleanly on SIGTERM (``Interrupted``), write the runs table and release
the lock whatever happens.
"""

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .runner import DaskExecutor, ProcessExecutor, SerialExecutor
from .store import Store, StoreMismatch, git_commit, package_versions


class Interrupted(BaseException):
    """The driver was asked to stop (SIGTERM). A BaseException, so that no run records it as its own
    failure; the sweep or panel shuts down cleanly and can be resumed."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum

    def __str__(self):
        return f"interrupted by {signal.Signals(self.signum).name}"


@contextmanager
def stop_on_sigterm():
    """SIGTERM raises ``Interrupted`` in the driver (main thread only), so that the ``finally``
    blocks stop the workers, write the runs table and release the lock. A second SIGTERM is not caught."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check_workers(workers) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")


def check_folder(store: Store, out: Path, fingerprint: str) -> None:
    """Refuse a folder that holds another sweep or panel, before anything is created."""
    existing = store.check_target()
    if existing is not None and existing["fingerprint"] != fingerprint:
        raise StoreMismatch(f"{out} holds {existing.get('name')!r} with a different spec; give another --out "
                            "folder (or delete this one) to start afresh")


@dataclass
class Session:
    """What one call of ``run_tasks`` did."""

    total: int
    skipped: int = 0  # finished before this session
    ran: int = 0  # tasks this session (ok or failed)
    failed: int = 0
    executor: str = "none"
    damaged: list = field(default_factory=list)  # set aside as damaged this session (then redone)


@dataclass
class Job:
    """One sweep or panel as ``run_tasks`` runs it.

    name, fingerprint, manifest, tables: what ``Store.open`` records. total: tasks in all.
    tasks(done): the tasks still to run, given the run ids already finished. write(store, result):
    stores one result. fn: the task function the executor maps (None: the sweep's ``run_task``).
    expect(run_id): (point_id, replicate, seed) the job gives that run, None for a run id it does not have (a
    record that disagrees is set aside and redone). opened(): called once the folder is locked.
    finish(complete): called, lock held, before the runs
    table is written; ``complete`` is true when every task has finished ok.
    """

    name: str
    fingerprint: str
    manifest: dict
    tables: dict
    total: int
    tasks: Callable[[set], Iterable]
    write: Callable
    fn: Callable | None = None
    unit: str = "run"
    expect: Callable[[str], tuple | None] | None = None
    opened: Callable[[], None] = lambda: None
    finish: Callable[[bool], None] = lambda complete: None


def run_tasks(job: Job, store: Store, out: Path, *, workers: int, scheduler=None, quiet=False,
              max_retries: int = 2) -> Session:
    """Run ``job``'s unfinished tasks into ``store`` (see the module's docstring). SIGTERM stops it
    cleanly (``Interrupted``); a resumed call redoes only what is missing, failed or damaged."""
    session = Session(job.total)
    started = time.perf_counter()
    with stop_on_sigterm():
        executor = DaskExecutor(scheduler) if scheduler else None
        bar = None
        completed = False
        try:
            store.open(job.name, job.fingerprint,
                       {**job.manifest, "total_runs": job.total, "git": git_commit(), "packages": package_versions()},
                       job.tables)
            if store.lock.stale:
                say(f"{out}: took over the lock left by {store.lock.who(store.lock.stale)}, which is no longer running")
            for name in store.repaired:
                say(f"{out}: {name} was damaged; written again from the spec")
            job.opened()
            scan = store.scan(job.expect)
            for d in scan.damaged:
                dest = store.set_aside(d)
                session.damaged.append(d.run_id)
                say(f"{out}: {job.unit} {d.run_id} is damaged ({d.problem}); set aside in "
                    f"{dest.relative_to(out)} and redone")
            done = set(scan.finished)
            session.skipped = len(done)
            remaining = job.total - len(done)
            bar = tqdm(total=job.total, initial=len(done), unit=job.unit, desc=job.name, disable=quiet,
                       dynamic_ncols=True, smoothing=0.1)
            if executor is None:
                executor = ProcessExecutor(min(workers, max(remaining, 1)), max_retries) if workers >= 2 \
                    else SerialExecutor()
            session.executor = executor.name
            bar.set_postfix_str(executor.name, refresh=False)
            mapped = executor.map(job.tasks(done)) if job.fn is None else executor.map(job.tasks(done), fn=job.fn)
            for result in mapped:
                job.write(store, result)
                session.ran += 1
                session.failed += result["record"]["status"] != "ok"
                bar.update(1)
            completed = True
        finally:
            if bar is not None:
                bar.close()
            if executor is not None:
                executor.close()
            try:
                if store.lock.held:
                    job.finish(completed and session.skipped + session.ran - session.failed == job.total)
                    store.runs_table()
                    store.end_session(wall_time=round(time.perf_counter() - started, 1), ran=session.ran,
                                      executor=session.executor, workers=getattr(executor, "workers", 1),
                                      completed=completed)
            except OSError:
                if completed:  # otherwise the error that stopped the run is the one to report
                    raise
            finally:
                store.close()
    return session
