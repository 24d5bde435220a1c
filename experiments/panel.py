"""The county panel: a nation of counties, each run with Secure Communities and as its twin without.

    from experiments.panel import run_panel, load_panel
    run_panel("experiments/specs/panel_smoke.toml", out="results/panel_smoke", workers=2)
    q = load_panel("results/panel_smoke")              # county x quarter, outcomes and twin outcomes
    w = load_panel("results/panel_smoke", "week")      # county x week, the kept reporters

The panel lives in the same resumable store as sweeps (``experiments.store``): one task per batch
of counties per replication, named ``r<replication>-b<batch>``; a task's weekly rows go to
``data/<task>.parquet`` and its quarterly rows to ``quarters/<task>.parquet`` before its record
marks it finished. It runs serially, on local processes or on Dask (``experiments.runner``), and
stores identical results on each: every county's seed derives from the root seed, the replication
and the county id (``panel_run.county_seed``), never from the executor.

Folder::

    panel.json              the spec, the county table's path and checksum (marks a panel folder)
    counties.parquet        the design: the county table, model size, activation week and quarter, batch
    manifest.json, points.parquet, runs/, data/, runs.parquet     as for sweeps (points = batches)
    quarters/<task>.parquet that task's county x quarter rows
    panel_quarter.parquet   the whole county x quarter panel with covariates (when complete)
"""

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model import DEFAULTS, validate_parameters
from model.constraints import Timeline
from model.parameters import PARAMETER_TABLE

from .counties import CountyTableError, hispanic_share_others, model_residents, read_counties
from .execute import Job, check_folder, check_workers, run_tasks
from .panel_outcomes import OUTCOMES, WEEKLY
from .panel_run import PanelTask, county_seed, run_panel_task
from .panel_spec import PanelSpec, load_panel_spec, parse_panel_spec
from .rollout import WEEKS_PER_QUARTER, activation_weeks, date_of, quarter_of, week_of
from .spillover import level_by_week, spillover_columns
from .store import Store, write_json, write_parquet

# One model step costs about as much as this many residents (fixed Python overhead, measured by
# ``make bench-panel``); a task's cost is the sum over its runs of (residents + STEP_OVERHEAD).
STEP_OVERHEAD_RESIDENTS = 2500
COVARIATES = ("name", "state", "population", "n_residents", "n_raised", "share_undocumented", "share_lpr",
              "share_naturalized", "hispanic_share", "border", "policing_intensity", "detainer_policy",
              "policy_change_week", "detainer_policy_after", "activation_week", "cohort", "spillover_mean",
              "spillover_before")


