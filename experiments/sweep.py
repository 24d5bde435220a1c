"""The Python API: run (or resume) a sweep, and ask how far it got.

    from experiments import run_sweep, sweep_status
    run_sweep("experiments/specs/smoke.toml", out="results/smoke", workers=2)

The command line (``python -m experiments``) is a thin layer over these functions.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from .design import build_design
from .runner import DaskExecutor, ProcessExecutor, SerialExecutor, Task, run_id, run_seed, worth_a_pool
from .spec import Spec, load_spec, run_parameters
from .store import Store


def tasks_for(spec: Spec, points=None) -> list:
    """Every run of the sweep: points x replicates, in a fixed order.

    A run's seed is the SeedSequence child (point_id, replicate) of the root seed; with
    ``common_random_numbers`` it is the child (0, replicate) for every point, so that points are
    compared on the same random streams (paired comparisons, less noise in sensitivity indices).
    """
    points = build_design(spec) if points is None else points
    out = []
    for pid, params in zip(points["point_id"], run_parameters(spec, points), strict=True):
        for rep in range(spec.replications):
            seed = run_seed(spec.seed, 0 if spec.common_random_numbers else int(pid), rep)
            out.append(Task(run_id(int(pid), rep), int(pid), rep, seed, params,
                            spec.steps, spec.collect_every, spec.outputs, spec.event_log, spec.factory))
    return out


@dataclass
class SweepResult:
    out: Path
    total: int
    skipped: int
    ran: int
    failed: int
    executor: str
    wall_time: float

    def __str__(self):
        return (f"{self.out}: {self.ran} runs this session ({self.failed} failed), {self.skipped} already "
                f"finished, {self.total} in all; executor {self.executor}; {self.wall_time:.1f} s")


def run_sweep(spec, out=None, workers=None, scheduler=None, quiet=False, pool="auto") -> SweepResult:
    """Run a sweep, or resume it: finished runs are skipped; missing and failed ones are (re)done.

    spec: a path to a TOML file or a parsed ``Spec``. out: the folder (default ``results/<name>``).
    workers: local processes (default: the cores); 1 runs serially. scheduler: ``tcp://HOST:PORT`` of a
    Dask cluster. pool: "auto" starts a pool only when the runs are long enough to pay for it;
    "always" starts it regardless (tests).
    """
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    out = Path(out) if out is not None else Path("results") / spec.name
    points = build_design(spec)
    tasks = tasks_for(spec, points)
    store = Store(out)
    store.open(spec, points, len(tasks))
    done = store.finished()
    todo = [t for t in tasks if t.run_id not in done]
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), unit="run", desc=spec.name, disable=quiet,
               dynamic_ncols=True, smoothing=0.1)
    failed = 0
    executor = None

    def record(result):
        nonlocal failed
        store.write(result)
        failed += result["record"]["status"] != "ok"
        bar.update(1)

    try:
        if scheduler:
            executor = DaskExecutor(scheduler)
        elif workers < 2 or len(todo) < 2:
            executor = SerialExecutor()
        elif pool == "always":
            executor = ProcessExecutor(workers)
        else:  # a pilot run in this process tells whether a pool pays for itself
            first = SerialExecutor().map(todo[:1])
            result = next(first)
            record(result)
            todo = todo[1:]
            pilot = result["record"]["wall_time"]
            executor = ProcessExecutor(min(workers, len(todo))) if worth_a_pool(pilot, len(todo), workers) \
                else SerialExecutor()
        bar.set_postfix_str(executor.name, refresh=False)
        for result in executor.map(todo):
            record(result)
    finally:
        bar.close()
        if executor is not None:
            executor.close()
        store.runs_table()
    return SweepResult(out, len(tasks), len(done), len(tasks) - len(done), failed,
                       executor.name if executor else "none", time.perf_counter() - t0)


def sweep_status(out) -> dict:
    """How far a sweep got: counts by status, time spent, failures."""
    store = Store(out)
    if not store.exists():
        raise FileNotFoundError(f"{out}: no sweep here (no manifest.json)")
    manifest = store.manifest()
    recs = store.records()
    total = manifest["total_runs"]
    ok = int((recs["status"] == "ok").sum()) if len(recs) else 0
    failed = recs[recs["status"] != "ok"] if len(recs) else recs
    wall = recs["wall_time"].astype(float) if len(recs) else None
    return {"name": manifest["name"], "total": total, "ok": ok, "failed": len(failed),
            "missing": total - ok - len(failed), "run_seconds": float(wall.sum()) if wall is not None else 0.0,
            "mean_run_seconds": float(wall.mean()) if wall is not None and len(wall) else float("nan"),
            "failures": failed[["run_id", "error"]].to_dict("records") if len(failed) else [],
            "git": manifest["git"], "created": manifest["created"], "sessions": len(manifest["sessions"])}


def format_status(s: dict) -> str:
    lines = [f"sweep {s['name']}: {s['ok']}/{s['total']} finished, {s['failed']} failed, {s['missing']} missing",
             f"  run time so far {s['run_seconds']:.1f} s (mean {s['mean_run_seconds']:.2f} s per run); "
             f"{s['sessions']} session(s); created {s['created']}; commit {s['git'].get('commit')}"]
    if s["missing"] or s["failed"]:
        lines.append("  run the same `python -m experiments run` again to finish it (failed runs are redone)")
    for f in s["failures"][:20]:
        lines.append(f"  FAILED {f['run_id']}: {f['error']}")
    if len(s["failures"]) > 20:
        lines.append(f"  ... and {len(s['failures']) - 20} more (see runs.parquet)")
    return "\n".join(lines)
