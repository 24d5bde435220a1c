"""The story's tables, drawn by ``reports.plots.ripple`` and ``reports.plots.funnel``: the ripple of enforcement
week by week (who is detained, who knows, who is chilled, reporting and victimization against the baseline)
and the pathway's funnel from arrest to removal."""

import pandas as pd

from agents.codes import WEEKS_PER_YEAR

from ..core.schema import PRESET_KEY
from .analysis import VICTIM_GROUPS, paired_differences, since, summarize, window_values

DOOR_FLOWS = ("ice_pickups", "at_large_arrests", "background_arrests")  # ICE's detentions, one flow per door
RIPPLE_SETTLE = WEEKS_PER_YEAR // 4  # weeks after activation before panels 5 and 6 (ratios over the window) show
RIPPLE_CHILLED = ("undocumented", "hispanic", "hispanic_us_born", "non_hispanic")
# The funnel's stages: (flow, branch). Branches: the jail's pathway, then each of ICE's doors.
FUNNEL_STAGES = (
    ("arrests", "pathway"), ("ident_matches", "pathway"), ("detainers_issued", "pathway"),
    ("detainers_honored", "pathway"), ("detainers_declined", "pathway"),
    ("ice_pickups", "sc"), ("removals_sc", "sc"),
    ("at_large_arrests", "at_large"), ("removals_at_large", "at_large"),
    ("background_arrests", "background"), ("removals_background", "background"),
    ("removals", "all"),
)


def _with_detentions(df: pd.DataFrame) -> pd.DataFrame:
    cols = [f"{f}_cumulative" for f in DOOR_FLOWS]
    if all(c in df for c in cols) and "detentions_cumulative" not in df:
        df = df.assign(detentions_cumulative=df[cols].sum(axis=1))
    return df


