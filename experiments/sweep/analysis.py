"""Tidy tables from a sweep: means and confidence intervals, before/after, paired effects, windows and rates.

``load_results`` gives one row per run per collected step, with the run's point, replicate,
seed and varied parameters as columns. The rest are pure functions of DataFrames.
"""

import functools

import numpy as np
import pandas as pd
from scipy import stats

from agents.codes import WEEKS_PER_YEAR
from model.reporters import VICTIM_GROUPS

from ..core.store import Store
from .spec import DESIGN_COLUMNS, PRESET_KEY

ID_COLUMNS = ("run_id", "point_id", "replicate", "seed", "step")


def load_runs(out) -> pd.DataFrame:
    """The runs table: one row per run with status, seed, wall time, error and the varied parameters."""
    return Store(out).runs_table()


def varied(out) -> list:
    """Names of the varied parameters (the design's columns)."""
    return [c for c in Store(out).points().columns if c not in DESIGN_COLUMNS]


def load_results(out) -> pd.DataFrame:
    """Collected rows of finished runs, joined with point, replicate, seed and varied parameters."""
    from model.reporters import RENAMED

    store = Store(out)
    scan = store.scan()
    data = store.data(scan)
    if data.empty:
        return data
    data = data.rename(columns={old: new for old, new in RENAMED.items() if old in data and new not in data})
    runs = store.records(scan)[["run_id", "point_id", "replicate", "seed"]]
    df = data.merge(runs, on="run_id", how="left").merge(store.points(), on="point_id", how="left")
    first = [c for c in ID_COLUMNS if c in df] + [c for c in store.points().columns if c not in ID_COLUMNS]
    return df[first + [c for c in df.columns if c not in first]].sort_values(["run_id", "step"]).reset_index(
        drop=True)


def long_form(df: pd.DataFrame, outputs=None) -> pd.DataFrame:
    """One row per run, step and output (columns ``output`` and ``value``), for seaborn's ``hue=`` / ``col=``."""
    from model.reporters import REPORTERS

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


N_BOOT = 2000
METHODS = {
    "t": "t-interval of the mean over replicates",
    "bootstrap": f"percentile bootstrap of the mean ({N_BOOT:,} resamples, seeded; within the data's range, so "
                 "never below zero for counts)",
}


