"""Running a panel, or resuming it: the design's tasks into the store, through the loop sweeps use."""

import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..core.execute import Job, check_folder, check_workers, run_tasks
from ..core.runner import start_forkserver
from ..core.schema import DEFAULT_LIMITS
from ..core.store import write_json, write_parquet
from .coupled import run_area_task
from .design import batch_table, build_design, panel_tasks
from .results import load_panel, panel_store
from .spec import PanelSpec, load_panel_spec
from .tasks import run_panel_task

CHECKPOINTS = "periods"  # a coupled task's latest period, under the panel's folder (panel.coupled)


@dataclass
class PanelResult:
    out: Path
    total: int
    skipped: int
    ran: int
    failed: int
    executor: str
    wall_time: float
    county_weeks: int

    def __str__(self):
        rate = self.county_weeks / self.wall_time if self.wall_time else float("nan")
        return (f"{self.out}: {self.ran} tasks this session ({self.failed} failed), {self.skipped} already finished, "
                f"{self.total} in all; executor {self.executor}; {self.wall_time:.1f} s; "
                f"{self.county_weeks:,} county-weeks this session ({rate:,.0f}/s, twins included once)")


def run_panel(spec, out=None, workers=None, scheduler=None, quiet=False, max_retries: int = 2,
              limits=None) -> PanelResult:
    """Run a panel, or resume it: finished tasks are skipped; missing, failed and damaged ones are (re)done.

    spec: a TOML path or a ``PanelSpec``. out: the folder (default ``results/<name>``). workers: local
    processes (default: the cores; 1 = serial). scheduler: ``tcp://HOST:PORT`` of a Dask cluster. The
    panel lives in the same store as sweeps: one lock per folder, and every task's files are checked
    against their recorded sizes and checksums on resume. limits: the sizes refused (``core.schema.Limits``;
    default the sweep's defaults), checked before anything is built.
    """
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, PanelSpec) else load_panel_spec(spec, limits or DEFAULT_LIMITS)
    out = Path(out) if out is not None else Path("results") / spec.name
    workers = (os.cpu_count() or 1) if workers is None else workers
    check_workers(workers)
    if workers >= 2 and scheduler is None:
        start_forkserver()  # its imports overlap the design's build below
    design = build_design(spec)
    tasks = panel_tasks(spec, design)
    if spec.ice["capacity"] == "area":  # each area's task keeps its latest period's snapshots (panel.coupled)
        tasks = [replace(t, checkpoint=str(out / CHECKPOINTS / t.run_id)) for t in tasks]
    store = panel_store(out)
    check_folder(store, out, spec.fingerprint())
    county_weeks = [0]

    def write(st, result):
        rec = result["record"]
        st.write_run(rec, {"data": result.get("data"), "quarters": result.get("quarters")})
        if rec["status"] == "ok":
            shutil.rmtree(out / CHECKPOINTS / rec["run_id"], ignore_errors=True)  # stored: no longer needed
        county_weeks[0] += rec.get("county_weeks", 0) if rec["status"] == "ok" else 0

    def opened():
        if not (out / "panel.json").exists():
            write_json(out / "panel.json", {"spec": spec.to_dict(), "table": str(spec.table_path.resolve()),
                                            "base": str(spec.base.resolve()), "counties": len(design),
                                            "weeks": spec.weeks, "replications": spec.replications}, out)

    def finish(complete):
        if complete:
            write_parquet(out / "panel_quarter.parquet", load_panel(out, "quarter"), out)
            if (out / CHECKPOINTS).is_dir() and not any((out / CHECKPOINTS).iterdir()):
                (out / CHECKPOINTS).rmdir()

    job = Job(spec.name, spec.fingerprint(),
              {"kind": "panel", "spec": spec.to_dict()},
              {"points.parquet": batch_table(design), "counties.parquet": _storable(design)}, len(tasks),
              tasks=lambda done: sorted((t for t in tasks if t.run_id not in done), key=lambda t: (-t.cost, t.run_id)),
              write=write, fn=run_area_task if spec.ice["capacity"] == "area" else run_panel_task, unit="task",
              opened=opened, finish=finish,
              expect={t.run_id: (t.point_id, t.replicate, t.seed) for t in tasks}.get)
    session = run_tasks(job, store, out, workers=workers, scheduler=scheduler, quiet=quiet, max_retries=max_retries)
    return PanelResult(out, len(tasks), session.skipped, session.ran, session.failed, session.executor,
                       time.perf_counter() - t0, county_weeks[0])


def _storable(design: pd.DataFrame) -> pd.DataFrame:
    d = design.copy()
    for col in ("policy_change_date", "activation_date"):
        d[col] = d[col].map(lambda v: None if v is None or pd.isna(v) else str(v))
    for col in ("detainer_policy_after",):
        d[col] = d[col].astype(object).where(d[col].notna(), None)
    return d
