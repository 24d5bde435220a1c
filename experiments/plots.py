"""Seaborn figures of a sweep, each saved as PNG and SVG. Every function takes tidy tables from
``analysis`` and returns the paths it wrote."""

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

LEVELS = {"removals_level1": "Level 1", "removals_level2": "Level 2", "removals_level3": "Level 3",
          "removals_noncriminal": "Non-criminal"}
REPORTING = {"reporting_rate_hispanic": "Hispanic", "reporting_rate_undocumented": "Undocumented",
             "reporting_rate_hispanic_citizen": "Hispanic citizen", "reporting_rate_non_hispanic": "Non-Hispanic"}


def _themed(style: str):
    """Draw under a seaborn style without changing matplotlib's global settings (the visualizer
    shares the process in tests and notebooks)."""
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with sns.axes_style(style), sns.plotting_context("notebook"):
                return fn(*args, **kwargs)
        return inner
    return wrap


def save(fig, folder: Path, name: str) -> list:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.savefig(paths[0], dpi=120, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths


@_themed("whitegrid")
def timeseries(summary, outputs, hue, folder, name="timeseries", activation=None, level=0.95) -> list:
    """Mean over replicates with a CI band, one panel per output, one line per ``hue`` value.

    summary: ``analysis.summarize(..., by=[hue, "step"])``. activation: a week (dashed line) or a
    mapping hue value -> week (one line per distinct week).
    """
    n = len(outputs)
    cols = min(2, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.6 * rows), squeeze=False)
    palette = dict(zip(sorted(summary[hue].astype(str).unique()),
                       sns.color_palette("tab10", summary[hue].nunique()), strict=True))
    for ax, o in zip(axes.flat, outputs, strict=False):
        s = summary[summary["output"] == o].assign(**{hue: lambda d: d[hue].astype(str)})
        sns.lineplot(data=s, x="step", y="mean", hue=hue, palette=palette, ax=ax, errorbar=None, linewidth=1.4)
        for h, g in s.groupby(hue):
            ax.fill_between(g["step"], g["ci_low"], g["ci_high"], color=palette[h], alpha=0.2, linewidth=0)
        weeks = {activation} if isinstance(activation, (int, float)) else set((activation or {}).values())
        for w in sorted(weeks):
            ax.axvline(w, color="0.3", linestyle="--", linewidth=1)
        if weeks:
            ax.text(min(weeks), ax.get_ylim()[1], " activation", va="top", fontsize=8, color="0.3")
        ax.set_title(o)
        ax.set_xlabel("week")
        ax.set_ylabel(f"mean ({level:.0%} CI band)")
        ax.get_legend().remove()
    for ax in list(axes.flat)[n:]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, title=hue, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return save(fig, folder, name)


@_themed("whitegrid")
def policy_comparison(final, hue, folder, name="policy_comparison") -> list:
    """Bars over the ``hue`` values (presets): cumulative removals by level, families separated, and the
    reporting rate by group at the end of the run. ``final``: one row per run (``analysis.run_statistic``)."""
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.8))
    order = list(dict.fromkeys(final[hue].astype(str)))
    f = final.assign(**{hue: final[hue].astype(str)})
    panels = (
        ("Removals by priority level (cumulative)", "removals", "level",
         {f"{c}_cumulative": label for c, label in LEVELS.items()}),
        ("Families separated (cumulative)", "count", "measure",
         {c: c.replace("_cumulative", "").replace("_", " ")
          for c in ("households_separated_cumulative", "citizen_children_separated_cumulative")}),
        ("Crime reporting rate by group (final week)", "reporting probability", "group", REPORTING),
    )
    for ax, (title, ylabel, kind, columns) in zip(axes, panels, strict=True):
        kept = {c: label for c, label in columns.items() if c in f}
        ax.set_title(title)
        if not kept:  # the sweep did not keep these outputs
            ax.text(0.5, 0.5, "not kept by this sweep", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        long = f.melt(id_vars=[hue], value_vars=list(kept), var_name=kind, value_name="_value")
        long[kind] = long[kind].map(kept)
        sns.barplot(data=long, x=hue, y="_value", hue=kind, order=order, errorbar=("ci", 95), seed=0, ax=ax)
        ax.set_ylabel(ylabel)
    if axes[2].get_legend() is not None:
        sns.move_legend(axes[2], "upper left", bbox_to_anchor=(1.0, 1.0))
    for ax in axes:
        ax.tick_params(axis="x", rotation=35)
        ax.set_xlabel("")
    fig.tight_layout()
    return save(fig, folder, name)


@_themed("white")
def heatmap(table, x, y, output, folder, name=None) -> list:
    """Mean of ``output`` over a two-parameter grid (``table``: one row per (x, y) with a ``mean``)."""
    grid = table.pivot(index=y, columns=x, values="mean").sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 3, 0.7 * grid.shape[0] + 2))
    sns.heatmap(grid, annot=True, fmt=".3g", cmap="viridis", ax=ax, cbar_kws={"label": f"mean {output}"})
    ax.set_title(f"{output}: mean over replicates")
    fig.tight_layout()
    return save(fig, folder, name or f"heatmap_{output}")


@_themed("whitegrid")
def sensitivity_bars(table, folder, name="sensitivity") -> list:
    """Sobol S1 and ST (or Morris mu*) with their confidence intervals, one panel per output."""
    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(len(outputs), 1, figsize=(8, 0.45 * table["parameter"].nunique() * 2 + 1.5
                                                       * len(outputs)), squeeze=False)
    sobol = "S1" in table
    for ax, o in zip(axes[:, 0], outputs, strict=True):
        t = table[table["output"] == o]
        label = o + "".join(f" | {c}={t[c].iloc[0]}" for c in t.columns
                            if c not in ("output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star",
                                         "mu_star_conf", "sigma"))
        if sobol:
            long = t.melt(id_vars=["parameter"], value_vars=["S1", "ST"], var_name="index", value_name="value")
            conf = t.melt(id_vars=["parameter"], value_vars=["S1_conf", "ST_conf"], value_name="conf")["conf"]
            sns.barplot(data=long, y="parameter", x="value", hue="index", ax=ax, errorbar=None)
            for bar, c in zip([p for p in ax.patches if p.get_height() > 0][:len(long)], conf, strict=False):
                ax.errorbar(bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2, xerr=c,
                            fmt="none", ecolor="0.2", capsize=2)
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.set_xlabel("Sobol index (error bar: confidence interval)")
        else:
            sns.barplot(data=t, y="parameter", x="mu_star", ax=ax, errorbar=None, color="C0")
            ax.errorbar(t["mu_star"], range(len(t)), xerr=t["mu_star_conf"], fmt="none", ecolor="0.2", capsize=2)
            ax.set_xlabel("Morris mu* (error bar: confidence interval)")
        ax.set_title(label)
        ax.set_ylabel("")
    fig.tight_layout()
    return save(fig, folder, name)
