"""The report of a county panel, as a list of sections: the estimators of the empirical literature against
the truth from the twins.

It estimates every outcome x estimator x controls of the spec's ``[estimation]`` on each replication of
the quarterly panel, and writes ``report.md`` with ``figures/`` (each estimator's event-study path and
band over the true path) and ``tables/`` (paths.csv, att.csv, bias_coverage.csv, truth.csv,
truth_paths.csv). Estimators and control groups are labelled and coloured from their one declaration
(``experiments.panel.estimators``).
"""

import warnings
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..panel.estimators import CONTROL_GROUPS, ESTIMATOR_TABLE, estimate_all
from ..panel.outcomes import OUTCOMES
from ..panel.results import load_design, load_panel, panel_info, panel_spec_of, panel_status, panel_store
from ..panel.rollout import WEEKS_PER_QUARTER
from .markdown import md_table as _md_table
from .plots import plt, save
from .sections import Section

# Most counties never adopt a limit within a panel, so the last quarter of counties to adopt are counties that
# never do: "last_treated" is the same sample as "not_yet", and the adoption is estimated once.
ADOPTION_CONTROLS = ("not_yet",)


class PanelIncomplete(FileNotFoundError):
    """The panel has tasks that did not finish: run the panel command again first."""


def true_effects(q: pd.DataFrame, outcomes, window) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From the twins, over every county-quarter of the panel: the ATT by event quarter (within
    ``window``) and overall (all treated county-quarters), per replication."""
    paths, overall = [], []
    for y in outcomes:
        tau = (q[y] - q[f"{y}_twin"]).rename("tau")
        d = q[["replication", "event_quarter", "treated"]].assign(tau=tau, y0=q[f"{y}_twin"]).dropna(subset=["tau"])
        inside = d[d["event_quarter"].between(*window)]
        p = inside.groupby(["replication", "event_quarter"])["tau"].agg(["mean", "size"]).reset_index()
        paths.append(p.rename(columns={"mean": "att", "size": "n"}).assign(outcome=y))
        t = d[d["treated"]].groupby("replication").agg(att=("tau", "mean"), n=("tau", "size"),
                                                        mean_without=("y0", "mean")).reset_index()
        relative = t["att"] / t["mean_without"].where(t["mean_without"] != 0)  # none without the program: n/a
        overall.append(t.assign(outcome=y, relative=relative))
    return pd.concat(paths, ignore_index=True), pd.concat(overall, ignore_index=True)


def bias_coverage(atts: pd.DataFrame, paths: pd.DataFrame) -> pd.DataFrame:
    """Per outcome x estimator x controls, over replications: mean estimate and truth, bias, RMSE,
    coverage of the overall ATT's interval, and coverage of the post-activation path's intervals."""
    a = atts[atts["error"].isna()].copy()
    a["err"] = a["estimate"] - a["truth"]
    a["covers"] = (a["ci_low"] <= a["truth"]) & (a["truth"] <= a["ci_high"])
    keys = [k for k in ("outcome", "estimator", "controls", "weights") if k in a.columns]
    out = a.groupby(keys, sort=False).agg(replications=("err", "size"), estimate=("estimate", "mean"),
                                          truth=("truth", "mean"), bias=("err", "mean"),
                                          rmse=("err", lambda e: float(np.sqrt(np.mean(e ** 2)))),
                                          mean_se=("se", "mean"), coverage=("covers", "mean")).reset_index()
    if "event_time" not in paths.columns or "truth" not in paths.columns:  # every fit failed, or no twin
        return out
    p = paths[(paths["event_time"] >= 0) & paths["truth"].notna()].copy()
    p["covers"] = (p["ci_low"] <= p["truth"]) & (p["truth"] <= p["ci_high"])
    p["abs_err"] = (p["estimate"] - p["truth"]).abs()
    pc = p.groupby(keys, sort=False).agg(path_coverage=("covers", "mean"), path_mean_abs_error=("abs_err", "mean"))
    return out.merge(pc.reset_index(), on=keys, how="left")


def plot_paths(paths: pd.DataFrame, outcome: str, controls, folder: Path, replication=0) -> list:
    """Each estimator's path with its band, over the true path, one panel per choice of controls."""
    o = OUTCOMES[outcome]
    fig, axes = plt.subplots(1, len(controls), figsize=(6.2 * len(controls), 3.9), squeeze=False, sharey=True)
    p = paths[(paths["outcome"] == outcome) & (paths["replication"] == replication)]
    if "weights" in p.columns:
        p = p[p["weights"] == p["weights"].iloc[0]] if len(p) else p  # the first weighting (unweighted by default)
    for ax, c in zip(axes.flat, controls, strict=True):
        pc = p[p["controls"] == c]
        ests = list(dict.fromkeys(pc["estimator"]))
        for k, est in enumerate(ests):
            e = pc[pc["estimator"] == est].sort_values("event_time")
            x = e["event_time"] + (k - (len(ests) - 1) / 2) * 0.12
            ax.fill_between(x, e["ci_low"], e["ci_high"], color=ESTIMATOR_TABLE[est].colour, alpha=0.15, linewidth=0)
            ax.plot(x, e["estimate"], marker="o", markersize=3, color=ESTIMATOR_TABLE[est].colour,
                    label=ESTIMATOR_TABLE[est].label, linewidth=1.2)
        if len(pc):
            t = pc[pc["estimator"] == ests[0]].sort_values("event_time")
            ax.plot(t["event_time"], t["truth"], color="black", linestyle="--", marker="s", markersize=3,
                    label="true ATT (twins)", linewidth=1.3)
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.axvline(-0.5, color="0.5", linewidth=0.8, linestyle=":")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(CONTROL_GROUPS[c].label, fontsize=10)
        ax.set_xlabel("quarters since activation (ends binned)")
    axes.flat[0].set_ylabel(f"effect on {o.label.lower()}\n({o.unit})", fontsize=9)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.08), fontsize=9)
    fig.suptitle(f"{o.label}: event-study estimates (95% CI bands) and the truth, replication {replication}",
                 fontsize=11)
    fig.tight_layout()
    return save(fig, folder, f"event_study_{outcome}")


