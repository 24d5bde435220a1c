"""The Markdown report of a sweep: what ran, the tables, the figures and the warnings.

``build_report(out)`` writes ``out/report/report.md`` with ``figures/`` (PNG and SVG) and
``tables/`` (CSV) beside it. Which sections appear depends on the sweep: presets give the
policy comparison, a shared activation week a before/after table, two grid parameters a
heatmap, a Sobol or Morris design the sensitivity indices.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis, plots
from .spec import PRESET_KEY, spec_of_results
from .store import Store, StoreError

DEFAULT_SERIES = ("removals_cumulative", "separated_households_cumulative", "share_hispanic_adults_knows_detained",
                  "chilled_share_undocumented", "reporting_rate_cohort_hispanic", "reporting_rate_cohort_undocumented",
                  "crimes_reported_cumulative")
FINAL = ("removals_cumulative", "removals_level1_cumulative", "removals_level2_cumulative",
         "removals_level3_cumulative", "removals_noncriminal_cumulative", "separated_households_cumulative",
         "separated_citizen_children_cumulative", "reporting_rate_cohort_hispanic",
         "reporting_rate_cohort_undocumented", "reporting_rate_cohort_non_hispanic", "chilled_share_undocumented",
         "chilled_share_hispanic", "share_hispanic_adults_knows_detained", "victimizations_hispanic_cumulative",
         "crimes_cumulative")
# Outputs derived over the window from activation (analysis.window_values), added to the effects table.
DERIVED_EFFECTS = (*(f"realized_reporting_{g}_window" for g in analysis.VICTIM_GROUPS), "clearance_rate_window",
                   *(f"clearance_rate_{g}_window" for g in analysis.VICTIM_GROUPS),
                   *(f"victimization_rate_{g}_window" for g in analysis.VICTIM_GROUPS))
METHOD = "bootstrap"  # every interval in the report: analysis.METHODS


def _md_table(df: pd.DataFrame, digits=3) -> str:
    """A Markdown table (no extra dependency)."""
    def fmt(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"
        return str(v)
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in policy order and presets by their readable names (for the Markdown tables)."""
    if PRESET_KEY not in frame:
        return frame
    names = frame[PRESET_KEY].astype(str)
    rank = {p: i for i, p in enumerate(plots.hue_order(names.unique()))}
    out = frame.assign(_rank=names.map(rank)).sort_values("_rank", kind="stable").drop(columns="_rank")
    out[PRESET_KEY] = out[PRESET_KEY].astype(str).map(plots.hue_label)
    return out


def _ci_cell(row) -> str:
    if pd.isna(row["ci_low"]):
        return f"{row['mean']:.4g}"
    return f"{row['mean']:.4g} [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"


def _figure(lines, paths, out_dir, caption):
    png = Path(paths[0]).relative_to(out_dir)
    svg = Path(paths[1]).relative_to(out_dir)
    lines += [f"![{caption}]({png})", "", f"*{caption}* ([SVG]({svg}))", ""]


def _headline(rip: pd.DataFrame, act: int, steps: int, focus: str, baseline: str, level: float,
              base_reporting: float) -> str:
    """The ripple in one sentence, with its numbers, at the last week."""
    last = rip[rip["step"] == rip["step"].max()].set_index(["output", PRESET_KEY])

    def v(output, preset):
        r = last.loc[(output, preset)]
        return r["mean"], r["ci_low"], r["ci_high"]

    years = (steps - act) / 52
    knows, knows0 = v("share_hispanic_adults_knows_detained", focus), v("share_hispanic_adults_knows_detained",
                                                                          baseline)
    chill, chill0 = v("chilled_share_undocumented", focus), v("chilled_share_undocumented", baseline)
    drop = v("reporting_rate_cohort_hispanic_citizen", focus)
    return (f"**In one sentence:** {years:g} years after fingerprint sharing began under "
            f"{plots.hue_label(focus).lower()}, {knows[0]:.1f}% of Hispanic adults knew someone detained by ICE "
            f"(against {knows0[0]:.1f}% with no program), {chill[0]:.0f}% of undocumented residents were afraid "
            f"enough to hold back from the police (against {chill0[0]:.0f}%), and Hispanic citizens had become "
            f"{-drop[0]:.1f} percentage points less likely to report a crime they suffered ({base_reporting:.0%} "
            f"would with no program; the drop's {level:.0%} interval: {-drop[2]:.1f} to {-drop[1]:.1f}; week "
            f"{steps}, mean of the paired differences over the seeds, `tables/ripple.csv`).")


