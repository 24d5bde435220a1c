"""The sections of a sweep's report that compare presets: the ripple and the funnel (the story, right after
"What ran"), the effects against the baseline pair by pair, and the policy comparison's bars."""

import numpy as np
import pandas as pd

from agents.codes import WEEKS_PER_YEAR
from model.labels import PRESET_COLORS

from ..core.schema import PRESET_KEY
from ..sweep import analysis, story
from . import plots
from . import propagation as full
from .markdown import interval, plural
from .sections import Section
from .sweep import METHOD, SweepResults, column_label, param_label

# Outputs derived over the window from activation (analysis.window_values), added to the effects table.
DERIVED_EFFECTS = (*(f"realized_reporting_{g}_window" for g in analysis.VICTIM_GROUPS), "clearance_rate_window",
                   *(f"clearance_rate_{g}_window" for g in analysis.VICTIM_GROUPS),
                   *(f"victimization_rate_{g}_window" for g in analysis.VICTIM_GROUPS))


def headline(rip: pd.DataFrame, act: int, steps: int, focus: str, baseline: str, level: float,
             base_reporting: float, propagated: str = "") -> str:
    """The ripple in one sentence, with its numbers, at the last week."""
    last = rip[rip["step"] == rip["step"].max()].set_index(["output", PRESET_KEY])

    def v(output, preset):
        r = last.loc[(output, preset)]
        return r["mean"], r["ci_low"], r["ci_high"]

    years = (steps - act) / WEEKS_PER_YEAR
    knows, knows0 = v("share_hispanic_adults_knows_detained", focus), v("share_hispanic_adults_knows_detained",
                                                                          baseline)
    chill, chill0 = v("chilled_share_undocumented", focus), v("chilled_share_undocumented", baseline)
    drop = v("reporting_rate_cohort_hispanic_citizen", focus)
    return (f"**In one sentence:** {plural(years, 'year')} after fingerprint sharing began under "
            f"{plots.hue_label(focus).lower()}, {knows[0]:.1f}% of Hispanic adults knew someone detained by ICE "
            f"(against {knows0[0]:.1f}% with no program), {chill[0]:.0f}% of undocumented residents were afraid "
            f"enough to hold back from the police (against {chill0[0]:.0f}%), and Hispanic citizens had become "
            f"{-drop[0]:.1f} percentage points less likely to report a crime they suffered ({base_reporting:.0%} "
            f"would with no program; the drop's {level:.0%} interval: {-drop[2]:.1f} to {-drop[1]:.1f}; week "
            f"{steps}, mean of the paired differences over the seeds at the calibrated defaults, `tables/ripple.csv`)."
            + propagated)


def ripple(r: SweepResults, doc) -> None:
    df, act, baseline, spec, level = r.df, r.act, r.baseline, r.spec, r.level
    if not (r.story and baseline):
        return
    present = [p for p in plots.hue_order(df[PRESET_KEY].unique()) if p != baseline]
    focus = "sc_full" if "sc_full" in present else (present[0] if present else None)
    if not focus:
        return
    missing = [f"{f}_cumulative" for f in story.DOOR_FLOWS if f"{f}_cumulative" not in df]
    if missing:
        doc.heading("The ripple")
        doc.text(f"Not drawn: the ripple counts ICE's detentions through its three doors, and this sweep did not "
                 f"keep {', '.join(f'`{m}`' for m in missing)} (add them to the spec's outputs).")
        return
    rip = story.ripple_table(df, act, r.dens, focus=focus, baseline=baseline, level=level)
    bands = full.ripple_bands(r, sorted(set(rip["step"])), focus)
    if len(bands):  # panel 4's outer bands: the propagated interval (posterior x assumptions x seeds)
        four = rip["panel"] == 4
        b = bands.set_index(["output", "step"])[["low", "high"]]
        at = pd.MultiIndex.from_frame(rip.loc[four, ["output", "step"]])
        rip.loc[four, "prop_low"] = b["low"].reindex(at).to_numpy()
        rip.loc[four, "prop_high"] = b["high"].reindex(at).to_numpy()
    doc.csv(rip, "ripple.csv")
    paths = plots.ripple(rip, doc.figures, activation=act)
    last = df[(df["step"] == df["step"].max()) & (df[PRESET_KEY].astype(str) == baseline)]
    base_reporting = float(last["reporting_rate_cohort_hispanic_citizen"].mean())
    doc.heading("The ripple")
    doc.text(headline(rip, act, spec.steps, focus, baseline, level, base_reporting,
                      full.headline_clause(r, spec.steps)))
    doc.figure(paths,
               f"The ripple of {plots.hue_label(focus)} (solid) against {plots.hue_label(baseline)} (dashed), "
               f"week by week; the program is switched on at week {act}. 1: people detained by ICE through "
               f"any of its three doors, total since week 0, {r.undoc_note}; 2: Hispanic adults with a tie "
               f"(any, or household and friends) to someone detained or removed in the past {WEEKS_PER_YEAR} weeks; "
               "3: the share of each group chilled; 4: the reporting propensity of the residents present "
               f"at week {act}, grouped as they were then; 5: crimes reported over crimes suffered, weeks "
               f"{act} to the week shown; 6: victimizations per 1,000 group residents a year, mean over weeks "
               f"{act} to the week shown (5 and 6 drawn from week {act + story.RIPPLE_SETTLE}, once the "
               f"window holds enough crimes). 4-6 are differences from {plots.hue_label(baseline)} on the same "
               f"seed. Lines: mean of {spec.replications} replicates; bands: {level:.0%} "
               f"{analysis.METHODS[METHOD]}"
               + (f"; dotted lines in 4: the {level:.0%} range of the paired change over the propagation's draws "
                  "and seeds (posterior x unfitted assumptions x seeds, `effects_propagated.csv`)" if len(bands)
                  else "") + ". (`tables/ripple.csv`)")


