"""One panel task, as a pure function: a batch of counties, each run with the program and as its twin.

A county's two runs share one seed (common random numbers): the twin, with ``sharing_active``
off, has the same history as the treated run until the activation week, and from then on is the
county's counterfactual. The twin does not run those weeks again: it starts from the treated run's
snapshot taken the week before activation (``run_county``). A county the program does not reach
within the panel is its own twin (one run). A task's counties of fewer than ``ALONE_FROM`` residents and
their twins are stepped together, week by week (``run_counties``, ``model.batch``), so what a week costs a
county whatever its size (the fear update, the measurement, Mesa's clock) is paid once per task rather than
once per county; each county's numbers are those it has run alone. Larger counties run alone. Only the panel's
reporters are kept, as plain arrays: the model's DataCollector is replaced by a recorder of those
reporters, and the model computes only those.

Like ``runner.run_task``, ``run_panel_task`` never raises: a failure comes back as a record with
the traceback, so the executors of ``experiments.core.runner`` run it unchanged.
"""

import os
import socket
import time
import traceback
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.spin_up import keeping_built

from .outcomes import OUTCOMES, WEEKLY_FLOWS, quarterly


@dataclass(frozen=True)
class PanelTask:
    run_id: str        # r<replication>-b<batch>
    point_id: int      # the batch
    replicate: int     # the replication of the whole panel
    seed: int          # the spec's root seed (each county's own seed is in ``counties``)
    counties: tuple    # (county_id, seed, params) for each county in the batch
    weeks: int
    reporters: tuple   # weekly model reporters kept
    cost: float        # estimated cost (resident-equivalent weeks); big tasks go first
    burn_in: int = 0   # weeks each model runs before the panel's week 1, not recorded
    stay: tuple = ()   # per county: the keywords of its twin whose jail never adopts a limit, or None (none asked)
    period_weeks: int = 0  # > 0: the counties share an ICE area, its places allocated every this many weeks
    checkpoint: str | None = None  # the folder a coupled task keeps its latest period's snapshots in
    allocation: str = "proportional"  # how a coupled task shares its area's places (panel.coupled.ALLOCATIONS)
    neighbours_news: float = 0.0  # a coupled task: share of the area's other detentions heard as local news


def county_seed(root: int, county_id: int, replication: int) -> int:
    """A county's seed in one replication: child (1, replication, county_id) of the root SeedSequence.

    It depends on nothing else (not the batch, the order, the worker count or the executor).
    """
    ss = np.random.SeedSequence(root, spawn_key=(1, replication, county_id))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


class Recorder:
    """Stands in for the model's DataCollector: keeps the named reporters after every step, in
    ``model_vars`` (reporter -> list of weekly values), as Mesa's does, so a model's snapshot carries them."""

    def __init__(self, keys):
        self.model_vars = {k: [] for k in keys}

    def collect(self, model):
        m = model.metrics
        for k, values in self.model_vars.items():
            values.append(m[k])

    def arrays(self) -> dict:
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.model_vars.items()}


def build_model(params: dict, seed: int, reporters=None, snapshot=None):
    """The county's model, computing only ``reporters`` each week (all for None), without an event log (the
    panel reads reporters only). ``snapshot``: the model starts from it, without its own spin-up (a twin from its
    treated run's snapshot: ``SecureCommunitiesModel.from_snapshot``)."""
    from model import SecureCommunitiesModel

    keywords = {"rng": seed, "reporters": None if reporters is None else tuple(reporters), "events": False, **params}
    if snapshot is not None:  # its Recorder receives the treated run's weeks up to the snapshot
        return SecureCommunitiesModel.from_snapshot(snapshot, Recorder(()), **keywords)
    model = SecureCommunitiesModel(**keywords)
    model.datacollector = Recorder(())  # week 0 (the state at build) and the burn-in are not part of the panel
    return model


def build_models(counties, reporters=None) -> list:
    """``build_model`` for each (params, seed), their spin-ups run together (``SecureCommunitiesModel.
    build_together``): the same models, for the week's fixed cost paid once a week for all."""
    from model import SecureCommunitiesModel

    models = SecureCommunitiesModel.build_together(
        [{"rng": seed, "reporters": None if reporters is None else tuple(reporters), "events": False, **params}
         for params, seed in counties])
    for model in models:
        model.datacollector = Recorder(())
    return models


