"""The one declaration of every reporter: name, kind, unit, group, window, readable label, colour.

The model's metrics (``model.metrics``), its DataCollector, the reports and figures
(``experiments``), the county panel, the EMA adapter and the page (``viz``) all read this table,
so a quantity has one name, one label and one colour everywhere.

Kinds:

- ``flow``: events counted this week (arrests, removals). Every flow also has a running total,
  ``<name>_cumulative``, counted from week 1 ("so far").
- ``stock``: people counted now (residents present).
- ``share``: a share of a group now, 0-1 (chilled, knows someone detained).
- ``mean``: the mean of a per-person quantity over a group now (fear, chance of reporting).
- ``ratio``: one of this week's flows over another (crimes reported over crimes suffered).
- ``rate``: events per 1,000 group residents a year, from this week's flows.

Reporters come in families: a measure (``Measure``) crossed with facets (groups of residents,
ICE's doors, priority levels, offenses, fear channels). A reporter's label is its measure's label
and the facet's, its colour the facet's (or the measure's when it has no facet). Older names,
in result folders written before a rename, read through ``RENAMED``.
"""

from dataclasses import dataclass

from agents.codes import CHARGE_NAMES, DOORS, LEVEL_NAMES, OFFENSE_NAMES

from .hearing import CHANNELS
from .labels import (
    AGE_COLORS,
    AGE_LABELS,
    CHARGE_COLORS,
    CHARGE_LABELS,
    DOOR_COLORS,
    DOOR_LABELS,
    GROUP_COLORS,
    GROUP_LABELS,
    LEVEL_COLORS,
    LEVEL_LABELS,
    OFFENSE_LABELS,
    STAGE_COLORS,
)

KINDS = ("flow", "stock", "share", "mean", "ratio", "rate")
UNITS = {
    "flow": "people or events",
    "stock": "people",
    "share": "share of the group (0-1)",
    "mean": "mean over the group",
    "ratio": "share of this week's events (0-1)",
    "rate": "per 1,000 group residents a year",
}
WINDOWS = {"flow": "this week", "stock": "now", "share": "now", "mean": "now", "ratio": "this week",
           "rate": "this week, as a yearly rate"}
CUMULATIVE = "_cumulative"
CUMULATIVE_WINDOW = "so far (since week 1)"
# Groups of victims for realized reporting, victimization and clearance.
VICTIM_GROUPS = ("hispanic", "undocumented", "hispanic_citizen", "non_hispanic")
# Groups whose chilled share is reported (C11: undocumented, all Latinos, US-born Latinos).
# C13: US-born Hispanic adults with an immigrant parent (second generation) against those without.
GENERATION_GROUPS = ("hispanic_second_generation", "hispanic_third_generation")
CHILL_GROUPS = ("undocumented", "lpr", "hispanic", "hispanic_citizen", "hispanic_us_born", "non_hispanic",
                *GENERATION_GROUPS)
FEAR_GROUPS = ("undocumented", "lpr", "hispanic_citizen", "non_hispanic", "hispanic", *GENERATION_GROUPS)
REPORTING_GROUPS = ("all",) + VICTIM_GROUPS


@dataclass(frozen=True)
class Reporter:
    name: str
    kind: str
    label: str  # readable, for reports and tables ("Chance of reporting a crime: Undocumented")
    short: str  # inside a figure already titled by the measure ("Undocumented")
    unit: str
    window: str
    group: str | None = None  # a group of residents (model.labels.GROUP_LABELS), if any
    colour: str = "#000000"


@dataclass(frozen=True)
class Measure:
    """A family of reporters: ``name`` alone, or ``name_<facet>`` for each facet."""

    name: str
    kind: str
    label: str
    unit: str | None = None  # default: UNITS[kind]
    colour: str = "#000000"


def _family(measure: Measure, facets: dict | None = None, facet_colours: dict | None = None,
            groups: bool = False) -> list:
    unit = measure.unit or UNITS[measure.kind]
    window = WINDOWS[measure.kind]
    if facets is None:
        return [Reporter(measure.name, measure.kind, measure.label, measure.label, unit, window,
                         colour=measure.colour)]
    out = []
    for key, text in facets.items():
        name = measure.name if key == "all" and measure.kind != "flow" else f"{measure.name}_{key}"
        out.append(Reporter(name, measure.kind, f"{measure.label}: {text}", text, unit, window,
                            group=key if groups else None, colour=(facet_colours or {}).get(key, measure.colour)))
    return out


