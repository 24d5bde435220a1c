"""The Markdown report of a calibration: the posterior, the targets met and missed, and how it ran.

``build_calibration_report(out)`` writes ``out/report/report.md`` with seaborn figures (PNG and SVG)
in ``figures/`` and CSV tables in ``tables/``; ``python -m experiments report DIR`` calls it when the
folder is a calibration. It reads the history while a calibration runs too (the last finished
generation stands in for the posterior, and its particles' own statistics for the predictive runs).

``target_sensitivity(out)`` is the Morris screening of the targets: for a sweep of the model in the
target counties (``experiments/specs/screening.toml``) it computes every target statistic per
design point and the elementary effects on each, in units of the target's tolerance.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import plots
from .calibrate import (
    POSTERIOR,
    PREDICTIVE,
    CalibrationError,
    _read_state,
    open_history,
    posterior_sample,
    posterior_summary,
    priors_of,
    read_manifest,
    weighted_quantile,
)
from .statistics import Target
from .store import StoreError

plt = plots.plt
sns = plots.sns


def _md_table(df: pd.DataFrame) -> str:
    from .report import _md_table as table

    return table(df)


def _figure(lines, paths, report_dir, caption):
    from .report import _figure as fig

    fig(lines, paths, report_dir, caption)


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


def target_table(targets, pred: pd.DataFrame, fitted, observed) -> pd.DataFrame:
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
        rows.append({"target": t.id, "pattern": t.pattern, "role": "fitted" if t.id in fitted else "checked",
                     "value": t.value, "low": t.low, "high": t.high, "observed": obs, "predictive_median": med,
                     "predictive_q05": lo, "predictive_q95": hi, "share_inside": inside, "median_z": z,
                     "verdict": verdict, "gap": gap, "gap_in_tolerances": (gap / (t.high - t.value) if gap > 0 else
                                                                           gap / (t.value - t.low) if gap < 0 else
                                                                           gap),
                     "where": f"{', '.join(t.counties)}; {_window(t)}", "source": t.source})
    return pd.DataFrame(rows)


# --- figures --------------------------------------------------------------------------------------------------
@plots._themed("whitegrid")
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


@plots._themed("ticks")
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


@plots._themed("whitegrid")
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


@plots._themed("whitegrid")
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


@plots._themed("whitegrid")
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
    state = _read_state(Path(out)).get("generations", {})
    rows = []
    for r in pops.itertuples():
        log = state.get(str(int(r.t) + 1), {})
        rows.append({"generation": int(r.t) + 1, "epsilon": float(r.epsilon), "particles": int(r.particles),
                     "evaluations": int(r.samples), "acceptance_rate": r.particles / r.samples if r.samples else
                     math.nan, "wall_time_s": float(r.wall_time) if r.wall_time is not None else math.nan,
                     "particles_per_s": log.get("particles_per_second", math.nan),
                     "discarded": log.get("discarded", math.nan)})
    return pd.DataFrame(rows)


def build_calibration_report(out, quiet=True) -> Path:
    """Write ``out/report/report.md`` for a calibration folder; returns its path."""
    out = Path(out)
    manifest = read_manifest(out)
    state = _read_state(out)
    report_dir = out / "report"
    links = [str(p) for p in report_dir.rglob("*") if p.is_symlink()] if report_dir.is_dir() else []
    if report_dir.is_symlink() or links:
        raise StoreError(f"{report_dir} holds symbolic links; refusing to write through them")
    fig_dir, tab_dir = report_dir / "figures", report_dir / "tables"
    tab_dir.mkdir(parents=True, exist_ok=True)
    spec = manifest["spec"]
    priors = priors_of(manifest)
    targets = targets_of(manifest)
    fitted = manifest["fitted"]
    observed = manifest["observed"]
    abc = spec.get("abc", {})
    generations = int(state.get("planned") or abc.get("generations", 3))
    lines = [f"# Calibration report: {manifest['name']}", ""]
    if spec.get("description"):
        lines += [spec["description"], ""]
    try:
        gens = generations_table(out)
    except FileNotFoundError:
        gens = pd.DataFrame()
    done = len(gens)
    status = (f"finished: {state.get('stopped')}" if state.get("finished") else
              f"in progress or interrupted: {done} of {generations} generations finished (this report shows the "
              "last finished one; run the same `calibrate` command to go on)")
    git = manifest.get("git") or {}
    counties = manifest["counties"]
    synthetic = {k: v for k, v in observed.items() if v != manifest["targets"][k]["value"]}
    lines += ["## What ran", "",
              f"- Status: {status}.",
              f"- Fitted to {len(fitted)} target statistics ({', '.join(fitted)})"
              + (f"; checked against {', '.join(t.id for t in targets if t.id not in fitted)} (computed, not "
                 "fitted)" if len(targets) > len(fitted) else "") + ". Targets and sources: "
              "`experiments/targets.toml` (values below).",
              "- Distance: root mean square over the fitted targets of each statistic's miss in units of its "
              "tolerance, on the side it falls; a statistic a run cannot measure counts as 10 tolerances.",
              f"- ABC-SMC (pyabc {manifest['packages'].get('pyabc')}): population {abc.get('population', 100)}, "
              f"{generations} generations, epsilon {abc.get('epsilon', 'quantile')}"
              + (f" (quantile {abc.get('quantile', 0.5)} of the last generation's distances, first generation at "
                 f"{abc.get('initial_epsilon', 'inf')})" if abc.get("epsilon", "quantile") == "quantile" else "")
              + f"; root seed {spec.get('seed', 0)}; {spec.get('replications', 1)} replication(s) per county per "
              f"particle; program active from week {spec.get('activation_week', 52)}.",
              f"- Git commit {git.get('commit')}{' (with uncommitted changes)' if git.get('dirty') else ''}; "
              + ", ".join(f"{k} {v}" for k, v in manifest["packages"].items() if v) + ".", ""]
    if synthetic:
        lines += [f"- **Synthetic targets**: fitted to values other than the published ones: {synthetic}.", ""]
    county_rows = pd.DataFrame([{"county": c, "residents": d["params"].get("n_residents"), "weeks run": d["weeks"],
                                 "undocumented": d["params"].get("share_undocumented"),
                                 "LPR": d["params"].get("share_lpr"),
                                 "naturalized": d["params"].get("share_naturalized"),
                                 "other fixed": ", ".join(f"{k}={v}" for k, v in d["params"].items()
                                                          if k not in ("n_residents", "share_undocumented",
                                                                       "share_lpr", "share_naturalized",
                                                                       "activation_week"))}
                                for c, d in counties.items()])
    lines += ["Each particle runs these counties (composition from `experiments/targets.toml`):", "",
              _md_table(county_rows), ""]
    if gens.empty:
        lines += ["No generation has finished yet.", ""]
        return _write(report_dir, lines, quiet)
    gens.to_csv(tab_dir / "generations.csv", index=False)
    lines += ["## Generations", "", _md_table(gens), ""]
    if len(gens) > 1:
        _figure(lines, generations_plot(gens, fig_dir), report_dir, "Epsilon and acceptance rate by generation.")

    generation = done - 1
    post = pd.read_csv(out / POSTERIOR) if state.get("finished") and (out / POSTERIOR).is_file() else \
        posterior_sample(out, t=generation)
    summary = posterior_summary(post, priors)
    summary.to_csv(tab_dir / "posterior_summary.csv", index=False)
    post.to_csv(tab_dir / "posterior.csv", index=False)
    shown = summary.assign(**{"90% interval": summary.apply(lambda r: f"{r['q05']:.4g} - {r['q95']:.4g}", axis=1)})
    lines += ["## Posterior", "",
              f"Generation {done}: {len(post)} weighted particles. Median and 90% interval (weighted), the "
              "prior, and the share of the prior's range (log scale for log-uniform priors) the 90% interval "
              "still covers (1: the targets did not narrow it).", "",
              _md_table(shown[["parameter", "prior", "median", "90% interval", "interval_share_of_prior"]]), ""]
    _figure(lines, prior_posterior(post, priors, fig_dir), report_dir,
            "Prior (dashed) against posterior (histogram, weighted) for each fitted parameter; red: posterior median.")
    if len(priors) > 1:
        _figure(lines, pair_plot(post, priors, fig_dir), report_dir,
                "Pair plot of the posterior (draws by weight; log-uniform parameters on a log10 scale).")

    pred, where = predictive_table(out, manifest, generation)
    table = target_table(targets, pred, fitted, observed)
    table.to_csv(tab_dir / "targets.csv", index=False)
    cells = table.assign(
        published=table.apply(lambda r: f"{r['value']:.4g} [{r['low']:.4g}, {r['high']:.4g}]", axis=1),
        predictive=table.apply(lambda r: f"{r['predictive_median']:.4g} [{r['predictive_q05']:.4g}, "
                                         f"{r['predictive_q95']:.4g}]", axis=1))
    lines += ["## Targets", "",
              f"Predictive distribution: {where} ({len(pred)} runs). Published value [tolerance range] against "
              "the predictive median [90% interval]; `share_inside`: share of the predictive runs inside the "
              "range; `median_z`: median miss in tolerances. A target the model **cannot meet** has its whole "
              "90% interval outside the range; `gap` is the distance from the range to the nearest end of the "
              "interval (natural units, then tolerances).", "",
              _md_table(cells[["target", "role", "pattern", "published", "predictive", "share_inside", "median_z",
                               "verdict"]]), ""]
    _figure(lines, misses_plot(targets, pred, fig_dir), report_dir,
            "Every target's predictive miss in units of its tolerance (band: inside the range).")
    _figure(lines, targets_plot(targets, pred, table, fig_dir), report_dir,
            "Each target: published value (line), tolerance (band) and predictive runs (points, box).")
    missed = table[table["verdict"].str.startswith("cannot")]
    lines += ["## Targets the model cannot meet", ""]
    if missed.empty:
        lines += ["None: every target's predictive 90% interval reaches its tolerance range.", ""]
    else:
        lines += ["A target the model cannot meet with these parameters and priors is a finding about the model, "
                  "not a reason to add knobs:", ""]
        for r in missed.itertuples():
            lines.append(f"- **{r.target}** ({r.pattern}): published {r.value:.4g} [{r.low:.4g}, {r.high:.4g}]; the "
                         f"model gives {r.predictive_median:.4g} [{r.predictive_q05:.4g}, {r.predictive_q95:.4g}], "
                         f"{r.verdict.split(': ')[1]} by {abs(r.gap):.3g} ({abs(r.gap_in_tolerances):.2g} tolerances) "
                         f"beyond the range. Measured in {r.where}.")
        lines.append("")
    lines += ["## Reproduce", "",
              "```",
              f"python -m experiments calibrate SPEC --out {out}     # SPEC: the spec stored in manifest.json",
              f"python -m experiments report {out}",
              "```", "",
              "The same spec and seed give the same posterior with any number of workers, serially, on local "
              "processes or on Dask (docs/calibration.md).", ""]
    return _write(report_dir, lines, quiet)


def _write(report_dir: Path, lines, quiet) -> Path:
    path = report_dir / "report.md"
    path.write_text("\n".join(lines))
    if not quiet:
        print(f"wrote {path}")
    return path


# --- the screening: Morris elementary effects on the targets ---------------------------------------------------
def _runs_of_sweep(out):
    """The sweep's finished runs as ``statistics.Run`` objects, by (sample_row, replicate, county)."""
    from model.parameters import DEFAULTS

    from .analysis import load_results
    from .spec import run_parameters, spec_of_results
    from .statistics import REPORTERS_USED, Run
    from .store import Store

    store = Store(out)
    spec = spec_of_results(store.manifest())
    if spec.model != "target_county":
        raise CalibrationError(f"{out}: the target screening needs a sweep of model \"target_county\"")
    if spec.collect_every != 1 or not spec.event_log:
        raise CalibrationError(f"{out}: the target screening needs every week (collect_every = 1) and the event log")
    missing = [r for r in REPORTERS_USED if r not in spec.outputs]
    if missing:
        raise CalibrationError(f"{out}: the sweep did not keep {missing}")
    data = load_results(out)
    events = store.events()
    points = store.points()
    params = dict(zip(points["point_id"], run_parameters(spec, points), strict=True))
    factory = spec.entry.factory
    runs = {}
    by_run = {rid: g for rid, g in events.groupby("run_id")} if len(events) else {}
    empty = pd.DataFrame({"week": pd.Series(dtype=np.int64), "stage": pd.Series(dtype=str),
                          "sex": pd.Series(dtype=str)})
    for rid, g in data.groupby("run_id", sort=True):
        g = g.sort_values("step")
        pid = int(g["point_id"].iloc[0])
        p = params[pid]
        built = factory(rng=int(g["seed"].iloc[0]), **p)  # the county as built (C10): same seed, same draws
        weekly = g[list(REPORTERS_USED)].reset_index(drop=True)
        run = Run(p.get("county", "national"), int(p.get("activation_week", DEFAULTS["activation_week"])), weekly,
                  by_run.get(rid, empty), built.status.copy(), built.female.copy(), built.adult.copy())
        key = (int(g["sample_row"].iloc[0]), int(g["replicate"].iloc[0]))
        runs.setdefault(key, {}).setdefault(run.county, []).append(run)
        del built
    return spec, points, runs


