"""The calibration targets' statistics: one function per target, each a pure function of runs.

``experiments/targets.toml`` says, for every target (C1-C13), which function computes it, in which
county types and over which window of weeks, and what the published value and tolerance are
(``experiments.calibration.targets`` reads it). A statistic takes the runs of its counties (``Run``:
the weekly reporters, the event log and the county as built) and the window, and returns a float
(NaN when the runs hold nothing to measure, e.g. no booking in the window). Runs of several
counties or replications are pooled: ratios are ratios of summed counts, shares of states are means.

Weeks: row ``w`` of a run's weekly table is what the model reported after week ``w`` (row 0: the
county as built). The program is active from the activation week ``A`` on, so "before" is weeks
1 to A - 1 and the window ``[a, b]`` is weeks A + a to A + b - 1.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents.codes import WEEKS_PER_YEAR, Status

# --- runs ---------------------------------------------------------------------------------------------------
# The reporters the statistics read; a sweep that measures targets keeps these (and the event log).
REPORTERS_USED = ("arrests", "bookings", "ident_matches", "detainers_issued", "detainers_honored", "ice_pickups",
                  "removals", "crimes_violent", "crimes_property", "crimes_reported_violent",
                  "crimes_reported_property", "crimes_cleared_violent", "crimes_cleared_property",
                  "victimizations_undocumented", "victimizations_reported_undocumented",
                  "share_hispanic_adults_knows_undocumented", "chilled_share_undocumented", "chilled_share_hispanic",
                  "chilled_share_hispanic_us_born", "chilled_share_hispanic_second_generation",
                  "chilled_share_hispanic_third_generation")


@dataclass
class Run:
    """What a statistic needs from one run.

    weekly: one row per week from 0 (as built) to the last week run, in order, with the reporters in
    ``REPORTERS_USED``. events: the pathway event log (``week``, ``stage``, ``sex`` at least).
    status, female, adult: the residents as built (``model.status`` and so on).
    """

    county: str
    activation_week: int
    weekly: pd.DataFrame
    events: pd.DataFrame
    status: np.ndarray
    female: np.ndarray
    adult: np.ndarray

    @classmethod
    def from_model(cls, model, county: str) -> "Run":
        dc = model.datacollector
        weekly = pd.DataFrame({k: dc.model_vars[k] for k in REPORTERS_USED})
        ev = model.event_log()
        return cls(county, int(model.params.activation_week), weekly, ev[["week", "stage", "sex"]],
                   np.asarray(model.status).copy(), np.asarray(model.female).copy(), np.asarray(model.adult).copy())

    @property
    def last_week(self) -> int:
        return len(self.weekly) - 1

    def weeks(self, window) -> tuple:
        """The weeks [first, last) of a window in this run."""
        a = self.activation_week
        if window == "before":
            first, last = 1, a
        elif window == "build":
            first, last = 0, 1
        else:
            first, last = a + window[0], a + window[1]
        if last - 1 > self.last_week:
            raise ValueError(f"a run of {self.last_week} weeks cannot measure window {window!r} (activation week {a}:"
                             f" needs week {last - 1})")
        if last <= first:
            raise ValueError(f"window {window!r} is empty with activation week {a}")
        return first, last


def _flow(runs, window, name) -> float:
    """A weekly flow summed over the window's weeks and over the runs."""
    total = 0.0
    for r in runs:
        first, last = r.weeks(window)
        total += float(r.weekly[name].iloc[first:last].sum())
    return total


def _state(runs, window, name) -> float:
    """A weekly state reporter averaged over the window's weeks, then over the runs."""
    values = []
    for r in runs:
        first, last = r.weeks(window)
        values.append(float(np.nanmean(r.weekly[name].iloc[first:last].to_numpy(dtype=float))))
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else math.nan


def _years(runs, window, who=None) -> float:
    """Person-years in the window, summed over the runs: residents as built (or those ``who(run)`` selects)
    times the window's length in years."""
    total = 0.0
    for r in runs:
        first, last = r.weeks(window)
        people = len(r.status) if who is None else int(who(r).sum())
        total += people * (last - first) / WEEKS_PER_YEAR
    return total


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


# --- one function per target --------------------------------------------------------------------------------
def match_given_booked(runs, window) -> float:
    """C1: IDENT matches over bookings."""
    return _ratio(_flow(runs, window, "ident_matches"), _flow(runs, window, "bookings"))


def detainer_given_match(runs, window) -> float:
    """C2: detainers issued over IDENT matches."""
    return _ratio(_flow(runs, window, "detainers_issued"), _flow(runs, window, "ident_matches"))


def pickup_given_honored(runs, window) -> float:
    """C3: ICE pickups over detainers the jail honored (ICE's own failure to come, not the jail's refusal)."""
    return _ratio(_flow(runs, window, "ice_pickups"), _flow(runs, window, "detainers_honored"))


def arrests_per_100k(runs, window) -> float:
    """C4: arrests per 100,000 residents per year."""
    return _ratio(_flow(runs, window, "arrests") * 100_000, _years(runs, window))


