"""County detainer policies and ICE priority regimes, held as data: tables of named rules.

A **rule** is a name, a test over a ``Case`` (a person's record, the dates in it and, for a
detainer, the booking charge) and the text of the law it stands for. A **detainer policy** is an
ordered list of (rule, hold?) pairs: the first rule whose test applies decides whether the jail
holds the person for ICE, and its name goes into the event log. A **regime** is an ordered list
of rules: a removable person's priority rank is the position of the first rule that applies
(lower goes first); a person no rule applies to is not a priority and is not pursued.

Record tests are written with ``record[..., COLUMN]`` so the same rule reads one person's row
(the jail, ICE's detainer decision) or a whole population's rows at once (ICE's background
enforcement, vectorized).

Adding a detainer policy touches one place: append a ``DetainerPolicy`` to ``POLICIES`` below (its
rules, in order, ending with a rule that always applies; ``declared`` says whether the county
declares it in public; ``label`` says in words what the jail does). The parameter ``detainer_policy``
then accepts its name, the jail applies it, its rule names appear in the event log, and the reports,
the page and the synthetic nation's county table take its label and name from here; describe it in
docs/ODD.md 7.2 (a test checks that every rule is named there). A regime is added the same way in
``REGIMES``.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .codes import (
    FELONY,
    FINAL_ORDER,
    LEVEL1,
    LEVEL2,
    LEVEL3,
    LISTED_FELONY,
    MISDEMEANOR,
    PRIOR_REMOVAL,
    SERIOUS_VIOLENT,
    SIGNIFICANT_MISDEMEANOR,
    WOBBLER,
    Offense,
    sc_level,
    sc_levels,
    years,
)


@dataclass
class Case:
    """What a rule may look at: record rows (one person's, or many), the week of the latest entry
    in each record column, this week, the booking charge (detainer policies) and the week the
    current ICE regime took effect (regimes)."""

    record: np.ndarray  # a row of model.record, or rows
    when: np.ndarray  # the matching rows of model.record_week
    week: int
    offense: int | None = None
    felony: bool = False
    since: int = 0

    @cached_property
    def level(self):
        """SC-era priority level (one row: an int; many rows: an array)."""
        return sc_level(self.record) if self.record.ndim == 1 else sc_levels(self.record)

    def has(self, column):
        return self.record[..., column] > 0

    def within(self, column, weeks: int):
        """An entry in ``column`` dated within the last ``weeks`` weeks."""
        return self.has(column) & (self.when[..., column] >= self.week - weeks)


@dataclass(frozen=True)
class Rule:
    name: str
    test: object  # Case -> bool (or a bool array for many rows)
    text: str


def _always(case):
    return True


# --- county detainer policies ---

def _low_level_charge(case) -> bool:
    """Hennessey's list: disorderly conduct, drunkenness, shoplifting, open container, minor
    trespass, drug possession: misdemeanor public-order, traffic, property and drug charges."""
    return not case.felony and case.offense in (Offense.PUBLIC_ORDER, Offense.TRAFFIC, Offense.PROPERTY,
                                                 Offense.DRUG)


SERIOUS_VIOLENT_RECORD = Rule("serious_violent_conviction", lambda c: c.has(SERIOUS_VIOLENT),
                              "a prior serious or violent felony conviction")
COOPERATE = Rule("cooperate", _always, "the jail honors detainers")


@dataclass(frozen=True)
class DetainerPolicy:
    """A county's rule for what the jail does with an ICE detainer."""

    name: str
    declared: bool  # declared in public (a salience signal to residents)
    rules: tuple  # ((Rule, hold: bool), ...) in order; the last rule always applies
    source: str
    label: str  # what the jail does, in words, for reports and the page
    not_expressed: tuple = field(default=())  # parts of the law the model's record cannot express

    def __post_init__(self):
        if not self.rules or self.rules[-1][0].test is not _always:
            raise ValueError(f"detainer policy {self.name!r} must end with a rule that always applies")

    @property
    def limits_cooperation(self) -> bool:
        """Whether some rule of the policy declines a detainer (full cooperation declines none)."""
        return any(not hold for _, hold in self.rules)

    def decide(self, case: Case) -> tuple[bool, str]:
        """(hold?, name of the rule that decided)."""
        for rule, hold in self.rules:
            if rule.test(case):
                return hold, rule.name
        raise AssertionError("unreachable: the last rule always applies")


POLICIES = {p.name: p for p in (
    DetainerPolicy("full", declared=False, rules=((COOPERATE, True),),
                   source="TRAC report 330, 2013: detainers are requests; most jails honor them",
                   label="honor every detainer"),
    DetainerPolicy("hennessey", declared=True, rules=(
        (SERIOUS_VIOLENT_RECORD, True),
        (Rule("low_level_charge", _low_level_charge,
              "booked on a low-level charge (misdemeanor public order, traffic, shoplifting, drug possession)"), False),
        (Rule("not_low_level", _always, "any other charge"), True),
    ), source="San Francisco sheriff Hennessey, June 2011 (SF Examiner / CBS SF / KQED, May 2011)",
        label="release minor offenders (Hennessey)"),
    DetainerPolicy("trust_act", declared=True, rules=(
        (SERIOUS_VIOLENT_RECORD, True),  # 7282.5(a)(1); (a)(2) and (a)(6) as the record expresses them
        (Rule("wobbler_within_5_years", lambda c: c.within(WOBBLER, years(5)),
              "a conviction within the past 5 years for a misdemeanor chargeable as a felony"), True),
        (Rule("listed_felony_within_15_years", lambda c: c.within(LISTED_FELONY, years(15)),
              "a conviction within the past 15 years for a listed felony (assault, battery, robbery, "
              "burglary, theft, fraud, DUI, drug sales and others)"), True),
        (Rule("serious_violent_charge", lambda c: bool(c.felony) and c.offense == Offense.VIOLENT,
              "charged with a serious or violent felony, probable cause found by a magistrate"), True),
        (Rule("no_listed_category", _always, "none of the Act's categories"), False),
    ), source="California TRUST Act, AB 4 (2013), Gov. Code 7282.5; Assembly floor analysis, 4 Sep 2013",
        label="hold only in the TRUST Act's categories",
        not_expressed=("current sex or arson registrant (no sex or arson offenses in the model)",
                       "federal aggravated-felony conviction (no federal convictions; the model's "
                       "aggravated felonies are its serious or violent felonies)",
                       "outstanding federal felony arrest warrant (no warrants in the model)")),
    DetainerPolicy("sanctuary", declared=True, rules=(
        (Rule("no_judicial_warrant", _always, "holds only on a judicial warrant, which a detainer is not"),
         False),), source="Miranda-Olivares v. Clackamas County, 2014 (KPBS 2014)", label="honor none (sanctuary)"),
)}
DETAINER_POLICIES = tuple(POLICIES)  # the names the parameter detainer_policy accepts


# --- ICE priority regimes ---

@dataclass(frozen=True)
class Regime:
    """ICE's priorities: an ordered list of rules; rank = the first rule that applies."""

    name: str
    ranks: tuple  # (Rule, ...) highest priority first
    source: str
    discretion: frozenset = frozenset()  # names of the ranks whose cases ICE may close (prosecutorial discretion)
    discretion_source: str = ""

    def __post_init__(self):
        unknown = self.discretion - {rule.name for rule in self.ranks}
        if unknown:
            raise ValueError(f"regime {self.name!r}: discretion names no rank {sorted(unknown)}")

    @property
    def pursues_everyone(self) -> bool:
        """Whether every removable person is a priority (the last rule always applies)."""
        return self.ranks[-1].test is _always

    def rank(self, case: Case) -> tuple[int, str] | None:
        """(rank, rule name) of one person, or None if not a priority."""
        for i, rule in enumerate(self.ranks):
            if rule.test(case):
                return i, rule.name
        return None

    def ranks_of(self, case: Case) -> np.ndarray:
        """Rank of every row of a many-row case; -1 where the person is not a priority."""
        n = len(case.record)
        out = np.full(n, -1, dtype=np.int64)
        for i in range(len(self.ranks) - 1, -1, -1):
            out[np.broadcast_to(self.ranks[i].test(case), (n,))] = i
        return out


def _history(case):
    return case.has(PRIOR_REMOVAL) | case.has(FINAL_ORDER)


def _recent_order(case):
    """PEP's "recent" final orders: issued on or after 1 January 2014, a year before PEP took effect
    (an executed order, a prior removal, counts too: it is reinstated)."""
    start = case.since - years(1)
    return (case.has(PRIOR_REMOVAL) & (case.when[..., PRIOR_REMOVAL] >= start)) | (
        case.has(FINAL_ORDER) & (case.when[..., FINAL_ORDER] >= start))


REGIMES = {r.name: r for r in (
    Regime("sc", (
        Rule("level1", lambda c: c.level == LEVEL1, "an aggravated felony, or 2+ felonies"),
        Rule("level2", lambda c: c.level == LEVEL2, "one felony, or 3+ misdemeanors"),
        Rule("level3", lambda c: c.level == LEVEL3, "misdemeanors"),
        Rule("immigration_violator", _history, "a prior removal or a final order (re-entrant, fugitive)"),
        Rule("noncriminal", _always, "removable, no conviction"),
    ), source="Morton memo, ICE policy 10072.1 (2010/2011)",
        discretion=frozenset({"level3", "noncriminal"}),
        discretion_source="Morton memo of 17 June 2011 on prosecutorial discretion: the lowest priorities"),
    Regime("pep", (
        Rule("p1_felony", lambda c: c.has(FELONY) | c.has(SERIOUS_VIOLENT), "felonies, aggravated felonies"),
        Rule("p2_misdemeanors", lambda c: (c.record[..., MISDEMEANOR] >= 3) | c.has(SIGNIFICANT_MISDEMEANOR),
             "3+ misdemeanors or a significant misdemeanor (DUI, domestic violence)"),
        Rule("p3_recent_order", _recent_order, "a final order of removal issued on or after 1 Jan 2014"),
    ), source="Johnson memo, 20 Nov 2014 (Priority Enforcement Program)",
        discretion=frozenset({"p2_misdemeanors", "p3_recent_order"}),
        discretion_source="Johnson memo, 20 Nov 2014: discretion for lower priorities with compelling factors"),
    Regime("eo2017", (Rule("any_removable", _always, "no class exempted, no order of priority"),),
           source="Executive Order 13768, 25 Jan 2017",
           discretion_source="EO 13768: no class of removable person exempted from enforcement"),
)}
ENFORCEMENT_REGIMES = tuple(REGIMES)  # the names the parameter enforcement_regime schedules