def advance_model(model, until: int, reporters, burn_in: int) -> None:
    """Step ``model`` to model week ``until``; from week ``burn_in + 1`` on, its reporters are kept."""
    while model.steps < until:
        if model.steps == burn_in:
            model.datacollector = Recorder(reporters)
        model.step()


def advance_models(models, until: int, reporters, burn_in: int) -> None:
    """``advance_model`` for models at one week, stepped together (``model.batch``): each ends with the
    numbers it has when stepped alone."""
    from model.batch import CountyBatch

    if not models:  # (an empty batch stays at week 0)
        return
    batch = CountyBatch(models)
    while batch.week < until:
        if batch.week == burn_in:
            for m in models:
                m.datacollector = Recorder(reporters)
        batch.step()
    batch.release()


def run_model(params: dict, seed: int, weeks: int, reporters, burn_in: int = 0) -> dict:
    """Weeks 1..weeks of one model, after ``burn_in`` weeks that are run but not kept: reporter name ->
    array of length ``weeks``. (``params`` are in the model's weeks: see ``panel.shift_weeks``.)"""
    model = build_model(params, seed, reporters)
    advance_model(model, burn_in + weeks, reporters, burn_in)
    return model.datacollector.arrays()


def shared_weeks(params: dict, weeks: int, burn_in: int = 0) -> int:
    """Model weeks a county's twin shares with its treated run: those before the program reaches it."""
    return min(max(params["activation_week"], 1) - 1, burn_in + weeks)


def stay_weeks(params: dict, stay: dict, total: int) -> int:
    """Model weeks a county's adoption twin (``stay``) shares with its treated run (``params``), of ``total``:
    those before anything that differs between them can have acted (``model.spin_up.common_weeks``), that is
    before its jail's first change of policy once the program has reached it; -1 if they differ in the spin-up."""
    from model.parameters import make_params
    from model.spin_up import common_weeks

    return common_weeks(make_params({**params, "sharing_active": True}), make_params(stay), total)


def _worlds(params: dict, stay, weeks: int, burn_in: int) -> list:
    """The runs a county needs besides its treated run, each as (name, model week it starts from, keywords):
    its twin (if the program reaches it) from the week before activation, and its adoption twin (``stay``; if
    asked for) from the week before its jail's first change of policy; by the week they start at."""
    total = burn_in + weeks
    worlds = []
    if params["activation_week"] <= total:
        worlds.append(("twin", shared_weeks(params, weeks, burn_in), {**params, "sharing_active": False}))
    if stay is not None:
        worlds.append(("stay", max(stay_weeks(params, stay, total), 0), stay))
    return sorted(worlds, key=lambda world: world[1])


def run_county(params: dict, seed: int, weeks: int, reporters, burn_in: int = 0, stay=None) -> tuple:
    """The county with the program (``params``) and its twin (same seed, ``sharing_active`` off). The
    twin's weeks before activation are the treated run's (the same random numbers, no lever of the
    program acting yet): it starts from the treated run's snapshot at the week before activation
    (``model.spin_up.restore`` checks that nothing that differs has acted by then), not from the start.
    ``stay``: the keywords of the county's adoption twin (its jail never adopts a limit), which starts from the
    treated run's snapshot at the week before its jail's first change of policy (``stay_weeks``); then the
    result is (treated, twin, adoption twin). A county the program never reaches is its own twin."""
    with keeping_built():  # the twin reads its county from the treated run's build
        return _run_county(params, seed, weeks, reporters, burn_in, stay)


def _run_county(params: dict, seed: int, weeks: int, reporters, burn_in: int, stay=None) -> tuple:
    total = burn_in + weeks
    treated = build_model({**params, "sharing_active": True}, seed, reporters)
    worlds, snaps = _worlds(params, stay, weeks, burn_in), []
    for _name, split, _keywords in worlds:
        advance_model(treated, split, reporters, burn_in)
        snaps.append(treated.snapshot() if split > 0 else None)
    advance_model(treated, total, reporters, burn_in)
    out = {"twin": None, "stay": None, "treated": treated.datacollector.arrays()}
    del treated
    for (name, _split, keywords), snap in zip(worlds, snaps, strict=True):
        model = build_model(keywords, seed, reporters, snap)  # its Recorder: the treated run's weeks up to snap
        advance_model(model, total, reporters, burn_in)
        out[name] = model.datacollector.arrays()
    twin = out["treated"] if out["twin"] is None else out["twin"]
    return (out["treated"], twin) if stay is None else (out["treated"], twin, out["stay"])


