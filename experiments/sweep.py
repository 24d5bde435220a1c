"""The Python API: run (or resume) a sweep, and ask how far it got.

    from experiments import run_sweep, sweep_status
    run_sweep("experiments/specs/smoke.toml", out="results/smoke", workers=2)

The command line (``python -m experiments``) is a thin layer over these functions.
"""

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .design import build_design
from .runner import DaskExecutor, ProcessExecutor, SerialExecutor, Task, run_id, run_seed
from .spec import DEFAULT_LIMITS, Spec, load_spec, run_parameters
from .store import Store, StoreMismatch, git_commit, package_versions


class SweepInterrupted(BaseException):
    """The driver was asked to stop (SIGTERM). A BaseException, so that no run records it as its own
    failure; the sweep shuts down cleanly and can be resumed."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum

    def __str__(self):
        return f"interrupted by {signal.Signals(self.signum).name}"


def tasks_for(spec: Spec, points=None):
    """Every run of the sweep, lazily: points x replicates, in a fixed order.

    A run's seed is the SeedSequence child (point_id, replicate) of the root seed; with
    ``common_random_numbers`` it is the child (0, replicate) for every point, so that points are
    compared on the same random streams (paired comparisons, less noise in sensitivity indices).
    """
    points = build_design(spec) if points is None else points
    factory = spec.entry.factory
    for pid, params in zip(points["point_id"], run_parameters(spec, points), strict=True):
        for rep in range(spec.replications):
            seed = run_seed(spec.seed, 0 if spec.common_random_numbers else int(pid), rep)
            yield Task(run_id(int(pid), rep), int(pid), rep, seed, params, spec.steps, spec.collect_every,
                       spec.outputs, spec.event_log, factory)


@dataclass
class SweepResult:
    out: Path
    total: int
    skipped: int
    ran: int
    failed: int
    executor: str
    wall_time: float
    damaged: list = field(default_factory=list)  # runs set aside as damaged this session (then redone)

    def __str__(self):
        extra = f", {len(self.damaged)} damaged runs set aside and redone" if self.damaged else ""
        return (f"{self.out}: {self.ran} runs this session ({self.failed} failed{extra}), {self.skipped} already "
                f"finished, {self.total} in all; executor {self.executor}; {self.wall_time:.1f} s")


@contextmanager
def _stop_on_sigterm():
    """SIGTERM raises ``SweepInterrupted`` in the driver (main thread only), so that the ``finally``
    blocks stop the workers, write the runs table and release the lock. A second SIGTERM is not caught."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise SweepInterrupted(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_sweep(spec, out=None, workers=None, scheduler=None, quiet=False, limits=DEFAULT_LIMITS,
              max_retries: int = 2) -> SweepResult:
    """Run a sweep, or resume it: finished runs are skipped; missing, failed and damaged ones are (re)done.

    spec: a path to a TOML file or a parsed ``Spec``. out: the folder (default ``results/<name>``).
    workers: local processes (default: the cores); 1 runs serially in this process; with 2 or more no
    model code runs in this process. scheduler: ``tcp://HOST:PORT`` of a Dask cluster. limits: the
    size limits a spec file is held to (``spec.Limits``). max_retries: how often a run whose worker
    process died is tried again before it is recorded as failed.

    Everything is checked before anything is created: the spec, the folder (not a file, not a
    foreign non-empty folder, not another sweep) and the scheduler. Then the folder is locked.
    """
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, Spec) else load_spec(spec, limits=limits)
    out = Path(out) if out is not None else Path("results") / spec.name
    workers = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    store = Store(out)
    existing = store.check_target()
    if existing is not None and existing["fingerprint"] != spec.fingerprint():
        raise StoreMismatch(f"{out} holds {existing.get('name')!r} with a different spec; give another --out "
                            "folder (or delete this one) to start afresh")
    with _stop_on_sigterm():
        return _run(spec, out, store, workers, scheduler, quiet, max_retries, t0)