def male_share_of_arrests(runs, window) -> float:
    """C4: men's share of the arrests in the window (event log)."""
    men = total = 0
    for r in runs:
        first, last = r.weeks(window)
        ev = r.events
        arrests = ev[(ev["stage"] == "arrest") & (ev["week"] >= first) & (ev["week"] < last)]
        total += len(arrests)
        men += int((arrests["sex"] == "male").sum())
    return _ratio(men, total)


def violent_victimization_per_1000(runs, window) -> float:
    """C5: violent victimizations per 1,000 residents per year. BJS counts persons 12 and older; the model
    has no ages beyond adult and child and picks victims among all residents, so the like-for-like
    denominator is every resident (see docs/calibration.md)."""
    return _ratio(_flow(runs, window, "crimes_violent") * 1000, _years(runs, window))


def reported_share_violent(runs, window) -> float:
    """C6: share of violent victimizations reported to the police."""
    return _ratio(_flow(runs, window, "crimes_reported_violent"), _flow(runs, window, "crimes_violent"))


def reported_share_property(runs, window) -> float:
    """C6: share of property victimizations reported to the police."""
    return _ratio(_flow(runs, window, "crimes_reported_property"), _flow(runs, window, "crimes_property"))


def reported_share_undocumented(runs, window) -> float:
    """C7: share of the crimes undocumented victims suffer that they report."""
    return _ratio(_flow(runs, window, "victimizations_reported_undocumented"),
                  _flow(runs, window, "victimizations_undocumented"))


def clearance_violent(runs, window) -> float:
    """C8: reported violent crimes cleared."""
    return _ratio(_flow(runs, window, "crimes_cleared_violent"), _flow(runs, window, "crimes_reported_violent"))


def clearance_property(runs, window) -> float:
    """C8: reported property crimes cleared."""
    return _ratio(_flow(runs, window, "crimes_cleared_property"), _flow(runs, window, "crimes_reported_property"))


def knows_undocumented(runs, window) -> float:
    """C9: share of Hispanic adults with an undocumented person among household, friends or acquaintances."""
    return _state(runs, window, "share_hispanic_adults_knows_undocumented")


def male_share_undocumented_adults(runs, window) -> float:
    """C10: men among undocumented adults, as built (``window`` must be "build")."""
    if window != "build":
        raise ValueError(f"men among undocumented adults is measured at build, not over {window!r}")
    men = total = 0
    for r in runs:
        undocumented_adults = (r.status == Status.UNDOCUMENTED) & r.adult.astype(bool)
        total += int(undocumented_adults.sum())
        men += int((undocumented_adults & ~r.female.astype(bool)).sum())
    return _ratio(men, total)


def chilled_undocumented(runs, window) -> float:
    """C11: share of undocumented residents in the chilled state."""
    return _state(runs, window, "chilled_share_undocumented")


def chilled_hispanic(runs, window) -> float:
    """C11: share of Hispanic residents in the chilled state."""
    return _state(runs, window, "chilled_share_hispanic")


def chilled_hispanic_us_born(runs, window) -> float:
    """C11: share of US-born Hispanic residents in the chilled state."""
    return _state(runs, window, "chilled_share_hispanic_us_born")


def chill_generation_ratio(runs, window) -> float:
    """C13: the chilled share of US-born Hispanic adults with an immigrant parent (the second generation)
    over that of US-born Hispanic adults without one (third generation or higher), each averaged over the
    window and the runs. A county-wide signal reaches both alike; only fear carried by ties to immigrants
    makes the ratio exceed 1."""
    return _ratio(_state(runs, window, "chilled_share_hispanic_second_generation"),
                  _state(runs, window, "chilled_share_hispanic_third_generation"))


def removals_per_undocumented_year(runs, window) -> float:
    """C12: removals through every door in the window, per undocumented resident (as built) per year."""
    years = _years(runs, window, who=lambda r: r.status == Status.UNDOCUMENTED)
    return _ratio(_flow(runs, window, "removals"), years)


STATISTICS = {f.__name__: f for f in (
    match_given_booked, detainer_given_match, pickup_given_honored, arrests_per_100k, male_share_of_arrests,
    violent_victimization_per_1000, reported_share_violent, reported_share_property, reported_share_undocumented,
    clearance_violent, clearance_property, knows_undocumented, male_share_undocumented_adults, chilled_undocumented,
    chilled_hispanic, chilled_hispanic_us_born, chill_generation_ratio, removals_per_undocumented_year)}


def compute(targets, runs_by_county: dict) -> dict:
    """Each target's statistic, pooled over the runs of its counties: {target id: value}."""
    out = {}
    for t in targets:
        runs = [r for c in t.counties for r in runs_by_county.get(c, [])]
        if not runs:
            raise ValueError(f"target {t.id}: no runs of {list(t.counties)}")
        out[t.id] = float(STATISTICS[t.statistic](runs, t.window))
    return out
