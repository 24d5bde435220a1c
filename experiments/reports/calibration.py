"""The report of a calibration, as a list of sections: how it ran, the generations, the posterior, the targets
met and missed, and how to reproduce it.

``python -m experiments report DIR`` writes it when the folder is a calibration (``reports.build_report``):
``report.md`` with seaborn figures (PNG and SVG) in ``figures/`` and CSV tables in ``tables/``. It reads
the history while a calibration runs too (the last finished generation stands in for the posterior, and
its particles' own statistics for the predictive runs).
"""

import math
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import DEFAULTS

from ..calibration.folder import (
    POSTERIOR,
    PREDICTIVE,
    check_generations,
    open_history,
    priors_of,
    read_manifest,
    read_state,
)
from ..calibration.posterior import posterior_sample, posterior_summary, weighted_quantile
from ..calibration.targets import Target
from . import plots
from .calibration_checks import checks, composites, held_out, read_noise, seed_noise
from .sections import Section

plt = plots.plt
sns = plots.sns


def targets_of(manifest: dict) -> list:
    out = []
    for tid, t in manifest["targets"].items():
        window = t["window"] if isinstance(t["window"], str) else tuple(t["window"])
        out.append(Target(tid, t["pattern"], t["statistic"], tuple(t["counties"]), window, t["value"], t["low"],
                          t["high"], t["source"]))
    return out


def _window(t: Target) -> str:
    if t.window == "before":
        return "before activation"
    if t.window == "build":
        return "as built"
    return f"weeks {t.window[0]}-{t.window[1]} after activation"


def predictive_table(out, manifest: dict, generation: int) -> tuple:
    """The predictive statistics (one row per run) and where they come from."""
    path = Path(out) / PREDICTIVE
    if path.is_file():
        return pd.read_parquet(path), "fresh runs at draws from the posterior (posterior predictive)"
    history = open_history(out)
    weights, stats = history.get_weighted_sum_stats(t=generation)
    df = pd.DataFrame([{k: float(np.asarray(v)) for k, v in s.items()} for s in stats])
    df["weight"] = np.asarray(weights, dtype=float)
    return df, (f"the statistics of generation {generation + 1}'s accepted particles (no fresh predictive runs: "
                "these passed the epsilon threshold, so they sit closer to the targets than fresh draws would)")


def target_table(targets, pred: pd.DataFrame, fitted, observed, held=()) -> pd.DataFrame:
    """Per target: published value and range, predictive median and 90% interval, share inside the range,
    the median miss in tolerances, and whether (and by how much) the model misses it."""
    rows = []
    for t in targets:
        v = pred[t.id].to_numpy(dtype=float) if t.id in pred else np.array([])
        finite = v[np.isfinite(v)]
        obs = observed.get(t.id, t.value)
        if len(finite):
            lo, med, hi = np.quantile(finite, [0.05, 0.5, 0.95])
            inside = float(np.mean((finite >= t.low) & (finite <= t.high)))
            z = float(np.median([t.z(x) for x in finite]))
        else:
            lo = med = hi = inside = z = math.nan
        if not len(finite):
            verdict, gap = "not measured", math.nan
        elif lo > t.high:
            verdict, gap = "cannot meet: too high", lo - t.high
        elif hi < t.low:
            verdict, gap = "cannot meet: too low", hi - t.low
        elif inside >= 0.5:
            verdict, gap = "met", 0.0
        else:
            verdict, gap = "met in part", 0.0
        role = "fitted" if t.id in fitted else "held out" if t.id in held else "checked"
        rows.append({"target": t.id, "pattern": t.pattern, "role": role,
                     "value": t.value, "low": t.low, "high": t.high, "observed": obs, "predictive_median": med,
                     "predictive_q05": lo, "predictive_q95": hi, "share_inside": inside, "median_z": z,
                     "verdict": verdict, "gap": gap, "gap_in_tolerances": (gap / (t.high - t.value) if gap > 0 else
                                                                           gap / (t.value - t.low) if gap < 0 else
                                                                           gap),
                     "where": f"{', '.join(t.counties)}; {_window(t)}", "source": t.source})
    return pd.DataFrame(rows)


