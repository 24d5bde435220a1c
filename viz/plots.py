"""Time-series panels read from the model's DataCollector, with the activation week marked.

Each ``TimeSeriesPanel`` owns a small matplotlib figure whose lines are created once and given
new data each week (no re-plotting). Axis limits only grow, in round steps (the x axis a year at a
time), so most weeks only the lines are redrawn over a stored background (see ``render.py``).
"""

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from agents.codes import WEEKS_PER_YEAR
from model.labels import PRESET_COLORS
from model.reporters import colour, short_label

from .readout import column_name
from .render import BlitRenderer


@dataclass(frozen=True)
class Series:
    reporter: str  # a name in model.reporters.REPORTERS
    label: str = ""  # default: the reporter's short label (model.reporters)
    color: str = ""  # default: the reporter's colour (model.reporters)
    style: str = "-"
    county: int = 0  # which of the panel's counties (compare mode: 0 left, 1 right, 2 no program)

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", short_label(self.reporter))
        if not self.color:
            object.__setattr__(self, "color", colour(self.reporter))


@dataclass(frozen=True)
class PanelSpec:
    key: str
    title: str
    ylabel: str
    series: tuple
    yscale: str = "linear"  # "symlog" for the funnel, whose stages differ by orders of magnitude
    indexed: bool = False  # shown as % of each series' week-0 value (small changes in a rate show)
    min_top: float = 5.0  # the y axis reaches at least this high, so a flat start reads as "none yet"


PANELS = (
    PanelSpec("funnel", "The pathway, cumulative: arrests to removals", "people (log scale)", (
        Series("arrests_cumulative"),
        Series("ident_matches_cumulative"),
        Series("detainers_issued_cumulative"),
        Series("detainers_declined_cumulative", style="--"),
        Series("ice_pickups_cumulative"),
        Series("removals_cumulative"),
    ), yscale="symlog"),
    PanelSpec("levels", "Removals by ICE priority level, cumulative", "people removed", (
        Series("removals_level1_cumulative", "Level 1 (aggravated felony, 2+ felonies)"),
        Series("removals_level2_cumulative", "Level 2 (a felony, 3+ misdemeanors)"),
        Series("removals_level3_cumulative", "Level 3 (misdemeanors)"),
        Series("removals_noncriminal_cumulative"),
    )),
    PanelSpec("reporting", "Chance of reporting a crime, % of its level at week 0", "% of week-0 level", (
        Series("reporting_rate_non_hispanic"),
        Series("reporting_rate_hispanic_citizen"),
        Series("reporting_rate_undocumented"),
    ), indexed=True),
    PanelSpec("families", "Families split by removals, cumulative", "count", (
        Series("separated_households_cumulative"),
        Series("separated_citizen_children_cumulative"),
        Series("foster_placements_cumulative", style="--"),
    )),
    PanelSpec("fear", "Mean fear of enforcement, by group", "mean fear (0-1)", (
        Series("fear_mean_undocumented"),
        Series("fear_mean_lpr"),
        Series("fear_mean_hispanic_citizen"),
        Series("fear_mean_non_hispanic"),
    ), min_top=0.02),
)
PANEL_BY_KEY = {p.key: p for p in PANELS}
MIN_WEEKS_SHOWN = 104  # the x axis starts at two years and then grows a year at a time


def series_values(model, reporter: str) -> np.ndarray:
    """One reporter's weekly values (week 0 first) straight from the DataCollector."""
    return np.asarray(model.datacollector.model_vars[reporter], dtype=float)


def indexed(values: np.ndarray) -> np.ndarray:
    """Values as % of the first finite one (100 = as before the program)."""
    finite = values[np.isfinite(values)]
    if not len(finite) or finite[0] == 0:
        return np.full_like(values, np.nan)
    return 100.0 * values / finite[0]


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, ... (times a power of ten) that is >= x."""
    if x <= 0:
        return 0.0
    power = 10.0 ** np.floor(np.log10(x))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= x * (1 - 1e-12):
            return step * power
    return 10.0 * power


def week_limit(model, weeks_so_far: int) -> int:
    """Right end of the x axis: two years at first, then whole years."""
    whole_years = WEEKS_PER_YEAR * np.ceil((weeks_so_far + 1) / WEEKS_PER_YEAR)
    return int(max(MIN_WEEKS_SHOWN, model.params.activation_week + 8, whole_years))


def activation_label(model) -> str:
    if not model.params.sharing_active:
        return "program off (pre-Secure Communities)"
    return f"program reaches the county (week {model.params.activation_week})"


TITLE_SIZE, LABEL_SIZE, TICK_SIZE, LEGEND_SIZE = 15, 13, 12, 12  # points, read from the back of a classroom


def compare_panels(counties) -> tuple:
    """Compare mode's panels: each key quantity for both counties and the no-program twin, in each
    preset's own colour (the twin grey and dashed)."""
    models = [*counties.shown, counties.baseline]
    names = [column_name(m) for m in models[:-1]] + ["no program (same seed)"]

    def series(reporter):
        return tuple(Series(reporter, name, PRESET_COLORS[m.settings.preset], "--" if i == len(models) - 1 else "-",
                            county=i) for i, (m, name) in enumerate(zip(models, names, strict=True)))

    return (
        PanelSpec("compare_removals", "People removed, cumulative (all of ICE's doors)", "people",
                  series("removals_cumulative")),
        PanelSpec("compare_chilled", "Undocumented residents too afraid to report", "share chilled (0-1)",
                  series("chilled_share_undocumented"), min_top=0.2),
        PanelSpec("compare_reporting", "Crime reporting by undocumented residents", "% of week-0 reporting rate",
                  series("reporting_rate_undocumented"), indexed=True),
    )


