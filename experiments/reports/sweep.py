"""The report of a sweep, as a list of sections over one context (``SweepResults``).

Each section writes its part of ``report.md`` (and its tables and figures) when the sweep supports it:
presets give the ripple, the funnel, the effects and the policy comparison (``story``), a shared
activation week a before/after table, two grid parameters a heatmap, a Sobol or Morris design the
sensitivity indices (``sensitivity``). The folder is read as data: its spec is read back without
importing any model (``sweep.spec.spec_of_results``), and only runs whose files pass the integrity
check are used.
"""

from functools import cached_property

import numpy as np
import pandas as pd

from agents.codes import WEEKS_PER_YEAR
from model.reporters import reporter

from ..core.schema import PRESET_KEY
from ..core.store import Store
from ..sweep import analysis
from ..sweep.run import DRAWN
from ..sweep.spec import spec_of_results
from . import plots
from .markdown import REPORT_SECONDS, interval, number
from .sections import Section

DEFAULT_SERIES = ("removals_cumulative", "separated_households_cumulative", "share_hispanic_adults_knows_detained",
                  "chilled_share_undocumented", "reporting_rate_cohort_hispanic", "reporting_rate_cohort_undocumented",
                  "crimes_reported_cumulative")
FINAL = ("removals_cumulative", "removals_level1_cumulative", "removals_level2_cumulative",
         "removals_level3_cumulative", "removals_noncriminal_cumulative", "separated_households_cumulative",
         "separated_citizen_children_cumulative", "reporting_rate_cohort_hispanic",
         "reporting_rate_cohort_undocumented", "reporting_rate_cohort_non_hispanic", "chilled_share_undocumented",
         "chilled_share_hispanic", "share_hispanic_adults_knows_detained", "victimizations_hispanic_cumulative",
         "crimes_cumulative")
BEFORE_AFTER = ("removals", "separated_households", "crimes_reported", "reporting_rate_cohort_hispanic",
                "reporting_rate_cohort_undocumented", "chilled_share_undocumented")
METHOD = "bootstrap"  # every interval in the report: analysis.METHODS


