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

DEFAULT_SERIES = ("removals_cumulative", "households_separated_cumulative", "reporting_rate_hispanic",
                  "reporting_rate_undocumented", "fear_mean_undocumented", "crimes_reported_cumulative")
FINAL = ("removals_cumulative", "removals_level1_cumulative", "removals_level2_cumulative",
         "removals_level3_cumulative", "removals_noncriminal_cumulative", "households_separated_cumulative",
         "citizen_children_separated_cumulative", "reporting_rate_hispanic", "reporting_rate_undocumented",
         "reporting_rate_non_hispanic")


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


def _ci_cell(row) -> str:
    if pd.isna(row["ci_low"]):
        return f"{row['mean']:.4g}"
    return f"{row['mean']:.4g} [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"


def _figure(lines, paths, out_dir, caption):
    png = Path(paths[0]).relative_to(out_dir)
    svg = Path(paths[1]).relative_to(out_dir)
    lines += [f"![{caption}]({png})", "", f"*{caption}* ([SVG]({svg}))", ""]


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
              f"- Confidence intervals: {level:.0%}, t-based over replicates (bars in the policy comparison: "
              "seaborn's bootstrap 95% CI).", ""]
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

    # --- summary table of final values ---
    final = analysis.run_statistic(df, [c for c in df.columns if c in spec.outputs],
                                   spec.analysis.get("statistic", "final"))
    by = [hue] if hue else []
    if not by or spec.design.method != "factorial":
        by = by or ["point_id"]
    keep = [o for o in (spec.analysis.get("outputs") or FINAL) if o in final]
    if keep and spec.design.method in ("factorial", "lhs"):
        group = lists if spec.design.method == "factorial" and lists else by
        summary = analysis.summarize(final, keep, group, level)
        summary.to_csv(tab_dir / "final_values.csv", index=False)
        wide = summary.assign(cell=summary.apply(_ci_cell, axis=1)).pivot(index=group, columns="output",
                                                                           values="cell")[keep]
        lines += ["## Final values", "",
                  f"Mean [{level:.0%} CI] over replicates at the last week "
                  f"(`tables/final_values.csv` has n, sd and the bounds).", "",
                  _md_table(wide.reset_index()), ""]

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
        ts = analysis.summarize(df, outputs, [hue, "step"], level)
        ts.to_csv(tab_dir / "timeseries.csv", index=False)
        paths = plots.timeseries(ts, outputs, hue, fig_dir, activation=act, level=level)
        where = f" (dashed: activation week {act})" if isinstance(act, int) else " (dashed: activation weeks)" \
            if act else ""
        lines += ["## Over time", ""]
        _figure(lines, paths, report_dir,
                f"Weekly outputs by {hue}: mean over replicates and runs with a {level:.0%} CI band{where}.")

    # --- before / after activation ---
    weeks = [act] if isinstance(act, int) else list((act or {}).values())
    if weeks and hue and all(0 < w < spec.steps for w in weeks):
        window = min(min(weeks), spec.steps - max(weeks), 52)
        at = act if isinstance(act, int) else "activation_week"
        weekly = [o for o in ("removals", "households_separated", "crimes_reported", "reporting_rate_hispanic",
                              "reporting_rate_undocumented", "fear_mean_undocumented") if o in df]
        if weekly:
            ba = analysis.before_after(df, weekly, at, hue, window, level)
            ba.to_csv(tab_dir / "before_after.csv", index=False)
            ba["period"] = pd.Categorical(ba["period"], ["before", "after", "after - before"], ordered=True)
            cells = ba.assign(cell=ba.apply(_ci_cell, axis=1)).pivot(index=[hue, "period"], columns="output",
                                                                     values="cell")[weekly]
            lines += ["## Before and after activation", "",
                      f"Mean weekly value in the {window} weeks before activation (week "
                      f"{act if isinstance(act, int) else 'of each run'}) and the {window} weeks from it, "
                      f"per run, then over replicates ({level:.0%} CI); `after - before` is the per-run change.",
                      "", _md_table(cells.reset_index()), ""]

    # --- effects against the baseline (common random numbers) ---
    baseline = spec.analysis.get("baseline")
    if baseline and PRESET_KEY in names and spec.common_random_numbers and isinstance(act, int):
        weeks = [w for w in (act + 52, act + 104) if w <= spec.steps]
        effect_outputs = [o for o in (spec.analysis.get("effects") or spec.analysis.get("outputs") or []) if o in df]
        if weeks and effect_outputs:
            eff = analysis.paired_effects(df, effect_outputs, baseline, weeks, PRESET_KEY, level)
            eff.to_csv(tab_dir / "effects.csv", index=False)
            shown = eff.assign(
                week=eff["week"].map(lambda w: f"{w} ({(w - act) // 52} yr after activation)"),
                difference=eff.apply(lambda r: f"{r['difference']:+.4g} [{r['ci_low']:+.4g}, {r['ci_high']:+.4g}]",
                                     axis=1),
                relative=eff["relative"].map(lambda v: f"{v:+.1%}" if np.isfinite(v) else ""))
            lines += ["## Effects against the baseline", "",
                      f"Each preset minus `{baseline}` on the same seed (common random numbers), pair by pair, "
                      f"at the week shown: the mean difference over {spec.replications} pairs with its "
                      f"{level:.0%} t-interval, the baseline mean, and the difference relative to it. State "
                      "reporters are the week's value; `_cumulative` ones the total since week 0. "
                      "(`tables/effects.csv` has every figure.)", "",
                      _md_table(shown[[PRESET_KEY, "week", "output", "baseline", "difference", "relative"]]), ""]

    # --- policy comparison ---
    if PRESET_KEY in names and hue and spec.design.method == "factorial":
        if hue not in final:
            final = final.merge(df[["run_id", hue]].drop_duplicates(), on="run_id")
        paths = plots.policy_comparison(final, hue, fig_dir)
        lines += ["## Policy comparison", ""]
        _figure(lines, paths, report_dir,
                "Removals by priority level, families separated and crime reporting by group, by preset "
                "(one value per run; bars: mean, whiskers: bootstrap 95% CI).")

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

    path = report_dir / "report.md"
    path.write_text("\n".join(lines))
    if not quiet:
        print(f"wrote {path}")
    return path