# --- figures --------------------------------------------------------------------------------------------------
@plots.themed("whitegrid")
def prior_posterior(post, priors, folder, name="prior_posterior") -> list:
    """One panel per parameter: the weighted posterior histogram against the prior density (log-uniform
    parameters on a log10 axis, where their prior is flat)."""
    n = len(priors)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.3 * rows), squeeze=False)
    w = post["weight"].to_numpy(dtype=float)
    for ax, p in zip(axes.flat, priors, strict=False):
        values = post[p.name].to_numpy(dtype=float)
        low, high = (math.log10(p.low), math.log10(p.high)) if p.log else (p.low, p.high)
        x = np.log10(values) if p.log else values
        hist, edges = np.histogram(x, bins=np.linspace(low, high, 25), weights=w, density=True)
        ax.stairs(hist, edges, fill=True, alpha=0.5, color="C0", label="posterior")
        ax.plot([low, high], [1 / (high - low)] * 2, color="0.3", linestyle="--", label="prior")
        ax.axvline(np.log10(weighted_quantile(values, w, 0.5)) if p.log else weighted_quantile(values, w, 0.5),
                   color="C3", linewidth=1.2, label="posterior median")
        ax.set_xlabel(f"log10 {p.name}" if p.log else p.name, fontsize=9)
        ax.set_ylabel("density")
        ax.set_xlim(low, high)
    for ax in list(axes.flat)[n:]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 1.0))
    return plots.save(fig, folder, name)


@plots.themed("ticks")
def pair_plot(post, priors, folder, name="posterior_pairs", n=800, seed=0) -> list:
    rng = np.random.default_rng(seed)
    w = post["weight"].to_numpy(dtype=float)
    draws = post.iloc[rng.choice(len(post), size=n, p=w / w.sum())][[p.name for p in priors]].reset_index(drop=True)
    for p in priors:
        if p.log:
            draws[p.name] = np.log10(draws[p.name].astype(float))
            draws = draws.rename(columns={p.name: f"log10 {p.name}"})
    grid = sns.pairplot(draws, corner=True, diag_kind="hist",
                        plot_kws={"s": 8, "alpha": 0.4, "linewidth": 0, "rasterized": True},
                        height=max(1.5, min(2.6, 16 / len(priors))))
    for ax in grid.figure.axes:
        ax.xaxis.label.set_size(8)
        ax.yaxis.label.set_size(8)
    grid.figure.suptitle(f"Posterior: {n} draws by weight", y=1.01)
    return plots.save(grid.figure, folder, name)


@plots.themed("whitegrid")
def targets_plot(targets, pred, table, folder, name="targets") -> list:
    """One panel per target: the predictive values (points and box), the tolerance range (band) and the
    published value (line)."""
    n = len(targets)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.9 * rows), squeeze=False)
    verdicts = table.set_index("target")["verdict"]
    for ax, t in zip(axes.flat, targets, strict=False):
        v = pred[t.id].to_numpy(dtype=float) if t.id in pred else np.array([])
        v = v[np.isfinite(v)]
        ax.axhspan(t.low, t.high, color="C2", alpha=0.18, linewidth=0)
        ax.axhline(t.value, color="C2", linewidth=1.5)
        if len(v):
            sns.boxplot(y=v, ax=ax, color="C0", width=0.35, fliersize=0, boxprops={"alpha": 0.4})
            sns.stripplot(y=v, ax=ax, color="C0", size=2.5, alpha=0.6, jitter=0.15)
        verdict = verdicts.get(t.id, "")
        ax.set_title(f"{t.id}: {verdict}", fontsize=9, color="C3" if verdict.startswith("cannot") else "0.1")
        ax.set_xlabel(t.statistic, fontsize=8)
        ax.set_ylabel("")
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[n:]:
        ax.remove()
    fig.suptitle("Published value (line) and tolerance (band) against the predictive distribution", y=1.01)
    fig.tight_layout()
    return plots.save(fig, folder, name)