def ripple_table(df: pd.DataFrame, activation: int, dens: pd.DataFrame, focus="sc_full", baseline="pre_sc",
                 by=PRESET_KEY, level=0.95) -> pd.DataFrame:
    """The ripple of enforcement, week by week, as one tidy table (one row per panel, series and week):
    1 people detained by ICE per 1,000 undocumented residents (total since week 0, all three doors);
    2 Hispanic adults who know someone detained (any tie; household or friends); 3 the share chilled by
    group; 4 reporting propensity of the fixed cohort, 5 realized reporting (crimes reported over crimes
    suffered since activation) and 6 victimizations per 1,000 group residents a year since activation
    (5 and 6 from ``RIPPLE_SETTLE`` weeks after activation, when the window holds enough crimes),
    each as ``focus`` minus ``baseline`` on the same seed. Panels 1-3 give both presets' levels (%,
    per 1,000); 4-6 the paired change in percentage points (4, 5) or per 1,000 a year (6). ``mean``,
    ``ci_low``, ``ci_high``: mean over replicates and its percentile-bootstrap interval."""
    from model.labels import GROUP_LABELS, PRESET_SHORT

    df = _with_detentions(df[df[by].isin([focus, baseline])]).merge(dens, on="run_id", how="left")
    df = df.assign(detained_per_1000_undocumented=df["detentions_cumulative"] * 1000 / df["undocumented"])
    parts = []

    def add(frame, columns, panel, title, unit, scale, series):
        if not columns:  # a sweep that kept none of this panel's outputs has no such panel
            return
        s = summarize(frame, list(columns), [by, "step"], level, method="bootstrap")
        for c in ("mean", "ci_low", "ci_high"):
            s[c] = s[c] * scale
        info = pd.DataFrame([{"output": c, **series(c, p)} for c in columns for p in (focus, baseline)])
        s = s.merge(info, left_on=["output", by], right_on=["output", "preset_of_series"], how="inner")
        s = s.drop(columns=["preset_of_series"])
        s.insert(0, "panel", panel)
        s.insert(1, "title", title)
        s["unit"] = unit
        parts.append(s)

    def level_series(group_of):
        def f(c, p):
            return {"preset_of_series": p, "series": f"{group_of(c)}, {PRESET_SHORT[p]}",
                    "color": group_of(c, color=True) or p, "style": "solid" if p == focus else "dashed"}
        return f

    add(df, ["detained_per_1000_undocumented"], 1, "1. Detained by ICE (total since week 0)",
        "per 1,000 undocumented residents", 1.0,
        lambda c, p: {"preset_of_series": p, "series": PRESET_SHORT[p], "color": p,
                      "style": "solid" if p == focus else "dashed"})
    knows = {"share_hispanic_adults_knows_detained": "any tie",
             "share_hispanic_adults_knows_detained_close": "household or friends"}
    add(df, [c for c in knows if c in df], 2, "2. Hispanic adults who know someone detained", "% of Hispanic adults",
        100.0, lambda c, p: {"preset_of_series": p, "series": f"{knows[c]}, {PRESET_SHORT[p]}", "color": p,
                             "style": "solid" if c.endswith("detained") else "dotted"})
    chilled = [f"chilled_share_{g}" for g in RIPPLE_CHILLED if f"chilled_share_{g}" in df]
    add(df, chilled, 3, "3. Chilled (afraid to go to the police)", "% of the group", 100.0,
        level_series(lambda c, color=False: c[len("chilled_share_"):] if color else
                     GROUP_LABELS[c[len("chilled_share_"):]]))
    # paired changes
    cohort = [f"reporting_rate_cohort_{g}" for g in VICTIM_GROUPS if f"reporting_rate_cohort_{g}" in df]
    window = window_values(df, activation)
    realized = [f"realized_reporting_{g}_window" for g in VICTIM_GROUPS if f"realized_reporting_{g}_window" in window]
    victim = [f"victimization_rate_{g}_window" for g in VICTIM_GROUPS if f"victimization_rate_{g}_window" in window]
    change = f"change from {PRESET_SHORT[baseline]}"

    def group_series(prefix, suffix=""):
        def f(c, p):
            g = c[len(prefix):len(c) - len(suffix)]
            return {"preset_of_series": p, "series": GROUP_LABELS[g], "color": g, "style": "solid"}
        return f

    add(paired_differences(df, cohort, baseline, by), cohort, 4,
        f"4. Would report a crime (fixed cohort), {change}", "percentage points", 100.0,
        group_series("reporting_rate_cohort_"))
    # window ratios start from a handful of crimes: shown from a quarter (13 weeks) after activation
    window = window[window["step"] >= activation + RIPPLE_SETTLE]
    add(paired_differences(window, realized, baseline, by), realized, 5,
        f"5. Share of crimes reported since week {activation}, {change}", "percentage points", 100.0,
        group_series("realized_reporting_", "_window"))
    add(paired_differences(window, victim, baseline, by), victim, 6,
        f"6. Victimization since week {activation}, {change}", "per 1,000 group residents a year", 1.0,
        group_series("victimization_rate_", "_window"))
    out = pd.concat(parts, ignore_index=True)
    return out[["panel", "title", "unit", "series", "color", "style", by, "output", "step", "n", "mean", "ci_low",
                "ci_high"]]


def funnel_table(df: pd.DataFrame, start: int, dens: pd.DataFrame, by=PRESET_KEY, level=0.95) -> pd.DataFrame:
    """The pathway's funnel per preset, counted from week ``start`` to the last week: arrests, fingerprint
    matches, detainers issued, honored and declined, then ICE's three doors (picked up at the jail,
    arrested at large, arrested in its own operations) with the removals through each, and all removals.
    One row per preset and stage: mean total over replicates with its percentile-bootstrap interval,
    and the same per 1,000 residents and per 1,000 undocumented residents (``denominators``)."""
    flows = [(f, b) for f, b in FUNNEL_STAGES if f"{f}_cumulative" in df]
    cols = [f"{f}_cumulative" for f, _ in flows]
    last = int(df["step"].max())
    w = since(df, cols, start)
    w = w[w["step"] == last].merge(dens, on="run_id", how="left")
    s = summarize(w, cols, [by], level, method="bootstrap")
    per = w.groupby(by)[["residents", "undocumented"]].mean()
    s["flow"] = s["output"].str.replace("_cumulative", "", regex=False)
    s["branch"] = s["flow"].map(dict(flows))
    s["stage"] = s["flow"].map({f: i for i, (f, _) in enumerate(flows)})
    for base, name in (("residents", "per_1000_residents"), ("undocumented", "per_1000_undocumented")):
        d = s[by].map(per[base])
        for c in ("mean", "ci_low", "ci_high"):
            s[f"{c}_{name}"] = s[c] * 1000 / d
    s["window"] = f"weeks {start}-{last}"
    return s.sort_values([by, "stage"]).drop(columns=["output"]).reset_index(drop=True)