def target_statistics_of_sweep(out) -> pd.DataFrame:
    """Every target statistic per (sample_row, replicate) of a target-county sweep."""
    from .statistics import compute, load_targets

    spec, points, runs = _runs_of_sweep(out)
    targets = list(load_targets()[0].values())
    rows = []
    for (row, rep), by_county in sorted(runs.items()):
        usable = [t for t in targets if all(c in by_county for c in t.counties)]
        rows.append({"sample_row": row, "replicate": rep, **compute(usable, by_county)})
    return pd.DataFrame(rows)


THRESHOLD = 1.0  # tolerances beyond the noise a parameter must move some target by, across its range, to be fitted
NOISE_RATIO = 2.0  # ... with a mu* at least this many times the target's noise floor


def target_sensitivity(out, level=0.95, threshold: float = THRESHOLD) -> tuple:
    """Morris mu* of every target statistic to every screened parameter, against the noise, in tolerances.

    The statistic of a design point is its mean over the replications. Runs are stochastic, so an
    elementary effect holds noise as well as the parameter's effect: with replicates, each target's noise
    floor is estimated as the mu* that pure noise would give (sqrt(2/pi) times the sd of the difference of
    two point means, over the Morris step Delta). Returns (table, ranking): table has one row per
    (target, parameter) with mu*, its bootstrap interval, sigma, the noise floor, and mu* and the excess
    over the floor divided by the target's tolerance (half its range); ranking has one row per parameter
    with the largest excess over the targets and the target it comes from, and the targets it moves: by at
    least ``threshold`` tolerances beyond the floor, with a mu* at least NOISE_RATIO times the floor. A
    parameter that moves no target by a whole tolerance over its range cannot be pinned by the targets."""
    from .analysis import morris_from_arrays
    from .design import salib_problem
    from .spec import spec_of_results
    from .statistics import load_targets
    from .store import Store

    spec = spec_of_results(Store(out).manifest())
    if spec.design.method != "morris":
        raise CalibrationError(f"{out}: the target screening needs a Morris design")
    stats = target_statistics_of_sweep(out)
    problem = salib_problem(spec)
    points = Store(out).points()
    x = points.drop_duplicates("sample_row").sort_values("sample_row")[problem["names"]].to_numpy()
    targets = load_targets()[0]
    columns = [c for c in stats.columns if c in targets]
    per_row = stats.groupby("sample_row")[columns].mean()
    reps = stats.groupby("sample_row").size()
    replicates = int(reps.min()) if len(reps) else 1
    spread = stats.groupby("sample_row")[columns].var(ddof=1).mean() if replicates > 1 else None
    delta = spec.design.levels / (2.0 * (spec.design.levels - 1))
    tables = []
    for tid in columns:
        y = per_row[tid].reindex(range(len(x))).to_numpy(dtype=float)
        if not np.isfinite(y).all():
            y = np.where(np.isfinite(y), y, np.nanmean(y))  # a point that could not measure it: the mean
        t = targets[tid]
        tol = (t.high - t.low) / 2
        floor = (math.sqrt(2 / math.pi) * math.sqrt(2 * spread[tid] / replicates) / delta
                 if spread is not None and np.isfinite(spread[tid]) else math.nan)
        table, _ = morris_from_arrays(problem, x, y, spec.design.levels, level)
        table.insert(0, "target", tid)
        table["tolerance"] = tol
        table["noise_floor"] = floor
        table["mu_star_per_tolerance"] = table["mu_star"] / tol
        table["excess_per_tolerance"] = (table["mu_star"] - (0 if np.isnan(floor) else floor)) / tol
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    table["above_noise"] = table["mu_star"] / table["noise_floor"]
    table["moves"] = (table["excess_per_tolerance"] >= threshold) & ~(table["above_noise"] < NOISE_RATIO)
    best = table.loc[table.groupby("parameter")["excess_per_tolerance"].idxmax()]
    ranking = best[["parameter", "target", "excess_per_tolerance", "mu_star_per_tolerance", "noise_floor",
                    "tolerance", "above_noise"]].rename(columns={"target": "most_moved_target"})
    ranking["noise_floor_per_tolerance"] = ranking.pop("noise_floor") / ranking.pop("tolerance")
    moved = table[table["moves"]].sort_values("excess_per_tolerance", ascending=False).groupby("parameter")["target"]
    ranking["targets_moved"] = ranking["parameter"].map(moved.apply(", ".join)).fillna("")
    ranking["worth_fitting"] = ranking["targets_moved"] != ""
    ranking = ranking.sort_values(["worth_fitting", "excess_per_tolerance"], ascending=False).reset_index(drop=True)
    return table, ranking


