"""The sections of a sensitivity sweep's report (a sweep with an index method: Sobol, Morris or RBD-FAST): the
indices with their warnings, and, for a Morris sweep of the model in the target counties, the screening of the
calibration targets."""

import warnings

import numpy as np

from model.labels import PRESET_COLORS

from ..core.schema import PRESET_KEY
from ..sweep import indices
from ..sweep.screening import NOISE_RATIO, THRESHOLD, target_sensitivity
from . import plots
from .propagation import scale
from .sections import Section
from .sweep import column_label, param_label

plt = plots.plt
sns = plots.sns


FIGURE_CAPTIONS = {  # by the index the top three rank by
    "ST": "Total-order Sobol index (bar, with its interval) and first-order index (dot) of each effect for each "
          "parameter, the largest first; a total index is the share of the effect's variance that goes if the "
          "parameter is known. (`tables/sensitivity.csv`)",
    "S1": "First-order Sobol index of each effect (rows) for each parameter (columns, the most influential "
          "first), with its interval: the share of the effect's variance across the design that the parameter "
          "explains alone. The last column is what no parameter explains alone (1 - the row's sum): seeds (each "
          "sample row runs on seeds of its own) and interactions. (`tables/sensitivity.csv`)",
}


def sensitivity_indices(r, doc) -> None:
    spec = r.spec
    method = indices.index_method(spec.design.method, spec.analysis.get("indices"))
    if method is None:
        return
    outputs, statistic = spec.analysis.get("outputs"), spec.analysis.get("statistic", "final")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", indices.SensitivityWarning)
        table, notes = indices.sensitivity(r.out, outputs, statistic)
    doc.heading("Sensitivity")
    doc.text(f"{method.title} indices of the {statistic} value, mean over {spec.replications} replications per "
             f"point; intervals: SALib bootstrap, {r.level:.0%}.")
    baseline = spec.analysis.get("baseline")
    if baseline is not None:
        doc.text(f"Outputs are effects: each preset minus {plots.hue_label(baseline)} at the same sample row and seed "
                 "(common random numbers).")
    if not table.empty:
        doc.csv(table, "sensitivity.csv")
        window = f"weeks 1-{spec.steps}"
        shown = table.assign(output=table["output"].map(lambda o: column_label(o, window)),
                             parameter=table["parameter"].map(param_label))
        if PRESET_KEY in shown:
            shown[PRESET_KEY] = shown[PRESET_KEY].astype(str).map(plots.hue_label)
        doc.table(shown)
        index = method.rank_by
        if index is not None and PRESET_KEY in table:
            draw = effect_indices if index == "ST" else effect_heatmap
            doc.figure(draw(table, doc.figures, baseline, window), FIGURE_CAPTIONS[index])
        else:
            doc.figure(plots.sensitivity_bars(table, doc.figures), "Sensitivity indices with confidence intervals.")
        if index is not None:
            top = indices.top_three(table.drop(columns="n", errors="ignore"), index)
            doc.csv(top, "sensitivity_top_three.csv")
            doc.text(f"**Top three by {'total-order' if index == 'ST' else 'first-order'} index.** `above next`: its "
                     f"interval ({index} +- conf) lies above the next one's, so the rank is told apart; where it does "
                     "not, the ranks cannot be told apart at this size (more design.samples).")
            doc.table(top.assign(parameter=top["parameter"].map(param_label),
                                 output=top["output"].map(lambda o: column_label(o, window)),
                                 **({PRESET_KEY: top[PRESET_KEY].astype(str).map(plots.hue_label)}
                                    if PRESET_KEY in top else {})))
        conv = indices.convergence(r.out, outputs, statistic)
        if not conv.empty:
            doc.csv(conv, "sensitivity_convergence.csv")
            doc.text("**Convergence.** The same indices from the first quarter, half and all of the sample rows (each "
                     "a sample of its own): the widest and the median interval (+-) and the top three, with how many "
                     "of them lie above the next one's interval (`told apart`, of 3). A top three that holds from half "
                     "the rows to all of them, with intervals that keep shrinking, has settled.")
            doc.table(conv.assign(output=conv["output"].map(lambda o: column_label(o, window)),
                                  top_three=conv["top_three"].map(
                                      lambda s: " > ".join(param_label(n) for n in s.split(" > "))),
                                  **({PRESET_KEY: conv[PRESET_KEY].astype(str).map(plots.hue_label)}
                                     if PRESET_KEY in conv else {})))
    if notes:
        doc.text("**Warnings** (indices to treat with care):")
        doc.items(notes)
    else:
        doc.text("No warnings: all intervals narrower than the threshold and no negative indices.")


