"""Shared vocabularies: legal status, custody state, offenses, the record and priority levels.

Small integer codes so the model can keep per-resident state in numpy arrays. Everything the
model's components share about time, the record and ICE's levels is written here once.
"""

import bisect
from enum import IntEnum

import numpy as np

WEEKS_PER_YEAR = 52  # one step is one week; annual rates are divided by this, once, here
KNOWING_WINDOW_WEEKS = WEEKS_PER_YEAR  # "knows someone detained or removed in the past year"


def years(n: float) -> int:
    """A span of years in weeks (the law's windows: "within the past 5 years")."""
    return int(round(n * WEEKS_PER_YEAR))


class Status(IntEnum):
    """Legal status of a resident."""

    US_BORN = 0
    NATURALIZED = 1
    LPR = 2
    UNDOCUMENTED = 3


CITIZEN_STATUSES = (Status.US_BORN, Status.NATURALIZED)


def is_citizen(status):
    """Whether a legal status (one code, or an array of codes) is US citizenship: the one definition."""
    return (status == Status.US_BORN) | (status == Status.NATURALIZED)


class Custody(IntEnum):
    """Where a resident is this week. Every resident is in exactly one state."""

    FREE = 0
    JAILED = 1  # booked, in the county jail
    HELD = 2  # in jail, held for ICE on a detainer the jail honors
    ICE = 3  # in ICE detention
    REMOVED = 4  # deported; may come back (re-entry) as the same person


class Offense(IntEnum):
    """Crime types. Violent and property crimes have victims; the rest are found by patrol."""

    VIOLENT = 0
    PROPERTY = 1
    DRUG = 2
    DUI = 3
    PUBLIC_ORDER = 4
    TRAFFIC = 5


OFFENSE_NAMES = [o.name.lower() for o in Offense]

# The doors through which ICE takes a person into custody (every removal is counted by its door):
# sc: a detainer on a Secure Communities match, picked up from this county's jail;
# at_large: an arrest at home, at work or at court after the jail declined a detainer;
# background: interior enforcement that does not run through this jail (fugitive operations,
# worksite, jail interviews outside SC).
DOORS = ("sc", "at_large", "background")

# --- the record: columns of the per-resident arrays ``model.record`` (counts) and
# ``model.record_week`` (week of the most recent entry in each column; NEVER if none) ---
FELONY = 0  # felony convictions
MISDEMEANOR = 1  # misdemeanor convictions
SERIOUS_VIOLENT = 2  # serious or violent felony convictions (CA Penal Code 1192.7(c), 667.5(c))
SIGNIFICANT_MISDEMEANOR = 3  # PEP's "significant misdemeanors": DUI, domestic violence
WOBBLER = 4  # misdemeanor convictions for a crime chargeable as a felony ("wobbler")
LISTED_FELONY = 5  # felony convictions on AB 4's list (assault, battery, robbery, burglary, theft, DUI, drugs...)
PRIOR_REMOVAL = 6  # removals from the United States (an order that ICE can reinstate)
FINAL_ORDER = 7  # an outstanding final order of removal (an immigration-court fugitive)
RECORD_COLUMNS = ("felony", "misdemeanor", "serious_violent", "significant_misdemeanor", "wobbler",
                  "listed_felony", "prior_removal", "final_order")
RECORD_DTYPE = np.int32  # counts (int16 wrapped at allowed parameter values: issue 22)
RECORD_MAX = 2**30  # prior convictions drawn at build stop here; a run adds at most a few a week, so no count wraps
WEEK_DTYPE = np.int32  # weeks; compare as ``when >= week - window`` (no subtraction from NEVER)
NEVER = -(2**30)  # record_week of a column with no entry


# --- ICE priority levels of the Secure Communities era (Morton memo, ICE policy 10072.1) ---
NONCRIMINAL, LEVEL1, LEVEL2, LEVEL3 = 0, 1, 2, 3
LEVEL_NAMES = {LEVEL1: "level1", LEVEL2: "level2", LEVEL3: "level3", NONCRIMINAL: "noncriminal"}


def _morton_level(serious_violent: int, felonies: int, misdemeanors: int) -> int:
    """The rule, written once: Level 1 an aggravated felony (serious or violent) or 2+ felonies;
    Level 2 one felony or 3+ misdemeanors; Level 3 misdemeanors; otherwise non-criminal."""
    if serious_violent > 0 or felonies >= 2:
        return LEVEL1
    if felonies == 1 or misdemeanors >= 3:
        return LEVEL2
    if misdemeanors > 0:
        return LEVEL3
    return NONCRIMINAL


# The rule only looks at counts up to these caps, so it is tabulated once and every caller indexes
# the table: one definition serves a single record row and a whole population.
_CAPS = (1, 2, 3)  # serious_violent, felonies, misdemeanors
LEVEL_TABLE = np.array([[[_morton_level(s, f, m) for m in range(_CAPS[2] + 1)] for f in range(_CAPS[1] + 1)]
                        for s in range(_CAPS[0] + 1)], dtype=np.int8)


_LEVEL_LISTS = LEVEL_TABLE.tolist()  # the same table as nested lists, for one row at a time


def sc_level(row) -> int:
    """SC-era priority level of one record row (``model.record[i]``)."""
    r = row.tolist() if hasattr(row, "tolist") else list(row)
    return _LEVEL_LISTS[min(r[SERIOUS_VIOLENT], 1)][min(r[FELONY], 2)][min(r[MISDEMEANOR], 3)]