@plots._themed("white")
def screening_heatmap(table, folder, name="screening_targets") -> list:
    grid = table.pivot(index="parameter", columns="target", values="excess_per_tolerance").clip(lower=0)
    order = grid.max(axis=1).sort_values(ascending=False).index
    columns = list(dict.fromkeys(table["target"]))  # the targets file's order
    grid = grid.loc[order, columns]
    fig, ax = plt.subplots(figsize=(0.55 * grid.shape[1] + 4, 0.32 * grid.shape[0] + 1.5))
    sns.heatmap(grid, annot=True, fmt=".1f", cmap="rocket_r", vmin=0, vmax=max(2.0, float(np.nanmax(grid.values))),
                ax=ax, annot_kws={"fontsize": 6}, cbar_kws={"label": "(mu* - noise floor) / tolerance"})
    ax.set_title("How far each parameter moves each target beyond the noise, in tolerances")
    fig.tight_layout()
    return plots.save(fig, folder, name)


def screening_section(out, report_dir: Path, threshold: float = THRESHOLD) -> list:
    """The report section of a target screening (called by ``report.build_report``)."""
    table, ranking = target_sensitivity(out, threshold=threshold)
    tab_dir = report_dir / "tables"
    table.to_csv(tab_dir / "screening_targets.csv", index=False)
    ranking.to_csv(tab_dir / "screening_ranking.csv", index=False)
    lines = ["## Sensitivity of the calibration targets (Morris)", "",
             "Morris mu* of every target statistic (the mean over replications at each design point), less the "
             "mu* the runs' own noise would give (the noise floor, from the spread between replicates), divided "
             "by the target's tolerance (half its range): how many tolerances beyond the noise the target moves "
             f"when the parameter crosses its range. A parameter is worth fitting when it moves some target by at "
             f"least {threshold:g} tolerance beyond the noise with a mu* at least {NOISE_RATIO:g} times the noise "
             "floor (`targets_moved`); one that moves no target by a whole tolerance across its range cannot be "
             "pinned by the targets. Per target and parameter: `tables/screening_targets.csv`.", "",
             _md_table(ranking[["parameter", "targets_moved", "most_moved_target", "excess_per_tolerance",
                                "mu_star_per_tolerance", "noise_floor_per_tolerance", "worth_fitting"]]), ""]
    _figure(lines, screening_heatmap(table, report_dir / "figures"), report_dir,
            "Morris mu* / tolerance: parameters (rows, most influential first) by target (columns).")
    return lines
