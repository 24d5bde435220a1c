"""What the model reports each week (one shared vocabulary) and its event log."""

import numpy as np
import pandas as pd

from agents.codes import DOORS, LEVEL_NAMES, OFFENSE_NAMES, WEEKS_PER_YEAR, Custody, Status, sc_level

from .fear import CHANNELS

# Groups of victims for realized reporting, victimization and clearance.
VICTIM_GROUPS = ("hispanic", "undocumented", "hispanic_citizen", "non_hispanic")
# Groups whose chilled share is reported (C11: undocumented, all Latinos, US-born Latinos).
CHILL_GROUPS = ("undocumented", "lpr", "hispanic", "hispanic_citizen", "hispanic_us_born", "non_hispanic")

# Weekly flows (counts of events this week). Cumulative totals: "<name>_cumulative".
FLOWS = (
    "arrests", "bookings", "fingerprint_submissions", "ident_matches",
    "detainers_issued", "citizen_detainers_issued", "detainers_honored", "detainers_declined",
    "ice_pickups", "holds_lapsed", "at_large_arrests", "background_arrests", "capacity_turned_away",
    "removals", *(f"removals_{door}" for door in DOORS),
    "removals_level1", "removals_level2", "removals_level3", "removals_noncriminal",
    *(f"removals_after_{offense}" for offense in OFFENSE_NAMES),
    "reinstatements", "repeat_removals", "re_entries",
    "citizens_wrongly_held", "pretrial_holds", "convictions", "convictions_detained_pretrial",
    "separations", "separated_households", "separated_citizen_children",
    "households_separated", "citizen_children_separated",  # older names of the two above (aliases)
    "foster_placements", "foster_children", "reunifications",
    "crimes", "crimes_reported", "crimes_cleared", "citations", "unlicensed_driver_bookings", "reliefs",
    "crimes_violent", "crimes_property", "crimes_reported_violent", "crimes_reported_property",
    "crimes_cleared_violent", "crimes_cleared_property",
    *(f"victimizations_{g}" for g in VICTIM_GROUPS),
    *(f"victimizations_reported_{g}" for g in VICTIM_GROUPS),
    *(f"crimes_cleared_{g}" for g in VICTIM_GROUPS),
)
# Older reporter names kept as aliases: counting the new name counts the old one too.
FLOW_ALIASES = {"separated_households": "households_separated",
                "separated_citizen_children": "citizen_children_separated"}
# Weekly state of the population.
STATE = (
    "reporting_rate", "reporting_rate_hispanic", "reporting_rate_undocumented",
    "reporting_rate_hispanic_citizen", "reporting_rate_non_hispanic",
    "clearance_rate",
    "victimization_rate_hispanic", "victimization_rate_non_hispanic",
    "fear_mean_undocumented", "fear_mean_lpr", "fear_mean_hispanic_citizen", "fear_mean_non_hispanic",
    "share_hispanic_knows_removed",
    # the fixed cohort: residents present at activation, removed members at their last value
    "reporting_rate_cohort", "reporting_rate_cohort_hispanic", "reporting_rate_cohort_undocumented",
    "reporting_rate_cohort_hispanic_citizen", "reporting_rate_cohort_non_hispanic",
    # realized: crimes reported over crimes suffered this week
    *(f"realized_reporting_{g}" for g in VICTIM_GROUPS), "realized_reporting_violent",
    "realized_reporting_property",
    *(f"victimization_rate_{g}" for g in ("undocumented", "hispanic_citizen")),
    *(f"clearance_rate_{g}" for g in VICTIM_GROUPS),
    # the chilled state and fear, with each channel's share of Hispanic residents' fear
    *(f"chilled_share_{g}" for g in CHILL_GROUPS), "fear_mean_hispanic",
    *(f"fear_channel_{c}_hispanic" for c in CHANNELS),
    # knowing, among Hispanic adults (any tie, or household and friends alone)
    "share_hispanic_adults_knows_detained", "share_hispanic_adults_knows_detained_close",
    "share_hispanic_adults_knows_undocumented",
    # who is in the county this week (denominators for rates per resident or per undocumented resident)
    "residents_present", "undocumented_present",
)
REPORTERS = FLOWS + STATE + tuple(f"{name}_cumulative" for name in FLOWS)

