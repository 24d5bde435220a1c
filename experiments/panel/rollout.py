"""When Secure Communities reaches each county: the panel's calendar and the rollout rule.

The calendar: simulated week ``w`` (1, 2, ...) covers the seven days from ``start + 7 (w - 1)``;
quarter ``q`` (1, 2, ...) is weeks ``13 (q - 1) + 1`` to ``13 q``. A date maps to the week that
contains it.

The rule (``rule = "hispanic"``): each county gets a score

    score = z(log Hispanic residents) + border_bonus * border + noise * e,   e ~ N(0, 1)

and counties are activated in descending order of the score, at an even pace over the weeks from
``window_start`` to ``window_end`` (Oct 2008 to Jan 2013 by default): the county ranked ``r`` of
``N`` (0 first) gets week ``w0 + floor(r (w1 - w0 + 1) / N)``. Early activation of counties with a
large Hispanic population, border counties first, is what Cox & Miles (2013) document; the weights
and the noise are assumptions (docs/panel.md). ``rule = "random"`` keeps the same pace with the
score ``e`` alone, for comparison; ``rule = "table"`` takes the weeks (or dates) from the table.
"""

import datetime as dt

import numpy as np
import pandas as pd

from agents.codes import WEEKS_PER_YEAR

RULES = ("hispanic", "random", "table")
WEEKS_PER_QUARTER = WEEKS_PER_YEAR // 4  # 13


def week_of(date, start) -> int:
    """The simulated week containing ``date`` (week 1 starts on ``start``)."""
    d, s = (x if isinstance(x, dt.date) else dt.date.fromisoformat(str(x)) for x in (date, start))
    return (d - s).days // 7 + 1


def date_of(week: int, start) -> dt.date:
    """The first day of simulated week ``week``."""
    s = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    return s + dt.timedelta(days=7 * (int(week) - 1))


def quarter_of(week):
    """The 13-week quarter (1, 2, ...) of a week (1, 2, ...)."""
    return (np.asarray(week) - 1) // WEEKS_PER_QUARTER + 1


def rollout_score(table: pd.DataFrame, rule: str, rng: np.random.Generator, noise: float = 1.0,
                  border_bonus: float = 1.0) -> np.ndarray:
    """Each county's score (higher = earlier) under ``rule``."""
    e = rng.normal(size=len(table))
    if rule == "random":
        return e
    hispanic = np.log1p(table["population"].to_numpy() * table["hispanic_share"].to_numpy())
    sd = hispanic.std()
    z = (hispanic - hispanic.mean()) / sd if sd > 0 else np.zeros(len(table))
    return z + border_bonus * table["border"].to_numpy(dtype=np.float64) + noise * e


def activation_weeks(table: pd.DataFrame, rule: str, start, window_start, window_end, seed_sequence,
                     noise: float = 1.0, border_bonus: float = 1.0) -> np.ndarray:
    """The activation week of every county (same order as ``table``).

    ``seed_sequence``: a ``numpy.random.SeedSequence`` for the noise (the panel derives it from its
    root seed), so the order depends on the spec alone.
    """
    if rule not in RULES:
        raise ValueError(f"rollout rule must be one of {RULES}, got {rule!r}")
    if rule == "table":
        if table["activation_date"].notna().any():
            dates = table["activation_date"]
            if dates.isna().any():
                raise ValueError(f"rollout rule 'table': {int(dates.isna().sum())} counties have no activation_date")
            weeks = np.array([week_of(d, start) for d in dates], dtype=np.int64)
            early = np.flatnonzero(weeks < 0)
            if len(early):
                from .counties import CountyTableError

                i = early[0]
                raise CountyTableError(f"county_id {table['county_id'].iloc[i]}, activation_date: {dates.iloc[i]} is "
                                       f"before the panel starts ({start}); give a date from {date_of(0, start)} on "
                                       f"(week 0: active from the start), or a later start_date")
            return weeks
        weeks = table["activation_week"]
        if weeks.isna().any():
            raise ValueError(f"rollout rule 'table': {int(weeks.isna().sum())} counties have no activation week "
                             "(give activation_week or activation_date for every county, or use rule 'hispanic')")
        return weeks.to_numpy(dtype=np.int64)
    w0, w1 = week_of(window_start, start), week_of(window_end, start)
    if w1 < w0:
        raise ValueError(f"rollout window ends ({window_end}) before it starts ({window_start})")
    score = rollout_score(table, rule, np.random.default_rng(seed_sequence), noise, border_bonus)
    order = np.lexsort((table["county_id"].to_numpy(), -score))  # ties broken by county id
    rank = np.empty(len(table), dtype=np.int64)
    rank[order] = np.arange(len(table))
    return w0 + (rank * (w1 - w0 + 1)) // len(table)
