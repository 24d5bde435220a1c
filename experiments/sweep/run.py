"""The Python API: run (or resume) a sweep, and ask how far it got.

    from experiments import run_sweep, sweep_status
    run_sweep("experiments/specs/smoke.toml", out="results/smoke", workers=2)

The command line (``python -m experiments``) is a thin layer over these functions.
"""

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.execute import Interrupted, Job, check_folder, check_workers, run_tasks
from ..core.runner import Task, run_id, run_seed, start_forkserver
from ..core.status import format_store_status, store_status
from ..core.store import Store
from .design import build_design
from .spec import DEFAULT_LIMITS, Spec, load_spec, run_parameters

RUN = re.compile(r"p(\d+)-r(\d+)")  # a sweep's run id (core.runner.run_id)

SweepInterrupted = Interrupted  # the name the command line and older callers know


def tasks_for(spec: Spec, points=None):
    """Every run of the sweep, lazily: points x replicates, in a fixed order.

    A run's seed is the SeedSequence child (point_id, replicate) of the root seed; with
    ``common_random_numbers`` it is the child (0, replicate) for every point, so that points are
    compared on the same random streams (paired comparisons, less noise in sensitivity indices);
    in a posterior or LHS design, the child (draw, replicate): the presets of one draw (sample row) share
    their seeds and each draw has seeds of its own (``seed_keys``). Those designs run draw by draw (all presets of
    row 0, then row 1, ...), so the finished draws of a stopped sweep are a smaller sample of the same design.
    """
    points = build_design(spec) if points is None else points
    if spec.design.method in DRAWN and "sample_row" in points:  # draw by draw: a sweep stopped early leaves
        points = points.sort_values(["sample_row", "point_id"], kind="stable")  # whole draws, a sample of its own
    factory = spec.entry.factory
    keys = seed_keys(spec, points)
    for pid, params in zip(points["point_id"], run_parameters(spec, points), strict=True):
        for rep in range(spec.replications):
            seed = run_seed(spec.seed, keys[int(pid)], rep)
            yield Task(run_id(int(pid), rep), int(pid), rep, seed, params, spec.steps, spec.collect_every,
                       spec.outputs, spec.event_log, factory, spec.entry.selects_reporters)


DRAWN = ("posterior", "lhs")  # designs whose sample rows are independent draws: seeded per row under CRN


def seed_keys(spec: Spec, points) -> dict:
    """point_id -> the first key of its runs' seeds: the point itself; with common random numbers 0 (every
    point shares seeds), or in a design whose rows are independent draws (posterior, LHS: ``DRAWN``) the
    draw (``sample_row``), so that the presets crossed with a draw are paired and the draws do not share their
    seeds (the spread between draws is then parameters and seeds, the spread within a draw seeds alone; the
    given-data indices of an LHS design, ``rbd_fast``, then average over counties, not one county's dice)."""
    ids = points["point_id"].astype(int)
    if not spec.common_random_numbers:
        return dict(zip(ids, ids, strict=True))
    if spec.design.method in DRAWN and "sample_row" in points:
        return dict(zip(ids, points["sample_row"].astype(int), strict=True))
    return dict.fromkeys(ids, 0)


def expected_runs(spec: Spec, points) -> Callable:
    """run id -> (point_id, replicate, seed) this spec gives it (None: not a run of this spec)."""
    ids = {int(p) for p in points["point_id"]}
    keys = seed_keys(spec, points)

    def expect(run):
        m = RUN.fullmatch(run)
        if m is None or int(m[1]) not in ids or int(m[2]) >= spec.replications or run_id(int(m[1]), int(m[2])) != run:
            return None
        pid, rep = int(m[1]), int(m[2])
        return pid, rep, run_seed(spec.seed, keys[pid], rep)
    return expect


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
    check_workers(workers)
    if workers >= 2 and scheduler is None:
        start_forkserver()  # its imports overlap the design's build below
    store = Store(out)
    check_folder(store, out, spec.fingerprint())
    points = build_design(spec)
    job = Job(spec.name, spec.fingerprint(),
              {"spec": spec.to_dict(), "model": spec.model, "outputs": list(spec.outputs)},
              {"points.parquet": points}, spec.n_runs,
              tasks=lambda done: (t for t in tasks_for(spec, points) if t.run_id not in done),
              write=lambda st, result: st.write(result), expect=expected_runs(spec, points))
    session = run_tasks(job, store, out, workers=workers, scheduler=scheduler, quiet=quiet, max_retries=max_retries)
    return SweepResult(out, spec.n_runs, session.skipped, spec.n_runs - session.skipped, session.failed,
                       session.executor, time.perf_counter() - t0, session.damaged)


def sweep_status(out) -> dict:
    """How far a sweep got: counts by status, time spent, failures and damaged runs (checked, not moved)."""
    return store_status(out, ("data", "events"))


def format_status(s: dict) -> str:
    return format_store_status(s, f"sweep {s['name']}", "python -m experiments run")