@functools.lru_cache(maxsize=32)
def _resample_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each of n replicates is drawn in each of n_boot resamples (the same for a given seed)."""
    w = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    w.flags.writeable = False
    return w


def bootstrap_bounds(values, level=0.95, n_boot=N_BOOT, seed=0):
    """Means and percentile-bootstrap bounds of the mean of each column of ``values`` (replicates x columns).

    One set of resamples (multinomial weights) serves every column, so a whole time series is one matrix
    product. Columns with missing values are bootstrapped over their own non-missing rows."""
    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        v = v[:, None]
    k = v.shape[1]
    mean, lo, hi = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    q = [(1 - level) / 2, (1 + level) / 2]
    full = ~np.isnan(v).any(axis=0)
    n = v.shape[0]
    if full.any() and n:
        mean[full] = v[:, full].mean(axis=0)
        if n >= 2:
            boot = _resample_weights(n, n_boot, seed) @ v[:, full] / n
            lo[full], hi[full] = np.quantile(boot, q, axis=0)
    for j in np.flatnonzero(~full):
        col = v[:, j][~np.isnan(v[:, j])]
        if len(col):
            m, a, b = bootstrap_bounds(col, level, n_boot, seed)
            mean[j], lo[j], hi[j] = m[0], a[0], b[0]
    return mean, lo, hi


def bootstrap_interval(values, level=0.95, n_boot=N_BOOT, seed=0):
    """Mean and the percentile-bootstrap interval of the mean (NaN bounds with fewer than 2 values)."""
    mean, lo, hi = bootstrap_bounds(np.asarray(values, dtype=float).ravel(), level, n_boot, seed)
    return mean[0], lo[0], hi[0]


def summarize(df: pd.DataFrame, outputs, by, level=0.95, method="t") -> pd.DataFrame:
    """Mean, standard deviation, n and a CI over replicates, long form: one row per group per output.

    ``method``: "t" (t-interval) or "bootstrap" (percentile bootstrap of the mean; see ``METHODS``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    by = [by] if isinstance(by, str) else list(by)
    outputs = list(outputs)
    rows = []
    for key, g in df.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        if method == "bootstrap":
            means, los, his = bootstrap_bounds(g[outputs].astype(float).to_numpy(), level)
        for j, o in enumerate(outputs):
            v = g[o].astype(float).to_numpy()
            if method == "bootstrap":
                mean, lo, hi = means[j], los[j], his[j]
            else:
                mean, lo, hi = t_interval(v, level)
            rows.append({**dict(zip(by, key, strict=True)), "output": o, "n": int((~np.isnan(v)).sum()),
                         "mean": mean, "sd": float(np.nanstd(v, ddof=1)) if (~np.isnan(v)).sum() > 1 else np.nan,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=[*by, "output", "n", "mean", "sd", "ci_low", "ci_high"])


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


def before_after(df: pd.DataFrame, outputs, week, by, window: int = WEEKS_PER_YEAR, level=0.95,
                 method="t") -> pd.DataFrame:
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
        s = summarize(frame, outputs, by, level, method=method)
        s.insert(len(by), "period", label)
        parts.append(s)
    return pd.concat(parts, ignore_index=True)


def paired_effects(df: pd.DataFrame, outputs, baseline, weeks, by="preset", level=0.95, method="t") -> pd.DataFrame:
    """Each level of ``by`` against ``baseline`` on the same seeds (common random numbers), pair by pair.

    For every run, the value of each output at each of ``weeks`` (a week's value for state
    reporters, the running total for ``*_cumulative``) minus the baseline run with the same
    replicate; then the mean difference over pairs with its t-based interval, the baseline mean
    and the relative change. Pairs are matched on ``replicate``, so the sweep must use common
    random numbers. ``method``: "t" or "bootstrap" (over pairs), as in ``summarize``."""
    interval = bootstrap_interval if method == "bootstrap" else t_interval
    at = df[df["step"].isin(list(weeks))]
    keys = pair_keys(df)
    base = at[at[by] == baseline].set_index(keys)[list(outputs)]
    rows = []
    for level_value, g in at[at[by] != baseline].groupby(by, sort=False):
        g = g.set_index(keys)[list(outputs)]
        diff = (g - base).dropna(how="all")
        for week in weeks:
            for o in outputs:
                d = diff.xs(week, level="step")[o].to_numpy(dtype=float) if week in diff.index.get_level_values(
                    "step") else np.array([])
                b = base.xs(week, level="step")[o].to_numpy(dtype=float)
                mean, lo, hi = interval(d, level)
                ref = float(np.nanmean(b)) if len(b) else np.nan
                rows.append({by: level_value, "week": week, "output": o, "pairs": int((~np.isnan(d)).sum()),
                             "baseline": ref, "difference": mean, "ci_low": lo, "ci_high": hi,
                             "relative": mean / ref if ref else np.nan})
    return pd.DataFrame(rows)


def pair_keys(df: pd.DataFrame) -> list:
    """What pairs a run with its baseline run: the replicate (common random numbers) and the week, and in a
    posterior design the draw (``sample_row``: the presets of one draw share their seeds)."""
    return ["replicate", "step"] + (["sample_row"] if "sample_row" in df else [])


def paired_differences(df: pd.DataFrame, outputs, baseline, by="preset") -> pd.DataFrame:
    """Per run and step, each output minus the baseline run with the same replicate (common random
    numbers; and the same draw of a posterior design): the same rows as ``df`` without the baseline's, with
    the differences in place of the values."""
    keys = pair_keys(df)
    base = df[df[by] == baseline].set_index(keys)[list(outputs)]
    rest = df[df[by] != baseline]
    diff = rest.set_index(keys)[list(outputs)] - base.reindex(rest.set_index(keys).index)
    values = pd.DataFrame(diff.to_numpy(), columns=list(outputs))
    return pd.concat([rest.drop(columns=list(outputs)).reset_index(drop=True), values], axis=1)


# --- windows and rates ---


def denominators(df: pd.DataFrame, fixed: dict) -> pd.DataFrame:
    """Per run: ``residents`` and ``undocumented`` at week 0, as drawn (the reporters
    ``residents_present`` and ``undocumented_present`` at step 0) when the sweep kept them; otherwise
    n_residents and n_residents x share_undocumented (the model's target count), from the run's varied
    parameters, else the spec's ``fixed``, else the model's defaults. One row per run_id."""
    from model import DEFAULTS

    if {"residents_present", "undocumented_present"} <= set(df.columns) and (df["step"] == 0).any():
        start = df[df["step"] == 0].drop_duplicates("run_id")
        return pd.DataFrame({"run_id": start["run_id"].to_numpy(),
                             "residents": start["residents_present"].to_numpy(dtype=float),
                             "undocumented": start["undocumented_present"].to_numpy(dtype=float)})
    runs = df.drop_duplicates("run_id")
    out = pd.DataFrame({"run_id": runs["run_id"].to_numpy()})
    for name in ("n_residents", "share_undocumented"):
        out[name] = runs[name].to_numpy(dtype=float) if name in runs else float(fixed.get(name, DEFAULTS[name]))
    out["residents"] = out["n_residents"]
    out["undocumented"] = out["n_residents"] * out["share_undocumented"]
    return out[["run_id", "residents", "undocumented"]]


def since(df: pd.DataFrame, outputs, start) -> pd.DataFrame:
    """Totals from week ``start`` on: each cumulative output minus its value at week ``start - 1`` in the
    same run (steps before ``start`` are dropped). Needs week ``start - 1`` collected."""
    outputs = list(outputs)
    before = df[df["step"] == start - 1].set_index("run_id")[outputs]
    if before.empty:
        raise ValueError(f"week {start - 1} was not collected: totals from week {start} cannot be formed")
    after = df[df["step"] >= start].copy()
    after[outputs] = after[outputs].to_numpy(dtype=float) - before.reindex(after["run_id"]).to_numpy(dtype=float)
    return after


def window_values(df: pd.DataFrame, start: int) -> pd.DataFrame:
    """One row per run and collected week from ``start`` on: every ``*_cumulative`` output counted from
    week ``start`` (its total over weeks start..week), state outputs as they are, and over the same window:
    ``realized_reporting_<group>_window`` (crimes reported over crimes suffered by the group's residents),
    ``clearance_rate_window`` and ``clearance_rate_<group>_window`` (cleared over reported), and
    ``victimization_rate_<group>_window`` (the mean of the weekly annualized rate per 1,000 group
    residents over the window's weeks; needs every week collected)."""
    cumulative = [c for c in df.columns if c.endswith("_cumulative")]
    w = since(df, cumulative, start)
    with np.errstate(divide="ignore", invalid="ignore"):
        def ratio(a, b):
            if a in w and b in w:
                return np.where(w[b] > 0, w[a] / w[b].where(w[b] > 0), np.nan)
            return None
        derived = {"clearance_rate_window": ratio("crimes_cleared_cumulative", "crimes_reported_cumulative")}
        for g in VICTIM_GROUPS:
            derived[f"realized_reporting_{g}_window"] = ratio(f"victimizations_reported_{g}_cumulative",
                                                              f"victimizations_{g}_cumulative")
            derived[f"clearance_rate_{g}_window"] = ratio(f"crimes_cleared_{g}_cumulative",
                                                          f"victimizations_reported_{g}_cumulative")
            rate = f"victimization_rate_{g}"
            if rate in w:
                derived[f"victimization_rate_{g}_window"] = w.groupby("run_id")[rate].transform(
                    lambda s: s.expanding().mean()).to_numpy()
    extra = pd.DataFrame({k: v for k, v in derived.items() if v is not None}, index=w.index)
    return pd.concat([w.drop(columns=[c for c in extra if c in w]), extra], axis=1)
