"""Seaborn figures of a sweep, each saved as PNG and SVG. Every function takes tidy tables from
``analysis`` and returns the paths it wrote."""

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from model.labels import (  # noqa: E402
    GROUP_COLORS,
    GROUP_LABELS,
    LEVEL_LABELS,
    PRESET_COLORS,
    PRESET_SHORT,
    preset_order,
)
from model.reporters import label, unit  # noqa: E402

from ..core.store import atomic_write, safe_target  # noqa: E402


def hue_order(values) -> list:
    """Presets in policy order; anything else as it comes."""
    return preset_order(list(dict.fromkeys(str(v) for v in values)))


def hue_palette(names) -> dict:
    """The shared preset colours where the names are presets; seaborn's colour-blind palette otherwise."""
    if all(n in PRESET_COLORS for n in names):
        return {n: PRESET_COLORS[n] for n in names}
    return dict(zip(names, sns.color_palette("colorblind", len(names)), strict=True))


def hue_label(name: str) -> str:
    return PRESET_SHORT.get(name, name)


def themed(style: str):
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
    """``<name>.png`` and ``<name>.svg`` in ``folder`` (a report's ``figures/``), through the store's one safe
    write (no link or special file in their place, nor as the folder or the report folder above it)."""
    folder = Path(folder)
    root = folder.parent.parent if folder.parent.name == "report" else folder
    safe_target(folder / f"{name}.png", root)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    try:
        atomic_write(paths[0], lambda p: fig.savefig(p, format="png", dpi=120, bbox_inches="tight"), root)
        atomic_write(paths[1], lambda p: fig.savefig(p, format="svg", bbox_inches="tight"), root)
    finally:
        plt.close(fig)
    return paths


@themed("whitegrid")
def timeseries(summary, outputs, hue, folder, name="timeseries", activation=None, level=0.95,
               method="bootstrap") -> list:
    """Mean over replicates with a CI band, one panel per output, one line per ``hue`` value (presets in
    policy order, with their shared colours and names).

    summary: ``analysis.summarize(..., by=[hue, "step"])``. activation: a week (dashed line) or a
    mapping hue value -> week (one line per distinct week). Axes start at zero when the values are not
    negative, so a small change does not look steep.
    """
    n = len(outputs)
    cols = min(2, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.6 * rows), squeeze=False)
    order = hue_order(summary[hue])
    palette = hue_palette(order)
    for ax, o in zip(axes.flat, outputs, strict=False):
        s = summary[summary["output"] == o].assign(**{hue: lambda d: d[hue].astype(str)})
        for h in order:
            g = s[s[hue] == h]
            ax.plot(g["step"], g["mean"], color=palette[h], linewidth=1.4, label=hue_label(h))
            ax.fill_between(g["step"], g["ci_low"], g["ci_high"], color=palette[h], alpha=0.12, linewidth=0)
        weeks = {activation} if isinstance(activation, (int, float)) else set((activation or {}).values())
        for w in sorted(weeks):
            ax.axvline(w, color="0.3", linestyle="--", linewidth=1)
        if (s["ci_low"].fillna(s["mean"]) >= 0).all():
            ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1e-9))
        if weeks:
            ax.text(min(weeks), ax.get_ylim()[1], " program on", va="top", fontsize=8, color="0.3")
        ax.set_title(label(o), fontsize=11)
        ax.set_xlabel("week")
        ax.set_ylabel(unit(o))
    for ax in list(axes.flat)[n:]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, title=None, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return save(fig, folder, name)


