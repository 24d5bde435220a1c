"""Tidy tables from a sweep: means and confidence intervals, before/after, sensitivity indices.

``load_results`` gives one row per run per collected step, with the run's point, replicate,
seed and varied parameters as columns. The rest are pure functions of DataFrames.
"""

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .spec import DESIGN_COLUMNS, PRESET_KEY
from .store import Store

ID_COLUMNS = ("run_id", "point_id", "replicate", "seed", "step")


class SensitivityWarning(UserWarning):
    """Sensitivity indices that should not be trusted as they stand."""


def load_runs(out) -> pd.DataFrame:
    """The runs table: one row per run with status, seed, wall time, error and the varied parameters."""
    return Store(out).runs_table()


def varied(out) -> list:
    """Names of the varied parameters (the design's columns)."""
    return [c for c in Store(out).points().columns if c not in DESIGN_COLUMNS]


def load_results(out) -> pd.DataFrame:
    """Collected rows of finished runs, joined with point, replicate, seed and varied parameters."""
    store = Store(out)
    scan = store.scan()
    data = store.data(scan)
    if data.empty:
        return data
    runs = store.records(scan)[["run_id", "point_id", "replicate", "seed"]]
    df = data.merge(runs, on="run_id", how="left").merge(store.points(), on="point_id", how="left")
    first = [c for c in ID_COLUMNS if c in df] + [c for c in store.points().columns if c not in ID_COLUMNS]
    return df[first + [c for c in df.columns if c not in first]].sort_values(["run_id", "step"]).reset_index(
        drop=True)


def long_form(df: pd.DataFrame, outputs=None) -> pd.DataFrame:
    """One row per run, step and output (columns ``output`` and ``value``), for seaborn's ``hue=`` / ``col=``."""
    from model.metrics import REPORTERS

    outputs = list(outputs) if outputs is not None else [c for c in df.columns if c in REPORTERS]
    ids = [c for c in df.columns if c not in outputs]
    return df.melt(id_vars=ids, value_vars=outputs, var_name="output", value_name="value")


def activation_week(out) -> int | None:
    """The activation week when the whole sweep shares one (from fixed, a preset or the model default)."""
    from model import DEFAULTS, PRESETS

    spec = Store(out).manifest()["spec"]
    fixed = spec.get("fixed", {})
    params = spec.get("parameters", {})
    if "activation_week" in params:
        return None
    if "activation_week" in fixed:
        return int(fixed["activation_week"])
    presets = params.get(PRESET_KEY, [fixed[PRESET_KEY]] if PRESET_KEY in fixed else [])
    weeks = {PRESETS[p].get("activation_week", DEFAULTS["activation_week"]) for p in presets} or {
        DEFAULTS["activation_week"]}
    return weeks.pop() if len(weeks) == 1 else None


def t_interval(values, level=0.95):
    """Mean and the t-based confidence interval of the mean (NaN bounds with fewer than 2 values)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = v.mean()
    if n < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def summarize(df: pd.DataFrame, outputs, by, level=0.95) -> pd.DataFrame:
    """Mean, standard deviation, n and a t-based CI over replicates, long form: one row per group per output."""
    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, g in df.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for o in outputs:
            v = g[o].astype(float).to_numpy()
            mean, lo, hi = t_interval(v, level)
            rows.append({**dict(zip(by, key, strict=True)), "output": o, "n": int((~np.isnan(v)).sum()),
                         "mean": mean, "sd": float(np.nanstd(v, ddof=1)) if len(v) > 1 else np.nan,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def run_statistic(df: pd.DataFrame, outputs, statistic="final", from_step=None) -> pd.DataFrame:
    """One row per run: each output's value at the last collected step, or its mean over steps."""
    if from_step is not None:
        df = df[df["step"] >= from_step]
    keys = [c for c in df.columns if c not in outputs and c != "step"]
    if statistic == "final":
        last = df.sort_values("step").groupby("run_id", sort=True).tail(1)
        return last[keys + list(outputs)].sort_values("run_id").reset_index(drop=True)
    if statistic == "mean":
        means = df.groupby("run_id", sort=True)[list(outputs)].mean().reset_index()
        first = df.drop_duplicates("run_id")[keys]
        return first.merge(means, on="run_id").sort_values("run_id").reset_index(drop=True)
    raise ValueError(f"statistic must be 'final' or 'mean', got {statistic!r}")


def before_after(df: pd.DataFrame, outputs, week, by, window: int = 52, level=0.95) -> pd.DataFrame:
    """Mean weekly value in the ``window`` weeks before ``week`` and the ``window`` weeks from it, per run,
    then summarized over replicates (with the difference after - before). ``week``: a week, or the name
    of a column holding each run's own week (e.g. ``"activation_week"``)."""
    by = [by] if isinstance(by, str) else list(by)
    w = df[week] if isinstance(week, str) else week
    before = df[(df["step"] >= np.maximum(1, w - window)) & (df["step"] < w)]
    after = df[(df["step"] >= w) & (df["step"] < w + window)]
    b = before.groupby(["run_id"] + by)[list(outputs)].mean()
    a = after.groupby(["run_id"] + by)[list(outputs)].mean()
    diff = (a - b).reset_index()
    parts = []
    for label, frame in (("before", b.reset_index()), ("after", a.reset_index()), ("after - before", diff)):
        s = summarize(frame, outputs, by, level)
        s.insert(len(by), "period", label)
        parts.append(s)
    return pd.concat(parts, ignore_index=True)


def paired_effects(df: pd.DataFrame, outputs, baseline, weeks, by="preset", level=0.95) -> pd.DataFrame:
    """Each level of ``by`` against ``baseline`` on the same seeds (common random numbers), pair by pair.

    For every run, the value of each output at each of ``weeks`` (a week's value for state
    reporters, the running total for ``*_cumulative``) minus the baseline run with the same
    replicate; then the mean difference over pairs with its t-based interval, the baseline mean
    and the relative change. Pairs are matched on ``replicate``, so the sweep must use common
    random numbers."""
    at = df[df["step"].isin(list(weeks))]
    base = at[at[by] == baseline].set_index(["replicate", "step"])[list(outputs)]
    rows = []
    for level_value, g in at[at[by] != baseline].groupby(by, sort=False):
        g = g.set_index(["replicate", "step"])[list(outputs)]
        diff = (g - base).dropna(how="all")
        for week in weeks:
            for o in outputs:
                d = diff.xs(week, level="step")[o].to_numpy(dtype=float) if week in diff.index.get_level_values(
                    "step") else np.array([])
                b = base.xs(week, level="step")[o].to_numpy(dtype=float)
                mean, lo, hi = t_interval(d, level)
                ref = float(np.nanmean(b)) if len(b) else np.nan
                rows.append({by: level_value, "week": week, "output": o, "pairs": int((~np.isnan(d)).sum()),
                             "baseline": ref, "difference": mean, "ci_low": lo, "ci_high": hi,
                             "relative": mean / ref if ref else np.nan})
    return pd.DataFrame(rows)


# --- sensitivity ---
def sobol_from_arrays(problem: dict, y, second_order=False, level=0.95, seed=0, wide=0.1) -> tuple:
    """SALib Sobol indices of one output (y in Saltelli sample order); returns (table, warnings)."""
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


def sensitivity(out, outputs=None, statistic="final") -> tuple:
    """Sobol or Morris indices of each output (mean over replicates of the run statistic).

    With lists crossed into the design (e.g. presets), indices are computed per combination.
    Returns (table, warnings); the table is empty for factorial and LHS sweeps.
    """
    from .design import salib_problem
    from .spec import spec_of_results

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
