"""The Python API: run (or resume) a sweep, and ask how far it got.

    from experiments import run_sweep, sweep_status
    run_sweep("experiments/specs/smoke.toml", out="results/smoke", workers=2)

The command line (``python -m experiments``) is a thin layer over these functions.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .design import build_design
from .execute import Interrupted, Job, check_folder, check_workers, run_tasks
from .runner import Task, run_id, run_seed
from .spec import DEFAULT_LIMITS, Spec, load_spec, run_parameters
from .store import Store

SweepInterrupted = Interrupted  # the name the command line and older callers know


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
    store = Store(out)
    check_folder(store, out, spec.fingerprint())
    points = build_design(spec)
    job = Job(spec.name, spec.fingerprint(),
              {"spec": spec.to_dict(), "model": spec.model, "outputs": list(spec.outputs)},
              {"points.parquet": points}, spec.n_runs,
              tasks=lambda done: (t for t in tasks_for(spec, points) if t.run_id not in done),
              write=lambda st, result: st.write(result))
    session = run_tasks(job, store, out, workers=workers, scheduler=scheduler, quiet=quiet, max_retries=max_retries)
    return SweepResult(out, spec.n_runs, session.skipped, spec.n_runs - session.skipped, session.failed,
                       session.executor, time.perf_counter() - t0, session.damaged)


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