@plots.themed("whitegrid")
def misses_plot(targets, pred, folder, name="target_misses") -> list:
    """Every target on one scale: the predictive miss in tolerances (|z| <= 1 is inside the range)."""
    rows = []
    for t in targets:
        if t.id not in pred:
            continue
        for x in pred[t.id].to_numpy(dtype=float):
            if np.isfinite(x):
                rows.append({"target": t.id, "miss in tolerances": t.z(x)})
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(targets) + 1.5))
    ax.axvspan(-1, 1, color="C2", alpha=0.18, linewidth=0)
    ax.axvline(0, color="C2")
    if rows:
        df = pd.DataFrame(rows)
        sns.boxplot(data=df, y="target", x="miss in tolerances", ax=ax, color="C0", fliersize=2, orient="h")
    ax.set_title("Predictive miss of each target, in units of its tolerance (band: within tolerance)")
    fig.tight_layout()
    return plots.save(fig, folder, name)


@plots.themed("whitegrid")
def generations_plot(gens, folder, name="generations") -> list:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    g = gens[np.isfinite(gens["epsilon"])]
    axes[0].plot(g["generation"], g["epsilon"], marker="o")
    axes[0].set_title("epsilon (RMS miss in tolerances)")
    axes[1].plot(gens["generation"], gens["acceptance_rate"], marker="o", color="C1")
    axes[1].set_title("acceptance rate")
    for ax in axes:
        ax.set_xlabel("generation")
        ax.set_xticks(gens["generation"])
    fig.tight_layout()
    return plots.save(fig, folder, name)


# --- the report -----------------------------------------------------------------------------------------------
def generations_table(out) -> pd.DataFrame:
    history = open_history(out)
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0].copy()
    state = read_state(Path(out)).get("generations", {})
    rows = []
    for r in pops.itertuples():
        log = state.get(str(int(r.t) + 1), {})
        rows.append({"generation": int(r.t) + 1, "epsilon": float(r.epsilon), "particles": int(r.particles),
                     "evaluations": int(r.samples), "acceptance_rate": r.particles / r.samples if r.samples else
                     math.nan, "wall_time_s": float(r.wall_time) if r.wall_time is not None else math.nan,
                     "particles_per_s": log.get("particles_per_second", math.nan),
                     "discarded": log.get("discarded", math.nan)})
    return pd.DataFrame(rows)


class CalibrationResults:
    """What the sections of a calibration's report read: its manifest, state, priors, targets, generations."""

    def __init__(self, out):
        self.out = out = Path(out)
        self.manifest = manifest = read_manifest(out)
        self.state = read_state(out)
        self.spec = manifest["spec"]
        self.priors = priors_of(manifest)
        self.targets = targets_of(manifest)
        self.fitted = manifest["fitted"]
        self.observed = manifest["observed"]
        self.held_out = manifest.get("held_out", [])
        self.abc = self.spec.get("abc", {})
        self.planned = int(self.state.get("planned") or self.abc.get("generations", 3))
        try:
            self.generations = generations_table(out)
        except FileNotFoundError:
            self.generations = pd.DataFrame()
        check_generations(out, len(self.generations), self.state)

    @property
    def title(self) -> str:
        return f"Calibration report: {self.manifest['name']}"

    @property
    def done(self) -> int:
        return len(self.generations)

    @cached_property
    def posterior(self) -> pd.DataFrame:
        finished = self.state.get("finished") and (self.out / POSTERIOR).is_file()
        return pd.read_csv(self.out / POSTERIOR) if finished else posterior_sample(self.out, t=self.done - 1)

    @cached_property
    def predictive(self) -> tuple:
        """(the predictive statistics, where they come from)."""
        return predictive_table(self.out, self.manifest, self.done - 1)

    @cached_property
    def target_verdicts(self) -> pd.DataFrame:
        return target_table(self.targets, self.predictive[0], self.fitted, self.observed, self.held_out)


