"""The Morris screening of the calibration targets: for a sweep of the model in the target counties
(``model = "target_county"``, ``experiments/specs/screening.toml``), every target statistic per design
point and the elementary effects on each, in units of the target's tolerance."""

import math

import numpy as np
import pandas as pd

from ..calibration.folder import CalibrationError
from ..calibration.statistics import REPORTERS_USED, Run, compute
from ..calibration.targets import load_targets
from ..core.store import Store
from .analysis import load_results
from .design import salib_problem
from .indices import morris_from_arrays
from .spec import run_parameters, spec_of_results


def _runs_of_sweep(out):
    """The sweep's finished runs as ``statistics.Run`` objects, by (sample_row, replicate, county)."""
    from model.parameters import DEFAULTS


    store = Store(out)
    spec = spec_of_results(store.manifest())
    if spec.model != "target_county":
        raise CalibrationError(f"{out}: the target screening needs a sweep of model \"target_county\"")
    if spec.collect_every != 1 or not spec.event_log:
        raise CalibrationError(f"{out}: the target screening needs every week (collect_every = 1) and the event log")
    missing = [r for r in REPORTERS_USED if r not in spec.outputs]
    if missing:
        raise CalibrationError(f"{out}: the sweep did not keep {missing}")
    data = load_results(out)
    events = store.events()
    points = store.points()
    params = dict(zip(points["point_id"], run_parameters(spec, points), strict=True))
    factory = spec.entry.factory
    runs = {}
    by_run = {rid: g for rid, g in events.groupby("run_id")} if len(events) else {}
    empty = pd.DataFrame({"week": pd.Series(dtype=np.int64), "stage": pd.Series(dtype=str),
                          "sex": pd.Series(dtype=str)})
    for rid, g in data.groupby("run_id", sort=True):
        g = g.sort_values("step")
        pid = int(g["point_id"].iloc[0])
        p = params[pid]
        built = factory(rng=int(g["seed"].iloc[0]), **p)  # the county as built (C10): same seed, same draws
        weekly = g[list(REPORTERS_USED)].reset_index(drop=True)
        run = Run(p.get("county", "national"), int(p.get("activation_week", DEFAULTS["activation_week"])), weekly,
                  by_run.get(rid, empty), built.status.copy(), built.female.copy(), built.adult.copy())
        key = (int(g["sample_row"].iloc[0]), int(g["replicate"].iloc[0]))
        runs.setdefault(key, {}).setdefault(run.county, []).append(run)
        del built
    return spec, points, runs


def target_statistics_of_sweep(out) -> pd.DataFrame:
    """Every target statistic per (sample_row, replicate) of a target-county sweep."""

    spec, points, runs = _runs_of_sweep(out)
    targets = list(load_targets()[0].values())
    rows = []
    for (row, rep), by_county in sorted(runs.items()):
        usable = [t for t in targets if all(c in by_county for c in t.counties)]
        rows.append({"sample_row": row, "replicate": rep, **compute(usable, by_county)})
    return pd.DataFrame(rows)


THRESHOLD = 1.0  # tolerances beyond the noise a parameter must move some target by, across its range, to be fitted
NOISE_RATIO = 2.0  # ... with a mu* at least this many times the target's noise floor


def target_sensitivity(out, level=0.95, threshold: float = THRESHOLD) -> tuple:
    """Morris mu* of every target statistic to every screened parameter, against the noise, in tolerances.

    The statistic of a design point is its mean over the replications. Runs are stochastic, so an
    elementary effect holds noise as well as the parameter's effect: with replicates, each target's noise
    floor is estimated as the mu* that pure noise would give (sqrt(2/pi) times the sd of the difference of
    two point means, over the Morris step Delta). Returns (table, ranking): table has one row per
    (target, parameter) with mu*, its bootstrap interval, sigma, the noise floor, and mu* and the excess
    over the floor divided by the target's tolerance (half its range); ranking has one row per parameter
    with the largest excess over the targets and the target it comes from, and the targets it moves: by at
    least ``threshold`` tolerances beyond the floor, with a mu* at least NOISE_RATIO times the floor. A
    parameter that moves no target by a whole tolerance over its range cannot be pinned by the targets."""

    spec = spec_of_results(Store(out).manifest())
    if spec.design.method != "morris":
        raise CalibrationError(f"{out}: the target screening needs a Morris design")
    stats = target_statistics_of_sweep(out)
    problem = salib_problem(spec)
    points = Store(out).points()
    x = points.drop_duplicates("sample_row").sort_values("sample_row")[problem["names"]].to_numpy()
    targets = load_targets()[0]
    columns = [c for c in stats.columns if c in targets]
    per_row = stats.groupby("sample_row")[columns].mean()
    reps = stats.groupby("sample_row").size()
    replicates = int(reps.min()) if len(reps) else 1
    spread = stats.groupby("sample_row")[columns].var(ddof=1).mean() if replicates > 1 else None
    delta = spec.design.levels / (2.0 * (spec.design.levels - 1))
    tables = []
    for tid in columns:
        y = per_row[tid].reindex(range(len(x))).to_numpy(dtype=float)
        if not np.isfinite(y).all():
            y = np.where(np.isfinite(y), y, np.nanmean(y))  # a point that could not measure it: the mean
        t = targets[tid]
        tol = (t.high - t.low) / 2
        floor = (math.sqrt(2 / math.pi) * math.sqrt(2 * spread[tid] / replicates) / delta
                 if spread is not None and np.isfinite(spread[tid]) else math.nan)
        table, _ = morris_from_arrays(problem, x, y, spec.design.levels, level)
        table.insert(0, "target", tid)
        table["tolerance"] = tol
        table["noise_floor"] = floor
        table["mu_star_per_tolerance"] = table["mu_star"] / tol
        table["excess_per_tolerance"] = (table["mu_star"] - (0 if np.isnan(floor) else floor)) / tol
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    table["above_noise"] = table["mu_star"] / table["noise_floor"]
    table["moves"] = (table["excess_per_tolerance"] >= threshold) & ~(table["above_noise"] < NOISE_RATIO)
    best = table.loc[table.groupby("parameter")["excess_per_tolerance"].idxmax()]
    ranking = best[["parameter", "target", "excess_per_tolerance", "mu_star_per_tolerance", "noise_floor",
                    "tolerance", "above_noise"]].rename(columns={"target": "most_moved_target"})
    ranking["noise_floor_per_tolerance"] = ranking.pop("noise_floor") / ranking.pop("tolerance")
    moved = table[table["moves"]].sort_values("excess_per_tolerance", ascending=False).groupby("parameter")["target"]
    ranking["targets_moved"] = ranking["parameter"].map(moved.apply(", ".join)).fillna("")
    ranking["worth_fitting"] = ranking["targets_moved"] != ""
    ranking = ranking.sort_values(["worth_fitting", "excess_per_tolerance"], ascending=False).reset_index(drop=True)
    return table, ranking
