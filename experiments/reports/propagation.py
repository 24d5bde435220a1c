"""The effects with their full uncertainty, read from the propagation sweep a comparison's spec names
(``analysis.propagation``; ``experiments.sweep.propagation``): the propagated intervals beside the seed-only
ones, the seed share of the variance, the ripple's outer bands, and where the sign of sanctuary against no
program flips (PRIM, ``experiments.sweep.prim``)."""

import numpy as np
import pandas as pd

from agents.codes import WEEKS_PER_YEAR
from model.labels import PRESET_COLORS
from model.reporters import reporter

from ..core.schema import PRESET_KEY
from ..sweep import prim, propagation
from . import plots
from .markdown import plural
from .sweep import column_label, param_label

plt = plots.plt

HEADLINE = "reporting_rate_cohort_hispanic_citizen"  # the README's sentence
SIGN = ("sc_sanctuary", "fear_mean_hispanic")  # where the sign flips: this preset against the baseline, this output
KEPT = 0.5  # with no sign flip: draws where the sanctuary jail keeps more than this share of full cooperation's rise
RUN_IT = "python -m experiments run experiments/specs/propagation.toml --out results/propagation"


def scale(output: str) -> tuple:
    """(factor, unit) an output's effects are shown in: shares and means of 0-1 in points (x 100)."""
    try:
        unit = reporter(output).unit
    except KeyError:
        return 1.0, ""
    return (100.0, "points") if unit.endswith("(0-1)") else (1.0, unit)


def loaded(r):
    """(folder, results, spec) of the propagation sweep, or None; a note in ``doc`` says why when it is missing."""
    p = r.propagation
    if p is None or p[1] is None:
        return None
    return p


def missing_note(r) -> str | None:
    p = r.propagation
    if p is None:
        return None
    if p[1] is None:
        return (f"**Not propagated:** no finished runs in `{p[0]}`. The intervals below cover seed noise only, at "
                f"the calibrated defaults; `make run` runs the propagation (or `{RUN_IT}`).")
    return None


def effects_table(r, weeks) -> pd.DataFrame:
    folder, df, spec = loaded(r)
    baseline = r.baseline
    outputs = [o for o in (spec.analysis.get("effects") or spec.outputs) if o in df]
    level = r.level
    parts = [propagation.propagated_table(df, outputs, baseline, w, level, defaults=r.df)
             for w in weeks if w in set(df["step"])]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def assumptions_note(spec) -> str:
    ranged = [f for f in spec.factors if f.is_range and f.name not in (spec.source.get("design", {}).get("columns")
                                                                          or [])]
    columns = spec.source.get("design", {}).get("columns") or []
    return (f"{spec.design.samples} draws of the posterior ({', '.join(param_label(c) for c in columns)}), each "
            f"with its own values of the unfitted assumptions ({', '.join(param_label(f.name) for f in ranged)}, "
            f"uniform over their sweep ranges), x {plural(spec.replications, 'seed')} a draw, the presets of a "
            "draw on the same seeds")


def effects(r, doc, weeks) -> None:
    """The "Effects against the baseline" part with the full uncertainty (called by ``story.effects``)."""
    note = missing_note(r)
    if note:
        doc.text(note)
        return
    if loaded(r) is None:
        return
    table = effects_table(r, weeks)
    if table.empty:
        return
    folder, _, spec = loaded(r)
    doc.csv(table, "effects_propagated.csv")

    def cell(row, mean, lo, hi):
        f, _ = scale(row["output"])
        return "" if pd.isna(row[mean]) else f"{row[mean] * f:+.3g} [{row[lo] * f:+.3g}, {row[hi] * f:+.3g}]"

    shown = table.assign(
        preset=table[PRESET_KEY].map(plots.hue_label),
        measure=[column_label(o) + (f" ({scale(o)[1]})" if scale(o)[1] else "") for o in table["output"]],
        defaults=table.apply(lambda x: cell(x, "seed_mean", "seed_low", "seed_high"), axis=1),
        mean_ci=table.apply(lambda x: cell(x, "seed_mean", "seed_ci_low", "seed_ci_high"), axis=1),
        propagated=table.apply(lambda x: cell(x, "mean", "low", "high"), axis=1),
        draws=table.apply(lambda x: cell(x, "mean", "draw_low", "draw_high"), axis=1),
        seed_share=table["seed_share"].map(lambda v: f"{v:.0%}" if np.isfinite(v) else ""))
    doc.text(f"**With the full uncertainty** (`tables/effects_propagated.csv`, from `{folder.name}/`): "
             f"{assumptions_note(spec)}. *At the defaults*: the mean paired difference over the seeds above and the "
             f"{r.level:.0%} range of the seeds' differences (seed noise alone, one parameter set), then the "
             f"{r.level:.0%} interval of that mean (the interval above, seed noise alone); *propagated*: "
             f"the mean and {r.level:.0%} range over every draw and seed; *draws*: the range of the draws' means "
             "(seeds averaged within a draw); *seed share*: the variance between the seeds of one draw, averaged "
             "over draws, over the total variance (the rest is the parameters'). Shares and means of 0-1 in "
             "points (x 100).")
    for w in sorted(set(table["week"])):
        part = shown[shown["week"] == w]
        doc.text(f"**Week {w}**, propagated:")
        doc.table(part[["preset", "measure", "defaults", "mean_ci", "propagated", "draws", "seed_share"]].rename(
            columns={"defaults": "at the defaults (seeds)", "mean_ci": "at the defaults (the mean)",
                     "draws": "draws' means", "seed_share": "seed share"}))


