"""Counties that share ICE: the counties of an ICE area advance together, a period at a time, and share
the area's places between periods (docs/panel.md, section 8).

**Areas.** ICE's Enforcement and Removal Operations work through field offices, each with an area of
responsibility of one or several whole states (24 field offices in the program's years). A county
table may say each county's area (an ``area`` column); without one, ``ice_areas`` deals the table's
states, in the order of their codes, into ``[ice] areas`` areas (state k of the sorted codes to area
k mod areas), so an area is a group of whole states as a field office's is; a table without states is
one area.

**Places.** An area's places in a period are ICE's national capacity per unauthorized resident
(``ice_capacity_share / national_removed_share`` a year, the model's national pool) times the
undocumented model residents of its counties at week 0, for the period's weeks. Between two periods
they are allocated down ICE's priorities (``agents.capacity.allocate_by_priority``) against the
candidates each county presented in the period just ended, by rank; a county's places over its
candidates become its take rate (places per candidate) for the next period (``ICE.set_take_rate``),
and inside the county ICE rations them down the ranks as before (``agents.ice``). The first period
runs at the national take rate. A county whose jail declines detainers presents fewer candidates, so
the area's other counties receive more of its places, but only while places are short of candidates
(capacity binds): when there are places for everyone, every take rate is 1 whatever a neighbour does.

**News from the neighbours.** With ``[spillover] neighbours = s`` each county also hears, in the next
period, the share ``s`` of the detentions of Hispanic residents in its area's other counties, per 1,000
of their Hispanic residents a week, as news from outside (``model.hear_of_neighbours``, added to
``outside_news``): spillover from the neighbours' simulated detentions rather than from the rollout.

**Two worlds.** The treated runs of an area's counties share one area; their twins (the program off,
``sharing_active`` false) share another: the counterfactual of a county is its area without the
program, so the truth includes what the program in one county does to ICE's places in the others.
Until the program first reaches a county of the area the two worlds are the same, so the twins start
from the treated world's snapshots at the last period boundary before it (``model.spin_up``).

**Running and resuming.** One task is one area in one replication (``run_area_task``), run wholly in
one process, so it gives the same numbers serially, on local processes and on Dask. After every period
the task writes the snapshots of all its models to its checkpoint folder (``periods/<task>/`` under the
panel's folder; the latest only); a task started again after its process was killed (SIGKILL) goes on
from the last period written, and the driver deletes the folder once the task's results are stored.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from agents.capacity import allocate, allocate_by_priority
from agents.codes import WEEKS_PER_YEAR, Status
from model.spin_up import from_bytes, to_bytes

from ..core.store import atomic_write
from .tasks import PanelTask, advance_models, build_model, build_models, run_safely, shared_weeks

CHECKPOINT_MAGIC = b"SCAREA1"


def _proportional(capacity: float, demands: np.ndarray) -> np.ndarray:
    return allocate(capacity, demands.sum(axis=1))


# How an area's places are shared between its counties ([ice] allocation): capacity, (county, rank) -> places
ALLOCATIONS = {
    "proportional": _proportional,  # to each county in proportion to its candidates; ranks ration inside it
    "priority": allocate_by_priority,  # down the ranks across the area: rank 0 everywhere first, then rank 1...
}


def ice_areas(table: pd.DataFrame, areas: int) -> np.ndarray:
    """Each county's ICE area: the table's ``area`` column, or its states dealt into ``areas`` areas."""
    if "area" in table.columns:
        return np.array([str(a) for a in table["area"]], dtype=object)
    if "state" not in table.columns or table["state"].isna().all():
        return np.full(len(table), "A01", dtype=object)
    codes = sorted(str(s) for s in table["state"].dropna().unique())
    area_of = {s: f"A{k % areas + 1:02d}" for k, s in enumerate(codes)}
    return np.array([area_of.get(str(s), "A01") for s in table["state"]], dtype=object)


class Area:
    """The counties of one ICE area in one world (treated or twin): their models and shared places."""

    def __init__(self, models: list, allocation: str = "proportional", news: float = 0.0):
        self.models = models
        self.share = ALLOCATIONS[allocation]
        self.news = news
        self.hispanic = np.array([int(m.hispanic.sum()) for m in models], dtype=np.float64)
        yearly = [m.params.ice_capacity_share / m.params.national_removed_share
                  * int((m.status == Status.UNDOCUMENTED).sum()) for m in models]
        self.places_a_week = float(sum(yearly)) / WEEKS_PER_YEAR

    def allocate(self, weeks: int) -> np.ndarray:
        """Share the places of ``weeks`` weeks against what each county presented since the last call; set
        every county's take rate for the next period; return the rates."""
        demand = np.array([m.ice.demand() for m in self.models])
        places = self.share(self.places_a_week * weeks, demand)
        presented = demand.sum(axis=1)
        total = float(presented.sum())
        overall = min(1.0, self.places_a_week * weeks / total) if total > 0 else 1.0
        rates = np.where(presented > 0, np.minimum(1.0, places / np.where(presented > 0, presented, 1)), overall)
        for m, rate in zip(self.models, rates, strict=True):
            m.ice.set_take_rate(float(rate))
        self._tell(weeks)
        return rates

    def _tell(self, weeks: int) -> None:
        """Each county hears ``news`` of the detentions of Hispanic residents in the area's other counties
        over the period, per 1,000 of their Hispanic residents a week (``model.hear_of_neighbours``)."""
        held = np.array([m.ice.hispanic_detentions() for m in self.models], dtype=np.float64)
        if self.news <= 0:
            return
        others_held, others = held.sum() - held, self.hispanic.sum() - self.hispanic
        levels = np.where(others > 0, self.news * others_held * 1000.0 / np.maximum(others, 1) / weeks, 0.0)
        for m, level in zip(self.models, levels, strict=True):
            m.hear_of_neighbours(float(level))

    def advance(self, until: int, reporters, burn_in: int) -> None:
        advance_models(self.models, until, reporters, burn_in)