def build_design(spec: PanelSpec) -> pd.DataFrame:
    """One row per county: the table's columns, the model size, activation week and quarter, model
    parameters, cost and batch. Depends on the spec (and its table) alone."""
    h_u = spec.model.get("hispanic_share_undocumented", DEFAULTS["hispanic_share_undocumented"])
    table = read_counties(spec.table_path, hispanic_share_undocumented=h_u)
    if spec.sample is not None:
        if spec.sample > len(table):
            raise CountyTableError(f"counties.sample = {spec.sample} but the table has {len(table)} counties")
        pick = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(2,))).choice(
            len(table), spec.sample, replace=False)
        table = table.iloc[np.sort(pick)].reset_index(drop=True)
    r = spec.rollout
    table["activation_week"] = activation_weeks(table, r["rule"], spec.start_date, r["window_start"], r["window_end"],
                                                np.random.SeedSequence(spec.seed, spawn_key=(0,)), r["noise"],
                                                r["border_bonus"])
    table["activation_date"] = [date_of(w, spec.start_date) for w in table["activation_week"]]
    table["cohort"] = quarter_of(np.maximum(table["activation_week"].to_numpy(), 1)).astype(np.int64)
    table["n_residents"] = model_residents(table["population"], spec.fraction, spec.min_residents)
    table["n_raised"] = table["n_residents"] > np.rint(table["population"] * spec.fraction)
    high = PARAMETER_TABLE["n_residents"].constraint.high
    too_big = table[table["n_residents"] > high]
    if len(too_big):
        row = too_big.iloc[0]
        raise CountyTableError(f"county_id {row['county_id']}, population: {row['population']:,} x fraction "
                               f"{spec.fraction} = {row['n_residents']:,} model residents, above the model's "
                               f"{high:,}; use a smaller fraction")
    table["hispanic_share_others"] = hispanic_share_others(table, h_u)
    table["policy_change_week"] = pd.array([None if d is None or pd.isna(d) else week_of(d, spec.start_date)
                                            for d in table["policy_change_date"]], dtype="Int64")
    s = spec.spillover  # news of the other counties' activation, from the rollout alone (experiments.spillover)
    spill = spillover_columns(table, s["weight"], s["scope"], spec.weeks)
    for col in spill.columns:
        table[col] = spill[col]
    runs = np.where(table["activation_week"] <= spec.weeks, 2, 1)  # a county never reached is its own twin
    run_weeks = spec.weeks + spec.burn_in_weeks
    table["cost"] = runs * (table["n_residents"] + STEP_OVERHEAD_RESIDENTS) * run_weeks
    table["batch"] = _batches(table["cost"].to_numpy(), spec.batch_cost * run_weeks)
    for i, params in enumerate(county_parameters(spec, table)):
        try:
            validate_parameters(params)
        except ValueError as e:
            raise CountyTableError(f"county_id {table['county_id'].iloc[i]}: {e}") from None
    return table


def _batches(cost: np.ndarray, target: float) -> np.ndarray:
    """Consecutive counties (table order) grouped until a batch costs ``target``; a county that costs
    that much on its own is a batch of its own."""
    batch = np.empty(len(cost), dtype=np.int64)
    b, acc = 0, 0.0
    for i, c in enumerate(cost):
        if acc > 0 and (acc + c > target or c >= target):
            b, acc = b + 1, 0.0
        batch[i] = b
        acc += c
    return batch


def policy_schedule(before: str, after: str, week: int) -> str:
    """The model's ``detainer_policy`` for a jail that changed its policy in ``week`` of the panel: the
    schedule ``before;after@week``, or just ``after`` if it changed by the panel's first week."""
    constraint = PARAMETER_TABLE["detainer_policy"].constraint
    first = constraint.parse("detainer_policy", before)
    return first.then(after, week).text() if week > 1 else constraint.check("detainer_policy", after)


def county_parameters(spec: PanelSpec, design: pd.DataFrame) -> list:
    """The model keywords of every county (the twin differs only in ``sharing_active``: it hears the
    same news from outside, ``outside_news``)."""
    out = []
    for row in design.itertuples(index=False):
        params = {**spec.model, "n_residents": int(row.n_residents),
                  "share_undocumented": float(row.share_undocumented), "share_lpr": float(row.share_lpr),
                  "share_naturalized": float(row.share_naturalized),
                  "hispanic_share_others": float(row.hispanic_share_others),
                  "policing_intensity": float(row.policing_intensity), "detainer_policy": row.detainer_policy,
                  "activation_week": int(row.activation_week), "sharing_active": True,
                  "outside_news": getattr(row, "outside_news", "0")}
        if spec.policy_changes == "model" and not pd.isna(row.policy_change_week):
            params["detainer_policy"] = policy_schedule(row.detainer_policy, row.detainer_policy_after,
                                                        int(row.policy_change_week))
        out.append(shift_weeks(params, spec.burn_in_weeks))
    return out


def shift_weeks(params: dict, weeks: int) -> dict:
    """The model's parameters when it runs ``weeks`` of burn-in before the panel's week 1: the activation
    week and every change in a schedule (the jail's policy, ICE's regime, the news from outside) move
    by ``weeks``, so they fall on the same panel week."""
    if weeks == 0:
        return params
    out = dict(params)
    out["activation_week"] = params["activation_week"] + weeks
    for name, value in params.items():
        parameter = PARAMETER_TABLE[name]
        schedule = parameter.parse(value)
        if isinstance(schedule, Timeline):
            out[name] = parameter.check(schedule.shift(weeks))
    return out


