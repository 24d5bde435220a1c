"""The panel's design: one row per county (the table, its model size, activation week and quarter, the
news from outside, its cost and batch), the model keywords of every county, and the tasks."""

import numpy as np
import pandas as pd

from model import DEFAULTS, validate_parameters
from model.constraints import Timeline
from model.parameters import PARAMETER_TABLE

from .counties import CountyTableError, hispanic_share_others, model_residents, read_counties
from .coupled import ice_areas
from .outcomes import WEEKLY
from .rollout import WEEKS_PER_QUARTER, activation_weeks, date_of, quarter_of, week_of
from .spec import PanelSpec
from .spillover import spillover_columns
from .tasks import PanelTask, county_seed

# One model step costs about as much as this many residents (fixed Python overhead, measured by
# ``make bench-panel``); a task's cost is the sum over its runs of (residents + STEP_OVERHEAD).
STEP_OVERHEAD_RESIDENTS = 2500
COVARIATES = ("name", "state", "population", "n_residents", "n_raised", "share_undocumented", "share_lpr",
              "share_naturalized", "hispanic_share", "border", "policing_intensity", "detainer_policy",
              "policy_change_week", "detainer_policy_after", "activation_week", "cohort", "spillover_mean",
              "spillover_before", "adoption_week", "adoption_cohort", "adoption_twin", "ice_area")


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
    s = spec.spillover  # news of the other counties' activation, from the rollout alone (panel.spillover)
    spill = spillover_columns(table, s["weight"], s["scope"], spec.weeks)
    for col in spill.columns:
        table[col] = spill[col]
    adoption_columns(spec, table)
    run_weeks = spec.weeks + spec.burn_in_weeks
    table["cost"] = (table["n_residents"] + STEP_OVERHEAD_RESIDENTS) * model_weeks(spec, table)
    table["batch"] = _batches(table["cost"].to_numpy(), spec.batch_cost * run_weeks)
    if spec.ice["capacity"] == "area":  # an area's counties share ICE's places: one task each (panel.coupled)
        table["ice_area"] = ice_areas(table, spec.ice["areas"])
        table["batch"] = np.unique(table["ice_area"].to_numpy(str), return_inverse=True)[1].astype(np.int64)
    for i, params in enumerate(county_parameters(spec, table)):
        try:
            validate_parameters(params)
        except ValueError as e:
            raise CountyTableError(f"county_id {table['county_id'].iloc[i]}: {e}") from None
    return table


def adoption_columns(spec: PanelSpec, table: pd.DataFrame) -> None:
    """A jail's limit on detainers as a staggered treatment: ``adoption_week`` (the panel week it changes, if
    within weeks 2..weeks and the panel applies changes), ``adoption_cohort`` (its quarter; a county that never
    adopts within the panel gets the quarter after the last, so it is never treated) and ``adoption_twin``
    (true when the spec asks for adoption outcomes and the county adopts: it also runs a twin that never
    does)."""
    week = table["policy_change_week"]
    inside = week.notna() & (week > 1) & (week <= spec.weeks) & (spec.policy_changes == "model")
    table["adoption_week"] = week.where(inside).astype("Int64")
    never = spec.weeks // WEEKS_PER_QUARTER + 1
    changed = week.notna() & (spec.policy_changes == "model")
    table["adoption_cohort"] = np.where(changed, quarter_of(np.maximum(week.fillna(1).to_numpy(np.int64), 1)),
                                        never).astype(np.int64)
    table["adoption_twin"] = inside.to_numpy(dtype=bool) & bool(spec.adoption["outcomes"])