def effect_name(preset, baseline, output, window) -> str:
    """An effect as a figure names it: the preset against the baseline, the output's label and its unit."""
    unit = scale(output)[1]
    return (f"{plots.hue_label(preset)} minus {plots.hue_label(baseline or '')}:\n{column_label(output, window)}"
            + (f" ({unit})" if unit else ""))


@plots.themed("white")
def effect_heatmap(table, folder, baseline, window, name="sensitivity", index="S1") -> list:
    """One figure of first-order indices: effects (rows: each preset against the baseline, each output with its
    unit) by parameters (columns, by their largest index over the effects), each cell the index and its
    interval, and a last column with what no parameter explains alone (1 - the row's sum)."""
    table = table.assign(effect=[effect_name(p, baseline, o, window)
                                 for p, o in zip(table[PRESET_KEY].astype(str), table["output"], strict=True)])
    effects = list(dict.fromkeys(table["effect"]))  # the table's order: presets, then outputs
    value = table.pivot(index="effect", columns="parameter", values=index).loc[effects]
    conf = table.pivot(index="effect", columns="parameter", values=f"{index}_conf").loc[effects]
    order = value.max().sort_values(ascending=False).index
    value, conf = value[order], conf[order]
    rest = "not first-order\n(seeds, interactions)"
    value[rest] = 1 - value.sum(axis=1)  # the indices unclipped: a small negative one is sampling error too
    conf[rest] = np.nan
    text = value.map(lambda v: f"{v:.2f}") + conf.map(lambda c: "" if np.isnan(c) else f"\n±{c:.2f}")
    fig, ax = plt.subplots(figsize=(0.75 * value.shape[1] + 6.5, 0.62 * len(effects) + 3.2))
    sns.heatmap(value.clip(lower=0), annot=text.to_numpy(), fmt="", cmap="rocket_r", vmin=0, vmax=1, ax=ax,
                annot_kws={"fontsize": 6.5}, cbar_kws={"label": "first-order Sobol index\n(share of the effect's "
                                                       "variance)", "shrink": 0.7})
    ax.set_xticks(np.arange(value.shape[1]) + 0.5, [param_label(n) if n != rest else n for n in value.columns],
                  rotation=50, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_yticks(np.arange(len(effects)) + 0.5, effects, rotation=0, fontsize=7.5)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.axvline(value.shape[1] - 1, color="white", linewidth=3)
    ax.set_title("Which parameter drives each effect: first-order Sobol indices (RBD-FAST), ± their interval",
                 fontsize=10, loc="left")
    fig.tight_layout()
    return plots.save(fig, folder, name)


@plots.themed("whitegrid")
def effect_indices(table, folder, baseline, window, name="sensitivity") -> list:
    """One panel per effect (rows: outputs; columns: presets against the baseline): total-order index bars with
    their intervals, first-order dots, parameters by their readable names, largest first."""
    outputs = list(dict.fromkeys(table["output"]))
    presets = list(dict.fromkeys(table[PRESET_KEY].astype(str)))
    k = table["parameter"].nunique()
    fig, axes = plt.subplots(len(outputs), len(presets), figsize=(6.2 * len(presets), (0.22 * k + 1.1) * len(outputs)),
                             squeeze=False)
    for i, o in enumerate(outputs):
        for j, p in enumerate(presets):
            ax = axes[i, j]
            t = table[(table["output"] == o) & (table[PRESET_KEY].astype(str) == p)].sort_values("ST")
            y = np.arange(len(t))
            ax.barh(y, t["ST"], xerr=t["ST_conf"], color=PRESET_COLORS.get(p, "C0"), alpha=0.75,
                    error_kw={"ecolor": "0.2", "capsize": 2, "linewidth": 0.8})
            ax.plot(t["S1"], y, "o", color="0.1", markersize=3.5, label="first order")
            ax.set_yticks(y, [param_label(n) for n in t["parameter"]], fontsize=7.5)
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.set_title(effect_name(p, baseline, o, window), fontsize=8.5, loc="left")
            ax.set_xlabel("Sobol index (bar: total order +- interval; dot: first order)", fontsize=8)
    fig.tight_layout()
    return plots.save(fig, folder, name)


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
