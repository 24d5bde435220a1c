"""Sensitivity indices of a sweep (SALib): Sobol from a Saltelli design, Morris elementary effects, with
warnings where an index should not be trusted as it stands."""

import warnings

import numpy as np
import pandas as pd

from ..core.schema import PRESET_KEY
from ..core.store import Store
from .analysis import load_results, run_statistic
from .design import salib_problem
from .spec import spec_of_results


class SensitivityWarning(UserWarning):
    """Sensitivity indices that should not be trusted as they stand."""


def sobol_from_arrays(problem: dict, y, second_order=False, level=0.95, seed=1, wide=0.1) -> tuple:
    """SALib Sobol indices of one output (y in Saltelli sample order); returns (table, warnings). ``seed``: the
    bootstrap's (SALib ignores a seed of 0 and draws unseeded intervals, so the default is 1)."""
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol.analyze(problem, y, calc_second_order=second_order, conf_level=level, seed=seed,
                            print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                          "ST": res["ST"], "ST_conf": res["ST_conf"]})
    notes = []
    for _, r in table.iterrows():
        for idx in ("S1", "ST"):
            if not np.isfinite(r[idx]):
                notes.append(f"{r['parameter']}: {idx} is not finite (does the output vary at all?)")
            elif r[f"{idx}_conf"] > wide:
                notes.append(f"{r['parameter']}: {idx} = {r[idx]:.3f} ± {r[f'{idx}_conf']:.3f}, interval wider "
                             f"than ±{wide}; more samples (design.samples) or replications needed")
            if r[idx] < -0.01:
                notes.append(f"{r['parameter']}: {idx} = {r[idx]:.3f} is negative (sampling error: the "
                             "sample is too small or the output too noisy)")
    return table, notes


def morris_from_arrays(problem: dict, x, y, levels=4, level=0.95, seed=0) -> tuple:
    """SALib Morris elementary effects of one output; returns (table, warnings)."""
    from SALib.analyze import morris

    res = morris.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float), num_levels=levels,
                         conf_level=level, seed=seed, print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
                          "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
    notes = [f"{r['parameter']}: mu* = {r['mu_star']:.3g} ± {r['mu_star_conf']:.3g}, interval wider than half "
             "of mu*; more trajectories (design.samples) needed"
             for _, r in table.iterrows() if r["mu_star"] > 0 and r["mu_star_conf"] > 0.5 * r["mu_star"]]
    return table, notes


def paired_runs(per_run: pd.DataFrame, outputs, baseline: str) -> pd.DataFrame:
    """One row per run of the other presets: each output minus the baseline preset's run at the same sample row
    and replicate (common random numbers give them the same seed)."""
    keys = ["sample_row", "replicate"]
    base = per_run[per_run[PRESET_KEY] == baseline].set_index(keys)[list(outputs)]
    rest = per_run[per_run[PRESET_KEY] != baseline].reset_index(drop=True)
    diff = rest.set_index(keys)[list(outputs)] - base.reindex(rest.set_index(keys).index)
    rest[list(outputs)] = diff.to_numpy()
    return rest


def top_three(table: pd.DataFrame, index="ST") -> pd.DataFrame:
    """Per output (and preset): the three parameters with the largest ``index`` and whether each can be ranked
    above the next one (their intervals, index +- conf, do not overlap) and above zero."""
    rows = []
    keys = [c for c in table.columns if c not in ("parameter", "S1", "S1_conf", "ST", "ST_conf")]
    for key, g in table.groupby(keys, sort=False):
        g = g.sort_values(index, ascending=False).reset_index(drop=True)
        for i in range(min(3, len(g))):
            r, nxt = g.iloc[i], (g.iloc[i + 1] if i + 1 < len(g) else None)
            lo = r[index] - r[f"{index}_conf"]
            above = nxt is None or lo > nxt[index] + nxt[f"{index}_conf"]
            rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)), "rank": i + 1,
                         "parameter": r["parameter"], index: r[index], f"{index}_conf": r[f"{index}_conf"],
                         "above_next": bool(above), "above_zero": bool(lo > 0)})
    return pd.DataFrame(rows)


def sensitivity(out, outputs=None, statistic="final") -> tuple:
    """Sobol or Morris indices of each output (mean over replicates of the run statistic).

    With lists crossed into the design (e.g. presets), indices are computed per combination.
    Returns (table, warnings); the table is empty for factorial and LHS sweeps.
    """
    store = Store(out)
    spec = spec_of_results(store.manifest())
    if spec.design.method not in ("sobol", "morris"):
        return pd.DataFrame(), []
    outputs = list(outputs or spec.analysis.get("outputs") or spec.outputs[:1])
    problem = salib_problem(spec)
    points = store.points()
    columns = [c for c in points.columns if c in problem["names"]]
    if columns != problem["names"]:  # the sample's column order is what the indices are attributed by
        raise ValueError(f"design columns {columns} do not match the spec's ranges {problem['names']}")
    per_run = run_statistic(load_results(out), outputs, statistic)
    baseline = spec.analysis.get("baseline")
    if baseline is not None:  # indices of the effects: each run minus the baseline run of its sample row and seed
        per_run = paired_runs(per_run, outputs, baseline)
        points = points[points[PRESET_KEY] != baseline]
    per_point = per_run.groupby("point_id")[outputs].mean()
    groups = [f.name for f in spec.factors if not f.is_range]
    tables, notes = [], []
    for key, g in (points.groupby(groups, sort=True) if groups else [((), points)]):
        key = key if isinstance(key, tuple) else (key,)
        label = dict(zip(groups, key, strict=True))
        g = g.sort_values("sample_row")
        missing = sorted(set(g["point_id"]) - set(per_point.index))
        if missing:
            notes.append(f"{label or 'all'}: {len(missing)} of {len(g)} points have no finished run; "
                         "indices skipped (resume the sweep first)")
            continue
        for o in outputs:
            y = per_point.loc[g["point_id"], o].to_numpy()
            if spec.design.method == "sobol":
                t, w = sobol_from_arrays(problem, y, spec.design.second_order, spec.analysis.get("ci", 0.95))
            else:
                t, w = morris_from_arrays(problem, g[problem["names"]].to_numpy(), y, spec.design.levels,
                                          spec.analysis.get("ci", 0.95))
            for k, v in label.items():
                t.insert(0, k, v)
            t.insert(len(label), "output", o)
            tables.append(t)
            notes += [f"{o}{' ' + str(label) if label else ''}: {n}" for n in w]
    for n in notes:
        warnings.warn(n, SensitivityWarning, stacklevel=2)
    return (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()), notes