def plot_rollout(design: pd.DataFrame, folder: Path) -> list:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    hisp = np.log10(np.maximum(design["population"] * design["hispanic_share"], 1))
    axes[0].scatter(hisp, design["activation_date"].astype("datetime64[ns]"), s=4, alpha=0.4,
                    c=np.where(design["border"], "tab:red", "tab:blue"))
    axes[0].set_xlabel("log10 Hispanic residents (red: border)")
    axes[0].set_ylabel("activation")
    axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))
    counts = design.groupby("cohort").size()
    axes[1].bar(counts.index, counts.to_numpy(), color="0.4")
    axes[1].set_xlabel("activation quarter (cohort)")
    axes[1].set_ylabel("counties")
    fig.tight_layout()
    return save(fig, folder, "rollout")


def spillover_setting(spec, design: pd.DataFrame) -> str:
    """An item of "What ran": the spillover setting and the news levels it gave."""
    s = spec.spillover
    if s["weight"] == 0:
        return ("Spillover: off (`[spillover] weight = 0`): no news crosses county lines, and the controls are "
                "clean by construction.")
    where = "the other counties of its state" if s["scope"] == "state" and "state" in design.columns \
        else "every other county of the panel"
    before = design["spillover_before"].dropna()
    return (f"Spillover: on, weight {s['weight']:g}, scope `{s['scope']}`. Each county (and its twin) hears of "
            f"detentions in {where} as `outside_news`: {s['weight']:g} x the share of their Hispanic residents "
            "living in activated counties, detentions per 1,000 Hispanic residents a week, held for each quarter. "
            f"Mean level over the weeks before a county's own activation {before.mean():.4g} (largest "
            f"{before.max():.4g}); over all weeks {design['spillover_mean'].mean():.4g}.")