STAGES = ("arrest", "booking", "match", "detainer", "honored", "declined", "turned_away", "lapsed", "pickup",
          "at_large_arrest", "background_arrest", "removal", "relief", "citizen_release", "separation",
          "reunification", "re_entry")
EVENT_COLUMNS = ("week", "resident_id", "stage", "offense", "priority_level", "status",
                 "hispanic", "sex", "parent_of_citizen_child", "door", "rule")


def _ratio(a, b) -> float:
    return a / b if b else float("nan")


# Residents fall into small cells (present or not, Hispanic, status, adult); every reported group is a
# union of cells, so a group mean is one bincount per value instead of a pass per group.
N_CELLS = 17  # 0: not in the county; 1 + 8 hispanic + 2 status + adult


def resident_cells(model) -> np.ndarray:
    """Each resident's cell this week (0 once removed)."""
    present = model.custody != Custody.REMOVED
    cell = 1 + 8 * model.hispanic.astype(np.int64) + 2 * model.status.astype(np.int64) + model.adult
    return np.where(present, cell, 0)


def _cell_groups() -> dict:
    cells = np.arange(1, N_CELLS)
    hispanic, status, adult = (cells - 1) // 8 == 1, ((cells - 1) % 8) // 2, (cells - 1) % 2 == 1
    citizen = (status == Status.US_BORN) | (status == Status.NATURALIZED)
    members = {
        "all": np.ones(len(cells), dtype=bool),
        "hispanic": hispanic,
        "undocumented": status == Status.UNDOCUMENTED,
        "lpr": status == Status.LPR,
        "hispanic_citizen": hispanic & citizen,
        "hispanic_us_born": hispanic & (status == Status.US_BORN),
        "hispanic_adults": hispanic & adult,
        "non_hispanic": ~hispanic,
    }
    return {g: np.concatenate([[False], m]) for g, m in members.items()}


CELL_GROUPS = _cell_groups()


def population_groups(model) -> dict:
    """Boolean masks over residents of the reporting groups, among residents still in the county."""
    cells = resident_cells(model)
    return {g: in_group[cells] for g, in_group in CELL_GROUPS.items()}


def group_means(cells, values, groups, counts=None) -> dict:
    """Mean of ``values`` in each named group (NaN for an empty group)."""
    if counts is None:
        counts = np.bincount(cells, minlength=N_CELLS)
    sums = np.bincount(cells, weights=values, minlength=N_CELLS)
    out = {}
    for g in groups:
        k = counts[CELL_GROUPS[g]].sum()
        out[g] = float(sums[CELL_GROUPS[g]].sum() / k) if k else float("nan")
    return out


def victim_groups(model, victims) -> dict:
    """Which of the VICTIM_GROUPS each victim belongs to (boolean arrays over ``victims``)."""
    status, hispanic = model.status[victims], model.hispanic[victims]
    citizen = (status == Status.US_BORN) | (status == Status.NATURALIZED)
    return {"hispanic": hispanic, "undocumented": status == Status.UNDOCUMENTED,
            "hispanic_citizen": hispanic & citizen, "non_hispanic": ~hispanic}