def _identity(task: PanelTask) -> str:
    return hashlib.sha256(repr((task.run_id, task.counties, task.weeks, task.burn_in, task.period_weeks,
                                task.allocation, task.neighbours_news, task.reporters)).encode()).hexdigest()


def _pack(state: dict) -> bytes:
    """A checkpoint as bytes: a JSON header (identity, week, how many models in each world), then each
    model's snapshot in the model's own format (``model.spin_up.to_bytes``), each after its length. No
    pickle of ours: the experiments package unpickles nothing (tests/test_experiments_spec.py)."""
    worlds = state["worlds"]
    header = json.dumps({"identity": state["identity"], "week": state["week"],
                         "worlds": {k: None if v is None else len(v) for k, v in worlds.items()}}).encode()
    parts = [len(header).to_bytes(8, "little"), header]
    for snaps in worlds.values():
        for snap in snaps or ():
            blob = to_bytes(snap)
            parts += [len(blob).to_bytes(8, "little"), blob]
    return b"".join(parts)


def _unpack(payload: bytes) -> dict:
    n = int.from_bytes(payload[:8], "little")
    header = json.loads(payload[8:8 + n])
    pos, worlds = 8 + n, {}
    for name, count in header["worlds"].items():
        if count is None:
            worlds[name] = None
            continue
        snaps = []
        for _ in range(count):
            size = int.from_bytes(payload[pos:pos + 8], "little")
            snaps.append(from_bytes(payload[pos + 8:pos + 8 + size]))
            pos += 8 + size
        worlds[name] = snaps
    return {"identity": header["identity"], "week": header["week"], "worlds": worlds}


