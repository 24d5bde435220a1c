"""Where the page shows each observation of the lesson (docs/classroom.md, O1 to O13), with the
figures it rests on for the county on screen, computed from the model's state this week.

The page prints what the lesson asks students to look at, never the lesson's verdict: whether an
observation holds is for the class to judge (and for ``tests/test_classroom.py`` to check on the
lesson's settings). Each ``Observation`` is a row of data: its number, where on the page to look,
and a function of (county, no-program twin) that says what this county shows.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agents.codes import Custody

from . import tally


@dataclass(frozen=True)
class Observation:
    number: int
    look: str  # where on the page
    reads: Callable  # (county, no-program twin) -> text


def _n(model, name: str) -> int:
    return int(model.metrics[name])


def _change(model, name: str) -> float:
    """A weekly series' change since week 0, in % of its week-0 value."""
    values = model.datacollector.model_vars[name]
    return 100.0 * (values[-1] / values[0] - 1.0) if values and values[0] else float("nan")


def _first_week(model, name: str) -> int | None:
    weeks = np.flatnonzero(np.asarray(model.datacollector.model_vars[name], dtype=float) > 0)
    return int(weeks[0]) if len(weeks) else None


def _o2(m, _):
    first = _first_week(m, "ident_matches")
    start = f"first fingerprint match in week {first}" if first is not None else "no fingerprint match yet"
    arrival = f"program arrived in week {m.params.activation_week}" if m.params.sharing_active else "no program"
    return f"{start} ({arrival}); detainers so far {_n(m, 'detainers_issued_cumulative'):,}"


def _o4(m, _):
    held = int((m.custody == Custody.HELD).sum())
    return (f"declined {_n(m, 'detainers_declined_cumulative'):,} of {_n(m, 'detainers_issued_cumulative'):,} "
            f"detainers ({held} held on one now); picked up at the jail {_n(m, 'ice_pickups_cumulative'):,}; removed "
            f"at large {_n(m, 'removals_at_large_cumulative'):,}, by ICE's own operations "
            f"{_n(m, 'removals_background_cumulative'):,}; undocumented residents' mean fear "
            f"{m.metrics['fear_mean_undocumented']:.2f}")


def _o7(m, _):
    groups = (("undocumented", "undocumented"), ("lpr", "lawful permanent residents"),
              ("hispanic_citizen", "Hispanic citizens"), ("non_hispanic", "non-Hispanic"))
    return "mean fear now: " + ", ".join(f"{words} {m.metrics[f'fear_mean_{g}']:.2f}" for g, words in groups)


def _o8(m, _):
    groups = (("undocumented", "undocumented"), ("hispanic_citizen", "Hispanic citizens"),
              ("non_hispanic", "non-Hispanic"))
    return "chance of reporting a crime since week 0: " + ", ".join(
        f"{words} {_change(m, f'reporting_rate_{g}'):+.0f}%" for g, words in groups)


def _o10(m, _):
    near, far = tally.fear_near_and_far(m)["near"], tally.fear_near_and_far(m)["far"]
    text = (f"undocumented residents with a family or friendship tie to someone removed: {near[0]:,}, mean fear "
            f"{near[1]:.2f}; without one: {far[0]:,}, mean fear {far[1]:.2f}")
    return text.replace("mean fear nan", "none yet")


OBSERVATIONS = (
    Observation(1, "readout, the no-program column", lambda m, base: (
        f"arrests {_n(m, 'arrests_cumulative'):,} here and {_n(base, 'arrests_cumulative'):,} with no program; "
        f"with no program, matches {_n(base, 'ident_matches_cumulative')} and detainers "
        f"{_n(base, 'detainers_issued_cumulative')}")),
    Observation(2, "funnel plot (the dotted red line)", _o2),
    Observation(3, "readout: matches, detainers (add up the class)", lambda m, _: (
        f"matches {_n(m, 'ident_matches_cumulative'):,}, detainers {_n(m, 'detainers_issued_cumulative'):,} so far")),
    Observation(4, "readout: the pathway and ICE's doors", _o4),
    Observation(5, "readout: declined, removals through the jail", lambda m, _: (
        f"declined {_n(m, 'detainers_declined_cumulative'):,}; removals through the jail "
        f"{_n(m, 'removals_sc_cumulative'):,} of {_n(m, 'removals_cumulative'):,} in all")),
    Observation(6, "readout: picked up after a traffic or public-order arrest", lambda m, _: (
        f"picked up after a traffic or public-order arrest {tally.minor_charge_pickups(m)}, of them "
        f"{tally.minor_charge_pickups_with_serious_record(m)} with a record of serious or violent crime")),
    Observation(7, "fear plot", _o7),
    Observation(8, "reporting plot", _o8),
    Observation(9, "readout: reporting, the no-program column", lambda m, base: (
        f"undocumented residents' chance of reporting since week 0: {_change(m, 'reporting_rate_undocumented'):+.0f}% "
        f"here, {_change(base, 'reporting_rate_undocumented'):+.0f}% with no program")),
    Observation(10, "graph: deep colours, near and far from the hollow dots", _o10),
    Observation(11, "readout: citizen children separated", lambda m, _: (
        f"citizen children separated from a parent so far {_n(m, 'separated_citizen_children_cumulative'):,}")),
    Observation(12, "families plot, readout", lambda m, _: (
        f"families separated {_n(m, 'separated_households_cumulative'):,} by "
        f"{_n(m, 'removals_cumulative'):,} removals so far")),
    Observation(13, "families plot (compare presets; add up the class)", lambda m, _: (
        f"citizen children separated so far {_n(m, 'separated_citizen_children_cumulative'):,}")),
)


def lesson_rows(counties) -> list[tuple[int, str, list[str]]]:
    """(observation number, where to look, what each shown county shows) for the page."""
    return [(o.number, o.look, [o.reads(m, counties.baseline) for m in counties.shown]) for o in OBSERVATIONS]