def run_stays(task: PanelTask) -> list:
    """The adoption twins of a task's counties (the program as treated, the jail's first policy throughout),
    each run from its start, stepped together; a county without one is its own (its treated run): ``None``
    here. ``run_counties`` starts them from their treated runs' snapshots instead (the same numbers); this is
    what the coupled areas' tasks run (``panel.coupled``)."""
    wanted = [({**p, "sharing_active": True}, seed)
              for (_cid, seed, _params), p in zip(task.counties, task.stay, strict=True) if p is not None]
    built = iter(build_models(wanted, task.reporters))
    models = [None if p is None else next(built) for p in task.stay]
    advance_models([m for m in models if m is not None], task.burn_in + task.weeks, task.reporters, task.burn_in)
    return [None if m is None else m.datacollector.arrays() for m in models]


ALONE_FROM = 30_000  # model residents from which a county runs alone (``run_county``), not in the task's batch


def run_counties(task: PanelTask, alone_from: int | None = None) -> list:
    """``run_county`` for every county of the task (with its adoption twin, if ``task.stay`` asks for one): those
    of fewer than ``ALONE_FROM`` residents all stepped together week by week (``model.batch``), each twin joining
    at the week its treated run's snapshot is taken; the larger ones each on its own. The same numbers either
    way. Stepping together saves a week's fixed cost per county, which is most of a small county's week; a large
    county's week is nearly all per resident, and the batch's passes over the counties' arrays joined (with its
    twin's) cost it more than they save (a county and its twin, 520 weeks: 8-9% less at 3,000 residents, 8-12%
    more at 30,000 and 300,000: ``scripts/county_cost.py --together``). ``alone_from``: another size than
    ``ALONE_FROM``, for a comparison."""
    alone_from = ALONE_FROM if alone_from is None else alone_from
    stays = task.stay or (None,) * len(task.counties)
    alone = [p["n_residents"] >= alone_from for _, _, p in task.counties]
    out = [run_county(params, seed, task.weeks, task.reporters, task.burn_in, stay) if big else None
           for (_, seed, params), stay, big in zip(task.counties, stays, alone, strict=True)]
    small = [(c, stay) for c, stay, big in zip(task.counties, stays, alone, strict=True) if not big]
    together = iter(_run_together(small, task) if small else [])
    results = [result if big else next(together) for result, big in zip(out, alone, strict=True)]
    return [(*r, None) if task.stay and len(r) == 2 else r for r in results]  # (no adoption twin: None)


def _run_together(counties, task: PanelTask) -> list:
    """``run_county`` for ``counties`` ((county, its adoption twin's keywords or None) of ``task``), stepped
    together week by week (``model.batch``)."""
    with keeping_built():  # each twin reads its county from the treated run's build
        return _step_together(counties, task)


def _step_together(counties, task: PanelTask) -> list:
    from model.batch import CountyBatch

    total, burn_in, reporters = task.burn_in + task.weeks, task.burn_in, task.reporters
    treated = build_models([({**params, "sharing_active": True}, seed) for (_, seed, params), _ in counties],
                           reporters)
    worlds = [_worlds(params, stay, task.weeks, burn_in) for (_, _seed, params), stay in counties]
    joined = [{} for _ in counties]  # each county's twin and adoption twin, once they have joined
    batch = CountyBatch(treated)

    def worlds_join(week: int) -> None:
        for i, county_worlds in enumerate(worlds):
            for name, split, keywords in county_worlds:
                if split == week:
                    snap = treated[i].snapshot() if split > 0 else None  # its Recorder: the treated run's weeks
                    joined[i][name] = build_model(keywords, counties[i][0][1], reporters, snap)
                    batch.add(joined[i][name])

    worlds_join(0)
    while batch.week < total:
        if batch.week == burn_in:
            for m in batch.models:
                m.datacollector = Recorder(reporters)
        batch.step()
        worlds_join(batch.week)
    batch.release()
    out = []
    for model, others, (_county, stay) in zip(treated, joined, counties, strict=True):
        arrays = model.datacollector.arrays()
        twin = others["twin"].datacollector.arrays() if "twin" in others else arrays
        out.append((arrays, twin) if stay is None else (arrays, twin, others["stay"].datacollector.arrays()))
    return out


