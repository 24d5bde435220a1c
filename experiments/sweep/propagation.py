"""Every headline with its full uncertainty: posterior draws x the unfitted assumptions x seeds.

A propagation sweep (``experiments/specs/propagation.toml``) is a posterior design: each draw is a particle
of the calibration's posterior with its own values of the assumptions that no target pins (ranges under
``[parameters]``), crossed with the presets and run on ``replications`` seeds of its own, the presets of a
draw on the same seeds (``experiments.sweep.run.seed_keys``). Here each run is paired with the baseline run
of its draw and seed, and the paired effects are summarized three ways:

- **propagated**: the ``level`` percentile interval over every (draw, seed) pair: where the effect in one
  county of this size falls, given what we do not know (parameters) and chance (seeds);
- **seed-only**: the same range over seeds at one parameter set (the calibrated defaults: ``seed_only``),
  and the interval of their mean, what the report said before;
- **seed share**: the variance between seeds of one draw, averaged over draws (unbiased with two or more
  seeds a draw), over the total variance of the pairs; the rest is the parameters' share (the variance of
  the draws' means less the seed noise it carries).
"""

import numpy as np
import pandas as pd

from ..core.schema import PRESET_KEY
from .analysis import bootstrap_interval, paired_differences

DRAW = "sample_row"  # a posterior design's draw (experiments.sweep.design.build_design)


def paired_at(df: pd.DataFrame, outputs, baseline: str, week: int, by=PRESET_KEY) -> pd.DataFrame:
    """One row per (preset, draw, seed) at ``week``: each output minus the baseline run of the same draw and
    seed, with the draw's parameters."""
    if DRAW not in df:
        df = df.assign(**{DRAW: 0})  # one parameter set: every pair is a seed of the same draw
    at = df[df["step"] == week]
    missing = [o for o in outputs if o not in at]
    if missing:
        raise KeyError(f"outputs {missing} are not in the results")
    if at.empty:
        raise ValueError(f"week {week} was not collected")
    pairs = paired_differences(at, list(outputs), baseline, by)
    pairs = pairs.dropna(subset=list(outputs), how="all")
    pairs[by] = pairs[by].astype(str)
    return pairs.reset_index(drop=True)


def _quantiles(values, level):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return np.nan, np.nan
    a = (1 - level) / 2
    return float(np.quantile(v, a)), float(np.quantile(v, 1 - a))


def decompose(pairs: pd.DataFrame, outputs, level=0.95, by=PRESET_KEY) -> pd.DataFrame:
    """Per preset and output: the mean effect, the propagated interval (over all pairs), the interval of the
    draws' means, and the seed share of the variance (within draws over total). One row each."""
    rows = []
    for preset, g in pairs.groupby(by, sort=False):
        for o in outputs:
            x = g[[DRAW, o]].dropna()
            per_draw = x.groupby(DRAW)[o]
            sizes = per_draw.size()
            total = float(x[o].var(ddof=1)) if len(x) > 1 else np.nan
            within = per_draw.var(ddof=1)[sizes > 1]
            seed_var = float(within.mean()) if len(within) else np.nan
            share = float(np.clip(seed_var / total, 0, 1)) if total and np.isfinite(seed_var) and total > 0 \
                else np.nan
            lo, hi = _quantiles(x[o], level)
            dlo, dhi = _quantiles(per_draw.mean(), level)
            rows.append({by: preset, "output": o, "draws": int(len(sizes)), "pairs": int(len(x)),
                         "seeds_per_draw": float(sizes.mean()) if len(sizes) else np.nan,
                         "mean": float(x[o].mean()), "low": lo, "high": hi, "draw_low": dlo, "draw_high": dhi,
                         "sd": float(np.sqrt(total)) if np.isfinite(total) else np.nan,
                         "seed_sd": float(np.sqrt(seed_var)) if np.isfinite(seed_var) else np.nan,
                         "seed_share": share, "share_negative": float((x[o] < 0).mean()),
                         "draws_negative": float((per_draw.mean() < 0).mean())})
    return pd.DataFrame(rows)


