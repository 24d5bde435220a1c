"""The sections of a sensitivity sweep's report (Sobol or Morris designs): the indices with their warnings,
and, for a Morris sweep of the model in the target counties, the screening of the calibration targets."""

import warnings

import numpy as np

from ..sweep import indices
from ..sweep.screening import NOISE_RATIO, THRESHOLD, target_sensitivity
from . import plots
from .sections import Section
from .sweep import column_label

plt = plots.plt
sns = plots.sns


def sensitivity_indices(r, doc) -> None:
    spec, method = r.spec, r.method
    if method not in ("sobol", "morris"):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", indices.SensitivityWarning)
        table, notes = indices.sensitivity(r.out, spec.analysis.get("outputs"),
                                            spec.analysis.get("statistic", "final"))
    doc.heading("Sensitivity")
    doc.text(f"{'Sobol (Saltelli) first-order S1 and total ST' if method == 'sobol' else 'Morris'} "
             f"indices of the {spec.analysis.get('statistic', 'final')} value, mean over "
             f"{spec.replications} replications per point; intervals: SALib bootstrap, {r.level:.0%}.")
    if not table.empty:
        doc.csv(table, "sensitivity.csv")
        window = f"weeks 1-{spec.steps}"
        doc.table(table.assign(output=table["output"].map(lambda o: column_label(o, window))))
        doc.figure(plots.sensitivity_bars(table, doc.figures), "Sensitivity indices with confidence intervals.")
    if notes:
        doc.text("**Warnings** (indices to treat with care):")
        doc.items(notes)
    else:
        doc.text("No warnings: all intervals narrower than the threshold and no negative indices.")


@plots.themed("white")
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


def screening(r, doc, threshold: float = THRESHOLD) -> None:
    """The calibration targets' screening: a Morris sweep of the model in the target counties."""
    if not (r.spec.model == "target_county" and r.method == "morris"):
        return
    table, ranking = target_sensitivity(r.out, threshold=threshold)
    doc.csv(table, "screening_targets.csv")
    doc.csv(ranking, "screening_ranking.csv")
    doc.heading("Sensitivity of the calibration targets (Morris)")
    doc.text("Morris mu* of every target statistic (the mean over replications at each design point), less the "
             "mu* the runs' own noise would give (the noise floor, from the spread between replicates), divided "
             "by the target's tolerance (half its range): how many tolerances beyond the noise the target moves "
             f"when the parameter crosses its range. A parameter is worth fitting when it moves some target by at "
             f"least {threshold:g} tolerance beyond the noise with a mu* at least {NOISE_RATIO:g} times the noise "
             "floor (`targets_moved`); one that moves no target by a whole tolerance across its range cannot be "
             "pinned by the targets. Per target and parameter: `tables/screening_targets.csv`.")
    doc.table(ranking[["parameter", "targets_moved", "most_moved_target", "excess_per_tolerance",
                       "mu_star_per_tolerance", "noise_floor_per_tolerance", "worth_fitting"]])
    doc.figure(screening_heatmap(table, doc.figures),
               "Morris mu* / tolerance: parameters (rows, most influential first) by target (columns).")


SENSITIVITY = (Section("Sensitivity", sensitivity_indices),
               Section("Sensitivity of the calibration targets", screening))