def panel_tasks(spec: PanelSpec, design: pd.DataFrame) -> list:
    """Every task: replications x batches, in a fixed order."""
    params = county_parameters(spec, design)
    ids = design["county_id"].to_numpy()
    reporters = tuple(WEEKLY) + tuple(spec.reporters)
    tasks = []
    for rep in range(spec.replications):
        for b, idx in design.groupby("batch").indices.items():
            counties = tuple((int(ids[i]), county_seed(spec.seed, int(ids[i]), rep), params[i]) for i in idx)
            tasks.append(PanelTask(f"r{rep:03d}-b{int(b):05d}", int(b), rep, spec.seed, counties, spec.weeks,
                                   reporters, float(design["cost"].iloc[idx].sum()), spec.burn_in_weeks))
    return tasks


def batch_table(design: pd.DataFrame) -> pd.DataFrame:
    """The store's points: one row per batch."""
    g = design.groupby("batch")
    return pd.DataFrame({"point_id": g.size().index.astype(np.int64), "counties": g.size().to_numpy(np.int64),
                         "residents": g["n_residents"].sum().to_numpy(np.int64),
                         "cost": g["cost"].sum().to_numpy(np.float64),
                         "first_county": g["county_id"].min().to_numpy(np.int64),
                         "last_county": g["county_id"].max().to_numpy(np.int64)})


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


PARTS = ("data", "quarters")  # per task: county-week reporters, county-quarter outcomes (checksummed)


def panel_store(out) -> Store:
    return Store(out, parts=PARTS)


def run_panel(spec, out=None, workers=None, scheduler=None, quiet=False, max_retries: int = 2) -> PanelResult:
    """Run a panel, or resume it: finished tasks are skipped; missing, failed and damaged ones are (re)done.

    spec: a TOML path or a ``PanelSpec``. out: the folder (default ``results/<name>``). workers: local
    processes (default: the cores; 1 = serial). scheduler: ``tcp://HOST:PORT`` of a Dask cluster. The
    panel lives in the same store as sweeps: one lock per folder, and every task's files are checked
    against their recorded sizes and checksums on resume.
    """
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, PanelSpec) else load_panel_spec(spec)
    out = Path(out) if out is not None else Path("results") / spec.name
    workers = (os.cpu_count() or 1) if workers is None else workers
    check_workers(workers)
    design = build_design(spec)
    tasks = panel_tasks(spec, design)
    store = panel_store(out)
    check_folder(store, out, spec.fingerprint())
    county_weeks = [0]

    def write(st, result):
        rec = result["record"]
        st.write_run(rec, {"data": result.get("data"), "quarters": result.get("quarters")})
        county_weeks[0] += rec.get("county_weeks", 0) if rec["status"] == "ok" else 0

    def opened():
        if not (out / "panel.json").exists():
            write_json(out / "panel.json", {"spec": spec.to_dict(), "table": str(spec.table_path.resolve()),
                                            "base": str(spec.base.resolve()), "counties": len(design),
                                            "weeks": spec.weeks, "replications": spec.replications})

    def finish(complete):
        if complete:
            write_parquet(out / "panel_quarter.parquet", load_panel(out, "quarter"))

    job = Job(spec.name, spec.fingerprint(),
              {"kind": "panel", "spec": spec.to_dict()},
              {"points.parquet": batch_table(design), "counties.parquet": _storable(design)}, len(tasks),
              tasks=lambda done: sorted((t for t in tasks if t.run_id not in done), key=lambda t: (-t.cost, t.run_id)),
              write=write, fn=run_panel_task, unit="task", opened=opened, finish=finish)
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


# --- reading a panel ------------------------------------------------------------------------------------------


def is_panel(out) -> bool:
    return (Path(out) / "panel.json").exists()


def panel_info(out) -> dict:
    out = Path(out)
    if not is_panel(out):
        raise FileNotFoundError(f"{out}: no panel here (no panel.json)")
    return json.loads((out / "panel.json").read_text())