def outside_news_section(spec, q: pd.DataFrame) -> list:
    """With spillover: the news the not-yet-treated counties hear, quarter by quarter, and their twins'
    fear (mean over replications)."""
    if spec.spillover["weight"] == 0 or "outside_news_level" not in q.columns:
        return []
    waiting = q[~q["treated"]]
    t = waiting.groupby(["quarter", "date"]).agg(
        counties=("county_id", "nunique"), outside_news=("outside_news_level", "mean"),
        chilled_hispanic_twin=("chilled_hispanic_twin", "mean"),
        knows_detained_hispanic_twin=("knows_detained_hispanic_twin", "mean")).reset_index()
    return ["## News from outside the county", "",
            "The counties the program has not reached yet, by quarter: how many, the mean outside news they "
            "hear (detentions per 1,000 Hispanic residents a week) and the mean of their twins' chilled share and "
            "share knowing someone detained (the twin has no program, so what moves here is the news from "
            "outside and the county's own background enforcement).", "", _md_table(t, 4), ""]


class PanelResults:
    """What the sections of a panel's report read: the spec, the design, the quarterly panel and the estimates."""

    def __init__(self, out, verbose=False):
        self.out = out = Path(out)
        self.status = status = panel_status(out)
        if status["ok"] != status["total"]:
            raise PanelIncomplete(f"{out}: {status['ok']}/{status['total']} tasks finished; run the same "
                                  "`python -m experiments panel` command again to finish the panel first")
        self.spec = panel_spec_of(out)
        self.info = panel_info(out)
        self.design = load_design(out)
        self.q = load_panel(out)
        self.verbose = verbose

    @property
    def title(self) -> str:
        return f"Panel report: {self.spec.name}"

    @cached_property
    def estimates(self) -> tuple:
        """(paths, atts): every outcome x estimator x controls x weighting on every replication."""
        return self._estimate(self.spec.estimation["outcomes"], "cohort", "_twin")

    @cached_property
    def adoption_estimates(self) -> tuple:
        """(paths, atts) of the effect of a jail's limit on detainers (cohort ``adoption_cohort``, truth from the
        twin that never adopts, ``_stay``), for the spec's ``[adoption] outcomes``."""
        return self._estimate(self.spec.adoption["outcomes"], "adoption_cohort", "_stay", ADOPTION_CONTROLS)

    def _estimate(self, outcomes, gname, twin_suffix, controls=None) -> tuple:
        est = self.spec.estimation
        all_paths, all_atts = [], []
        if not outcomes:
            return pd.DataFrame(), pd.DataFrame()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for rep, qr in self.q.groupby("replication"):
                p, a = estimate_all(qr, outcomes, est["estimators"], controls or est["controls"],
                                    twin_suffix=twin_suffix, weights=est.get("weights", ("none",)),
                                    last_treated_share=est["last_treated_share"], window=est["window"],
                                    alpha=1 - est["ci"], tname="quarter", gname=gname, idname="county_id")
                all_paths.append(p.assign(replication=rep))
                all_atts.append(a.assign(replication=rep))
                if self.verbose:
                    print(f"replication {rep}: {len(a)} fits", flush=True)
        return pd.concat(all_paths, ignore_index=True), pd.concat(all_atts, ignore_index=True)

    @cached_property
    def bias(self) -> pd.DataFrame:
        paths, atts = self.estimates
        return bias_coverage(atts, paths)

    @cached_property
    def truth(self) -> tuple:
        """(true paths, true overall ATTs) from the twins."""
        est = self.spec.estimation
        return true_effects(self.q, est["outcomes"], est["window"])


