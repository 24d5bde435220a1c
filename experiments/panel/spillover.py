"""Fear across county lines: each county's news of enforcement in the other counties of its state.

Hispanic residents of a county the program has not reached yet hear of detentions in nearby
counties it has reached. The panel gives every county the model input ``outside_news`` (detentions
per 1,000 Hispanic residents a week heard about from outside the county) from the rollout alone:

    level(c, w) = weight x (share of the Hispanic residents of c's state, c itself excluded,
                            who live in counties activated by week w)

(``scope = "nation"``: of the whole panel instead of the state; a table without a ``state``
column is one nation). The level is held for each 13-week quarter at its value in the quarter's
first week, so it changes at most once a quarter, and is written as the model's schedule string
(``"0;0.0042@66;0.0121@79"``). It depends on the activation weeks only, never on another county's
run, so the counties stay independent tasks and the panel is the same on every executor. The
treated run and the twin get the same string: the twin's truth is then the county's own effect,
holding its surroundings' enforcement as it was.

The shares are over the counties of the panel (after ``[counties] sample``), weighted by their
real Hispanic residents (``population x hispanic_share``).
"""

import numpy as np
import pandas as pd

from model.constraints import Timeline
from model.parameters import PARAMETER_TABLE

from .counties import CountyTableError
from .rollout import WEEKS_PER_QUARTER

SCOPES = ("state", "nation")
SIGNIFICANT_DIGITS = 6  # levels are written with this many significant digits


def groups(table: pd.DataFrame, scope: str) -> np.ndarray:
    """Each county's group (an integer code): its state, or one group for the nation (also when the
    table has no ``state`` column). A county with a blank state cannot be placed."""
    if scope not in SCOPES:
        raise ValueError(f"spillover scope must be one of {SCOPES}, got {scope!r}")
    if scope == "nation" or "state" not in table.columns:
        return np.zeros(len(table), dtype=np.int64)
    state = table["state"].astype(str).str.strip()
    blank = state == ""
    if blank.any():
        ids = table.loc[blank, "county_id"].head(5).tolist()
        raise CountyTableError(f"county_id {', '.join(map(str, ids))}: no state, and spillover.scope = 'state' "
                               "needs one for every county (leave the column out, or use scope 'nation', for one "
                               "nation)")
    return pd.factorize(state)[0].astype(np.int64)


def activated_share(hispanic, group, activation_week, weeks) -> np.ndarray:
    """``share[i, k]``: of the Hispanic residents of county i's group other than i's own, the share who
    live in counties activated by week ``weeks[k]`` (activation week <= weeks[k]); 0 where the group has
    no other Hispanic residents."""
    hispanic = np.asarray(hispanic, dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    active = np.asarray(activation_week)[:, None] <= np.asarray(weeks)[None, :]
    mass = hispanic[:, None] * active
    by_group = np.zeros((group.max() + 1 if len(group) else 0, active.shape[1]))
    np.add.at(by_group, group, mass)
    others = np.bincount(group, weights=hispanic)[group] - hispanic
    others_active = by_group[group] - mass
    share = np.divide(others_active, others[:, None], out=np.zeros_like(others_active),
                      where=others[:, None] > 0)
    return np.clip(share, 0.0, 1.0)


def quarter_starts(weeks: int) -> np.ndarray:
    """The first week of every quarter the panel touches (1, 14, 27, ...), a trailing part-quarter included."""
    return np.arange(1, weeks + 1, WEEKS_PER_QUARTER, dtype=np.int64)


def quarterly_levels(table: pd.DataFrame, weight: float, scope: str, weeks: int) -> np.ndarray:
    """counties x quarters: each county's outside news level in each quarter of the panel (its value in
    the quarter's first week), rounded to ``SIGNIFICANT_DIGITS`` significant digits."""
    starts = quarter_starts(weeks)
    if weight == 0:
        return np.zeros((len(table), len(starts)))
    hispanic = table["population"].to_numpy(np.float64) * table["hispanic_share"].to_numpy(np.float64)
    share = activated_share(hispanic, groups(table, scope), table["activation_week"].to_numpy(np.int64), starts)
    level = weight * share
    return np.vectorize(lambda x: float(f"{x:.{SIGNIFICANT_DIGITS}g}"), otypes=[np.float64])(level)


def schedule(levels, weeks: int) -> str:
    """The model's ``outside_news`` for one county's quarterly levels: each level from its quarter's
    first week (the first from week 0), written only where it changes."""
    steps, last = [], None
    for start, level in zip(quarter_starts(weeks), levels, strict=True):
        if level != last:
            steps.append((0 if not steps else int(start), float(level)))
            last = level
    return PARAMETER_TABLE["outside_news"].check(Timeline(tuple(steps)) if steps else "0")


def level_by_week(text: str, weeks) -> np.ndarray:
    """The level of an ``outside_news`` schedule in force in each of ``weeks``."""
    return PARAMETER_TABLE["outside_news"].parse(text).at_weeks(weeks)


def spillover_columns(table: pd.DataFrame, weight: float, scope: str, weeks: int) -> pd.DataFrame:
    """The design's spillover columns: ``outside_news`` (the model's schedule), ``spillover_mean`` (the
    mean weekly level over the panel's weeks) and ``spillover_before`` (over the weeks before the
    county's own activation, while it is a control; NaN if it is activated in week 1 or before)."""
    levels = quarterly_levels(table, weight, scope, weeks)
    by_week = np.repeat(levels, WEEKS_PER_QUARTER, axis=1)[:, :weeks]  # weeks 1 .. weeks
    week = np.arange(1, weeks + 1)
    before = week[None, :] < table["activation_week"].to_numpy(np.int64)[:, None]
    n_before = before.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_before = np.where(n_before > 0, (by_week * before).sum(axis=1) / np.maximum(n_before, 1), np.nan)
    return pd.DataFrame({"outside_news": [schedule(row, weeks) for row in levels],
                         "spillover_mean": by_week.mean(axis=1), "spillover_before": mean_before},
                        index=table.index)
