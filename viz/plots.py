"""Time-series panels read from the model's DataCollector, with the activation week marked.

Each ``TimeSeriesPanel`` owns a small matplotlib figure (the axes, their ticks and labels) whose
lines are created once and given new data each week (no re-plotting). The panel's title and key
are HTML on the page (``PanelSpec.title``, ``legend_items``): sharp at any size, never over the
lines. Axis limits only grow, in round steps (the x axis a year at a time), so most weeks only the
lines are redrawn over a stored background (see ``render.py``).

Sizes are set for a projector: the figure is ``FIGSIZE`` at ``DPI`` and its smallest text
``TICK_SIZE`` points, so two plots side by side in a 1024-pixel-wide window still show text of
at least 14 pixels (the browser test measures it).
"""

from dataclasses import dataclass, replace

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from agents.codes import WEEKS_PER_YEAR
from model.labels import LEVEL_LABELS, PRESET_COLORS, RULE_LABELS
from model.reporters import colour, short_label

from .readout import column_name
from .render import BlitRenderer

DPI = 100
FIGSIZE = (5.8, 3.8)  # inches: 580 x 380 pixels
TICK_SIZE = LABEL_SIZE = 13.5  # points: 18.75 pixels in the picture, 14+ pixels at 0.75 of its width
ACTIVATION_COLOR = "#D62728"
NO_PROGRAM = "no program (same seed)"


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
    whole: bool = False  # counts of people: ticks on whole numbers only
    county: str = ""  # compare mode: whose county the panel shows (in its title)


def _level(name: str) -> str:
    return f"{LEVEL_LABELS[name]} ({RULE_LABELS[name]})" if name in RULE_LABELS else LEVEL_LABELS[name]