def what_ran(r: PanelResults, doc) -> None:
    spec, info, design, status = r.spec, r.info, r.design, r.status
    paths, atts = r.estimates
    truth_paths, truth = r.truth
    doc.csv(paths, "paths.csv")
    doc.csv(atts, "att.csv")
    doc.csv(r.bias, "bias_coverage.csv")
    doc.csv(truth_paths, "truth_paths.csv")
    doc.csv(truth, "truth.csv")
    order = np.corrcoef(design["activation_week"], np.log1p(design["population"] * design["hispanic_share"]))[0, 1]
    policy = "passed to the model" if spec.policy_changes == "model" else \
        "not applied: each jail keeps its first policy"
    doc.prose(spec.description)
    doc.heading("What ran")
    doc.items([
        f"{info['counties']:,} counties from `{Path(info['table']).name}` (sha256 "
        f"{spec.to_dict().get('table_sha256') or info['spec'].get('table_sha256', '')[:12]}), at 1:"
        f"{1 / spec.fraction:,.0f}: {int(design['n_residents'].sum()):,} model residents "
        f"({int(design['n_raised'].sum())} small counties raised to {spec.min_residents}); each county "
        "also run as its twin without the program (same seed).",
        f"{spec.weeks} weeks from {spec.start_date} ({spec.weeks // WEEKS_PER_QUARTER} quarters); "
        f"{spec.replications} replication(s) of the whole panel; root seed {spec.seed}.",
        (f"Burn-in: every model ran {spec.burn_in_weeks} weeks before week 1 (not recorded), after the model's "
         "own spin-up." if spec.burn_in_weeks else
         "No burn-in beyond the model's own spin-up (`spin_up_weeks`, docs/ODD.md 5): every county starts the "
         "panel at rest in the world before the program."),
        f"Rollout rule `{spec.rollout['rule']}` over {spec.rollout['window_start']} to "
        f"{spec.rollout['window_end']}; correlation of the activation week with log Hispanic residents: "
        f"{order:.2f}.",
        f"Detainer policy changes in the table: {int(design['policy_change_week'].notna().sum())} ({policy}).",
        spillover_setting(spec, design),
        f"Tasks: {status['total']} ({status['ok']} finished); run time {status['run_seconds']:.0f} s of "
        f"work; commit {panel_store(r.out).manifest()['git'].get('commit')}."])
    doc.figure(plot_rollout(design, doc.figures), "Activation date against Hispanic residents, and counties "
               "activated per quarter")


def outside_news(r: PanelResults, doc) -> None:
    doc.lines += outside_news_section(r.spec, r.q)


def truth_from_the_twins(r: PanelResults, doc) -> None:
    truth = r.truth[1]
    doc.heading("The truth from the twins")
    doc.text("The ATT over all treated county-quarters (mean of the outcome minus the twin's), the mean "
             "outcome of those county-quarters without the program, and the ratio. See docs/panel.md for the "
             "estimands.")
    t = truth.groupby("outcome", sort=False).agg(att=("att", "mean"), mean_without=("mean_without", "mean"),
                                                 relative=("relative", "mean"), cells=("n", "mean")).reset_index()
    t.insert(1, "unit", t["outcome"].map(lambda o: OUTCOMES[o].unit))
    doc.table(t, 3)


def estimators_against_the_truth(r: PanelResults, doc) -> None:
    est = r.spec.estimation
    paths, atts = r.estimates
    doc.heading("Estimators against the truth")
    doc.text(f"Each figure shows replication 0: every estimator's path with its {est['ci']:.0%} band "
             "(standard errors clustered by county), and the true ATT by event quarter in the same sample "
             "(dashed). The table gives the overall ATT (mean over replications).")
    for y in est["outcomes"]:
        doc.heading(f"{OUTCOMES[y].label} (`{y}`, {OUTCOMES[y].unit})", level=3)
        doc.figure(plot_paths(paths, y, est["controls"], doc.figures), f"{OUTCOMES[y].label}")
        a = atts[(atts["outcome"] == y)]
        bad = a[a["error"].notna()]
        keys = [k for k in ("estimator", "controls", "weights") if k in a.columns]
        a = a[a["error"].isna()].groupby(keys, sort=False)[["estimate", "ci_low", "ci_high", "truth"]].mean()
        doc.table(a.reset_index(), 3)
        doc.lines += [f"- {x.estimator} / {x.controls}, replication {x.replication}: failed: {x.error}"
                      for x in bad.itertuples()] + [""]