def funnel(r: SweepResults, doc) -> None:
    df, act, spec, level = r.df, r.act, r.spec, r.level
    if not (PRESET_KEY in r.names and isinstance(act, int) and 0 < act < spec.steps and (act - 1) in set(df["step"])):
        return
    by = r.hue if r.hue in df else PRESET_KEY  # one panel per line of the comparison (preset, or scenario)
    fun = story.funnel_table(df, act, r.dens, by=by, level=level)
    doc.csv(fun, "funnel.csv")
    colours = None  # presets: their own colours; scenarios: their preset's
    if by != PRESET_KEY:
        presets = df.drop_duplicates(by).set_index(by)[PRESET_KEY].astype(str)
        colours = {str(k): PRESET_COLORS.get(p) for k, p in presets.items()}
    paths = plots.funnel(fun, doc.figures, by=by, colours=colours, order=r.order(by))
    runs = sorted(set(fun["n"]))
    pooled = (f"the {plural(runs[0], 'run')} of each panel" if len(runs) == 1 else
              f"each panel's runs ({runs[0]} to {runs[-1]}; `n` in the table)")
    if by == PRESET_KEY and len(r.lists) > 1:
        pooled += f", pooled over {', '.join(param_label(x) for x in r.lists if x != PRESET_KEY)}"
    doc.heading("The funnel")
    doc.figure(paths,
               f"From arrest to removal, per {param_label(by)}, weeks {act}-{int(df['step'].max())} (from activation "
               "to the end of the run): arrests, fingerprint matches, detainers issued, honored or declined by the "
               "jail, then ICE's three doors (picked up at the jail, arrested at large after a release, arrested in "
               "its own operations) with the removals through each, and all removals. Bars (log scale, linear below "
               f"1): mean total over {pooled}; whiskers: {level:.0%} {analysis.METHODS[METHOD]}; in brackets: "
               f"per 1,000 residents. `tables/funnel.csv` has each stage {r.dens_note}.")