class SweepResults:
    """What the sections of a sweep's report read: the spec as recorded, the runs, the tidy results and
    what follows from them (the lines of the comparison, the activation week, the per-run statistic)."""

    def __init__(self, out):
        self.out = out
        self.store = Store(out)
        if not self.store.root.is_dir() or not self.store.exists():
            raise FileNotFoundError(f"{out}: no sweep here (no manifest.json)")
        self.store.check_target()  # refuses symbolic links where the folder's own files (report/ too) go
        self.manifest = self.store.manifest()
        self.spec = spec = spec_of_results(self.manifest)
        self.damaged = self.store.scan().damaged
        self.level = spec.analysis.get("ci", 0.95)
        self.runs = analysis.load_runs(out)
        self.df = df = analysis.load_results(out)
        self.names = [f.name for f in spec.factors]
        if PRESET_KEY in df:  # presets in policy order, everywhere
            df[PRESET_KEY] = pd.Categorical(df[PRESET_KEY], plots.hue_order(df[PRESET_KEY].unique()), ordered=True)
        self.lists = [f.name for f in spec.factors if not f.is_range or spec.design.method == "factorial"]
        self.hue = spec.analysis.get("hue")
        if df.empty:
            return
        if self.hue is None and self.lists:
            if len(self.lists) == 1:
                self.hue = self.lists[0]
            else:  # one line per combination rather than pooling over the other factors
                self.hue = "scenario"
                df[self.hue] = scenarios(df, self.lists)

    @property
    def empty(self) -> bool:
        """No finished run yet."""
        return self.df.empty

    @property
    def method(self) -> str:
        return self.spec.design.method

    @property
    def title(self) -> str:
        return f"Sweep report: {self.spec.name}"

    def order(self, column: str) -> list:
        """The values of ``column`` in the report's order: presets in policy order, scenarios as designed."""
        values = self.df[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            return [str(v) for v in values.cat.categories if v in set(values)]
        return plots.hue_order(values.unique())

    @cached_property
    def act(self):
        """The activation week the whole sweep shares, or {hue value: week}, or None."""
        act = analysis.activation_week(self.out)
        if act is None and "activation_week" in self.names and self.hue:
            weeks = self.df.groupby(self.hue)["activation_week"].unique()
            act = {str(h): int(w[0]) for h, w in weeks.items() if len(w) == 1} or None
        return act

    @cached_property
    def outputs(self) -> list:
        """The outputs the time series show."""
        return [o for o in (self.spec.analysis.get("outputs") or DEFAULT_SERIES) if o in self.df]

    @cached_property
    def final(self) -> pd.DataFrame:
        """One row per run: each kept output's final value (or its mean over weeks, ``analysis.statistic``)."""
        return analysis.run_statistic(self.df, [c for c in self.df.columns if c in self.spec.outputs],
                                      self.spec.analysis.get("statistic", "final"))

    @cached_property
    def keep(self) -> list:
        """The outputs of the final-values table."""
        return [o for o in (self.spec.analysis.get("outputs") or FINAL) if o in self.final]

    @cached_property
    def dens(self) -> pd.DataFrame:
        return analysis.denominators(self.df, self.spec.fixed)

    @property
    def baseline(self):
        return self.spec.analysis.get("baseline")

    @cached_property
    def paired(self) -> bool:
        """Presets on common random numbers with one activation week: effects pair by pair."""
        act = self.act
        return bool(PRESET_KEY in self.names and self.spec.common_random_numbers and isinstance(act, int)
                    and 0 < act < self.spec.steps and self.baseline in set(self.df[PRESET_KEY].astype(str)))

    @cached_property
    def story(self) -> bool:
        """The ripple can be told: paired presets, and totals from activation (the week before is collected)."""
        return self.paired and (self.act - 1) in set(self.df["step"])

    @cached_property
    def propagation(self):
        """The propagation sweep the spec names (``analysis.propagation``, a results folder beside this one) as
        (folder, results, spec), or None when the spec names none; (folder, None, None) when it has no runs."""
        from pathlib import Path

        name = self.spec.analysis.get("propagation")
        if not name:
            return None
        folder = Path(self.out).resolve().parent / name
        if not (folder / "manifest.json").is_file():
            return folder, None, None
        df = analysis.load_results(folder)
        return (folder, None, None) if df.empty else (folder, df, spec_of_results(Store(folder).manifest()))

    @cached_property
    def window(self):
        """Every run's values from activation on (``analysis.window_values``), when the story can be told."""
        return analysis.window_values(self.df, self.act) if self.story else None

    @cached_property
    def undoc_note(self) -> str:
        drawn = "undocumented_present" in self.df.columns
        dens = self.dens
        return ("per 1,000 undocumented residents: of those in the county at week 0"
                f"{' as drawn' if drawn else ' (n_residents x share_undocumented, the model target)'} "
                f"({dens['undocumented'].iloc[0]:,.0f} here"
                f"{'' if dens['undocumented'].nunique() == 1 else ' in the first run'})")

    @property
    def dens_note(self) -> str:
        return f"per 1,000 residents (of n_residents) and {self.undoc_note}"

    @property
    def has_policy_comparison(self) -> bool:
        return PRESET_KEY in self.names and bool(self.hue) and self.method == "factorial"

    @cached_property
    def comparison_final(self) -> tuple:
        """The policy comparison's per-run rows, its paired differences (or None) and the weeks they cover."""
        final, hue = self.final, self.hue
        if hue not in final:
            final = final.merge(self.df[["run_id", hue]].drop_duplicates(), on="run_id")
        diffs, span = None, f"weeks 1-{self.spec.steps}"
        if self.story and hue == PRESET_KEY:
            window = self.window
            final = window[window["step"] == window["step"].max()]
            span = f"weeks {self.act}-{int(final['step'].iloc[0])}"
            if self.baseline:
                diffs = analysis.paired_differences(
                    final, [c for c in final if c.startswith("reporting_rate_cohort_")], self.baseline, PRESET_KEY)
        return final, diffs, span


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in policy order and presets by their readable names (for the Markdown tables)."""
    if PRESET_KEY not in frame:
        return frame
    names = frame[PRESET_KEY].astype(str)
    rank = {p: i for i, p in enumerate(plots.hue_order(names.unique()))}
    out = frame.assign(_rank=names.map(rank)).sort_values("_rank", kind="stable").drop(columns="_rank")
    out[PRESET_KEY] = out[PRESET_KEY].astype(str).map(plots.hue_label)
    return out


def ci_cell(row) -> str:
    """``mean [low, high]``, rounded at display (no floating-point noise)."""
    return interval(row["mean"], row["ci_low"], row["ci_high"])


def param_label(name: str) -> str:
    """A varied parameter as a column or a legend names it ("policing intensity")."""
    return "preset" if name == PRESET_KEY else name.replace("_", " ")


def scenarios(df: pd.DataFrame, lists) -> pd.Categorical:
    """Each run's combination of the listed parameters in words ("Full cooperation, policing intensity 2"),
    in policy order, then by the other values."""
    def text(row):
        return ", ".join(plots.hue_label(str(v)) if k == PRESET_KEY else f"{param_label(k)} {number(v)}"
                         for k, v in row.items())

    combos = df[lists].drop_duplicates()
    rank = {p: i for i, p in enumerate(plots.hue_order(df[PRESET_KEY].astype(str).unique()))} \
        if PRESET_KEY in lists else {}
    combos = combos.assign(_rank=combos[PRESET_KEY].astype(str).map(rank) if rank else 0).sort_values(
        ["_rank", *[c for c in lists if c != PRESET_KEY]], kind="stable").drop(columns="_rank")
    order = [text(r) for r in combos.to_dict("records")]
    labels = df[lists].apply(lambda r: text(r.to_dict()), axis=1)
    return pd.Categorical(labels, categories=list(dict.fromkeys(order)), ordered=True)


def column_label(name: str, window: str | None = None) -> str:
    """An output as a table's column names it: its reporter's label, with the weeks a total covers
    ("Removals (total, weeks 1-104)") and "(a week)" for a weekly count."""
    text = plots.label(name)
    if window and name.endswith("_cumulative"):
        return (text[:-len(" (total)")] if text.endswith(" (total)") else text) + f" (total, {window})"
    if window and name.endswith("_window"):
        return text.replace(" (over the window)", "") + f" ({window})"
    try:
        weekly = reporter(name).kind == "flow" and not name.endswith("_cumulative")
    except KeyError:
        weekly = False
    return f"{text} (a week)" if weekly else text


def timing(r) -> str:
    """What the runs and this report took: the runs' own time, the last session's wall clock, the report's."""
    wall = r.runs["wall_time"].astype(float) if len(r.runs) and "wall_time" in r.runs else pd.Series(dtype=float)
    session = (r.manifest.get("sessions") or [{}])[-1]
    text = f"Time: the {len(wall)} runs took {wall.sum():,.0f} s of run time (mean {wall.mean():.2f} s)" if len(wall) \
        else "Time: no run recorded yet"
    if session.get("wall_time") is not None:
        text += (f"; the last session took {session['wall_time']:,.0f} s from start to finish "
                 f"({session.get('executor', 'executor unknown')}, {session.get('workers', '?')} worker(s))")
    return text + f"; this report took {REPORT_SECONDS} s to write."


# --- the sections ---------------------------------------------------------------------------------------------
def what_ran(r: SweepResults, doc) -> None:
    spec, manifest, runs = r.spec, r.manifest, r.runs
    if spec.description:
        doc.prose(spec.description)
    ok = int((runs["status"] == "ok").sum()) if len(runs) else 0
    git = manifest["git"]
    bars = (" (bars in the policy comparison: seaborn's percentile bootstrap 95% CI over runs)"
            if r.has_policy_comparison else "")
    doc.heading("What ran")
    doc.items([
        f"Design: **{spec.design.method}** over {', '.join(r.names) or 'no varied parameters'}; "
        f"{len(r.store.points())} points x {spec.replications} replications = {manifest['total_runs']} runs.",
        f"Finished: {ok}; failed: {int((runs['status'] != 'ok').sum()) if len(runs) else 0}; "
        f"missing: {manifest['total_runs'] - len(runs) - len(r.damaged)}"
        + (f"; damaged: {len(r.damaged)} (files that fail the integrity check, left out; "
           "`status` names them and running the sweep again redoes them)." if r.damaged else "."),
        f"{spec.steps} weekly steps, collected every {spec.collect_every}; root seed {spec.seed} "
        + ("(common random numbers: replicate r of every preset of draw d uses the SeedSequence child (d, r))."
           if spec.common_random_numbers and spec.design.method in DRAWN else
           "(common random numbers: replicate r of every point uses the SeedSequence child (0, r))."
           if spec.common_random_numbers else
           "(each run's seed is the SeedSequence child (point, replicate) of it)."),
        f"Fixed: {spec.fixed or 'model defaults'}.",
        f"Git commit {git.get('commit')}{' (with uncommitted changes)' if git.get('dirty') else ''}; "
        f"packages: " + ", ".join(f"{k} {v}" for k, v in manifest["packages"].items() if v) + ".",
        f"Intervals: {r.level:.0%}, {analysis.METHODS[METHOD]}{bars}. Each table and caption says the weeks its "
        "totals cover.",
        timing(r)])
    late = {h: w for h, w in (r.act.items() if isinstance(r.act, dict) else [("", r.act)])
            if isinstance(w, int) and w > spec.steps}
    if late:
        which = "" if list(late) == [""] else " for " + ", ".join(f"`{h}`" for h in late)
        doc.text(f"**The program never starts in these runs{which}:** the activation week "
                 f"({', '.join(str(w) for w in dict.fromkeys(late.values()))}) is after the last simulated week "
                 f"({spec.steps}). Raise `steps` or lower `activation_week` to see it act.")


def failed_runs(r: SweepResults, doc) -> None:
    runs = r.runs
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    if len(failed):
        doc.heading("Failed runs")
        doc.text("Resume the sweep to redo them; tracebacks are in `runs.parquet`.")
        doc.table(failed[["run_id", "point_id", "replicate", "error"]].head(30))


def final_values(r: SweepResults, doc) -> None:
    spec, keep, final, level = r.spec, r.keep, r.final, r.level
    if not keep or r.method not in ("factorial", "lhs"):
        return
    by = [r.hue] if r.hue else []
    if not by or r.method != "factorial":
        by = by or ["point_id"]
    group = r.lists if r.method == "factorial" and r.lists else by
    summary = analysis.summarize(final, keep, group, level, method=METHOD)
    # counts per 1,000 residents and per 1,000 undocumented residents (denominators fixed within a group)
    per = final.merge(r.dens, on="run_id").groupby(group)[["residents", "undocumented"]].mean()
    counts = summary["output"].str.endswith("_cumulative")
    keys = pd.MultiIndex.from_frame(summary[group]) if len(group) > 1 else summary[group[0]]
    for base in ("residents", "undocumented"):
        d = per[base].reindex(keys).to_numpy()
        for c in ("mean", "ci_low", "ci_high"):
            summary[f"{c}_per_1000_{base}"] = np.where(counts, summary[c] * 1000 / d, np.nan)
    doc.csv(summary, "final_values.csv")
    wide = summary.assign(cell=summary.apply(ci_cell, axis=1)).pivot(index=group, columns="output",
                                                                      values="cell")[keep]
    if "removals_cumulative" in keep:
        rem = summary[summary["output"] == "removals_cumulative"].set_index(group)
        at = list(wide.columns).index("removals_cumulative") + 1
        per_undoc = rem.apply(lambda row: ci_cell({c: row[f"{c}_per_1000_undocumented"]
                                                   for c in ("mean", "ci_low", "ci_high")}), axis=1)
        wide.insert(at, f"Removals per 1,000 undocumented residents (weeks 1-{spec.steps})",
                    per_undoc.reindex(wide.index))
    wide = readable(wide.rename(columns=lambda c: column_label(c, f"weeks 1-{spec.steps}")).reset_index())
    wide = wide.rename(columns={g: param_label(g) for g in group})
    doc.heading("Final values")
    doc.text(f"Mean [{level:.0%} interval] over replicates at the last week (week {spec.steps}); totals "
             f"cover weeks 1-{spec.steps}; intervals: {analysis.METHODS[METHOD]}. Removals are also given "
             "per 1,000 undocumented residents (those in the county at week 0); "
             "`tables/final_values.csv` has every total per 1,000 residents and per 1,000 undocumented "
             "residents, with n, sd and the bounds.")
    doc.table(wide)


def over_the_posterior(r: SweepResults, doc) -> None:
    """A sweep over posterior draws: outcomes with the parameters' uncertainty carried."""
    spec, keep, level = r.spec, r.keep, r.level
    if not keep or r.method != "posterior":
        return
    group = r.lists or ["draws"]
    final = r.final.assign(draws="all") if not r.lists else r.final
    summary = analysis.summarize(final, keep, group, level)
    spread = final.groupby(group)[keep].quantile([0.05, 0.95]).unstack()

    def at(row, q):
        return spread.loc[tuple(row[g] for g in group) if len(group) > 1 else row[group[0]], (row["output"], q)]

    summary["q05"] = [at(row, 0.05) for _, row in summary.iterrows()]
    summary["q95"] = [at(row, 0.95) for _, row in summary.iterrows()]
    doc.csv(summary, "posterior_values.csv")
    shown = summary.assign(value=summary.apply(lambda row: f"{ci_cell(row)}; 90% of runs in "
                                                           f"[{number(row['q05'])}, {number(row['q95'])}]", axis=1),
                           output=summary["output"].map(lambda o: column_label(o, f"weeks 1-{spec.steps}")))
    doc.heading("Over the posterior")
    draws = spec.design.samples or len(r.store.points())
    ranged = [f.name for f in spec.factors if f.is_range and f.name not in (spec.source["design"].get("columns") or [])]
    doc.text(f"{draws} parameter sets drawn by weight from `{spec.source['design']['posterior']}` "
             + (f"(each with its own Latin-hypercube values of {', '.join(param_label(n) for n in ranged)}) "
                if ranged else "")
             + f"(SHA-256 {spec.design.sha256[:12]}...), {spec.replications} replication(s) each: the mean "
             f"[{level:.0%} CI of the mean] over runs, and the interval holding 90% of the runs, which carries "
             "the parameters' uncertainty as well as the model's randomness (`tables/posterior_values.csv`).")
    doc.table(shown[[*group, "output", "value"]])


def over_time(r: SweepResults, doc) -> None:
    hue, act, level = r.hue, r.act, r.level
    if not (hue and r.method == "factorial" and r.outputs):
        return
    ts = analysis.summarize(r.df, r.outputs, [hue, "step"], level, method=METHOD)
    doc.csv(ts, "timeseries.csv")
    paths = plots.timeseries(ts, r.outputs, hue, doc.figures, activation=act, level=level)
    where = f" (dashed: activation week {act})" if isinstance(act, int) else " (dashed: activation weeks)" \
        if act else ""
    doc.heading("Over time")
    doc.figure(paths, f"Weekly outputs by {param_label(hue)}: mean over replicates with a {level:.0%} band "
                      f"({analysis.METHODS[METHOD]}){where}; totals (`total`) count from week 1 to the week shown.")


def before_after(r: SweepResults, doc) -> None:
    act, hue, spec, level = r.act, r.hue, r.spec, r.level
    weeks = [act] if isinstance(act, int) else list((act or {}).values())
    if not (weeks and hue and all(0 < w < spec.steps for w in weeks)):
        return
    window = min(min(weeks), spec.steps - max(weeks), WEEKS_PER_YEAR)
    at = act if isinstance(act, int) else "activation_week"
    weekly = [o for o in BEFORE_AFTER if o in r.df]
    if not weekly:
        return
    ba = analysis.before_after(r.df, weekly, at, hue, window, level, method=METHOD)
    weekly = [o for o in weekly if o in set(ba.get("output", ()))]
    if not weekly or set(ba["period"]) != {"before", "after", "after - before"}:
        return  # the weeks collected (collect_every) leave a side of activation empty
    doc.csv(ba, "before_after.csv")
    ba["period"] = pd.Categorical(ba["period"], ["before", "after", "after - before"], ordered=True)
    cells = ba.assign(cell=ba.apply(ci_cell, axis=1)).pivot(index=[hue, "period"], columns="output",
                                                             values="cell")[weekly]
    cells = cells.rename(columns=column_label).reset_index()
    rank = {v: i for i, v in enumerate(r.order(hue))}
    cells = cells.assign(_rank=cells[hue].astype(str).map(rank)).sort_values(["_rank", "period"], kind="stable")
    cells = readable(cells.drop(columns="_rank")).set_index([hue, "period"])
    doc.heading("Before and after activation")
    doc.text(f"Mean weekly value in the {window} weeks before activation (week "
             f"{act if isinstance(act, int) else 'of each run'}) and the {window} weeks from it, "
             f"per run, then over replicates ({level:.0%} interval: {analysis.METHODS[METHOD]}); "
             "`after - before` is the per-run change.")
    doc.table(cells.reset_index().rename(columns={hue: param_label(hue)}))


def grid(r: SweepResults, doc) -> None:
    """A heatmap of the mean over two factorial range parameters."""
    spec = r.spec
    numeric = [f.name for f in spec.factors if f.is_range and r.method == "factorial"]
    pair = spec.analysis.get("heatmap") or (numeric[:2] if len(numeric) >= 2 else None)
    if not (pair and r.method == "factorial"):
        return
    final = r.comparison_final[0] if r.has_policy_comparison else r.final
    doc.heading("Two-parameter grid")
    for o in (spec.analysis.get("outputs") or ["removals_cumulative", "reporting_rate_undocumented"])[:3]:
        if o not in final:
            continue
        table = analysis.summarize(final, [o], list(pair), r.level)
        doc.csv(table, f"grid_{o}.csv")
        paths = plots.heatmap(table, pair[0], pair[1], o, doc.figures)
        doc.figure(paths, f"Mean of {column_label(o, f'weeks 1-{spec.steps}')} at the last week (week {spec.steps}) "
                          f"over {param_label(pair[0])} x {param_label(pair[1])} (other varied parameters pooled).")


WHAT_RAN = (Section("What ran", what_ran, needs_runs=False), Section("Failed runs", failed_runs, needs_runs=False))
TABLES = (Section("Final values", final_values), Section("Over the posterior", over_the_posterior),
          Section("Over time", over_time), Section("Before and after activation", before_after))