def weekly_state(model, report_prob, knowing, cells, cohort_cells) -> dict:
    """The STATE reporters for this week: population groups by ``cells``, the fixed cohort by
    ``cohort_cells`` (the cells at activation, which removed members keep)."""
    flows = model.flows
    fp = model.fear_process
    counts = np.bincount(cells, minlength=N_CELLS)
    size = {g: int(counts[m].sum()) for g, m in CELL_GROUPS.items()}
    reporting = group_means(cells, report_prob, ("all", *VICTIM_GROUPS), counts)
    cohort = group_means(cohort_cells, report_prob, ("all", *VICTIM_GROUPS))
    fear = group_means(cells, model.fear, ("undocumented", "lpr", "hispanic_citizen", "non_hispanic", "hispanic"),
                       counts)
    chilled = group_means(cells, fp.chilled, CHILL_GROUPS, counts)
    hispanic = CELL_GROUPS["hispanic"][cells]
    channel_sums = fp.channels @ hispanic.astype(np.float64)
    channels = {c: channel_sums[i] / size["hispanic"] if size["hispanic"] else float("nan")
                for i, c in enumerate(CHANNELS)}
    knows = {k: group_means(cells, v, ("hispanic", "hispanic_adults"), counts) for k, v in knowing.items()}
    per_1000 = {g: flows[f"victimizations_{g}"] * WEEKS_PER_YEAR * 1000 / size[g] if size[g] else float("nan")
                for g in VICTIM_GROUPS}
    return {
        "reporting_rate": reporting["all"],
        **{f"reporting_rate_{g}": reporting[g] for g in VICTIM_GROUPS},
        "clearance_rate": _ratio(flows["crimes_cleared"], flows["crimes_reported"]),
        "victimization_rate_hispanic": per_1000["hispanic"],
        "victimization_rate_non_hispanic": per_1000["non_hispanic"],
        "fear_mean_undocumented": fear["undocumented"],
        "fear_mean_lpr": fear["lpr"],
        "fear_mean_hispanic_citizen": fear["hispanic_citizen"],
        "fear_mean_non_hispanic": fear["non_hispanic"],
        "share_hispanic_knows_removed": knows["knows_detained"]["hispanic"],
        "reporting_rate_cohort": cohort["all"],
        **{f"reporting_rate_cohort_{g}": cohort[g] for g in VICTIM_GROUPS},
        **{f"realized_reporting_{g}": _ratio(flows[f"victimizations_reported_{g}"], flows[f"victimizations_{g}"])
           for g in VICTIM_GROUPS},
        "realized_reporting_violent": _ratio(flows["crimes_reported_violent"], flows["crimes_violent"]),
        "realized_reporting_property": _ratio(flows["crimes_reported_property"], flows["crimes_property"]),
        "victimization_rate_undocumented": per_1000["undocumented"],
        "victimization_rate_hispanic_citizen": per_1000["hispanic_citizen"],
        **{f"clearance_rate_{g}": _ratio(flows[f"crimes_cleared_{g}"], flows[f"victimizations_reported_{g}"])
           for g in VICTIM_GROUPS},
        **{f"chilled_share_{g}": chilled[g] for g in CHILL_GROUPS},
        "fear_mean_hispanic": fear["hispanic"],
        **{f"fear_channel_{c}_hispanic": channels[c] for c in CHANNELS},
        "share_hispanic_adults_knows_detained": knows["knows_detained"]["hispanic_adults"],
        "share_hispanic_adults_knows_detained_close": knows["knows_detained_close"]["hispanic_adults"],
        "share_hispanic_adults_knows_undocumented": knows["knows_undocumented"]["hispanic_adults"],
        "residents_present": size["all"],
        "undocumented_present": size["undocumented"],
    }


class EventLog:
    """Pathway events, one row each, kept as plain tuples until asked for."""

    def __init__(self):
        self.rows = []
        self.counts = {}  # (stage, offense) -> events so far

    def count(self, stage: str, offenses=None) -> int:
        """Events so far at a stage, optionally only those whose offense is one of ``offenses``."""
        return sum(n for (s, off), n in self.counts.items() if s == stage and (offenses is None or off in offenses))

    def add(self, model, stage, resident, offense=None, door=None, rule=None) -> None:
        """One event. ``door``: how ICE took the person (detentions, removals); ``rule``: the named
        rule that decided it (the regime's priority for a detainer or detention, the county policy's
        rule for a hold or a release)."""
        level = sc_level(model.record[resident])
        offense_name = None if offense is None else OFFENSE_NAMES[int(offense)]
        self.counts[stage, offense_name] = self.counts.get((stage, offense_name), 0) + 1
        self.rows.append((model.week, resident, stage, offense_name,
                          LEVEL_NAMES[level], Status(int(model.status[resident])).name.lower(),
                          bool(model.hispanic[resident]),
                          "female" if model.female[resident] else "male",
                          bool(model.parent_of_citizen_child[resident]), door, rule))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(EVENT_COLUMNS))
        df["stage"] = pd.Categorical(df["stage"], categories=STAGES)
        df["week"] = df["week"].astype(np.int64)
        df["resident_id"] = df["resident_id"].astype(np.int64)
        return df