def effects(r: SweepResults, doc) -> None:
    """Each preset against the baseline on the same seeds, pair by pair."""
    df, act, spec, level, baseline = r.df, r.act, r.spec, r.level, r.baseline
    if not (baseline and r.paired):
        return
    story, window = r.story, r.window
    frame, first = (window, act) if story else (df, 1)
    collected = set(df["step"])
    weeks = [w for w in (act + WEEKS_PER_YEAR, act + 2 * WEEKS_PER_YEAR) if w in collected] or [max(collected)]
    effect_outputs = [o for o in (spec.analysis.get("effects") or spec.analysis.get("outputs") or []) if o in df]
    effect_outputs += [o for o in DERIVED_EFFECTS if story and o in window]
    if not (weeks and effect_outputs):
        return
    eff = analysis.paired_effects(frame, effect_outputs, baseline, weeks, PRESET_KEY, level, method=METHOD)
    eff = eff[eff[PRESET_KEY].astype(str) != baseline].reset_index(drop=True)
    counts = eff["output"].str.endswith("_cumulative")
    enforcement = counts & ~eff["output"].str.startswith(("crimes", "victimizations"))
    for base, col, rows in (("residents", "per_1000_residents", counts),
                            ("undocumented", "per_1000_undocumented", enforcement)):
        d = float(r.dens[base].mean())
        for c in ("difference", "ci_low", "ci_high"):
            eff[f"{c}_{col}"] = np.where(rows, eff[c] * 1000 / d, np.nan)
    eff["window"] = eff["week"].map(lambda w: f"weeks {first}-{w}")
    doc.csv(eff, "effects.csv")

    def cell(row, suffix=""):
        d, lo, hi = row[f"difference{suffix}"], row[f"ci_low{suffix}"], row[f"ci_high{suffix}"]
        return "" if pd.isna(d) else interval(d, lo, hi, digits=3, sign=True)

    shown = eff.assign(
        preset=eff[PRESET_KEY].astype(str).map(plots.hue_label),
        measure=[column_label(o, w) for o, w in zip(eff["output"], eff["window"], strict=True)],
        difference=eff.apply(cell, axis=1),
        per_1000_residents=eff.apply(lambda row: cell(row, "_per_1000_residents"), axis=1),
        per_1000_undocumented=eff.apply(lambda row: cell(row, "_per_1000_undocumented"), axis=1),
        relative=eff["relative"].map(lambda v: f"{v:+.1%}" if np.isfinite(v) else ""))
    doc.heading("Effects against the baseline")
    doc.text(f"Each preset minus {plots.hue_label(baseline)} (`{baseline}`) on the same seed (common random "
             f"numbers), pair by pair, at the week shown: the mean difference over {int(eff['pairs'].max())} "
             f"pairs with its {level:.0%} interval ({analysis.METHODS[METHOD]}, over pairs), the baseline "
             "mean, and the difference relative to it. Windows: totals (`total`) count from "
             + (f"activation (week {act})" if story else
                f"week 1 (week {act - 1} was not collected, so totals cannot start at activation)")
             + " to the week shown; `over the window` measures (crimes reported over crimes "
             "suffered, cleared over reported, victimizations per 1,000 group residents a year as the mean "
             "of the weekly rate) cover the same weeks; the other rows are the week's value (shares 0-1). "
             f"Counts are also given {r.dens_note} (enforcement counts only). (`tables/effects.csv` has every "
             "figure.)")
    for w in weeks:
        part = shown[shown["week"] == w]
        doc.text(f"**Week {w}** ({plural((w - act) / WEEKS_PER_YEAR, 'year')} after activation; totals over "
                 f"weeks {first}-{w}):")
        doc.table(part[["preset", "measure", "baseline", "difference", "per_1000_residents", "per_1000_undocumented",
                        "relative"]].rename(columns={"per_1000_residents": "per 1,000 residents",
                                                     "per_1000_undocumented": "per 1,000 undocumented"}))
    full.effects(r, doc, weeks)


def policy_comparison(r: SweepResults, doc) -> None:
    if not r.has_policy_comparison:
        return
    final, diffs, span = r.comparison_final
    baseline = r.baseline
    paths = plots.policy_comparison(final, r.hue, doc.figures, differences=diffs, window=span,
                                    baseline=baseline or "pre_sc")
    doc.heading("Policy comparison")
    doc.figure(paths, f"Removals by priority level and families separated ({span}), and "
               + (f"the change in the fixed cohort's reporting propensity at week {r.spec.steps} against "
                  f"{plots.hue_label(baseline)} on the same seed, in percentage points, by group"
                  if diffs is not None else "the reporting propensity by group at the last week")
               + ", by preset in policy order (one value per run; bars: mean; whiskers: seaborn's percentile "
               "bootstrap 95% CI over runs).")


STORY = (Section("The ripple", ripple), Section("The funnel", funnel))
COMPARISON = (Section("Effects against the baseline", effects), Section("Where the sign flips", full.sign_flip),
              Section("Policy comparison", policy_comparison))