def build_report(out, quiet=True) -> Path:
    """Analyze the sweep in ``out`` and write its report; returns the report's path.

    The folder is read as data: its spec is read back without importing any model (see
    ``spec.spec_of_results``), and only runs whose files pass the integrity check are used."""
    from .calibrate import is_calibration

    if is_calibration(out):  # a calibration folder has a report of its own
        from .calibration_report import build_calibration_report

        return build_calibration_report(out, quiet)
    store = Store(out)
    if not store.root.is_dir() or not store.exists():
        raise FileNotFoundError(f"{out}: no sweep here (no manifest.json)")
    store.check_target()  # refuses symbolic links where the folder's own files (report/ too) go
    manifest = store.manifest()
    spec = spec_of_results(manifest)
    damaged = store.scan().damaged
    report_dir = Path(out) / "report"
    fig_dir, tab_dir = report_dir / "figures", report_dir / "tables"
    links = [str(p) for p in report_dir.rglob("*") if p.is_symlink()] if report_dir.is_dir() else []
    if links:
        raise StoreError(f"{report_dir} holds symbolic links ({', '.join(links[:3])}); refusing to write through them")
    tab_dir.mkdir(parents=True, exist_ok=True)
    level = spec.analysis.get("ci", 0.95)
    runs = analysis.load_runs(out)
    df = analysis.load_results(out)
    names = [f.name for f in spec.factors]
    if PRESET_KEY in df:  # presets in policy order, everywhere
        df[PRESET_KEY] = pd.Categorical(df[PRESET_KEY], plots.hue_order(df[PRESET_KEY].unique()), ordered=True)
    ok = int((runs["status"] == "ok").sum()) if len(runs) else 0

    lines = [f"# Sweep report: {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    git = manifest["git"]
    lines += ["## What ran", "",
              f"- Design: **{spec.design.method}** over {', '.join(names) or 'no varied parameters'}; "
              f"{len(store.points())} points x {spec.replications} replications = {manifest['total_runs']} runs.",
              f"- Finished: {ok}; failed: {int((runs['status'] != 'ok').sum()) if len(runs) else 0}; "
              f"missing: {manifest['total_runs'] - len(runs) - len(damaged)}"
              + (f"; damaged: {len(damaged)} (files that fail the integrity check, left out; "
                 "`status` names them and running the sweep again redoes them)." if damaged else "."),
              f"- {spec.steps} weekly steps, collected every {spec.collect_every}; root seed {spec.seed} "
              + ("(common random numbers: replicate r of every point uses the SeedSequence child (0, r))."
                 if spec.common_random_numbers else
                 "(each run's seed is the SeedSequence child (point, replicate) of it)."),
              f"- Fixed: {spec.fixed or 'model defaults'}.",
              f"- Git commit {git.get('commit')}{' (with uncommitted changes)' if git.get('dirty') else ''}; "
              f"packages: " + ", ".join(f"{k} {v}" for k, v in manifest["packages"].items() if v) + ".",
              f"- Intervals: {level:.0%}, {analysis.METHODS[METHOD]} (bars in the policy comparison: seaborn's "
              "percentile bootstrap 95% CI over runs). Each caption says the window its totals cover.", ""]
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    if len(failed):
        lines += ["## Failed runs", "", "Resume the sweep to redo them; tracebacks are in `runs.parquet`.", "",
                  _md_table(failed[["run_id", "point_id", "replicate", "error"]].head(30)), ""]
    if df.empty:
        lines += ["No finished runs yet.", ""]
        path = report_dir / "report.md"
        path.write_text("\n".join(lines))
        return path

    outputs = [o for o in (spec.analysis.get("outputs") or DEFAULT_SERIES) if o in df]
    lists = [f.name for f in spec.factors if not f.is_range or spec.design.method == "factorial"]
    hue = spec.analysis.get("hue")
    if hue is None and lists:
        if len(lists) == 1:
            hue = lists[0]
        else:  # one line per combination rather than pooling over the other factors
            hue = "scenario"
            df[hue] = df[lists].astype(str).apply(lambda r: ", ".join(f"{k}={v}" for k, v in r.items()), axis=1)
    act = analysis.activation_week(out)
    if act is None and "activation_week" in names and hue:
        weeks = df.groupby(hue)["activation_week"].unique()
        act = {str(h): int(w[0]) for h, w in weeks.items() if len(w) == 1} or None

    head, story_lines = len(lines), []  # the ripple and the funnel go first, right after what ran

    # --- summary table of final values ---
    final = analysis.run_statistic(df, [c for c in df.columns if c in spec.outputs],
                                   spec.analysis.get("statistic", "final"))
    by = [hue] if hue else []
    if not by or spec.design.method != "factorial":
        by = by or ["point_id"]
    keep = [o for o in (spec.analysis.get("outputs") or FINAL) if o in final]
    if keep and spec.design.method in ("factorial", "lhs"):
        group = lists if spec.design.method == "factorial" and lists else by
        summary = analysis.summarize(final, keep, group, level, method=METHOD)
        # counts per 1,000 residents and per 1,000 undocumented residents (denominators fixed within a group)
        per = final.merge(analysis.denominators(df, spec.fixed), on="run_id").groupby(group)[
            ["residents", "undocumented"]].mean()
        counts = summary["output"].str.endswith("_cumulative")
        keys = pd.MultiIndex.from_frame(summary[group]) if len(group) > 1 else summary[group[0]]
        for base in ("residents", "undocumented"):
            d = per[base].reindex(keys).to_numpy()
            for c in ("mean", "ci_low", "ci_high"):
                summary[f"{c}_per_1000_{base}"] = np.where(counts, summary[c] * 1000 / d, np.nan)
        summary.to_csv(tab_dir / "final_values.csv", index=False)
        wide = summary.assign(cell=summary.apply(_ci_cell, axis=1)).pivot(index=group, columns="output",
                                                                           values="cell")[keep]
        if "removals_cumulative" in keep:
            rem = summary[summary["output"] == "removals_cumulative"].set_index(group)
            at = list(wide.columns).index("removals_cumulative") + 1
            per_undoc = rem.apply(lambda r: _ci_cell({c: r[f"{c}_per_1000_undocumented"]
                                                      for c in ("mean", "ci_low", "ci_high")}), axis=1)
            wide.insert(at, "Removals per 1,000 undocumented residents", per_undoc.reindex(wide.index))
        wide = _readable(wide.rename(columns=plots.label).reset_index())
        lines += ["## Final values", "",
                  f"Mean [{level:.0%} interval] over replicates at the last week (week {spec.steps}); totals "
                  f"cover weeks 1-{spec.steps}; intervals: {analysis.METHODS[METHOD]}. Removals are also given "
                  "per 1,000 undocumented residents (those in the county at week 0); "
                  "`tables/final_values.csv` has every total per 1,000 residents and per 1,000 undocumented "
                  "residents, with n, sd and the bounds.", "",
                  _md_table(wide), ""]

    # --- a sweep over posterior draws: outcomes with the parameters' uncertainty carried ---
    if keep and spec.design.method == "posterior":
        group = lists or ["draws"]
        final = final.assign(draws="all") if not lists else final
        summary = analysis.summarize(final, keep, group, level)
        spread = final.groupby(group)[keep].quantile([0.05, 0.95]).unstack()
        summary["q05"] = [spread.loc[tuple(r[g] for g in group) if len(group) > 1 else r[group[0]], (r["output"], 0.05)]
                          for _, r in summary.iterrows()]
        summary["q95"] = [spread.loc[tuple(r[g] for g in group) if len(group) > 1 else r[group[0]], (r["output"], 0.95)]
                          for _, r in summary.iterrows()]
        summary.to_csv(tab_dir / "posterior_values.csv", index=False)
        shown = summary.assign(value=summary.apply(lambda r: f"{_ci_cell(r)}; 90% of runs in [{r['q05']:.4g}, "
                                                             f"{r['q95']:.4g}]", axis=1))
        lines += ["## Over the posterior", "",
                  f"{len(store.points())} parameter sets drawn by weight from `{spec.source['design']['posterior']}` "
                  f"(SHA-256 {spec.design.sha256[:12]}...), {spec.replications} replication(s) each: the mean "
                  f"[{level:.0%} CI of the mean] over runs, and the interval holding 90% of the runs, which carries "
                  "the parameters' uncertainty as well as the model's randomness (`tables/posterior_values.csv`).", "",
                  _md_table(shown[[*group, "output", "value"]]), ""]

    # --- time series ---
    if hue and spec.design.method == "factorial" and outputs:
        ts = analysis.summarize(df, outputs, [hue, "step"], level, method=METHOD)
        ts.to_csv(tab_dir / "timeseries.csv", index=False)
        paths = plots.timeseries(ts, outputs, hue, fig_dir, activation=act, level=level)
        where = f" (dashed: activation week {act})" if isinstance(act, int) else " (dashed: activation weeks)" \
            if act else ""
        lines += ["## Over time", ""]
        _figure(lines, paths, report_dir,
                f"Weekly outputs by {hue}: mean over replicates with a {level:.0%} band ({analysis.METHODS[METHOD]})"
                f"{where}; totals (`total`) count from week 1 to the week shown.")

    # --- before / after activation ---
    weeks = [act] if isinstance(act, int) else list((act or {}).values())
    if weeks and hue and all(0 < w < spec.steps for w in weeks):
        window = min(min(weeks), spec.steps - max(weeks), 52)
        at = act if isinstance(act, int) else "activation_week"
        weekly = [o for o in ("removals", "separated_households", "crimes_reported", "reporting_rate_cohort_hispanic",
                              "reporting_rate_cohort_undocumented", "chilled_share_undocumented") if o in df]
        if weekly:
            ba = analysis.before_after(df, weekly, at, hue, window, level, method=METHOD)
            ba.to_csv(tab_dir / "before_after.csv", index=False)
            ba["period"] = pd.Categorical(ba["period"], ["before", "after", "after - before"], ordered=True)
            cells = ba.assign(cell=ba.apply(_ci_cell, axis=1)).pivot(index=[hue, "period"], columns="output",
                                                                     values="cell")[weekly]
            cells = _readable(cells.rename(columns=plots.label).reset_index()).set_index([hue, "period"])
            lines += ["## Before and after activation", "",
                      f"Mean weekly value in the {window} weeks before activation (week "
                      f"{act if isinstance(act, int) else 'of each run'}) and the {window} weeks from it, "
                      f"per run, then over replicates ({level:.0%} interval: {analysis.METHODS[METHOD]}); "
                      "`after - before` is the per-run change.",
                      "", _md_table(cells.reset_index()), ""]

    # --- effects against the baseline (common random numbers) ---
    baseline = spec.analysis.get("baseline")
    paired = (PRESET_KEY in names and spec.common_random_numbers and isinstance(act, int) and 0 < act < spec.steps
              and baseline in set(df[PRESET_KEY].astype(str)))
    story = paired and (act - 1) in set(df["step"])  # totals from activation need the week before it
    dens = analysis.denominators(df, spec.fixed)
    drawn = "undocumented_present" in df.columns
    undoc_note = ("per 1,000 undocumented residents: of those in the county at week 0"
                  f"{' as drawn' if drawn else ' (n_residents x share_undocumented, the model target)'} "
                  f"({dens['undocumented'].iloc[0]:,.0f} here"
                  f"{'' if dens['undocumented'].nunique() == 1 else ' in the first run'})")
    dens_note = f"per 1,000 residents (of n_residents) and {undoc_note}"
    window = analysis.window_values(df, act) if story else None
    if baseline and paired:
        frame, first = (window, act) if story else (df, 1)
        collected = set(df["step"])
        weeks = [w for w in (act + 52, act + 104) if w in collected] or [max(collected)]
        effect_outputs = [o for o in (spec.analysis.get("effects") or spec.analysis.get("outputs") or []) if o in df]
        effect_outputs += [o for o in DERIVED_EFFECTS if story and o in window]
        if weeks and effect_outputs:
            eff = analysis.paired_effects(frame, effect_outputs, baseline, weeks, PRESET_KEY, level, method=METHOD)
            eff = eff[eff[PRESET_KEY].astype(str) != baseline].reset_index(drop=True)
            counts = eff["output"].str.endswith("_cumulative")
            enforcement = counts & ~eff["output"].str.startswith(("crimes", "victimizations"))
            for base, col, rows in (("residents", "per_1000_residents", counts),
                                    ("undocumented", "per_1000_undocumented", enforcement)):
                d = float(dens[base].mean())
                for c in ("difference", "ci_low", "ci_high"):
                    eff[f"{c}_{col}"] = np.where(rows, eff[c] * 1000 / d, np.nan)
            eff["window"] = eff["week"].map(lambda w: f"weeks {first}-{w}")
            eff.to_csv(tab_dir / "effects.csv", index=False)

            def cell(r, suffix=""):
                d, lo, hi = r[f"difference{suffix}"], r[f"ci_low{suffix}"], r[f"ci_high{suffix}"]
                if pd.isna(d):
                    return ""
                return f"{d:+.3g} [{lo:+.3g}, {hi:+.3g}]" if not pd.isna(lo) else f"{d:+.3g}"

            shown = eff.assign(
                preset=eff[PRESET_KEY].astype(str).map(plots.hue_label),
                measure=eff["output"].map(plots.label),
                difference=eff.apply(cell, axis=1),
                per_1000_residents=eff.apply(lambda r: cell(r, "_per_1000_residents"), axis=1),
                per_1000_undocumented=eff.apply(lambda r: cell(r, "_per_1000_undocumented"), axis=1),
                relative=eff["relative"].map(lambda v: f"{v:+.1%}" if np.isfinite(v) else ""))
            lines += ["## Effects against the baseline", "",
                      f"Each preset minus {plots.hue_label(baseline)} (`{baseline}`) on the same seed (common random "
                      f"numbers), pair by pair, at the week shown: the mean difference over {spec.replications} "
                      f"pairs with its {level:.0%} interval ({analysis.METHODS[METHOD]}, over pairs), the baseline "
                      "mean, and the difference relative to it. Windows: totals (`total`) count from "
                      + (f"activation (week {act})" if story else
                         f"week 1 (week {act - 1} was not collected, so totals cannot start at activation)")
                      + " to the week shown; `over the window` measures (crimes reported over crimes "
                      "suffered, cleared over reported, victimizations per 1,000 group residents a year as the mean "
                      "of the weekly rate) cover the same weeks; the other rows are the week's value (shares 0-1). "
                      f"Counts are also given {dens_note} (enforcement counts only). (`tables/effects.csv` has every "
                      "figure.)", ""]
            for w in weeks:
                part = shown[shown["week"] == w]
                lines += [f"**Week {w}** ({(w - act) / 52:.2g} years after activation; totals over weeks {first}-{w}):",
                          "", _md_table(part[["preset", "measure", "baseline", "difference", "per_1000_residents",
                                              "per_1000_undocumented", "relative"]]
                                        .rename(columns={"per_1000_residents": "per 1,000 residents",
                                                         "per_1000_undocumented": "per 1,000 undocumented"})), ""]

    # --- the ripple and the funnel ---
    if story and baseline:
        present = [p for p in plots.hue_order(df[PRESET_KEY].unique()) if p != baseline]
        focus = "sc_full" if "sc_full" in present else (present[0] if present else None)
        if focus:
            rip = analysis.ripple_table(df, act, dens, focus=focus, baseline=baseline, level=level)
            rip.to_csv(tab_dir / "ripple.csv", index=False)
            paths = plots.ripple(rip, fig_dir, activation=act)
            last = df[(df["step"] == df["step"].max()) & (df[PRESET_KEY].astype(str) == baseline)]
            base_reporting = float(last["reporting_rate_cohort_hispanic_citizen"].mean())
            story_lines += ["## The ripple", "",
                            _headline(rip, act, spec.steps, focus, baseline, level, base_reporting), ""]
            _figure(story_lines, paths, report_dir,
                    f"The ripple of {plots.hue_label(focus)} (solid) against {plots.hue_label(baseline)} (dashed), "
                    f"week by week; the program is switched on at week {act}. 1: people detained by ICE through "
                    f"any of its three doors, total since week 0, {undoc_note}; 2: Hispanic adults with a tie "
                    "(any, or household and friends) to someone detained or removed in the past 52 weeks; "
                    "3: the share of each group chilled; 4: the reporting propensity of the residents present "
                    f"at week {act}, grouped as they were then; 5: crimes reported over crimes suffered, weeks "
                    f"{act} to the week shown; 6: victimizations per 1,000 group residents a year, mean over weeks "
                    f"{act} to the week shown (5 and 6 drawn from week {act + analysis.RIPPLE_SETTLE}, once the "
                    f"window holds enough crimes). 4-6 are differences from {plots.hue_label(baseline)} on the same "
                    f"seed. Lines: mean of {spec.replications} replicates; bands: {level:.0%} "
                    f"{analysis.METHODS[METHOD]}. (`tables/ripple.csv`)")
    if PRESET_KEY in names and isinstance(act, int) and 0 < act < spec.steps and (act - 1) in set(df["step"]):
        fun = analysis.funnel_table(df, act, dens, level=level)
        fun.to_csv(tab_dir / "funnel.csv", index=False)
        paths = plots.funnel(fun, fig_dir)
        story_lines += ["## The funnel", ""]
        _figure(story_lines, paths, report_dir,
                f"From arrest to removal, per preset, weeks {act}-{int(df['step'].max())} (from activation to the "
                "end of the run): arrests, fingerprint matches, detainers issued, honored or declined by the jail, "
                "then ICE's three doors (picked up at the jail, arrested at large after a release, arrested in "
                "its own operations) with the removals through each, and all removals. Bars (log scale, linear below "
                "1): mean total over "
                f"{spec.replications} replicates; whiskers: {level:.0%} {analysis.METHODS[METHOD]}; in brackets: "
                f"per 1,000 residents. `tables/funnel.csv` has each stage {dens_note}.")

    # --- policy comparison ---
    if PRESET_KEY in names and hue and spec.design.method == "factorial":
        if hue not in final:
            final = final.merge(df[["run_id", hue]].drop_duplicates(), on="run_id")
        diffs, span = None, f"weeks 1-{spec.steps}"
        if story and hue == PRESET_KEY:
            final = window[window["step"] == window["step"].max()]
            span = f"weeks {act}-{int(final['step'].iloc[0])}"
            if baseline:
                diffs = analysis.paired_differences(
                    final, [c for c in final if c.startswith("reporting_rate_cohort_")], baseline, PRESET_KEY)
        paths = plots.policy_comparison(final, hue, fig_dir, differences=diffs, window=span,
                                        baseline=baseline or "pre_sc")
        lines += ["## Policy comparison", ""]
        _figure(lines, paths, report_dir,
                f"Removals by priority level and families separated ({span}), and "
                + (f"the change in the fixed cohort's reporting propensity at week {spec.steps} against "
                   f"{plots.hue_label(baseline)} on the same seed, in percentage points, by group"
                   if diffs is not None else "the reporting propensity by group at the last week")
                + ", by preset in policy order (one value per run; bars: mean; whiskers: seaborn's percentile "
                "bootstrap 95% CI over runs).")

    # --- heatmap over two grid parameters ---
    numeric = [f.name for f in spec.factors if f.is_range and spec.design.method == "factorial"]
    pair = spec.analysis.get("heatmap") or (numeric[:2] if len(numeric) >= 2 else None)
    if pair and spec.design.method == "factorial":
        lines += ["## Two-parameter grid", ""]
        for o in (spec.analysis.get("outputs") or ["removals_cumulative", "reporting_rate_undocumented"])[:3]:
            if o not in final:
                continue
            grid = analysis.summarize(final, [o], list(pair), level)
            grid.to_csv(tab_dir / f"grid_{o}.csv", index=False)
            paths = plots.heatmap(grid, pair[0], pair[1], o, fig_dir)
            _figure(lines, paths, report_dir, f"Mean {o} at the last week over {pair[0]} x {pair[1]} "
                    "(other varied parameters pooled).")

    # --- sensitivity ---
    if spec.design.method in ("sobol", "morris"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", analysis.SensitivityWarning)
            table, notes = analysis.sensitivity(out, spec.analysis.get("outputs"),
                                                spec.analysis.get("statistic", "final"))
        lines += ["## Sensitivity", "",
                  f"{'Sobol (Saltelli) first-order S1 and total ST' if spec.design.method == 'sobol' else 'Morris'} "
                  f"indices of the {spec.analysis.get('statistic', 'final')} value, mean over "
                  f"{spec.replications} replications per point; intervals: SALib bootstrap, {level:.0%}.", ""]
        if not table.empty:
            table.to_csv(tab_dir / "sensitivity.csv", index=False)
            lines += [_md_table(table), ""]
            paths = plots.sensitivity_bars(table, fig_dir)
            _figure(lines, paths, report_dir, "Sensitivity indices with confidence intervals.")
        if notes:
            lines += ["**Warnings** (indices to treat with care):", ""] + [f"- {n}" for n in notes] + [""]
        else:
            lines += ["No warnings: all intervals narrower than the threshold and no negative indices.", ""]

    # --- the calibration targets' screening (a Morris sweep of the model in the target counties) ---
    if spec.model == "target_county" and spec.design.method == "morris":
        from .calibration_report import screening_section

        lines += screening_section(out, report_dir)

    lines[head:head] = story_lines
    path = report_dir / "report.md"
    path.write_text("\n".join(lines))
    if not quiet:
        print(f"wrote {path}")
    return path