def model_weeks(spec: PanelSpec, table: pd.DataFrame) -> np.ndarray:
    """The weeks each county's models run: the treated run's (burn-in included), and the twin's from its
    activation (it shares the weeks before: ``tasks.run_county``); a county never reached is its own twin.
    With ICE's places shared by an area, both worlds run every week (``panel.coupled``)."""
    run_weeks = spec.weeks + spec.burn_in_weeks
    stays = table["adoption_twin"].to_numpy(dtype=np.int64) * run_weeks  # one that adopts a limit runs a third
    if spec.ice["capacity"] == "area":
        return 2 * run_weeks + stays
    reached = table["activation_week"].to_numpy() <= spec.weeks
    model_activation = np.maximum(table["activation_week"].to_numpy() + spec.burn_in_weeks, 1)
    twins = np.where(reached, run_weeks + 1 - model_activation, 0)
    return run_weeks + twins + stays


def program_weeks(spec: PanelSpec, table: pd.DataFrame) -> np.ndarray:
    """Of ``model_weeks``, those of a run with the program in force in the county: the treated run's from its
    activation on, and as many for an adoption twin (the program as treated); the rest are weeks without it
    (before activation, and the twin's). They cost more (ICE's detainers and pickups, and the news of them)."""
    run_weeks = spec.weeks + spec.burn_in_weeks
    reached = table["activation_week"].to_numpy() <= spec.weeks
    model_activation = np.maximum(table["activation_week"].to_numpy() + spec.burn_in_weeks, 1)
    with_program = np.where(reached, run_weeks + 1 - model_activation, 0)
    return with_program * (1 + table["adoption_twin"].to_numpy(dtype=np.int64))


def twin_builds(spec: PanelSpec, table: pd.DataFrame) -> np.ndarray:
    """The models each county builds besides its treated run: its twin, if the program reaches it (or if the
    county shares ICE's places, when both worlds run every week), and its adoption twin if it has one. Each is
    the county built again (its spin-up restored from the treated run's)."""
    reached = table["activation_week"].to_numpy() <= spec.weeks
    twin = np.ones(len(table), dtype=np.int64) if spec.ice["capacity"] == "area" else reached.astype(np.int64)
    return twin + table["adoption_twin"].to_numpy(dtype=np.int64)


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


def stay_parameters(spec: PanelSpec, design: pd.DataFrame, params: list) -> list:
    """For each county with an adoption twin (``adoption_twin``), its keywords (already in the model's weeks)
    with the jail's first policy kept throughout, the program as in the treated run; None for the others."""
    return [{**p, "detainer_policy": row.detainer_policy} if row.adoption_twin else None
            for row, p in zip(design.itertuples(index=False), params, strict=True)]


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
    stays = stay_parameters(spec, design, params) if spec.adoption["outcomes"] else None
    ids = design["county_id"].to_numpy()
    reporters = tuple(WEEKLY) + tuple(spec.reporters)
    period_weeks = spec.ice["period_weeks"] if spec.ice["capacity"] == "area" else 0
    tasks = []
    for rep in range(spec.replications):
        for b, idx in design.groupby("batch").indices.items():
            counties = tuple((int(ids[i]), county_seed(spec.seed, int(ids[i]), rep), params[i]) for i in idx)
            tasks.append(PanelTask(f"r{rep:03d}-b{int(b):05d}", int(b), rep, spec.seed, counties, spec.weeks,
                                   reporters, float(design["cost"].iloc[idx].sum()), spec.burn_in_weeks,
                                   stay=tuple(stays[i] for i in idx) if stays else (), period_weeks=period_weeks,
                                   allocation=spec.ice["allocation"], neighbours_news=spec.spillover["neighbours"]))
    return tasks


def batch_table(design: pd.DataFrame) -> pd.DataFrame:
    """The store's points: one row per batch."""
    g = design.groupby("batch")
    return pd.DataFrame({"point_id": g.size().index.astype(np.int64), "counties": g.size().to_numpy(np.int64),
                         "residents": g["n_residents"].sum().to_numpy(np.int64),
                         "cost": g["cost"].sum().to_numpy(np.float64),
                         "first_county": g["county_id"].min().to_numpy(np.int64),
                         "last_county": g["county_id"].max().to_numpy(np.int64)})