def headline_clause(r, week) -> str:
    """The clause the README's sentence adds: the propagated interval and its seed share."""
    if loaded(r) is None:
        return ""
    _, df, spec = loaded(r)
    if HEADLINE not in df or week not in set(df["step"]):
        return ""
    t = propagation.decompose(propagation.paired_at(df, [HEADLINE], r.baseline, week), [HEADLINE], r.level)
    t = t[t[PRESET_KEY] == "sc_full"]
    if t.empty:
        return ""
    x = t.iloc[0]
    return (f" Over the calibration's posterior and the unfitted assumptions ({x['draws']} draws x "
            f"{plural(x['seeds_per_draw'], 'seed')}), the drop is {-x['mean'] * 100:.1f} points, {r.level:.0%} of "
            f"the paired runs between {-x['high'] * 100:.1f} and {-x['low'] * 100:.1f} (the draws' means "
            f"{-x['draw_high'] * 100:.1f} to {-x['draw_low'] * 100:.1f}); seed noise is {x['seed_share']:.0%} of "
            "that variance (`tables/effects_propagated.csv`).")


def ripple_bands(r, weeks, focus) -> pd.DataFrame:
    """The propagated interval of the ripple's paired changes (panel 4) week by week: output, step, low, high
    (in the ripple's units, points)."""
    if loaded(r) is None:
        return pd.DataFrame()
    _, df, _ = loaded(r)
    outputs = [o for o in df.columns if o.startswith("reporting_rate_cohort_")]
    s = propagation.series(df, outputs, r.baseline, [w for w in weeks if w in set(df["step"])], r.level)
    s = s[s[PRESET_KEY] == focus]
    return s.assign(low=s["low"] * 100, high=s["high"] * 100)


@plots.themed("whitegrid")
def sign_figure(x, effect, limits, folder, factor, unit, name="sign_flip") -> list:
    """The draws on the two parameters PRIM restricts first, coloured by the sign of the effect, with the boxes."""
    names = list(dict.fromkeys(limits["parameter"]))[:2] if len(limits) else []
    names += [c for c in x.columns if c not in names][:2 - len(names)]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8))
    more = effect > 0
    for mask, label, colour in ((more, "more afraid than with no program", PRESET_COLORS["sc_full"]),
                                (~more, "less afraid", PRESET_COLORS["sc_sanctuary"])):
        ax.scatter(x.loc[mask, names[0]], x.loc[mask, names[1]], s=28, color=colour, label=label, edgecolor="0.2",
                   linewidth=0.4)
    for side, style in (("more", "-"), ("less", "--")):
        lim = limits[limits["side"] == side].set_index("parameter")
        lo = [lim["box_low"].get(n, x[n].min()) for n in names]
        hi = [lim["box_high"].get(n, x[n].max()) for n in names]
        colour = PRESET_COLORS["sc_full"] if side == "more" else PRESET_COLORS["sc_sanctuary"]
        ax.add_patch(plt.Rectangle((lo[0], lo[1]), hi[0] - lo[0], hi[1] - lo[1], fill=False, linestyle=style,
                                   edgecolor=colour, linewidth=1.6))
    ax.set_xlabel(param_label(names[0]))
    ax.set_ylabel(param_label(names[1]))
    ax.legend(fontsize=8)
    ax.set_title("Draws and PRIM's boxes (solid: more afraid; dashed: less)", fontsize=10, loc="left")
    ordered = np.sort(np.asarray(effect))
    bx.bar(range(len(ordered)), ordered * factor,
           color=[PRESET_COLORS["sc_full"] if v > 0 else PRESET_COLORS["sc_sanctuary"] for v in ordered])
    bx.axhline(0, color="0.2", linewidth=0.9)
    bx.set_xlabel("draw (sorted)")
    bx.set_ylabel(unit)
    bx.set_title("Sanctuary jail minus no program, each draw (mean of its seeds)", fontsize=10, loc="left")
    fig.tight_layout()
    return plots.save(fig, folder, name)