class TimeSeriesPanel:
    """One plot of several reporters over the weeks, from one county or several (compare mode)."""

    def __init__(self, spec: PanelSpec, models, figsize=(6.4, 5.6), dpi: int = 90):
        models = list(models) if isinstance(models, (list, tuple)) else [models]
        self.spec = spec
        self.figure = Figure(figsize=figsize, dpi=dpi)
        ax = self.ax = self.figure.add_subplot()
        ax.set_title(spec.title, fontsize=TITLE_SIZE)
        ax.set_ylabel(spec.ylabel, fontsize=LABEL_SIZE)
        ax.set_xlabel("week", fontsize=LABEL_SIZE)
        ax.tick_params(labelsize=TICK_SIZE)
        ax.grid(alpha=0.25)
        if spec.yscale == "symlog":
            ax.set_yscale("symlog", linthresh=1.0)
        self.lines = {(s.county, s.reporter): ax.plot([], [], s.style, color=s.color, label=s.label, linewidth=2.2)[0]
                      for s in spec.series}
        active = [m for m in models if m.params.sharing_active]
        if active:
            ax.axvline(active[0].params.activation_week, color="#d62728", linestyle=":", linewidth=1.6,
                       label=activation_label(active[0]))
        else:
            ax.plot([], [], linestyle="", label=activation_label(models[0]))
        # the legend sits below the axes: drawn once with the background, never over the lines
        n_entries = len(self.lines) + 1
        ncol = 1 if n_entries <= 4 else 2
        rows = -(-n_entries // ncol)
        self.figure.subplots_adjust(left=0.15, right=0.97, top=0.92, bottom=0.15 + 0.05 * rows)
        self.figure.legend(loc="lower center", ncol=ncol, fontsize=LEGEND_SIZE if ncol == 1 else LEGEND_SIZE - 1.5,
                           frameon=False, handlelength=1.6, columnspacing=0.8)
        self.top = 0.0 if not spec.indexed else 100.5
        self.bottom = 0.0 if not spec.indexed else 99.0
        # the frame's pixels are pasted back over the lines, as a full draw has them
        self.renderer = BlitRenderer(self.figure, animated=list(self.lines.values()), overlays=[*ax.spines.values()])
        self.update(models)

    def values(self, model, reporter: str) -> np.ndarray:
        values = series_values(model, reporter)
        return indexed(values) if self.spec.indexed else values

    def update(self, models) -> None:
        """Give every line the weeks so far; widen the axes (in round steps) if the data left them."""
        models = list(models) if isinstance(models, (list, tuple)) else [models]
        n_weeks = 0
        top, bottom = -np.inf, np.inf
        for (county, reporter), line in self.lines.items():
            values = self.values(models[county], reporter)
            n_weeks = len(values)
            line.set_data(np.arange(n_weeks), values)
            finite = values[np.isfinite(values)]
            if len(finite):
                top, bottom = max(top, float(finite.max())), min(bottom, float(finite.min()))
        self.ax.set_xlim(0, week_limit(models[0], n_weeks - 1))
        if self.spec.indexed:
            if np.isfinite(bottom) and bottom < self.bottom:
                self.bottom = 100.0 - nice_ceiling((100.0 - bottom) * 1.2)
            if np.isfinite(top) and top > self.top:
                self.top = 100.0 + nice_ceiling((top - 100.0) * 1.2)
        elif self.spec.yscale == "symlog":
            self.top = max(self.top, 10.0 ** np.ceil(np.log10(max(10.0, 2.0 * max(top, 0.0)))))
        else:
            self.top = max(self.top, nice_ceiling(max(self.spec.min_top, 1.15 * max(top, 0.0))))
        self.ax.set_ylim(self.bottom, self.top)

    def png(self, models) -> bytes:
        """This week's plot as PNG bytes."""
        self.update(models)
        return self.renderer.png(layout_key=(self.ax.get_xlim(), self.ax.get_ylim()))