def _save(folder: Path, task: PanelTask, week: int, worlds: dict) -> None:
    """The snapshots of every model after ``week``, written atomically; the older ones removed."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {"identity": _identity(task), "week": week,
             "worlds": {name: None if area is None else [m.snapshot() for m in area.models]
                        for name, area in worlds.items()}}
    payload = _pack(state)
    blob = CHECKPOINT_MAGIC + hashlib.sha256(payload).digest() + payload
    path = folder / f"week{week:05d}.ckpt"
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(blob), root=folder.parent.parent)
    for old in folder.glob("week*.ckpt"):
        if old != path:
            old.unlink(missing_ok=True)


def _load(folder: Path | None, task: PanelTask) -> dict | None:
    """The latest intact checkpoint of this very task, or None (a damaged or foreign file is ignored)."""
    if folder is None or not folder.is_dir():
        return None
    for path in sorted(folder.glob("week*.ckpt"), reverse=True):
        blob = path.read_bytes()
        n = len(CHECKPOINT_MAGIC)
        payload = blob[n + 32:]
        if blob[:n] != CHECKPOINT_MAGIC or hashlib.sha256(payload).digest() != blob[n:n + 32]:
            continue
        try:
            state = _unpack(payload)
        except (ValueError, KeyError, TypeError):
            continue
        if state.get("identity") == _identity(task):
            return state
    return None


def _twin_world(task: PanelTask, treated: Area | None, snaps: list | None) -> Area:
    """The twins (program off), from the treated world's snapshots (or the given ones)."""
    models = []
    for i, (_cid, seed, params) in enumerate(task.counties):
        snap = snaps[i] if snaps is not None else treated.models[i].snapshot()
        models.append(build_model({**params, "sharing_active": False}, seed, task.reporters, snap))
    return Area(models, task.allocation, task.neighbours_news)


def run_area(task: PanelTask, checkpoint: Path | None = None, rates: list | None = None) -> list:
    """Every county of the area with the program and as its twin: a list of (treated, twin) weekly arrays.
    ``rates``: a list that receives (world, week, each county's take rate) at every allocation."""
    total, period = task.burn_in + task.weeks, task.period_weeks
    treated = Area(build_models([({**params, "sharing_active": True}, seed) for _, seed, params in task.counties],
                                task.reporters), task.allocation, task.neighbours_news)
    reached = [p for _, _, p in task.counties if p["activation_week"] <= total]
    # the two worlds are one until the program first reaches a county: the twins split off at the last
    # period boundary before that
    first = min((shared_weeks(p, task.weeks, task.burn_in) for p in reached), default=total)
    split = (first // period) * period
    worlds = {"treated": treated, "twin": None}
    week = 0
    state = _load(checkpoint, task)
    if state is not None:
        week = state["week"]
        for m, snap in zip(treated.models, state["worlds"]["treated"], strict=True):
            m.restore(snap)
        if state["worlds"]["twin"] is not None:
            worlds["twin"] = _twin_world(task, None, state["worlds"]["twin"])
    else:
        for m in treated.models:
            m.ice.demand()  # what the spin-up presented and detained is not the first period's
            m.ice.hispanic_detentions()
    while week < total:
        if reached and worlds["twin"] is None and week == split:
            worlds["twin"] = _twin_world(task, treated, None)
        for name, area in worlds.items():
            if area is not None:
                if week > 0:
                    given = area.allocate(period)
                    if rates is not None:
                        rates.append((name, week, given))
                area.advance(min(week + period, total), task.reporters, task.burn_in)
        week = min(week + period, total)
        if checkpoint is not None:
            _save(checkpoint, task, week, worlds)
    out_treated = [m.datacollector.arrays() for m in treated.models]
    if worlds["twin"] is None:
        return [(t, t) for t in out_treated]
    return list(zip(out_treated, [m.datacollector.arrays() for m in worlds["twin"].models], strict=True))


def _coupled(task: PanelTask) -> list:
    return run_area(task, Path(task.checkpoint) if task.checkpoint else None)


def run_area_task(task: PanelTask) -> dict:
    """Run one area's task (see ``tasks.run_safely``)."""
    return run_safely(task, _coupled)