def sign_flip(r, doc) -> None:
    """Where the sign flips: PRIM over the draws, sanctuary against no program on Hispanic residents' fear."""
    focus, output = SIGN
    if loaded(r) is None or not r.baseline:
        return
    _, df, spec = loaded(r)
    week = int(df["step"].max())
    if focus not in set(df[PRESET_KEY].astype(str)) or output not in df:
        return
    x, effect = propagation.draw_effects(df, output, focus, r.baseline, week)
    if len(x) < 4:
        return
    boxes, limits = prim.sign_regions(x, effect.to_numpy())
    factor, unit = scale(output)
    doc.csv(boxes, "sign_flip_boxes.csv")
    doc.csv(limits, "sign_flip_limits.csv")
    doc.heading("Where the sign flips")
    share = boxes.set_index("side")["share_of_draws"]
    doc.text(f"{plots.hue_label(focus)} minus {plots.hue_label(r.baseline)}: {column_label(output)} at week "
             f"{week} ({plural((week - r.act) / WEEKS_PER_YEAR, 'year')} after activation), each draw's mean over its "
             f"seeds, over the {len(x)} draws of the propagation ({assumptions_note(spec)}). Higher in "
             f"{share['more']:.0%} of the draws, lower in {share['less']:.0%}. "
             f"PRIM (EMA Workbench, peeling {prim.PEEL_ALPHA:.0%} a step) finds for each side the widest box of the "
             f"parameters where at least {prim.DENSITY:.0%} of the draws share that sign (else the densest with at "
             f"least {prim.MASS_MIN:.0%} of the draws). Coverage: the share of that side's draws inside the box; "
             "density: the share of the box's draws on that side; mass: the share of all draws in the box. "
             f"With {len(x)} draws, a box is a hint of where to look, not a boundary.")
    doc.table(boxes[["side", "meaning", "share_of_draws", "draws_in_box", "coverage", "density", "mass",
                     "restricted"]].assign(restricted=boxes["restricted"].map(
                         lambda s: ", ".join(param_label(n) for n in s.split(", ")) if s else "none")))
    if len(limits):
        doc.table(limits.assign(parameter=limits["parameter"].map(param_label)))
    doc.figure(sign_figure(x, effect.to_numpy(), limits, doc.figures, factor, f"{column_label(output)} ({unit})"),
               "Left: each draw on the two parameters PRIM restricts first, coloured by the sign of the effect, "
               "with the box of each side. Right: the effect of each draw, sorted. "
               "(`tables/sign_flip_boxes.csv`, `tables/sign_flip_limits.csv`)")
    if 0 < share["more"] < 1 or "sc_full" not in set(df[PRESET_KEY].astype(str)):
        return
    # no draw flips the sign: where does the sanctuary jail take away most of full cooperation's rise?
    _, full = propagation.draw_effects(df, output, "sc_full", r.baseline, week)
    kept = (effect / full.where(full.abs() > 1e-12)).to_numpy()
    cut = KEPT if np.nanmin(kept) < KEPT < np.nanmax(kept) else float(np.nanmedian(kept))
    ok = np.isfinite(kept)
    boxes2, limits2 = prim.sign_regions(x[ok], kept[ok] - cut)
    doc.csv(boxes2.assign(cut=cut), "sanctuary_share_boxes.csv")
    doc.csv(limits2.assign(cut=cut), "sanctuary_share_limits.csv")
    doc.text(f"No draw flips the sign. The question that is left: where does the {plots.hue_label(focus).lower()} take "
             f"away most of the rise under {plots.hue_label('sc_full').lower()}? Per draw, the {focus} effect over "
             f"the sc_full effect (the share of the rise it keeps: {np.nanmin(kept):.2f} to {np.nanmax(kept):.2f}, "
             f"median {np.nanmedian(kept):.2f}); PRIM's boxes of the draws above and below {cut:.2f} "
             "(`tables/sanctuary_share_boxes.csv`, `tables/sanctuary_share_limits.csv`):")
    doc.table(boxes2[["side", "share_of_draws", "draws_in_box", "coverage", "density", "mass", "restricted"]].assign(
        side=boxes2["side"].map({"more": f"keeps more than {cut:.2f}", "less": f"keeps less than {cut:.2f}"}),
        restricted=boxes2["restricted"].map(lambda s: ", ".join(param_label(n) for n in s.split(", ")) if s
                                            else "none")))
    if len(limits2):
        doc.table(limits2.assign(parameter=limits2["parameter"].map(param_label)))
