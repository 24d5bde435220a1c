"""What the panel keeps each week, and the quarterly outcomes built from it.

Weekly, each county keeps a few model reporters (``WEEKLY``), for the run with the program and for
its twin without. Quarterly outcomes are built from sums of weekly counts (then a ratio or a rate
per 1,000 residents a year), or from the mean of a weekly state where the model reports a
population share. Sums over 13 weeks are far less noisy than weekly ratios, which in a small county
are often 0/0.
"""

from dataclasses import dataclass

import numpy as np

from agents.codes import WEEKS_PER_YEAR
from model.reporters import label as reporter_label

from .rollout import WEEKS_PER_QUARTER

CONVICTED = ("level1", "level2", "level3")  # Secure Communities levels: a conviction on the record
NOT_CONVICTED = ("noncriminal",)            # no conviction on the record
WEEKLY_FLOWS = ("victimizations_hispanic", "victimizations_reported_hispanic", "crimes", "crimes_reported",
                "crimes_cleared", "removals", "separated_households", "detainers_issued", "arrests",
                *(f"removals_{k}" for k in CONVICTED + NOT_CONVICTED),
                *(f"detainers_{k}" for k in CONVICTED + NOT_CONVICTED))
WEEKLY_STATES = ("reporting_rate_hispanic", "reporting_rate_cohort_hispanic", "victimization_rate_hispanic",
                 "share_hispanic_adults_knows_detained", "chilled_share_hispanic",
                 "share_hispanic_adults_knows_detained_close")
WEEKLY = WEEKLY_FLOWS + WEEKLY_STATES
YEAR_OVER_QUARTER = WEEKS_PER_YEAR / WEEKS_PER_QUARTER


@dataclass(frozen=True)
class Outcome:
    """A quarterly outcome: ``ratio`` of two weekly sums, ``rate`` (a weekly sum per 1,000 residents a
    year), or ``mean`` of a weekly state. Its name in words is its reporter's (``model.reporters``): the
    reporter it is built from, or ``named_by`` (the weekly ratio it sums up)."""

    name: str
    kind: str
    source: str | tuple
    denominator: str | None = None
    unit: str = ""
    named_by: str | None = None
    text: str | None = None  # a label of its own, for a sum of reporters (``source`` a tuple)
    observable: bool = True  # False: a latent quantity no study observes (a mean probability, a model state)

    @property
    def label(self) -> str:
        return self.text or reporter_label(self.named_by or self.source)

    @property
    def sources(self) -> tuple:
        return self.source if isinstance(self.source, tuple) else (self.source,)


OUTCOMES = {o.name: o for o in (
    Outcome("reporting_hispanic", "ratio", "victimizations_reported_hispanic", "victimizations_hispanic",
            "reported / suffered, quarter", named_by="realized_reporting_hispanic"),
    Outcome("reporting_propensity_hispanic", "mean", "reporting_rate_hispanic", None, "mean chance, quarter",
            observable=False),
    Outcome("victimization_hispanic", "mean", "victimization_rate_hispanic", None,
            "per 1,000 Hispanic residents a year", observable=False),
    Outcome("crime_rate", "rate", "crimes", None, "per 1,000 residents a year"),
    Outcome("reported_crime_rate", "rate", "crimes_reported", None, "per 1,000 residents a year"),
    Outcome("clearance_rate", "ratio", "crimes_cleared", "crimes_reported", "cleared / reported",
            named_by="clearance_rate"),
    Outcome("removal_rate", "rate", "removals", None, "per 1,000 residents a year"),
    Outcome("separation_rate", "rate", "separated_households", None, "per 1,000 residents a year"),
    Outcome("detainer_rate", "rate", "detainers_issued", None, "per 1,000 residents a year"),
    Outcome("arrest_rate", "rate", "arrests", None, "per 1,000 residents a year"),
    Outcome("removal_rate_convicted", "rate", tuple(f"removals_{k}" for k in CONVICTED), None,
            "per 1,000 residents a year", text="Removals of people with a conviction (Levels 1-3)"),
    Outcome("removal_rate_noncriminal", "rate", "removals_noncriminal", None, "per 1,000 residents a year"),
    Outcome("detainer_rate_convicted", "rate", tuple(f"detainers_{k}" for k in CONVICTED), None,
            "per 1,000 residents a year", text="Detainers on people with a conviction (Levels 1-3)"),
    Outcome("detainer_rate_noncriminal", "rate", "detainers_noncriminal", None, "per 1,000 residents a year"),
    Outcome("knows_detained_hispanic", "mean", "share_hispanic_adults_knows_detained", None, "share, quarter mean"),
    Outcome("knows_detained_close_hispanic", "mean", "share_hispanic_adults_knows_detained_close", None,
            "share, quarter mean"),
    Outcome("chilled_hispanic", "mean", "chilled_share_hispanic", None, "share, quarter mean", observable=False),
)}


def quarters(weeks: int) -> int:
    """Whole quarters in ``weeks`` (a trailing part-quarter is left out of the quarterly panel)."""
    return weeks // WEEKS_PER_QUARTER


def quarterly(series: dict, n_residents: int) -> dict:
    """Quarterly outcomes from one run's weekly ``series`` (name -> array over weeks 1..W)."""
    nq = quarters(len(next(iter(series.values()))))
    cut = nq * WEEKS_PER_QUARTER

    def total(names):
        names = names if isinstance(names, tuple) else (names,)
        return sum(np.asarray(series[n][:cut], dtype=np.float64).reshape(nq, WEEKS_PER_QUARTER).sum(axis=1)
                   for n in names)

    out = {}
    for o in OUTCOMES.values():
        if o.kind == "ratio":
            num, den = total(o.source), total(o.denominator)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[o.name] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        elif o.kind == "rate":
            out[o.name] = total(o.source) * YEAR_OVER_QUARTER * 1000 / n_residents
        else:
            x = np.asarray(series[o.source][:cut], dtype=np.float64).reshape(nq, WEEKS_PER_QUARTER)
            ok = np.isfinite(x)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[o.name] = np.where(ok.any(axis=1), np.where(ok, x, 0).sum(axis=1) / ok.sum(axis=1), np.nan)
    return out
