"""What the model reports each week (one shared vocabulary) and its event log."""

import numpy as np
import pandas as pd

from agents.codes import DOORS, LEVEL_NAMES, OFFENSE_NAMES, Custody, Status, sc_level

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
)
REPORTERS = FLOWS + STATE + tuple(f"{name}_cumulative" for name in FLOWS)

STAGES = ("arrest", "booking", "match", "detainer", "honored", "declined", "turned_away", "lapsed", "pickup",
          "at_large_arrest", "background_arrest", "removal", "relief", "citizen_release", "separation",
          "reunification", "re_entry")
EVENT_COLUMNS = ("week", "resident_id", "stage", "offense", "priority_level", "status",
                 "hispanic", "sex", "parent_of_citizen_child", "door", "rule")


def _mean(values, mask) -> float:
    count = int(mask.sum())
    return float(values[mask].sum() / count) if count else float("nan")


def population_groups(model) -> dict:
    """Boolean masks of the reporting groups among residents still in the county."""
    present = model.custody != Custody.REMOVED
    citizen = (model.status == Status.US_BORN) | (model.status == Status.NATURALIZED)
    return {
        "all": present,
        "hispanic": present & model.hispanic,
        "undocumented": present & (model.status == Status.UNDOCUMENTED),
        "lpr": present & (model.status == Status.LPR),
        "hispanic_citizen": present & model.hispanic & citizen,
        "non_hispanic": present & ~model.hispanic,
    }


def weekly_state(model, report_prob, knows_removed, victims_hispanic, victims_other) -> dict:
    """The STATE reporters for this week."""
    groups = population_groups(model)
    fear = model.fear
    cleared, reported = model.flows["crimes_cleared"], model.flows["crimes_reported"]
    n_hisp, n_other = int(groups["hispanic"].sum()), int(groups["non_hispanic"].sum())
    return {
        "reporting_rate": _mean(report_prob, groups["all"]),
        "reporting_rate_hispanic": _mean(report_prob, groups["hispanic"]),
        "reporting_rate_undocumented": _mean(report_prob, groups["undocumented"]),
        "reporting_rate_hispanic_citizen": _mean(report_prob, groups["hispanic_citizen"]),
        "reporting_rate_non_hispanic": _mean(report_prob, groups["non_hispanic"]),
        "clearance_rate": cleared / reported if reported else float("nan"),
        "victimization_rate_hispanic": victims_hispanic * 52_000 / n_hisp if n_hisp else float("nan"),
        "victimization_rate_non_hispanic": victims_other * 52_000 / n_other if n_other else float("nan"),
        "fear_mean_undocumented": _mean(fear, groups["undocumented"]),
        "fear_mean_lpr": _mean(fear, groups["lpr"]),
        "fear_mean_hispanic_citizen": _mean(fear, groups["hispanic_citizen"]),
        "fear_mean_non_hispanic": _mean(fear, groups["non_hispanic"]),
        "share_hispanic_knows_removed": _mean(knows_removed, groups["hispanic"]),
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