def seed_only(df: pd.DataFrame, outputs, baseline: str, week: int, level=0.95, by=PRESET_KEY) -> pd.DataFrame:
    """Per preset and output at ``week``: the paired effects over the seeds of one parameter set (a sweep at
    the defaults): mean, ``level`` percentile range over the seeds (``seed_low``, ``seed_high``) and the
    percentile-bootstrap interval of the mean (``seed_ci_low``, ``seed_ci_high``: the interval the report gave
    before the propagation, seed noise alone)."""
    pairs = paired_at(df.drop(columns=[DRAW], errors="ignore"), outputs, baseline, week, by)
    rows = []
    for preset, g in pairs.groupby(by, sort=False):
        for o in outputs:
            lo, hi = _quantiles(g[o], level)
            _, clo, chi = bootstrap_interval(g[o].dropna().to_numpy(dtype=float), level)
            rows.append({by: preset, "output": o, "seeds": int(g[o].notna().sum()), "seed_mean": float(g[o].mean()),
                         "seed_low": lo, "seed_high": hi, "seed_ci_low": clo, "seed_ci_high": chi})
    return pd.DataFrame(rows)


def propagated_table(prop: pd.DataFrame, outputs, baseline: str, week: int, level=0.95, defaults=None,
                     by=PRESET_KEY) -> pd.DataFrame:
    """The propagated effects at ``week`` (``decompose``), beside the seed-only ones of ``defaults`` (a sweep
    at the calibrated defaults with the same presets) when given."""
    table = decompose(paired_at(prop, outputs, baseline, week, by), outputs, level, by)
    table.insert(1, "week", week)
    if defaults is not None:
        present = [o for o in outputs if o in defaults]
        table = table.merge(seed_only(defaults, present, baseline, week, level, by), on=[by, "output"], how="left")
    return table


def series(prop: pd.DataFrame, outputs, baseline: str, weeks, level=0.95, by=PRESET_KEY) -> pd.DataFrame:
    """The propagated interval week by week (for the ripple's bands): one row per preset, output and week."""
    diffs = paired_differences(prop[prop["step"].isin(list(weeks))], list(outputs), baseline, by)
    rows = []
    for (preset, week), g in diffs.groupby([by, "step"], sort=True, observed=True):
        for o in outputs:
            lo, hi = _quantiles(g[o], level)
            rows.append({by: str(preset), "output": o, "step": int(week), "mean": float(g[o].mean()), "low": lo,
                         "high": hi})
    return pd.DataFrame(rows)


def draw_effects(prop: pd.DataFrame, output: str, focus: str, baseline: str, week: int, by=PRESET_KEY) -> tuple:
    """(X, y): per draw, the varied parameters (X, one row a draw) and the effect of ``focus`` against
    ``baseline`` at ``week`` averaged over the draw's seeds (y), for scenario discovery and sensitivity."""
    pairs = paired_at(prop, [output], baseline, week, by)
    pairs = pairs[pairs[by] == focus]
    y = pairs.groupby(DRAW)[output].mean()
    names = [c for c in parameter_columns(prop) if c in pairs]
    x = pairs.groupby(DRAW)[names].first().loc[y.index]
    return x.reset_index(drop=True), y.reset_index(drop=True)


def parameter_columns(df: pd.DataFrame) -> list:
    """The parameters a posterior design varies: the columns between ``point_id`` and ``sample_row`` less the
    lists crossed with the draws (the preset)."""
    cols = list(df.columns)
    if DRAW not in cols or "point_id" not in cols:
        return []
    from model.parameters import PARAMETER_TABLE

    return [c for c in cols if c in PARAMETER_TABLE and c != PRESET_KEY and df[c].nunique() > 1
            and pd.api.types.is_numeric_dtype(df[c])]


__all__ = ["decompose", "draw_effects", "paired_at", "propagated_table", "seed_only", "series"]