def what_ran(r: CalibrationResults, doc) -> None:
    manifest, spec, abc, state, done, targets, fitted = (r.manifest, r.spec, r.abc, r.state, r.done, r.targets,
                                                          r.fitted)
    if spec.get("description"):
        doc.prose(spec["description"])
    status = (f"finished: {state.get('stopped')}" if state.get("finished") else
              f"in progress or interrupted: {done} of {r.planned} generations finished (this report shows the "
              "last finished one; run the same `calibrate` command to go on)")
    git = manifest.get("git") or {}
    synthetic = {k: v for k, v in r.observed.items() if v != manifest["targets"][k]["value"]}
    doc.heading("What ran")
    doc.items([
        f"Status: {status}.",
        f"Fitted to {len(fitted)} target statistics ({', '.join(fitted)})"
        + (f"; checked against {', '.join(t.id for t in targets if t.id not in fitted)} (computed, not "
           "fitted)" if len(targets) > len(fitted) else "") + ". Targets and sources: "
        "`experiments/targets.toml` (values below).",
        "Distance: root mean square over the fitted targets of each statistic's miss in units of its "
        "tolerance, on the side it falls" + ("" if not read_noise(r.out) else ", widened by the statistic's "
                                             "seed noise (sqrt(tolerance^2 + sd^2); \"Seed noise in the distance\")")
        + "; a statistic a run cannot measure counts as 10 tolerances. Checks and held-out targets are never in "
        "it.",
        f"ABC-SMC (pyabc {manifest['packages'].get('pyabc')}): population {abc.get('population', 100)}, "
        f"{r.planned} generations, epsilon {abc.get('epsilon', 'quantile')}"
        + (f" (quantile {abc.get('quantile', 0.5)} of the last generation's distances, first generation at "
           f"{abc.get('initial_epsilon', 'inf')})" if abc.get("epsilon", "quantile") == "quantile" else "")
        + f"; root seed {spec.get('seed', 0)}; {spec.get('replications', 1)} replication(s) per county per "
        f"particle; program active from week {spec.get('activation_week', DEFAULTS['activation_week'])}.",
        f"Git commit {git.get('commit')}{' (with uncommitted changes)' if git.get('dirty') else ''}; "
        + ", ".join(f"{k} {v}" for k, v in manifest["packages"].items() if v) + "."])
    if synthetic:
        doc.items([f"**Synthetic targets**: fitted to values other than the published ones: {synthetic}."])
    others = ("n_residents", "share_undocumented", "share_lpr", "share_naturalized", "activation_week")
    county_rows = pd.DataFrame([{"county": c, "residents": d["params"].get("n_residents"), "weeks run": d["weeks"],
                                 "undocumented": d["params"].get("share_undocumented"),
                                 "LPR": d["params"].get("share_lpr"),
                                 "naturalized": d["params"].get("share_naturalized"),
                                 "other fixed": ", ".join(f"{k}={v}" for k, v in d["params"].items()
                                                          if k not in others)}
                                for c, d in manifest["counties"].items()])
    doc.text("Each particle runs these counties (composition from `experiments/targets.toml`):")
    doc.table(county_rows)


def generations(r: CalibrationResults, doc) -> None:
    gens = r.generations
    if gens.empty:
        doc.text("No generation has finished yet.")
        return
    doc.csv(gens, "generations.csv")
    doc.heading("Generations")
    doc.table(gens)
    if len(gens) > 1:
        doc.figure(generations_plot(gens, doc.figures), "Epsilon and acceptance rate by generation.")