def _run(spec, out, store, workers, scheduler, quiet, max_retries, t0) -> SweepResult:
    executor = DaskExecutor(scheduler) if scheduler else None
    bar = None
    scan = None
    failed = 0
    damaged = []
    completed = False
    try:
        points = build_design(spec)
        store.open(spec.name, spec.fingerprint(),
                   {"spec": spec.to_dict(), "model": spec.model, "outputs": list(spec.outputs),
                    "total_runs": spec.n_runs, "git": git_commit(), "packages": package_versions()},
                   {"points.parquet": points})
        if store.lock.stale:
            s = store.lock.stale
            _say(f"{out}: took over the lock left by pid {s.get('pid')} on {s.get('host')} (since "
                 f"{s.get('since')}), which is no longer running")
        for name in store.repaired:
            _say(f"{out}: {name} was damaged; written again from the spec")
        scan = store.scan()
        for d in scan.damaged:
            dest = store.set_aside(d)
            damaged.append(d.run_id)
            _say(f"{out}: run {d.run_id} is damaged ({d.problem}); set aside in {dest.relative_to(out)} and redone")
        done = set(scan.finished)
        todo = (t for t in tasks_for(spec, points) if t.run_id not in done)
        remaining = spec.n_runs - len(done)
        bar = tqdm(total=spec.n_runs, initial=len(done), unit="run", desc=spec.name, disable=quiet,
                   dynamic_ncols=True, smoothing=0.1)
        if executor is None:
            executor = ProcessExecutor(min(workers, max(remaining, 1)), max_retries) if workers >= 2 \
                else SerialExecutor()
        bar.set_postfix_str(executor.name, refresh=False)
        for result in executor.map(todo):
            store.write(result)
            failed += result["record"]["status"] != "ok"
            bar.update(1)
        completed = True
    finally:
        if bar is not None:
            bar.close()
        if executor is not None:
            executor.close()
        try:
            if store.lock.held:
                store.runs_table()
        except OSError:
            if completed:  # otherwise the error that stopped the sweep is the one to report
                raise
        finally:
            store.close()
    return SweepResult(out, spec.n_runs, len(done), spec.n_runs - len(done), failed, executor.name,
                       time.perf_counter() - t0, damaged)


def sweep_status(out, parts=("data", "events")) -> dict:
    """How far a sweep got: counts by status, time spent, failures and damaged runs (checked, not moved).
    ``parts``: the per-run file kinds of this store (a panel keeps "data" and "quarters")."""
    store = Store(out, parts=parts)
    if not store.root.is_dir() or not store.exists():
        raise FileNotFoundError(f"{out}: no sweep here (no manifest.json)")
    manifest = store.manifest()
    scan = store.scan()
    recs = store.records(scan)
    total = manifest["total_runs"]
    ok = len(scan.finished)
    failed = recs[recs["status"] != "ok"] if len(recs) else recs
    wall = recs["wall_time"].astype(float) if len(recs) else None
    return {"name": manifest["name"], "total": total, "ok": ok, "failed": len(failed),
            "damaged": [{"run_id": d.run_id, "problem": d.problem} for d in scan.damaged],
            "missing": total - ok - len(failed) - len(scan.damaged),
            "run_seconds": float(wall.sum()) if wall is not None else 0.0,
            "mean_run_seconds": float(wall.mean()) if wall is not None and len(wall) else float("nan"),
            "failures": failed[["run_id", "error"]].to_dict("records") if len(failed) else [],
            "git": manifest.get("git") or {}, "created": manifest["created"],
            "sessions": len(manifest["sessions"])}


def format_status(s: dict) -> str:
    damaged = f", {len(s['damaged'])} damaged" if s["damaged"] else ""
    lines = [f"sweep {s['name']}: {s['ok']}/{s['total']} finished, {s['failed']} failed, {s['missing']} missing"
             f"{damaged}",
             f"  run time so far {s['run_seconds']:.1f} s (mean {s['mean_run_seconds']:.2f} s per run); "
             f"{s['sessions']} session(s); created {s['created']}; commit {s['git'].get('commit')}"]
    if s["missing"] or s["failed"] or s["damaged"]:
        lines.append("  run the same `python -m experiments run` again to finish it (failed and damaged runs are "
                     "redone; damaged files are set aside in damaged/)")
    for d in s["damaged"][:20]:
        lines.append(f"  DAMAGED {d['run_id']}: {d['problem']}")
    if len(s["damaged"]) > 20:
        lines.append(f"  ... and {len(s['damaged']) - 20} more damaged")
    for f in s["failures"][:20]:
        lines.append(f"  FAILED {f['run_id']}: {f['error']}")
    if len(s["failures"]) > 20:
        lines.append(f"  ... and {len(s['failures']) - 20} more (see runs.parquet)")
    return "\n".join(lines)