def _by_group(measure: Measure, groups) -> list:
    return _family(measure, {g: GROUP_LABELS[g] for g in groups}, GROUP_COLORS, groups=True)


def _flow(name: str, label: str, colour: str = "#000000", unit: str = "people") -> list:
    return _family(Measure(name, "flow", label, unit, colour))


_LEVELS = {name: LEVEL_LABELS[name] for name in LEVEL_NAMES.values()}
_LEVEL_ORDER = ("level1", "level2", "level3", "noncriminal")

TABLE = [
    # --- the pathway: arrests to removals (flows; each with a running total) ---
    *_flow("arrests", "Arrests", STAGE_COLORS["arrests"]),
    *_family(Measure("arrests_age", "flow", "Arrests by age", "people"), AGE_LABELS, AGE_COLORS),
    *_flow("bookings", "Bookings", STAGE_COLORS["arrests"]),
    *_flow("fingerprint_submissions", "Fingerprints sent to the FBI", STAGE_COLORS["arrests"]),
    *_flow("ident_matches", "Fingerprint matches in DHS's IDENT", STAGE_COLORS["ident_matches"]),
    *_flow("detainers_issued", "Detainers issued by ICE", STAGE_COLORS["detainers_issued"]),
    *_flow("citizen_detainers_issued", "Detainers issued on citizens (record errors)",
           STAGE_COLORS["detainers_issued"]),
    *_family(Measure("detainers", "flow", "Detainers issued", "people"), {k: _LEVELS[k] for k in _LEVEL_ORDER},
             LEVEL_COLORS),
    *_flow("detainers_honored", "Detainers the jail honored", STAGE_COLORS["detainers_issued"]),
    *_flow("detainers_declined", "Detainers the jail declined", STAGE_COLORS["detainers_declined"]),
    *_flow("ice_pickups", "Picked up by ICE at the jail", STAGE_COLORS["ice_pickups"]),
    *_flow("holds_lapsed", "Holds that lapsed (ICE did not come)", STAGE_COLORS["detainers_declined"]),
    *_flow("at_large_arrests", "Arrested by ICE at large", DOOR_COLORS["at_large"]),
    *_flow("background_arrests", "Arrested in ICE's own operations", DOOR_COLORS["background"]),
    *_flow("ice_candidates", "Candidates presented to ICE (every door)", "#999999"),
    *_flow("capacity_turned_away", "Turned away by ICE for lack of places", "#999999"),
    *_flow("removals", "Removals (events: a person removed twice counts twice)", STAGE_COLORS["removals"]),
    *_family(Measure("removals", "flow", "Removals", "people"), {d: DOOR_LABELS[d] for d in DOORS}, DOOR_COLORS),
    *_family(Measure("removals", "flow", "Removals", "people"), {k: _LEVELS[k] for k in _LEVEL_ORDER}, LEVEL_COLORS),
    *_family(Measure("removals_charge", "flow", "Removals by the case of the latest booking then", "people"),
             {k: CHARGE_LABELS[k] for k in CHARGE_NAMES.values()}, CHARGE_COLORS),
    *_family(Measure("removals_age", "flow", "Removals by age", "people"), AGE_LABELS, AGE_COLORS),
    *_family(Measure("removals_after", "flow", "Removals after an arrest for", "people"),
             {o: OFFENSE_LABELS[o] for o in OFFENSE_NAMES}),
    *_flow("removals_after_hearing", "Removals ordered at the hearing of a pending case", STAGE_COLORS["removals"]),
    *_flow("voluntary_departures", "Voluntary departures from ICE custody (not removals)"),
    *_flow("ice_releases", "Released from ICE custody with a case pending (bond, recognizance)"),
    *_flow("discretion_closures", "Cases closed by prosecutorial discretion"),
    *_flow("case_terminations", "Pending cases terminated at the hearing"),
    *_flow("statuses_lost", "Lawful permanent residents removed (status lost)"),
    *_flow("reinstatements", "Removals that reinstated a prior order"),
    *_flow("repeat_removals", "Removals of people removed before in this run"),
    *_flow("re_entries", "Removed residents who came back"),
    *_flow("citizens_wrongly_held", "Citizens held on a detainer (each once)"),
    *_flow("pretrial_holds", "Pretrial release lost to a detainer"),
    *_flow("convictions", "Convictions"),
    *_flow("convictions_detained_pretrial", "Convictions after detention before trial"),
    *_flow("cases_not_convicted", "Criminal cases decided without a conviction (dismissed, acquitted)"),
    *_flow("reliefs", "Relief granted in removal proceedings"),
    # --- families ---
    *_flow("separations", "Removals that left family behind", STAGE_COLORS["separations"]),
    *_flow("separated_households", "Families separated", STAGE_COLORS["separations"]),
    *_flow("separated_citizen_children", "Citizen children separated from a parent", "#D55E00"),
    *_flow("foster_placements", "Children placed in foster care (placements)", "#777777"),
    *_flow("foster_children", "Children placed in foster care (each once)", "#777777"),
    *_flow("reunifications", "Children back from foster care"),
    # --- crime, reporting and policing (flows) ---
    *_flow("crimes", "Crimes with a victim", unit="crimes"),
    *_flow("crimes_reported", "Crimes reported", unit="crimes"),
    *_flow("crimes_cleared", "Crimes cleared", unit="crimes"),
    *_flow("citations", "Cited and released"),
    *_flow("unlicensed_driver_bookings", "Booked for driving without a license"),
    *_flow("crimes_violent", "Violent crimes", unit="crimes"),
    *_flow("crimes_property", "Property crimes", unit="crimes"),
    *_flow("crimes_reported_violent", "Violent crimes reported", unit="crimes"),
    *_flow("crimes_reported_property", "Property crimes reported", unit="crimes"),
    *_flow("crimes_cleared_violent", "Violent crimes cleared", unit="crimes"),
    *_flow("crimes_cleared_property", "Property crimes cleared", unit="crimes"),
    *_by_group(Measure("victimizations", "flow", "Victimizations", "crimes"), VICTIM_GROUPS),
    *_by_group(Measure("victimizations_reported", "flow", "Victimizations reported", "crimes"), VICTIM_GROUPS),
    *_by_group(Measure("crimes_cleared", "flow", "Crimes cleared", "crimes"), VICTIM_GROUPS),
    # --- the state of the county each week ---
    *_by_group(Measure("reporting_rate", "mean", "Chance of reporting a crime", "probability (0-1)"),
               REPORTING_GROUPS),
    *_by_group(Measure("reporting_rate_cohort", "mean", "Chance of reporting a crime (fixed cohort)",
                       "probability (0-1)"), REPORTING_GROUPS),
    *_by_group(Measure("realized_reporting", "ratio", "Share of crimes reported"), VICTIM_GROUPS),
    *_family(Measure("realized_reporting", "ratio", "Share of crimes reported"),
             {"violent": "Violent crimes", "property": "Property crimes"}),
    *_family(Measure("clearance_rate", "ratio", "Share of reported crimes cleared")),
    *_by_group(Measure("clearance_rate", "ratio", "Share of reported crimes cleared"), VICTIM_GROUPS),
    *_by_group(Measure("victimization_rate", "rate", "Victimizations"), VICTIM_GROUPS),
    *_by_group(Measure("fear_mean", "mean", "Mean fear of enforcement", "mean fear (0-1)"), FEAR_GROUPS),
    *_by_group(Measure("chilled_share", "share", "Chilled (would keep away from the police)"), CHILL_GROUPS),
    *_family(Measure("fear_channel", "mean", "Fear of Hispanic residents", "mean fear (0-1)"),
             {f"{c.name}_hispanic": c.label for c in CHANNELS}, {f"{c.name}_hispanic": c.colour for c in CHANNELS}),
    *_family(Measure("share_hispanic_knows_detained", "share",
                     "Hispanic residents who know someone detained or removed in the past year",
                     colour=GROUP_COLORS["hispanic"])),
    *_family(Measure("share_hispanic_adults_knows_detained", "share",
                     "Hispanic adults who know someone detained or removed in the past year",
                     colour=GROUP_COLORS["hispanic_adults"])),
    *_family(Measure("share_hispanic_adults_knows_detained_close", "share",
                     "Hispanic adults who know someone detained or removed in the past year (household, friends)",
                     colour=GROUP_COLORS["hispanic_citizen"])),
    *_family(Measure("share_hispanic_adults_heard_detained", "share",
                     "Hispanic adults who heard of a detention or removal in the past year, second hand included",
                     colour=GROUP_COLORS["hispanic_us_born"])),
    *_family(Measure("share_hispanic_adults_knows_undocumented", "share",
                     "Hispanic adults who know someone undocumented", colour=GROUP_COLORS["undocumented"])),
    *_family(Measure("residents_present", "stock", "Residents in the county")),
    *_family(Measure("undocumented_present", "stock", "Undocumented residents in the county")),
    # --- where the pathway leaves people, now ---
    *_family(Measure("in_ice_custody", "stock", "In ICE custody now", colour=STAGE_COLORS["ice_pickups"])),
    *_family(Measure("pending_cases", "stock", "Free with an immigration case pending now")),
    *_family(Measure("removed_away", "stock", "Away now after a removal (not come back)",
                     colour=STAGE_COLORS["removals"])),
    *_family(Measure("departed_away", "stock", "Away now after a voluntary departure (not come back)")),
]