def _frames(task: PanelTask, results, stays=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    weekly, quarter = [], []
    stays = stays if stays is not None else [None] * len(results)
    for (cid, _seed, params), (treated, twin), stay in zip(task.counties, results, stays, strict=True):
        w = {"county_id": np.full(task.weeks, cid, dtype=np.int64),
             "replication": np.full(task.weeks, task.replicate, dtype=np.int64),
             "week": np.arange(1, task.weeks + 1, dtype=np.int64)}
        for k in task.reporters:
            w[k] = treated[k]
        for k in task.reporters:
            w[f"{k}_twin"] = twin[k]
        if task.stay:
            for k in task.reporters:
                w[f"{k}_stay"] = (stay or treated)[k]
        weekly.append(pd.DataFrame(w))
        q1, q0 = quarterly(treated, params["n_residents"]), quarterly(twin, params["n_residents"])
        nq = len(next(iter(q1.values())))
        q = {"county_id": np.full(nq, cid, dtype=np.int64), "replication": np.full(nq, task.replicate, dtype=np.int64),
             "quarter": np.arange(1, nq + 1, dtype=np.int64)}
        for name in OUTCOMES:
            q[name] = q1[name]
        for name in OUTCOMES:
            q[f"{name}_twin"] = q0[name]
        if task.stay:
            qs = quarterly(stay, params["n_residents"]) if stay is not None else q1
            for name in OUTCOMES:
                q[f"{name}_stay"] = qs[name]
        quarter.append(pd.DataFrame(q))
    weekly = pd.concat(weekly, ignore_index=True)
    for k in task.reporters:
        if k in WEEKLY_FLOWS:
            for col in (k, f"{k}_twin", *((f"{k}_stay",) if task.stay else ())):
                weekly[col] = weekly[col].astype(np.int64)
    return weekly, pd.concat(quarter, ignore_index=True)


def run_safely(task: PanelTask, run) -> dict:
    """``run(task)`` -> [(treated, twin) weekly arrays per county]; return ``{"record", "data" (county x
    week), "quarters" (county x quarter)}``, a failure recorded with its traceback, never raised."""
    from datetime import UTC, datetime

    started, t0, c0 = datetime.now(UTC).isoformat(timespec="milliseconds"), time.perf_counter(), time.process_time()
    record = {"run_id": task.run_id, "point_id": task.point_id, "replicate": task.replicate, "seed": task.seed,
              "status": "ok", "error": None, "traceback": None, "started": started,
              "host": socket.gethostname(), "pid": os.getpid(), "worker_deaths": 0, "counties": len(task.counties),
              "residents": int(sum(p["n_residents"] for _, _, p in task.counties)),
              "county_weeks": len(task.counties) * task.weeks}
    data = quarters = None
    try:
        with keeping_built():  # each twin reads its county from the treated run's build; forgotten after
            results = run(task)  # (treated, twin), and the adoption twin's run when run_counties has run it
            stays = [r[2] for r in results] if task.stay and all(len(r) == 3 for r in results) else None
            stays = run_stays(task) if task.stay and stays is None else stays
            data, quarters = _frames(task, [r[:2] for r in results], stays)
    except Exception as e:  # noqa: BLE001 - every failure is recorded, the panel goes on
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        data = quarters = None
    record["wall_time"] = time.perf_counter() - t0
    record["cpu_time"] = time.process_time() - c0  # differs from wall_time when the machine is shared
    record["finished"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    return {"record": record, "data": data, "quarters": quarters}


def run_panel_task(task: PanelTask) -> dict:
    """Run a batch of independent counties (see ``run_safely``), stepped together (``run_counties``)."""
    return run_safely(task, run_counties)