@themed("whitegrid")
def policy_comparison(final, hue, folder, name="policy_comparison", differences=None, window="at the last week",
                      baseline="pre_sc") -> list:
    """Bars over the ``hue`` values (presets, in policy order): removals by level, families separated, and
    crime reporting by group. ``final``: one row per run (``analysis.run_statistic``) whose totals cover
    ``window``. ``differences``: the same rows as paired differences from ``baseline``
    (``analysis.paired_differences``); when given, the reporting panel shows the change in the fixed
    cohort's reporting in percentage points, otherwise the level by group. Bars: mean; whiskers:
    seaborn's percentile bootstrap 95% CI over runs."""
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.6))
    order = hue_order(final[hue])
    f = final.assign(**{hue: final[hue].astype(str)})
    groups = ("hispanic", "undocumented", "hispanic_citizen", "non_hispanic")
    cohort = {f"reporting_rate_cohort_{g}": GROUP_LABELS[g] for g in groups}
    level_panel = {f"reporting_rate_{g}": GROUP_LABELS[g] for g in groups}
    panels = [
        (f"Removals by priority level ({window})", "removals", "level",
         {f"removals_{k}_cumulative": v for k, v in LEVEL_LABELS.items()}, f, order),
        (f"Families separated ({window})", "count", "measure",
         {c: label(c.replace("_cumulative", "")) for c in ("separated_households_cumulative",
                                                          "separated_citizen_children_cumulative")}, f, order),
    ]
    if differences is not None and any(c in differences for c in cohort):
        d = differences.assign(**{hue: differences[hue].astype(str)})
        d[list(c for c in cohort if c in d)] = d[[c for c in cohort if c in d]] * 100
        panels.append((f"Reporting (fixed cohort), change from {hue_label(baseline)}", "percentage points",
                       "group", cohort, d, [o for o in order if o != baseline]))
    else:
        panels.append(("Crime reporting propensity by group (last week)", "share of crimes (0-1)", "group",
                       level_panel, f, order))
    for ax, (title, ylabel, kind, columns, data, xs) in zip(axes, panels, strict=True):
        kept = {c: lab for c, lab in columns.items() if c in data}
        ax.set_title(title, fontsize=11)
        if not kept:  # the sweep did not keep these outputs
            ax.text(0.5, 0.5, "not kept by this sweep", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        long = data.melt(id_vars=[hue], value_vars=list(kept), var_name=kind, value_name="_value")
        long[kind] = long[kind].map(kept)
        palette = ({lab: GROUP_COLORS[_group_of(c)] for c, lab in kept.items()}
                   if kind == "group" else None)
        sns.barplot(data=long, x=hue, y="_value", hue=kind, order=xs, errorbar=("ci", 95), seed=0, ax=ax,
                    palette=palette)
        ax.set_xticks(range(len(xs)), [hue_label(x) for x in xs])
        ax.axhline(0, color="0.3", linewidth=0.8)
        ax.set_ylabel(ylabel)
    for ax in axes:
        if ax.get_legend() is not None:
            sns.move_legend(ax, "lower left", bbox_to_anchor=(0.0, 1.01), ncol=2, frameon=False, title=None,
                            fontsize=9)
            ax.set_title(ax.get_title(), fontsize=11, pad=42)
        ax.tick_params(axis="x", rotation=45)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
        ax.set_xlabel("")
    fig.tight_layout()
    return save(fig, folder, name)


def _group_of(column: str) -> str:
    """The group a per-group reporter is about ('reporting_rate_cohort_hispanic_citizen' -> 'hispanic_citizen')."""
    for g in sorted(GROUP_LABELS, key=len, reverse=True):
        if column.endswith("_" + g):
            return g
    return "all"


@themed("white")
def heatmap(table, x, y, output, folder, name=None) -> list:
    """Mean of ``output`` over a two-parameter grid (``table``: one row per (x, y) with a ``mean``)."""
    grid = table.pivot(index=y, columns=x, values="mean").sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 3, 0.7 * grid.shape[0] + 2))
    sns.heatmap(grid, annot=True, fmt=".3g", cmap="viridis", ax=ax, cbar_kws={"label": f"mean ({unit(output)})"})
    ax.set_title(f"{label(output)}: mean over replicates", fontsize=10)
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    fig.tight_layout()
    return save(fig, folder, name or f"heatmap_{output}")