BY_NAME = {r.name: r for r in TABLE}
# (PAGE_LABELS, below, holds the page's few row labels of its own.)
assert len(BY_NAME) == len(TABLE), "a reporter is declared twice"
FLOWS = tuple(r.name for r in TABLE if r.kind == "flow")
STATE = tuple(r.name for r in TABLE if r.kind != "flow")
REPORTERS = FLOWS + STATE + tuple(f"{name}{CUMULATIVE}" for name in FLOWS)

# Names used before a rename, and the name of the same quantity now: result folders written
# earlier load through this mapping (``experiments`` applies it when it reads them).
RENAMED = {
    "households_separated": "separated_households",
    "citizen_children_separated": "separated_citizen_children",
    "share_hispanic_knows_removed": "share_hispanic_knows_detained",
    "fear_channel_salience_hispanic": "fear_channel_media_hispanic",  # the news channel, now one of several
}
RENAMED.update({f"{old}{CUMULATIVE}": f"{new}{CUMULATIVE}" for old, new in list(RENAMED.items())
                if old in ("households_separated", "citizen_children_separated")})


def reporter(name: str) -> Reporter:
    """The declaration of a reporter, a running total (``<flow>_cumulative``) included."""
    name = RENAMED.get(name, name)
    if name in BY_NAME:
        return BY_NAME[name]
    if name.endswith(CUMULATIVE) and name[: -len(CUMULATIVE)] in BY_NAME:
        base = BY_NAME[name[: -len(CUMULATIVE)]]
        if base.kind == "flow":
            return Reporter(name, "flow", f"{base.label} (total)", base.short, base.unit, CUMULATIVE_WINDOW,
                            base.group, base.colour)
    raise KeyError(f"no reporter named {name!r}")