def sc_levels(record: np.ndarray) -> np.ndarray:
    """SC-era priority levels of many record rows (an (n, columns) array) at once."""
    return LEVEL_TABLE[np.minimum(record[:, SERIOUS_VIOLENT], 1), np.minimum(record[:, FELONY], 2),
                       np.minimum(record[:, MISDEMEANOR], 3)]


def has_immigration_history(row) -> bool:
    """A prior removal or an outstanding final order (SC's "immigration violators" and fugitives)."""
    return bool(row[PRIOR_REMOVAL] > 0 or row[FINAL_ORDER] > 0)


# --- charges and convictions ---
# Share of charges of each offense that are felonies (violent felonies count as serious or
# violent; the rest of violent charges are misdemeanor assaults).
FELONY_SHARE = {Offense.VIOLENT: 0.5, Offense.PROPERTY: 0.25, Offense.DRUG: 0.3,
                Offense.DUI: 0.0, Offense.PUBLIC_ORDER: 0.0, Offense.TRAFFIC: 0.0}
# Felonies of these offenses are on AB 4's list (Gov. Code 7282.5(a)(3)): assault, battery,
# robbery (violent); burglary, theft, fraud (property); sale or possession for sale (drugs); DUI.
LISTED_FELONY_OFFENSES = frozenset({Offense.VIOLENT, Offense.PROPERTY, Offense.DRUG, Offense.DUI})
# Misdemeanors of these offenses can be wobblers (chargeable as felonies): domestic violence and
# assault with injury, grand theft and second-degree burglary, drug possession before 2014. The
# share of such misdemeanors that are wobblers is the parameter ``wobbler_share``.
WOBBLER_OFFENSES = frozenset({Offense.VIOLENT, Offense.PROPERTY, Offense.DRUG})


def conviction_columns(offense: int, felony: bool, wobbler: bool = False) -> tuple:
    """Record columns a conviction for this charge adds to."""
    if felony:
        columns = (FELONY, SERIOUS_VIOLENT) if offense == Offense.VIOLENT else (FELONY,)
        return columns + ((LISTED_FELONY,) if offense in LISTED_FELONY_OFFENSES else ())
    columns = (MISDEMEANOR,)
    if offense in (Offense.VIOLENT, Offense.DUI):  # assault (domestic violence), DUI: PEP's
        columns += (SIGNIFICANT_MISDEMEANOR,)  # "significant misdemeanors"
    if wobbler and offense in WOBBLER_OFFENSES:
        columns += (WOBBLER,)
    return columns


# --- the current charge: where the case of a person's latest booking stands (``model.charge_state``) ---
# A removal's conviction status is whatever this is at the removal: under Secure Communities the detainer
# is lodged at booking and falls due when local custody ends, often before the case is decided.
NO_CHARGE, CHARGE_PENDING, CHARGE_CONVICTED, CHARGE_NOT_CONVICTED = 0, 1, 2, 3
CHARGE_NAMES = {NO_CHARGE: "no_charge", CHARGE_PENDING: "pending", CHARGE_CONVICTED: "convicted",
                CHARGE_NOT_CONVICTED: "not_convicted"}


# --- ages: the groups arrests and removals are reported by (years, lower bounds) ---
AGE_GROUP_STARTS = (0, 18, 25, 35, 45, 55)
AGE_GROUPS = ("under_18", "18_24", "25_34", "35_44", "45_54", "55_plus")
ADULT_AGE = 18
AGE_DTYPE = np.int16


def age_group(age: int) -> str:
    """The name in AGE_GROUPS of one age: the last band starting at or below it (one person, per event)."""
    return AGE_GROUPS[bisect.bisect_right(AGE_GROUP_STARTS, age) - 1]


# The age-crime curve: arrests per resident by age, relative to adults' mean, from the FBI's arrests by age
# (UCR, Crime in the United States 2018, Table 64, suburban agencies: the share of adult arrests in each
# band) over the share of US adults in that band (2010 Census order of magnitude: an assumption, not read
# here). Bands start at these ages; under 18 the model's residents do not offend.
OFFENDING_AGE_STARTS = (18, 25, 30, 35, 40, 45, 50, 55, 60, 65)
_ARREST_SHARE = (22.2, 17.2, 14.5, 12.1, 8.1, 6.6, 5.2, 3.7, 1.9, 1.3)  # % of arrests, ages 18+ (UCR)
_ADULT_SHARE = (9.9, 6.8, 6.5, 6.5, 6.8, 7.4, 7.2, 6.4, 5.4, 13.0)  # % of residents (Census 2010, assumption)
OFFENDING_BY_AGE = np.array([a / p for a, p in zip(_ARREST_SHARE, _ADULT_SHARE, strict=True)])
# Violent victimization by age, per 1,000 persons a year (BJS, NCVS 2003, Table 3: crimes of violence);
# under 12 the survey does not ask: an assumption, the 12-15 rate halved.
VICTIM_AGE_STARTS = (0, 12, 16, 20, 25, 35, 50, 65)
VICTIMIZATION_BY_AGE = np.array([25.8, 51.6, 53.0, 43.3, 26.4, 18.5, 10.3, 2.0])


def offending_by_age(age) -> np.ndarray:
    """The age-crime multiplier of each age (0 under 18)."""
    age = np.asarray(age)
    band = np.searchsorted(OFFENDING_AGE_STARTS, age, side="right") - 1
    return np.where(age >= ADULT_AGE, OFFENDING_BY_AGE[np.maximum(band, 0)], 0.0)


def victimization_by_age(age) -> np.ndarray:
    """Violent victimization per 1,000 persons a year at each age (NCVS)."""
    return VICTIMIZATION_BY_AGE[np.searchsorted(VICTIM_AGE_STARTS, np.asarray(age), side="right") - 1]