@themed("whitegrid")
def sensitivity_bars(table, folder, name="sensitivity") -> list:
    """Sobol S1 and ST (or Morris mu*) with their confidence intervals, one panel per output."""
    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(len(outputs), 1, figsize=(8, 0.45 * table["parameter"].nunique() * 2 + 1.5
                                                       * len(outputs)), squeeze=False)
    sobol = "S1" in table
    for ax, o in zip(axes[:, 0], outputs, strict=True):
        t = table[table["output"] == o]
        title = label(o) + "".join(f" | {c}={t[c].iloc[0]}" for c in t.columns
                            if c not in ("output", "parameter", "n", "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star",
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
        ax.set_title(title)
        ax.set_ylabel("")
    fig.tight_layout()
    return save(fig, folder, name)


def _color(key: str) -> str:
    """A series' colour from the shared vocabulary: a preset's or a group's."""
    return PRESET_COLORS.get(key) or GROUP_COLORS.get(key, "#000000")


@themed("whitegrid")
def ripple(table, folder, name="ripple", activation=None, caption=None) -> list:
    """The ripple of enforcement in six panels (``sweep.story.ripple_table``): detained -> who knows ->
    who is chilled -> would report -> reported -> victimized, week by week, with each series' mean and
    its interval band, activation marked and a zero line on the panels of change."""
    panels = table[["panel", "title", "unit"]].drop_duplicates("panel").sort_values("panel")
    fig, axes = plt.subplots(2, 3, figsize=(17, 9.2), squeeze=False)
    for ax, (_, p) in zip(axes.flat, panels.iterrows(), strict=False):
        t = table[table["panel"] == p["panel"]]
        for series, g in t.groupby("series", sort=False):
            g = g.sort_values("step")
            color = _color(g["color"].iloc[0])
            style = {"solid": "-", "dashed": "--", "dotted": ":"}[g["style"].iloc[0]]
            ax.plot(g["step"], g["mean"], style, color=color, linewidth=1.6, label=series)
            ax.fill_between(g["step"], g["ci_low"], g["ci_high"], color=color, alpha=0.15, linewidth=0)
            if "prop_low" in g and g["prop_low"].notna().any():  # the propagated interval: parameters and seeds
                p_ = g[g["prop_low"].notna()]
                ax.plot(p_["step"], p_["prop_low"], ":", color=color, linewidth=1.1)
                ax.plot(p_["step"], p_["prop_high"], ":", color=color, linewidth=1.1)
        if "change" in p["title"]:
            ax.axhline(0, color="0.2", linewidth=0.9)
        else:
            ax.set_ylim(bottom=0)
        if activation is not None:
            ax.axvline(activation, color="0.35", linestyle="--", linewidth=1)
            ax.text(activation + 1, 0.02, "program on", transform=ax.get_xaxis_transform(), va="bottom",
                    fontsize=8, color="0.35")
        ax.set_xlim(0, table["step"].max())
        ax.set_title(p["title"], fontsize=10.5, loc="left")
        ax.set_ylabel(p["unit"])
        ax.set_xlabel("week")
        ax.legend(fontsize=7.5, loc="upper left" if "change" not in p["title"] else "lower left", frameon=True)
    for ax in list(axes.flat)[len(panels):]:
        ax.remove()
    if caption:
        fig.suptitle(caption, fontsize=12, x=0.01, ha="left")
    fig.tight_layout()
    return save(fig, folder, name)


@themed("whitegrid")
def funnel(table, folder, name="funnel", by="preset", colours=None, order=None) -> list:
    """The pathway's funnel (``sweep.story.funnel_table``): one panel per value of ``by`` (presets in policy order,
    or the sweep's scenarios), one bar per stage (arrests, matches, detainers, honored or declined, then each
    of ICE's doors and the removals through it) named by the reporter table, the mean total over the window
    with its interval, the bar's number per 1,000 residents. ``colours``: each panel's colour (default: the
    preset's). ``order``: the panels' order (default: presets in policy order, anything else as it comes)."""
    from .markdown import number

    panels = list(order) if order is not None else hue_order(table[by])
    cols = min(4, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.4 * rows), sharex=True, sharey=True,
                             squeeze=False)
    top = max(float(table["ci_high"].fillna(0).max()), 1.0)
    for ax, p in zip(axes.flat, panels, strict=False):
        t = table[table[by].astype(str) == p].sort_values("stage")
        y = list(range(len(t)))
        bars = ax.barh(y, t["mean"], color=(colours or {}).get(p) or _color(p), edgecolor="0.25", linewidth=0.6)
        for bar, flow in zip(bars, t["flow"], strict=True):
            if flow == "detainers_declined":
                bar.set_hatch("///")
            if flow.startswith("removals"):
                bar.set_edgecolor("0.0")
                bar.set_linewidth(1.4)
        ax.errorbar(t["mean"], y, xerr=[t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]], fmt="none",
                    ecolor="0.2", capsize=2, linewidth=0.8)
        for yi, (high, mean, per) in enumerate(zip(t["ci_high"], t["mean"], t["mean_per_1000_residents"],
                                                   strict=True)):
            ax.text(high * 1.25 + 0.3, yi, f"{number(mean, digits=3)} ({number(per, digits=2)})", va="center",
                    fontsize=7.5)
        ax.set_yticks(y, [label(f) for f in t["flow"]])
        ax.set_title(hue_label(p), fontsize=11)
        # arrests run to thousands and removals to tens: a log scale (linear below 1, so a zero is a zero)
        # keeps every stage's bar readable on one axis
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.4)
        ax.set_xlim(0, top * 12)
        ax.set_xlabel(f"people (log scale), {t['window'].iloc[0]}")
    axes.flat[0].invert_yaxis()  # the panels share their y axis: inverted once, arrests on top
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    if len(panels) % cols:  # an empty slot: the key goes there
        axes.flat[-1].text(0.0, 0.5, "Bars: mean total over the window\n(log scale)\nwhiskers: bootstrap 95% "
                           "interval\n(in brackets: per 1,000 residents)\nhatched: detainers the jail declined",
                           va="center", transform=axes.flat[-1].transAxes, fontsize=10)
    fig.tight_layout()
    return save(fig, folder, name)