def label(name: str) -> str:
    """A readable name for a reporter, or for an output derived from one (``<reporter>_window``, a
    total over a report's window); anything else is given back with spaces for underscores."""
    for end, text in (("_window", " (over the window)"),):
        if name.endswith(end):
            try:
                return reporter(name[: -len(end)]).label + text
            except KeyError:
                break
    try:
        return reporter(name).label
    except KeyError:
        return name.replace("_", " ")


def short_label(name: str) -> str:
    try:
        return reporter(name).short
    except KeyError:
        return name.replace("_", " ")


# The page's readout groups rows under a heading that names the window ("so far", "now"), so most
# rows read by their short label; these few need words of their own there (one or two lines).
PAGE_LABELS = {
    "removals": "All doors (every removal)",
    "share_hispanic_adults_knows_detained": "Hispanic adults who know someone detained or removed",
}


def page_label(name: str) -> str:
    """A reporter's row label in the page's readout: its page label or its short label (a running
    total, ``<flow>_cumulative``, reads as its flow)."""
    base = name[: -len(CUMULATIVE)] if name.endswith(CUMULATIVE) else name
    return PAGE_LABELS.get(base) or short_label(name)


def unit(name: str) -> str:
    """What a reporter's values count (an axis label): "people a week", "people (total)", "share of the
    group (0-1)"..."""
    windowed = name.endswith("_window")
    try:
        r = reporter(name[: -len("_window")] if windowed else name)
    except KeyError:
        return ""
    if r.kind == "flow":
        return f"{r.unit} (total)" if windowed or r.window == CUMULATIVE_WINDOW else f"{r.unit} a week"
    return r.unit


def colour(name: str) -> str:
    try:
        return reporter(name).colour
    except KeyError:
        return "#000000"