def bias_and_coverage(r: PanelResults, doc) -> None:
    spec = r.spec
    bc = r.bias
    doc.heading("Bias and coverage over replications")
    doc.text(f"Over {spec.replications} replication(s) of the whole panel: bias = mean(estimate - truth), "
             "RMSE, coverage of the overall ATT's interval, and of the intervals of the path after "
             "activation (each event quarter against its own truth).")
    doc.table(bc[[c for c in ("outcome", "estimator", "controls", "weights", "replications", "estimate", "truth",
                              "bias", "rmse", "coverage", "path_coverage") if c in bc.columns]], 3)
    if spec.replications < 10:
        doc.text(f"With {spec.replications} replication(s), coverage is a rough count, not a rate.")


def adoption(r: PanelResults, doc) -> None:
    """The effect of a jail's limit on detainers, against the truth from the twins that never adopt."""
    outcomes = r.spec.adoption["outcomes"]
    if not outcomes:
        return
    paths, atts = r.adoption_estimates
    doc.csv(paths, "adoption_paths.csv")
    doc.csv(atts, "adoption_att.csv")
    design = r.design
    adopters = design[design["adoption_twin"]]
    doc.heading("Adopting a limit on detainers")
    doc.text(f"The jails of {len(adopters)} counties adopt a limiting policy within the panel "
             f"({', '.join(f'{k} {v}' for k, v in adopters['detainer_policy_after'].value_counts().items())}); "
             "each also ran as a twin whose jail never adopts, with the program as in its treated run, so the truth "
             "is the effect of adopting under the program. Treated cohort: the quarter of adoption; controls: the "
             "counties that have not adopted (yet), most of which never do. Bias, RMSE and coverage over "
             f"{r.spec.replications} replication(s):")
    bc = bias_coverage(atts, paths) if len(atts) else pd.DataFrame()
    if len(bc):
        doc.csv(bc, "adoption_bias_coverage.csv")
        doc.table(bc[["outcome", "estimator", "controls", "weights", "replications", "estimate", "truth", "bias",
                      "rmse", "coverage"]], 4)
    bad = atts[atts["error"].notna()] if "error" in atts else atts
    doc.lines += [f"- {x.outcome} / {x.estimator} / {x.controls} / {x.weights}, replication {x.replication}: "
                  f"failed: {x.error}" for x in bad.itertuples()] + [""]


def caveats(r: PanelResults, doc) -> None:
    independent = ("- Counties are independent models: fear does not cross county lines, so there are no "
                   "spillovers in this panel (docs/panel.md).")
    contaminated = ("- Fear crosses county lines: a county's controls (not yet treated, or last treated) hear of "
                    "their neighbours' enforcement before their own activation, so they are not clean controls. "
                    "The truth from the twins is each county's own effect, holding the news from its "
                    "surroundings as it was (the twin hears it too); it is not the effect of the program on the "
                    "nation against no program anywhere (docs/panel.md).")
    doc.heading("Caveats")
    doc.lines += [contaminated if r.spec.spillover["weight"] > 0 else independent,
                  "- Ratios from small counties are noisy or undefined (0/0); those county-quarters drop out of "
                  "the estimation sample, and the truth is computed on the cells that remain.", ""]
    runs = panel_store(r.out).runs_table()
    if len(runs):
        doc.text(f"Task wall time: mean {runs['wall_time'].mean():.1f} s, max {runs['wall_time'].max():.1f} s.")


PANEL = (Section("What ran", what_ran), Section("News from outside the county", outside_news),
         Section("The truth from the twins", truth_from_the_twins),
         Section("Estimators against the truth", estimators_against_the_truth),
         Section("Bias and coverage over replications", bias_and_coverage),
         Section("Adopting a limit on detainers", adoption), Section("Caveats", caveats))