def posterior(r: CalibrationResults, doc) -> None:
    if not r.done:
        return
    post, priors = r.posterior, r.priors
    summary = posterior_summary(post, priors)
    doc.csv(summary, "posterior_summary.csv")
    doc.csv(post, "posterior.csv")
    shown = summary.assign(**{"90% interval": summary.apply(lambda x: f"{x['q05']:.4g} - {x['q95']:.4g}", axis=1)})
    doc.heading("Posterior")
    doc.text(f"Generation {r.done}: {len(post)} weighted particles. Median and 90% interval (weighted), the "
             "prior, and the share of the prior's range (log scale for log-uniform priors) the 90% interval "
             "still covers (1: the targets did not narrow it).")
    doc.table(shown[["parameter", "prior", "median", "90% interval", "interval_share_of_prior"]])
    doc.figure(prior_posterior(post, priors, doc.figures),
               "Prior (dashed) against posterior (histogram, weighted) for each fitted parameter; red: posterior "
               "median.")
    if len(priors) > 1:
        doc.figure(pair_plot(post, priors, doc.figures),
                   "Pair plot of the posterior (draws by weight; log-uniform parameters on a log10 scale).")


def targets(r: CalibrationResults, doc) -> None:
    if not r.done:
        return
    (pred, where), table = r.predictive, r.target_verdicts
    doc.csv(table, "targets.csv")
    cells = table.assign(
        published=table.apply(lambda x: f"{x['value']:.4g} [{x['low']:.4g}, {x['high']:.4g}]", axis=1),
        predictive=table.apply(lambda x: f"{x['predictive_median']:.4g} [{x['predictive_q05']:.4g}, "
                                         f"{x['predictive_q95']:.4g}]", axis=1))
    doc.heading("Targets")
    doc.text(f"Predictive distribution: {where} ({len(pred)} runs). Published value [tolerance range] against "
             "the predictive median [90% interval]; `share_inside`: share of the predictive runs inside the "
             "range; `median_z`: median miss in tolerances. A target the model **cannot meet** has its whole "
             "90% interval outside the range; `gap` is the distance from the range to the nearest end of the "
             "interval (natural units, then tolerances).")
    doc.table(cells[["target", "role", "pattern", "published", "predictive", "share_inside", "median_z", "verdict"]])
    doc.figure(misses_plot(r.targets, pred, doc.figures),
               "Every target's predictive miss in units of its tolerance (band: inside the range).")
    doc.figure(targets_plot(r.targets, pred, table, doc.figures),
               "Each target: published value (line), tolerance (band) and predictive runs (points, box).")


def missed_targets(r: CalibrationResults, doc) -> None:
    if not r.done:
        return
    table = r.target_verdicts
    missed = table[table["verdict"].str.startswith("cannot")]
    doc.heading("Targets the model cannot meet")
    if missed.empty:
        doc.text("None: every target's predictive 90% interval reaches its tolerance range.")
        return
    doc.text("A target the model cannot meet with these parameters and priors is a finding about the model, "
             "not a reason to add knobs:")
    doc.items([f"**{x.target}** ({x.pattern}): published {x.value:.4g} [{x.low:.4g}, {x.high:.4g}]; the "
               f"model gives {x.predictive_median:.4g} [{x.predictive_q05:.4g}, {x.predictive_q95:.4g}], "
               f"{x.verdict.split(': ')[1]} by {abs(x.gap):.3g} ({abs(x.gap_in_tolerances):.2g} tolerances) "
               f"beyond the range. Measured in {x.where}." for x in missed.itertuples()])


def reproduce(r: CalibrationResults, doc) -> None:
    if not r.done:
        return
    doc.heading("Reproduce")
    doc.lines += ["```",
                  f"python -m experiments calibrate SPEC --out {r.out}     # SPEC: the spec stored in manifest.json",
                  f"python -m experiments report {r.out}",
                  "```", ""]
    doc.text("The same spec and seed give the same posterior with any number of workers, serially, on local "
             "processes or on Dask (docs/calibration.md).")


CALIBRATION = (Section("What ran", what_ran), Section("Seed noise", seed_noise), Section("Generations", generations),
               Section("Posterior", posterior), Section("Composites", composites), Section("Targets", targets),
               Section("Checks", checks), Section("Targets the model cannot meet", missed_targets),
               Section("Held-out check", held_out), Section("Reproduce", reproduce))