PANELS = (
    PanelSpec("funnel", "The pathway so far: arrests to removals", "people so far (log scale)", (
        Series("arrests_cumulative"),
        Series("ident_matches_cumulative"),
        Series("detainers_issued_cumulative"),
        Series("ice_pickups_cumulative"),
        Series("removals_cumulative"),
        Series("detainers_declined_cumulative", style="--"),  # last: drawn over the issued line it may follow
    ), yscale="symlog"),
    PanelSpec("levels", "Removals so far, by ICE priority level", "people removed so far", (
        *(Series(f"removals_{name}_cumulative", _level(name)) for name in ("level1", "level2", "level3")),
        Series("removals_noncriminal_cumulative"),
    ), whole=True),
    PanelSpec("reporting", "Chance of reporting a crime, % of its week-0 level", "% of week-0 level", (
        Series("reporting_rate_non_hispanic"),
        Series("reporting_rate_hispanic_citizen"),
        Series("reporting_rate_undocumented"),
    ), indexed=True),
    PanelSpec("families", "Families split by removals, so far", "count so far", (
        Series("separated_households_cumulative"),
        Series("separated_citizen_children_cumulative"),
        Series("foster_placements_cumulative", style="--"),
    ), whole=True),
    PanelSpec("fear", "Mean fear of enforcement now, by group", "mean fear (0-1)", (
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
    """Right end of the x axis: two years at first, then whole years (week 260 ends on 260)."""
    whole_years = WEEKS_PER_YEAR * np.ceil(weeks_so_far / WEEKS_PER_YEAR)
    return int(max(MIN_WEEKS_SHOWN, model.params.activation_week + 8, whole_years))


def activation_label(model) -> str:
    if not model.params.sharing_active:
        return "program off (before Secure Communities)"
    return f"program reaches the county (week {model.params.activation_week})"


def legend_items(spec: PanelSpec, models) -> list[dict]:
    """The panel's key, for the page to draw in HTML: each line's colour, style and words."""
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    items = [{"color": s.color, "style": s.style, "label": s.label} for s in spec.series]
    active = [m for m in models if m.params.sharing_active] or models
    items.append({"color": ACTIVATION_COLOR, "style": ":", "label": activation_label(active[0])})
    return items


def compare_panels(counties) -> tuple:
    """Compare mode's overlays: each key quantity for both counties and the no-program twin, in each
    preset's own colour (the twin grey and dashed)."""
    models = [*counties.shown, counties.baseline]
    names = [column_name(m) for m in models[:-1]] + [NO_PROGRAM]

    def series(reporter):
        return tuple(Series(reporter, name, PRESET_COLORS[m.settings.preset], "--" if i == len(models) - 1 else "-",
                            county=i) for i, (m, name) in enumerate(zip(models, names, strict=True)))

    return (
        PanelSpec("compare_removals", "People removed so far (all of ICE's doors)", "people removed so far",
                  series("removals_cumulative"), whole=True),
        PanelSpec("compare_chilled", "Undocumented residents too afraid to report a crime, now",
                  "share chilled (0-1)", series("chilled_share_undocumented"), min_top=0.2),
        PanelSpec("compare_reporting", "Crime reporting by undocumented residents, % of its week-0 level",
                  "% of week-0 level", series("reporting_rate_undocumented"), indexed=True),
    )


def county_panels(counties) -> list[tuple]:
    """Compare mode's panels for each county: every plot the lesson uses, as (spec, models, scale_with)
    in pairs (left county, right county) that share their y axis."""
    return [(replace(spec, key=f"{spec.key}_{side}", county=column_name(model)), [model], list(counties.shown))
            for spec in PANELS for side, model in enumerate(counties.shown)]


class TimeSeriesPanel:
    """One plot of several reporters over the weeks, from one county or several (compare mode).
    ``scale_with`` (default: ``models``) are the counties whose values set the y axis, so the two
    panels of a compare-mode pair read on one scale."""

    def __init__(self, spec: PanelSpec, models, scale_with=None, figsize=FIGSIZE, dpi: int = DPI):
        models = list(models) if isinstance(models, (list, tuple)) else [models]
        self.spec = spec
        self.scale_with = list(scale_with) if scale_with is not None else None
        self.figure = Figure(figsize=figsize, dpi=dpi)
        ax = self.ax = self.figure.add_subplot()
        ax.set_ylabel(spec.ylabel, fontsize=LABEL_SIZE)
        ax.set_xlabel("week", fontsize=LABEL_SIZE)
        ax.tick_params(labelsize=TICK_SIZE)
        ax.grid(alpha=0.3)
        if spec.yscale == "symlog":
            ax.set_yscale("symlog", linthresh=1.0)
        elif spec.whole:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        self.lines = {(s.county, s.reporter): ax.plot([], [], s.style, color=s.color, linewidth=2.6, zorder=3)[0]
                      for s in spec.series}  # over the frame (zorder 2.5): a line at zero stays visible
        active = [m for m in models if m.params.sharing_active]
        if active:
            ax.axvline(active[0].params.activation_week, color=ACTIVATION_COLOR, linestyle=":", linewidth=2.0,
                       zorder=1.5)  # under the lines, as the fast redraws draw it
        self.figure.subplots_adjust(left=0.17, right=0.97, top=0.96, bottom=0.19)
        self.top = 0.0 if not spec.indexed else 100.5
        self.bottom = 0.0 if not spec.indexed else 99.0
        self.renderer = BlitRenderer(self.figure, animated=list(self.lines.values()))
        self.update(models)

    def values(self, model, reporter: str) -> np.ndarray:
        values = series_values(model, reporter)
        return indexed(values) if self.spec.indexed else values

    def update(self, models) -> None:
        """Give every line the weeks so far; widen the axes (in round steps) if the data left them."""
        models = list(models) if isinstance(models, (list, tuple)) else [models]
        n_weeks = 0
        for (county, reporter), line in self.lines.items():
            values = self.values(models[county], reporter)
            n_weeks = len(values)
            line.set_data(np.arange(n_weeks), values)
        scale = [(m, s.reporter) for m in self.scale_with for s in self.spec.series] if self.scale_with else \
            [(models[s.county], s.reporter) for s in self.spec.series]
        finite = [v[np.isfinite(v)] for v in (self.values(m, r) for m, r in scale)]
        finite = np.concatenate(finite) if finite else np.zeros(0)
        top, bottom = (float(finite.max()), float(finite.min())) if len(finite) else (-np.inf, np.inf)
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