def panel_spec_of(out) -> PanelSpec:
    info = panel_info(out)
    source = {k: v for k, v in info["spec"].items() if k not in ("kind", "table_sha256")}
    return parse_panel_spec(source, base=info["base"], check_table=False)


def load_design(out) -> pd.DataFrame:
    return panel_store(out).table("counties.parquet")


def _finished(out) -> list:
    return sorted(panel_store(out).finished())


def load_panel(out, level: str = "quarter", covariates: bool = True) -> pd.DataFrame:
    """The panel of the finished tasks: ``level`` "quarter" (county x quarter outcomes and twin
    outcomes, with ``event_quarter`` and ``treated``) or "week" (county x week reporters)."""
    out = Path(out)
    spec = panel_spec_of(out)
    design = load_design(out)
    if level == "quarter":
        files = [Path(out) / "quarters" / f"{r}.parquet" for r in _finished(out)]
        df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame(
            columns=["county_id", "replication", "quarter"])
        key = "quarter"
    elif level == "week":
        df = panel_store(out).data()
        key = "week"
    else:
        raise ValueError(f"level must be 'quarter' or 'week', got {level!r}")
    df = df.sort_values(["replication", "county_id", key], kind="stable").reset_index(drop=True)
    cols = [c for c in COVARIATES if c in design.columns] if covariates else ["activation_week", "cohort",
                                                                               "detainer_policy"]
    df = df.merge(design[["county_id", *cols]], on="county_id", how="left", validate="many_to_one")
    if level == "quarter":
        df["date"] = [date_of(WEEKS_PER_QUARTER * (q - 1) + 1, spec.start_date).isoformat() for q in df["quarter"]]
        df["event_quarter"] = df["quarter"] - df["cohort"]
        first = WEEKS_PER_QUARTER * (df["quarter"] - 1) + 1
        df["weeks_active"] = np.clip(first + WEEKS_PER_QUARTER - df["activation_week"], 0, WEEKS_PER_QUARTER)
        df["treated"] = df["quarter"] >= df["cohort"]
    else:
        df["event_week"] = df["week"] - df["activation_week"]
        df["active"] = df["week"] >= df["activation_week"]
    if "outside_news" in design.columns:  # the news from outside in force (in a quarter: in its first week)
        week = (df["week"] if level == "week" else first).to_numpy()
        schedules = design.set_index("county_id")["outside_news"]
        news = np.zeros(len(df))
        for cid, idx in df.groupby("county_id").indices.items():
            if schedules[cid] != "0":
                news[idx] = level_by_week(schedules[cid], week[idx])
        df["outside_news_level"] = news
    return df


def panel_status(out) -> dict:
    from .sweep import sweep_status

    s = sweep_status(out, parts=PARTS)
    info = panel_info(out)
    recs = panel_store(out).records()
    ok = recs[recs["status"] == "ok"] if len(recs) else recs
    s.update(kind="panel", counties=info["counties"], weeks=info["weeks"], replications=info["replications"],
             county_weeks=int(ok["county_weeks"].sum()) if len(ok) else 0,
             cpu_seconds=float(ok["cpu_time"].sum()) if "cpu_time" in ok else float("nan"))
    return s


def format_panel_status(s: dict) -> str:
    from .sweep import format_status

    head = (f"panel {s['name']}: {s['counties']:,} counties x {s['weeks']} weeks x {s['replications']} "
            f"replication(s); {s['county_weeks']:,} county-weeks finished"
            + (f"; {s['cpu_seconds']:,.0f} CPU s in tasks" if s["cpu_seconds"] == s["cpu_seconds"] else ""))
    return head + "\n" + format_status(s).replace("sweep ", "tasks: ", 1).replace("`python -m experiments run`",
                                                                                 "`python -m experiments panel`")


__all__ = ["run_panel", "load_panel", "panel_status", "build_design", "panel_tasks", "is_panel", "OUTCOMES"]
